// What the CNN learned: the first two conv layers' filters as a normalised grid (as the study plotted
// them) and the activation maps one test image produces in those layers. Values are read with
// `await data()`: dataSync() fails on webgpu tensors in Node.
import * as tf from '@tensorflow/tfjs';
import { normalise, tileGridPng, type Tile } from './png.ts';

export interface ConvImages {
  layerName: string;
  /** e.g. "32 filters 3x3 (input channel 0 of 1)". */
  description: string;
  kernelsPng: Buffer;
  activationsPng?: Buffer;
}

/** The first `count` Conv2D layers in topological order. */
export function convLayers(model: tf.LayersModel, count = 2): tf.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'Conv2D').slice(0, count);
}

/**
 * One tile per output filter: its weights for input channel 0 (all of them for the first layer),
 * min-max normalised over the whole layer so tiles compare with each other.
 */
export async function kernelTiles(layer: tf.layers.Layer): Promise<{ tiles: Tile[]; description: string }> {
  const kernel = layer.getWeights()[0];
  const [kh, kw, inC, outC] = kernel.shape;
  const slice = tf.tidy(() => kernel.slice([0, 0, 0, 0], [kh, kw, 1, outC]).reshape([kh, kw, outC]).transpose([2, 0, 1]));
  const values = await slice.data<'float32'>();
  slice.dispose();
  const norm = normalise(values);
  const tiles = Array.from({ length: outC }, (_, f) => ({ data: norm.subarray(f * kh * kw, (f + 1) * kh * kw), height: kh, width: kw }));
  const description = `${outC} filters ${kh}x${kw}` + (inC > 1 ? ` (input channel 0 of ${inC})` : '');
  return { tiles, description };
}

/** Activation maps of `image` (h x w, values 0..1) in each layer; each channel normalised on its own. */
export async function activationTiles(model: tf.LayersModel, layers: tf.layers.Layer[], image: Float32Array, height: number, width: number): Promise<Tile[][]> {
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  const outputs = tf.tidy(() => {
    const x = tf.tensor4d(image, [1, height, width, 1]);
    const out = probe.predict(x);
    const list = Array.isArray(out) ? out : [out];
    // channels first, so each map is contiguous
    return list.map((t) => t.squeeze([0]).transpose([2, 0, 1]));
  });
  return Promise.all(outputs.map(async (t) => {
    const [c, h, w] = t.shape;
    const values = await t.data<'float32'>();
    t.dispose();
    // a constant map is a dead (all-zero) ReLU channel: black, not mid-grey
    return Array.from({ length: c }, (_, k) => ({ data: normalise(values.subarray(k * h * w, (k + 1) * h * w), 0), height: h, width: w }));
  }));
}

/** Kernel grids and (when an image is given) activation grids of the first two conv layers. */
export async function convImages(model: tf.LayersModel, image?: { data: Float32Array; height: number; width: number }): Promise<ConvImages[]> {
  const layers = convLayers(model);
  if (layers.length === 0) return [];
  const acts = image ? await activationTiles(model, layers, image.data, image.height, image.width) : null;
  return Promise.all(layers.map(async (layer, i) => {
    const { tiles, description } = await kernelTiles(layer);
    return {
      layerName: layer.name,
      description,
      kernelsPng: tileGridPng(tiles, { columns: 8, scale: 12, gap: 4, background: 1 }),
      activationsPng: acts ? tileGridPng(acts[i], { columns: 8, scale: 3, gap: 2, background: 1 }) : undefined,
    };
  }));
}
