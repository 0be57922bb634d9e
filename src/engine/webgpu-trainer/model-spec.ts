// Reads a tf.LayersModel (the zoo's Sequential models) into the engine's own description of its layers:
// shapes, configs and which of the model's weights each layer owns. Anything the engine cannot train is
// reported as a reason, so the caller falls back to TF.js.
import type * as tf from '@tensorflow/tfjs';

export type Activation = 'linear' | 'relu' | 'softmax';

/** Activations in NHWC; a [n] vector is { h: 1, w: 1, c: n }. */
export interface Shape3 {
  h: number;
  w: number;
  c: number;
}

export type LayerSpec =
  | { kind: 'dense'; name: string; inputs: number; units: number; activation: Activation; useBias: boolean }
  | {
      kind: 'conv2d';
      name: string;
      input: Shape3;
      output: Shape3;
      kernel: [number, number];
      strides: [number, number];
      /** Rows/cols of zeros before the input (TF 'same': floor of the total pad / 2). */
      pad: [number, number];
      activation: Activation;
      useBias: boolean;
    }
  | { kind: 'maxPool'; name: string; input: Shape3; output: Shape3; pool: [number, number]; strides: [number, number]; pad: [number, number] }
  | { kind: 'dropout'; name: string; size: number; rate: number }
  | { kind: 'batchNorm'; name: string; shape: Shape3; momentum: number; epsilon: number; center: boolean; scale: boolean }
  | { kind: 'activation'; name: string; size: number; activation: Activation }
  | { kind: 'globalAvgPool'; name: string; input: Shape3 }
  | { kind: 'flatten'; name: string };

export interface ModelSpec {
  input: Shape3;
  classes: number;
  layers: LayerSpec[];
}

export class UnsupportedModelError extends Error {}

const pair = (v: unknown, what: string): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new UnsupportedModelError(`${what}: ${JSON.stringify(v)}`);
};

function activationOf(v: unknown, layer: string): Activation {
  const a = v ?? 'linear';
  if (a === 'linear' || a === 'relu' || a === 'softmax') return a;
  throw new UnsupportedModelError(`${layer}: activation ${String(a)}`);
}

/** TF's output size and leading pad of one spatial axis. */
function axis(size: number, k: number, s: number, padding: string): { out: number; pad: number } {
  if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, pad: 0 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return { out, pad: Math.floor(total / 2) };
}

const size3 = (s: Shape3): number => s.h * s.w * s.c;

/**
 * The model's layers, in order. Throws UnsupportedModelError for a layer type, activation or setting the
 * engine has no kernels for (e.g. dilation, a channels-first layout, a non-softmax last layer).
 */
export function readModel(model: tf.LayersModel): ModelSpec {
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4) throw new UnsupportedModelError(`input of rank ${inShape.length - 1} (want [h, w, c])`);
  const input: Shape3 = { h: inShape[1] as number, w: inShape[2] as number, c: inShape[3] as number };
  let cur: Shape3 = input;
  const layers: LayerSpec[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const name = layer.name;
    switch (cls) {
      case 'Dense': {
        const units = cfg.units as number;
        layers.push({ kind: 'dense', name, inputs: size3(cur), units, activation: activationOf(cfg.activation, name), useBias: cfg.useBias !== false });
        cur = { h: 1, w: 1, c: units };
        break;
      }
      case 'Conv2D': {
        if (cfg.dataFormat === 'channelsFirst') throw new UnsupportedModelError(`${name}: channelsFirst`);
        const d = pair(cfg.dilationRate ?? 1, `${name} dilation`);
        if (d[0] !== 1 || d[1] !== 1) throw new UnsupportedModelError(`${name}: dilation ${d.join('x')}`);
        const kernel = pair(cfg.kernelSize, `${name} kernel`);
        const strides = pair(cfg.strides ?? 1, `${name} strides`);
        const padding = String(cfg.padding ?? 'valid');
        const ah = axis(cur.h, kernel[0], strides[0], padding);
        const aw = axis(cur.w, kernel[1], strides[1], padding);
        const output = { h: ah.out, w: aw.out, c: cfg.filters as number };
        layers.push({ kind: 'conv2d', name, input: cur, output, kernel, strides, pad: [ah.pad, aw.pad], activation: activationOf(cfg.activation, name), useBias: cfg.useBias !== false });
        cur = output;
        break;
      }
      case 'MaxPooling2D': {
        const pool = pair(cfg.poolSize ?? 2, `${name} pool`);
        const strides = pair(cfg.strides ?? pool, `${name} strides`);
        const padding = String(cfg.padding ?? 'valid');
        const ah = axis(cur.h, pool[0], strides[0], padding);
        const aw = axis(cur.w, pool[1], strides[1], padding);
        const output = { h: ah.out, w: aw.out, c: cur.c };
        layers.push({ kind: 'maxPool', name, input: cur, output, pool, strides, pad: [ah.pad, aw.pad] });
        cur = output;
        break;
      }
      case 'Dropout':
        if (cfg.noiseShape != null) throw new UnsupportedModelError(`${name}: noiseShape`);
        layers.push({ kind: 'dropout', name, size: size3(cur), rate: cfg.rate as number });
        break;
      case 'Flatten':
        layers.push({ kind: 'flatten', name });
        cur = { h: 1, w: 1, c: size3(cur) };
        break;
      case 'Activation':
        layers.push({ kind: 'activation', name, size: size3(cur), activation: activationOf(cfg.activation, name) });
        break;
      case 'BatchNormalization': {
        const ax = cfg.axis;
        if (!(ax === -1 || ax === 3 || (Array.isArray(ax) && ax.length === 1 && (ax[0] === -1 || ax[0] === 3)))) throw new UnsupportedModelError(`${name}: axis ${JSON.stringify(ax)}`);
        layers.push({ kind: 'batchNorm', name, shape: cur, momentum: cfg.momentum as number, epsilon: cfg.epsilon as number, center: cfg.center !== false, scale: cfg.scale !== false });
        break;
      }
      case 'GlobalAveragePooling2D':
        layers.push({ kind: 'globalAvgPool', name, input: cur });
        cur = { h: 1, w: 1, c: cur.c };
        break;
      default:
        throw new UnsupportedModelError(`layer ${name} of type ${cls}`);
    }
  }
  const last = layers[layers.length - 1];
  if (!last || last.kind !== 'dense' || last.activation !== 'softmax') throw new UnsupportedModelError('the last layer is not a Dense softmax (the loss kernel fuses softmax and cross-entropy)');
  return { input, classes: last.units, layers };
}
