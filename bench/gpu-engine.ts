// `npx tsx bench/gpu-engine.ts [--gpu-null] [--models cnn,fcnn] [--steps N] [--allow-software-gpu] [--out f.json]`:
// our WebGPU engine's step figures alone (bench/lib/gpu-engine.ts), without the rest of `npm run bench`;
// bench/device-gpu.sh runs it on a lent GPU.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeBackend, describeBackend, initBackend } from '../src/engine/backend.ts';
import { gpuEngineDevice, gpuEngineStep, gpuNullRequested, type GpuEngineResult } from './lib/gpu-engine.ts';
import { loadAvg } from './lib/machine.ts';

const { values: v } = parseArgs({
  options: {
    'gpu-null': { type: 'boolean', default: false },
    'allow-software-gpu': { type: 'boolean', default: false },
    models: { type: 'string', default: 'cnn,fcnn,cnn-modern' },
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '128' },
    out: { type: 'string' },
  },
});
const useNull = gpuNullRequested(v['gpu-null']);
const load = loadAvg();
// Dawn's pending promises do not keep Node's event loop alive on their own.
const keepAlive = setInterval(() => {}, 1000);
try {
  // The models are built on the active TF.js backend; the engine gets its device from webgpu (or null).
  await initBackend(useNull ? 'cpu' : 'webgpu', { allowSoftwareGpu: v['allow-software-gpu'] });
  console.log(`backend: ${useNull ? "Dawn's null backend (CPU cost only)" : await describeBackend()}; load average ${load.join(' ')}`);
  const device = await gpuEngineDevice(useNull);
  const results: GpuEngineResult[] = [];
  for (const name of v.models.split(',').filter(Boolean)) {
    const r = await gpuEngineStep(name, device, { useNull, steps: Number(v.steps), warmup: Number(v.warmup), batchSize: Number(v['batch-size']) });
    results.push(r);
    if ('skipped' in r) console.log(`${name}: skipped (${r.skipped})`);
    else {
      console.log(
        `${name}: ${r.cpuMsPerStep.toFixed(3)} ms CPU/step, ${r.dispatches} dispatches, ${r.submits} submits, ${r.buffersCreated} buffers, ` +
          `${r.bindGroupsCreated} bind groups, ${r.writeBuffers} writeBuffers per step${r.imgPerSec === null ? '' : `, ${r.imgPerSec.toFixed(0)} img/s`}`,
      );
    }
  }
  const out = { useNull, loadAvgStart: load, loadAvgEnd: loadAvg(), results };
  if (v.out) writeFileSync(v.out, JSON.stringify(out, null, 2) + '\n');
} finally {
  clearInterval(keepAlive);
  await closeBackend();
}
