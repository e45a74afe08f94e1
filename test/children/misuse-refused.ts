// Misuse cases: what FFmpeg refuses (an AvError with its code), and the stacks of errors from
// native work.
import assert from 'node:assert/strict';
import path from 'node:path';

import { AvError, Decoder, Demuxer, Encoder, Frame, Muxer, Packet, probe } from '../../src/index.js';
import type { CaseFn } from './harness.js';
import { MP4, dir, assertAvError, closedDecoder, encoderOptions } from './misuse-util.js';

export const cases: Record<string, CaseFn> = {};

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
  assert.throws(
    () => Frame.alloc({ width: 16, height: 16, pixelFormat: 'nosuchformat' }),
    (e) => assertAvError(e, 'EINVAL'),
  );
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
