import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetRunDirs, discoverRuns, listRunFolders, parseNumericCsv, parsePredictionsCsv, readHistory, readPredictions, resolveRunsDir } from '../../src/run-folder/read.ts';
import { scratchDirs } from '../helpers/scratch.ts';

const tmp = scratchDirs('kmnist-reader-');

describe('CSV and run-folder readers', () => {
  it('names the file, line and column of a malformed CSV cell', () => {
    expect(parseNumericCsv('a,b\n1,2\n3,4\n', 'f.csv').rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(() => parseNumericCsv('a,b\n1,2\n3,x\n', 'f.csv')).toThrow('f.csv: line 3, column b: "x" is not a number');
    expect(() => parseNumericCsv('a,b\n1\n', 'f.csv')).toThrow('f.csv: line 2 has 1 fields, the header has 2');
  });

  it('rejects predictions whose class is out of range, naming the file', async () => {
    const d = tmp();
    const file = join(d, 'predictions-test.csv');
    writeFileSync(file, 'index,true,predicted,p0,p1\n0,0,1,0.4,0.6\n1,1,2,0.1,0.9\n');
    await expect(readPredictions(file, 2)).rejects.toThrow(`${file}: line 3, predicted = 2 is not a class index in 0..1`);
    writeFileSync(file, 'index,true,predicted,p0\n0,0,0,1\n');
    await expect(readPredictions(file, 2)).rejects.toThrow(`${file}: no "p1" column`);
  });

  it('falls back from history.json to log.csv, and warns when neither is usable', async () => {
    const d = tmp();
    writeFileSync(join(d, 'log.csv'), 'epoch,loss,acc,val_loss,val_acc,lr,seconds\n1,0.5,0.8,0.6,0.7,0.001,2\n');
    const warnings: string[] = [];
    expect((await readHistory(d, (w) => warnings.push(w)))?.val_acc).toEqual([0.7]);
    writeFileSync(join(d, 'history.json'), '{"epoch": [1]}');
    expect(await readHistory(d, (w) => warnings.push(w))).toBeNull();
    expect(warnings).toEqual([`${join(d, 'history.json')}: "loss" should be an array of numbers; its curves are left out`]);
  });

  it('skips unfinished runs with a warning and refuses an unreadable one, naming its file and field', async () => {
    const d = tmp();
    mkdirSync(join(d, 'cnn', 'seed-1'), { recursive: true });
    mkdirSync(join(d, 'cnn', 'seed-2'), { recursive: true });
    writeFileSync(join(d, 'cnn', 'seed-2', 'metrics.json'), '{"testAccuracy": 0.9, "confusion": []}');
    writeFileSync(join(d, 'cnn', 'seed-2', 'config.json'), '{"experiment": "cnn"}');
    const warnings: string[] = [];
    await expect(discoverRuns(d, (w) => warnings.push(w))).rejects.toThrow(`${join(d, 'cnn', 'seed-2', 'config.json')}: field "model" should be a string, got undefined`);
    expect(warnings).toEqual([`${join(d, 'cnn', 'seed-1')}: unfinished (no metrics.json), skipped`]);
    rmSync(join(d, 'cnn', 'seed-2'), { recursive: true });
    await expect(discoverRuns(d, () => {})).rejects.toThrow(/no finished runs/);
  });

  it('parses index,true,predicted without the probabilities unless the class count is given', () => {
    const p = parsePredictionsCsv('index,true,predicted\r\n3,1,1\r\n5,2,0\r\n', 'f.csv');
    expect([...p.index, ...p.yTrue, ...p.yPred, p.count]).toEqual([3, 5, 1, 2, 1, 0, 2]);
    const q = parsePredictionsCsv('index,true,predicted,p0,p1\n0,1,1,0.25,0.75\n', 'f.csv', 2);
    expect([...q.probs]).toEqual([0.25, 0.75]);
    expect(() => parsePredictionsCsv('\n', 'f.csv')).toThrow('f.csv: empty, expected a header index,true,predicted');
    expect(() => parsePredictionsCsv('idx,y\n1,2\n', 'f.csv')).toThrow("f.csv: header must start with index,true,predicted, got 'idx,y'");
    expect(() => parsePredictionsCsv('index,true,predicted\n0,1,x\n', 'f.csv')).toThrow('f.csv: line 2, predicted = NaN is not a class index');
    expect(() => parsePredictionsCsv('index,true,predicted\n0,1,1\n-1,0,0\n', 'f.csv')).toThrow('f.csv: line 3, index = -1 is not an image index');
    expect(() => parsePredictionsCsv('index,true,predicted\n0,1\n', 'f.csv')).toThrow('f.csv: line 2 has 2 fields');
    expect(() => parsePredictionsCsv('index,true,predicted,p0\n0,0,0,x\n', 'f.csv', 1)).toThrow('f.csv: line 2, column p0: "x" is not a number');
  });

  it('lists run folders of a dataset and finds the dataset folders of a runs root', async () => {
    const root = tmp();
    for (const seed of [10, 2]) mkdirSync(join(root, 'kmnist', 'cnn', `seed-${seed}`), { recursive: true });
    mkdirSync(join(root, 'kmnist', 'cnn', 'notes'));
    expect((await listRunFolders(join(root, 'kmnist'))).map((r) => `${r.experiment}/${r.seed}`)).toEqual(['cnn/2', 'cnn/10']);
    await expect(listRunFolders(join(root, 'absent'))).rejects.toThrow(/absent: no such runs folder/);
    expect(datasetRunDirs(root)).toEqual([join(root, 'kmnist')]);
    expect(datasetRunDirs(join(root, 'kmnist'))).toEqual([join(root, 'kmnist')]);
    expect(datasetRunDirs(join(root, 'absent'))).toEqual([]);
    expect(resolveRunsDir(root)).toBe(join(root, 'kmnist'));
    expect(() => resolveRunsDir(join(root, 'absent'))).toThrow(/--runs .*absent: no such folder/);
    expect(() => resolveRunsDir(join(root, 'kmnist', 'cnn', 'notes'))).toThrow(/no run folders found/);
  });
});
