// Resume state, saved atomically after every epoch: checkpoint/epoch-<n>/ holds the weights, the
// optimizer's state, the best weights so far and state.json; checkpoint/latest.json, replaced last,
// names the newest complete one. A kill at any moment leaves the previous epoch's checkpoint intact.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { History } from '../run-folder/layout.ts';
import { upgradeHistory } from '../run-folder/upgrade.ts';
import { UserError } from '../errors.ts';
import { writeJsonAtomic } from '../fs/atomic.ts';
import type { CallbackState } from './callbacks.ts';
import type { RngState } from './rng.ts';
import { readTensors, writeTensors, type NamedTensor } from './tensor-file.ts';

export interface FitState {
  epochsDone: number;
  history: History;
  /** Learning rate for the next epoch. */
  lr: number;
  callbacks: CallbackState;
  rng: RngState;
  /** Seconds spent in training steps (excluding validation), for img/s. */
  trainStepSeconds: number;
  imagesSeen: number;
  stoppedEarly: boolean;
}

export interface Checkpoint {
  state: FitState;
  weights: tf.Tensor[];
  optimizer: NamedTensor[];
  best: tf.Tensor[] | null;
}

const LATEST = 'latest.json';

export async function saveCheckpoint(dir: string, ck: Checkpoint): Promise<void> {
  const name = `epoch-${ck.state.epochsDone}`;
  const tmp = join(dir, `${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await writeTensors(tmp, 'weights', ck.weights.map((tensor, i) => ({ name: String(i), tensor })));
  await writeTensors(tmp, 'optimizer', ck.optimizer);
  if (ck.best) await writeTensors(tmp, 'best', ck.best.map((tensor, i) => ({ name: String(i), tensor })));
  writeJsonAtomic(join(tmp, 'state.json'), ck.state);
  rmSync(join(dir, name), { recursive: true, force: true });
  renameSync(tmp, join(dir, name));
  writeJsonAtomic(join(dir, LATEST), { dir: name });
  for (const entry of readdirSync(dir)) if (entry !== name && entry !== LATEST) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** The newest complete checkpoint, or null when none was finished. */
export function loadCheckpoint(dir: string): Checkpoint | null {
  const latest = join(dir, LATEST);
  if (!existsSync(latest)) return null;
  let sub: string;
  let state: FitState;
  try {
    sub = join(dir, (JSON.parse(readFileSync(latest, 'utf8')) as { dir: string }).dir);
    state = JSON.parse(readFileSync(join(sub, 'state.json'), 'utf8')) as FitState;
  } catch (err) {
    throw new UserError(`checkpoint in ${dir} is unreadable (${(err as Error).message}); start over with --force`);
  }
  // JSON has no Infinity: a best of Infinity comes back as null.
  state.callbacks.best ??= Infinity;
  state.callbacks.rlrBest ??= Infinity;
  state.history = upgradeHistory(state.history); // a checkpoint from before the per-epoch macro metrics
  return {
    state,
    weights: readTensors(sub, 'weights').map((t) => t.tensor),
    optimizer: readTensors(sub, 'optimizer'),
    best: existsSync(join(sub, 'best.json')) ? readTensors(sub, 'best').map((t) => t.tensor) : null,
  };
}
