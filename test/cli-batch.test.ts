// `avforge batch`: command lines as a shell script writes them, split as sh splits plain words,
// run in one process; their outputs are the ffmpeg CLI's for the same lines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { UsageError } from '../src/cli/argv.js';
import { shellWords } from '../src/cli/batch.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg as ffmpegCli, parseHashLines } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../..' : '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

const packetHashes = async (file: string) => parseHashLines((await ffmpegCli(['-i', file, '-map', '0', '-c', 'copy', '-f', 'streamhash', '-'])).stdout);

describe('avforge batch', () => {
  test('words are split and unquoted as sh does', () => {
    assert.deepEqual(shellWords(`ffmpeg -i 'my file.mp4' -vf "scale=-2:720,fps=\\"30\\"" out\\ 1.mp4 # done`), [
      'ffmpeg',
      '-i',
      'my file.mp4',
      '-vf',
      'scale=-2:720,fps="30"',
      'out 1.mp4',
    ]);
    assert.deepEqual(shellWords(`ffmpeg -filter_complex '[0:v][1:v]overlay[v]' -map '[v]' o.mp4`), [
      'ffmpeg',
      '-filter_complex',
      '[0:v][1:v]overlay[v]',
      '-map',
      '[v]',
      'o.mp4',
    ]);
    assert.equal(shellWords('   # a comment'), null);
    assert.equal(shellWords(''), null);
    for (const bad of ["ffmpeg -i 'open", 'ffmpeg -i "$HOME/a.mp4" o.mp4', 'ffmpeg -i a.mp4 o.mp4 > log', 'ffmpeg -i a.mp4 o.mp4; rm x', 'ffmpeg -i *.mp4'])
      assert.throws(() => shellWords(bad), UsageError, bad);
  });

  test("runs the lines in one process: the CLI's outputs, a report per line, status 1 when one failed", async () => {
    const dir = scratch('batch');
    const input = media('h264-aac.mp4');
    const lines = [
      `ffmpeg -y -i '${input}' -c copy '${path.join(dir, 'a.mkv')}'`,
      '# a comment, then an empty line',
      '',
      `ffmpeg -y -i '${input}' -map 0:a -c:a libopus -b:a 64k '${path.join(dir, 'b.ogg')}'`,
      `ffmpeg -y -i '${path.join(dir, 'missing.mp4')}' '${path.join(dir, 'c.mkv')}'`,
      `ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '${input}'`,
    ];
    fs.writeFileSync(path.join(dir, 'jobs.txt'), `${lines.join('\n')}\n`);
    const r = spawnSync(process.execPath, [cli, 'batch', '-j', '2', path.join(dir, 'jobs.txt')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^\[1\] ok [\d.]+ s$/m);
    assert.match(r.stderr, /^\[4\] ok [\d.]+ s$/m);
    assert.match(r.stderr, /^\[5\] exit 1: .*missing\.mp4/m);
    assert.match(r.stderr, /^\[6\] ok/m);
    assert.equal(r.stdout, 'h264\naac\n');
    await ffmpegCli(['-y', '-i', input, '-c', 'copy', path.join(dir, 'ref.mkv')]);
    assert.deepEqual(await packetHashes(path.join(dir, 'a.mkv')), await packetHashes(path.join(dir, 'ref.mkv')));
    assert.equal((await packetHashes(path.join(dir, 'b.ogg'))).length, 1);
  });

  test('a line that is not an ffmpeg or ffprobe command is a usage error, and nothing runs', () => {
    const dir = scratch('batch-usage');
    const out = path.join(dir, 'a.mkv');
    fs.writeFileSync(path.join(dir, 'jobs.txt'), `ffmpeg -i '${media('h264-aac.mp4')}' -c copy '${out}'\nrm -rf /\n`);
    const r = spawnSync(process.execPath, [cli, 'batch', path.join(dir, 'jobs.txt')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /line 2: a command starts with ffmpeg or ffprobe, not 'rm'/);
    assert.equal(fs.existsSync(out), false);
    const bad = spawnSync(process.execPath, [cli, 'batch', '-j', '0', path.join(dir, 'jobs.txt')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2);
  });
});
