// What a queued job carries of `run`'s training flags (job-data.ts): every flag that changes the result,
// turned back into the same `train` arguments on the worker; nothing for the nearest-neighbour baseline.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTrainingOptions, trainFlagsOf, type TrainingCliFlags } from '../../src/commands/training-flags.ts';
import { jobTrainFlags, resolvedTrainingOf } from '../../src/study/executors/queue/job-data.ts';
import { trainFlagsArgs } from '../../src/training/options.ts';

/** Training flags parsed by the shared definition (`train` and `run` use it). */
function parse(args: string[]): TrainingCliFlags {
  const cmd = addTrainingOptions(new Command().exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts<TrainingCliFlags>();
}

/** Where and how fast a run computes, not what: the worker's own settings, not the job's. */
const NOT_CARRIED = ['--backend', '--allow-software-gpu', '--threads'];
const EVERY_FLAG = [
  ...['--epochs', '3', '--batch-size', '16', '--lr', '0.002', '--optimizer', 'adamw', '--weight-decay', '0.01', '--label-smoothing', '0.1'],
  ...['--preset', 'default', '--augment', '--augment-factor', '2', '--shear', '0.05', '--val-split', '0.2'],
];

describe('queued training flags', () => {
  it('every training flag is carried by a job or is the worker\'s own (a new flag must be one or the other)', () => {
    const defined = addTrainingOptions(new Command()).options.map((o) => o.long as string);
    const carried = trainFlagsArgs(trainFlagsOf(parse(EVERY_FLAG))).filter((a) => a.startsWith('--'));
    expect([...carried, ...NOT_CARRIED].sort()).toEqual([...defined].sort());
  });

  it('turns back into `train` arguments that parse to the same flags', () => {
    const flags = trainFlagsOf(parse([...EVERY_FLAG, '--backend', 'wasm', '--threads', '2']));
    expect(flags).toEqual({
      ...{ epochs: 3, batchSize: 16, learningRate: 0.002, optimizer: 'adamw', weightDecay: 0.01, labelSmoothing: 0.1 },
      ...{ preset: 'default', augment: true, augmentFactor: 2, valSplit: 0.2, augmentParams: { shearRange: 0.05 } },
    });
    const args = trainFlagsArgs(flags);
    expect(trainFlagsOf(parse(args))).toEqual(flags);
    expect(trainFlagsArgs(trainFlagsOf(parse([])))).toEqual([]);
  });

  it("a job's flags: the study's --epochs with the experiment's flags, none for knn; resolved as `train` resolves them", () => {
    expect(jobTrainFlags('knn', 3, {})).toEqual({});
    const fcnn = jobTrainFlags('fcnn', 3, { batchSize: 16, learningRate: 0.002 });
    expect(fcnn).toEqual({ batchSize: 16, learningRate: 0.002, epochs: 3 });
    expect(resolvedTrainingOf('fcnn', fcnn)).toMatchObject({ epochs: 3, batchSize: 16, learningRate: 0.002, optimizer: 'adam' });
    expect(() => resolvedTrainingOf('fcnn', { augmentFactor: 2 })).toThrow(/--augment-factor needs augmentation/);
  });
});
