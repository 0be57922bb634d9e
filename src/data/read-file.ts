// readFile whose errors always name the file: Node leaves `path` out of EISDIR (it comes from read(2), after
// open(2) of a folder succeeded), and the CLI's one-line error must say which file.
import { readFile } from 'node:fs/promises';
import { isSystemError } from '../errors.ts';

export async function readFileNamed(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isSystemError(err) && err.path === undefined) err.path = path;
    throw err;
  }
}
