// The ONNX export checked by a real ONNX runtime (onnxruntime-web: ONNX Runtime's CPU kernels built to
// WebAssembly, the runtime the README gives for browsers, here in Node): the same probabilities as TF.js within
// 1e-5 on 100 test images, for every model architecture of the zoo; Debian's onnx checker accepts the file.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { loadDataset } from '../../src/data/load.ts';
import type { ImageSet } from '../../src/data/types.ts';
import { initBackend } from '../../src/engine/backend.ts';
import { saveModel } from '../../src/engine/model-io.ts';
import { exportRun } from '../../src/export/export-run.ts';
import { ONNX_INPUT, ONNX_OUTPUT, ONNX_OPSET } from '../../src/export/onnx.ts';
import { buildModel } from '../../src/models/zoo.ts';
import { batchPixels } from '../../src/training/batches.ts';
import { hasSharedData, SHARED_DATA } from '../helpers/cli.ts';
import { syntheticDataset } from '../training/synthetic.ts';
import { fullConfig } from '../helpers/run-files.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const N = 100;
const CLASSES = 10;
let images: ImageSet;
let classNames: string[];

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
  ort.env.wasm.numThreads = 1; // no worker threads: the tests share the machine's cores
  // Real Kuzushiji test images where the shared data is present, else synthetic 28x28 ones.
  const data = hasSharedData ? await loadDataset({ dataset: 'kmnist', dataDir: join(SHARED_DATA, 'kmnist-10k') }) : syntheticDataset({ train: 10, test: N, size: 28, numClasses: CLASSES });
  const px = 28 * 28;
  images = { images: data.test.images.slice(0, N * px), labels: data.test.labels.slice(0, N), count: N, height: 28, width: 28 };
  classNames = data.classNames;
});

/** A run folder holding `experiment`'s model with random weights, biases included (zeros would hide a bias bug). */
async function makeRun(experiment: string, seed: number): Promise<{ dir: string; model: tf.LayersModel }> {
  const dir = join(root, experiment, `seed-${seed}`);
  const model = buildModel(experiment, { height: 28, width: 28, numClasses: CLASSES });
  model.setWeights(
    model.getWeights().map((w, i) => {
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 10;
      const values = tf.randomNormal(w.shape, 0, Math.sqrt(2 / fanIn), 'float32', seed * 100 + i);
      return model.weights[i].name.includes('moving_variance') ? tf.add(tf.abs(values), 0.5) : values; // BatchNormalization's: positive
    }),
  );
  const norms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  if (norms.length > 0) {
    // Random weights make one class win every image. One training-mode pass with momentum 0 sets the
    // normalization statistics to these images'; the classifier is then centred on their features (its
    // bias = -mean·W: ReLU outputs share a large positive mean) and sharpened, as training would.
    for (const l of norms) (l as unknown as { momentum: number }).momentum = 0;
    const x = tf.tensor4d(batchPixels(images, Array.from({ length: N }, (_, i) => i)), [N, 28, 28, 1]);
    tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
    const head = model.layers[model.layers.length - 1];
    const features = tf.model({ inputs: model.inputs, outputs: head.input as tf.SymbolicTensor });
    const [kernel] = head.getWeights();
    const w = tf.mul(kernel, 20) as tf.Tensor2D;
    const mean = tf.mean(features.predict(x) as tf.Tensor2D, 0, true);
    head.setWeights([w, tf.neg(tf.matMul(mean, w)).reshape([CLASSES])]);
    tf.dispose([w, mean]);
    x.dispose();
  }
  await saveModel(model, join(dir, 'model'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(fullConfig({ experiment, dataset: 'kmnist', seed, numClasses: CLASSES, classNames, classChars: classNames.map((n) => n.slice(0, 1)) })));
  return { dir, model };
}

function pythonWithOnnx(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}
const python = pythonWithOnnx();

describe('export --format onnx', () => {
  for (const experiment of ['cnn', 'cnn-no-pool', 'fcnn', 'fcnn-matched', 'cnn-matched', 'cnn-modern']) {
    it(`${experiment}: onnxruntime gives TF.js's probabilities within 1e-5 on ${N} test images`, async () => {
      const { dir, model } = await makeRun(experiment, 1);
      const file = await exportRun(dir, 'onnx');
      const x = batchPixels(images, Array.from({ length: N }, (_, i) => i));
      const expected = tf.tidy(() => (model.predict(tf.tensor4d(x, [N, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array);
      model.dispose();
      const session = await ort.InferenceSession.create(readFileSync(file));
      expect(session.inputNames).toEqual([ONNX_INPUT]);
      expect(session.outputNames).toEqual([ONNX_OUTPUT]);
      const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [N, 28, 28, 1]) });
      const got = result[ONNX_OUTPUT];
      expect(got.dims).toEqual([N, CLASSES]);
      const probs = got.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(probs[i] - expected[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      // Not a degenerate comparison: the probabilities are far from uniform and the predictions vary.
      const argmax = new Set(Array.from({ length: N }, (_, i) => expected.subarray(i * CLASSES, (i + 1) * CLASSES).indexOf(Math.max(...expected.subarray(i * CLASSES, (i + 1) * CLASSES)))));
      // (Only on real images: random weights on the synthetic fallback give flat, one-class outputs.)
      if (hasSharedData) {
        expect(Math.max(...expected)).toBeGreaterThan(0.5);
        expect(argmax.size).toBeGreaterThan(1);
      }
      await session.release();
    });
  }

  it('records opset, layout and class names in the model, and the onnx checker accepts it', async (ctx) => {
    const { dir, model } = await makeRun('cnn', 2);
    model.dispose();
    const file = await exportRun(dir, 'onnx', join(root, 'out', 'cnn.onnx'));
    const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(file));
    expect(decoded.opsetImport.map((o) => Number(o.version))).toEqual([ONNX_OPSET]);
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta.class_names)).toEqual(classNames);
    expect(meta.input_layout).toBe('NHWC');
    if (!python) {
      ctx.skip('skipped: no python3 with the onnx module (Debian: apt-get install python3-onnx); the onnx checker was not run');
      return;
    }
    const out = execFileSync(python, ['-c', 'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print("ok", m.opset_import[0].version)', file], { encoding: 'utf8' });
    expect(out.trim()).toBe(`ok ${ONNX_OPSET}`);
  });

  it('refuses a run folder without a model, naming it', async () => {
    const dir = join(root, 'knn', 'seed-0');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(fullConfig({ experiment: 'knn', dataset: 'kmnist', numClasses: 10, classNames })));
    await expect(exportRun(dir, 'onnx')).rejects.toThrow(/knn.*no model\/model.json \(a knn run has no trained model: it does not train\)/);
  });
});
