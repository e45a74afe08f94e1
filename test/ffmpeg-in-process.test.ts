// avforge/ffmpeg: ffmpeg(args) in this process, against the ffmpeg CLI given the same argv,
// with promisified execFile's contract (resolves { stdout, stderr }, rejects with the exit status).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

import { AvError } from '../src/index.js';
import { ffmpeg, FfmpegExitError, ffprobe } from '../src/cli/ffmpeg/in_process.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg as ffmpegCli, parseHashLines, run, runBuffer } from './util.js';

/** The per-stream hash of a file's packets, as ffmpeg's streamhash muxer gives it. */
async function packetHashes(file: string): Promise<string[]> {
  return parseHashLines((await ffmpegCli(['-i', file, '-map', '0', '-c', 'copy', '-f', 'streamhash', '-'])).stdout);
}

describe('ffmpeg() in process', () => {
  test('a remux writes the packets the ffmpeg CLI writes for the same argv', async () => {
    const dir = scratch('inproc-remux');
    const args = (out: string) => ['-i', media('h264-aac.mp4'), '-map', '0', '-c', 'copy', out];
    const mine = path.join(dir, 'mine.mkv');
    const theirs = path.join(dir, 'theirs.mkv');
    const r = await ffmpeg(args(mine));
    await ffmpegCli(args(theirs));
    assert.deepEqual(await packetHashes(mine), await packetHashes(theirs));
    // ffmpeg's closing lines go to the result's stderr, not the process's
    assert.match(r.stderr, /video:\d+kB audio:\d+kB/);
    assert.equal(r.stdout.length, 0);
  });

  test('`-` is collected as stdout, or written to the stream given', async () => {
    const args = ['-i', media('h264-aac.mp4'), '-map', '0:a', '-c:a', 'pcm_s16le', '-f', 's16le', '-'];
    const theirs = await runBuffer('ffmpeg', ['-v', 'error', '-nostdin', ...args]);
    const { stdout } = await ffmpeg(args);
    assert.ok(theirs.length > 0);
    assert.ok(stdout.equals(theirs), `${stdout.length} bytes against the CLI's ${theirs.length}`);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, done) {
        chunks.push(c);
        done();
      },
    });
    const streamed = await ffmpeg(args, { stdout: sink });
    assert.equal(streamed.stdout.length, 0);
    assert.ok(Buffer.concat(chunks).equals(theirs));
  });

  test('`-i -` reads the stdin given', async () => {
    const dir = scratch('inproc-stdin');
    const out = path.join(dir, 'out.mkv');
    await ffmpeg(['-f', 'mpegts', '-i', '-', '-map', '0', '-c', 'copy', out], { stdin: fs.createReadStream(media('mpeg2.ts')) });
    const theirs = path.join(dir, 'theirs.mkv');
    await ffmpegCli(['-i', media('mpeg2.ts'), '-map', '0', '-c', 'copy', theirs]);
    assert.deepEqual(await packetHashes(out), await packetHashes(theirs));
    await assert.rejects(ffmpeg(['-i', '-', '-c', 'copy', path.join(dir, 'none.mkv')]), (e: FfmpegExitError) => {
      assert.equal(e.code, 1);
      assert.match(e.message, /standard input, and none was given/);
      return true;
    });
  });

  test('failures reject with the exit status, the stderr and the AvError behind them', async () => {
    const dir = scratch('inproc-fail');
    const missing = path.join(dir, 'missing.mp4');
    await assert.rejects(ffmpeg(['-i', missing, path.join(dir, 'out.mkv')]), (e: FfmpegExitError) => {
      assert.ok(e instanceof FfmpegExitError);
      assert.equal(e.code, 1);
      assert.ok(e.cause instanceof AvError);
      assert.equal((e.cause as AvError).code, 'ENOENT');
      assert.match(e.stderr, /missing\.mp4/);
      assert.match(e.cmd, /^ffmpeg -i /);
      return true;
    });
    // an output that exists, no -y: ffmpeg's line and status, the file untouched
    const existing = path.join(dir, 'existing.mkv');
    fs.writeFileSync(existing, 'keep');
    await assert.rejects(ffmpeg(['-i', media('h264-aac.mp4'), '-c', 'copy', existing]), (e: FfmpegExitError) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /File '.*existing\.mkv' already exists\. Exiting\./);
      return true;
    });
    assert.equal(fs.readFileSync(existing, 'utf8'), 'keep');
    await assert.rejects(ffmpeg(['-i', media('h264-aac.mp4'), '-crff', '20', path.join(dir, 'x.mp4')]), (e: FfmpegExitError) => {
      assert.equal(e.code, 1);
      assert.match(e.message, /Option crff not found/);
      return true;
    });
  });

  test('arguments that are not a list of strings are a TypeError', async () => {
    await assert.rejects(ffmpeg('-i in.mp4 out.mkv' as unknown as string[]), TypeError);
    await assert.rejects(ffmpeg(['-i', 'in\0.mp4', 'out.mkv']), TypeError);
    await assert.rejects(ffmpeg(['-i', media('h264-aac.mp4'), 'o.mkv'], { maxBuffer: -1 }), RangeError);
  });

  test('an abort finishes the outputs, shorter, and rejects with an AbortError', async () => {
    const dir = scratch('inproc-abort');
    const out = path.join(dir, 'out.mkv');
    const controller = new AbortController();
    // a 10 s input and a stats line every 50 ms: the abort comes long before the end
    const run = ffmpeg(['-stats_period', '0.05', '-i', media('h264-aac-10s.mp4'), '-c:v', 'libx264', '-c:a', 'aac', out], {
      signal: controller.signal,
      onStderr: (text) => {
        // abort once the stats line shows frames written
        if (/frame=\s*[1-9]/.test(text)) controller.abort();
      },
    });
    await assert.rejects(run, (e: Error & { code: string; exitCode: number }) => {
      assert.equal(e.name, 'AbortError');
      assert.equal(e.code, 'ABORT_ERR');
      assert.equal(e.exitCode, 255);
      return true;
    });
    const hashes = await packetHashes(out);
    assert.equal(hashes.length, 2, 'a complete, readable file: its video and audio');
    const already = new AbortController();
    already.abort();
    await assert.rejects(ffmpeg(['-i', media('h264-aac.mp4'), path.join(dir, 'never.mkv')], { signal: already.signal }), { name: 'AbortError' });
    assert.equal(fs.existsSync(path.join(dir, 'never.mkv')), false);
  });

  test('more standard output than maxBuffer stops the command with an error', async () => {
    await assert.rejects(ffmpeg(['-i', media('h264-aac.mp4'), '-map', '0:a', '-f', 's16le', '-'], { maxBuffer: 4096 }), (e: RangeError & { code: string }) => {
      assert.equal(e.code, 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER');
      return true;
    });
  });

  test('command lines run side by side in one process', async () => {
    const dir = scratch('inproc-many');
    const outs = Array.from({ length: 6 }, (_, i) => path.join(dir, `out${i}.mkv`));
    await Promise.all(outs.map((o) => ffmpeg(['-i', media('h264-aac.mp4'), '-c', 'copy', o])));
    const first = await packetHashes(outs[0]!);
    for (const o of outs.slice(1)) assert.deepEqual(await packetHashes(o), first);
  });
});

describe('ffprobe() in process', () => {
  test('prints what the linked ffprobe prints for the same argv', async () => {
    for (const args of [
      ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', media('h264-aac.mp4')],
      ['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'csv=p=0', media('h264-aac.mp4')],
      ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'default=nw=1', media('vp9-opus.webm')],
    ]) {
      const theirs = await run('ffprobe', args);
      const mine = await ffprobe(args);
      if (args.includes('json')) assert.deepEqual(JSON.parse(mine.stdout), JSON.parse(theirs.stdout), args.join(' '));
      else assert.equal(mine.stdout, theirs.stdout, args.join(' '));
    }
  });

  test("a file it cannot open rejects with status 1 and ffprobe's words", async () => {
    const missing = path.join(scratch('inproc-probe'), 'missing.mp4');
    await assert.rejects(ffprobe(['-v', 'error', '-show_format', missing]), (e: FfmpegExitError) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /missing\.mp4: No such file or directory/);
      return true;
    });
    await assert.rejects(ffprobe([1 as unknown as string]), TypeError);
    await assert.rejects(ffprobe(['-v', 'error', '-show_packets', '-of', 'json', media('h264-aac.mp4')], { maxBuffer: 1000 }), {
      code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
    });
  });
});
