// Reads the numeric CSV files a run writes (log.csv, predictions-*.csv); every problem names the file and line.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';

export interface NumericCsv {
  header: string[];
  rows: number[][];
}

export function parseNumericCsv(text: string, file: string): NumericCsv {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UserError(`${file}: empty file, expected a CSV header`);
  const header = lines[0].split(',').map((h) => h.trim());
  const rows: number[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    if (cells.length !== header.length) {
      throw new UserError(`${file}: line ${i + 1} has ${cells.length} fields, the header has ${header.length}`);
    }
    const row = cells.map((c) => (c.trim() === '' ? NaN : Number(c)));
    const bad = row.findIndex((v, k) => Number.isNaN(v) && !/^\s*(nan|NaN)?\s*$/.test(cells[k]));
    if (bad >= 0) throw new UserError(`${file}: line ${i + 1}, column ${header[bad]}: "${cells[bad]}" is not a number`);
    rows.push(row);
  }
  return { header, rows };
}

export function readNumericCsv(file: string): NumericCsv {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: cannot be read (missing?)`);
  }
  return parseNumericCsv(text, file);
}

/** Column index by name, or a UserError naming the file and the missing column. */
export function column(csv: NumericCsv, name: string, file: string): number {
  const k = csv.header.indexOf(name);
  if (k < 0) throw new UserError(`${file}: no "${name}" column (header: ${csv.header.join(',')})`);
  return k;
}
