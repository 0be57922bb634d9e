// The `serve` HTTP server (node:http, 127.0.0.1): the page, its bundle, a small JSON API and the run/report files.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';
import { bundledFont, pageFontCss } from '../graphics/fonts.ts';
import type { ApiError, RunsResponse, TestImageKind } from './api-types.ts';
import { pageBundle } from './bundle.ts';
import { RunSummaryCache, listRuns, modelGroups, type RunEntry } from './runs.ts';
import { allowedHostNames, hostAllowed } from './host-check.ts';
import { resolveInside } from './safe-path.ts';
import { ExampleSource, MAX_EXAMPLES_PER_CLASS, parseClassList } from './examples.ts';
import { TestImageSource } from './test-images.ts';
import { TestSetCache, type TestSetLoader } from './test-sets.ts';
import { DEFAULT_HOST } from './server-host.ts';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
export const REPORT_FILE = 'report.html';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
  '.ttf': 'font/ttf',
};

/** The page's font CSS (/fonts.css) and the bundled TTFs it names. */
const FONT_URLS = { regular: '/fonts/noto-sans-jp-400.ttf', bold: '/fonts/noto-sans-jp-700.ttf' };

export interface WebServerOptions {
  /** Folder holding run folders (runs/ or runs/<dataset>). */
  runsRoot: string;
  /** Folder holding report.html. */
  reportDir: string;
  /** Loads a dataset's test split for the "pick a test image" feature and the class examples. */
  loadTestSet: TestSetLoader;
  /** Folder that relative dataDirs in config.json are resolved against (the project folder). */
  baseDir: string;
  /** The address to listen on (default 127.0.0.1); requests must name it, or a loopback name, in their Host header. */
  host?: string;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPES['.json'], 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, type: string, text: string): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function sendFile(res: ServerResponse, file: string): Promise<void> {
  const info = await stat(file);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'no-cache',
  });
  // pipeline destroys the read stream whatever ends the response (a client closing early included): a
  // bare pipe() leaves it open, one file descriptor per aborted download.
  await pipeline(createReadStream(file), res);
}

async function sendFileInside(res: ServerResponse, root: string, encodedPath: string): Promise<void> {
  const found = await resolveInside(root, encodedPath);
  if (!found.ok) throw new HttpError(found.status, found.reason);
  await sendFile(res, found.file);
}

const urlOf = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;

export { DEFAULT_HOST };

export function createWebServer(options: WebServerOptions): Server {
  const runsRoot = resolve(options.runsRoot);
  const reportDir = resolve(options.reportDir);
  const testSets = new TestSetCache(options.loadTestSet, options.baseDir);
  const images = new TestImageSource(testSets);
  const examples = new ExampleSource(testSets);
  const summaries = new RunSummaryCache();
  let runsCache: RunEntry[] = [];

  async function runsResponse(): Promise<RunsResponse> {
    const listing = await listRuns(runsRoot, summaries);
    runsCache = listing.entries;
    const runs = listing.entries.map((e) => e.summary);
    return {
      runsRoot,
      runs,
      modelGroups: modelGroups(runs),
      problems: listing.problems,
      reportUrl: existsSync(join(reportDir, REPORT_FILE)) ? `/report/${REPORT_FILE}` : null,
      reportDir,
    };
  }

  async function findRun(id: string): Promise<RunEntry> {
    let run = runsCache.find((r) => r.summary.id === id);
    if (!run) {
      await runsResponse();
      run = runsCache.find((r) => r.summary.id === id);
    }
    if (!run) throw new HttpError(404, `no finished run ${JSON.stringify(id)} under ${runsRoot}`);
    return run;
  }

  async function testImage(url: URL, res: ServerResponse): Promise<void> {
    const runId = url.searchParams.get('run');
    if (!runId) throw new HttpError(400, 'query parameter run=<run id> is required');
    const kind = (url.searchParams.get('kind') ?? 'random') as TestImageKind;
    if (kind !== 'random' && kind !== 'mistake') throw new HttpError(400, 'kind must be random or mistake');
    const indexParam = url.searchParams.get('index');
    const index = indexParam === null ? null : Number(indexParam);
    if (index !== null && !(Number.isInteger(index) && index >= 0)) throw new HttpError(400, 'index must be a non-negative integer');
    sendJson(res, 200, await images.pick(await findRun(runId), kind, index));
  }

  async function classExamples(url: URL, res: ServerResponse): Promise<void> {
    const runId = url.searchParams.get('run');
    if (!runId) throw new HttpError(400, 'query parameter run=<run id> is required');
    const run = await findRun(runId);
    const countParam = url.searchParams.get('count') ?? '4';
    const count = Number(countParam);
    if (!/^\d+$/.test(countParam) || count < 1 || count > MAX_EXAMPLES_PER_CLASS) throw new HttpError(400, `count must be 1..${MAX_EXAMPLES_PER_CLASS}`);
    const classes = parseClassList(url.searchParams.get('classes'), run.summary.numClasses);
    sendJson(res, 200, await examples.examples(run, classes, count));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET is served');
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The raw path keeps encoded separators (%2F) encoded, so resolveInside can judge each segment.
    const rawPath = (req.url ?? '/').split('?')[0];
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return sendText(res, CONTENT_TYPES['.html'], await readFile(join(PAGE_DIR, 'index.html'), 'utf8'));
    }
    if (url.pathname === '/style.css') return sendText(res, CONTENT_TYPES['.css'], await readFile(join(PAGE_DIR, 'style.css'), 'utf8'));
    if (url.pathname === '/fonts.css') return sendText(res, CONTENT_TYPES['.css'], pageFontCss(FONT_URLS));
    if (url.pathname === FONT_URLS.regular) return sendFile(res, bundledFont().regular);
    if (url.pathname === FONT_URLS.bold) return sendFile(res, bundledFont().bold);
    if (url.pathname === '/app.js') return sendText(res, CONTENT_TYPES['.js'], await pageBundle());
    if (url.pathname === '/api/runs') return sendJson(res, 200, await runsResponse());
    if (url.pathname === '/api/test-image') return testImage(url, res);
    if (url.pathname === '/api/examples') return classExamples(url, res);
    if (rawPath.startsWith('/files/')) return sendFileInside(res, runsRoot, rawPath.slice('/files/'.length));
    if (rawPath.startsWith('/report/')) return sendFileInside(res, reportDir, rawPath.slice('/report/'.length));
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    throw new HttpError(404, `nothing at ${url.pathname}`);
  }

  // Read the runs now, so the page's first request for them finds them summarised (errors show on that request).
  listRuns(runsRoot, summaries).catch(() => undefined);

  const host = options.host ?? DEFAULT_HOST;
  const hostNames = allowedHostNames(host);
  const server = createServer((req, res) => {
    const port = (server.address() as AddressInfo | null)?.port ?? 0;
    if (!hostAllowed(req.headers.host, hostNames, port)) {
      // 421 Misdirected Request (RFC 9110 §15.5.20): this server does not answer for that name.
      const body: ApiError = { error: `Host ${JSON.stringify(req.headers.host ?? '')} is not this server's address; open it as ${urlOf(host, port)}` };
      sendJson(res, 421, body);
      return;
    }
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof UserError ? 400 : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (status === 500) console.error(`kmnist-lab serve: ${req.url}: ${message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body: ApiError = { error: message };
      sendJson(res, status, body);
    });
  });
  return server;
}

/** Starts the server on options.host (127.0.0.1 by default; port 0 = any free port) and builds the page bundle before answering. */
export async function startWebServer(options: WebServerOptions, port: number): Promise<RunningServer> {
  await pageBundle();
  const host = options.host ?? DEFAULT_HOST;
  const server = createWebServer(options);
  await new Promise<void>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new UserError(`--port ${port}: already in use; pick another port`)
          : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
            ? new UserError(`--host ${host}: not an address of this machine (${err.code})`)
            : err,
      ),
    );
    server.listen(port, host, done);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: urlOf(host, actual),
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
