// Several outputs from one reading of the input (transcode(input, [outputs])): each input
// stream is decoded once for every output that encodes it, a shared filterComplex feeds them,
// and every file equals what the ffmpeg CLI writes for the same outputs in one command.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { AvError, transcode } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson, run } from './util.js';
import { captureLogs } from './pipeline-util.js';
import { fileURLToPath } from 'node:url';

captureLogs();
const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../..' : '..'), 'dist', 'cli', 'main.js');
let dir = '';
const at = (name: string) => path.join(dir, name);

/** Per-stream hash of every packet's data, and the stream's codec and frame count. */
async function packets(file: string): Promise<string> {
  return (await ffmpeg(['-i', file, '-map', '0', '-c', 'copy', '-f', 'streamhash', '-'])).stdout;
}

async function streams(file: string): Promise<string[]> {
  const j = await ffprobeJson<{ streams: { codec_name: string; width?: number; height?: number; nb_read_packets?: string }[] }>([
    '-count_packets',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_packets',
    file,
  ]);
  return j.streams.map((s) => `${s.codec_name} ${s.width ?? ''}x${s.height ?? ''} ${s.nb_read_packets}`);
}

before(() => {
  dir = scratch('outputs');
});

describe('transcode(input, [outputs])', () => {
  const input = () => media('h264-aac.mp4');

  test('three outputs (two encodes and a copy) equal the CLI writing them in one command', async () => {
    await ffmpeg([
      '-i',
      input(),
      '-map',
      '0:v',
      '-c:v',
      'mpeg4',
      '-b:v',
      '200k',
      '-threads',
      '1',
      '-vf',
      'scale=160:120',
      at('cli-a.mkv'),
      '-map',
      '0:a',
      '-c:a',
      'pcm_s16le',
      at('cli-b.mka'),
      '-map',
      '0:v',
      '-c',
      'copy',
      at('cli-c.mp4'),
    ]);
    const r = await transcode(input(), [
      { output: at('a.mkv'), map: [{ stream: 'v', codec: 'mpeg4', bitRate: '200k', threads: 1, width: 160, height: 120 }] },
      { output: at('b.mka'), map: [{ stream: 'a', codec: 'pcm_s16le' }] },
      { output: at('c.mp4'), map: [{ stream: 'v', codec: 'copy' }] },
    ]);
    for (const name of ['a.mkv', 'b.mka', 'c.mp4']) {
      assert.deepEqual(await streams(at(name)), await streams(at(`cli-${name}`)), name);
      assert.equal(await packets(at(name)), await packets(at(`cli-${name}`)), name);
    }
    assert.deepEqual(
      r.outputs.map((o) => o.output),
      ['a.mkv', 'b.mka', 'c.mp4'].map(at),
    );
    for (const o of r.outputs) assert.equal(o.bytes, fs.statSync(o.output!).size);
    assert.equal(
      r.bytes,
      r.outputs.reduce((n, o) => n + o.bytes, 0),
    );
    assert.ok(r.outputs.every((o) => o.duration !== null && o.duration > 1.9));
    assert.equal(r.outputs[1]!.sizes.video, 0);
  });

  test("the job's options are every output's defaults; an output's own win", async () => {
    const r = await transcode(input(), [{ output: at('d1.mkv') }, { output: at('d2.mkv'), video: { codec: 'mpeg4', width: 64, height: 48 }, audio: false }], {
      video: { codec: 'mpeg4', width: 96, height: 72 },
      audio: { codec: 'mp2' },
      duration: 1,
    });
    assert.deepEqual(await streams(at('d1.mkv')), ['mpeg4 96x72 25', 'mp2 x 42']);
    assert.deepEqual(await streams(at('d2.mkv')), ['mpeg4 64x48 25']);
    assert.equal(r.frames.length, 3);
  });

  test('one filterComplex feeds several outputs: split, each output maps its label', async () => {
    const graph = '[0:v]split=2[big][small];[small]scale=80:60[s]';
    await ffmpeg([
      '-i',
      input(),
      '-filter_complex',
      graph,
      '-map',
      '[big]',
      '-c:v',
      'mpeg4',
      '-threads',
      '1',
      at('cli-big.mkv'),
      '-map',
      '[s]',
      '-map',
      '0:a',
      '-c:v',
      'mpeg4',
      '-threads',
      '1',
      '-c:a',
      'copy',
      at('cli-small.mkv'),
    ]);
    await transcode(
      input(),
      [
        { output: at('big.mkv'), map: [{ label: 'big', codec: 'mpeg4', threads: 1 }] },
        {
          output: at('small.mkv'),
          map: [
            { label: 's', codec: 'mpeg4', threads: 1 },
            { stream: 'a', codec: 'copy' },
          ],
        },
      ],
      { filterComplex: graph },
    );
    for (const name of ['big.mkv', 'small.mkv']) assert.equal(await packets(at(name)), await packets(at(`cli-${name}`)), name);
  });

  test('a failing output fails the job and leaves no file behind; so does an abort', async () => {
    await assert.rejects(
      transcode(input(), [
        { output: at('ok.mkv'), video: { codec: 'mpeg4' } },
        { output: at('bad.mp4'), video: { codec: 'mpeg4' }, formatOptions: { no_such_option: 1 } },
      ]),
      (e: unknown) => e instanceof AvError,
    );
    const ac = new AbortController();
    const job = transcode(
      input(),
      [
        { output: at('ab1.mkv'), video: { codec: 'mpeg4' } },
        { output: at('ab2.mkv'), video: { codec: 'mpeg4' } },
      ],
      { signal: ac.signal, onFrames: () => ac.abort() },
    );
    await assert.rejects(job, (e: unknown) => e instanceof AvError && e.code === 'ABORT_ERR');
    for (const name of ['ok.mkv', 'bad.mp4', 'ab1.mkv', 'ab2.mkv']) assert.ok(!fs.existsSync(at(name)), name);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('.partial')),
      [],
    );
  });

  test('what an output may set is checked before anything runs', () => {
    assert.throws(() => transcode(input(), []), /outputs/);
    assert.throws(() => transcode(input(), [{ output: at('x.mkv'), inputs: ['y'] } as never]), /outputs\[0\]\.inputs/);
    assert.throws(() => transcode(input(), [{ output: '' }]), /output/);
    assert.throws(() => transcode(input(), [{ output: at('x.mkv'), video: { codec: 5 } } as never]), /codec/);
  });

  test('an output that selects nothing names itself', async () => {
    await assert.rejects(
      transcode(input(), [
        { output: at('n1.mkv'), video: { codec: 'mpeg4' } },
        { output: at('n2.mkv'), video: false, audio: false },
      ]),
      /output 1/,
    );
  });

  test('avforge ffmpeg writes several outputs from one reading, each file as the CLI writes it', async () => {
    const args = (a: string, b: string) => [
      '-i',
      input(),
      '-map',
      '0:v',
      '-c:v',
      'mpeg4',
      '-threads',
      '1',
      '-t',
      '1',
      a,
      '-map',
      '0:a',
      '-c:a',
      'pcm_s16le',
      '-t',
      '1',
      b,
    ];
    await ffmpeg(args(at('cli-f1.mkv'), at('cli-f2.mka')));
    await run(process.execPath, [cli, 'ffmpeg', '-v', 'error', ...args(at('f1.mkv'), at('f2.mka'))]);
    for (const name of ['f1.mkv', 'f2.mka']) assert.equal(await packets(at(name)), await packets(at(`cli-${name}`)), name);
  });
});
