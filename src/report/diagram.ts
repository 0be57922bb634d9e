// Architecture diagrams like Keras's plot_model (layer, class, input/output shape, parameters):
// the saved model.json topology -> tf.LayersModel (no weights needed) -> DOT -> Graphviz wasm -> SVG.
import * as tf from '@tensorflow/tfjs';
import { instance, type Viz } from '@viz-js/viz';
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { FONT_FAMILY } from '../graphics/fonts.ts';
import { escapeHtml } from './tables.ts';

export interface LayerInfo {
  name: string;
  className: string;
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

export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers: LayerInfo[] = [];
  const seen = new Set<string>();
  const add = (layer: tf.layers.Layer): void => {
    if (seen.has(layer.name)) return;
    seen.add(layer.name);
    const inboundLayers = layer.inboundNodes.flatMap((n) => n.inboundLayers);
    for (const l of inboundLayers) add(l);
    layers.push({
      name: layer.name,
      className: layer.getClassName(),
      // The inbound layers' output shapes (Layer.inputShape is not reliable on rebuilt models).
      inputShape:
        inboundLayers.length === 0
          ? formatShape(layer.batchInputShape ?? (layer.outputShape as Shape))
          : inboundLayers.map((l) => formatShape(l.outputShape as Shape | Shape[])).join(', '),
      outputShape: formatShape(layer.outputShape as Shape | Shape[]),
      params: layer.countParams(),
      inbound: inboundLayers.map((l) => l.name),
    });
  };
  for (const l of model.layers) add(l);
  const trainable = model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  return { layers, totalParams: model.countParams(), trainableParams: trainable };
}

/** plot_model's look: one box per layer with its class, shapes and parameter count. */
export function modelToDot(title: string, summary: ModelSummary): string {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const nodes = summary.layers.map((l) => {
    const label =
      '<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">' +
      `<tr><td colspan="2" bgcolor="#dbe8f5"><b>${escapeHtml(l.name)}</b> (${escapeHtml(l.className)})</td></tr>` +
      `<tr><td align="left">input</td><td align="left">${escapeHtml(l.inputShape)}</td></tr>` +
      `<tr><td align="left">output</td><td align="left">${escapeHtml(l.outputShape)}</td></tr>` +
      `<tr><td align="left">params</td><td align="left">${l.params.toLocaleString('en-US')}</td></tr>` +
      '</table>>';
    return `  ${q(l.name)} [label=${label}];`;
  });
  const edges = summary.layers.flatMap((l) => l.inbound.map((from) => `  ${q(from)} -> ${q(l.name)};`));
  const caption = `${title}: ${summary.totalParams.toLocaleString('en-US')} parameters (${summary.trainableParams.toLocaleString('en-US')} trainable)`;
  return [
    'digraph model {',
    '  graph [rankdir=TB, fontname="' + FONT_FAMILY + '", fontsize=14, labelloc=t, label=' + q(caption) + '];',
    '  node [shape=plaintext, fontname="' + FONT_FAMILY + '", fontsize=11];',
    '  edge [arrowsize=0.7];',
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
  return result.output;
}
