#!/usr/bin/env node
// Runs the CLI compiled ahead of time in dist/ (`npm run build`, run by `npm install` as `prepare`),
// but only when dist/ was built from src/ as it is now (scripts/build.js fingerprints src/): after an
// edit it rebuilds first (~1 s), and if it cannot (read-only install, no esbuild) it runs src/ through tsx.
import { build, isBuildFresh } from '../scripts/build.js';

async function useBuild() {
  if (process.env.KMNIST_LAB_NO_BUILD === '1') return false;
  if (isBuildFresh()) return true;
  try {
    await build();
    return isBuildFresh();
  } catch {
    return false;
  }
}

if (await useBuild()) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
