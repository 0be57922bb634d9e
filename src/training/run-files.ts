// Writers for the files of a run folder (layout in src/study/run-folder.ts), each written atomically.
import { join } from 'node:path';
import { HISTORY_KEYS, RUN_FILES, type History, type RunMetrics } from '../study/run-folder.ts';
import { writeFileAtomic, writeJsonAtomic } from './atomic.ts';

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
export function predictionsCsv(labels: Int32Array, predicted: Int32Array, probs: Float32Array, numClasses: number): string {
  const header = ['index', 'true', 'predicted', ...Array.from({ length: numClasses }, (_, c) => `p${c}`)].join(',');
  const lines = [header];
  for (let i = 0; i < labels.length; i++) {
    const p: string[] = [];
    for (let c = 0; c < numClasses; c++) p.push(String(Number(probs[i * numClasses + c].toPrecision(6))));
    lines.push(`${i},${labels[i]},${predicted[i]},${p.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

export function writePredictions(dir: string, which: 'train' | 'test', csv: string): void {
  writeFileAtomic(join(dir, which === 'train' ? RUN_FILES.predictionsTrain : RUN_FILES.predictionsTest), csv);
}

/** Written last: its presence marks the run complete. */
export function writeMetrics(dir: string, metrics: RunMetrics): void {
  writeJsonAtomic(join(dir, RUN_FILES.metrics), metrics);
}
