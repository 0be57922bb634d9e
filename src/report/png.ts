// Grayscale tile grids as PNG (pngjs): kernels, activation maps, dataset images.
import { PNG } from 'pngjs';

export interface Tile {
  /** Values in 0..1 (1 = white), row-major height x width. */
  data: ArrayLike<number>;
  height: number;
  width: number;
}

/** Min-max normalises values to 0..1; a constant input becomes `flat` (not NaN). */
export function normalise(values: ArrayLike<number>, flat = 0.5, min?: number, max?: number): Float32Array {
  let lo = min ?? Infinity;
  let hi = max ?? -Infinity;
  if (min === undefined || max === undefined) {
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
  }
  const out = new Float32Array(values.length);
  const span = hi - lo;
  for (let i = 0; i < values.length; i++) out[i] = span > 0 ? (values[i] - lo) / span : flat;
  return out;
}

export interface GridOptions {
  columns: number;
  /** Each source pixel becomes scale x scale output pixels (nearest). */
  scale: number;
  /** Gap between tiles, in output pixels. */
  gap?: number;
  /** Gap colour 0..1. */
  background?: number;
}

/** Encodes tiles (all the same size) into one grayscale PNG. */
export function tileGridPng(tiles: Tile[], opts: GridOptions): Buffer {
  if (tiles.length === 0) throw new RangeError('tileGridPng: no tiles');
  const { height: th, width: tw } = tiles[0];
  const gap = opts.gap ?? 2;
  const cols = Math.max(1, Math.min(opts.columns, tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const cellW = tw * opts.scale;
  const cellH = th * opts.scale;
  const width = cols * cellW + (cols + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  const buf = Buffer.alloc(width * height, Math.round((opts.background ?? 1) * 255));
  tiles.forEach((tile, t) => {
    if (tile.height !== th || tile.width !== tw) throw new RangeError('tileGridPng: tiles differ in size');
    const x0 = gap + (t % cols) * (cellW + gap);
    const y0 = gap + Math.floor(t / cols) * (cellH + gap);
    for (let y = 0; y < cellH; y++) {
      const sy = Math.floor(y / opts.scale);
      for (let x = 0; x < cellW; x++) {
        const v = tile.data[sy * tw + Math.floor(x / opts.scale)];
        buf[(y0 + y) * width + x0 + x] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    }
  });
  png.data = buf;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** One dataset image (uint8, 0 = background) as a tile, inverted so ink is dark on white. */
export function datasetTile(images: Uint8Array, index: number, height: number, width: number, invert = true): Tile {
  const n = height * width;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = images[index * n + i] / 255;
    data[i] = invert ? 1 - v : v;
  }
  return { data, height, width };
}
