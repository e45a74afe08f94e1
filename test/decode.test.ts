// Decoding is bit-exact with the ffmpeg CLI: for every stream of every generated file, the
// MD5 of each decoded frame, in order, equals what `ffmpeg -f framemd5` prints.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { media, type MediaName } from './media/generate.js';
import { decodeMd5s, decodeMd5sBatched, ffmpeg, parseFramemd5, pcmCodecFor } from './util.js';

const files: MediaName[] = ['h264-aac.mp4', 'hevc.mkv', 'hevc10.mkv', 'vp9-opus.webm', 'mpeg2.ts', 'audio.mp3', 'image.png'];

/** The reference's view of a file's streams: how many of each type (ffprobe). */
function streamCounts(file: string): { video: number; audio: number } {
  // JSON: its `streams` lists each stream once (CSV repeats those of MPEG-TS programs).
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json', file], { encoding: 'utf8' });
  const types = ((JSON.parse(out) as { streams?: { codec_type?: string }[] }).streams ?? []).map((s) => s.codec_type);
  return { video: types.filter((t) => t === 'video').length, audio: types.filter((t) => t === 'audio').length };
}

async function referenceVideo(file: string, n: number): Promise<string[]> {
  const { stdout } = await ffmpeg(['-threads', '1', '-i', file, '-map', `0:v:${n}`, '-f', 'framemd5', '-']);
  return parseFramemd5(stdout);
}

async function referenceAudio(file: string, n: number, sampleFormat: string): Promise<string[]> {
  const codec = pcmCodecFor(sampleFormat);
  const { stdout } = await ffmpeg(['-threads', '1', '-i', file, '-map', `0:a:${n}`, '-c:a', codec, '-f', 'framemd5', '-']);
  return parseFramemd5(stdout);
}

describe('decoded frames match ffmpeg framemd5', () => {
  for (const name of files) {
    const file = media(name);
    const counts = streamCounts(file);
    assert.ok(counts.video + counts.audio > 0, `${name} has streams`);
    for (let n = 0; n < counts.video; n++) {
      test(`${name} video #${n}`, async () => {
        const [ours, ref] = await Promise.all([decodeMd5s(file, 'video', n, 1), referenceVideo(file, n)]);
        assert.ok(ref.length > 0, 'the reference decoded frames');
        assert.equal(ours.md5s.length, ref.length, `frame count (ours ${ours.md5s.length}, ffmpeg ${ref.length})`);
        assert.deepEqual(ours.md5s, ref);
      });
    }
    for (let n = 0; n < counts.audio; n++) {
      test(`${name} audio #${n}`, async () => {
        const ours = await decodeMd5s(file, 'audio', n, 1);
        assert.ok(ours.sampleFormat, 'decoded audio frames have a sample format');
        // The CLI hashes encoded packets: a PCM codec of the decoder's own sample format,
        // interleaved, is what our side hashes (planar frames interleaved in JS).
        const ref = await referenceAudio(file, n, ours.sampleFormat);
        assert.ok(ref.length > 0, 'the reference decoded frames');
        assert.equal(ours.md5s.length, ref.length, `frame count (ours ${ours.md5s.length}, ffmpeg ${ref.length})`);
        assert.deepEqual(ours.md5s, ref);
      });
    }
  }
});

describe('decoder threads', () => {
  test('h264: threads 0 (default) and threads 1 decode the same frames', async () => {
    const file = media('h264-aac.mp4');
    const [single, auto, ref] = await Promise.all([decodeMd5sBatched(file, 'video', 0, 1), decodeMd5sBatched(file, 'video', 0, 0), referenceVideo(file, 0)]);
    assert.ok(ref.length > 0);
    assert.deepEqual(single, ref, 'threads 1 (decode()/flush()) matches ffmpeg');
    assert.deepEqual(auto, single, 'threads 0 matches threads 1');
  });

  test('h264: default options (no threads given) match ffmpeg', async () => {
    const file = media('h264-aac.mp4');
    const [ours, ref] = await Promise.all([decodeMd5s(file, 'video', 0), referenceVideo(file, 0)]);
    assert.deepEqual(ours.md5s, ref);
  });
});
