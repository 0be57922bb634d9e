// A counter-based RNG for shaders: a value is a pure function of (seed, stream, index), so no RNG state
// lives on the GPU and any thread draws its own numbers in any order. PCG's output hash (O'Neill; as in
// Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020), chained over the three words.

export const RNG_WGSL = /* wgsl */ `
fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn rng_u32(seed: u32, stream: u32, index: u32) -> u32 {
  return pcg_hash(pcg_hash(pcg_hash(seed) ^ stream) ^ index);
}
// Uniform in [0, 1): the top 24 bits, exact in f32.
fn rng_unit(seed: u32, stream: u32, index: u32) -> f32 {
  return f32(rng_u32(seed, stream, index) >> 8u) * (1.0 / 16777216.0);
}
`;

/** The same function in JS (tests compare against it). */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

export function rngU32(seed: number, stream: number, index: number): number {
  return pcgHash((pcgHash((pcgHash(seed) ^ stream) >>> 0) ^ index) >>> 0);
}

export function rngUnit(seed: number, stream: number, index: number): number {
  return (rngU32(seed, stream, index) >>> 8) / 16777216;
}
