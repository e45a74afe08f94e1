// Encoding frames made in JS: the ffmpeg CLI reads the outputs back and finds the frames
// we gave (count, size, codec), close to the source (PSNR), at the right duration (audio).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { Encoder, Frame, Muxer, type Packet } from '../src/index.js';
import { scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson, listDir, runBuffer } from './util.js';

const W = 320;
const H = 240;
const FRAMES = 30;
const RATE = { num: 30, den: 1 };

/** Frame `i` of a moving test pattern: a diagonal gradient sliding right, a bright square moving across, coloured chroma. */
function patternFrame(i: number): Frame {
  const f = Frame.alloc({ width: W, height: H, pixelFormat: 'yuv420p' });
  const [y, u, v] = f.planes as [Uint8Array, Uint8Array, Uint8Array];
  const [ly, lu, lv] = f.linesize as [number, number, number];
  assert.ok(ly >= W && lu >= W / 2 && lv >= W / 2, 'linesizes cover a row');
  const sx = 20 + i * 6;
  const sy = 40 + i * 3;
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const inSquare = c >= sx && c < sx + 48 && r >= sy && r < sy + 48;
      y[r * ly + c] = inSquare ? 230 : 32 + ((c + r + i * 4) % 160);
    }
  }
  for (let r = 0; r < H / 2; r++) {
    for (let c = 0; c < W / 2; c++) {
      u[r * lu + c] = 64 + ((c * 2 + i * 2) % 128);
      v[r * lv + c] = 64 + ((r * 2 + i) % 128);
    }
  }
  f.set({ pts: i, timeBase: { num: RATE.den, den: RATE.num } });
  return f;
}

interface VideoCase {
  codec: string;
  file: string;
  expectCodec: string;
  options: Record<string, string | number>;
}

/** Encodes the pattern with `codec` into `out`; returns the raw source frames as one buffer. */
async function encodeVideo(c: VideoCase, out: string): Promise<Buffer> {
  const enc = await Encoder.open({ codec: c.codec, width: W, height: H, pixelFormat: 'yuv420p', frameRate: RATE, options: c.options });
  const mux = await Muxer.open(out);
  const raw: Buffer[] = [];
  try {
    const st = mux.addStream(enc);
    await mux.writeHeader();
    const frames: Frame[] = [];
    for (let i = 0; i < FRAMES; i++) {
      const f = patternFrame(i);
      raw.push(f.toBuffer());
      frames.push(f);
    }
    let packets = 0;
    for await (const p of enc.packets(frames)) {
      await mux.write(p, st);
      p.close();
      packets++;
    }
    assert.equal(packets, FRAMES, 'one packet per frame');
    await mux.writeTrailer();
  } finally {
    await mux.close();
    await enc.close();
  }
  return Buffer.concat(raw);
}

/**
 * The average PSNR of `out` against the raw source, as the CLI's psnr filter reports it.
 * Frames are paired by their index in display order: Matroska stores milliseconds, so a
 * 30 fps frame's time (33 ms) falls before the source's (33.3 ms) and pairing by timestamp
 * would compare each frame with the one before it.
 */
async function psnr(src: string, out: string): Promise<number> {
  const graph = '[1:v]settb=1/30,setpts=N[o];[0:v]settb=1/30,setpts=N[s];[o][s]psnr';
  const { stderr } = await ffmpeg(
    ['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${W}x${H}`, '-r', '30', '-i', src, '-i', out, '-lavfi', graph, '-f', 'null', '-'],
    'info',
  );
  const m = /PSNR .*average:(inf|[\d.]+)/.exec(stderr);
  assert.ok(m, `psnr line in ffmpeg output:\n${stderr}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}

const videoCases: VideoCase[] = [
  { codec: 'libx264', file: 'x264.mp4', expectCodec: 'h264', options: { preset: 'veryfast', crf: 18 } },
  { codec: 'libx265', file: 'x265.mkv', expectCodec: 'hevc', options: { preset: 'veryfast', crf: 18, 'x265-params': 'log-level=error' } },
];

describe('encode video', () => {
  for (const c of videoCases) {
    test(`${c.codec} -> ${c.file}`, async (t) => {
      const dir = scratch(`encode-${c.codec}`);
      const out = path.join(dir, c.file);
      const src = path.join(dir, 'src.yuv');
      const raw = await encodeVideo(c, out);
      assert.equal(raw.length, FRAMES * W * H * 1.5, 'raw source size');
      fs.writeFileSync(src, raw);
      assert.deepEqual(listDir(dir), [c.file, 'src.yuv'].sort(), 'output in place, no .partial');

      const probe = await ffprobeJson(['-count_frames', '-select_streams', 'v:0', '-show_streams', out]);
      const s = probe.streams?.[0];
      assert.ok(s, 'a video stream');
      assert.equal(s.codec_name, c.expectCodec);
      assert.equal(s.width, W);
      assert.equal(s.height, H);
      assert.equal(s.pix_fmt, 'yuv420p');
      assert.equal(Number(s.nb_read_frames), FRAMES, 'frame count');
      assert.equal(s.r_frame_rate, '30/1');

      const db = await psnr(src, out);
      t.diagnostic(`PSNR ${db} dB`);
      assert.ok(db > 40, `PSNR ${db} dB > 40`);
    });
  }
});

describe('encode audio', () => {
  test('aac 440 Hz sine in frames of frameSize -> m4a', async () => {
    const dir = scratch('encode-aac');
    const out = path.join(dir, 'sine.m4a');
    const rate = 48000;
    const enc = await Encoder.open({ codec: 'aac', sampleRate: rate, sampleFormat: 'fltp', channelLayout: 'stereo', bitRate: 128000 });
    const n = enc.frameSize;
    assert.equal(n, 1024, 'AAC frames are 1024 samples');
    const nFrames = 47; // ~1 s
    const mux = await Muxer.open(out);
    try {
      const st = mux.addStream(enc);
      await mux.writeHeader();
      const write = async (packets: Packet[]) => {
        for (const p of packets) {
          await mux.write(p, st);
          p.close();
        }
      };
      for (let k = 0; k < nFrames; k++) {
        const f = Frame.alloc({ sampleRate: rate, sampleFormat: 'fltp', nbSamples: n, channelLayout: 'stereo' });
        assert.equal(f.nbSamples, n);
        assert.equal(f.channels, 2);
        assert.equal(f.planes.length, 2, 'one plane per channel');
        for (const plane of f.planes) {
          const samples = new Float32Array(plane.buffer, plane.byteOffset, n);
          for (let i = 0; i < n; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * 440 * (k * n + i)) / rate);
        }
        f.set({ pts: k * n, timeBase: { num: 1, den: rate } });
        await write(await enc.encode(f));
        f.close();
      }
      await write(await enc.flush());
      await mux.writeTrailer();
    } finally {
      await mux.close();
      await enc.close();
    }
    assert.deepEqual(listDir(dir), ['sine.m4a']);

    const expected = (nFrames * n) / rate;
    const probe = await ffprobeJson(['-select_streams', 'a:0', '-show_streams', '-show_entries', 'frame=nb_samples', '-show_frames', out]);
    const s = probe.streams?.[0];
    assert.ok(s, 'an audio stream');
    assert.equal(s.codec_name, 'aac');
    assert.equal(s.sample_rate, String(rate));
    assert.equal(s.channels, 2);
    const decodedSamples = (probe.frames ?? []).reduce((sum, f) => sum + Number(f.nb_samples), 0);
    assert.ok(Math.abs(decodedSamples - nFrames * n) <= n, `decoded ${decodedSamples} samples, expected ${nFrames * n} within one frame`);
    assert.ok(Math.abs(Number(s.duration) - expected) <= n / rate, `stream duration ${s.duration}, expected ${expected} within one frame`);

    // What the CLI decodes is a 440 Hz tone: count zero crossings of the left channel.
    const stdout = await runBuffer('ffmpeg', ['-v', 'error', '-nostdin', '-i', out, '-af', 'pan=mono|c0=c0', '-f', 'f32le', '-c:a', 'pcm_f32le', '-']);
    const pcm = new Float32Array(stdout.buffer, stdout.byteOffset, stdout.length / 4);
    let crossings = 0;
    for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings++;
    const seconds = pcm.length / rate;
    const hz = crossings / 2 / seconds;
    assert.ok(Math.abs(hz - 440) < 5, `decoded tone at ${hz.toFixed(1)} Hz`);
    let peak = 0;
    for (const x of pcm) peak = Math.max(peak, Math.abs(x));
    assert.ok(peak > 0.4 && peak < 0.6, `peak ${peak} near 0.5`);
  });
});
