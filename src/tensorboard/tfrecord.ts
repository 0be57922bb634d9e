// TFRecord framing, the container of TensorBoard event files (tensorflow/core/lib/io/record_writer.cc):
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
// CRC-32C (Castagnoli) from the crc-32 package; the mask is TensorFlow's (crc32c.h: Mask).
import CRC32C from 'crc-32/crc32c';
import { UserError } from '../errors.ts';

const MASK_DELTA = 0xa282ead8;

/** CRC-32C of `bytes` as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  return CRC32C.buf(bytes) >>> 0;
}

/** TensorFlow's masked CRC: rotate right by 15 bits, add 0xa282ead8 (mod 2^32). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** One record: header, data, footer. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Every record's data, both CRCs checked. UserError naming `file` for a truncated record or a CRC mismatch
 * (a torn last record, from a killed writer, is reported too: the caller decides).
 */
export function decodeRecords(bytes: Uint8Array, file: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new UserError(`${file}: truncated record header at byte ${at}`);
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) throw new UserError(`${file}: length CRC mismatch at byte ${at}`);
    const start = at + 12;
    if (start + length + 4 > bytes.length) throw new UserError(`${file}: truncated record at byte ${at} (${length} bytes announced)`);
    const data = bytes.subarray(start, start + length);
    if (view.getUint32(start + length, true) !== maskedCrc32c(data)) throw new UserError(`${file}: data CRC mismatch in the record at byte ${at}`);
    records.push(data);
    at = start + length + 4;
  }
  return records;
}
