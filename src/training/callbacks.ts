// Keras's callbacks as plain, serialisable state machines: early stopping and reduce-LR-on-plateau on
// val_loss. Their counters are saved in every checkpoint so a resumed run decides exactly as the original.
import type { CallbackSettings } from '../run-folder/recorded-settings.ts';

export const STUDY_CALLBACKS: CallbackSettings = {
  earlyStopping: true,
  earlyStoppingPatience: 10,
  restoreBest: true,
  reduceLr: true,
  reduceLrFactor: 0.1,
  reduceLrPatience: 5,
  reduceLrMinDelta: 1e-4,
  minLr: 1e-6,
};

export interface CallbackState {
  /** Best val_loss so far (checkpoint / early stopping); Infinity before the first epoch. */
  best: number;
  bestEpoch: number;
  esWait: number;
  rlrBest: number;
  rlrWait: number;
}

export const initialCallbackState = (): CallbackState => ({ best: Infinity, bestEpoch: 0, esWait: 0, rlrBest: Infinity, rlrWait: 0 });

export interface EpochDecision {
  improved: boolean;
  stop: boolean;
  /** The learning rate for the next epoch. */
  lr: number;
}

/** Updates `state` with one finished epoch's val_loss and says what to do next. */
export function onEpochEnd(s: CallbackSettings, state: CallbackState, epoch: number, valLoss: number, lr: number): EpochDecision {
  const improved = valLoss < state.best;
  if (improved) {
    state.best = valLoss;
    state.bestEpoch = epoch;
    state.esWait = 0;
  } else {
    state.esWait++;
  }
  let nextLr = lr;
  if (s.reduceLr) {
    if (valLoss < state.rlrBest - s.reduceLrMinDelta) {
      state.rlrBest = valLoss;
      state.rlrWait = 0;
    } else if (++state.rlrWait >= s.reduceLrPatience) {
      if (lr > s.minLr) nextLr = Math.max(lr * s.reduceLrFactor, s.minLr);
      state.rlrWait = 0;
    }
  }
  const stop = s.earlyStopping && state.esWait >= s.earlyStoppingPatience;
  return { improved, stop, lr: nextLr };
}
