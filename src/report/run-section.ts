// One run's part of the report: classification reports (test, train), confusion matrix, mistakes
// gallery, conv kernels and activation maps. Figures that only illustrate (kernels, activations, the
// mistakes gallery's images) and the confusion heatmap are drawn for one representative seed per
// experiment, the lowest present; every seed keeps its numbers, tables and confusion counts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/types.ts';
import { loadModel } from '../engine/model-io.ts';
import { UserError } from '../errors.ts';
import { RUN_FILES } from '../run-folder/layout.ts';
import { representativeSeed } from '../study/experiments.ts';
import type { Assets } from './assets.ts';
import { CONFUSION_COUNTS_MAX, CONFUSION_HEATMAP_MAX, confusionSpec } from './charts.ts';
import { LEAK_MARK, pct } from './comparison.ts';
import type { Block } from './document.ts';
import { galleryImage, topMistakes, type Mistake } from './gallery.ts';
import { convImages } from './kernels.ts';
import { balancedAccuracy, classificationReport, classRowLabels, confusionMatrix, formatClassificationReport, type ClassificationReport } from '../metrics/classification.ts';
import { svgToPng, vegaLiteToSvg } from './render.ts';
import { classificationReportTable, confusionTable, topConfusionsTable } from './report-tables.ts';
import { readPredictions, type Predictions, type RunRecord, type Warn } from '../run-folder/read.ts';
import { toCsv, type Table } from './tables.ts';
import { epochsSentence } from './epochs.ts';

export interface ProbeImage {
  index: number;
  label: string;
  data: Float32Array;
  height: number;
  width: number;
}

export interface RunSectionContext {
  assets: Assets;
  warn: Warn;
  /** The run's dataset, or null when it could not be loaded (gallery images and activations are skipped). */
  dataset: Dataset | null;
  /** The test image whose activation maps are shown. */
  probe: ProbeImage | null;
  galleryLimit: number;
  /** The seeds of this run's experiment in the report; the lowest is its representative. */
  experimentSeeds: readonly number[];
}

/** Above this many classes (kkanji: 3,832) per-class tables go to files only and the heatmap is left out. */
export const MAX_INLINE_CLASSES = 60;

export const runName = (run: RunRecord): string => `${run.experiment}-seed-${run.seed}`;

type SeedOf = Pick<RunRecord, 'experiment' | 'seed'>;

/** The seed whose illustrative figures stand for its experiment: the lowest present (defined in study/experiments.ts). */
export { representativeSeed };

/** Experiment -> its representative seed, for the runs in the report. */
export function representativeSeeds(runs: readonly SeedOf[]): Map<string, number> {
  const seeds = new Map<string, number[]>();
  for (const r of runs) seeds.set(r.experiment, [...(seeds.get(r.experiment) ?? []), r.seed]);
  return new Map([...seeds].map(([experiment, list]) => [experiment, representativeSeed(list)]));
}

/**
 * The sentence opening the per-run sections, saying which seed's illustrative figures are shown;
 * null when no experiment has more than one seed (then every run is its own representative).
 */
export function representativeNote(runs: readonly SeedOf[]): string | null {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.experiment, (counts.get(r.experiment) ?? 0) + 1);
  if (![...counts.values()].some((n) => n > 1)) return null;
  const bySeed = new Map<number, string[]>();
  for (const [experiment, seed] of representativeSeeds(runs)) bySeed.set(seed, [...(bySeed.get(seed) ?? []), experiment]);
  const which =
    bySeed.size === 1
      ? `seed ${[...bySeed.keys()][0]} for every experiment`
      : [...bySeed]
          .sort((a, b) => a[0] - b[0])
          .map(([seed, experiments]) => `seed ${seed} for ${experiments.join(', ')}`)
          .join('; ');
  return (
    'Every seed below has its own numbers, per-class reports, confusion matrix and count of mistakes. ' +
    'Figures that only illustrate what a model does (the learned conv filters, the activation maps and the pictures of its most confident mistakes) ' +
    `and the confusion heatmap are drawn for one representative seed per experiment, the lowest seed present: ${which}. ` +
    'The other seeds give their confusion matrix as a table of counts (the numbers the heatmap prints) and list their most confident mistakes as a table; ' +
    'every seed\'s confusion counts are also in `tables/confusion-<experiment>-seed-<n>.csv`.'
  );
}

async function tryPredictions(run: RunRecord, file: string, warn: Warn): Promise<Predictions | null> {
  try {
    return await readPredictions(join(run.dir, file), run.config.numClasses);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    warn(`${err.message}; left out of the report`);
    return null;
  }
}

/** Whether the predictions' (index, true) pairs match the dataset's test labels. */
function matchesTestSet(pred: Predictions, dataset: Dataset): boolean {
  for (let i = 0; i < pred.count; i++) {
    const k = pred.index[i];
    if (k < 0 || k >= dataset.test.count || dataset.test.labels[k] !== pred.yTrue[i]) return false;
  }
  return true;
}

function mistakesTable(mistakes: Mistake[], labels: string[]): Table {
  return {
    columns: ['test image', 'true', 'predicted', 'confidence'],
    rows: mistakes.map((m) => [String(m.index), labels[m.yTrue], labels[m.yPred], pct(m.confidence, 1)]),
  };
}

function splitReport(run: RunRecord, split: 'test' | 'train' | 'validation', pred: Predictions, labels: string[], ctx: RunSectionContext): { blocks: Block[]; report: ClassificationReport } {
  const name = `${runName(run)}-${split}`;
  const report = classificationReport(pred.yTrue, pred.yPred, run.config.numClasses, labels);
  const table = classificationReportTable(report, `${run.experiment} seed ${run.seed}: classification report (${split})`);
  ctx.assets.table(`classification-${name}`, table);
  ctx.assets.write(`tables/classification-${name}.txt`, formatClassificationReport(report));
  const bal = balancedAccuracy(pred.yTrue, pred.yPred, run.config.numClasses);
  const inline = run.config.numClasses <= MAX_INLINE_CLASSES;
  const blocks: Block[] = [
    { kind: 'heading', level: 4, text: `${run.experiment} seed ${run.seed}: ${split} set` },
    {
      kind: 'paragraph',
      text:
        `Accuracy ${pct(report.accuracy)}, balanced accuracy ${pct(bal)}, macro-F1 ${pct(report.macroAvg.f1)} on ${report.support.toLocaleString('en-US')} ${split} images${split === 'train' && existsSync(join(run.dir, RUN_FILES.predictionsVal)) ? ' (the images trained on; the validation images have their own report below)' : ''}.` +
        (inline ? '' : ` The per-class table (${run.config.numClasses} classes) is in \`tables/classification-${name}.csv\`.`),
    },
    ...(inline ? [{ kind: 'table', table } as const] : []),
  ];
  return { blocks, report };
}

/**
 * A run's part of the report. `details` holds every seed's own numbers (folded in the HTML);
 * `figures` the illustrative figures, drawn for the representative seed only (empty for the others);
 * `testReport` the per-class test report, for the experiment's table over seeds.
 */
export interface RunSection {
  details: Block[];
  /** The confusion heatmap (representative seed). */
  figures: Block[];
  /** The mistakes gallery, learned filters and activation maps (representative seed). */
  illustrations: Block[];
  testReport: ClassificationReport | null;
}

export async function runSection(run: RunRecord, ctx: RunSectionContext): Promise<RunSection> {
  const labels = classRowLabels(run.config.numClasses, run.config.classChars);
  const leak = run.config.validationOn === 'test' ? ` (${LEAK_MARK}: preset ${run.config.preset})` : '';
  const m = run.metrics;
  const details: Block[] = [
    {
      kind: 'paragraph',
      text:
        `Test accuracy ${pct(m.testAccuracy)}${leak}, macro-F1 ${pct(m.macroF1)}, balanced accuracy ${pct(m.balancedAccuracy)}; ` +
        `${epochsSentence(m)}; ${m.trainSeconds.toFixed(1)} s on ${m.backend}, ` +
        `${Math.round(m.trainImagesPerSecond).toLocaleString('en-US')} train img/s. Folder: \`${run.dir}\`.`,
    },
  ];
  const figures: Block[] = [];
  const illustrations: Block[] = [];
  const test = await tryPredictions(run, RUN_FILES.predictionsTest, ctx.warn);
  const train = await tryPredictions(run, RUN_FILES.predictionsTrain, ctx.warn);
  let testReport: ClassificationReport | null = null;
  if (test) {
    const acc = test.yTrue.reduce((s, y, i) => s + (y === test.yPred[i] ? 1 : 0), 0) / Math.max(1, test.count);
    if (Math.abs(acc - m.testAccuracy) > 1e-6) {
      ctx.warn(`${run.dir}: ${RUN_FILES.predictionsTest} gives accuracy ${acc.toFixed(6)} but ${RUN_FILES.metrics} says ${m.testAccuracy.toFixed(6)}`);
    }
    const r = splitReport(run, 'test', test, labels, ctx);
    details.push(...r.blocks);
    testReport = r.report;
  }
  if (train) details.push(...splitReport(run, 'train', train, labels, ctx).blocks);
  // runs written before predictions-val.csv existed have none; knn and --preset seed have no validation split
  const val = existsSync(join(run.dir, RUN_FILES.predictionsVal)) ? await tryPredictions(run, RUN_FILES.predictionsVal, ctx.warn) : null;
  if (val) details.push(...splitReport(run, 'validation', val, labels, ctx).blocks);

  const representative = representativeSeed(ctx.experimentSeeds);
  const pictured = run.seed === representative;
  const confusion = await confusionBlocks(run, test, labels, representative, ctx);
  (pictured ? figures : details).push(...confusion);
  if (test) (pictured ? illustrations : details).push(...mistakesBlocks(run, test, labels, representative, ctx));
  if (run.hasModel && pictured) illustrations.push(...(await kernelBlocks(run, ctx)));
  return { details, figures, illustrations, testReport };
}

/**
 * Every seed's confusion counts go to tables/confusion-<run>.csv. The heatmap is drawn for the
 * representative seed; the other seeds show the same counts as a table (up to CONFUSION_COUNTS_MAX
 * classes, above which the heatmap prints no counts either and the CSV is named instead).
 */
async function confusionBlocks(run: RunRecord, test: Predictions | null, labels: string[], representative: number, ctx: RunSectionContext): Promise<Block[]> {
  const name = runName(run);
  const confusion = test ? confusionMatrix(test.yTrue, test.yPred, run.config.numClasses) : run.metrics.confusion;
  const title = `${run.experiment} seed ${run.seed}: confusion matrix (test)`;
  const table = confusionTable(confusion, labels, `${title}, counts; rows = true class, columns = predicted`);
  const csv = ctx.assets.write(`tables/confusion-${name}.csv`, toCsv(table));
  if (run.seed === representative) {
    if (labels.length > CONFUSION_HEATMAP_MAX) {
      return [
        { kind: 'paragraph', text: `${labels.length} classes are too many for a readable heatmap; the counts are in \`${csv}\`. The most frequent confusions of ${run.experiment} seed ${run.seed}:` },
        { kind: 'table', table: topConfusionsTable(confusion, labels) },
      ];
    }
    const svg = await vegaLiteToSvg(confusionSpec(title, confusion, labels));
    return [{ kind: 'image', file: ctx.assets.image(`confusion-${name}`, svgToPng(svg), svg), alt: `confusion matrix of ${name}` }];
  }
  const drawn = `its heatmap is drawn for the representative seed, ${run.experiment} seed ${representative}`;
  if (labels.length <= CONFUSION_COUNTS_MAX && labels.length <= MAX_INLINE_CLASSES) {
    return [
      { kind: 'paragraph', text: `Confusion matrix (test) as counts; ${drawn}.` },
      { kind: 'table', table },
    ];
  }
  return [{ kind: 'paragraph', text: `Confusion matrix (test): \`${csv}\` (${labels.length} classes; ${drawn}).` }];
}

/** The most confident mistakes: pictured for the representative seed, a table for the others (and when the images are missing). */
function mistakesBlocks(run: RunRecord, test: Predictions, labels: string[], representative: number, ctx: RunSectionContext): Block[] {
  const name = runName(run);
  const pictured = run.seed === representative;
  const mistakes = topMistakes(test, ctx.galleryLimit);
  const wrong = test.yTrue.reduce((s, y, i) => s + (y === test.yPred[i] ? 0 : 1), 0);
  const blocks: Block[] = [
    { kind: 'heading', level: 4, text: `${run.experiment} seed ${run.seed}: test images it gets wrong` },
    {
      kind: 'paragraph',
      text:
        `${wrong.toLocaleString('en-US')} of ${test.count.toLocaleString('en-US')} test images are misclassified; the ${mistakes.length} most confident mistakes` +
        (pictured ? ':' : ` (pictured for the representative seed, ${run.experiment} seed ${representative}, only):`),
    },
  ];
  if (mistakes.length === 0) return blocks.slice(0, 1).concat([{ kind: 'paragraph', text: 'No test image is misclassified.' }]);
  const ds = ctx.dataset;
  const matches = ds !== null && matchesTestSet(test, ds);
  if (ds && !matches) ctx.warn(`${run.dir}: ${RUN_FILES.predictionsTest} does not match the test set in ${ds.dataDir}` + (pictured ? '; gallery images left out' : ''));
  if (ds && matches && pictured) {
    const g = galleryImage(mistakes, ds.test, labels);
    blocks.push({ kind: 'image', file: ctx.assets.image(`mistakes-${name}`, g.png), alt: `misclassified test images of ${name}` });
  } else {
    blocks.push({ kind: 'table', table: mistakesTable(mistakes, labels) });
  }
  return blocks;
}

async function kernelBlocks(run: RunRecord, ctx: RunSectionContext): Promise<Block[]> {
  const dir = join(run.dir, RUN_FILES.model);
  let model;
  try {
    model = await loadModel(dir);
  } catch (err) {
    ctx.warn(`${dir}: the model cannot be loaded (${(err as Error).message}); kernel images left out`);
    return [];
  }
  try {
    const [, h, w] = model.inputs[0].shape;
    const probe = ctx.probe && ctx.probe.height === h && ctx.probe.width === w ? ctx.probe : null;
    const convs = await convImages(model, probe ?? undefined);
    if (convs.length === 0) return [];
    const name = runName(run);
    const blocks: Block[] = [{ kind: 'heading', level: 4, text: `${run.experiment} seed ${run.seed}: learned filters` }];
    convs.forEach((c, i) => {
      blocks.push({
        kind: 'image',
        file: ctx.assets.image(`kernels-${name}-conv${i + 1}`, c.kernelsPng),
        alt: `conv layer ${i + 1} kernels of ${name}`,
        caption: `Conv layer ${i + 1} (${c.layerName}): ${c.description}, one shade scale over the layer: black = its most negative weight (${c.range[0].toPrecision(3)}), white = its most positive (${c.range[1].toPrecision(3)}).`,
      });
      if (c.activationsPng && probe) {
        blocks.push({
          kind: 'image',
          file: ctx.assets.image(`activations-${name}-conv${i + 1}`, c.activationsPng),
          alt: `conv layer ${i + 1} activations of ${name}`,
          caption: `Activation maps of conv layer ${i + 1} (${c.layerName}) for test image ${probe.index} (true class ${probe.label}), after its activation; each map scaled on its own from 0 (black) to its largest value (white).`,
        });
      }
    });
    return blocks;
  } finally {
    model.dispose();
  }
}
