// loadDataset: finds a dataset's files in a folder (idx .gz or plain, .npz, or kkanji.tar), validates
// their structure and returns uint8 images + int labels. md5s are recorded, not checked (that is download's job).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFileNamed } from './read-file.ts';
import { basename, join } from 'node:path';
import { UserError } from '../errors.ts';
import { displayNames, parseClassMap, type ClassMap } from './classmap.ts';
import { readMaybeGzip } from './gzip.ts';
import { decodeIdxImages, decodeIdxLabels } from './idx.ts';
import { readKkanjiTar } from './kkanji.ts';
import { md5Buffer } from './md5.ts';
import { npyImages, npyLabels, readNpzArray } from './npz.ts';
import { BUILTIN_CLASS_CHARS, defaultDataDir, getDatasetSpec, type DataFileSpec, type DataFormat, type DatasetSpec, type FileRole } from './registry.ts';
import { stratifiedTrainTest } from './splits.ts';
import type { Dataset, DatasetName, ImageSet } from './types.ts';

/** kkanji has no official split: 20% of each class is held out as test, always with this seed. */
export const KKANJI_TEST_FRACTION = 0.2;
export const KKANJI_SPLIT_SEED = 20190101;

type SplitRoles = Exclude<FileRole, 'classmap' | 'archive'>;
const ROLES: SplitRoles[] = ['train-images', 'train-labels', 'test-images', 'test-labels'];

interface Located {
  format: DataFormat;
  paths: Partial<Record<SplitRoles, string>>;
  missing: string[];
}

/** idx files load with or without .gz; npz and tar by their exact name. */
function candidates(file: DataFileSpec, format: DataFormat): string[] {
  if (format !== 'idx') return [file.name];
  const plain = file.name.replace(/\.gz$/, '');
  return [file.name, plain];
}

function locate(spec: DatasetSpec, dataDir: string, format: DataFormat): Located {
  const paths: Partial<Record<SplitRoles, string>> = {};
  const missing: string[] = [];
  for (const file of spec.formats[format] ?? []) {
    if (file.role === 'classmap' || file.role === 'archive') continue;
    const found = candidates(file, format)
      .map((n) => join(dataDir, n))
      .find((p) => existsSync(p));
    if (found) paths[file.role] = found;
    else missing.push(file.name);
  }
  return { format, paths, missing };
}

function missingMessage(spec: DatasetSpec, dataDir: string, best: Located | undefined): string {
  const hint =
    `get the full dataset with \`kmnist-lab download --dataset ${spec.name}\` (writes ${defaultDataDir(spec.name)}), ` +
    `or point --data-dir at a folder that holds all of its files`;
  if (!best) {
    const expected = Object.values(spec.formats)
      .map((files) => files.map((f) => f.name).join(', '))
      .join(' or ');
    return `--data-dir ${dataDir}: no ${spec.name} files found (expected ${expected}); ${hint}`;
  }
  const present = Object.values(best.paths).length;
  return `--data-dir ${dataDir}: ${best.missing.join(', ')} ${best.missing.length === 1 ? 'is' : 'are'} missing (found ${present} of 4 ${best.format} files); ${hint}`;
}

async function readImages(path: string, format: DataFormat): Promise<{ set: Omit<ImageSet, 'labels'>; raw: Uint8Array }> {
  if (format === 'npz') {
    const raw = await readFileNamed(path);
    return { set: npyImages(readNpzArray(raw, path), path), raw };
  }
  const { raw, content } = await readMaybeGzip(path);
  return { set: decodeIdxImages(content, path), raw };
}

async function readLabels(path: string, format: DataFormat, numClasses: number): Promise<{ labels: Int32Array; raw: Uint8Array }> {
  if (format === 'npz') {
    const raw = await readFileNamed(path);
    return { labels: npyLabels(readNpzArray(raw, path), path, numClasses), raw };
  }
  const { raw, content } = await readMaybeGzip(path);
  return { labels: decodeIdxLabels(content, path, numClasses), raw };
}

async function readSplit(imagesPath: string, labelsPath: string, format: DataFormat, numClasses: number, md5: Record<string, string>): Promise<ImageSet> {
  const [img, lab] = await Promise.all([readImages(imagesPath, format), readLabels(labelsPath, format, numClasses)]);
  if (img.set.count !== lab.labels.length) {
    throw new UserError(`${imagesPath} holds ${img.set.count} images but ${labelsPath} holds ${lab.labels.length} labels: the counts must agree`);
  }
  md5[basename(imagesPath)] = md5Buffer(img.raw);
  md5[basename(labelsPath)] = md5Buffer(lab.raw);
  return { ...img.set, labels: lab.labels };
}

async function readClassMap(spec: DatasetSpec, dataDir: string, md5: Record<string, string>): Promise<ClassMap | undefined> {
  if (spec.classMapFile) {
    const path = join(dataDir, spec.classMapFile);
    if (existsSync(path)) {
      const raw = await readFileNamed(path);
      md5[spec.classMapFile] = md5Buffer(raw);
      return parseClassMap(raw.toString('utf8'), path, spec.numClasses);
    }
  }
  return BUILTIN_CLASS_CHARS[spec.name];
}

function checkDataDir(spec: DatasetSpec, dataDir: string): void {
  if (!existsSync(dataDir)) {
    throw new UserError(
      `--data-dir ${dataDir} does not exist; get the data with \`kmnist-lab download --dataset ${spec.name} --data-dir ${dataDir}\` or point --data-dir at a ${spec.name} folder`,
    );
  }
  if (!statSync(dataDir).isDirectory()) throw new UserError(`--data-dir ${dataDir} is not a folder`);
  // A folder this user may not list (another user's, mode 0700) hides its files from existsSync: without
  // this the run would say "no files found" instead of naming the permission (EACCES: "cannot list the folder ...").
  readdirSync(dataDir);
}

async function loadKkanji(spec: DatasetSpec, dataDir: string): Promise<Dataset> {
  const name = spec.formats.tar?.[0]?.name ?? 'kkanji.tar';
  const path = join(dataDir, name);
  if (!existsSync(path)) throw new UserError(missingMessage(spec, dataDir, undefined));
  const archive = await readKkanjiTar(path);
  const { train, test } = stratifiedTrainTest(archive.all, KKANJI_TEST_FRACTION, KKANJI_SPLIT_SEED);
  const map = { codepoints: archive.codepoints, chars: archive.chars };
  return {
    name: spec.name,
    dataDir,
    numClasses: archive.codepoints.length,
    classNames: displayNames(map),
    classChars: map.chars,
    train,
    test,
    fileMd5: { [name]: archive.md5 },
    format: 'tar',
  };
}

export async function loadDataset(opts: { dataset: DatasetName; dataDir: string }): Promise<Dataset> {
  const spec = getDatasetSpec(opts.dataset);
  const { dataDir } = opts;
  checkDataDir(spec, dataDir);
  if (spec.formats.tar) return loadKkanji(spec, dataDir);

  const located = (Object.keys(spec.formats) as DataFormat[]).map((f) => locate(spec, dataDir, f));
  const complete = located.find((l) => l.missing.length === 0);
  if (!complete) {
    const partial = located.filter((l) => l.missing.length < ROLES.length).sort((a, b) => a.missing.length - b.missing.length)[0];
    throw new UserError(missingMessage(spec, dataDir, partial));
  }
  const p = complete.paths as Record<SplitRoles, string>;
  const fileMd5: Record<string, string> = {};
  const train = await readSplit(p['train-images'], p['train-labels'], complete.format, spec.numClasses, fileMd5);
  const test = await readSplit(p['test-images'], p['test-labels'], complete.format, spec.numClasses, fileMd5);
  if (train.height !== test.height || train.width !== test.width) {
    throw new UserError(`${dataDir}: training images are ${train.height}x${train.width} but test images are ${test.height}x${test.width}`);
  }
  const map = await readClassMap(spec, dataDir, fileMd5);
  const classNames = map ? displayNames(map) : (spec.builtinNames ?? Array.from({ length: spec.numClasses }, (_, i) => `class ${i}`));
  return {
    name: spec.name,
    dataDir,
    numClasses: spec.numClasses,
    classNames,
    ...(map ? { classChars: map.chars } : {}),
    train,
    test,
    fileMd5,
    format: complete.format,
  };
}
