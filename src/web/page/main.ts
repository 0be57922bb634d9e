// The page: loads the runs, their models and the report; feeds a drawing or a test image to every model, at each
// model's own input size, and shows their answers, each dataset's ensemble and real examples of the answer classes.
import type { ApiError, RunSummary, RunsResponse, TestImageKind, TestImageResponse } from '../api-types.ts';
import { ExampleStore } from './examples.ts';
import { classify, initTf, loadRunModel, type LoadedModel } from './models.ts';
import { EMPTY_RUNS_HINT, NO_REPORT_HINT } from './hints.ts';
import { DrawingPad, grayToImageData } from './pad.ts';
import { SIDE, prepareImage, resizeImage, type FitStyle } from '../../inference/preprocess.ts';
import { EnsembleRow, ExperimentView, MAX_BARS, ModelRow, classLabel, classOverview, el, runTitle } from './view.ts';

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
  /**
   * Probabilities of every loaded model (by run id) for one side x side 0..255 image (default 28x28), scaled as a
   * whole to each model's own input side first.
   */
  classify(pixels: number[], side?: number): Promise<Record<string, number[]>>;
  /** The side x side image (default 28x28) the models of that input size saw last; null before any input. */
  input(side?: number): number[] | null;
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
/** The class overview lists every class up to this many (K49's 49); Kuzushiji-Kanji's 3,832 only next to answers. */
const OVERVIEW_MAX_CLASSES = 49;

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
const previews = byId<HTMLElement>('previews');
const modelsBox = byId<HTMLElement>('models');
const ensemblesBox = byId<HTMLElement>('ensembles');
const examplesNote = byId<HTMLElement>('examples-note');
const testInfo = byId<HTMLElement>('test-info');
const runSelect = byId<HTMLSelectElement>('test-run');
const pickRandom = byId<HTMLButtonElement>('pick-random');
const pickMistake = byId<HTMLButtonElement>('pick-mistake');
const fitStyle = byId<HTMLSelectElement>('fit-style');

const examples = new ExampleStore();
/** Every neural run's row, in the listed order (groups, then seeds). */
const rows = new Map<string, ModelRow>();
const views = new Map<string, ExperimentView>();
const viewOfRun = new Map<string, ExperimentView>();
const loaded = new Map<string, LoadedModel>();
/** One ensemble per dataset with two or more neural runs. */
const ensembles = new Map<string, EnsembleRow>();
let runs: RunSummary[] = [];
let testImage: TestImageResponse | null = null;
/** Bumped whenever the input (drawing or test image) changes; a row whose shownVersion differs is out of date. */
let inputVersion = 0;
/** False until the first stroke or test image: before it the rows wait ("draw or pick a test image"). */
let hasInput = false;
/** The current input at each model input side, made on demand (a drawing is preprocessed once per side). */
let inputs = new Map<number, Uint8Array>();
/** Each loaded model's probabilities for the current input (by run id), kept until the input changes. */
const answers = new Map<string, { version: number; probs: number[] }>();
let backend = 'none';

function setStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

/** The input as the models with side x side inputs see it: the drawing preprocessed to that side, or the test image scaled. */
function inputFor(side: number): Uint8Array {
  let img = inputs.get(side);
  if (!img) {
    if (testImage) img = resizeImage(testImage.pixels, testImage.width, testImage.height, side);
    else img = prepareImage(pad.gray(), pad.canvas.width, pad.canvas.height, fitStyle.value as FitStyle, side);
    inputs.set(side, img);
  }
  return img;
}

/** The model input sides on the page: those of the loaded models (28 before any has loaded). */
function inputSides(): number[] {
  const sides = [...new Set([...loaded.values()].map((m) => m.side))].sort((a, b) => a - b);
  return sides.length > 0 ? sides : [SIDE];
}

/** One preview per model input side: what the models of that size see. */
function showPreviews(): void {
  const sides = inputSides();
  if (previews.dataset.sides !== sides.join(',')) {
    previews.dataset.sides = sides.join(',');
    previews.replaceChildren(
      ...sides.map((side) => {
        const box = el('div', 'preview-box');
        const canvas = el('canvas', 'preview');
        canvas.width = side;
        canvas.height = side;
        canvas.dataset.side = String(side);
        canvas.setAttribute('aria-label', `the ${side}x${side} image the models see`);
        box.append(canvas, el('div', 'caption', sides.length === 1 ? `what the models see (${side}x${side})` : `${side}x${side} input`));
        return box;
      }),
    );
  }
  for (const canvas of Array.from(previews.querySelectorAll<HTMLCanvasElement>('canvas.preview'))) {
    const side = Number(canvas.dataset.side);
    const img = hasInput ? inputFor(side) : new Uint8Array(side * side);
    canvas.getContext('2d')?.putImageData(grayToImageData(img, side, side), 0, 0);
  }
}

function inputChanged(): void {
  inputVersion++;
  inputs = new Map();
  document.body.dataset.inputVersion = String(inputVersion);
  showPreviews();
  void predictAll();
}

/** The run a test image came from's dataset: its true class means something only to models of that dataset. */
function testDataset(): string | null {
  return testImage ? (runs.find((r) => r.id === testImage?.runId)?.dataset ?? null) : null;
}

async function answerOf(id: string, model: LoadedModel, version: number): Promise<number[]> {
  const cached = answers.get(id);
  if (cached && cached.version === version) return cached.probs;
  const probs = await classify(model, inputFor(model.side));
  answers.set(id, { version, probs });
  return probs;
}

/** Every ensemble's members (the loaded models of its dataset) and their mean probability for the current input. */
function showEnsembles(version: number, blank: boolean): void {
  const dataset = testDataset();
  for (const [name, row] of ensembles) {
    // In the listed order (experiments, then seeds), not the order they happened to load in.
    const members = [...rows.keys()].flatMap((id) => {
      const m = loaded.get(id);
      return m && m.run.dataset === name && m.run.numClasses === row.classes.numClasses ? [m] : [];
    });
    row.setMembers(members.map((m) => m.run));
    const probs = members.map((m) => answers.get(m.run.id)).filter((a) => a?.version === version);
    if (blank || members.length < 2 || probs.length < members.length) {
      row.blank();
      continue;
    }
    const mean = new Array<number>(row.classes.numClasses).fill(0);
    for (const a of probs) a?.probs.forEach((p, k) => (mean[k] += p / probs.length));
    row.show(mean, dataset === name && testImage ? testImage.trueClass : null);
  }
}

// One prediction pass at a time; requests that arrive meanwhile collapse into one more pass with the latest input.
// A pass first updates the rows on screen whose model is loaded and whose bars are out of date (after a new input
// all of them, after a model loaded or an experiment opened only those), then asks the other loaded models (folded
// seeds) for the ensembles, then shows the ensembles.
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
      const shown = testImage;
      const dataset = testDataset();
      const version = inputVersion;
      const blank = !hasInput || inputSides().every((side) => inputFor(side).every((v) => v === 0));
      const onScreen = [...rows.values()].filter((row) => viewOfRun.get(row.run.id)?.shows(row));
      const offScreen = [...rows.values()].filter((row) => !onScreen.includes(row));
      for (const row of [...onScreen, ...offScreen]) {
        const id = row.run.id;
        const model = loaded.get(id);
        if (!model) continue;
        const visible = onScreen.includes(row);
        if (blank) {
          if (visible && row.shownVersion !== version) row.blank();
        } else if (visible ? row.shownVersion !== version : !answers.has(id) || answers.get(id)?.version !== version) {
          const probs = await answerOf(id, model, version);
          // A newer input came while this model ran: start over with it rather than finish the old one.
          if (version !== inputVersion) break;
          if (visible) {
            const fromThisDataset = shown && dataset === row.run.dataset;
            row.show(probs, fromThisDataset ? shown.trueClass : null, shown && shown.runId === id ? shown.savedPredicted : null);
          }
        }
        if (visible) row.shownVersion = version;
      }
      if (version === inputVersion) {
        showEnsembles(version, blank);
        document.body.dataset.answeredVersion = String(version);
      } else again = true;
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
  hasInput = true;
  inputChanged();
}

fitStyle.addEventListener('change', () => {
  if (!testImage && hasInput) drawingChanged();
});

byId<HTMLButtonElement>('clear').addEventListener('click', () => {
  pad.clear();
  testImage = null;
  testInfo.textContent = '';
  inputChanged();
});

async function pickTestImage(kind: TestImageKind): Promise<void> {
  const runId = runSelect.value;
  const run = runs.find((r) => r.id === runId);
  if (!run) return;
  testInfo.textContent = 'loading a test image…';
  try {
    const image = await getJson<TestImageResponse>(`/api/test-image?run=${encodeURIComponent(runId)}&kind=${kind}`);
    testImage = image;
    hasInput = true;
    pad.showImage(image.pixels, image.width, image.height);
    testInfo.textContent =
      `${kind === 'mistake' ? 'A mistake of' : 'Test image for'} ${runTitle(run)}: #${image.index} of the ${run.dataset} test set (${image.width}x${image.height}), ` +
      `true class ${classLabel(run, image.trueClass)} (${run.classNames[image.trueClass]}), ` +
      `saved prediction ${classLabel(run, image.savedPredicted)} (${run.classNames[image.savedPredicted]}).`;
    testInfo.dataset.index = String(image.index);
    testInfo.dataset.runId = image.runId;
    testInfo.dataset.savedPredicted = String(image.savedPredicted);
    testInfo.dataset.trueClass = String(image.trueClass);
    // The run's own row shows its saved prediction: open its experiment when that row is folded away.
    const view = viewOfRun.get(run.id);
    if (view?.more && !view.shows(rows.get(run.id) as ModelRow)) view.more.open = true;
    inputChanged();
    // On a phone the pick buttons sit below the answers: bring the image and the answers back into view.
    if (pad.canvas.getBoundingClientRect().top < 0) pad.canvas.scrollIntoView({ block: 'start', behavior: 'smooth' });
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

/** Says once, briefly, which datasets have no examples (their test set is not on this machine). */
function showExamplesNote(): void {
  const seen = new Set<string>();
  const notes: { note: string; detail: string }[] = [];
  for (const run of runs) {
    if (seen.has(run.dataset)) continue;
    seen.add(run.dataset);
    const missing = examples.unavailable(run);
    if (missing) notes.push(missing);
  }
  examplesNote.hidden = notes.length === 0;
  examplesNote.textContent = notes.length ? `No class examples: ${notes.map((n) => n.note).join('; ')}.` : '';
  examplesNote.title = notes.map((n) => n.detail).join('\n');
}
examples.onChange(showExamplesNote);

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
      const row = new ModelRow(run, examples);
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
  showEnsembleRows(info.runs.filter((r) => r.modelUrl));
  showClassOverviews(info.runs);
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

/** An ensemble row for each dataset with two or more neural runs (shown once two of them have loaded). */
function showEnsembleRows(neural: RunSummary[]): void {
  const byDataset = new Map<string, RunSummary[]>();
  for (const run of neural) byDataset.set(run.dataset, [...(byDataset.get(run.dataset) ?? []), run]);
  const several = byDataset.size > 1;
  for (const [dataset, list] of byDataset) {
    if (list.length < 2) continue;
    const row = new EnsembleRow(dataset, list[0], examples, several);
    ensembles.set(dataset, row);
    ensemblesBox.append(row.root);
  }
}

/** For each dataset with at most OVERVIEW_MAX_CLASSES classes: every class with a few of its test images. */
function showClassOverviews(all: RunSummary[]): void {
  const box = byId<HTMLElement>('class-overview');
  const seen = new Set<string>();
  for (const run of all) {
    if (seen.has(run.dataset) || run.numClasses > OVERVIEW_MAX_CLASSES) continue;
    seen.add(run.dataset);
    const overview = classOverview(run, examples);
    // Open on a wide screen, where it sits beside the answers; folded on a phone, below them.
    overview.open = run.numClasses <= MAX_BARS && window.matchMedia('(min-width: 760px)').matches;
    box.append(overview);
  }
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
  showPreviews();
  // A model that came in answers for what is on the pad (predictAll skips rows up to date); the ensembles take it in.
  void predictAll();
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
  async classify(pixels, side = SIDE) {
    const out: Record<string, number[]> = {};
    for (const id of rows.keys()) {
      const model = loaded.get(id);
      if (model) out[id] = await classify(model, resizeImage(pixels, side, side, model.side));
    }
    return out;
  },
  input: (side = SIDE) => (hasInput ? Array.from(inputFor(side)) : null),
};
window.kmnistLab = hook;

start().catch((err: unknown) => {
  setStatus(`The page could not start: ${(err as Error).message}`, true);
  document.body.dataset.state = 'failed';
  resolveReady();
  resolveAllLoaded();
});
