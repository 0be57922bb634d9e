// Architecture diagrams like Keras's plot_model(show_shapes=True, show_layer_activations=True): per layer
// its readable name (conv2d_1, dense_2 ...), class, what it does (filters and kernel size, pool size,
// dropout rate, units), activation, input/output shape and parameters. The saved model.json topology ->
// tf.LayersModel (no weights needed) -> DOT -> Graphviz wasm -> SVG.
import * as tf from '@tensorflow/tfjs';
import { instance, type Viz } from '@viz-js/viz';
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { FONT_FAMILY } from '../graphics/fonts.ts';
import { escapeHtml } from './tables.ts';

export interface LayerInfo {
  /** Keras-style readable name: the class in snake_case and its count in the model (conv2d_1, dense_2). */
  name: string;
  /** The name TF.js saved (e.g. conv2d_Conv2D1): what model.json and the weights call it. */
  savedName: string;
  className: string;
  /** "32 filters 3x3", "pool 2x2", "rate 0.25", "128 units" ... ('' when the layer has no setting worth showing). */
  settings: string;
  /** The activation function ('' when the layer has none, e.g. pooling; 'linear' when it is the identity). */
  activation: string;
  inputShape: string;
  outputShape: string;
  params: number;
  /** Names of the layers feeding this one. */
  inbound: string[];
}

export interface ModelSummary {
  layers: LayerInfo[];
  totalParams: number;
  trainableParams: number;
}

type Shape = (number | null)[];

/** Keras notation: (None, 26, 26, 32). */
export function formatShape(shape: Shape | Shape[]): string {
  const one = (s: Shape): string => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
  if (shape.length > 0 && Array.isArray(shape[0])) return (shape as Shape[]).map(one).join(', ');
  return one(shape as Shape);
}

/** Builds the model from topology only (random weights: the diagram needs shapes and counts). */
export async function modelFromJsonFile(file: string): Promise<tf.LayersModel> {
  let json: { modelTopology?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as { modelTopology?: unknown };
  } catch (err) {
    throw new UserError(`${file}: cannot read the model topology (${(err as Error).message})`);
  }
  if (typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new UserError(`${file}: no modelTopology (not a TF.js layers model)`);
  }
  try {
    const config = { modelTopology: json.modelTopology } as Parameters<typeof tf.models.modelFromJSON>[0];
    return await tf.models.modelFromJSON(config);
  } catch (err) {
    throw new UserError(`${file}: the topology cannot be rebuilt (${(err as Error).message})`);
  }
}

/** Keras's generic_utils.to_snake_case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d. */
export function toSnakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Saved layer name -> readable name (class in snake_case + its 1-based count), in the model's layer order. */
export function readableLayerNames(layers: readonly tf.layers.Layer[]): Map<string, string> {
  const counts = new Map<string, number>();
  const names = new Map<string, string>();
  for (const l of layers) {
    const base = l.getClassName() === 'InputLayer' ? 'input' : toSnakeCase(l.getClassName());
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    names.set(l.name, `${base}_${n}`);
  }
  return names;
}

const pair = (v: unknown): string => (Array.isArray(v) ? v.join('x') : typeof v === 'number' ? `${v}x${v}` : String(v));

/** What a layer's configuration says that its shapes do not: kernel and pool sizes, strides, rate, units. */
function layerSettings(layer: tf.layers.Layer): { settings: string; activation: string } {
  const c = layer.getConfig() as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof c.filters === 'number') parts.push(`${c.filters} filters ${pair(c.kernelSize)}`);
  if (c.poolSize !== undefined) parts.push(`pool ${pair(c.poolSize)}`);
  const strides = c.strides;
  const stride1 = strides === undefined || strides === null || (Array.isArray(strides) ? strides.every((x) => x === 1) : strides === 1);
  const stridesSameAsPool = c.poolSize !== undefined && pair(strides) === pair(c.poolSize);
  if (!stride1 && !stridesSameAsPool) parts.push(`stride ${pair(strides)}`);
  if (c.padding === 'same') parts.push('same padding');
  if (typeof c.units === 'number') parts.push(`${c.units} units`);
  if (typeof c.rate === 'number') parts.push(`rate ${c.rate}`);
  const activation = typeof c.activation === 'string' ? c.activation : '';
  return { settings: parts.join(', '), activation };
}

export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers: LayerInfo[] = [];
  const seen = new Set<string>();
  const ordered: tf.layers.Layer[] = [];
  const collect = (layer: tf.layers.Layer): void => {
    if (seen.has(layer.name)) return;
    seen.add(layer.name);
    for (const l of layer.inboundNodes.flatMap((n) => n.inboundLayers)) collect(l);
    ordered.push(layer);
  };
  for (const l of model.layers) collect(l);
  const names = readableLayerNames(ordered);
  for (const layer of ordered) {
    const inboundLayers = layer.inboundNodes.flatMap((n) => n.inboundLayers);
    layers.push({
      name: names.get(layer.name) ?? layer.name,
      savedName: layer.name,
      className: layer.getClassName(),
      ...layerSettings(layer),
      // The inbound layers' output shapes (Layer.inputShape is not reliable on rebuilt models).
      inputShape:
        inboundLayers.length === 0
          ? formatShape(layer.batchInputShape ?? (layer.outputShape as Shape))
          : inboundLayers.map((l) => formatShape(l.outputShape as Shape | Shape[])).join(', '),
      outputShape: formatShape(layer.outputShape as Shape | Shape[]),
      params: layer.countParams(),
      inbound: inboundLayers.map((l) => names.get(l.name) ?? l.name),
    });
  }
  const trainable = model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { layers, totalParams: model.countParams(), trainableParams: trainable };
}

/** Graphviz lays text out with its built-in Helvetica metrics; the SVG is then drawn in the bundled font, a little smaller so it fits. */
const LAYOUT_FONT = 'Helvetica';
const DRAWN_FONT_SCALE = 0.93;

/**
 * plot_model's look: one box per layer — readable name and class, its settings and activation,
 * input and output shape, parameters. An empty title leaves the caption out (to compare architectures).
 */
export function modelToDot(title: string, summary: ModelSummary): string {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const nodes = summary.layers.map((l) => {
    const what = [l.settings, l.activation && l.activation !== 'linear' ? l.activation : ''].filter(Boolean).join(', ');
    const row = (k: string, v: string): string => `<tr><td align="left"><font color="#555555">${k}</font></td><td align="left">${escapeHtml(v)}</td></tr>`;
    const label =
      '<<table border="0" cellborder="1" cellspacing="0" cellpadding="5" color="#7f8c9a">' +
      `<tr><td colspan="2" bgcolor="${l.className === 'InputLayer' ? '#e8e8e8' : '#dbe8f5'}"><b>${escapeHtml(l.name)}</b>   ${escapeHtml(l.className)}</td></tr>` +
      (what ? `<tr><td colspan="2" align="left">${escapeHtml(what)}</td></tr>` : '') +
      (l.className === 'InputLayer' ? row('output', l.outputShape) : row('shape', `${l.inputShape} → ${l.outputShape}`)) +
      (l.className === 'InputLayer' ? '' : row('params', l.params.toLocaleString('en-US'))) +
      '</table>>';
    return `  ${q(l.name)} [label=${label}];`;
  });
  const edges = summary.layers.flatMap((l) => l.inbound.map((from) => `  ${q(from)} -> ${q(l.name)};`));
  const caption = `${title}: ${summary.totalParams.toLocaleString('en-US')} parameters (${summary.trainableParams.toLocaleString('en-US')} trainable)`;
  return [
    'digraph model {',
    `  graph [rankdir=TB, fontname="${LAYOUT_FONT}", fontsize=14, labelloc=t, nodesep=0.3, ranksep=0.25${title ? `, label=${q(caption)}` : ''}];`,
    `  node [shape=plaintext, fontname="${LAYOUT_FONT}", fontsize=11];`,
    '  edge [arrowsize=0.6, color="#7f8c9a"];',
    ...nodes,
    ...edges,
    '}',
  ].join('\n');
}

let vizPromise: Promise<Viz> | null = null;

export async function dotToSvg(dot: string): Promise<string> {
  vizPromise ??= instance();
  const viz = await vizPromise;
  const result = viz.render(dot, { format: 'svg' });
  if (result.status !== 'success' || result.output === undefined) {
    throw new Error(`graphviz failed: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  // drawn in the bundled font (resvg has no other), scaled to the width Graphviz measured
  return result.output
    .replace(/font-family="[^"]*"/g, `font-family="${FONT_FAMILY}"`)
    .replace(/font-size="([\d.]+)"/g, (_, size: string) => `font-size="${(Number(size) * DRAWN_FONT_SCALE).toFixed(2)}"`);
}
