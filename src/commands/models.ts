// `kmnist-lab models`: the model zoo with parameter counts for a dataset's input size and classes.
import type { Command } from 'commander';
import { getDatasetSpec } from '../data/registry.ts';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the experiments of the model zoo with their parameter counts')
    .option('--dataset <name>', 'dataset whose input size and classes size the models', 'kmnist')
    .option('--json', 'print the list as JSON')
    .action(async (flags: { dataset: string; json?: boolean }) => {
      const { listExperiments, paramCount } = await import('../models/zoo.ts'); // loads TF.js
      const spec = getDatasetSpec(flags.dataset);
      const input = { height: spec.height, width: spec.width, numClasses: spec.numClasses };
      const rows = listExperiments().map((e) => ({
        name: e.name,
        params: paramCount(e.name, input),
        augment: e.augment,
        preset: e.preset,
        description: e.description,
      }));
      if (flags.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(`models for ${spec.name} (${spec.height}x${spec.width}, ${spec.numClasses} classes)\n`);
      const nameW = Math.max(4, ...rows.map((r) => r.name.length));
      const paramW = Math.max(10, ...rows.map((r) => r.params.toLocaleString('en-US').length));
      console.log(`${'name'.padEnd(nameW)}  ${'parameters'.padStart(paramW)}  description`);
      for (const r of rows) {
        const params = r.params ? r.params.toLocaleString('en-US') : '-';
        console.log(`${r.name.padEnd(nameW)}  ${params.padStart(paramW)}  ${r.description}`);
      }
    });
}
