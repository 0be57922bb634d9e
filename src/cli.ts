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
import { registerWorker } from './commands/worker.ts';
import { describeFailure } from './errors.ts';
import { packageVersion } from './version.ts';

export function buildProgram(): Command {
  const program = new Command('kmnist-lab')
    .description('Convolutional vs fully-connected networks on Kuzushiji-MNIST: data, training, study, report.')
    .version(packageVersion())
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
  registerWorker(program);
  return program;
}

/** Prints the one line an error ends the CLI with (see describeFailure) and returns the exit code. */
function report(err: unknown): number {
  const { message, exitCode } = describeFailure(err);
  console.error(`kmnist-lab: ${message}`);
  return exitCode;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return report(err);
  } finally {
    await releaseHeldResources(); // e.g. a GPU device a command left open: Node would not exit
  }
}

// An error no caller awaited (a stream's 'error', a timer) ends the CLI the same way, with exit code 1,
// instead of Node's stack dump; initBackend removes the handlers TF.js's wasm module adds, which rethrow (exit 7).
const fatal = (err: unknown): never => process.exit(report(err));
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

process.exitCode = await main(process.argv);
