// Reading GPU buffers back to the CPU: a staging buffer made once per reader and reused, so reading the
// loss every N steps or the weights once an epoch creates no buffer.
import { USAGE, type Slice } from './arena.ts';
import type { TrainerContext } from './context.ts';

/** GPUMapMode.READ (without the global). */
const MAP_MODE_READ = 0x1;

export class Reader {
  private readonly staging: GPUBuffer;

  /** `capacity`: the largest read, in bytes. */
  constructor(
    private readonly ctx: TrainerContext,
    label: string,
    readonly capacity: number,
  ) {
    this.staging = ctx.arena.buffer(`${label} staging`, capacity, USAGE.MAP_READ | USAGE.COPY_DST);
  }

  /** Copies `slices` back to back into the staging buffer (one submit), maps it and returns a copy of the bytes. */
  async read(slices: readonly Slice[]): Promise<ArrayBuffer> {
    const total = slices.reduce((n, s) => n + s.size, 0);
    if (total > this.capacity) throw new Error(`Reader: ${total} bytes asked, capacity ${this.capacity}`);
    const encoder = this.ctx.device.createCommandEncoder();
    let at = 0;
    for (const s of slices) {
      encoder.copyBufferToBuffer(s.buffer, s.offset, this.staging, at, s.size);
      at += s.size;
    }
    this.ctx.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(MAP_MODE_READ, 0, alignedSize(total));
    const copy = this.staging.getMappedRange(0, alignedSize(total)).slice(0, total);
    this.staging.unmap();
    return copy;
  }

  async readF32(slice: Slice): Promise<Float32Array> {
    return new Float32Array(await this.read([slice]));
  }
}

/** mapAsync ranges are multiples of 4 bytes (and 8 for offsets); copies are multiples of 4. */
const alignedSize = (n: number): number => Math.max(4, Math.ceil(n / 4) * 4);
