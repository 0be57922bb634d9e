// How many epochs a run trained and which epoch's weights its test scores come from, in words.
import type { RunMetrics } from '../run-folder/layout.ts';

type EpochFields = Pick<RunMetrics, 'epochsRun' | 'bestEpoch' | 'scoredEpoch' | 'stoppedEarly'>;

/**
 * E.g. "12 epochs, scored with epoch 12's weights (the last; lowest val_loss at epoch 4)" for keras-benchmark,
 * "30 epochs, stopped early, scored with epoch 18's weights (the lowest val_loss)" for the other presets.
 */
export function epochsSentence(m: EpochFields): string {
  if (m.epochsRun === 0) return 'no training epochs';
  const scored = m.scoredEpoch;
  const stopped = m.stoppedEarly ? ', stopped early' : '';
  const why = scored === m.bestEpoch ? 'the lowest val_loss' : `${scored === m.epochsRun ? 'the last; ' : ''}lowest val_loss at epoch ${m.bestEpoch}`;
  return `${m.epochsRun} epochs${stopped}, scored with epoch ${scored}'s weights (${why})`;
}

/** The runs table's "epochs (scored)" cell, e.g. "12 (12 last)" or "30 (18 best) early stop". */
export function epochsCell(m: EpochFields): string {
  const scored = m.scoredEpoch;
  const which = scored === m.bestEpoch ? 'best' : scored === m.epochsRun ? 'last' : 'scored';
  return `${m.epochsRun} (${scored} ${which})${m.stoppedEarly ? ' early stop' : ''}`;
}
