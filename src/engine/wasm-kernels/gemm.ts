// Drives gemm.wat on the wasm backend's heap: C = A . B for any operand strides, and dW = im2col(x)^T . dy
// for Conv2DBackpropFilter without materialising the im2col matrix. The module is compiled from its
// text when the backend starts (wat-module.ts) and instantiated per heap, shared (the threaded build)
// or not. Kernels call gemmFor(backend) and fall back to XNNPACK when it is undefined.
// On the threaded build, useThreads(n) adds n - 1 worker threads that each take a share of C's rows or columns.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { useFma, withFusedMultiplyAdds } from './relaxed-simd.ts';
import { memoryOf, WatModule } from './wat-module.ts';

/** A matrix in the heap: element [i][j] is the float at byte ptr + 4 * (i * rs + j * cs). */
export interface Operand {
  ptr: number;
  rs: number;
  cs: number;
}

/** An NHWC float32 image batch and a convolution's geometry (computeConv2DInfo's fields). */
export interface Im2colGeometry {
  ptr: number;
  batch: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  oh: number;
  ow: number;
}

interface GemmExports {
  run(job: number): void;
}

/**
 * Depth of a K block at most: a 4 x kc panel of A and the kc x 8 panel of B stay in L1. K is cut into
 * equal blocks (a convolution's K = 288 is one block, not 256 + 32: every extra block re-reads the
 * image and re-loads C).
 */
const KC_MAX = 384;

function blockDepth(k: number): number {
  const blocks = Math.ceil(k / KC_MAX);
  return Math.min(k, Math.ceil(k / blocks / 4) * 4); // a multiple of 4: im2col packs 4 columns at a time
}
/** Columns of B and rows of A packed at a time (gemm.wat's `run`). */
const NC = 512;
const MC = 128;
/** How long a waiting thread (this one, or a worker between jobs) spins before it sleeps. */
const SPIN_MS = 2;
/** Products smaller than this (multiply-adds) stay on one thread: waking a worker costs ~10-50 us. */
const THREAD_MIN_MACS = 1 << 20;
/** Job descriptor: 32 words (gemm.wat's `run`), which keeps the scratch after it 16-byte aligned. */
const JOB_WORDS = 32;
const JOB_BYTES = 4 * JOB_WORDS;

/**
 * How a share's rows of A are packed: job word 0 (the packer: 0 strided, 1 im2col^T, 2 im2col), words
 * 11-24 (the operand, or the image and the convolution's geometry) and, for im2col, words 26-27 (the
 * share's first row and the rows in all).
 */
interface PackedA {
  packer: 0 | 1 | 2;
  words: number[];
  firstRow?: number;
  rowsInAll?: number;
}

/** gemm.wat with winograd.wat's functions (its jobs run on the same threads), fused multiply-adds where they pay. */
export const GEMM_WAT = new WatModule(new URL('./gemm.wat', import.meta.url), [new URL('./winograd.wat', import.meta.url)],
  { applies: useFma, rewrite: withFusedMultiplyAdds });
const WORKER = fileURLToPath(new URL('../gemm-worker.cjs', import.meta.url));

/** emscripten's allocator, which the backend module exports (untyped in tfjs-backend-wasm). */
interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** A worker thread running gemm.wat on the shared heap (the threaded wasm build only). */
class GemmWorker {
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  private readonly worker: Worker;
  readonly ready: Promise<void>;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory) {
    // execArgv: [] — plain CommonJS; tsx's loader hooks (inherited by default) refuse a .cjs worker entry.
    this.worker = new Worker(WORKER, { execArgv: [], workerData: { wasmModule: module, memory, control: this.control.buffer, spinMs: SPIN_MS } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => {
        this.worker.unref(); // an idle pool must not keep the process alive
        resolve();
      });
      this.worker.once('error', reject);
    });
  }

  start(job: number): void {
    Atomics.store(this.control, 1, job);
    Atomics.add(this.control, 0, 1);
    Atomics.notify(this.control, 0);
  }

  /**
   * Blocks until the job started last is done: spinning first (it is due about when ours ends), then
   * sleeping, so that a worker the OS has descheduled (more busy threads than cores) gets the core back.
   */
  wait(): void {
    const seq = Atomics.load(this.control, 0);
    const until = performance.now() + SPIN_MS;
    let done: number;
    while ((done = Atomics.load(this.control, 2)) !== seq && performance.now() < until);
    while ((done = Atomics.load(this.control, 2)) !== seq) Atomics.wait(this.control, 2, done);
    if (Atomics.exchange(this.control, 3, 0) !== 0) throw new Error('a GEMM worker thread trapped');
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

/** One share of a product: rows or columns [start, start + width). */
interface Share {
  start: number;
  width: number;
}

/** A GEMM bound to one backend heap, with scratch for job descriptors and packed panels. */
export class HeapGemm {
  private scratch = { ptr: 0, bytes: 0 };
  private readonly workers: GemmWorker[] = [];

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly allocator: HeapAllocator,
    private readonly run: (job: number) => void,
    private readonly module: WebAssembly.Module,
  ) {}

  /** Threads a large product is split over (by rows or columns); needs the shared heap of the threaded build. */
  async useThreads(threads: number): Promise<void> {
    if (threads <= 1 || !(this.memory.buffer instanceof SharedArrayBuffer)) return;
    // New workers join only once ready, so this may run between two products of a running training.
    const fresh = Array.from({ length: Math.max(0, threads - 1 - this.workers.length) }, () => new GemmWorker(this.module, this.memory));
    try {
      await Promise.all(fresh.map((w) => w.ready));
    } catch (e) {
      for (const w of fresh) w.terminate(); // keep the threads that already worked
      throw e;
    }
    this.workers.push(...fresh);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** The heap's buffer (read it through a fresh view after any allocation: the heap may have grown). */
  get heapBuffer(): ArrayBuffer | SharedArrayBuffer {
    return this.memory.buffer;
  }

  /**
   * Runs jobs already written to the heap (gemm.wat's `run`: one per thread at most), the first on this
   * thread, the others on the workers, and returns when all are done.
   */
  runJobs(jobs: number[]): void {
    if (jobs.length > this.threads) throw new Error(`${jobs.length} jobs for ${this.threads} threads`);
    jobs.slice(1).forEach((at, i) => this.workers[i].start(at));
    this.run(jobs[0]);
    for (let i = 0; i < jobs.length - 1; i++) this.workers[i].wait();
  }

  /** C[m x n] (row-major at cPtr, n floats per row) = A[m x k] . B[k x n]. */
  matMul(m: number, n: number, k: number, a: Operand, b: Operand, cPtr: number): void {
    this.execute((m0) => ({ packer: 0, words: [a.ptr + 4 * m0 * a.rs, a.rs, a.cs] }), m, n, k, b, cPtr);
  }

  /**
   * C[kh*kw*c x n] = im2col(x)^T . B, where B [batch*oh*ow x n] is dy: the filter gradient of a
   * convolution, in the filter layout [kh, kw, c, n]. Needs c % 4 == 0.
   */
  im2colTMatMul(g: Im2colGeometry, n: number, b: Operand, cPtr: number): void {
    const m = g.kh * g.kw * g.c;
    this.execute((m0) => ({ packer: 1, words: geometryWords(g), firstRow: m0, rowsInAll: m }), m, n, g.batch * g.oh * g.ow, b, cPtr);
  }

  /**
   * C[batch*oh*ow x n] = im2col(x) . B, where B [kh*kw*c x n] is a filter [kh, kw, c, n]: a convolution,
   * NHWC output. Needs c % 4 == 0.
   */
  im2colMatMul(g: Im2colGeometry, n: number, b: Operand, cPtr: number): void {
    const m = g.batch * g.oh * g.ow;
    this.execute((m0) => ({ packer: 2, words: geometryWords(g), firstRow: m0, rowsInAll: m }), m, n, g.kh * g.kw * g.c, b, cPtr);
  }

  /**
   * Runs C = A . B over the pool; `a(m0)` describes A for a share whose rows start at m0. Large products
   * are split by rows or by columns, whichever is longer, in whole 4 x 8 tiles.
   */
  private execute(a: (m0: number) => PackedA, m: number, n: number, k: number, b: Operand, cPtr: number): void {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      new Float32Array(this.memory.buffer).fill(0, cPtr / 4, cPtr / 4 + m * n);
      return;
    }
    // Tiles are 4 x 8: a C whose shape is not a multiple of that is computed in scratch, then copied.
    const direct = m % 4 === 0 && n % 8 === 0;
    const np = Math.ceil(n / 8) * 8;
    const threads = direct && m * n * k >= THREAD_MIN_MACS ? this.threads : 1;
    const byRows = m >= n;
    const shares = byRows ? split(m, 4, threads) : split(n, 8, threads);
    const kc = blockDepth(k);
    const rowsOf = (s: Share): number => (byRows ? s.width : m);
    const colsOf = (s: Share): number => (byRows ? n : s.width);
    const bPackBytes = (s: Share): number => kc * Math.min(NC, Math.ceil(colsOf(s) / 8) * 8) * 4;
    const aPackBytes = (s: Share): number => Math.ceil(Math.min(MC, rowsOf(s)) / 4) * 16 * kc;
    const shareBytes = (s: Share): number => JOB_BYTES + aPackBytes(s) + bPackBytes(s);
    const cBytes = direct ? 0 : Math.ceil(m / 4) * 4 * np * 4;
    const total = shares.reduce((acc, s) => acc + shareBytes(s), 0);
    const base = this.reserve(total + cBytes);
    const out = direct ? cPtr : base + total;
    const ldc = direct ? n : np;
    const heap = new Int32Array(this.memory.buffer);
    let job = base;
    const jobs = shares.map((s) => {
      const [m0, n0] = byRows ? [s.start, 0] : [0, s.start];
      const packed = a(m0);
      const words = new Array<number>(JOB_WORDS).fill(0);
      words.splice(0, 11, packed.packer, rowsOf(s), colsOf(s), k, b.ptr + 4 * n0 * b.cs, b.rs, b.cs, out + 4 * (m0 * ldc + n0), ldc,
        job + JOB_BYTES, job + JOB_BYTES + aPackBytes(s));
      words.splice(11, packed.words.length, ...packed.words);
      words[25] = kc;
      words[26] = packed.firstRow ?? 0;
      words[27] = packed.rowsInAll ?? 0;
      heap.set(words, job / 4);
      const at = job;
      job += shareBytes(s);
      return at;
    });
    this.runJobs(jobs);
    if (!direct) {
      const f = new Float32Array(this.memory.buffer);
      for (let i = 0; i < m; i++) f.copyWithin(cPtr / 4 + i * n, out / 4 + i * np, out / 4 + i * np + n);
    }
  }

  /** A heap block of at least `bytes`, 16-byte aligned, reused across calls (valid until the next reserve). */
  reserve(bytes: number): number {
    if (bytes > this.scratch.bytes) {
      if (this.scratch.ptr !== 0) this.allocator._free(this.scratch.ptr);
      const size = Math.max(bytes, 2 * this.scratch.bytes);
      this.scratch = { ptr: this.allocator._malloc(size + 16) >>> 0, bytes: size };
    }
    return (this.scratch.ptr + 15) & ~15;
  }
}

/** `length` rows or columns over up to `threads` shares, each a whole number of `tile`s. */
function split(length: number, tile: number, threads: number): Share[] {
  const tiles = Math.ceil(length / tile);
  const count = Math.min(threads, tiles);
  const shares: Share[] = [];
  for (let i = 0, t0 = 0; i < count; i++) {
    const t1 = t0 + Math.floor(tiles / count) + (i < tiles % count ? 1 : 0);
    shares.push({ start: t0 * tile, width: Math.min(length, t1 * tile) - t0 * tile });
    t0 = t1;
  }
  return shares;
}

/** Job words 11-24: the image and the convolution's geometry. */
function geometryWords(g: Im2colGeometry): number[] {
  if (g.c % 4 !== 0) throw new Error(`im2col GEMMs need a multiple of 4 channels, got ${g.c}`);
  return [g.ptr, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.top, g.left, g.oh, g.ow];
}

const bound = new WeakMap<BackendWasm, HeapGemm>();

/** The GEMM for this backend's heap, or undefined when gemm.wat is not compiled yet or the heap is not reachable. */
export function gemmFor(backend: BackendWasm): HeapGemm | undefined {
  let g = bound.get(backend);
  if (g !== undefined) return g;
  const instance = GEMM_WAT.instanceFor(backend);
  const memory = memoryOf(backend);
  if (instance === undefined || memory === undefined) return undefined;
  const module = GEMM_WAT.moduleFor(memory) as WebAssembly.Module;
  g = new HeapGemm(memory, backend.wasm as unknown as HeapAllocator, (instance.exports as unknown as GemmExports).run, module);
  bound.set(backend, g);
  return g;
}
