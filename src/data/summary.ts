// Per-split, per-class counts of a loaded dataset: what `info` prints and what tests assert on.
import type { Dataset, ImageSet } from './types.ts';

export interface DatasetSummary {
  name: string;
  dataDir: string;
  format?: string;
  height: number;
  width: number;
  numClasses: number;
  trainCount: number;
  testCount: number;
  classes: { index: number; name: string; train: number; test: number }[];
  fileMd5: Record<string, string>;
}

export function classCounts(set: ImageSet, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]]++;
  return counts;
}

export function summarize(ds: Dataset): DatasetSummary {
  const train = classCounts(ds.train, ds.numClasses);
  const test = classCounts(ds.test, ds.numClasses);
  return {
    name: ds.name,
    dataDir: ds.dataDir,
    format: ds.format,
    height: ds.train.height,
    width: ds.train.width,
    numClasses: ds.numClasses,
    trainCount: ds.train.count,
    testCount: ds.test.count,
    classes: ds.classNames.map((name, index) => ({ index, name, train: train[index], test: test[index] })),
    fileMd5: ds.fileMd5,
  };
}

/** Terminal columns a string takes: CJK and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

const padEnd = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - displayWidth(s)));
const padStart = (s: string, n: number): string => ' '.repeat(Math.max(0, n - displayWidth(s))) + s;

/** The human-readable table `info` prints. */
export function formatSummary(s: DatasetSummary, title: string, metric: string): string {
  const nameW = Math.max(5, ...s.classes.map((c) => displayWidth(c.name)));
  const numW = Math.max(5, String(s.trainCount).length, String(s.testCount).length);
  const lines = [
    `${title}`,
    `data dir:   ${s.dataDir}${s.format ? ` (${s.format} format)` : ''}`,
    `images:     ${s.height}x${s.width}, 1 channel, uint8 (0 = background)`,
    `splits:     train ${s.trainCount}, test ${s.testCount}`,
    `classes:    ${s.numClasses}; headline metric: ${metric}`,
    '',
    `${padStart('class', 5)}  ${padEnd('name', nameW)}  ${padStart('train', numW)}  ${padStart('test', numW)}`,
    ...s.classes.map((c) => `${padStart(String(c.index), 5)}  ${padEnd(c.name, nameW)}  ${padStart(String(c.train), numW)}  ${padStart(String(c.test), numW)}`),
    `${padStart('', 5)}  ${padEnd('total', nameW)}  ${padStart(String(s.trainCount), numW)}  ${padStart(String(s.testCount), numW)}`,
    '',
    'md5 of the files read:',
    ...Object.entries(s.fileMd5).map(([f, m]) => `  ${m}  ${f}`),
  ];
  return lines.join('\n');
}
