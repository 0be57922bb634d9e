// `kmnist-lab run` SIGKILLed alone: its real `train` worker notices (its stdin pipe closes, or a write to its
// stdout pipe fails) and dies; the next `run` finishes the run, keeps the killed attempt's log, and leaves no
// temporary folder in the run folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PARENT_PIPE_ENV } from '../../src/protocol/train-worker.ts';
import { CLI, REPO_ROOT, runCli } from '../helpers/cli.ts';
import { syntheticDataset, writeIdxDataset } from '../training/synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-parent-death-'));
const dataDir = join(root, 'data');
writeIdxDataset(dataDir, syntheticDataset({ train: 3000, test: 60, size: 8, numClasses: 4, seed: 5 }));
const out = join(root, 'runs');
const runFolder = join(out, 'kmnist', 'cnn', 'seed-1');
const args = ['run', '--experiments', 'cnn', '--seeds', '1', '--jobs', '1', '--epochs', '3', '--backend', 'wasm', '--threads', '1', '--data-dir', dataDir, '--out', out];
let workerPid: number | undefined;

afterAll(() => {
  if (workerPid !== undefined && isAlive(workerPid)) process.kill(workerPid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const epochsLogged = (): number => {
  try {
    return readFileSync(join(runFolder, 'log.csv'), 'utf8').trim().split('\n').length - 1;
  } catch {
    return 0;
  }
};

describe('run parent killed', () => {
  it('its worker stops; a re-run finishes the run with no temporaries and both attempts logged', async () => {
    const parent = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: 'ignore' });
    const holder = await waitFor(
      'the worker to lock its run folder and finish an epoch',
      () => (epochsLogged() >= 1 ? (JSON.parse(readFileSync(join(runFolder, '.lock', 'holder.json'), 'utf8')) as { pid: number }) : undefined),
      100_000,
    );
    workerPid = holder.pid;
    expect(workerPid).not.toBe(parent.pid);
    const logged = epochsLogged();
    parent.kill('SIGKILL');
    await waitFor('the worker to exit', () => (isAlive(holder.pid) ? undefined : true), 60_000);
    // It stopped within the epoch it was in (an epoch of 2,700 images takes seconds), not at its end.
    expect(epochsLogged()).toBe(logged);
    expect(existsSync(join(runFolder, 'metrics.json'))).toBe(false);

    // What a writer killed mid-save leaves; the next writer of the folder removes it.
    mkdirSync(join(runFolder, 'model.tmp-999999'));
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/1 to resume/);
    const entries = readdirSync(runFolder);
    expect(entries).toContain('metrics.json');
    expect(entries.filter((e) => /\.(tmp|old)-\d+$/.test(e) || e.startsWith('.lock'))).toEqual([]);
    const log = readFileSync(join(runFolder, 'worker.log'), 'utf8');
    expect(log.match(/^--- .* train cnn/gm)).toHaveLength(2);
    // The killed worker's lock is taken over: its pid is gone.
    expect(log).toMatch(new RegExp(`note: took over the lock on .*seed-1 left by pid ${holder.pid}, which is no longer running`));
    expect(existsSync(join(out, '.worker-logs'))).toBe(false);
  }, 240_000);
});

describe('a worker whose stdout pipe breaks (its parent died; stdin end-of-file not read yet)', () => {
  it('dies by SIGKILL, leaving its lock to be taken over, as when its stdin closes', async () => {
    const pipeOut = join(root, 'pipe-runs');
    const child = spawn(process.execPath, [CLI, 'train', 'cnn', '--seed', '2', '--epochs', '3', '--backend', 'wasm', '--threads', '1', '--progress', 'json', '--data-dir', dataDir, '--out', pipeOut], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, [PARENT_PIPE_ENV]: '1' },
    });
    // stdin stays open; the read end of stdout closes at the first line, so the next line meets EPIPE.
    child.stdout.once('data', () => child.stdout.destroy());
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    child.stdin.destroy();
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    // An exit (the uncaught EPIPE) would have released it; a killed process leaves it, as a lost machine does.
    expect(existsSync(join(pipeOut, 'kmnist', 'cnn', 'seed-2', '.lock', 'holder.json'))).toBe(true);
  }, 120_000);
});
