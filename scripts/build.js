// Ahead-of-time build of src/ into dist/ (same layout, one .js per .ts), so the CLI starts without
// transpiling. Used by `npm run build`, the `prepare` script (npm install / npm ci), vitest's
// globalSetup and bin/kmnist-lab.js (which rebuilds when src/ changed since the last build).
//
// Freshness: dist/BUILD records a fingerprint of src/ (every file's and folder's path, mtime and
// size). The bin runs dist/ only when the fingerprint of src/ now equals it, so an edit, a new or
// a deleted file, or a `git checkout` always means a rebuild (or tsx) — never stale compiled code.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = 'BUILD';
/** Sources bundled at `serve` time by esbuild (src/web/bundle.ts): copied verbatim, not compiled. */
const VERBATIM_DIRS = [join('web', 'page')];

/**
 * The .ts sources outside VERBATIM_DIRS that the verbatim sources import (the page imports
 * inference/preprocess.ts), transitively: they are compiled for Node and also copied as .ts for the bundler.
 */
function importedByVerbatim(src, files, isVerbatim) {
  const found = new Set();
  const visit = (file) => {
    const text = readFileSync(join(src, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)) {
      const target = relative(src, join(src, dirname(file), m[1]));
      if (isVerbatim(target) || found.has(target) || target.startsWith('..')) continue;
      found.add(target);
      visit(target);
    }
  };
  for (const f of files) if (f.endsWith('.ts') && isVerbatim(f)) visit(f);
  return found;
}

/** Every entry under `dir` (files and folders), sorted, as paths relative to `dir`. */
function walk(dir, base = dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(relative(base, path));
    if (entry.isDirectory()) walk(path, base, out);
  }
  return out.sort();
}

/** sha1 over (path, mtime, size) of src/ and everything in it: cheap (a few ms), changes on any edit. */
export function sourceFingerprint(root = REPO_ROOT) {
  const src = join(root, 'src');
  const hash = createHash('sha1');
  for (const path of ['', ...walk(src)]) {
    const st = statSync(join(src, path));
    hash.update(`${path}\0${st.mtimeMs}\0${st.isDirectory() ? 'd' : st.size}\n`);
  }
  return hash.digest('hex');
}

/** True when dist/ was built from src/ exactly as it is now. */
export function isBuildFresh(root = REPO_ROOT) {
  try {
    return readFileSync(join(root, 'dist', STAMP), 'utf8').trim() === sourceFingerprint(root);
  } catch {
    return false;
  }
}

/**
 * Compiles src/ into dist/ (esbuild, no type check: `npm run typecheck` does that) and swaps it in
 * with renames, so a concurrent CLI start sees the old build, the new one, or none (then tsx).
 * Relative `.ts` import specifiers become `.js`; packages stay external; non-TS files are copied.
 */
export async function build(root = REPO_ROOT) {
  const fingerprint = sourceFingerprint(root); // taken first: an edit during the build leaves it stale
  const { build: esbuild } = await import('esbuild');
  const src = join(root, 'src');
  const tmp = join(root, `.dist-${process.pid}-${Date.now()}`);
  const files = walk(src);
  const isVerbatim = (path) => VERBATIM_DIRS.some((d) => path === d || path.startsWith(d + '/'));
  const entryPoints = files.filter((f) => f.endsWith('.ts') && !isVerbatim(f)).map((f) => join(src, f));
  try {
    await esbuild({
      entryPoints,
      outdir: tmp,
      outbase: src,
      bundle: true, // only so that the plugin below sees every import; each one is external
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'error',
      plugins: [
        {
          name: 'external-with-js-extensions',
          setup(b) {
            b.onResolve({ filter: /.*/ }, async (args) => {
              if (args.kind === 'entry-point' || args.pluginData === 'inner') return undefined;
              if (args.path.startsWith('.')) return { path: args.path.replace(/\.ts$/, '.js'), external: true };
              // A package subpath without an extension ('crc-32/crc32c'): tsx finds it, Node's ESM resolver
              // needs the file's extension, so the specifier gets the one esbuild resolves it to.
              const subpath = /^(@[^/]+\/[^/]+|[^@/][^/]*)\/(.+)$/.exec(args.path); // '@scope/pkg' alone is no subpath
              if (subpath && !/\.[cm]?js$/.test(args.path) && !args.path.startsWith('node:')) {
                const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
                const ext = /\.[cm]?js$/.exec(found.path ?? '')?.[0];
                if (found.errors.length === 0 && ext && found.path.endsWith(args.path.slice(subpath[1].length) + ext)) {
                  return { path: args.path + ext, external: true };
                }
              }
              return { path: args.path, external: true };
            });
          },
        },
      ],
    });
    const alsoVerbatim = importedByVerbatim(src, files, isVerbatim);
    for (const f of files) {
      const from = join(src, f);
      if (statSync(from).isDirectory() || (f.endsWith('.ts') && !isVerbatim(f) && !alsoVerbatim.has(f))) continue;
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      cpSync(from, join(tmp, f));
    }
    writeFileSync(join(tmp, STAMP), fingerprint + '\n');
    const dist = join(root, 'dist');
    const old = `${tmp}-old`;
    try {
      renameSync(dist, old);
    } catch {
      // no previous build (or another process just moved it)
    }
    try {
      renameSync(tmp, dist);
    } catch {
      // another process installed its build first: it is as fresh as ours
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await build();
  console.log(`kmnist-lab: built dist/ from src/ in ${Date.now() - started} ms`);
}
