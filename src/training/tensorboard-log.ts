// A training run's TensorBoard log: <run>/tensorboard/train and <run>/tensorboard/validation, one event file
// each, with Keras's TensorBoard-callback tags (epoch_loss, epoch_accuracy, ...) so train and validation curves
// share a chart; step = epoch number (1-based, as in log.csv). The model's layer summary goes to the Text tab.
//
// Resume: the log is rebuilt from the checkpoint's history (new files; the old ones are removed), then
// appended to. So an epoch that finished after the last checkpoint, and is trained again, is never logged
// twice; the rebuilt epochs' wall times are estimated from their durations.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { History } from '../run-folder/layout.ts';
import { EventFileWriter, type ScalarValue } from '../tensorboard/events.ts';

export const TENSORBOARD_DIR = 'tensorboard';

type HistoryKey = keyof History;

/** TensorBoard tag -> history key, per folder (the Keras callback's names for the same values). */
export const TRAIN_SCALARS: readonly [string, HistoryKey][] = [
  ['epoch_loss', 'loss'],
  ['epoch_accuracy', 'acc'],
  ['epoch_learning_rate', 'lr'],
];
export const VALIDATION_SCALARS: readonly [string, HistoryKey][] = [
  ['epoch_loss', 'val_loss'],
  ['epoch_accuracy', 'val_acc'],
  ['epoch_precision', 'val_precision'],
  ['epoch_recall', 'val_recall'],
  ['epoch_macro_f1', 'val_macro_f1'],
  ['epoch_auc', 'val_auc'],
];
export const MODEL_SUMMARY_TAG = 'model/summary';

/** The values of epoch `i` (index into the history); undefined (NaN) values are left out. */
function valuesAt(h: History, i: number, scalars: readonly [string, HistoryKey][]): ScalarValue[] {
  return scalars.map(([tag, key]) => ({ tag, value: h[key][i] })).filter((v) => Number.isFinite(v.value));
}

export class TrainingLog {
  private constructor(
    private readonly train: EventFileWriter,
    private readonly validation: EventFileWriter,
  ) {}

  /**
   * Starts the run's log afresh: removes <run>/tensorboard, writes the model summary (markdown) and every
   * epoch already in `history` (a resumed run's), then takes one call of `epoch` per finished epoch.
   */
  static open(runDir: string, modelSummary: string, history: History): TrainingLog {
    const dir = join(runDir, TENSORBOARD_DIR);
    rmSync(dir, { recursive: true, force: true });
    const now = Date.now() / 1000;
    const total = history.seconds.reduce((a, b) => a + b, 0);
    const start = now - total;
    const log = new TrainingLog(new EventFileWriter(join(dir, 'train'), start), new EventFileWriter(join(dir, 'validation'), start));
    log.train.text(0, MODEL_SUMMARY_TAG, modelSummary, start);
    let t = start;
    for (let i = 0; i < history.epoch.length; i++) {
      t += history.seconds[i];
      log.epoch(history, i, t);
    }
    return log;
  }

  /** Logs epoch `i` of `history` (history.epoch[i] is the step). */
  epoch(history: History, i: number, wallTime = Date.now() / 1000): void {
    const step = history.epoch[i];
    this.train.scalars(step, valuesAt(history, i, TRAIN_SCALARS), wallTime);
    this.validation.scalars(step, valuesAt(history, i, VALIDATION_SCALARS), wallTime);
  }
}
