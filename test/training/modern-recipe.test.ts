// cnn-modern's training pieces against PyTorch: Keras's CosineDecay with warm-up (torch's LinearLR then
// CosineAnnealingLR), AdamW (torch.optim.AdamW, decoupled weight decay) on the cpu and wasm backends, and
// label smoothing (torch.nn.CrossEntropyLoss(label_smoothing)). REFERENCE is what
// test/training/reference/modern-recipe.py prints; the last test reruns it where torch is installed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { AdamW } from '../../src/training/adamw.ts';
import { smoothedCrossEntropy, trainingLoss, type LossFunction } from '../../src/training/loss.ts';
import { cosineDecay, cosineDecayConfig } from '../../src/training/lr-schedule.ts';
import type { CosineDecayConfig } from '../../src/run-folder/recorded-settings.ts';
import { getOptimizerState, setLearningRate, setOptimizerState } from '../../src/training/optimizers.ts';

const SCRIPT = fileURLToPath(new URL('./reference/modern-recipe.py', import.meta.url));

// /usr/bin/python3 test/training/reference/modern-recipe.py (torch 1.13), without its "torch" version field.
interface Reference {
  schedule: number[];
  adamw: number[][];
  labelSmoothing: { logits: number[][]; labels: number[]; loss: number; grad: number[][] };
}
const REFERENCE: Reference = {"schedule": [0.0001, 0.00032500000000000004, 0.00055, 0.0007750000000000001, 0.001, 0.0009846666218300806, 0.0009397114317029974, 0.0008681980515339463, 0.000775, 0.0006664685702961343, 0.0005499999999999999, 0.00043353142970386566, 0.0003250000000000001, 0.00023180194846605365, 0.00016028856829700258, 0.0001153333781699193, 0.0001], "adamw": [[0.5949999690055847, -1.3849999904632568, 1.8799999952316284, 0.10989998281002045, -0.19700004160404205], [0.6665925979614258, -1.2975393533706665, 1.7886040210723877, 0.18512439727783203, -0.1194285899400711], [0.6930457353591919, -1.2647569179534912, 1.754276990890503, 0.21287685632705688, -0.09080427139997482], [0.6934916973114014, -1.2641980648040771, 1.7536910772323608, 0.21334408223628998, -0.09032232314348221], [0.7088217735290527, -1.2448842525482178, 1.7334222793579102, 0.2293940931558609, -0.0737648457288742], [0.7651233077049255, -1.1735315322875977, 1.6584807634353638, 0.2882940471172333, -0.012998707592487335]], "labelSmoothing": {"logits": [[2.0, -1.0, 0.5, 0.0], [0.1, 0.2, 0.3, 3.0], [-2.0, 1.5, 1.0, 0.2]], "labels": [0, 3, 2], "loss": 0.8557172025240041, "grad": [[-0.046633359037941906, -0.0048820688637503775, 0.03614823650499324, 0.015367191396699068], [-0.0011633091917302508, 0.00046719314716376747, 0.0022691769139637523, -0.0015730608693972886], [-0.011394574160754147, 0.15792105943466123, -0.1774405246433664, 0.030914039369459294]]}};

/** The schedule the script builds: warm-up 1e-4 -> 1e-3 over 4 steps, cosine to 0.1 x 1e-3 over 12. */
const SCHEDULE: CosineDecayConfig = { name: 'CosineDecay', initialLearningRate: 1e-4, decaySteps: 12, alpha: 0.1, warmupTarget: 1e-3, warmupSteps: 4 };

describe('CosineDecay (keras.optimizers.schedules) with warm-up', () => {
  it("follows torch's LinearLR -> CosineAnnealingLR rates step by step", () => {
    REFERENCE.schedule.forEach((want, step) => expect(cosineDecay(SCHEDULE, step), `step ${step}`).toBeCloseTo(want, 15));
    // Keras holds the final rate after decay_steps (torch's cosine would climb again)
    expect(cosineDecay(SCHEDULE, 40)).toBeCloseTo(1e-4, 15);
  });

  it('is built from a preset\'s epochs: warm-up epochs x steps, the rest decays; no warm-up decays from the peak', () => {
    expect(cosineDecayConfig({ name: 'CosineDecay', warmupEpochs: 2, initialFraction: 0.1, alpha: 0.1 }, 1e-3, 8, 2)).toEqual(SCHEDULE);
    const plain = cosineDecayConfig({ name: 'CosineDecay', warmupEpochs: 0, initialFraction: 0, alpha: 0 }, 0.5, 3, 10);
    expect(plain).toEqual({ name: 'CosineDecay', initialLearningRate: 0.5, decaySteps: 30, alpha: 0, warmupTarget: null, warmupSteps: 0 });
    expect(cosineDecay(plain, 0)).toBe(0.5);
    expect(cosineDecay(plain, 15)).toBeCloseTo(0.25, 15);
    expect(cosineDecay(plain, 30)).toBeCloseTo(0, 15);
  });
});

const W0 = [0.5, -1.5, 2.0, 0.01, -0.3];
const T = [1, 0, -1, 0.5, 0.2];
const S = [1, 2, 0.5, 3, 1];
const ADAMW_LRS = REFERENCE.adamw.map((_, k) => 0.05 * (1 + Math.cos(k)));

let made = 0;
function quadratic(w: tf.Variable): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(tf.tensor1d(S), tf.square(tf.sub(w, tf.tensor1d(T))))) as tf.Scalar);
}

/** w after each step of `opt` on the script's problem, with the script's rate per step. */
function adamwSteps(opt: tf.Optimizer, lrs: number[], w = tf.variable(tf.tensor1d(W0), true, `adamw${++made}`)): number[][] {
  return lrs.map((lr) => {
    setLearningRate(opt, lr);
    tf.dispose(opt.minimize(() => quadratic(w), false, [w]) ?? []);
    return Array.from(w.dataSync());
  });
}

describe('AdamW (decoupled weight decay)', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: matches torch.optim.AdamW step by step, the rate changing every step`, async () => {
      await initBackend(backend);
      const got = adamwSteps(new AdamW(ADAMW_LRS[0], 0.9, 0.999, 1e-7, 0.1), ADAMW_LRS);
      // tf.train.adam keeps beta2^t in float32: 1 - fround(0.999) is 1.3e-5 off 0.001, so every step is ~6e-6
      // (relative) off torch's, which takes the bias corrections in float64 (measured: 2.7e-6 after 6 steps).
      got.forEach((w, k) => w.forEach((v, i) => expect(Math.abs(v - REFERENCE.adamw[k][i]), `step ${k} w[${i}]`).toBeLessThan(5e-6)));
      // and the decay is what differs from Adam: without it the weights end elsewhere
      const adam = adamwSteps(new AdamW(ADAMW_LRS[0], 0.9, 0.999, 1e-7, 0), ADAMW_LRS);
      expect(Math.abs(adam[5][2] - REFERENCE.adamw[5][2])).toBeGreaterThan(1e-3);
    });
  }

  it('with weight decay 0 it is tf.train.adam bit for bit (wasm)', async () => {
    await initBackend('wasm');
    const lrs = [0.01, 0.02, 0.005];
    expect(adamwSteps(new AdamW(0.01, 0.9, 0.999, 1e-7, 0), lrs)).toEqual(adamwSteps(tf.train.adam(0.01, 0.9, 0.999, 1e-7), lrs));
  });

  it('resumes from getOptimizerState/setOptimizerState exactly', async () => {
    await initBackend('wasm');
    const whole = adamwSteps(new AdamW(0.05, 0.9, 0.999, 1e-7, 0.1), ADAMW_LRS);
    const first = new AdamW(0.05, 0.9, 0.999, 1e-7, 0.1);
    const w = tf.variable(tf.tensor1d(W0), true, `adamw${++made}`);
    adamwSteps(first, ADAMW_LRS.slice(0, 3), w);
    const state = (await getOptimizerState(first)).map((s) => ({ name: s.name, tensor: tf.clone(s.tensor) }));
    const second = new AdamW(0.05, 0.9, 0.999, 1e-7, 0.1);
    await setOptimizerState(second, state);
    const resumed = adamwSteps(second, ADAMW_LRS.slice(3), tf.variable(w.clone(), true, `adamw${++made}`));
    expect(resumed).toEqual(whole.slice(3));
  });
});

describe('label smoothing (Keras label_smoothing)', () => {
  const { logits, labels, loss, grad } = REFERENCE.labelSmoothing;
  const k = logits[0].length;

  it("the training loss and its gradient through the softmax match torch's CrossEntropyLoss(label_smoothing=0.2)", async () => {
    await initBackend('cpu');
    const fn = trainingLoss(0.2) as LossFunction;
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat();
    const mean = (z: tf.Tensor): tf.Scalar => tf.mean(fn(y, tf.softmax(z))) as tf.Scalar;
    expect(mean(tf.tensor2d(logits)).dataSync()[0]).toBeCloseTo(loss, 6);
    const g = tf.grad(mean)(tf.tensor2d(logits)).arraySync() as number[][];
    g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(grad[i][j], 6)));
  });

  it('val_loss (smoothedCrossEntropy of the probabilities) is the same number; 0 is the plain cross-entropy', async () => {
    await initBackend('cpu');
    const probs = tf.softmax(tf.tensor2d(logits)).dataSync() as Float32Array;
    expect(smoothedCrossEntropy(probs, Int32Array.from(labels), k, 0.2)).toBeCloseTo(loss, 6);
    const plain = -labels.reduce((s, c, i) => s + Math.log(probs[i * k + c]), 0) / labels.length;
    expect(smoothedCrossEntropy(probs, Int32Array.from(labels), k, 0)).toBeCloseTo(plain, 6);
    expect(trainingLoss(0)).toBe('categoricalCrossentropy');
  });
});

function torchPython(): string | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return '/usr/bin/python3';
  } catch {
    return null;
  }
}

describe('the reference values', () => {
  it('are what modern-recipe.py prints with PyTorch', (ctx) => {
    const python = torchPython();
    if (!python) ctx.skip('skipped: /usr/bin/python3 has no torch (Debian: apt-get install python3-torch); the embedded values stand');
    const printed = JSON.parse(execFileSync(python!, [SCRIPT], { encoding: 'utf8' })) as Record<string, unknown>;
    delete printed.torch;
    expect(printed).toEqual(REFERENCE);
  }, 60_000);
});
