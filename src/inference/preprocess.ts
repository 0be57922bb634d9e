// Turns a drawing or an image file (any size, any polarity) into a square image like the dataset's (28x28 by
// default, or the model's own side, e.g. Kuzushiji-Kanji's 64x64): grayscale, white ink on black (inverted when the
// background is light), crop to the ink's bounding box, scale it keeping its aspect ratio (area averaging, so thin
// strokes turn grey rather than vanish), then place it in the frame. Two styles:
// - 'kmnist': the character fills the frame (long side = the side), box-centred. Measured on the kmnist-10k test set:
//   the ink's long side is 28 px for at least 90% of the images, mean centre of mass (13.2, 13.8).
// - 'mnist': fit 20/28 of the side (20x20 in 28x28), centre of mass at the frame's centre (LeCun's MNIST recipe).
// Pure functions shared by the drawing page (bundled for the browser) and `kmnist-lab predict` (Node), so both
// feed a model exactly the same way; the unit tests run them in Node.

export const SIDE = 28;
export type FitStyle = 'kmnist' | 'mnist';
/** The ink's long side in a 28x28 frame per style; other sides scale it (20/28 of 64 is 46). */
export const FIT: Record<FitStyle, number> = { kmnist: 28, mnist: 20 };

/** The ink's long side in a `side` x `side` frame for `style`. */
export function fitSide(style: FitStyle, side: number): number {
  return Math.max(1, Math.round((FIT[style] * side) / SIDE));
}

export interface Box {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** Bounding box of the pixels above `threshold`, or null for a blank image. */
export function inkBox(gray: ArrayLike<number>, width: number, height: number, threshold = 0): Box | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (gray[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** For each of `dst` output cells, the source cells it covers and by how much (box filter over [0, src)). */
function coverage(src: number, dst: number): { index: number; weight: number }[][] {
  const step = src / dst;
  const cells: { index: number; weight: number }[][] = [];
  for (let i = 0; i < dst; i++) {
    const start = i * step;
    const end = (i + 1) * step;
    const parts: { index: number; weight: number }[] = [];
    for (let s = Math.floor(start); s < Math.min(src, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 1e-9) parts.push({ index: s, weight: overlap / step });
    }
    cells.push(parts);
  }
  return cells;
}

/** Area-averaging resize of the `box` region of `gray` to outW x outH (float values). */
export function resizeBox(gray: ArrayLike<number>, width: number, box: Box, outW: number, outH: number): Float64Array {
  const cx = coverage(box.width, outW);
  const cy = coverage(box.height, outH);
  // Separable: rows first (box.height x outW), then columns.
  const rows = new Float64Array(box.height * outW);
  for (let y = 0; y < box.height; y++) {
    const base = (box.y0 + y) * width + box.x0;
    for (let ox = 0; ox < outW; ox++) {
      let sum = 0;
      for (const { index, weight } of cx[ox]) sum += gray[base + index] * weight;
      rows[y * outW + ox] = sum;
    }
  }
  const out = new Float64Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let sum = 0;
      for (const { index, weight } of cy[oy]) sum += rows[index * outW + ox] * weight;
      out[oy * outW + ox] = sum;
    }
  }
  return out;
}

/** Intensity-weighted centre of a w x h patch, in pixel-index coordinates. */
export function centreOfMass(patch: ArrayLike<number>, w: number, h: number): { x: number; y: number } {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = patch[y * w + x];
      total += v;
      sx += x * v;
      sy += y * v;
    }
  }
  return total > 0 ? { x: sx / total, y: sy / total } : { x: (w - 1) / 2, y: (h - 1) / 2 };
}

/** The `side` x `side` uint8 image (0 = background; default 28x28) for a drawing; all zeros for a blank drawing. */
export function preprocess(gray: ArrayLike<number>, width: number, height: number, style: FitStyle = 'kmnist', side = SIDE): Uint8Array {
  const out = new Uint8Array(side * side);
  const box = inkBox(gray, width, height);
  if (!box) return out;
  const fit = fitSide(style, side);
  const scale = fit / Math.max(box.width, box.height);
  const w = Math.max(1, Math.min(fit, Math.round(box.width * scale)));
  const h = Math.max(1, Math.min(fit, Math.round(box.height * scale)));
  const patch = resizeBox(gray, width, box, w, h);
  // Centre the box, or shift so the centre of mass sits at the frame's centre; never push ink off the frame.
  const com = style === 'mnist' ? centreOfMass(patch, w, h) : { x: (w - 1) / 2, y: (h - 1) / 2 };
  const centre = (side - 1) / 2;
  const left = Math.min(side - w, Math.max(0, Math.round(centre - com.x)));
  const top = Math.min(side - h, Math.max(0, Math.round(centre - com.y)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[(top + y) * side + left + x] = Math.min(255, Math.max(0, Math.round(patch[y * w + x])));
    }
  }
  return out;
}

/**
 * Grey levels of an interleaved 8-bit image with `channels` = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA):
 * ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), transparent pixels composited over white as a viewer shows
 * them. Length width x height.
 */
export function toGray(data: ArrayLike<number>, width: number, height: number, channels: 1 | 2 | 3 | 4): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const p = i * channels;
    const luma = channels >= 3 ? 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2] : data[p];
    const alpha = channels === 2 || channels === 4 ? data[p + channels - 1] / 255 : 1;
    out[i] = Math.round(luma * alpha + 255 * (1 - alpha));
  }
  return out;
}

/** A quantile (default: the median) of the grey levels of the image's border pixels: the background's level. */
export function borderLevel(gray: ArrayLike<number>, width: number, height: number, quantile = 0.5): number {
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(gray[x], gray[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) border.push(gray[y * width], gray[y * width + width - 1]);
  border.sort((a, b) => a - b);
  return border[Math.min(border.length - 1, Math.floor(border.length * quantile))];
}

/**
 * White ink on a black background, as the datasets are: inverted when the border is light (> 127, dark ink on
 * paper), then the background level subtracted and the rest stretched to 0..255. The level is the border's
 * 90th percentile, so paper texture and JPEG noise count as background, not ink. The pad's black drawings pass
 * unchanged.
 */
export function inkOnBlack(gray: ArrayLike<number>, width: number, height: number): Uint8Array {
  const invert = borderLevel(gray, width, height) > 127;
  const out = Uint8Array.from({ length: width * height }, (_, i) => (invert ? 255 - gray[i] : gray[i]));
  const bg = borderLevel(out, width, height, 0.9);
  if (bg === 0) return out;
  if (bg === 255) return out.fill(0); // nothing but background
  for (let i = 0; i < out.length; i++) out[i] = Math.round((Math.max(0, out[i] - bg) * 255) / (255 - bg));
  return out;
}

/** The whole path from any grey image to the model's `side` x `side` input (default 28x28): inkOnBlack, then preprocess. */
export function prepareImage(gray: ArrayLike<number>, width: number, height: number, style: FitStyle = 'kmnist', side = SIDE): Uint8Array {
  return preprocess(inkOnBlack(gray, width, height), width, height, style, side);
}

/**
 * A width x height image scaled to `side` x `side` as a whole (area averaging, no crop): a test image of one size
 * shown to a model of another (e.g. a 64x64 Kuzushiji-Kanji image to a 28x28 model). Square images keep their shape.
 */
export function resizeImage(gray: ArrayLike<number>, width: number, height: number, side: number): Uint8Array {
  if (width === side && height === side) return Uint8Array.from(gray);
  const scaled = resizeBox(gray, width, { x0: 0, y0: 0, width, height }, side, side);
  return Uint8Array.from(scaled, (v) => Math.min(255, Math.max(0, Math.round(v))));
}
