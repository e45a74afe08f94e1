// Frame timing through filters and into the encoder, against the ffmpeg CLI that is linked:
// filters that retime frames (setpts, select) keep their timing, and each output's -fps_mode
// (cfr for mp4 and mpegts, vfr for matroska, as the CLI picks it; or as asked) repeats and drops
// frames exactly as the CLI does. Compared frame by frame: timestamp and picture hash.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { transcode, versions, type VideoSettings } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, parseHashLines } from './util.js';
import { captureLogs } from './pipeline-util.js';

captureLogs();

const dir = scratch('timing');
const inputs = { av: media('h264-aac-4s.mp4'), vfr: path.join(dir, 'vfr.mkv'), videoOnly: path.join(dir, 'video-only.mp4') };

before(async () => {
  // variable frame rate: 30 fps timestamps each moved by up to 20 ms
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=30:duration=2',
    '-vf',
    "setpts='PTS+0.02*sin(N)/TB'",
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    inputs.vfr,
  ]);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=24:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', inputs.videoOnly]);
});

/** pts and picture hash of each video frame of `file`, decoded by the CLI. */
async function frames(file: string): Promise<string[]> {
  const r = await ffmpeg(['-i', file, '-map', '0:v', '-f', 'framemd5', '-']);
  return parseHashLines(r.stdout).map((l) => {
    const f = l.split(',').map((x) => x.trim());
    return `${f[2]} ${f[5]}`;
  });
}

/** libavutil's major version: FFmpeg 7 is 59. */
const lavuMajor = Number(versions().libavutil.split('.')[0]);

interface Case {
  name: string;
  /** Why this case is not compared on the linked FFmpeg, if it is not. */
  skip?: string | false;
  input: keyof typeof inputs;
  output: string;
  /** The CLI's options; the same as `video` for the API. */
  cli: string[];
  video: VideoSettings;
}

const cases: Case[] = [
  {
    name: 'setpts=0.5*PTS into mp4 (cfr: every other frame dropped)',
    input: 'av',
    output: 'half.mp4',
    cli: ['-vf', 'setpts=0.5*PTS'],
    video: { filter: 'setpts=0.5*PTS' },
  },
  { name: 'setpts=0.5*PTS into matroska (vfr)', input: 'av', output: 'half.mkv', cli: ['-vf', 'setpts=0.5*PTS'], video: { filter: 'setpts=0.5*PTS' } },
  { name: 'setpts=2*PTS into mpegts (slow motion)', input: 'av', output: 'double.ts', cli: ['-vf', 'setpts=2*PTS'], video: { filter: 'setpts=2*PTS' } },
  {
    name: 'select every third frame into mp4 (cfr: the gaps repeated)',
    input: 'av',
    output: 'third.mp4',
    cli: ['-vf', 'select=not(mod(n\\,3))'],
    video: { filter: 'select=not(mod(n\\,3))' },
  },
  {
    name: 'select every third frame into matroska (vfr: the gaps kept)',
    input: 'av',
    output: 'third.mkv',
    cli: ['-vf', 'select=not(mod(n\\,3))'],
    video: { filter: 'select=not(mod(n\\,3))' },
  },
  {
    name: 'a 1 s delay into mp4 (cfr: the first frame repeated)',
    input: 'av',
    output: 'late.mp4',
    cli: ['-vf', 'setpts=PTS+1/TB'],
    video: { filter: 'setpts=PTS+1/TB' },
  },
  {
    name: 'a 1 s delay from a video-only input (vscfr: no initial repeats)',
    input: 'videoOnly',
    output: 'late-single.mp4',
    cli: ['-vf', 'setpts=PTS+1/TB'],
    video: { filter: 'setpts=PTS+1/TB' },
  },
  { name: 'variable frame rate into mp4 (cfr)', input: 'vfr', output: 'vfr.mp4', cli: [], video: {} },
  { name: 'variable frame rate into matroska (vfr)', input: 'vfr', output: 'vfr.mkv', cli: [], video: {} },
  {
    name: "fpsMode 'cfr' into matroska",
    input: 'av',
    output: 'cfr.mkv',
    cli: ['-fps_mode', 'cfr', '-vf', 'setpts=0.5*PTS'],
    video: { filter: 'setpts=0.5*PTS', fpsMode: 'cfr' },
    // a known difference (README): FFmpeg 7's CLI drops other frames here (51 of 100, avforge 52)
    skip: lavuMajor >= 59 && "FFmpeg 7 and later's CLI drops other frames of a retimed input under an explicit cfr; avforge does as 5.1's",
  },
  { name: "fpsMode 'vfr' into mp4", input: 'vfr', output: 'vfr-asked.mp4', cli: ['-fps_mode', 'vfr'], video: { fpsMode: 'vfr' } },
];

describe('frame timing matches the ffmpeg CLI', () => {
  for (const c of cases)
    test(c.name, { skip: c.skip }, async () => {
      const cli = path.join(dir, `cli-${c.output}`);
      const api = path.join(dir, `api-${c.output}`);
      const encoder = { codec: 'libx264', preset: 'ultrafast' } as const;
      await ffmpeg(['-i', inputs[c.input], ...c.cli, '-c:v', encoder.codec, '-preset', encoder.preset, '-an', cli]);
      await transcode(inputs[c.input], api, { video: { ...encoder, ...c.video }, audio: false });
      const [expected, actual] = await Promise.all([frames(cli), frames(api)]);
      assert.ok(expected.length > 10, `the CLI wrote ${expected.length} frames`);
      assert.deepEqual(actual, expected);
    });

  test("fpsMode is checked: 'auto', 'cfr', 'vfr' or 'passthrough'", () => {
    assert.throws(
      () => transcode(inputs.av, path.join(dir, 'x.mp4'), { video: { fpsMode: 'drop' as never } }),
      /Expected 'auto', 'cfr', 'vfr' or 'passthrough' for video.fpsMode but received 'drop'/,
    );
  });
});
