// Runs the real CLI in a child process, as a user would.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'bin', 'kmnist-lab.js');
/** ../shared/data beside the repo, as laid out on the project's machines and in CI. */
export const SHARED_DATA = join(REPO_ROOT, '..', 'shared', 'data');
export const hasSharedData = existsSync(SHARED_DATA);
export const SHARED_SKIP_MESSAGE = `skipped: ${SHARED_DATA} is absent (tests that read the real KMNIST files need ../shared/data)`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `prefix`: a command that runs the CLI (e.g. setpriv as another user; see unprivileged.ts). */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: string[] } = {}): Promise<CliResult> {
  const argv = [...(opts.prefix ?? []), process.execPath, CLI, ...args];
  return new Promise((resolve) => {
    execFile(
      argv[0],
      argv.slice(1),
      { cwd: opts.cwd ?? REPO_ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
