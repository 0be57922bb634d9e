// Which test files belong to the fast tier (`npm run test:unit`). The rule is read from the files
// themselves, so nobody keeps a list: a test that starts a child process (the CLI through
// test/helpers/cli.ts, a worker, redis-server, python3) or drives a browser (playwright) is an
// integration test, also when it does so through a test-local helper it imports. A new CLI test thus
// leaves the unit tier by importing the helper it needs; only the full suite (`npm test`) runs it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Imports that make a test an integration test: child processes and browsers. */
export const INTEGRATION_MARKERS: readonly string[] = ['node:child_process', 'child_process', 'playwright-core', 'playwright'];

/**
 * Import specifiers in a TypeScript/JavaScript source text, in order: static imports and re-exports
 * (statements that start a line, possibly spanning lines) and dynamic `import('...')` anywhere.
 */
export function importSpecifiers(text: string): string[] {
  const pattern = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  return [...text.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * True when `file` (absolute path) or a module it imports by a relative path inside `testDir`,
 * transitively, imports one of INTEGRATION_MARKERS. Modules outside `testDir` (src/) are not followed:
 * src/ loads its child processes behind `await import()` in command actions, which a unit test that
 * calls a function directly does not reach through the CLI.
 * `read` is the file reader (the test of this rule passes made-up files).
 */
export function isIntegrationTest(file: string, testDir: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8'), seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  let text: string;
  try {
    text = read(file);
  } catch {
    return false; // a specifier that names no file (a typo the test itself will report)
  }
  for (const spec of importSpecifiers(text)) {
    if (INTEGRATION_MARKERS.includes(spec)) return true;
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (relative(testDir, target).startsWith('..') || !/\.[cm]?[jt]s$/.test(target)) continue;
    if (isIntegrationTest(target, testDir, read, seen)) return true;
  }
  return false;
}

/** Every `*.test.ts` under `testDir`, as paths relative to `root`, sorted. */
export function testFiles(root: string, testDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
    }
  };
  walk(testDir);
  return out.sort();
}

/** The integration tests under `<root>/test` (relative to `root`): what the unit tier excludes. */
export function integrationTestFiles(root: string): string[] {
  const testDir = join(root, 'test');
  return testFiles(root, testDir).filter((f) => isIntegrationTest(join(root, f), testDir));
}
