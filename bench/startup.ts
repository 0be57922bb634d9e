// `npm run bench:startup`: how long the CLI takes to answer, as a user starts it (a fresh `node
// bin/kmnist-lab.js` process each time): --version, --help, `info` on kmnist-10k, and the first output
// and first training batch of `train cnn`. Prints the median and the fastest of N starts, next to a bare
// `node -e 0` measured in the same sitting and the load average (numbers, not pass/fail: on a shared
// machine they move with the load). Targets (issue #13): --version/--help <= 0.5 s, info <= 2 s,
// first training output <= 3 s.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, isBuildFresh } from '../scripts/build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'kmnist-lab.js');
const DATA = join(ROOT, '..', 'shared', 'data', 'kmnist-10k');

interface Timing {
  /** Seconds to the first byte on stdout or stderr. */
  firstOutput: number;
  /** Seconds to the first line matching `until` (or to exit). */
  done: number;
}

/** Starts `node args`, returns when it exits or prints a line matching `until` (then kills it). */
function time(args: string[], until?: RegExp): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstOutput: number | undefined;
    let buffered = '';
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      const done = (performance.now() - t0) / 1000;
      child.kill('SIGKILL');
      resolve({ firstOutput: firstOutput ?? done, done });
    };
    const onData = (chunk: Buffer): void => {
      firstOutput ??= (performance.now() - t0) / 1000;
      buffered += chunk.toString('utf8');
      if (until && until.test(buffered)) finish();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      if (until && !settled) reject(new Error(`node ${args.join(' ')} exited (${code}) before printing ${until}:\n${buffered.slice(-2000)}`));
      finish();
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 5);
  if (!isBuildFresh()) {
    console.log('dist/ is stale or missing: building it first (as bin/kmnist-lab.js would)');
    await build();
  }
  const out = mkdtempSync(join(tmpdir(), 'kmnist-startup-'));
  // `args` is called once per start: each train start gets its own --out, as a start is SIGKILLed once it has
  // printed what is timed and a run folder it was writing would be resumed, or found locked, by the next.
  const cases: { name: string; args: () => string[]; until?: RegExp; pick: keyof Timing; target: number }[] = [
    { name: 'node -e 0 (reference)', args: () => ['-e', '0'], pick: 'done', target: NaN },
    { name: 'kmnist-lab --version', args: () => [CLI, '--version'], pick: 'done', target: 0.5 },
    { name: 'kmnist-lab --help', args: () => [CLI, '--help'], pick: 'done', target: 0.5 },
  ];
  if (existsSync(DATA)) {
    cases.push({ name: 'kmnist-lab info (kmnist-10k)', args: () => [CLI, 'info', '--data-dir', DATA], pick: 'done', target: 2 });
    let starts = 0;
    const train = (): string[] => [CLI, 'train', 'cnn', '--data-dir', DATA, '--epochs', '1', '--out', join(out, `start-${++starts}`), '--progress', 'json'];
    cases.push({ name: 'train cnn: first output', args: train, until: /./, pick: 'firstOutput', target: 3 });
    cases.push({ name: 'train cnn: first batch', args: train, until: /"type":"batch"/, pick: 'done', target: 3 });
  } else {
    console.log(`${DATA} is absent: info and train are not measured`);
  }
  console.log(`load average at start: ${load()} (1/5/15 min); ${repeats} starts each, seconds\n`);
  console.log(`${'command'.padEnd(32)} ${'median'.padStart(7)} ${'fastest'.padStart(7)}  target`);
  try {
    for (const c of cases) {
      const runs: number[] = [];
      for (let i = 0; i < repeats; i++) runs.push((await time(c.args(), c.until))[c.pick]);
      const target = Number.isNaN(c.target) ? '' : `<= ${c.target}`;
      console.log(`${c.name.padEnd(32)} ${median(runs).toFixed(2).padStart(7)} ${Math.min(...runs).toFixed(2).padStart(7)}  ${target}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`\nload average at end: ${load()}`);
}

await main();
