// The dataset registry: where each dataset lives officially, what its files should hash to, how it is scored.
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import type { DatasetName } from './types.ts';

export type DataFormat = 'idx' | 'npz' | 'tar';
export type FileRole = 'train-images' | 'train-labels' | 'test-images' | 'test-labels' | 'classmap' | 'archive';

export interface DataFileSpec {
  name: string;
  role: FileRole;
  url: string;
  /** Size as downloaded, when known (used for progress when the server sends no length). */
  bytes?: number;
  /** md5 of the file as downloaded from the official source. */
  md5?: string;
  /** For .gz files: size and md5 of the uncompressed content, when known (checks re-compressed copies). */
  contentBytes?: number;
  contentMd5?: string;
}

export interface DatasetSpec {
  name: DatasetName;
  title: string;
  numClasses: number;
  height: number;
  width: number;
  /** Headline metric: K49 is imbalanced, so it is scored by balanced accuracy. */
  metric: 'accuracy' | 'balanced-accuracy';
  /** Formats in order of preference when loading; the first is the download default. */
  formats: Partial<Record<DataFormat, DataFileSpec[]>>;
  /** Files shared by every format (the class map). */
  extras: DataFileSpec[];
  /** Class map file name read by the loader when present. */
  classMapFile?: string;
  /** Built-in display names when the dataset has no class map. */
  builtinNames?: string[];
  license: string;
  homepage: string;
}

const KMNIST_BASE = 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/';
const K49_BASE = 'http://codh.rois.ac.jp/kmnist/dataset/k49/';
const KKANJI_BASE = 'http://codh.rois.ac.jp/kmnist/dataset/kkanji/';
const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const MNIST_BASE = 'https://storage.googleapis.com/cvdf-datasets/mnist/';

/** The four MNIST-format (.gz) files of a dataset, with their md5s in role order. */
function idxFiles(
  base: string,
  md5: [string, string, string, string],
  bytes?: [number, number, number, number],
  content?: { bytes?: [number, number, number, number]; md5: [string | undefined, string | undefined, string | undefined, string | undefined] },
): DataFileSpec[] {
  const names: [string, FileRole][] = [
    ['train-images-idx3-ubyte.gz', 'train-images'],
    ['train-labels-idx1-ubyte.gz', 'train-labels'],
    ['t10k-images-idx3-ubyte.gz', 'test-images'],
    ['t10k-labels-idx1-ubyte.gz', 'test-labels'],
  ];
  return names.map(([name, role], i) => ({
    name,
    role,
    url: base + name,
    md5: md5[i],
    ...(bytes ? { bytes: bytes[i] } : {}),
    ...(content?.bytes ? { contentBytes: content.bytes[i] } : {}),
    ...(content?.md5[i] ? { contentMd5: content.md5[i] } : {}),
  }));
}

function npzFiles(base: string, prefix: string, md5: { trainImgs: string; trainLabels: string; testImgs: string; testLabels: string }): DataFileSpec[] {
  const f = (suffix: string, role: FileRole, sum: string): DataFileSpec => ({
    name: `${prefix}-${suffix}.npz`,
    role,
    url: `${base}${prefix}-${suffix}.npz`,
    md5: sum,
  });
  return [
    f('train-imgs', 'train-images', md5.trainImgs),
    f('train-labels', 'train-labels', md5.trainLabels),
    f('test-imgs', 'test-images', md5.testImgs),
    f('test-labels', 'test-labels', md5.testLabels),
  ];
}

const MNIST_IMAGE_BYTES = (n: number): number => 16 + n * 28 * 28;
const MNIST_LABEL_BYTES = (n: number): number => 8 + n;
const STANDARD_CONTENT_BYTES: [number, number, number, number] = [
  MNIST_IMAGE_BYTES(60000),
  MNIST_LABEL_BYTES(60000),
  MNIST_IMAGE_BYTES(10000),
  MNIST_LABEL_BYTES(10000),
];

export const DATASETS: Record<DatasetName, DatasetSpec> = {
  kmnist: {
    name: 'kmnist',
    title: 'Kuzushiji-MNIST (KMNIST, 10 classes)',
    numClasses: 10,
    height: 28,
    width: 28,
    metric: 'accuracy',
    formats: {
      idx: idxFiles(
        KMNIST_BASE,
        ['bdb82020997e1d708af4cf47b453dcf7', 'e144d726b3acfaa3e44228e80efcd344', '5c965bf0a639b31b8f53240b1b52f4d7', '7320c461ea6c1c855c0b718fb2a4b134'],
        [18165135, 29497, 3041136, 5120],
        {
          bytes: STANDARD_CONTENT_BYTES,
          md5: ['92be26ec9822e900ac425d0a0aa84ced', '949e75301f8813e0dc5800dcc320fc52', 'bf305b8cd328700fbc17f5acbc2856d2', '9f55f451c0988b028eccdf7d5cc265ab'],
        },
      ),
      npz: npzFiles(KMNIST_BASE, 'kmnist', {
        trainImgs: 'a183fbc01ed9a345513b145673d3d0bb',
        trainLabels: 'b0e1d240e8afec72b50437fc3bc5908a',
        testImgs: 'dace6de62ca8b90843cc45366337d02e',
        testLabels: '3ae489a79983d0fe386152684e3b5412',
      }),
    },
    extras: [{ name: 'kmnist_classmap.csv', role: 'classmap', url: `${KMNIST_BASE}kmnist_classmap.csv`, bytes: 151, md5: '899202f6e8dc29a321ac210a03d0f2f1' }],
    classMapFile: 'kmnist_classmap.csv',
    license: 'CC BY-SA 4.0 — "KMNIST Dataset" (created by CODH), adapted from "Kuzushiji Dataset" (created by NIJL and others), doi:10.20676/00000341',
    homepage: 'http://codh.rois.ac.jp/kmnist/',
  },
  k49: {
    name: 'k49',
    title: 'Kuzushiji-49 (K49, 49 classes, imbalanced)',
    numClasses: 49,
    height: 28,
    width: 28,
    metric: 'balanced-accuracy',
    formats: {
      npz: npzFiles(K49_BASE, 'k49', {
        trainImgs: '7ac088b20481cf51dcd01ceaab89d821',
        trainLabels: '44a8e1b893f81e63ff38d73cad420f7a',
        testImgs: 'd352e201d846ce6b94f42c990966f374',
        testLabels: '4da6f7a62e67a832d5eb1bd85c5ee448',
      }),
    },
    extras: [{ name: 'k49_classmap.csv', role: 'classmap', url: `${K49_BASE}k49_classmap.csv`, bytes: 697, md5: 'f7d0d0391f68bdf0fe4cf160ceb85753' }],
    classMapFile: 'k49_classmap.csv',
    license: 'CC BY-SA 4.0 — "KMNIST Dataset" (created by CODH), adapted from "Kuzushiji Dataset" (created by NIJL and others), doi:10.20676/00000341',
    homepage: 'http://codh.rois.ac.jp/kmnist/',
  },
  kkanji: {
    name: 'kkanji',
    title: 'Kuzushiji-Kanji (3832 classes, 64x64, no official split)',
    numClasses: 3832,
    height: 64,
    width: 64,
    metric: 'accuracy',
    formats: {
      tar: [{ name: 'kkanji.tar', role: 'archive', url: `${KKANJI_BASE}kkanji.tar` }],
    },
    extras: [],
    license: 'CC BY-SA 4.0 — "KMNIST Dataset" (created by CODH), adapted from "Kuzushiji Dataset" (created by NIJL and others), doi:10.20676/00000341',
    homepage: 'http://codh.rois.ac.jp/kmnist/',
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (10 classes)',
    numClasses: 10,
    height: 28,
    width: 28,
    metric: 'accuracy',
    formats: {
      idx: idxFiles(
        FASHION_BASE,
        ['8d4fb7e6c68d591d4c3dfef9ec88bf0d', '25c81989df183df01b3e8a0aad5dffbe', 'bef4ecab320f06d8554ea6380940ec79', 'bb300cfdad3c16e7a12a480ee83cd310'],
        undefined,
        {
          bytes: STANDARD_CONTENT_BYTES,
          md5: ['f4a8712d7a061bf5bd6d2ca38dc4d50a', '9018921c3c673c538a1fc5bad174d6f9', '8181f5470baa50b63fa0f6fddb340f0a', '15d484375f8d13e6eb1aabb0c3f46965'],
        },
      ),
    },
    extras: [],
    builtinNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    license: 'MIT — Copyright 2017 Zalando SE',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST handwritten digits (10 classes)',
    numClasses: 10,
    height: 28,
    width: 28,
    metric: 'accuracy',
    formats: {
      idx: idxFiles(
        MNIST_BASE,
        ['f68b3c2dcbeaaa9fbdd348bbdeb94873', 'd53e105ee54ea40749a09fcbcd1e9432', '9fb629c4189551a2d022fa330f9573f3', 'ec29112dd5afa0611ce80d1b7f02629c'],
        [9912422, 28881, 1648877, 4542],
        { bytes: STANDARD_CONTENT_BYTES, md5: [undefined, undefined, undefined, undefined] },
      ),
    },
    extras: [],
    builtinNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    license: 'Creative Commons Attribution-Share Alike 3.0 — Yann LeCun, Corinna Cortes, Christopher J.C. Burges',
    homepage: 'http://yann.lecun.com/exdb/mnist/',
  },
};

/** Class maps published with the datasets, used when the folder holds no class map csv. */
export const BUILTIN_CLASS_CHARS: Partial<Record<DatasetName, { codepoints: string[]; chars: string[] }>> = {
  kmnist: charsFromString('おきすつなはまやれを'),
  k49: charsFromString('あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわゐゑをんゝ'),
};

function charsFromString(s: string): { codepoints: string[]; chars: string[] } {
  const chars = [...s];
  return { chars, codepoints: chars.map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`) };
}

export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}

/** The spec of a dataset; an unknown name is a user error that lists the known ones. */
export function getDatasetSpec(name: string): DatasetSpec {
  if (!isDatasetName(name)) {
    throw new UserError(`--dataset: unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  }
  return DATASETS[name];
}

/** Where a dataset lives by default: ./data/<name>, relative to the working directory. */
export function defaultDataDir(name: DatasetName): string {
  return `./${join('data', name)}`;
}

/** Every file the download of one format fetches: the format's files plus the shared extras. */
export function filesFor(spec: DatasetSpec, format: DataFormat): DataFileSpec[] {
  const files = spec.formats[format];
  if (!files) {
    throw new UserError(`--format: ${spec.name} has no '${format}' format (available: ${Object.keys(spec.formats).join(', ')})`);
  }
  return [...files, ...spec.extras];
}

export function formatsOf(spec: DatasetSpec): DataFormat[] {
  return Object.keys(spec.formats) as DataFormat[];
}
