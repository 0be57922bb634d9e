// One parser and one wording for every command's flag values.
import { describe, expect, it } from 'vitest';
import { fractionFlag, intFlag, oneOfFlag, positiveFlag } from '../src/commands/flags.ts';

describe('flag parsing', () => {
  it('takes whole numbers in plain digits only, at or above the minimum', () => {
    expect(intFlag('--jobs', '4')).toBe(4);
    expect(intFlag('--seed', '0', 0)).toBe(0);
    for (const bad of ['0', '-1', '1.5', '1e3', '0x10', '', ' ', 'two']) {
      expect(() => intFlag('--jobs', bad)).toThrow(`--jobs: '${bad}' is not an integer >= 1`);
    }
    expect(() => intFlag('--seed', '', 0)).toThrow(/--seed: '' is not an integer >= 0/);
  });

  it('checks positive numbers, fractions and choices with the same wording', () => {
    expect(positiveFlag('--lr', '1e-3')).toBe(0.001);
    expect(() => positiveFlag('--lr', '0')).toThrow("--lr: '0' is not a positive number");
    expect(() => positiveFlag('--lr', '')).toThrow("--lr: '' is not a positive number");
    expect(fractionFlag('--val-split', '0.1')).toBe(0.1);
    expect(() => fractionFlag('--val-split', '1')).toThrow("--val-split: '1' is not a fraction in [0, 1)");
    expect(oneOfFlag('--progress', 'json', ['json', 'lines'] as const)).toBe('json');
    expect(() => oneOfFlag('--progress', 'fancy', ['json', 'lines'] as const)).toThrow("--progress: 'fancy' is not one of json, lines");
  });
});
