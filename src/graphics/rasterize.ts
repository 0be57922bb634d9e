// SVG -> PNG with resvg, drawing text only with the bundled font (system fonts are never loaded, so a
// machine without Japanese fonts draws the same pixels as one with them).
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY, renderFontFiles } from './fonts.ts';

export interface RasterizeOptions {
  /** Output pixels per SVG unit. Default 1. */
  zoom?: number;
  /** Extra font files (e.g. `examples --font`); the bundled font stays the default family. */
  fontFiles?: string[];
  /** Background colour; default: transparent where the SVG draws nothing. */
  background?: string;
  /** Nearest-neighbour scaling of embedded images (pixel art such as dataset tiles). */
  pixelated?: boolean;
}

/**
 * Renders an SVG document to PNG bytes. Text in any font-family is drawn with the bundled Noto Sans JP
 * (the only font loaded) unless `fontFiles` adds one whose family the SVG names.
 */
export function svgToPng(svg: string, opts: RasterizeOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [...(opts.fontFiles ?? []), ...renderFontFiles()],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: opts.zoom ?? 1 },
    ...(opts.background ? { background: opts.background } : {}),
    ...(opts.pixelated ? { imageRendering: 1 } : {}),
    logLevel: 'off',
  });
  return Buffer.from(resvg.render().asPng());
}
