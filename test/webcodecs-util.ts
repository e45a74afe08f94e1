// What the avforge/webcodecs tests share: libav's log, kept (the WebCodecs paths should log
// nothing), synthetic I420 pictures, PSNR, waiting on the event loop, and encode/decode helpers.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';

import { BitstreamFilter, Decoder, Demuxer, setLogger, type LogLevel, type Packet } from '../src/index.js';
import {
  EncodedVideoChunk,
  VideoDecoder,
  VideoEncoder,
  VideoFrame,
  type EncodedVideoChunkMetadata,
  type VideoDecoderConfig,
  type VideoEncoderConfig,
} from '../src/webcodecs/index.js';
import { media } from './media/generate.js';
import { frameMd5 } from './util.js';

export const W = 160;
export const H = 120;
export const FRAME_US = 40_000; // 25 fps

/** I420 picture `i` of a moving pattern: a gradient sliding right, a bright square, coloured chroma. */
export function picture(i: number, w = W, h = H): Uint8Array {
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const data = new Uint8Array(w * h + 2 * cw * ch);
  const sx = 10 + i * 3;
  const sy = 20 + i * 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) data[y * w + x] = x >= sx && x < sx + 24 && y >= sy && y < sy + 24 ? 230 : 32 + ((x + y + i * 4) % 160);
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      data[w * h + y * cw + x] = 64 + ((x * 2 + i * 2) % 128);
      data[w * h + cw * ch + y * cw + x] = 64 + ((y * 2 + i) % 128);
    }
  return data;
}

export function videoFrame(i: number, w = W, h = H): VideoFrame {
  return new VideoFrame(picture(i, w, h), { format: 'I420', codedWidth: w, codedHeight: h, timestamp: i * FRAME_US, duration: FRAME_US });
}

export function psnr(a: Uint8Array, b: Uint8Array, n = Math.min(a.length, b.length)): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum);
}

/** Resolves once `cond()` holds (the event loop keeps turning meanwhile). */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export function domName(name: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof DOMException, `expected a DOMException, got ${String(e)}`);
    assert.equal(e.name, name);
    return true;
  };
}

interface Encoded {
  chunks: EncodedVideoChunk[];
  metadata: (EncodedVideoChunkMetadata | undefined)[];
  config: VideoDecoderConfig;
}

export async function encodeVideo(config: VideoEncoderConfig, count: number, keyFrames: number[] = [0]): Promise<Encoded> {
  const chunks: EncodedVideoChunk[] = [];
  const metadata: (EncodedVideoChunkMetadata | undefined)[] = [];
  const errors: unknown[] = [];
  const encoder = new VideoEncoder({
    output: (chunk, meta) => {
      chunks.push(chunk);
      metadata.push(meta);
    },
    error: (e) => errors.push(e),
  });
  encoder.configure(config);
  for (let i = 0; i < count; i++) {
    const f = videoFrame(i, config.width, config.height);
    encoder.encode(f, { keyFrame: keyFrames.includes(i) });
    f.close();
  }
  await encoder.flush();
  encoder.close();
  assert.deepEqual(errors, []);
  const config0 = metadata[0]?.decoderConfig;
  assert.ok(config0, 'the first chunk carries a decoderConfig');
  return { chunks, metadata, config: config0 };
}

export async function decodeVideo(config: VideoDecoderConfig, chunks: readonly EncodedVideoChunk[]): Promise<VideoFrame[]> {
  const frames: VideoFrame[] = [];
  const errors: unknown[] = [];
  const decoder = new VideoDecoder({ output: (f) => frames.push(f), error: (e) => errors.push(e) });
  decoder.configure(config);
  for (const c of chunks) decoder.decode(c);
  await decoder.flush();
  decoder.close();
  assert.deepEqual(errors, []);
  return frames;
}

export async function i420(frame: VideoFrame): Promise<Uint8Array> {
  const out = new Uint8Array(frame.allocationSize({ format: undefined }));
  await frame.copyTo(out);
  return out;
}

/**
 * Chunks of a real stream (H.264 with B-frames, HEVC 10-bit) made Annex B with parameter sets
 * in band by a bitstream filter, and the object API's md5 of each decoded frame.
 */
export async function annexBChunks(name: 'h264-aac.mp4' | 'hevc10.mkv' = 'h264-aac.mp4'): Promise<{ chunks: EncodedVideoChunk[]; md5s: string[] }> {
  const file = media(name);
  await using demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video')!;
  await using bsf = await BitstreamFilter.open(stream.codec.codecName === 'hevc' ? 'hevc_mp4toannexb' : 'h264_mp4toannexb', stream);
  const chunks: EncodedVideoChunk[] = [];
  const toChunk = (p: Packet): void => {
    const us = (t: number): number => Math.round((t * 1e6 * p.timeBase.num) / p.timeBase.den);
    chunks.push(new EncodedVideoChunk({ type: p.isKeyFrame ? 'key' : 'delta', timestamp: us(p.pts ?? 0), duration: us(p.duration), data: p.data }));
    p.close();
  };
  for await (const p of demuxer.packets({ streams: [stream] })) {
    for (const out of await bsf.filter(p)) toChunk(out);
    p.close();
  }
  for (const out of await bsf.flush()) toChunk(out);
  const md5s: string[] = [];
  await using d2 = await Demuxer.open(file);
  await using dec = await Decoder.open(d2.bestStream('video')!);
  for await (const f of dec.frames(d2.packets())) {
    md5s.push(frameMd5(f));
    f.close();
  }
  return { chunks, md5s };
}
export const h264Chunks = (): ReturnType<typeof annexBChunks> => annexBChunks('h264-aac.mp4');

// libav's log, kept: the WebCodecs paths should log nothing (no probe warnings, no leftovers).
const logs: { level: LogLevel; message: string }[] = [];

/** Keeps libav's log while the file's tests run (once, at the top of a test file). */
export function captureLogs(): void {
  before(() => setLogger((level, message) => void logs.push({ level, message })));
  after(() => setLogger(null));
}

/** Log lines since `from`, minus those a test expects. */
export const logsSince = (from: number, expected?: RegExp): string[] =>
  logs
    .slice(from)
    .filter((l) => !expected?.test(l.message))
    .map((l) => `${l.level}: ${l.message.trim()}`);

/** For a file none of whose tests expect a log line: fails it (in an after hook) if libav logged any. */
export function expectNoLogs(): void {
  after(() => assert.deepEqual(logsSince(0), []));
}
