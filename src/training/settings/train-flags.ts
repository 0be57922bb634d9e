// The training settings a caller may give (every one optional: resolveTraining fills them from the
// experiment's preset). Its own module so the flag table (flag-spec.ts) and the resolver (options.ts)
// both import it without importing each other.
import type { AugmentParams } from '../../run-folder/recorded-settings.ts';

/** What the user asked for; undefined = not given. */
export interface TrainFlags {
  preset?: string;
  optimizer?: string;
  learningRate?: number;
  epochs?: number;
  batchSize?: number;
  valSplit?: number;
  augment?: boolean;
  augmentFactor?: number;
  /** Overrides of the study's augmentation ranges (e.g. Keras's literal shear); need augmentation. */
  augmentParams?: Partial<AugmentParams>;
  /** AdamW's decoupled weight decay (Keras weight_decay); needs --optimizer adamw. */
  weightDecay?: number;
  /** Keras's label_smoothing of the cross-entropy, in [0, 1). */
  labelSmoothing?: number;
}
