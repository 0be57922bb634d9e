// `run --queue` tells the user how to start workers; following it exactly must give workers everything they
// need: the queue, the shared --out and the dataset folder (without --data-dir a worker looks in ./data/<name>).
import { describe, expect, it } from 'vitest';
import { parseQueueUrl } from '../../src/study/executors/queue/address.ts';
import { queueExecutor, workerCommand } from '../../src/study/executors/queue/queue-executor.ts';

describe("run --queue's worker hint", () => {
  const o = { address: parseQueueUrl('redis://10.0.0.5:6379'), out: '/shared/runs', dataDir: '/shared/data/kmnist-10k' };

  it('is a complete worker command: --queue, --out and --data-dir as the study uses them', () => {
    expect(workerCommand(o)).toBe('kmnist-lab worker --queue redis://10.0.0.5:6379/0 --out /shared/runs --data-dir /shared/data/kmnist-10k');
    expect(queueExecutor(o).describe(1)).toContain(workerCommand(o));
  });

  it('quotes paths a shell would split', () => {
    expect(workerCommand({ ...o, dataDir: "/my data/it's" })).toContain(`--data-dir '/my data/it'\\''s'`);
  });
});
