// Which epoch's weights a run's test scores come from, as the report words it.
import { describe, expect, it } from 'vitest';
import { epochsCell, epochsSentence } from '../../src/report/epochs.ts';

const benchmark = { epochsRun: 12, bestEpoch: 4, scoredEpoch: 12, stoppedEarly: false };
const study = { epochsRun: 30, bestEpoch: 18, scoredEpoch: 18, stoppedEarly: true };

describe('epochs in the report', () => {
  it('keras-benchmark scores its last epoch and says so, naming the best val_loss epoch apart', () => {
    expect(epochsSentence(benchmark)).toBe("12 epochs, scored with epoch 12's weights (the last; lowest val_loss at epoch 4)");
    expect(epochsCell(benchmark)).toBe('12 (12 last)');
  });

  it('the other presets score the best epoch (restore_best_weights)', () => {
    expect(epochsSentence(study)).toBe("30 epochs, stopped early, scored with epoch 18's weights (the lowest val_loss)");
    expect(epochsCell(study)).toBe('30 (18 best) early stop');
  });

  it('a run without training epochs (knn) says so', () => {
    expect(epochsSentence({ epochsRun: 0, bestEpoch: 0, scoredEpoch: 0, stoppedEarly: false })).toBe('no training epochs');
  });
});
