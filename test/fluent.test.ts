// avforge/fluent: fluent-ffmpeg's API run in process. The argument list it builds, a chained
// transcode compared with the ffmpeg CLI's output for the same arguments, the events and their
// shapes, screenshots, ffprobe data, streams, kill, and require() from CommonJS.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

import ffmpeg, { type FfmpegCommand, type FfprobeData, type ProgressEvent } from '../src/fluent/index.js';
import { media, scratch } from './media/generate.js';
import { ffprobeJson } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../..' : '..');

interface Streams {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_frames?: string; sample_rate?: string; channels?: number }[];
  format: { format_name: string; duration: string };
}
const probe = (file: string) => ffprobeJson<Streams>(['-show_streams', '-show_format', file]);

/** Runs a command to its end; the events in order. */
function finish(cmd: FfmpegCommand): Promise<{ events: [string, unknown[]][] }> {
  const events: [string, unknown[]][] = [];
  for (const e of ['start', 'codecData', 'progress', 'stderr', 'end', 'error']) cmd.on(e, (...args: unknown[]) => events.push([e, args]));
  return new Promise((resolve, reject) => {
    cmd.on('end', () => resolve({ events }));
    cmd.on('error', (err: Error) => reject(Object.assign(err, { events })));
  });
}

describe('avforge/fluent: the argument list', () => {
  test('is the one fluent-ffmpeg builds: inputs, -y for files, audio, filters, video, options, target', () => {
    const cmd = ffmpeg('in.avi')
      .inputOptions('-ss 1')
      .audioCodec('aac')
      .audioBitrate(128)
      .videoCodec('libx264')
      .videoBitrate('1000', true)
      .size('320x?')
      .duration(2)
      .output('out.mp4');
    assert.deepEqual(cmd._getArguments(), [
      '-ss',
      '1',
      '-i',
      'in.avi',
      '-y',
      '-acodec',
      'aac',
      '-b:a',
      '128k',
      '-vcodec',
      'libx264',
      '-b:v',
      '1000k',
      '-maxrate',
      '1000k',
      '-minrate',
      '1000k',
      '-bufsize',
      '3M',
      '-filter:v',
      'scale=w=320:h=trunc(ow/a/2)*2',
      '-t',
      2,
      'out.mp4',
    ]);
  });
  test('aliases are the same functions; the module function is the class too', () => {
    const proto = ffmpeg.prototype as unknown as Record<string, unknown>;
    assert.equal(proto.withSize, proto.size);
    assert.equal(proto.saveToFile, proto.save);
    assert.ok(new ffmpeg() instanceof ffmpeg);
    assert.ok(ffmpeg() instanceof ffmpeg.FfmpegCommand);
  });
  test('sizes, aspect and padding become fluent’s scale and pad filters; a bad size throws at once', () => {
    assert.deepEqual(ffmpeg('a').size('50%')._getArguments().slice(-2), ['-filter:v', 'scale=w=trunc(iw*0.5/2)*2:h=trunc(ih*0.5/2)*2']);
    const padded = ffmpeg('a').size('640x480').autopad('white')._getArguments().at(-1) as string;
    assert.match(padded, /^scale=w=.*,pad=w=640:h=480:.*:color=white$/);
    assert.throws(() => ffmpeg().size('big'), /^Error: Invalid size specified/);
    assert.throws(() => ffmpeg().aspect('wide'), /Invalid aspect ratio/);
  });
});

describe('avforge/fluent: running in process', () => {
  test('a chained transcode gives what the ffmpeg CLI gives for the same arguments', async () => {
    const dir = scratch('fluent');
    const input = media('h264-aac.mp4');
    const ours = path.join(dir, 'fluent.mkv');
    const cmd = ffmpeg(input).videoCodec('mpeg4').size('160x?').fps(10).audioCodec('libopus').audioChannels(1).audioFrequency(48000).duration(1).output(ours);
    const cliOut = path.join(dir, 'cli.mkv');
    const args = cmd._getArguments().map(String);
    const r = spawnSync('ffmpeg', ['-v', 'error', ...args.slice(0, -1), cliOut], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    await finish(cmd.run());
    const [a, b] = await Promise.all([probe(ours), probe(cliOut)]);
    assert.deepEqual(
      a.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height, s.sample_rate, s.channels]),
      b.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height, s.sample_rate, s.channels]),
    );
    assert.ok(Math.abs(Number(a.format.duration) - Number(b.format.duration)) < 0.1, `${a.format.duration} vs ${b.format.duration}`);
  });

  test('events come in fluent’s order and shapes: start, codecData, progress, stderr, end', async () => {
    const out = path.join(scratch('fluent'), 'out.mp4');
    const { events } = await finish(ffmpeg(media('h264-aac.mp4')).videoCodec('libx264').outputOptions('-preset ultrafast').save(out));
    // fluent's order: start, ffmpeg's stderr lines with codecData among them (read from the input banner), progress, end
    const names = events.map(([n]) => n);
    assert.equal(names[0], 'start');
    assert.equal(names.filter((n) => n === 'codecData').length, 1);
    assert.ok(names.indexOf('codecData') < names.indexOf('progress'));
    assert.equal(names.at(-1), 'end');
    assert.ok(!names.includes('error'));
    assert.match(String(events[0]![1][0]), /^ffmpeg -i .*h264-aac\.mp4 -y -vcodec libx264 -preset ultrafast .*out\.mp4$/);
    const data = events.find(([n]) => n === 'codecData')![1][0] as Record<string, unknown>;
    assert.equal(data.format, 'mov,mp4,m4a,3gp,3g2,mj2');
    assert.equal(data.video, 'h264');
    assert.equal(data.audio, 'aac');
    assert.match(String(data.duration), /^00:00:0\d\.\d\d$/);
    const progress = events.filter(([n]) => n === 'progress').map(([, a]) => a[0] as ProgressEvent);
    assert.ok(progress.length > 0);
    for (const p of progress) {
      assert.deepEqual(Object.keys(p).sort(), ['currentFps', 'currentKbps', 'frames', 'percent', 'targetSize', 'timemark']);
      assert.match(p.timemark, /^\d\d:\d\d:\d\d\.\d\d$/);
    }
    assert.ok(events.some(([n, a]) => n === 'stderr' && /^frame=/.test(String(a[0]))));
    const [stdout, stderr] = events.at(-1)![1];
    assert.equal(typeof stdout, 'string');
    assert.match(String(stderr), /frame=/);
  });

  test('an error reaches the error event with (err, stdout, stderr)', async () => {
    const err = await finish(ffmpeg('/nonexistent/in.mp4').save(path.join(scratch('fluent'), 'x.mp4'))).then(
      () => assert.fail('ran'),
      (e: Error) => e,
    );
    assert.match(err.message, /^ffmpeg exited with code 1: /);
    await assert.rejects(
      finish(
        ffmpeg(media('h264-aac.mp4'))
          .videoCodec('nosuchcodec')
          .save(path.join(scratch('fluent'), 'y.mp4')),
      ),
      /Video codec nosuchcodec is not available/,
    );
  });

  test("what filters print at their end is in stderr where ffmpeg prints it: a two-pass loudnorm's first pass", async () => {
    const cmd = ffmpeg(media('h264-aac.mp4'))
      .noVideo()
      .audioFilters('loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json')
      .format('null')
      .output(path.join(scratch('fluent'), 'null'));
    const done = finish(cmd);
    cmd.run();
    const { events } = await done;
    const stderr = String(events.find(([e]) => e === 'end')![1][1]);
    const ours = JSON.parse(stderr.slice(stderr.indexOf('{'), stderr.lastIndexOf('}') + 1)) as Record<string, string>;
    const cli = spawnSync(
      'ffmpeg',
      ['-nostdin', '-i', media('h264-aac.mp4'), '-vn', '-af', 'loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json', '-f', 'null', '-'],
      {
        encoding: 'utf8',
      },
    ).stderr;
    assert.deepEqual(ours, JSON.parse(cli.slice(cli.indexOf('{'), cli.lastIndexOf('}') + 1)));
    assert.match(stderr, /^\[Parsed_loudnorm_0 @ 0x/m);
  });

  test('pipe() to a Writable and input from a Readable', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const cmd = ffmpeg(fs.createReadStream(media('h264-aac.mp4')))
      .noVideo()
      .audioCodec('libopus')
      .format('ogg');
    const done = finish(cmd);
    assert.equal(cmd.pipe(sink), sink);
    await done;
    const file = path.join(scratch('fluent'), 'piped.ogg');
    fs.writeFileSync(file, Buffer.concat(chunks));
    const p = await probe(file);
    assert.deepEqual(
      p.streams.map((s) => s.codec_name),
      ['opus'],
    );
  });

  test('kill() stops the run: error "ffmpeg was killed with signal SIGKILL"', async () => {
    const cmd = ffmpeg('testsrc=size=320x240:rate=25:duration=600')
      .inputFormat('lavfi')
      .videoCodec('libx264')
      .output(path.join(scratch('fluent'), 'long.mp4'));
    const done = finish(cmd);
    cmd.once('progress', () => cmd.kill());
    cmd.run();
    await assert.rejects(done, /ffmpeg was killed with signal SIGKILL/);
  });

  test('screenshots() writes fluent’s file names at evenly spaced times', async () => {
    const folder = scratch('fluent-shots');
    const names = await new Promise<string[]>((resolve, reject) => {
      let files: string[] = [];
      ffmpeg(media('h264-aac.mp4'))
        .on('filenames', (f: string[]) => {
          files = f;
        })
        .on('end', () => resolve(files))
        .on('error', reject)
        .screenshots({ count: 3, folder, size: '160x?' });
    });
    assert.deepEqual(names, ['tn_1.png', 'tn_2.png', 'tn_3.png']);
    for (const n of names) {
      const p = await probe(path.join(folder, n));
      assert.equal(p.streams[0]!.width, 160);
      assert.equal(p.streams[0]!.height, 120);
    }
  });

  test('ffprobe() data in fluent’s shape: numbers where ffprobe prints plain numbers, tags and disposition nested', async () => {
    const file = media('h264-aac.mp4');
    const data = await new Promise<FfprobeData>((resolve, reject) => ffmpeg.ffprobe(file, (err, d) => (err ? reject(err) : resolve(d))));
    const cli = await probe(file);
    assert.deepEqual(Object.keys(data).sort(), ['chapters', 'format', 'streams']);
    assert.equal(data.streams.length, cli.streams.length);
    const v = data.streams.find((s) => s.codec_type === 'video')!;
    assert.equal(v.width, 320);
    assert.equal(v.r_frame_rate, '25/1');
    assert.equal(typeof v.duration, 'number');
    assert.equal(typeof v.disposition?.default, 'number');
    assert.equal(data.format.format_name, cli.format.format_name);
    assert.equal(data.format.filename, file);
    const units = await new Promise<FfprobeData>((resolve, reject) => ffmpeg.ffprobe(file, ['-unit'], (err, d) => (err ? reject(err) : resolve(d))));
    assert.match(String(units.format.bit_rate), / bit\/s$/);
  });

  test('capabilities in fluent’s shapes', async () => {
    const formats = await new Promise<Record<string, { canMux: boolean; canDemux: boolean }>>((resolve, reject) =>
      ffmpeg.getAvailableFormats((e, d) => (e ? reject(e) : resolve(d))),
    );
    assert.equal(formats.mp4?.canMux, true);
    assert.equal(formats.avi?.canDemux, true);
    const encoders = await new Promise<Record<string, { type: string }>>((resolve, reject) =>
      ffmpeg.getAvailableEncoders((e, d) => (e ? reject(e) : resolve(d))),
    );
    assert.equal(encoders.libx264?.type, 'video');
    const filters = await new Promise<Record<string, { input: string }>>((resolve, reject) =>
      ffmpeg.getAvailableFilters((e, d) => (e ? reject(e) : resolve(d))),
    );
    assert.equal(filters.scale?.input, 'video');
  });
});

describe('avforge/fluent: CommonJS', () => {
  test("require('avforge/fluent') and require('avforge') work from a CommonJS child on this Node", () => {
    const dir = scratch('fluent-cjs');
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'avforge'), 'dir');
    const script = [
      "const ffmpeg = require('avforge/fluent');",
      "const avforge = require('avforge');",
      'if (typeof ffmpeg !== "function" || typeof ffmpeg.ffprobe !== "function") throw new Error("no factory");',
      'if (typeof avforge.transcode !== "function") throw new Error("no transcode");',
      `ffmpeg(${JSON.stringify(media('h264-aac.mp4'))}).noAudio().videoCodec('mpeg4').duration(0.5).on('error', (e) => { console.error(e.message); process.exit(1); }).on('end', () => console.log('ended')).save('out.avi');`,
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'main.cjs'), script);
    const r = spawnSync(process.execPath, ['main.cjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ended');
    assert.ok(fs.statSync(path.join(dir, 'out.avi')).size > 0);
  });
});
