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

  constructor(readonly run: RunSummary) {
    this.root = el('div', 'model loading');
    this.root.dataset.runId = run.id;
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

  ready(): void {
    this.root.classList.remove('loading');
    this.note.textContent = 'draw or pick a test image';
  }

  fail(message: string): void {
    this.root.classList.remove('loading');
    this.root.classList.add('failed');
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
