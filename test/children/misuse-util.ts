// What the misuse cases share: the test clip, a scratch directory, the assertions on AvError,
// ERR_CLOSED and the one TypeError template, and closed objects of every kind.
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { AvError, Decoder, Demuxer, Encoder, Frame, Muxer, Packet, type Stream } from '../../src/index.js';
import { media, scratch } from '../media/generate.js';

export const MP4 = (): string => media('h264-aac.mp4');

/** One scratch directory per process, removed when it exits. */
let scratchDir: string | undefined;
export function dir(): string {
  if (!scratchDir) {
    const made = (scratchDir = scratch('misuse'));
    process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
  }
  return scratchDir;
}
export const W = 64;
export const H = 48;

/** Asserts `e` is an AvError with `code` (and more fields when given). */
export function assertAvError(e: unknown, code: string, more: { op?: string; url?: string } = {}): true {
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
export function throwsClosed(fn: () => unknown): void {
  assert.throws(fn, closedError);
}

/** An async method must return a promise that rejects with ERR_CLOSED (not throw synchronously). */
export async function rejectsClosed(fn: () => Promise<unknown>): Promise<void> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (e) {
    assert.fail(`threw synchronously instead of rejecting: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  assert.ok(p instanceof Promise, 'returns a promise');
  await assert.rejects(p, closedError);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The TypeError of the argument checks: "Expected X for NAME but received Y". `received`
 * is the description of the value ('undefined', "'abc' (string)", 'an instance of Frame'...);
 * `expected`, when given, is the X (else anything).
 */
export function typeError(name: string, received: string, expected?: string): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof TypeError, `expected a TypeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.ok(!(e instanceof AvError), 'a TypeError, not an AvError');
    const x = expected === undefined ? '.+' : escapeRegExp(expected);
    assert.match(e.message, new RegExp(`^Expected ${x} for ${escapeRegExp(name)} but received ${escapeRegExp(received)}$`));
    return true;
  };
}

/** The whole message, exactly. */
export function typeErrorExactly(message: string): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof TypeError, `expected a TypeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.message, message);
    return true;
  };
}

/** An async function rejects (and does not throw synchronously). */
export async function rejectsWith(fn: () => Promise<unknown>, check: (e: unknown) => true): Promise<void> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (e) {
    assert.fail(`threw synchronously instead of rejecting: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  await assert.rejects(p, check);
}

export const videoFrame = (): Frame => Frame.alloc({ width: W, height: H, pixelFormat: 'yuv420p' });

export function closedPacket(): Packet {
  const p = Packet.from(new Uint8Array([0, 0, 1, 2, 3]), { pts: 1, dts: 1, duration: 1, timeBase: { num: 1, den: 25 } });
  p.close();
  p.close(); // idempotent
  assert.equal(p.closed, true);
  return p;
}

export function closedFrame(): Frame {
  const f = videoFrame();
  f.pts = 3;
  f.close();
  f.close();
  assert.equal(f.closed, true);
  return f;
}

export async function openVideo(file = MP4()): Promise<{ demuxer: Demuxer; stream: Stream; decoder: Decoder }> {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video');
  assert.ok(stream, 'a video stream');
  const decoder = await Decoder.open(stream);
  return { demuxer, stream, decoder };
}

export async function videoPackets(count: number): Promise<Packet[]> {
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

export const encoderOptions = {
  codec: 'libx264',
  width: W,
  height: H,
  pixelFormat: 'yuv420p',
  frameRate: { num: 25, den: 1 },
  options: { preset: 'ultrafast' },
};

export async function closedDemuxer(): Promise<Demuxer> {
  const d = await Demuxer.open(MP4());
  await d.close();
  await d.close();
  assert.equal(d.closed, true);
  return d;
}

export async function closedDecoder(): Promise<Decoder> {
  const { demuxer, decoder } = await openVideo();
  await demuxer.close();
  await decoder.close();
  await decoder.close();
  assert.equal(decoder.closed, true);
  return decoder;
}

export async function closedEncoder(): Promise<Encoder> {
  const e = await Encoder.open(encoderOptions);
  await e.close();
  await e.close();
  assert.equal(e.closed, true);
  return e;
}

export async function closedMuxer(): Promise<{ muxer: Muxer; stream: Stream; demuxer: Demuxer }> {
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  await muxer.close();
  await muxer.close();
  assert.equal(muxer.closed, true);
  return { muxer, stream: demuxer.bestStream('video')!, demuxer };
}
