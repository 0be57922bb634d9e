// TFRecord framing and TensorBoard events, read back per the format's spec.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { EventFileWriter, FILE_VERSION, readEventFile } from '../../src/tensorboard/events.ts';
import { crc32c, decodeRecords, encodeRecord, maskedCrc32c } from '../../src/tensorboard/tfrecord.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-tb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('TFRecord framing', () => {
  it('uses CRC-32C (check value of "123456789" is 0xE3069283) with TensorFlow\'s mask', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    // crc32c.h: ((crc >> 15) | (crc << 17)) + 0xa282ead8, on 32 bits.
    const crc = 0xe3069283;
    const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(expected);
  });

  it('frames records as length | masked CRC | data | masked CRC and reads them back', () => {
    const a = new Uint8Array([1, 2, 3]);
    const rec = encodeRecord(a);
    expect(rec.length).toBe(8 + 4 + 3 + 4);
    const view = new DataView(rec.buffer);
    expect(Number(view.getBigUint64(0, true))).toBe(3);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(rec.subarray(0, 8)));
    expect(view.getUint32(15, true)).toBe(maskedCrc32c(a));
    const both = new Uint8Array([...rec, ...encodeRecord(new Uint8Array(0))]);
    expect(decodeRecords(both, 'f').map((r) => Array.from(r))).toEqual([[1, 2, 3], []]);
  });

  it('names the file when a CRC does not match or a record is cut short', () => {
    const rec = encodeRecord(new Uint8Array([1, 2, 3]));
    const flipped = rec.slice();
    flipped[13] ^= 1;
    expect(() => decodeRecords(flipped, 'events.x')).toThrow(/events\.x: data CRC mismatch/);
    expect(() => decodeRecords(rec.subarray(0, 14), 'events.x')).toThrow(UserError);
  });
});

describe('event files', () => {
  it('start with the file version, hold scalars and text, and decode back', () => {
    const w = new EventFileWriter(join(root, 'train'), 1000.5);
    w.scalars(1, [{ tag: 'epoch_loss', value: 0.25 }], 1001);
    w.text(0, 'model/summary', '    Layer  Params');
    const files = readdirSync(join(root, 'train'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\.1000\./);
    const events = readEventFile(w.path);
    expect(events[0]).toMatchObject({ fileVersion: FILE_VERSION, wallTime: 1000.5 });
    expect(events[1]).toMatchObject({ step: 1, wallTime: 1001, scalars: [{ tag: 'epoch_loss', value: 0.25 }] });
    expect(events[2].texts['model/summary']).toBe('    Layer  Params');
    // A torn last record (a killed writer) is detected.
    const bytes = readFileSync(w.path);
    writeFileSync(join(root, 'torn'), bytes.subarray(0, bytes.length - 2));
    expect(() => readEventFile(join(root, 'torn'))).toThrow(/truncated record/);
  });
});
