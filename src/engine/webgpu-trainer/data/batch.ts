// The batch kernel: gathers the step's rows from the uploaded set by the epoch order, scales bytes to
// [0, 1], optionally warps each image by its own random affine transform (Keras ImageDataGenerator
// semantics as in src/training/augment.ts: bilinear, fill 'nearest'; parameters drawn in the shader from
// the counter-based RNG, seeded by StepParams.seed and the row), and writes one-hot labels (and label
// indices). Rows >= count are zeroed, so a short last batch leaves no stale data.
import type { AugmentParams } from '../../../data/augment-params.ts';
import { whole, type Slice } from '../arena.ts';
import { DATA_PARAMS_BYTES, DATA_PARAMS_OFFSET, type TrainerContext } from '../context.ts';
import { STEP_PARAMS_BYTES, STEP_PARAMS_WGSL, type Dispatch } from '../kernels/kernel.ts';
import type { GpuDataset } from './dataset.ts';
import { RNG_WGSL } from './rng-wgsl.ts';

/** RNG stream of the augmentation draws (dropout and others use other streams). */
export const AUGMENT_STREAM = 0x41554731;

export interface BatchBuffers {
  /** f32 [batch, height, width, 1] (NHWC, one channel). */
  x: Slice;
  /** f32 [batch, classes], one-hot. */
  y: Slice;
  /** u32 [batch], the label of each row. */
  labels: Slice;
}

export interface BatchShape {
  batch: number;
  classes: number;
  augment: AugmentParams | null;
}

const f = (v: number): string => (Number.isInteger(v) ? `${v}.0` : `${v}`);

/** WGSL computing, for row r, the input (row, col) that output (i, j) samples: Keras's matrix, augment.ts. */
function warpWgsl(a: AugmentParams, height: number, width: number): string {
  const draw = (k: number, lo: string, hi: string): string => `(${lo} + (${hi} - ${lo}) * rng_unit(sp.seed, ${AUGMENT_STREAM}u, row * 8u + ${k}u))`;
  return /* wgsl */ `
fn source_coord(row: u32, i: f32, j: f32) -> vec2<f32> {
  let theta = ${a.rotationRange ? draw(0, f(-a.rotationRange), f(a.rotationRange)) : '0.0'} * 0.017453292519943295;
  let tx = ${a.heightShiftRange ? `${draw(1, f(-a.heightShiftRange), f(a.heightShiftRange))} * ${f(height)}` : '0.0'};
  let ty = ${a.widthShiftRange ? `${draw(2, f(-a.widthShiftRange), f(a.widthShiftRange))} * ${f(width)}` : '0.0'};
  let sh = atan(${a.shearRange ? draw(3, f(-a.shearRange), f(a.shearRange)) : '0.0'});
  let zx = ${a.zoomRange[0] !== 1 || a.zoomRange[1] !== 1 ? draw(4, f(a.zoomRange[0]), f(a.zoomRange[1])) : '1.0'};
  let zy = ${a.zoomRange[0] !== 1 || a.zoomRange[1] !== 1 ? draw(5, f(a.zoomRange[0]), f(a.zoomRange[1])) : '1.0'};
  // M = rotation @ shift @ shear @ zoom, about the centre (h/2 + 0.5, w/2 + 0.5) as Keras offsets it.
  let c = cos(theta); let s = sin(theta);
  let ssh = -sin(sh); let csh = cos(sh);
  // rotation @ shift
  let r00 = c; let r01 = -s; let r02 = c * tx - s * ty;
  let r10 = s; let r11 = c; let r12 = s * tx + c * ty;
  // @ shear [[1, ssh, 0], [0, csh, 0]]
  let q00 = r00; let q01 = r00 * ssh + r01 * csh;
  let q10 = r10; let q11 = r10 * ssh + r11 * csh;
  // @ zoom
  let m00 = q00 * zx; let m01 = q01 * zy;
  let m10 = q10 * zx; let m11 = q11 * zy;
  let ox = ${f(height / 2 + 0.5)}; let oy = ${f(width / 2 + 0.5)};
  let m02 = r02 + ox - m00 * ox - m01 * oy;
  let m12 = r12 + oy - m10 * ox - m11 * oy;
  return vec2<f32>(m00 * i + m01 * j + m02, m10 * i + m11 * j + m12);
}`;
}

function batchWgsl(data: GpuDataset, shape: BatchShape): string {
  const h = data.height;
  const w = data.width;
  const px = h * w;
  const sample = shape.augment
    ? /* wgsl */ `
  let src = source_coord(r, f32(p / ${w}u), f32(p % ${w}u));
  let ir = clamp(src.x, 0.0, ${f(h - 1)});
  let ic = clamp(src.y, 0.0, ${f(w - 1)});
  let r0 = u32(floor(ir)); let c0 = u32(floor(ic));
  let r1 = min(r0 + 1u, ${h - 1}u); let c1 = min(c0 + 1u, ${w - 1}u);
  let fr = ir - f32(r0); let fc = ic - f32(c0);
  let p00 = pixel(base + r0 * ${w}u + c0); let p01 = pixel(base + r0 * ${w}u + c1);
  let p10 = pixel(base + r1 * ${w}u + c0); let p11 = pixel(base + r1 * ${w}u + c1);
  let top = p00 + (p01 - p00) * fc;
  let bottom = p10 + (p11 - p10) * fc;
  value = (top + (bottom - top) * fr) * (1.0 / 255.0);`
    : /* wgsl */ `
  value = pixel(base + p) / 255.0;`;
  return /* wgsl */ `
${STEP_PARAMS_WGSL}
struct DataParams { offset: u32, count: u32, _a: u32, _b: u32, }
${RNG_WGSL}
@group(0) @binding(0) var<storage, read> images: array<u32>;
@group(0) @binding(1) var<storage, read> set_labels: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<uniform> sp: StepParams;
@group(0) @binding(4) var<uniform> dp: DataParams;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<storage, read_write> labels: array<u32>;
fn pixel(i: u32) -> f32 { return f32((images[i >> 2u] >> ((i & 3u) * 8u)) & 255u); }
${shape.augment ? warpWgsl(shape.augment, h, w) : ''}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = g.x;
  let r = g.y;
  if (p >= ${px}u || r >= ${shape.batch}u) { return; }
  _ = sp.seed; // bound in every variant (layout 'auto' keeps only used bindings)
  var value = 0.0;
  var label = 0xffffffffu;
  if (r < dp.count) {
    let image = order[dp.offset + r];
    let base = image * ${px}u;
    label = set_labels[image];${sample}
  }
  x[r * ${px}u + p] = value;
  for (var c = p; c < ${shape.classes}u; c += ${px}u) {
    y[r * ${shape.classes}u + c] = select(0.0, 1.0, c == label);
  }
  if (p == 0u) { labels[r] = label; }
}`;
}

const entry = (binding: number, s: Slice): GPUBindGroupEntry => ({ binding, resource: { buffer: s.buffer, offset: s.offset, size: s.size } });

/** One dispatch that fills `out` for the step (StepParams.seed, DataParams.offset/count). */
export function buildBatch(ctx: TrainerContext, data: GpuDataset, out: BatchBuffers, shape: BatchShape): Dispatch[] {
  const code = batchWgsl(data, shape);
  const pipeline = ctx.pipeline(code, 'batch');
  const bindGroup = ctx.device.createBindGroup({
    label: 'batch',
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      entry(0, whole(data.images)),
      entry(1, whole(data.labels)),
      entry(2, whole(data.order)),
      entry(3, { buffer: ctx.stepParams, offset: 0, size: STEP_PARAMS_BYTES }),
      entry(4, { buffer: ctx.stepParams, offset: DATA_PARAMS_OFFSET, size: DATA_PARAMS_BYTES }),
      entry(5, out.x),
      entry(6, out.y),
      entry(7, out.labels),
    ],
  });
  return [{ label: 'batch', pipeline, bindGroup, workgroups: [Math.ceil((data.height * data.width) / 256), shape.batch, 1] }];
}
