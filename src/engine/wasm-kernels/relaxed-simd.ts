// Relaxed-SIMD fused multiply-add for gemm.wat's 4x8 tile: f32x4.relaxed_madd instead of f32x4.mul then
// f32x4.add. Where the CPU has FMA units that run at the multiplier's rate (most Intel cores, Apple and
// other Arm cores), one instruction does the work of two and the product loop's SIMD rate doubles; on
// AMD Zen the separate multiply and add already issue side by side (AMD's optimization guide for Zen 4,
// section 2.11: two FMUL/FMA and two FADD pipes), so the plain-SIMD module stays.
// Deterministic per machine: the choice depends only on the CPU's vendor and architecture (never on a
// timing) and on KMNIST_LAB_WASM_FMA; relaxed_madd is either fused or not on a given CPU, the same on
// every thread, so results stay bit-identical across thread counts.
// Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd (set here at run time,
// before any module is compiled); later Nodes have it on.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';

/** KMNIST_LAB_WASM_FMA=1 forces the relaxed-SIMD module where supported, =0 the plain one. */
export const FMA_ENV = 'KMNIST_LAB_WASM_FMA';

/** (module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))) */
const PROBE = Uint8Array.from(Buffer.from('0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b', 'hex'));

let supported: boolean | undefined;

/** Whether this engine compiles relaxed-SIMD wasm (turning on Node 20's flag when it is off). */
export function relaxedSimdSupported(): boolean {
  if (supported === undefined) {
    supported = WebAssembly.validate(PROBE);
    if (!supported) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      supported = WebAssembly.validate(PROBE);
    }
  }
  return supported;
}

/** Whether a fused multiply-add is worth it on this CPU: Intel and Arm cores, not AMD's (see above). */
export function fmaProfits(): boolean {
  if (os.arch() === 'arm64') return true;
  if (os.arch() !== 'x64') return false;
  try {
    const vendor = /^vendor_id\s*:\s*(\S+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    return vendor === 'GenuineIntel';
  } catch {
    return false; // not Linux: keep the plain module
  }
}

/** Whether gemm.wat is compiled with relaxed_madd: KMNIST_LAB_WASM_FMA, else support and profit. */
export function useFma(): boolean {
  const forced = process.env[FMA_ENV];
  if (forced === '0') return false;
  if (!relaxedSimdSupported()) return false;
  return forced === '1' || fmaProfits();
}

/**
 * gemm.wat's multiply-adds `(f32x4.add (local.get $cN) (f32x4.mul (local.get $a) (local.get $bM)))`
 * rewritten as `(f32x4.relaxed_madd (local.get $a) (local.get $bM) (local.get $cN))`. Throws if the text
 * has none (the tile loop changed shape and this rewrite would silently do nothing).
 */
export function withFusedMultiplyAdds(text: string): string {
  const pattern = /\(f32x4\.add (\(local\.get \$c\d\)) \(f32x4\.mul (\(local\.get \$a\)) (\(local\.get \$b\d\))\)\)/g;
  const out = text.replace(pattern, '(f32x4.relaxed_madd $2 $3 $1)');
  if (out === text) throw new Error('no multiply-add to fuse in gemm.wat');
  return out;
}
