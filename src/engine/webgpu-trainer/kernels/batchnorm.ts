// BatchNormalization (Keras: batch statistics in training, moving ones in inference; biased batch
// variance; moving = moving·momentum + batch·(1 - momentum)) over NHWC's last axis, and
// GlobalAveragePooling2D. One workgroup per channel reduces that channel's rows (only the
// StepParams.count images of the batch) in workgroup memory, so each pass is one dispatch, no atomics.
import type { Slice } from '../arena.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { declare, f32, grid1d, makeDispatch, read, rw, stepParams, touch, type Binding } from './wgsl.ts';

export interface BatchNormShape {
  /** The compiled batch size (images). */
  batch: number;
  /** Positions per image (H·W for a conv feature map, 1 after a Dense layer). */
  spatial: number;
  channels: number;
  /** Keras defaults 0.99 and 1e-3. */
  momentum: number;
  epsilon: number;
}

/** Floats of the `saved` buffer the forward writes and the backward reads: mean and 1/sqrt(var + eps) per channel. */
export const batchNormSavedFloats = (s: BatchNormShape): number => 2 * s.channels;

/** A block-reduce of `red` (256 floats) into red[0], every thread reaching it. */
const REDUCE = /* wgsl */ `
fn reduce(li: u32) {
  workgroupBarrier();
  for (var half = 128u; half > 0u; half >>= 1u) {
    if (li < half) { red_a[li] += red_a[li + half]; red_b[li] += red_b[li + half]; }
    workgroupBarrier();
  }
}`;

/**
 * y = gamma·(x - mean)/sqrt(var + eps) + beta per channel. Training (StepParams.training 1): mean and
 * var of the count·spatial rows, saved for the backward, and the moving statistics updated; inference:
 * the moving statistics. Rows past count are written 0. 1 dispatch.
 */
export function buildBatchNormForward(
  ctx: KernelContext,
  b: { x: Slice; y: Slice; gamma: Slice; beta: Slice; movingMean: Slice; movingVar: Slice; saved: Slice },
  s: BatchNormShape,
): Dispatch[] {
  const C = s.channels;
  const bindings: Binding[] = [read('x', b.x), rw('y', b.y), read('gamma', b.gamma), read('beta', b.beta), rw('mmean', b.movingMean), rw('mvar', b.movingVar), rw('saved', b.saved), stepParams(ctx)];
  const code = /* wgsl */ `
${declare(bindings)}
var<workgroup> red_a: array<f32, 256>;
var<workgroup> red_b: array<f32, 256>;
${REDUCE}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  ${touch(bindings)}
  let c = wg.x;
  let rows = min(sp.count, ${s.batch}u) * ${s.spatial}u;
  var mean = mmean[c];
  var variance = mvar[c];
  if (sp.training != 0u) {
    var acc = 0.0;
    for (var r = li; r < rows; r += 256u) { acc += x[r * ${C}u + c]; }
    red_a[li] = acc;
    red_b[li] = 0.0;
    reduce(li);
    mean = red_a[0] / f32(max(rows, 1u));
    workgroupBarrier();
    var sq = 0.0;
    for (var r = li; r < rows; r += 256u) { let d = x[r * ${C}u + c] - mean; sq += d * d; }
    red_a[li] = sq;
    reduce(li);
    variance = red_a[0] / f32(max(rows, 1u));
  }
  let inv = 1.0 / sqrt(variance + ${f32(s.epsilon)});
  if (li == 0u) {
    saved[c] = mean;
    saved[${C}u + c] = inv;
    if (sp.training != 0u) {
      mmean[c] = mmean[c] * ${f32(s.momentum)} + mean * ${f32(1 - s.momentum)};
      mvar[c] = mvar[c] * ${f32(s.momentum)} + variance * ${f32(1 - s.momentum)};
    }
  }
  let scale = gamma[c] * inv;
  let shift = beta[c] - mean * scale;
  for (var r = li; r < ${s.batch * s.spatial}u; r += 256u) {
    let i = r * ${C}u + c;
    y[i] = select(0.0, x[i] * scale + shift, r < rows);
  }
}`;
  return [makeDispatch(ctx, 'batchnorm_fwd', code, bindings, [C, 1, 1])];
}

/**
 * The training-mode backward from dy: dgamma = Σ dy·x̂, dbeta = Σ dy, dx = gamma·inv/N·(N·dy - dbeta -
 * x̂·dgamma) over the N = count·spatial rows (x̂ from the forward's saved mean and inv); dx 0 past them. 1 dispatch.
 */
export function buildBatchNormBackward(
  ctx: KernelContext,
  b: { x: Slice; dy: Slice; gamma: Slice; saved: Slice; dgamma: Slice; dbeta: Slice; dx: Slice },
  s: BatchNormShape,
): Dispatch[] {
  const C = s.channels;
  const bindings: Binding[] = [read('x', b.x), read('dy', b.dy), read('gamma', b.gamma), read('saved', b.saved), rw('dgamma', b.dgamma), rw('dbeta', b.dbeta), rw('dx', b.dx), stepParams(ctx)];
  const code = /* wgsl */ `
${declare(bindings)}
var<workgroup> red_a: array<f32, 256>;
var<workgroup> red_b: array<f32, 256>;
${REDUCE}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  ${touch(bindings)}
  let c = wg.x;
  let rows = min(sp.count, ${s.batch}u) * ${s.spatial}u;
  let mean = saved[c];
  let inv = saved[${C}u + c];
  var sg = 0.0;
  var sb = 0.0;
  for (var r = li; r < rows; r += 256u) {
    let i = r * ${C}u + c;
    sg += dy[i] * (x[i] - mean) * inv;
    sb += dy[i];
  }
  red_a[li] = sg;
  red_b[li] = sb;
  reduce(li);
  let dg = red_a[0];
  let db = red_b[0];
  if (li == 0u) { dgamma[c] = dg; dbeta[c] = db; }
  let n = f32(max(rows, 1u));
  let k = gamma[c] * inv / n;
  for (var r = li; r < ${s.batch * s.spatial}u; r += 256u) {
    let i = r * ${C}u + c;
    let xh = (x[i] - mean) * inv;
    dx[i] = select(0.0, k * (n * dy[i] - db - xh * dg), r < rows);
  }
}`;
  return [makeDispatch(ctx, 'batchnorm_bwd', code, bindings, [C, 1, 1])];
}

export interface GlobalAvgPoolShape {
  batch: number;
  /** H·W. */
  spatial: number;
  channels: number;
}

/** y [batch, channels] = the mean of x [batch, H, W, channels] over H·W: 1 dispatch. */
export function buildGlobalAvgPoolForward(ctx: KernelContext, b: { x: Slice; y: Slice }, s: GlobalAvgPoolShape): Dispatch[] {
  const C = s.channels;
  const grid = grid1d(s.batch * C);
  const bindings = [read('x', b.x), rw('y', b.y)];
  const code = /* wgsl */ `
${declare(bindings)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ${touch(bindings)}
  let e = ${grid.index};
  if (e >= ${s.batch * C}u) { return; }
  let base = (e / ${C}u) * ${s.spatial * C}u + e % ${C}u;
  var acc = 0.0;
  for (var p = 0u; p < ${s.spatial}u; p++) { acc += x[base + p * ${C}u]; }
  y[e] = acc * ${f32(1 / s.spatial)};
}`;
  return [makeDispatch(ctx, 'gap_fwd', code, bindings, grid.workgroups)];
}

/** dx [batch, H, W, channels] = dy [batch, channels] / (H·W): 1 dispatch. */
export function buildGlobalAvgPoolBackward(ctx: KernelContext, b: { dy: Slice; dx: Slice }, s: GlobalAvgPoolShape): Dispatch[] {
  const C = s.channels;
  const size = s.batch * s.spatial * C;
  const grid = grid1d(size);
  const bindings = [read('dy', b.dy), rw('dx', b.dx)];
  const code = /* wgsl */ `
${declare(bindings)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ${touch(bindings)}
  let e = ${grid.index};
  if (e >= ${size}u) { return; }
  dx[e] = dy[(e / ${s.spatial * C}u) * ${C}u + e % ${C}u] * ${f32(1 / s.spatial)};
}`;
  return [makeDispatch(ctx, 'gap_bwd', code, bindings, grid.workgroups)];
}
