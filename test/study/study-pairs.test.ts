// `run --compare a:b,c:d`: parsing, validation, and the pairs kept in runs/<dataset>/comparisons.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addPairs, COMPARISONS_FILE, parseComparePairs, readAddedPairs, studyPairs } from '../../src/study/study-pairs.ts';
import { STUDY_PAIRS } from '../../src/study/experiments.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-study-pairs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KNOWN = ['cnn', 'fcnn', 'knn', 'keras-cnn'];
const STUDY = ['cnn', 'fcnn', 'knn'];

describe('parseComparePairs', () => {
  it('reads a:b pairs, drops repeats (either order) and the study\'s own pairs', () => {
    expect(parseComparePairs('cnn:knn, fcnn:knn,knn:cnn', STUDY, KNOWN)).toEqual([
      { a: 'cnn', b: 'knn' },
      { a: 'fcnn', b: 'knn' },
    ]);
    // fcnn:cnn is the study's cnn vs fcnn
    expect(parseComparePairs('fcnn:cnn', STUDY, KNOWN)).toEqual([]);
  });

  it('refuses bad pairs in one line naming --compare', () => {
    expect(() => parseComparePairs('cnn:resnet', STUDY, KNOWN)).toThrow('--compare cnn:resnet: unknown experiment "resnet"; choose one of: cnn, fcnn, knn, keras-cnn');
    expect(() => parseComparePairs('cnn:keras-cnn', STUDY, KNOWN)).toThrow("--compare cnn:keras-cnn: 'keras-cnn' is not one of this study's experiments (--experiments cnn,fcnn,knn)");
    expect(() => parseComparePairs('cnn', STUDY, KNOWN)).toThrow("--compare: 'cnn' is not a pair a:b of experiment names");
    expect(() => parseComparePairs('cnn:fcnn:knn', STUDY, KNOWN)).toThrow(/--compare: 'cnn:fcnn:knn' is not a pair/);
    expect(() => parseComparePairs('cnn:', STUDY, KNOWN)).toThrow(/--compare: 'cnn:' is not a pair/);
    expect(() => parseComparePairs('cnn:cnn', STUDY, KNOWN)).toThrow('--compare cnn:cnn: an experiment compared with itself');
    expect(() => parseComparePairs(' , ', STUDY, KNOWN)).toThrow(/--compare: give pairs of experiments as a:b/);
  });
});

describe('comparisons.json', () => {
  it('keeps the pairs of every run, each once, after the study\'s own', async () => {
    const dir = join(root, 'kmnist');
    expect(await readAddedPairs(dir)).toEqual([]);
    expect(await studyPairs(dir)).toEqual(STUDY_PAIRS);
    await addPairs(dir, [{ a: 'cnn', b: 'knn' }]);
    const all = await addPairs(dir, [{ a: 'knn', b: 'cnn' }, { a: 'fcnn', b: 'knn' }]);
    expect(all).toEqual([{ a: 'cnn', b: 'knn' }, { a: 'fcnn', b: 'knn' }]);
    expect(JSON.parse(readFileSync(join(dir, COMPARISONS_FILE), 'utf8'))).toEqual({ pairs: all });
    const pairs = await studyPairs(dir);
    expect(pairs.slice(0, STUDY_PAIRS.length)).toEqual(STUDY_PAIRS);
    expect(pairs.slice(STUDY_PAIRS.length)).toEqual([
      { a: 'cnn', b: 'knn', question: 'Do cnn and knn differ? (added with run --compare)', added: true },
      { a: 'fcnn', b: 'knn', question: 'Do fcnn and knn differ? (added with run --compare)', added: true },
    ]);
  });

  it('a malformed file is one line naming it', async () => {
    const file = join(root, COMPARISONS_FILE);
    writeFileSync(file, '{ nope');
    await expect(readAddedPairs(root)).rejects.toThrow(/comparisons\.json: not valid JSON/);
    writeFileSync(file, '[]');
    await expect(readAddedPairs(root)).rejects.toThrow(/comparisons\.json: expected \{"pairs": \[\{"a": "\.\.\.", "b": "\.\.\."\}, \.\.\.\]\}/);
  });
});
