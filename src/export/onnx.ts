// A trained TF.js layers model as an ONNX model (opset 13), built as ONNX protobuf messages with onnx-proto
// (protobufjs code generated from onnx.proto), never by packing bytes by hand.
//
// The graph takes the same input as the TF.js model: `input`, float32 [N, H, W, 1] (NHWC, pixels / 255, ink
// white on black) and gives `probabilities`, float32 [N, K] (softmax output). Inside, the convolutions run in
// ONNX's NCHW layout: a Transpose goes in before the first Conv and another back to NHWC before Flatten, so
// the flattened features are in Keras's (channels-last) order and the Dense weights apply unchanged.
// Supported layers: Conv2D, MaxPooling2D, Dense, Flatten, Dropout (inference: identity), Activation,
// BatchNormalization (channels-last, inference: the moving statistics), GlobalAveragePooling2D;
// activations relu, softmax, linear. Anything else is refused with the layer's name.
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { UserError } from '../errors.ts';
import { packageVersion } from '../version.ts';

const { onnx } = onnxProto;

/** ONNX operator set the graph is written against (Softmax's axis semantics of opset 13). */
export const ONNX_OPSET = 13;
/** IR version 7 is the one that goes with opset 13 (onnx's versioning table). */
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'probabilities';

export interface OnnxMetadata {
  /** Stored as metadata_props: strings, readable with onnxruntime's `session.modelMeta.customMetadataMap`. */
  [key: string]: string;
}

type Layout = 'NHWC' | 'NCHW' | 'flat';

interface GraphBuilder {
  nodes: InstanceType<typeof onnx.NodeProto>[];
  initializers: InstanceType<typeof onnx.TensorProto>[];
  /** Name of the tensor the next node reads. */
  current: string;
  layout: Layout;
  count: number;
}

function floatInitializer(name: string, values: Float32Array, dims: number[]): InstanceType<typeof onnx.TensorProto> {
  // raw_data is little-endian by the ONNX spec; copy so the bytes are exactly this tensor's.
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
}

const intsAttr = (name: string, ints: number[]): InstanceType<typeof onnx.AttributeProto> =>
  onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
const intAttr = (name: string, i: number): InstanceType<typeof onnx.AttributeProto> =>
  onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const stringAttr = (name: string, s: string): InstanceType<typeof onnx.AttributeProto> =>
  onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) });

/** Appends a node reading `current` (and `extraInputs`); its output becomes `current`. */
function addNode(
  g: GraphBuilder,
  opType: string,
  attribute: InstanceType<typeof onnx.AttributeProto>[] = [],
  extraInputs: string[] = [],
  output?: string,
): void {
  const out = output ?? `${opType.toLowerCase()}_${g.count++}`;
  g.nodes.push(onnx.NodeProto.create({ name: out, opType, input: [g.current, ...extraInputs], output: [out], attribute }));
  g.current = out;
}

function toLayout(g: GraphBuilder, layout: 'NHWC' | 'NCHW'): void {
  if (g.layout === layout) return;
  addNode(g, 'Transpose', [intsAttr('perm', layout === 'NCHW' ? [0, 3, 1, 2] : [0, 2, 3, 1])]);
  g.layout = layout;
}

function addActivation(g: GraphBuilder, activation: unknown, layerName: string): void {
  if (activation === undefined || activation === null || activation === 'linear') return;
  if (activation === 'relu') addNode(g, 'Relu');
  else if (activation === 'softmax') addNode(g, 'Softmax', [intAttr('axis', -1)]);
  else throw new UserError(`ONNX export: layer ${layerName} has activation "${String(activation)}", which the exporter does not support`);
}

/** Keras 'same' pads the extra pixel at the end: ONNX's SAME_UPPER; 'valid' is no padding. */
function padAttrs(padding: unknown, layerName: string): InstanceType<typeof onnx.AttributeProto>[] {
  if (padding === 'valid') return [intsAttr('pads', [0, 0, 0, 0])];
  if (padding === 'same') return [stringAttr('auto_pad', 'SAME_UPPER')];
  throw new UserError(`ONNX export: layer ${layerName} has padding "${String(padding)}"`);
}

const pair = (v: unknown): number[] => (Array.isArray(v) ? (v as number[]) : [v as number, v as number]);

function checkChannelsLast(config: tf.serialization.ConfigDict, layerName: string): void {
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    throw new UserError(`ONNX export: layer ${layerName} is ${String(config.dataFormat)}; only channelsLast models are supported`);
  }
}

function addLayer(g: GraphBuilder, layer: tf.layers.Layer): void {
  const config = layer.getConfig();
  const cls = layer.getClassName();
  const name = layer.name;
  switch (cls) {
    case 'Dropout':
      return; // identity at inference
    case 'Activation':
      return addActivation(g, config.activation, name);
    case 'Conv2D': {
      checkChannelsLast(config, name);
      if (pair(config.dilationRate ?? 1).some((d) => d !== 1)) throw new UserError(`ONNX export: layer ${name} is dilated; not supported`);
      const [kernel, bias] = layer.getWeights();
      const [kh, kw, cin, cout] = kernel.shape;
      // Keras HWIO -> ONNX OIHW.
      const oihw = tf.tidy(() => kernel.transpose([3, 2, 0, 1]).dataSync() as Float32Array);
      toLayout(g, 'NCHW');
      const w = `${name}/kernel`;
      g.initializers.push(floatInitializer(w, oihw, [cout, cin, kh, kw]));
      const inputs = [w];
      if (bias) {
        g.initializers.push(floatInitializer(`${name}/bias`, bias.dataSync() as Float32Array, [cout]));
        inputs.push(`${name}/bias`);
      }
      addNode(g, 'Conv', [intsAttr('kernel_shape', [kh, kw]), intsAttr('strides', pair(config.strides ?? 1)), ...padAttrs(config.padding, name)], inputs);
      return addActivation(g, config.activation, name);
    }
    case 'MaxPooling2D': {
      checkChannelsLast(config, name);
      const pool = pair(config.poolSize);
      toLayout(g, 'NCHW');
      return addNode(g, 'MaxPool', [intsAttr('kernel_shape', pool), intsAttr('strides', pair(config.strides ?? pool)), ...padAttrs(config.padding, name)]);
    }
    case 'Flatten':
      if (g.layout === 'NCHW') toLayout(g, 'NHWC'); // Keras flattens channels-last
      addNode(g, 'Flatten', [intAttr('axis', 1)]);
      g.layout = 'flat';
      return;
    case 'BatchNormalization': {
      // ONNX's BatchNormalization normalizes axis 1: the channels in NCHW, the features of a flat tensor.
      const axis = config.axis as number;
      if (axis !== -1 && !(g.layout !== 'flat' && axis === 3) && !(g.layout === 'flat' && axis === 1)) {
        throw new UserError(`ONNX export: layer ${name} normalizes axis ${axis}; only the channels (last axis) are supported`);
      }
      if (g.layout === 'NHWC') toLayout(g, 'NCHW');
      // getWeights: gamma (if scale), beta (if center), moving mean, moving variance.
      const weights = layer.getWeights().map((w) => w.dataSync() as Float32Array);
      const [mean, variance] = weights.slice(-2);
      const c = mean.length;
      const gamma = config.scale === false ? new Float32Array(c).fill(1) : weights[0];
      const beta = config.center === false ? new Float32Array(c) : weights[config.scale === false ? 0 : 1];
      const inputs = (['scale', 'bias', 'mean', 'var'] as const).map((k) => `${name}/${k}`);
      [gamma, beta, mean, variance].forEach((values, i) => g.initializers.push(floatInitializer(inputs[i], values, [c])));
      const epsilon = onnx.AttributeProto.create({ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: config.epsilon as number });
      return addNode(g, 'BatchNormalization', [epsilon], inputs);
    }
    case 'GlobalAveragePooling2D':
      checkChannelsLast(config, name);
      toLayout(g, 'NCHW');
      addNode(g, 'GlobalAveragePool'); // [N, C, 1, 1]
      addNode(g, 'Flatten', [intAttr('axis', 1)]); // Keras's [N, C]
      g.layout = 'flat';
      return;
    case 'Dense': {
      if (g.layout !== 'flat') throw new UserError(`ONNX export: layer ${name} (Dense) is applied to a rank-4 tensor; only Dense after Flatten is supported`);
      const [kernel, bias] = layer.getWeights();
      const [units] = kernel.shape.slice(1);
      g.initializers.push(floatInitializer(`${name}/kernel`, kernel.dataSync() as Float32Array, kernel.shape));
      const inputs = [`${name}/kernel`];
      if (bias) {
        g.initializers.push(floatInitializer(`${name}/bias`, bias.dataSync() as Float32Array, [units]));
        inputs.push(`${name}/bias`);
      }
      addNode(g, 'Gemm', [], inputs);
      return addActivation(g, config.activation, name);
    }
    default:
      throw new UserError(`ONNX export: layer ${name} is a ${cls}, which the exporter does not support`);
  }
}

const dim = (d: number | null, param: string): { dimValue?: number; dimParam?: string } => (d === null ? { dimParam: param } : { dimValue: d });

function valueInfo(name: string, shape: (number | null)[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => dim(d, 'batch')) } } },
  });
}

/**
 * The ONNX model (serialised ModelProto bytes) computing the same probabilities as `model`.
 * `model` must be a Sequential-style chain whose input is [N, H, W, C] and whose last layer ends in softmax.
 * Throws UserError naming the layer when a layer or setting has no translation.
 */
export function layersModelToOnnx(model: tf.LayersModel, metadata: OnnxMetadata, docString = ''): Uint8Array {
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 4) throw new UserError(`ONNX export: the model's input has shape [${inputShape.join(', ')}], expected [N, H, W, C]`);
  const g: GraphBuilder = { nodes: [], initializers: [], current: ONNX_INPUT, layout: 'NHWC', count: 0 };
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    addLayer(g, layer);
  }
  const outputShape = model.outputs[0].shape;
  // Name the last node's output as the graph's output.
  const last = g.nodes[g.nodes.length - 1];
  if (!last || last.opType !== 'Softmax') throw new UserError('ONNX export: the model does not end in a softmax layer');
  last.output = [ONNX_OUTPUT];
  const graph = onnx.GraphProto.create({
    name: model.name,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(ONNX_INPUT, inputShape)],
    output: [valueInfo(ONNX_OUTPUT, outputShape)],
    docString,
  });
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'kmnist-lab',
    producerVersion: packageVersion(),
    modelVersion: 1,
    docString,
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  const problem = onnx.ModelProto.verify(proto);
  if (problem) throw new Error(`ONNX export: invalid ModelProto (${problem})`);
  return onnx.ModelProto.encode(proto).finish();
}
