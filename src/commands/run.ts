import type { Command } from 'commander';
import { UserError } from '../errors.ts';

// Placeholder until its issue lands: the command exists so --help is complete, and says it is not built yet.
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('(not implemented yet)')
    .action(() => {
      throw new UserError('`run` is not implemented yet');
    });
}
