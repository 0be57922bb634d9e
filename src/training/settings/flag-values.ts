// Parsing of command-line flag values, one wording for every command: the flag, the value as typed,
// and what was expected. Here, below training, because the training flag table (flag-spec.ts) parses
// with them; commands/flags.ts re-exports them for the other commands.
import { checkThreads } from '../../engine/threads.ts';
import { UserError } from '../../errors.ts';

/** A whole number >= min, written in plain digits ('1e3', '0x10', '' and ' ' are refused). */
export function intFlag(flag: string, value: string, min = 1): number {
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UserError(`${flag}: '${value}' is not an integer >= ${min}`);
  }
  return n;
}

/** A finite number > 0. */
export function positiveFlag(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UserError(`${flag}: '${value}' is not a positive number`);
  return n;
}

/** A number in [0, 1). */
export function fractionFlag(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new UserError(`${flag}: '${value}' is not a fraction in [0, 1)`);
  return n;
}

/** One of `choices`. */
export function oneOfFlag<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UserError(`${flag}: '${value}' is not one of ${choices.join(', ')}`);
  return value as T;
}

/** --threads: a whole number from 1 to MAX_THREADS. */
export function threadsFlag(value: string): number {
  return checkThreads(intFlag('--threads', value), `--threads '${value}'`);
}

/** A commander option parser for intFlag. */
export const intOption = (flag: string, min = 1) => (value: string): number => intFlag(flag, value, min);
