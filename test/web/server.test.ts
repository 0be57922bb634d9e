// The serve server without a browser: the runs API, test images, the report, and path traversal.
import { mkdtemp, mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamplesResponse, RunSummary, RunsResponse, TestImageResponse } from '../../src/web/api-types.ts';
import { modelGroups } from '../../src/web/runs.ts';
import { makeSyntheticRuns, type SyntheticRuns } from './fixtures.ts';
import { rawGet, startHarness, type Harness } from './server-harness.ts';

let dir: string;
let synthetic: SyntheticRuns;
let server: Harness;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kmnist-web-'));
  synthetic = await makeSyntheticRuns(join(dir, 'runs'));
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET');
  // A symlink inside the runs root that leads out of it.
  await symlink(join(dir, 'secret.txt'), join(dir, 'runs', 'kmnist', 'leak.txt'));
  await mkdir(join(dir, 'report'));
  await writeFile(join(dir, 'report', 'report.html'), '<!doctype html><title>r</title><h1>The report</h1>');
  server = await startHarness(join(dir, 'runs'), join(dir, 'report'), synthetic.testSet);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function getJsonFrom<T>(url: string, path: string): Promise<{ status: number; body: T }> {
  const res = await rawGet(url, path);
  return { status: res.status, body: JSON.parse(res.body) as T };
}

const getJson = <T>(path: string): Promise<{ status: number; body: T }> => getJsonFrom<T>(server.url, path);

describe('serve API', () => {
  it('lists the finished runs, with model URLs for neural runs only', async () => {
    const { body } = await getJson<RunsResponse>('/api/runs');
    expect(body.runs.map((r) => r.id)).toEqual(['kmnist/cnn/seed-1', 'kmnist/fcnn/seed-1', 'kmnist/knn/seed-1']);
    const [cnn, , knn] = body.runs;
    expect(cnn.modelUrl).toBe('/files/kmnist/cnn/seed-1/model/model.json');
    expect(cnn.classChars?.[0]).toBe('お');
    expect(cnn.mistakes).toBe(12);
    expect(knn.modelUrl).toBeNull();
    expect(body.reportUrl).toBe('/report/report.html');
    expect(body.problems).toEqual([]);
    expect(body.modelGroups).toEqual([
      { id: 'kmnist/cnn', experiment: 'cnn', runIds: ['kmnist/cnn/seed-1'] },
      { id: 'kmnist/fcnn', experiment: 'fcnn', runIds: ['kmnist/fcnn/seed-1'] },
    ]);
  });

  it('serves model.json and weights.bin from a run folder', async () => {
    const json = await rawGet(server.url, '/files/kmnist/cnn/seed-1/model/model.json');
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body)).toHaveProperty('weightsManifest');
    const weights = await rawGet(server.url, '/files/kmnist/cnn/seed-1/model/weights.bin');
    expect(weights.status).toBe(200);
    expect(weights.type).toBe('application/octet-stream');
  });

  it.each([
    '/files/../secret.txt',
    '/files/..%2fsecret.txt',
    '/files/kmnist/..%2F..%2Fsecret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/kmnist/..%5c..%5csecret.txt',
    '/files/kmnist/leak.txt',
    '/report/..%2fsecret.txt',
    '/files/%2Fetc%2Fpasswd',
  ])('refuses a path out of the served folder: %s', async (path) => {
    const res = await rawGet(server.url, path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).not.toContain('TOP-SECRET');
  });

  it('sends a random test image with the run saved prediction', async () => {
    const { status, body } = await getJson<TestImageResponse>('/api/test-image?run=kmnist%2Fcnn%2Fseed-1&kind=random');
    expect(status).toBe(200);
    const px = 28 * 28;
    expect(body.pixels).toEqual(Array.from(synthetic.testSet.images.subarray(body.index * px, (body.index + 1) * px)));
    expect(body.trueClass).toBe(synthetic.testSet.labels[body.index]);
    expect(body.savedPredicted).toBe(synthetic.runs[0].predicted[body.index]);
    expect(server.loads[0]).toEqual({ dataset: 'kmnist', dataDir: join(dir, 'runs', 'synthetic-data', 'kmnist') });
  });

  it('picks mistakes only when asked for a mistake', async () => {
    for (let i = 0; i < 5; i++) {
      const { body } = await getJson<TestImageResponse>('/api/test-image?run=kmnist/cnn/seed-1&kind=mistake');
      expect(body.index % 2).toBe(1);
      expect(body.savedPredicted).not.toBe(body.trueClass);
    }
  });

  it('answers bad test-image requests with a clear error', async () => {
    const unknown = await getJson<{ error: string }>('/api/test-image?run=kmnist/nope/seed-1');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('no finished run');
    const badKind = await getJson<{ error: string }>('/api/test-image?run=kmnist/cnn/seed-1&kind=worst');
    expect(badKind.status).toBe(400);
    const missingRow = await getJson<{ error: string }>('/api/test-image?run=kmnist/cnn/seed-1&index=999');
    expect(missingRow.status).toBe(400);
    expect(missingRow.body.error).toContain('999');
  });

  it("sends the first test images of each asked class, from the run's test set", async () => {
    const { status, body } = await getJson<ExamplesResponse>('/api/examples?run=kmnist/cnn/seed-1&classes=3,0,3&count=2');
    expect(status).toBe(200);
    if (!body.available) throw new Error(`examples unavailable: ${body.note}`);
    expect([body.width, body.height, body.dataset]).toEqual([28, 28, 'kmnist']);
    expect(body.examples.map((e) => e.classIndex)).toEqual([3, 0]);
    const { labels, images } = synthetic.testSet;
    for (const ex of body.examples) {
      const expected = [...labels.keys()].filter((i) => labels[i] === ex.classIndex).slice(0, 2);
      expect(ex.indices).toEqual(expected);
      const pixels = Buffer.from(ex.pixels, 'base64');
      expect(pixels.length).toBe(expected.length * 784);
      expected.forEach((row, n) => expect(Buffer.compare(pixels.subarray(n * 784, (n + 1) * 784), Buffer.from(images.subarray(row * 784, (row + 1) * 784)))).toBe(0));
    }
  });

  it('answers bad example requests with a clear error', async () => {
    const cases: [string, RegExp][] = [
      ['/api/examples?classes=1', /run=<run id> is required/],
      ['/api/examples?run=kmnist/cnn/seed-1', /classes=<k,k,...> is required/],
      ['/api/examples?run=kmnist/cnn/seed-1&classes=10', /'10' is not a class index 0\.\.9/],
      ['/api/examples?run=kmnist/cnn/seed-1&classes=1,x', /'x' is not a class index/],
      ['/api/examples?run=kmnist/cnn/seed-1&classes=1&count=0', /count must be 1\.\.16/],
      [`/api/examples?run=kmnist/cnn/seed-1&classes=${Array.from({ length: 65 }, () => 1).join(',')}`, /at most 64 classes/],
    ];
    for (const [path, message] of cases) {
      const res = await getJson<{ error: string }>(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toMatch(message);
    }
  });

  it('serves the page, its bundle and the report', async () => {
    const page = await rawGet(server.url, '/');
    expect(page.body).toContain('id="pad"');
    const app = await rawGet(server.url, '/app.js');
    expect(app.status).toBe(200);
    expect(app.type).toContain('javascript');
    expect(app.body.length).toBeGreaterThan(100_000);
    const report = await rawGet(server.url, '/report/report.html');
    expect(report.body).toContain('The report');
  });

  it('serves the bundled font: /fonts.css and the TTFs it names', async () => {
    expect((await rawGet(server.url, '/')).body).toContain('href="/fonts.css"');
    const css = await rawGet(server.url, '/fonts.css');
    expect(css.type).toContain('text/css');
    const urls = [...css.body.matchAll(/font-family:'Noto Sans JP';[^}]*src:url\((\/fonts\/[^)]+\.ttf)\)/g)].map((m) => m[1]);
    expect(urls).toHaveLength(2);
    for (const u of urls) {
      const ttf = await rawGet(server.url, u);
      expect(ttf.status).toBe(200);
      expect(ttf.type).toBe('font/ttf');
    }
  });
});

describe('serve with several seeds per experiment', () => {
  let multiDir: string;
  let multi: Harness;

  beforeAll(async () => {
    multiDir = await mkdtemp(join(tmpdir(), 'kmnist-web-seeds-'));
    const made = await makeSyntheticRuns(join(multiDir, 'runs'), { cnn: [1, 2, 3], fcnn: [3, 10, 2], knn: [1, 2] });
    multi = await startHarness(join(multiDir, 'runs'), join(multiDir, 'report'), made.testSet);
  });

  afterAll(async () => {
    await multi?.close();
    if (multiDir) await rm(multiDir, { recursive: true, force: true });
  });

  it('groups the neural runs by experiment, lowest seed first (by number), to be loaded first', async () => {
    const body = JSON.parse((await rawGet(multi.url, '/api/runs')).body) as RunsResponse;
    expect(body.runs).toHaveLength(8);
    expect(body.modelGroups).toEqual([
      { id: 'kmnist/cnn', experiment: 'cnn', runIds: ['kmnist/cnn/seed-1', 'kmnist/cnn/seed-2', 'kmnist/cnn/seed-3'] },
      { id: 'kmnist/fcnn', experiment: 'fcnn', runIds: ['kmnist/fcnn/seed-2', 'kmnist/fcnn/seed-3', 'kmnist/fcnn/seed-10'] },
    ]);
  });

  it('lists a run again after one of its files changed (the summaries are cached)', async () => {
    const first = JSON.parse((await rawGet(multi.url, '/api/runs')).body) as RunsResponse;
    const file = join(multiDir, 'runs', 'kmnist', 'cnn', 'seed-2', 'metrics.json');
    const metrics = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...metrics, testAccuracy: 0.123456 }, null, 2));
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    const second = JSON.parse((await rawGet(multi.url, '/api/runs')).body) as RunsResponse;
    const acc = (r: RunsResponse): number | undefined => r.runs.find((x) => x.id === 'kmnist/cnn/seed-2')?.testAccuracy;
    expect(acc(first)).not.toBe(0.123456);
    expect(acc(second)).toBe(0.123456);
  });
});

describe('modelGroups', () => {
  const run = (id: string, seed: number, model = true): RunSummary => ({
    id,
    experiment: id.split('/').at(-2) ?? '',
    seed,
    dataset: 'kmnist',
    numClasses: 10,
    classNames: [],
    testAccuracy: 0.5,
    paramCount: 1,
    modelUrl: model ? `/files/${id}/model/model.json` : null,
    validatedOnTest: false,
    mistakes: null,
  });

  it('orders each group by seed whatever the listing order, and leaves out runs without a model', () => {
    const runs = [run('a/x/seed-10', 10), run('a/x/seed-2', 2), run('a/knn/seed-1', 1, false), run('b/x/seed-1', 1), run('a/x/seed-3', 3)];
    expect(modelGroups(runs)).toEqual([
      { id: 'a/x', experiment: 'x', runIds: ['a/x/seed-2', 'a/x/seed-3', 'a/x/seed-10'] },
      { id: 'b/x', experiment: 'x', runIds: ['b/x/seed-1'] },
    ]);
  });
});

describe('serve without the dataset files', () => {
  it('says there are no examples, with the reason, instead of failing', async () => {
    const bare = await startHarness(join(dir, 'runs'), join(dir, 'report'), null);
    try {
      const res = await getJsonFrom<ExamplesResponse>(bare.url, '/api/examples?run=kmnist/cnn/seed-1&classes=0,1');
      expect(res.status).toBe(200);
      if (res.body.available) throw new Error('examples without a test set');
      expect(res.body.note).toBe(`no kmnist test set in ${join(dir, 'runs', 'synthetic-data', 'kmnist')}`);
      expect(res.body.detail).toContain('no kmnist files found');
    } finally {
      await bare.close();
    }
  });
});

describe('serve with no runs yet', () => {
  it('lists no runs and no report for an absent folder', async () => {
    const empty = await startHarness(join(dir, 'absent-runs'), join(dir, 'absent-report'), null);
    try {
      const res = await rawGet(empty.url, '/api/runs');
      const body = JSON.parse(res.body) as RunsResponse;
      expect(body.runs).toEqual([]);
      expect(body.modelGroups).toEqual([]);
      expect(body.reportUrl).toBeNull();
    } finally {
      await empty.close();
    }
  });
});
