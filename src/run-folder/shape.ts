// The whole shape of config.json, metrics.json and history.json, and the one checker that holds a parsed
// file to it. Each shape lists every key of its TypeScript type (the `satisfies` below fail to compile when
// a field is added to RunConfig, RunMetrics or History without being described here). Extra keys are
// allowed: metrics.json also carries the per-class report, which no reader relies on.
import type { GpuAdapterDescription } from '../engine/backends/engine-backend.ts';
import { UserError } from '../errors.ts';
import { HISTORY_KEYS, RUN_FORMAT_VERSION, type History, type RunConfig, type RunMetrics } from './layout.ts';
import type { AugmentSettings, CallbackSettings, CosineDecayConfig } from './recorded-settings.ts';

/**
 * What a value must be. 'number' is a finite number; 'number-or-nan' also takes null, the JSON of NaN
 * (an undefined metric), and reads it back as NaN.
 */
export type Shape =
  | 'number'
  | 'integer'
  | 'number-or-nan'
  | 'string'
  | 'boolean'
  | { readonly oneOf: readonly (string | number)[] }
  | { readonly arrayOf: Shape }
  | { readonly recordOf: Shape }
  | { readonly fields: Readonly<Record<string, Field>> }
  | { readonly nullable: Shape }
  | { readonly anyOf: readonly Shape[] };

/** A field of an object: its shape, and whether it may be absent. */
export type Field = Shape | { readonly optional: Shape };

/** One Field per key of T, optional keys included. */
type FieldsOf<T> = { readonly [K in keyof Required<T>]: Field };

const GPU_ADAPTER = {
  vendor: 'string',
  architecture: 'string',
  device: 'string',
  description: 'string',
  software: 'boolean',
  api: { oneOf: ['native', 'opengl'] },
} as const satisfies FieldsOf<GpuAdapterDescription>;

const AUGMENTATION = {
  rotationRange: 'number',
  widthShiftRange: 'number',
  heightShiftRange: 'number',
  shearRange: 'number',
  zoomRange: { arrayOf: 'number' },
  fillMode: { oneOf: ['nearest'] },
} as const satisfies FieldsOf<AugmentSettings>;

const CALLBACKS = {
  earlyStopping: 'boolean',
  earlyStoppingPatience: 'number',
  restoreBest: 'boolean',
  reduceLr: 'boolean',
  reduceLrFactor: 'number',
  reduceLrPatience: 'number',
  reduceLrMinDelta: 'number',
  minLr: 'number',
} as const satisfies FieldsOf<CallbackSettings>;

const COSINE_DECAY = {
  name: { oneOf: ['CosineDecay'] },
  initialLearningRate: 'number',
  decaySteps: 'number',
  alpha: 'number',
  warmupTarget: { nullable: 'number' },
  warmupSteps: 'number',
} as const satisfies FieldsOf<CosineDecayConfig>;

/** config.json as the current version writes it (older folders are upgraded first: upgrade.ts). */
export const CONFIG_SHAPE: Shape = {
  fields: {
    formatVersion: { oneOf: [RUN_FORMAT_VERSION] },
    experiment: 'string',
    model: 'string',
    dataset: 'string',
    dataDir: 'string',
    seed: 'integer',
    preset: { oneOf: ['default', 'seed', 'keras-benchmark', 'modern'] },
    optimizer: 'string',
    learningRate: 'number',
    batchSize: 'number',
    epochs: 'integer',
    augment: 'boolean',
    augmentFactor: 'number',
    augmentation: { nullable: { fields: AUGMENTATION } },
    optimizerConfig: { nullable: { recordOf: { anyOf: ['string', 'number'] } } },
    callbacks: { nullable: { fields: CALLBACKS } },
    learningRateSchedule: { nullable: { fields: COSINE_DECAY } },
    labelSmoothing: { nullable: 'number' },
    valSplit: 'number',
    valSplitSeed: { nullable: 'integer' },
    validationOn: { oneOf: ['val', 'test'] },
    backend: 'string',
    gpuAdapter: { optional: { fields: GPU_ADAPTER } },
    paramCount: 'integer',
    numClasses: 'integer',
    classNames: { arrayOf: 'string' },
    classChars: { optional: { arrayOf: 'string' } },
    datasetMd5: { recordOf: 'string' },
    versions: { recordOf: 'string' },
    createdAt: 'string',
  } satisfies FieldsOf<RunConfig>,
};

/** metrics.json as the current version writes it. */
export const METRICS_SHAPE: Shape = {
  fields: {
    formatVersion: { oneOf: [RUN_FORMAT_VERSION] },
    testAccuracy: 'number',
    testLoss: 'number-or-nan',
    balancedAccuracy: 'number',
    macroF1: 'number',
    trainAccuracy: 'number',
    confusion: { arrayOf: { arrayOf: 'integer' } },
    epochsRun: 'integer',
    bestEpoch: 'integer',
    scoredEpoch: 'integer',
    trainSeconds: 'number',
    trainImagesPerSecond: 'number',
    inferenceImagesPerSecond: 'number',
    backend: 'string',
    paramCount: 'integer',
    stoppedEarly: 'boolean',
    warnings: { optional: { arrayOf: 'string' } },
    deterministic: 'boolean',
    fitSeconds: { optional: 'number' },
  } satisfies FieldsOf<RunMetrics>,
};

/** history.json: one array per HISTORY_KEYS column (NaN, written null, where a value is undefined). */
export const HISTORY_SHAPE: Shape = {
  fields: Object.fromEntries(HISTORY_KEYS.map((k) => [k, { arrayOf: 'number-or-nan' }])) as FieldsOf<History>,
};

/**
 * The wording of a file's messages; tests pin both (metrics.json: `field 'x' must be ...`, config.json and
 * history.json: `field "x" should be ...`).
 */
export type Wording = 'must' | 'should';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describeShape(s: Shape): string {
  if (s === 'number' || s === 'number-or-nan') return s === 'number' ? 'a finite number' : 'a number or null';
  if (s === 'integer') return 'an integer';
  if (s === 'string' || s === 'boolean') return `a ${s}`;
  if ('oneOf' in s) return `one of ${s.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('arrayOf' in s) return 'an array';
  if ('nullable' in s) return `${describeShape(s.nullable)} or null`;
  if ('anyOf' in s) return s.anyOf.map(describeShape).join(' or ');
  return 'an object';
}

/** The first place `v` departs from `s` as [path, expected, got], or null; NaN nulls are replaced in place. */
function mismatch(v: unknown, s: Shape, path: string, set: (x: unknown) => void): [string, string, unknown] | null {
  const no = (): [string, string, unknown] => [path, describeShape(s), v];
  if (s === 'number') return typeof v === 'number' && Number.isFinite(v) ? null : no();
  if (s === 'integer') return Number.isInteger(v) ? null : no();
  if (s === 'number-or-nan') {
    if (v === null) set(NaN);
    return v === null || typeof v === 'number' ? null : no();
  }
  if (s === 'string' || s === 'boolean') return typeof v === s ? null : no();
  if ('oneOf' in s) return s.oneOf.includes(v as string | number) ? null : no();
  if ('nullable' in s) return v === null ? null : mismatch(v, s.nullable, path, set);
  if ('anyOf' in s) return s.anyOf.some((a) => mismatch(v, a, path, () => {}) === null) ? null : no();
  if ('arrayOf' in s) {
    if (!Array.isArray(v)) return no();
    for (let i = 0; i < v.length; i++) {
      const m = mismatch(v[i], s.arrayOf, `${path}[${i}]`, (x) => (v[i] = x));
      if (m) return m;
    }
    return null;
  }
  if (!isObject(v)) return no();
  if ('recordOf' in s) {
    for (const [k, x] of Object.entries(v)) {
      const m = mismatch(x, s.recordOf, `${path}.${k}`, (y) => (v[k] = y));
      if (m) return m;
    }
    return null;
  }
  for (const [k, field] of Object.entries(s.fields)) {
    const optional = typeof field === 'object' && 'optional' in field;
    if (optional && v[k] === undefined) continue;
    const m = mismatch(v[k], optional ? field.optional : (field as Shape), path === '' ? k : `${path}.${k}`, (y) => (v[k] = y));
    if (m) return m;
  }
  return null;
}

/**
 * Holds the parsed JSON object of `file` to `shape` and returns it as T (nulls of 'number-or-nan' fields
 * turned into NaN, in place). Errors: UserError `<file>: field "<path>" should be <what>, got <json>`,
 * naming the first field that departs (nested fields by dotted path, array items by [index]).
 */
export function checkShape<T>(file: string, obj: Record<string, unknown>, shape: Shape, wording: Wording): T {
  const m = mismatch(obj, shape, '', () => {});
  if (m) {
    const [path, expected, got] = m;
    const field = wording === 'must' ? `field '${path}' must be` : `field "${path}" should be`;
    throw new UserError(`${file}: ${field} ${expected}, got ${JSON.stringify(got)}`);
  }
  return obj as T;
}
