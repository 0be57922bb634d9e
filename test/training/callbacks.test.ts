import { describe, expect, it } from 'vitest';
import { initialCallbackState, onEpochEnd, STUDY_CALLBACKS } from '../../src/training/callbacks.ts';

describe('callbacks (Keras semantics on val_loss)', () => {
  it('tracks the best epoch and stops after `patience` epochs without improvement', () => {
    const s = { ...STUDY_CALLBACKS, earlyStoppingPatience: 3, reduceLr: false };
    const st = initialCallbackState();
    const losses = [1.0, 0.8, 0.9, 0.85, 0.81];
    const decisions = losses.map((l, i) => onEpochEnd(s, st, i + 1, l, 1e-3));
    expect(decisions.map((d) => d.improved)).toEqual([true, true, false, false, false]);
    expect(decisions.map((d) => d.stop)).toEqual([false, false, false, false, true]);
    expect(st.bestEpoch).toBe(2);
    expect(st.best).toBe(0.8);
  });

  it('reduces the learning rate by 10x after 5 flat epochs, never below min lr', () => {
    const s = { ...STUDY_CALLBACKS, earlyStopping: false, minLr: 2e-5 };
    const st = initialCallbackState();
    let lr = 1e-3;
    const lrs: number[] = [];
    for (let epoch = 1; epoch <= 13; epoch++) {
      lr = onEpochEnd(s, st, epoch, 1.0, lr).lr; // flat after epoch 1
      lrs.push(lr);
    }
    expect(lrs.slice(0, 5)).toEqual([1e-3, 1e-3, 1e-3, 1e-3, 1e-3]);
    expect(lrs[5]).toBeCloseTo(1e-4, 12); // epoch 6: 5 epochs without improvement
    expect(lrs[10]).toBeCloseTo(2e-5, 12); // clamped at min lr
    expect(lrs[12]).toBeCloseTo(2e-5, 12);
  });

  it('ignores improvements smaller than min_delta for the LR schedule (Keras default 1e-4)', () => {
    const s = { ...STUDY_CALLBACKS, earlyStopping: false, reduceLrPatience: 2 };
    const st = initialCallbackState();
    onEpochEnd(s, st, 1, 1.0, 1e-3);
    expect(onEpochEnd(s, st, 2, 0.99995, 1e-3).improved).toBe(true); // a new best for checkpointing...
    expect(onEpochEnd(s, st, 3, 0.9999, 1e-3).lr).toBeCloseTo(1e-4, 12); // ...but not for the plateau counter
  });
});
