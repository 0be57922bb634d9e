// The fast tier (`npm run test:unit`): every test but those that start a child process (the CLI,
// workers, redis-server, python3) or a browser; test/tiers/tiers.ts reads that from each file's
// imports. No globalSetup: only the CLI tests need dist/ built. The full suite is vitest.config.ts.
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { integrationTestFiles } from './test/tiers/tiers.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...integrationTestFiles(root)],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
