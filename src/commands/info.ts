import type { Command } from 'commander';
import { UserError } from '../errors.ts';

// Placeholder until its issue lands: the command exists so --help is complete, and says it is not built yet.
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('(not implemented yet)')
    .action(() => {
      throw new UserError('`info` is not implemented yet');
    });
}
