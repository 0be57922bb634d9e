import { describe, expect, it } from 'vitest';
import { holdUntilCommandEnds, releaseHeldResources } from '../../src/engine/held-resources.ts';

describe('held resources (what the CLI releases when a command ends)', () => {
  it('releases each held resource once, skips unregistered ones, and goes on past a failing one', async () => {
    const released: string[] = [];
    holdUntilCommandEnds(async () => void released.push('a'));
    holdUntilCommandEnds(async () => {
      throw new Error('device lost');
    });
    const unhold = holdUntilCommandEnds(async () => void released.push('c'));
    holdUntilCommandEnds(async () => void released.push('d'));
    unhold();
    await releaseHeldResources();
    await releaseHeldResources();
    expect(released).toEqual(['a', 'd']);
  });
});
