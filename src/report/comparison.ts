// Comparison tables over experiments and seeds, all numbers taken from the study summary and the runs.
import { formatP, type SampleStats } from '../study/stats.ts';
import type { Summary } from '../study/summary.ts';
import type { RunRecord } from '../study/run-reader.ts';
import type { Table } from './tables.ts';
import { epochsCell } from './epochs.ts';

export const LEAK_MARK = '⚠ validated on test';

export function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)} %`;
}

/** "91.23 ± 0.31 %" (std in points), or "91.23 % (1 seed)". */
export function meanStdPct(s: SampleStats): string {
  return s.std === null ? `${pct(s.mean)} (1 seed)` : `${(s.mean * 100).toFixed(2)} ± ${(s.std * 100).toFixed(2)} %`;
}

export function ciPct(s: SampleStats): string {
  return s.ci95 === null ? '—' : `${(s.ci95[0] * 100).toFixed(2)}–${(s.ci95[1] * 100).toFixed(2)} %`;
}

/** "seed 2" or "seeds 1, 2". */
export function seedList(seeds: readonly number[]): string {
  return `seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}`;
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');

export function experimentsTable(summary: Summary): Table {
  const balanced = summary.headlineMetric === 'balanced-accuracy';
  const columns = ['experiment', 'seeds', 'test accuracy', '95 % CI', 'macro-F1', 'balanced accuracy', 'params', 'epochs run', 'train img/s', 'backend', 'validation'];
  const rows = summary.experiments.map((e) => [
    e.experiment,
    e.seeds.join(', '),
    meanStdPct(e.testAccuracy),
    ciPct(e.testAccuracy),
    meanStdPct(e.macroF1),
    meanStdPct(e.balancedAccuracy) + (balanced ? ' (headline)' : ''),
    int(e.paramCount),
    e.epochsRun.join(', '),
    int(e.meanTrainImagesPerSecond),
    e.backends.join(', '),
    e.leakySeeds.length > 0 ? `${LEAK_MARK} (${seedList(e.leakySeeds)})` : 'held-out split',
  ]);
  return {
    caption: 'Experiments over seeds: mean ± sample std and the 95 % CI of the mean (Student t)',
    columns,
    align: columns.map((_, k) => (k === 0 || k === 1 || k >= 9 ? 'l' : 'r')),
    rows,
  };
}

export function pairsTable(summary: Summary): Table {
  const rows = summary.comparisons.map((c) => {
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
  const columns = ['experiment', 'seed', 'test accuracy', 'macro-F1', 'balanced accuracy', 'params', 'epochs (scored)', 'train time', 'train img/s', 'inference img/s', 'backend', 'validation'];
  const rows = runs.map((r) => {
    const m = r.metrics;
    return [
      r.experiment,
      String(r.seed),
      pct(m.testAccuracy),
      pct(m.macroF1),
      pct(m.balancedAccuracy),
      int(m.paramCount),
      epochsCell(m, r.config),
      `${m.trainSeconds.toFixed(1)} s`,
      int(m.trainImagesPerSecond),
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
