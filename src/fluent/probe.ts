// ffprobe() data in fluent-ffmpeg's shape: what fluent-ffmpeg parses out of ffprobe's default
// text output (-show_streams -show_format): every key of a section, values that are plain
// unsigned numbers as numbers and the rest as text ('N/A', '1/25', '-1'), TAG:x keys under
// `tags`, DISPOSITION:x keys under `disposition`, side data keys merged into their stream.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { type FFprobeFields, ffprobeFormatSection, ffprobeStreamSection, probe } from '../index.js';

export type FfprobeValue = string | number;
export interface FfprobeStream {
  [key: string]: FfprobeValue | Record<string, FfprobeValue> | undefined;
  tags?: Record<string, string>;
  disposition?: Record<string, FfprobeValue>;
}
export interface FfprobeFormat {
  [key: string]: FfprobeValue | Record<string, string> | undefined;
  tags?: Record<string, string>;
}
export interface FfprobeData {
  streams: FfprobeStream[];
  format: FfprobeFormat;
  chapters: Record<string, FfprobeValue>[];
}
export type FfprobeCallback = (err: Error | null, data: FfprobeData) => void;

// fluent-ffmpeg's reading of a value: /^[0-9]+(\.[0-9]+)?$/ becomes a number
function value(v: FFprobeFields[number][1]): FfprobeValue {
  const text = typeof v === 'object' ? v.absent : String(v);
  return /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : text;
}

function fieldsOf(fields: FFprobeFields, into: Record<string, unknown> = {}): Record<string, FfprobeValue> {
  for (const [k, v] of fields) into[k] = value(v);
  return into as Record<string, FfprobeValue>;
}

const tagsOf = (fields: FFprobeFields): Record<string, string> => Object.fromEntries(fields.map(([k, v]) => [k, typeof v === 'object' ? v.absent : String(v)]));

// ffprobe -unit: these keys' values get their unit
const UNITS: Record<string, string> = { duration: 's', start_time: 's', bit_rate: 'bit/s', max_bit_rate: 'bit/s', sample_rate: 'Hz', size: 'byte' };

function withUnits(o: Record<string, unknown>): void {
  for (const [k, unit] of Object.entries(UNITS)) if (typeof o[k] === 'number' || (typeof o[k] === 'string' && o[k] !== 'N/A')) o[k] = `${o[k]} ${unit}`;
}

/** Probes `url` and returns fluent-ffmpeg's ffprobe data; options: ffprobe's, of which -unit is read. */
export async function fluentProbe(url: string, options: readonly string[] = []): Promise<FfprobeData> {
  const data = await probeData(url);
  if (options.includes('-unit')) {
    for (const s of data.streams) withUnits(s);
    withUnits(data.format);
  }
  return data;
}

async function probeData(url: string): Promise<FfprobeData> {
  const r = await probe(url);
  const streams = r.streams.map((s): FfprobeStream => {
    const section = ffprobeStreamSection(s, r.format);
    const out: FfprobeStream = fieldsOf(section.fields);
    for (const side of section.sideData) fieldsOf(side, out);
    if (section.disposition.length) out.disposition = fieldsOf(section.disposition);
    if (section.tags.length) out.tags = tagsOf(section.tags);
    return out;
  });
  const f = ffprobeFormatSection(r.format);
  const format: FfprobeFormat = fieldsOf(f.fields);
  if (f.tags.length) format.tags = tagsOf(f.tags);
  return { streams, format, chapters: [] };
}

/** fluent's callback form; errors read as fluent's do (the message names the file). */
export function ffprobeInput(url: string, options: readonly string[], cb: FfprobeCallback): void {
  // the callback runs outside the promise: what it throws is thrown, as with fluent's
  fluentProbe(url, options).then(
    (d) => process.nextTick(cb, null, d),
    (e: Error) => process.nextTick(cb, new Error(`ffprobe exited with code 1\n${url}: ${e.message}`), undefined as never),
  );
}

/** A stream input probed as ffprobe reads pipe:0: spooled to a temporary file first. */
export function ffprobeStream(stream: Readable, options: readonly string[], cb: FfprobeCallback): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-fluent-'));
  const file = path.join(dir, 'input');
  stream.resume();
  pipeline(stream, fs.createWriteStream(file))
    .then(() => fluentProbe(file, options))
    .then(
      (d) => {
        d.format.filename = 'pipe:0';
        process.nextTick(cb, null, d);
      },
      (e: Error) => process.nextTick(cb, new Error(`ffprobe exited with code 1\npipe:0: ${e.message}`), undefined as never),
    )
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}
