// Parsing of command-line flag values, one wording for every command: the flag, the value as typed,
// and what was expected.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.ts';

// The value parsers live below training (its flag table parses with them); every command imports them from here.
export { fractionFlag, intFlag, intOption, oneOfFlag, positiveFlag, threadsFlag } from '../training/settings/flag-values.ts';

/**
 * A folder that may not exist yet: refused at once when it, or the nearest existing folder above it,
 * is a file (which would otherwise fail with ENOTDIR / EEXIST after work has started).
 */
export function folderFlag(flag: string, value: string): string {
  let path = resolve(value);
  while (!existsSync(path) && dirname(path) !== path) path = dirname(path);
  if (existsSync(path) && !statSync(path).isDirectory()) {
    throw new UserError(`${flag} ${value}: ${path === resolve(value) ? 'it' : path} is a file, not a folder`);
  }
  return value;
}
