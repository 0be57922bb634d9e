// `kmnist-lab evaluate`: a finished run's model scored on another data folder's split (the same classes and
// image size), written into a folder of its own: the sklearn-equal classification report, the confusion
// matrix, every prediction, and the headline numbers.
import { basename, join, resolve } from 'node:path';
import { loadDataset } from '../data/load.ts';
import type { DatasetName } from '../data/types.ts';
import { UserError } from '../errors.ts';
import { balancedAccuracy, classificationReport, classRowLabels, confusionMatrix, formatClassificationReport, macroRocAucOvr } from '../metrics/classification.ts';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic.ts';
import { predictSet } from '../training/evaluate.ts';
import { predictionsCsv } from '../run-folder/write.ts';
import { loadRunModel } from './run-model.ts';

export const EVALUATION_FILES = {
  report: 'classification-report.txt',
  confusion: 'confusion.csv',
  predictions: 'predictions.csv',
  /** Written last: its presence means the evaluation is complete. */
  metrics: 'metrics.json',
} as const;

export interface EvaluateOptions {
  runDir: string;
  dataset: DatasetName;
  dataDir: string;
  split: 'test' | 'train';
  /** Default: <runDir>/evaluations/<dataset>-<data folder name>-<split>. */
  out?: string;
}

export interface EvaluationResult {
  outDir: string;
  accuracy: number;
  loss: number;
  reportText: string;
}

export const defaultEvaluationDir = (o: EvaluateOptions): string => join(o.runDir, 'evaluations', `${o.dataset}-${basename(resolve(o.dataDir))}-${o.split}`);

export async function evaluateRun(o: EvaluateOptions): Promise<EvaluationResult> {
  const run = await loadRunModel(o.runDir);
  try {
    const data = await loadDataset({ dataset: o.dataset, dataDir: o.dataDir });
    const set = data[o.split];
    const { config } = run;
    if (set.height !== run.height || set.width !== run.width) {
      throw new UserError(`${o.dataDir}: images are ${set.height}x${set.width}, but the model in ${o.runDir} takes ${run.height}x${run.width}`);
    }
    if (data.numClasses !== config.numClasses || data.classNames.join('\n') !== config.classNames.join('\n')) {
      throw new UserError(
        `${o.dataDir}: its ${data.numClasses} classes (${data.classNames.slice(0, 3).join(', ')}, ...) are not the ${config.numClasses} ` +
          `the run in ${o.runDir} was trained on (${config.classNames.slice(0, 3).join(', ')}, ...); evaluate on a dataset with the same classes`,
      );
    }
    const pred = await predictSet(run.model, set, data.numClasses);
    const labels = classRowLabels(data.numClasses, data.classChars);
    const report = classificationReport(set.labels, pred.predicted, data.numClasses, labels);
    const confusion = confusionMatrix(set.labels, pred.predicted, data.numClasses);
    const outDir = o.out ?? defaultEvaluationDir(o);
    const reportText = formatClassificationReport(report, 4);
    writeFileAtomic(join(outDir, EVALUATION_FILES.report), reportText);
    writeFileAtomic(join(outDir, EVALUATION_FILES.confusion), [['true\\predicted', ...labels].join(','), ...confusion.map((row, c) => [labels[c], ...row].join(','))].join('\n') + '\n');
    writeFileAtomic(join(outDir, EVALUATION_FILES.predictions), predictionsCsv(set.labels, pred.predicted, pred.probs, data.numClasses));
    writeJsonAtomic(join(outDir, EVALUATION_FILES.metrics), {
      run: o.runDir,
      dataset: o.dataset,
      dataDir: o.dataDir,
      split: o.split,
      count: set.count,
      datasetMd5: data.fileMd5,
      accuracy: pred.accuracy,
      loss: pred.loss,
      balancedAccuracy: balancedAccuracy(set.labels, pred.predicted, data.numClasses),
      macroF1: report.macroAvg.f1,
      macroAucOvr: macroRocAucOvr(set.labels, pred.probs, data.numClasses),
      confusion,
      classReport: report,
    });
    return { outDir, accuracy: pred.accuracy, loss: pred.loss, reportText };
  } finally {
    run.model.dispose();
  }
}
