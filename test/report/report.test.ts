// Builds a report from a tiny SYNTHETIC study (see fixture.ts) and checks it as a reader would.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type ReportResult } from '../../src/report/build-report.ts';
import { runCli } from '../helpers/cli.ts';
import { writeSyntheticStudy } from './fixture.ts';
import { addPairs } from '../../src/study/study-pairs.ts';

const CHROMIUM = '/usr/bin/chromium';
const NOT_LEARNING = 'not learning: the validation accuracy stayed at chance (best 0.1000 over 4 epochs; chance is 0.1000 for 10 classes)';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let root: string;
let runsDir: string;
let outDir: string;
let result: ReportResult;
let md: string;
let html: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kmnist-report-'));
  ({ runsDir } = await writeSyntheticStudy(root));
  // A run that ended with a not-learning warning (src/training/learning-check.ts) in its metrics.json.
  const fcnn1 = join(runsDir, 'fcnn', 'seed-1', 'metrics.json');
  writeFileSync(fcnn1, JSON.stringify({ ...JSON.parse(readFileSync(fcnn1, 'utf8')), warnings: [NOT_LEARNING] }));
  outDir = join(root, 'report');
  result = await buildReport({ runsDir, outDir });
  md = readFileSync(result.markdownPath, 'utf8');
  html = readFileSync(result.htmlPath, 'utf8');
  // a whole report (models, charts, diagrams, font subsetting): minutes on a loaded 2-core machine
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('report from a synthetic study', () => {
  it('opens with a summary: the experiments at a glance, findings whose numbers come from the runs, the overlay chart, then the contents', () => {
    const findings = md.slice(md.indexOf('## Summary'), md.indexOf('## Comparison'));
    expect(md.indexOf('## Summary')).toBeLessThan(md.indexOf('## Comparison'));
    expect(findings).toMatch(/\| cnn \| 2 \| 92\.50 ± 3\.54 % \| [\d.]+–[\d.]+ % \| [\d.]+ ± [\d.]+ % \| [\d,]+ \|/);
    expect(findings).toContain('images/curves-all-experiments.png');
    // the dataset named as it was used: its title, the dataset flag and the folder the files came from
    expect(findings).toContain('**Kuzushiji-MNIST (KMNIST, 10 classes)** (`kmnist` read from');
    expect(findings).toContain('kmnist-synthetic');
    expect(findings).toContain('Still improving at the epoch cap: cnn (seed 2) scored best on their last epoch');
    expect(findings).toMatch(/Few seeds: cnn, fcnn ran with 2 seeds: the 95 % CI uses Student's t with 1 degree of freedom/);
    // the table of contents links every experiment's section
    for (const e of ['cnn', 'fcnn']) expect(findings).toContain(`- [${e}](#${e})`);
    expect(md).toMatch(/^## cnn$/m);
    expect(html).toMatch(/<nav aria-label="contents">.*<a href="#cnn">cnn<\/a>.*<a href="#fcnn">fcnn<\/a>/s);
    expect(html).toContain('<h2 id="cnn">cnn</h2>');
    // cnn 0.90/0.95 vs fcnn 0.70/0.80: per-seed differences 20 and 15 points -> 17.50 ± 3.54.
    expect(findings).toContain('**cnn** beats **fcnn** by 17.50 ± 3.54 points of test accuracy');
    // McNemar per seed: 4/0 -> p = 0.125, 3/0 -> p = 0.25; the verdict uses the largest.
    expect(findings).toContain('p = 0.250');
    expect(findings).toContain('Best test accuracy: **cnn** with 92.50 ± 3.54 %');
    // the pairs table has no rows for experiments that were not run (cnn-aug, fcnn-aug, ... here)
    const pairs = readFileSync(join(outDir, 'tables', 'pairs.csv'), 'utf8').trim().split('\n');
    expect(pairs).toHaveLength(2);
    expect(pairs[1]).toMatch(/^cnn vs fcnn,/);
    expect(findings).toMatch(/⚠ validated on test.*fcnn seed 2\b/);
    expect(html).toContain('<strong>cnn</strong> beats <strong>fcnn</strong> by 17.50 ± 3.54 points');
  });

  it('shows the soft-vote ensembles as rows, against the representative seed, and in each experiment\'s section', () => {
    // Predictions put 0.91 on the answer. cnn: seed 1 says 8 for image 9 (a 9), seed 2 says 9: a tie, which goes
    // to the lower class (8, wrong); both miss image 19. So the ensemble is right on 18 of 20, as seed 1.
    // fcnn: seed 1 misses 9, 19, 0..3 and seed 2 misses 19, 4..6, each time saying the next class: the ties on
    // 0..6 go to the true class, so it is right on 18 of 20: +20 points over seed 1 (70 %), 4 / 0, p = 2/16.
    const glance = md.slice(md.indexOf('## Summary'), md.indexOf('## Comparison'));
    expect(glance).toContain('| cnn ensemble | ensemble of 2 | 90.00 % | — (ensemble) |');
    expect(glance).toContain('| fcnn ensemble ⚠ | ensemble of 2 | 90.00 % | — (ensemble) |');
    expect(glance).toContain('| neural ensemble ⚠ | ensemble of 2 experiments | 90.00 % | — (ensemble) |');
    expect(glance).toContain('**fcnn ensemble** 90.00 %, +20.00 points over fcnn seed 1 (McNemar p = 0.125: could be chance) ⚠ validated on test');
    const table = readFileSync(join(outDir, 'tables', 'ensembles.csv'), 'utf8').trim().split('\n');
    expect(table).toHaveLength(1 + 3);
    expect(table[1]).toBe('cnn ensemble,"seeds 1, 2",90.00 %,cnn seed 1 (the representative seed): 90.00 %,±0.00 points,0 / 0,p = 1,1: ±0.00 points (p = 1); 2: −5.00 points (p = 1),−2.50 points over the mean of its seeds');
    expect(table[2]).toMatch(/^fcnn ensemble ⚠,"seeds 1, 2",90\.00 %,fcnn seed 1 \(the representative seed\): 70\.00 %,\+20\.00 points,4 \/ 0,p = 0\.125,/);
    // the neural ensemble is tested against the best experiment's (cnn's) representative seed
    expect(table[3]).toMatch(/^neural ensemble ⚠,"cnn \(seeds 1, 2\), fcnn \(seeds 1, 2\)",90\.00 %,cnn seed 1 \(the representative seed of the best experiment by mean test accuracy\): 90\.00 %,/);
    const experiments = readFileSync(join(outDir, 'tables', 'experiments.csv'), 'utf8');
    expect(experiments).toContain('cnn ensemble,"ensemble of seeds 1, 2",90.00 %,— (ensemble),');
    const fcnn = md.slice(md.indexOf('## fcnn'));
    expect(fcnn).toContain('**Ensemble of seeds 1, 2** (soft vote: the mean of their saved test probabilities; no training of its own): test accuracy 90.00 %, +20.00 points over seed 1 (the representative seed; McNemar: fcnn ensemble is right on 4 images fcnn seed 1 gets wrong');
    expect(html).toContain('<strong>Ensemble of seeds 1, 2</strong>');
  });

  it('flags the run validated on the test set next to its numbers', () => {
    expect(md).toMatch(/\| fcnn \| 2 \| 80\.00 % \|.*⚠ validated on test \(preset seed\) \|/);
    expect(md).toMatch(/\| fcnn \| 1 \| 70\.00 % \|.*val split 0\.1 \|/);
    expect(md).toContain('Test accuracy 80.00 % (⚠ validated on test: preset seed)');
  });

  it('has per-class reports labelled with characters, a never-predicted class at precision 0', () => {
    // cnn seed 1 predicts both "9 を" test images as "8 れ".
    expect(md).toContain('| 9 を | 0.0000 | 0.0000 | 0.0000 | 2 |');
    expect(md).toContain('| 8 れ | 0.5000 | 1.0000 | 0.6667 | 2 |');
    for (const ext of ['csv', 'md', 'html', 'tex', 'txt']) {
      expect(existsSync(join(outDir, 'tables', `classification-cnn-seed-1-test.${ext}`))).toBe(true);
      expect(existsSync(join(outDir, 'tables', `classification-fcnn-seed-2-train.${ext}`))).toBe(true);
    }
    expect(readFileSync(join(outDir, 'tables', 'classification-cnn-seed-1-test.tex'), 'utf8')).toContain('\\toprule');
    expect(readFileSync(join(outDir, 'tables', 'classification-cnn-seed-1-test.txt'), 'utf8')).toContain('         9 を       0.00      0.00      0.00         2');
  });

  it('makes every figure: curves, overlay, confusion, diagrams, kernels, activations, gallery, examples', () => {
    const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURI(m[1]));
    for (const f of images) expect(existsSync(join(outDir, f)), f).toBe(true);
    const expected = [
      'curves-all-experiments',
      'curves-cnn',
      'curves-fcnn',
      'architecture-cnn',
      'architecture-fcnn',
      'dataset-examples',
      'confusion-fcnn-seed-1',
      'kernels-cnn-seed-1-conv1',
      'kernels-cnn-seed-1-conv2',
      'activations-cnn-seed-1-conv2',
      'mistakes-fcnn-seed-1',
    ];
    for (const name of expected) expect(images, name).toContain(`images/${name}.png`);
    // fcnn has no conv layer: no kernel images for it
    expect(images.some((f) => f.includes('kernels-fcnn'))).toBe(false);
    const png = readFileSync(join(outDir, 'images', 'curves-cnn.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(readFileSync(join(outDir, 'images', 'architecture-cnn.svg'), 'utf8')).toContain('(None, 4, 4, 6)');
    // self-contained HTML: every image inlined, nothing fetched
    expect((html.match(/<img src="data:image\/png;base64,/g) ?? []).length).toBe(images.length);
    expect(html).not.toMatch(/(src|href)="(https?:|images\/)/);
  });

  it('draws illustrative figures and the confusion heatmap for one representative seed per experiment and says which', () => {
    const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURI(m[1]));
    const perSeed = images.filter((f) => /^images\/(kernels|activations|mistakes|confusion)-/.test(f));
    // cnn: 2 conv layers x (kernels + activations) + gallery + heatmap; fcnn: gallery + heatmap
    expect(perSeed.sort()).toEqual(
      [
        'activations-cnn-seed-1-conv1',
        'activations-cnn-seed-1-conv2',
        'confusion-cnn-seed-1',
        'confusion-fcnn-seed-1',
        'kernels-cnn-seed-1-conv1',
        'kernels-cnn-seed-1-conv2',
        'mistakes-cnn-seed-1',
        'mistakes-fcnn-seed-1',
      ].map((n) => `images/${n}.png`),
    );
    // nor are the other seed's written to the report folder
    const files = readdirSync(join(outDir, 'images'));
    expect(files.filter((f) => /-seed-2/.test(f))).toEqual([]);
    expect(result.files.some((f) => f.startsWith('images/') && f.includes('-seed-2'))).toBe(false);
    expect(html).not.toMatch(/alt="[^"]*(kernels|activations|misclassified test images|confusion matrix) of \w+-seed-2"/);
    // the text says which seed stands for the others, in both renderings
    expect(md).toContain('and the confusion heatmap are drawn for one representative seed per experiment, the lowest seed present: seed 1 for every experiment.');
    expect(md).toContain('Figures of seed 1, the representative seed (they stand for seed 2, which are not drawn): confusion matrix, the most confident mistakes, learned filters and activation maps.');
    expect(html).toContain('the lowest seed present: seed 1 for every experiment.');
    expect(html).toContain('Figures of seed 1, the representative seed');
    expect(md).not.toContain('cnn seed 2: learned filters');
  });

  it('keeps every seed\'s results: runs table, per-class reports, confusion counts, mistakes as a table', () => {
    for (const [experiment, seed] of [['cnn', 1], ['cnn', 2], ['fcnn', 1], ['fcnn', 2]] as const) {
      const name = `${experiment}-seed-${seed}`;
      expect(md).toMatch(new RegExp(`\\| ${experiment} \\| ${seed} \\| \\d+\\.\\d+ % \\|`));
      expect(md).toContain(`**${experiment}, seed ${seed}: test accuracy`);
      expect(md).toContain(`#### ${experiment} seed ${seed}: test set`);
      expect(md).toContain(`#### ${experiment} seed ${seed}: train set`);
      expect(existsSync(join(outDir, 'tables', `classification-${name}-test.csv`)), name).toBe(true);
      expect(readFileSync(join(outDir, 'tables', `confusion-${name}.csv`), 'utf8').trim().split('\n'), name).toHaveLength(1 + 10);
      expect(md).toContain(`#### ${experiment} seed ${seed}: test images it gets wrong`);
    }
    // seed 2's confusion matrix: the heatmap's counts as a table, in both renderings
    const cnn2 = md.slice(md.indexOf('**cnn, seed 2:'));
    expect(cnn2).toContain('Confusion matrix (test) as counts; its heatmap is drawn for the representative seed, cnn seed 1.');
    expect(cnn2).toContain('*cnn seed 2: confusion matrix (test), counts; rows = true class, columns = predicted*');
    // cnn seed 2 gets test image 19 (class 9) wrong, as class 8: row 9 has 1 in column 8 and 1 on the diagonal
    expect(cnn2).toContain('| 9 を | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 1 | 1 |');
    expect(html).toContain('<caption>cnn seed 2: confusion matrix (test), counts; rows = true class, columns = predicted</caption>');
    expect(readFileSync(join(outDir, 'tables', 'confusion-cnn-seed-2.csv'), 'utf8')).toContain('9 を,0,0,0,0,0,0,0,0,1,1');
    const runsCsv = readFileSync(join(outDir, 'tables', 'runs.csv'), 'utf8').trim().split('\n');
    expect(runsCsv).toHaveLength(1 + 4);
    // fcnn seed 2 gets test images 19, 4, 5, 6 wrong: listed, not pictured
    const fcnn2 = md.slice(md.indexOf('#### fcnn seed 2: test images it gets wrong'));
    expect(fcnn2).toContain('4 of 20 test images are misclassified; the 4 most confident mistakes (pictured for the representative seed, fcnn seed 1, only):');
    expect(fcnn2).toMatch(/\| test image \| true \| predicted \| confidence \|/);
    for (const i of [4, 5, 6, 19]) expect(fcnn2).toMatch(new RegExp(`\\| ${i} \\| `));
  });

  it("lists a run's own warnings (not learning) among the report's warnings", () => {
    expect(result.warnings).toContain(`fcnn seed 1: ${NOT_LEARNING}`);
    expect(md).toContain(`fcnn seed 1: ${NOT_LEARNING}`);
  });

  it('gives each experiment its per-class report over seeds (mean ± std) and folds each seed\'s details', () => {
    const cnn = md.slice(md.indexOf('## cnn'), md.indexOf('## fcnn'));
    expect(cnn).toContain('*cnn: classification report (test), mean ± std over 2 seeds*');
    // "9 を": recall 0 (seed 1) and 0.5 (seed 2) -> 0.2500 ± 0.3536
    expect(cnn).toMatch(/\| 9 を \| [\d.]+ ± [\d.]+ \| 0\.2500 ± 0\.3536 \| [\d.]+ ± [\d.]+ \| 2 \|/);
    expect(existsSync(join(outDir, 'tables', 'classification-cnn-test-over-seeds.csv'))).toBe(true);
    expect(cnn).toContain('**Still improving at the epoch cap** (seed 2');
    expect((html.match(/<details><summary>[a-z]+, seed \d: test accuracy/g) ?? []).length).toBe(4);
    expect(html).toContain('<details><summary>cnn: architecture (layers, shapes, parameters)</summary>');
    expect(html).toMatch(/<details><summary>cnn, seed 2: test accuracy 95\.00 %/);
  });

  it('embeds the bundled font, subset to the report\'s text', () => {
    expect(html).toMatch(/@font-face\{font-family:'Noto Sans JP';[^}]*src:url\(data:font\/woff2;base64,/);
    expect(html).toContain("font-family:'Noto Sans JP'");
  });

  it('skips the unfinished run with a warning and lists it', () => {
    expect(result.runs).toBe(4);
    expect(result.warnings.some((w) => w.includes('cnn-aug') && w.includes('unfinished'))).toBe(true);
    expect(md).toContain('Not counted (unfinished): cnn-aug seed 1.');
  });

  it('renders in headless Chromium without console errors', async (ctx) => {
    if (!existsSync(CHROMIUM)) {
      ctx.skip(`skipped: ${CHROMIUM} is absent (install the Debian chromium package to check report.html in a browser)`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()}`));
      await page.goto(pathToFileURL(result.htmlPath).href, { waitUntil: 'load' });
      const broken = await page.$$eval('img', (imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length);
      expect(broken).toBe(0);
      expect(await page.textContent('h2')).toBe('Summary');
      // folded: each seed's details (4 runs), each experiment's diagram and illustrations (2 x 2)
      expect(await page.$$eval('details', (ds) => ds.filter((d) => !(d as HTMLDetailsElement).open).length)).toBe(8);
      // the text is drawn in the embedded font, not a system one
      expect(await page.evaluate(() => document.fonts.check("16px 'Noto Sans JP'", 'おき'))).toBe(true);
      const shot = join(outDir, 'screenshot.png');
      writeFileSync(shot, await page.screenshot({ fullPage: false }));
      expect(readFileSync(shot).length).toBeGreaterThan(1000);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('report command', () => {
  it('fails with one clear line when the runs folder is missing or holds no finished run, before creating or locking --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmnist-report-no-runs-'));
    try {
      const unfinished = join(dir, 'runs', 'kmnist', 'cnn', 'seed-1'); // a run folder without metrics.json
      mkdirSync(unfinished, { recursive: true });
      const [missing, empty] = await Promise.all([
        runCli(['report', '--runs', join(dir, 'no-such-runs-folder'), '--out', join(dir, 'report-a')]),
        runCli(['report', '--runs', join(dir, 'runs'), '--out', join(dir, 'report-b')]),
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/--runs .*no-such-runs-folder: no such folder/);
      expect(missing.stderr).not.toMatch(/\n\s+at /);
      expect(empty.code, empty.stderr).toBe(1);
      expect(empty.stderr).toMatch(/--runs .*kmnist: no finished runs/);
      // the output folders were neither created nor locked (a lock would have left report-*/.lock behind on a crash)
      expect(existsSync(join(dir, 'report-a'))).toBe(false);
      expect(existsSync(join(dir, 'report-b'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--all-pairs: a Holm-adjusted matrix of every pair; pairs added with run --compare are compared too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmnist-report-pairs-'));
    try {
      const { runsDir: runs } = await writeSyntheticStudy(dir);
      // a third experiment: fcnn seed 1's run under another name (wrong on 9, 19, 0..3, as fcnn seed 1)
      cpSync(join(runs, 'fcnn', 'seed-1'), join(runs, 'keras-cnn', 'seed-1'), { recursive: true });
      const config = join(runs, 'keras-cnn', 'seed-1', 'config.json');
      writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), experiment: 'keras-cnn' }));
      await addPairs(runs, [{ a: 'keras-cnn', b: 'cnn' }]); // what `run --compare keras-cnn:cnn` keeps
      const out = join(dir, 'out');
      const r = await runCli(['report', '--runs', runs, '--out', out, '--all-pairs', '--mistakes', '0']);
      expect(r.code, r.stderr).toBe(0);
      const report = readFileSync(join(out, 'report.md'), 'utf8');
      // seed 1 of each: cnn vs fcnn 4/0 (p = 0.125), cnn vs keras-cnn 4/0 (0.125), fcnn vs keras-cnn 0/0 (1).
      // Holm over m = 3: 0.125 x 3 = 0.375, then max(0.375, 0.125 x 2) = 0.375, then 1.
      expect(report).toContain('### Every pair of experiments');
      expect(report).toContain("p-values adjusted with Holm's step-down method over the 3 pairs tested");
      expect(report).toContain('| row \\\\ column | cnn | fcnn | keras-cnn |');
      expect(report).toContain('| cnn | — | p = 0.375 | p = 0.375 |');
      expect(report).toContain('| keras-cnn | p = 0.375 | p = 1 | — |');
      const list = readFileSync(join(out, 'tables', 'all-pairs.csv'), 'utf8').trim().split('\n');
      expect(list.slice(1)).toEqual([
        'cnn vs fcnn,1 / 1,4 / 0,p = 0.125,p = 0.375,could be chance',
        'cnn vs keras-cnn,1 / 1,4 / 0,p = 0.125,p = 0.375,could be chance',
        'fcnn vs keras-cnn,1 / 1,0 / 0,p = 1,p = 1,the same images right',
      ]);
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<td class="num">p = 0.375</td>');
      // the study's own pair, then the added one
      const pairs = readFileSync(join(out, 'tables', 'pairs.csv'), 'utf8').trim().split('\n');
      expect(pairs.slice(1).map((l) => l.split(',')[0])).toEqual(['cnn vs fcnn', 'keras-cnn vs cnn']);
      expect(report).toContain('Do keras-cnn and cnn differ? (added with run --compare)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('names the file when a run holds malformed JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmnist-report-bad-'));
    try {
      const { runsDir: bad } = await writeSyntheticStudy(dir);
      writeFileSync(join(bad, 'cnn', 'seed-1', 'config.json'), '{ not json');
      const r = await runCli(['report', '--runs', bad, '--out', join(dir, 'out')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(join(bad, 'cnn', 'seed-1', 'config.json'));
      expect(r.stderr).toMatch(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
