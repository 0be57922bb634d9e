// Every `train` flag, taken from the command's own definition: each one that changes the result is recorded in
// config.json and a different value is refused by --resume; the others are listed with the reason they cannot
// change it. A flag added to the command without an entry here fails the first test.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerTrain, trainRunOptions, type TrainCliFlags } from '../../src/commands/train.ts';
import { THREADS_ENV } from '../../src/engine/backend.ts';
import type { RunConfig } from '../../src/run-folder/layout.ts';
import { FLAG_ROWS } from '../../src/training/settings/flag-spec.ts';
import { trainRun, type TrainRunOptions } from '../../src/training/train-run.ts';
import { rejectsWithUserError } from '../helpers/user-error.ts';
import { syntheticDataset, writeIdxDataset } from './synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-train-flags-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataA = join(root, 'data-a');
const dataB = join(root, 'data-b');
writeIdxDataset(dataA, syntheticDataset({ train: 160, test: 40, size: 8, numClasses: 4, seed: 1 }));
writeIdxDataset(dataB, syntheticDataset({ train: 160, test: 40, size: 8, numClasses: 4, seed: 2 }));

/** A fresh program each time: commander keeps option values between parses of one program. */
function trainCommand(): Command {
  const program = new Command().exitOverride();
  registerTrain(program);
  return program.commands[0];
}

/** `kmnist-lab train ARGS` parsed by the real command definition into trainRun's options. */
function parseTrain(args: string[]): TrainRunOptions {
  const cmd = trainCommand();
  let options: TrainRunOptions | undefined;
  cmd.action((experiment: string, flags: TrainCliFlags) => {
    options = trainRunOptions(experiment, flags);
  });
  (cmd.parent as Command).parse(['train', ...args], { from: 'user' });
  if (!options) throw new Error(`train ${args.join(' ')}: not parsed`);
  return options;
}

const FLAGS = trainCommand().options.map((o) => o.long as string);

interface SettingCase {
  /** Flags for the run that starts, then for the --resume that must be refused. */
  a: string[];
  b: string[];
  /** config.json values (dotted paths) the first run must record. */
  recorded: Record<string, unknown>;
  /** What the refusal must name. */
  differs: RegExp;
}

/** Flags that change what a run computes. */
const SETTINGS: Record<string, SettingCase> = {
  '--epochs': { a: ['--epochs', '3'], b: ['--epochs', '4'], recorded: { epochs: 3 }, differs: /epochs: 3 -> 4/ },
  '--batch-size': { a: ['--batch-size', '32'], b: ['--batch-size', '16'], recorded: { batchSize: 32 }, differs: /batchSize: 32 -> 16/ },
  '--lr': { a: ['--lr', '0.002'], b: ['--lr', '0.003'], recorded: { learningRate: 0.002, 'optimizerConfig.learningRate': 0.002 }, differs: /learningRate: 0\.002 -> 0\.003/ },
  '--optimizer': {
    a: ['--optimizer', 'rmsprop'],
    b: ['--optimizer', 'adam'],
    recorded: { optimizer: 'rmsprop', optimizerConfig: { name: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7 } },
    differs: /optimizer: rmsprop -> adam/,
  },
  '--weight-decay': {
    a: ['--optimizer', 'adamw', '--weight-decay', '0.01'],
    b: ['--optimizer', 'adamw', '--weight-decay', '0.02'],
    recorded: { optimizerConfig: { name: 'adamw', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.01 } },
    differs: /optimizerConfig\.weightDecay: 0\.01 -> 0\.02/,
  },
  '--label-smoothing': { a: ['--label-smoothing', '0.1'], b: ['--label-smoothing', '0.2'], recorded: { labelSmoothing: 0.1 }, differs: /labelSmoothing: 0\.1 -> 0\.2/ },
  '--preset': {
    a: ['--preset', 'keras-benchmark'],
    b: ['--preset', 'default'],
    recorded: {
      preset: 'keras-benchmark',
      optimizerConfig: { name: 'adadelta', learningRate: 1, rho: 0.95, epsilon: 1e-7 },
      callbacks: { earlyStopping: false, earlyStoppingPatience: 10, restoreBest: false, reduceLr: false, reduceLrFactor: 0.1, reduceLrPatience: 5, reduceLrMinDelta: 1e-4, minLr: 1e-6 },
    },
    differs: /callbacks\.earlyStopping: false -> true.*preset: keras-benchmark -> default/,
  },
  '--augment': {
    a: ['--augment'],
    b: [],
    recorded: { augment: true, augmentation: { rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1, shearRange: 0.1, zoomRange: [0.9, 1.1], fillMode: 'nearest' } },
    differs: /augment: true -> false; augmentation: \{.*\} -> null/,
  },
  '--augment-factor': { a: ['--augment', '--augment-factor', '2'], b: ['--augment', '--augment-factor', '3'], recorded: { augmentFactor: 2 }, differs: /augmentFactor: 2 -> 3/ },
  '--shear': {
    a: ['--augment', '--shear', '0.00175'],
    b: ['--augment', '--shear', '0.5'],
    recorded: { 'augmentation.shearRange': 0.00175, 'augmentation.fillMode': 'nearest' },
    differs: /augmentation\.shearRange: 0\.00175 -> 0\.5/,
  },
  '--val-split': { a: ['--val-split', '0.2'], b: ['--val-split', '0.25'], recorded: { valSplit: 0.2, valSplitSeed: 1 }, differs: /valSplit: 0\.2 -> 0\.25/ },
  '--backend': { a: ['--backend', 'wasm'], b: ['--backend', 'cpu'], recorded: { backend: 'wasm' }, differs: /backend: wasm -> cpu/ },
  '--data-dir': { a: ['--data-dir', dataA], b: ['--data-dir', dataB], recorded: { dataDir: dataA }, differs: /datasetMd5\.train-images-idx3-ubyte\.gz: [0-9a-f]{32} -> [0-9a-f]{32}/ },
};

/** Flags that name the run folder: another value is another run (recorded, never resumed into). */
const LOCATIONS: Record<string, { a: string[]; recorded: Record<string, unknown> }> = {
  '--seed': { a: ['--seed', '1'], recorded: { seed: 1, valSplitSeed: 1 } },
  '--dataset': { a: ['--dataset', 'kmnist'], recorded: { dataset: 'kmnist' } },
};

/** Flags that cannot change the numbers, and why. */
const NO_EFFECT: Record<string, string> = {
  '--threads': 'wasm results are bit-identical on any thread count (train-cli.test.ts); recorded as versions.wasmThreads',
  '--allow-software-gpu': 'only lets webgpu take a software adapter; the adapter a run used is recorded as gpuAdapter (webgpu.test.ts)',
  '--out': 'where the runs root is',
  '--resume': 'continues the same run',
  '--force': 'starts the same run over',
  '--progress': 'how progress is printed',
  '--grow-threads': 'more threads mid-run (the study scheduler): bit-identical on any thread count, like --threads',
};

// One wasm thread where --threads is not given (it is refused with --backend cpu): no thread pool in vitest's worker.
process.env[THREADS_ENV] = '1';
const BASE = ['fcnn', '--data-dir', dataA, '--epochs', '2', '--batch-size', '32', '--seed', '1', '--backend', 'wasm', '--progress', 'none'];

function at(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

/** Starts a run with `args` and stops it after epoch 1, as a killed run would be; returns its config.json. */
async function startRun(out: string, args: string[]): Promise<RunConfig> {
  const o = parseTrain([...BASE, ...args, '--out', out]);
  expect((await rejectsWithUserError(trainRun({ ...o, stopAfterEpoch: 1 }))).message).toMatch(/continue with --resume/);
  return JSON.parse(readFileSync(join(out, 'kmnist', 'fcnn', 'seed-1', 'config.json'), 'utf8')) as RunConfig;
}

describe('train flags: recorded in config.json, checked by --resume', () => {
  it('every flag of the command is classified here', () => {
    const classified = [...Object.keys(SETTINGS), ...Object.keys(LOCATIONS), ...Object.keys(NO_EFFECT)];
    expect([...FLAGS].sort()).toEqual([...classified].sort());
  });

  it("agrees with the flag table's changesResults (training/settings/flag-spec.ts)", () => {
    const table = (changes: boolean): string[] => FLAG_ROWS.filter((r) => r.changesResults === changes).map((r) => r.flag).sort();
    expect(table(true)).toEqual(Object.keys(SETTINGS).filter((f) => FLAG_ROWS.some((r) => r.flag === f)).sort());
    for (const flag of table(false)) expect(Object.keys(NO_EFFECT), flag).toContain(flag);
  });

  for (const [flag, c] of Object.entries(SETTINGS)) {
    it(`${flag}: recorded, and another value is refused on --resume`, async () => {
      const out = join(root, flag.slice(2));
      const config = await startRun(out, c.a);
      for (const [path, value] of Object.entries(c.recorded)) expect(at(config, path), path).toEqual(value);
      const resume = parseTrain([...BASE, ...c.b, '--out', out, '--resume']);
      const err = await rejectsWithUserError(trainRun(resume));
      expect(err.message).toMatch(/^--resume: settings differ from the run in /);
      expect(err.message).toMatch(c.differs);
    });
  }

  it('flags that place the run are recorded', async () => {
    const config = await startRun(join(root, 'locations'), [...Object.values(LOCATIONS).flatMap((l) => l.a), '--threads', '1']);
    for (const l of Object.values(LOCATIONS)) for (const [path, value] of Object.entries(l.recorded)) expect(at(config, path), path).toEqual(value);
    expect(at(config, 'versions.wasmThreads')).toBe('1');
  });

  it('the same flags resume (the check does not refuse a run its own settings)', async () => {
    const out = join(root, 'same');
    const args = ['--augment', '--shear', '0.00175', '--optimizer', 'rmsprop', '--val-split', '0.2'];
    await startRun(out, args);
    const m = await trainRun(parseTrain([...BASE, ...args, '--out', out, '--resume']));
    expect(m.epochsRun).toBe(2);
  });
});

describe('train flags that change nothing in the chosen setup are refused', () => {
  it('augmentation ranges and the augment factor without augmentation', async () => {
    expect((await rejectsWithUserError(trainRun(parseTrain([...BASE, '--shear', '0.5'])))).message).toBe('--shear needs augmentation: use an -aug experiment or add --augment');
    expect((await rejectsWithUserError(trainRun(parseTrain([...BASE, '--augment-factor', '2'])))).message).toMatch(/^--augment-factor needs augmentation/);
  });

  it('--weight-decay with an optimizer other than adamw', async () => {
    const err = await rejectsWithUserError(trainRun(parseTrain([...BASE, '--weight-decay', '0.01'])));
    expect(err.message).toBe("--weight-decay: no effect with --optimizer adam (decoupled weight decay is AdamW's); add --optimizer adamw");
  });

  it('--threads with a backend other than wasm (or auto, which may pick it)', () => {
    expect(() => parseTrain([...BASE, '--threads', '1', '--backend', 'cpu'])).toThrow("--threads: no effect with --backend cpu (it sets the wasm backend's matrix-product threads); drop it");
    expect(parseTrain([...BASE, '--threads', '1', '--backend', 'auto']).threads).toBe(1);
  });

  it('every training setting on knn, which does not train', async () => {
    const training = Object.keys(SETTINGS).filter((f) => f !== '--backend' && f !== '--data-dir');
    for (const flag of training) {
      const args = ['knn', '--data-dir', dataA, '--backend', 'wasm', '--threads', '1', '--progress', 'none', '--out', join(root, 'knn'), ...SETTINGS[flag].a];
      const err = await rejectsWithUserError(trainRun(parseTrain(args)));
      expect(err.message, flag).toMatch(new RegExp(`${flag}.*: no effect on knn, a nearest-neighbour baseline that does not train`));
    }
  });
});
