// The unit tier's rule (test/tiers/tiers.ts): a test that starts a child process or a browser, itself or
// through a test-local helper, is left to the full suite.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/build.js';
import { importSpecifiers, integrationTestFiles, isIntegrationTest, testFiles } from './tiers.ts';

// The made-up sources below are built with DYN so this file's own text holds no dynamic import of
// playwright: the rule reads this file too, and must keep it in the unit tier.
const DYN = 'imp' + 'ort';

/** A made-up test tree under /t/test, read from memory. */
function fakeTree(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw new Error(`no such file ${path}`);
    return text;
  };
}

describe('unit tier rule', () => {
  it('reads static, side-effect and dynamic imports', () => {
    const text = `import { a } from './a.ts';\nimport './side.ts';\nconst pw = await ${DYN}('playwright-core');\nexport {\n  b,\n} from "../b.ts";`;
    expect(importSpecifiers(text)).toEqual(['./a.ts', './side.ts', 'playwright-core', '../b.ts']);
  });

  it('finds child processes and browsers directly and through test-local helpers, not through src/', () => {
    const read = fakeTree({
      '/t/test/helpers/cli.ts': "import { execFile } from 'node:child_process';",
      '/t/test/helpers/wrap.ts': "import { runCli } from './cli.ts';",
      '/t/test/a.test.ts': "import { runCli } from './helpers/wrap.ts';",
      '/t/test/b.test.ts': `const { chromium } = await ${DYN}('playwright-core');`,
      '/t/test/c.test.ts': "import { x } from '../src/x.ts';\nimport { y } from './y.ts';",
      '/t/test/y.ts': "import { z } from './c.test.ts';", // a cycle ends
    });
    expect(isIntegrationTest('/t/test/a.test.ts', '/t/test', read)).toBe(true);
    expect(isIntegrationTest('/t/test/b.test.ts', '/t/test', read)).toBe(true);
    expect(isIntegrationTest('/t/test/c.test.ts', '/t/test', read)).toBe(false);
  });

  it('puts every test that imports the CLI helper in the integration tier, and keeps pure ones in the unit tier', () => {
    const integration = new Set(integrationTestFiles(REPO_ROOT));
    const cliTests = testFiles(REPO_ROOT, join(REPO_ROOT, 'test')).filter((f) =>
      importSpecifiers(readFileSync(join(REPO_ROOT, f), 'utf8')).some((spec) => /helpers\/(background-)?cli\.ts$/.test(spec)),
    );
    expect(cliTests.length).toBeGreaterThan(5);
    for (const f of cliTests) expect(integration.has(f), f).toBe(true);
    expect(integration.has(join('test', 'web', 'e2e.test.ts'))).toBe(true);
    expect(integration.has(join('test', 'study', 'summary.test.ts'))).toBe(false);
    expect(integration.has(join('test', 'tiers', 'tiers.test.ts'))).toBe(false);
  });
});
