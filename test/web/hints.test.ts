// The page's suggested commands must be commands the CLI accepts (it once said `download kmnist`,
// which fails with "too many arguments"). Parsed by the real command definitions, actions left out.
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDownload } from '../../src/commands/download.ts';
import { registerReport } from '../../src/commands/report.ts';
import { registerRun } from '../../src/commands/run.ts';
import { registerTrain } from '../../src/commands/train.ts';
import { EMPTY_RUNS_HINT, NO_REPORT_HINT } from '../../src/web/page/hints.ts';

/** Parses `kmnist-lab <args>`; returns the command that would run, or the parse error. */
async function parse(line: string): Promise<string> {
  const program = new Command('kmnist-lab').exitOverride();
  for (const register of [registerDownload, registerTrain, registerRun, registerReport]) register(program);
  let ran = '';
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    cmd.action(() => {
      ran = cmd.name();
    });
  }
  const args = line.replace(/^npx /, '').split(/\s+/);
  expect(args[0]).toBe('kmnist-lab');
  try {
    await program.parseAsync(args.slice(1), { from: 'user' });
  } catch (err) {
    return err instanceof CommanderError ? `error: ${err.message}` : `error: ${String(err)}`;
  }
  return ran;
}

describe("the page's command hints", () => {
  it('are all accepted by the CLI', async () => {
    const commands = [...EMPTY_RUNS_HINT, NO_REPORT_HINT].filter((l) => !l.startsWith('#'));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const line of commands) expect(await parse(line), line).toBe(line.split(/\s+/)[2]);
  });

  it('would catch the old hint', async () => {
    expect(await parse('kmnist-lab download kmnist')).toMatch(/^error: .*too many arguments/);
  });
});
