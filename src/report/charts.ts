// Vega-Lite specs for the report's charts (pure data -> spec, so they can be tested without rendering).
import type { TopLevelSpec } from 'vega-lite';
import type { History } from '../run-folder/layout.ts';
import { CHART_FONT } from './render.ts';

export interface SeedHistory {
  seed: number;
  history: History;
}

const CONFIG = {
  font: CHART_FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  // symbolType stroke: a line's legend entry is a line (its dash pattern visible), also when the lines carry points
  legend: { orient: 'bottom', labelLimit: 400, direction: 'horizontal', labelFontSize: 11, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5 },
} as const;

/**
 * One colour per experiment, the same in every chart of a report: Tableau 10 (vega's "tableau10"
 * scheme) in the study's experiment order, repeating after ten.
 */
export const EXPERIMENT_PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Experiment -> colour, for `experiments` in the report's order. */
export function experimentColors(experiments: readonly string[]): Map<string, string> {
  return new Map(experiments.map((e, i) => [e, EXPERIMENT_PALETTE[i % EXPERIMENT_PALETTE.length]]));
}

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

/** Whether any seed's learning rate changed during training (else the LR panel is a flat line and is left out). */
export function learningRateChanged(histories: SeedHistory[]): boolean {
  return histories.some(({ history }) => history.lr.some((lr) => Number.isFinite(lr) && lr !== history.lr[0]));
}

const EPOCH_AXIS = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } } as const;

/** Train dashed, validation solid; several validation metrics (the macro panel) each their own pattern. */
function dashes(splits: string[]): number[][] {
  const patterns = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];
  if (splits.length === 2 && splits[0] === 'train') return [patterns[1], patterns[0]];
  return splits.map((_, i) => patterns[i % patterns.length]);
}

/** Up to this many epochs the lines also mark each epoch's value: a 1-epoch run is otherwise drawn as nothing. */
const DOTS_MAX_EPOCHS = 12;
const fewEpochs = (values: readonly { epoch: number }[]): boolean => new Set(values.map((v) => v.epoch)).size <= DOTS_MAX_EPOCHS;

/**
 * One panel: every seed as a thin line, the mean over seeds as a thick one, in the experiment's
 * colour; train dashed, validation solid.
 */
function panel(title: string, values: CurvePoint[], yTitle: string, color: string, splits: string[], logScale = false): Record<string, unknown> {
  const seeds = new Set(values.map((v) => v.seed)).size;
  const dots = fewEpochs(values);
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: logScale ? { type: 'log' } : { zero: false } };
  const dash = { field: 'split', type: 'nominal', title: null, scale: { domain: splits, range: dashes(splits) } };
  const seedLines = {
    mark: { type: 'line', color, strokeWidth: seeds > 1 ? 1 : 2, opacity: seeds > 1 ? 0.45 : 1, point: seeds === 1 && dots ? { color, size: 20 } : false },
    encoding: { x: EPOCH_AXIS, y, strokeDash: dash, detail: { field: 'seed', type: 'nominal' }, tooltip: [{ field: 'seed' }, { field: 'split' }, { field: 'epoch' }, { field: 'value', format: '.4f' }] },
  };
  const mean = {
    transform: [{ aggregate: [{ op: 'mean', field: 'value', as: 'value' }], groupby: ['epoch', 'split'] }],
    mark: { type: 'line', color, strokeWidth: 2.6, point: dots ? { color, size: 30 } : false },
    encoding: { x: EPOCH_AXIS, y: { ...y, title: yTitle }, strokeDash: dash },
  };
  return { title, width: 300, height: 190, data: { values }, layer: seeds > 1 ? [seedLines, mean] : [seedLines] };
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
 * Loss and accuracy per epoch (and the learning rate, only when it changed), train vs validation;
 * then the validation macro precision, recall, F1 and AUC where the runs logged them. Every seed as a
 * thin line plus the mean over seeds, in the experiment's colour.
 * valLabel says what "validation" was ("validation" or "test (used as validation)").
 */
export function curvesSpec(experiment: string, histories: SeedHistory[], valLabel = 'validation', color = EXPERIMENT_PALETTE[0]): TopLevelSpec {
  const splits = ['train', valLabel];
  const n = histories.length;
  const macro = macroPoints(histories);
  const panels = [
    panel('loss', points(histories, 'loss', 'val_loss', valLabel), 'loss', color, splits),
    panel('accuracy', points(histories, 'acc', 'val_acc', valLabel), 'accuracy', color, splits),
  ];
  if (learningRateChanged(histories)) panels.push(panel('learning rate', points(histories, 'lr', null, valLabel), 'learning rate', color, ['learning rate'], true));
  if (macro.length > 0) panels.push(panel(`${valLabel}: macro averages`, macro, 'macro average', color, MACRO_CURVES.map(([, label]) => label)));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${experiment}: training curves`, subtitle: n > 1 ? `${n} seeds (thin lines) and their mean (thick); dashed = train, solid = ${valLabel}` : `1 seed; dashed = train, solid = ${valLabel}` },
    config: CONFIG,
    hconcat: panels,
    // each panel its own dash patterns: train/validation in two, the four macro metrics in the third
    resolve: { scale: { strokeDash: 'independent' }, legend: { strokeDash: 'independent' } },
  } as unknown as TopLevelSpec; // checked by vega-lite's compile at render time
}

export interface ExperimentHistories {
  experiment: string;
  histories: SeedHistory[];
}

/** Validation accuracy and loss of every experiment on one chart: seeds thin, their mean thick, one colour per experiment. */
export function overlaySpec(experiments: ExperimentHistories[], colors: Map<string, string> = experimentColors(experiments.map((e) => e.experiment))): TopLevelSpec {
  const values: { experiment: string; run: string; epoch: number; val_acc: number; val_loss: number }[] = [];
  for (const { experiment, histories } of experiments) {
    for (const { seed, history } of histories) {
      history.epoch.forEach((epoch, i) => {
        values.push({ experiment, run: `${experiment} seed ${seed}`, epoch, val_acc: history.val_acc[i], val_loss: history.val_loss[i] });
      });
    }
  }
  const names = experiments.map((e) => e.experiment);
  const dots = fewEpochs(values);
  const color = { field: 'experiment', type: 'nominal', title: null, scale: { domain: names, range: names.map((n) => colors.get(n) ?? EXPERIMENT_PALETTE[0]) }, sort: names };
  const layer = (field: 'val_acc' | 'val_loss', title: string): Record<string, unknown> => ({
    title,
    width: 300,
    height: 170,
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1, opacity: 0.35 },
        // one legend for both layers: they share the colour scale (legend: null here would hide it everywhere)
        encoding: { x: EPOCH_AXIS, y: { field, type: 'quantitative', title, scale: { zero: false } }, color, detail: { field: 'run', type: 'nominal' } },
      },
      {
        transform: [{ aggregate: [{ op: 'mean', field, as: field }], groupby: ['epoch', 'experiment'] }],
        mark: { type: 'line', strokeWidth: 2.6, point: dots ? { size: 30 } : false },
        encoding: { x: EPOCH_AXIS, y: { field, type: 'quantitative', title, scale: { zero: false } }, color },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'All experiments: validation curves', subtitle: 'each seed thin, the mean over seeds thick' },
    config: CONFIG,
    data: { values },
    hconcat: [layer('val_acc', 'validation accuracy'), layer('val_loss', 'validation loss')],
  } as unknown as TopLevelSpec; // checked by vega-lite's compile at render time
}

/** Up to this many classes the heatmap prints each cell's count (and a count table stays readable). */
export const CONFUSION_COUNTS_MAX = 20;
/** Up to this many classes (K49) a heatmap is drawn; beyond it the report gives a top-confusions table. */
export const CONFUSION_HEATMAP_MAX = 49;

/** Heatmap with counts; rows = true class, columns = predicted class. */
export function confusionSpec(title: string, confusion: number[][], labels: string[]): TopLevelSpec {
  const values: { true: string; predicted: string; count: number; rowShare: number }[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => values.push({ true: labels[i], predicted: labels[j], count, rowShare: total ? count / total : 0 }));
  });
  // 32 px a class with counts printed; 16 px for up to 49 classes, so each label has its own row and column
  const side = labels.length <= CONFUSION_COUNTS_MAX ? Math.max(240, labels.length * 32) : Math.min(820, labels.length * 16);
  const labelFontSize = labels.length <= CONFUSION_COUNTS_MAX ? 11 : 9;
  const order = { sort: labels };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: CONFIG,
    width: side,
    height: side,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'predicted', ...order, axis: { labelAngle: labels.length <= 10 ? 0 : -90, labelFontSize, labelOverlap: false } },
      y: { field: 'true', type: 'ordinal', title: 'true', ...order, axis: { labelFontSize, labelOverlap: false } },
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
