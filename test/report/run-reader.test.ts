import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNumericCsv } from '../../src/report/csv.ts';
import { discoverRuns, readHistory, readPredictions } from '../../src/report/run-reader.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kmnist-reader-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('CSV and run-folder readers', () => {
  it('names the file, line and column of a malformed CSV cell', () => {
    expect(parseNumericCsv('a,b\n1,2\n3,4\n', 'f.csv').rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(() => parseNumericCsv('a,b\n1,2\n3,x\n', 'f.csv')).toThrow('f.csv: line 3, column b: "x" is not a number');
    expect(() => parseNumericCsv('a,b\n1\n', 'f.csv')).toThrow('f.csv: line 2 has 1 fields, the header has 2');
  });

  it('rejects predictions whose class is out of range, naming the file', () => {
    const d = tmp();
    const file = join(d, 'predictions-test.csv');
    writeFileSync(file, 'index,true,predicted,p0,p1\n0,0,1,0.4,0.6\n1,1,2,0.1,0.9\n');
    expect(() => readPredictions(file, 2)).toThrow(`${file}: line 3, predicted = 2 is not a class index in 0..1`);
    writeFileSync(file, 'index,true,predicted,p0\n0,0,0,1\n');
    expect(() => readPredictions(file, 2)).toThrow(`${file}: no "p1" column`);
  });

  it('falls back from history.json to log.csv, and warns when neither is usable', () => {
    const d = tmp();
    writeFileSync(join(d, 'log.csv'), 'epoch,loss,acc,val_loss,val_acc,lr,seconds\n1,0.5,0.8,0.6,0.7,0.001,2\n');
    const warnings: string[] = [];
    expect(readHistory(d, (w) => warnings.push(w))?.val_acc).toEqual([0.7]);
    writeFileSync(join(d, 'history.json'), '{"epoch": [1]}');
    expect(readHistory(d, (w) => warnings.push(w))).toBeNull();
    expect(warnings).toEqual([`${join(d, 'history.json')}: "loss" should be an array of numbers; its curves are left out`]);
  });

  it('skips unfinished and unreadable runs with a warning', () => {
    const d = tmp();
    mkdirSync(join(d, 'cnn', 'seed-1'), { recursive: true });
    mkdirSync(join(d, 'cnn', 'seed-2'), { recursive: true });
    writeFileSync(join(d, 'cnn', 'seed-2', 'metrics.json'), '{"testAccuracy": 0.9, "confusion": []}');
    writeFileSync(join(d, 'cnn', 'seed-2', 'config.json'), '{"experiment": "cnn"}');
    const warnings: string[] = [];
    expect(() => discoverRuns(d, (w) => warnings.push(w))).toThrow(/no finished runs/);
    expect(warnings[0]).toContain('seed-1: unfinished (no metrics.json), skipped');
    expect(warnings[1]).toContain(`${join(d, 'cnn', 'seed-2', 'config.json')}: field "dataset" should be a string`);
  });
});
