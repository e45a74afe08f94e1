// The avforge command's transcode, remux and thumbs: the argument parser on its own, then
// the built CLI (dist/cli/main.js) as a child process, its outputs checked with ffprobe and
// its exit statuses (0 done, 1 failed, 2 usage, 130 interrupted).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describeFilterGraph, thumbnailFile } from '../src/index.js';
import { parseTime, UsageError } from '../src/cli/argv.js';
import { parseRemuxArgs, type RemuxArgs } from '../src/cli/remux_flags.js';
import { parseThumbsArgs, type ThumbsArgs } from '../src/cli/thumbs_flags.js';
import { parseMapSpec, parseTranscodeArgs, type TranscodeArgs } from '../src/cli/transcode_flags.js';
import { progressLine, Reporter } from '../src/cli/progress.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// build/test -> the repository
const root = path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../..' : '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

// ---------------------------------------------------------------------------------------
// The parser

const transcodeArgs = async (line: string) => {
  const r = await parseTranscodeArgs(line ? line.split(' ') : []);
  assert.ok(!r.help);
  return r as TranscodeArgs;
};
const remuxArgs = (line: string) => parseRemuxArgs(line.split(' ')) as RemuxArgs;
const thumbsArgs = (line: string) => parseThumbsArgs(line.split(' ')) as ThumbsArgs;
// transcode's parse is asynchronous (libavfilter answers for -filter_complex); the others throw at once
const usage = (f: () => unknown, message: RegExp) =>
  assert.rejects(
    async () => f(),
    (e: unknown) => e instanceof UsageError && message.test(e.message),
  );

describe('avforge transcode arguments', () => {
  test('IN OUT and -i IN OUT name the same files', async () => {
    for (const line of ['in.mp4 out.mkv', '-i in.mp4 out.mkv', 'in.mp4 -y out.mkv']) {
      const a = await transcodeArgs(line);
      assert.equal(a.input, 'in.mp4', line);
      assert.equal(a.output, 'out.mkv', line);
    }
    assert.equal((await transcodeArgs('-i in.mp4 out.mkv -y')).overwrite, true);
  });

  test('codecs, quality and filters become the video and audio settings', async () => {
    const a = await transcodeArgs(
      'in.mp4 out.mkv -c:v libx265 -crf 28 -preset slow -vf hflip -s 640x-2 -r 30000/1001 -pix_fmt yuv420p10le -g 48 -frames:v 100 -c:a libopus -b:a 96k -ar 48000 -ac 2 -af volume=0.5',
    );
    assert.deepEqual(a.options.video, {
      codec: 'libx265',
      crf: 28,
      preset: 'slow',
      filter: 'hflip',
      width: 640,
      frameRate: '30000/1001',
      pixelFormat: 'yuv420p10le',
      gopSize: 48,
      maxFrames: 100,
    });
    assert.deepEqual(a.options.audio, { codec: 'libopus', bitRate: '96k', sampleRate: 48000, channels: 2, filter: 'volume=0.5' });
  });

  test('-c copy copies video and audio; -c:v is more specific; -vn / -an drop them', async () => {
    assert.deepEqual([(await transcodeArgs('a b -c copy')).options.video, (await transcodeArgs('a b -c copy')).options.audio], ['copy', 'copy']);
    const o = (await transcodeArgs('a b -c copy -c:v libx264')).options;
    assert.deepEqual([o.video, o.audio], [{ codec: 'libx264' }, 'copy']);
    const n = (await transcodeArgs('a b -vn -c:a aac')).options;
    assert.deepEqual([n.video, n.audio], [false, { codec: 'aac' }]);
    await usage(() => transcodeArgs('a b -c:v copy -crf 20'), /-crf: the video is copied/);
    await usage(() => transcodeArgs('a b -c libx264'), /-c takes only 'copy'/);
  });

  test('times: seconds, [HH:]MM:SS[.ms], units; -ss before -i seeks that input, -f before -i is its format', async () => {
    assert.deepEqual(
      ['90', '1.5', '01:30', '1:02:03.5', '1500ms', '2s'].map((t) => parseTime(t, '-ss')),
      [90, 1.5, 90, 3723.5, 1.5, 2],
    );
    await usage(() => parseTime('1:75', '-ss'), /not a time/);
    await usage(() => parseTime('-3', '-ss'), /not a time/);
    const a = await transcodeArgs('-ss 1:30 -f mpegts -i in.ts -t 10 out.mp4');
    assert.deepEqual([a.options.start, a.options.duration, a.options.input, a.options.format], [90, 10, { format: 'mpegts' }, undefined]);
    const b = await transcodeArgs('in.ts out.mp4 -ss 5 -f mp4');
    assert.deepEqual([b.options.start, b.options.input, b.options.format], [5, undefined, 'mp4']);
  });

  test('-map and extra inputs, in the order given', async () => {
    const a = await transcodeArgs('in.mp4 out.mp4 -i music.m4a -map 0:v -map 1:a -map 0:a:1 -map 0:2');
    assert.deepEqual(a.options.inputs, [{ source: 'music.m4a' }]);
    assert.deepEqual(a.options.map, [
      { input: 0, stream: 'v' },
      { input: 1, stream: 'a' },
      { input: 0, stream: 'a:1' },
      { input: 0, stream: 2 },
    ]);
    assert.deepEqual((await transcodeArgs('a b -map 0 -an')).options.map, [
      { input: 0, stream: 'v' },
      { input: 0, stream: 's' },
    ]);
    assert.deepEqual(parseMapSpec('[out]'), { label: 'out' });
    await usage(() => parseMapSpec('-0:a'), /negative maps/);
    await usage(() => parseMapSpec('0:x'), /not a stream specifier/);
    // ffmpeg's order: -i before a file name makes that input 0
    const b = await transcodeArgs('-i first.mp4 second.mp4 out.mkv');
    assert.deepEqual([b.input, b.options.inputs, b.output], ['first.mp4', [{ source: 'second.mp4' }], 'out.mkv']);
  });

  test('-filter_complex: its outputs and their media types from libavfilter; -ar / -ac go to the audio ones', async () => {
    const g = '[0:v][1:v]overlay[v];[0:a]volume=2[a]';
    const a = await transcodeArgs(`in.mp4 out.mkv -i logo.png -filter_complex ${g} -c:v libx264 -crf 20 -ar 44100`);
    assert.deepEqual(a.options.map, [
      { codec: 'libx264', crf: 20, label: 'v' },
      { label: 'a', sampleRate: 44100 },
    ]);
    assert.equal(a.options.filterComplex, g, 'the graph is passed as given: transcode() converts after it');
    // what a regular expression would guess wrong: filters that turn audio into video, concat's outputs
    const kinds = async (graph: string, ...maps: string[]) =>
      (
        (await transcodeArgs(`in.mp4 out.mkv -filter_complex ${graph} -c:v libx264 -c:a aac ${maps.map((m) => `-map ${m}`).join(' ')}`.trim())).options.map ??
        []
      ).map((m) => m.codec);
    assert.deepEqual(await kinds('[0:a]asplit[x][y];[x]showwaves[w]', '[w]', '[y]'), ['libx264', 'aac']);
    assert.deepEqual(await kinds('[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[cv][ca]', '[ca]', '[cv]'), ['aac', 'libx264']);
    assert.deepEqual(await kinds('[0:v]split[p][q];[0:a]volume=2[z]'), ['libx264', 'libx264', 'aac'], 'without -map, every output');
    const pads = await describeFilterGraph('[0:a]asplit[x][y];[x]showwaves[w]');
    assert.deepEqual(Object.fromEntries(pads.outputs.map((p) => [p.label, p.type])), { y: 'audio', w: 'video' });
    await usage(() => transcodeArgs('in.mp4 out.mkv -filter_complex [0:v]hflip -map 0:a'), /label the graph's outputs/);
    await usage(() => transcodeArgs('in.mp4 out.mkv -filter_complex [0:v]hflip[v] -map [x]'), /no output \[x\]/);
    await usage(() => transcodeArgs('in.mp4 out.mkv -filter_complex [0:v]hflip[v] -vf vflip'), /-vf cannot be used with -filter_complex/);
    await usage(() => transcodeArgs('in.mp4 out.mkv -map [v]'), /there is none/);
  });

  test('encoder options: after -c:v / -c:a, or with :v / :a; anything else is a usage error', async () => {
    const a = await transcodeArgs('a b -c:v libx265 -x265-params aq-mode=3 -c:a libopus -vbr off -tune:v grain -q:a 2');
    assert.deepEqual(a.options.video, { codec: 'libx265', options: { 'x265-params': 'aq-mode=3', tune: 'grain' } });
    assert.deepEqual(a.options.audio, { codec: 'libopus', options: { vbr: 'off', global_quality: 236, flags: '+qscale' } });
    assert.deepEqual((await transcodeArgs('a b -x264-params keyint=5')).options.video, { options: { 'x264-params': 'keyint=5' } });
    await usage(() => transcodeArgs('a b -bogus 1'), /unknown option '-bogus'/);
    await usage(() => transcodeArgs('a b --bogus'), /unknown option '--bogus'/);
    await usage(() => transcodeArgs('a b -c:v libx264 -bogus'), /needs a value/);
    await usage(() => transcodeArgs('a b -crf'), /-crf needs a value/);
    await usage(() => transcodeArgs('a b -crf high'), /-crf: 'high' is not a number/);
    await usage(() => transcodeArgs('a b -s 640'), /not a size/);
    await usage(() => transcodeArgs('a b -b:v fast'), /not a bit rate/);
  });

  test('--options: library options merged over the flags, objects key by key', async () => {
    const a = await transcodeArgs('a b -c:v libx264 -crf 20 -t 5 --options {"video":{"preset":"fast","crf":18},"chapters":false,"duration":2}');
    assert.deepEqual(a.options.video, { codec: 'libx264', crf: 18, preset: 'fast' });
    assert.deepEqual([a.options.chapters, a.options.duration], [false, 2]);
    assert.deepEqual(remuxArgs('a b --options {"streams":[0]}').options, { streams: [0] });
    assert.deepEqual(thumbsArgs('a --count 2 --options {"width":64}').options, { count: 2, width: 64, format: 'jpeg' });
    await usage(() => transcodeArgs('a b --options {video}'), /--options: not JSON/);
    await usage(() => transcodeArgs('a b --options [1]'), /--options: a JSON object/);
  });

  test('missing and extra file names', async () => {
    await usage(() => transcodeArgs(''), /missing the input and output/);
    await usage(() => transcodeArgs('in.mp4'), /missing the input or the output file/);
    await usage(() => transcodeArgs('-i in.mp4'), /missing the output/);
    await usage(() => transcodeArgs('a b c'), /too many file names/);
    assert.deepEqual(await parseTranscodeArgs(['in.mp4', '--help']), { help: true });
    assert.equal((await transcodeArgs('in.mp4 out.mp4 --json --faststart --fragmented --strict -movflags +frag_keyframe')).json, true);
    assert.deepEqual((await transcodeArgs('a -- -weird.mkv')).output, '-weird.mkv');
  });
});

describe('avforge remux and thumbs arguments', () => {
  test('remux: -map picks streams of input 0, -c copy is accepted, times and container flags pass', async () => {
    const a = remuxArgs('-i in.mkv out.mp4 -map 0:v -map 0:a:1 -c copy -ss 10 -t 5 --faststart');
    assert.deepEqual(a.options, { streams: ['v', 'a:1'], start: 10, duration: 5, fastStart: true });
    assert.equal(remuxArgs('in.mkv out.mp4 -map 0').options.streams, undefined);
    await usage(() => remuxArgs('in.mkv out.mp4 -map 1:a'), /one input/);
    await usage(() => remuxArgs('in.mkv out.mp4 -c:v libx264'), /unknown option '-c:v'/);
    await usage(() => remuxArgs('in.mkv out.mp4 -c libx264'), /use avforge transcode/);
  });

  test('thumbs: the pattern and format from -o or --format; one way to pick frames', async () => {
    assert.deepEqual(thumbsArgs('in.mp4 --every 10').output, 'thumb-%03d.jpg');
    assert.deepEqual(thumbsArgs('in.mp4 --every 10').options, { every: 10, format: 'jpeg' });
    assert.deepEqual(thumbsArgs('-i in.mp4 --format png --count 4').output, 'thumb-%03d.png');
    const a = thumbsArgs('in.mp4 --times 1,5,1:30 -o shots/%02d.webp -q 80 --width 320');
    assert.deepEqual([a.output, a.options], ['shots/%02d.webp', { times: [1, 5, 90], quality: 80, width: 320, format: 'webp' }]);
    assert.equal(thumbsArgs('in.mp4 -o out/').output, 'out/thumb-%03d.jpg');
    assert.deepEqual(thumbsArgs('in.mp4 --keyframes --count 3').options, { keyframes: true, count: 3, format: 'jpeg' });
    await usage(() => thumbsArgs('in.mp4 --every 1 --times 3'), /choose one/);
    await usage(() => thumbsArgs('in.mp4 -q 1'), /JPEG quality is 2/);
    await usage(() => thumbsArgs('in.mp4 out.jpg'), /-o PATTERN/);
    await usage(() => thumbsArgs('--every 1'), /missing the input/);
    // thumbnails() names the files (the CLI checks them for -y with the same function)
    assert.deepEqual(
      [1, 2, 12].map((n) => thumbnailFile('t-%03d.jpg', n)),
      ['t-001.jpg', 't-002.jpg', 't-012.jpg'],
    );
    assert.deepEqual(
      [1, 2].map((n) => thumbnailFile('shot.png', n)),
      ['shot.png', 'shot-2.png'],
    );
  });

  test('the progress line fits the terminal; --json progress is one object per line', () => {
    const p = { frames: 210, fps: 104.2, time: 8.4, speed: 4.1, percent: 41.5, bytes: 338000, bitRate: 322000, elapsed: 2000, damaged: 0 };
    const wide = progressLine(p, 120);
    assert.match(wide, /^\[#+-+\]\s+42% frame=\s+210 fps= 104 speed=4.10x time=00:00:08.40 size=330 KiB bitrate=322 kb\/s$/);
    for (const w of [40, 60, 80]) assert.ok(progressLine(p, w).length < w, `fits ${w} columns`);
    assert.doesNotMatch(progressLine({ ...p, percent: null }, 120), /%/);
    const out: string[] = [];
    const err: string[] = [];
    const r = new Reporter({ json: true }, { out: { write: (t: string) => out.push(t) }, err: { write: (t: string) => err.push(t), isTTY: false } });
    r.progress(p);
    r.done({ output: 'x.mkv' }, 'summary');
    assert.deepEqual(
      out.map((l) => JSON.parse(l).event),
      ['progress', 'done'],
    );
    assert.deepEqual(err, [], 'no terminal: nothing on stderr');
  });
});

// ---------------------------------------------------------------------------------------
// The command

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `avforge ARGS...`; `onLine` sees each stdout line as it comes (with the child, to signal it). */
function avforge(args: string[], options: { cwd?: string; onLine?: (line: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) options.onLine?.(l, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const streamsOf = async (file: string) =>
  ((await ffprobeJson(['-show_streams', '-count_packets', file])).streams ?? []).map((s) => ({
    type: s.codec_type,
    codec: s.codec_name,
    packets: Number(s.nb_read_packets),
    width: s.width,
  }));

const durationOf = async (file: string) => Number((await ffprobeJson(['-show_format', file])).format?.duration);

/** Decodes every stream of `file`; the ffmpeg CLI says nothing at -v error when it is whole. */
async function assertDecodes(file: string): Promise<void> {
  const { stderr } = await ffmpeg(['-i', file, '-map', '0', '-f', 'null', '-']);
  assert.equal(stderr.trim(), '', `${file} decodes without errors`);
}

const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { event: string });

describe('the avforge command', { concurrency: 4 }, () => {
  const input = () => media('h264-aac.mp4');
  let long = '';
  before(async () => {
    assert.ok(fs.existsSync(cli), `${cli}: run npm run build:ts`);
    // 20 s of 320x240 for the Ctrl-C tests: long enough for x265 to be stopped halfway
    long = path.join(scratch('cli-long'), 'long.mp4');
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25:duration=20',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000:duration=20',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '25',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-shortest',
      long,
    ]);
  });

  test('transcode -c:v libx265 -crf 28: HEVC video, the audio kept, nothing printed off a terminal', async () => {
    const out = path.join(scratch('cli-x265'), 'out.mkv');
    const r = await avforge(['transcode', input(), out, '-c:v', 'libx265', '-crf', '28', '-preset', 'ultrafast']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const s = await streamsOf(out);
    assert.deepEqual(
      s.map((x) => [x.type, x.codec]),
      [
        ['video', 'hevc'],
        ['audio', 'vorbis'],
      ],
    );
    assert.equal(s[0]!.packets, 50);
    assert.equal(s[0]!.width, 320);
    await assertDecodes(out);
  });

  test('transcode -vn OUT.m4a: warns of nothing the ffmpeg CLI does not (the file is written under a .partial name)', async () => {
    const dir = scratch('cli-m4a');
    const theirs = await ffmpeg(['-i', input(), '-vn', path.join(dir, 'theirs.m4a')], 'warning');
    const r = await avforge(['transcode', input(), path.join(dir, 'ours.m4a'), '-vn', '-loglevel', 'warning']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.includes('extension is not'), theirs.stderr.includes('extension is not'), r.stderr);
    assert.deepEqual(
      (await streamsOf(path.join(dir, 'ours.m4a'))).map((x) => x.codec),
      ['aac'],
    );
  });

  test('transcode -i IN -c copy: every packet copied into another container', async () => {
    const out = path.join(scratch('cli-copy'), 'out.ts');
    const r = await avforge(['transcode', '-i', input(), '-c', 'copy', out]);
    assert.equal(r.code, 0, r.stderr);
    const [a, b] = await Promise.all([streamsOf(input()), streamsOf(out)]);
    assert.deepEqual(
      b.map((x) => [x.codec, x.packets]),
      a.map((x) => [x.codec, x.packets]),
    );
  });

  test('remux -map 0:v --faststart: only the video, index in front', async () => {
    const out = path.join(scratch('cli-remux'), 'out.mp4');
    const r = await avforge(['remux', media('h264-aac.mkv'), out, '-map', '0:v', '--faststart']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await streamsOf(out)).map((x) => [x.codec, x.packets]),
      [['h264', 50]],
    );
    const bytes = fs.readFileSync(out).toString('latin1');
    assert.ok(bytes.indexOf('moov') > 0 && bytes.indexOf('moov') < bytes.indexOf('mdat'), 'moov before mdat');
  });

  test('thumbs --every 1: numbered JPEGs in the current folder, no warning', async () => {
    const dir = scratch('cli-thumbs');
    const r = await avforge(['thumbs', input(), '--every', '1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    // full-range JPEG made without the deprecated yuvj formats, which swscale warns of
    assert.equal(r.stderr, '');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['thumb-001.jpg', 'thumb-002.jpg']);
    for (const f of fs.readdirSync(dir))
      assert.deepEqual(
        (await streamsOf(path.join(dir, f))).map((x) => [x.codec, x.width]),
        [['mjpeg', 320]],
      );
  });

  test('thumbs -o NAME (no extension, no folder yet): a folder is made and the images go in it', async () => {
    const dir = scratch('cli-thumbs-folder');
    const r = await avforge(['thumbs', input(), '--every', '1', '-o', path.join(dir, 'new', 'NAME')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'new', 'NAME')).sort(), ['thumb-001.jpg', 'thumb-002.jpg']);
  });

  test('--json: progress events, then done with the result, one JSON object a line', async () => {
    const dir = scratch('cli-json');
    const out = path.join(dir, 'out.mp4');
    const r = await avforge(['transcode', input(), out, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'copy', '--json', '-stats_period', '0.02']);
    assert.equal(r.code, 0, r.stderr);
    const ev = events(r.stdout);
    assert.ok(ev.length >= 2, r.stdout);
    const done = ev.at(-1)!;
    assert.equal(done.event, 'done');
    assert.ok(ev.slice(0, -1).every((e) => e.event === 'progress'));
    for (const k of ['frames', 'fps', 'time', 'speed', 'percent', 'bytes', 'bitRate', 'elapsed', 'damaged']) assert.ok(k in ev[0]!, `progress has ${k}`);
    assert.equal(done.output, out);
    assert.equal(done.bytes, fs.statSync(out).size);
    assert.deepEqual(
      done.frames,
      (await streamsOf(input())).map((x) => x.packets),
      'frames encoded, packets copied',
    );
    assert.equal(done.stopped, false);
    const thumbs = await avforge(['thumbs', input(), '--count', '2', '-o', path.join(dir, 't.png'), '--json']);
    const t = events(thumbs.stdout).at(-1)!;
    assert.deepEqual([t.event, t.count, (t.thumbnails as { file: string }[]).map((x) => path.basename(x.file))], ['done', 2, ['t.png', 't-2.png']]);
  });

  test('usage errors exit 2 (an event with --json); a missing input exits 1; --help exits 0', async () => {
    const dir = scratch('cli-errors');
    const out = path.join(dir, 'out.mkv');
    const bad = await avforge(['transcode', input(), out, '--no-such-flag']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option '--no-such-flag'/);
    const badJson = await avforge(['transcode', input(), out, '-crf', 'x', '--json']);
    assert.equal(badJson.code, 2);
    assert.deepEqual(events(badJson.stdout), [{ event: 'error', code: 'USAGE', message: "-crf: 'x' is not a number >= 0" }]);
    assert.equal((await avforge(['thumbs'])).code, 2);
    const missing = await avforge(['transcode', path.join(dir, 'nope.mp4'), out, '--json']);
    assert.equal(missing.code, 1);
    assert.deepEqual(
      events(missing.stdout).map((e) => [e.event, e.code]),
      [['error', 'ENOENT']],
    );
    assert.match(missing.stderr, /nope\.mp4.*No such file/);
    assert.deepEqual(fs.readdirSync(dir), [], 'no output, no partial file');
    const help = await avforge(['transcode', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:\n {2}avforge transcode/);
  });

  test('-filter_complex: an audio output needs no -ar; the graph is asked of libavfilter', async () => {
    const dir = scratch('cli-complex');
    const out = path.join(dir, 'out.mkv');
    const r = await avforge(['transcode', input(), out, '-filter_complex', '[0:v]hflip[v];[0:a]volume=0.5[a]', '-c:v', 'libx264', '-preset', 'ultrafast']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (await streamsOf(out)).map((x) => [x.type, x.codec]),
      [
        ['video', 'h264'],
        ['audio', 'vorbis'],
      ],
    );
    const bad = await avforge(['transcode', input(), path.join(dir, 'bad.mkv'), '-filter_complex', '[0:v]nosuchfilter[v]', '--json']);
    assert.equal(bad.code, 1, bad.stderr);
    assert.equal(events(bad.stdout).at(-1)!.event, 'error');
  });

  test('--options: a value the library refuses is a usage error (2) with its message', async () => {
    const dir = scratch('cli-options');
    const r = await avforge(['transcode', input(), path.join(dir, 'out.mkv'), '--options', '{"video":{"codec":5}}', '--json']);
    assert.equal(r.code, 2, r.stderr);
    const [e] = events(r.stdout);
    assert.deepEqual([e!.event, e!.code], ['error', 'USAGE']);
    assert.match(String(e!.message), /video\.codec/);
    const t = await avforge(['thumbs', input(), '-o', path.join(dir, 't-%d.png'), '--options', '{"count":"two"}']);
    assert.equal(t.code, 2, t.stderr);
    assert.match(t.stderr, /count/);
    assert.deepEqual(fs.readdirSync(dir), []);
    // the other commands: usage errors exit 2 as well
    assert.equal((await avforge(['probe'])).code, 2);
    assert.equal((await avforge(['worker', '--queue', 'q'])).code, 2);
    assert.equal((await avforge(['probe', input(), '--bogus'])).code, 2);
  });

  test('thumbs: thumbnails() writes the files; an existing one is kept without -y', async () => {
    const dir = scratch('cli-thumbs-exists');
    const pattern = path.join(dir, 'shot-%02d.jpg');
    fs.writeFileSync(path.join(dir, 'shot-02.jpg'), 'keep me');
    const r = await avforge(['thumbs', input(), '--count', '2', '-o', pattern]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /shot-02\.jpg' already exists/);
    assert.deepEqual(fs.readdirSync(dir), ['shot-02.jpg']);
    const y = await avforge(['thumbs', input(), '--count', '2', '-o', pattern, '-y', '--json']);
    assert.equal(y.code, 0, y.stderr);
    const done = events(y.stdout).at(-1)!;
    assert.deepEqual(
      (done.thumbnails as { file: string }[]).map((t) => path.basename(t.file)),
      ['shot-01.jpg', 'shot-02.jpg'],
    );
    assert.deepEqual(fs.readdirSync(dir).sort(), ['shot-01.jpg', 'shot-02.jpg']);
  });

  test('--help comes from the flag tables: every command lists its flags', async () => {
    for (const [command, flags] of Object.entries({
      transcode: ['-c:v CODEC|copy', '-filter_complex G', '-ss S', '-t S', '--options JSON', '-y', '--json'],
      remux: ['-map SPEC', '-ss S', '-t S', '-f FMT', '--options JSON'],
      thumbs: ['--every S', '-o PATTERN', '-ss S', '--options JSON'],
      probe: ['--json'],
      worker: ['--redis URL', '--memory-budget B', '--device NAME=N'],
      submit: ['--redis URL', '--options JSON', '--wait'],
      demo: ['--dir DIR', '--seconds N'],
      bench: ['--quick', '--only X'],
    })) {
      const r = await avforge([command, '--help']);
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^avforge ${command} — `), command);
      for (const f of flags) assert.ok(r.stdout.includes(`\n  ${f} `) || r.stdout.includes(`\n  ${f}\n`), `${command} --help lists ${f}:\n${r.stdout}`);
    }
  });

  test('an existing output is kept without -y (exit 1), replaced with -y', async () => {
    const out = path.join(scratch('cli-exists'), 'out.mkv');
    fs.writeFileSync(out, 'keep me');
    const r = await avforge(['remux', input(), out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists \(-y to overwrite it\)/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
    const y = await avforge(['remux', input(), out, '-y']);
    assert.equal(y.code, 0, y.stderr);
    assert.equal((await streamsOf(out)).length, 2);
  });

  test('Ctrl-C once: a valid, shorter output and exit 130', async () => {
    const out = path.join(scratch('cli-sigint'), 'out.mkv');
    let sent = false;
    const r = await avforge(['transcode', long, out, '-c:v', 'libx265', '-preset', 'ultrafast', '-crf', '28', '--json', '-stats_period', '0.1'], {
      onLine: (line, child) => {
        // once x265 has put out its first frames (stopped before that, nothing would be written)
        if (!sent && line.includes('"progress"') && (JSON.parse(line) as { frames: number }).frames > 0) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(r.code, 130, r.stderr);
    const done = events(r.stdout).at(-1)!;
    assert.equal(done.event, 'done');
    assert.equal(done.stopped, true);
    const duration = await durationOf(out);
    assert.ok(duration > 0 && duration < 15, `stopped early: ${duration} s of 20`);
    assert.deepEqual(
      (await streamsOf(out)).map((x) => x.codec),
      ['hevc', 'vorbis'],
    );
    await assertDecodes(out);
  });

  test('Ctrl-C twice: aborted, the output removed, exit 130', async () => {
    const dir = scratch('cli-sigint2');
    let sent = false;
    const r = await avforge(['transcode', long, path.join(dir, 'out.mkv'), '-c:v', 'libx265', '--json', '-stats_period', '0.1'], {
      onLine: (line, child) => {
        if (!sent && line.includes('"progress"')) {
          sent = true;
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGINT'), 20);
        }
      },
    });
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(events(r.stdout).at(-1), { event: 'error', code: 'ABORT_ERR', message: 'interrupted: the job was aborted and its output removed' });
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

// the CLI is what `npm i -g avforge` puts on the PATH: it must run by itself
test('dist/cli/main.js runs with no arguments: usage, exit 2', () => {
  assert.throws(
    () => execFileSync(process.execPath, [cli], { stdio: 'pipe' }),
    (e: { status: number; stdout: Buffer }) => e.status === 2 && /avforge transcode IN OUT/.test(e.stdout.toString()),
  );
});
