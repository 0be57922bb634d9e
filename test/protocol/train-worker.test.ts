import { describe, expect, it } from 'vitest';
import { encodeWorkerLine, parseWorkerLine, type EpochSummary } from '../../src/protocol/train-worker.ts';

const epoch: EpochSummary = { epoch: 2, epochs: 5, loss: 0.4, acc: 0.9, val_loss: 0.5, val_acc: 0.88, lr: 1e-3, seconds: 3.5, imgPerSec: 1200 };

describe('train-worker protocol', () => {
  it('round-trips each message, snake_case on the wire and camelCase parsed', () => {
    const batch = encodeWorkerLine({ type: 'batch', epoch: 1, epochs: 5, batch: 3, batches: 10, loss: 1.2, acc: 0.6, imgPerSec: 900 });
    expect(batch).toBe('{"type":"batch","epoch":1,"epochs":5,"batch":3,"batches":10,"loss":1.2,"acc":0.6,"imgPerSec":900}');
    expect(parseWorkerLine(batch)).toEqual({ type: 'batch', progress: { epoch: 1, epochs: 5, batch: 3, batches: 10, loss: 1.2, acc: 0.6, imgPerSec: 900 } });

    const line = encodeWorkerLine({ type: 'epoch', ...epoch });
    expect(JSON.parse(line)).toEqual({ type: 'epoch', ...epoch });
    expect(line).toContain('"val_loss":0.5');
    expect(parseWorkerLine(line)).toEqual({ type: 'epoch', progress: { epoch: 2, epochs: 5, loss: 0.4, valLoss: 0.5, valAcc: 0.88, imgPerSec: 1200 } });

    const done = encodeWorkerLine({ type: 'done', testAccuracy: 0.95, testLoss: 0.2 });
    expect(parseWorkerLine(done)).toEqual({ type: 'done', testAccuracy: 0.95 });
  });

  it('rejects log text, malformed JSON, unknown types and lines missing their position', () => {
    expect(parseWorkerLine('epoch 1/5  loss 0.3')).toBeNull();
    expect(parseWorkerLine('{"type":"epoch","epoch":1')).toBeNull();
    expect(parseWorkerLine('{"type":"hello","epoch":1,"epochs":2}')).toBeNull();
    expect(parseWorkerLine('{"type":"batch","epoch":1,"epochs":5,"batch":3}')).toBeNull();
    expect(parseWorkerLine('{"type":"epoch","epoch":"1","epochs":5}')).toBeNull();
    expect(parseWorkerLine('{}')).toBeNull();
  });

  it('drops non-finite or missing optional numbers instead of passing them on', () => {
    expect(parseWorkerLine('{"type":"epoch","epoch":1,"epochs":2,"loss":null,"val_acc":"x"}')).toEqual({
      type: 'epoch',
      progress: { epoch: 1, epochs: 2, loss: undefined, valLoss: undefined, valAcc: undefined, imgPerSec: undefined },
    });
    expect(parseWorkerLine('{"type":"done"}')).toEqual({ type: 'done', testAccuracy: undefined });
  });
});
