// The page in real headless Chromium over synthetic runs: draw, see every model answer, pick test images,
// and check the browser's probabilities against Node's for the same 28x28 input.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.ts';
import { makeSyntheticRuns, predictNode, type SyntheticRuns } from './fixtures.ts';
import { startHarness, type Harness } from './server-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP_MESSAGE = `skipped: ${CHROMIUM} is absent (install Debian's chromium to run the browser tests)`;
export const SCREENSHOT_DIR = join(REPO_ROOT, '.tmp');

let dir: string;
let synthetic: SyntheticRuns;
let server: Harness;
let browser: Browser;
let page: Page;
const requested: string[] = [];

interface RowState {
  id: string;
  predicted: number | null;
  probs: number[] | null;
}

async function rows(): Promise<RowState[]> {
  return page.$$eval('#models .model', (nodes) =>
    nodes.map((n) => {
      const el = n as HTMLElement;
      return {
        id: el.dataset.runId ?? '',
        predicted: el.dataset.predicted === undefined ? null : Number(el.dataset.predicted),
        probs: el.dataset.probs === undefined ? null : (JSON.parse(el.dataset.probs) as number[]),
      };
    }),
  );
}

/** Waits until a prediction pass finishes after `before` (the page counts them on <body>). */
async function waitForPredictions(before: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.dataset.predictions ?? '0') > n, before);
}

const predictionCount = (): Promise<number> => page.evaluate(() => Number(document.body.dataset.predictions ?? '0'));

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((v, k) => Math.abs(v - expected[k])));
  expect(worst).toBeLessThan(1e-4);
}

describe.skipIf(!hasChromium)('serve page in headless Chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kmnist-web-e2e-'));
    synthetic = await makeSyntheticRuns(join(dir, 'runs'));
    await mkdir(join(dir, 'report'));
    await writeFile(join(dir, 'report', 'report.html'), '<!doctype html><meta charset="utf-8"><title>synthetic report</title><h1>Findings</h1>');
    server = await startHarness(join(dir, 'runs'), join(dir, 'report'), synthetic.testSet);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 }, hasTouch: true });
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const started = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    // Reported, not asserted: timings are for bench/, and this machine's cores are shared.
    console.log(`page ready with 2 models in ${Date.now() - started} ms (backend ${await page.evaluate(() => window.kmnistLab?.backend)})`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads every neural model, says which runs it skips, and fetches nothing from elsewhere', async () => {
    expect((await rows()).map((r) => r.id)).toEqual(['kmnist/cnn/seed-1', 'kmnist/fcnn/seed-1']);
    expect(await page.textContent('#status')).toMatch(/2 models ready/);
    expect(await page.textContent('#other-runs')).toContain('knn');
    const report = page.frameLocator('#report iframe');
    expect(await report.locator('h1').textContent()).toBe('Findings');
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((u) => !u.startsWith(server.url))).toEqual([]);
  });

  it('draws a stroke and every model answers, as Node would for the same 28x28 image', async () => {
    const before = await predictionCount();
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('no pad on the page');
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.25);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.3, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await waitForPredictions(before);
    const input = await page.evaluate(() => window.kmnistLab?.input() ?? null);
    if (!input) throw new Error('the page has no input after drawing');
    expect(input).toHaveLength(784);
    expect(Math.max(...input)).toBeGreaterThan(200);
    const shown = await rows();
    for (const row of shown) {
      const run = synthetic.runs.find((r) => r.id === row.id);
      if (!run?.model || !row.probs) throw new Error(`no prediction from ${row.id}`);
      const node = predictNode(run.model, input, 1)[0];
      expectClose(row.probs, node);
      expect(row.predicted).toBe(node.indexOf(Math.max(...node)));
    }
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'web-e2e-drawing.png'), fullPage: true });
  });

  it('draws with a pen (pointer events with pointerType pen)', async () => {
    await page.click('#clear');
    const before = await predictionCount();
    await page.evaluate(() => {
      const pad = document.getElementById('pad') as HTMLCanvasElement;
      const r = pad.getBoundingClientRect();
      const at = (type: string, fx: number, fy: number): void => {
        const init = { pointerId: 7, pointerType: 'pen', isPrimary: true, button: 0, buttons: 1, bubbles: true, clientX: r.left + r.width * fx, clientY: r.top + r.height * fy };
        pad.dispatchEvent(new PointerEvent(type, init));
      };
      at('pointerdown', 0.5, 0.2);
      at('pointermove', 0.5, 0.5);
      at('pointermove', 0.5, 0.8);
      at('pointerup', 0.5, 0.8);
    });
    await waitForPredictions(before);
    const input = await page.evaluate(() => window.kmnistLab?.input() ?? []);
    // A vertical line: scaled to fill the frame it is 28 rows tall; in MNIST style, 20.
    const inkRows = (img: number[]): number => Array.from({ length: 28 }, (_, y) => img.slice(y * 28, y * 28 + 28).some((v) => v > 0)).filter(Boolean).length;
    expect(inkRows(input)).toBe(28);
    const beforeStyle = await predictionCount();
    await page.selectOption('#fit-style', 'mnist');
    await waitForPredictions(beforeStyle);
    expect(inkRows(await page.evaluate(() => window.kmnistLab?.input() ?? []))).toBe(20);
    await page.selectOption('#fit-style', 'kmnist');
    expect((await rows()).every((r) => r.predicted !== null)).toBe(true);
  });

  it('answers a touch on the pad too', async () => {
    await page.click('#clear');
    const before = await predictionCount();
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('no pad on the page');
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
    await waitForPredictions(before);
    expect((await rows()).every((r) => r.predicted !== null)).toBe(true);
  });

  it('gives, for a picked test image, the class the run saved for it', async () => {
    await page.selectOption('#test-run', 'kmnist/cnn/seed-1');
    for (const button of ['#pick-random', '#pick-mistake']) {
      const before = await predictionCount();
      await page.click(button);
      await waitForPredictions(before);
      const index = Number(await page.getAttribute('#test-info', 'data-index'));
      const saved = Number(await page.getAttribute('#test-info', 'data-saved-predicted'));
      const cnn = synthetic.runs[0];
      expect(saved).toBe(cnn.predicted[index]);
      for (const row of await rows()) {
        const run = synthetic.runs.find((r) => r.id === row.id);
        if (!run || !row.probs) throw new Error(`no prediction from ${row.id}`);
        expect(row.predicted).toBe(run.predicted[index]);
        expectClose(row.probs, run.probs[index]);
      }
      if (button === '#pick-mistake') expect(synthetic.testSet.labels[index]).not.toBe(saved);
    }
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'web-e2e-test-image.png'), fullPage: true });
    console.log(`screenshots: ${SCREENSHOT_DIR}/web-e2e-{drawing,test-image}.png`);
  });

  it('says clearly when there are no runs yet', async () => {
    const empty = await startHarness(join(dir, 'absent-runs'), join(dir, 'no-report'), null);
    try {
      const other = await browser.newPage();
      await other.goto(empty.url);
      await other.waitForFunction(() => document.body.dataset.state === 'ready');
      const text = await other.textContent('#no-runs');
      expect(text).toContain('No finished runs');
      expect(text).toContain('kmnist-lab train');
      expect(await other.textContent('#report')).toContain('kmnist-lab report');
      await other.close();
    } finally {
      await empty.close();
    }
  });
});

if (!hasChromium) {
  describe('serve page in headless Chromium', () => {
    it.skip(SKIP_MESSAGE, () => undefined);
  });
}
