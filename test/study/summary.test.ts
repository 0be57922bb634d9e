// summarize() on a synthetic runs folder whose statistics are known by hand.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headlineMetricFor, summarize } from '../../src/study/summary.ts';
import { writeSummary } from '../../src/study/summary-files.ts';
import { DATASET_NAMES, DATASETS } from '../../src/data/registry.ts';
import { renderSummaryMarkdown } from '../../src/study/summary-md.ts';
import { readFinishedRuns, readPredictions } from '../../src/run-folder/read.ts';
import { fullConfig, fullMetrics } from '../helpers/run-files.ts';
import { COMPARISONS_FILE } from '../../src/study/study-pairs.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-summary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface FakeRun {
  acc: number;
  f1?: number;
  balanced?: number;
  validationOn?: 'val' | 'test';
  /** Predicted class per image; truth is i % 10. */
  predicted: number[];
  truth?: number[];
  complete?: boolean;
  /** metrics.json's warnings (e.g. learning-check's not-learning warning). */
  warnings?: string[];
}

function writeRun(datasetDir: string, experiment: string, seed: number, r: FakeRun): void {
  const dir = join(datasetDir, experiment, `seed-${seed}`);
  mkdirSync(dir, { recursive: true });
  const dataset = datasetDir.split('/').at(-1);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(fullConfig({ experiment, dataset, seed, epochs: 15, validationOn: r.validationOn ?? 'val', numClasses: 10 })));
  const truth = r.truth ?? r.predicted.map((_, i) => i % 10);
  // 0.91 on the predicted class, 0.01 on the others
  const rows = r.predicted.map((p, i) => [i, truth[i], p, ...Array.from({ length: 10 }, (_, c) => (c === p ? 0.91 : 0.01))].join(','));
  const header = ['index', 'true', 'predicted', ...Array.from({ length: 10 }, (_, c) => `p${c}`)].join(',');
  writeFileSync(join(dir, 'predictions-test.csv'), `${header}\n${rows.join('\n')}\n`);
  if (r.complete === false) return;
  const metrics = fullMetrics({
    testAccuracy: r.acc,
    testLoss: 0.4,
    balancedAccuracy: r.balanced ?? r.acc,
    macroF1: r.f1 ?? r.acc,
    trainAccuracy: 0.99,
    confusion: [],
    epochsRun: 12,
    bestEpoch: 9,
    trainSeconds: 100,
    trainImagesPerSecond: 1000 * seed,
    inferenceImagesPerSecond: 9000,
    backend: 'wasm',
    paramCount: experiment.startsWith('cnn') ? 1199882 : 569226,
    stoppedEarly: true,
  });
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(r.warnings ? { ...metrics, warnings: r.warnings } : metrics));
}

// 20 test images, truth i % 10. cnn: wrong on 10, 11. fcnn: wrong on 0..9. So per seed
// cnn-only right = 10, fcnn-only right = 2: p = 2 * (1 + 12 + 66) / 2^12 = 158/4096.
const truth = Array.from({ length: 20 }, (_, i) => i % 10);
const cnnPred = truth.map((t, i) => (i === 10 || i === 11 ? (t + 1) % 10 : t));
const fcnnPred = truth.map((t, i) => (i < 10 ? (t + 1) % 10 : t));

const kmnist = join(root, 'kmnist');
[0.85, 0.87, 0.86].forEach((acc, i) => writeRun(kmnist, 'cnn', i + 1, { acc, f1: acc - 0.01, predicted: cnnPred }));
[1, 2, 3].forEach((seed) => writeRun(kmnist, 'fcnn', seed, { acc: 0.8, predicted: fcnnPred }));
writeRun(kmnist, 'cnn-no-pool', 1, { acc: 0.84, validationOn: 'test', predicted: cnnPred });
writeRun(kmnist, 'fcnn-aug', 1, { acc: 0.5, predicted: fcnnPred, complete: false });
writeRun(kmnist, 'fcnn-matched', 1, { acc: 0.7, predicted: fcnnPred, truth: truth.map((t) => (t + 3) % 10) });

describe('summarize', () => {
  it('per-experiment mean, std and t CI over seeds', async () => {
    const s = await summarize(await readFinishedRuns(kmnist));
    expect(s.dataset).toBe('kmnist');
    expect(s.headlineMetric).toBe('accuracy');
    expect(s.experiments.map((e) => e.experiment)).toEqual(['cnn', 'fcnn', 'cnn-no-pool', 'fcnn-matched']);
    const cnn = s.experiments[0];
    expect(cnn.seeds).toEqual([1, 2, 3]);
    expect(cnn.testAccuracy.mean).toBeCloseTo(0.86, 12);
    expect(cnn.testAccuracy.std).toBeCloseTo(0.01, 12);
    expect(cnn.testAccuracy.ci95?.[0]).toBeCloseTo(0.86 - 0.0248414, 6);
    expect(cnn.macroF1.mean).toBeCloseTo(0.85, 12);
    expect(cnn.meanTrainImagesPerSecond).toBe(2000);
    expect(cnn.paramCount).toBe(1199882);
    expect(cnn.epochsRun).toEqual([12, 12, 12]);
    expect(s.experiments[1].testAccuracy.ci95).toEqual([0.8, 0.8]);
    expect(s.incomplete).toEqual([{ experiment: 'fcnn-aug', seed: 1 }]);
  });

  it('flags runs validated on the test set', async () => {
    const s = await summarize(await readFinishedRuns(kmnist));
    const noPool = s.experiments.find((e) => e.experiment === 'cnn-no-pool');
    expect(noPool?.leakySeeds).toEqual([1]);
    expect(noPool?.testAccuracy.std).toBeNull();
    expect(s.experiments[0].leakySeeds).toEqual([]);
    const md = renderSummaryMarkdown(s);
    expect(md).toContain('| cnn-no-pool ⚠ | 1 |');
    expect(md).toMatch(/Validated on the test set.*cnn-no-pool \(seeds 1\)/);
  });

  it('McNemar per seed and across seeds for the study pairs', async () => {
    const s = await summarize(await readFinishedRuns(kmnist));
    const cnnFcnn = s.comparisons.find((c) => c.a === 'cnn' && c.b === 'fcnn');
    expect(cnnFcnn?.perSeed.map((r) => [r.seed, r.aOnly, r.bOnly, r.bothRight, r.bothWrong])).toEqual([
      [1, 10, 2, 8, 0],
      [2, 10, 2, 8, 0],
      [3, 10, 2, 8, 0],
    ]);
    expect(cnnFcnn?.perSeed[0].p).toBeCloseTo(158 / 4096, 12);
    expect(cnnFcnn?.combined).toMatchObject({ seeds: 3, aOnly: 30, bOnly: 6, seedsSignificant: 3 });
    expect(cnnFcnn?.combined?.maxP).toBeCloseTo(158 / 4096, 12);
    expect(cnnFcnn?.combined?.words).toMatch(/^cnn is better in every seed/);
    expect(cnnFcnn?.perSeed[0].words).toBe(
      'cnn is right on 10 images fcnn gets wrong, fcnn on 2 the other way; p = 0.0386: the difference is not chance (cnn is better)',
    );

    const pool = s.comparisons.find((c) => c.b === 'cnn-no-pool');
    expect(pool?.perSeed.map((r) => [r.aOnly, r.bOnly, r.p])).toEqual([[0, 0, 1]]);
    expect(pool?.perSeed[0].words).toBe('cnn and cnn-no-pool made the same mistakes: no image is right for one and wrong for the other (p = 1)');
    expect(pool?.combined?.words).toBe('the two models made the same mistakes in the only seed (no image is right for one and wrong for the other)');

    expect(s.comparisons.find((c) => c.a === 'cnn-aug')?.skipped).toBe('no complete runs of cnn-aug');
    expect(s.comparisons.find((c) => c.b === 'fcnn-matched')?.skipped).toMatch(/tested on different images/);
    // summary.md: a pair with an experiment that was not run is one line at the end, not a section
    const md = renderSummaryMarkdown(s);
    expect(md).not.toContain('### cnn-aug vs cnn');
    expect(md).toMatch(/Not compared, for want of complete runs: .*cnn-aug vs cnn \(no cnn-aug\)/);
    expect(md).toContain('### cnn vs fcnn-matched'); // skipped for another reason: still its own section, saying why
  });

  it('soft-vote ensembles of the seeds as rows of summary.md, tested against the representative seed', async () => {
    const s = await summarize(await readFinishedRuns(kmnist));
    // every seed of cnn (and of fcnn) answers the same: the ensemble equals each seed, 0/0 discordant
    expect(s.ensembles.map((e) => [e.name, e.testAccuracy, e.reference.seed, e.reference.aOnly, e.reference.bOnly, e.reference.p])).toEqual([
      ['cnn ensemble', 0.9, 1, 0, 0, 1],
      ['fcnn ensemble', 0.5, 1, 0, 0, 1],
    ]);
    // fcnn-matched was tested on other labels: no neural ensemble, and the summary says why
    expect(s.ensemblesSkipped).toEqual([{ name: 'neural ensemble', reason: expect.stringMatching(/were tested on different images$/) as unknown as string }]);
    const md = renderSummaryMarkdown(s);
    expect(md).toContain('| cnn ensemble | ensemble of 3 | 0.9000 | — (ensemble) | 0.8967 | — (ensemble) | — (ensemble) | — | — |');
    expect(md).toContain('## Ensembles (soft vote of finished runs, no training of their own)');
    expect(md).toContain('| cnn ensemble | seeds 1, 2, 3 | 0.9000 | cnn seed 1 (the representative seed): 0.9000 | ±0.00 points | 0 / 0 | = 1 |');
    expect(md).toMatch(/- neural ensemble not formed: .*fcnn-matched\/seed-1\/predictions-test\.csv and .* were tested on different images\./);
  });

  it('compares the pairs added in comparisons.json after the study\'s own, and refuses a malformed file', async () => {
    const dir = join(root, 'added', 'kmnist');
    writeRun(dir, 'cnn', 1, { acc: 0.9, predicted: cnnPred });
    writeRun(dir, 'knn', 1, { acc: 0.5, predicted: fcnnPred });
    writeFileSync(join(dir, COMPARISONS_FILE), JSON.stringify({ pairs: [{ a: 'cnn', b: 'knn' }, { a: 'fcnn', b: 'cnn' }] }));
    const s = await summarize(await readFinishedRuns(dir));
    // fcnn:cnn is the study's own cnn:fcnn: not asked twice
    expect(s.comparisons.filter((c) => c.added).map((c) => [c.a, c.b, c.question])).toEqual([['cnn', 'knn', 'Do cnn and knn differ? (added with run --compare)']]);
    expect(s.comparisons.at(-1)?.a).toBe('cnn');
    expect(s.comparisons.find((c) => c.a === 'cnn' && c.b === 'knn')?.perSeed.map((r) => [r.aOnly, r.bOnly])).toEqual([[10, 2]]);
    expect(renderSummaryMarkdown(s)).toContain('### cnn vs knn: Do cnn and knn differ? (added with run --compare)');
    writeFileSync(join(dir, COMPARISONS_FILE), '{"pairs": [{"a": "cnn"}]}');
    await expect(summarize(await readFinishedRuns(dir))).rejects.toThrow(/comparisons\.json: pairs\[0\] must be \{"a": "<experiment>", "b": "<experiment>"\}/);
  });

  it('a seed with 0/0 discordant images reads "the same mistakes", not "not all in the same direction"', async () => {
    const dir = join(root, 'same-mistakes', 'kmnist');
    writeRun(dir, 'cnn', 1, { acc: 0.9, predicted: cnnPred });
    writeRun(dir, 'fcnn', 1, { acc: 0.5, predicted: fcnnPred });
    writeRun(dir, 'cnn', 2, { acc: 0.9, predicted: cnnPred });
    writeRun(dir, 'fcnn', 2, { acc: 0.9, predicted: cnnPred });
    const pair = (await summarize(await readFinishedRuns(dir))).comparisons.find((c) => c.a === 'cnn' && c.b === 'fcnn');
    expect(pair?.perSeed.map((r) => [r.aOnly, r.bOnly])).toEqual([[10, 2], [0, 0]]);
    expect(pair?.combined?.words).toBe('mixed: 1/2 seeds p < 0.05; in seed 2 the two models made the same mistakes; not settled');
    expect(pair?.perSeed[1].words).toMatch(/^cnn and fcnn made the same mistakes/);
  });

  it('writes summary.json and summary.md', async () => {
    const s = await summarize(await readFinishedRuns(kmnist));
    const paths = await writeSummary(s);
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(s)));
    const md = readFileSync(paths.md, 'utf8');
    expect(md).toContain('### cnn vs fcnn: Does a CNN beat a fully-connected network?');
    expect(md).toContain('| 1 | 10 | 2 | 8 | 0 | = 0.0386 |');
    expect(md).toContain('| cnn | 3 | 0.8600 ± 0.0100 | [0.8352, 0.8848] |');
    expect(existsSync(join(kmnist, 'summary.json.tmp-' + process.pid))).toBe(false);
  });

  it('summary.json names the test of its p-values and the correction of all pairs (issue 26 item 6)', async () => {
    const s = await summarize(await readFinishedRuns(kmnist), { allPairs: true });
    const json = JSON.parse(JSON.stringify(s)) as { test: string; multipleComparisons: string; allPairs: { test: string; multipleComparisonCorrection: string } };
    expect(json.test).toBe("McNemar's exact binomial test, two-sided");
    expect(json.multipleComparisons).toMatch(/largest per-seed p.*allPairs: Holm/);
    expect(json.allPairs.test).toBe("McNemar's exact binomial test, two-sided");
    expect(json.allPairs.multipleComparisonCorrection).toMatch(/^Holm-Bonferroni step-down/);
  });

  it('a run that stayed at chance is flagged in summary.json and summary.md (issue 26 item 9)', async () => {
    const dir = join(root, 'chance', 'kmnist');
    const warning = 'not learning: validation accuracy stayed at chance (0.10 for 10 classes) for all 12 epochs';
    writeRun(dir, 'cnn', 1, { acc: 0.1, predicted: truth.map(() => 0), warnings: [warning] });
    writeRun(dir, 'cnn', 2, { acc: 0.9, predicted: cnnPred });
    const s = await summarize(await readFinishedRuns(dir));
    expect(s.experiments[0].warnings).toEqual([{ seed: 1, warning }]);
    expect(renderSummaryMarkdown(s)).toContain(`⚠ cnn seed 1: ${warning}`);
  });

  it('k49: balanced accuracy is the headline', async () => {
    const k49 = join(root, 'k49');
    writeRun(k49, 'cnn', 1, { acc: 0.9, balanced: 0.8, predicted: cnnPred });
    writeRun(k49, 'cnn', 2, { acc: 0.92, balanced: 0.84, predicted: cnnPred });
    const s = await summarize(await readFinishedRuns(k49));
    expect(s.headlineMetric).toBe('balanced-accuracy');
    expect(s.experiments[0].balancedAccuracy.mean).toBeCloseTo(0.82, 12);
    const md = renderSummaryMarkdown(s);
    expect(md).toContain('| experiment | seeds | balanced accuracy | 95 % CI | test accuracy |');
    expect(md).toContain('| cnn | 2 | 0.8200 ± 0.0283 |');
  });

  it('bad files are user errors naming the file', async () => {
    const bad = join(root, 'bad');
    writeRun(bad, 'cnn', 1, { acc: 0.9, predicted: cnnPred });
    writeFileSync(join(bad, 'cnn', 'seed-1', 'metrics.json'), '{"testAccuracy": "high"}');
    await expect(readFinishedRuns(bad)).rejects.toThrow(/metrics\.json: field 'testAccuracy' must be a finite number/);
    writeFileSync(join(bad, 'cnn', 'seed-1', 'predictions-test.csv'), 'idx,y\n1,2\n');
    await expect(readPredictions(join(bad, 'cnn', 'seed-1', 'predictions-test.csv'))).rejects.toThrow(/predictions-test\.csv: header must start with index,true,predicted/);
    await expect(readFinishedRuns(join(root, 'absent'))).rejects.toThrow(/no such runs folder/);
  });
});

describe('headline metric', () => {
  it('is the registry entry of each dataset, plain accuracy for an unknown name', () => {
    for (const name of DATASET_NAMES) expect(headlineMetricFor(name)).toBe(DATASETS[name].metric);
    expect(headlineMetricFor('k49')).toBe('balanced-accuracy');
    expect(headlineMetricFor('kmnist')).toBe('accuracy');
    expect(headlineMetricFor('renamed-folder')).toBe('accuracy');
  });
});
