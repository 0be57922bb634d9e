// The tiled GEMM every matrix product and convolution here is built on: C[M, N] = Σ_k A(m, k) · B(k, n),
// where A and B are WGSL functions (a plain matrix, its transpose, an im2col gather, a ReLU-masked
// gradient...), so convolutions are implicit GEMMs with no im2col buffer. A workgroup of 256 threads
// computes a 64 x 64 tile of C, a 4 x 4 block per thread (vec4 reads of workgroup memory), staging 16-wide slices of A and B in workgroup memory;
// the store is a WGSL function too (fused bias/ReLU epilogues, accumulate, a second output row...).
// Split-K: with `splits` > 1 each z-slice of the grid sums its own K range into a scratch buffer and a
// second dispatch sums the slices and runs the store; no atomics.
import { grid1d, makeDispatch, rw, scratch, touch, declare, type Binding } from './wgsl.ts';
import type { Dispatch, KernelContext } from './kernel.ts';

export const TILE = 64;
export const TILE_K = 16;

export interface GemmCore {
  M: number;
  N: number;
  K: number;
  /** Every binding the load and store functions use. */
  bindings: readonly Binding[];
  /** WGSL `fn load_a(m: u32, k: u32) -> f32` (called with m < M, k < K only). */
  loadA: string;
  /** WGSL `fn load_b(k: u32, n: u32) -> f32` (called with k < K, n < N only). */
  loadB: string;
  /** WGSL `fn store_c(m: u32, n: u32, v: f32)` (m < M, n < N), called once per element of C. */
  store: string;
  /** Which index of A / B is contiguous in memory: loads are coalesced along it. */
  aContiguous: 'm' | 'k';
  bContiguous: 'n' | 'k';
  /** Split-K slices (1: none). */
  splits?: number;
  /** Extra WGSL (helper functions the loads use). */
  helpers?: string;
}

function tileWgsl(g: GemmCore, kPerSplit: number, partial: boolean): string {
  const { M, N, K } = g;
  // Thread → tile element for the staging loads: 1024 elements, 4 per thread, consecutive threads
  // along the contiguous index.
  const aIdx = g.aContiguous === 'k' ? 'let ak = idx % 16u; let am = idx / 16u;' : 'let am = idx % 64u; let ak = idx / 64u;';
  const bIdx = g.bContiguous === 'n' ? 'let bn = idx % 64u; let bk = idx / 64u;' : 'let bk = idx % 16u; let bn = idx / 16u;';
  const out = partial
    ? `part[(wg.z * ${M}u + gm) * ${N}u + gn] = acc[i][j];`
    : 'store_c(gm, gn, acc[i][j]);';
  return /* wgsl */ `
${declare(g.bindings)}
${partial ? `@group(0) @binding(${g.bindings.length}) var<storage, read_write> part: array<f32>;` : ''}
${g.helpers ?? ''}
${g.loadA}
${g.loadB}
${partial ? '' : g.store}
// [k][m / 4] and [k][n / 4]: a thread reads its 4 rows and 4 columns as one vec4 each.
var<workgroup> As: array<array<vec4<f32>, 16>, 16>;
var<workgroup> Bs: array<array<vec4<f32>, 16>, 16>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  ${touch(g.bindings)}${partial ? ' _ = arrayLength(&part);' : ''}
  let m0 = wg.y * 64u;
  let n0 = wg.x * 64u;
  let tx = li % 16u;
  let ty = li / 16u;
  var acc: array<vec4<f32>, 4>;
  let kBegin = wg.z * ${kPerSplit}u;
  let kEnd = min(kBegin + ${kPerSplit}u, ${K}u);
  for (var k0 = kBegin; k0 < kEnd; k0 += 16u) {
    for (var i = 0u; i < 4u; i++) {
      let idx = li + i * 256u;
      ${aIdx}
      let gam = m0 + am; let gak = k0 + ak;
      var va = 0.0;
      if (gam < ${M}u && gak < kEnd) { va = load_a(gam, gak); }
      As[ak][am / 4u][am % 4u] = va;
      ${bIdx}
      let gbn = n0 + bn; let gbk = k0 + bk;
      var vb = 0.0;
      if (gbn < ${N}u && gbk < kEnd) { vb = load_b(gbk, gbn); }
      Bs[bk][bn / 4u][bn % 4u] = vb;
    }
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) {
      let a = As[k][ty];
      let b = Bs[k][tx];
      acc[0] = fma(vec4<f32>(a.x), b, acc[0]);
      acc[1] = fma(vec4<f32>(a.y), b, acc[1]);
      acc[2] = fma(vec4<f32>(a.z), b, acc[2]);
      acc[3] = fma(vec4<f32>(a.w), b, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let gm = m0 + ty * 4u + i;
      let gn = n0 + tx * 4u + j;
      if (gm < ${M}u && gn < ${N}u) { ${out} }
    }
  }
}`;
}

function reduceWgsl(g: GemmCore, splits: number, index: string): string {
  const { M, N } = g;
  return /* wgsl */ `
${declare(g.bindings)}
@group(0) @binding(${g.bindings.length}) var<storage, read_write> part: array<f32>;
${g.helpers ?? ''}
${g.store}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ${touch(g.bindings)} _ = arrayLength(&part);
  let e = ${index};
  if (e >= ${M * N}u) { return; }
  var s = 0.0;
  for (var z = 0u; z < ${splits}u; z++) { s += part[z * ${M * N}u + e]; }
  store_c(e / ${N}u, e % ${N}u, s);
}`;
}

/** The GEMM's dispatches: one, or two with split-K (partial sums into a scratch buffer, then the store). */
export function gemmDispatches(ctx: KernelContext, label: string, g: GemmCore): Dispatch[] {
  const splits = Math.max(1, Math.min(g.splits ?? 1, Math.ceil(g.K / TILE_K)));
  // Each slice a whole number of K tiles.
  const kPerSplit = Math.ceil(Math.ceil(g.K / splits) / TILE_K) * TILE_K;
  const used = Math.ceil(g.K / kPerSplit);
  const groups: [number, number, number] = [Math.ceil(g.N / TILE), Math.ceil(g.M / TILE), used];
  if (used === 1) return [makeDispatch(ctx, `${label}`, tileWgsl(g, kPerSplit, false), g.bindings, groups)];
  const part = rw('part', scratch(ctx, `${label} split-K`, used * g.M * g.N * 4));
  const grid = grid1d(g.M * g.N);
  return [
    makeDispatch(ctx, `${label}`, tileWgsl(g, kPerSplit, true), [...g.bindings, part], groups),
    makeDispatch(ctx, `${label} reduce`, reduceWgsl(g, used, grid.index), [...g.bindings, part], grid.workgroups),
  ];
}

/** Split-K slices that give the GPU about `target` workgroups for an M x N output over K (each >= 256 deep). */
export function splitsFor(M: number, N: number, K: number, target = 256): number {
  const tiles = Math.ceil(M / TILE) * Math.ceil(N / TILE);
  return Math.max(1, Math.min(Math.ceil(target / tiles), Math.floor(K / 256)));
}
