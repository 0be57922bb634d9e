// A finished run's model and what predicting with it needs (input size, classes), for predict, evaluate and
// export. An experiment folder (several seed-<n> runs) loads every finished seed: predict averages them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadModel } from '../engine/model-io.ts';
import { UserError } from '../errors.ts';
import { EXPERIMENTS } from '../models/zoo.ts';
import { RUN_FILES, type RunConfig } from '../run-folder/layout.ts';
import { isRunComplete, readRunConfig } from '../run-folder/read.ts';

export interface RunModel {
  dir: string;
  config: RunConfig;
  model: tf.LayersModel;
  /** The model's input image size. */
  height: number;
  width: number;
}

/** Loads `dir`'s model/ (a finished run, or one with a saved best model); UserError when it has none. */
export async function loadRunModel(dir: string): Promise<RunModel> {
  if (!existsSync(join(dir, RUN_FILES.config))) {
    throw new UserError(`${dir}: not a run folder (no ${RUN_FILES.config}); expected runs/<dataset>/<experiment>/seed-<n>/`);
  }
  const config = await readRunConfig(dir);
  const modelDir = join(dir, RUN_FILES.model);
  if (!existsSync(join(modelDir, 'model.json'))) {
    const trains = EXPERIMENTS[config.experiment]?.capabilities.trainsByGradientDescent ?? true;
    const why = trains ? 'the run saved no model yet' : `a ${config.experiment} run has no trained model: it does not train`;
    throw new UserError(`${dir}: no ${RUN_FILES.model}/model.json (${why})`);
  }
  const model = await loadModel(modelDir);
  const shape = model.inputs[0].shape;
  const out = model.outputs[0].shape;
  if (shape.length !== 4 || shape[1] === null || shape[2] === null || shape[3] !== 1 || out[out.length - 1] !== config.numClasses) {
    model.dispose();
    throw new UserError(`${modelDir}: model input [${shape.join(', ')}] / output [${out.join(', ')}] do not match a one-channel image classifier with ${config.numClasses} classes`);
  }
  return { dir, config, model, height: shape[1], width: shape[2] };
}

/**
 * The run folders a path names: itself when it is a run (has config.json), else its finished seed-<n>
 * subfolders (an experiment folder), lowest seed first. UserError when there are none.
 */
export function runFoldersAt(path: string): { dirs: string[]; ensemble: boolean } {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new UserError(`${path}: no such folder`);
  if (existsSync(join(path, RUN_FILES.config))) return { dirs: [path], ensemble: false };
  const seeds = readdirSync(path)
    .map((name) => ({ name, m: /^seed-(\d+)$/.exec(name) }))
    .filter((e) => e.m !== null && isRunComplete(join(path, e.name)))
    .sort((a, b) => Number(a.m?.[1]) - Number(b.m?.[1]))
    .map((e) => join(path, e.name));
  if (seeds.length === 0) throw new UserError(`${path}: neither a run folder (config.json) nor an experiment folder with finished seed-<n> runs`);
  return { dirs: seeds, ensemble: seeds.length > 1 };
}

/** Loads every run a path names and checks they agree on input size and classes (an ensemble must). */
export async function loadRunModels(path: string): Promise<{ runs: RunModel[]; ensemble: boolean }> {
  const { dirs, ensemble } = runFoldersAt(path);
  const runs: RunModel[] = [];
  try {
    for (const dir of dirs) {
      const run = await loadRunModel(dir);
      runs.push(run);
      const first = runs[0];
      if (run.height !== first.height || run.width !== first.width || run.config.classNames.join('\n') !== first.config.classNames.join('\n')) {
        throw new UserError(`${dir}: its input size or classes differ from ${first.dir}; an ensemble needs the same ones`);
      }
    }
  } catch (err) {
    for (const r of runs) r.model.dispose();
    throw err;
  }
  return { runs, ensemble };
}
