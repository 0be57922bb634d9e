// Which of a run's recorded settings must match for --resume, and how a difference is worded.
// Everything in config.json is compared except what cannot change the result; so a setting added to
// RunConfig later is checked on resume without anyone remembering to list it here.
import type { RunConfig } from './layout.ts';

/**
 * Fields that do not change what a run computes: where the files were read from (their md5s are compared
 * instead), when it started, library versions (recorded for the reader), the folder's format version (a run
 * begun before it was recorded may resume), and what follows from the other settings.
 */
export const NOT_RESUME_SETTINGS: readonly (keyof RunConfig)[] = ['dataDir', 'createdAt', 'versions', 'formatVersion'];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? '(not recorded)' : typeof v === 'string' ? v : JSON.stringify(v));

/** "path: saved -> now" for each difference; objects on both sides are compared key by key ("augmentation.shearRange"). */
function diffValues(path: string, a: unknown, b: unknown, out: string[], ignore: readonly string[]): void {
  if (ignore.includes(path)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffValues(`${path}.${key}`, a[key], b[key], out, ignore);
  } else if (show(a) !== show(b)) {
    out.push(`${path}: ${show(a)} -> ${show(b)}`);
  }
}

/**
 * The settings that differ between the config a run started with and the one a resume would use,
 * as "path: saved -> now" (sorted by path); empty when it may resume. `ignore`: more dotted paths that
 * cannot change the result (the training flag table's, training/settings/flag-spec.ts RESUME_NEUTRAL_FIELDS).
 */
export function settingsDiff(saved: Partial<RunConfig>, current: RunConfig, ignore: readonly string[] = []): string[] {
  const a: Record<string, unknown> = { ...saved };
  const b: Record<string, unknown> = { ...current };
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!(NOT_RESUME_SETTINGS as readonly string[]).includes(key)) diffValues(key, a[key], b[key], out, ignore);
  }
  return out;
}
