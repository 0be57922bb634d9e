// The findings that open the report: each sentence is built from the summary's numbers, none typed in.
import { describe, formatP } from '../study/stats.ts';
import type { ExperimentSummary, PairComparison, Summary } from '../study/summary.ts';
import { ciPct, LEAK_MARK, meanStdPct, pct, seedList } from './comparison.ts';
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
}

export function findings({ summary, testSize }: FindingsInput): string[] {
  const out: string[] = [];
  const exps = summary.experiments;
  if (exps.length > 0) {
    const best = exps.reduce((a, b) => (headline(b, summary).mean > headline(a, summary).mean ? b : a));
    const metric = summary.headlineMetric === 'balanced-accuracy' ? 'balanced accuracy' : 'test accuracy';
    const h = headline(best, summary);
    out.push(
      `Best ${metric}: **${best.experiment}** with ${h.n === 1 ? pct(h.mean) : meanStdPct(h)}${h.ci95 ? ` (95 % CI ${ciPct(h)})` : ''} over ${h.n} seed${h.n === 1 ? '' : 's'}, ` +
        `${best.paramCount > 0 ? `${best.paramCount.toLocaleString('en-US')} parameters` : 'no trained parameters'}${leakNote(best)}.`,
    );
  }
  for (const c of summary.comparisons) {
    const f = pairFinding(c, summary);
    if (f) out.push(f);
  }
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
      `These runs were tested on ${testSize.toLocaleString('en-US')} ${summary.dataset} test images, not the official 10,000-image KMNIST test set: ` +
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
