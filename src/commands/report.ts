import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { folderFlag } from './flags.ts';

// `kmnist-lab report`: tables, curves, diagrams, kernels and findings from the finished runs.
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Build report/report.md and a self-contained report/report.html from the finished runs')
    .option('--runs <dir>', 'runs/<dataset> folder (or the runs root: its most recent dataset is used)', 'runs')
    .option('--out <dir>', 'output folder', 'report')
    .option('--mistakes <n>', 'misclassified test images shown per run', '24')
    .option('--all-pairs', "McNemar for every pair of experiments (representative seeds), Holm-adjusted, as a matrix")
    .action(async (opts: { runs: string; out: string; mistakes: string; allPairs?: boolean }) => {
      const limit = Number(opts.mistakes);
      if (!Number.isInteger(limit) || limit < 0) throw new UserError(`--mistakes ${opts.mistakes}: expected a whole number (0 or more)`);
      const runsDir = folderFlag('--runs', opts.runs);
      const outDir = folderFlag('--out', opts.out);
      const { buildReport } = await import('../report/build-report.ts'); // TF.js, vega, resvg
      const result = await buildReport({
        runsDir,
        outDir,
        galleryLimit: limit,
        allPairs: opts.allPairs === true,
        warn: (m) => console.error(`warning: ${m}`),
        log: (line) => console.error(line),
      });
      console.log(`${result.markdownPath}\n${result.htmlPath}`);
    });
}
