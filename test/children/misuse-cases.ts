// The misuse cases of test/misuse.test.ts, run by children/misuse.js in a child process (see
// harness.ts) so that one that takes the process down fails alone. Each case asserts; run
// one by hand with `node build/test/children/misuse.js '<case name>'`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  AvError,
  Decoder,
  Demuxer,
  Encoder,
  Frame,
  Muxer,
  Packet,
  probe,
  setLogger,
  setLogLevel,
  type LogLevel,
  type Stream,
} from '../../src/index.js';
import { media, scratch } from '../media/generate.js';
import type { CaseFn } from './harness.js';

// ---------------------------------------------------------------------------------------
// Helpers

const MP4 = (): string => media('h264-aac.mp4');

/** One scratch directory per process, removed when it exits. */
let scratchDir: string | undefined;
function dir(): string {
  if (!scratchDir) {
    const made = (scratchDir = scratch('misuse'));
    process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
  }
  return scratchDir;
}
const W = 64;
const H = 48;

/** Asserts `e` is an AvError with `code` (and more fields when given). */
function assertAvError(e: unknown, code: string, more: { op?: string; url?: string } = {}): true {
  assert.ok(e instanceof AvError, `expected an AvError (${code}), got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  assert.equal(e.name, 'AvError');
  assert.equal(e.code, code, `code of: ${e.message}`);
  if (more.op !== undefined) assert.equal(e.op, more.op, `op of: ${e.message}`);
  if (more.url !== undefined) assert.equal(e.url, more.url, `url of: ${e.message}`);
  return true;
}

const closedError = (e: unknown): true => {
  assertAvError(e, 'ERR_CLOSED');
  assert.match((e as Error).message, /closed/);
  return true;
};

/** A sync member must throw ERR_CLOSED synchronously. */
function throwsClosed(fn: () => unknown): void {
  assert.throws(fn, closedError);
}

/** An async method must return a promise that rejects with ERR_CLOSED (not throw synchronously). */
async function rejectsClosed(fn: () => Promise<unknown>): Promise<void> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (e) {
    assert.fail(`threw synchronously instead of rejecting: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  assert.ok(p instanceof Promise, 'returns a promise');
  await assert.rejects(p, closedError);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The TypeError of the argument checks: "Expected X for NAME but received Y". `received`
 * is the description of the value ('undefined', "'abc' (string)", 'an instance of Frame'...);
 * `expected`, when given, is the X (else anything).
 */
function typeError(name: string, received: string, expected?: string): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof TypeError, `expected a TypeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.ok(!(e instanceof AvError), 'a TypeError, not an AvError');
    const x = expected === undefined ? '.+' : escape(expected);
    assert.match(e.message, new RegExp(`^Expected ${x} for ${escape(name)} but received ${escape(received)}$`));
    return true;
  };
}

/** The whole message, exactly. */
function typeErrorExactly(message: string): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof TypeError, `expected a TypeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.message, message);
    return true;
  };
}

/** An async function rejects (and does not throw synchronously). */
async function rejectsWith(fn: () => Promise<unknown>, check: (e: unknown) => true): Promise<void> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (e) {
    assert.fail(`threw synchronously instead of rejecting: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  await assert.rejects(p, check);
}

const videoFrame = (): Frame => Frame.alloc({ width: W, height: H, pixelFormat: 'yuv420p' });

function closedPacket(): Packet {
  const p = Packet.from(new Uint8Array([0, 0, 1, 2, 3]), { pts: 1, dts: 1, duration: 1, timeBase: { num: 1, den: 25 } });
  p.close();
  p.close(); // idempotent
  assert.equal(p.closed, true);
  return p;
}

function closedFrame(): Frame {
  const f = videoFrame();
  f.pts = 3;
  f.close();
  f.close();
  assert.equal(f.closed, true);
  return f;
}

async function openVideo(file = MP4()): Promise<{ demuxer: Demuxer; stream: Stream; decoder: Decoder }> {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video');
  assert.ok(stream, 'a video stream');
  const decoder = await Decoder.open(stream);
  return { demuxer, stream, decoder };
}

async function videoPackets(count: number): Promise<Packet[]> {
  const d = await Demuxer.open(MP4());
  try {
    const v = d.bestStream('video')!;
    const out: Packet[] = [];
    for await (const p of d.packets({ streams: [v] })) {
      out.push(p);
      if (out.length === count) break;
    }
    return out;
  } finally {
    await d.close();
  }
}

const encoderOptions = { codec: 'libx264', width: W, height: H, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 }, options: { preset: 'ultrafast' } };

async function closedDemuxer(): Promise<Demuxer> {
  const d = await Demuxer.open(MP4());
  await d.close();
  await d.close();
  assert.equal(d.closed, true);
  return d;
}

async function closedDecoder(): Promise<Decoder> {
  const { demuxer, decoder } = await openVideo();
  await demuxer.close();
  await decoder.close();
  await decoder.close();
  assert.equal(decoder.closed, true);
  return decoder;
}

async function closedEncoder(): Promise<Encoder> {
  const e = await Encoder.open(encoderOptions);
  await e.close();
  await e.close();
  assert.equal(e.closed, true);
  return e;
}

async function closedMuxer(): Promise<{ muxer: Muxer; stream: Stream; demuxer: Demuxer }> {
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  await muxer.close();
  await muxer.close();
  assert.equal(muxer.closed, true);
  return { muxer, stream: demuxer.bestStream('video')!, demuxer };
}

export const cases: Record<string, CaseFn> = {};

// ---------------------------------------------------------------------------------------
// After close(): every member throws (sync) or rejects (async) with ERR_CLOSED.

type Bag = Record<string, unknown>;

const packetGetters = ['pts', 'dts', 'duration', 'streamIndex', 'flags', 'timeBase', 'size', 'pos', 'isKeyFrame', 'data'];
for (const k of packetGetters) cases[`closed Packet: get ${k}`] = () => throwsClosed(() => (closedPacket() as unknown as Bag)[k]);

const packetSetters: [string, unknown][] = [['pts', 5], ['pts', null], ['dts', 5], ['duration', 2], ['streamIndex', 1], ['flags', 1], ['timeBase', { num: 1, den: 90000 }]];
for (const [k, v] of packetSetters)
  cases[`closed Packet: set ${k} = ${JSON.stringify(v)}`] = () =>
    throwsClosed(() => {
      (closedPacket() as unknown as Bag)[k] = v;
    });

cases['closed Packet: set()'] = () => throwsClosed(() => closedPacket().set({ pts: 7 }));
cases['closed Packet: setData()'] = () => throwsClosed(() => closedPacket().setData(new Uint8Array(4)));
cases['closed Packet: rescale()'] = () => throwsClosed(() => closedPacket().rescale({ num: 1, den: 1000 }));
cases['closed Packet: clone()'] = () => throwsClosed(() => closedPacket().clone());
cases['closed Packet: close() again, closed, dispose'] = () => {
  const p = closedPacket();
  p.close();
  p[Symbol.dispose]();
  assert.equal(p.closed, true);
};

const frameGetters = [
  'kind', 'pts', 'duration', 'timeBase', 'keyFrame', 'pictType', 'bestEffortTimestamp', 'width', 'height', 'pixelFormat',
  'sampleAspectRatio', 'interlaced', 'colorRange', 'colorSpace', 'colorPrimaries', 'colorTransfer', 'sampleRate',
  'sampleFormat', 'nbSamples', 'channels', 'channelLayout', 'planes', 'linesize',
];
for (const k of frameGetters) cases[`closed Frame: get ${k}`] = () => throwsClosed(() => (closedFrame() as unknown as Bag)[k]);

cases['closed Frame: get width after reading it while open (no stale cache)'] = () => {
  const f = videoFrame();
  assert.equal(f.width, W);
  assert.equal(f.planes.length, 3);
  f.close();
  throwsClosed(() => f.width);
  throwsClosed(() => f.planes);
};
cases['closed Frame: set pts'] = () =>
  throwsClosed(() => {
    closedFrame().pts = 9;
  });
cases['closed Frame: set()'] = () => throwsClosed(() => closedFrame().set({ pts: 1, keyFrame: true }));
cases['closed Frame: toBuffer()'] = () => throwsClosed(() => closedFrame().toBuffer());
cases['closed Frame: copyTo()'] = () => throwsClosed(() => closedFrame().copyTo(new Uint8Array(W * H * 2)));
cases['closed Frame: copyFrom()'] = () => throwsClosed(() => closedFrame().copyFrom(new Uint8Array((W * H * 3) / 2)));
cases['closed Frame: makeWritable()'] = () => throwsClosed(() => closedFrame().makeWritable());
cases['closed Frame: clone()'] = () => throwsClosed(() => closedFrame().clone());
cases['closed Frame: close() again, closed, dispose'] = () => {
  const f = closedFrame();
  f.close();
  f[Symbol.dispose]();
  assert.equal(f.closed, true);
};

cases['closed Demuxer: read()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.read());
};
cases['closed Demuxer: readInto()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.readInto(new Packet()));
};
cases['closed Demuxer: packets()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(async () => {
    for await (const p of d.packets()) p.close();
  });
};
cases['closed Demuxer: seek()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.seek(0.5));
};
cases['closed Demuxer: refresh()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.refresh());
};
cases['closed Demuxer: read() after reading some, with a batch read ahead'] = async () => {
  const d = await Demuxer.open(MP4(), { batchSize: 4 });
  const p = await d.read();
  assert.ok(p, 'a first packet');
  p.close();
  await d.close();
  await rejectsClosed(() => d.read());
};
cases['closed Demuxer: close() again, asyncDispose, format and streams still readable'] = async () => {
  const d = await closedDemuxer();
  await d.close();
  await d[Symbol.asyncDispose]();
  d[Symbol.dispose]();
  assert.equal(d.closed, true);
  assert.equal(d.format.nbStreams, 2);
  assert.equal(d.streams.length, 2);
};

cases['closed Decoder: decode()'] = async () => {
  const d = await closedDecoder();
  const [p] = await videoPackets(1);
  await rejectsClosed(() => d.decode(p!));
};
cases['closed Decoder: decode([])'] = async () => {
  const d = await closedDecoder();
  await rejectsClosed(() => d.decode([]));
};
cases['closed Decoder: flush()'] = async () => {
  const d = await closedDecoder();
  await rejectsClosed(() => d.flush());
};
cases['closed Decoder: reset()'] = async () => {
  const d = await closedDecoder();
  await rejectsClosed(() => d.reset());
};
cases['closed Decoder: frames()'] = async () => {
  const d = await closedDecoder();
  const packets = await videoPackets(3);
  await rejectsClosed(async () => {
    for await (const f of d.frames(packets)) f.close();
  });
};
cases['closed Decoder: damaged, codecName and closed still readable; close() again'] = async () => {
  const d = await closedDecoder();
  assert.equal(d.damaged, 0);
  assert.equal(d.codecName, 'h264');
  await d.close();
  await d[Symbol.asyncDispose]();
  assert.equal(d.closed, true);
};

cases['closed Encoder: encode()'] = async () => {
  const e = await closedEncoder();
  const f = videoFrame();
  f.pts = 0;
  await rejectsClosed(() => e.encode(f));
};
cases['closed Encoder: flush()'] = async () => {
  const e = await closedEncoder();
  await rejectsClosed(() => e.flush());
};
cases['closed Encoder: packets()'] = async () => {
  const e = await closedEncoder();
  const f = videoFrame();
  f.pts = 0;
  await rejectsClosed(async () => {
    for await (const p of e.packets([f])) p.close();
  });
};

cases['closed Muxer: write()'] = async () => {
  const { muxer } = await closedMuxer();
  const [p] = await videoPackets(1);
  await rejectsClosed(() => muxer.write(p!));
};
cases['closed Muxer: addStream() throws synchronously'] = async () => {
  const { muxer, stream } = await closedMuxer();
  throwsClosed(() => muxer.addStream(stream));
};
cases['closed Muxer: writeHeader()'] = async () => {
  const { muxer } = await closedMuxer();
  await rejectsClosed(() => muxer.writeHeader());
};
cases['closed Muxer: writeTrailer()'] = async () => {
  const { muxer } = await closedMuxer();
  await rejectsClosed(() => muxer.writeTrailer());
};
cases['closed Muxer: after its header, write() and writeTrailer()'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const v = demuxer.bestStream('video')!;
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(v);
  await muxer.writeHeader();
  await muxer.close();
  const p = (await demuxer.packets({ streams: [v] }).next()).value as Packet;
  await rejectsClosed(() => muxer.write(p));
  await rejectsClosed(() => muxer.writeTrailer());
  await demuxer.close();
};

// Closed inputs handed to an open object.
cases['a closed Packet given to decode() rejects with ERR_CLOSED'] = async () => {
  const { demuxer, decoder } = await openVideo();
  await rejectsClosed(() => decoder.decode(closedPacket()));
  await rejectsClosed(() => decoder.decode([closedPacket()]));
  // and the decoder still works
  const packets = await videoPackets(2);
  await decoder.decode(packets);
  await decoder.close();
  await demuxer.close();
};
cases['a closed Frame given to encode() rejects with ERR_CLOSED'] = async () => {
  const e = await Encoder.open(encoderOptions);
  await rejectsClosed(() => e.encode(closedFrame()));
  const f = videoFrame();
  f.pts = 0;
  await e.encode(f);
  assert.ok((await e.flush()).length >= 1, 'the encoder still works');
  await e.close();
};
cases['a closed Packet given to write() rejects with ERR_CLOSED'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(demuxer.bestStream('video')!);
  await muxer.writeHeader();
  await rejectsClosed(() => muxer.write(closedPacket()));
  await muxer.close();
  await demuxer.close();
};

// ---------------------------------------------------------------------------------------
// Wrong argument types: a TypeError with the one template.

const frameLike = (): Frame => videoFrame();
const packetLike = (): Packet => Packet.from(new Uint8Array(8));

// [description, value factory, how describe() renders it]
const wrongPackets: [string, () => unknown, string][] = [
  ['a Frame', frameLike, 'an instance of Frame'],
  ['undefined', () => undefined, 'undefined'],
  ['null', () => null, 'null'],
  ['{}', () => ({}), 'an object'],
  ['a string', () => 'abc', "'abc' (string)"],
  ['a number', () => 42, '42 (number)'],
];

for (const [what, value, described] of wrongPackets) {
  cases[`decode(${what}) rejects with a TypeError`] = async () => {
    const { demuxer, decoder } = await openVideo();
    await rejectsWith(() => decoder.decode(value() as Packet), typeError('packets', described, 'a Packet or an array of Packets'));
    await decoder.close();
    await demuxer.close();
  };
  cases[`muxer.write(${what}) rejects with a TypeError`] = async () => {
    const demuxer = await Demuxer.open(MP4());
    const muxer = await Muxer.toBuffer({ format: 'matroska' });
    muxer.addStream(demuxer.bestStream('video')!);
    await muxer.writeHeader();
    await rejectsWith(() => muxer.write(value() as Packet), typeError('packets', described, 'a Packet or an array of Packets'));
    await muxer.close();
    await demuxer.close();
  };
}

const wrongFrames: [string, () => unknown, string][] = [
  ['a Packet', packetLike, 'an instance of Packet'],
  ['undefined', () => undefined, 'undefined'],
  ['{}', () => ({}), 'an object'],
  ['a string', () => 'abc', "'abc' (string)"],
  ['a number', () => 42, '42 (number)'],
];
for (const [what, value, described] of wrongFrames) {
  cases[`encode(${what}) rejects with a TypeError`] = async () => {
    const e = await Encoder.open(encoderOptions);
    await rejectsWith(() => e.encode(value() as Frame), typeError('frames', described, 'a Frame or an array of Frames'));
    await e.close();
  };
}

cases['TypeError messages, in full'] = async () => {
  const { demuxer, stream, decoder } = await openVideo();
  const frame = frameLike();
  await rejectsWith(() => decoder.decode(frame as unknown as Packet), typeErrorExactly('Expected a Packet or an array of Packets for packets but received an instance of Frame'));
  await rejectsWith(() => decoder.decode([packetLike(), frame] as unknown as Packet[]), typeErrorExactly('Expected a Packet for packets[] but received an instance of Frame'));
  await rejectsWith(() => demuxer.seek('1' as unknown as number), typeErrorExactly("Expected a finite number for seconds but received '1' (string)"));
  await rejectsWith(() => Demuxer.open(MP4(), { strict: 'yes' as unknown as boolean }), typeErrorExactly("Expected a boolean for strict but received 'yes' (string)"));
  await rejectsWith(() => Decoder.open(stream, { threads: -1 }), typeErrorExactly('Expected an integer >= 0 for threads but received -1 (number)'));
  await rejectsWith(() => Encoder.open({ ...encoderOptions, width: '320' as unknown as number }), typeErrorExactly("Expected an integer > 0 for width but received '320' (string)"));
  assert.throws(() => Packet.from('abc' as unknown as Uint8Array), typeErrorExactly("Expected a Uint8Array or Buffer for data but received 'abc' (string)"));
  assert.throws(() => Frame.alloc(undefined as unknown as { width: number; height: number; pixelFormat: string }), typeErrorExactly('Expected an object for layout but received undefined'));
  const long = 'x'.repeat(50);
  await rejectsWith(() => Demuxer.open(MP4(), long as unknown as object), typeErrorExactly(`Expected an object for options but received '${'x'.repeat(40)}...' (string)`));
  frame.close();
  await decoder.close();
  await demuxer.close();
};

cases['decode([Packet, 1]) names the element'] = async () => {
  const { demuxer, decoder } = await openVideo();
  await rejectsWith(() => decoder.decode([packetLike(), 1] as unknown as Packet[]), typeError('packets[]', '1 (number)', 'a Packet'));
  await decoder.close();
  await demuxer.close();
};
cases['encode([Frame, Packet]) names the element'] = async () => {
  const e = await Encoder.open(encoderOptions);
  await rejectsWith(() => e.encode([frameLike(), packetLike()] as unknown as Frame[]), typeError('frames[]', 'an instance of Packet', 'a Frame'));
  await e.close();
};
cases['frames() of a non-iterable, or of Frames'] = async () => {
  const { demuxer, decoder } = await openVideo();
  await rejectsWith(async () => {
    for await (const f of decoder.frames(5 as unknown as Packet[])) f.close();
  }, typeError('packets', '5 (number)', 'an iterable of Packets'));
  await rejectsWith(async () => {
    for await (const f of decoder.frames([frameLike()] as unknown as Packet[])) f.close();
  }, typeError('packet', 'an instance of Frame', 'a Packet'));
  await decoder.close();
  await demuxer.close();
};

const openInputs: [string, unknown, string][] = [
  ['a number', 42, '42 (number)'],
  ['undefined', undefined, 'undefined'],
  ['a Frame', 'frame', 'an instance of Frame'],
  ['{}', {}, 'an object'],
  ['an empty string', '', "'' (string)"],
];
for (const [what, value, described] of openInputs) {
  cases[`Demuxer.open(${what}) rejects with a TypeError`] = async () => {
    const v = value === 'frame' ? frameLike() : value;
    await rejectsWith(() => Demuxer.open(v as string), typeError('input', described));
  };
}
cases['Demuxer.open option types'] = async () => {
  await rejectsWith(() => Demuxer.open(MP4(), 'x' as unknown as object), typeError('options', "'x' (string)", 'an object'));
  await rejectsWith(() => Demuxer.open(MP4(), { format: 5 as unknown as string }), typeError('format', '5 (number)'));
  await rejectsWith(() => Demuxer.open(MP4(), { batchSize: 0 }), typeError('batchSize', '0 (number)', 'an integer > 0'));
  await rejectsWith(() => Demuxer.open(MP4(), { options: 5 as unknown as Record<string, string> }), typeError('options', '5 (number)', 'an object of AVOptions'));
  await rejectsWith(() => Demuxer.open(MP4(), { options: { probesize: {} as unknown as string } }), typeError('options.probesize', 'an object', 'a string, number or boolean'));
  await rejectsWith(() => Demuxer.open(MP4(), { signal: {} as unknown as AbortSignal }), typeError('signal', 'an object', 'an AbortSignal'));
};
cases['probe() argument types'] = async () => {
  await rejectsWith(() => probe(undefined as unknown as string), typeError('url', 'undefined'));
  await rejectsWith(() => probe(7 as unknown as string), typeError('url', '7 (number)'));
};
cases['Decoder.open argument types'] = async () => {
  const d = await Demuxer.open(MP4());
  const v = d.bestStream('video')!;
  await rejectsWith(() => Decoder.open(undefined as unknown as Stream), typeError('source', 'undefined', 'a Stream, CodecParameters or null'));
  await rejectsWith(() => Decoder.open(frameLike() as unknown as Stream), typeError('source', 'an instance of Frame', 'a Stream, CodecParameters or null'));
  await rejectsWith(() => Decoder.open('h264' as unknown as Stream), typeError('source', "'h264' (string)", 'a Stream, CodecParameters or null'));
  await rejectsWith(() => Decoder.open(v, 'fast' as unknown as object), typeError('options', "'fast' (string)", 'an object'));
  await rejectsWith(() => Decoder.open(v, { strict: 1 as unknown as boolean }), typeError('strict', '1 (number)', 'a boolean'));
  await rejectsWith(() => Decoder.open(v, { timeBase: 25 as unknown as { num: number; den: number } }), typeError('timeBase', '25 (number)'));
  await rejectsWith(() => Decoder.open(null), typeError('codec', 'undefined'));
  await d.close();
};
cases['seek argument types'] = async () => {
  const d = await Demuxer.open(MP4());
  await rejectsWith(() => d.seek(undefined as unknown as number), typeError('seconds', 'undefined', 'a finite number'));
  await rejectsWith(() => d.seek(Number.NaN), typeError('seconds', 'NaN (number)', 'a finite number'));
  await rejectsWith(() => d.seek(Number.POSITIVE_INFINITY), typeError('seconds', 'Infinity (number)', 'a finite number'));
  await rejectsWith(() => d.seek({} as unknown as number), typeError('seconds', 'an object', 'a finite number'));
  await rejectsWith(() => d.seek(frameLike() as unknown as number), typeError('seconds', 'an instance of Frame', 'a finite number'));
  await rejectsWith(() => d.seek(1, { stream: 9 }), typeError('stream', '9 (number)'));
  await rejectsWith(() => d.readInto({} as unknown as Packet), typeError('packet', 'an object', 'a Packet'));
  await rejectsWith(() => d.readInto(frameLike() as unknown as Packet), typeError('packet', 'an instance of Frame', 'a Packet'));
  await rejectsWith(async () => {
    for await (const p of d.packets({ streams: 1 as unknown as number[] })) p.close();
  }, typeError('streams', '1 (number)'));
  await rejectsWith(() => d.seek(1, { backward: 'yes' as unknown as boolean }), typeError('backward', "'yes' (string)", 'a boolean'));
  // and it still works
  await d.seek(0);
  const p = await d.read();
  assert.ok(p, 'reads after the rejected seeks');
  p.close();
  await d.close();
};
cases['Frame.alloc argument types'] = () => {
  const bad: [unknown, string, string][] = [
    [undefined, 'layout', 'undefined'],
    ['yuv420p', 'layout', "'yuv420p' (string)"],
    [42, 'layout', '42 (number)'],
    [{ width: 'a', height: 4, pixelFormat: 'gray' }, 'width', "'a' (string)"],
    [{ width: 4, height: 0, pixelFormat: 'gray' }, 'height', '0 (number)'],
    [{ width: 4, height: 4, pixelFormat: '' }, 'pixelFormat', "'' (string)"],
    [{ width: 4, height: 4, pixelFormat: 'gray', align: 1.5 }, 'align', '1.5 (number)'],
    [{ sampleRate: 48000, sampleFormat: 's16', nbSamples: -1 }, 'nbSamples', '-1 (number)'],
    [{ sampleRate: '48000', sampleFormat: 's16', nbSamples: 10 }, 'sampleRate', "'48000' (string)"],
    [{}, 'sampleRate', 'undefined'],
    [packetLike(), 'sampleRate', 'undefined'],
  ];
  for (const [layout, name, described] of bad) assert.throws(() => Frame.alloc(layout as never), typeError(name, described));
};
cases['Frame methods: argument types'] = () => {
  const f = videoFrame();
  assert.throws(() => f.copyTo('x' as unknown as Uint8Array), typeError('dest', "'x' (string)", 'a Uint8Array or Buffer'));
  assert.throws(() => f.copyFrom(5 as unknown as Uint8Array), typeError('data', '5 (number)', 'a Uint8Array or Buffer'));
  assert.throws(() => f.set({ pts: 1.5 }), typeError('pts', '1.5 (number)'));
  assert.throws(() => f.set({ pictType: 'X' as 'I' }), typeError('pictType', "'X' (string)"));
  assert.throws(() => f.set('x' as unknown as object), typeError('fields', "'x' (string)", 'an object'));
  assert.throws(() => {
    f.pts = '1' as unknown as number;
  }, typeError('pts', "'1' (string)"));
  assert.throws(() => Frame.from('abc' as unknown as Uint8Array, { width: 4, height: 4, pixelFormat: 'gray' }), typeError('data', "'abc' (string)"));
  f.close();
};
cases['Packet.from and Packet setters: argument types'] = () => {
  const bad: [() => unknown, string, string][] = [
    [() => Packet.from(undefined as unknown as Uint8Array), 'data', 'undefined'],
    [() => Packet.from(frameLike() as unknown as Uint8Array), 'data', 'an instance of Frame'],
    [() => Packet.from([1, 2, 3] as unknown as Uint8Array), 'data', 'an instance of Array'],
    [() => Packet.from({} as unknown as Uint8Array), 'data', 'an object'],
    [() => Packet.from(42 as unknown as Uint8Array), 'data', '42 (number)'],
    [() => Packet.from(new Uint8Array(2), 5 as unknown as object), 'fields', '5 (number)'],
    [() => Packet.from(new Uint8Array(2), { pts: 1.5 }), 'pts', '1.5 (number)'],
    [() => Packet.from(new Uint8Array(2), { streamIndex: -1 }), 'streamIndex', '-1 (number)'],
    [() => Packet.from(new Uint8Array(2), { timeBase: { num: 1 } as unknown as { num: number; den: number } }), 'timeBase', 'an object'],
    [() => Packet.from(new Uint8Array(2), { duration: '1' as unknown as number }), 'duration', "'1' (string)"],
  ];
  for (const [fn, name, described] of bad) assert.throws(fn, typeError(name, described));
  const p = packetLike();
  assert.throws(() => {
    p.flags = 0.5;
  }, typeError('flags', '0.5 (number)'));
  assert.throws(() => p.rescale(5 as unknown as { num: number; den: number }), typeError('timeBase', '5 (number)'));
  assert.throws(() => p.setData('x' as unknown as Uint8Array), typeError('data', "'x' (string)"));
  p.close();
};
cases['Encoder.open argument types'] = async () => {
  const bad: [unknown, string, string][] = [
    [undefined, 'codec', 'undefined'],
    ['libx264', 'options', "'libx264' (string)"],
    [{}, 'codec', 'undefined'],
    [{ codec: 264 }, 'codec', '264 (number)'],
    [{ ...encoderOptions, height: -2 }, 'height', '-2 (number)'],
    [{ ...encoderOptions, width: frameLike() }, 'width', 'an instance of Frame'],
    [{ ...encoderOptions, pixelFormat: 5 }, 'pixelFormat', '5 (number)'],
    [{ ...encoderOptions, frameRate: 25 }, 'frameRate', '25 (number)'],
    [{ ...encoderOptions, frameRate: { num: 25 } }, 'frameRate', 'an object'],
    [{ ...encoderOptions, bitRate: -1 }, 'bitRate', '-1 (number)'],
    [{ ...encoderOptions, globalHeader: 'no' }, 'globalHeader', "'no' (string)"],
    [{ ...encoderOptions, options: 'fast' }, 'options', "'fast' (string)"],
    [{ ...encoderOptions, options: { preset: {} } }, 'options.preset', 'an object'],
    [{ codec: 'aac', sampleRate: 0 }, 'sampleRate', '0 (number)'],
  ];
  for (const [options, name, described] of bad) await rejectsWith(() => Encoder.open(options as never), typeError(name, described));
};
cases['Muxer argument types'] = async () => {
  await rejectsWith(() => Muxer.open(42 as unknown as string, { format: 'mp4' }), typeError('output', '42 (number)'));
  await rejectsWith(() => Muxer.open('', {}), typeError('output', "'' (string)"));
  await rejectsWith(() => Muxer.open(path.join(dir(), 'x.mkv'), 'x' as unknown as object), typeError('options', "'x' (string)", 'an object'));
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  assert.throws(() => muxer.addStream(undefined as unknown as Stream), typeError('source', 'undefined', 'an Encoder, Stream or CodecParameters'));
  assert.throws(() => muxer.addStream(frameLike() as unknown as Stream), typeError('source', 'an instance of Frame', 'an Encoder, Stream or CodecParameters'));
  assert.throws(() => muxer.addStream(demuxer.streams[0]!, { timeBase: 'x' as unknown as { num: number; den: number } }), typeError('timeBase', "'x' (string)"));
  const s = muxer.addStream(demuxer.bestStream('video')!);
  await rejectsWith(() => muxer.writeHeader({ options: 5 as unknown as Record<string, string> }), typeError('options', '5 (number)'));
  await muxer.writeHeader();
  const p = packetLike();
  await rejectsWith(() => muxer.write(p, 5), typeError('stream', '5 (number)', 'a stream of this muxer'));
  assert.equal(s.index, 0);
  await muxer.close();
  await demuxer.close();
};
cases['setLogger and setLogLevel argument types'] = () => {
  assert.throws(() => setLogger('x' as unknown as null), typeErrorExactly("Expected a function or null for logger but received 'x' (string)"));
  assert.throws(() => setLogLevel('loud' as LogLevel), typeError('level', "'loud' (string)"));
};

// ---------------------------------------------------------------------------------------
// Calls out of order: an AvError or a correct result.

cases['muxer.write() before writeHeader(): an AvError (now or from the next call)'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const v = demuxer.bestStream('video')!;
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(v);
  const packets: Packet[] = [];
  for await (const p of demuxer.packets({ streams: [v] })) {
    packets.push(p);
    if (packets.length === 3) break;
  }
  let error: unknown;
  try {
    await muxer.write(packets[0]!);
    await muxer.write(packets[1]!);
    await muxer.writeTrailer();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, 'write() before writeHeader() fails');
  assertAvError(error, 'EINVAL');
  await muxer.close();
  await demuxer.close();
};
cases['writeTrailer() before writeHeader(): AvError EINVAL'] = async () => {
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  await assert.rejects(muxer.writeTrailer(), (e) => assertAvError(e, 'EINVAL'));
  await muxer.close();
};
cases['writeHeader() twice, addStream() after it, writeTrailer() twice: AvError EINVAL, the output intact'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const v = demuxer.bestStream('video')!;
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(v);
  await muxer.writeHeader();
  await assert.rejects(muxer.writeHeader(), (e) => assertAvError(e, 'EINVAL'));
  assert.throws(() => muxer.addStream(v), (e) => assertAvError(e, 'EINVAL'));
  let n = 0;
  for await (const p of demuxer.packets({ streams: [v] })) {
    await muxer.write(p);
    p.close();
    n++;
  }
  const first = await muxer.writeTrailer();
  assert.ok(first.buffer && first.buffer.length > 1000, 'the file');
  await assert.rejects(muxer.writeTrailer(), (e) => assertAvError(e, 'EINVAL'));
  await muxer.close();
  await demuxer.close();
  // The file is whole: it reads back with every packet.
  const back = await Demuxer.open(first.buffer);
  let m = 0;
  for await (const p of back.packets()) {
    m++;
    p.close();
  }
  await back.close();
  assert.equal(m, n);
};
cases['writeTrailer() twice on a file output: AvError EINVAL, the file in place'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const v = demuxer.bestStream('video')!;
  const file = path.join(dir(), 'twice.mkv');
  const muxer = await Muxer.open(file);
  muxer.addStream(v);
  await muxer.writeHeader();
  for await (const p of demuxer.packets({ streams: [v] })) await muxer.write(p);
  await muxer.writeTrailer();
  await assert.rejects(muxer.writeTrailer(), (e) => assertAvError(e, 'EINVAL'));
  await muxer.close();
  await demuxer.close();
  const back = await Demuxer.open(file);
  assert.equal(back.streams.length, 1);
  await back.close();
};
cases['decoder: flush() twice, then decode() again gives the same frames'] = async () => {
  const { demuxer, decoder } = await openVideo();
  const packets = await videoPackets(12);
  const sums = (frames: Frame[]): string[] => frames.map((f) => {
    const b = f.toBuffer();
    f.close();
    let h = 0;
    for (let i = 0; i < b.length; i += 7) h = (h * 31 + b[i]!) >>> 0;
    return `${b.length}:${h}`;
  });
  const first = [...sums(await decoder.decode(packets)), ...sums(await decoder.flush())];
  assert.equal(first.length, 12, 'every packet gives a frame');
  assert.deepEqual(await decoder.flush(), [], 'a second flush gives nothing');
  assert.deepEqual(await decoder.flush(), [], 'a third flush gives nothing');
  const again = [...sums(await decoder.decode(packets)), ...sums(await decoder.flush())];
  assert.deepEqual(again, first);
  assert.equal(decoder.damaged, 0);
  await decoder.close();
  await demuxer.close();
};
cases['decoder: flush() before any decode(), reset() anytime'] = async () => {
  const { demuxer, decoder } = await openVideo();
  assert.deepEqual(await decoder.flush(), []);
  await decoder.reset();
  await decoder.reset();
  const packets = await videoPackets(4);
  const frames = [...(await decoder.decode(packets)), ...(await decoder.flush())];
  assert.equal(frames.length, 4);
  for (const f of frames) f.close();
  await decoder.close();
  await demuxer.close();
};
cases['encoder: flush() twice gives nothing more; encode() after flush is an AvError or packets'] = async () => {
  const e = await Encoder.open(encoderOptions);
  const frames = [0, 1, 2].map((i) => {
    const f = videoFrame();
    f.pts = i;
    return f;
  });
  const out = [...(await e.encode(frames)), ...(await e.flush())];
  assert.equal(out.length, 3);
  assert.deepEqual(await e.flush(), []);
  const f = videoFrame();
  f.pts = 3;
  try {
    const more = await e.encode(f);
    assert.ok(Array.isArray(more));
  } catch (err) {
    assert.ok(err instanceof AvError, `an AvError, got ${String(err)}`);
    assert.equal(err.code, 'EOF');
  }
  await e.close();
};
cases['demuxer: read() after the end keeps giving null; seek(0) then read() starts over'] = async () => {
  const d = await Demuxer.open(MP4());
  let n = 0;
  let first: number | undefined;
  for (let p = await d.read(); p; p = await d.read()) {
    first ??= p.pos;
    n++;
    p.close();
  }
  assert.ok(n > 100);
  assert.equal(await d.read(), null);
  assert.equal(await d.read(), null);
  await d.seek(0);
  const p = await d.read();
  assert.ok(p, 'a packet after seeking back');
  assert.equal(p.pos, first);
  p.close();
  await d.close();
};
cases['demuxer: concurrent read() calls give every packet, in order'] = async () => {
  const sequential: number[] = [];
  const a = await Demuxer.open(MP4());
  for (let p = await a.read(); p; p = await a.read()) {
    sequential.push(p.pos);
    p.close();
  }
  await a.close();
  const b = await Demuxer.open(MP4());
  const concurrent: number[] = [];
  for (;;) {
    const got = await Promise.all([b.read(), b.read(), b.read()]);
    for (const p of got) {
      if (p) concurrent.push(p.pos);
      p?.close();
    }
    if (got.some((p) => p === null)) break;
  }
  await b.close();
  const diverge = sequential.findIndex((pos, i) => concurrent[i] !== pos);
  assert.ok(
    diverge < 0 && concurrent.length === sequential.length,
    `three reads at a time read ${concurrent.length} packets, one at a time ${sequential.length}; ` +
      `they part at packet ${diverge} (pos ${sequential[diverge]} expected, ${concurrent[diverge]} read)`,
  );
};
cases['decoder: concurrent decode() calls are serialized, in order'] = async () => {
  const packets = await videoPackets(24);
  const { demuxer, decoder } = await openVideo();
  const sequential: (number | null)[] = [];
  for (let i = 0; i < packets.length; i += 3) for (const f of await decoder.decode(packets.slice(i, i + 3))) sequential.push(f.pts);
  for (const f of await decoder.flush()) sequential.push(f.pts);
  const calls: Promise<Frame[]>[] = [];
  for (let i = 0; i < packets.length; i += 3) calls.push(decoder.decode(packets.slice(i, i + 3)));
  calls.push(decoder.flush());
  const concurrent = (await Promise.all(calls)).flat().map((f) => f.pts);
  assert.deepEqual(concurrent, sequential);
  await decoder.close();
  await demuxer.close();
};

// Frames that do not fit the encoder: FFmpeg 5.1 does not check them, and an encoder that
// reads a frame as the layout it was opened with reads past the frame's buffers.

const audioEncoderOptions = { codec: 'aac', sampleRate: 48000, channelLayout: 'stereo' }; // fltp, 1024 samples
const mismatched: [string, () => Promise<Encoder>, () => Frame][] = [
  ['a 16x16 frame to a 1920x1080 mpeg4 encoder', () => Encoder.open({ codec: 'mpeg4', width: 1920, height: 1080, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } }), () => Frame.alloc({ width: 16, height: 16, pixelFormat: 'yuv420p' })],
  ['a 64x48 frame to a 320x240 libx264 encoder', () => Encoder.open({ ...encoderOptions, width: 320, height: 240 }), () => Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' })],
  ['a gray frame to a yuv420p encoder', () => Encoder.open({ codec: 'mpeg4', width: 320, height: 240, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } }), () => Frame.alloc({ width: 320, height: 240, pixelFormat: 'gray' })],
  ['an audio frame to a video encoder', () => Encoder.open(encoderOptions), () => Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 1024, channels: 1 })],
  ['a video frame to an audio encoder', () => Encoder.open(audioEncoderOptions), () => Frame.alloc({ width: 16, height: 16, pixelFormat: 'yuv420p' })],
  ['an s16 frame to an fltp encoder', () => Encoder.open(audioEncoderOptions), () => Frame.alloc({ sampleRate: 48000, sampleFormat: 's16', nbSamples: 1024, channels: 2 })],
  ['a mono frame to a stereo encoder', () => Encoder.open(audioEncoderOptions), () => Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 1024, channels: 1 })],
];
for (const [what, open, frame] of mismatched) {
  cases[`encode() of ${what}: an AvError (EINVAL or the encoder's), no crash`] = async () => {
    const e = await open();
    const frames = Array.from({ length: 3 }, (_, i) => {
      const f = frame();
      f.pts = i;
      return f;
    });
    let error: unknown;
    try {
      for (const f of frames) await e.encode(f);
      await e.flush();
    } catch (err) {
      error = err;
    }
    assert.ok(error !== undefined, 'encoding frames that do not fit the encoder fails');
    assert.ok(error instanceof AvError && error.code, `an AvError, got ${String(error)}`);
    await e.close();
  };
}
cases['encode() of an empty Frame (no buffers): AvError EINVAL'] = async () => {
  const e = await Encoder.open(encoderOptions);
  await assert.rejects(e.encode(new Frame()), (err) => assertAvError(err, 'EINVAL'));
  await e.close();
};

// ---------------------------------------------------------------------------------------
// What FFmpeg refuses: AvError with its code.

cases['unknown encoder AVOption: OPTION_NOT_FOUND'] = async () => {
  await assert.rejects(Encoder.open({ ...encoderOptions, options: { nosuchopt: 1 } }), (e) => {
    assertAvError(e, 'OPTION_NOT_FOUND');
    assert.match((e as Error).message, /nosuchopt/);
    return true;
  });
};
cases['unknown decoder AVOption: OPTION_NOT_FOUND'] = async () => {
  const d = await Demuxer.open(MP4());
  await assert.rejects(Decoder.open(d.bestStream('video')!, { options: { nosuchopt: 1 } }), (e) => assertAvError(e, 'OPTION_NOT_FOUND'));
  await d.close();
};
cases['unknown muxer AVOption at writeHeader: OPTION_NOT_FOUND'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const file = path.join(dir(), 'opt.mp4');
  const muxer = await Muxer.open(file);
  muxer.addStream(demuxer.bestStream('video')!);
  await assert.rejects(muxer.writeHeader({ options: { nosuch: 1 } }), (e) => {
    assertAvError(e, 'OPTION_NOT_FOUND', { url: file });
    assert.match((e as Error).message, /nosuch/);
    return true;
  });
  await muxer.close();
  await demuxer.close();
};
cases['unknown demuxer AVOption: OPTION_NOT_FOUND'] = async () => {
  const file = MP4();
  await assert.rejects(Demuxer.open(file, { options: { nosuch: 1 } }), (e) => assertAvError(e, 'OPTION_NOT_FOUND', { url: file }));
};
cases['unknown encoder: ENCODER_NOT_FOUND'] = async () => {
  await assert.rejects(Encoder.open({ ...encoderOptions, codec: 'nosuchcodec' }), (e) => assertAvError(e, 'ENCODER_NOT_FOUND'));
};
cases['unknown decoder: DECODER_NOT_FOUND'] = async () => {
  await assert.rejects(Decoder.open(null, { codec: 'nosuchcodec' }), (e) => assertAvError(e, 'DECODER_NOT_FOUND'));
};
cases['unknown input format: DEMUXER_NOT_FOUND'] = async () => {
  await assert.rejects(Demuxer.open(MP4(), { format: 'nosuchformat' }), (e) => assertAvError(e, 'DEMUXER_NOT_FOUND'));
};
cases['unknown output format: an AvError'] = async () => {
  const out = dir();
  await assert.rejects(Muxer.open(path.join(out, 'x.nosuchext')), (e) => {
    assert.ok(e instanceof AvError && (e.code === 'EINVAL' || e.code === 'MUXER_NOT_FOUND'), String(e));
    return true;
  });
  await assert.rejects(Muxer.open(path.join(out, 'x.mkv'), { format: 'nosuchformat' }), (e) => e instanceof AvError);
};
cases['unknown pixel format in Frame.alloc: an AvError, thrown'] = () => {
  assert.throws(() => Frame.alloc({ width: 16, height: 16, pixelFormat: 'nosuchformat' }), (e) => assertAvError(e, 'EINVAL'));
};
cases['nonexistent path: ENOENT with url and op'] = async () => {
  const file = path.join(dir(), 'does-not-exist.mp4');
  await assert.rejects(Demuxer.open(file), (e) => assertAvError(e, 'ENOENT', { op: 'avformat_open_input', url: file }));
  await assert.rejects(probe(file), (e) => assertAvError(e, 'ENOENT', { op: 'avformat_open_input', url: file }));
  const e = await Demuxer.open(file).catch((err: unknown) => err);
  assert.ok(e instanceof AvError);
  assert.equal(typeof e.errno, 'number');
  assert.ok(e.errno! < 0, 'errno is the AVERROR value');
  assert.ok(e.message.includes(file), 'the message names the file');
};
cases['output into a nonexistent directory: ENOENT at writeHeader'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const file = path.join(dir(), 'no', 'such', 'dir', 'x.mkv');
  const muxer = await Muxer.open(file);
  muxer.addStream(demuxer.bestStream('video')!);
  await assert.rejects(muxer.writeHeader(), (e) => assertAvError(e, 'ENOENT', { url: file }));
  await muxer.close();
  await demuxer.close();
};

// ---------------------------------------------------------------------------------------
// Errors from native work carry the stack of the code that awaited them.

async function openMissingFileFromMisuseCase(file: string): Promise<Demuxer> {
  return await Demuxer.open(file);
}
async function openEncoderWithBadOptionFromMisuseCase(): Promise<Encoder> {
  return await Encoder.open({ ...encoderOptions, options: { nosuchopt: 1 } });
}
async function writeHeaderWithBadOptionFromMisuseCase(muxer: Muxer): Promise<void> {
  await muxer.writeHeader({ options: { nosuch: 1 } });
}
async function decodeGarbageStrictlyFromMisuseCase(decoder: Decoder, packet: Packet): Promise<Frame[]> {
  return await decoder.decode(packet);
}
async function decodeOnClosedDecoderFromMisuseCase(decoder: Decoder): Promise<Frame[]> {
  return await decoder.decode([]);
}

const hasFrame = (stack: string | undefined, fn: string): boolean => new RegExp(`\\bat (async )?${fn} `).test(stack ?? '');

cases['error stacks: AvError from Demuxer.open names the caller'] = async () => {
  const e = await openMissingFileFromMisuseCase(path.join(dir(), 'missing.mp4')).catch((err: unknown) => err);
  assertAvError(e, 'ENOENT');
  assert.ok(hasFrame((e as Error).stack, 'openMissingFileFromMisuseCase'), `stack:\n${(e as Error).stack}`);
};
cases['error stacks: AvError from Encoder.open names the caller'] = async () => {
  const e = await openEncoderWithBadOptionFromMisuseCase().catch((err: unknown) => err);
  assertAvError(e, 'OPTION_NOT_FOUND');
  assert.ok(hasFrame((e as Error).stack, 'openEncoderWithBadOptionFromMisuseCase'), `stack:\n${(e as Error).stack}`);
};
cases['error stacks: AvError from Muxer.writeHeader names the caller'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(demuxer.bestStream('video')!);
  const e = await writeHeaderWithBadOptionFromMisuseCase(muxer).catch((err: unknown) => err);
  assertAvError(e, 'OPTION_NOT_FOUND');
  assert.ok(hasFrame((e as Error).stack, 'writeHeaderWithBadOptionFromMisuseCase'), `stack:\n${(e as Error).stack}`);
  await muxer.close();
  await demuxer.close();
};
cases['error stacks: AvError from a strict decode names the caller'] = async () => {
  const d = await Demuxer.open(MP4());
  const decoder = await Decoder.open(d.bestStream('audio')!, { strict: true });
  // 300 pseudo-random bytes are no AAC frame: the decoder refuses them.
  const garbage = new Uint8Array(300);
  for (let i = 0, x = 1; i < garbage.length; i++) garbage[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const e = await decodeGarbageStrictlyFromMisuseCase(decoder, Packet.from(garbage, { pts: 0 })).catch((err: unknown) => err);
  assertAvError(e, 'INVALIDDATA');
  assert.ok(hasFrame((e as Error).stack, 'decodeGarbageStrictlyFromMisuseCase'), `stack:\n${(e as Error).stack}`);
  await decoder.close();
  await d.close();
};
cases['error stacks: ERR_CLOSED from decode() names the caller'] = async () => {
  const decoder = await closedDecoder();
  const e = await decodeOnClosedDecoderFromMisuseCase(decoder).catch((err: unknown) => err);
  assertAvError(e, 'ERR_CLOSED');
  assert.ok(hasFrame((e as Error).stack, 'decodeOnClosedDecoderFromMisuseCase'), `stack:\n${(e as Error).stack}`);
};

