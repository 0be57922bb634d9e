// The downloader against a loopback HTTP server: good, cut + resumed, 404, 500 then retry, wrong md5,
// truncated .gz, offline. After every failure no file with the final name may exist.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadDataset, obtainFile, unreachableSummary, type ObtainOptions } from '../../src/data/download.ts';
import { MAX_SILENT_ATTEMPTS, OfflineError, SilentHostError } from '../../src/data/fetch-file.ts';
import { runCli } from '../helpers/cli.ts';
import { rejectsWithUserError } from '../helpers/user-error.ts';
import { md5Buffer } from '../../src/data/md5.ts';
import { DATASETS, type DataFileSpec } from '../../src/data/registry.ts';
import { idxImages, makeSet, tempDir } from './fixtures.ts';

const spec = DATASETS.kmnist;
const content = idxImages(makeSet(300).images, 300); // ~235 KB of idx data
const gz = gzipSync(content, { level: 1 }); // level 1: stays large enough to cut in the middle
const recompressed = gzipSync(content, { level: 9 });
const truncated = gz.subarray(0, Math.floor(gz.length * 0.6));

interface Hit {
  path: string;
  range?: string;
}
const hits: Hit[] = [];
const state = { cutServed: false, flakyServed: 0 };
let server: Server;
let base = '';

/** Serves `body`, honouring "Range: bytes=N-" with a 206. */
function serve(req: IncomingMessage, res: ServerResponse, body: Uint8Array): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    res.end(body.subarray(start));
  } else {
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(body);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.push({ path, range: req.headers.range });
    if (path.startsWith('/good/')) return serve(req, res, gz);
    if (path.startsWith('/recompressed/')) return serve(req, res, recompressed);
    if (path.startsWith('/truncated/')) return serve(req, res, truncated);
    if (path.startsWith('/norange/')) {
      res.writeHead(200, { 'Content-Length': gz.length });
      return res.end(gz);
    }
    if (path.startsWith('/cut/')) {
      if (!state.cutServed && !req.headers.range) {
        // Promise the whole file, send 40% of it, then drop the connection.
        state.cutServed = true;
        res.writeHead(200, { 'Content-Length': gz.length });
        // The pause lets the client consume what it got (fetch drops unread chunks when the stream errors).
        res.write(gz.subarray(0, Math.floor(gz.length * 0.4)), () => setTimeout(() => res.socket?.end(), 100));
        return;
      }
      return serve(req, res, gz);
    }
    if (path.startsWith('/html/')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end('\n  <!DOCTYPE html>\n<html><body>Please log in</body></html>');
    }
    if (path.startsWith('/down/')) {
      res.writeHead(500);
      return res.end('down');
    }
    if (path.startsWith('/flaky/')) {
      if (state.flakyServed++ === 0) {
        res.writeHead(500);
        return res.end('boom');
      }
      return serve(req, res, gz);
    }
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function fileSpec(route: string, md5 = md5Buffer(gz), contentMd5?: string): DataFileSpec {
  return { name: 't10k-images-idx3-ubyte.gz', role: 'test-images', url: `${base}/${route}/t10k-images-idx3-ubyte.gz`, md5, ...(contentMd5 ? { contentMd5 } : {}) };
}

const fast = (dataDir: string): ObtainOptions => ({ dataDir, retries: 2, backoffMs: 10 });
const dest = (dir: string): string => join(dir, 't10k-images-idx3-ubyte.gz');

const failure = rejectsWithUserError;

describe('downloader (loopback HTTP server)', () => {
  it('downloads, verifies the md5 and renames into place; a second run finds it present', async () => {
    const dir = tempDir();
    const out = await obtainFile(fileSpec('good'), spec, fast(dir));
    expect(out.status).toBe('downloaded');
    expect(out.verifiedBy).toBe('md5');
    expect(md5Buffer(readFileSync(dest(dir)))).toBe(md5Buffer(gz));
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
    expect((await obtainFile(fileSpec('good'), spec, fast(dir))).status).toBe('present');
  });

  it('resumes with a Range request after the connection is cut mid-file', async () => {
    const dir = tempDir();
    const out = await obtainFile(fileSpec('cut'), spec, fast(dir));
    expect(out.status).toBe('downloaded');
    const cutHits = hits.filter((h) => h.path.startsWith('/cut/'));
    expect(cutHits.length).toBe(2);
    expect(cutHits[1].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(dest(dir)).equals(gz)).toBe(true);
  });

  it('resumes a .part left by an earlier run; restarts when the server ignores Range', async () => {
    const dir = tempDir();
    writeFileSync(`${dest(dir)}.part`, gz.subarray(0, 1000));
    await obtainFile(fileSpec('good'), spec, fast(dir));
    expect(hits.at(-1)?.range).toBe('bytes=1000-');
    expect(readFileSync(dest(dir)).equals(gz)).toBe(true);

    const dir2 = tempDir();
    writeFileSync(`${dest(dir2)}.part`, gz.subarray(0, 1000));
    await obtainFile(fileSpec('norange'), spec, fast(dir2));
    expect(readFileSync(dest(dir2)).equals(gz)).toBe(true);
  });

  it('fails at once on 404, naming the URL, leaving no file', async () => {
    const dir = tempDir();
    const before = hits.length;
    const err = await failure(obtainFile(fileSpec('missing'), spec, fast(dir)));
    expect(err.message).toMatch(/\/missing\/t10k-images-idx3-ubyte\.gz: HTTP 404/);
    expect(hits.length - before).toBe(1); // no retries for a 404
    expect(existsSync(dest(dir))).toBe(false);
  });

  it('retries after a 500 and succeeds', async () => {
    const dir = tempDir();
    const out = await obtainFile(fileSpec('flaky'), spec, fast(dir));
    expect(out.status).toBe('downloaded');
    expect(state.flakyServed).toBe(2);
  });

  it('rejects a wrong md5, deletes the .part, and suggests --accept-recompressed', async () => {
    const dir = tempDir();
    const err = await failure(obtainFile(fileSpec('recompressed'), spec, fast(dir)));
    expect(err.message).toMatch(/md5 [0-9a-f]{32} differs from the official/);
    expect(err.message).toMatch(/--accept-recompressed/);
    expect(err.message).toContain(`${base}/recompressed/`); // names the source, not our temp file
    expect(existsSync(dest(dir))).toBe(false);
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
  });

  it('--accept-recompressed checks the content md5, or the structure when no content md5 is known', async () => {
    const dir = tempDir();
    const ok = await obtainFile(fileSpec('recompressed', md5Buffer(gz), md5Buffer(content)), spec, { ...fast(dir), acceptRecompressed: true });
    expect(ok.verifiedBy).toMatch(/content md5/);
    const dir2 = tempDir();
    const bad = await failure(obtainFile(fileSpec('recompressed', md5Buffer(gz), 'f'.repeat(32)), spec, { ...fast(dir2), acceptRecompressed: true }));
    expect(bad.message).toMatch(/content md5 .* differs/);
    expect(existsSync(dest(dir2))).toBe(false);
    const dir3 = tempDir();
    const structural = await obtainFile(fileSpec('recompressed'), spec, { ...fast(dir3), acceptRecompressed: true });
    expect(structural.verifiedBy).toMatch(/structure/);
  });

  it('rejects a truncated .gz (md5, and content check), leaving no file', async () => {
    const dir = tempDir();
    expect((await failure(obtainFile(fileSpec('truncated'), spec, fast(dir)))).message).toMatch(/md5/);
    const err = await failure(obtainFile(fileSpec('truncated'), spec, { ...fast(dir), acceptRecompressed: true }));
    expect(err.message).toMatch(/not a valid gzip file/);
    expect(existsSync(dest(dir))).toBe(false);
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
  });

  it('fails fast when the host is unreachable, naming the URL and suggesting --source', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dir = tempDir();
    const url = `http://127.0.0.1:${port}/kmnist/t10k-images-idx3-ubyte.gz`;
    const err = await failure(obtainFile({ ...fileSpec('good'), url }, spec, { ...fast(dir), backoffMs: 60_000 }));
    expect(err).toBeInstanceOf(OfflineError); // not retried: a 60 s backoff would time the test out
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/--source/);
    expect(existsSync(dest(dir))).toBe(false);
  });

  it('downloadDataset stops after an offline failure; --source URL bases are joined to file names', async () => {
    const dir = tempDir();
    const outcomes = await downloadDataset({ dataset: 'kmnist', format: 'idx', dataDir: dir, source: `${base}/missing`, retries: 0, backoffMs: 1 });
    expect(outcomes).toHaveLength(5);
    expect(outcomes.every((o) => o.status === 'failed')).toBe(true);
    expect(outcomes[0].error).toContain(`${base}/missing/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(false);
  });

  it('rejects a --source that is neither a folder nor a URL', async () => {
    const err = await failure(downloadDataset({ dataset: 'kmnist', format: 'idx', dataDir: tempDir(), source: '/no/such/folder' }));
    expect(err.message).toMatch(/--source \/no\/such\/folder is neither/);
  });

  it('names a web page served instead of the file, without suggesting --accept-recompressed', async () => {
    const dir = tempDir();
    const err = await failure(obtainFile(fileSpec('html'), spec, fast(dir)));
    expect(err.message).toBe(
      `${base}/html/t10k-images-idx3-ubyte.gz: the server sent a web page (HTML), not the file t10k-images-idx3-ubyte.gz; ` +
        'check the URL or --source base in a browser (an error, login or captive-portal page?)',
    );
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
    // Structure-only files (no official md5) get the same words, not a gzip error.
    const noMd5 = await failure(obtainFile({ ...fileSpec('html'), md5: undefined }, spec, fast(tempDir())));
    expect(noMd5.message).toMatch(/the server sent a web page \(HTML\)/);
  });

  it('mentions a .part file only when one exists (HTTP 500 on every try)', async () => {
    const dir = tempDir();
    const err = await failure(obtainFile(fileSpec('down'), spec, fast(dir)));
    expect(err.message).toBe(`${base}/down/t10k-images-idx3-ubyte.gz: download failed after 3 attempts (HTTP 500 Internal Server Error)`);
    expect(readdirSync(dir)).toEqual([]);
    // A .part from an earlier, interrupted run is kept (the next run resumes it) and said to be.
    writeFileSync(`${dest(dir)}.part`, gz.subarray(0, 1000));
    const kept = await failure(obtainFile(fileSpec('down'), spec, fast(dir)));
    expect(kept.message).toMatch(/\(HTTP 500 Internal Server Error\); the partial file .*\.part \(1000 bytes\) is kept and the next run resumes it$/);
    expect(statSync(`${dest(dir)}.part`).size).toBe(1000);
  });
});

describe('a host that accepts connections and sends nothing (loopback)', () => {
  let silent: ReturnType<typeof createTcpServer>;
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let silentBase = '';
  beforeAll(async () => {
    silent = createTcpServer((socket) => {
      sockets.add(socket); // held open, never written to
      socket.on('data', (chunk: Buffer) => requests.push(chunk.toString('latin1').split('\r\n')[0]));
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    silentBase = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/kmnist/`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('gives up on the host after MAX_SILENT_ATTEMPTS requests and does not try its other files', async () => {
    const dir = tempDir();
    requests.length = 0;
    const outcomes = await downloadDataset({ dataset: 'kmnist', format: 'idx', dataDir: dir, source: silentBase, retries: 10, backoffMs: 1, stallTimeoutMs: 150 });
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(outcomes.every((o) => o.silent)).toBe(true);
    await new Promise((r) => setTimeout(r, 50)); // lets the server see the last request line
    // --retries 10 does not make a silent host worth more tries; its other files are not asked for.
    expect(requests).toEqual(Array(MAX_SILENT_ATTEMPTS).fill('GET /kmnist/train-images-idx3-ubyte.gz HTTP/1.1'));
    expect(outcomes[0].error).toBe(
      `127.0.0.1:${new URL(silentBase).port} accepted the connection but sent nothing (${silentBase}train-images-idx3-ubyte.gz: ` +
        `no response within 0.15s, ${MAX_SILENT_ATTEMPTS} attempts); try again later, or import the files with --source <folder-or-mirror-url>`,
    );
    expect(outcomes[1].error).toMatch(/^skipped: 127\.0\.0\.1:\d+ sent nothing on an earlier file/);
    expect(unreachableSummary(outcomes)).toMatch(/^nothing was downloaded: train-images-idx3-ubyte\.gz: 127\.0\.0\.1:\d+ accepted the connection but sent nothing/);
    expect(readdirSync(dir)).toEqual([]); // no .part, so no word about one
  });

  it('obtainFile throws SilentHostError naming the host', async () => {
    const err = await failure(obtainFile({ ...fileSpec('good'), url: `${silentBase}x.gz` }, spec, { dataDir: tempDir(), retries: 0, stallTimeoutMs: 100 }));
    expect(err).toBeInstanceOf(SilentHostError);
    expect((err as SilentHostError).host).toBe(new URL(silentBase).host);
  });

  it('`download` ends with one line saying nothing was downloaded (stall limit from KMNIST_LAB_STALL_SECONDS)', async () => {
    const dir = tempDir();
    const r = await runCli(['download', '--dataset', 'kmnist', '--source', silentBase, '--data-dir', dir, '--retries', '1'], {
      env: { ...process.env, KMNIST_LAB_STALL_SECONDS: '0.2' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^kmnist-lab: nothing was downloaded: train-images-idx3-ubyte\.gz: 127\.0\.0\.1:\d+ accepted the connection but sent nothing .*no response within 0\.2s, 2 attempts\)/);
    expect(r.stderr + r.stdout).not.toMatch(/\.part/);
    expect(r.stdout).not.toMatch(/FAILED/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
