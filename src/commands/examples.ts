// `kmnist-lab examples`: a PNG grid of N random images per class, the class's modern character first.
import { rename, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { addDataOptions, resolveDataOptions, type DataOptions } from './data-options.ts';
import { intFlag } from './flags.ts';
import { getDatasetSpec } from '../data/registry.ts';

interface ExamplesFlags extends DataOptions {
  out?: string;
  perClass: string;
  split: string;
  seed: string;
  maxClasses: string;
}

export function registerExamples(program: Command): void {
  const cmd = program
    .command('examples')
    .description('write a PNG grid of example images: one row per class, its modern character first')
    .option('--out <file.png>', 'output PNG (default: examples-<dataset>.png)')
    .option('--per-class <n>', 'examples per class', '10')
    .option('--split <split>', 'train or test', 'train')
    .option('--seed <n>', 'seed for picking the examples', '0')
    .option('--max-classes <n>', 'at most this many rows (the first classes)', '49');
  addDataOptions(cmd).action(async (flags: ExamplesFlags) => {
    const opts = resolveDataOptions(flags);
    const perClass = intFlag('--per-class', flags.perClass);
    const seed = intFlag('--seed', flags.seed, 0);
    const maxClasses = intFlag('--max-classes', flags.maxClasses);
    if (flags.split !== 'train' && flags.split !== 'test') throw new UserError(`--split: '${flags.split}' is not train or test`);
    const out = flags.out ?? `examples-${opts.dataset}.png`;
    if (!out.toLowerCase().endsWith('.png')) throw new UserError(`--out ${out}: the grid is a PNG, give a .png file name`);

    const [{ loadDataset }, { renderExamplesGrid }, { FONT_FAMILY }] = await Promise.all([
      import('../data/load.ts'),
      import('../data/examples-grid.ts'),
      import('../graphics/fonts.ts'),
    ]);
    const ds = await loadDataset(opts);
    const spec = getDatasetSpec(opts.dataset);
    const set = flags.split === 'train' ? ds.train : ds.test;
    const classes = Array.from({ length: Math.min(ds.numClasses, maxClasses) }, (_, i) => i);
    const result = renderExamplesGrid({
      set,
      classNames: ds.classNames,
      classChars: ds.classChars,
      classes,
      perClass,
      seed,
      title: spec.title,
      subtitle: `${perClass} random ${flags.split === 'train' ? 'training' : 'test'} images per class (seed ${seed}), ${set.height}x${set.width} pixels${ds.classChars ? '; left: the modern character (Unicode codepoint)' : ''}`,
      footer: spec.license,
    });
    const tmp = `${out}.${process.pid}.tmp`;
    await writeFile(tmp, result.png);
    await rename(tmp, out);
    console.log(`wrote ${out} (${result.width}x${result.height}, ${classes.length} classes x ${perClass} examples${result.drewCharacters ? `, characters drawn in the bundled ${FONT_FAMILY}` : ''})`);
  });
}
