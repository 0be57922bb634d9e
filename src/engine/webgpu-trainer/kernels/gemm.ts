// Matrix products on plain row-major f32 matrices (GEMM) and the Dense layer's forward and backward.
import type { Slice } from '../arena.ts';
import { gemmDispatches, splitsFor } from './gemm-core.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { read, rw } from './wgsl.ts';

export interface GemmShape {
  /** C is [M, N]; op(A) [M, K], op(B) [K, N]. */
  M: number;
  N: number;
  K: number;
  /** A is stored [K, M] (transposed) instead of [M, K]. */
  transA?: boolean;
  /** B is stored [N, K] instead of [K, N]. */
  transB?: boolean;
  /** C += op(A)·op(B) instead of C = ... */
  accumulate?: boolean;
  /** Adds bias[n] (needs buffers.bias). */
  bias?: boolean;
  relu?: boolean;
  /** Split-K slices; default 1. */
  splits?: number;
}

/** C = relu?(op(A)·op(B) (+ C) (+ bias)): 1 dispatch (2 with split-K). */
export function buildGemm(ctx: KernelContext, buffers: { a: Slice; b: Slice; c: Slice; bias?: Slice }, s: GemmShape): Dispatch[] {
  const { M, N, K } = s;
  if (s.bias && !buffers.bias) throw new Error('buildGemm: bias asked, no bias buffer');
  const bindings = [read('mat_a', buffers.a), read('mat_b', buffers.b), rw('mat_c', buffers.c), ...(s.bias && buffers.bias ? [read('bias', buffers.bias)] : [])];
  let v = 'v';
  if (s.accumulate) v = `${v} + mat_c[m * ${N}u + n]`;
  if (s.bias) v = `${v} + bias[n]`;
  if (s.relu) v = `max(${v}, 0.0)`;
  return gemmDispatches(ctx, 'gemm', {
    M, N, K, bindings,
    loadA: `fn load_a(m: u32, k: u32) -> f32 { return mat_a[${s.transA ? `k * ${M}u + m` : `m * ${K}u + k`}]; }`,
    loadB: `fn load_b(k: u32, n: u32) -> f32 { return mat_b[${s.transB ? `n * ${K}u + k` : `k * ${N}u + n`}]; }`,
    store: `fn store_c(m: u32, n: u32, v: f32) { mat_c[m * ${N}u + n] = ${v}; }`,
    aContiguous: s.transA ? 'm' : 'k',
    bContiguous: s.transB ? 'k' : 'n',
    splits: s.splits,
  });
}

export interface DenseShape {
  rows: number;
  inputs: number;
  units: number;
  relu: boolean;
}

/** y [rows, units] = relu?(x [rows, inputs] · W [inputs, units] + b): 1 dispatch. */
export function buildDenseForward(ctx: KernelContext, b: { x: Slice; w: Slice; bias: Slice | null; y: Slice }, s: DenseShape): Dispatch[] {
  return buildGemm(ctx, { a: b.x, b: b.w, c: b.y, ...(b.bias ? { bias: b.bias } : {}) }, { M: s.rows, N: s.units, K: s.inputs, bias: b.bias !== null, relu: s.relu });
}

/**
 * Dense backward from dy [rows, units] (the gradient of the layer's output; with s.relu, y is the
 * post-ReLU output and dz = dy · (y > 0), masked as it is loaded): dW [inputs, units] = xᵀ·dz and
 * db [units] = Σ_rows dz in one GEMM (db is an extra output row: A's row `inputs` is all ones), and
 * dx [rows, inputs] = dz·Wᵀ (skipped when dx is null). 1-2 dispatches (+1 when dW's reduction is split).
 * Rows past StepParams.count need dy = 0 there (the loss kernel writes it so), then they add nothing.
 */
export function buildDenseBackward(
  ctx: KernelContext,
  b: { x: Slice; w: Slice; y: Slice; dy: Slice; dw: Slice; db: Slice | null; dx: Slice | null },
  s: DenseShape,
): Dispatch[] {
  const { rows, inputs: I, units: U } = s;
  const dz = (idx: string): string => (s.relu ? `select(0.0, dy[${idx}], y[${idx}] > 0.0)` : `dy[${idx}]`);
  const yBinding = s.relu ? [read('y', b.y)] : [];
  const hasDb = b.db !== null;
  const M = hasDb ? I + 1 : I;
  const wgrad = gemmDispatches(ctx, 'dense_dw', {
    M, N: U, K: rows,
    bindings: [read('x', b.x), read('dy', b.dy), ...yBinding, rw('dw', b.dw), ...(b.db ? [rw('db', b.db)] : [])],
    loadA: hasDb
      ? `fn load_a(m: u32, k: u32) -> f32 { if (m == ${I}u) { return 1.0; } return x[k * ${I}u + m]; }`
      : `fn load_a(m: u32, k: u32) -> f32 { return x[k * ${I}u + m]; }`,
    loadB: `fn load_b(k: u32, n: u32) -> f32 { return ${dz(`k * ${U}u + n`)}; }`,
    store: hasDb
      ? `fn store_c(m: u32, n: u32, v: f32) { if (m == ${I}u) { db[n] = v; } else { dw[m * ${U}u + n] = v; } }`
      : `fn store_c(m: u32, n: u32, v: f32) { dw[m * ${U}u + n] = v; }`,
    aContiguous: 'm',
    bContiguous: 'n',
    splits: splitsFor(M, U, rows),
  });
  if (!b.dx) return wgrad;
  const dgrad = gemmDispatches(ctx, 'dense_dx', {
    M: rows, N: I, K: U,
    bindings: [read('dy', b.dy), ...yBinding, read('w', b.w), rw('dx', b.dx)],
    loadA: `fn load_a(m: u32, k: u32) -> f32 { return ${dz(`m * ${U}u + k`)}; }`,
    loadB: `fn load_b(k: u32, n: u32) -> f32 { return w[n * ${U}u + k]; }`,
    store: `fn store_c(m: u32, n: u32, v: f32) { dx[m * ${I}u + n] = v; }`,
    aContiguous: 'k',
    bContiguous: 'k',
  });
  return [...wgrad, ...dgrad];
}
