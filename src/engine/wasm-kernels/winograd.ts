// Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (winograd.wat): the forward pass (Conv2D, and so
// Conv2DBackpropInput, which is a Conv2D of dy) and the filter gradient (Conv2DBackpropFilter) do 16
// multiplies per 2x2 output tile and channel pair instead of 36 (Lavin & Gray, CVPR 2016, section 4.1).
// The filter transforms (U = G g G^T, dg = G^T dU G: a few thousand values) are done here; the tile
// transforms and the 16 GEMMs per chunk of tiles run in wasm, one job per thread, each chunk small
// enough for its transforms and products to stay in L2.
//
// Accuracy: every transform is a few additions and halvings (exact in binary), so the error is that of
// the sums, like a direct convolution's but with ~4x more terms per value; F(2x2,3x3) in float32 stays
// within ~1e-6 relative to the largest output (Barabasz et al., "Error analysis and improving the
// accuracy of Winograd convolution", 2020, table 2: F(2,3) has the lowest error of the family). The
// tests hold it to 1e-4 of the largest value against the cpu backend, the tolerance every other kernel
// here meets: SGD/Adam noise (and float32 rounding of the weights themselves, ~6e-8) dwarfs it.
//
// Deterministic and bit-identical for any thread count: tiles are cut into chunks and the filter
// gradient's chunks into groups by sizes that do not depend on the threads; threads take whole chunks
// (forward: each output comes from one chunk) or whole groups (gradient: the groups are summed here, in
// order).
import type { HeapGemm } from './gemm.ts';

/** An NHWC float32 batch x [batch, h, w, ci] in the heap, its 3x3 stride-1 convolution's padding and output size. */
export interface WinogradGeometry {
  x: number;
  batch: number;
  h: number;
  w: number;
  ci: number;
  top: number;
  left: number;
  oh: number;
  ow: number;
  co: number;
}

/** Bytes of a chunk's V and M (or P): about the L2 size of common cores, so the 16 GEMMs read them from cache. */
const CHUNK_BYTES = 1 << 20;
/** Tiles per chunk at most: the filter gradient's GEMMs have K = tiles, and gemm.wat's K blocks hold 384. */
const MAX_TILES = 384;
/** Groups of chunks of the filter gradient (summed in order): fixed, so the result never depends on the threads. */
const GRADIENT_GROUPS = 8;
/** MC in gemm.wat: rows of A packed at a time. */
const MC = 128;
/** NC in gemm.wat: columns of B packed at a time. */
const NC = 512;
const JOB_BYTES = 128;

/** Winograd handles 3x3 kernels with stride and dilation 1, channel counts a multiple of 4 (one v128 per pixel). */
export function winogradApplies(kh: number, kw: number, strides: number[], dilations: number[], ci: number, co: number): boolean {
  return kh === 3 && kw === 3 && strides.every((s) => s === 1) && dilations.every((d) => d === 1) &&
    ci % 4 === 0 && co % 4 === 0 && ci <= 384;
}

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

interface Plan {
  tc: number;
  tilesH: number;
  tilesW: number;
  tiles: number;
  chunks: number;
  ldc: number;
}

function plan(g: WinogradGeometry): Plan {
  const ldc = roundUp(g.co, 8);
  const tc = Math.max(4, Math.min(MAX_TILES, Math.floor(CHUNK_BYTES / (64 * (g.ci + ldc)) / 4) * 4));
  const tilesH = Math.ceil(g.oh / 2);
  const tilesW = Math.ceil(g.ow / 2);
  const tiles = g.batch * tilesH * tilesW;
  return { tc, tilesH, tilesW, tiles, chunks: Math.ceil(tiles / tc), ldc };
}

/** Byte offsets in one thread's scratch: its job words, V, M (or P), the GEMM's job words and A panels, B panels. */
interface ShareLayout {
  v: number;
  m: number;
  gemmJob: number;
  bPanels: number;
  bytes: number;
}

function shareLayout(g: WinogradGeometry, p: Plan, kind: 3 | 4): ShareLayout {
  const v = JOB_BYTES;
  const m = v + 64 * p.tc * g.ci;
  const gemmJob = m + 64 * p.tc * p.ldc;
  const [gm, gk] = kind === 3 ? [p.tc, g.ci] : [g.ci, p.tc]; // the GEMM's M and K
  const bPanels = gemmJob + JOB_BYTES + roundUp(Math.min(MC, gm), 4) * 4 * gk;
  return { v, m, gemmJob, bPanels, bytes: roundUp(bPanels + gk * Math.min(NC, p.ldc) * 4, 16) };
}

/** `count` items over up to `threads` contiguous ranges. */
function ranges(count: number, threads: number): [number, number][] {
  const n = Math.max(1, Math.min(threads, count));
  return Array.from({ length: n }, (_, i) => [Math.floor((i * count) / n), Math.floor(((i + 1) * count) / n)]);
}

/** Writes one job per range of chunks at `at` (each followed by its scratch) and runs them over the pool. */
function runShares(gemm: HeapGemm, at: number, layout: ShareLayout, chunkRanges: [number, number][], words: Map<number, number>): void {
  const heap = new Int32Array(gemm.heapBuffer);
  const jobs = chunkRanges.map(([first, end], i) => {
    const job = at + i * layout.bytes;
    const w = new Array<number>(32).fill(0);
    for (const [k, v] of words) w[k] = v;
    [w[1], w[2]] = [first, end];
    [w[20], w[21], w[23], w[26]] = [job + layout.v, job + layout.m, job + layout.gemmJob, job + layout.bPanels];
    heap.set(w, job / 4);
    return job;
  });
  gemm.runJobs(jobs);
}

function commonWords(kind: 3 | 4, g: WinogradGeometry, p: Plan): Map<number, number> {
  return new Map([
    [0, kind], [3, p.tc], [4, p.tiles], [5, g.x], [6, g.h], [7, g.w], [8, g.ci], [9, g.top], [10, g.left],
    [11, p.tilesH], [12, p.tilesW], [13, g.oh], [14, g.ow], [15, g.co], [22, p.ldc],
  ]);
}

/**
 * y [batch, oh, ow, co] = the 3x3 stride-1 correlation of x with `filter` [3, 3, ci, co] (both in the
 * heap, byte offsets), plus `bias` [co] (0: none), then ReLU if `relu`. Outputs are written once.
 */
export function winogradConv2d(gemm: HeapGemm, g: WinogradGeometry, filter: number, y: number, bias = 0, relu = false): void {
  const p = plan(g);
  const q = g.ci * g.co;
  const layout = shareLayout(g, p, 3);
  const shares = ranges(p.chunks, gemm.threads);
  const base = gemm.reserve(64 * q + layout.bytes * shares.length);
  const f = new Float32Array(gemm.heapBuffer);
  transformFilter(f, filter / 4, base / 4, q);
  const words = commonWords(3, g, p);
  words.set(16, base).set(17, y).set(18, bias).set(19, relu ? 1 : 0);
  runShares(gemm, base + 64 * q, layout, shares, words);
}

/**
 * dW [3, 3, ci, co] = the filter gradient of a 3x3 stride-1 convolution of x (the geometry) given dy
 * [batch, oh, ow, co] (byte offsets in the heap).
 */
export function winogradFilterGrad(gemm: HeapGemm, g: WinogradGeometry, dy: number, dw: number): void {
  const p = plan(g);
  const perGroup = Math.ceil(p.chunks / GRADIENT_GROUPS);
  const groups = Math.ceil(p.chunks / perGroup);
  const groupFloats = 16 * g.ci * p.ldc;
  const layout = shareLayout(g, p, 4);
  const shares = ranges(groups, gemm.threads).map(([a, b]): [number, number] => [a * perGroup, Math.min(p.chunks, b * perGroup)]);
  const base = gemm.reserve(4 * groupFloats * groups + layout.bytes * shares.length);
  const words = commonWords(4, g, p);
  words.set(16, dy).set(17, base).set(24, perGroup);
  runShares(gemm, base + 4 * groupFloats * groups, layout, shares, words);
  const f = new Float32Array(gemm.heapBuffer);
  inverseTransformFilter(f, base / 4, groups, groupFloats, g.ci, g.co, p.ldc, dw / 4);
}

/** U [16][ci*co] = G g G^T for each (ci, co), g = filter [3][3][ci*co]; float offsets into `f`. */
function transformFilter(f: Float32Array, filter: number, u: number, q: number): void {
  for (let k = 0; k < q; k++) {
    const g = (r: number, c: number): number => f[filter + (r * 3 + c) * q + k];
    for (let c = 0; c < 3; c++) {
      // G g, column c: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2
      const [a, b, d] = [g(0, c), g(1, c), g(2, c)];
      tmp[c] = a;
      tmp[3 + c] = (a + b + d) / 2;
      tmp[6 + c] = (a - b + d) / 2;
      tmp[9 + c] = d;
    }
    for (let r = 0; r < 4; r++) {
      // (G g) G^T, row r: t0, (t0 + t1 + t2) / 2, (t0 - t1 + t2) / 2, t2
      const [a, b, d] = [tmp[3 * r], tmp[3 * r + 1], tmp[3 * r + 2]];
      f[u + (4 * r) * q + k] = a;
      f[u + (4 * r + 1) * q + k] = (a + b + d) / 2;
      f[u + (4 * r + 2) * q + k] = (a - b + d) / 2;
      f[u + (4 * r + 3) * q + k] = d;
    }
  }
}
const tmp = new Float64Array(12);

/**
 * dW [3][3][ci][co] = G^T dU G, dU = the groups' [16][ci][ldc] partial sums added in group order.
 * G^T rows: (1, .5, .5, 0), (0, .5, -.5, 0), (0, .5, .5, 1).
 */
function inverseTransformFilter(f: Float32Array, groupsAt: number, groups: number, groupFloats: number, ci: number, co: number, ldc: number, dw: number): void {
  const du = new Float32Array(16);
  const s = new Float64Array(12);
  for (let c = 0; c < ci; c++) {
    for (let o = 0; o < co; o++) {
      for (let xi = 0; xi < 16; xi++) {
        let acc = 0;
        for (let gr = 0; gr < groups; gr++) acc = Math.fround(acc + f[groupsAt + gr * groupFloats + (xi * ci + c) * ldc + o]);
        du[xi] = acc;
      }
      for (let j = 0; j < 4; j++) {
        // G^T dU, column j
        const [d0, d1, d2, d3] = [du[j], du[4 + j], du[8 + j], du[12 + j]];
        s[j] = d0 + (d1 + d2) / 2;
        s[4 + j] = (d1 - d2) / 2;
        s[8 + j] = (d1 + d2) / 2 + d3;
      }
      for (let r = 0; r < 3; r++) {
        const [a, b, d, e] = [s[4 * r], s[4 * r + 1], s[4 * r + 2], s[4 * r + 3]];
        const at = dw + (r * 3 * ci + c) * co + o; // [r][v][c][o], v = 0..2 are ci*co apart
        f[at] = a + (b + d) / 2;
        f[at + ci * co] = (b - d) / 2;
        f[at + 2 * ci * co] = (b + d) / 2 + e;
      }
    }
  }
}
