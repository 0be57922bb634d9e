// The findings that open the report: each sentence is built from the summary's numbers, none typed in.
import { describe, formatP } from '../metrics/stats.ts';
import type { ExperimentSummary, PairComparison, Summary } from '../study/summary.ts';
import { pointsText } from '../study/ensembles.ts';
import { ciPct, LEAK_MARK, meanStdPct, pct, seedList } from './comparison.ts';
import { basename } from 'node:path';
import { getDatasetSpec } from '../data/registry.ts';
import type { DatasetName } from '../data/types.ts';
import type { RunConfig } from '../run-folder/layout.ts';
import type { RunRecord } from '../run-folder/read.ts';
import type { Table } from './tables.ts';

/** Test accuracies the original study published (DEVELOPERS.md), comparable only on the full KMNIST test set. */
export const PUBLISHED_TEST_ACCURACY: Readonly<Record<string, number>> = {
  cnn: 0.887,
  fcnn: 0.8286,
  'cnn-no-pool': 0.8672,
  'cnn-aug': 0.9153,
  'fcnn-aug': 0.8305,
};

function headline(e: ExperimentSummary, summary: Summary): ExperimentSummary['testAccuracy'] {
  return summary.headlineMetric === 'balanced-accuracy' ? e.balancedAccuracy : e.testAccuracy;
}

function leakNote(...experiments: (ExperimentSummary | undefined)[]): string {
  const leaky = experiments.filter((e): e is ExperimentSummary => e !== undefined && e.leakySeeds.length > 0);
  return leaky.length ? ` (${LEAK_MARK}: ${leaky.map((e) => `${e.experiment} ${seedList(e.leakySeeds)}`).join('; ')})` : '';
}

/** "cnn beats fcnn by 4.10 ± 0.30 points ..., p < 0.001 ..." from the per-seed paired differences. */
export function pairFinding(c: PairComparison, summary: Summary): string | null {
  if (c.combined === null) return null;
  const ea = summary.experiments.find((e) => e.experiment === c.a);
  const eb = summary.experiments.find((e) => e.experiment === c.b);
  if (!ea || !eb) return null;
  const metric = summary.headlineMetric === 'balanced-accuracy' ? 'balanced accuracy' : 'test accuracy';
  const value = (e: ExperimentSummary, seed: number): number => headline(e, summary).values[e.seeds.indexOf(seed)];
  const diffs = c.perSeed.map((r) => value(ea, r.seed) - value(eb, r.seed)).filter((d) => Number.isFinite(d));
  if (diffs.length === 0) return null;
  const d = describe(diffs);
  const [winner, loser] = d.mean >= 0 ? [c.a, c.b] : [c.b, c.a];
  const size = `${Math.abs(d.mean * 100).toFixed(2)}${d.std === null ? '' : ` ± ${(d.std * 100).toFixed(2)}`} points`;
  const over = d.n === 1 ? '1 seed' : `mean ± std of the per-seed difference over ${d.n} seeds`;
  const verb = d.mean === 0 ? 'ties with' : 'beats';
  const sig = `${formatP(c.combined.maxP)} (largest per-seed McNemar p)`;
  return `${c.question} **${winner}** ${verb} **${loser}** by ${size} of ${metric} (${over}), ${sig}: ${c.combined.words}${leakNote(ea, eb)}.`;
}

export interface FindingsInput {
  summary: Summary;
  /** Test-set size of the runs (to decide whether published numbers are comparable). */
  testSize: number;
  /** The runs, for what only they know (best epochs, the data folder); optional. */
  runs?: readonly RunRecord[];
}

/** "kmnist" or, when the files came from a folder of another name, "kmnist (kmnist-10k)". */
export function datasetLabel(config: Pick<RunConfig, 'dataset' | 'dataDir'>): string {
  const folder = basename(config.dataDir);
  return folder && folder !== config.dataset ? `${config.dataset} (${folder})` : config.dataset;
}

/** "**Kuzushiji-MNIST (KMNIST, 10 classes)** (`kmnist` read from `../data/kmnist-10k`, 2,000 test images)". */
export function datasetUsed(config: Pick<RunConfig, 'dataset' | 'dataDir'>, testSize: number): string {
  let title = config.dataset;
  try {
    title = getDatasetSpec(config.dataset as DatasetName).title;
  } catch {
    // a dataset name this version does not know: its name is all we can say
  }
  return `**${title}** (\`${config.dataset}\` read from \`${config.dataDir}\`, ${testSize.toLocaleString('en-US')} test images)`;
}

/** What the seeds cannot say: a 95 % t-interval from n < 3 seeds is very wide (t = 12.7 at n = 2) or absent (n = 1). */
function fewSeedsFinding(exps: ExperimentSummary[]): string | null {
  const few = exps.filter((e) => e.seeds.length < 3 && !e.deterministic);
  if (few.length === 0) return null;
  const one = few.filter((e) => e.seeds.length === 1).map((e) => e.experiment);
  const two = few.filter((e) => e.seeds.length === 2);
  const parts: string[] = [];
  if (one.length) parts.push(`${one.join(', ')} ran with 1 seed: no confidence interval, and nothing tells a real difference from seed-to-seed noise`);
  if (two.length) {
    const widths = two.map((e) => `${e.experiment} ±${e.testAccuracy.ci95 ? (((e.testAccuracy.ci95[1] - e.testAccuracy.ci95[0]) / 2) * 100).toFixed(2) : '?'} points`);
    parts.push(`${two.map((e) => e.experiment).join(', ')} ran with 2 seeds: the 95 % CI uses Student's t with 1 degree of freedom (12.7 standard errors) and is that wide (${widths.join(', ')})`);
  }
  return `Few seeds: ${parts.join('; ')}. Run \`--seeds 3\` or more for intervals that can separate experiments.`;
}


/** Seeds whose best epoch was their last one, and which were not stopped early: still improving when the epoch cap stopped them. */
export function stillImprovingSeeds(runs: readonly RunRecord[]): number[] {
  return runs.filter((r) => r.metrics.epochsRun > 0 && r.metrics.bestEpoch === r.metrics.epochsRun && !r.metrics.stoppedEarly).map((r) => r.seed);
}

function stillImprovingFinding(runs: readonly RunRecord[]): string | null {
  const byExperiment = new Map<string, number[]>();
  for (const r of runs) if (stillImprovingSeeds([r]).length) byExperiment.set(r.experiment, [...(byExperiment.get(r.experiment) ?? []), r.seed]);
  if (byExperiment.size === 0) return null;
  const list = [...byExperiment].map(([e, seeds]) => `${e} (${seedList(seeds)})`).join(', ');
  return `Still improving at the epoch cap: ${list} scored best on their last epoch, so training stopped before the model did. More epochs (\`--epochs\`) may change the ranking.`;
}

export function findings({ summary, testSize, runs }: FindingsInput): string[] {
  const out: string[] = [];
  const exps = summary.experiments;
  if (exps.length > 0) {
    const best = exps.reduce((a, b) => (headline(b, summary).mean > headline(a, summary).mean ? b : a));
    const metric = summary.headlineMetric === 'balanced-accuracy' ? 'balanced accuracy' : 'test accuracy';
    const h = headline(best, summary);
    out.push(
      `Best ${metric}: **${best.experiment}** with ` +
        (best.deterministic ? `${pct(h.mean)} (deterministic: the same for every seed)` : `${h.n === 1 ? pct(h.mean) : meanStdPct(h)}${h.ci95 ? ` (95 % CI ${ciPct(h)})` : ''} over ${h.n} seed${h.n === 1 ? '' : 's'}`) +
        ', ' +
        `${best.paramCount > 0 ? `${best.paramCount.toLocaleString('en-US')} parameters` : 'no trained parameters'}${leakNote(best)}.`,
    );
  }
  for (const c of summary.comparisons) {
    const f = pairFinding(c, summary);
    if (f) out.push(f);
  }
  if (summary.ensembles.length > 0) {
    const parts = summary.ensembles.map((e) => {
      const r = e.reference;
      const verdict = r.p < summary.significanceLevel ? 'not chance' : 'could be chance';
      return `**${e.name}** ${pct(e.testAccuracy)}, ${pointsText(r.gain)} over ${r.experiment} seed ${r.seed} (McNemar ${formatP(r.p)}: ${verdict})${e.validatedOnTest ? ` ${LEAK_MARK}` : ''}`;
    });
    out.push(`Soft-vote ensembles of the saved test probabilities (no training of their own): ${parts.join('; ')}.`);
  }
  const improving = stillImprovingFinding(runs ?? []);
  if (improving) out.push(improving);
  const few = fewSeedsFinding(exps);
  if (few) out.push(few);
  const leaky = exps.filter((e) => e.leakySeeds.length > 0);
  if (leaky.length > 0) {
    out.push(
      `${LEAK_MARK}: ${leaky.map((e) => `${e.experiment} (${seedList(e.leakySeeds)})`).join(', ')} used the \`seed\` preset, ` +
        'which (like the original study) picks the epoch by the test set: their test numbers are optimistic.',
    );
  }
  const published = exps.filter((e) => PUBLISHED_TEST_ACCURACY[e.experiment] !== undefined);
  if (published.length > 0 && summary.dataset === 'kmnist' && testSize === 10000) {
    out.push(
      'Against the original study\'s published test accuracy: ' +
        published
          .map((e) => {
            const diff = (e.testAccuracy.mean - PUBLISHED_TEST_ACCURACY[e.experiment]) * 100;
            return `${e.experiment} ${(e.testAccuracy.mean * 100).toFixed(2)} % vs ${(PUBLISHED_TEST_ACCURACY[e.experiment] * 100).toFixed(2)} % (${diff >= 0 ? '+' : ''}${diff.toFixed(2)} points)`;
          })
          .join('; ') +
        '.',
    );
  } else if (published.length > 0) {
    out.push(
      `These runs were tested on ${testSize.toLocaleString('en-US')} ${runs?.length ? datasetLabel(runs[0].config) : summary.dataset} test images, not the official 10,000-image KMNIST test set: ` +
        'their numbers are not comparable with the original study\'s published ones.',
    );
  }
  if (summary.incomplete.length > 0) {
    out.push(`Not counted (unfinished): ${summary.incomplete.map((r) => `${r.experiment} seed ${r.seed}`).join(', ')}.`);
  }
  return out;
}

/** Published vs reproduced, only when the test set is the official one. */
export function publishedTable(summary: Summary): Table {
  const rows = summary.experiments
    .filter((e) => PUBLISHED_TEST_ACCURACY[e.experiment] !== undefined)
    .map((e) => [e.experiment, (PUBLISHED_TEST_ACCURACY[e.experiment] * 100).toFixed(2) + ' %', meanStdPct(e.testAccuracy), e.leakySeeds.length ? LEAK_MARK : '']);
  return { caption: 'Original study (published) vs these runs', columns: ['experiment', 'published', 'these runs', 'note'], rows };
}
