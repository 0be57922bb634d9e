// Soft-vote ensembles from saved test probabilities, on hand-made runs whose results are worked out below.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeEnsembles, membersText, pointsText, softVote, type EnsembleGroup } from '../../src/study/ensembles.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-ensembles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 6 test images of 3 classes.
const TRUTH = [0, 1, 2, 0, 1, 2];

/** Probabilities for each image: `right` at the true class, the rest shared; `rows` replaces given images. */
function probs(right: number, rows: Record<number, number[]> = {}): number[][] {
  return TRUTH.map((t, i) => rows[i] ?? [0, 1, 2].map((c) => (c === t ? right : (1 - right) / 2)));
}

function writeRun(experiment: string, seed: number, p: number[][], opts: { truth?: number[]; numClasses?: number | null; validationOn?: string } = {}): EnsembleGroup['runs'][number] {
  const dir = join(root, experiment, `seed-${seed}`);
  mkdirSync(dir, { recursive: true });
  const truth = opts.truth ?? TRUTH;
  const rows = p.map((row, i) => [i, truth[i], row.indexOf(Math.max(...row)), ...row].join(','));
  writeFileSync(join(dir, 'predictions-test.csv'), ['index,true,predicted,p0,p1,p2', ...rows].join('\n') + '\n');
  const numClasses = opts.numClasses === null ? undefined : (opts.numClasses ?? 3);
  return { seed, dir, numClasses, validatedOnTest: opts.validationOn === 'test' };
}

// cnn: each seed wrong on one image with a small margin (the ensemble gets them right), and seed 1 confidently
// wrong on image 3 where seeds 2 and 3 are only weakly right: a majority vote would be right there, the soft
// vote is not: class 0 (0 + .45 + .45) / 3 = 0.30 < class 1 (.98 + .35 + .35) / 3 = 0.56.
const cnn: EnsembleGroup = {
  experiment: 'cnn',
  deterministic: false,
  runs: [
    writeRun('cnn', 1, probs(0.8, { 0: [0.4, 0.6, 0], 3: [0, 0.98, 0.02] })), // right on 4 of 6
    writeRun('cnn', 2, probs(0.8, { 1: [0.6, 0.4, 0], 3: [0.45, 0.35, 0.2] })), // 5 of 6
    writeRun('cnn', 3, probs(0.8, { 2: [0, 0.6, 0.4], 3: [0.45, 0.35, 0.2] })), // 5 of 6
  ],
};
// fcnn: seed 1 right everywhere, seed 2 wrong on image 4 ([.1, .2, .7] -> 2); their mean is right:
// class 1 (.7 + .2) / 2 = 0.45 > class 2 (.15 + .7) / 2 = 0.425.
const fcnn: EnsembleGroup = {
  experiment: 'fcnn',
  deterministic: false,
  runs: [writeRun('fcnn', 1, probs(0.7)), writeRun('fcnn', 2, probs(0.7, { 4: [0.1, 0.2, 0.7] }), { validationOn: 'test' })],
};
const knn: EnsembleGroup = { experiment: 'knn', deterministic: true, runs: [writeRun('knn', 1, probs(1)), writeRun('knn', 2, probs(1))] };

describe('soft voting', () => {
  it('averages probabilities, which can overrule a majority of answers', () => {
    // image: member A says 1 with 0.98, members B and C say 0 with 0.45: majority 0, soft vote 1
    const a = [0, 0.98, 0.02];
    const b = [0.45, 0.35, 0.2];
    expect([...softVote([a, b, b], 3)]).toEqual([1]);
    expect(() => softVote([], 3)).toThrow(RangeError);
    expect(() => softVote([a, [0.5, 0.5]], 3)).toThrow(RangeError);
  });
});

describe('computeEnsembles', () => {
  it('one seed ensemble per experiment with 2+ seeds, tested against each seed; the representative is the lowest', async () => {
    const { ensembles, skipped } = await computeEnsembles([cnn, fcnn, knn]);
    const c = ensembles.find((e) => e.name === 'cnn ensemble');
    expect(c).toBeDefined();
    if (!c) return;
    expect(c.kind).toBe('seeds');
    expect(membersText(c)).toBe('seeds 1, 2, 3');
    // right on every image but 3
    expect(c.testAccuracy).toBeCloseTo(5 / 6, 15);
    expect(c.count).toBe(6);
    expect(c.reference).toMatchObject({ experiment: 'cnn', seed: 1, aOnly: 1, bOnly: 0, bothRight: 4, bothWrong: 1, p: 1 });
    expect(c.reference.testAccuracy).toBeCloseTo(4 / 6, 15);
    expect(c.reference.gain).toBeCloseTo(1 / 6, 15);
    expect(c.versusSeeds.map((v) => [v.seed, v.aOnly, v.bOnly, v.bothWrong])).toEqual([[1, 1, 0, 1], [2, 1, 1, 0], [3, 1, 1, 0]]);
    expect(c.versusSeeds[1].gain).toBeCloseTo(0, 15);
    // 5/6 - mean(4/6, 5/6, 5/6) = 1/18
    expect(c.gainOverMean).toBeCloseTo(1 / 18, 15);
    expect(c.reference.words).toBe('cnn ensemble is right on 1 images cnn seed 1 gets wrong, cnn seed 1 on 0 the other way; p = 1: the difference could be chance');
    expect(c.validatedOnTest).toBe(false);

    const f = ensembles.find((e) => e.name === 'fcnn ensemble');
    expect(f?.testAccuracy).toBe(1);
    expect(f?.versusSeeds.map((v) => [v.seed, v.aOnly, v.bOnly])).toEqual([[1, 0, 0], [2, 1, 0]]);
    expect(f?.validatedOnTest).toBe(true);

    // knn is deterministic: no seed ensemble, and not part of the neural one
    expect(skipped).toEqual([{ name: 'knn ensemble', reason: 'knn is deterministic: its seeds are the same model' }]);
  });

  it('the neural ensemble averages each experiment over its seeds, then the experiments, and leaves knn out', async () => {
    const { ensembles } = await computeEnsembles([cnn, fcnn, knn]);
    const n = ensembles.find((e) => e.kind === 'neural');
    expect(n?.name).toBe('neural ensemble');
    expect(n?.members).toEqual([{ experiment: 'cnn', seeds: [1, 2, 3] }, { experiment: 'fcnn', seeds: [1, 2] }]);
    // image 3: cnn's mean [.30, .56, .14] and fcnn's [.70, .15, .15] average to class 0 (0.50): right
    expect(n?.testAccuracy).toBe(1);
    // against the best experiment by mean accuracy (fcnn, 11/12) on its representative seed 1
    expect(n?.reference).toMatchObject({ experiment: 'fcnn', seed: 1, aOnly: 0, bOnly: 0, p: 1, gain: 0 });
    expect(n?.gainOverMean).toBeCloseTo(1 / 12, 15);
    expect(n?.validatedOnTest).toBe(true);
    expect(n?.versusSeeds).toEqual([]);
  });

  it('an experiment with one seed joins the neural ensemble only; one neural experiment forms none', async () => {
    const single = { ...fcnn, runs: [fcnn.runs[0]] };
    const both = await computeEnsembles([cnn, single]);
    expect(both.ensembles.map((e) => e.name)).toEqual(['cnn ensemble', 'neural ensemble']);
    expect(both.ensembles[1].members[1]).toEqual({ experiment: 'fcnn', seeds: [1] });
    const alone = await computeEnsembles([single, knn]);
    expect(alone.ensembles).toEqual([]);
  });

  it('runs on other test images or without numClasses leave their ensembles out, saying why', async () => {
    const shifted: EnsembleGroup = {
      experiment: 'cnn-aug',
      deterministic: false,
      runs: [writeRun('cnn-aug', 1, probs(0.8)), writeRun('cnn-aug', 2, probs(0.8), { truth: TRUTH.map((t) => (t + 1) % 3) })],
    };
    const r = await computeEnsembles([cnn, shifted]);
    expect(r.ensembles.map((e) => e.name)).toEqual(['cnn ensemble']);
    expect(r.skipped.map((k) => k.name)).toEqual(['cnn-aug ensemble', 'neural ensemble']);
    expect(r.skipped[0].reason).toMatch(/cnn-aug\/seed-2\/predictions-test\.csv and .*cnn\/seed-1\/predictions-test\.csv were tested on different images/);

    const noClasses: EnsembleGroup = { experiment: 'fcnn-aug', deterministic: false, runs: [writeRun('fcnn-aug', 1, probs(0.7), { numClasses: null }), writeRun('fcnn-aug', 2, probs(0.7))] };
    const r2 = await computeEnsembles([noClasses]);
    expect(r2.skipped).toEqual([{ name: 'fcnn-aug ensemble', reason: expect.stringMatching(/fcnn-aug\/seed-1\/config\.json: no numClasses/) as unknown as string }]);
  });

  it('a predictions file too large to hold leaves its ensembles out (Kuzushiji-Kanji\'s is gigabytes)', async () => {
    const r = await computeEnsembles([cnn, fcnn], { maxPredictionsBytes: 100 });
    expect(r.ensembles).toEqual([]);
    expect(r.skipped.map((k) => k.name)).toEqual(['cnn ensemble', 'fcnn ensemble', 'neural ensemble']);
    expect(r.skipped[0].reason).toMatch(/cnn\/seed-1\/predictions-test\.csv: 0\.0 MiB, more than the 0\.0 MiB of probabilities an ensemble reads$/);
  });

  it('words a gain in points', () => {
    expect(pointsText(0.0085)).toBe('+0.85 points');
    expect(pointsText(-0.001)).toBe('−0.10 points');
    expect(pointsText(0)).toBe('±0.00 points');
  });
});
