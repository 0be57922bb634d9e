// Gets a dataset's files into its data folder: from the official URL, a mirror or a local folder (--source),
// always through <name>.part → verify → rename, so a file with the final name is always a verified one.
import { existsSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { fetchToPart, hostOf, OfflineError, SilentHostError, silentProgress, type ProgressSink } from './fetch-file.ts';
import { formatBytes } from './progress.ts';
import { filesFor, getDatasetSpec, type DataFileSpec, type DataFormat, type DatasetSpec } from './registry.ts';
import type { DatasetName } from './types.ts';
import { verifyFile } from './verify.ts';

export interface ObtainOptions {
  dataDir: string;
  /** A folder or a base URL holding files with the official names. */
  source?: string;
  acceptRecompressed?: boolean;
  retries?: number;
  backoffMs?: number;
  stallTimeoutMs?: number;
  progress?: ProgressSink;
  log?: (line: string) => void;
  /** Hosts that sent nothing on an earlier request: not asked again (obtainFile adds to it). */
  silentHosts?: Set<string>;
}

export interface FileOutcome {
  name: string;
  status: 'present' | 'downloaded' | 'imported' | 'failed';
  /** How it was verified (md5, content md5, structure). */
  verifiedBy?: string;
  from?: string;
  error?: string;
  /** The network is unreachable: the remaining files were not tried. */
  offline?: boolean;
  /** Its host accepted the connection and sent nothing: the other files on that host were not tried. */
  silent?: boolean;
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** Where a file comes from: the --source folder/URL when given, else the official URL. */
export function resolveSource(file: DataFileSpec, source: string | undefined): { kind: 'url' | 'file'; from: string } {
  if (!source) return { kind: 'url', from: file.url };
  if (isUrl(source)) return { kind: 'url', from: source.replace(/\/*$/, '/') + file.name };
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new UserError(`--source ${source} is neither an http(s) base URL nor an existing folder`);
  }
  return { kind: 'file', from: join(source, file.name) };
}

/** Makes `<dataDir>/<file.name>` a verified copy of the file; throws UserError when it cannot. */
export async function obtainFile(file: DataFileSpec, spec: DatasetSpec, opts: ObtainOptions): Promise<FileOutcome> {
  const log = opts.log ?? (() => {});
  const accept = opts.acceptRecompressed ?? false;
  const dest = join(opts.dataDir, file.name);
  const part = `${dest}.part`;
  if (existsSync(dest)) {
    try {
      const v = await verifyFile(dest, file, spec, accept);
      return { name: file.name, status: 'present', verifiedBy: v.by, from: dest };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      log(`${dest} is present but fails verification (${err.message}); getting it again`);
    }
  }
  const src = resolveSource(file, opts.source);
  await mkdir(opts.dataDir, { recursive: true });
  if (src.kind === 'file') {
    if (!existsSync(src.from)) {
      const official = `${file.bytes ? `${formatBytes(file.bytes)}, ` : ''}official URL ${file.url}`;
      throw new UserError(`${file.name} is not in --source ${opts.source} (${official})`);
    }
    await copyFile(src.from, part);
    await chmod(part, 0o644); // a read-only source must not make our copy read-only

  } else {
    const host = hostOf(src.from);
    if (opts.silentHosts?.has(host)) throw new SilentHostError(host, `skipped: ${host} sent nothing on an earlier file (see above)`);
    try {
      await fetchToPart(src.from, part, {
      retries: opts.retries,
      backoffMs: opts.backoffMs,
      stallTimeoutMs: opts.stallTimeoutMs,
      progress: opts.progress ?? silentProgress,
      label: file.name,
      expectedBytes: file.bytes,
      });
    } catch (err) {
      if (err instanceof SilentHostError) opts.silentHosts?.add(err.host);
      throw err;
    }
  }
  let by: string;
  try {
    by = (await verifyFile(part, file, spec, accept, src.from)).by;
  } catch (err) {
    // A .part that failed verification must not be resumed later: its bytes are wrong.
    await unlink(part).catch(() => {});
    throw err;
  }
  await rename(part, dest);
  return { name: file.name, status: src.kind === 'file' ? 'imported' : 'downloaded', verifiedBy: by, from: src.from };
}

export interface DownloadOptions extends ObtainOptions {
  dataset: DatasetName;
  format: DataFormat;
}

/** Fetches every file of one format (plus the class map); one failure does not stop the others, offline does. */
export async function downloadDataset(opts: DownloadOptions): Promise<FileOutcome[]> {
  const spec = getDatasetSpec(opts.dataset);
  const files = filesFor(spec, opts.format);
  if (opts.source) resolveSource(files[0], opts.source); // a bad --source fails before anything else
  const outcomes: FileOutcome[] = [];
  const silentHosts = opts.silentHosts ?? new Set<string>();
  let offline: string | undefined;
  for (const file of files) {
    if (offline) {
      outcomes.push({ name: file.name, status: 'failed', error: 'skipped: offline (see above)' });
      continue;
    }
    try {
      outcomes.push(await obtainFile(file, spec, { ...opts, silentHosts }));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (err instanceof OfflineError) offline = err.message;
      outcomes.push({
        name: file.name,
        status: 'failed',
        error: err.message,
        ...(offline ? { offline: true } : {}),
        ...(err instanceof SilentHostError ? { silent: true } : {}),
      });
    }
  }
  return outcomes;
}

/**
 * The one line for a download that got nothing because the network or a host let it down (offline,
 * silent host), naming the first such failure; undefined when the failures are the files' own.
 */
export function unreachableSummary(outcomes: readonly FileOutcome[]): string | undefined {
  const cause = outcomes.find((o) => o.offline) ?? outcomes.find((o) => o.silent && !o.error?.startsWith('skipped:'));
  if (!cause) return undefined;
  const got = outcomes.filter((o) => o.status === 'downloaded' || o.status === 'imported').length;
  const missing = outcomes.filter((o) => o.status === 'failed').length;
  const head = got === 0 ? 'nothing was downloaded' : `${missing} of ${outcomes.length} files not downloaded`;
  return `${head}: ${cause.name}: ${cause.error}`;
}
