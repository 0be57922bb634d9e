// The UserError a promise rejects with; fails the test when it resolves or throws anything else.
import { expect } from 'vitest';
import { UserError } from '../../src/errors.ts';

export async function rejectsWithUserError(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}
