// Writers for the files of a run folder (layout in layout.ts), each written atomically.
import { join } from 'node:path';
import { HISTORY_KEYS, RUN_FILES, type History, type RunConfig, type RunMetrics } from './layout.ts';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic.ts';

export const LOG_HEADER = HISTORY_KEYS.join(',');

/** log.csv (Keras CSVLogger style: an undefined value reads "nan") and history.json. */
export function writeHistory(dir: string, h: History): void {
  const cell = (k: (typeof HISTORY_KEYS)[number], i: number): string => {
    const v = h[k][i];
    if (Number.isNaN(v)) return 'nan';
    return k === 'seconds' ? v.toFixed(3) : String(v);
  };
  const rows = h.epoch.map((_, i) => HISTORY_KEYS.map((k) => cell(k, i)).join(','));
  writeFileAtomic(join(dir, RUN_FILES.log), [LOG_HEADER, ...rows].join('\n') + '\n');
  writeJsonAtomic(join(dir, RUN_FILES.history), h);
}

/** index,true,predicted,p0..p{K-1}; probabilities to 6 significant digits. */
/** One row per image: its index in the dataset's split (`indices[i]` when the set is a subset, e.g. the training images without the validation ones), true class, prediction, probabilities. */
export function predictionsCsv(labels: Int32Array, predicted: Int32Array, probs: Float32Array, numClasses: number, indices?: ArrayLike<number>): string {
  const header = ['index', 'true', 'predicted', ...Array.from({ length: numClasses }, (_, c) => `p${c}`)].join(',');
  const lines = [header];
  for (let i = 0; i < labels.length; i++) {
    const p: string[] = [];
    for (let c = 0; c < numClasses; c++) p.push(String(Number(probs[i * numClasses + c].toPrecision(6))));
    lines.push(`${indices ? indices[i] : i},${labels[i]},${predicted[i]},${p.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

const PREDICTION_FILES = { train: RUN_FILES.predictionsTrain, val: RUN_FILES.predictionsVal, test: RUN_FILES.predictionsTest } as const;

export function writePredictions(dir: string, which: 'train' | 'val' | 'test', csv: string): void {
  writeFileAtomic(join(dir, PREDICTION_FILES[which]), csv);
}

/** config.json: the settings the run started with (written once, before training). */
export function writeConfig(dir: string, config: RunConfig): void {
  writeJsonAtomic(join(dir, RUN_FILES.config), config);
}

/** Written last: its presence marks the run complete. */
export function writeMetrics(dir: string, metrics: RunMetrics): void {
  writeJsonAtomic(join(dir, RUN_FILES.metrics), metrics);
}
