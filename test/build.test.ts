// scripts/build.js: the ahead-of-time build bin/kmnist-lab.js runs, and its freshness check, which
// must notice every change to src/ so the CLI never runs stale compiled code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build, isBuildFresh, sourceFingerprint } from '../scripts/build.js';

let root: string;

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kmnist-build-'));
  write('src/main.ts', "import { greet } from './lib/greet.ts';\nconst n: number = 2;\nconsole.log(greet(n), import.meta.url.endsWith('/dist/main.js'));\n");
  write('src/lib/greet.ts', "import { readFileSync } from 'node:fs';\nexport const greet = (n: number): string => readFileSync(new URL('./kernel.wat', import.meta.url), 'utf8').trim() + n;\n");
  write('src/lib/kernel.wat', '(module)\n');
  write('src/web/page/main.ts', "import './view.ts';\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/build.js', () => {
  it('compiles every module to dist/ with .js specifiers, copies assets and the page sources verbatim', async () => {
    expect(isBuildFresh(root)).toBe(false);
    await build(root);
    expect(isBuildFresh(root)).toBe(true);
    expect(readFileSync(join(root, 'dist/main.js'), 'utf8')).toContain('./lib/greet.js');
    expect(readFileSync(join(root, 'dist/web/page/main.ts'), 'utf8')).toBe("import './view.ts';\n");
    expect(existsSync(join(root, 'dist/web/page/main.js'))).toBe(false);
    // import.meta.url stays per-module, so files found next to a module still are.
    expect(execFileSync(process.execPath, [join(root, 'dist/main.js')], { encoding: 'utf8' }).trim()).toBe('(module)2 true');
  });

  it('calls the build stale after an edit, a new file or a deleted file, and fresh again after a rebuild', async () => {
    await build(root);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'src/lib/greet.ts'), later, later);
    expect(isBuildFresh(root)).toBe(false);
    await build(root);
    expect(isBuildFresh(root)).toBe(true);

    // An mtime that goes back in time (git stash, cp -p) still changes the fingerprint.
    const before = sourceFingerprint(root);
    const earlier = new Date(Date.now() - 86_400_000);
    utimesSync(join(root, 'src/lib/kernel.wat'), earlier, earlier);
    expect(sourceFingerprint(root)).not.toBe(before);

    await build(root);
    write('src/lib/new.ts', 'export {};\n');
    expect(isBuildFresh(root)).toBe(false);
    await build(root);
    rmSync(join(root, 'src/lib/new.ts'));
    expect(isBuildFresh(root)).toBe(false);
  });

  it('leaves no temporary folders behind', async () => {
    await build(root);
    await build(root);
    expect(execFileSync('ls', ['-A', root], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['dist', 'src']);
  });
});
