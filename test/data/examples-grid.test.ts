// The examples grid: rows and tiles land where expected; class characters are drawn with the bundled font.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { pickExamples, renderExamplesGrid, wrapText } from '../../src/data/examples-grid.ts';
import type { ImageSet } from '../../src/data/types.ts';

/** 3 classes x 4 images; every pixel of class k's images is 80 * (k + 1). */
function set(): ImageSet {
  const labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
  const images = new Uint8Array(12 * 28 * 28);
  labels.forEach((l, i) => images.fill(80 * (l + 1), i * 784, (i + 1) * 784));
  return { images, labels, count: 12, height: 28, width: 28 };
}

const base = {
  classNames: ['お (U+304A)', 'き (U+304D)', 'す (U+3059)'],
  classChars: ['お', 'き', 'す'],
  classes: [0, 1, 2],
  perClass: 3,
  seed: 1,
  title: 'test grid',
  subtitle: 'three classes',
};

describe('examples grid', () => {
  it('picks seeded examples of the right class', () => {
    const s = set();
    const picks = pickExamples(s.labels, [2, 0], 3, 5);
    expect(picks.map((row) => row.map((i) => s.labels[i]))).toEqual([[2, 2, 2], [0, 0, 0]]);
    expect(pickExamples(s.labels, [2, 0], 3, 5)).toEqual(picks);
  });

  it('renders rows of tiles with the class pixel values and draws the class characters', () => {
    const r = renderExamplesGrid({ ...base, set: set() });
    expect(r.drewCharacters).toBe(true);
    const png = PNG.sync.read(r.png);
    expect([png.width, png.height]).toEqual([r.width, r.height]);
    // Collect the grey levels present: each class's tiles must appear.
    const levels = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === png.data[i + 1] && png.data[i + 1] === png.data[i + 2]) levels.add(png.data[i]);
    for (const v of [80, 160, 240]) expect(levels.has(v)).toBe(true);
  });

  it('writes class names when the dataset has no characters', () => {
    const r = renderExamplesGrid({ ...base, classChars: undefined, classNames: ['shirt', 'shoe', 'bag'], set: set() });
    expect(r.drewCharacters).toBe(false);
  });

  it('wraps long lines', () => {
    expect(wrapText('a b c d e f g h i j k l m n o p', 70, 12).length).toBeGreaterThan(1);
    expect(wrapText('short', 500, 12)).toEqual(['short']);
  });
});
