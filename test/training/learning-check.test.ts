// A run that does not learn ends with a warning (console, metrics.json); a diverged run says what was kept.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/run-folder/layout.ts';
import { notLearningWarning } from '../../src/training/learning-check.ts';
import { divergedMessage } from '../../src/training/train-run.ts';
import type { FitState } from '../../src/training/checkpoint.ts';
import { runCli } from '../helpers/cli.ts';
import { syntheticDataset, writeIdxDataset } from './synthetic.ts';

const history = (loss: number[], valAcc: number[]): History => ({
  epoch: loss.map((_, i) => i + 1),
  loss,
  acc: valAcc,
  val_loss: loss,
  val_acc: valAcc,
  val_precision: valAcc,
  val_recall: valAcc,
  val_macro_f1: valAcc,
  val_auc: valAcc,
  lr: loss.map(() => 1e-3),
  seconds: loss.map(() => 1),
});

describe('notLearningWarning', () => {
  it('warns when the validation accuracy stays at chance', () => {
    expect(notLearningWarning(history([14.5, 14.8, 14.6], [0.1, 0.1, 0.1]), 10)).toMatch(
      /^not learning: the validation accuracy stayed at chance \(best 0\.1000 over 3 epochs; chance is 0\.1000 for 10 classes\)/,
    );
    expect(notLearningWarning(history([2.3, 2.2], [0.14, 0.12]), 10)).toMatch(/stayed at chance/);
  });

  it('warns when the training loss stays flat at ln(classes)', () => {
    const ln10 = Math.log(10);
    expect(notLearningWarning(history([ln10, ln10 * 1.005, ln10 * 0.995], [0.1, 0.2, 0.3]), 10)).toMatch(
      /^not learning: the training loss stayed flat at ln\(10\) = 2\.3026/,
    );
  });

  it('says nothing for a run that learns, a single epoch of flat loss, or a knn run', () => {
    expect(notLearningWarning(history([2.0, 1.2, 0.8], [0.4, 0.6, 0.7]), 10)).toBeNull();
    expect(notLearningWarning(history([Math.log(10)], [0.3]), 10)).toBeNull();
    expect(notLearningWarning(history([], []), 10)).toBeNull();
  });
});

describe('divergedMessage', () => {
  const state = (epochsDone: number): FitState => ({ epochsDone, lr: 1000 }) as unknown as FitState;

  it('before any epoch finished: nothing kept, no --force needed', () => {
    const m = divergedMessage({ kind: 'diverged', state: state(0), epoch: 1, batch: 3, loss: NaN }, 'runs/kmnist/cnn/seed-1');
    expect(m).toBe('training diverged: the loss became NaN at epoch 1, batch 3 (learning rate 1000); stopped: no epoch had finished, so nothing was kept; try a lower --lr');
  });

  it('after finished epochs: says where they are and that --force starts over', () => {
    const m = divergedMessage({ kind: 'diverged', state: state(2), epoch: 3, batch: null, loss: Infinity }, 'runs/kmnist/cnn/seed-1');
    expect(m).toBe(
      'training diverged: the validation loss became Infinity at epoch 3 (learning rate 1000); stopped: epochs 1-2 are logged in ' +
        'runs/kmnist/cnn/seed-1/log.csv and checkpointed; try a lower --lr with --force to start over',
    );
  });
});

describe('train --lr 1e3 (CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'kmnist-not-learning-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  writeIdxDataset(dataDir, syntheticDataset({ train: 400, test: 100, size: 8, numClasses: 10, seed: 5 }));

  it('collapses to chance and ends with a not-learning warning on stderr and in metrics.json (exit 0)', async () => {
    const r = await runCli(['train', 'fcnn', '--data-dir', dataDir, '--out', root, '--epochs', '3', '--lr', '1e3', '--backend', 'wasm', '--threads', '1', '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING: not learning: the validation accuracy stayed at chance/);
    const metrics = JSON.parse(readFileSync(join(root, 'kmnist', 'fcnn', 'seed-0', 'metrics.json'), 'utf8')) as { warnings?: string[] };
    expect(metrics.warnings).toEqual([expect.stringMatching(/^not learning: the validation accuracy stayed at chance/)]);
  });
});
