// The model zoo: every experiment defined declaratively in one place (Keras-like layer lists).
// Input size and number of classes always come from the dataset.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import { batchNormalization } from './batch-norm.ts';
import { dropout } from './dropout.ts';

export interface ModelInput {
  height: number;
  width: number;
  numClasses: number;
}

export type PresetName = 'default' | 'seed' | 'keras-benchmark' | 'modern';

/**
 * What an experiment does, declared once here: training, the study and the commands ask these,
 * never an experiment's name or kind (a new baseline declares its own and needs no `if` elsewhere).
 */
export interface ExperimentCapabilities {
  /** Fits weights by gradient descent over epochs: it has a history, callbacks, an optimizer and a validation split. */
  trainsByGradientDescent: boolean;
  /** Its result does not depend on the seed (no training, no randomness): one run stands for every seed. */
  deterministic: boolean;
  /** Training flags (--epochs, --optimizer, --lr ...) change its result; false: they are refused as having no effect. */
  acceptsTrainingFlags: boolean;
}

/** A trained neural network: the study's experiments. */
const NEURAL: ExperimentCapabilities = { trainsByGradientDescent: true, deterministic: false, acceptsTrainingFlags: true };
/** A fitted-by-storing baseline (k-nearest neighbours): no training, nothing random. */
const NON_PARAMETRIC: ExperimentCapabilities = { trainsByGradientDescent: false, deterministic: true, acceptsTrainingFlags: false };

interface BaseExperiment {
  name: string;
  description: string;
  capabilities: ExperimentCapabilities;
  /** Train on on-the-fly augmented batches. */
  augment: boolean;
  /** Training protocol this experiment uses unless --preset says otherwise. */
  preset: PresetName;
}

export interface LayersExperiment extends BaseExperiment {
  kind: 'layers';
  layers: (input: ModelInput) => tf.layers.Layer[];
  paramCount: (input: ModelInput) => number;
}

export interface KnnExperiment extends BaseExperiment {
  kind: 'knn';
  /** Number of neighbours that vote. */
  k: number;
}

export type Experiment = LayersExperiment | KnnExperiment;

// ---- the two architectures of the study ----------------------------------------------------------

export interface CnnOptions {
  filters: [number, number];
  dense: number;
  pool: boolean;
}
const STUDY_CNN: CnnOptions = { filters: [32, 64], dense: 128, pool: true };
const STUDY_FCNN = [512, 256, 128];

/** Conv(3x3,relu) → Conv(3x3,relu) → [MaxPool 2x2] → Dropout .25 → Flatten → Dense relu → Dropout .5 → softmax. */
export function cnnLayers(input: ModelInput, o: CnnOptions = STUDY_CNN): tf.layers.Layer[] {
  const { layers } = tf;
  return [
    layers.conv2d({ filters: o.filters[0], kernelSize: 3, activation: 'relu', inputShape: [input.height, input.width, 1] }),
    layers.conv2d({ filters: o.filters[1], kernelSize: 3, activation: 'relu' }),
    ...(o.pool ? [layers.maxPooling2d({ poolSize: 2 })] : []),
    dropout({ rate: 0.25 }),
    layers.flatten(),
    layers.dense({ units: o.dense, activation: 'relu' }),
    dropout({ rate: 0.5 }),
    layers.dense({ units: input.numClasses, activation: 'softmax' }),
  ];
}

/** Flatten → (Dense relu → Dropout .5) per width → softmax. */
export function fcnnLayers(input: ModelInput, widths: number[] = STUDY_FCNN): tf.layers.Layer[] {
  const { layers } = tf;
  return [
    layers.flatten({ inputShape: [input.height, input.width, 1] }),
    ...widths.flatMap((units) => [layers.dense({ units, activation: 'relu' }), dropout({ rate: 0.5 })]),
    layers.dense({ units: input.numClasses, activation: 'softmax' }),
  ];
}

// ---- cnn-modern: the study's question with today's standard pieces ------------------------------

export interface ModernCnnOptions {
  /** Filters of the 3x3 convolutions of each stage (multiples of 4: the wasm engine's Winograd kernels). */
  stages: number[][];
  /** Dropout rate after each stage's pooling. */
  stageDropout: number;
  /** Dropout rate before the classifier. */
  headDropout: number;
}

const MODERN_CNN: ModernCnnOptions = { stages: [[32, 32], [64, 64], [128, 128]], stageDropout: 0.1, headDropout: 0.3 };

/**
 * Per stage: (Conv2D 3x3 'same' without bias → BatchNormalization → ReLU) per filter count, then, except
 * after the last stage, MaxPooling2D 2x2 → Dropout; then GlobalAveragePooling2D → Dropout → Dense softmax.
 * The VGG-style block of Keras's examples with batch normalization (Ioffe & Szegedy 2015) before the
 * activation, and global average pooling instead of a dense head (Lin et al. 2014, "Network in Network").
 */
export function modernCnnLayers(input: ModelInput, o: ModernCnnOptions = MODERN_CNN): tf.layers.Layer[] {
  const { layers } = tf;
  const out: tf.layers.Layer[] = [];
  o.stages.forEach((filters, s) => {
    for (const f of filters) {
      const first = out.length === 0 ? { inputShape: [input.height, input.width, 1] } : {};
      // No bias: the BatchNormalization's beta that follows plays its part. Momentum 0.9 (PyTorch's 0.1):
      // Keras's 0.99 leaves the moving variance near its initial 1 for ~500 steps (9 epochs of kmnist-10k)
      // while the first convolution's batch variance is ~0.007, so inference is useless early on.
      out.push(
        layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false, ...first }),
        batchNormalization({ momentum: 0.9 }),
        layers.activation({ activation: 'relu' }),
      );
    }
    if (s < o.stages.length - 1) out.push(layers.maxPooling2d({ poolSize: 2 }), dropout({ rate: o.stageDropout }));
  });
  out.push(layers.globalAveragePooling2d({}), dropout({ rate: o.headDropout }), layers.dense({ units: input.numClasses, activation: 'softmax' }));
  return out;
}

// ---- parameter counts, computed from the shapes (no tensors), for listing and matching -----------

const denseParams = (inputs: number, units: number): number => inputs * units + units;

export function cnnParamCount(input: ModelInput, o: CnnOptions = STUDY_CNN): number {
  const [f1, f2] = o.filters;
  let h = input.height - 4; // two valid 3x3 convolutions
  let w = input.width - 4;
  if (o.pool) {
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  const conv = 9 * 1 * f1 + f1 + 9 * f1 * f2 + f2;
  return conv + denseParams(h * w * f2, o.dense) + denseParams(o.dense, input.numClasses);
}

export function fcnnParamCount(input: ModelInput, widths: number[] = STUDY_FCNN): number {
  let total = 0;
  let prev = input.height * input.width;
  for (const units of widths) {
    total += denseParams(prev, units);
    prev = units;
  }
  return total + denseParams(prev, input.numClasses);
}

/** Weights of modernCnnLayers: the convolutions, 4 per channel for each BatchNormalization (gamma, beta, moving mean and variance), the classifier. */
export function modernCnnParamCount(input: ModelInput, o: ModernCnnOptions = MODERN_CNN): number {
  let total = 0;
  let channels = 1;
  for (const f of o.stages.flat()) {
    total += 9 * channels * f + 4 * f;
    channels = f;
  }
  return total + denseParams(channels, input.numClasses);
}

// ---- parameter-matched pair: the study's unfinished "compare at equal parameter counts" ---------

/** FCNN widths (4w, 2w, w) — the study's 512/256/128 shape — with w chosen to match the cnn's count. */
export function matchedFcnnWidths(input: ModelInput): number[] {
  const target = cnnParamCount(input);
  let best = [4, 2, 1];
  for (let w = 1; w <= 8192; w++) {
    const widths = [4 * w, 2 * w, w];
    if (Math.abs(fcnnParamCount(input, widths) - target) < Math.abs(fcnnParamCount(input, best) - target)) best = widths;
    if (fcnnParamCount(input, widths) > target) break; // the count only grows with w
  }
  return best;
}

/**
 * The study's CNN with its dense width (and, when the convolutions alone exceed the budget, its filter
 * counts) chosen to match the fcnn's count.
 */
export function matchedCnnOptions(input: ModelInput): CnnOptions {
  const target = fcnnParamCount(input);
  let best: CnnOptions = { ...STUDY_CNN, filters: [1, 1], dense: 1 };
  const err = (o: CnnOptions): number => Math.abs(cnnParamCount(input, o) - target) / target;
  for (const scale of [1, 0.75, 0.5, 0.375, 0.25, 0.125, 0.0625]) {
    const filters: [number, number] = [Math.max(1, Math.round(32 * scale)), Math.max(1, Math.round(64 * scale))];
    for (let dense = 1; dense <= 8192; dense++) {
      const o: CnnOptions = { filters, dense, pool: true };
      if (err(o) < err(best)) best = o;
      if (cnnParamCount(input, o) > target) break;
    }
    if (err(best) <= 0.02) break; // keep the study's filters whenever the dense width alone can match
  }
  return best;
}

// ---- the registry ---------------------------------------------------------------------------------

function layersExperiment(
  name: string,
  description: string,
  layers: (input: ModelInput) => tf.layers.Layer[],
  paramCount: (input: ModelInput) => number,
  extra: Partial<Pick<LayersExperiment, 'augment' | 'preset'>> = {},
): LayersExperiment {
  return { kind: 'layers', name, description, capabilities: NEURAL, layers, paramCount, augment: false, preset: 'default', ...extra };
}

const cnn = (i: ModelInput): tf.layers.Layer[] => cnnLayers(i);
const fcnn = (i: ModelInput): tf.layers.Layer[] => fcnnLayers(i);
const noPool = { ...STUDY_CNN, pool: false };

export const EXPERIMENTS: Readonly<Record<string, Experiment>> = Object.fromEntries(
  (
    [
      layersExperiment('cnn', "The study's CNN: conv32-conv64-maxpool-dense128", cnn, (i) => cnnParamCount(i)),
      layersExperiment('cnn-no-pool', 'The cnn without its max-pooling layer', (i) => cnnLayers(i, noPool), (i) => cnnParamCount(i, noPool)),
      layersExperiment('fcnn', "The study's FCNN: dense 512-256-128 with dropout .5", fcnn, (i) => fcnnParamCount(i)),
      layersExperiment('cnn-aug', 'The cnn trained on augmented batches', cnn, (i) => cnnParamCount(i), { augment: true }),
      layersExperiment('fcnn-aug', 'The fcnn trained on augmented batches', fcnn, (i) => fcnnParamCount(i), { augment: true }),
      layersExperiment('keras-cnn', 'Keras simple CNN benchmark: the cnn, Adadelta lr 1.0, 12 epochs', cnn, (i) => cnnParamCount(i), {
        preset: 'keras-benchmark',
      }),
      layersExperiment(
        'fcnn-matched',
        "An FCNN (4w-2w-w) with the cnn's parameter count (within 2%)",
        (i) => fcnnLayers(i, matchedFcnnWidths(i)),
        (i) => fcnnParamCount(i, matchedFcnnWidths(i)),
      ),
      layersExperiment(
        'cnn-matched',
        "The cnn with its dense width chosen for the fcnn's parameter count (within 2%)",
        (i) => cnnLayers(i, matchedCnnOptions(i)),
        (i) => cnnParamCount(i, matchedCnnOptions(i)),
      ),
      layersExperiment(
        'cnn-modern',
        'A BatchNorm CNN (32-32, 64-64, 128-128 3x3 convs, global average pooling) on augmented batches: AdamW, cosine decay with warm-up, label smoothing',
        (i) => modernCnnLayers(i),
        (i) => modernCnnParamCount(i),
        { augment: true, preset: 'modern' },
      ),
      {
        kind: 'knn',
        name: 'knn',
        description: '4-nearest-neighbour vote on raw pixels (no training)',
        capabilities: NON_PARAMETRIC,
        k: 4,
        augment: false,
        preset: 'default',
      },
    ] satisfies Experiment[]
  ).map((e) => [e.name, e]),
);

export function listExperiments(): Experiment[] {
  return Object.values(EXPERIMENTS);
}

export function getExperiment(name: string): Experiment {
  const e = EXPERIMENTS[name];
  if (!e) throw new UserError(`unknown experiment "${name}"; choose one of: ${Object.keys(EXPERIMENTS).join(', ')}`);
  return e;
}

export function paramCount(name: string, input: ModelInput): number {
  const e = getExperiment(name);
  return e.kind === 'layers' ? e.paramCount(input) : 0;
}

/** A fresh, uncompiled model for a layers experiment (its weights come from Math.random: seed it). */
export function buildModel(name: string, input: ModelInput): tf.Sequential {
  const e = getExperiment(name);
  if (e.kind !== 'layers') throw new UserError(`experiment "${name}" is a nearest-neighbour baseline, it has no layers model`);
  return tf.sequential({ name, layers: e.layers(input) });
}
