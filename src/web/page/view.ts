// DOM for the answers: one row per model (its name, its top class, real examples of that class, and one
// probability bar per class, or the top 10 beyond 20 classes), the ensemble rows, and the class overview.
import type { RunSummary } from '../api-types.ts';
import { EXAMPLES_PER_CLASS, thumbnail, type ClassImages, type ExampleStore } from './examples.ts';

/** Up to this many classes a row has one bar per class (KMNIST's 10); beyond (K49's 49, kkanji's 3,832) its top TOP_K. */
export const MAX_BARS = 20;
export const TOP_K = 10;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** The classes a run knows: its summary's class names, modern characters and count. */
export type ClassSet = Pick<RunSummary, 'classNames' | 'classChars' | 'numClasses'>;

/** What a class is shown as: its modern character when the class map has one, else its name. */
export function classLabel(run: ClassSet, k: number): string {
  return run.classChars?.[k] ?? run.classNames[k] ?? String(k);
}

export function runTitle(run: RunSummary): string {
  return `${run.experiment} · seed ${run.seed}`;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(values: readonly number[], k: number): number[] {
  return values
    .map((v, i) => i)
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, k);
}

/**
 * Real test images of one class, shown next to an answer so the cursive form can be compared with the drawing.
 * Hidden when the dataset's test set is not there (the page says so once).
 */
export class ExampleStrip {
  readonly root: HTMLElement;
  private classIndex: number | null = null;
  private drawn: { k: number | null; found: ClassImages | undefined; unavailable: boolean } | null = null;

  constructor(
    private readonly store: ExampleStore,
    private readonly run: RunSummary,
    private readonly slots = EXAMPLES_PER_CLASS,
  ) {
    this.root = el('div', 'examples');
    this.root.setAttribute('aria-label', 'test images of the answer class');
    store.onChange(() => this.render());
    this.render();
  }

  show(k: number | null): void {
    if (k === this.classIndex) return;
    this.classIndex = k;
    this.render();
  }

  private render(): void {
    const k = this.classIndex;
    const unavailable = this.store.unavailable(this.run) !== null;
    const found = k === null ? undefined : this.store.get(this.run, k);
    // The store calls every strip on each answer from the server: redraw only when what this one shows changed.
    if (this.drawn && this.drawn.k === k && this.drawn.found === found && this.drawn.unavailable === unavailable) return;
    this.drawn = { k, found, unavailable };
    this.root.hidden = unavailable;
    const name = k === null ? '' : (this.run.classNames[k] ?? String(k));
    this.root.dataset.classIndex = k === null ? '' : String(k);
    this.root.dataset.count = String(found?.images.length ?? 0);
    // For tests: 'pending' until the images of the class arrived, then 'loaded' (also when the class has none).
    this.root.dataset.state = k === null ? 'empty' : found ? 'loaded' : 'pending';
    const cells: HTMLElement[] = [];
    for (let n = 0; n < this.slots; n++) {
      const img = found?.images[n];
      cells.push(img && found ? thumbnail(img, found.width, found.height, `${name}: test image #${found.indices[n]}`) : el('span', 'thumb empty-thumb'));
    }
    if (found && found.images.length === 0) cells[0].title = `no ${name} in the test set`;
    this.root.replaceChildren(...cells);
  }
}

/** One answer: a big top class, its examples, a head line and the probability bars. */
class AnswerRow {
  readonly root: HTMLElement;
  protected readonly top: HTMLElement;
  protected readonly head: HTMLElement;
  protected readonly note: HTMLElement;
  private readonly strip: ExampleStrip;
  private readonly fills: HTMLElement[] = [];
  private readonly bars: HTMLElement[] = [];
  private readonly labels: HTMLElement[] = [];
  /** True when the bars show the top TOP_K classes rather than every class. */
  readonly topKOnly: boolean;

  constructor(
    readonly classes: RunSummary,
    className: string,
    store: ExampleStore,
  ) {
    this.root = el('div', className);
    this.top = el('div', 'answer-top', '·');
    this.head = el('div', 'answer-head');
    this.note = el('div', 'answer-note');
    this.strip = new ExampleStrip(store, classes);
    this.topKOnly = classes.numClasses > MAX_BARS;
    const bars = el('div', 'bars');
    const count = this.topKOnly ? TOP_K : classes.numClasses;
    for (let k = 0; k < count; k++) {
      const bar = el('div', 'bar');
      bar.title = this.topKOnly ? '' : (classes.classNames[k] ?? String(k));
      const fill = el('div', 'fill');
      const label = el('span', 'bar-label', this.topKOnly ? '' : classLabel(classes, k));
      bar.append(fill, label);
      bars.append(bar);
      this.bars.push(bar);
      this.fills.push(fill);
      this.labels.push(label);
    }
    if (this.topKOnly) bars.classList.add('top-k');
    this.root.append(this.top, this.strip.root, this.head, bars);
  }

  /** The note's text for an answer; a model row adds what the run saved. */
  protected describe(probs: number[], best: number, trueClass: number | null): string {
    const c = this.classes;
    let note = `${c.classNames[best] ?? best} · p=${probs[best].toFixed(3)}`;
    if (trueClass !== null) {
      if (best === trueClass) note += ' · right';
      else {
        const rank = probs.filter((p) => p > probs[trueClass]).length + 1;
        note += ` · wrong (true: ${classLabel(c, trueClass)}${this.topKOnly ? `, ranked ${rank}` : ''})`;
      }
    }
    return note;
  }

  /** Shows probabilities; `trueClass` (for test images) gets outlined. */
  protected showProbs(probs: number[], trueClass: number | null): number {
    const order = this.topKOnly ? topK(probs, TOP_K) : probs.map((_, k) => k);
    const best = topK(probs, 1)[0];
    order.forEach((k, slot) => {
      const p = probs[k];
      this.fills[slot].style.height = `${Math.max(0, Math.min(1, p)) * 100}%`;
      this.bars[slot].title = `${this.classes.classNames[k] ?? k}: ${p.toFixed(4)}`;
      this.bars[slot].dataset.classIndex = String(k);
      this.bars[slot].classList.toggle('best', k === best);
      this.bars[slot].classList.toggle('truth', k === trueClass);
      if (this.topKOnly) this.labels[slot].textContent = classLabel(this.classes, k);
    });
    this.top.textContent = classLabel(this.classes, best);
    this.top.title = this.classes.classNames[best] ?? '';
    this.strip.show(best);
    this.root.dataset.predicted = String(best);
    this.root.dataset.probs = JSON.stringify(probs);
    this.root.classList.toggle('wrong', trueClass !== null && best !== trueClass);
    return best;
  }

  blank(): void {
    for (const f of this.fills) f.style.height = '0';
    for (const b of this.bars) b.classList.remove('best', 'truth');
    if (this.topKOnly) for (const l of this.labels) l.textContent = '';
    this.top.textContent = '·';
    this.top.title = '';
    this.strip.show(null);
    delete this.root.dataset.predicted;
    delete this.root.dataset.probs;
    this.root.classList.remove('wrong');
    this.note.textContent = 'draw or pick a test image';
  }
}

/** One model's row (class "model"; data-run-id, data-load, data-predicted, data-probs for tests and the curious). */
export class ModelRow extends AnswerRow {
  /** The input version (see main.ts) the bars show; -1: none yet. */
  shownVersion = -1;

  constructor(
    readonly run: RunSummary,
    store: ExampleStore,
  ) {
    super(run, 'model loading', store);
    this.root.dataset.runId = run.id;
    this.root.dataset.load = 'loading';
    const name = el('div', 'answer-name', runTitle(run));
    name.title = run.id;
    const acc = el('div', 'answer-detail', `test acc ${(run.testAccuracy * 100).toFixed(2)}% · ${run.paramCount.toLocaleString('en')} params`);
    if (run.validatedOnTest) acc.textContent += ' · validated on test (leaky)';
    if (this.topKOnly) acc.textContent += ` · top ${TOP_K} of ${run.numClasses.toLocaleString('en')} classes`;
    this.note.textContent = 'loading model…';
    this.head.append(name, acc, this.note);
  }

  /** Waits for its turn: its model loads after the first seed of every experiment. */
  queued(): void {
    this.root.classList.add('loading');
    this.root.dataset.load = 'queued';
    this.note.textContent = 'not loaded yet: loads after the first seeds';
  }

  loading(): void {
    this.root.classList.add('loading');
    this.root.dataset.load = 'loading';
    this.note.textContent = 'loading model…';
  }

  ready(): void {
    this.root.classList.remove('loading');
    this.root.dataset.load = 'ready';
    this.note.textContent = 'draw or pick a test image';
  }

  fail(message: string): void {
    this.root.classList.remove('loading');
    this.root.classList.add('failed');
    this.root.dataset.load = 'failed';
    this.note.textContent = message;
    this.root.dataset.error = message;
  }

  /** Shows probabilities; `trueClass` (for test images) gets outlined, `saved` is the run's own stored answer. */
  show(probs: number[], trueClass: number | null, saved: number | null): void {
    const best = this.showProbs(probs, trueClass);
    let note = this.describe(probs, best, trueClass);
    if (saved !== null) note += saved === best ? ' · same as its saved prediction' : ` · saved prediction was ${classLabel(this.run, saved)}`;
    this.note.textContent = note;
  }
}

/**
 * The ensemble of one dataset's loaded models: the mean of their probabilities (class "ensemble", never "model";
 * data-members lists the run ids averaged). Shown once at least two models of the dataset are loaded.
 */
export class EnsembleRow extends AnswerRow {
  private readonly title: HTMLElement;
  private readonly members: HTMLElement;
  memberIds: string[] = [];

  constructor(
    readonly dataset: string,
    classes: RunSummary,
    store: ExampleStore,
    /** Name the dataset in the title (when the page shows several). */
    named: boolean,
  ) {
    super(classes, 'ensemble', store);
    this.root.dataset.dataset = dataset;
    this.title = el('div', 'answer-name', named ? `Ensemble · ${dataset}` : 'Ensemble');
    const badge = el('span', 'badge', 'not a model');
    badge.title = 'the mean of the loaded models’ probabilities, computed here in the page';
    this.members = el('div', 'answer-detail');
    this.head.append(this.title, badge, this.members, this.note);
    this.root.hidden = true;
    this.blank();
  }

  /** The runs averaged; the row shows once there are two or more. */
  setMembers(runs: readonly RunSummary[]): void {
    this.memberIds = runs.map((r) => r.id);
    this.root.dataset.members = this.memberIds.join(',');
    this.root.hidden = runs.length < 2;
    const byExperiment = new Map<string, number[]>();
    for (const r of runs) byExperiment.set(r.experiment, [...(byExperiment.get(r.experiment) ?? []), r.seed]);
    const parts = [...byExperiment].map(([e, seeds]) => `${e} (seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')})`);
    this.members.textContent = `mean probability of ${runs.length} loaded models: ${parts.join(', ')}`;
  }

  show(probs: number[], trueClass: number | null): void {
    const best = this.showProbs(probs, trueClass);
    this.note.textContent = this.describe(probs, best, trueClass);
  }
}

/**
 * One experiment: its first seed's row, always shown, and the other seeds' rows folded under a <details> whose
 * summary says how many of them are loaded. Opening it asks for them (`onOpen`).
 */
export class ExperimentView {
  readonly root: HTMLElement;
  readonly more: HTMLDetailsElement | null = null;
  private readonly summary: HTMLElement | null = null;

  constructor(
    readonly id: string,
    readonly experiment: string,
    readonly rows: ModelRow[],
    onOpen: (view: ExperimentView) => void,
  ) {
    this.root = el('div', 'experiment');
    this.root.dataset.group = id;
    const [first, ...others] = rows;
    if (first) this.root.append(first.root);
    if (others.length > 0) {
      this.more = el('details', 'more-seeds');
      this.summary = el('summary');
      this.more.append(this.summary, ...others.map((r) => r.root));
      this.more.addEventListener('toggle', () => {
        if (this.more?.open) onOpen(this);
      });
      this.root.append(this.more);
      this.update();
    }
  }

  get open(): boolean {
    return this.more?.open ?? false;
  }

  /** Whether `row` is on screen: the first seed always, the others while the group is open. */
  shows(row: ModelRow): boolean {
    return row === this.rows[0] || this.open;
  }

  /** Rewrites the summary line from the rows' load states. */
  update(): void {
    if (!this.summary || !this.more) return;
    const others = this.rows.slice(1);
    const done = others.filter((r) => r.root.dataset.load === 'ready').length;
    const failed = others.filter((r) => r.root.dataset.load === 'failed').length;
    const seeds = others.map((r) => r.run.seed).join(', ');
    const state =
      done + failed === others.length
        ? failed > 0
          ? `${done} loaded, ${failed} failed`
          : 'loaded'
        : `${done} of ${others.length} loaded${failed > 0 ? `, ${failed} failed` : ''}, the rest loading`;
    this.summary.textContent = `${this.experiment}: ${others.length} more seed${others.length === 1 ? '' : 's'} (${seeds}) · ${state}`;
    this.more.dataset.loaded = String(done);
    this.more.dataset.pending = String(others.length - done - failed);
  }
}

/**
 * "What the classes look like": every class of a dataset (up to 49) with its modern character, its name and a few
 * of its test images, so a user can see the cursive forms before drawing.
 */
export function classOverview(run: RunSummary, store: ExampleStore): HTMLDetailsElement {
  const box = el('details', 'class-overview');
  box.dataset.dataset = run.dataset;
  box.append(el('summary', '', `What the ${run.numClasses} ${run.dataset} classes look like (test images)`));
  const grid = el('div', 'overview-grid');
  for (let k = 0; k < run.numClasses; k++) {
    const cell = el('div', 'overview-class');
    const char = el('div', 'overview-char', classLabel(run, k));
    char.title = run.classNames[k] ?? String(k);
    const strip = new ExampleStrip(store, run, 3);
    strip.show(k);
    cell.append(char, strip.root);
    grid.append(cell);
  }
  box.append(grid);
  return box;
}
