// Kernel micro-benchmark: img/s of one training step (batch 128) of the study's cnn and fcnn on a
// backend, plus a per-kernel profile of one cnn step. Numbers, not pass/fail.
//   npx tsx bench/kernels.ts [--backend wasm|cpu] [--kernels all|required] [--threads 1] [--steps 8] [--optimizer adam] [--batch 128] [--models cnn,fcnn] [--no-profile]
// --kernels required = only Conv2DBackpropFilter added (the baseline), all = with the fast replacements.
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { backendInfo, initBackend, type BackendChoice } from '../src/engine/backend.ts';
import { dropout } from '../src/models/dropout.ts';
import { makeOptimizer } from '../src/training/optimizers.ts';
import { registerWasmTrainingKernels, type WasmKernelSet } from '../src/engine/wasm-kernels/index.ts';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    kernels: { type: 'string', default: 'all' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '8' },
    optimizer: { type: 'string', default: 'adam' },
    batch: { type: 'string', default: '128' },
    models: { type: 'string', default: 'cnn,fcnn' },
    'no-profile': { type: 'boolean', default: false },
  },
});

// The baseline (--kernels required) uses tfjs-layers' Dropout (masks drawn in JS); 'all' the zoo's
// (masks made in wasm, src/models/dropout.ts).
const dropoutLayer = (rate: number): tf.layers.Layer => (args.kernels === 'required' ? tf.layers.dropout({ rate }) : dropout({ rate }));

function cnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(dropoutLayer(0.25));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(dropoutLayer(0.5));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

function fcnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
  for (const units of [512, 256, 128]) {
    m.add(tf.layers.dense({ units, activation: 'relu' }));
    m.add(dropoutLayer(0.5));
  }
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

const MODELS: Record<string, () => tf.Sequential> = { cnn, fcnn };

async function main(): Promise<void> {
  registerWasmTrainingKernels(args.kernels as WasmKernelSet); // first registration wins over initBackend's
  const backend = await initBackend(args.backend as BackendChoice, { threads: Number(args.threads) });
  console.log('backend', JSON.stringify(await backendInfo()), 'kernels', args.kernels, 'cpu', os.cpus()[0]?.model, 'x', os.cpus().length);
  const batch = Number(args.batch);
  const steps = Number(args.steps);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  for (const name of args.models.split(',')) {
    const model = MODELS[name]();
    // The baseline is the shipped engine: TF.js's own Adam, not the fused wasm update.
    const optimizer = args.kernels === 'required' && args.optimizer === 'adam' ? tf.train.adam(1e-3) : makeOptimizer(args.optimizer, 1e-3);
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y); // warm-up: XNNPACK operator creation
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await model.trainOnBatch(x, y);
      times.push(performance.now() - t0);
    }
    const ms = times.reduce((a, b) => a + b, 0) / steps;
    const median = [...times].sort((a, b) => a - b)[Math.floor(steps / 2)];
    const imgs = (t: number): string => ((batch * 1000) / t).toFixed(0);
    // The median resists the machine's hiccups (a shared VM): both are printed.
    console.log(`${name} train step (${backend}, batch ${batch}): mean ${ms.toFixed(1)} ms = ${imgs(ms)} img/s, median ${median.toFixed(1)} ms = ${imgs(median)} img/s`);

    if (!args['no-profile']) {
      const prof = await tf.profile(async () => {
        await model.trainOnBatch(x, y);
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of prof.kernels) {
        const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += Number(k.kernelTimeMs);
        e.calls += 1;
        byKernel.set(k.name, e);
      }
      const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
      const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
      console.log(`  profile of one ${name} step: kernels total ${total.toFixed(1)} ms`);
      for (const [k, e] of rows) {
        console.log(`  ${k.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  x${e.calls}`);
      }
    }
    model.dispose();
  }
}

await main();
