// What filters measure reaches the caller as values, equal to what the linked ffmpeg CLI
// reports for the same input: scene scores and crop suggestions (frame metadata), silences,
// loudnorm's measurement and ebur128's summary (what they print as they close).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { transcode, versions, type Frame } from '../src/index.js';
import { parseEbur128 } from '../src/pipeline/filter_results.js';
import { scratch } from './media/generate.js';
import { ffmpeg } from './util.js';
import { captureLogs } from './pipeline-util.js';

const logs = captureLogs();
let dir = '';
const file = (name: string) => path.join(dir, name);

/** The CLI's report of a filter chain run to the null muxer: its stdout and stderr. */
async function cli(input: string, flag: '-vf' | '-af', chain: string): Promise<{ stdout: string; stderr: string }> {
  return ffmpeg(['-i', input, flag, chain, '-f', 'null', '-'], 'info');
}

/** The CLI's log lines without their '[Parsed_x_0 @ 0x...] ' prefixes. */
const bare = (stderr: string) => stderr.replace(/^\[[^\]]+\] /gm, '');

before(async () => {
  dir = scratch('filter-results');
  // a hard cut at 1 s, inside a picture with black borders (24 px left and right, 20 top and bottom)
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=160x120:r=25:d=1',
    '-f',
    'lavfi',
    '-i',
    'mandelbrot=s=160x120:r=25,trim=duration=1',
    '-filter_complex',
    '[0][1]concat=n=2:v=1:a=0,pad=208:160:24:20',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file('cut.mp4'),
  ]);
  // a tone whose level moves, silent from 1 s to 2 s
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    "aevalsrc='if(between(t,1,2),0,0.4*sin(2*PI*440*t)*(1+0.5*sin(2*PI*0.7*t)))':s=48000:d=3",
    '-c:a',
    'pcm_s16le',
    file('tone.wav'),
  ]);
});

describe('filter results', () => {
  test("scene scores: the frames select keeps, with the CLI's scores and times", async () => {
    const chain = "select='gt(scene,0.3)'";
    const { stdout } = await ffmpeg(['-i', file('cut.mp4'), '-vf', `${chain},metadata=print:file=-`, '-f', 'null', '-'], 'error');
    const expected = [...stdout.matchAll(/pts_time:([\d.]+)\s*\nlavfi\.scene_score=([\d.]+)/g)].map((m) => ({ time: Number(m[1]), score: Number(m[2]) }));
    assert.ok(expected.length >= 1, `the CLI found no cut: ${stdout}`);
    const r = await transcode(file('cut.mp4'), file('scenes.mp4'), { video: { codec: 'libx264', filter: chain, options: { preset: 'ultrafast' } } });
    assert.deepEqual(
      r.filters.scenes.map((s) => ({ time: s.time, score: s.score })),
      expected,
    );
    assert.ok(r.filters.frames.every((f) => f.stream === 0 && 'lavfi.scene_score' in f.values));
  });

  test('frame metadata is on the frames a tap sees (Frame.metadata)', async () => {
    const seen: Record<string, string>[] = [];
    await transcode(file('cut.mp4'), file('tap.mp4'), {
      video: { codec: 'libx264', filter: "select='gt(scene,0.3)'", options: { preset: 'ultrafast' } },
      onFrames: (frames: Frame[]) => {
        for (const f of frames) seen.push(f.metadata);
      },
    });
    assert.ok(seen.length >= 1);
    for (const m of seen) assert.match(m['lavfi.scene_score'] ?? '', /^\d/);
  });

  test("cropdetect: the last suggestion, as the CLI's last crop= line", async () => {
    const { stderr } = await cli(file('cut.mp4'), '-vf', 'cropdetect');
    const last = [...stderr.matchAll(/crop=(\d+):(\d+):(\d+):(\d+)/g)].at(-1);
    assert.ok(last, stderr);
    const r = await transcode(file('cut.mp4'), file('crop.mp4'), { video: { codec: 'libx264', filter: 'cropdetect', options: { preset: 'ultrafast' } } });
    assert.deepEqual(r.filters.crop, { stream: 0, width: Number(last[1]), height: Number(last[2]), x: Number(last[3]), y: Number(last[4]) });
  });

  test("silencedetect: the CLI's silences", async () => {
    const { stderr } = await cli(file('tone.wav'), '-af', 'silencedetect=d=0.5');
    const starts = [...stderr.matchAll(/silence_start: ([-\d.e]+)/g)].map((m) => Number(m[1]));
    const ends = [...stderr.matchAll(/silence_end: ([-\d.e]+) \| silence_duration: ([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(starts.length, 1, stderr);
    const r = await transcode(file('tone.wav'), file('silence.wav'), { audio: { codec: 'pcm_s16le', filter: 'silencedetect=d=0.5' } });
    assert.deepEqual(
      r.filters.silences,
      starts.map((start, i) => ({ stream: 0, start, end: ends[i]?.[0] ?? null, duration: ends[i]?.[1] ?? null })),
    );
  });

  const loudnormMatches = async (chain: string) => {
    const { stderr } = await cli(file('tone.wav'), '-af', 'loudnorm=print_format=json');
    const json = JSON.parse(stderr.slice(stderr.indexOf('{'), stderr.lastIndexOf('}') + 1)) as Record<string, string>;
    const r = await transcode(file('tone.wav'), file('loud.m4a'), { audio: { codec: 'aac', filter: chain } });
    const m = r.filters.loudnorm;
    assert.ok(m, JSON.stringify(r.filters.logs));
    assert.deepEqual(
      [m.inputI, m.inputTp, m.inputLra, m.inputThresh, m.outputI, m.outputTp, m.outputLra, m.outputThresh, m.targetOffset],
      ['input_i', 'input_tp', 'input_lra', 'input_thresh', 'output_i', 'output_tp', 'output_lra', 'output_thresh', 'target_offset'].map((k) => Number(json[k])),
    );
    assert.equal(m.normalizationType, json.normalization_type);
  };

  test('loudnorm=print_format=json: the measurement the CLI prints, into AAC', () => loudnormMatches('loudnorm=print_format=json'));

  // FFmpeg 8 (libavutil 60) no longer lets avforge ask an initialised loudnorm for its JSON
  const ffmpeg8 = Number(versions().libavutil.split('.')[0]) >= 60;
  test('loudnorm without print_format: measured all the same, and nothing printed', {
    skip: ffmpeg8 && 'FFmpeg 8 and newer: name print_format=json for the measurement',
  }, async () => {
    const before = logs.length;
    await loudnormMatches('loudnorm');
    // print_format=none was the user's choice: the JSON avforge asked for is not logged
    assert.ok(!logs.slice(before).some((l) => l.message.includes('input_i')));
  });

  test("ebur128: the CLI's summary", async () => {
    const { stderr } = await cli(file('tone.wav'), '-af', 'ebur128=peak=true');
    const expected = parseEbur128(bare(stderr));
    assert.ok(expected, stderr);
    const r = await transcode(file('tone.wav'), file('r128.wav'), { audio: { codec: 'pcm_s16le', filter: 'ebur128=peak=true' } });
    assert.deepEqual(r.filters.ebur128, expected);
    assert.ok(Number.isFinite(expected.integrated) && expected.truePeak !== undefined);
  });

  test('a job without measuring filters reports nothing', async () => {
    const r = await transcode(file('tone.wav'), file('plain.wav'), { audio: { codec: 'pcm_s16le', filter: 'volume=0.5' } });
    assert.deepEqual(r.filters, { frames: [], truncated: false, logs: [], silences: [], scenes: [] });
  });
});
