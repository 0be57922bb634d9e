// A seeded PRNG whose state can be saved and restored (sfc32), so a resumed run draws the same numbers
// as an uninterrupted one. It also stands in for Math.random while training: tfjs draws the seed of
// every unseeded random op (initializers, dropout) from Math.random, so this makes those reproducible.

export type RngState = [number, number, number, number];

export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    this.s = new Uint32Array([0x9e3779b9, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0, 1]);
    for (let i = 0; i < 15; i++) this.nextUint32(); // mix the seed in
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0] + s[1]) >>> 0) + s[3]) >>> 0;
    s[3] = (s[3] + 1) >>> 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) >>> 0;
    s[2] = ((s[2] << 21) | (s[2] >>> 11)) >>> 0;
    s[2] = (s[2] + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  getState(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  setState(state: RngState): void {
    this.s = new Uint32Array(state);
  }
}

/**
 * Runs `fn` with Math.random replaced by `rng` (restored afterwards, also on error). The training loop is
 * the only code running while it is installed, so the sequence of draws is the same run after run.
 */
export async function withSeededMathRandom<T>(rng: Rng, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  // Never 0: tfjs treats a falsy seed as "no seed" and would call Math.random again.
  Math.random = () => rng.next() || 2 ** -33;
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** Synchronous variant, for model construction. */
export function withSeededMathRandomSync<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next() || 2 ** -33;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
