// The bundled font draws every KMNIST and K49 class character with no system font loaded
// (svgToPng runs resvg with loadSystemFonts: false): each one leaves ink, differs from the
// font's .notdef box (what a missing glyph draws) and from every other class character.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CLASS_CHARS } from '../../src/data/registry.ts';
import { embeddedFontFaceCss, FONT_STACK } from '../../src/graphics/fonts.ts';
import { svgToPng } from '../../src/graphics/rasterize.ts';

/** One character, 40 px, black on white, as a string of 0/1 ink bits. */
function glyphBits(ch: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="white"/><text x="4" y="40" font-family="${FONT_STACK}" font-size="40">${ch}</text></svg>`;
  const png = PNG.sync.read(svgToPng(svg));
  let bits = '';
  for (let i = 0; i < png.data.length; i += 4) bits += png.data[i] < 128 ? '1' : '0';
  return bits;
}

const ink = (bits: string): number => bits.split('').filter((b) => b === '1').length;

describe('bundled font', () => {
  // U+E000 is a private-use code point: no font has a glyph for it, so this is what a missing glyph looks like.
  const notdef = glyphBits('\uE000');

  for (const dataset of ['kmnist', 'k49'] as const) {
    it(`draws ${dataset}'s class characters, not .notdef boxes`, () => {
      const chars = BUILTIN_CLASS_CHARS[dataset]?.chars ?? [];
      expect(chars.length).toBeGreaterThanOrEqual(10);
      const seen = new Map<string, string>();
      for (const ch of chars) {
        const bits = glyphBits(ch);
        expect(ink(bits), ch).toBeGreaterThan(40);
        expect(bits === notdef, `${ch} drawn as .notdef`).toBe(false);
        expect(seen.get(bits), `${ch} looks like ${seen.get(bits)}`).toBeUndefined();
        seen.set(bits, ch);
      }
    });
  }

  it('draws Latin text too (charts and tables share the font)', () => {
    const a = glyphBits('A');
    expect(ink(a)).toBeGreaterThan(40);
    expect(a).not.toBe(notdef);
  });

  it('embeds a subset of the font as WOFF2 @font-face rules', async () => {
    const css = await embeddedFontFaceCss({ text: 'おき' });
    expect(css).toMatch(/@font-face\{font-family:'Noto Sans JP';[^}]*font-weight:400;[^}]*src:url\(data:font\/woff2;base64,[A-Za-z0-9+/=]+\)/);
    expect(css).toMatch(/font-weight:700/);
    const regular = /base64,([A-Za-z0-9+/=]+)/.exec(css)?.[1] ?? '';
    // wOF2 magic; a subset of a few characters is kilobytes, not the 5 MB font
    expect(Buffer.from(regular, 'base64').subarray(0, 4).toString('latin1')).toBe('wOF2');
    expect(regular.length).toBeLessThan(200_000);
  });
});
