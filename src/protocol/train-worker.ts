// The protocol between the study's scheduler and the `train` processes it spawns: the environment flag
// that ties a worker's life to its parent, and the JSON lines a worker writes on stdout (one object per
// line; other lines are plain log text). The wire keeps Keras' snake_case names (val_loss, val_acc) that
// worker.log files and the queue tests already read; the parent sees camelCase.

/** Set by the scheduler on the `train` processes it spawns with a stdin pipe (value "1"). */
export const PARENT_PIPE_ENV = 'KMNIST_LAB_PARENT_PIPE';

/** One finished epoch as the trainer reports it (losses are mean cross-entropy, accuracies in [0, 1]). */
export interface EpochSummary {
  epoch: number;
  epochs: number;
  loss: number;
  acc: number;
  val_loss: number;
  val_acc: number;
  /** Learning rate at the epoch's end. */
  lr: number;
  seconds: number;
  /** Training images per second over the epoch. */
  imgPerSec: number;
}

/** What a worker writes: {"type":"batch",...}, {"type":"epoch",...} or {"type":"done",...}, in these key orders. */
export type WorkerLine =
  | { type: 'batch'; epoch: number; epochs: number; batch: number; batches: number; loss: number; acc: number; imgPerSec: number }
  | ({ type: 'epoch' } & EpochSummary)
  | { type: 'done'; testAccuracy: number; testLoss: number };

/** A worker's epoch line as the parent sees it; fields the line lacked (or had non-finite) are absent. */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  loss?: number;
  valLoss?: number;
  valAcc?: number;
  imgPerSec?: number;
}

/** A worker's {"type":"batch"} line: where it is in the epoch, with the running loss and accuracy. */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss?: number;
  acc?: number;
  imgPerSec?: number;
}

/** A parsed worker line. */
export type WorkerMessage =
  | { type: 'batch'; progress: BatchProgress }
  | { type: 'epoch'; progress: EpochProgress }
  | { type: 'done'; testAccuracy?: number };

/** The line for `msg`, without its newline. */
export function encodeWorkerLine(msg: WorkerLine): string {
  return JSON.stringify(msg);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Parses one stdout line of a worker. Null for anything that is not a protocol message: log text,
 * malformed JSON, an unknown type, a batch line without its four position numbers or an epoch line
 * without epoch/epochs. Never throws.
 */
export function parseWorkerLine(line: string): WorkerMessage | null {
  if (!line.startsWith('{')) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const p = v as Record<string, unknown>;
  if (p.type === 'batch') {
    const [epoch, epochs, batch, batches] = [num(p.epoch), num(p.epochs), num(p.batch), num(p.batches)];
    if (epoch === undefined || epochs === undefined || batch === undefined || batches === undefined) return null;
    return { type: 'batch', progress: { epoch, epochs, batch, batches, loss: num(p.loss), acc: num(p.acc), imgPerSec: num(p.imgPerSec) } };
  }
  if (p.type === 'epoch') {
    const [epoch, epochs] = [num(p.epoch), num(p.epochs)];
    if (epoch === undefined || epochs === undefined) return null;
    return { type: 'epoch', progress: { epoch, epochs, loss: num(p.loss), valLoss: num(p.val_loss), valAcc: num(p.val_acc), imgPerSec: num(p.imgPerSec) } };
  }
  if (p.type === 'done') return { type: 'done', testAccuracy: num(p.testAccuracy) };
  return null;
}
