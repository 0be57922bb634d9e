// Starts the serve server over a folder for a test, with a fake dataset loader that returns the synthetic test set.
import { request } from 'node:http';
import type { ImageSet } from '../../src/data/types.ts';
import { UserError } from '../../src/errors.ts';
import { startWebServer, type RunningServer } from '../../src/web/server.ts';

export interface Harness extends RunningServer {
  loads: { dataset: string; dataDir: string }[];
}

function isImageSet(x: ImageSet | Record<string, ImageSet>): x is ImageSet {
  return x.images instanceof Uint8Array;
}

/**
 * A server over `runsRoot` whose dataset loader returns `testSet` for every dataset, or, given one per dataset
 * name, that dataset's; null (or a dataset not named) fails as a missing data folder does.
 */
export async function startHarness(runsRoot: string, reportDir: string, testSet: ImageSet | Record<string, ImageSet> | null): Promise<Harness> {
  const loads: { dataset: string; dataDir: string }[] = [];
  const running = await startWebServer(
    {
      runsRoot,
      reportDir,
      baseDir: runsRoot,
      async loadTestSet(dataset, dataDir) {
        loads.push({ dataset, dataDir });
        const set: ImageSet | undefined = testSet === null ? undefined : isImageSet(testSet) ? testSet : testSet[dataset];
        if (!set) throw new UserError(`--data-dir ${dataDir}: no ${dataset} files found (a test without its test set)`);
        return set;
      },
    },
    0,
  );
  return { ...running, loads };
}

/** GET with the path sent exactly as written (fetch would normalise '..' and '%2e%2e' away). */
export function rawGet(baseUrl: string, path: string): Promise<{ status: number; body: string; type: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}
