// predict's three output formats: a readable table (default), JSON, CSV (one row per image and rank).
import type { RankedClass } from './predict.ts';

export interface ImagePrediction {
  input: string;
  top: RankedClass[];
}

export interface PredictionSource {
  /** The run folders used; more than one: an ensemble. */
  runs: string[];
  method: 'single model' | 'ensemble: mean probability';
}

const quoteCsv = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function predictionsText(source: PredictionSource, predictions: ImagePrediction[]): string {
  const head =
    source.runs.length > 1 ? `ensemble of ${source.runs.length} runs (mean probability): ${source.runs.join(', ')}` : `model: ${source.runs[0]}`;
  const lines = predictions.map((p) => `${p.input}\n${p.top.map((t) => `  ${t.rank}. ${t.classIndex} ${t.name}  ${(t.probability * 100).toFixed(1)}%`).join('\n')}`);
  return [head, ...lines].join('\n') + '\n';
}

export function predictionsJson(source: PredictionSource, predictions: ImagePrediction[]): string {
  return JSON.stringify({ ...source, predictions }, null, 2) + '\n';
}

export function predictionsCsvTable(predictions: ImagePrediction[]): string {
  const rows = ['input,rank,class,name,char,probability'];
  for (const p of predictions) {
    for (const t of p.top) rows.push([quoteCsv(p.input), t.rank, t.classIndex, quoteCsv(t.name), quoteCsv(t.char ?? ''), t.probability].join(','));
  }
  return rows.join('\n') + '\n';
}
