// Which epoch's weights a run's test scores come from, as the report words it.
import { describe, expect, it } from 'vitest';
import { epochsCell, epochsSentence } from '../../src/report/epochs.ts';

const benchmark = { epochsRun: 12, bestEpoch: 4, scoredEpoch: 12, stoppedEarly: false };
const study = { epochsRun: 30, bestEpoch: 18, scoredEpoch: 18, stoppedEarly: true };

describe('epochs in the report', () => {
  it('keras-benchmark scores its last epoch and says so, naming the best val_loss epoch apart', () => {
    expect(epochsSentence(benchmark, { preset: 'keras-benchmark' })).toBe("12 epochs, scored with epoch 12's weights (the last; lowest val_loss at epoch 4)");
    expect(epochsCell(benchmark, { preset: 'keras-benchmark' })).toBe('12 (12 last)');
  });

  it('the other presets score the best epoch (restore_best_weights)', () => {
    expect(epochsSentence(study, { preset: 'default' })).toBe("30 epochs, stopped early, scored with epoch 18's weights (the lowest val_loss)");
    expect(epochsCell(study, { preset: 'default' })).toBe('30 (18 best) early stop');
  });

  it('runs recorded before scoredEpoch existed: derived from the preset', () => {
    const { scoredEpoch: _omit, ...old } = benchmark;
    expect(epochsSentence(old, { preset: 'keras-benchmark' })).toMatch(/scored with epoch 12's weights \(the last;/);
    expect(epochsSentence(old, { preset: 'seed' })).toMatch(/scored with epoch 4's weights \(the lowest val_loss\)/);
    expect(epochsSentence({ epochsRun: 0, bestEpoch: 0, stoppedEarly: false }, { preset: 'default' })).toBe('no training epochs');
  });
});
