// TF.js's cpu backend advises installing tfjs-node on its first write in Node; nothing of ours may print it
// (we do not use tfjs-node). Commands that start an engine run TF.js in prod mode (no warnings at all); code
// that only loads a model (model-io.ts) or uses TF.js before initBackend relies on quiet.ts.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const ADVICE = /looks like you are running TensorFlow\.js in Node\.js/;

describe('the tfjs-node advice', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is not printed on the first write to the cpu backend once model-io (or the engine) is loaded', async () => {
    const printed: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    expect(tf.env().getBool('PROD')).toBe(false); // warnings are on: the advice would show
    await import('../../src/engine/model-io.ts');
    expect(await tf.setBackend('cpu')).toBe(true);
    tf.tensor([1, 2, 3]).dispose();
    expect(printed.filter((line) => ADVICE.test(line))).toEqual([]);
  });
});
