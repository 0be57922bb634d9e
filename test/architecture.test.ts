// The layer rule of DEVELOPERS.md, read from the source: every import (static, re-export or dynamic
// import()) goes to the same layer or one below, and no module imports itself back through others.
// Type-only imports count too: a cycle of types is still two modules that cannot be read apart.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, sourceFiles } from './helpers/source-files.ts';

/** Bottom to top; an entry is a folder of src/ or one of its single files. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'version.ts', 'folder-lock.ts', 'fs', 'metrics', 'protocol', 'signals', 'types', 'graphics', 'tensorboard'],
  ['data', 'engine'],
  ['models'],
  ['run-folder'],
  ['training'],
  ['study'],
  ['inference', 'export', 'report', 'web'],
  ['commands', 'cli.ts'],
];

interface Edge {
  from: string;
  to: string;
}

/** Every relative import of src/'s .ts files, as paths under src/ (the web page's bundle entry included). */
function importEdges(): Edge[] {
  const pattern = /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|^\s*import\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm;
  return sourceFiles().flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => ({
      from: relative(SRC, file),
      to: relative(SRC, resolve(dirname(file), m[1] ?? m[2] ?? m[3])),
    })),
  );
}

const layerOf = (path: string): number => LAYERS.findIndex((l) => l.includes(path.split('/')[0]));

/** Strongly connected components of more than one module (Tarjan's algorithm). */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph', () => {
  const edges = importEdges();

  it('places every module of src/ in a layer', () => {
    expect(edges.length).toBeGreaterThan(200);
    const modules = new Set(edges.flatMap((e) => [e.from, e.to]));
    expect([...modules].filter((m) => layerOf(m) < 0)).toEqual([]);
  });

  it('never imports from a higher layer', () => {
    const upward = edges.filter((e) => layerOf(e.to) > layerOf(e.from)).map((e) => `${e.from} -> ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('has no cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('sees an upward import and a cycle when there is one (the checks can fail)', () => {
    expect(layerOf('training/train-run.ts')).toBeGreaterThan(layerOf('models/zoo.ts'));
    const made = [
      { from: 'a.ts', to: 'b.ts' },
      { from: 'b.ts', to: 'c.ts' },
      { from: 'c.ts', to: 'a.ts' },
    ];
    expect(cycles(made)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
