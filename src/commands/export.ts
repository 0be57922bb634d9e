// `kmnist-lab export <run-folder> --format onnx|tfjs [--out file]`.
import type { Command } from 'commander';
import { oneOfFlag } from './flags.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a finished run's model as ONNX (one file, opset 13, NHWC input, softmax output) or as a TF.js folder")
    .argument('<run-folder>', 'runs/<dataset>/<experiment>/seed-<n>')
    .option('--format <format>', 'onnx or tfjs', 'onnx')
    .option('--out <path>', 'file (onnx) or folder (tfjs) to write (default: <run-folder>/model.onnx or <run-folder>/model-tfjs)')
    .action(async (runFolder: string, flags: { format: string; out?: string }) => {
      // Heavy modules (TF.js, protobuf) load only when the command runs.
      const { EXPORT_FORMATS, exportRun } = await import('../export/export-run.ts');
      const format = oneOfFlag('--format', flags.format, EXPORT_FORMATS);
      const { initBackend } = await import('../engine/backend.ts');
      await initBackend('cpu', {});
      console.log(await exportRun(runFolder, format, flags.out));
    });
}
