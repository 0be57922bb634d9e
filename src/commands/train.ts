import type { Command } from 'commander';
import { UserError } from '../errors.ts';

// Placeholder until its issue lands: the command exists so --help is complete, and says it is not built yet.
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('(not implemented yet)')
    .action(() => {
      throw new UserError('`train` is not implemented yet');
    });
}
