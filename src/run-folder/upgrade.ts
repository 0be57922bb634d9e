// The one place older run folders are brought to the current format, at read time (nothing is rewritten
// on disk). Version 0 is every folder written before config.json and metrics.json recorded
// `formatVersion`; the fields it may lack were added one by one, so each is filled only when absent.
import { RUN_FORMAT_VERSION, type History } from './layout.ts';

/** A parsed JSON object, before its shape is checked (shape.ts). */
export type RawJson = Record<string, unknown>;

/** Settings config.json did not record at first; null reads "not recorded" for these (and "does not apply" in newer folders). */
const LATER_CONFIG_FIELDS = ['augmentation', 'optimizerConfig', 'callbacks', 'learningRateSchedule', 'labelSmoothing', 'valSplitSeed'] as const;

/** Keys added to history.json and log.csv after the first release: runs (and checkpoints) written before them lack these. */
export const LATER_HISTORY_KEYS = ['val_precision', 'val_recall', 'val_macro_f1', 'val_auc'] as const satisfies readonly (keyof History)[];

const versionOf = (obj: RawJson): unknown => obj.formatVersion ?? 0;

/**
 * config.json and metrics.json of one run folder at the current format (metrics.json needs the config's
 * preset to tell which epoch an old run scored). Returns new objects; a version newer than this code
 * knows is left as it is, for the shape check to refuse.
 */
export function upgrade(config: RawJson): { config: RawJson };
export function upgrade(config: RawJson, metrics: RawJson): { config: RawJson; metrics: RawJson };
export function upgrade(config: RawJson, metrics?: RawJson): { config: RawJson; metrics?: RawJson } {
  const c: RawJson = { ...config };
  if (versionOf(config) === 0) {
    for (const k of LATER_CONFIG_FIELDS) if (!(k in c)) c[k] = null;
    c.formatVersion = RUN_FORMAT_VERSION;
  }
  if (metrics === undefined) return { config: c };
  const m: RawJson = { ...metrics };
  if (versionOf(metrics) === 0) {
    // The scored epoch, before metrics.json said: the last under keras-benchmark (it keeps the last
    // weights), else the best (restore_best_weights).
    if (!('scoredEpoch' in m)) m.scoredEpoch = config.preset === 'keras-benchmark' ? m.epochsRun : m.bestEpoch;
    // knn was the one experiment that did not depend on its seed, and the one with no parameters and no epochs.
    if (!('deterministic' in m)) m.deterministic = m.paramCount === 0 && m.epochsRun === 0;
    m.formatVersion = RUN_FORMAT_VERSION;
  }
  return { config: c, metrics: m };
}

/**
 * A history (history.json, log.csv or a checkpoint's) with the later keys, NaN (not recorded) for each
 * epoch where they are absent; nulls (NaN in JSON) read as NaN.
 */
export function upgradeHistory(h: Partial<History> & Pick<History, 'epoch'>): History {
  const out = { ...h } as History;
  for (const k of LATER_HISTORY_KEYS) {
    const v = h[k];
    out[k] = Array.isArray(v) ? v.map((x) => (x === null ? NaN : x)) : h.epoch.map(() => NaN);
  }
  return out;
}
