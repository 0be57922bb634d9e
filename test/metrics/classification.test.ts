import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  balancedAccuracy,
  binaryRocAuc,
  classificationReport,
  classRowLabels,
  confusionMatrix,
  formatClassificationReport,
  formatFixed,
  macroRocAucOvr,
} from '../../src/metrics/classification.ts';

describe('classificationReport', () => {
  it('prints exactly what scikit-learn prints for its documented example', () => {
    // sklearn.metrics.classification_report docs: y_true=[0,1,2,2,2], y_pred=[0,0,2,2,1].
    const report = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3, ['class 0', 'class 1', 'class 2']);
    const expected = [
      '              precision    recall  f1-score   support',
      '',
      '     class 0       0.50      1.00      0.67         1',
      '     class 1       0.00      0.00      0.00         1',
      '     class 2       1.00      0.67      0.80         3',
      '',
      '    accuracy                           0.60         5',
      '   macro avg       0.50      0.56      0.49         5',
      'weighted avg       0.70      0.60      0.61         5',
      '',
    ].join('\n');
    expect(formatClassificationReport(report)).toBe(expected);
  });

  it('gives a never-predicted class precision 0 (not NaN) and matches hand-computed averages', () => {
    // Class 3 is never predicted; class 4 never occurs at all.
    const yTrue = [0, 0, 1, 1, 2, 3];
    const yPred = [0, 1, 1, 1, 2, 2];
    const r = classificationReport(yTrue, yPred, 5);
    const c = r.classes;
    expect(c.map((x) => x.label)).toEqual(['0', '1', '2', '3', '4']);
    expect(c[0].precision).toBeCloseTo(1, 12);
    expect(c[0].recall).toBeCloseTo(0.5, 12);
    expect(c[0].f1).toBeCloseTo(2 / 3, 12);
    expect(c[1].precision).toBeCloseTo(2 / 3, 12);
    expect(c[1].f1).toBeCloseTo(0.8, 12);
    expect(c[2].precision).toBeCloseTo(0.5, 12);
    expect(c[2].f1).toBeCloseTo(2 / 3, 12);
    expect(c[3]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(c[4]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    // Macro averages include the empty class 4 (sklearn, labels=range(5)).
    expect(r.macroAvg.precision).toBeCloseTo(13 / 6 / 5, 12);
    expect(r.macroAvg.recall).toBeCloseTo(2.5 / 5, 12);
    expect(r.macroAvg.f1).toBeCloseTo(32 / 15 / 5, 12);
    expect(r.weightedAvg.precision).toBeCloseTo(23 / 36, 12);
    expect(r.weightedAvg.recall).toBeCloseTo(4 / 6, 12);
    expect(r.weightedAvg.f1).toBeCloseTo(0.6, 12);
    expect(r.weightedAvg.support).toBe(6);
    for (const row of c) for (const v of [row.precision, row.recall, row.f1]) expect(Number.isNaN(v)).toBe(false);
  });

  it('labels rows with index and character', () => {
    expect(classRowLabels(3, ['お', 'き', 'す'])).toEqual(['0 お', '1 き', '2 す']);
    expect(classRowLabels(2)).toEqual(['0', '1']);
    const text = formatClassificationReport(classificationReport([0, 1], [0, 1], 2, classRowLabels(2, ['お', 'き'])));
    expect(text).toContain('         0 お       1.00      1.00      1.00         1');
  });

  it('rejects mismatched lengths and out-of-range labels', () => {
    expect(() => classificationReport([0, 1], [0], 2)).toThrow(/differ in length/);
    expect(() => classificationReport([0, 2], [0, 1], 2)).toThrow(/yTrue\[1\] = 2/);
    expect(() => classificationReport([0, 1], [0, 1], 2, ['a'])).toThrow(/classLabels/);
  });
});

describe('confusionMatrix and balancedAccuracy', () => {
  it('puts true classes in rows and predictions in columns', () => {
    expect(confusionMatrix([0, 0, 1, 2], [0, 1, 1, 0], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 0],
    ]);
  });

  it('matches sklearn balanced_accuracy_score and ignores classes absent from y_true', () => {
    // sklearn docs example: 0.625.
    expect(balancedAccuracy([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], 2)).toBeCloseTo(0.625, 12);
    // Class 4 has no true samples: mean recall over classes 0..3 = (0.5 + 1 + 1 + 0) / 4.
    expect(balancedAccuracy([0, 0, 1, 1, 2, 3], [0, 1, 1, 1, 2, 4], 5)).toBeCloseTo(0.625, 12);
  });
});

describe('formatFixed', () => {
  it('rounds like Python (exact binary value, ties to even)', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(0.625, 2)).toBe('0.62');
    expect(formatFixed(2.675, 2)).toBe('2.67'); // stored as 2.67499999...
    expect(formatFixed(0.5, 0)).toBe('0');
    expect(formatFixed(1.5, 0)).toBe('2');
    expect(formatFixed(2 / 3, 2)).toBe('0.67');
  });
});

describe('ROC AUC (sklearn roc_auc_score semantics)', () => {
  it('gives the documented binary value', () => {
    // sklearn.metrics.roc_auc_score docs: y_true=[0,0,1,1], y_score=[0.1,0.4,0.35,0.8] -> 0.75.
    expect(binaryRocAuc([false, false, true, true], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('averages one-vs-rest AUCs over classes, a tied positive/negative pair counting one half', () => {
    const yTrue = [0, 1, 2, 2];
    const probs = [0.5, 0.3, 0.2, 0.2, 0.5, 0.3, 0.2, 0.2, 0.6, 0.3, 0.4, 0.3];
    // class 0 and 1: their one positive outscores every negative (AUC 1); class 2: positives 0.6, 0.3 vs
    // negatives 0.2, 0.3 -> pairs 1 + 1 + 1 + 0.5 (tie) = 3.5 of 4 -> 0.875. Macro: (1 + 1 + 0.875) / 3.
    expect(macroRocAucOvr(yTrue, probs, 3)).toBeCloseTo((1 + 1 + 0.875) / 3, 12);
  });

  it('equals the pair-counting definition on random scores with ties', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const n = 200;
    const positive = Array.from({ length: n }, () => rand() < 0.3);
    const scores = Array.from({ length: n }, () => Math.round(rand() * 20) / 20);
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      if (!positive[i]) continue;
      for (let j = 0; j < n; j++) {
        if (positive[j]) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(binaryRocAuc(positive, scores)).toBeCloseTo(wins / pairs, 12);
  });

  it('is NaN when a class has no true sample (sklearn raises), and checks the shapes', () => {
    expect(macroRocAucOvr([0, 0], [0.9, 0.1, 0.8, 0.2], 2)).toBeNaN();
    expect(() => macroRocAucOvr([0, 1], [0.5, 0.5, 0.5], 2)).toThrow(RangeError);
  });
});

describe('argmaxRows', () => {
  it('argmax per row, ties to the lowest class (numpy)', () => {
    expect([...argmaxRows([0.2, 0.5, 0.3, 0.4, 0.4, 0.2], 3)]).toEqual([1, 0]);
    expect([...argmaxRows(new Float32Array([0.1, 0.9, 0.6, 0.4]), 2)]).toEqual([1, 0]);
    expect(() => argmaxRows([0.1, 0.2, 0.3], 2)).toThrow(RangeError);
  });
});
