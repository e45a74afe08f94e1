// Scaler and Resampler against the ffmpeg CLI's scale and aresample filters.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';

import { AvError, Decoder, Demuxer, Frame, Resampler, Scaler } from '../src/index.js';
import { media } from './media/generate.js';

const md5 = (data: Uint8Array) => crypto.createHash('md5').update(data).digest('hex');
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', ...args], { maxBuffer: 1 << 28 });

function framemd5s(out: Buffer): string[] {
  return out
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').pop()!.trim());
}

async function decodeAll(file: string, type: 'video' | 'audio'): Promise<Frame[]> {
  await using demuxer = await Demuxer.open(file);
  await using decoder = await Decoder.open(demuxer.bestStream(type)!, { threads: 1 });
  const frames: Frame[] = [];
  for await (const f of decoder.frames(demuxer.packets())) frames.push(f);
  return frames;
}

describe('Scaler', () => {
  for (const [w, h, fmt, algorithm] of [
    [160, 120, 'yuv420p', 'bicubic'],
    [640, 360, 'rgb24', 'bilinear'],
    [100, 75, 'gray', 'lanczos'],
  ] as const) {
    test(`${w}x${h} ${fmt} ${algorithm} matches -vf scale`, async () => {
      const file = media('h264-aac.mp4');
      const frames = await decodeAll(file, 'video');
      await using scaler = new Scaler({ width: w, height: h, pixelFormat: fmt, algorithm });
      const scaled = await scaler.scale(frames);
      assert.equal(scaled.length, frames.length);
      assert.equal(scaled[0]!.width, w);
      assert.equal(scaled[0]!.pixelFormat, fmt);
      assert.equal(scaled[3]!.pts, frames[3]!.pts);
      frames.forEach((f) => f.close());
      const ours = scaled.map((f) => md5(f.toBuffer()));
      scaled.forEach((f) => f.close());
      const reference = framemd5s(
        ffmpeg('-threads', '1', '-i', file, '-map', '0:v', '-vf', `scale=${w}:${h}:flags=${algorithm}+accurate_rnd+full_chroma_int,format=${fmt}`, '-f', 'framemd5', '-'),
      );
      assert.deepEqual(ours, reference);
    });
  }

  test('rejects an unknown pixel format and audio frames', async () => {
    assert.throws(() => new Scaler({ pixelFormat: 'nope' }), (e: unknown) => e instanceof AvError && e.code === 'EINVAL');
    await using scaler = new Scaler({ width: 16 });
    using audio = Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 64, channelLayout: 'mono' });
    await assert.rejects(scaler.scale(audio), (e: unknown) => e instanceof AvError && e.code === 'EINVAL');
  });
});

describe('Resampler', () => {
  test('44.1 kHz stereo -> 48 kHz mono s16 gives the samples -af aresample gives', async () => {
    const file = media('audio.mp3');
    const frames = await decodeAll(file, 'audio');
    await using resampler = new Resampler({ sampleRate: 48000, sampleFormat: 's16', channelLayout: 'mono' });
    const out = [...(await resampler.resample(frames)), ...(await resampler.flush())];
    frames.forEach((f) => f.close());
    assert.equal(out[0]!.sampleRate, 48000);
    assert.equal(out[0]!.channels, 1);
    assert.equal(out[0]!.sampleFormat, 's16');
    const ours = Buffer.concat(out.map((f) => f.toBuffer()));
    out.forEach((f) => f.close());
    const reference = ffmpeg('-i', file, '-map', '0:a', '-af', 'aresample=48000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 's16le', '-');
    // The CLI's -ac inserts its own rematrix step; lengths agree exactly, samples within rounding.
    assert.ok(Math.abs(ours.length - reference.length) <= 4, `${ours.length} vs ${reference.length}`);
    const a = new Int16Array(ours.buffer, ours.byteOffset, Math.min(ours.length, reference.length) / 2);
    const b = new Int16Array(reference.buffer, reference.byteOffset, a.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    assert.ok(worst <= 2, `largest sample difference ${worst}`);
  });

  test('frameSize cuts exact frames with continuous timestamps', async () => {
    const frames = await decodeAll(media('h264-aac.mp4'), 'audio');
    await using resampler = new Resampler({ sampleRate: 44100, frameSize: 1152 });
    const out = [...(await resampler.resample(frames)), ...(await resampler.flush())];
    const inputSamples = frames.reduce((n, f) => n + f.nbSamples, 0);
    frames.forEach((f) => f.close());
    for (const f of out.slice(0, -1)) assert.equal(f.nbSamples, 1152);
    assert.ok(out.at(-1)!.nbSamples <= 1152);
    for (let i = 1; i < out.length; i++) assert.equal(out[i]!.pts, out[i - 1]!.pts! + out[i - 1]!.nbSamples);
    const total = out.reduce((n, f) => n + f.nbSamples, 0);
    assert.ok(Math.abs(total - Math.round((inputSamples * 44100) / 48000)) <= 64, `${total} samples`);
    out.forEach((f) => f.close());
  });
});
