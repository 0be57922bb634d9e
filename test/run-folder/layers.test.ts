// The run-folder contract sits below training and study: it imports only the bottom layers, and training
// no longer reaches up into study (the graph ran both ways when the contract lived in study/).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Every relative module a folder's .ts files import statically (import/export ... from), as paths under src/. */
function importsOf(folder: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]/gms)) {
          out.push({ file: relative(SRC, p), target: relative(SRC, resolve(dirname(p), m[1])) });
        }
      }
    }
  };
  walk(join(SRC, folder));
  return out;
}

/** Below run-folder: data, engine, models, the bottom utilities (fs, metrics, protocol) and src/'s single files. */
const BELOW_RUN_FOLDER = /^(data|engine|models|run-folder|fs|metrics|protocol)\/|^[^/]+\.ts$/;

describe('the run-folder layer', () => {
  it('imports only data, engine, models and bottom utilities', () => {
    const imports = importsOf('run-folder');
    expect(imports.length).toBeGreaterThan(5);
    const up = imports.filter((i) => !BELOW_RUN_FOLDER.test(i.target)).map((i) => `${i.file} -> ${i.target}`);
    expect(up).toEqual([]);
  });

  it('training imports nothing from study', () => {
    const imports = importsOf('training');
    expect(imports.some((i) => i.target.startsWith('run-folder/'))).toBe(true);
    expect(imports.filter((i) => i.target.startsWith('study/')).map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
  });
});
