// One suite worker: a fresh Node process training a zoo model on synthetic batches. It warms up, says
// {"type":"ready"}, waits for "go" on stdin (so parallel workers time the same window), trains the timed
// steps and prints {"type":"result",...}.
//   tsx bench/lib/suite-worker.ts --backend wasm --model cnn --steps 10 --warmup 2 --batch 128 --threads 1
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { closeBackend, initBackend, BACKEND_CHOICES, type BackendChoice } from '../../src/engine/backend.ts';
import { syntheticSet } from './data.ts';
import { compiledModel, makeBatches } from './throughput.ts';

export interface WorkerResult {
  type: 'result';
  images: number;
  /** Date.now() at the first and after the last timed step: the parent aligns parallel windows on them. */
  startMs: number;
  endMs: number;
  backend: string;
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    model: { type: 'string', default: 'cnn' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    batch: { type: 'string', default: '128' },
    threads: { type: 'string', default: '1' },
    'allow-software-gpu': { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const choice = values.backend as BackendChoice;
  if (!BACKEND_CHOICES.includes(choice)) throw new Error(`unknown backend ${values.backend}`);
  const backend = await initBackend(choice, { threads: Number(values.threads), allowSoftwareGpu: values['allow-software-gpu'] });
  const batchSize = Number(values.batch);
  const set = syntheticSet(batchSize * 4, process.pid);
  const model = compiledModel(values.model, set, 10);
  const batches = makeBatches(set, 10, batchSize, 4);
  for (let i = 0; i < Number(values.warmup); i++) await model.trainOnBatch(batches[i % 4].x, batches[i % 4].y);
  process.stdout.write(JSON.stringify({ type: 'ready' }) + '\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'go') break;
  const steps = Number(values.steps);
  const startMs = Date.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(batches[i % 4].x, batches[i % 4].y);
  const endMs = Date.now();
  const result: WorkerResult = { type: 'result', images: steps * batchSize, startMs, endMs, backend };
  process.stdout.write(JSON.stringify(result) + '\n');
  lines.close();
  tf.disposeVariables();
  await closeBackend();
}

await main();
