// Every command ends an operating-system error with one line naming the path, the operation and the reason
// (exit 1): a folder flag naming a file, a read-only output or data folder, a data file that is a folder,
// including after the TF.js wasm backend has started (it used to turn such an error into a dump and exit 7).
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/engine/backend.ts';
import { describeFailure, describeSystemError, type SystemError } from '../src/errors.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { UNPRIVILEGED_PREFIX, UNPRIVILEGED_SKIP, sharedTempDir } from './helpers/unprivileged.ts';
import { writeSyntheticStudy } from './report/fixture.ts';
import { syntheticDataset, writeIdxDataset } from './training/synthetic.ts';

const root = sharedTempDir('kmnist-cli-errors-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataDir = join(root, 'data');
writeIdxDataset(dataDir, syntheticDataset({ train: 120, test: 40, size: 8, numClasses: 4, seed: 2 }));
chmodSync(dataDir, 0o755);
const aFile = join(root, 'a-file');
writeFileSync(aFile, 'not a folder\n');

/** One line on stderr, exit 1, no stack trace and no library source. */
function expectOneLine(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('kmnist-lab:'));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |GROWABLE_HEAP|node:internal/);
}

const train = (out: string, data = dataDir): string[] =>
  ['train', 'fcnn', '--data-dir', data, '--out', out, '--epochs', '1', '--backend', 'wasm', '--threads', '1', '--progress', 'json'];

describe('OS errors at the CLI boundary', () => {
  it('names the path, the operation and the reason for errno codes that cannot be provoked here', () => {
    const err = (code: string, syscall: string, path: string, dest?: string): SystemError =>
      Object.assign(new Error(`${code}: x`), { code, syscall, path, ...(dest ? { dest } : {}) });
    expect(describeSystemError(err('ENOSPC', 'write', 'runs/x/model/weights.bin'))).toBe(
      'cannot write runs/x/model/weights.bin: no space left on the device (ENOSPC)',
    );
    expect(describeSystemError(err('EROFS', 'mkdir', '/mnt/ro/runs'))).toBe('cannot create the folder /mnt/ro/runs: read-only file system (EROFS)');
    expect(describeSystemError(err('EPERM', 'rename', 'a.tmp-1', 'a'))).toBe('cannot rename a.tmp-1 to a: operation not permitted (EPERM)');
    expect(describeSystemError(err('EMFILE', 'open', 'x.csv'))).toMatch(/^cannot open x.csv: too many open files .*\(EMFILE\)$/);
    expect(describeSystemError(err('EEXIST', 'mkdir', 'runs'))).toBe('cannot create the folder runs: it already exists (EEXIST)');
    expect(describeFailure(new TypeError('oops')).exitCode).toBe(1);
  });

  it("starting the wasm backend leaves no process error handler of TF.js's (they rethrow: exit code 7)", async () => {
    const before = [process.listeners('uncaughtException'), process.listeners('unhandledRejection')];
    expect(await initBackend('wasm', { threads: 1 })).toBe('wasm');
    expect([process.listeners('uncaughtException'), process.listeners('unhandledRejection')]).toEqual(before);
  });

  it('refuses --out, --data-dir and --runs that name a file before any work starts', async () => {
    const [t, tNested, run, report, reportRuns, download, serve] = await Promise.all([
      runCli(train(aFile)),
      runCli(train(join(aFile, 'runs'))),
      runCli(['run', '--data-dir', dataDir, '--out', aFile, '--epochs', '1']),
      runCli(['report', '--runs', dataDir, '--out', aFile]),
      runCli(['report', '--runs', aFile, '--out', join(root, 'report')]),
      runCli(['download', '--data-dir', aFile, '--source', dataDir]),
      runCli(['serve', '--runs', aFile, '--port', '0']),
    ]);
    expectOneLine(t, /^kmnist-lab: --out .*a-file: it is a file, not a folder$/);
    expectOneLine(tNested, /^kmnist-lab: --out .*a-file\/runs: .*a-file is a file, not a folder$/);
    expectOneLine(run, /^kmnist-lab: --out .*a-file: it is a file, not a folder$/);
    expectOneLine(report, /^kmnist-lab: --out .*a-file: it is a file, not a folder$/);
    expectOneLine(reportRuns, /^kmnist-lab: --runs .*a-file: it is a file, not a folder$/);
    expectOneLine(download, /^kmnist-lab: --data-dir .*a-file: it is a file, not a folder$/);
    expectOneLine(serve, /^kmnist-lab: --runs .*a-file: it is a file, not a folder$/);
  });

  it('names a data file that is a folder, read after the wasm backend started (no dump, no exit code 7)', async () => {
    const bad = join(root, 'folder-for-file');
    writeIdxDataset(bad, syntheticDataset({ train: 120, test: 40, size: 8, numClasses: 4, seed: 2 }));
    rmSync(join(bad, 'train-images-idx3-ubyte.gz'));
    mkdirSync(join(bad, 'train-images-idx3-ubyte.gz'));
    const r = await runCli(train(join(root, 'runs-eisdir'), bad));
    expectOneLine(r, /^kmnist-lab: cannot read .*train-images-idx3-ubyte\.gz: it is a folder, not a file \(EISDIR\)$/);
    // the run failed before it wrote anything: no empty run folder is left behind (the --out folder it made neither)
    expect(existsSync(join(root, 'runs-eisdir'))).toBe(false);
  });

  it('a missing --data-dir leaves no empty run folders behind, and keeps the folders that were there', async () => {
    const out = join(root, 'runs-no-data');
    mkdirSync(join(out, 'kmnist'), { recursive: true });
    const r = await runCli(train(out, join(root, 'no-such-data')));
    expectOneLine(r, /--data-dir .*no-such-data does not exist/);
    expect(existsSync(join(out, 'kmnist', 'fcnn'))).toBe(false);
    expect(existsSync(join(out, 'kmnist'))).toBe(true);
  });
});

describe.skipIf(UNPRIVILEGED_PREFIX === null)('OS errors as an unprivileged user', () => {
  const prefix = UNPRIVILEGED_PREFIX ?? [];
  const readOnly = join(root, 'read-only');
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);

  it('train, run, report and download into a read-only folder: one line naming the folder, exit 1', async () => {
    const { runsDir: studyRuns } = await writeSyntheticStudy(join(root, 'study')); // report validates --runs before it creates --out
    const [t, run, report, download] = await Promise.all([
      runCli(train(join(readOnly, 'runs')), { prefix }),
      runCli(['run', '--data-dir', dataDir, '--out', join(readOnly, 'runs'), '--experiments', 'fcnn', '--seeds', '1', '--epochs', '1'], { prefix }),
      runCli(['report', '--runs', studyRuns, '--out', join(readOnly, 'report')], { prefix }),
      runCli(['download', '--data-dir', join(readOnly, 'data'), '--source', dataDir], { prefix }),
    ]);
    expectOneLine(t, /^kmnist-lab: cannot create the folder .*read-only\/runs\/kmnist\/fcnn\/seed-0: permission denied \(EACCES\)$/);
    expectOneLine(run, /^kmnist-lab: cannot create the folder .*read-only\/runs\/kmnist: permission denied \(EACCES\)$/);
    expectOneLine(report, /^kmnist-lab: cannot create the folder .*read-only\/report: permission denied \(EACCES\)$/);
    expectOneLine(download, /^kmnist-lab: cannot create the folder .*read-only\/data: permission denied \(EACCES\)$/);
  });

  it('an unreadable data file after the wasm backend started: one line, exit 1 (it was exit 7 with a dump)', async () => {
    const locked = join(root, 'unreadable');
    writeIdxDataset(locked, syntheticDataset({ train: 120, test: 40, size: 8, numClasses: 4, seed: 2 }));
    chmodSync(locked, 0o755);
    chmodSync(join(locked, 'train-images-idx3-ubyte.gz'), 0o000);
    const r = await runCli(train(join(root, 'runs-eacces'), locked), { prefix });
    expectOneLine(r, /^kmnist-lab: cannot open .*unreadable\/train-images-idx3-ubyte\.gz: permission denied \(EACCES\)$/);
  });

  it('a data folder this user may not list (another user\'s, mode 0700): the permission error naming it, not "no files found"', async () => {
    const hidden = join(root, 'private-data');
    writeIdxDataset(hidden, syntheticDataset({ train: 120, test: 40, size: 8, numClasses: 4, seed: 2 }));
    chmodSync(hidden, 0o700);
    const r = await runCli(train(join(root, 'runs-private'), hidden), { prefix });
    expectOneLine(r, /^kmnist-lab: cannot list the folder .*private-data: permission denied \(EACCES\)$/);
  });
});

if (UNPRIVILEGED_PREFIX === null) it.skip(UNPRIVILEGED_SKIP, () => {});
