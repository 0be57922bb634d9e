// Whether a finished run learned anything. A too-high learning rate (e.g. --lr 1e3) can collapse a network to
// one class without any NaN: training "finishes" with chance accuracy, which must not pass silently.
import type { History } from '../run-folder/layout.ts';

/** Fraction of the way from chance to perfect accuracy a run's best validation accuracy must reach. */
const MIN_GAIN_OVER_CHANCE = 0.05;
/** Relative distance from ln(classes) within which every epoch's training loss counts as flat. */
const FLAT_LOSS_TOLERANCE = 0.01;

/**
 * A warning when the run did not learn, else null:
 * - its best validation accuracy stayed within 5 % (of the way to 1) of chance, 1 / numClasses; or
 * - every epoch's mean training loss stayed within 1 % of ln(numClasses), the cross-entropy of a uniform
 *   guess (softmax outputs all 1 / numClasses), over at least two epochs.
 * `history` holds per-epoch values (val_acc in [0, 1], loss in nats); an empty history (knn) gives null.
 */
export function notLearningWarning(history: History, numClasses: number): string | null {
  if (history.epoch.length === 0 || numClasses < 2) return null;
  const chance = 1 / numClasses;
  const bestValAcc = Math.max(...history.val_acc);
  const advice = 'check the learning rate (--lr) and the optimizer';
  if (bestValAcc <= chance + MIN_GAIN_OVER_CHANCE * (1 - chance)) {
    return (
      `not learning: the validation accuracy stayed at chance (best ${bestValAcc.toFixed(4)} over ` +
      `${history.epoch.length} epochs; chance is ${chance.toFixed(4)} for ${numClasses} classes); ${advice}`
    );
  }
  const uniformLoss = Math.log(numClasses);
  if (history.loss.length >= 2 && history.loss.every((l) => Math.abs(l - uniformLoss) <= FLAT_LOSS_TOLERANCE * uniformLoss)) {
    return (
      `not learning: the training loss stayed flat at ln(${numClasses}) = ${uniformLoss.toFixed(4)}, the loss of a uniform ` +
      `guess, for all ${history.loss.length} epochs; ${advice}`
    );
  }
  return null;
}
