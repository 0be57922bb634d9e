import { describe, expect, it } from 'vitest';
import { IDENTITY_DRAW, STUDY_AUGMENT, affineFor, applyAffine, drawTransform } from '../../src/training/augment.ts';
import { batchPixels, epochOrder } from '../../src/training/batches.ts';
import { Rng } from '../../src/training/rng.ts';

const H = 28;
const W = 28;

function dot(r: number, c: number): Uint8Array {
  const img = new Uint8Array(H * W);
  img[r * W + c] = 255;
  return img;
}

function transform(img: ArrayLike<number>, draw: Partial<typeof IDENTITY_DRAW>): Float32Array {
  const out = new Float32Array(H * W);
  applyAffine(img, 0, H, W, affineFor({ ...IDENTITY_DRAW, ...draw }, H, W), out, 0);
  return out;
}

function argmax(a: Float32Array): [number, number] {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return [Math.floor(best / W), best % W];
}

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);

describe('augmentation geometry (Keras ImageDataGenerator semantics)', () => {
  it('leaves an image unchanged under the identity draw', () => {
    const img = new Uint8Array(H * W).map((_, i) => (i * 37) % 256);
    expect(Array.from(transform(img, {}))).toEqual(Array.from(img));
  });

  it('moves a dot by the shift, exactly (tx shifts rows, ty columns, content moves by -t)', () => {
    const out = transform(dot(10, 10), { tx: 2, ty: -3 });
    expect(argmax(out)).toEqual([8, 13]);
    expect(out[8 * W + 13]).toBe(255);
    expect(sum(out)).toBe(255);
  });

  it("rotates about Keras's centre (h/2 + 0.5): 90° sends input (9, 5) to output (5, 20)", () => {
    const out = transform(dot(9, 5), { thetaDeg: 90 });
    expect(argmax(out)).toEqual([5, 20]);
    expect(out[5 * W + 20]).toBeCloseTo(255, 3);
  });

  it('keeps the mass of a centred blob under a 10° rotation (within 2%)', () => {
    const img = new Uint8Array(H * W);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) img[r * W + c] = Math.round(255 * Math.exp(-((r - 14) ** 2 + (c - 14) ** 2) / 18));
    const out = transform(img, { thetaDeg: 10 });
    expect(Math.abs(sum(out) - sum(img)) / sum(img)).toBeLessThan(0.02);
    expect(Array.from(out)).not.toEqual(Array.from(img));
  });

  it("fills with the nearest edge pixel ('nearest'), not a constant", () => {
    const img = new Uint8Array(H * W);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) img[r * W + c] = 10 + r * 5;
    const out = transform(img, { tx: 3 });
    for (let r = 0; r < H - 3; r++) expect(out[r * W + 4]).toBe(10 + (r + 3) * 5);
    for (let r = H - 3; r < H; r++) expect(out[r * W + 4]).toBe(10 + (H - 1) * 5); // replicated bottom row
  });

  it('zooms about the centre: zoom factor 0.5 doubles the size of a centred square', () => {
    const img = new Uint8Array(H * W);
    for (let r = 12; r < 16; r++) for (let c = 12; c < 16; c++) img[r * W + c] = 255;
    const lit = (a: ArrayLike<number>): number => Array.from(a).filter((v) => v > 127).length;
    expect(lit(transform(img, { zx: 0.5, zy: 0.5 }))).toBeGreaterThanOrEqual(4 * lit(img) - 16);
  });

  it('treats shear as a factor (0.1 = 10 %), not as degrees like Keras', () => {
    const m = affineFor({ ...IDENTITY_DRAW, shear: 0.1 }, H, W);
    expect(m.b).toBeCloseTo(-Math.sin(Math.atan(0.1)), 10);
    expect(m.e).toBeCloseTo(Math.cos(Math.atan(0.1)), 10);
  });

  it('draws within the study ranges, reproducibly for a seed, and never flips', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    for (let i = 0; i < 500; i++) {
      const d = drawTransform(a, STUDY_AUGMENT, H, W);
      expect(d).toEqual(drawTransform(b, STUDY_AUGMENT, H, W));
      expect(Math.abs(d.thetaDeg)).toBeLessThanOrEqual(10);
      expect(Math.abs(d.tx)).toBeLessThanOrEqual(0.1 * H);
      expect(Math.abs(d.ty)).toBeLessThanOrEqual(0.1 * W);
      expect(Math.abs(d.shear)).toBeLessThanOrEqual(0.1);
      for (const z of [d.zx, d.zy]) expect(z >= 0.9 && z <= 1.1).toBe(true);
    }
  });

  it('augments each image of a batch differently without touching the source pixels', () => {
    const images = new Uint8Array(2 * H * W);
    images.set(dot(14, 14), 0);
    images.set(dot(14, 14), H * W);
    const copy = images.slice();
    const set = { images, labels: Int32Array.from([0, 1]), count: 2, height: H, width: W };
    const out = batchPixels(set, [0, 1], { rng: new Rng(1), params: STUDY_AUGMENT });
    expect(Array.from(images)).toEqual(Array.from(copy));
    expect(Array.from(out.subarray(0, H * W))).not.toEqual(Array.from(out.subarray(H * W)));
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
  });

  it('makes an --augment-factor K epoch K freshly shuffled passes over the set, as indices only', () => {
    const order = epochOrder(50, 3, new Rng(9));
    expect(order).toHaveLength(150);
    const passes = [0, 1, 2].map((p) => Array.from(order.subarray(p * 50, (p + 1) * 50)));
    for (const pass of passes) expect([...pass].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(passes[0]).not.toEqual(passes[1]);
  });
});
