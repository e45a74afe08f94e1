// `avforge ffprobe ARGS...`: the built CLI (dist/cli/main.js) against the ffprobe of the linked
// FFmpeg, for the same argv, stdout byte for byte. What avforge cannot print (see UNREPRODUCIBLE)
// is taken out of ffprobe's output before comparing, never added to ours.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { versions } from '../src/index.js';
import { parseFFprobeArgs, parseReadIntervals } from '../src/cli/ffprobe/args.js';
import { UsageError } from '../src/cli/argv.js';
import { media, scratch } from './media/generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// build/test -> the repository
const root = path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../..' : '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: readonly string[]): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 256 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const ffprobe = (argv: readonly string[]) => exec('ffprobe', argv);
const avforge = (argv: readonly string[]) => exec(process.execPath, [cli, 'ffprobe', ...argv]);

/**
 * What the addon does not expose, so avforge leaves it out: a packet's side data (AAC priming
 * "Skip Samples", "MPEGTS Stream ID"...), and of a frame its side data and the fields below.
 */
const UNREPRODUCIBLE = {
  packet: ['side_data_list'],
  frame: [
    'coded_picture_number',
    'display_picture_number',
    'crop_top',
    'crop_bottom',
    'crop_left',
    'crop_right',
    'top_field_first',
    'lossless',
    'repeat_pict',
    'alpha_mode',
    'side_data_list',
  ],
};

type Json = Record<string, unknown>;

/** ffprobe's JSON with the unreproducible keys of each packet and frame taken out, printed the way its JSON writer prints. */
function withoutUnreproducible(text: string): string {
  const doc = JSON.parse(text) as { packets?: Json[]; frames?: Json[]; packets_and_frames?: Json[] };
  for (const p of doc.packets ?? []) for (const k of UNREPRODUCIBLE.packet) delete p[k];
  for (const f of doc.frames ?? []) for (const k of UNREPRODUCIBLE.frame) delete f[k];
  for (const x of doc.packets_and_frames ?? []) for (const k of UNREPRODUCIBLE[x.type === 'packet' ? 'packet' : 'frame']) delete x[k];
  return JSON.stringify(doc, null, 4);
}

/**
 * ffprobe's compact and csv lines without their packet side data: FFmpeg 5 prints it as a
 * section ending its own line, 7 and newer on the packet's line, named by type (compact).
 */
const withoutPacketSideData = (text: string, sep: string) =>
  text
    .replace(new RegExp(`\\${sep}side_data\\${sep}[^\\n]*\\n\\n`, 'g'), '\n')
    .replace(new RegExp(`\\${sep}(side_datum/[^\\n]*|Skip Samples(\\${sep}-?\\d+)*)$`, 'gm'), '');

/** The default, flat and compact writers' packet side data taken out. */
function withoutTextSideData(text: string, writer: string): string {
  if (writer === 'default') return text.replace(/\[SIDE_DATA\]\n[^[]*\[\/SIDE_DATA\]\n/g, '');
  if (writer === 'flat') return text.replace(/^.*\.side_data_list\..*\n/gm, '');
  return withoutPacketSideData(text, '|');
}

interface Shape {
  argv: string[];
  /** ffprobe's stdout as avforge must print it (default: as it is). */
  expect?: (stdout: string) => string;
  /** Both outputs are compared as JSON reprinted (after `expect`), not as text. */
  json?: boolean;
}

const mp4 = () => media('h264-aac.mp4');

const SHAPES: Record<string, () => Shape> = {
  'json -show_format -show_streams': () => ({ argv: ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', mp4()] }),
  'print_format json -hide_banner -i': () => ({ argv: ['-hide_banner', '-loglevel', 'error', '-print_format', 'json', '-show_streams', '-i', mp4()] }),
  'csv=p=0 stream=codec_name,width,height': () => ({ argv: ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', mp4()] }),
  'default=nw=1:nk=1 format=duration': () => ({ argv: ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', mp4()] }),
  '-count_frames -select_streams v stream=nb_read_frames': () => ({
    argv: ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'default=nw=1:nk=1', mp4()],
  }),
  '-count_packets -select_streams a:0 stream=nb_read_packets csv': () => ({
    argv: ['-v', 'error', '-count_packets', '-select_streams', 'a:0', '-show_entries', 'stream=index,nb_read_packets', '-of', 'csv', mp4()],
  }),
  'stream_tags and format tags, json': () => ({
    argv: ['-v', 'error', '-show_entries', 'stream=codec_type:stream_tags=language,handler_name:format_tags', '-of', 'json', mp4()],
  }),
  'default writer -show_format -show_streams (absent values as N/A)': () => ({ argv: ['-v', 'error', '-show_format', '-show_streams', mp4()] }),
  'flat -show_format -show_streams': () => ({ argv: ['-v', 'error', '-show_format', '-show_streams', '-of', 'flat', mp4()] }),
  'compact -show_streams -select_streams 1': () => ({ argv: ['-v', 'error', '-show_streams', '-select_streams', '1', '-of', 'compact', mp4()] }),
  'mpeg-ts: ids and demuxer options, every writer': () => ({ argv: ['-v', 'error', '-show_format', '-show_streams', '-of', 'flat=s=_', media('mpeg2.ts')] }),
  'mpeg-ts compact: stream side data (CPB properties)': () => ({ argv: ['-v', 'error', '-show_streams', '-of', 'compact', media('mpeg2.ts')] }),
  'mpeg-ts csv format=nb_programs': () => ({
    argv: ['-v', 'error', '-show_entries', 'format=nb_programs', '-of', 'csv', media('mpeg2.ts')],
  }),
  'mpeg-ts -show_programs json': () => ({ argv: ['-v', 'error', '-show_programs', '-of', 'json', media('mpeg2.ts')] }),
  'mpeg-ts -show_programs -show_streams default': () => ({ argv: ['-v', 'error', '-show_programs', '-show_streams', media('mpeg2.ts')] }),
  'mpeg-ts stream=codec_name json (the programs list too)': () => ({
    argv: ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', media('mpeg2.ts')],
  }),
  'mpeg-ts -select_streams a program and stream entries compact': () => ({
    argv: ['-v', 'error', '-select_streams', 'a', '-show_entries', 'program=program_id,pmt_pid:program_tags:stream=index', '-of', 'compact', media('mpeg2.ts')],
  }),
  'webm json': () => ({ argv: ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', media('vp9-opus.webm')] }),
  'mp3 csv': () => ({ argv: ['-v', 'error', '-show_format', '-show_streams', '-of', 'csv', media('audio.mp3')] }),
  '-show_packets -select_streams v json': () => ({ argv: ['-v', 'error', '-show_packets', '-select_streams', 'v', '-of', 'json', mp4()] }),
  '-show_packets -select_streams a json': () => ({
    argv: ['-v', 'error', '-show_packets', '-select_streams', 'a', '-of', 'json', mp4()],
    expect: withoutUnreproducible,
    json: true,
  }),
  '-show_packets -select_streams a csv': () => ({
    argv: ['-v', 'error', '-show_packets', '-select_streams', 'a', '-of', 'csv', mp4()],
    expect: (s) => withoutPacketSideData(s, ','),
  }),
  '-show_entries packet=pts_time,size,flags -select_streams v:0 compact=nk=1': () => ({
    argv: ['-v', 'error', '-show_entries', 'packet=pts_time,size,flags', '-select_streams', 'v:0', '-of', 'compact=nk=1', mp4()],
  }),
  '-read_intervals %+#5 -show_packets -select_streams v compact': () => ({
    argv: ['-v', 'error', '-read_intervals', '%+#5', '-show_packets', '-select_streams', 'v', '-of', 'compact', mp4()],
  }),
  '-read_intervals 1%+0.5 (a seek) -show_packets json': () => ({ argv: ['-v', 'error', '-read_intervals', '1%+0.5', '-show_packets', '-of', 'json', mp4()] }),
  '-read_intervals 0.5%1.2,+0.2%+#3 csv': () => ({ argv: ['-v', 'error', '-read_intervals', '0.5%1.2,+0.2%+#3', '-show_packets', '-of', 'csv', mp4()] }),
  '-read_intervals 00:01.2%+#4 -count_packets': () => ({
    argv: ['-v', 'error', '-read_intervals', '00:01.2%+#4', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', mp4()],
  }),
};

describe('avforge ffprobe prints what ffprobe prints', () => {
  for (const [name, make] of Object.entries(SHAPES)) {
    test(name, async () => {
      const shape = make();
      const [ref, ours] = await Promise.all([ffprobe(shape.argv), avforge(shape.argv)]);
      assert.equal(ref.code, 0, ref.stderr);
      assert.equal(ours.code, 0, ours.stderr);
      const expected = shape.expect ? shape.expect(ref.stdout) : ref.stdout;
      if (shape.json) assert.equal(JSON.stringify(JSON.parse(ours.stdout), null, 4), expected);
      else assert.equal(ours.stdout, expected);
      assert.notEqual(ours.stdout.trim(), '', 'something is printed');
    });
  }

  // The frame fields are written for FFmpeg 5.1's ffprobe (libavcodec 59) and 7 and newer (61+).
  const lavc = Number.parseInt(versions().libavcodec, 10);
  test('-show_frames json (decoded through Decoder)', { skip: lavc === 60 && `ffprobe's frame fields of libavcodec ${lavc} are not written yet` }, async () => {
    const file = media('tiny-h264-aac.mp4');
    for (const shape of [
      ['-select_streams', 'v'],
      ['-select_streams', 'a'],
      ['-show_packets', '-select_streams', 'v'],
    ]) {
      const argv = ['-v', 'error', '-show_frames', ...shape, '-of', 'json', file];
      const [ref, ours] = await Promise.all([ffprobe(argv), avforge(argv)]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(JSON.stringify(JSON.parse(ours.stdout), null, 4), withoutUnreproducible(ref.stdout), shape.join(' '));
      const doc = JSON.parse(ours.stdout) as { frames?: unknown[]; packets_and_frames?: unknown[] };
      assert.ok((doc.frames ?? doc.packets_and_frames ?? []).length > 5);
    }
    // Frames after a seek: the decoders start afresh at the keyframe the seek found.
    const seek = ['-v', 'error', '-read_intervals', '1%+0.3', '-show_frames', '-of', 'json', mp4()];
    const [seekRef, seekOurs] = await Promise.all([ffprobe(seek), avforge(seek)]);
    assert.equal(JSON.stringify(JSON.parse(seekOurs.stdout), null, 4), withoutUnreproducible(seekRef.stdout), '-read_intervals');
    // The text writers, on what they print the same (no frame side data: an audio stream).
    for (const of of ['default', 'flat', 'compact']) {
      const argv = ['-v', 'error', '-show_frames', '-show_packets', '-select_streams', 'a', '-of', of, file];
      const [ref, ours] = await Promise.all([ffprobe(argv), avforge(argv)]);
      assert.equal(ours.stdout, withoutTextSideData(ref.stdout, of), of);
    }
  });

  test("an input that is no media: status 1 and ffprobe's line", async () => {
    const junk = path.join(scratch('ffprobe-junk'), 'junk.mp4');
    fs.writeFileSync(junk, Buffer.alloc(300, 7));
    const argv = ['-v', 'error', '-show_format', junk];
    const [ref, ours] = await Promise.all([ffprobe(argv), avforge(argv)]);
    assert.equal(ours.code, 1);
    // libav's own lines name their context's address, which differs between the processes.
    const unaddressed = (text: string) => text.replace(/ @ 0x[0-9a-f]+\]/g, ']');
    assert.equal(unaddressed(ours.stderr), unaddressed(ref.stderr));
    assert.equal(ours.stdout, ref.stdout);
  });

  test('a missing input: status 1, "FILE: No such file or directory", the stdout ffprobe prints', async () => {
    const missing = path.join(scratch('ffprobe-missing'), 'nope.mp4');
    for (const of of ['json', 'default']) {
      const argv = ['-v', 'error', '-show_format', '-of', of, missing];
      const [ref, ours] = await Promise.all([ffprobe(argv), avforge(argv)]);
      assert.equal(ours.code, 1);
      assert.equal(ref.code, 1);
      assert.equal(ours.stderr, `${missing}: No such file or directory\n`);
      assert.equal(ours.stdout, ref.stdout);
    }
  });

  test('a wrong flag or writer: status 1 and a message, as ffprobe', async () => {
    for (const argv of [['-nonsense', mp4()], ['-of', 'yaml', mp4()], ['-select_streams', 'p:1', '-show_streams', mp4()], []]) {
      const r = await avforge(argv);
      assert.equal(r.code, 1, argv.join(' '));
      assert.notEqual(r.stderr, '', argv.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack');
    }
  });
});

describe('avforge ffprobe arguments', () => {
  test('later -show_entries narrows an earlier -show_streams; tags answer to every tags section', () => {
    const a = parseFFprobeArgs(['-show_streams', '-show_entries', 'stream=codec_name:tags=language', 'in.mp4']);
    assert.equal(a.input, 'in.mp4');
    assert.equal(a.sections.get('stream').showAll, false);
    assert.deepEqual([...a.sections.get('stream').entries], ['codec_name']);
    assert.equal(a.sections.get('stream_disposition').showAll, true);
    for (const id of ['stream_tags', 'format_tags', 'packet_tags', 'frame_tags']) assert.deepEqual([...a.sections.get(id).entries], ['language'], id);
    assert.equal(a.sections.shown('format'), true);
    assert.equal(a.sections.shown('packets'), true);
  });

  test('-i and a positional name the same input; two inputs or an unknown section are refused', () => {
    assert.equal(parseFFprobeArgs(['-i', 'x.mkv', '-show_format']).input, 'x.mkv');
    assert.throws(() => parseFFprobeArgs(['a.mp4', 'b.mp4']), UsageError);
    assert.throws(() => parseFFprobeArgs(['-show_entries', 'nosuch=x', 'a.mp4']), UsageError);
    assert.equal(parseFFprobeArgs(['-v', 'repeat+error', 'a']).logLevel, 'error');
  });

  test("-read_intervals: starts, ends, offsets, packet counts and ffprobe's time syntax", () => {
    assert.deepEqual(parseReadIntervals('10%+#20,+1.5%01:02.25,%500ms,1:00:00'), [
      { start: { us: 10e6, offset: false }, end: { value: 20, offset: true, packets: true } },
      { start: { us: 1.5e6, offset: true }, end: { value: 62.25e6, offset: false, packets: false } },
      { end: { value: 500e3, offset: false, packets: false } },
      { start: { us: 3600e6, offset: false } },
    ]);
    for (const bad of ['x', '1%+#', '1%+#x', '00:61']) assert.throws(() => parseReadIntervals(bad), UsageError, bad);
  });
});
