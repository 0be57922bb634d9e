// kmnist-lab's version, from package.json: the one place it is written.
import { readFileSync } from 'node:fs';

/**
 * The `version` field of the package's package.json, read from disk when called (well under a
 * millisecond; `--version` must start fast). Not a JSON import: the build compiles one file per
 * module and leaves imports for Node, and src/version.ts and dist/version.js both sit one folder
 * below the package root, so one relative URL serves both.
 * @throws Error when package.json has no string `version` (a broken install).
 */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
