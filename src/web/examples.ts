// Real test images per class for the page (GET /api/examples), so a user sees what a cursive class looks like
// next to the answer instead of guessing from its modern character.
import { UserError } from '../errors.ts';
import type { ImageSet } from '../data/types.ts';
import type { ClassExamples, ExamplesResponse } from './api-types.ts';
import type { RunEntry } from './runs.ts';
import type { TestSetCache } from './test-sets.ts';

/** Most images per class one request may ask for (the page shows 4; the class overview fewer). */
export const MAX_EXAMPLES_PER_CLASS = 16;
/** Most classes one request may ask for: every class of K49 (49) in one request, Kuzushiji-Kanji's 3,832 on demand. */
export const MAX_EXAMPLE_CLASSES = 64;

/** For each class, its first MAX_EXAMPLES_PER_CLASS row indices in the test set; built once per loaded set. */
const firstRows = new WeakMap<ImageSet, Map<number, number[]>>();

function rowsByClass(set: ImageSet): Map<number, number[]> {
  let byClass = firstRows.get(set);
  if (!byClass) {
    byClass = new Map();
    for (let i = 0; i < set.count; i++) {
      const k = set.labels[i];
      const list = byClass.get(k);
      if (!list) byClass.set(k, [i]);
      else if (list.length < MAX_EXAMPLES_PER_CLASS) list.push(i);
    }
    firstRows.set(set, byClass);
  }
  return byClass;
}

export class ExampleSource {
  constructor(private readonly sets: TestSetCache) {}

  /**
   * The first `count` test images of each class in `classes` (a class with none in the test set gets an empty
   * list). A test set that cannot be loaded gives `available: false` with the reason, never an error.
   */
  async examples(run: RunEntry, classes: readonly number[], count: number): Promise<ExamplesResponse> {
    const base = { runId: run.summary.id, dataset: run.summary.dataset };
    let set: ImageSet;
    try {
      set = await this.sets.get(run);
    } catch (err) {
      if (!(err instanceof UserError)) console.error(`kmnist-lab serve: examples for ${run.summary.id}: ${err instanceof Error ? err.message : String(err)}`);
      const detail = err instanceof Error ? err.message : String(err);
      return { ...base, available: false, note: `no ${run.summary.dataset} test set in ${this.sets.dataDir(run)}`, detail };
    }
    const size = set.height * set.width;
    const byClass = rowsByClass(set);
    const examples: ClassExamples[] = classes.map((classIndex) => {
      const indices = (byClass.get(classIndex) ?? []).slice(0, count);
      const pixels = new Uint8Array(indices.length * size);
      indices.forEach((row, n) => pixels.set(set.images.subarray(row * size, (row + 1) * size), n * size));
      return { classIndex, indices, pixels: Buffer.from(pixels).toString('base64') };
    });
    return { ...base, available: true, width: set.width, height: set.height, examples };
  }
}

/**
 * Parses `classes=` ("3,17,42") for a run with `numClasses` classes: distinct integers in 0..numClasses-1, at most
 * MAX_EXAMPLE_CLASSES. Throws a UserError naming the parameter otherwise.
 */
export function parseClassList(text: string | null, numClasses: number): number[] {
  if (!text) throw new UserError('query parameter classes=<k,k,...> is required');
  const parts = text.split(',');
  if (parts.length > MAX_EXAMPLE_CLASSES) throw new UserError(`classes: at most ${MAX_EXAMPLE_CLASSES} classes per request, not ${parts.length}`);
  const out: number[] = [];
  for (const part of parts) {
    const k = Number(part);
    if (!/^\d+$/.test(part) || k >= numClasses) throw new UserError(`classes: '${part}' is not a class index 0..${numClasses - 1}`);
    if (!out.includes(k)) out.push(k);
  }
  return out;
}
