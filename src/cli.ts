// kmnist-lab command line: each subcommand lives in src/commands/<name>.ts and registers itself here.
import { Command, CommanderError } from 'commander';
import { registerDownload } from './commands/download.ts';
import { registerInfo } from './commands/info.ts';
import { registerExamples } from './commands/examples.ts';
import { registerModels } from './commands/models.ts';
import { registerTrain } from './commands/train.ts';
import { registerRun } from './commands/run.ts';
import { registerReport } from './commands/report.ts';
import { registerServe } from './commands/serve.ts';
import { registerExport } from './commands/export.ts';
import { registerPredict } from './commands/predict.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { releaseHeldResources } from './engine/held-resources.ts';
import { UserError } from './errors.ts';

export function buildProgram(): Command {
  const program = new Command('kmnist-lab')
    .description('Convolutional vs fully-connected networks on Kuzushiji-MNIST: data, training, study, report.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDownload(program);
  registerInfo(program);
  registerExamples(program);
  registerModels(program);
  registerTrain(program);
  registerRun(program);
  registerReport(program);
  registerServe(program);
  registerPredict(program);
  registerEvaluate(program);
  registerExport(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UserError) {
      console.error(`kmnist-lab: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  } finally {
    await releaseHeldResources(); // e.g. a GPU device a command left open: Node would not exit
  }
}

process.exitCode = await main(process.argv);
