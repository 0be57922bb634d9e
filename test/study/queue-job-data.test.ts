// The training flag table (training/settings/flag-spec.ts) and what a run carries of it (run-spec.ts, job-data.ts):
// the commander options, the argv encoder and the TrainFlags all come from the table; a queued job carries the
// whole spec, --allow-software-gpu and --backend included; nothing for the nearest-neighbour baseline.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { getExperiment } from '../../src/models/zoo.ts';
import { jobData } from '../../src/study/executors/queue/queue-executor.ts';
import { resolvedTrainingOf } from '../../src/study/executors/queue/job-data.ts';
import { trainWorker } from '../../src/study/worker.ts';
import { addTrainingOptions, FLAG_ROWS, settingsArgs, trainFlagsOf, type TrainingSettings } from '../../src/training/settings/flag-spec.ts';
import { runArgs, runSpecOf } from '../../src/training/settings/run-spec.ts';

/** Training flags parsed by the table's commander options (`train` and `run` use them). */
function parse(args: string[]): TrainingSettings {
  const cmd = addTrainingOptions(new Command().exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts<TrainingSettings>();
}

const EVERY_FLAG = [
  ...['--epochs', '3', '--batch-size', '16', '--lr', '0.002', '--optimizer', 'adamw', '--weight-decay', '0.01', '--label-smoothing', '0.1'],
  ...['--backend', 'webgpu', '--allow-software-gpu', '--threads', '2'],
  ...['--preset', 'default', '--augment', '--augment-factor', '2', '--shear', '0.05', '--val-split', '0.2'],
];
const EVERY_SETTING: TrainingSettings = {
  ...{ epochs: 3, batchSize: 16, lr: 0.002, optimizer: 'adamw', weightDecay: 0.01, labelSmoothing: 0.1 },
  ...{ backend: 'webgpu', allowSoftwareGpu: true, threads: 2 },
  ...{ preset: 'default', augment: true, augmentFactor: 2, shear: 0.05, valSplit: 0.2 },
};
const RUN = { seed: 1, resume: false, restart: false, dir: '/r/x', liveLog: '/r/x.log' };
const CONTEXT = { dataset: 'kmnist' as const, dataDir: '/d', datasetMd5: { 'a.gz': 'x' }, runsRoot: '/r', settings: EVERY_SETTING };

describe('the training flag table', () => {
  it('is the commands\' options, each flag once, and EVERY_FLAG gives each of them', () => {
    const defined = addTrainingOptions(new Command()).options.map((o) => o.long as string);
    expect(defined).toEqual(FLAG_ROWS.map((r) => r.flag));
    expect(new Set(defined).size).toBe(defined.length);
    expect(Object.keys(parse(EVERY_FLAG)).sort()).toEqual(FLAG_ROWS.map((r) => r.key).sort());
  });

  it('parses EVERY_FLAG, and its argv encoder turns the values back into arguments that parse to the same values', () => {
    expect(parse(EVERY_FLAG)).toEqual(EVERY_SETTING);
    expect(parse(settingsArgs(EVERY_SETTING))).toEqual(EVERY_SETTING);
    expect(settingsArgs({})).toEqual([]);
    expect(settingsArgs({ augment: false, allowSoftwareGpu: false })).toEqual([]);
  });

  it('gives resolveTraining the settings that have a trainFlag, under its names; the engine\'s stay out', () => {
    expect(trainFlagsOf(EVERY_SETTING)).toEqual({
      ...{ epochs: 3, batchSize: 16, learningRate: 0.002, optimizer: 'adamw', weightDecay: 0.01, labelSmoothing: 0.1 },
      ...{ preset: 'default', augment: true, augmentFactor: 2, valSplit: 0.2, augmentParams: { shearRange: 0.05 } },
    });
    expect(trainFlagsOf({ backend: 'wasm', threads: 1 })).toEqual({});
  });

  it('every setting that changes results is recorded in config.json (so --resume compares it)', () => {
    for (const row of FLAG_ROWS) if (row.changesResults) expect(row.recordedAs, row.flag).toBeDefined();
  });
});

describe('a run spec', () => {
  it("keeps the study's settings that apply to the experiment, as `train` would accept them", () => {
    expect(runSpecOf(getExperiment('knn'), 1, EVERY_SETTING).settings).toEqual({ backend: 'webgpu', allowSoftwareGpu: true, threads: 2 });
    const plain = { batchSize: 16, shear: 0.05, augmentFactor: 2, weightDecay: 0.01, backend: 'wasm' as const };
    expect(runSpecOf(getExperiment('fcnn'), 2, plain)).toEqual({ experiment: 'fcnn', seed: 2, settings: { batchSize: 16, backend: 'wasm' } });
    expect(runSpecOf(getExperiment('fcnn'), 2, { ...plain, augment: true, optimizer: 'adamw' }).settings).toEqual({ ...plain, augment: true, optimizer: 'adamw' });
  });

  it('is carried whole by a queued job, and the queue worker trains it with the argv the local executor uses', () => {
    const data = jobData({ ...RUN, experiment: 'fcnn' }, CONTEXT);
    expect(data.spec).toEqual(runSpecOf(getExperiment('fcnn'), 1, EVERY_SETTING));
    expect(data.spec.settings.allowSoftwareGpu).toBe(true);
    expect(data.training).toEqual(resolvedTrainingOf(data.spec));
    const local = trainWorker({ dataset: 'kmnist', dataDir: '/d', runsRoot: '/r', specOf: (j) => runSpecOf(getExperiment(j.experiment), j.seed, EVERY_SETTING), script: 'x' });
    const queued = trainWorker({ dataset: 'kmnist', dataDir: '/d', runsRoot: '/r', specOf: () => data.spec, script: 'x' });
    const args = queued({ ...RUN, experiment: 'fcnn' }).args;
    expect(args).toEqual(local({ ...RUN, experiment: 'fcnn' }).args);
    expect(args).toContain('--allow-software-gpu');
    expect(args.slice(1, 5)).toEqual(runArgs(data.spec).slice(0, 4));
  });

  it("knn's job carries no training flag; one that cannot be resolved is refused when queued", () => {
    expect(jobData({ ...RUN, experiment: 'knn' }, CONTEXT).spec.settings).toEqual({ backend: 'webgpu', allowSoftwareGpu: true, threads: 2 });
    expect(() => resolvedTrainingOf({ experiment: 'fcnn', seed: 1, settings: { augmentFactor: 2 } })).toThrow(/--augment-factor needs augmentation/);
  });
});
