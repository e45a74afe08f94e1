// Helpers shared by the correctness tests: the ffmpeg/ffprobe CLIs as the reference, and
// the hashing of decoded frames the way the CLI's framemd5 muxer hashes them.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';

import { Decoder, Demuxer, type Frame, type MediaType, type Packet, type Stream } from '../src/index.js';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects with its stderr when it exits non-zero. */
export function run(cmd: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 256 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Runs a program to completion and returns its binary stdout. */
export function runBuffer(cmd: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 256 << 20, encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

export interface IsolatedResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `body` (an ES module body, with the library's exports in scope) in a child Node
 * process: for checks that could take the test process down.
 */
export function runIsolated(body: string): Promise<IsolatedResult> {
  const lib = new URL('../src/index.js', import.meta.url).href;
  const source = `import * as lib from ${JSON.stringify(lib)};\nconst { Frame, Packet, Demuxer, Decoder, Encoder, Muxer } = lib;\n${body}\n`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** The ffmpeg CLI, quiet, never reading stdin. */
export async function ffmpeg(args: readonly string[], level = 'error'): Promise<RunResult> {
  return run('ffmpeg', ['-hide_banner', '-nostdin', '-v', level, ...args]);
}

/** ffprobe with JSON output, parsed. */
export async function ffprobeJson<T = ProbeJson>(args: readonly string[]): Promise<T> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-of', 'json', ...args]);
  return JSON.parse(stdout) as T;
}

export interface ProbeStreamJson {
  index: number;
  codec_name?: string;
  codec_type?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_fmt?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  time_base?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_read_packets?: string;
  nb_read_frames?: string;
  duration?: string;
  tags?: Record<string, string>;
  side_data_list?: Record<string, unknown>[];
  disposition?: Record<string, number>;
}

export interface ProbeJson {
  streams?: ProbeStreamJson[];
  format?: { tags?: Record<string, string>; duration?: string; format_name?: string };
  packets?: Record<string, string | number | undefined>[];
  frames?: Record<string, string | number | undefined>[];
}

/** The hash column of framemd5 / streamhash output, one entry per line (comments skipped). */
export function parseHashLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim());
}

/** The md5 column of framemd5 output: one entry per frame, in order. */
export function parseFramemd5(text: string): string[] {
  return parseHashLines(text).map((l) => l.split(',').at(-1)!.trim());
}

export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** Bytes per sample of an FFmpeg sample format name ('fltp' -> 4). */
export function bytesPerSample(sampleFormat: string): number {
  const base = sampleFormat.replace(/p$/, '');
  const size = { u8: 1, s16: 2, s32: 4, flt: 4, dbl: 8, s64: 8 }[base];
  if (size === undefined) throw new Error(`unknown sample format ${sampleFormat}`);
  return size;
}

export function isPlanar(sampleFormat: string): boolean {
  return sampleFormat.endsWith('p');
}

/** The PCM encoder whose packets hold a frame of this sample format, interleaved, unchanged. */
export function pcmCodecFor(sampleFormat: string): string {
  const base = sampleFormat.replace(/p$/, '');
  const codec = { u8: 'pcm_u8', s16: 'pcm_s16le', s32: 'pcm_s32le', flt: 'pcm_f32le', dbl: 'pcm_f64le', s64: 'pcm_s64le' }[base];
  if (codec === undefined) throw new Error(`no PCM codec for sample format ${sampleFormat}`);
  return codec;
}

/** An audio frame's samples interleaved (packed), as a PCM encoder would write them. */
export function packedAudio(frame: Frame): Buffer {
  const fmt = frame.sampleFormat;
  if (!fmt) throw new Error('not an audio frame');
  const bps = bytesPerSample(fmt);
  const n = frame.nbSamples;
  const ch = frame.channels;
  if (!isPlanar(fmt)) return frame.toBuffer().subarray(0, n * ch * bps);
  const planes = frame.planes;
  if (planes.length !== ch) throw new Error(`planar frame with ${ch} channels has ${planes.length} planes`);
  const out = Buffer.alloc(n * ch * bps);
  for (let c = 0; c < ch; c++) {
    const plane = planes[c]!;
    for (let i = 0; i < n; i++) {
      const src = i * bps;
      const dst = (i * ch + c) * bps;
      for (let b = 0; b < bps; b++) out[dst + b] = plane[src + b]!;
    }
  }
  return out;
}

/** What framemd5 hashes for this frame: packed video pixels, or interleaved audio samples. */
export function frameMd5(frame: Frame): string {
  return md5(frame.kind === 'audio' ? packedAudio(frame) : frame.toBuffer());
}

/** The `n`th stream of a type (the CLI's `0:v:n` / `0:a:n`). */
export function nthStream(d: Demuxer, type: MediaType, n: number): Stream {
  const s = d.streams.filter((x) => x.type === type)[n];
  if (!s) throw new Error(`${d.url} has no ${type} stream #${n}`);
  return s;
}

export interface Decoded {
  md5s: string[];
  sampleFormat: string | undefined;
  pixelFormat: string | undefined;
}

/** Decodes one stream of a file with Decoder.frames() and hashes every frame. */
export async function decodeMd5s(file: string, type: MediaType, n: number, threads?: number): Promise<Decoded> {
  const d = await Demuxer.open(file);
  try {
    const stream = nthStream(d, type, n);
    const dec = await Decoder.open(stream, threads === undefined ? {} : { threads });
    const result: Decoded = { md5s: [], sampleFormat: undefined, pixelFormat: undefined };
    try {
      for await (const frame of dec.frames(d.packets({ streams: [stream] }))) {
        result.md5s.push(frameMd5(frame));
        result.sampleFormat ??= frame.sampleFormat;
        result.pixelFormat ??= frame.pixelFormat;
        frame.close();
      }
    } finally {
      await dec.close();
    }
    return result;
  } finally {
    await d.close();
  }
}

/** Decodes one stream with decode() in batches and flush(), hashing every frame. */
export async function decodeMd5sBatched(file: string, type: MediaType, n: number, threads: number, batch = 8): Promise<string[]> {
  const d = await Demuxer.open(file);
  try {
    const stream = nthStream(d, type, n);
    const dec = await Decoder.open(stream, { threads });
    const md5s: string[] = [];
    const take = (frames: Frame[]): void => {
      for (const f of frames) {
        md5s.push(frameMd5(f));
        f.close();
      }
    };
    try {
      let pending: Packet[] = [];
      for await (const p of d.packets({ streams: [stream] })) {
        pending.push(p);
        if (pending.length === batch) {
          take(await dec.decode(pending));
          for (const q of pending) q.close();
          pending = [];
        }
      }
      take(await dec.decode(pending));
      for (const q of pending) q.close();
      take(await dec.flush());
    } finally {
      await dec.close();
    }
    return md5s;
  } finally {
    await d.close();
  }
}

/** Bytes as a Readable of `size`-byte chunks: an input that cannot seek. */
export function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

/** The names in a directory, sorted. */
export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** One PNG chunk (length, type, data, CRC), for the bomb tests' hand-made headers. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
