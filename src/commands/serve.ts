import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDatasetName } from '../data/registry.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_HOST } from '../web/server-host.ts';
import { folderFlag } from './flags.ts';

interface ServeOptions {
  runs: string;
  report: string;
  port: string;
  host: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UserError(`--port: '${text}' is not a port number (0..65535)`);
  return port;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a local page: draw a character and watch every trained model answer; browse the report')
    .option('--runs <dir>', 'runs folder to read (runs/ or runs/<dataset>)', 'runs')
    .option('--report <dir>', 'folder holding report.html', 'report')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <address>', 'address to listen on; requests must name it (or localhost) as their Host', DEFAULT_HOST)
    .action(async (opts: ServeOptions) => {
      const port = parsePort(opts.port);
      folderFlag('--runs', opts.runs);
      folderFlag('--report', opts.report);
      if (!existsSync(opts.runs)) console.error(`kmnist-lab serve: ${resolve(opts.runs)} does not exist yet; the page will say how to make runs`);
      const [{ startWebServer }, { loadDataset }] = await Promise.all([import('../web/server.ts'), import('../data/load.ts')]);
      const running = await startWebServer(
        {
          runsRoot: opts.runs,
          reportDir: opts.report,
          baseDir: process.cwd(),
          host: opts.host,
          async loadTestSet(dataset, dataDir) {
            if (!isDatasetName(dataset)) throw new UserError(`config.json names an unknown dataset '${dataset}'`);
            return (await loadDataset({ dataset, dataDir })).test;
          },
        },
        port,
      );
      console.log(`kmnist-lab serve: ${running.url} (runs: ${resolve(opts.runs)}; Ctrl+C to stop)`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          void running.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
