// probe() and toFFprobeJson(): the JSON `ffprobe -show_format -show_streams -of json` prints,
// key for key, in its order and with its typing, for every test medium and for variants made
// to reach the less common branches (rotation, anamorphic, interlaced, colour, PCM, subtitles,
// attachments, cover art, timecode, MPEG-PS/TS ids, an unspecified channel layout...).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { probe, toFFprobeJson } from '../src/index.js';
import { printfFixed6, reduce, seconds } from '../src/core/ffprobe.js';
import { media, recipes, rotatedInput, scratch, type MediaName } from './media/generate.js';
import { ffmpeg, ffprobeJson } from './util.js';

/**
 * Keys ffprobe prints that toFFprobeJson cannot: what they come from is not in what the addon
 * describes (see ffprobe.ts). Everything else must match exactly.
 */
const UNREPRODUCIBLE = {
  /** Stream keys. */
  stream: [] as string[],
  /** side_data_list entry keys (the AVCPBProperties of "CPB properties" side data are printed now). */
  sideData: [] as string[],
} as const;

type Json = Record<string, unknown>;

/** ffprobe's JSON with the unreproducible keys taken out; `removed` collects what was. */
function withoutUnreproducible(ref: Json, removed: Set<string>): Json {
  const copy = structuredClone(ref) as { streams?: Json[]; format?: Json };
  for (const s of copy.streams ?? []) {
    for (const k of UNREPRODUCIBLE.stream) {
      if (!(k in s)) continue;
      delete s[k];
      removed.add(k);
    }
    for (const sd of (s.side_data_list as Json[] | undefined) ?? []) {
      for (const k of UNREPRODUCIBLE.sideData) {
        if (!(k in sd)) continue;
        delete sd[k];
        removed.add(`side_data_list[].${k}`);
      }
    }
  }
  return copy as Json;
}

/** Every object's keys, in order, by path: deepStrictEqual does not look at key order. */
function keyOrder(value: unknown, at = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => keyOrder(v, `${at}[${i}]`, out));
  else if (value && typeof value === 'object') {
    out.push(`${at}: ${Object.keys(value).join(',')}`);
    for (const [k, v] of Object.entries(value)) keyOrder(v, `${at}.${k}`, out);
  }
  return out;
}

/** Asserts toFFprobeJson(probe(file)) is ffprobe's JSON for it; returns the keys left out. */
async function assertLikeFFprobe(file: string): Promise<Set<string>> {
  const [ref, result] = await Promise.all([ffprobeJson<Json>(['-show_format', '-show_streams', file]), probe(file)]);
  const ours = toFFprobeJson(result);
  const removed = new Set<string>();
  const expected = withoutUnreproducible(ref, removed);
  // Through JSON, as a caller would print it: nothing undefined, nothing that does not serialize.
  const actual = JSON.parse(JSON.stringify(ours)) as Json;
  assert.deepStrictEqual(actual, expected, path.basename(file));
  assert.deepStrictEqual(keyOrder(actual), keyOrder(expected), `${path.basename(file)}: key order`);
  assert.deepStrictEqual(Object.keys(ours), ['streams', 'format']);
  return removed;
}

/** Variants made with the ffmpeg CLI: name -> [input args..., output args...]. */
function variants(): Record<string, string[]> {
  const mp4 = media('h264-aac.mp4');
  const mkv = media('h264-aac.mkv');
  const hevc = media('hevc.mkv');
  const png = media('image.png');
  const video = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=1'];
  const sine = (extra = '') => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=1${extra}`];
  return {
    'tags.mkv': ['-i', mp4, '-c', 'copy', '-metadata', 'title=A "quoted" title é', '-metadata:s:a:0', 'language=eng'],
    'rotate90.mp4': [...rotatedInput(mp4, 90), '-c', 'copy'],
    'rotate270.mp4': [...rotatedInput(mp4, -90), '-c', 'copy'],
    'rotate45.mp4': [...rotatedInput(mp4, 45), '-c', 'copy'],
    'anamorphic.mp4': [...video, '-vf', 'setsar=16/11', '-c:v', 'libx264', '-preset', 'ultrafast'],
    'aspect.mkv': ['-i', mp4, '-c', 'copy', '-aspect', '16:9'],
    'interlaced-bt709.mkv': [
      ...video,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-flags',
      '+ildct+ilme',
      // Top field first through a filter: FFmpeg 9's CLI no longer has -top.
      '-vf',
      'setfield=tff',
      '-color_primaries',
      'bt709',
      '-color_trc',
      'bt709',
      '-colorspace',
      'bt709',
      '-color_range',
      'tv',
    ],
    'mpeg4.avi': [...video, '-c:v', 'mpeg4', '-vtag', 'xvid', '-q:v', '3'],
    'program-stream.mpg': [...video, ...sine(), '-c:v', 'mpeg2video', '-c:a', 'mp2', '-f', 'vob'],
    'h264.ts': [...video, '-c:v', 'libx264', '-preset', 'ultrafast', '-output_ts_offset', '1.0000005'],
    's16.wav': [...sine(), '-c:a', 'pcm_s16le'],
    '3ch.mkv': [...sine(), '-ac', '3', '-c:a', 'pcm_s16le'],
    '5.1.flac': ['-f', 'lavfi', '-i', 'anullsrc=channel_layout=5.1:sample_rate=44100', '-t', '1', '-c:a', 'flac'],
    'vorbis.ogg': [...sine(), '-c:a', 'libvorbis'],
    'adts.aac': [...sine(), '-c:a', 'aac'],
    'subtitles.mkv': ['-i', mp4, '-f', 'srt', '-i', 'SRT', '-map', '0', '-map', '1', '-c', 'copy', '-c:s', 'srt', '-disposition:s:0', 'forced'],
    'mov_text.mp4': ['-i', mp4, '-f', 'srt', '-i', 'SRT', '-map', '0', '-map', '1', '-c', 'copy', '-c:s', 'mov_text'],
    'attachment.mkv': ['-i', hevc, '-attach', png, '-metadata:s:t', 'mimetype=image/png', '-c', 'copy'],
    'cover.m4a': [...sine(), '-i', png, '-map', '0', '-map', '1', '-c:a', 'aac', '-c:v', 'copy', '-disposition:v', 'attached_pic'],
    'timecode.mov': ['-i', mp4, '-c', 'copy', '-timecode', '01:00:00:00'],
    'negative-offset.mkv': ['-i', mkv, '-c', 'copy', '-output_ts_offset', '-0.123457'],
    'flv.flv': ['-i', mp4, '-c', 'copy'],
    'nut.nut': ['-i', media('mpeg2.ts'), '-c', 'copy'],
    'raw.hevc': ['-i', hevc, '-c', 'copy'],
  };
}

describe('toFFprobeJson', () => {
  const removed = new Set<string>();

  test('the list of keys it cannot reproduce is short and explicit', () => {
    assert.ok(UNREPRODUCIBLE.stream.length + UNREPRODUCIBLE.sideData.length <= 10);
  });

  for (const name of Object.keys(recipes) as MediaName[]) {
    test(`matches ffprobe: ${name}`, async () => {
      for (const k of await assertLikeFFprobe(media(name))) removed.add(k);
    });
  }

  test('matches ffprobe on variants (rotation, aspect, interlacing, PCM, subtitles, ids...)', async () => {
    const dir = scratch('ffprobe');
    const srt = path.join(dir, 'sub.srt');
    fs.writeFileSync(srt, '1\n00:00:00,000 --> 00:00:00,500\nHello\n');
    const made = await Promise.all(
      Object.entries(variants()).map(async ([name, args]) => {
        const out = path.join(dir, name);
        await ffmpeg(['-y', ...args.map((a) => (a === 'SRT' ? srt : a)), out]);
        return out;
      }),
    );
    for (const file of made) for (const k of await assertLikeFFprobe(file)) removed.add(k);
  });

  test('rebuilds the display matrix and rotation ffprobe prints', async () => {
    const dir = scratch('ffprobe-rotation');
    const file = path.join(dir, 'rotate90.mp4');
    await ffmpeg(['-y', ...rotatedInput(media('h264-aac.mp4'), 90), '-c', 'copy', file]);
    const [video] = toFFprobeJson(await probe(file)).streams;
    assert.deepStrictEqual(video?.side_data_list, [
      {
        side_data_type: 'Display Matrix',
        displaymatrix:
          '\n00000000:            0      -65536           0\n00000001:        65536           0           0\n00000002:            0           0  1073741824\n',
        rotation: 90,
      },
    ]);
  });

  test('typing: strings where ffprobe prints strings, numbers where it prints numbers', async () => {
    const { streams, format } = toFFprobeJson(await probe(media('h264-aac.mp4')));
    const [v, a] = streams;
    assert.equal(v?.r_frame_rate, '25/1');
    assert.equal(v?.time_base, '1/12800');
    assert.equal(v?.duration, '2.000000');
    assert.equal(v?.start_pts, 0);
    assert.equal(v?.width, 320);
    assert.equal(v?.display_aspect_ratio, '4:3');
    assert.equal(v?.disposition.default, 1);
    assert.equal(a?.sample_rate, '48000');
    assert.equal(a?.channels, 2);
    assert.equal(typeof format.size, 'string');
    assert.equal(typeof format.probe_score, 'number');
  });

  test('every unreproducible key was met (the list is not stale)', () => {
    for (const k of UNREPRODUCIBLE.stream) assert.ok(removed.has(k), `${k} was never printed by ffprobe`);
    for (const k of UNREPRODUCIBLE.sideData) assert.ok(removed.has(`side_data_list[].${k}`), `${k} was never printed by ffprobe`);
  });
});

describe('ffprobe formatting helpers', () => {
  test('printf("%f"): six decimals, exact ties to even', () => {
    assert.equal(printfFixed6(2), '2.000000');
    assert.equal(printfFixed6(1 / 3), '0.333333');
    assert.equal(printfFixed6(0.0078125), '0.007812'); // a tie, rounded to even as glibc does
    assert.equal(printfFixed6(0.0234375), '0.023438');
    assert.equal(printfFixed6(-0.0078125), '-0.007812');
    assert.equal(printfFixed6(-1e-7), '-0.000000');
    assert.equal(seconds(25600, { num: 1, den: 12800 }), '2.000000');
    assert.equal(seconds(-123457, { num: 1, den: 1_000_000 }), '-0.123457');
  });

  test('av_reduce', () => {
    assert.deepStrictEqual(reduce(320, 240, 1024 * 1024), { num: 4, den: 3 });
    assert.deepStrictEqual(reduce(320 * 16, 240 * 11, 1024 * 1024), { num: 64, den: 33 });
    assert.deepStrictEqual(reduce(0, 1, 2 ** 31 - 1), { num: 0, den: 1 });
    assert.deepStrictEqual(reduce(-6, 4, 100), { num: -3, den: 2 });
    assert.deepStrictEqual(reduce(314159265, 100000000, 1000), { num: 355, den: 113 });
  });
});
