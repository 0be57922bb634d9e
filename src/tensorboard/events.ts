// TensorBoard Event protobufs (tensorboard.proto beside this file, loaded by protobufjs): scalar and text
// summaries as TensorBoard's scalars and text plugins read them, and an event-file writer/reader.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeRecords, encodeRecord } from './tfrecord.ts';

const root = protobuf.loadSync(fileURLToPath(new URL('./tensorboard.proto', import.meta.url)));
const EventType = root.lookupType('tensorboard.Event');

/** The version string TensorBoard expects in the first event of a file. */
export const FILE_VERSION = 'brain.Event:2';
const DT_STRING = 7;

export interface ScalarValue {
  tag: string;
  value: number;
}

/** A decoded event, as far as kmnist-lab writes them. */
export interface EventRecord {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: ScalarValue[];
  /** Text summaries: tag -> the (markdown) string. */
  texts: Record<string, string>;
}

function encodeEvent(fields: Record<string, unknown>): Uint8Array {
  return encodeRecord(EventType.encode(EventType.fromObject(fields)).finish());
}

/** `events.out.tfevents.<seconds>.<host>.<pid>.<n>`, as TensorFlow and PyTorch name them. */
export function eventFileName(wallTime: number, n = 0): string {
  return `events.out.tfevents.${Math.floor(wallTime)}.${hostname()}.${process.pid}.${n}`;
}

/** Appends events to one new event file; each record is written whole (appendFileSync) and is final. */
export class EventFileWriter {
  readonly path: string;

  constructor(dir: string, wallTime = Date.now() / 1000, n = 0) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, eventFileName(wallTime, n));
    appendFileSync(this.path, encodeEvent({ wallTime, step: 0, fileVersion: FILE_VERSION }));
  }

  /** Scalars as `simple_value` summaries (TensorBoard's scalars dashboard; what tensorboardX/PyTorch write). */
  scalars(step: number, values: ScalarValue[], wallTime = Date.now() / 1000): void {
    const value = values.map((v) => ({ tag: v.tag, simpleValue: v.value }));
    appendFileSync(this.path, encodeEvent({ wallTime, step, summary: { value } }));
  }

  /** A string tensor with the text plugin's metadata: TensorBoard's Text tab renders it as markdown. */
  text(step: number, tag: string, markdown: string, wallTime = Date.now() / 1000): void {
    const value = {
      tag,
      metadata: { pluginData: { pluginName: 'text' }, dataClass: 2 },
      tensor: { dtype: DT_STRING, tensorShape: {}, stringVal: [new TextEncoder().encode(markdown)] },
    };
    appendFileSync(this.path, encodeEvent({ wallTime, step, summary: { value: [value] } }));
  }
}

interface DecodedEvent {
  wallTime?: number;
  step?: number | { toNumber(): number };
  fileVersion?: string;
  summary?: { value?: { tag: string; simpleValue?: number; tensor?: { stringVal?: Uint8Array[] } }[] };
}

/** Every event of an event file, CRCs checked (see decodeRecords). */
export function readEventFile(path: string): EventRecord[] {
  return decodeRecords(readFileSync(path), path).map((data) => {
    const e = EventType.toObject(EventType.decode(data), { longs: Number }) as DecodedEvent;
    const scalars: ScalarValue[] = [];
    const texts: Record<string, string> = {};
    for (const v of e.summary?.value ?? []) {
      if (v.simpleValue !== undefined) scalars.push({ tag: v.tag, value: v.simpleValue });
      else if (v.tensor?.stringVal?.[0]) texts[v.tag] = new TextDecoder().decode(v.tensor.stringVal[0]);
    }
    return { wallTime: e.wallTime ?? 0, step: Number(e.step ?? 0), ...(e.fileVersion ? { fileVersion: e.fileVersion } : {}), scalars, texts };
  });
}
