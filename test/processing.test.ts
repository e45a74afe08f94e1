// Scaler and Resampler against the ffmpeg CLI's scale and aresample filters.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';

import { AvError, BitstreamFilter, Decoder, Demuxer, FilterGraph, Frame, Resampler, Scaler } from '../src/index.js';
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
        ffmpeg(
          '-threads',
          '1',
          '-i',
          file,
          '-map',
          '0:v',
          '-vf',
          `scale=${w}:${h}:flags=${algorithm}+accurate_rnd+full_chroma_int,format=${fmt}`,
          '-f',
          'framemd5',
          '-',
        ),
      );
      assert.deepEqual(ours, reference);
    });
  }

  test('rejects an unknown pixel format and audio frames', async () => {
    assert.throws(
      () => new Scaler({ pixelFormat: 'nope' }),
      (e: unknown) => e instanceof AvError && e.code === 'EINVAL',
    );
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

describe('FilterGraph', () => {
  test('a simple video graph gives the frames -vf gives', async () => {
    const file = media('h264-aac.mp4');
    await using demuxer = await Demuxer.open(file);
    const stream = demuxer.bestStream('video')!;
    await using decoder = await Decoder.open(stream, { threads: 1 });
    await using graph = await FilterGraph.open('scale=160:120,hflip,format=gray', { inputs: [stream] });
    assert.equal(graph.outputs[0]!.width, 160);
    assert.equal(graph.outputs[0]!.pixelFormat, 'gray');
    const ours: string[] = [];
    for await (const frame of decoder.frames(demuxer.packets())) {
      for (const f of await graph.filter(frame)) {
        ours.push(md5(f.toBuffer()));
        f.close();
      }
      frame.close();
    }
    for (const f of await graph.flush()) {
      ours.push(md5(f.toBuffer()));
      f.close();
    }
    const reference = framemd5s(ffmpeg('-threads', '1', '-i', file, '-map', '0:v', '-vf', 'scale=160:120,hflip,format=gray', '-f', 'framemd5', '-'));
    assert.deepEqual(ours, reference);
  });

  test('a complex graph with two inputs (overlay) gives what -filter_complex gives', async () => {
    const file = media('h264-aac.mp4');
    const a = await decodeAll(file, 'video');
    const b = await decodeAll(file, 'video');
    const input = { type: 'video' as const, width: 320, height: 240, pixelFormat: 'yuv420p', timeBase: a[0]!.timeBase };
    await using graph = await FilterGraph.open('[in1]scale=80:60[small];[in0][small]overlay=10:10[out]', { inputs: [input, input] });
    const ours: string[] = [];
    const take = (out: Frame[][]) => {
      for (const f of out[0]!) {
        ours.push(md5(f.toBuffer()));
        f.close();
      }
    };
    // The overlay's secondary input gets each frame before the main one, so the overlay
    // never has to decide on a main frame without its partner (the CLI feeds them so too).
    for (let i = 0; i < a.length; i++) {
      take(await graph.send(1, b[i]!));
      take(await graph.send(0, a[i]!));
    }
    take(await graph.send(0, null));
    take(await graph.send(1, null));
    [...a, ...b].forEach((f) => f.close());
    const reference = framemd5s(
      ffmpeg(
        '-threads',
        '1',
        '-i',
        file,
        '-i',
        file,
        '-filter_complex',
        '[1:v]scale=80:60[small];[0:v][small]overlay=10:10[v]',
        '-map',
        '[v]',
        '-f',
        'framemd5',
        '-',
      ),
    );
    assert.deepEqual(ours, reference);
  });

  test('an audio graph gives the samples -af gives', async () => {
    const file = media('h264-aac.mp4');
    await using demuxer = await Demuxer.open(file);
    const stream = demuxer.bestStream('audio')!;
    await using decoder = await Decoder.open(stream);
    await using graph = await FilterGraph.open('volume=0.5,aformat=sample_fmts=s16', { inputs: [stream] });
    const chunks: Buffer[] = [];
    for await (const frame of decoder.frames(demuxer.packets())) {
      for (const f of await graph.filter(frame)) {
        chunks.push(f.toBuffer());
        f.close();
      }
      frame.close();
    }
    for (const f of await graph.flush()) {
      chunks.push(f.toBuffer());
      f.close();
    }
    const reference = ffmpeg('-i', file, '-map', '0:a', '-af', 'volume=0.5,aformat=sample_fmts=s16', '-c:a', 'pcm_s16le', '-f', 's16le', '-');
    assert.equal(md5(Buffer.concat(chunks)), md5(reference));
  });

  test('a bad description is an AvError naming the graph', async () => {
    const input = { type: 'video' as const, width: 16, height: 16, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } };
    await assert.rejects(FilterGraph.open('nosuchfilter=1', { inputs: [input] }), (e: unknown) => e instanceof AvError && e.url === 'nosuchfilter=1');
  });
});

describe('BitstreamFilter', () => {
  test('h264_mp4toannexb gives the bytes of -bsf:v h264_mp4toannexb', async () => {
    const file = media('h264-aac.mp4');
    await using demuxer = await Demuxer.open(file);
    const stream = demuxer.bestStream('video')!;
    await using bsf = await BitstreamFilter.open('h264_mp4toannexb', stream);
    assert.equal(bsf.codecParameters.info.codecName, 'h264');
    const chunks: Uint8Array[] = [];
    for await (const packet of demuxer.packets({ streams: [stream] })) {
      for (const p of await bsf.filter(packet)) {
        chunks.push(p.data);
        p.close();
      }
      packet.close();
    }
    for (const p of await bsf.flush()) {
      chunks.push(p.data);
      p.close();
    }
    const reference = ffmpeg('-i', file, '-map', '0:v', '-c', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', '-');
    assert.equal(md5(Buffer.concat(chunks)), md5(reference));
  });

  test('an unknown filter is BSF_NOT_FOUND', async () => {
    await using demuxer = await Demuxer.open(media('h264-aac.mp4'));
    await assert.rejects(BitstreamFilter.open('nope', demuxer.streams[0]!), (e: unknown) => e instanceof AvError && e.code === 'BSF_NOT_FOUND');
  });
});
