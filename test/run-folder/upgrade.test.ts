// Old run folders (no formatVersion) still read, through the one upgrade(); a malformed field is refused
// with a one-line error naming the file and the field.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_FORMAT_VERSION } from '../../src/run-folder/layout.ts';
import { readHistory, readRunConfig, readRunFiles } from '../../src/run-folder/read.ts';
import { upgrade, type RawJson } from '../../src/run-folder/upgrade.ts';
import { fullConfig, fullMetrics } from '../helpers/run-files.ts';

const dirs: string[] = [];
function runFolder(config: object, metrics?: object): string {
  const d = mkdtempSync(join(tmpdir(), 'kmnist-upgrade-'));
  dirs.push(d);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  if (metrics) writeFileSync(join(d, 'metrics.json'), JSON.stringify(metrics));
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A config.json as the first release wrote it: no formatVersion, none of the settings recorded later. */
function versionZeroConfig(preset: string): Record<string, unknown> {
  const { formatVersion: _v, augmentation: _a, optimizerConfig: _o, callbacks: _c, learningRateSchedule: _l, labelSmoothing: _s, valSplitSeed: _k, ...old } = fullConfig();
  return { ...old, preset };
}

function versionZeroMetrics(over: Record<string, unknown> = {}): Record<string, unknown> {
  const { formatVersion: _v, scoredEpoch: _s, deterministic: _d, ...old } = fullMetrics({ epochsRun: 12, bestEpoch: 4 });
  return { ...old, ...over };
}

describe('upgrade() of version-0 run folders', () => {
  it('gives a version-less config.json the current version and null for the settings it did not record', async () => {
    const config = await readRunConfig(runFolder(versionZeroConfig('default')));
    expect(config.formatVersion).toBe(RUN_FORMAT_VERSION);
    expect([config.augmentation, config.optimizerConfig, config.callbacks, config.learningRateSchedule, config.labelSmoothing, config.valSplitSeed]).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(config.experiment).toBe('cnn');
  });

  it('derives a version-less metrics.json scored epoch from the preset, and knn from no parameters and no epochs', async () => {
    const bench = await readRunFiles(runFolder(versionZeroConfig('keras-benchmark'), versionZeroMetrics()));
    expect(bench.metrics.formatVersion).toBe(RUN_FORMAT_VERSION);
    expect(bench.metrics.scoredEpoch).toBe(12); // the last: keras-benchmark keeps the last weights
    expect(bench.metrics.deterministic).toBe(false);
    const best = await readRunFiles(runFolder(versionZeroConfig('default'), versionZeroMetrics()));
    expect(best.metrics.scoredEpoch).toBe(4); // restore_best_weights
    const knn = await readRunFiles(runFolder(versionZeroConfig('default'), versionZeroMetrics({ paramCount: 0, epochsRun: 0, bestEpoch: 0 })));
    expect(knn.metrics.deterministic).toBe(true);
    expect(knn.metrics.scoredEpoch).toBe(0);
  });

  it('leaves current folders as written, recorded fields winning over the guesses', () => {
    const config = fullConfig({ preset: 'keras-benchmark' });
    const metrics = fullMetrics({ epochsRun: 12, bestEpoch: 4, scoredEpoch: 4, paramCount: 0, deterministic: false });
    const raw = (v: object): RawJson => Object.fromEntries(Object.entries(v));
    expect(upgrade(raw(config), raw(metrics))).toEqual({ config, metrics });
    // a version-0 folder that recorded some of the later fields keeps them
    expect(upgrade(versionZeroConfig('default'), versionZeroMetrics({ scoredEpoch: 7 })).metrics.scoredEpoch).toBe(7);
  });

  it('reads a history.json from before the per-epoch macro metrics with NaN for them', async () => {
    const d = runFolder(fullConfig());
    writeFileSync(join(d, 'history.json'), JSON.stringify({ epoch: [1, 2], loss: [1, 0.5], acc: [0.5, 0.7], val_loss: [1.1, 0.6], val_acc: [0.4, 0.6], lr: [0.1, 0.1], seconds: [1, 1] }));
    const h = await readHistory(d, () => {});
    expect(h?.val_auc).toEqual([NaN, NaN]);
  });
});

describe('whole-shape validation', () => {
  it('refuses a malformed field anywhere in config.json, naming the file and the field', async () => {
    const callbacks = { earlyStopping: true, earlyStoppingPatience: 10, restoreBest: true, reduceLr: true, reduceLrFactor: 0.5, reduceLrPatience: 'five', reduceLrMinDelta: 1e-4, minLr: 0 };
    const d = runFolder({ ...fullConfig(), callbacks });
    await expect(readRunConfig(d)).rejects.toThrow(`${join(d, 'config.json')}: field "callbacks.reduceLrPatience" should be a finite number, got "five"`);
    const e = runFolder(fullConfig({ validationOn: 'train' as 'val' }));
    await expect(readRunConfig(e)).rejects.toThrow(`${join(e, 'config.json')}: field "validationOn" should be one of "val", "test", got "train"`);
    const f = runFolder(fullConfig({ classNames: ['a', 2 as unknown as string] }));
    await expect(readRunConfig(f)).rejects.toThrow(`${join(f, 'config.json')}: field "classNames[1]" should be a string, got 2`);
  });

  it('refuses a malformed metrics.json field and a format newer than this code', async () => {
    const d = runFolder(fullConfig(), fullMetrics({ confusion: [[1, 0], [0, 'x' as unknown as number]] }));
    await expect(readRunFiles(d)).rejects.toThrow(`${join(d, 'metrics.json')}: field 'confusion[1][1]' must be an integer, got "x"`);
    const e = runFolder({ ...fullConfig(), formatVersion: 99 });
    await expect(readRunConfig(e)).rejects.toThrow(`${join(e, 'config.json')}: field "formatVersion" should be one of ${RUN_FORMAT_VERSION}, got 99`);
  });

  it('reads an undefined metric (NaN, null in JSON) back as NaN', async () => {
    const d = runFolder(fullConfig(), { ...fullMetrics(), testLoss: null });
    expect((await readRunFiles(d)).metrics.testLoss).toBeNaN();
  });

  it('warns about a history.json whose columns differ in length', async () => {
    const d = runFolder(fullConfig());
    const cols = { epoch: [1, 2], loss: [1], acc: [0.5, 0.7], val_loss: [1.1, 0.6], val_acc: [0.4, 0.6], lr: [0.1, 0.1], seconds: [1, 1] };
    writeFileSync(join(d, 'history.json'), JSON.stringify(cols));
    const warnings: string[] = [];
    expect(await readHistory(d, (w) => warnings.push(w))).toBeNull();
    expect(warnings).toEqual([`${join(d, 'history.json')}: "loss" has 1 values for 2 epochs; its curves are left out`]);
  });
});
