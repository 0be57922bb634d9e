// The pairs a study compares: its own (experiments.ts STUDY_PAIRS) plus those added with `run --compare a:b`,
// which are kept in runs/<dataset>/comparisons.json so `report` on the same runs compares them too.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { writeFileAtomicAsync } from '../fs/atomic.ts';
import { STUDY_PAIRS, type StudyPair } from './experiments.ts';

/** runs/<dataset>/comparisons.json: `{ "pairs": [{ "a": "cnn", "b": "keras-cnn" }, ...] }`. */
export const COMPARISONS_FILE = 'comparisons.json';

export interface AddedPair {
  a: string;
  b: string;
}

/** The question an added pair answers (it has no wording of its own). */
export function addedPairQuestion(p: AddedPair): string {
  return `Do ${p.a} and ${p.b} differ? (added with run --compare)`;
}

function samePair(x: AddedPair, y: AddedPair): boolean {
  return (x.a === y.a && x.b === y.b) || (x.a === y.b && x.b === y.a);
}

/**
 * Parses `--compare a:b,c:d`. Each name must be an experiment the zoo knows (`known`) and one of this study's
 * `experiments`; a pair of an experiment with itself is refused. Duplicates (either order) and the study's own
 * pairs are dropped. Errors are one line naming --compare.
 */
export function parseComparePairs(value: string, experiments: readonly string[], known: readonly string[]): AddedPair[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UserError("--compare: give pairs of experiments as a:b, e.g. --compare cnn:keras-cnn,fcnn:knn");
  const pairs: AddedPair[] = [];
  for (const item of items) {
    const parts = item.split(':').map((s) => s.trim());
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new UserError(`--compare: '${item}' is not a pair a:b of experiment names`);
    const [a, b] = parts;
    for (const name of [a, b]) {
      if (!known.includes(name)) throw new UserError(`--compare ${item}: unknown experiment "${name}"; choose one of: ${known.join(', ')}`);
      if (!experiments.includes(name)) throw new UserError(`--compare ${item}: '${name}' is not one of this study's experiments (--experiments ${experiments.join(',')})`);
    }
    if (a === b) throw new UserError(`--compare ${item}: an experiment compared with itself`);
    const pair = { a, b };
    if (!pairs.some((p) => samePair(p, pair)) && !STUDY_PAIRS.some((p) => samePair(p, pair))) pairs.push(pair);
  }
  return pairs;
}

/** The pairs added to the study in runs/<dataset>/ (none when it has no comparisons.json). */
export async function readAddedPairs(datasetDir: string): Promise<AddedPair[]> {
  const file = join(datasetDir, COMPARISONS_FILE);
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const pairs = (data as { pairs?: unknown } | null)?.pairs;
  if (!Array.isArray(pairs)) throw new UserError(`${file}: expected {"pairs": [{"a": "...", "b": "..."}, ...]}`);
  return pairs.map((p: unknown, i) => {
    const { a, b } = (p ?? {}) as { a?: unknown; b?: unknown };
    if (typeof a !== 'string' || typeof b !== 'string' || a === '' || b === '') throw new UserError(`${file}: pairs[${i}] must be {"a": "<experiment>", "b": "<experiment>"}`);
    return { a, b };
  });
}

/**
 * Adds `pairs` to runs/<dataset>/comparisons.json (kept: pairs added by earlier runs; the file is written
 * atomically). The caller holds the study folder's lock. Returns every added pair.
 */
export async function addPairs(datasetDir: string, pairs: readonly AddedPair[]): Promise<AddedPair[]> {
  const all = await readAddedPairs(datasetDir);
  const fresh = pairs.filter((p) => !all.some((q) => samePair(p, q)));
  if (fresh.length === 0) return all;
  all.push(...fresh);
  const file = join(datasetDir, COMPARISONS_FILE);
  await writeFileAtomicAsync(file, `${JSON.stringify({ pairs: all }, null, 2)}\n`);
  return all;
}

/** The study's own pairs, then the added ones (with `added: true`) that are not already among them. */
export async function studyPairs(datasetDir: string): Promise<StudyPair[]> {
  const added = (await readAddedPairs(datasetDir)).filter((p) => !STUDY_PAIRS.some((q) => samePair(p, q)));
  return [...STUDY_PAIRS, ...added.map((p) => ({ ...p, question: addedPairQuestion(p), added: true }))];
}
