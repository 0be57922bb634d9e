// The project's own source, for tests that read it as text (the import graph, names the code must not test for).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** src/ of this repository. */
export const SRC = resolve(import.meta.dirname, '../../src');

/** Every .ts file under `dir` (default src/), as absolute paths. */
export function sourceFiles(dir: string = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}
