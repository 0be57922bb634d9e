// Classification metrics that match scikit-learn exactly (classification_report with zero_division=0,
// confusion_matrix, balanced_accuracy_score), so our numbers can be checked against the study's notebooks.

export interface ClassMetrics {
  /** Class index 0..K-1. */
  classIndex: number;
  /** Row label, e.g. "0 お" (index and character) or just "0". */
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of true samples of this class. */
  support: number;
}

export interface AverageMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  classes: ClassMetrics[];
  accuracy: number;
  /** Total number of samples (the accuracy row's support). */
  support: number;
  macroAvg: AverageMetrics;
  weightedAvg: AverageMetrics;
}

function checkInputs(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue and yPred differ in length (${yTrue.length} vs ${yPred.length})`);
  }
  for (const [name, ys] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i];
      if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
        throw new RangeError(`${name}[${i}] = ${y} is not a class index in 0..${numClasses - 1}`);
      }
    }
  }
}

/**
 * The predicted class of each row: scores is count x numClasses, row-major (probabilities, or their sum
 * or mean for a soft vote); out[i] is the class with the largest score, ties to the lowest class as
 * numpy's argmax does. Throws RangeError when scores.length is not a multiple of numClasses.
 */
export function argmaxRows(scores: ArrayLike<number>, numClasses: number): Int32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1 || scores.length % numClasses !== 0) {
    throw new RangeError(`argmaxRows: ${scores.length} scores are not rows of ${numClasses} classes`);
  }
  const count = scores.length / numClasses;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestScore = scores[i * numClasses];
    for (let c = 1; c < numClasses; c++) {
      const s = scores[i * numClasses + c];
      if (s > bestScore) {
        best = c;
        bestScore = s;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Row = true class, column = predicted class (sklearn's convention). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  checkInputs(yTrue, yPred, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]] += 1;
  return m;
}

/** zero_division=0: an undefined ratio (0/0) counts as 0, never NaN. */
function divide(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/**
 * Mean recall over the classes that occur in yTrue (sklearn's balanced_accuracy_score drops classes
 * with no true samples, whose recall is undefined).
 */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number {
  const m = confusionMatrix(yTrue, yPred, numClasses);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < numClasses; c++) {
    const support = m[c].reduce((a, b) => a + b, 0);
    if (support === 0) continue;
    sum += m[c][c] / support;
    present += 1;
  }
  return divide(sum, present);
}

/** Row labels "index char" when characters are known (kmnist: "0 お"), else the index alone. */
export function classRowLabels(numClasses: number, classChars?: readonly string[]): string[] {
  return Array.from({ length: numClasses }, (_, c) => (classChars?.[c] ? `${c} ${classChars[c]}` : String(c)));
}

/**
 * scikit-learn's classification_report(yTrue, yPred, labels=range(numClasses), zero_division=0) as data.
 * Every class 0..K-1 gets a row, also one never seen or never predicted.
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
  classLabels?: readonly string[],
): ClassificationReport {
  const m = confusionMatrix(yTrue, yPred, numClasses);
  const labels = classLabels ?? classRowLabels(numClasses);
  if (labels.length !== numClasses) throw new RangeError(`classLabels has ${labels.length} entries, expected ${numClasses}`);
  const classes: ClassMetrics[] = [];
  let correct = 0;
  for (let c = 0; c < numClasses; c++) {
    const tp = m[c][c];
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < numClasses; k++) {
      support += m[c][k];
      predicted += m[k][c];
    }
    correct += tp;
    // F1 as sklearn computes it: 2tp / (2tp + fp + fn), 0 when undefined.
    classes.push({
      classIndex: c,
      label: labels[c],
      precision: divide(tp, predicted),
      recall: divide(tp, support),
      f1: divide(2 * tp, predicted + support),
      support,
    });
  }
  const total = yTrue.length;
  const mean = (key: 'precision' | 'recall' | 'f1'): number => classes.reduce((a, r) => a + r[key], 0) / numClasses;
  const weighted = (key: 'precision' | 'recall' | 'f1'): number =>
    divide(
      classes.reduce((a, r) => a + r[key] * r.support, 0),
      total,
    );
  return {
    classes,
    accuracy: divide(correct, total),
    support: total,
    macroAvg: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total },
    weightedAvg: { precision: weighted('precision'), recall: weighted('recall'), f1: weighted('f1'), support: total },
  };
}

/**
 * Python's "%.{d}f" as sklearn prints it: rounds the exact binary value, ties to even (0.125 -> "0.12"),
 * where toFixed would round ties up.
 */
export function formatFixed(x: number, digits: number): string {
  const long = x.toFixed(digits + 25);
  const cut = long.length - 25;
  const tail = long.slice(cut);
  if (tail !== `5${'0'.repeat(24)}`) return x.toFixed(digits);
  const head = long.slice(0, cut); // truncated toward zero
  const lastDigit = Number(head.replace(/\D/g, '').slice(-1));
  if (lastDigit % 2 === 0) return head.endsWith('.') ? head.slice(0, -1) : head;
  return x.toFixed(digits); // odd last digit: rounding away from zero reaches the even neighbour
}

/** The same text layout sklearn's classification_report prints (default digits=2). */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  const lastLine = 'weighted avg';
  const width = Math.max(lastLine.length, digits, ...report.classes.map((r) => [...r.label].length));
  const padStart = (s: string, n: number): string => ' '.repeat(Math.max(0, n - [...s].length)) + s;
  // sklearn: "{:>{width}s} " then " {:>9}" per column.
  const cols = (values: string[]): string => values.map((v) => ` ${padStart(v, 9)}`).join('');
  const row = (name: string, p: number, r: number, f: number, s: number): string =>
    `${padStart(name, width)} ${cols([formatFixed(p, digits), formatFixed(r, digits), formatFixed(f, digits), String(s)])}\n`;
  let out = `${' '.repeat(width)} ${cols(headers)}\n\n`;
  for (const r of report.classes) out += row(r.label, r.precision, r.recall, r.f1, r.support);
  out += '\n';
  out += `${padStart('accuracy', width)} ${cols(['', '', formatFixed(report.accuracy, digits), String(report.support)])}\n`;
  const a = report.macroAvg;
  out += row('macro avg', a.precision, a.recall, a.f1, a.support);
  const w = report.weightedAvg;
  out += row(lastLine, w.precision, w.recall, w.f1, w.support);
  return out;
}

/**
 * Area under the ROC curve of one binary problem: `positive[i]` says whether sample i is positive, `scores[i]` is
 * its score. Equal to the Mann-Whitney U statistic / (P·N), ties counting one half, which is what sklearn's
 * roc_auc_score gets from the trapezoids of roc_curve. NaN when there are no positives or no negatives
 * (sklearn raises ValueError there).
 */
export function binaryRocAuc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number {
  const n = scores.length;
  if (positive.length !== n) throw new RangeError(`positive and scores differ in length (${positive.length} vs ${n})`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Sum of the positives' ranks (1-based), tied scores sharing their mean rank.
  let rankSum = 0;
  let positives = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    const meanRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (positive[order[k]]) {
        rankSum += meanRank;
        positives++;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * One-vs-rest macro ROC AUC: sklearn's roc_auc_score(yTrue, probs, multi_class='ovr', average='macro') — the
 * unweighted mean over classes c of the AUC of "is c" scored by probs[:, c].
 * `probs` is count x numClasses, row-major. NaN when some class has no sample in yTrue (sklearn raises there),
 * so a per-epoch log on a tiny validation set records "undefined" instead of stopping the run.
 */
export function macroRocAucOvr(yTrue: ArrayLike<number>, probs: ArrayLike<number>, numClasses: number): number {
  const n = yTrue.length;
  if (probs.length !== n * numClasses) throw new RangeError(`probs has ${probs.length} values, expected ${n} x ${numClasses}`);
  checkInputs(yTrue, yTrue, numClasses);
  let sum = 0;
  const positive = new Array<boolean>(n);
  const scores = new Float64Array(n);
  for (let c = 0; c < numClasses; c++) {
    for (let i = 0; i < n; i++) {
      positive[i] = yTrue[i] === c;
      scores[i] = probs[i * numClasses + c];
    }
    sum += binaryRocAuc(positive, scores);
  }
  return sum / numClasses;
}
