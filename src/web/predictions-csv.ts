// Reads the first three columns of a run's predictions CSV (index,true,predicted,p0..): enough to pick images.
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.ts';

export interface PredictionRow {
  index: number;
  trueClass: number;
  predicted: number;
}

export function parsePredictionsCsv(text: string, file: string): PredictionRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UserError(`${file}: empty, expected a header index,true,predicted,...`);
  const header = lines[0].split(',').map((h) => h.trim());
  if (header[0] !== 'index' || header[1] !== 'true' || header[2] !== 'predicted') {
    throw new UserError(`${file}: header must start with index,true,predicted (found ${lines[0].slice(0, 60)})`);
  }
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',', 3).map(Number);
    if (cells.length < 3 || !cells.every((c) => Number.isInteger(c) && c >= 0)) {
      throw new UserError(`${file}: line ${i + 2} must start with three non-negative integers`);
    }
    return { index: cells[0], trueClass: cells[1], predicted: cells[2] };
  });
}

export async function readPredictionsCsv(file: string): Promise<PredictionRow[]> {
  return parsePredictionsCsv(await readFile(file, 'utf8'), file);
}
