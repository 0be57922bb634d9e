// `kmnist-lab info`: what a data folder holds — counts per split and class, image size, class names.
import type { Command } from 'commander';
import { addDataOptions, resolveDataOptions, type DataOptions } from './data-options.ts';
import { getDatasetSpec } from '../data/registry.ts';
import { formatSummary, summarize } from '../data/summary.ts';

export function registerInfo(program: Command): void {
  const cmd = program
    .command('info')
    .description('show a dataset: per-split and per-class counts, image size, class names (validates the files)')
    .option('--json', 'print the summary as JSON');
  addDataOptions(cmd).action(async (flags: DataOptions & { json?: boolean }) => {
    const opts = resolveDataOptions(flags);
    const { loadDataset } = await import('../data/load.ts');
    const ds = await loadDataset(opts);
    const summary = summarize(ds);
    const spec = getDatasetSpec(opts.dataset);
    console.log(flags.json ? JSON.stringify(summary, null, 2) : formatSummary(summary, spec.title, spec.metric));
  });
}
