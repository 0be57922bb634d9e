// `report --all-pairs`: every pair of experiments as a matrix of Holm-adjusted McNemar p-values, and as a list.
import type { AllPairs, AllPairsTest } from '../study/all-pairs.ts';
import { formatP } from '../metrics/stats.ts';
import type { Table } from './tables.ts';

function findTest(all: AllPairs, x: string, y: string): AllPairsTest | undefined {
  return all.tests.find((t) => (t.a === x && t.b === y) || (t.a === y && t.b === x));
}

/** A matrix cell: "cnn better, p < 0.001" when the Holm-adjusted p is below the level, else "p = 0.42". */
function cell(all: AllPairs, x: string, y: string): string {
  if (x === y) return '—';
  const t = findTest(all, x, y);
  if (t === undefined) return 'not tested';
  const p = formatP(t.pHolm);
  return t.significant && t.better !== null ? `${t.better} better, ${p}` : p;
}

/**
 * Rows and columns are the experiments (each on its representative seed); each cell names the better one of
 * its row and column when their difference survives Holm's correction, and gives the adjusted p either way.
 */
export function allPairsMatrix(all: AllPairs): Table {
  const names = all.experiments.map((e) => e.experiment);
  const m = all.tests.length;
  return {
    caption:
      `McNemar exact test for every pair of experiments (representative seeds: ${all.experiments.map((e) => `${e.experiment} ${e.seed}`).join(', ')}), ` +
      `p-values adjusted with Holm's step-down method over the ${m} pair${m === 1 ? '' : 's'} tested; a cell names the better experiment where the adjusted p < ${all.significanceLevel}`,
    columns: ['row \\ column', ...names],
    align: ['l', ...names.map(() => 'r' as const)],
    rows: names.map((x) => [x, ...names.map((y) => cell(all, x, y))]),
  };
}

/** One row per pair: the discordant counts, the exact p, Holm's adjusted p and the verdict. */
export function allPairsTable(all: AllPairs): Table {
  const rows = all.tests.map((t) => [
    `${t.a} vs ${t.b}`,
    `${t.seedA} / ${t.seedB}`,
    `${t.aOnly} / ${t.bOnly}`,
    formatP(t.p),
    formatP(t.pHolm),
    t.better === null ? 'the same images right' : t.significant ? `${t.better} is better` : 'could be chance',
  ]);
  for (const s of all.skipped) rows.push([`${s.a} vs ${s.b}`, '—', '—', '—', '—', `not tested: ${s.reason}`]);
  return {
    caption: `Every pair: images only A gets right / only B gets right, McNemar's exact p and Holm's adjusted p (significance level ${all.significanceLevel})`,
    columns: ['pair', 'seeds (A / B)', 'A only / B only', 'p (exact)', 'p (Holm)', 'verdict'],
    align: ['l', 'r', 'r', 'r', 'r', 'l'],
    rows,
  };
}
