// Drives gemm.wat on the wasm backend's heap: C = A . B for any operand strides, and dW = im2col(x)^T . dy
// for Conv2DBackpropFilter without materialising the im2col matrix. The module is compiled from its
// text with wabt once (prepareGemm, awaited when the backend starts) and instantiated per heap, shared
// (the threaded build) or not. Kernels call gemmFor(backend) and fall back to XNNPACK when it is undefined.
import { readFileSync } from 'node:fs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import initWabt from 'wabt';

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
  packA(src: number, rs: number, cs: number, m: number, k0: number, kc: number, dst: number): void;
  packIm2colT(x: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
    top: number, left: number, oh: number, ow: number, k0: number, kc: number, dst: number): void;
  block(kc: number, pa: number, panels: number, b: number, rs: number, cs: number, n: number, k0: number,
    bPack: number, c: number, ldc: number, acc: number): void;
}

/** Columns of A / rows of B per block: a 4 x KC panel of A and the KC x 8 panel of B stay in L1. */
const KC = 256;

const WAT = readFileSync(new URL('./gemm.wat', import.meta.url), 'utf8');
let modules: { plain: WebAssembly.Module; shared: WebAssembly.Module } | undefined;

/** Compiles gemm.wat (plain and shared-memory variants). Idempotent. */
export async function prepareGemm(): Promise<void> {
  if (modules !== undefined) return;
  const wabt = await initWabt();
  const compile = (limits: string): WebAssembly.Module => {
    const parsed = wabt.parseWat('gemm.wat', WAT.replace('MEMORY_LIMITS', limits), { simd: true, threads: true });
    try {
      const { buffer } = parsed.toBinary({});
      return new WebAssembly.Module(new Uint8Array(buffer));
    } finally {
      parsed.destroy();
    }
  };
  modules = { plain: compile('0'), shared: compile('0 65536 shared') };
}

/** emscripten's allocator, which the backend module exports (untyped in tfjs-backend-wasm). */
interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** A GEMM bound to one backend heap, with scratch buffers for the packed panels. */
export class HeapGemm {
  private scratch = { ptr: 0, bytes: 0 };

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly allocator: HeapAllocator,
    private readonly fns: GemmExports,
  ) {}

  /** C[m x n] (row-major at cPtr, n floats per row) = A[m x k] . B[k x n]. */
  matMul(m: number, n: number, k: number, a: Operand, b: Operand, cPtr: number): void {
    this.drive(m, n, k, b, cPtr, (k0, kc, dst) => this.fns.packA(a.ptr, a.rs, a.cs, m, k0, kc, dst));
  }

  /**
   * C[kh*kw*c x n] = im2col(x)^T . B, where B [batch*oh*ow x n] is dy: the filter gradient of a
   * convolution, in the filter layout [kh, kw, c, n]. Needs c % 4 == 0.
   */
  im2colTMatMul(g: Im2colGeometry, n: number, b: Operand, cPtr: number): void {
    if (g.c % 4 !== 0) throw new Error(`im2colTMatMul needs a multiple of 4 channels, got ${g.c}`);
    const m = g.kh * g.kw * g.c;
    this.drive(m, n, g.batch * g.oh * g.ow, b, cPtr, (k0, kc, dst) =>
      this.fns.packIm2colT(g.ptr, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.top, g.left, g.oh, g.ow, k0, kc, dst));
  }

  private drive(m: number, n: number, k: number, b: Operand, cPtr: number, packA: (k0: number, kc: number, dst: number) => void): void {
    const heap = (): Float32Array => new Float32Array(this.memory.buffer);
    if (k === 0) {
      heap().fill(0, cPtr / 4, cPtr / 4 + m * n);
      return;
    }
    const panels = Math.ceil(m / 4);
    const np = Math.ceil(n / 8) * 8;
    // Tiles are 4 x 8: a C whose shape is not a multiple of that is computed in scratch, then copied.
    const direct = m % 4 === 0 && n % 8 === 0;
    const aBytes = panels * 4 * Math.min(k, KC) * 4;
    const bBytes = Math.min(k, KC) * 8 * 4;
    const cBytes = direct ? 0 : panels * 4 * np * 4;
    const base = this.reserve(aBytes + bBytes + cBytes);
    const [pa, pb, pc] = [base, base + aBytes, base + aBytes + bBytes];
    const out = direct ? cPtr : pc;
    const ldc = direct ? n : np;
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      packA(k0, kc, pa);
      this.fns.block(kc, pa, panels, b.ptr, b.rs, b.cs, n, k0, pb, out, ldc, k0 > 0 ? 1 : 0);
    }
    if (!direct) {
      const f = heap();
      for (let i = 0; i < m; i++) f.copyWithin(cPtr / 4 + i * n, pc / 4 + i * np, pc / 4 + i * np + n);
    }
  }

  /** A heap block of at least `bytes`, 16-byte aligned, reused across calls. */
  private reserve(bytes: number): number {
    if (bytes > this.scratch.bytes) {
      if (this.scratch.ptr !== 0) this.allocator._free(this.scratch.ptr);
      const size = Math.max(bytes, 2 * this.scratch.bytes);
      this.scratch = { ptr: this.allocator._malloc(size + 16) >>> 0, bytes: size };
    }
    return (this.scratch.ptr + 15) & ~15;
  }
}

const bound = new WeakMap<BackendWasm, HeapGemm>();

function memoryOf(backend: BackendWasm): WebAssembly.Memory | undefined {
  const mod = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const mem = mod.asm?.memory ?? mod.wasmMemory;
  return mem instanceof WebAssembly.Memory ? mem : undefined;
}

/** The GEMM for this backend's heap, or undefined when prepareGemm has not run or the heap is not reachable. */
export function gemmFor(backend: BackendWasm): HeapGemm | undefined {
  let g = bound.get(backend);
  if (g !== undefined || modules === undefined) return g;
  const mem = memoryOf(backend);
  if (mem === undefined) return undefined;
  const module = mem.buffer instanceof SharedArrayBuffer ? modules.shared : modules.plain;
  const instance = new WebAssembly.Instance(module, { env: { memory: mem } });
  g = new HeapGemm(mem, backend.wasm as unknown as HeapAllocator, instance.exports as unknown as GemmExports);
  bound.set(backend, g);
  return g;
}
