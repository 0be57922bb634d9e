// Types for scripts/build.js (plain JavaScript so that bin/kmnist-lab.js can run it without tsx).
export const REPO_ROOT: string;
/** sha1 of every path, mtime and size under <root>/src. */
export function sourceFingerprint(root?: string): string;
/** True when <root>/dist was built from <root>/src exactly as it is now. */
export function isBuildFresh(root?: string): boolean;
/** Compiles <root>/src into <root>/dist (swapped in atomically). */
export function build(root?: string): Promise<void>;
