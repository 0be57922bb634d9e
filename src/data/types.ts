// The in-memory dataset every stage shares. Pixels stay uint8 (60k images = 47 MB); models convert per batch.

export type DatasetName = 'kmnist' | 'k49' | 'kkanji' | 'fashion-mnist' | 'mnist';

/** N images of height x width, row-major, one channel, values 0..255 (0 = background). */
export interface ImageSet {
  images: Uint8Array; // length = count * height * width
  labels: Int32Array; // length = count, values 0..numClasses-1
  count: number;
  height: number;
  width: number;
}

export interface Dataset {
  name: DatasetName;
  /** Folder the files were read from. */
  dataDir: string;
  numClasses: number;
  /** One display label per class, e.g. "お (U+304A)"; from the class map when present. */
  classNames: string[];
  /** The modern character per class when the class map gives one (kmnist, k49, kkanji). */
  classChars?: string[];
  train: ImageSet;
  test: ImageSet;
  /** md5 of each file read, keyed by file name: recorded in every run's config.json. */
  fileMd5: Record<string, string>;
  /** Which file format was read ('idx' | 'npz' | 'tar'). */
  format?: 'idx' | 'npz' | 'tar';
}
