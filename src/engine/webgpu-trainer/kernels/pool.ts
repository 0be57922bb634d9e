// MaxPool2D on NHWC, forward and backward, one dispatch each. The backward is a gather over dx (each
// input element sums dy of the windows whose first maximum it is, recomputed from x), so overlapping
// windows need no atomics and no argmax buffer.
import type { Slice } from '../arena.ts';
import type { Dispatch, KernelContext } from './kernel.ts';
import { declare, grid1d, makeDispatch, read, rw, touch, type Binding } from './wgsl.ts';

export interface PoolShape {
  batch: number;
  inH: number;
  inW: number;
  c: number;
  outH: number;
  outW: number;
  pool: [number, number];
  strides: [number, number];
  /** Padding before the first row and column (padded cells never win). */
  pad: [number, number];
}

/** WGSL `fn window_argmax(n, oh, ow, ch) -> u32`: the flat input index of the window's first maximum. */
function argmaxWgsl(s: PoolShape): string {
  return /* wgsl */ `
fn window_argmax(n: u32, oh: u32, ow: u32, ch: u32) -> u32 {
  var best = -3.4028234663852886e38;
  var at = 0xffffffffu;
  for (var kh = 0u; kh < ${s.pool[0]}u; kh++) {
    let ih = i32(oh * ${s.strides[0]}u + kh) - ${s.pad[0]};
    if (ih < 0 || ih >= ${s.inH}) { continue; }
    for (var kw = 0u; kw < ${s.pool[1]}u; kw++) {
      let iw = i32(ow * ${s.strides[1]}u + kw) - ${s.pad[1]};
      if (iw < 0 || iw >= ${s.inW}) { continue; }
      let i = ((n * ${s.inH}u + u32(ih)) * ${s.inW}u + u32(iw)) * ${s.c}u + ch;
      if (at == 0xffffffffu || x[i] > best) { best = x[i]; at = i; }
    }
  }
  return at;
}`;
}

function kernel(ctx: KernelContext, label: string, size: number, bindings: readonly Binding[], helpers: string, body: string): Dispatch {
  const grid = grid1d(size);
  const code = /* wgsl */ `
${declare(bindings)}
${helpers}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ${touch(bindings)}
  let e = ${grid.index};
  if (e >= ${size}u) { return; }
  ${body}
}`;
  return makeDispatch(ctx, label, code, bindings, grid.workgroups);
}

/** y [batch, outH, outW, c] = the max of each window of x [batch, inH, inW, c]: 1 dispatch. */
export function buildMaxPoolForward(ctx: KernelContext, b: { x: Slice; y: Slice }, s: PoolShape): Dispatch[] {
  const size = s.batch * s.outH * s.outW * s.c;
  return [
    kernel(ctx, 'maxpool_fwd', size, [read('x', b.x), rw('y', b.y)], argmaxWgsl(s), /* wgsl */ `
  let ch = e % ${s.c}u;
  let p = e / ${s.c}u;
  let ow = p % ${s.outW}u;
  let oh = (p / ${s.outW}u) % ${s.outH}u;
  let n = p / ${s.outW * s.outH}u;
  let at = window_argmax(n, oh, ow, ch);
  y[e] = select(0.0, x[at], at != 0xffffffffu);`),
  ];
}

/** dx [batch, inH, inW, c] = Σ dy over the windows whose (first) maximum is that element: 1 dispatch. */
/** (`b.y`, the forward's output, is accepted for the kernel library's signature and not read.) */
export function buildMaxPoolBackward(ctx: KernelContext, b: { x: Slice; y?: Slice; dy: Slice; dx: Slice }, s: PoolShape): Dispatch[] {
  const size = s.batch * s.inH * s.inW * s.c;
  const [PH, PW] = s.pool;
  const [SH, SW] = s.strides;
  return [
    kernel(ctx, 'maxpool_bwd', size, [read('x', b.x), read('dy', b.dy), rw('dx', b.dx)], argmaxWgsl(s), /* wgsl */ `
  let ch = e % ${s.c}u;
  let p = e / ${s.c}u;
  let iw = i32(p % ${s.inW}u) + ${s.pad[1]};
  let ih = i32((p / ${s.inW}u) % ${s.inH}u) + ${s.pad[0]};
  let n = p / ${s.inW * s.inH}u;
  // Windows oh with oh·SH <= ih < oh·SH + PH (padded coordinates).
  let oh0 = max(ih - ${PH - 1}, 0);
  let ow0 = max(iw - ${PW - 1}, 0);
  var sum = 0.0;
  for (var oh = (oh0 + ${SH - 1}) / ${SH}; oh <= min(ih / ${SH}, ${s.outH - 1}); oh++) {
    for (var ow = (ow0 + ${SW - 1}) / ${SW}; ow <= min(iw / ${SW}, ${s.outW - 1}); ow++) {
      if (window_argmax(n, u32(oh), u32(ow), ch) == e) { sum += dy[((n * ${s.outH}u + u32(oh)) * ${s.outW}u + u32(ow)) * ${s.c}u + ch]; }
    }
  }
  dx[e] = sum;`),
  ];
}
