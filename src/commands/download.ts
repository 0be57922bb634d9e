// `kmnist-lab download`: flags, or an interactive menu in a terminal when no flag is given.
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { addDataOptions, resolveDataOptions } from './data-options.ts';
import { folderFlag, intFlag } from './flags.ts';
import type { FileOutcome } from '../data/download.ts';
import { DATASETS, DATASET_NAMES, defaultDataDir, formatsOf, getDatasetSpec, type DataFormat } from '../data/registry.ts';
import type { DatasetName } from '../data/types.ts';

interface DownloadFlags {
  dataset: string;
  dataDir?: string;
  format?: string;
  source?: string;
  acceptRecompressed?: boolean;
  retries: string;
}

interface Choice {
  dataset: DatasetName;
  format: DataFormat;
  dataDir: string;
}

/** The original study's script asked which dataset and format to fetch; so does this, in a terminal. */
async function askInteractively(): Promise<Choice> {
  const { select, input } = await import('@inquirer/prompts');
  const dataset = await select<DatasetName>({
    message: 'Which dataset?',
    choices: DATASET_NAMES.map((n) => ({ name: `${n} — ${DATASETS[n].title}`, value: n })),
    default: 'kmnist',
  });
  const formats = formatsOf(DATASETS[dataset]);
  const format =
    formats.length === 1
      ? formats[0]
      : await select<DataFormat>({
          message: 'Which format?',
          choices: formats.map((f) => ({ name: f === 'idx' ? 'idx — MNIST format (.gz)' : f === 'npz' ? 'npz — NumPy arrays' : f, value: f })),
        });
  const dataDir = await input({ message: 'Save to folder:', default: defaultDataDir(dataset) });
  return { dataset, format, dataDir };
}

function pickFormat(dataset: DatasetName, format: string | undefined): DataFormat {
  const formats = formatsOf(getDatasetSpec(dataset));
  if (format === undefined) return formats[0];
  if (!(formats as string[]).includes(format)) {
    throw new UserError(`--format: ${dataset} comes as ${formats.join(' or ')}, not '${format}'`);
  }
  return format as DataFormat;
}

function describe(o: FileOutcome): string {
  switch (o.status) {
    case 'present':
      return `ok      ${o.name}: already present, ${o.verifiedBy} verified`;
    case 'downloaded':
      return `ok      ${o.name}: downloaded from ${o.from}, ${o.verifiedBy} verified`;
    case 'imported':
      return `ok      ${o.name}: imported from ${o.from}, ${o.verifiedBy} verified`;
    default:
      return `FAILED  ${o.name}: ${o.error}`;
  }
}

/** Ctrl-C (or SIGTERM) ends the download with a line saying so and what is kept, exit code 130 (128 + SIGINT). */
function sayWhenInterrupted(dataDir: string): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(
      `\nkmnist-lab: download interrupted (${signal}); the files verified so far stay in ${dataDir}; ` +
        'run the same command again to fetch the rest\n',
    );
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function noFlagsGiven(cmd: Command): boolean {
  return cmd.options.every((opt) => {
    const src = cmd.getOptionValueSource(opt.attributeName());
    return src === undefined || src === 'default';
  });
}

export function registerDownload(program: Command): void {
  const cmd = program
    .command('download')
    .description('download a dataset (official URLs, or --source folder/mirror), verify md5, write atomically; resumable')
    .option('--format <format>', 'idx (MNIST .gz) or npz; kkanji: tar (default: the first the dataset has)')
    .option('--source <dir-or-url>', 'import from a local folder or a mirror base URL instead of the official site')
    .option('--accept-recompressed', 'accept files whose md5 differs if their uncompressed content (or structure) checks out')
    .option('--retries <n>', 'retries per file for transient network errors', '4');
  addDataOptions(cmd).action(async (flags: DownloadFlags, self: Command) => {
    const interactive = process.stdin.isTTY && process.stdout.isTTY && noFlagsGiven(self);
    let choice: Choice;
    if (interactive) {
      choice = await askInteractively();
      folderFlag('--data-dir', choice.dataDir);
    } else {
      const { dataset, dataDir } = resolveDataOptions(flags);
      choice = { dataset, dataDir, format: pickFormat(dataset, flags.format) };
    }
    const spec = getDatasetSpec(choice.dataset);
    sayWhenInterrupted(choice.dataDir);
    console.log(`${spec.title}, ${choice.format} format → ${choice.dataDir}${flags.source ? ` (from ${flags.source})` : ''}`);
    const [{ downloadDataset, unreachableSummary }, { defaultProgress }] = await Promise.all([import('../data/download.ts'), import('../data/progress.ts')]);
    const outcomes = await downloadDataset({
      ...choice,
      source: flags.source,
      acceptRecompressed: flags.acceptRecompressed ?? false,
      retries: intFlag('--retries', flags.retries, 0),
      progress: defaultProgress(),
      log: (line) => console.log(line),
    });
    // Offline or a silent host: one line says so (the per-file lines would only repeat "skipped").
    const unreachable = unreachableSummary(outcomes);
    for (const o of outcomes) if (!unreachable || o.status !== 'failed') console.log(describe(o));
    if (unreachable) throw new UserError(unreachable);
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length > 0) {
      throw new UserError(
        `${failed.length} of ${outcomes.length} files missing or invalid (${failed.map((f) => f.name).join(', ')}); ` +
          `${outcomes.length - failed.length} verified in ${choice.dataDir}. See the lines above for why.`,
      );
    }
    console.log(`All ${outcomes.length} files verified in ${choice.dataDir}. Next: kmnist-lab info --dataset ${choice.dataset} --data-dir ${choice.dataDir}`);
  });
}
