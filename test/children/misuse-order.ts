// Misuse cases: calls out of order (an AvError or a correct result), and frames that do not fit
// the encoder.
import assert from 'node:assert/strict';
import path from 'node:path';

import { AvError, Demuxer, Encoder, Frame, Muxer, type Packet } from '../../src/index.js';
import type { CaseFn } from './harness.js';
import { MP4, dir, assertAvError, videoFrame, openVideo, videoPackets, encoderOptions } from './misuse-util.js';

export const cases: Record<string, CaseFn> = {};

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
  assert.throws(
    () => muxer.addStream(v),
    (e) => assertAvError(e, 'EINVAL'),
  );
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
  const sums = (frames: Frame[]): string[] =>
    frames.map((f) => {
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
  [
    'a 16x16 frame to a 1920x1080 mpeg4 encoder',
    () => Encoder.open({ codec: 'mpeg4', width: 1920, height: 1080, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } }),
    () => Frame.alloc({ width: 16, height: 16, pixelFormat: 'yuv420p' }),
  ],
  [
    'a 64x48 frame to a 320x240 libx264 encoder',
    () => Encoder.open({ ...encoderOptions, width: 320, height: 240 }),
    () => Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' }),
  ],
  [
    'a gray frame to a yuv420p encoder',
    () => Encoder.open({ codec: 'mpeg4', width: 320, height: 240, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } }),
    () => Frame.alloc({ width: 320, height: 240, pixelFormat: 'gray' }),
  ],
  [
    'an audio frame to a video encoder',
    () => Encoder.open(encoderOptions),
    () => Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 1024, channels: 1 }),
  ],
  ['a video frame to an audio encoder', () => Encoder.open(audioEncoderOptions), () => Frame.alloc({ width: 16, height: 16, pixelFormat: 'yuv420p' })],
  [
    'an s16 frame to an fltp encoder',
    () => Encoder.open(audioEncoderOptions),
    () => Frame.alloc({ sampleRate: 48000, sampleFormat: 's16', nbSamples: 1024, channels: 2 }),
  ],
  [
    'a mono frame to a stereo encoder',
    () => Encoder.open(audioEncoderOptions),
    () => Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 1024, channels: 1 }),
  ],
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
