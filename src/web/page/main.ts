// The page: loads the runs, their models and the report; feeds a drawing or a test image to every model.
import type { ApiError, RunSummary, RunsResponse, TestImageKind, TestImageResponse } from '../api-types.ts';
import { classify, initTf, loadRunModel, type LoadedModel } from './models.ts';
import { EMPTY_RUNS_HINT, NO_REPORT_HINT } from './hints.ts';
import { DrawingPad, grayToImageData } from './pad.ts';
import { SIDE, prepareImage, type FitStyle } from '../../inference/preprocess.ts';
import { ExperimentView, ModelRow, classLabel, el, runTitle } from './view.ts';

/** A hook for tests and the curious: the same numbers the bars show. */
export interface KmnistLabHook {
  /**
   * Resolves once the first seed of every experiment has loaded (or failed to): the page is usable
   * (<body data-state="ready">). The other seeds load afterwards.
   */
  ready: Promise<void>;
  /** Resolves once every model, all seeds, has loaded or failed (<body data-all-models="loaded">). */
  allLoaded: Promise<void>;
  backend: string;
  /** Probabilities of every loaded model (by run id) for one 28x28 0..255 image. */
  classify(pixels: number[]): Promise<Record<string, number[]>>;
  /** The 28x28 image the models saw last. */
  input(): number[] | null;
}

declare global {
  interface Window {
    kmnistLab?: KmnistLabHook;
    /** GET /api/runs, started by index.html before this bundle has loaded. */
    kmnistLabRuns?: Promise<Response>;
  }
}

/** How many of the other seeds load at once in the background (opening an experiment loads its seeds at once). */
const BACKGROUND_LOADS = 3;

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page is missing #${id}`);
  return node as T;
}

async function getJson<T>(url: string, started?: Promise<Response>): Promise<T> {
  const res = await (started ?? fetch(url));
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

/** Every neural run's row, in the listed order (groups, then seeds). */
const rows = new Map<string, ModelRow>();
const views = new Map<string, ExperimentView>();
const viewOfRun = new Map<string, ExperimentView>();
const loaded = new Map<string, LoadedModel>();
let runs: RunSummary[] = [];
let input: Uint8Array | null = null;
let testImage: TestImageResponse | null = null;
/** Bumped whenever the input (drawing or test image) changes; a row whose shownVersion differs is out of date. */
let inputVersion = 0;
let backend = 'none';

function setStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

function showPreview(pixels: ArrayLike<number>): void {
  const ctx = preview.getContext('2d');
  ctx?.putImageData(grayToImageData(pixels, SIDE, SIDE), 0, 0);
}

function inputChanged(): void {
  inputVersion++;
  void predictAll();
}

// One prediction pass at a time; requests that arrive meanwhile collapse into one more pass with the latest input.
// A pass updates the rows on screen whose model is loaded and whose bars are out of date: after a new input all
// of them, after a model loaded or an experiment opened only those.
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
      const version = inputVersion;
      for (const [id, row] of rows) {
        const model = loaded.get(id);
        if (!model || row.shownVersion === version || !viewOfRun.get(id)?.shows(row)) continue;
        if (!image || image.every((v) => v === 0)) {
          row.blank();
        } else {
          const probs = await classify(model, image);
          const saved = shown && shown.runId === id ? shown.savedPredicted : null;
          row.show(probs, shown ? shown.trueClass : null, saved);
        }
        row.shownVersion = version;
        // A newer input came while this pass ran: start over with it rather than finish the old one.
        if (version !== inputVersion) break;
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
  input = prepareImage(pad.gray(), pad.canvas.width, pad.canvas.height, fitStyle.value as FitStyle);
  showPreview(input);
  inputChanged();
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
  inputChanged();
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
    // The run's own row shows its saved prediction: open its experiment when that row is folded away.
    const view = viewOfRun.get(run.id);
    if (view?.more && !view.shows(rows.get(run.id) as ModelRow)) view.more.open = true;
    inputVersion++;
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
    msg.append(`No report in ${info.reportDir} yet. Make it with `, el('code', '', NO_REPORT_HINT), ' after training, then reload this page.');
    box.append(msg);
  }
}

function showRuns(info: RunsResponse): void {
  const without = info.runs.filter((r) => !r.modelUrl);
  if (info.runs.length === 0) {
    const msg = el('div', 'empty');
    msg.id = 'no-runs';
    msg.append(
      el('p', '', `No finished runs under ${info.runsRoot} yet.`),
      el('p', '', 'Train one, e.g. '),
      el('pre', '', EMPTY_RUNS_HINT.join('\n')),
      el('p', '', 'then reload this page (or start serve with --runs pointing at your runs folder).'),
    );
    modelsBox.replaceChildren(msg);
  }
  const runById = new Map(info.runs.map((r) => [r.id, r]));
  for (const group of info.modelGroups) {
    const groupRows = group.runIds.flatMap((id) => {
      const run = runById.get(id);
      if (!run?.modelUrl) return [];
      const row = new ModelRow(run);
      rows.set(run.id, row);
      return [row];
    });
    if (groupRows.length === 0) continue;
    const view = new ExperimentView(group.id, group.experiment, groupRows, openExperiment);
    views.set(group.id, view);
    for (const row of groupRows) viewOfRun.set(row.run.id, view);
    for (const row of groupRows.slice(1)) {
      row.queued();
      queue.push(row.run);
    }
    view.update();
    modelsBox.append(view.root);
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
  updateSeedsButton();
}

// Loading: the first seed of every experiment at once (the page is usable when they are in), then the other
// seeds, BACKGROUND_LOADS at a time, in the listed order; opening an experiment loads its seeds at once.
const started = new Map<string, Promise<void>>();
/** The other seeds, not started yet, in the order the background loads them. */
const queue: RunSummary[] = [];
let usable = false;

let resolveAllLoaded: () => void = () => undefined;
const allLoaded = new Promise<void>((done) => {
  resolveAllLoaded = done;
});

function load(run: RunSummary): Promise<void> {
  let done = started.get(run.id);
  if (done) return done;
  const row = rows.get(run.id);
  row?.loading();
  done = loadRunModel(run)
    .then(
      (model) => {
        loaded.set(run.id, model);
        row?.ready();
      },
      (err: unknown) => row?.fail(`could not load the model: ${(err as Error).message}`),
    )
    .then(() => {
      viewOfRun.get(run.id)?.update();
      modelSettled();
    });
  started.set(run.id, done);
  return done;
}

function failedCount(): number {
  let n = 0;
  for (const row of rows.values()) if (row.root.dataset.load === 'failed') n++;
  return n;
}

function modelSettled(): void {
  if (usable) showLoadStatus();
  // A model that came in while something is on the pad answers for it (predictAll skips rows up to date).
  if (input) void predictAll();
  if (loaded.size + failedCount() === rows.size) {
    document.body.dataset.allModels = 'loaded';
    resolveAllLoaded();
  }
}

function showLoadStatus(): void {
  if (rows.size === 0) {
    setStatus('No models to run yet.');
    return;
  }
  const failed = failedCount();
  const pending = rows.size - loaded.size - failed;
  setStatus(
    `${loaded.size} model${loaded.size === 1 ? '' : 's'} ready${failed ? `, ${failed} failed` : ''}` +
      (pending ? ` · ${pending} more seed${pending === 1 ? '' : 's'} loading in the background (open an experiment to see them)` : '') +
      ` · TensorFlow.js ${backend} backend · draw a character or pick a test image`,
    failed > 0,
  );
}

async function loadInBackground(): Promise<void> {
  const worker = async (): Promise<void> => {
    for (let run = queue.shift(); run; run = queue.shift()) if (!started.has(run.id)) await load(run);
  };
  await Promise.all(Array.from({ length: BACKGROUND_LOADS }, worker));
}

/** An experiment was opened: load its other seeds now (not in their background turn) and show their answers. */
function openExperiment(view: ExperimentView): void {
  for (const row of view.rows.slice(1)) {
    const at = queue.indexOf(row.run);
    if (at >= 0) queue.splice(at, 1);
    void load(row.run);
  }
  updateSeedsButton();
  void predictAll();
}

const seedsButton = byId<HTMLButtonElement>('all-seeds');
function updateSeedsButton(): void {
  const foldable = [...views.values()].filter((v) => v.more);
  seedsButton.hidden = foldable.length === 0;
  seedsButton.textContent = foldable.length > 0 && foldable.every((v) => v.open) ? 'Fold the other seeds' : 'Show every seed';
}
seedsButton.addEventListener('click', () => {
  const foldable = [...views.values()].filter((v) => v.more);
  const open = !foldable.every((v) => v.open);
  for (const v of foldable) if (v.more) v.more.open = open;
  if (!open) updateSeedsButton();
});

async function start(): Promise<void> {
  const forced = new URLSearchParams(location.search).get('backend');
  const [info, tfBackend] = await Promise.all([getJson<RunsResponse>('/api/runs', window.kmnistLabRuns), initTf(forced)]);
  runs = info.runs;
  backend = tfBackend;
  hook.backend = tfBackend;
  // MNIST digits were fitted to 20x20; the Kuzushiji sets (and the default) fill the frame.
  if (runs.length > 0 && runs.every((r) => r.dataset === 'mnist')) fitStyle.value = 'mnist';
  showRuns(info);
  document.body.dataset.allModels = 'loading';
  const firsts = [...views.values()].map((v) => v.rows[0].run);
  setStatus(
    `${firsts.length} model${firsts.length === 1 ? '' : 's'} loading (the first seed of each experiment` +
      `${queue.length ? `; ${queue.length} more seed${queue.length === 1 ? '' : 's'} after them` : ''}) · TensorFlow.js ${backend} backend`,
  );
  if (rows.size === 0) modelSettled();
  await Promise.all(firsts.map(load));
  usable = true;
  showLoadStatus();
  // The report (megabytes of HTML, parsed on this page's thread) waits until the first models are in.
  showReport(info);
  document.body.dataset.state = 'ready';
  resolveReady();
  void loadInBackground();
}

let resolveReady: () => void = () => undefined;
const hook: KmnistLabHook = {
  ready: new Promise<void>((done) => {
    resolveReady = done;
  }),
  allLoaded,
  backend: 'none',
  async classify(pixels) {
    const out: Record<string, number[]> = {};
    for (const id of rows.keys()) {
      const model = loaded.get(id);
      if (model) out[id] = await classify(model, pixels);
    }
    return out;
  },
  input: () => (input ? Array.from(input) : null),
};
window.kmnistLab = hook;

start().catch((err: unknown) => {
  setStatus(`The page could not start: ${(err as Error).message}`, true);
  document.body.dataset.state = 'failed';
  resolveReady();
  resolveAllLoaded();
});
