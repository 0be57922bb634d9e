import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicAsync, writeJsonAtomic } from '../../src/fs/atomic.ts';
import { scratchDirs } from '../helpers/scratch.ts';

const scratch = scratchDirs('atomic-');

describe('atomic writes', () => {
  it('create parent folders, replace an old file and leave no temporary', async () => {
    const dir = scratch();
    const path = join(dir, 'a', 'b.txt');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    await writeFileAtomicAsync(join(dir, 'c', 'd.bin'), new Uint8Array([1, 2]));
    expect([...readFileSync(join(dir, 'c', 'd.bin'))]).toEqual([1, 2]);
    writeJsonAtomic(join(dir, 'e.json'), { x: 1 });
    expect(readFileSync(join(dir, 'e.json'), 'utf8')).toBe('{\n  "x": 1\n}\n');
    expect(readdirSync(join(dir, 'a'))).toEqual(['b.txt']);
  });

  it('remove the temporary when the rename fails, and keep what was there', async () => {
    const dir = scratch();
    // a non-empty folder at the target: the rename over it fails (EISDIR/ENOTEMPTY/EEXIST)
    const target = join(dir, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'kept'), 'x');
    expect(() => writeFileAtomic(target, 'new')).toThrow();
    await expect(writeFileAtomicAsync(target, 'new')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readdirSync(target)).toEqual(['kept']);
  });
});
