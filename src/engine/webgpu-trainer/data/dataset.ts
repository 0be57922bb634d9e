// The training set on the GPU, uploaded once: pixels as bytes packed four to a u32 (the set's own uint8
// layout, a quarter of float32's size), labels as u32, and the epoch's order buffer (written once an epoch).
import { USAGE } from '../arena.ts';
import type { TrainerContext } from '../context.ts';

/** Images, as ImageSet holds them (count x height x width bytes, row-major) with their labels. */
export interface GpuImageSource {
  images: Uint8Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
}

export interface GpuDataset {
  readonly images: GPUBuffer;
  readonly labels: GPUBuffer;
  /** u32 indices into the set; capacity `orderCapacity`. */
  readonly order: GPUBuffer;
  readonly orderCapacity: number;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Uploads `set` (3 writeBuffers). `orderCapacity`: the longest epoch order it will be given (images an
 * epoch, i.e. count x augment factor).
 */
export function uploadDataset(ctx: TrainerContext, set: GpuImageSource, orderCapacity: number): GpuDataset {
  const bytes = set.count * set.height * set.width;
  if (set.images.length < bytes) throw new Error(`uploadDataset: ${set.images.length} pixel bytes for ${set.count} images of ${set.height}x${set.width}`);
  const padded = new Uint8Array(Math.ceil(bytes / 4) * 4);
  padded.set(set.images.subarray(0, bytes));
  const images = ctx.arena.buffer('dataset images', padded.byteLength, USAGE.STORAGE | USAGE.COPY_DST);
  ctx.device.queue.writeBuffer(images, 0, padded);
  const labels = ctx.arena.buffer('dataset labels', set.count * 4, USAGE.STORAGE | USAGE.COPY_DST);
  ctx.device.queue.writeBuffer(labels, 0, Uint32Array.from(set.labels.subarray(0, set.count)));
  const order = ctx.arena.buffer('epoch order', orderCapacity * 4, USAGE.STORAGE | USAGE.COPY_DST);
  return { images, labels, order, orderCapacity, count: set.count, height: set.height, width: set.width };
}

/** Writes an epoch's order (one writeBuffer). Throws if it is longer than the capacity. */
export function writeOrder(ctx: TrainerContext, data: GpuDataset, order: Int32Array): void {
  if (order.length > data.orderCapacity) throw new Error(`writeOrder: ${order.length} indices, capacity ${data.orderCapacity}`);
  ctx.device.queue.writeBuffer(data.order, 0, Uint32Array.from(order));
}
