// `kmnist-lab predict <run-folder | experiment folder> <image.png|.jpg|folder|idx file>`.
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { addBackendOptions, parseBackendFlags, type BackendFlags } from './backend-options.ts';
import { intOption, oneOfFlag } from './flags.ts';

interface PredictFlags extends BackendFlags {
  topK: number;
  json?: boolean;
  csv?: boolean;
  fit: string;
}

export function registerPredict(program: Command): void {
  const cmd = program
    .command('predict')
    .description('classify images with a trained run (or, given an experiment folder, the ensemble of its seeds)')
    .argument('<model>', 'a run folder (runs/<dataset>/<experiment>/seed-<n>) or an experiment folder (its finished seeds: mean probability)')
    .argument('<input>', 'a PNG or JPEG image, a folder of them, or an idx image file (dataset images, used as they are)')
    .option('--top-k <k>', 'classes shown per image', intOption('--top-k'), 3)
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV: input,rank,class,name,char,probability')
    .option('--fit <style>', 'image files: kmnist (the character fills the frame) or mnist (20x20, centre of mass), as on the drawing page', 'kmnist');
  addBackendOptions(cmd).action(async (modelPath: string, input: string, flags: PredictFlags) => {
      if (flags.json && flags.csv) throw new UserError('--json and --csv: choose one output format');
      const fit = oneOfFlag('--fit', flags.fit, ['kmnist', 'mnist'] as const);
      const { backend, allowSoftwareGpu } = parseBackendFlags(flags);
      // Heavy modules (TF.js) load only when the command runs.
      const { readInputs } = await import('../inference/image-input.ts');
      const { loadRunModels } = await import('../inference/run-model.ts');
      const { predictProbabilities, topK } = await import('../inference/predict.ts');
      const out = await import('../inference/predict-output.ts');
      const { initBackend, threadsPerJob } = await import('../engine/backend.ts');
      await initBackend(backend, { threads: threadsPerJob(1), allowSoftwareGpu });
      const { runs, ensemble } = await loadRunModels(modelPath);
      try {
        const { config, height, width } = runs[0];
        // image files are prepared at the model's own input size (28x28 KMNIST, 64x64 Kuzushiji-Kanji)
        const inputs = readInputs(input, fit, height);
        for (const line of inputs.skipped) console.error(`kmnist-lab: skipped ${line}`);
        if (inputs.height !== height || inputs.width !== width) {
          throw new UserError(`${input}: images are ${inputs.height}x${inputs.width}, but the model in ${runs[0].dir} takes ${height}x${width}`);
        }
        const probs = await predictProbabilities(runs, inputs.images);
        const k = config.numClasses;
        const predictions = inputs.images.map((img, i) => ({ input: img.name, top: topK(probs.subarray(i * k, (i + 1) * k), Math.min(flags.topK, k), config.classNames, config.classChars) }));
        const source = { runs: runs.map((r) => r.dir), method: ensemble ? ('ensemble: mean probability' as const) : ('single model' as const) };
        if (ensemble && (flags.json || flags.csv)) console.error(`kmnist-lab: ensemble of ${runs.length} runs (mean probability)`);
        process.stdout.write(flags.json ? out.predictionsJson(source, predictions) : flags.csv ? out.predictionsCsvTable(predictions) : out.predictionsText(source, predictions));
      } finally {
        for (const r of runs) r.model.dispose();
      }
    });
}
