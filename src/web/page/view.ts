// DOM for one model: its name, its top class (the modern character) and one probability bar per class.
import type { RunSummary } from '../api-types.ts';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** What a class is shown as: its modern character when the class map has one, else its name. */
export function classLabel(run: RunSummary, k: number): string {
  return run.classChars?.[k] ?? run.classNames[k] ?? String(k);
}

export function runTitle(run: RunSummary): string {
  return `${run.experiment} · seed ${run.seed}`;
}

export class ModelRow {
  readonly root: HTMLElement;
  private readonly top: HTMLElement;
  private readonly note: HTMLElement;
  private readonly fills: HTMLElement[] = [];
  private readonly bars: HTMLElement[] = [];

  /** The input version (see main.ts) the bars show; -1: none yet. */
  shownVersion = -1;

  constructor(readonly run: RunSummary) {
    this.root = el('div', 'model loading');
    this.root.dataset.runId = run.id;
    this.root.dataset.load = 'loading';
    const head = el('div', 'model-head');
    const name = el('div', 'model-name', runTitle(run));
    name.title = run.id;
    const acc = el('div', 'model-acc', `test acc ${(run.testAccuracy * 100).toFixed(2)}% · ${run.paramCount.toLocaleString('en')} params`);
    if (run.validatedOnTest) acc.textContent += ' · validated on test (leaky)';
    this.top = el('div', 'model-top', '…');
    this.note = el('div', 'model-note', 'loading model…');
    head.append(name, acc, this.note);
    const bars = el('div', 'bars');
    for (let k = 0; k < run.numClasses; k++) {
      const bar = el('div', 'bar');
      bar.title = run.classNames[k] ?? String(k);
      const fill = el('div', 'fill');
      bar.append(fill, el('span', 'bar-label', classLabel(this.run, k)));
      bars.append(bar);
      this.bars.push(bar);
      this.fills.push(fill);
    }
    this.root.append(this.top, head, bars);
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
    let best = 0;
    probs.forEach((p, k) => {
      if (p > probs[best]) best = k;
    });
    probs.forEach((p, k) => {
      this.fills[k].style.height = `${Math.max(0, Math.min(1, p)) * 100}%`;
      this.bars[k].title = `${this.run.classNames[k] ?? k}: ${p.toFixed(4)}`;
      this.bars[k].classList.toggle('best', k === best);
      this.bars[k].classList.toggle('truth', k === trueClass);
    });
    this.top.textContent = classLabel(this.run, best);
    this.root.dataset.predicted = String(best);
    this.root.dataset.probs = JSON.stringify(probs);
    let note = `${this.run.classNames[best] ?? best} · p=${probs[best].toFixed(3)}`;
    if (trueClass !== null) note += best === trueClass ? ' · right' : ` · wrong (true: ${classLabel(this.run, trueClass)})`;
    if (saved !== null) note += saved === best ? ' · same as its saved prediction' : ` · saved prediction was ${classLabel(this.run, saved)}`;
    this.note.textContent = note;
    this.root.classList.toggle('wrong', trueClass !== null && best !== trueClass);
  }

  blank(): void {
    for (const f of this.fills) f.style.height = '0';
    for (const b of this.bars) b.classList.remove('best', 'truth');
    this.top.textContent = '·';
    delete this.root.dataset.predicted;
    delete this.root.dataset.probs;
    this.root.classList.remove('wrong');
    this.note.textContent = 'draw or pick a test image';
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
