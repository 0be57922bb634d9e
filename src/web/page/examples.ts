// Real test images per class, fetched from /api/examples and kept for the page's life: the strips next to each
// answer and the class overview draw from here. Without the dataset the server says so and strips stay empty.
import type { ApiError, ExamplesResponse, RunSummary } from '../api-types.ts';
import { grayToImageData } from './pad.ts';

/** Images shown per class next to an answer. */
export const EXAMPLES_PER_CLASS = 4;

export interface ClassImages {
  width: number;
  height: number;
  /** One width x height image per example, 0..255, 0 = background. */
  images: Uint8Array[];
  /** Each image's row in the test set. */
  indices: number[];
}

interface DatasetExamples {
  /** A run of this dataset: the server finds the test set through it. */
  run: RunSummary;
  byClass: Map<number, ClassImages>;
  /** Classes asked for and not answered yet. */
  pending: Set<number>;
  /** Classes to ask for in the next request. */
  wanted: Set<number>;
  /** Set once the server said the test set is not there: no more requests. */
  unavailable: { note: string; detail: string } | null;
}

/** Classes per request: the server takes up to 64. */
const BATCH = 49;

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class ExampleStore {
  private readonly datasets = new Map<string, DatasetExamples>();
  private readonly listeners = new Set<() => void>();
  private flushQueued = false;

  /** Examples are the same for every run of a dataset (the same classes): keyed by dataset name. */
  private entry(run: RunSummary): DatasetExamples {
    let entry = this.datasets.get(run.dataset);
    if (!entry) {
      entry = { run, byClass: new Map(), pending: new Set(), wanted: new Set(), unavailable: null };
      this.datasets.set(run.dataset, entry);
    }
    return entry;
  }

  /** Called after every answer from the server (new images, or the news that there are none). */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** The images of class `k` in `run`'s dataset, or undefined until they arrived (asking for them). */
  get(run: RunSummary, k: number): ClassImages | undefined {
    const found = this.entry(run).byClass.get(k);
    if (!found) this.want(run, [k]);
    return found;
  }

  /** Why the dataset has no examples (its test set is absent): a short note and the full reason; or null. */
  unavailable(run: RunSummary): { note: string; detail: string } | null {
    return this.entry(run).unavailable;
  }

  /** Asks for these classes' images (batched: one request per dataset for everything wanted in one task). */
  want(run: RunSummary, classes: readonly number[]): void {
    const entry = this.entry(run);
    if (entry.unavailable) return;
    for (const k of classes) if (!entry.byClass.has(k) && !entry.pending.has(k)) entry.wanted.add(k);
    if (entry.wanted.size > 0 && !this.flushQueued) {
      this.flushQueued = true;
      setTimeout(() => this.flush(), 0);
    }
  }

  private flush(): void {
    this.flushQueued = false;
    for (const entry of this.datasets.values()) {
      const classes = [...entry.wanted];
      entry.wanted.clear();
      for (let i = 0; i < classes.length; i += BATCH) void this.fetchBatch(entry, classes.slice(i, i + BATCH));
    }
  }

  private async fetchBatch(entry: DatasetExamples, classes: number[]): Promise<void> {
    for (const k of classes) entry.pending.add(k);
    const url = `/api/examples?run=${encodeURIComponent(entry.run.id)}&classes=${classes.join(',')}&count=${EXAMPLES_PER_CLASS}`;
    try {
      const res = await fetch(url);
      const body = (await res.json()) as ExamplesResponse | ApiError;
      if (!res.ok || 'error' in body) throw new Error('error' in body ? body.error : `HTTP ${res.status}`);
      if (!body.available) {
        entry.unavailable = { note: body.note, detail: body.detail };
      } else {
        const size = body.width * body.height;
        for (const ex of body.examples) {
          const all = decodeBase64(ex.pixels);
          const images = ex.indices.map((_, n) => all.subarray(n * size, (n + 1) * size));
          entry.byClass.set(ex.classIndex, { width: body.width, height: body.height, images, indices: ex.indices });
        }
      }
    } catch (err) {
      // Examples are an aid: a failed request leaves the strips empty and says why once.
      entry.unavailable = { note: 'the class examples could not be loaded', detail: (err as Error).message };
    } finally {
      for (const k of classes) entry.pending.delete(k);
      for (const listener of this.listeners) listener();
    }
  }
}

/** Draws one small grey image into a new canvas (shown scaled by CSS). */
export function thumbnail(pixels: ArrayLike<number>, width: number, height: number, title: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.className = 'thumb';
  canvas.title = title;
  canvas.getContext('2d')?.putImageData(grayToImageData(pixels, width, height), 0, 0);
  return canvas;
}
