import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../../src/engine/model-io.ts';
import { UserError } from '../../src/errors.ts';

function tinyCnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

describe('model-io', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'kmnist-model-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a model: same files as the standard format, same predictions', async () => {
    const model = tinyCnn();
    const x = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 7);
    const before = (model.predict(x) as tf.Tensor).arraySync();
    const out = join(dir, 'nested', 'model');
    await saveModel(model, out);
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const bytes = (await readFile(join(out, 'weights.bin'))).byteLength;
    expect(bytes).toBe(model.countParams() * 4);

    const loaded = await loadModel(out);
    const after = (loaded.predict(x) as tf.Tensor).arraySync();
    expect(after).toEqual(before);
    // A changed weight must change the prediction: the comparison above can fail.
    loaded.layers[0].setWeights(loaded.layers[0].getWeights().map((w) => w.add(1)));
    expect((loaded.predict(x) as tf.Tensor).arraySync()).not.toEqual(before);
  });

  it('stores optimizer weights on request (for resume)', async () => {
    const model = tinyCnn();
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    await model.fit(tf.randomUniform([4, 8, 8, 1]), tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4), { epochs: 1, verbose: 0 });
    const out = join(dir, 'with-opt');
    await saveModel(model, out, { includeOptimizer: true });
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.weightsManifest[0].weights.some((w) => w.group === 'optimizer')).toBe(true);
    const loaded = await loadModel(out);
    expect(loaded.optimizer).toBeDefined();
  });

  it('names the folder when there is no model', async () => {
    await expect(loadModel(join(dir, 'absent'))).rejects.toThrow(UserError);
    await expect(loadModel(join(dir, 'absent'))).rejects.toThrow(/absent.*model\.json/);
    const bad = join(dir, 'bad');
    await saveModel(tinyCnn(), bad);
    await writeFile(join(bad, 'model.json'), '{not json');
    await expect(loadModel(bad)).rejects.toThrow(/not valid JSON/);
  });
});
