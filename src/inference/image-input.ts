// What `predict` reads: a PNG or JPEG file (decoded by pngjs / jpeg-js, then prepared as the drawing page
// prepares a drawing), a folder of them, or an idx image file (dataset format: fed as it is).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { gunzipSync } from 'node:zlib';
import { decodeIdxImages } from '../data/idx.ts';
import { UserError } from '../errors.ts';
import { prepareImage, SIDE, toGray, type FitStyle } from './preprocess.ts';

/** Larger files or images are refused before decoding (a phone photo is ~12 MP). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
export const MAX_MEGAPIXELS = 50;

export interface InputImage {
  /** File name, or `file#index` for an image of an idx file. */
  name: string;
  /** height x width, 0..255, white ink on black, the model's input size. */
  pixels: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const startsWith = (buf: Uint8Array, magic: number[]): boolean => magic.every((b, i) => buf[i] === b);

interface Decoded {
  gray: Uint8Array;
  width: number;
  height: number;
}

function checkSize(file: string, width: number, height: number): void {
  if (width < 1 || height < 1) throw new UserError(`${file}: the image is empty (${width}x${height} pixels)`);
  if ((width * height) / 1e6 > MAX_MEGAPIXELS) {
    throw new UserError(`${file}: ${width}x${height} pixels is too large (over ${MAX_MEGAPIXELS} megapixels); scale it down first`);
  }
}

function decodePng(file: string, bytes: Buffer): Decoded {
  // The IHDR chunk (right after the 8-byte signature) gives the size: refuse a huge image before inflating it.
  if (bytes.length >= 24) checkSize(file, bytes.readUInt32BE(16), bytes.readUInt32BE(20));
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw new UserError(`${file}: not a readable PNG image (${(err as Error).message})`);
  }
  checkSize(file, png.width, png.height);
  return { gray: toGray(png.data, png.width, png.height, 4), width: png.width, height: png.height };
}

function decodeJpeg(file: string, bytes: Buffer): Decoded {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
  } catch (err) {
    const message = (err as Error).message;
    if (/maxResolutionInMP|maxMemoryUsage/.test(message)) throw new UserError(`${file}: the image is too large (over ${MAX_MEGAPIXELS} megapixels); scale it down first`);
    throw new UserError(`${file}: not a readable JPEG image (${message})`);
  }
  checkSize(file, img.width, img.height);
  return { gray: toGray(img.data, img.width, img.height, 4), width: img.width, height: img.height };
}

function readBytes(file: string): Buffer {
  const size = statSync(file).size;
  if (size === 0) throw new UserError(`${file}: empty file, not an image`);
  if (size > MAX_FILE_BYTES) throw new UserError(`${file}: ${(size / 1e6).toFixed(0)} MB is too large for an image file (limit ${MAX_FILE_BYTES / 1e6} MB)`);
  return readFileSync(file);
}

/** One PNG or JPEG file as the model's input (`side` x `side`, default 28x28). UserError naming the file when it is not one. */
export function readImageFile(file: string, style: FitStyle = 'kmnist', side = SIDE): InputImage {
  const bytes = readBytes(file);
  let decoded: Decoded;
  if (startsWith(bytes, PNG_MAGIC)) decoded = decodePng(file, bytes);
  else if (startsWith(bytes, JPEG_MAGIC)) decoded = decodeJpeg(file, bytes);
  else throw new UserError(`${file}: not a PNG or JPEG image`);
  return { name: file, pixels: prepareImage(decoded.gray, decoded.width, decoded.height, style, side) };
}

/** Every image of an idx3 file (optionally gzipped), as they are: dataset images need no preparation. */
export function readIdxFile(file: string): { images: InputImage[]; height: number; width: number } {
  let bytes: Uint8Array = readBytes(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new UserError(`${file}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  const { images, count, height, width } = decodeIdxImages(bytes, file);
  const px = height * width;
  return {
    images: Array.from({ length: count }, (_, i) => ({ name: `${file}#${i}`, pixels: images.subarray(i * px, (i + 1) * px) })),
    height,
    width,
  };
}

const isIdx = (file: string): boolean => /idx\d?-ubyte(\.gz)?$|\.idx\d?(\.gz)?$/.test(file);

export interface ReadInputsResult {
  images: InputImage[];
  height: number;
  width: number;
  /** Files of a folder that could not be read, one clear line each (the others are still predicted). */
  skipped: string[];
}

/**
 * The images a path names: an image file, an idx file, or a folder of image files (sorted by name; bad
 * files are skipped with a line each). UserError when nothing can be read.
 */
export function readInputs(path: string, style: FitStyle = 'kmnist', side = SIDE): ReadInputsResult {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UserError(`${path}: no such file or folder`);
  }
  if (stat.isDirectory()) {
    const files = readdirSync(path)
      .filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()))
      .sort()
      .map((f) => join(path, f));
    if (files.length === 0) throw new UserError(`${path}: no ${IMAGE_EXTENSIONS.join(', ')} files in this folder`);
    const images: InputImage[] = [];
    const skipped: string[] = [];
    for (const f of files) {
      try {
        images.push(readImageFile(f, style, side));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        skipped.push(err.message);
      }
    }
    if (images.length === 0) throw new UserError(`${path}: none of its ${files.length} image files could be read (${skipped[0]})`);
    return { images, height: side, width: side, skipped };
  }
  if (isIdx(path)) return { ...readIdxFile(path), skipped: [] };
  return { images: [readImageFile(path, style, side)], height: side, width: side, skipped: [] };
}
