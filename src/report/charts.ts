// Vega-Lite specs for the report's charts (pure data -> spec, so they can be tested without rendering).
import type { TopLevelSpec } from 'vega-lite';
import type { History } from '../study/run-folder.ts';
import { CHART_FONT } from './render.ts';

export interface SeedHistory {
  seed: number;
  history: History;
}

const CONFIG = { font: CHART_FONT, view: { stroke: null }, legend: { orient: 'bottom', labelLimit: 400, direction: 'horizontal' } } as const;

interface CurvePoint {
  epoch: number;
  value: number;
  split: string;
  seed: string;
}

function points(histories: SeedHistory[], trainKey: keyof History, valKey: keyof History | null, valLabel: string): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const { seed, history } of histories) {
    history.epoch.forEach((epoch, i) => {
      const t = history[trainKey][i];
      if (Number.isFinite(t)) out.push({ epoch, value: t, split: valKey ? 'train' : 'learning rate', seed: `seed ${seed}` });
      const v = valKey ? history[valKey][i] : NaN;
      if (Number.isFinite(v)) out.push({ epoch, value: v, split: valLabel, seed: `seed ${seed}` });
    });
  }
  return out;
}

function panel(title: string, values: CurvePoint[], yTitle: string, logScale = false): Record<string, unknown> {
  return {
    title,
    width: 260,
    height: 180,
    data: { values },
    mark: { type: 'line', point: values.length < 60 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: logScale ? { type: 'log' } : { zero: false } },
      color: { field: 'split', type: 'nominal', title: null },
      detail: { field: 'seed', type: 'nominal' },
      tooltip: [{ field: 'seed' }, { field: 'epoch' }, { field: 'value' }],
    },
  };
}

const MACRO_CURVES: readonly [keyof History, string][] = [
  ['val_precision', 'precision'],
  ['val_recall', 'recall'],
  ['val_macro_f1', 'F1'],
  ['val_auc', 'AUC (one-vs-rest)'],
];

/** The validation set's macro averages per epoch, one colour per metric (runs from before they were logged: none). */
function macroPoints(histories: SeedHistory[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const { seed, history } of histories) {
    for (const [key, label] of MACRO_CURVES) {
      history.epoch.forEach((epoch, i) => {
        const v = history[key][i];
        if (Number.isFinite(v)) out.push({ epoch, value: v, split: label, seed: `seed ${seed}` });
      });
    }
  }
  return out;
}

/**
 * Loss, accuracy and learning rate per epoch, train vs validation, one line per seed; then the validation
 * macro precision, recall, F1 and AUC where the runs logged them.
 * valLabel says what "validation" was ("validation" or "test (used as validation)").
 */
export function curvesSpec(experiment: string, histories: SeedHistory[], valLabel = 'validation'): TopLevelSpec {
  const macro = macroPoints(histories);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${experiment}: training curves (${histories.length} seed${histories.length === 1 ? '' : 's'})`,
    config: CONFIG,
    hconcat: [
      panel('loss', points(histories, 'loss', 'val_loss', valLabel), 'loss'),
      panel('accuracy', points(histories, 'acc', 'val_acc', valLabel), 'accuracy'),
      panel('learning rate', points(histories, 'lr', null, valLabel), 'learning rate', true),
      ...(macro.length > 0 ? [panel(`${valLabel}: macro averages`, macro, 'macro average')] : []),
    ],
    resolve: { scale: { color: 'independent' } },
  } as unknown as TopLevelSpec; // checked by vega-lite's compile at render time
}

export interface ExperimentHistories {
  experiment: string;
  histories: SeedHistory[];
}

/** Validation accuracy and loss of every experiment on one chart (one line per run). */
export function overlaySpec(experiments: ExperimentHistories[]): TopLevelSpec {
  const values: { experiment: string; run: string; epoch: number; val_acc: number; val_loss: number }[] = [];
  for (const { experiment, histories } of experiments) {
    for (const { seed, history } of histories) {
      history.epoch.forEach((epoch, i) => {
        values.push({ experiment, run: `${experiment} seed ${seed}`, epoch, val_acc: history.val_acc[i], val_loss: history.val_loss[i] });
      });
    }
  }
  const layer = (field: 'val_acc' | 'val_loss', title: string): Record<string, unknown> => ({
    title,
    width: 340,
    height: 220,
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
      y: { field, type: 'quantitative', title, scale: { zero: false } },
      color: { field: 'experiment', type: 'nominal' },
      detail: { field: 'run', type: 'nominal' },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'All experiments: validation curves',
    config: CONFIG,
    data: { values },
    hconcat: [layer('val_acc', 'validation accuracy'), layer('val_loss', 'validation loss')],
  } as unknown as TopLevelSpec; // checked by vega-lite's compile at render time
}

/** Up to this many classes the heatmap prints each cell's count (and a count table stays readable). */
export const CONFUSION_COUNTS_MAX = 20;

/** Heatmap with counts; rows = true class, columns = predicted class. */
export function confusionSpec(title: string, confusion: number[][], labels: string[]): TopLevelSpec {
  const values: { true: string; predicted: string; count: number; rowShare: number }[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => values.push({ true: labels[i], predicted: labels[j], count, rowShare: total ? count / total : 0 }));
  });
  const side = Math.min(560, Math.max(240, labels.length * 32));
  const order = { sort: labels };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: CONFIG,
    width: side,
    height: side,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'predicted', ...order, axis: { labelAngle: 0 } },
      y: { field: 'true', type: 'ordinal', title: 'true', ...order },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'rowShare', type: 'quantitative', title: 'share of row', scale: { scheme: 'blues', domain: [0, 1] } },
        },
      },
      ...(labels.length <= CONFUSION_COUNTS_MAX
        ? [
            {
              mark: { type: 'text', fontSize: 10 },
              encoding: {
                text: { field: 'count', type: 'quantitative' },
                color: { condition: { test: 'datum.rowShare > 0.5', value: 'white' }, value: 'black' },
              },
            },
          ]
        : []),
    ],
  } as unknown as TopLevelSpec; // checked by vega-lite's compile at render time
}
