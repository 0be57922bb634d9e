// One Adam update of a variable as a single SIMD pass over the wasm backend's heap. tf.train.adam runs
// ~10 elementwise kernels per variable (a dispatch and a heap buffer each); this tiny hand-assembled
// module imports the backend's memory and writes the new moments and weights in one loop. Each f32x4
// op is IEEE float32 with no FMA, in tfjs's order, so the result is bit-identical to tf.train.adam.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { memoryOf } from './wat-module.ts';

export interface AdamConstants {
  b1: number;
  b2: number;
  /** 1 - beta1 and 1 - beta2. */
  c1: number;
  c2: number;
  /** 1 - beta1^t and 1 - beta2^t. */
  ob1: number;
  ob2: number;
  eps: number;
  /** -learningRate. */
  nlr: number;
}

/** Heap views of one variable's Adam operands (all the same length). */
export interface AdamArrays {
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  w: Float32Array;
  mOut: Float32Array;
  vOut: Float32Array;
  wOut: Float32Array;
}

const fr = Math.fround;

/** tfjs's Adam formula element by element in float32 (reference, and the tail the SIMD loop leaves). */
export function adamStepJs(k: AdamConstants, a: AdamArrays, from = 0): void {
  const { b1, b2, c1, c2, ob1, ob2, eps, nlr } = k;
  const { g, m, v, w, mOut, vOut, wOut } = a;
  for (let j = from; j < g.length; j++) {
    const gj = g[j];
    const mj = fr(fr(m[j] * b1) + fr(gj * c1));
    const vj = fr(fr(v[j] * b2) + fr(fr(gj * gj) * c2));
    mOut[j] = mj;
    vOut[j] = vj;
    const den = fr(fr(Math.sqrt(fr(vj / ob2))) + eps);
    wOut[j] = fr(fr(fr(mj / ob1) / den) * nlr) + w[j];
  }
}

// --- the wasm module: adam(g, m, v, w, mOut, vOut, wOut, nBytes: i32, b1..nlr: f32) ---
// Locals: 0-6 pointers, 7 byte count (multiple of 16), 8-15 constants, 16 i, 17-24 splatted
// constants, 25 G, 26 M, 27 V.
const SIMD = 0xfd;
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const load = (ptr: number): number[] => [...get(ptr), ...get(16), 0x6a, SIMD, 0x00, 0x00, 0x00];
const addr = (ptr: number): number[] => [...get(ptr), ...get(16), 0x6a];
const store = [SIMD, 0x0b, 0x00, 0x00];
const [ADD, MUL, DIV, SQRT] = [[SIMD, 0xe4, 0x01], [SIMD, 0xe6, 0x01], [SIMD, 0xe7, 0x01], [SIMD, 0xe3, 0x01]];

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const splats = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((c) => [...get(8 + c), SIMD, 0x13, ...set(17 + c)]);
  const step = [
    ...load(0), ...set(25),
    // M = m*b1 + g*c1
    ...load(1), ...get(17), ...MUL, ...get(25), ...get(19), ...MUL, ...ADD, ...set(26),
    ...addr(4), ...get(26), ...store,
    // V = v*b2 + (g*g)*c2
    ...load(2), ...get(18), ...MUL, ...get(25), ...get(25), ...MUL, ...get(20), ...MUL, ...ADD, ...set(27),
    ...addr(5), ...get(27), ...store,
    // w' = ((M/ob1) / (sqrt(V/ob2) + eps)) * nlr + w
    ...addr(6),
    ...get(26), ...get(21), ...DIV,
    ...get(27), ...get(22), ...DIV, ...SQRT, ...get(23), ...ADD,
    ...DIV, ...get(24), ...MUL, ...load(3), ...ADD, ...store,
    // i += 16; loop while i < n
    ...get(16), 0x41, 0x10, 0x6a, 0x22, 16, ...get(7), 0x49, 0x0d, 0x00,
  ];
  const body = [
    0x02, 0x01, 0x7f, 0x0b, 0x7b, // locals: 1 x i32, 11 x v128
    ...splats,
    0x02, 0x40, ...get(16), ...get(7), 0x4f, 0x0d, 0x00, // block; exit when 0 >= n
    0x03, 0x40, ...step, 0x0b, // loop
    0x0b, 0x0b, // end block, end function
  ];
  const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];
  const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 16, ...Array<number>(8).fill(0x7f), ...Array<number>(8).fill(0x7d), 0]),
    // memory import limits: min 0, no max; or shared with max 65536 pages (what a shared import must declare)
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00])]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('adam'), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

type AdamFn = (...args: number[]) => void;
const instances = new WeakMap<WebAssembly.Memory, AdamFn>();
const compiled = new Map<boolean, WebAssembly.Module>();

/** Whether adamUpdateWasm can run on this backend. */
export function adamUpdateWasmAvailable(backend: BackendWasm): boolean {
  return memoryOf(backend) !== undefined;
}

/** Runs the update on heap views of this backend (the outputs must not alias the inputs). */
export function adamUpdateWasm(backend: BackendWasm, k: AdamConstants, a: AdamArrays): void {
  const mem = memoryOf(backend);
  if (mem === undefined || a.g.buffer !== mem.buffer) throw new Error('adamUpdateWasm: operands are not on this backend\'s heap');
  let fn = instances.get(mem);
  if (fn === undefined) {
    const shared = mem.buffer instanceof SharedArrayBuffer;
    const module = compiled.get(shared) ?? new WebAssembly.Module(moduleBytes(shared));
    compiled.set(shared, module);
    fn = new WebAssembly.Instance(module, { env: { memory: mem } }).exports.adam as AdamFn;
    instances.set(mem, fn);
  }
  const n4 = a.g.length & ~3;
  const { g, m, v, w, mOut, vOut, wOut } = a;
  fn(g.byteOffset, m.byteOffset, v.byteOffset, w.byteOffset, mOut.byteOffset, vOut.byteOffset, wOut.byteOffset, n4 * 4,
    k.b1, k.b2, k.c1, k.c2, k.ob1, k.ob2, k.eps, k.nlr);
  adamStepJs(k, a, n4);
}
