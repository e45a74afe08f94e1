// The examples (mirrors of FFmpeg's doc/examples) run and agree with the ffmpeg CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { decodeAudio } from '../examples/decode_audio.js';
import { demuxDecode } from '../examples/demux_decode.js';
import { encodeVideo } from '../examples/encode_video.js';
import { remux } from '../examples/remux.js';
import { media, scratch } from './media/generate.js';

const md5 = (data: Buffer) => crypto.createHash('md5').update(data).digest('hex');
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', ...args], { maxBuffer: 1 << 28 });

describe('examples', () => {
  test('demux_decode writes the same raw video as the CLI', async () => {
    const dir = scratch('demux-decode');
    const input = media('h264-aac.mp4');
    const counts = await demuxDecode(input, path.join(dir, 'v.raw'), path.join(dir, 'a.raw'));
    assert.equal(counts.video, 50);
    assert.ok(counts.audio > 90);
    const reference = ffmpeg('-threads', '1', '-i', input, '-map', '0:v', '-f', 'rawvideo', '-');
    assert.equal(md5(fs.readFileSync(path.join(dir, 'v.raw'))), md5(reference));
  });

  test('decode_audio interleaves to the same PCM as the CLI', async () => {
    const dir = scratch('decode-audio');
    const input = media('h264-aac.mp4');
    const out = path.join(dir, 'a.raw');
    const { sampleFormat } = await decodeAudio(input, out);
    assert.equal(sampleFormat, 'fltp');
    const reference = ffmpeg('-i', input, '-map', '0:a', '-c:a', 'pcm_f32le', '-f', 'f32le', '-');
    assert.equal(md5(fs.readFileSync(out)), md5(reference));
  });

  test('encode_video makes a file the CLI decodes to every frame', async () => {
    const out = path.join(scratch('encode-video'), 'out.mp4');
    assert.ok((await encodeVideo(out, 'libx264', 25)) >= 25);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', out]).toString()) as {
      streams: { codec_name: string; nb_read_frames: string; width: number }[];
    };
    assert.equal(probe.streams[0]!.codec_name, 'h264');
    assert.equal(probe.streams[0]!.nb_read_frames, '25');
    assert.equal(probe.streams[0]!.width, 352);
  });

  test('remux copies every packet as the CLI does', async () => {
    const dir = scratch('remux');
    const input = media('h264-aac.mp4');
    const ours = path.join(dir, 'ours.mkv');
    const theirs = path.join(dir, 'theirs.mkv');
    assert.ok((await remux(input, ours)) > 100);
    ffmpeg('-i', input, '-map', '0', '-c', 'copy', theirs);
    const hash = (f: string) => ffmpeg('-i', f, '-map', '0', '-c', 'copy', '-f', 'streamhash', '-').toString();
    assert.equal(hash(ours), hash(theirs));
    assert.equal(fs.existsSync(`${ours}.partial`), false);
  });
});
