// Verifies a downloaded/imported file: the official md5, or — for re-compressed copies, only when the user
// asks — the md5 of the uncompressed content, or its structure when no content md5 is known.
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../errors.ts';
import { parseClassMap } from './classmap.ts';
import { gunzipNamed } from './gzip.ts';
import { parseIdx, checkLabels } from './idx.ts';
import { readKkanjiTar } from './kkanji.ts';
import { md5Buffer, md5File } from './md5.ts';
import { npyImages, npyLabels, readNpzArray } from './npz.ts';
import type { DataFileSpec, DatasetSpec } from './registry.ts';

export interface Verified {
  /** How the file was checked, for the user: "md5", "content md5 (re-compressed copy)", "structure". */
  by: string;
  md5: string;
}

/** Structural validation of a file's content (the loaders' checks), for files with no known md5. */
export async function checkStructure(path: string, file: DataFileSpec, spec: DatasetSpec, raw?: Uint8Array): Promise<void> {
  const name = file.name;
  if (file.role === 'archive') {
    await readKkanjiTar(path);
    return;
  }
  const bytes = raw ?? (await readFile(path));
  if (file.role === 'classmap') {
    parseClassMap(Buffer.from(bytes).toString('utf8'), path, spec.numClasses);
  } else if (name.endsWith('.npz')) {
    const arr = readNpzArray(bytes, path);
    if (file.role.endsWith('images')) npyImages(arr, path);
    else npyLabels(arr, path, spec.numClasses);
  } else {
    const content = name.endsWith('.gz') ? gunzipNamed(bytes, path) : bytes;
    if (file.contentBytes !== undefined && content.length !== file.contentBytes) {
      throw new UserError(`${path}: content is ${content.length} bytes, expected ${file.contentBytes}`);
    }
    const { data } = parseIdx(content, path, file.role.endsWith('images') ? 3 : 1);
    if (file.role.endsWith('labels')) checkLabels(Int32Array.from(data), path, spec.numClasses);
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(512);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Checks the file at `path`; messages name `label` (the source the user knows, not our temp file). */
export async function verifyFile(path: string, file: DataFileSpec, spec: DatasetSpec, acceptRecompressed: boolean, label = path): Promise<Verified> {
  try {
    return await verifyAt(path, file, spec, acceptRecompressed, label);
  } catch (err) {
    if (err instanceof UserError && label !== path) throw new UserError(err.message.split(path).join(label));
    throw err;
  }
}

/**
 * Whether `bytes` start like an HTML document (after optional whitespace and a UTF-8 byte-order mark):
 * what an error, login or captive-portal page served with status 200 looks like. No dataset file does.
 */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  return /^<(!doctype html|html|head|body|!--)/.test(head);
}

/** A web page where a data file belongs: no flag can make it the file, so the message names the source. */
function webPageError(path: string, file: DataFileSpec, label: string): UserError {
  const fromServer = /^https?:\/\//i.test(label);
  return new UserError(
    fromServer
      ? `${label}: the server sent a web page (HTML), not the file ${file.name}; check the URL or --source base in a browser (an error, login or captive-portal page?)`
      : `${path}: is a web page (HTML), not the file ${file.name}; replace it with the real file`,
  );
}

async function verifyAt(path: string, file: DataFileSpec, spec: DatasetSpec, acceptRecompressed: boolean, label: string): Promise<Verified> {
  const head = await readHead(path);
  if (looksLikeHtml(head)) throw webPageError(path, file, label);
  if (!file.md5) {
    await checkStructure(path, file, spec);
    return { by: 'structure (no official md5 known)', md5: await md5File(path) };
  }
  const raw = await readFile(path);
  const md5 = md5Buffer(raw);
  if (md5 === file.md5) return { by: 'md5', md5 };
  if (!acceptRecompressed) {
    throw new UserError(
      `${path}: md5 ${md5} differs from the official ${file.md5} for ${basename(file.name)}. ` +
        `If it is a re-compressed copy of the same data, rerun with --accept-recompressed to check its content instead`,
    );
  }
  if (file.name.endsWith('.gz') && file.contentMd5) {
    const content = gunzipNamed(raw, path);
    const contentMd5 = md5Buffer(content);
    if (contentMd5 !== file.contentMd5) {
      throw new UserError(`${path}: uncompressed content md5 ${contentMd5} differs from the official ${file.contentMd5}: not the official data`);
    }
    return { by: 'content md5 (re-compressed copy)', md5 };
  }
  await checkStructure(path, file, spec, raw);
  return { by: 'structure only (md5 differs; no official content md5 to compare)', md5 };
}
