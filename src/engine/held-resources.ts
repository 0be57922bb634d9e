// Resources that keep Node running until released (a GPU device: Dawn's threads hold the event loop), and
// the hook the CLI calls when a command ends. No TF.js here, so the CLI can import it at start-up.

const held = new Set<() => Promise<void>>();

/** Registers `release`; returns a function that unregisters it (call it when released some other way). */
export function holdUntilCommandEnds(release: () => Promise<void>): () => void {
  held.add(release);
  return () => void held.delete(release);
}

/** Releases everything still held; what fails to release is reported on stderr, not thrown. */
export async function releaseHeldResources(): Promise<void> {
  const releases = [...held];
  held.clear();
  for (const release of releases) {
    try {
      await release();
    } catch (e) {
      process.stderr.write(`warning: releasing a resource failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}
