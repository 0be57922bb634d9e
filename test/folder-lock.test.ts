// One writer per run folder and per study: a second writer is refused with one line naming the folder and
// the holder; a lock whose holder died is taken over with a note.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_NAME, lockFolder, type LockHolder } from '../src/folder-lock.ts';
import { REPO_ROOT, runCli } from './helpers/cli.ts';
import { syntheticDataset, writeIdxDataset } from './training/synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function fakeLock(dir: string, holder: LockHolder): void {
  mkdirSync(join(dir, LOCK_NAME), { recursive: true });
  writeFileSync(join(dir, LOCK_NAME, 'holder.json'), JSON.stringify(holder));
}

describe('lockFolder', () => {
  it('refuses a second writer, naming the folder and the holder, and frees the folder on release', async () => {
    const dir = join(root, 'one');
    const first = await lockFolder(dir, { what: 'run folder' });
    const holder = JSON.parse(readFileSync(join(dir, LOCK_NAME, 'holder.json'), 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(lockFolder(dir, { what: 'run folder' })).rejects.toThrow(
      new RegExp(`^the run folder ${dir} is in use by kmnist-lab .*\\(pid ${process.pid} on ${hostname()}, since \\d{4}-`),
    );
    await first.release();
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
    const again = await lockFolder(dir, { what: 'run folder' });
    await again.release();
  });

  it('keeps its lock fresh without losing it (the holder file inside does not count as a takeover)', async () => {
    const dir = join(root, 'fresh');
    const notes: string[] = [];
    const lock = await lockFolder(dir, { what: 'run folder', note: (m) => notes.push(m), updateMs: 1000 });
    const before = statSync(join(dir, LOCK_NAME)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(notes).toEqual([]);
    expect(statSync(join(dir, LOCK_NAME)).mtimeMs).toBeGreaterThan(before);
    await lock.release();
  });

  it('takes over the lock of a holder that died on this machine, with a note', async () => {
    const dir = join(root, 'dead');
    const pid = deadPid();
    fakeLock(dir, { pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'train cnn' });
    const notes: string[] = [];
    const lock = await lockFolder(dir, { what: 'run folder', note: (m) => notes.push(m) });
    expect(notes).toEqual([`note: took over the lock on ${dir} left by pid ${pid}, which is no longer running`]);
    await lock.release();
  });

  it('a lock without holder.json (a holder killed while locking, older versions) is refused while fresh, taken over once untouched for 5 s', async () => {
    const dir = join(root, 'no-holder');
    mkdirSync(join(dir, LOCK_NAME), { recursive: true });
    await expect(lockFolder(dir, { what: 'run folder' })).rejects.toThrow(`the run folder ${dir} is in use by another process that is just starting`);
    const tenSecondsAgo = new Date(Date.now() - 10_000);
    utimesSync(join(dir, LOCK_NAME), tenSecondsAgo, tenSecondsAgo);
    const notes: string[] = [];
    const lock = await lockFolder(dir, { what: 'run folder', note: (m) => notes.push(m) });
    expect(notes).toEqual([`note: took over the lock on ${dir} which names no holder and was untouched for 10 s`]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_NAME, 'holder.json'), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a process killed at any moment while locking leaves nothing that blocks the next one', async () => {
    const dir = join(root, 'killed');
    const script = `import(${JSON.stringify(join(REPO_ROOT, 'dist', 'folder-lock.js'))}).then((m) => m.lockFolder(${JSON.stringify(dir)}, { what: 'run folder' }))`;
    // The child's lockFolder runs some 40-150 ms after spawn (Node's start-up): kills spread over that span and beyond.
    for (let delayMs = 0; delayMs <= 300; delayMs += 15) {
      const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve)); // it may end by itself before the kill
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill('SIGKILL');
      await exited;
      const notes: string[] = [];
      const lock = await lockFolder(dir, { what: 'run folder', note: (m) => notes.push(m) });
      expect(notes.every((n) => /left by pid \d+, which is no longer running$/.test(n)), notes.join('\n')).toBe(true);
      await lock.release();
    }
    // a child killed between making its private lock folder and renaming it leaves that folder; it blocks nothing
    mkdirSync(join(dir, `${LOCK_NAME}.new-${deadPid()}-0000`));
    const lock = await lockFolder(dir, { what: 'run folder' });
    await lock.release();
  }, 60_000);

  it('does not take over a fresh lock held from another machine', async () => {
    const dir = join(root, 'remote');
    fakeLock(dir, { pid: deadPid(), host: 'another-host', since: '2026-01-01T00:00:00.000Z', command: 'run' });
    await expect(lockFolder(dir, { what: 'study folder' })).rejects.toThrow(/in use by kmnist-lab run \(pid \d+ on another-host/);
  });
});

describe('second writers (CLI)', () => {
  const dataDir = join(root, 'data');
  writeIdxDataset(dataDir, syntheticDataset({ train: 120, test: 40, size: 8, numClasses: 4, seed: 2 }));

  it('train refuses a run folder another process is writing, and run refuses a study folder in use', async () => {
    const runs = join(root, 'runs');
    const runFolder = await lockFolder(join(runs, 'kmnist', 'fcnn', 'seed-0'), { what: 'run folder' });
    const study = await lockFolder(join(root, 'study', 'kmnist'), { what: 'study folder' });
    try {
      const [t, run] = await Promise.all([
        runCli(['train', 'fcnn', '--data-dir', dataDir, '--out', runs, '--epochs', '1', '--backend', 'cpu']),
        runCli(['run', '--data-dir', dataDir, '--out', join(root, 'study'), '--experiments', 'fcnn', '--seeds', '1', '--epochs', '1']),
      ]);
      expect(t.code, t.stderr).toBe(1);
      expect(t.stderr.trim()).toMatch(new RegExp(`^kmnist-lab: the run folder .*seed-0 is in use by kmnist-lab .*\\(pid ${process.pid} on .*\\); wait for it to finish or stop it$`));
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trim()).toMatch(new RegExp(`^kmnist-lab: the study folder .*study/kmnist is in use by kmnist-lab .*\\(pid ${process.pid} on `));
      expect(existsSync(join(root, 'study', 'kmnist', 'fcnn'))).toBe(false);
    } finally {
      await runFolder.release();
      await study.release();
    }
  });
});
