// avforge/webcodecs: the specification's algorithms (state machine, control message queue,
// queue sizes and dequeue events, flush/reset/close, every error path, copyTo layouts and rects,
// key-frame requirements), round trips through every codec this FFmpeg has (PSNR bounds,
// exact where lossless), and a real client: Mediabunny converting MP4 to WebM and MP4 with
// these classes installed as globals, checked with ffprobe and the ffmpeg CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { BitstreamFilter, Decoder, Demuxer, hasCodec, setLogger, type LogLevel, type Packet } from '../src/index.js';
import {
  AudioData,
  AudioDecoder,
  AudioEncoder,
  EncodedAudioChunk,
  EncodedVideoChunk,
  VideoColorSpace,
  VideoDecoder,
  VideoEncoder,
  VideoFrame,
  install,
  type AudioDecoderConfig,
  type AudioEncoderConfig,
  type AudioSampleFormat,
  type EncodedVideoChunkMetadata,
  type VideoDecoderConfig,
  type VideoEncoderConfig,
} from '../src/webcodecs/index.js';
import { codecPrivate } from '../src/webcodecs/extradata.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson, frameMd5, md5 } from './util.js';

// libav's log, kept: the WebCodecs paths should log nothing (no probe warnings, no leftovers).
const logs: { level: LogLevel; message: string }[] = [];
before(() => setLogger((level, message) => void logs.push({ level, message })));
after(() => setLogger(null));

/** Log lines since `from`, minus those a test expects. */
const logsSince = (from: number, expected?: RegExp): string[] =>
  logs.slice(from).filter((l) => !expected?.test(l.message)).map((l) => `${l.level}: ${l.message.trim()}`);

// ---- helpers ----

const W = 160;
const H = 120;
const FRAME_US = 40_000; // 25 fps

/** I420 picture `i` of a moving pattern: a gradient sliding right, a bright square, coloured chroma. */
function picture(i: number, w = W, h = H): Uint8Array {
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

function videoFrame(i: number, w = W, h = H): VideoFrame {
  return new VideoFrame(picture(i, w, h), { format: 'I420', codedWidth: w, codedHeight: h, timestamp: i * FRAME_US, duration: FRAME_US });
}

function psnr(a: Uint8Array, b: Uint8Array, n = Math.min(a.length, b.length)): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum);
}

/** Resolves once `cond()` holds (the event loop keeps turning meanwhile). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function domName(name: string): (e: unknown) => boolean {
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

async function encodeVideo(config: VideoEncoderConfig, count: number, keyFrames: number[] = [0]): Promise<Encoded> {
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

async function decodeVideo(config: VideoDecoderConfig, chunks: readonly EncodedVideoChunk[]): Promise<VideoFrame[]> {
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

async function i420(frame: VideoFrame): Promise<Uint8Array> {
  const out = new Uint8Array(frame.allocationSize({ format: undefined }));
  await frame.copyTo(out);
  return out;
}

/**
 * Chunks of a real stream (H.264 with B-frames, HEVC 10-bit) made Annex B with parameter sets
 * in band by a bitstream filter, and the object API's md5 of each decoded frame.
 */
async function annexBChunks(name: 'h264-aac.mp4' | 'hevc10.mkv' = 'h264-aac.mp4'): Promise<{ chunks: EncodedVideoChunk[]; md5s: string[] }> {
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
const h264Chunks = (): ReturnType<typeof annexBChunks> => annexBChunks('h264-aac.mp4');

// ---- EncodedVideoChunk / EncodedAudioChunk ----

describe('EncodedVideoChunk and EncodedAudioChunk', () => {
  test('copy the data at construction; timestamps, duration, byteLength, copyTo', () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: -5, duration: 40, data });
    data[0] = 9;
    assert.equal(chunk.type, 'key');
    assert.equal(chunk.timestamp, -5);
    assert.equal(chunk.duration, 40);
    assert.equal(chunk.byteLength, 4);
    const out = new Uint8Array(6);
    chunk.copyTo(out);
    assert.deepEqual([...out], [1, 2, 3, 4, 0, 0]);
    assert.throws(() => chunk.copyTo(new Uint8Array(3)), TypeError);
    const audio = new EncodedAudioChunk({ type: 'delta', timestamp: 1.9, data: new ArrayBuffer(2) });
    assert.equal(audio.timestamp, 1, 'long long truncates toward zero');
    assert.equal(audio.duration, null);
    assert.equal(Object.prototype.toString.call(audio), '[object EncodedAudioChunk]');
  });

  test('invalid inits are TypeErrors; transfer detaches', () => {
    assert.throws(() => new EncodedVideoChunk({ type: 'other' as 'key', timestamp: 0, data: new Uint8Array(1) }), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', data: new Uint8Array(1) } as never), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', timestamp: NaN, data: new Uint8Array(1) }), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', timestamp: 0, duration: -1, data: new Uint8Array(1) }), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', timestamp: 0, data: 'abc' as never }), TypeError);
    const buffer = new ArrayBuffer(8);
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: buffer, transfer: [buffer] });
    assert.equal(buffer.byteLength, 0, 'the transferred buffer is detached');
    assert.equal(chunk.byteLength, 8);
    assert.throws(
      () => new EncodedVideoChunk({ type: 'key', timestamp: 0, data: new Uint8Array(1), transfer: [buffer] }),
      (e: unknown) => e instanceof DOMException && e.name === 'DataCloneError',
    );
  });
});

// ---- VideoFrame ----

describe('VideoFrame', () => {
  test('I420 with an odd coded size: allocationSize, copyTo layout and bytes (as the WPT test)', async () => {
    const buf = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const frame = new VideoFrame(buf, { format: 'I420', timestamp: 0, codedWidth: 3, codedHeight: 3 });
    assert.equal(frame.allocationSize(), buf.length);
    const data = new Uint8Array(buf.length);
    const layout = await frame.copyTo(data);
    assert.deepEqual(layout, [
      { offset: 0, stride: 3 },
      { offset: 9, stride: 2 },
      { offset: 13, stride: 2 },
    ]);
    assert.deepEqual(data, buf);
    frame.close();
  });

  test('attributes, color space defaults, metadata, timestamps in microseconds', () => {
    const rgba = new VideoFrame(new Uint8Array(4 * 4 * 2), { format: 'RGBA', codedWidth: 4, codedHeight: 2, timestamp: -33 });
    assert.equal(rgba.format, 'RGBA');
    assert.equal(rgba.timestamp, -33);
    assert.equal(rgba.duration, null);
    assert.deepEqual(rgba.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true });
    assert.deepEqual(rgba.codedRect?.toJSON(), { x: 0, y: 0, width: 4, height: 2, top: 0, right: 4, bottom: 2, left: 0 });
    assert.deepEqual(rgba.metadata(), {});
    const yuv = videoFrame(3);
    assert.deepEqual(yuv.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false });
    assert.equal(yuv.timestamp, 3 * FRAME_US);
    assert.equal(yuv.duration, FRAME_US);
    assert.equal(yuv.displayWidth, W);
    const cs = new VideoColorSpace({ primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020-ncl', fullRange: false });
    assert.deepEqual(cs.toJSON(), { primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020-ncl', fullRange: false });
    rgba.close();
    yuv.close();
  });

  test('buffer inits that are not valid are TypeErrors', () => {
    const data = picture(0);
    const init = { format: 'I420' as const, codedWidth: W, codedHeight: H, timestamp: 0 };
    assert.throws(() => new VideoFrame(data, { ...init, codedWidth: 0 }), TypeError);
    assert.throws(() => new VideoFrame(data.subarray(0, 100), init), TypeError, 'data too small');
    assert.throws(() => new VideoFrame(data, { ...init, visibleRect: { x: 1, y: 0, width: 8, height: 8 } }), TypeError, 'x not a multiple of 2');
    assert.throws(() => new VideoFrame(data, { ...init, visibleRect: { x: 0, y: 0, width: W + 2, height: 8 } }), TypeError, 'outside');
    assert.throws(() => new VideoFrame(data, { ...init, visibleRect: { x: 0, y: 0, width: 0, height: 8 } }), TypeError, 'empty');
    assert.throws(() => new VideoFrame(data, { ...init, displayWidth: 10 }), TypeError, 'displayWidth alone');
    assert.throws(() => new VideoFrame(data, { ...init, displayWidth: 0, displayHeight: 10 }), TypeError);
    assert.throws(() => new VideoFrame(data, { ...init, format: 'YV12' as 'I420' }), TypeError);
    assert.throws(() => new VideoFrame(data, { ...init, timestamp: Infinity }), TypeError);
    assert.throws(() => new VideoFrame(data, { format: 'I420', codedWidth: W, codedHeight: H } as never), TypeError, 'timestamp is required');
    assert.throws(() => new VideoFrame({} as never), TypeError, 'not a CanvasImageSource Node has');
    assert.throws(() => new VideoFrame(data, { ...init, layout: [{ offset: 0, stride: W }] }), TypeError, 'layout of the wrong length');
  });

  test('copyTo with a rect and a layout: strides, offsets, sub-sampled planes', async () => {
    const frame = videoFrame(2);
    const src = picture(2);
    const rect = { x: 4, y: 2, width: 10, height: 6 };
    const layout = [
      { offset: 100, stride: 16 },
      { offset: 0, stride: 8 },
      { offset: 40, stride: 5 },
    ];
    const size = frame.allocationSize({ rect, layout });
    assert.equal(size, 100 + 16 * 6);
    const out = new Uint8Array(size);
    const got = await frame.copyTo(out, { rect, layout });
    assert.deepEqual(got, layout);
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 10; c++) assert.equal(out[100 + r * 16 + c], src[(2 + r) * W + 4 + c], `Y ${r},${c}`);
    const cw = W / 2;
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 5; c++) {
        assert.equal(out[r * 8 + c], src[W * H + (1 + r) * cw + 2 + c], `U ${r},${c}`);
        assert.equal(out[40 + r * 5 + c], src[W * H + cw * (H / 2) + (1 + r) * cw + 2 + c], `V ${r},${c}`);
      }
    await assert.rejects(frame.copyTo(new Uint8Array(size - 1), { rect, layout }), TypeError, 'destination too small');
    await assert.rejects(frame.copyTo(out, { rect: { x: 3, y: 2, width: 10, height: 6 } }), TypeError, 'misaligned rect');
    await assert.rejects(frame.copyTo(out, { layout: [{ offset: 0, stride: 4 }, layout[1]!, layout[2]!] }), TypeError, 'stride below the row');
    await assert.rejects(
      frame.copyTo(new Uint8Array(1 << 16), { layout: [{ offset: 0, stride: W }, { offset: 10, stride: cw }, { offset: W * H + 4000, stride: cw }] }),
      TypeError,
      'overlapping planes',
    );
    frame.close();
  });

  test('NV12, I444, RGBA/BGRX buffers round-trip; copyTo converts I420 to RGBA', async () => {
    for (const [format, bytes] of [
      ['NV12', W * H * 1.5],
      ['I444', W * H * 3],
      ['BGRX', W * H * 4],
      ['I420P10', W * H * 3],
    ] as const) {
      const data = new Uint8Array(bytes).map((_, i) => (i * 7) & 0xff);
      if (format === 'I420P10') for (let i = 1; i < data.length; i += 2) data[i]! &= 3; // 10-bit samples
      const f = new VideoFrame(data, { format, codedWidth: W, codedHeight: H, timestamp: 0 });
      const out = new Uint8Array(f.allocationSize());
      await f.copyTo(out);
      assert.deepEqual(out, data, format);
      f.close();
    }
    const gray = new Uint8Array(W * H * 1.5).fill(128);
    gray.fill(235, 0, W * H);
    const f = new VideoFrame(gray, { format: 'I420', codedWidth: W, codedHeight: H, timestamp: 0 });
    const rgba = new Uint8Array(f.allocationSize({ format: 'RGBA' }));
    assert.equal(rgba.length, W * H * 4);
    await f.copyTo(rgba, { format: 'RGBA' });
    assert.ok(rgba[0]! >= 250 && rgba[1]! >= 250 && rgba[2]! >= 250 && rgba[3] === 255, `white: ${rgba.subarray(0, 4).join(',')}`);
    assert.throws(() => f.allocationSize({ format: 'NV12' }), (e: unknown) => e instanceof DOMException && e.name === 'NotSupportedError');
    f.close();
  });

  test('clone shares, close detaches; a frame from a frame takes new timing and rect', async () => {
    const frame = videoFrame(1);
    const clone = frame.clone();
    const sub = new VideoFrame(frame, { timestamp: 7, duration: 3, visibleRect: { x: 2, y: 2, width: 100, height: 50 } });
    frame.close();
    assert.equal(frame.format, null);
    assert.equal(frame.codedWidth, 0);
    assert.equal(frame.visibleRect, null);
    assert.equal(frame.timestamp, FRAME_US, 'timestamp survives close');
    assert.throws(() => frame.clone(), domName('InvalidStateError'));
    assert.throws(() => frame.allocationSize(), domName('InvalidStateError'));
    await assert.rejects(frame.copyTo(new Uint8Array(1 << 16)), domName('InvalidStateError'));
    assert.throws(() => new VideoFrame(frame), domName('InvalidStateError'));
    assert.deepEqual(await i420(clone), picture(1), 'the clone still reads the pixels');
    assert.equal(sub.timestamp, 7);
    assert.equal(sub.duration, 3);
    assert.deepEqual(sub.visibleRect?.toJSON(), { x: 2, y: 2, width: 100, height: 50, top: 2, right: 102, bottom: 52, left: 2 });
    assert.equal(sub.displayWidth, 100);
    assert.equal(sub.allocationSize(), 100 * 50 * 1.5);
    clone.close();
    sub.close();
  });

  test('transfer detaches the buffer; a layout with padding is read per row', async () => {
    const stride = W + 16;
    const buffer = new ArrayBuffer(stride * H + 2 * (W / 2) * (H / 2));
    const bytes = new Uint8Array(buffer);
    for (let r = 0; r < H; r++) bytes.fill(r, r * stride, r * stride + W);
    const f = new VideoFrame(buffer, {
      format: 'I420',
      codedWidth: W,
      codedHeight: H,
      timestamp: 0,
      layout: [
        { offset: 0, stride },
        { offset: stride * H, stride: W / 2 },
        { offset: stride * H + (W / 2) * (H / 2), stride: W / 2 },
      ],
      transfer: [buffer],
    });
    assert.equal(buffer.byteLength, 0);
    const out = await i420(f);
    for (let r = 0; r < H; r++) assert.equal(out[r * W + W - 1], r);
    f.close();
  });
});

// ---- AudioData ----

describe('AudioData', () => {
  const N = 6;
  const interleaved = new Int16Array([0, 100, -16384, 200, 16384, 300, 32767, 400, -32768, 500, 1, 600]);
  const make = (): AudioData => new AudioData({ format: 's16', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: N, timestamp: 1000, data: interleaved });

  test('attributes; copyTo of the same format, with frameOffset and frameCount', () => {
    const a = make();
    assert.equal(a.format, 's16');
    assert.equal(a.duration, 750);
    assert.equal(a.timestamp, 1000);
    assert.equal(a.allocationSize({ planeIndex: 0 }), N * 2 * 2);
    const out = new Int16Array(4);
    a.copyTo(out, { planeIndex: 0, frameOffset: 2, frameCount: 2 });
    assert.deepEqual([...out], [16384, 300, 32767, 400]);
    a.close();
  });

  test('copyTo converts between formats: interleaved s16 to f32-planar, u8, s32', () => {
    const a = make();
    assert.equal(a.allocationSize({ planeIndex: 1, format: 'f32-planar' }), N * 4);
    const right = new Float32Array(N);
    a.copyTo(right, { planeIndex: 1, format: 'f32-planar' });
    assert.deepEqual([...right].map((v) => Math.round(v * 32768)), [100, 200, 300, 400, 500, 600]);
    const left = new Float32Array(N);
    a.copyTo(left, { planeIndex: 0, format: 'f32-planar' });
    assert.deepEqual([...left], [0, -0.5, 0.5, 32767 / 32768, -1, 1 / 32768]);
    const u8 = new Uint8Array(N);
    a.copyTo(u8, { planeIndex: 0, format: 'u8-planar' });
    assert.deepEqual([...u8], [128, 64, 192, 255, 0, 128]);
    const s32 = new Int32Array(2 * N);
    a.copyTo(s32, { planeIndex: 0, format: 's32' });
    assert.equal(s32[2], -16384 * 65536);
    // f32-planar back to interleaved s16 is exact for these values.
    const planar = new AudioData({ format: 'f32-planar', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: N, timestamp: 0, data: new Float32Array([...left, ...right]) });
    const back = new Int16Array(2 * N);
    planar.copyTo(back, { planeIndex: 0, format: 's16' });
    assert.deepEqual([...back], [...interleaved]);
    a.close();
    planar.close();
  });

  test('copyTo errors: RangeError for planes, offsets, counts and sizes; InvalidStateError when closed', () => {
    const a = make();
    const big = new Uint8Array(1024);
    assert.throws(() => a.copyTo(big, { planeIndex: 1 }), RangeError, 'interleaved has one plane');
    assert.throws(() => a.copyTo(big, { planeIndex: 2, format: 's16-planar' }), RangeError);
    assert.throws(() => a.copyTo(big, { planeIndex: 0, frameOffset: N }), RangeError);
    assert.throws(() => a.copyTo(big, { planeIndex: 0, frameOffset: 1, frameCount: N }), RangeError);
    assert.throws(() => a.copyTo(new Uint8Array(3), { planeIndex: 0 }), RangeError);
    assert.throws(() => a.copyTo(big, {} as never), TypeError, 'planeIndex is required');
    const c = a.clone();
    a.close();
    assert.equal(a.format, null);
    assert.equal(a.numberOfFrames, 0);
    assert.equal(a.sampleRate, 0);
    assert.equal(a.timestamp, 1000);
    assert.throws(() => a.copyTo(big, { planeIndex: 0 }), domName('InvalidStateError'));
    assert.throws(() => a.clone(), domName('InvalidStateError'));
    assert.equal(c.numberOfFrames, N, 'the clone keeps the data');
    c.close();
    assert.throws(() => new AudioData({ format: 's16', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: 0, timestamp: 0, data: interleaved }), TypeError);
    assert.throws(() => new AudioData({ format: 's16', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: 100, timestamp: 0, data: interleaved }), TypeError);
    assert.throws(() => new AudioData({ format: 's24' as AudioSampleFormat, sampleRate: 8000, numberOfChannels: 2, numberOfFrames: 1, timestamp: 0, data: interleaved }), TypeError);
  });
});

// ---- codec state machine and queue ----

describe('VideoDecoder: the state machine and the control message queue', () => {
  test('constructor, configure and isConfigSupported validate; errors at the spec moments', async () => {
    assert.throws(() => new VideoDecoder({} as never), TypeError);
    const errors: DOMException[] = [];
    const decoder = new VideoDecoder({ output: () => {}, error: (e) => errors.push(e) });
    assert.equal(decoder.state, 'unconfigured');
    assert.equal(decoder.decodeQueueSize, 0);
    assert.throws(() => decoder.configure({ codec: '  ' }), TypeError);
    assert.throws(() => decoder.configure({ codec: 'vp8', codedWidth: 16 }), TypeError);
    assert.throws(() => decoder.configure({ codec: 'vp8', displayAspectWidth: 0, displayAspectHeight: 1 }), TypeError);
    assert.equal(decoder.state, 'unconfigured', 'a TypeError changes nothing');
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: new Uint8Array(8) });
    assert.throws(() => decoder.decode(chunk), domName('InvalidStateError'));
    await assert.rejects(decoder.flush(), domName('InvalidStateError'));
    await assert.rejects(VideoDecoder.isConfigSupported({ codec: '' }), TypeError);
    // An unknown codec is not a TypeError: configure() succeeds, then the error callback says NotSupportedError.
    decoder.configure({ codec: 'avc1.zzzzzz' });
    assert.equal(decoder.state, 'configured');
    decoder.decode(chunk);
    assert.equal(decoder.decodeQueueSize, 1, 'queued behind the blocked configure');
    const flushed = decoder.flush();
    await assert.rejects(flushed, domName('NotSupportedError'));
    assert.equal(decoder.state, 'closed');
    assert.equal(decoder.decodeQueueSize, 0);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.name, 'NotSupportedError');
    assert.throws(() => decoder.configure({ codec: 'vp8' }), domName('InvalidStateError'));
    assert.throws(() => decoder.reset(), domName('InvalidStateError'));
    assert.throws(() => decoder.close(), domName('InvalidStateError'), 'close() runs Reset, which throws once closed');
  });

  test('isConfigSupported answers per codec and returns a clean copy of the config', async () => {
    const description = new Uint8Array([1, 0x64, 0, 0x1f, 0xff, 0xe0, 0]);
    const res = await VideoDecoder.isConfigSupported({ codec: 'avc1.64001f', description, codedWidth: 640, codedHeight: 480, extra: 1 } as VideoDecoderConfig);
    assert.equal(res.supported, true);
    assert.deepEqual(Object.keys(res.config).sort(), ['codec', 'codedHeight', 'codedWidth', 'description']);
    assert.notEqual(res.config.description, description, 'the description is copied');
    for (const codec of ['hvc1.1.6.L93.B0', 'hev1.2.4.L120.90', 'vp8', 'vp09.00.10.08', 'vp09.02.10.10.01.09.16.09.01', 'av01.0.04M.08'])
      assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, true, codec);
    for (const codec of ['avc1', 'avc1.64001', 'vp9', 'vp09.04.10.08', 'av01.3.04M.08', 'h264', 'bogus'])
      assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, false, codec);
    assert.equal((await VideoDecoder.isConfigSupported({ codec: 'vp8', hardwareAcceleration: 'prefer-hardware' })).supported, false);
  });

  test('key chunk required after configure and flush: DataError, checked against the bitstream', async () => {
    const { chunks } = await h264Chunks();
    const decoder = new VideoDecoder({ output: (f) => f.close(), error: () => {} });
    decoder.configure({ codec: 'avc1.64000d' });
    assert.throws(() => decoder.decode(chunks[1]!), domName('DataError'), 'a delta chunk first');
    const copy = new Uint8Array(chunks[1]!.byteLength);
    chunks[1]!.copyTo(copy);
    const relabelled = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: copy });
    assert.throws(() => decoder.decode(relabelled), domName('DataError'), "'key' on a P frame");
    decoder.decode(chunks[0]!);
    decoder.decode(chunks[1]!);
    await decoder.flush();
    assert.throws(() => decoder.decode(chunks[1]!), domName('DataError'), 'after flush, a key chunk again');
    decoder.decode(chunks[0]!);
    decoder.close();
  });

  test('decodes what the object API decodes, bit for bit, in order, with the chunk timestamps; queue size and dequeue events', async () => {
    const { chunks, md5s } = await h264Chunks();
    const frames: VideoFrame[] = [];
    let dequeues = 0;
    let handlerCalls = 0;
    const decoder = new VideoDecoder({ output: (f) => frames.push(f), error: (e) => assert.fail(String(e)) });
    decoder.addEventListener('dequeue', () => dequeues++);
    decoder.ondequeue = () => handlerCalls++;
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks) decoder.decode(c);
    assert.equal(decoder.decodeQueueSize, chunks.length, 'all queued while configure() runs');
    let flushedAt = -1;
    const flushed = decoder.flush().then(() => (flushedAt = frames.length));
    await until(() => decoder.decodeQueueSize < chunks.length, 'the queue to drain');
    await flushed;
    assert.equal(flushedAt, chunks.length, 'flush() resolves after every output');
    assert.equal(decoder.decodeQueueSize, 0);
    await tick();
    assert.ok(dequeues > 0 && dequeues === handlerCalls, `dequeue events: ${dequeues}, ondequeue: ${handlerCalls}`);
    assert.ok(dequeues < chunks.length, 'events coalesce within a task');
    assert.equal(frames.length, md5s.length);
    const presented = [...chunks].map((c) => c.timestamp).sort((a, b) => a - b);
    assert.deepEqual(
      frames.map((f) => f.timestamp),
      presented,
      'output in presentation order, with the chunk timestamps',
    );
    assert.equal(frames[0]!.duration, chunks[0]!.duration);
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      assert.equal(f.format, 'I420');
      assert.equal(md5(await i420(f)), md5s[i], `frame ${i}`);
      f.close();
    }
    decoder.close();
  });

  test('HEVC Main 10 decodes to I420P10, as the object API does', async () => {
    const { chunks, md5s } = await annexBChunks('hevc10.mkv');
    const frames = await decodeVideo({ codec: 'hvc1.2.4.L93.B0' }, chunks);
    assert.equal(frames.length, md5s.length);
    for (let i = 0; i < frames.length; i++) {
      assert.equal(frames[i]!.format, 'I420P10');
      assert.equal(md5(await i420(frames[i]!)), md5s[i], `frame ${i}`);
      frames[i]!.close();
    }
  });

  test('configure() while configured: the outputs of the first configuration come first, then the second', async () => {
    const { chunks } = await h264Chunks();
    const stamps: number[] = [];
    const decoder = new VideoDecoder({ output: (f) => (stamps.push(f.timestamp), f.close()), error: (e) => assert.fail(String(e)) });
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks.slice(0, 12)) decoder.decode(c);
    decoder.configure({ codec: 'avc1.64000d' });
    assert.throws(() => decoder.decode(chunks[13]!), domName('DataError'), 'a key chunk first after configure()');
    for (const c of chunks.slice(12, 24)) decoder.decode(c);
    await decoder.flush();
    assert.equal(stamps.length, 24, 'the first configuration was drained, not dropped');
    const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
    assert.deepEqual(stamps.slice(0, 12), sorted(chunks.slice(0, 12).map((c) => c.timestamp)));
    assert.deepEqual(stamps.slice(12), sorted(chunks.slice(12, 24).map((c) => c.timestamp)));
    decoder.close();
  });

  test('AudioDecoder decodes a demuxed AAC stream (AudioSpecificConfig description) as the object API does', async () => {
    const file = media('h264-aac.mp4');
    await using demuxer = await Demuxer.open(file);
    const stream = demuxer.bestStream('audio')!;
    const description = await codecPrivate(stream);
    assert.ok(description && description.length >= 2, 'the ASC');
    const chunks: EncodedAudioChunk[] = [];
    for await (const p of demuxer.packets({ streams: [stream] })) {
      const us = (t: number): number => Math.round((t * 1e6 * p.timeBase.num) / p.timeBase.den);
      chunks.push(new EncodedAudioChunk({ type: 'key', timestamp: us(p.pts ?? 0), duration: us(p.duration), data: p.data }));
      p.close();
    }
    const got: Uint8Array[] = [];
    const stamps: number[] = [];
    const decoder = new AudioDecoder({
      output: (a) => {
        assert.equal(a.format, 'f32-planar');
        const all = new Uint8Array(a.allocationSize({ planeIndex: 0 }) * a.numberOfChannels);
        for (let c = 0; c < a.numberOfChannels; c++) a.copyTo(all.subarray(c * (all.length / a.numberOfChannels)), { planeIndex: c });
        got.push(all);
        stamps.push(a.timestamp);
        a.close();
      },
      error: (e) => assert.fail(String(e)),
    });
    decoder.configure({ codec: 'mp4a.40.2', sampleRate: stream.codec.sampleRate!, numberOfChannels: stream.codec.channels!, description });
    for (const c of chunks) decoder.decode(c);
    await decoder.flush();
    const expected: string[] = [];
    await using d2 = await Demuxer.open(file);
    await using dec = await Decoder.open(d2.bestStream('audio')!);
    for await (const f of dec.frames(d2.packets())) {
      expected.push(md5(f.toBuffer()));
      f.close();
    }
    // The demuxer's first packet carries the MP4's priming (skip 1024 samples) as side data, which
    // the object API's decoder applies; a WebCodecs chunk has no side data, so its decoder outputs
    // that first frame as browsers do (the application trims priming itself).
    assert.equal(got.length, expected.length + 1);
    assert.deepEqual(got.slice(1).map(md5), expected, 'the same samples, bit for bit');
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b));
    decoder.close();
  });

  test('reset() drops queued work and outputs, rejects pending flushes with AbortError; the decoder is reusable', async () => {
    const { chunks } = await h264Chunks();
    const outputs: VideoFrame[] = [];
    const errors: DOMException[] = [];
    const decoder = new VideoDecoder({ output: (f) => outputs.push(f), error: (e) => errors.push(e) });
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks) decoder.decode(c);
    const flushed = decoder.flush();
    decoder.reset();
    assert.equal(decoder.state, 'unconfigured');
    assert.equal(decoder.decodeQueueSize, 0);
    await assert.rejects(flushed, domName('AbortError'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(outputs.length, 0, 'nothing from before the reset is delivered');
    assert.throws(() => decoder.decode(chunks[0]!), domName('InvalidStateError'));
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks.slice(0, 12)) decoder.decode(c);
    await decoder.flush();
    assert.equal(outputs.length, 12);
    outputs.forEach((f) => f.close());
    // A reset from inside an output callback stops the rest of that batch.
    let seen = 0;
    const d2 = new VideoDecoder({
      output: (f) => {
        f.close();
        if (++seen === 3) d2.reset();
      },
      error: (e) => errors.push(e),
    });
    d2.configure({ codec: 'avc1.64000d' });
    for (const c of chunks) d2.decode(c);
    await assert.rejects(d2.flush(), domName('AbortError'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen, 3);
    d2.close();
    decoder.close();
    assert.deepEqual(errors, [], 'AbortError never reaches the error callback');
  });

  test('close() rejects pending flushes with AbortError without calling error; damaged data is an EncodingError', async () => {
    const { chunks } = await h264Chunks();
    const errors: DOMException[] = [];
    const decoder = new VideoDecoder({ output: (f) => f.close(), error: (e) => errors.push(e) });
    decoder.configure({ codec: 'avc1.64000d' });
    decoder.decode(chunks[0]!);
    const flushed = decoder.flush();
    decoder.close();
    assert.equal(decoder.state, 'closed');
    await assert.rejects(flushed, domName('AbortError'));
    assert.deepEqual(errors, []);

    const reported: DOMException[] = [];
    const broken = new VideoDecoder({ output: (f) => f.close(), error: (e) => reported.push(e) });
    broken.configure({ codec: 'vp8' });
    // A VP8 key frame tag (bit 0 clear) over garbage.
    const junk = new Uint8Array(400).map((_, i) => (i * 97 + 13) & 0xff);
    junk[0] = 0x10;
    broken.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: junk }));
    await assert.rejects(broken.flush(), domName('EncodingError'));
    assert.equal(broken.state, 'closed');
    assert.equal(reported.length, 1);
    assert.equal(reported[0]!.name, 'EncodingError');
  });
});

describe('VideoEncoder', () => {
  test('validation, unsupported configurations, InvalidStateError, TypeError for a closed frame', async () => {
    assert.throws(() => new VideoEncoder({ output: () => {} } as never), TypeError);
    const errors: DOMException[] = [];
    const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
    assert.throws(() => encoder.configure({ codec: 'vp8', width: 0, height: 10 }), TypeError);
    assert.throws(() => encoder.configure({ codec: 'vp8', width: 10, height: 10, displayWidth: 5 }), TypeError);
    assert.throws(() => encoder.configure({ codec: 'vp8', width: 10, height: 10, bitrateMode: 'fast' as 'constant' }), TypeError);
    const frame = videoFrame(0);
    assert.throws(() => encoder.encode(frame), domName('InvalidStateError'));
    for (const config of [
      { codec: 'vp8', width: W, height: H, alpha: 'keep' as const },
      { codec: 'vp8', width: W, height: H, scalabilityMode: 'L1T3' },
      { codec: 'vp8', width: W, height: H, bitrateMode: 'quantizer' as const },
      { codec: 'vp8', width: W, height: H, hardwareAcceleration: 'prefer-hardware' as const },
      { codec: 'avc1.58001f', width: W, height: H },
      { codec: 'avc1.42001f', width: 161, height: H },
    ])
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false, JSON.stringify(config));
    const ok = await VideoEncoder.isConfigSupported({ codec: 'vp8', width: W, height: H, framerate: 25, latencyMode: 'realtime', foo: 1 } as VideoEncoderConfig);
    assert.deepEqual(ok, { supported: true, config: { codec: 'vp8', width: W, height: H, framerate: 25, latencyMode: 'realtime' } });
    encoder.configure({ codec: 'vp8', width: W, height: H, scalabilityMode: 'L1T3' });
    await until(() => encoder.state === 'closed', 'NotSupportedError');
    assert.equal(errors[0]?.name, 'NotSupportedError');
    const closed = videoFrame(0);
    closed.close();
    const e2 = new VideoEncoder({ output: () => {}, error: () => {} });
    e2.configure({ codec: 'vp8', width: W, height: H });
    assert.throws(() => e2.encode(closed), TypeError);
    e2.close();
    frame.close();
  });

  test('encodeQueueSize, dequeue, forced key frames, timestamps, decoderConfig once, encode after flush', async () => {
    const chunks: EncodedVideoChunk[] = [];
    const metas: (EncodedVideoChunkMetadata | undefined)[] = [];
    let dequeues = 0;
    const encoder = new VideoEncoder({
      output: (c, m) => {
        chunks.push(c);
        metas.push(m);
      },
      error: (e) => assert.fail(String(e)),
    });
    encoder.ondequeue = () => dequeues++;
    encoder.configure({ codec: 'vp8', width: W, height: H, bitrate: 300_000, framerate: 25, latencyMode: 'realtime' });
    for (let i = 0; i < 12; i++) {
      const f = videoFrame(i);
      encoder.encode(f, { keyFrame: i === 0 || i === 7 });
      f.close(); // the encoder holds its own reference
    }
    assert.equal(encoder.encodeQueueSize, 12);
    await encoder.flush();
    assert.equal(encoder.encodeQueueSize, 0);
    await tick();
    assert.ok(dequeues > 0);
    assert.equal(chunks.length, 12);
    assert.deepEqual(chunks.map((c) => c.timestamp), [...Array(12).keys()].map((i) => i * FRAME_US));
    assert.ok(chunks.every((c) => c.duration === FRAME_US));
    assert.equal(chunks[0]!.type, 'key');
    assert.equal(chunks[7]!.type, 'key', 'keyFrame: true is honoured');
    assert.equal(chunks[3]!.type, 'delta');
    assert.deepEqual(metas[0]?.decoderConfig, { codec: 'vp8', codedWidth: W, codedHeight: H });
    assert.ok(metas.slice(1).every((m) => m?.decoderConfig === undefined), 'decoderConfig only with the first chunk');
    // After flush(), encoding goes on (libav's encoder was drained: a fresh one starts with a key frame).
    const f = videoFrame(12);
    encoder.encode(f);
    f.close();
    await encoder.flush();
    assert.equal(chunks.length, 13);
    assert.equal(chunks[12]!.type, 'key');
    assert.equal(chunks[12]!.timestamp, 12 * FRAME_US);
    encoder.close();
  });

  test('frames of another size or format are scaled; a visible rect is cropped', async () => {
    const rgba = new Uint8Array(W * 2 * H * 2 * 4).fill(200);
    const big = new VideoFrame(rgba, { format: 'RGBA', codedWidth: W * 2, codedHeight: H * 2, timestamp: 0 });
    const cropped = new VideoFrame(picture(0, W * 2, H), { format: 'I420', codedWidth: W * 2, codedHeight: H, timestamp: FRAME_US, visibleRect: { x: W, y: 0, width: W, height: H } });
    const { chunks, config } = await (async () => {
      const out: EncodedVideoChunk[] = [];
      let decoderConfig: VideoDecoderConfig | undefined;
      const encoder = new VideoEncoder({ output: (c, m) => (out.push(c), (decoderConfig ??= m?.decoderConfig)), error: (e) => assert.fail(String(e)) });
      encoder.configure({ codec: 'vp09.00.10.08', width: W, height: H, bitrate: 500_000 });
      encoder.encode(big);
      encoder.encode(cropped);
      await encoder.flush();
      encoder.close();
      return { chunks: out, config: decoderConfig! };
    })();
    big.close();
    const frames = await decodeVideo(config, chunks);
    assert.equal(frames.length, 2);
    const y0 = await i420(frames[0]!);
    assert.ok(Math.abs(y0[W * 10 + 10]! - 190) < 12, `RGBA 200 grey became Y ${y0[W * 10 + 10]}`);
    const y1 = await i420(frames[1]!);
    const expect = picture(0, W * 2, H);
    const right = new Uint8Array(W * H);
    for (let r = 0; r < H; r++) right.set(expect.subarray(r * W * 2 + W, r * W * 2 + 2 * W), r * W);
    assert.ok(psnr(right, y1, W * H) > 28, 'the right half was encoded');
    cropped.close();
    frames.forEach((f) => f.close());
  });
});

// ---- round trips ----

describe('round trips: encode with VideoEncoder, decode with VideoDecoder', () => {
  const FRAMES = 20;
  const video: [string, string, number][] = [
    // codec string, encoder it needs, PSNR bound (dB) of every frame's luma at 400 kb/s for 160x120
    // (measured: 46-53 dB; VP9 31 dB on its first frame, where its rate control starts low)
    ['avc1.42001f', 'libx264', 40],
    ['avc1.64001f', 'libx264', 40],
    ['hvc1.1.6.L93.B0', 'libx265', 40],
    ['vp8', 'libvpx', 40],
    ['vp09.00.10.08', 'libvpx-vp9', 28],
    ['av01.0.04M.08', 'libsvtav1', 40],
  ];
  for (const [codec, encoderName, bound] of video) {
    test(`${codec} (${encoderName}): PSNR > ${bound} dB, every frame, timestamps kept`, { skip: !hasCodec(encoderName, 'encoder') && `no ${encoderName}` }, async () => {
      const { chunks, config } = await encodeVideo({ codec, width: W, height: H, bitrate: 400_000, framerate: 25 }, FRAMES);
      if (codec.startsWith('avc1') || codec.startsWith('hvc1')) assert.ok(config.description, 'avcC/hvcC description');
      const frames = await decodeVideo(config, chunks);
      assert.equal(frames.length, FRAMES);
      let worst = Infinity;
      let worstAt = -1;
      for (let i = 0; i < FRAMES; i++) {
        const f = frames[i]!;
        assert.equal(f.timestamp, i * FRAME_US);
        const got = await i420(f);
        const db = psnr(picture(i).subarray(0, W * H), got.subarray(0, W * H));
        assert.ok(db > bound, `${codec} frame ${i}: PSNR ${db.toFixed(1)} dB`);
        if (db < worst) [worst, worstAt] = [db, i];
        f.close();
      }
      if (process.env.WEBCODECS_PSNR) console.log(`${codec}: worst PSNR ${worst.toFixed(1)} dB at frame ${worstAt}`);
    });
  }

  test("avc: { format: 'annexb' }: no description, start codes and parameter sets in band, decodes", async () => {
    const { chunks, config } = await encodeVideo({ codec: 'avc1.42001f', width: W, height: H, avc: { format: 'annexb' }, latencyMode: 'realtime' }, 10);
    assert.equal(config.description, undefined);
    const first = new Uint8Array(chunks[0]!.byteLength);
    chunks[0]!.copyTo(first);
    assert.deepEqual([...first.subarray(0, 4)], [0, 0, 0, 1]);
    assert.ok(first.some((b, i) => i > 2 && first[i - 1] === 1 && first[i - 2] === 0 && (b & 0x1f) === 7), 'an SPS in the key frame');
    const frames = await decodeVideo(config, chunks);
    assert.equal(frames.length, 10);
    frames.forEach((f) => f.close());
  });

  test('AudioEncoder/AudioDecoder: validation and errors', async () => {
    assert.throws(() => new AudioEncoder({ output: () => {}, error: () => {} }).configure({ codec: 'opus', sampleRate: 0, numberOfChannels: 2 }), TypeError);
    assert.equal((await AudioEncoder.isConfigSupported({ codec: 'mp4a.40.5', sampleRate: 48000, numberOfChannels: 2 })).supported, false, 'no HE-AAC encoder');
    assert.equal((await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 44100, numberOfChannels: 2 })).supported, true, 'resampled to 48 kHz');
    assert.equal((await AudioDecoder.isConfigSupported({ codec: 'mp4a.40.5', sampleRate: 48000, numberOfChannels: 2 })).supported, true);
    const errors: DOMException[] = [];
    const encoder = new AudioEncoder({ output: () => {}, error: (e) => errors.push(e) });
    encoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    const mono = new AudioData({ format: 'f32', sampleRate: 48000, numberOfChannels: 1, numberOfFrames: 480, timestamp: 0, data: new Float32Array(480) });
    encoder.encode(mono);
    await assert.rejects(encoder.flush(), domName('EncodingError'));
    assert.equal(errors[0]?.name, 'EncodingError');
    const decoder = new AudioDecoder({ output: () => {}, error: () => {} });
    decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    assert.throws(() => decoder.decode(new EncodedAudioChunk({ type: 'delta', timestamp: 0, data: new Uint8Array(3) })), domName('DataError'));
    decoder.close();
    mono.close();
  });

  const RATE = 48000;
  const SAMPLES = 9600 * 5; // 1 s
  const BLOCK = 9600 / 8; // 25 ms blocks of input
  /** Two tones (so that the alignment below is unique), amplitude 0.6. */
  const signal = (c: number, i: number): number => 0.4 * Math.sin((2 * Math.PI * 440 * i) / RATE + c) + 0.2 * Math.sin((2 * Math.PI * 1234 * i) / RATE);

  async function audioRoundTrip(
    codec: string,
    format: AudioSampleFormat,
    bitrate?: number,
    extra: Partial<AudioEncoderConfig> = {},
  ): Promise<{ input: Float32Array[]; output: Float32Array[]; exact: boolean[]; decoded: number; chunks: EncodedAudioChunk[]; config: AudioDecoderConfig }> {
    const channels = 2;
    const input = [new Float32Array(SAMPLES), new Float32Array(SAMPLES)];
    const raw: Uint8Array[] = [];
    const chunks: EncodedAudioChunk[] = [];
    let config: AudioDecoderConfig | undefined;
    const encoder = new AudioEncoder({ output: (c, m) => (chunks.push(c), (config ??= m?.decoderConfig)), error: (e) => assert.fail(String(e)) });
    encoder.configure({ codec, sampleRate: RATE, numberOfChannels: channels, ...(bitrate ? { bitrate } : {}), ...extra });
    for (let start = 0; start < SAMPLES; start += BLOCK) {
      const f32 = new Float32Array(BLOCK * channels);
      for (let i = 0; i < BLOCK; i++)
        for (let c = 0; c < channels; c++) {
          const v = signal(c, start + i);
          input[c]![start + i] = v;
          f32[i * channels + c] = v;
        }
      // Made as f32, handed over in `format` (AudioData converts), so the input is exactly representable.
      const src = new AudioData({ format: 'f32', sampleRate: RATE, numberOfChannels: channels, numberOfFrames: BLOCK, timestamp: Math.round((start * 1e6) / RATE), data: f32 });
      const bytes = new Uint8Array(src.allocationSize({ planeIndex: 0, format: format.replace('-planar', '') as AudioSampleFormat }));
      src.copyTo(bytes, { planeIndex: 0, format: format.replace('-planar', '') as AudioSampleFormat });
      src.close();
      raw.push(bytes);
      const data = new AudioData({ format: format.replace('-planar', '') as AudioSampleFormat, sampleRate: RATE, numberOfChannels: channels, numberOfFrames: BLOCK, timestamp: Math.round((start * 1e6) / RATE), data: bytes });
      encoder.encode(data);
      data.close();
    }
    await encoder.flush();
    encoder.close();
    assert.ok(config, 'decoderConfig with the first chunk');
    const output = [new Float32Array(SAMPLES + 8192), new Float32Array(SAMPLES + 8192)];
    let decoded = 0;
    const exact: boolean[] = [];
    let rawAt = 0;
    const rawAll = new Uint8Array(raw.reduce((n, r) => n + r.length, 0));
    for (const r of raw) (rawAll.set(r, rawAt), (rawAt += r.length));
    let outAt = 0;
    const decoder = new AudioDecoder({
      output: (a) => {
        for (let c = 0; c < channels; c++) {
          const plane = new Float32Array(a.numberOfFrames);
          a.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
          output[c]!.set(plane.subarray(0, Math.max(0, Math.min(plane.length, output[c]!.length - decoded))), decoded);
        }
        if (a.format === format.replace('-planar', '') || a.format === format) {
          const same = new Uint8Array(a.allocationSize({ planeIndex: 0 }));
          a.copyTo(same, { planeIndex: 0 });
          exact.push(same.every((b, i) => b === rawAll[outAt + i]));
          outAt += same.length;
        } else exact.push(false);
        decoded += a.numberOfFrames;
        a.close();
      },
      error: (e) => assert.fail(String(e)),
    });
    decoder.configure(config);
    for (const c of chunks) decoder.decode(c);
    await decoder.flush();
    decoder.close();
    return { input, output, exact, decoded, chunks, config };
  }

  /** SNR (dB) of the output against the input, at the best alignment within ±4096 samples (encoder delay). */
  function alignedSnr(input: Float32Array, output: Float32Array): number {
    const from = 4096;
    const to = SAMPLES - 4096;
    let best = -Infinity;
    for (let d = -4096; d <= 4096; d++) {
      let signalPower = 0;
      let noise = 0;
      for (let i = from; i < to; i += 3) {
        const s = input[i]!;
        const e = s - (output[i + d] ?? 0);
        signalPower += s * s;
        noise += e * e;
        if (noise > signalPower && i > from + 300) break;
      }
      best = Math.max(best, 10 * Math.log10(signalPower / Math.max(noise, 1e-20)));
    }
    return best;
  }

  const lossy: [string, string, number, number][] = [
    // codec string, encoder, bitrate, SNR bound (dB)
    ['opus', 'libopus', 128_000, 20],
    ['mp4a.40.2', 'aac', 128_000, 20],
    ['mp3', 'libmp3lame', 128_000, 20],
    ['vorbis', 'libvorbis', 128_000, 20],
    ['ulaw', 'pcm_mulaw', 0, 30],
    ['alaw', 'pcm_alaw', 0, 30],
  ];
  for (const [codec, encoderName, bitrate, bound] of lossy) {
    test(`${codec} (${encoderName}): SNR > ${bound} dB`, { skip: !hasCodec(encoderName, 'encoder') && `no ${encoderName}` }, async () => {
      const { input, output, decoded } = await audioRoundTrip(codec, 'f32', bitrate || undefined);
      assert.ok(decoded >= SAMPLES - 2048, `decoded ${decoded} of ${SAMPLES} samples`);
      for (let c = 0; c < 2; c++) {
        const snr = alignedSnr(input[c]!, output[c]!);
        assert.ok(snr > bound, `${codec} channel ${c}: SNR ${snr.toFixed(1)} dB`);
      }
    });
  }

  test("mp4a.40.2 with aac: { format: 'adts' }: ADTS frames, no description, decodes", async () => {
    const { input, output, chunks, config } = await audioRoundTrip('mp4a.40.2', 'f32', 128_000, { aac: { format: 'adts' } });
    assert.equal(config.description, undefined);
    const head = new Uint8Array(chunks[1]!.byteLength);
    chunks[1]!.copyTo(head);
    assert.deepEqual([head[0], head[1]], [0xff, 0xf1], 'an ADTS sync word');
    assert.equal(((head[3]! & 3) << 11) | (head[4]! << 3) | (head[5]! >> 5), head.length, 'the ADTS frame length');
    assert.ok(alignedSnr(input[0]!, output[0]!) > 20);
  });

  const lossless: [string, AudioSampleFormat][] = [
    ['flac', 's16'],
    ['pcm-s16', 's16'],
    ['pcm-s32', 's32'],
    ['pcm-f32', 'f32'],
    ['pcm-u8', 'u8'],
  ];
  for (const [codec, format] of lossless) {
    test(`${codec}: bit-exact`, async () => {
      const { exact, decoded } = await audioRoundTrip(codec, format);
      assert.equal(decoded, SAMPLES);
      assert.ok(exact.length > 0 && exact.every(Boolean), `${codec}: every decoded block equals its input`);
    });
  }
});

// ---- the real client ----

describe('Mediabunny with avforge/webcodecs installed as globals', () => {
  const dir = scratch('webcodecs');

  for (const [name, formatName, videoCodec, audioCodec, ffVideo, ffAudio] of [
    ['h264-aac-to-vp9-opus.webm', 'webm', 'vp9', 'opus', 'vp9', 'opus'],
    ['h264-aac-to-hevc-aac.mp4', 'mp4', 'hevc', 'aac', 'hevc', 'aac'],
  ] as const) {
    test(`Conversion: MP4 (H.264 + AAC) to ${formatName} (${videoCodec} + ${audioCodec})`, async () => {
      install();
      const mb = await import('mediabunny');
      const source = media('h264-aac.mp4');
      const target = path.join(dir, name);
      const input = new mb.Input({ source: new mb.FilePathSource(source), formats: mb.ALL_FORMATS });
      const output = new mb.Output({ format: formatName === 'webm' ? new mb.WebMOutputFormat() : new mb.Mp4OutputFormat(), target: new mb.FilePathTarget(target) });
      const conversion = await mb.Conversion.init({
        input,
        output,
        video: { codec: videoCodec, forceTranscode: true },
        audio: { codec: audioCodec, forceTranscode: true },
      });
      assert.ok(conversion.isValid, JSON.stringify(conversion.discardedTracks));
      await conversion.execute();

      interface Probe {
        streams: { codec_name: string; codec_type: string; nb_read_frames?: string; width?: number; height?: number; sample_rate?: string }[];
        format: { duration: string };
      }
      const probe = (file: string): Promise<Probe> =>
        ffprobeJson<Probe>(['-count_frames', '-show_entries', 'stream=codec_name,codec_type,nb_read_frames,width,height,sample_rate:format=duration', file]);
      const [src, out] = await Promise.all([probe(source), probe(target)]);
      const v = out.streams.find((s) => s.codec_type === 'video')!;
      const a = out.streams.find((s) => s.codec_type === 'audio')!;
      const sv = src.streams.find((s) => s.codec_type === 'video')!;
      assert.equal(v.codec_name, ffVideo);
      assert.equal(a.codec_name, ffAudio);
      assert.equal(v.width, sv.width);
      assert.equal(v.height, sv.height);
      assert.equal(v.nb_read_frames, sv.nb_read_frames, 'every frame');
      assert.equal(a.sample_rate, '48000');
      const audioFrames = Number(a.nb_read_frames);
      const expected = audioCodec === 'opus' ? 2 / 0.02 : (2 * 48000) / 1024;
      assert.ok(Math.abs(audioFrames - expected) <= 2, `${audioFrames} audio packets, ~${expected} expected`);
      assert.ok(Math.abs(Number(out.format.duration) - Number(src.format.duration)) < 0.1, `duration ${out.format.duration} vs ${src.format.duration}`);
      // The CLI decodes every stream with no error (-xerror stops at the first).
      const { stderr } = await ffmpeg(['-xerror', '-i', target, '-f', 'null', '-']);
      assert.equal(stderr.trim(), '');
    });
  }
});


test('libav logged nothing but what the damaged-data test expects (no probe warnings, no leftovers)', () => {
  assert.deepEqual(logsSince(0, /\[vp8 @ .*\] Header size larger than data provided/), []);
});
