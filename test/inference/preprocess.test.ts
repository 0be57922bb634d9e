// The drawing → 28x28 preprocessing: crop, scale keeping aspect (fill 28x28 like KMNIST, or 20x20 + centre of mass like MNIST).
import { describe, expect, it } from 'vitest';
import { centreOfMass, fitSide, inkBox, inkOnBlack, prepareImage, preprocess, resizeBox, resizeImage, toGray } from '../../src/inference/preprocess.ts';

function canvas(width: number, height: number, paint: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = paint(x, y);
  return out;
}

function inkExtent(img: Uint8Array): { rows: number; cols: number } {
  const box = inkBox(img, 28, 28);
  return box ? { rows: box.height, cols: box.width } : { rows: 0, cols: 0 };
}

describe('preprocess', () => {
  // Pads are 280x280 like the page's.
  it('gives an all-black image for a blank pad', () => {
    const out = preprocess(new Uint8Array(280 * 280), 280, 280);
    expect(out).toHaveLength(784);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('scales a small square in a corner to fill the frame (KMNIST style, the default)', () => {
    const pad = canvas(280, 280, (x, y) => (x >= 10 && x < 50 && y >= 200 && y < 240 ? 255 : 0));
    const out = preprocess(pad, 280, 280);
    expect(inkBox(out, 28, 28)).toEqual({ x0: 0, y0: 0, width: 28, height: 28 });
    expect(out.every((v) => v === 255)).toBe(true);
  });

  it('centres a tall stroke by its box and keeps its aspect (KMNIST style)', () => {
    const pad = canvas(280, 280, (x, y) => (x >= 30 && x < 58 && y >= 0 && y < 280 ? 255 : 0));
    expect(inkBox(preprocess(pad, 280, 280), 28, 28)).toEqual({ x0: 13, y0: 0, width: 3, height: 28 });
  });

  it('scales a small square in a corner to 20x20 and centres it (MNIST style)', () => {
    const pad = canvas(280, 280, (x, y) => (x >= 10 && x < 50 && y >= 200 && y < 240 ? 255 : 0));
    const out = preprocess(pad, 280, 280, 'mnist');
    expect(inkExtent(out)).toEqual({ rows: 20, cols: 20 });
    const box = inkBox(out, 28, 28);
    expect(box).toEqual({ x0: 4, y0: 4, width: 20, height: 20 });
    expect(Math.max(...out)).toBe(255);
  });

  it('keeps the aspect ratio of a tall stroke (MNIST style)', () => {
    const pad = canvas(280, 280, (x, y) => (x >= 100 && x < 120 && y >= 40 && y < 240 ? 255 : 0));
    const { rows, cols } = inkExtent(preprocess(pad, 280, 280, 'mnist'));
    expect(rows).toBe(20);
    expect(cols).toBe(2);
  });

  it('puts the centre of mass, not the box centre, at the middle', () => {
    // An L: a bar on the left and a thick foot; the box centre and the mass centre differ.
    const pad = canvas(280, 280, (x, y) => ((x >= 40 && x < 100 && y >= 40 && y < 240) || (y >= 200 && y < 240 && x >= 40 && x < 240) ? 255 : 0));
    const out = preprocess(pad, 280, 280, 'mnist');
    const com = centreOfMass(out, 28, 28);
    expect(Math.abs(com.x - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(com.y - 13.5)).toBeLessThanOrEqual(0.5);
    const box = inkBox(out, 28, 28);
    expect(box?.x0).toBeGreaterThan(4); // shifted right of the box-centred position
  });

  it('keeps a thin line visible (area averaging makes it grey, not gone)', () => {
    const pad = canvas(280, 280, (x, y) => (y === 140 && x >= 20 && x < 260 ? 255 : 0));
    const out = preprocess(pad, 280, 280, 'mnist');
    expect(inkExtent(out).cols).toBe(20);
    expect(Math.max(...out)).toBeGreaterThan(0);
  });

  it('resizes by area averaging', () => {
    // 4x2 → 2x1: each output pixel averages a 2x2 block.
    const src = [0, 100, 200, 200, 0, 100, 0, 0];
    const out = resizeBox(src, 4, { x0: 0, y0: 0, width: 4, height: 2 }, 2, 1);
    expect(Array.from(out)).toEqual([50, 100]);
  });
});

describe("preprocess to the model's own side (Kuzushiji-Kanji: 64x64)", () => {
  const square = canvas(280, 280, (x, y) => (x >= 10 && x < 50 && y >= 200 && y < 240 ? 255 : 0));

  it('fills a 64x64 frame in KMNIST style', () => {
    const out = preprocess(square, 280, 280, 'kmnist', 64);
    expect(out).toHaveLength(64 * 64);
    expect(inkBox(out, 64, 64)).toEqual({ x0: 0, y0: 0, width: 64, height: 64 });
  });

  it('fits 20/28 of the side in MNIST style, centred', () => {
    expect(fitSide('mnist', 28)).toBe(20);
    expect(fitSide('mnist', 64)).toBe(46);
    expect(fitSide('kmnist', 64)).toBe(64);
    const out = prepareImage(square, 280, 280, 'mnist', 64);
    expect(inkBox(out, 64, 64)).toEqual({ x0: 9, y0: 9, width: 46, height: 46 });
  });

  it('scales a whole image to another side (a 64x64 test image for a 28x28 model and back)', () => {
    const big = canvas(64, 64, (x) => (x < 32 ? 255 : 0));
    const small = resizeImage(big, 64, 64, 28);
    expect(small).toHaveLength(784);
    expect(inkBox(small, 28, 28)).toEqual({ x0: 0, y0: 0, width: 14, height: 28 });
    expect(Array.from(resizeImage(small, 28, 28, 28))).toEqual(Array.from(small));
  });
});

describe('image files: grayscale and polarity', () => {
  it('takes BT.601 luma and composites transparency over white', () => {
    expect(Array.from(toGray([255, 0, 0, 255, 0, 0, 0, 0], 2, 1, 4))).toEqual([76, 255]);
    expect(Array.from(toGray([10, 20], 2, 1, 1))).toEqual([10, 20]);
  });

  it('inverts dark ink on light paper, removes the background level and leaves a black-pad drawing as it is', () => {
    const w = 40;
    const paper = new Uint8Array(w * w).map((_, i) => 230 + (i % 3) * 5); // light, slightly noisy
    const pad = new Uint8Array(w * w);
    for (let y = 10; y < 30; y++) {
      for (let x = 18; x < 22; x++) {
        paper[y * w + x] = 20;
        pad[y * w + x] = 235;
      }
    }
    const fromPaper = inkOnBlack(paper, w, w);
    expect(fromPaper[0]).toBe(0); // the paper (noise included) is background
    expect(fromPaper[15 * w + 20]).toBe(Math.round(((235 - 25) * 255) / (255 - 25))); // ink 255-20, over the paper's 90th percentile 255-230
    expect(Array.from(inkOnBlack(pad, w, w))).toEqual(Array.from(pad));
    // Both give the same model input.
    expect(Array.from(prepareImage(paper, w, w))).toEqual(Array.from(preprocess(fromPaper, w, w)));
    expect(inkBox(prepareImage(paper, w, w), 28, 28)).toEqual(inkBox(prepareImage(pad, w, w), 28, 28));
  });
});
