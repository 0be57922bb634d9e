// On-the-fly, seeded augmentation with the semantics of Keras's ImageDataGenerator: one random affine
// matrix per image (rotation @ shift @ shear @ zoom, about the image centre), applied by inverse mapping
// (each output pixel samples the input, bilinear, as scipy.ndimage.affine_transform with order=1),
// edges filled 'nearest', no flips. Batches are transformed as they are drawn: nothing is materialised.
import type { AugmentParams } from '../run-folder/recorded-settings.ts';
import type { Rng } from './rng.ts';


export const STUDY_AUGMENT: AugmentParams = {
  rotationRange: 10,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  shearRange: 0.1,
  zoomRange: [0.9, 1.1],
};

/** One image's random draw, in Keras's names: tx shifts rows, ty shifts columns (pixels). */
export interface TransformDraw {
  thetaDeg: number;
  tx: number;
  ty: number;
  shear: number;
  zx: number;
  zy: number;
}

/** Maps an OUTPUT (row, col) to the INPUT (row, col) it samples: in = [a b; d e] out + [c; f]. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export const IDENTITY_DRAW: TransformDraw = { thetaDeg: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1 };

/** Draws in Keras's order: rotation, height shift, width shift, shear, zoom (x, y). */
export function drawTransform(rng: Rng, p: AugmentParams, height: number, width: number): TransformDraw {
  const thetaDeg = p.rotationRange ? rng.uniform(-p.rotationRange, p.rotationRange) : 0;
  const tx = p.heightShiftRange ? rng.uniform(-p.heightShiftRange, p.heightShiftRange) * height : 0;
  const ty = p.widthShiftRange ? rng.uniform(-p.widthShiftRange, p.widthShiftRange) * width : 0;
  const shear = p.shearRange ? rng.uniform(-p.shearRange, p.shearRange) : 0;
  let zx = 1;
  let zy = 1;
  if (p.zoomRange[0] !== 1 || p.zoomRange[1] !== 1) {
    zx = rng.uniform(p.zoomRange[0], p.zoomRange[1]);
    zy = rng.uniform(p.zoomRange[0], p.zoomRange[1]);
  }
  return { thetaDeg, tx, ty, shear, zx, zy };
}

type M3 = number[][];
const mul = (x: M3, y: M3): M3 => x.map((row) => [0, 1, 2].map((j) => row[0] * y[0][j] + row[1] * y[1][j] + row[2] * y[2][j]));

/** Keras's apply_affine_transform matrix, including its centre offset of (h/2 + 0.5, w/2 + 0.5). */
export function affineFor(t: TransformDraw, height: number, width: number): Affine {
  const th = (t.thetaDeg * Math.PI) / 180;
  const sh = Math.atan(t.shear); // our shear is a factor; Keras builds the matrix from an angle
  const rotation = [[Math.cos(th), -Math.sin(th), 0], [Math.sin(th), Math.cos(th), 0], [0, 0, 1]];
  const shift = [[1, 0, t.tx], [0, 1, t.ty], [0, 0, 1]];
  const shear = [[1, -Math.sin(sh), 0], [0, Math.cos(sh), 0], [0, 0, 1]];
  const zoom = [[t.zx, 0, 0], [0, t.zy, 0], [0, 0, 1]];
  const ox = height / 2 + 0.5; // Keras's transform_matrix_offset_center (half a pixel off the true centre)
  const oy = width / 2 + 0.5;
  const offset = [[1, 0, ox], [0, 1, oy], [0, 0, 1]];
  const reset = [[1, 0, -ox], [0, 1, -oy], [0, 0, 1]];
  const m = mul(mul(offset, mul(mul(mul(rotation, shift), shear), zoom)), reset);
  return { a: m[0][0], b: m[0][1], c: m[0][2], d: m[1][0], e: m[1][1], f: m[1][2] };
}

/**
 * Writes the transformed image into out[outOffset ...] (same size as the source): bilinear sampling,
 * coordinates outside the image take the nearest edge pixel (scipy mode='nearest').
 */
export function applyAffine(
  src: ArrayLike<number>,
  srcOffset: number,
  height: number,
  width: number,
  m: Affine,
  out: Float32Array,
  outOffset: number,
  scale = 1,
): void {
  const clampR = (r: number): number => (r < 0 ? 0 : r > height - 1 ? height - 1 : r);
  const clampC = (c: number): number => (c < 0 ? 0 : c > width - 1 ? width - 1 : c);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const ir = clampR(m.a * r + m.b * c + m.c);
      const ic = clampC(m.d * r + m.e * c + m.f);
      const r0 = Math.floor(ir);
      const c0 = Math.floor(ic);
      const r1 = Math.min(r0 + 1, height - 1);
      const c1 = Math.min(c0 + 1, width - 1);
      const fr = ir - r0;
      const fc = ic - c0;
      const p00 = src[srcOffset + r0 * width + c0];
      const p01 = src[srcOffset + r0 * width + c1];
      const p10 = src[srcOffset + r1 * width + c0];
      const p11 = src[srcOffset + r1 * width + c1];
      const top = p00 + (p01 - p00) * fc;
      const bottom = p10 + (p11 - p10) * fc;
      out[outOffset + r * width + c] = (top + (bottom - top) * fr) * scale;
    }
  }
}
