// Every GPU buffer the engine uses, made once at compile time and freed together. Slices of one buffer
// start at 256-byte boundaries, WebGPU's minStorageBufferOffsetAlignment, so any slice can be bound alone.

/** A byte range of a buffer, as bound in a bind group entry. */
export interface Slice {
  readonly buffer: GPUBuffer;
  /** Bytes from the buffer's start; a multiple of SLICE_ALIGN. */
  readonly offset: number;
  /** Bytes. */
  readonly size: number;
}

/** WebGPU's default (and maximum) minStorageBufferOffsetAlignment / minUniformBufferOffsetAlignment. */
export const SLICE_ALIGN = 256;

export const alignUp = (n: number, a: number = SLICE_ALIGN): number => Math.ceil(n / a) * a;

/** GPUBufferUsage's values, without needing the global (Dawn installs it in Node only once loaded). */
export const USAGE = { MAP_READ: 0x01, COPY_SRC: 0x04, COPY_DST: 0x08, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const STORAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/** Owns buffers; `storage(label, bytes)` is the common case (read/write storage, copyable both ways). */
export class Arena {
  private readonly owned: GPUBuffer[] = [];
  /** Bytes allocated so far. */
  bytes = 0;

  constructor(private readonly device: GPUDevice) {}

  buffer(label: string, bytes: number, usage: number): GPUBuffer {
    // WebGPU rejects zero-size bindings; 4-byte multiples for writeBuffer/copies.
    const size = alignUp(Math.max(bytes, 4), 4);
    const b = this.device.createBuffer({ label, size, usage });
    this.owned.push(b);
    this.bytes += size;
    return b;
  }

  storage(label: string, bytes: number): GPUBuffer {
    return this.buffer(label, bytes, STORAGE);
  }

  /** One storage buffer holding `sizes` (bytes) back to back, each slice starting at SLICE_ALIGN. */
  packed(label: string, sizes: readonly number[]): { buffer: GPUBuffer; slices: Slice[] } {
    let offset = 0;
    const offsets = sizes.map((s) => {
      const at = offset;
      offset = alignUp(at + Math.max(s, 4));
      return at;
    });
    const buffer = this.storage(label, offset);
    return { buffer, slices: sizes.map((size, i) => ({ buffer, offset: offsets[i], size: Math.max(size, 4) })) };
  }

  destroy(): void {
    for (const b of this.owned.splice(0)) b.destroy();
    this.bytes = 0;
  }
}

/** A whole buffer as a slice. */
export const whole = (buffer: GPUBuffer): Slice => ({ buffer, offset: 0, size: buffer.size });
