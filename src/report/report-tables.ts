// The report's specific tables: the classification report and the confusion matrix.
import type { ClassificationReport } from './metrics.ts';
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
