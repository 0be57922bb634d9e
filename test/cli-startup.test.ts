// Start-up cost (issue #13: --version and --help within 0.5 s): what the CLI loads before any command runs
// is the static import graph of src/cli.ts, so it must hold only commander and our own light modules
// (option definitions, flag parsers). Heavy packages (TF.js, BullMQ/ioredis, wabt, vega, resvg,
// proper-lockfile...) are imported with `await import()` inside the actions that use them.
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/build.js';

/** Packages the command definitions may import statically. */
const STARTUP_PACKAGES = ['commander'];

interface StaticGraph {
  /** Our modules reached through static imports, relative to the repository root. */
  modules: string[];
  /** Packages (not node: builtins) imported statically, each with the first module that imports it. */
  packages: Map<string, string>;
}

/** Walks the static imports (import/export ... from, not `import()`) from `entry`, packages left unresolved. */
async function staticGraph(entry: string): Promise<StaticGraph> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outdir: 'unused',
    logLevel: 'silent',
    loader: { '.wat': 'text' },
  });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const modules = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const imp of inputs[file]?.imports ?? []) {
      if (imp.kind === 'dynamic-import') continue;
      if (!imp.external) queue.push(imp.path);
      else if (!imp.path.startsWith('node:')) {
        const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0];
        if (!packages.has(name)) packages.set(name, file);
      }
    }
  }
  return { modules: [...modules], packages };
}

describe('CLI start-up import graph', () => {
  it('src/cli.ts statically imports no package but commander (heavy ones load inside the command actions)', async () => {
    const { modules, packages } = await staticGraph(join('src', 'cli.ts'));
    const extra = [...packages].filter(([name]) => !STARTUP_PACKAGES.includes(name)).map(([name, by]) => `${name} (imported by ${by})`);
    expect(extra, 'move these imports into the command actions (await import)').toEqual([]);
    // every command definition is in the graph, so the check above covers them all
    expect(modules).toContain(join('src', 'commands', 'train.ts'));
    expect(modules).toContain(join('src', 'commands', 'worker.ts'));
    // the engine (TF.js backends, wasm kernels) and the queue's Redis connection are not
    expect(modules).not.toContain(join('src', 'engine', 'backend.ts'));
    expect(modules).not.toContain(join('src', 'study', 'executors', 'queue', 'connection.ts'));
  });

  it('the check sees a heavy package behind our own modules, and ignores one behind import()', async () => {
    const { packages } = await staticGraph(join('src', 'engine', 'backend.ts'));
    expect([...packages.keys()]).toContain('@tensorflow/tfjs');
    const worker = await staticGraph(join('src', 'commands', 'worker.ts'));
    expect([...worker.packages.keys()]).not.toContain('ioredis'); // connection.ts is imported in the action
  });
});
