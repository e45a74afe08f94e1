// `avforge ffmpeg ARGS`: ffmpeg's grammar split as ffmpeg splits it, stream specifiers, and the
// built CLI run with the argv the ffmpeg CLI takes, its outputs compared with the CLI's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { AvError, Demuxer } from '../src/index.js';
import { UsageError } from '../src/cli/argv.js';
import { splitCommandLine } from '../src/cli/ffmpeg/grammar.js';
import { parseMapArgument, parseStreamSpecifier, selectBySpecifier } from '../src/cli/ffmpeg/stream_specifier.js';
import { media, scratch } from './media/generate.js';
import { ffprobeJson } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../..' : '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

/** Runs `avforge ARGS` (stdin closed, as in a script). */
function avforge(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function ffmpegCli(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('ffmpeg', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  return { status: r.status, stderr: r.stderr };
}

interface Streams {
  streams: { codec_type: string; codec_name: string; width?: number; channels?: number; disposition: Record<string, number>; tags?: Record<string, string> }[];
  format: { duration: string; format_name: string };
}
const probe = (file: string) => ffprobeJson<Streams>(['-show_streams', '-show_format', file]);
const shape = (p: Streams) => p.streams.map((s) => `${s.codec_type}:${s.codec_name}`).join(' ');

describe('ffmpeg grammar', () => {
  test('globals anywhere, options before the file they belong to, aliases and -noNAME', () => {
    const line = splitCommandLine([
      '-y',
      '-ss',
      '2',
      '-noautorotate',
      '-i',
      'a.mp4',
      '-i',
      'b.wav',
      '-vcodec',
      'libx264',
      '-crf:v',
      '20',
      'out.mp4',
      '-hide_banner',
      '-an',
      'out2.mkv',
    ]);
    assert.deepEqual(
      line.globals.map((g) => g.name),
      ['y', 'hide_banner'],
    );
    assert.deepEqual(
      line.inputs.map((i) => [i.url, i.options.map((o) => `${o.name}=${o.value}`)]),
      [
        ['a.mp4', ['ss=2', 'autorotate=false']],
        ['b.wav', []],
      ],
    );
    const [first, second] = line.outputs;
    assert.deepEqual(
      first!.options.map((o) => [o.name, o.spec, o.value, o.known]),
      [
        ['c', 'v', 'libx264', true],
        ['crf', 'v', '20', false],
      ],
    );
    assert.equal(second!.url, 'out2.mkv');
    assert.deepEqual(
      second!.options.map((o) => o.name),
      ['an'],
    );
  });

  test('refuses what ffmpeg refuses: an output option before -i, a missing value', () => {
    assert.throws(
      () => splitCommandLine(['-map', '0', '-i', 'a.mp4', 'o.mp4']),
      (e: unknown) => e instanceof UsageError && /cannot be applied to input url a\.mp4/.test(e.message),
    );
    assert.throws(
      () => splitCommandLine(['-i']),
      (e: unknown) => e instanceof UsageError && /Missing argument for option 'i'/.test(e.message),
    );
  });

  test('stream specifiers select as ffmpeg does', () => {
    const streams = [
      { type: 'video', index: 0, attachedPic: false, tags: { language: 'und' } },
      { type: 'audio', index: 1, tags: { language: 'eng' } },
      { type: 'audio', index: 2, id: 0x101, tags: { language: 'spa' } },
      { type: 'video', index: 3, attachedPic: true },
      { type: 'subtitle', index: 4 },
    ];
    const pick = (spec: string) => selectBySpecifier(parseStreamSpecifier(spec, '-map'), streams).map((s) => s.index);
    assert.deepEqual(pick(''), [0, 1, 2, 3, 4]);
    assert.deepEqual(pick('v'), [0, 3]);
    assert.deepEqual(pick('V'), [0]);
    assert.deepEqual(pick('a:1'), [2]);
    assert.deepEqual(pick('a:5'), []);
    assert.deepEqual(pick('4'), [4]);
    assert.deepEqual(pick('m:language:spa'), [2]);
    assert.deepEqual(pick('a:m:language'), [1, 2]);
    assert.deepEqual(pick('#0x101'), [2]);
    assert.deepEqual(pick('i:257'), [2]);
    assert.throws(() => parseStreamSpecifier('x', '-map'), UsageError);
    assert.throws(() => parseStreamSpecifier('1:v', '-map'), /comes last/);
    assert.deepEqual(parseMapArgument('-0:s?'), { negative: true, optional: true, input: 0, spec: { text: 's', type: 'subtitle' } });
    assert.deepEqual(parseMapArgument('[out]'), { negative: false, optional: false, label: 'out' });
  });
});

describe('avforge ffmpeg', () => {
  test('several outputs from one command, each with its own options, as the ffmpeg CLI writes them', async () => {
    const input = media('h264-aac.mp4');
    const dir = scratch('cli-ffmpeg');
    const argv = (d: string) => [
      '-v',
      'error',
      '-y',
      '-i',
      input,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '30',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      path.join(d, 'a.mp4'),
      '-vn',
      '-c:a',
      'copy',
      path.join(d, 'b.m4a'),
      '-map',
      '0:v',
      '-c',
      'copy',
      path.join(d, 'c.mkv'),
    ];
    fs.mkdirSync(path.join(dir, 'ref'));
    fs.mkdirSync(path.join(dir, 'ours'));
    assert.equal(ffmpegCli(argv(path.join(dir, 'ref'))).status, 0);
    const r = avforge(['ffmpeg', ...argv(path.join(dir, 'ours'))]);
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['a.mp4', 'b.m4a', 'c.mkv']) {
      const [ref, ours] = await Promise.all([probe(path.join(dir, 'ref', name)), probe(path.join(dir, 'ours', name))]);
      assert.equal(shape(ours), shape(ref), name);
      assert.ok(Math.abs(Number(ours.format.duration) - Number(ref.format.duration)) < 0.05, name);
    }
  });

  test('muxer options go to the muxer (-hls_time), encoder options to the encoder, and an unknown one says where it was looked for', () => {
    const dir = scratch('cli-ffmpeg');
    const playlist = path.join(dir, 'index.m3u8');
    const r = avforge(['ffmpeg', '-v', 'error', '-i', media('h264-aac.mp4'), '-c', 'copy', '-hls_time', '1', '-hls_playlist_type', 'vod', playlist]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(playlist, 'utf8'), /#EXT-X-PLAYLIST-TYPE:VOD/);
    const bad = avforge(['ffmpeg', '-v', 'error', '-i', media('h264-aac.mp4'), '-c:v', 'libx264', '-crff', '20', path.join(dir, 'x.mp4')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Option crff not found for output #0 .*: neither its encoders nor its muxer \(mp4\) has it/);
    assert.ok(!fs.existsSync(path.join(dir, 'x.mp4')));
  });

  test('an existing output: "File ... already exists. Exiting." and exit 1 without -y; -n the same', () => {
    const out = path.join(scratch('cli-ffmpeg'), 'exists.mp4');
    fs.writeFileSync(out, 'keep');
    for (const extra of [[], ['-n']]) {
      const r = avforge(['ffmpeg', ...extra, '-v', 'error', '-i', media('h264-aac.mp4'), '-c', 'copy', out]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`File '${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' already exists\\. Exiting\\.`));
      assert.equal(fs.readFileSync(out, 'utf8'), 'keep');
    }
  });

  test('-map: a map that matches nothing is an error; with ? it is not', () => {
    const dir = scratch('cli-ffmpeg');
    const r = avforge(['ffmpeg', '-v', 'error', '-i', media('h264-aac.mp4'), '-map', '0:a:5', path.join(dir, 'x.m4a')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Stream map '0:a:5' matches no streams/);
    const ok = avforge(['ffmpeg', '-v', 'error', '-i', media('h264-aac.mp4'), '-map', '0:v', '-map', '0:s?', '-c', 'copy', path.join(dir, 'y.mkv')]);
    assert.equal(ok.status, 0, ok.stderr);
  });

  test('-progress pipe:1 writes key=value blocks ending in progress=end; -v error -stats still shows the stats line', async () => {
    const dir = scratch('cli-ffmpeg');
    const r = avforge(['ffmpeg', '-v', 'error', '-stats', '-progress', 'pipe:1', '-i', media('h264-aac.mp4'), '-c', 'copy', path.join(dir, 'p.mkv')]);
    assert.equal(r.status, 0, r.stderr);
    const blocks = r.stdout.trim().split(/\n(?=frame=)/);
    const last = Object.fromEntries(
      blocks
        .at(-1)!
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    assert.equal(last.progress, 'end');
    const duration = Number((await probe(path.join(dir, 'p.mkv'))).format.duration);
    assert.ok(Math.abs(Number(last.out_time_us) / 1e6 - duration) < 0.1, `out_time_us ${last.out_time_us} for ${duration} s`);
    assert.ok(Number(last.total_size) > 0);
    assert.match(r.stderr, /frame=\s*\d+ fps=\s*[\d.]+ q=\S+ Lsize=\s*\d+kB time=\d\d:\d\d:\d\d\.\d\d bitrate=.* speed=/);
  });

  test('-shortest ends a looped picture with its song; -disposition marks the cover; avforge -i ... works without the word ffmpeg', async () => {
    const dir = scratch('cli-ffmpeg');
    const video = path.join(dir, 'still.mp4');
    const r = avforge([
      '-v',
      'error',
      '-loop',
      '1',
      '-i',
      media('image.png'),
      '-i',
      media('audio.mp3'),
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      video,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const p = await probe(video);
    const song = Number((await probe(media('audio.mp3'))).format.duration);
    assert.ok(Math.abs(Number(p.format.duration) - song) < 0.2, `${p.format.duration} s for a ${song} s song`);
    const podcast = path.join(dir, 'cover.mp3');
    const c = avforge([
      'ffmpeg',
      '-v',
      'error',
      '-i',
      media('audio.mp3'),
      '-i',
      media('image.png'),
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-c:a',
      'copy',
      '-c:v',
      'copy',
      '-disposition:v',
      'attached_pic',
      podcast,
    ]);
    assert.equal(c.status, 0, c.stderr);
    assert.equal((await probe(podcast)).streams.find((s) => s.codec_type === 'video')?.disposition.attached_pic, 1);
    const apple = path.join(dir, 'apple.mp4');
    const h = avforge(['ffmpeg', '-v', 'error', '-i', media('hevc.mkv'), '-c', 'copy', '-tag:v', 'hvc1', apple]);
    assert.equal(h.status, 0, h.stderr);
    const tagged = await ffprobeJson<{ streams: { codec_tag_string: string }[] }>(['-show_streams', apple]);
    assert.equal(tagged.streams[0]?.codec_tag_string, 'hvc1');
  });

  test('-f lavfi inputs (libavdevice, loaded on first need): a test pattern and a tone, as the CLI makes them', async () => {
    const dir = scratch('cli-ffmpeg');
    const argv = (out: string) => [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x120:rate=25:duration=1',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=48000:cl=stereo',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-shortest',
      out,
    ];
    assert.equal(ffmpegCli(argv(path.join(dir, 'ref.mp4'))).status, 0);
    const r = avforge(['ffmpeg', ...argv(path.join(dir, 'ours.mp4'))]);
    assert.equal(r.status, 0, r.stderr);
    const [ref, ours] = await Promise.all([probe(path.join(dir, 'ref.mp4')), probe(path.join(dir, 'ours.mp4'))]);
    assert.equal(shape(ours), shape(ref));
    assert.ok(Math.abs(Number(ours.format.duration) - Number(ref.format.duration)) < 0.05, `${ours.format.duration} vs ${ref.format.duration}`);
  });

  test('a device format (lavfi) opens only for a trusted input: its URL is a filter graph that can read files', async () => {
    await assert.rejects(Demuxer.open('testsrc2=duration=1', { format: 'lavfi' }), (e: unknown) => e instanceof AvError && e.code === 'INPUT_REFUSED');
    await using d = await Demuxer.open('testsrc2=size=64x48:duration=1', { format: 'lavfi', trusted: true });
    assert.equal(d.streams[0]?.type, 'video');
  });

  test("'-' is standard input and output: probing reads stdin once and the job gets all of it", async () => {
    const input = media('h264-aac.mkv');
    const r = spawnSync(process.execPath, [cli, 'ffmpeg', '-v', 'error', '-i', '-', '-c', 'copy', '-f', 'nut', '-'], {
      input: fs.readFileSync(input),
      maxBuffer: 64 << 20,
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    const out = path.join(scratch('cli-ffmpeg'), 'stdout.nut');
    fs.writeFileSync(out, r.stdout);
    const [ours, source] = await Promise.all([probe(out), probe(input)]);
    assert.equal(shape(ours), shape(source));
    assert.ok(Math.abs(Number(ours.format.duration) - Number(source.format.duration)) < 0.05);
  });

  test('an option avforge has no form for yet is refused by name, never ignored', () => {
    const r = avforge(['ffmpeg', '-v', 'error', '-i', media('h264-aac.mp4'), '-fs', '1000', path.join(scratch('cli-ffmpeg'), 'x.mp4')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /-fs .* is not supported by avforge ffmpeg yet/);
  });
});
