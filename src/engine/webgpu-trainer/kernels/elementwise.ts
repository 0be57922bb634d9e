// Elementwise kernels, one dispatch each: ReLU forward/backward and dropout forward/backward.
import type { Slice } from '../arena.ts';
import { RNG_WGSL } from '../data/rng-wgsl.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { declare, f32, grid1d, makeDispatch, read, rw, stepParams, touch, type Binding } from './wgsl.ts';

function elementwise(ctx: KernelContext, label: string, size: number, bindings: readonly Binding[], body: string, helpers = ''): Dispatch {
  const grid = grid1d(size);
  const code = /* wgsl */ `
${declare(bindings)}
${helpers}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ${touch(bindings)}
  let i = ${grid.index};
  if (i >= ${size}u) { return; }
  ${body}
}`;
  return makeDispatch(ctx, label, code, bindings, grid.workgroups);
}

/** y = max(x, 0) over `size` floats: 1 dispatch. */
export function buildReluForward(ctx: KernelContext, b: { x: Slice; y: Slice }, s: { size: number }): Dispatch[] {
  return [elementwise(ctx, 'relu_fwd', s.size, [read('x', b.x), rw('y', b.y)], 'y[i] = max(x[i], 0.0);')];
}

/** dx = dy · (y > 0), y the forward output: 1 dispatch. */
export function buildReluBackward(ctx: KernelContext, b: { y: Slice; dy: Slice; dx: Slice }, s: { size: number }): Dispatch[] {
  return [elementwise(ctx, 'relu_bwd', s.size, [read('y', b.y), read('dy', b.dy), rw('dx', b.dx)], 'dx[i] = select(0.0, dy[i], y[i] > 0.0);')];
}

export interface DropoutShape {
  /** Floats in x (the compiled batch's rows included). */
  size: number;
  /** Keras's rate: the fraction dropped, in [0, 1). */
  rate: number;
  /** RNG stream of this layer (distinct per layer), with StepParams.seed and the element index. */
  stream: number;
}

/** The keep test and scale, shared by forward and backward so both see the same mask. */
function maskWgsl(s: DropoutShape): string {
  if (!(s.rate >= 0 && s.rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${s.rate}`);
  return /* wgsl */ `
${RNG_WGSL}
fn dropout_scale(i: u32) -> f32 {
  if (sp.training == 0u) { return 1.0; }
  let u = rng_unit(sp.seed, ${s.stream >>> 0}u, i);
  return select(0.0, ${f32(1 / (1 - s.rate))}, u >= ${f32(s.rate)});
}`;
}

/**
 * Keras Dropout: y = x / (1 - rate) where rng_unit(seed, stream, i) >= rate, else 0; y = x when
 * StepParams.training is 0. The mask is a pure function of (seed, stream, i): nothing stored. 1 dispatch.
 */
export function buildDropoutForward(ctx: KernelContext, b: { x: Slice; y: Slice }, s: DropoutShape): Dispatch[] {
  return [elementwise(ctx, 'dropout_fwd', s.size, [read('x', b.x), rw('y', b.y), stepParams(ctx)], 'y[i] = x[i] * dropout_scale(i);', maskWgsl(s))];
}

/** dx = dy · the forward's mask and scale (recomputed from the same seed and stream): 1 dispatch. */
export function buildDropoutBackward(ctx: KernelContext, b: { dy: Slice; dx: Slice }, s: DropoutShape): Dispatch[] {
  return [elementwise(ctx, 'dropout_bwd', s.size, [read('dy', b.dy), rw('dx', b.dx), stepParams(ctx)], 'dx[i] = dy[i] * dropout_scale(i);', maskWgsl(s))];
}
