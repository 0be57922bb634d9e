// `kmnist-lab evaluate <run-folder> --dataset … --data-dir … [--split test|train]`.
import type { Command } from 'commander';
import { addDataOptions, resolveDataOptions, type DataOptions } from './data-options.ts';
import { addBackendOptions, parseBackendFlags, type BackendFlags } from './backend-options.ts';
import { folderFlag, oneOfFlag } from './flags.ts';

interface EvaluateFlags extends DataOptions, BackendFlags {
  split: string;
  out?: string;
}

export function registerEvaluate(program: Command): void {
  const cmd = program
    .command('evaluate')
    .description("score a finished run's model on a data folder with the same classes and image size")
    .argument('<run-folder>', 'runs/<dataset>/<experiment>/seed-<n>')
    .option('--split <split>', 'test or train', 'test')
    .option('--out <dir>', 'folder for the results (default: <run-folder>/evaluations/<dataset>-<data folder>-<split>)');
  addBackendOptions(cmd);
  addDataOptions(cmd).action(async (runDir: string, flags: EvaluateFlags) => {
    const split = oneOfFlag('--split', flags.split, ['test', 'train'] as const);
    const data = resolveDataOptions(flags);
    const out = flags.out === undefined ? undefined : folderFlag('--out', flags.out);
    const { backend, allowSoftwareGpu } = parseBackendFlags(flags);
    // Heavy modules (TF.js) load only when the command runs.
    const { initBackend, threadsPerJob } = await import('../engine/backend.ts');
    const { evaluateRun } = await import('../inference/evaluate-run.ts');
    await initBackend(backend, { threads: threadsPerJob(1), allowSoftwareGpu });
    const result = await evaluateRun({ runDir, dataset: data.dataset, dataDir: data.dataDir, split, out });
    process.stdout.write(`${result.reportText}\naccuracy ${result.accuracy.toFixed(4)}, loss ${result.loss.toFixed(4)}\n${result.outDir}\n`);
  });
}
