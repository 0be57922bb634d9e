// One run's part of the report: classification reports (test, train), confusion heatmap, mistakes
// gallery, conv kernels and activation maps.
import { join } from 'node:path';
import type { Dataset } from '../data/types.ts';
import { loadModel } from '../engine/model-io.ts';
import { UserError } from '../errors.ts';
import { RUN_FILES } from '../study/run-folder.ts';
import type { Assets } from './assets.ts';
import { confusionSpec } from './charts.ts';
import { LEAK_MARK, pct } from './comparison.ts';
import type { Block } from './document.ts';
import { galleryImage, topMistakes, type Mistake } from './gallery.ts';
import { convImages } from './kernels.ts';
import { balancedAccuracy, classificationReport, classRowLabels, confusionMatrix, formatClassificationReport } from './metrics.ts';
import { svgToPng, vegaLiteToSvg } from './render.ts';
import { classificationReportTable } from './report-tables.ts';
import { readPredictions, type Predictions, type RunRecord, type Warn } from '../study/run-reader.ts';
import type { Table } from './tables.ts';

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
}

/** Above this many classes (kkanji: 3,832) per-class tables go to files only and the heatmap is left out. */
export const MAX_INLINE_CLASSES = 60;

export const runName = (run: RunRecord): string => `${run.experiment}-seed-${run.seed}`;

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

async function splitReport(run: RunRecord, split: 'test' | 'train', pred: Predictions, labels: string[], ctx: RunSectionContext): Promise<Block[]> {
  const name = `${runName(run)}-${split}`;
  const report = classificationReport(pred.yTrue, pred.yPred, run.config.numClasses, labels);
  const table = classificationReportTable(report, `${run.experiment} seed ${run.seed}: classification report (${split})`);
  ctx.assets.table(`classification-${name}`, table);
  ctx.assets.write(`tables/classification-${name}.txt`, formatClassificationReport(report));
  const bal = balancedAccuracy(pred.yTrue, pred.yPred, run.config.numClasses);
  const inline = run.config.numClasses <= MAX_INLINE_CLASSES;
  return [
    { kind: 'heading', level: 4, text: `${run.experiment} seed ${run.seed}: ${split} set` },
    {
      kind: 'paragraph',
      text:
        `Accuracy ${pct(report.accuracy)}, balanced accuracy ${pct(bal)}, macro-F1 ${pct(report.macroAvg.f1)} on ${report.support.toLocaleString('en-US')} ${split} images.` +
        (inline ? '' : ` The per-class table (${run.config.numClasses} classes) is in \`tables/classification-${name}.csv\`.`),
    },
    ...(inline ? [{ kind: 'table', table } as const] : []),
  ];
}

export async function runSection(run: RunRecord, ctx: RunSectionContext): Promise<Block[]> {
  const name = runName(run);
  const labels = classRowLabels(run.config.numClasses, run.config.classChars);
  const leak = run.config.validationOn === 'test' ? ` (${LEAK_MARK}: preset ${run.config.preset})` : '';
  const m = run.metrics;
  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: `${run.experiment}, seed ${run.seed}` },
    {
      kind: 'paragraph',
      text:
        `Test accuracy ${pct(m.testAccuracy)}${leak}, macro-F1 ${pct(m.macroF1)}, balanced accuracy ${pct(m.balancedAccuracy)}; ` +
        `${m.epochsRun} epochs (best ${m.bestEpoch}${m.stoppedEarly ? ', stopped early' : ''}), ${m.trainSeconds.toFixed(1)} s on ${m.backend}, ` +
        `${Math.round(m.trainImagesPerSecond).toLocaleString('en-US')} train img/s. Folder: \`${run.dir}\`.`,
    },
  ];
  const test = await tryPredictions(run, RUN_FILES.predictionsTest, ctx.warn);
  const train = await tryPredictions(run, RUN_FILES.predictionsTrain, ctx.warn);
  if (test) {
    const acc = test.yTrue.reduce((s, y, i) => s + (y === test.yPred[i] ? 1 : 0), 0) / Math.max(1, test.count);
    if (Math.abs(acc - m.testAccuracy) > 1e-6) {
      ctx.warn(`${run.dir}: ${RUN_FILES.predictionsTest} gives accuracy ${acc.toFixed(6)} but ${RUN_FILES.metrics} says ${m.testAccuracy.toFixed(6)}`);
    }
    blocks.push(...(await splitReport(run, 'test', test, labels, ctx)));
  }
  if (train) blocks.push(...(await splitReport(run, 'train', train, labels, ctx)));

  if (run.config.numClasses <= MAX_INLINE_CLASSES) {
    const confusion = test ? confusionMatrix(test.yTrue, test.yPred, run.config.numClasses) : m.confusion;
    const svg = await vegaLiteToSvg(confusionSpec(`${run.experiment} seed ${run.seed}: confusion matrix (test)`, confusion, labels));
    blocks.push({ kind: 'image', file: ctx.assets.image(`confusion-${name}`, svgToPng(svg), svg), alt: `confusion matrix of ${name}` });
  }

  if (test) blocks.push(...mistakesBlocks(run, test, labels, ctx));
  if (run.hasModel) blocks.push(...(await kernelBlocks(run, ctx)));
  return blocks;
}

function mistakesBlocks(run: RunRecord, test: Predictions, labels: string[], ctx: RunSectionContext): Block[] {
  const name = runName(run);
  const mistakes = topMistakes(test, ctx.galleryLimit);
  const wrong = test.yTrue.reduce((s, y, i) => s + (y === test.yPred[i] ? 0 : 1), 0);
  const blocks: Block[] = [
    { kind: 'heading', level: 4, text: `${run.experiment} seed ${run.seed}: test images it gets wrong` },
    { kind: 'paragraph', text: `${wrong.toLocaleString('en-US')} of ${test.count.toLocaleString('en-US')} test images are misclassified; the ${mistakes.length} most confident mistakes:` },
  ];
  if (mistakes.length === 0) return blocks.slice(0, 1).concat([{ kind: 'paragraph', text: 'No test image is misclassified.' }]);
  const ds = ctx.dataset;
  if (ds && matchesTestSet(test, ds)) {
    const g = galleryImage(mistakes, ds.test, labels);
    blocks.push({ kind: 'image', file: ctx.assets.image(`mistakes-${name}`, g.png), alt: `misclassified test images of ${name}` });
  } else {
    if (ds) ctx.warn(`${run.dir}: ${RUN_FILES.predictionsTest} does not match the test set in ${ds.dataDir}; gallery images left out`);
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
    const convs = convImages(model, probe ?? undefined);
    if (convs.length === 0) return [];
    const name = runName(run);
    const blocks: Block[] = [{ kind: 'heading', level: 4, text: `${run.experiment} seed ${run.seed}: learned filters` }];
    convs.forEach((c, i) => {
      blocks.push({
        kind: 'image',
        file: ctx.assets.image(`kernels-${name}-conv${i + 1}`, c.kernelsPng),
        alt: `conv layer ${i + 1} kernels of ${name}`,
        caption: `Conv layer ${i + 1} (${c.layerName}): ${c.description}, normalised over the layer (dark = negative, light = positive).`,
      });
      if (c.activationsPng && probe) {
        blocks.push({
          kind: 'image',
          file: ctx.assets.image(`activations-${name}-conv${i + 1}`, c.activationsPng),
          alt: `conv layer ${i + 1} activations of ${name}`,
          caption: `Activation maps of conv layer ${i + 1} for test image ${probe.index} (true class ${probe.label}), each map normalised on its own.`,
        });
      }
    });
    return blocks;
  } finally {
    model.dispose();
  }
}
