// What the CNN learned: the first two conv layers' filters as a normalised grid (as the study plotted
// them) and the activation maps one test image produces in those layers. Values are read with
// `await data()`: dataSync() fails on webgpu tensors in Node.
import * as tf from '@tensorflow/tfjs';
import { readableLayerNames } from './diagram.ts';
import { svgToPng } from '../graphics/rasterize.ts';
import { FONT_STACK } from '../graphics/fonts.ts';
import { normalise, tileGridPng, type Tile } from './png.ts';

const fmt = (x: number): string => (Math.abs(x) >= 100 || x === 0 ? x.toFixed(0) : x.toPrecision(3));

/**
 * A grayscale grid with a colour bar at its right: black = `low`, white = `high` (labelled), so a
 * reader can tell what the shades mean. PNG in, PNG out (composed as SVG, drawn by resvg).
 */
export function withColourBar(gridPng: Buffer, labels: { low: string; high: string; title: string }): Buffer {
  // PNG IHDR: width and height are the big-endian words at bytes 16 and 20
  const w = gridPng.readUInt32BE(16);
  const h = gridPng.readUInt32BE(20);
  const barH = Math.max(90, h - 24);
  const textW = 12 + 6.5 * Math.max(labels.low.length, labels.high.length, labels.title.length);
  const width = w + 16 + 14 + 8 + textW;
  const height = Math.max(h, barH + 24);
  const x = w + 16;
  const y = 12;
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="${FONT_STACK}" font-size="11">` +
    `<defs><linearGradient id="g" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#fff"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<image x="0" y="0" width="${w}" height="${h}" href="data:image/png;base64,${gridPng.toString('base64')}"/>` +
    `<rect x="${x}" y="${y}" width="14" height="${barH}" fill="url(#g)" stroke="#888"/>` +
    `<text x="${x + 20}" y="${y + 9}" fill="#333">${esc(labels.high)}</text>` +
    `<text x="${x + 20}" y="${y + barH}" fill="#333">${esc(labels.low)}</text>` +
    `<text x="${x + 20}" y="${y + barH / 2 + 4}" fill="#777">${esc(labels.title)}</text>` +
    '</svg>';
  return svgToPng(svg, { pixelated: true });
}

export interface ConvImages {
  layerName: string;
  /** The layer's smallest and largest weight (what black and white stand for in kernelsPng). */
  range: [number, number];
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
export async function kernelTiles(layer: tf.layers.Layer): Promise<{ tiles: Tile[]; description: string; min: number; max: number }> {
  const kernel = layer.getWeights()[0];
  const [kh, kw, inC, outC] = kernel.shape;
  const slice = tf.tidy(() => kernel.slice([0, 0, 0, 0], [kh, kw, 1, outC]).reshape([kh, kw, outC]).transpose([2, 0, 1]));
  const values = await slice.data<'float32'>();
  slice.dispose();
  const norm = normalise(values);
  const tiles = Array.from({ length: outC }, (_, f) => ({ data: norm.subarray(f * kh * kw, (f + 1) * kh * kw), height: kh, width: kw }));
  const description = `${outC} filters ${kh}x${kw}` + (inC > 1 ? ` (input channel 0 of ${inC})` : '');
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { tiles, description, min, max };
}

/** Activation maps of `image` (h x w, values 0..1) in each layer; each channel normalised on its own. */
export async function activationTiles(model: tf.LayersModel, layers: tf.layers.Layer[], image: Float32Array, height: number, width: number): Promise<Tile[][]> {
  return (await activationMaps(model, layers, image, height, width)).map((l) => l.tiles);
}

/** activationTiles, with each layer's largest activation (ReLU maps start at 0). */
export async function activationMaps(model: tf.LayersModel, layers: tf.layers.Layer[], image: Float32Array, height: number, width: number): Promise<{ tiles: Tile[]; max: number }[]> {
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
    let max = -Infinity;
    for (const v of values) max = Math.max(max, v);
    // a constant map is a dead (all-zero) ReLU channel: black, not mid-grey
    return { tiles: Array.from({ length: c }, (_, k) => ({ data: normalise(values.subarray(k * h * w, (k + 1) * h * w), 0), height: h, width: w })), max };
  }));
}

/** Kernel grids and (when an image is given) activation grids of the first two conv layers. */
export async function convImages(model: tf.LayersModel, image?: { data: Float32Array; height: number; width: number }): Promise<ConvImages[]> {
  const layers = convLayers(model);
  if (layers.length === 0) return [];
  const acts = image ? await activationMaps(model, layers, image.data, image.height, image.width) : null;
  const names = readableLayerNames(model.layers);
  return Promise.all(layers.map(async (layer, i) => {
    const { tiles, description, min, max } = await kernelTiles(layer);
    // 3x3 kernels at 16 px a weight; 26x26 maps at 3 px a pixel: large enough to see, 8 to a row
    const kernelsPng = withColourBar(tileGridPng(tiles, { columns: 8, scale: Math.max(4, Math.round(48 / tiles[0].height)), gap: 4, background: 1 }), {
      low: `${fmt(min)} (most negative weight)`,
      high: `${fmt(max)} (most positive)`,
      title: 'weight',
    });
    const act = acts?.[i];
    return {
      layerName: names.get(layer.name) ?? layer.name,
      description,
      range: [min, max],
      kernelsPng,
      activationsPng: act
        ? withColourBar(tileGridPng(act.tiles, { columns: 8, scale: Math.max(2, Math.round(78 / act.tiles[0].height)), gap: 3, background: 1 }), {
            low: '0',
            high: `the map's largest (layer: ${fmt(act.max)})`,
            title: 'activation',
          })
        : undefined,
    };
  }));
}
