// The report's specific tables: the classification report and the confusion matrix.
import { describe } from '../metrics/stats.ts';
import type { ClassificationReport } from '../metrics/classification.ts';
import type { Table } from './tables.ts';

/** sklearn's layout as a table: one row per class, then accuracy, macro avg, weighted avg. */
export function classificationReportTable(report: ClassificationReport, caption?: string, digits = 4): Table {
  const f = (x: number): string => x.toFixed(digits);
  const rows = report.classes.map((r) => [r.label, f(r.precision), f(r.recall), f(r.f1), String(r.support)]);
  const a = report.macroAvg;
  const w = report.weightedAvg;
  rows.push(['accuracy', '', '', f(report.accuracy), String(report.support)]);
  rows.push(['macro avg', f(a.precision), f(a.recall), f(a.f1), String(a.support)]);
  rows.push(['weighted avg', f(w.precision), f(w.recall), f(w.f1), String(w.support)]);
  return {
    caption,
    columns: ['class', 'precision', 'recall', 'f1-score', 'support'],
    rows,
    rulesAfter: [report.classes.length - 1],
  };
}

/** Counts, one row per true class, one column per predicted class (the heatmap's numbers). */
export function confusionTable(confusion: number[][], labels: string[], caption?: string): Table {
  return {
    caption,
    columns: ['true \\ predicted', ...labels],
    rows: confusion.map((row, i) => [labels[i], ...row.map(String)]),
  };
}

/** "0.9123 ± 0.0040" over seeds (sample std), or the plain value for one seed. */
function meanStd(values: number[], digits: number): string {
  const d = describe(values);
  return d.std === null ? d.mean.toFixed(digits) : `${d.mean.toFixed(digits)} ± ${d.std.toFixed(digits)}`;
}

/**
 * sklearn's layout over seeds: each cell is the mean ± sample std of that cell over the seeds'
 * reports (all on the same test set, so support is the same in each).
 */
export function classificationReportOverSeedsTable(reports: ClassificationReport[], caption?: string, digits = 4): Table {
  if (reports.length === 0) throw new RangeError('classificationReportOverSeedsTable: no reports');
  const cell = (pick: (r: ClassificationReport) => number): string => meanStd(reports.map(pick), digits);
  const first = reports[0];
  const rows = first.classes.map((c, k) => [c.label, cell((r) => r.classes[k].precision), cell((r) => r.classes[k].recall), cell((r) => r.classes[k].f1), String(c.support)]);
  rows.push(['accuracy', '', '', cell((r) => r.accuracy), String(first.support)]);
  rows.push(['macro avg', cell((r) => r.macroAvg.precision), cell((r) => r.macroAvg.recall), cell((r) => r.macroAvg.f1), String(first.macroAvg.support)]);
  rows.push(['weighted avg', cell((r) => r.weightedAvg.precision), cell((r) => r.weightedAvg.recall), cell((r) => r.weightedAvg.f1), String(first.weightedAvg.support)]);
  return { caption, columns: ['class', 'precision', 'recall', 'f1-score', 'support'], rows, rulesAfter: [first.classes.length - 1] };
}

/** The largest off-diagonal cells: for confusion matrices too large for a heatmap. */
export function topConfusionsTable(confusion: number[][], labels: string[], limit = 20): Table {
  const cells: { t: number; p: number; count: number; share: number }[] = [];
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count > 0) cells.push({ t, p, count, share: total ? count / total : 0 });
    });
  });
  cells.sort((a, b) => b.count - a.count || b.share - a.share || a.t - b.t || a.p - b.p);
  return {
    caption: `The ${Math.min(limit, cells.length)} most frequent confusions (test)`,
    columns: ['true', 'predicted as', 'images', 'share of the true class'],
    rows: cells.slice(0, limit).map((c) => [labels[c.t], labels[c.p], String(c.count), `${(c.share * 100).toFixed(1)} %`]),
  };
}
