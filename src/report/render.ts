// Vega-Lite spec -> SVG (vega, headless renderer 'none') -> PNG (resvg). No browser, no native canvas.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * IPA P Gothic first (Debian fonts-ipafont-gothic, installed by CI): it has both Latin and kana, and
 * resvg picks one font per text run rather than falling back glyph by glyph.
 */
export const CHART_FONT = 'IPAPGothic, DejaVu Sans, sans-serif';

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, zoom = 1.5): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: zoom },
    background: 'white',
  });
  return Buffer.from(resvg.render().asPng());
}
