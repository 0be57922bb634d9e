// Bundles the page (src/web/page/main.ts + TensorFlow.js from node_modules) with esbuild, in memory, once per process.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

let cached: Promise<string> | null = null;

/** The page's JavaScript as one ES module; built on first call (under a second), then reused. */
export function pageBundle(): Promise<string> {
  if (!cached) {
    cached = build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
    }).then((result) => result.outputFiles[0].text);
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
