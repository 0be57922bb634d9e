// Running the CLI as a user the file-permission checks apply to: the current user when not root, else
// `nobody` through setpriv (util-linux). Root ignores read-only modes, so as root without setpriv the
// tests that need a refused write skip, saying why.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './cli.ts';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const SETPRIV = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

/** The command prefix that runs a program unprivileged ([] when this user already is), or null with the reason. */
function probe(): { prefix: string[] } | { reason: string } {
  if (!isRoot) return { prefix: [] };
  const r = spawnSync(SETPRIV[0], [...SETPRIV.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(CLI)}, require('fs').constants.R_OK)`], { encoding: 'utf8' });
  if (r.error) return { reason: `setpriv is not available (${r.error.message})` };
  if (r.status !== 0) return { reason: `user nobody cannot read ${CLI} (${r.stderr.trim().split('\n').at(-1) ?? ''})` };
  return { prefix: SETPRIV };
}

const found = probe();
export const UNPRIVILEGED_PREFIX: string[] | null = 'prefix' in found ? found.prefix : null;
export const UNPRIVILEGED_SKIP = 'reason' in found ? `skipped: running as root and cannot drop privileges: ${found.reason}` : '';

/** A temporary folder the unprivileged user can write in (mode 0777). */
export function sharedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  return dir;
}
