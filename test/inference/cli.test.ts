// predict, evaluate and export as a user runs them, on runs trained here from the real kmnist-10k files.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { encodeIdx } from '../../src/data/idx.ts';
import { loadDataset } from '../../src/data/load.ts';
import { readImageFile } from '../../src/inference/image-input.ts';
import { prepareImage } from '../../src/inference/preprocess.ts';
import type { Dataset } from '../../src/data/types.ts';
import { parsePredictionsCsv } from '../../src/run-folder/read.ts';
import { trainRun } from '../../src/training/train-run.ts';
import { hasSharedData, runCli, SHARED_DATA, SHARED_SKIP_MESSAGE } from '../helpers/cli.ts';
import { syntheticDataset } from '../training/synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-predict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DATA_DIR = join(SHARED_DATA, 'kmnist-10k');
const experimentDir = join(root, 'runs', 'kmnist', 'fcnn');
const run1 = join(experimentDir, 'seed-1');
const TEST_COUNT = 40;
let data: Dataset;

/** A dataset image as a user's file would be: dark ink on white paper, 3x larger, RGB. */
function paperImage(pixels: Uint8Array, scale = 3, srcSide = 28): { width: number; height: number; rgba: Uint8Array } {
  const side = srcSide * scale;
  const rgba = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = 255 - pixels[Math.floor(y / scale) * srcSide + Math.floor(x / scale)];
      rgba.set([v, v, v, 255], (y * side + x) * 4);
    }
  }
  return { width: side, height: side, rgba };
}

describe.skipIf(!hasSharedData)('predict, evaluate, export (CLI)', () => {
  beforeAll(async () => {
    const full = await loadDataset({ dataset: 'kmnist', dataDir: DATA_DIR });
    const px = 28 * 28;
    // A small, quick training set; the test images are the first of the real test split.
    data = {
      ...full,
      train: { ...full.train, images: full.train.images.slice(0, 3000 * px), labels: full.train.labels.slice(0, 3000), count: 3000 },
      test: { ...full.test, images: full.test.images.slice(0, TEST_COUNT * px), labels: full.test.labels.slice(0, TEST_COUNT), count: TEST_COUNT },
    };
    for (const seed of [1, 2]) await trainRun({ experiment: 'fcnn', data, epochs: 2, seed, backend: 'wasm', threads: 1, out: join(root, 'runs'), progress: 'none' });
    writeFileSync(join(root, 'test-images-idx3-ubyte'), encodeIdx([TEST_COUNT, 28, 28], data.test.images));
    const images = join(root, 'images');
    mkdirSync(images);
    for (let i = 0; i < 6; i++) {
      const img = paperImage(data.test.images.subarray(i * px, (i + 1) * px));
      if (i % 2 === 0) {
        const png = new PNG({ width: img.width, height: img.height });
        png.data = Buffer.from(img.rgba);
        writeFileSync(join(images, `char-${i}.png`), PNG.sync.write(png));
      } else {
        writeFileSync(join(images, `char-${i}.jpg`), jpeg.encode({ width: img.width, height: img.height, data: img.rgba }, 95).data);
      }
    }
    writeFileSync(join(images, 'notes.png'), 'not an image at all');
  }, 600_000);

  it('predict on an idx file gives the probabilities the run saved for the same images', async () => {
    const r = await runCli(['predict', run1, join(root, 'test-images-idx3-ubyte'), '--csv', '--top-k', '10']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe('input,rank,class,name,char,probability');
    expect(rows).toHaveLength(1 + TEST_COUNT * 10);
    const saved = parsePredictionsCsv(readFileSync(join(run1, 'predictions-test.csv'), 'utf8'), 'predictions-test.csv', 10);
    for (const row of rows.slice(1)) {
      const cells = row.split(',');
      const image = Number(cells[0].split('#')[1]);
      const cls = Number(cells[2]);
      expect(Number(cells[cells.length - 1])).toBeCloseTo(saved.probs[image * 10 + cls], 5);
    }
  });

  it('predict on a folder of PNG/JPEG files: the ensemble of seeds, the same top class as the dataset images, one line for a bad file', async () => {
    const r = await runCli(['predict', experimentDir, join(root, 'images'), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped .*notes\.png: not a PNG or JPEG image/);
    expect(r.stderr).toMatch(/ensemble of 2 runs \(mean probability\)/);
    const out = JSON.parse(r.stdout) as { runs: string[]; method: string; predictions: { input: string; top: { classIndex: number; probability: number; char?: string }[] }[] };
    expect(out.method).toBe('ensemble: mean probability');
    expect(out.runs).toHaveLength(2);
    expect(out.predictions).toHaveLength(6);
    expect(out.predictions[0].top).toHaveLength(3);
    expect(out.predictions[0].top[0].char).toBeTruthy();
    const idx = await runCli(['predict', experimentDir, join(root, 'test-images-idx3-ubyte'), '--json', '--top-k', '1']);
    const fromIdx = (JSON.parse(idx.stdout) as typeof out).predictions;
    // Upscaled, inverted, re-encoded images come back through the drawing page's preprocessing to the same answer.
    const agree = out.predictions.filter((p) => p.top[0].classIndex === fromIdx[Number(/char-(\d)/.exec(p.input)?.[1])].top[0].classIndex).length;
    expect(agree).toBeGreaterThanOrEqual(4); // a 2-epoch fcnn is sensitive to the re-centred crop
  });

  it('decodes a PNG of dark ink on paper to what the drawing page makes of the same character in white on black', () => {
    const px = 28 * 28;
    for (const i of [0, 2, 4]) {
      const original = data.test.images.subarray(i * px, (i + 1) * px);
      const big = paperImage(original).rgba.filter((_, k) => k % 4 === 0).map((v) => 255 - v); // white on black, 84x84
      expect(Array.from(readImageFile(join(root, 'images', `char-${i}.png`)).pixels)).toEqual(Array.from(prepareImage(big, 84, 84)));
    }
  });

  it('predict refuses a bad image with one clear line', async () => {
    const empty = join(root, 'empty.png');
    writeFileSync(empty, '');
    const r = await runCli(['predict', run1, empty]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`kmnist-lab: ${empty}: empty file, not an image`);
  });

  it('evaluate writes the report, confusion matrix and predictions into a folder of its own, and refuses other classes', async () => {
    const out = join(root, 'eval');
    const r = await runCli(['evaluate', run1, '--dataset', 'kmnist', '--data-dir', DATA_DIR, '--split', 'test', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/macro avg/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { count: number; accuracy: number; confusion: number[][]; macroAucOvr: number };
    expect(metrics.count).toBe(2000);
    expect(metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2000);
    expect(metrics.accuracy).toBeGreaterThan(0.3);
    expect(metrics.macroAucOvr).toBeGreaterThan(0.5);
    expect(readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n')).toHaveLength(2001);
    expect(readFileSync(join(out, 'confusion.csv'), 'utf8').trim().split('\n')).toHaveLength(11);
    const other = await runCli(['evaluate', run1, '--dataset', 'fashion-mnist', '--data-dir', join(SHARED_DATA, 'fashion-mnist')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/are not the 10 the run in .* was trained on/);
  });

  it('evaluate --out <a file> says it is a file, before any work', async () => {
    const file = join(root, 'afile');
    writeFileSync(file, 'x');
    const r = await runCli(['evaluate', run1, '--dataset', 'kmnist', '--data-dir', DATA_DIR, '--out', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`kmnist-lab: --out ${file}: it is a file, not a folder`);
  });

  it('export --format onnx --out <an existing folder>: one line, and no temporary left beside it', async () => {
    const folder = join(root, 'existing-folder');
    mkdirSync(folder, { recursive: true });
    const r = await runCli(['export', run1, '--format', 'onnx', '--out', folder]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/EISDIR|is a folder|a folder/);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('export writes an ONNX file and a TF.js folder', async () => {
    const r = await runCli(['export', run1, '--format', 'onnx', '--out', join(root, 'fcnn.onnx')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, 'fcnn.onnx')).length).toBeGreaterThan(100_000);
    const t = await runCli(['export', run1, '--format', 'tfjs', '--out', join(root, 'fcnn-tfjs')]);
    expect(t.code).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'fcnn-tfjs', 'labels.json'), 'utf8')).input_layout).toBe('NHWC');
    const bad = await runCli(['export', run1, '--format', 'pt']);
    expect(bad.stderr.trim()).toBe("kmnist-lab: --format: 'pt' is not one of onnx, tfjs");
  });
});

it.skipIf(hasSharedData)('predict/evaluate/export CLI tests', () => {
  console.log(SHARED_SKIP_MESSAGE);
});

describe('predict with a 64x64 model (Kuzushiji-Kanji size)', () => {
  it('prepares an image file at the model input size, not 28x28', async () => {
    const data = { ...syntheticDataset({ train: 64, test: 16, size: 64, numClasses: 4, seed: 3 }), name: 'kkanji' as const };
    const out = join(root, 'runs-64');
    await trainRun({ experiment: 'fcnn', data, epochs: 1, seed: 1, backend: 'wasm', threads: 1, out, progress: 'none' });
    const px = 64 * 64;
    const img = paperImage(data.test.images.subarray(0, px), 2, 64).rgba; // 128x128 dark ink on white
    const png = new PNG({ width: 128, height: 128 });
    png.data = Buffer.from(img);
    const file = join(root, 'kanji.png');
    writeFileSync(file, PNG.sync.write(png));
    const r = await runCli(['predict', join(out, 'kkanji', 'fcnn', 'seed-1'), file, '--json', '--top-k', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const top = (JSON.parse(r.stdout) as { predictions: { top: { probability: number }[] }[] }).predictions[0].top;
    expect(top).toHaveLength(2);
    expect(top[0].probability).toBeGreaterThan(0);
  }, 300_000);
});
