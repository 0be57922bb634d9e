// Comparison tables over experiments and seeds, all numbers taken from the study summary and the runs.
import { formatP, type SampleStats } from '../metrics/stats.ts';
import { membersText, pointsText, referenceText, type EnsembleSummary } from '../study/ensembles.ts';
import type { ExperimentSummary, Summary } from '../study/summary.ts';
import type { RunRecord } from '../run-folder/read.ts';
import type { Table } from './tables.ts';
import { epochsCell } from './epochs.ts';

export const LEAK_MARK = '⚠ validated on test';

export function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)} %`;
}

/** "91.23 ± 0.31 %" (std in points), "91.23 % (1 seed)", or "91.23 % (deterministic)" for knn, which has no spread to report. */
export function meanStdPct(s: SampleStats, deterministic = false): string {
  if (deterministic) return `${pct(s.mean)} (deterministic)`;
  return s.std === null ? `${pct(s.mean)} (1 seed)` : `${(s.mean * 100).toFixed(2)} ± ${(s.std * 100).toFixed(2)} %`;
}

export function ciPct(s: SampleStats, deterministic = false): string {
  return s.ci95 === null || deterministic ? '—' : `${(s.ci95[0] * 100).toFixed(2)}–${(s.ci95[1] * 100).toFixed(2)} %`;
}

/** "1, 2, 3", or "1 (deterministic)" for knn. */
function seedsCell(e: ExperimentSummary): string {
  return e.deterministic ? `${e.seeds.join(', ')} (deterministic)` : e.seeds.join(', ');
}

/** "seed 2" or "seeds 1, 2". */
export function seedList(seeds: readonly number[]): string {
  return `seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}`;
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');

export function experimentsTable(summary: Summary): Table {
  const balanced = summary.headlineMetric === 'balanced-accuracy';
  const columns = ['experiment', 'seeds', 'test accuracy', '95 % CI', 'macro-F1', 'balanced accuracy', 'params', 'epochs run', 'train img/s (knn: fit time)', 'backend', 'validation'];
  const rows = summary.experiments.map((e) => [
    e.experiment,
    seedsCell(e),
    meanStdPct(e.testAccuracy, e.deterministic),
    ciPct(e.testAccuracy, e.deterministic),
    meanStdPct(e.macroF1, e.deterministic),
    meanStdPct(e.balancedAccuracy, e.deterministic) + (balanced ? ' (headline)' : ''),
    e.deterministic ? '—' : int(e.paramCount),
    e.deterministic ? '— (no training)' : e.epochsRun.join(', '),
    e.deterministic ? (e.fitSeconds === undefined ? '—' : `fit ${e.fitSeconds.toFixed(2)} s`) : int(e.meanTrainImagesPerSecond),
    e.backends.join(', '),
    e.leakySeeds.length > 0 ? `${LEAK_MARK} (${seedList(e.leakySeeds)})` : 'held-out split',
  ]);
  // Ensembles: one value each (no spread), no parameters, epochs or training of their own.
  for (const e of summary.ensembles) {
    rows.push([
      e.name,
      ensembleSeedsCell(e),
      pct(e.testAccuracy),
      '— (ensemble)',
      pct(e.macroF1),
      pct(e.balancedAccuracy) + (balanced ? ' (headline)' : ''),
      '— (ensemble)',
      '— (ensemble)',
      '— (ensemble)',
      '—',
      e.validatedOnTest ? `${LEAK_MARK} (a member)` : 'held-out split',
    ]);
  }
  return {
    caption: 'Experiments over seeds: mean ± sample std and the 95 % CI of the mean (Student t)',
    columns,
    align: columns.map((_, k) => (k === 0 || k === 1 || k >= 9 ? 'l' : 'r')),
    rows,
  };
}

/** "ensemble of seeds 1, 2, 3" or "ensemble of 4 experiments". */
function ensembleSeedsCell(e: EnsembleSummary): string {
  return e.kind === 'seeds' ? `ensemble of ${seedList(e.members[0].seeds)}` : `ensemble of ${e.members.length} experiments`;
}

/** The summary's table: one row per experiment, the headline numbers only (the Comparison section has the rest). */
export function glanceTable(summary: Summary): Table {
  const balanced = summary.headlineMetric === 'balanced-accuracy';
  const headline = (e: Summary['experiments'][number]): SampleStats => (balanced ? e.balancedAccuracy : e.testAccuracy);
  const columns = ['experiment', 'seeds', balanced ? 'balanced accuracy' : 'test accuracy', '95 % CI', 'macro-F1', 'params'];
  return {
    caption: 'Experiments: mean ± std over seeds, 95 % CI of the mean (Student t)',
    columns,
    align: ['l', 'r', 'r', 'r', 'r', 'r'],
    rows: summary.experiments.map((e) => [
      e.experiment + (e.leakySeeds.length ? ' ⚠' : ''),
      e.deterministic ? 'deterministic' : String(e.seeds.length),
      meanStdPct(headline(e), e.deterministic).replace(' (deterministic)', ''),
      ciPct(headline(e), e.deterministic),
      meanStdPct(e.macroF1, e.deterministic).replace(' (deterministic)', ''),
      e.paramCount > 0 ? int(e.paramCount) : '—',
    ]).concat(
      summary.ensembles.map((e) => [
        e.name + (e.validatedOnTest ? ' ⚠' : ''),
        e.kind === 'seeds' ? `ensemble of ${e.members[0].seeds.length}` : `ensemble of ${e.members.length} experiments`,
        pct(balanced ? e.balancedAccuracy : e.testAccuracy),
        '— (ensemble)',
        pct(e.macroF1),
        '— (ensemble)',
      ]),
    ),
  };
}

/** Each ensemble against its reference run (McNemar) and, for seed ensembles, against each of its seeds. */
export function ensemblesTable(summary: Summary): Table {
  const rows = summary.ensembles.map((e) => [
    e.name + (e.validatedOnTest ? ' ⚠' : ''),
    membersText(e),
    pct(e.testAccuracy),
    `${referenceText(e)}: ${pct(e.reference.testAccuracy)}`,
    pointsText(e.reference.gain),
    `${e.reference.aOnly} / ${e.reference.bOnly}`,
    formatP(e.reference.p),
    e.versusSeeds.length ? e.versusSeeds.map((v) => `${v.seed}: ${pointsText(v.gain)} (${formatP(v.p)})`).join('; ') : '—',
    `${pointsText(e.gainOverMean)} over ${e.kind === 'seeds' ? 'the mean of its seeds' : `${e.reference.experiment}'s mean`}`,
  ]);
  return {
    caption: `Soft-vote ensembles of finished runs (mean test probability, argmax; no training of their own) against one single run, McNemar exact test; significance level ${summary.significanceLevel}`,
    columns: ['ensemble', 'members', 'test accuracy', 'against', 'gain', 'ensemble only / run only', 'p', 'gain over each seed (p)', 'gain over the mean'],
    align: ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'l', 'l'],
    rows,
  };
}

export function pairsTable(summary: Summary): Table {
  const ran = new Set(summary.experiments.map((e) => e.experiment));
  const rows = summary.comparisons.filter((c) => ran.has(c.a) && ran.has(c.b)).map((c) => {
    if (c.combined === null) return [`${c.a} vs ${c.b}`, c.question, '—', '—', '—', `not compared: ${c.skipped ?? 'no paired runs'}`];
    const perSeed = c.perSeed.map((r) => `${r.seed}: ${formatP(r.p)}`).join('; ');
    return [`${c.a} vs ${c.b}`, c.question, `${c.combined.aOnly} / ${c.combined.bOnly}`, perSeed, formatP(c.combined.maxP), c.combined.words];
  });
  return {
    caption: `McNemar exact test per seed (images only A gets right / only B gets right, summed over seeds for display); significance level ${summary.significanceLevel}`,
    columns: ['pair', 'question', 'A only / B only', 'p per seed', 'largest p', 'verdict'],
    align: ['l', 'l', 'r', 'l', 'r', 'l'],
    rows,
  };
}

export function runsTable(runs: RunRecord[]): Table {
  const columns = ['experiment', 'seed', 'test accuracy', 'macro-F1', 'balanced accuracy', 'params', 'epochs (scored)', 'train time', 'train img/s', 'prediction img/s', 'backend', 'validation'];
  const rows = runs.map((r) => {
    const m = r.metrics;
    // knn does not train: its fit time instead of training time, no parameters, epochs or training throughput
    const untrained = m.deterministic;
    return [
      r.experiment,
      untrained ? `${r.seed} (deterministic)` : String(r.seed),
      pct(m.testAccuracy),
      pct(m.macroF1),
      pct(m.balancedAccuracy),
      untrained ? '—' : int(m.paramCount),
      untrained ? '—' : epochsCell(m),
      untrained ? (m.fitSeconds === undefined ? '—' : `fit ${m.fitSeconds.toFixed(2)} s`) : `${m.trainSeconds.toFixed(1)} s`,
      untrained ? '—' : int(m.trainImagesPerSecond),
      int(m.inferenceImagesPerSecond),
      m.backend,
      r.config.validationOn === 'test' ? `${LEAK_MARK} (preset ${r.config.preset})` : `val split ${r.config.valSplit}`,
    ];
  });
  return {
    caption: 'Every run',
    columns,
    align: columns.map((_, k) => (k === 0 || k >= 10 ? 'l' : 'r')),
    rows,
  };
}
