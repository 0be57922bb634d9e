// The examples grid: one row per class, the class's modern character first (drawn in the bundled
// Noto Sans JP, or a font given with --font), then N random images of it. Composed as SVG and rendered to PNG by resvg.
import { PNG } from 'pngjs';
import { FONT_STACK } from '../graphics/fonts.ts';
import { svgToPng } from '../graphics/rasterize.ts';
import { mulberry32, shuffleInPlace } from './rng.ts';
import type { ImageSet } from './types.ts';

export interface GridOptions {
  set: ImageSet;
  classNames: string[];
  classChars?: string[];
  /** Which classes get a row, in order. */
  classes: number[];
  perClass: number;
  seed: number;
  title: string;
  subtitle: string;
  footer?: string;
}

/** Seeded pick of up to `perClass` image indices per requested class. */
export function pickExamples(labels: Int32Array, classes: number[], perClass: number, seed: number): number[][] {
  const byClass = new Map<number, number[]>(classes.map((c) => [c, []]));
  for (let i = 0; i < labels.length; i++) byClass.get(labels[i])?.push(i);
  const rand = mulberry32(seed);
  return classes.map((c) => {
    const members = byClass.get(c) ?? [];
    shuffleInPlace(members, rand);
    return members.slice(0, perClass);
  });
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "お (U+304A)" → "U+304A" */
function codepointOf(name: string): string | undefined {
  return /U\+[0-9A-Fa-f]{4,6}/.exec(name)?.[0];
}

/** All tiles as one RGBA PNG at final size (nearest-neighbour scaled), transparent between tiles. */
function tilesPng(set: ImageSet, picks: number[][], perClass: number, cell: number, gap: number): Buffer {
  const { height: h, width: w } = set;
  const W = perClass * (cell + gap) - gap;
  const H = picks.length * (cell + gap) - gap;
  const png = new PNG({ width: W, height: H });
  png.data.fill(0);
  picks.forEach((row, r) => {
    row.forEach((idx, c) => {
      const img = set.images.subarray(idx * h * w, (idx + 1) * h * w);
      const x0 = c * (cell + gap);
      const y0 = r * (cell + gap);
      for (let y = 0; y < cell; y++) {
        const sy = Math.floor((y * h) / cell);
        for (let x = 0; x < cell; x++) {
          const v = img[sy * w + Math.floor((x * w) / cell)];
          const o = ((y0 + y) * W + x0 + x) * 4;
          png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
          png.data[o + 3] = 255;
        }
      }
    });
  });
  return PNG.sync.write(png);
}

/** Greedy word wrap by an estimated glyph width (DejaVu Sans averages ~0.58 em per character). */
export function wrapText(text: string, maxPx: number, fontSize: number): string[] {
  const maxChars = Math.max(10, Math.floor(maxPx / (fontSize * 0.58)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export interface GridResult {
  png: Buffer;
  width: number;
  height: number;
  /** False when the dataset has no class characters (names are drawn instead). */
  drewCharacters: boolean;
}

export function renderExamplesGrid(o: GridOptions): GridResult {
  const { set } = o;
  const cell = Math.max(set.height, Math.round(56 / set.height) * set.height);
  const gap = 4;
  const margin = 20;
  const footerSize = 10.5;
  const subSize = 12.5;
  const picks = pickExamples(set.labels, o.classes, o.perClass, o.seed);
  const chars = o.classChars;
  const labels = o.classes.map((c) => (chars ? chars[c] : o.classNames[c]));
  const longest = Math.max(...labels.map((l) => l.length));
  const labelW = chars ? cell + 24 : Math.max(cell, Math.ceil(longest * 8.2)) + 20;
  const tilesW = o.perClass * (cell + gap) - gap;
  const tilesH = o.classes.length * (cell + gap) - gap;
  const width = margin * 2 + labelW + tilesW;
  const subLines = wrapText(o.subtitle, width - 2 * margin, subSize);
  const footLines = o.footer ? wrapText(o.footer, width - 2 * margin, footerSize) : [];
  const headerH = 38 + subLines.length * 17;
  const footerH = footLines.length ? 10 + footLines.length * 14 : 0;
  const height = margin + headerH + tilesH + footerH + margin;
  const sans = FONT_STACK;
  const x0 = margin + labelW;
  const y0 = margin + headerH;
  const rows = o.classes.map((c, r) => {
    const cy = y0 + r * (cell + gap);
    const mid = margin + labelW / 2 - 6;
    if (chars) {
      const cp = codepointOf(o.classNames[c]) ?? '';
      return (
        `<text x="${mid}" y="${cy + cell * 0.62}" font-family="${sans}" font-size="${Math.round(cell * 0.6)}" text-anchor="middle" fill="#111">${esc(labels[r])}</text>` +
        `<text x="${mid}" y="${cy + cell - 2}" font-family="${sans}" font-size="9.5" text-anchor="middle" fill="#777">${esc(cp)}</text>`
      );
    }
    return `<text x="${margin + labelW - 12}" y="${cy + cell / 2 + 4.5}" font-family="${sans}" font-size="13" text-anchor="end" fill="#111">${esc(labels[r])}</text>`;
  });
  const tiles = tilesPng(set, picks, o.perClass, cell, gap).toString('base64');
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin}" y="${margin + 20}" font-family="${sans}" font-size="19" font-weight="bold" fill="#111">${esc(o.title)}</text>`,
    ...subLines.map((l, i) => `<text x="${margin}" y="${margin + 42 + i * 17}" font-family="${sans}" font-size="${subSize}" fill="#555">${esc(l)}</text>`),
    `<line x1="${x0 - 10}" y1="${y0}" x2="${x0 - 10}" y2="${y0 + tilesH}" stroke="#ddd" stroke-width="1"/>`,
    ...rows,
    `<image x="${x0}" y="${y0}" width="${tilesW}" height="${tilesH}" xlink:href="data:image/png;base64,${tiles}"/>`,
    ...footLines.map((l, i) => `<text x="${margin}" y="${y0 + tilesH + 22 + i * 14}" font-family="${sans}" font-size="${footerSize}" fill="#888">${esc(l)}</text>`),
    '</svg>',
  ].join('');
  const png = svgToPng(svg, { pixelated: true });
  return { png, width, height, drewCharacters: chars !== undefined };
}
