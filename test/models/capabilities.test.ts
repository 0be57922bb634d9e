// Experiments declare what they do (models/zoo.ts); the rest of the code asks that, never which experiment it is.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS, listExperiments } from '../../src/models/zoo.ts';
import { SRC, sourceFiles } from '../helpers/source-files.ts';

describe('experiment capabilities', () => {
  it('every experiment declares them; the neural ones train, knn does not and is deterministic', () => {
    for (const e of listExperiments()) expect(Object.keys(e.capabilities).sort()).toEqual(['acceptsTrainingFlags', 'deterministic', 'trainsByGradientDescent']);
    expect(EXPERIMENTS.cnn.capabilities).toEqual({ trainsByGradientDescent: true, deterministic: false, acceptsTrainingFlags: true });
    expect(EXPERIMENTS.knn.capabilities).toEqual({ trainsByGradientDescent: false, deterministic: true, acceptsTrainingFlags: false });
  });

  it('no module outside models/ tests for knn by name or kind, except where train-run fits it', () => {
    // train-run.ts dispatches to the nearest-neighbour fit (the model's own type); the study's default list names it.
    const allowed = new Set(['training/train-run.ts', 'study/experiments.ts']);
    const named = sourceFiles()
      .map((f) => relative(SRC, f))
      .filter((f) => !f.startsWith('models/') && !allowed.has(f))
      .filter((f) => /['"]knn['"]/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(named).toEqual([]);
  });
});
