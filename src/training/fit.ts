// The training loop: seeded shuffling, on-the-fly augmentation, Keras's callbacks, a checkpoint after
// every epoch (so a killed run resumes exactly), NaN detection and clean interruption.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.ts';
import { emptyHistory, type History } from '../run-folder/layout.ts';
import { epochOrder } from './batches.ts';
import { initialCallbackState, onEpochEnd } from './callbacks.ts';
import { saveCheckpoint, type Checkpoint, type FitState } from './checkpoint.ts';
import { predictSet, validationMetrics } from './evaluate.ts';
import { smoothedCrossEntropy } from './loss.ts';
import { cosineDecay } from './lr-schedule.ts';
import type { AugmentParams, CallbackSettings, CosineDecayConfig } from '../run-folder/recorded-settings.ts';
import type { ProgressReporter } from './progress.ts';
import { withSeededMathRandom, type Rng } from './rng.ts';
import { TfjsStepEngine, type StepEngine } from './step-engine.ts';

export interface FitOptions {
  /** Compiled with `optimizer`, categorical cross-entropy and accuracy. */
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  train: ImageSet;
  val: ImageSet;
  numClasses: number;
  epochs: number;
  batchSize: number;
  augment: AugmentParams | null;
  /** One epoch = this many passes over `train`. */
  augmentFactor: number;
  callbacks: CallbackSettings;
  /** The rate of every step from the global step (its steps per epoch must be this fit's); null: constant, callbacks may cut it. */
  lrSchedule: CosineDecayConfig | null;
  /** The loss's label smoothing, for val_loss (Keras's val_loss is the compiled loss). */
  labelSmoothing: number;
  /** Drives shuffling, augmentation and (as Math.random) dropout. */
  rng: Rng;
  reporter: ProgressReporter;
  checkpointDir: string;
  /** After every finished epoch: write log.csv/history.json; `improved` → save the best model. */
  onEpoch: (history: History, improved: boolean) => Promise<void>;
  /** Continue from this checkpoint (weights and optimizer state are restored here). */
  resumeFrom?: Checkpoint;
  /** Returns true when the user asked to stop (Ctrl-C): the loop stops after the current batch. */
  interrupted: () => boolean;
  /** Stop (as if killed) once this many epochs are done and checkpointed: for tests of resume. */
  stopAfterEpoch?: number;
  /** What runs the training steps; default TF.js's trainOnBatch on `model` with `optimizer`. */
  stepEngine?: StepEngine;
}

export type FitEnd =
  | { kind: 'finished'; state: FitState }
  | { kind: 'interrupted'; state: FitState }
  /** `batch` is null when the validation loss, not a training batch, turned NaN. */
  | { kind: 'diverged'; state: FitState; epoch: number; batch: number | null; loss: number };

function cloneAll(ts: tf.Tensor[]): tf.Tensor[] {
  return ts.map((t) => t.clone());
}

export async function fit(o: FitOptions): Promise<FitEnd> {
  const engine: StepEngine =
    o.stepEngine ?? new TfjsStepEngine({ model: o.model, optimizer: o.optimizer, train: o.train, numClasses: o.numClasses, augment: o.augment, rng: o.rng });
  const state: FitState = o.resumeFrom?.state ?? {
    epochsDone: 0,
    history: emptyHistory(),
    lr: engine.getLearningRate(),
    callbacks: initialCallbackState(),
    rng: o.rng.getState(),
    trainStepSeconds: 0,
    imagesSeen: 0,
    stoppedEarly: false,
  };
  let best: tf.Tensor[] | null = null;
  if (o.resumeFrom) {
    o.model.setWeights(o.resumeFrom.weights);
    await engine.syncFromModel();
    await engine.setOptimizerState(o.resumeFrom.optimizer);
    // Both calls above copy the values, so the loaded tensors can go.
    for (const t of [...o.resumeFrom.weights, ...o.resumeFrom.optimizer.map((n) => n.tensor)]) t.dispose();
    best = o.resumeFrom.best;
    o.rng.setState(o.resumeFrom.state.rng);
  }
  engine.setLearningRate(state.lr);

  const end = await withSeededMathRandom(o.rng, async (): Promise<FitEnd> => {
    for (let epoch = state.epochsDone + 1; epoch <= o.epochs && !state.stoppedEarly; epoch++) {
      const epochStart = performance.now();
      const order = epochOrder(o.train.count, o.augmentFactor, o.rng);
      const batches = Math.ceil(order.length / o.batchSize);
      o.reporter.epochStart(epoch, o.epochs, batches);
      const lrSchedule = o.lrSchedule;
      const ran = await engine.trainEpoch({
        order,
        batchSize: o.batchSize,
        // Keras's schedules take optimizer.iterations, the updates made before this one.
        lrAt: lrSchedule ? (b) => cosineDecay(lrSchedule, (epoch - 1) * batches + b) : null,
        onProgress: (done, loss, acc, images) => o.reporter.batch(done, loss, acc, images),
        interrupted: o.interrupted,
      });
      if (ran.kind === 'diverged') return { kind: 'diverged', state, epoch, batch: ran.batch, loss: ran.loss };
      if (ran.kind === 'interrupted') return { kind: 'interrupted', state };
      const { lossSum, accSum, seen, stepSeconds } = ran;
      await engine.syncToModel();
      const val = await predictSet(o.model, o.val, o.numClasses);
      // tfjs clips the training loss, so NaN weights may first show in the validation loss.
      if (!Number.isFinite(val.loss)) return { kind: 'diverged', state, epoch, batch: null, loss: val.loss };
      const valLoss = o.labelSmoothing ? smoothedCrossEntropy(val.probs, o.val.labels, o.numClasses, o.labelSmoothing) : val.loss;
      const seconds = (performance.now() - epochStart) / 1000;
      const lr = engine.getLearningRate(); // with a schedule: the rate of the epoch's last step
      const h = state.history;
      h.epoch.push(epoch);
      h.loss.push(lossSum / seen);
      h.acc.push(accSum / seen);
      h.val_loss.push(valLoss);
      h.val_acc.push(val.accuracy);
      const m = validationMetrics(val, o.val.labels, o.numClasses);
      h.val_precision.push(m.precision);
      h.val_recall.push(m.recall);
      h.val_macro_f1.push(m.macroF1);
      h.val_auc.push(m.auc);
      h.lr.push(lr);
      h.seconds.push(seconds);
      state.trainStepSeconds += stepSeconds;
      state.imagesSeen += seen;

      const decision = onEpochEnd(o.callbacks, state.callbacks, epoch, valLoss, lr);
      if (decision.improved) {
        best?.forEach((t) => t.dispose());
        best = cloneAll(o.model.getWeights());
      }
      if (decision.lr !== lr) {
        engine.setLearningRate(decision.lr);
        o.reporter.note(`epoch ${epoch}: val_loss has not improved for ${o.callbacks.reduceLrPatience} epochs, learning rate ${lr} -> ${decision.lr}`);
      }
      state.lr = decision.lr;
      state.stoppedEarly = decision.stop && epoch < o.epochs;
      state.epochsDone = epoch;
      state.rng = o.rng.getState();
      await o.onEpoch(h, decision.improved);
      const optimizerState = await engine.getOptimizerState();
      await saveCheckpoint(o.checkpointDir, { state, weights: o.model.getWeights(), optimizer: optimizerState, best });
      engine.releaseOptimizerState(optimizerState);
      // Reported only once saved: a scheduler that sees this line may kill the run without losing the epoch.
      o.reporter.epochEnd({
        epoch,
        epochs: o.epochs,
        loss: h.loss[h.loss.length - 1],
        acc: h.acc[h.acc.length - 1],
        val_loss: valLoss,
        val_acc: val.accuracy,
        lr,
        seconds,
        imgPerSec: seen / stepSeconds,
      });
      if (state.stoppedEarly) {
        o.reporter.note(`early stopping: val_loss has not improved for ${o.callbacks.earlyStoppingPatience} epochs (best epoch ${state.callbacks.bestEpoch})`);
      }
      if (o.stopAfterEpoch !== undefined && epoch >= o.stopAfterEpoch && epoch < o.epochs) return { kind: 'interrupted', state };
    }
    return { kind: 'finished', state };
  });

  if (end.kind === 'finished' && o.callbacks.restoreBest && best) o.model.setWeights(best);
  best?.forEach((t) => t.dispose());
  return end;
}
