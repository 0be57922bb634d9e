import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

describe('kmnist-lab CLI', () => {
  it('prints help listing every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['download', 'info', 'examples', 'models', 'train', 'run', 'report', 'serve']) {
      expect(r.stdout).toContain(cmd);
    }
  });

  it('rejects an unknown flag with a usage hint and a non-zero exit', async () => {
    const r = await runCli(['--no-such-flag']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(r.stderr).toMatch(/--help/);
  });

  it('rejects an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
