// The page: loads the runs, their models and the report; feeds a drawing or a test image to every model.
import type { ApiError, RunSummary, RunsResponse, TestImageKind, TestImageResponse } from '../api-types.ts';
import { classify, initTf, loadRunModel, type LoadedModel } from './models.ts';
import { DrawingPad, grayToImageData } from './pad.ts';
import { SIDE, preprocess, type FitStyle } from './preprocess.ts';
import { ModelRow, classLabel, el, runTitle } from './view.ts';

/** A hook for tests and the curious: the same numbers the bars show. */
export interface KmnistLabHook {
  /** Resolves once every model has loaded (or failed to). */
  ready: Promise<void>;
  backend: string;
  /** Probabilities of every loaded model (by run id) for one 28x28 0..255 image. */
  classify(pixels: number[]): Promise<Record<string, number[]>>;
  /** The 28x28 image the models saw last. */
  input(): number[] | null;
}

declare global {
  interface Window {
    kmnistLab?: KmnistLabHook;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page is missing #${id}`);
  return node as T;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as T | ApiError;
  if (!res.ok) throw new Error((body as ApiError).error ?? `${url}: HTTP ${res.status}`);
  return body as T;
}

const statusLine = byId<HTMLElement>('status');
const preview = byId<HTMLCanvasElement>('preview');
const modelsBox = byId<HTMLElement>('models');
const testInfo = byId<HTMLElement>('test-info');
const runSelect = byId<HTMLSelectElement>('test-run');
const pickRandom = byId<HTMLButtonElement>('pick-random');
const pickMistake = byId<HTMLButtonElement>('pick-mistake');
const fitStyle = byId<HTMLSelectElement>('fit-style');

const rows = new Map<string, ModelRow>();
const loaded = new Map<string, LoadedModel>();
let runs: RunSummary[] = [];
let input: Uint8Array | null = null;
let testImage: TestImageResponse | null = null;

function setStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

function showPreview(pixels: ArrayLike<number>): void {
  const ctx = preview.getContext('2d');
  ctx?.putImageData(grayToImageData(pixels, SIDE, SIDE), 0, 0);
}

// One prediction pass at a time; requests that arrive meanwhile collapse into one more pass with the latest input.
let busy = false;
let again = false;
async function predictAll(): Promise<void> {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    do {
      again = false;
      const image = input;
      const shown = testImage;
      for (const [id, model] of loaded) {
        const row = rows.get(id);
        if (!row) continue;
        if (!image || image.every((v) => v === 0)) {
          row.blank();
          continue;
        }
        const probs = await classify(model, image);
        const saved = shown && shown.runId === id ? shown.savedPredicted : null;
        row.show(probs, shown ? shown.trueClass : null, saved);
      }
    } while (again);
    document.body.dataset.predictions = String(Number(document.body.dataset.predictions ?? '0') + 1);
  } catch (err) {
    setStatus(`prediction failed: ${(err as Error).message}`, true);
  } finally {
    busy = false;
  }
}

const pad = new DrawingPad(byId<HTMLCanvasElement>('pad'), {
  onStartDrawing() {
    testImage = null;
    testInfo.textContent = '';
  },
  onInk: drawingChanged,
});

function drawingChanged(): void {
  input = preprocess(pad.gray(), pad.canvas.width, pad.canvas.height, fitStyle.value as FitStyle);
  showPreview(input);
  void predictAll();
}

fitStyle.addEventListener('change', () => {
  if (!testImage) drawingChanged();
});

byId<HTMLButtonElement>('clear').addEventListener('click', () => {
  pad.clear();
  testImage = null;
  testInfo.textContent = '';
  input = new Uint8Array(SIDE * SIDE);
  showPreview(input);
  void predictAll();
});

async function pickTestImage(kind: TestImageKind): Promise<void> {
  const runId = runSelect.value;
  const run = runs.find((r) => r.id === runId);
  if (!run) return;
  testInfo.textContent = 'loading a test image…';
  try {
    const image = await getJson<TestImageResponse>(`/api/test-image?run=${encodeURIComponent(runId)}&kind=${kind}`);
    if (image.width !== SIDE || image.height !== SIDE) throw new Error(`test images are ${image.width}x${image.height}, the pad shows 28x28`);
    testImage = image;
    input = Uint8Array.from(image.pixels);
    pad.showImage(input, SIDE, SIDE);
    showPreview(input);
    testInfo.textContent =
      `${kind === 'mistake' ? 'A mistake of' : 'Test image for'} ${runTitle(run)}: #${image.index} of the ${run.dataset} test set, ` +
      `true class ${classLabel(run, image.trueClass)} (${run.classNames[image.trueClass]}), ` +
      `saved prediction ${classLabel(run, image.savedPredicted)} (${run.classNames[image.savedPredicted]}).`;
    testInfo.dataset.index = String(image.index);
    testInfo.dataset.runId = image.runId;
    testInfo.dataset.savedPredicted = String(image.savedPredicted);
    testInfo.dataset.trueClass = String(image.trueClass);
    await predictAll();
  } catch (err) {
    testInfo.textContent = `Could not load a test image: ${(err as Error).message}`;
  }
}
pickRandom.addEventListener('click', () => void pickTestImage('random'));
pickMistake.addEventListener('click', () => void pickTestImage('mistake'));
runSelect.addEventListener('change', () => updatePickButtons());

function updatePickButtons(): void {
  const run = runs.find((r) => r.id === runSelect.value);
  pickRandom.disabled = !run;
  pickMistake.disabled = !run || !run.mistakes;
}

function showReport(info: RunsResponse): void {
  const box = byId<HTMLElement>('report');
  box.replaceChildren();
  if (info.reportUrl) {
    const frame = el('iframe', 'report-frame');
    frame.src = info.reportUrl;
    frame.title = 'Study report';
    box.append(frame);
  } else {
    const msg = el('p', 'empty');
    msg.append(`No report in ${info.reportDir} yet. Make it with `, el('code', '', 'kmnist-lab report'), ' after training, then reload this page.');
    box.append(msg);
  }
}

function showRuns(info: RunsResponse): RunSummary[] {
  const withModel = info.runs.filter((r) => r.modelUrl);
  const without = info.runs.filter((r) => !r.modelUrl);
  if (info.runs.length === 0) {
    const msg = el('div', 'empty');
    msg.id = 'no-runs';
    msg.append(
      el('p', '', `No finished runs under ${info.runsRoot} yet.`),
      el('p', '', 'Train one, e.g. '),
      el('pre', '', 'kmnist-lab download kmnist\nkmnist-lab train cnn\n# or the whole study: kmnist-lab run'),
      el('p', '', 'then reload this page (or start serve with --runs pointing at your runs folder).'),
    );
    modelsBox.replaceChildren(msg);
  }
  for (const run of withModel) {
    const row = new ModelRow(run);
    rows.set(run.id, row);
    modelsBox.append(row.root);
  }
  const notes: string[] = [];
  if (without.length > 0) {
    notes.push(
      `Not on the pad (no neural model, e.g. k-nearest neighbours): ${without.map((r) => `${runTitle(r)} (test acc ${(r.testAccuracy * 100).toFixed(2)}%)`).join(', ')}.`,
    );
  }
  notes.push(...info.problems.map((p) => `Skipped: ${p}`));
  byId<HTMLElement>('other-runs').textContent = notes.join(' ');
  for (const run of info.runs.filter((r) => r.mistakes !== null)) {
    const option = el('option', '', `${runTitle(run)} (${run.mistakes} mistakes)`);
    option.value = run.id;
    runSelect.append(option);
  }
  updatePickButtons();
  return withModel;
}

async function start(): Promise<void> {
  const forced = new URLSearchParams(location.search).get('backend');
  const [info, backend] = await Promise.all([getJson<RunsResponse>('/api/runs'), initTf(forced)]);
  runs = info.runs;
  // MNIST digits were fitted to 20x20; the Kuzushiji sets (and the default) fill the frame.
  if (runs.length > 0 && runs.every((r) => r.dataset === 'mnist')) fitStyle.value = 'mnist';
  showReport(info);
  const withModel = showRuns(info);
  hook.backend = backend;
  setStatus(`${withModel.length} model${withModel.length === 1 ? '' : 's'} loading · TensorFlow.js ${backend} backend`);
  await Promise.all(
    withModel.map(async (run) => {
      try {
        loaded.set(run.id, await loadRunModel(run));
        rows.get(run.id)?.ready();
      } catch (err) {
        rows.get(run.id)?.fail(`could not load the model: ${(err as Error).message}`);
      }
    }),
  );
  // Keep the models in the listed order (they finished loading in any order).
  const order = withModel.map((r) => r.id).filter((id) => loaded.has(id));
  const sorted = new Map(order.map((id) => [id, loaded.get(id) as LoadedModel]));
  loaded.clear();
  for (const [id, m] of sorted) loaded.set(id, m);
  const failed = withModel.length - loaded.size;
  setStatus(
    withModel.length === 0
      ? 'No models to run yet.'
      : `${loaded.size} model${loaded.size === 1 ? '' : 's'} ready${failed ? `, ${failed} failed` : ''} · TensorFlow.js ${backend} backend · draw a character or pick a test image`,
    failed > 0,
  );
  document.body.dataset.state = 'ready';
}

let resolveReady: () => void = () => undefined;
const hook: KmnistLabHook = {
  ready: new Promise<void>((done) => {
    resolveReady = done;
  }),
  backend: 'none',
  async classify(pixels) {
    const out: Record<string, number[]> = {};
    for (const [id, model] of loaded) out[id] = await classify(model, pixels);
    return out;
  },
  input: () => (input ? Array.from(input) : null),
};
window.kmnistLab = hook;

start()
  .catch((err: unknown) => {
    setStatus(`The page could not start: ${(err as Error).message}`, true);
    document.body.dataset.state = 'failed';
  })
  .finally(() => resolveReady());
