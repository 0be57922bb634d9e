// The test images a model gets wrong, most confident mistakes first: image, true, predicted, confidence.
import type { ImageSet } from '../data/types.ts';
import { CHART_FONT, svgToPng } from './render.ts';
import { datasetTile, tileGridPng } from './png.ts';
import type { Predictions } from '../run-folder/read.ts';
import { escapeHtml } from './tables.ts';

export interface Mistake {
  /** Index of the image in the test set. */
  index: number;
  yTrue: number;
  yPred: number;
  /** Probability the model gave its (wrong) prediction. */
  confidence: number;
}

export function topMistakes(pred: Predictions, limit: number): Mistake[] {
  const out: Mistake[] = [];
  for (let i = 0; i < pred.count; i++) {
    if (pred.yTrue[i] === pred.yPred[i]) continue;
    out.push({ index: pred.index[i], yTrue: pred.yTrue[i], yPred: pred.yPred[i], confidence: pred.probs[i * pred.numClasses + pred.yPred[i]] });
  }
  out.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return out.slice(0, limit);
}

/** A captioned grid as SVG (images embedded as data URIs) and PNG. */
export function galleryImage(mistakes: Mistake[], test: ImageSet, classLabels: string[], columns = 8): { svg: string; png: Buffer } {
  const scale = 3;
  const imgW = test.width * scale;
  const imgH = test.height * scale;
  const cellW = Math.max(imgW, 110) + 10;
  const cellH = imgH + 44;
  const cols = Math.max(1, Math.min(columns, mistakes.length));
  const rows = Math.ceil(mistakes.length / cols);
  const parts: string[] = [];
  mistakes.forEach((m, k) => {
    if (m.index < 0 || m.index >= test.count) throw new RangeError(`test image ${m.index} is outside the test set (${test.count} images)`);
    const png = tileGridPng([datasetTile(test.images, m.index, test.height, test.width)], { columns: 1, scale, gap: 0 });
    const x = (k % cols) * cellW + (cellW - imgW) / 2;
    const y = Math.floor(k / cols) * cellH + 4;
    const cx = (k % cols) * cellW + cellW / 2;
    parts.push(
      `<image x="${x}" y="${y}" width="${imgW}" height="${imgH}" href="data:image/png;base64,${png.toString('base64')}"/>`,
      `<text x="${cx}" y="${y + imgH + 15}" text-anchor="middle">true ${escapeHtml(classLabels[m.yTrue] ?? String(m.yTrue))}</text>`,
      `<text x="${cx}" y="${y + imgH + 31}" text-anchor="middle" fill="#b00020">pred ${escapeHtml(classLabels[m.yPred] ?? String(m.yPred))} ${(m.confidence * 100).toFixed(0)}%</text>`,
    );
  });
  const width = cols * cellW;
  const height = Math.max(1, rows) * cellH;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${CHART_FONT}" font-size="12"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
  return { svg, png: svgToPng(svg, 1) };
}
