// Vega-Lite spec -> SVG (vega, headless renderer 'none') -> PNG (resvg with the bundled font). No browser, no native canvas.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FONT_STACK } from '../graphics/fonts.ts';
import { svgToPng as rasterize } from '../graphics/rasterize.ts';

/** Every chart's font: the bundled Noto Sans JP (Latin and kana in one font, so class labels draw). */
export const CHART_FONT = FONT_STACK;

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A report figure as PNG, on white. */
export function svgToPng(svg: string, zoom = 1.5): Buffer {
  return rasterize(svg, { zoom, background: 'white' });
}
