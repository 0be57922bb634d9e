// The project's one font: Noto Sans JP (SIL OFL 1.1, from the npm package @expo-google-fonts/noto-sans-jp),
// which has Latin, kana and the JIS kanji. Every image we render and every page we serve uses it, never a
// system font, so the output is the same on every machine whatever fonts it has installed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import subsetFont from 'subset-font';

/** The family name inside the font files (what SVG font-family and CSS must say). */
export const FONT_FAMILY = 'Noto Sans JP';
/** For SVG/CSS: the bundled family, then generic sans-serif (never reached by resvg: it has no other font). */
export const FONT_STACK = `'${FONT_FAMILY}', sans-serif`;

const PACKAGE = '@expo-google-fonts/noto-sans-jp';
const require = createRequire(import.meta.url);

export interface BundledFont {
  /** Absolute paths of the TTF files: regular (400) and bold (700). */
  regular: string;
  bold: string;
  /** The font's licence text file (SIL OFL 1.1). */
  license: string;
}

let cached: BundledFont | null = null;

/** Where the bundled TTFs are (resolved through node_modules, so it works from any working folder). */
export function bundledFont(): BundledFont {
  if (!cached) {
    const root = dirname(require.resolve(`${PACKAGE}/package.json`));
    cached = {
      regular: join(root, '400Regular', 'NotoSansJP_400Regular.ttf'),
      bold: join(root, '700Bold', 'NotoSansJP_700Bold.ttf'),
      license: join(root, 'LICENSE_FONT'),
    };
  }
  return cached;
}

/** The font files resvg loads for every rendering (with loadSystemFonts off). */
export function renderFontFiles(): string[] {
  const f = bundledFont();
  return [f.regular, f.bold];
}

/** Printable ASCII, Latin-1 and the punctuation/symbols our pages print (±, –, —, …, ·, →, ⚠, ≤, ≥). */
const LATIN_TEXT = (() => {
  let s = '';
  for (let c = 0x20; c < 0x7f; c++) s += String.fromCharCode(c);
  for (let c = 0xa0; c <= 0xff; c++) s += String.fromCharCode(c);
  return s + '±–—‘’“”…·•→←↑↓⚠≤≥×−√∞≈';
})();

export interface FontFaceOptions {
  /** Only these characters are kept (the font is 5 MB; a page's text needs a few kB of it). */
  text: string;
  /** Subset the bold face too (for <strong>, headings). Default true. */
  bold?: boolean;
}

/**
 * CSS @font-face rules with the font embedded as WOFF2 data URIs, subset to `opts.text` (with
 * subset-font, i.e. HarfBuzz's hb-subset). About 0.7 s per face for a page's text.
 */
export async function embeddedFontFaceCss(opts: FontFaceOptions): Promise<string> {
  const f = bundledFont();
  const text = [...new Set(opts.text + LATIN_TEXT)].join('');
  const faces: [string, number][] = [[f.regular, 400]];
  if (opts.bold !== false) faces.push([f.bold, 700]);
  const rules = await Promise.all(
    faces.map(async ([file, weight]) => {
      const woff2 = await subsetFont(readFileSync(file), text, { targetFormat: 'woff2' });
      return `@font-face{font-family:'${FONT_FAMILY}';font-style:normal;font-weight:${weight};font-display:block;src:url(data:font/woff2;base64,${woff2.toString('base64')}) format('woff2')}`;
    }),
  );
  return rules.join('\n');
}

/**
 * The `serve` page's @font-face rules: the bundled TTFs, served by the page's own server at
 * `urls.regular` and `urls.bold` (a local page: no subsetting, which costs seconds, and every class
 * character, kkanji's too, is there). `font-display: block` so nothing is drawn in a fallback font first.
 */
export function pageFontCss(urls: { regular: string; bold: string }): string {
  return [
    [urls.regular, 400],
    [urls.bold, 700],
  ]
    .map(([url, weight]) => `@font-face{font-family:'${FONT_FAMILY}';font-style:normal;font-weight:${weight};font-display:block;src:url(${url}) format('truetype')}`)
    .join('\n') + '\n';
}
