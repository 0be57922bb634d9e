// Conv2D as implicit GEMM on NHWC activations and [kh, kw, inC, outC] filters (TF.js's layouts), with no
// im2col buffer: the GEMM's loads gather the patches. Forward: y = relu?(im2col(x) · W + b). Backward:
// dx = col2im-as-gather(dz) · Wᵀ, and dW = im2col(x)ᵀ · dz with db = Σ dz as one extra output row,
// split-K over the batch·spatial reduction (a partial-sum pass, then a reduce pass).
import type { Slice } from '../arena.ts';
import { gemmDispatches, splitsFor } from './gemm-core.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { read, rw, type Binding } from './wgsl.ts';

export interface Conv2dShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kernel: [number, number];
  strides: [number, number];
  /** Padding before the first row and column (TF's 'same' puts the odd one after). */
  pad: [number, number];
  relu: boolean;
}

/** TF's output size and leading padding for 'valid' / 'same' along one axis. */
export function convAxis(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): { out: number; padBefore: number } {
  if (padding === 'valid') return { out: Math.ceil((size - kernel + 1) / stride), padBefore: 0 };
  const out = Math.ceil(size / stride);
  return { out, padBefore: Math.floor(Math.max((out - 1) * stride + kernel - size, 0) / 2) };
}

/** WGSL `fn im2col(row, col)`: row = (n, oh, ow) of the output, col = (kh, kw, ci); 0 in the padding. */
function im2colWgsl(s: Conv2dShape): string {
  const KW = s.kernel[1];
  const [SH, SW] = s.strides;
  return /* wgsl */ `
fn im2col(row: u32, col: u32) -> f32 {
  let n = row / ${s.outH * s.outW}u;
  let rem = row % ${s.outH * s.outW}u;
  let oh = rem / ${s.outW}u;
  let ow = rem % ${s.outW}u;
  let ci = col % ${s.inC}u;
  let t = col / ${s.inC}u;
  let ih = i32(oh * ${SH}u + t / ${KW}u) - ${s.pad[0]};
  let iw = i32(ow * ${SW}u + t % ${KW}u) - ${s.pad[1]};
  if (ih < 0 || ih >= ${s.inH} || iw < 0 || iw >= ${s.inW}) { return 0.0; }
  return x[((n * ${s.inH}u + u32(ih)) * ${s.inW}u + u32(iw)) * ${s.inC}u + ci];
}`;
}

/** y [batch, outH, outW, outC] = relu?(conv(x, W) + b): 1 dispatch. */
export function buildConv2dForward(ctx: KernelContext, b: { x: Slice; w: Slice; bias: Slice | null; y: Slice }, s: Conv2dShape): Dispatch[] {
  const [KH, KW] = s.kernel;
  const N = s.outC;
  let v = 'v';
  if (b.bias) v = `${v} + bias[n]`;
  if (s.relu) v = `max(${v}, 0.0)`;
  return gemmDispatches(ctx, 'conv2d_fwd', {
    M: s.batch * s.outH * s.outW, N, K: KH * KW * s.inC,
    bindings: [read('x', b.x), read('w', b.w), rw('y', b.y), ...(b.bias ? [read('bias', b.bias)] : [])],
    helpers: im2colWgsl(s),
    loadA: 'fn load_a(m: u32, k: u32) -> f32 { return im2col(m, k); }',
    loadB: `fn load_b(k: u32, n: u32) -> f32 { return w[k * ${N}u + n]; }`,
    store: `fn store_c(m: u32, n: u32, v: f32) { y[m * ${N}u + n] = ${v}; }`,
    aContiguous: 'k',
    bContiguous: 'n',
  });
}

/**
 * From dy [batch, outH, outW, outC] (masked by y > 0 when s.relu, y the post-ReLU output): dW and db in
 * one split-K GEMM (2 dispatches, or 1 when the reduction is short), dx (1 more; skipped when null).
 * Rows past StepParams.count must have dy = 0 (the loss kernel and the layers above keep it so).
 */
export function buildConv2dBackward(
  ctx: KernelContext,
  b: { x: Slice; w: Slice; y: Slice; dy: Slice; dw: Slice; db: Slice | null; dx: Slice | null },
  s: Conv2dShape,
): Dispatch[] {
  const [KH, KW] = s.kernel;
  const [SH, SW] = s.strides;
  const OC = s.outC;
  const IC = s.inC;
  const dz = (idx: string): string => (s.relu ? `select(0.0, dy[${idx}], y[${idx}] > 0.0)` : `dy[${idx}]`);
  const yBinding: Binding[] = s.relu ? [read('y', b.y)] : [];
  const Kc = KH * KW * IC;
  const hasDb = b.db !== null;
  const M = hasDb ? Kc + 1 : Kc;
  const R = s.batch * s.outH * s.outW;
  const wgrad = gemmDispatches(ctx, 'conv2d_dw', {
    M, N: OC, K: R,
    bindings: [read('x', b.x), read('dy', b.dy), ...yBinding, rw('dw', b.dw), ...(b.db ? [rw('db', b.db)] : [])],
    helpers: im2colWgsl(s),
    loadA: hasDb
      ? `fn load_a(m: u32, k: u32) -> f32 { if (m == ${Kc}u) { return 1.0; } return im2col(k, m); }`
      : 'fn load_a(m: u32, k: u32) -> f32 { return im2col(k, m); }',
    loadB: `fn load_b(k: u32, n: u32) -> f32 { return ${dz(`k * ${OC}u + n`)}; }`,
    store: hasDb
      ? `fn store_c(m: u32, n: u32, v: f32) { if (m == ${Kc}u) { db[n] = v; } else { dw[m * ${OC}u + n] = v; } }`
      : `fn store_c(m: u32, n: u32, v: f32) { dw[m * ${OC}u + n] = v; }`,
    aContiguous: IC > 1 ? 'm' : 'k',
    bContiguous: 'n',
    splits: splitsFor(M, OC, R),
  });
  if (!b.dx) return wgrad;
  // dx[n, ih, iw, ci] = Σ_{kh, kw, co} dz[n, oh, ow, co] · W[kh, kw, ci, co] where ih = oh·SH + kh - padTop.
  const gather = /* wgsl */ `
fn dz_gather(m: u32, k: u32) -> f32 {
  let n = m / ${s.inH * s.inW}u;
  let rem = m % ${s.inH * s.inW}u;
  let co = k % ${OC}u;
  let t = k / ${OC}u;
  let hn = i32(rem / ${s.inW}u) + ${s.pad[0]} - i32(t / ${KW}u);
  let wn = i32(rem % ${s.inW}u) + ${s.pad[1]} - i32(t % ${KW}u);
  if (hn < 0 || wn < 0 || hn % ${SH} != 0 || wn % ${SW} != 0) { return 0.0; }
  let oh = u32(hn / ${SH});
  let ow = u32(wn / ${SW});
  if (oh >= ${s.outH}u || ow >= ${s.outW}u) { return 0.0; }
  let at = ((n * ${s.outH}u + oh) * ${s.outW}u + ow) * ${OC}u + co;
  return ${dz('at')};
}`;
  const dgrad = gemmDispatches(ctx, 'conv2d_dx', {
    M: s.batch * s.inH * s.inW, N: IC, K: KH * KW * OC,
    bindings: [read('dy', b.dy), ...yBinding, read('w', b.w), rw('dx', b.dx)],
    helpers: gather,
    loadA: 'fn load_a(m: u32, k: u32) -> f32 { return dz_gather(m, k); }',
    loadB: `fn load_b(k: u32, n: u32) -> f32 { return w[((k / ${OC}u) * ${IC}u + n) * ${OC}u + k % ${OC}u]; }`,
    store: `fn store_c(m: u32, n: u32, v: f32) { dx[m * ${IC}u + n] = v; }`,
    aContiguous: 'k',
    bContiguous: 'k',
  });
  return [...wgrad, ...dgrad];
}
