// `npm run bench`: training/inference img/s of the study's models, a per-kernel profile of one cnn step,
// peak RSS (this process, and a real `train cnn-aug --augment-factor 10` on full Fashion-MNIST), and the
// suite's aggregate img/s with --jobs 1 vs --jobs N (each worker on its share of the cores, as `run` does). Prints tables and writes bench.json. Numbers, not
// pass/fail: on a shared machine they move with the load, which is recorded next to them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { closeBackend, describeBackend, initBackend, threadsPerJob } from '../src/engine/backend.ts';
import { UserError } from '../src/errors.ts';
import { parseBenchArgs, USAGE } from './lib/args.ts';
import { benchData } from './lib/data.ts';
import { loadAvg, machineInfo } from './lib/machine.ts';
import { measureTrainMemory } from './lib/memory.ts';
import { profileStep } from './lib/profile.ts';
import { runSuite, type SuiteRun } from './lib/suite.ts';
import { gpuEngineDevice, gpuEngineStep, gpuNullRequested, type GpuEngineResult } from './lib/gpu-engine.ts';
import { fix, pct, table } from './lib/table.ts';
import { compiledModel, makeBatches, modelThroughput, type ModelThroughput } from './lib/throughput.ts';
import { vsPytorch } from './lib/vs-pytorch.ts';

const log = (s = ''): void => console.log(s);

/** bench/gpu-engine.ts --gpu-null in a child process; its results. */
function gpuEngineInChild(models: string[], steps: number): GpuEngineResult[] {
  const out = join(tmpdir(), `kmnist-gpu-engine-${process.pid}.json`);
  const r = spawnSync(process.execPath, [...process.execArgv, join(import.meta.dirname, 'gpu-engine.ts'), '--gpu-null', '--models', models.join(','), '--steps', String(steps), '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0 || !existsSync(out)) return models.map((model) => ({ model, skipped: `bench/gpu-engine.ts --gpu-null failed (exit ${r.status ?? r.signal})` }));
  const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: GpuEngineResult[] }).results;
  rmSync(out, { force: true });
  return results;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args === 'help') return log(USAGE);
  const loadStart = loadAvg();
  const t0 = performance.now();
  await initBackend(args.backend, { threads: args.threads, allowSoftwareGpu: args.allowSoftwareGpu });
  const machine = await machineInfo(loadStart);
  const b = machine.backend;
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores [${machine.cpuFlags.join(' ')}], ${machine.totalMemGiB} GiB, node ${machine.node}`);
  log(`backend: ${await describeBackend()}${b.wasmSimd === undefined ? '' : ` (simd ${b.wasmSimd}, threads ${b.wasmThreads}, fma ${b.wasmFma})`}, tfjs ${machine.tfjs}`);
  log(`load average at start: ${loadStart.join(' ')} (1/5/15 min)`);

  if (args.vsPytorch) {
    const steps = args.quick ? { cnn: 8, fcnn: 60 } : { cnn: 16, fcnn: 150 };
    const comparison = await vsPytorch({ python: args.python, rounds: args.rounds, threads: args.threads, steps, suite: args.suite }, log);
    machine.loadAvgEnd = loadAvg();
    log(`\nload average at end: ${machine.loadAvgEnd.join(' ')}; bench took ${fix((performance.now() - t0) / 1000)} s`);
    writeFileSync(args.out, JSON.stringify({ machine, vsPytorch: comparison }, null, 2) + '\n');
    return log(`wrote ${args.out}`);
  }

  const data = await benchData(args.dataDir, args.dataset, Math.max(args.inferImages, 4 * 128));
  log(`data: ${data.source}\n`);

  const throughput: ModelThroughput[] = [];
  for (const name of args.models) {
    throughput.push(await modelThroughput(name, data.set, data.numClasses, { ...args, batchSize: 128 }));
    const r = throughput[throughput.length - 1];
    log(`  ${name}: train ${fix(r.train.imgPerSec)} img/s, infer ${fix(r.infer.imgPerSec)} img/s`);
  }
  log();
  log(
    table(
      ['model', 'params', 'train img/s', 'img/s @ median step', 'median step ms', 'min-max ms', 'steps', 'infer img/s'],
      throughput.map((r) => [
        r.model,
        r.params,
        fix(r.train.imgPerSec),
        fix(r.train.medianImgPerSec),
        fix(r.train.medianStepMs, 1),
        `${fix(r.train.minStepMs)}-${fix(r.train.maxStepMs)}`,
        r.train.steps,
        fix(r.infer.imgPerSec),
      ]),
    ),
  );

  // Our WebGPU training engine (src/engine/webgpu-trainer/) beside TF.js's: on the webgpu backend, or on
  // Dawn's null backend with --gpu-null / KMNIST_LAB_GPU_NULL=1 (CPU cost only, any machine).
  const gpuNull = gpuNullRequested(args.gpuNull);
  const gpuEngine: GpuEngineResult[] = [];
  if (gpuNull || b.gpuAdapter !== undefined) {
    const o = { useNull: gpuNull, steps: args.quick ? 50 : 200, warmup: 10, batchSize: 128 };
    // On null, in a child process: Dawn aborts ("Owner died") beside the threaded wasm backend started here.
    if (gpuNull) gpuEngine.push(...gpuEngineInChild(args.models, o.steps));
    else {
      const device = await gpuEngineDevice(false);
      for (const name of args.models) gpuEngine.push(await gpuEngineStep(name, device, o));
    }
    log(`\nour WebGPU engine, batch 128${gpuNull ? " on Dawn's null backend (CPU cost only)" : ''}:`);
    log(
      table(
        ['model', 'img/s', 'CPU ms/step', 'dispatches/step', 'submits/step', 'buffers created/step', 'bind groups/step'],
        gpuEngine.map((r) =>
          'skipped' in r
            ? [r.model, `skipped: ${r.skipped}`, '', '', '', '', '']
            : [r.model, r.imgPerSec === null ? '-' : fix(r.imgPerSec), fix(r.cpuMsPerStep, 3), r.dispatches, r.submits, r.buffersCreated, r.bindGroupsCreated],
        ),
      ),
    );
  }

  const model = compiledModel('cnn', data.set, data.numClasses);
  const [batch] = makeBatches(data.set, data.numClasses, 128, 1);
  const profile = await profileStep('cnn', model, batch, args.profileTop);
  tf.dispose([batch.x, batch.y]);
  model.optimizer.dispose();
  model.dispose();
  log(`\nprofile of one cnn training step (batch 128): ${fix(profile.stepMs)} ms wall, kernels ${fix(profile.kernelMs)} ms`);
  if (profile.kernelMs > 0) log(table(['kernel', 'ms', 'share of step', 'calls'], profile.kernels.map((k) => [k.kernel, fix(k.ms, 1), pct(k.share), k.calls])));
  else log('per-kernel times unavailable: this backend reports none (webgpu needs an adapter with timestamp-query)');

  const benchPeakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
  log(`\npeak RSS of this process (the in-process measurements above): ${benchPeakRssMiB} MiB`);

  const memory = args.memory
    ? await measureTrainMemory({ dataDir: args.memoryDataDir, backend: args.backend, allowSoftwareGpu: args.allowSoftwareGpu, trainSeconds: args.memorySeconds })
    : { skipped: '--no-memory' };
  if ('skipped' in memory) log(`train memory: skipped (${memory.skipped})`);
  else {
    const ending = memory.exit === 'SIGKILL' ? `killed after ${memory.trainSeconds} s of training` : `ran to the end (${memory.exit}), ${memory.trainSeconds} s after training began`;
    log(`${memory.command}: ${ending} (${memory.totalSeconds} s in all)`);
    log(
      `  peak RSS ${memory.peakRssMiB} MiB (target <= ${memory.targetMiB}); ${memory.peakRssAtTrainStartMiB ?? '-'} MiB when training began, ` +
        `${memory.lastRssMiB} MiB at the last sample${memory.note ? `; ${memory.note}` : ''}`,
    );
  }

  const suite: SuiteRun[] = [];
  if (args.suite) {
    const o = { backend: args.backend, allowSoftwareGpu: args.allowSoftwareGpu, model: 'cnn', workers: args.jobs, steps: args.suiteSteps, warmup: 2, batchSize: 128 };
    log(`\nsuite: ${o.workers} cnn workers x ${o.steps} steps of 128 (synthetic), --jobs 1 (${threadsPerJob(1)} thread(s)) then --jobs ${args.jobs} (${threadsPerJob(args.jobs)} each)`);
    suite.push(await runSuite(o, 1));
    if (args.jobs > 1) suite.push(await runSuite(o, args.jobs));
    log(
      table(
        ['jobs', 'images', 'train s', 'aggregate img/s', 'wall s (with start-up)', 'wall img/s'],
        suite.map((s) => [s.jobs, s.images, fix(s.trainSeconds, 1), fix(s.imgPerSec), fix(s.wallSeconds, 1), fix(s.wallImgPerSec)]),
      ),
    );
    if (suite.length === 2) log(`speed-up --jobs ${args.jobs} vs --jobs 1: ${fix(suite[1].imgPerSec / suite[0].imgPerSec, 2)}x (training), ${fix(suite[1].wallImgPerSec / suite[0].wallImgPerSec, 2)}x (wall)`);
  }

  machine.loadAvgEnd = loadAvg();
  const seconds = (performance.now() - t0) / 1000;
  log(`\nload average at end: ${machine.loadAvgEnd.join(' ')}; bench took ${fix(seconds)} s`);
  const speedUp = suite.length === 2 ? suite[1].imgPerSec / suite[0].imgPerSec : null;
  const result = { machine, data: data.source, quick: args.quick, throughput, gpuEngine, profile, benchPeakRssMiB, trainMemory: memory, suite, suiteSpeedUp: speedUp, seconds };
  writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${args.out}`);
}

try {
  await main();
} catch (err) {
  if (!(err instanceof UserError)) throw err;
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
} finally {
  await closeBackend(); // a live GPU device would keep Node running
}
