// transcode(), checked from the outside with the ffprobe/ffmpeg CLIs: codecs, frame counts,
// durations (within one frame), PSNR/SSIM against a reference the CLI renders, trimming,
// filterComplex, progress; and the frame taps (onFrames, tapStream).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { transcode, type Progress } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson, listDir, type ProbeJson } from './util.js';
import {
  FPS,
  FRAME,
  EPS,
  probe,
  probeInput,
  ofType,
  span,
  compare,
  psnrs,
  pcm,
  inputPcm,
  snr,
  assertResult,
  INPUT,
  LONG,
  captureLogs,
  cliEncodeCounts,
} from './pipeline-util.js';

captureLogs();

// ---------------------------------------------------------------------------------------

describe('transcode', () => {
  for (const c of [
    {
      name: 'H.264+AAC mp4 -> HEVC (libx265) + Opus in MKV',
      file: 'out.mkv',
      video: { codec: 'libx265', preset: 'ultrafast', options: { 'x265-params': 'log-level=error' } },
      codecs: ['hevc', 'opus'],
      docType: 'matroska',
    },
    {
      name: 'H.264+AAC mp4 -> VP9 (libvpx-vp9) + Opus in WebM',
      file: 'out.webm',
      video: { codec: 'libvpx-vp9', bitRate: '400k', options: { deadline: 'realtime', 'cpu-used': 8 } },
      codecs: ['vp9', 'opus'],
      docType: 'webm',
    },
  ]) {
    test(c.name, async () => {
      const dir = scratch('transcode');
      const input = media(INPUT);
      const out = path.join(dir, c.file);
      const r = await transcode(input, out, { video: c.video, audio: { codec: 'libopus', bitRate: '64k' } });
      assertResult(r, out);
      assert.deepEqual(listDir(dir), [c.file], 'the output alone, no .partial');

      const [p, pin] = await Promise.all([probe(out), probeInput(input)]);
      const ours = p.streams;
      const theirs = pin.streams;
      assert.deepEqual(
        ours.map((s) => s.codec),
        c.codecs,
      );
      assert.equal(p.format, 'matroska,webm');
      assert.ok(fs.readFileSync(out).subarray(0, 64).includes(c.docType), `EBML DocType ${c.docType}`);
      const v = ofType(ours, 'video');
      assert.equal(v.count, ofType(theirs, 'video').count, 'every input frame is in the output');
      assert.equal(v.count, 50);
      assert.deepEqual([v.width, v.height], [320, 240]);
      assert.equal(r.frames[0], 50, 'result.frames counts the video frames');
      // The CLI encoding the same audio the same way: the frames it feeds libopus and the packets it
      // gets back differ between FFmpeg versions and from each other (the encoder's delay).
      const [cli, packets] = await Promise.all([cliEncodeCounts(['-i', input, '-vn', '-c:a', 'libopus', '-b:a', '64k']), probe(out, 'packets')]);
      assert.equal(r.frames[1], cli.framesEncoded, 'result.frames counts the frames encoded, as the CLI does');
      assert.equal(ofType(packets.streams, 'audio').count, cli.packetsMuxed, "the CLI's Opus packets, all in the file");
      assert.equal(ofType(ours, 'audio').count, cli.packetsMuxed, 'each Opus packet decodes to a frame');
      const a = ofType(ours, 'audio');
      assert.deepEqual([a.sampleRate, a.channels], [48000, 2]);

      const [spanOut, spanIn] = [span(p.videoTimes), span(pin.videoTimes)];
      assert.ok(Math.abs(spanOut - spanIn) <= FRAME + EPS, `video lasts ${spanOut} s, the input's ${spanIn} s`);
      const [dOut, dIn] = [p.duration, pin.duration];
      assert.ok(Math.abs(dOut - dIn) <= FRAME + EPS, `output ${dOut} s, input ${dIn} s`);
      assert.ok(r.duration !== null && Math.abs(r.duration - dIn) <= FRAME + EPS, `result.duration ${r.duration}`);

      const q = await compare([out, input], '[0:v]null[x];[1:v]null[y]');
      assert.ok(q.psnr > 30, `PSNR ${q.psnr} dB`);
      assert.ok(q.ssim > 0.9, `SSIM ${q.ssim}`);
      // and the audio is the input's audio
      const [pOut, pIn] = await Promise.all([pcm(['-i', out]), inputPcm(input)]);
      assert.ok(snr(pOut, pIn) > 10, `audio SNR ${snr(pOut, pIn)} dB`);
    });
  }

  test('audio resample: 44.1 kHz stereo MP3 -> 48 kHz mono AAC', async () => {
    const dir = scratch('resample');
    const input = media('audio.mp3');
    const out = path.join(dir, 'mono.m4a');
    const before = (await probeInput(input)).streams;
    assert.deepEqual([before[0]!.sampleRate, before[0]!.channels], [44100, 2]);
    const r = await transcode(input, out, { audio: { codec: 'aac', sampleRate: 48000, channels: 1 } });
    assertResult(r, out);
    const p = await probe(out);
    const s = p.streams;
    assert.equal(s.length, 1);
    assert.deepEqual(
      { codec: s[0]!.codec, rate: s[0]!.sampleRate, channels: s[0]!.channels, layout: s[0]!.layout },
      { codec: 'aac', rate: 48000, channels: 1, layout: 'mono' },
    );
    assert.equal(r.frames[0], s[0]!.count);
    // the same samples as the CLI's resample of the input, within AAC's loss (the MP3's own
    // duration is a bit-rate estimate: its decoded length is the reference)
    const [ours, ref] = await Promise.all([pcm(['-i', out]), inputPcm(input)]);
    assert.ok(Math.abs(ours.length - ref.length) <= 1024, `${ours.length} vs ${ref.length} samples`);
    const d = p.duration;
    assert.ok(Math.abs(d - ref.length / 48000) <= 1024 / 48000 + EPS, `output ${d} s, input ${ref.length / 48000} s`);
    assert.ok(snr(ours, ref) > 15, `SNR ${snr(ours, ref)} dB`);
  });

  test('filterComplex: two inputs, overlay + scale and amix, mapped by label', async () => {
    const dir = scratch('complex');
    const main = media(INPUT);
    const second = media('overlay.mp4');
    const out = path.join(dir, 'mixed.mp4');
    const videoGraph = '[1:v]scale=80:60[small];[0:v][small]overlay=10:10,scale=240:180';
    const r = await transcode(main, out, {
      inputs: [second],
      filterComplex: `${videoGraph}[v];[0:a][1:a]amix=inputs=2:duration=first[a]`,
      map: [
        { label: 'v', codec: 'libx264', preset: 'veryfast' },
        { label: 'a', codec: 'aac', sampleRate: 48000 },
      ],
    });
    assertResult(r, out);
    const s = (await probe(out)).streams;
    assert.deepEqual(
      s.map((x) => [x.type, x.codec]),
      [
        ['video', 'h264'],
        ['audio', 'aac'],
      ],
    );
    const v = ofType(s, 'video');
    assert.deepEqual([v.width, v.height, v.count], [240, 180, 50]);
    assert.equal(ofType(s, 'audio').sampleRate, 48000);
    assert.deepEqual(r.frames, [v.count, ofType(s, 'audio').count]);

    // The picture is the CLI's rendering of the same graph, and not the main input alone.
    const [withOverlay, without] = await psnrs(
      [out, main, second],
      '[0:v]split[x0][x1];[1:v]split[m0][m1];[2:v]scale=80:60[s];[m0][s]overlay=10:10,scale=240:180[y0];[m1]scale=240:180[y1]',
      2,
    );
    assert.ok(withOverlay! > 32, `PSNR against the CLI's overlay ${withOverlay} dB`);
    assert.ok(withOverlay! > without! + 6, `overlay ${withOverlay} dB vs no overlay ${without} dB`);
    // The sound is both inputs mixed (440 Hz and 880 Hz), not the first alone.
    const [ours, mix, first] = await Promise.all([
      pcm(['-i', out]),
      pcm(['-i', main, '-i', second, '-filter_complex', '[0:a][1:a]amix=inputs=2:duration=first']),
      inputPcm(main),
    ]);
    assert.ok(snr(ours, mix) > 15, `SNR against the CLI's amix ${snr(ours, mix)} dB`);
    assert.ok(snr(ours, first) < 10, `SNR against the first input alone ${snr(ours, first)} dB`);
  });

  for (const c of [
    { start: 0.5, duration: 1, file: 'trim.mp4' },
    { start: 1.2, duration: 0.6, file: 'trim.mkv' },
  ]) {
    test(`start ${c.start} s, duration ${c.duration} s (-ss/-t) into ${path.extname(c.file)}`, async () => {
      const dir = scratch('trim');
      const input = media(INPUT);
      const out = path.join(dir, c.file);
      const r = await transcode(input, out, { start: c.start, duration: c.duration, video: { codec: 'libx264', preset: 'veryfast' }, audio: { codec: 'aac' } });
      assertResult(r, out);
      const p = await probe(out);
      const s = p.streams;
      const v = ofType(s, 'video');
      assert.ok(Math.abs(v.count - c.duration * FPS) <= 1, `${v.count} frames for ${c.duration} s`);
      assert.equal(r.frames[0], v.count);
      const times = p.videoTimes;
      assert.ok(Math.abs(span(times) - c.duration) <= FRAME + EPS, `video lasts ${span(times)} s`);
      assert.ok(times[0]! >= -EPS && times[0]! <= FRAME + EPS, `video starts at ${times[0]} s`);
      const d = p.duration;
      assert.ok(Math.abs(d - c.duration) <= FRAME + EPS, `the output lasts ${d} s, asked ${c.duration} s`);
      const audio = ofType(s, 'audio').count * (1024 / 48000);
      assert.ok(Math.abs(audio - c.duration) <= 2 * (1024 / 48000) + EPS, `audio lasts ${audio} s`);

      // The first picture is the input's first frame at or after `start`.
      const first = Math.ceil(c.start * FPS - 1e-9);
      const [hit, before, later] = await psnrs(
        [out, input],
        `[0:v]trim=end_frame=1,setpts=PTS-STARTPTS,split=3[x0][x1][x2];[1:v]split=3[i0][i1][i2];` +
          [first, first - 1, first + 1].map((n, k) => `[i${k}]trim=start_frame=${n}:end_frame=${n + 1},setpts=PTS-STARTPTS[y${k}]`).join(';'),
        3,
      );
      assert.ok(hit! > 30 && hit! > before! + 5 && hit! > later! + 5, `PSNR to frame ${first}: ${hit}, to its neighbours ${before} / ${later}`);
    });
  }

  test('progress: frames and time grow, percent reaches 100', async () => {
    const dir = scratch('progress');
    const out = path.join(dir, 'out.mp4');
    const seen: Progress[] = [];
    const r = await transcode(media(LONG), out, {
      video: { codec: 'libx264', preset: 'veryfast' },
      audio: { codec: 'aac' },
      progressInterval: 20,
      onProgress: (p) => void seen.push(p),
    });
    assertResult(r, out);
    assert.ok(seen.length >= 3, `${seen.length} progress reports`);
    for (const [i, p] of seen.entries()) {
      for (const k of ['frames', 'fps', 'time', 'speed', 'bytes', 'bitRate', 'elapsed', 'damaged'] as const)
        assert.ok(Number.isFinite(p[k]) && p[k] >= 0, `report ${i}: ${k} = ${p[k]}`);
      assert.ok(p.percent !== null && p.percent >= 0 && p.percent <= 100, `report ${i}: percent ${p.percent}`);
      if (i === 0) continue;
      const q = seen[i - 1]!;
      assert.ok(p.frames >= q.frames, `frames ${q.frames} -> ${p.frames}`);
      assert.ok(p.time >= q.time, `time ${q.time} -> ${p.time}`);
      assert.ok(p.percent >= q.percent!, `percent ${q.percent} -> ${p.percent}`);
      assert.ok(p.bytes >= q.bytes, `bytes ${q.bytes} -> ${p.bytes}`);
      assert.ok(p.elapsed > q.elapsed, `elapsed ${q.elapsed} -> ${p.elapsed}`);
    }
    assert.ok(
      seen.some((p) => p.frames > 0 && p.frames < 100),
      'a report while the job ran',
    );
    const last = seen.at(-1)!;
    assert.equal(last.frames, 100);
    assert.equal(last.frames, r.frames[0]);
    assert.ok(last.percent! >= 99, `last percent ${last.percent}`);
    assert.ok(Math.abs(last.time - 4) <= 3 * FRAME, `last time ${last.time}`);
    assert.equal(last.bytes, r.bytes);
  });
});

// ---------------------------------------------------------------------------------------

describe('frame taps', () => {
  test('onFrames sees every video frame once, in batches of tapBatch', async () => {
    const dir = scratch('tap-batches');
    const out = path.join(dir, 'out.mp4');
    const batches: number[] = [];
    const pts: number[] = [];
    const streamsSeen = new Set<number>();
    const r = await transcode(media(INPUT), out, {
      video: { codec: 'libx264', preset: 'veryfast' },
      audio: { codec: 'aac' },
      tapBatch: 8,
      onFrames: (frames, info) => {
        batches.push(frames.length);
        streamsSeen.add(info.stream);
        for (const f of frames) {
          assert.equal(f.kind, 'video');
          assert.deepEqual([f.width, f.height], [320, 240]);
          pts.push(f.pts!);
        }
      },
    });
    assertResult(r, out);
    assert.deepEqual([...streamsSeen], [0], 'the first video stream by default');
    assert.equal(pts.length, 50, 'every frame');
    assert.equal(new Set(pts).size, 50, 'each once');
    assert.deepEqual(
      pts,
      [...pts].sort((a, b) => a - b),
      'in order',
    );
    assert.deepEqual(batches, [8, 8, 8, 8, 8, 8, 2]);
    assert.equal(ofType((await probe(out)).streams, 'video').count, 50);
  });

  test('tapStream picks another output stream (audio)', async () => {
    const dir = scratch('tap-audio');
    let samples = 0;
    let calls = 0;
    const r = await transcode(media(INPUT), path.join(dir, 'out.mkv'), {
      video: { codec: 'libx264', preset: 'ultrafast' },
      audio: { codec: 'aac' },
      tapStream: 1,
      tapBatch: 3,
      onFrames: (frames, info) => {
        calls++;
        assert.equal(info.stream, 1);
        assert.ok(frames.length <= 3);
        for (const f of frames) {
          assert.equal(f.kind, 'audio');
          samples += f.nbSamples;
        }
      },
    });
    assert.ok(calls > 1);
    assert.ok(Math.abs(samples / 48000 - 2) <= 2 * (1024 / 48000), `${samples} samples`);
    assert.equal(r.frames[0], 50);
  });

  test('painting the Y plane black in the tap blackens the output', async () => {
    const dir = scratch('tap-paint');
    const out = path.join(dir, 'black.mp4');
    const r = await transcode(media(INPUT), out, {
      video: { codec: 'libx264', preset: 'veryfast' },
      audio: false,
      onFrames: async (frames) => {
        await new Promise((res) => setImmediate(res)); // an async tap: the pipeline waits for it
        for (const f of frames) f.planes[0]!.fill(16); // limited-range black
      },
    });
    assertResult(r, out);
    const j = await ffprobeJson([
      '-f',
      'lavfi',
      `movie=${out.replace(/([\\:'])/g, '\\$1')},signalstats`,
      '-show_entries',
      'frame_tags=lavfi.signalstats.YAVG,lavfi.signalstats.YMAX',
    ]);
    const frames = (j.frames ?? []) as { tags?: Record<string, string> }[];
    assert.equal(frames.length, 50);
    for (const f of frames) {
      assert.ok(Number(f.tags?.['lavfi.signalstats.YMAX']) <= 18, `YMAX ${f.tags?.['lavfi.signalstats.YMAX']}`);
    }
    // and the input is not black: the change came from the tap
    const q = await compare([out, media(INPUT)], '[0:v]null[x];[1:v]null[y]');
    assert.ok(q.psnr < 15, `PSNR to the input ${q.psnr} dB`);
  });

  for (const kind of ['throwing', 'rejecting'] as const) {
    test(`a ${kind} tap rejects the job with that very error and leaves no output`, async () => {
      const dir = scratch('tap-throw');
      const out = path.join(dir, 'never.mp4');
      const boom = new Error('boom from the tap');
      let calls = 0;
      const job = transcode(media(INPUT), out, {
        video: { codec: 'libx264', preset: 'veryfast' },
        audio: { codec: 'aac' },
        onFrames:
          kind === 'throwing'
            ? () => {
                if (++calls === 2) throw boom;
              }
            : async () => {
                await new Promise((res) => setTimeout(res, 1));
                if (++calls === 2) throw boom;
              },
      });
      await assert.rejects(job, (e) => e === boom);
      assert.equal(calls, 2, 'no call after the failure');
      assert.deepEqual(listDir(dir), []);
    });
  }
});

// Audio graphs whose format the encoder settles, against the linked CLI: loudnorm works at
// 192 kHz and leaves its channel layout open; the CLI resamples to the rate the encoder takes
// (AAC: 96 kHz) and keeps PCM at 192 kHz.
describe('audio filters negotiated with the encoder as the CLI does', () => {
  for (const [codec, file] of [
    ['aac', 'loudnorm.m4a'],
    ['pcm_s16le', 'loudnorm.wav'],
  ] as const)
    test(`loudnorm into ${codec}`, async () => {
      const dir = scratch('negotiated');
      const cli = path.join(dir, `cli-${file}`);
      const api = path.join(dir, `api-${file}`);
      await ffmpeg(['-i', media(INPUT), '-vn', '-af', 'loudnorm', '-c:a', codec, cli]);
      await transcode(media(INPUT), api, { video: false, audio: { codec, filter: 'loudnorm' } });
      const fields = (j: ProbeJson) => j.streams?.map((s) => [s.codec_name, s.sample_rate, s.channels, s.channel_layout]);
      const [expected, actual] = await Promise.all([cli, api].map((f) => ffprobeJson(['-show_streams', f])));
      assert.deepEqual(fields(actual!), fields(expected!));
    });
});

describe('inputs stop when every output stream has ended', () => {
  // A 60 s input read through a counting stream: a job whose streams all end early (-t with
  // audio, which the CLI trims to the sample; a trim filter) reads a little of it, as the CLI does.
  for (const [what, o] of [
    ['duration: 1 with audio', { duration: 1, video: { codec: 'mpeg4' }, audio: { codec: 'mp2' } }],
    ['trim and atrim filters', { video: { codec: 'mpeg4', filter: 'trim=duration=1' }, audio: { codec: 'mp2', filter: 'atrim=duration=1' } }],
  ] as const) {
    test(`${what}: the input is read only as far as needed`, async () => {
      const dir = scratch('stop-early');
      const long = path.join(dir, 'long.mpg');
      await ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'testsrc=s=320x240:r=25:d=60',
        '-f',
        'lavfi',
        '-i',
        'sine=d=60',
        '-c:v',
        'mpeg1video',
        '-b:v',
        '2M',
        '-c:a',
        'mp2',
        long,
      ]);
      let read = 0;
      const source = fs.createReadStream(long, { highWaterMark: 64 * 1024 });
      source.on('data', (chunk) => {
        read += chunk.length;
      });
      const r = await transcode(source, path.join(dir, 'out.mkv'), { input: { highWater: 256 * 1024 }, ...o });
      const size = fs.statSync(long).size;
      assert.ok(r.duration! < 1.2, `${r.duration} s written`);
      assert.ok(read < size / 4, `${read} of ${size} bytes read`);
    });
  }
});
