// What a job's result and progress count as the ffmpeg CLI does: the frames its frame-rate
// conversion repeated or dropped (-progress's dup_frames= and drop_frames=), and the bytes written
// per kind of stream (its last line: 'video:..kB audio:..kB ... muxing overhead').
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { remux, transcode, versions, type Progress } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson } from './util.js';
import { captureLogs, LONG } from './pipeline-util.js';

captureLogs();

/**
 * The CLI's closing -progress block for the same job into `out` (a real muxer: the null muxer
 * takes any timestamps, so the CLI converts no frame rate for it).
 */
async function cliProgress(args: string[], out: string): Promise<Map<string, string>> {
  const { stdout } = await ffmpeg([...args, '-progress', 'pipe:1', '-y', out]);
  const blocks = stdout.trim().split(/progress=\w+\n?/);
  const last = blocks.filter((b) => b.trim() !== '').at(-1) ?? '';
  return new Map(
    last.split('\n').flatMap((line) => (line.includes('=') ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]] : [])),
  );
}

/** Payload bytes per stream type, from ffprobe's packets. */
async function packetBytes(file: string): Promise<Record<string, number>> {
  const j = await ffprobeJson<{ streams: { index: number; codec_type: string }[]; packets: { stream_index: number; size: string }[] }>([
    '-show_streams',
    '-show_packets',
    '-show_entries',
    'packet=stream_index,size:stream=index,codec_type',
    file,
  ]);
  const sums: Record<string, number> = {};
  for (const p of j.packets) {
    const type = j.streams.find((s) => s.index === Number(p.stream_index))?.codec_type ?? 'other';
    sums[type] = (sums[type] ?? 0) + Number(p.size);
  }
  return sums;
}

// FFmpeg 7 and newer convert retimed frames in the CLI otherwise than 5.1 does (README: known
// differences by version); avforge converts as 5.1's CLI, so only there are the counts the CLI's.
const CLI_CONVERTS_AS_AVFORGE = Number(versions().libavcodec.split('.')[0]) < 61;

describe('frame-rate conversion counts', () => {
  // The encoder's frame-rate conversion (an MP4 is constant-rate) meets frames a filter retimed:
  // squeezed (drops), stretched (dups), and uneven (both).
  const cases = [
    { filter: 'setpts=0.4*PTS', more: 'dropFrames' },
    { filter: 'setpts=2*PTS', more: 'dupFrames' },
    { filter: 'setpts=0.5*PTS+0.3/TB*(N/7-floor(N/7))', more: 'dropFrames' },
    // -frames:v cuts the last frame's repeats short: those are not counted
    { filter: 'setpts=2*PTS', maxFrames: 31, more: 'dupFrames' },
    // frameRate is the CLI's -r N: the encoder's conversion repeats and drops frames (not an
    // fps filter, which hands the encoder frames at its rate already)
    { frameRate: 10, more: 'dropFrames' },
    { frameRate: 50, more: 'dupFrames' },
  ] as const;
  for (const c of cases) {
    const what = 'frameRate' in c ? `frameRate ${c.frameRate}` : 'maxFrames' in c ? `${c.filter}, maxFrames ${c.maxFrames}` : c.filter;
    const frames = 'maxFrames' in c ? ['-frames:v', String(c.maxFrames)] : [];
    const cliArgs = 'frameRate' in c ? ['-r', String(c.frameRate)] : ['-vf', c.filter];
    test(`${what}: dupFrames and dropFrames are the CLI's dup_frames= and drop_frames= (${cliArgs.join(' ')})`, async () => {
      const input = media(LONG);
      const dir = scratch('stats-rate');
      let last: Progress | undefined;
      const video = {
        codec: 'libx264',
        preset: 'ultrafast',
        ...('frameRate' in c ? { frameRate: c.frameRate } : { filter: c.filter }),
        ...('maxFrames' in c ? { maxFrames: c.maxFrames } : {}),
      };
      const r = await transcode(input, path.join(dir, 'out.mp4'), { video, audio: false, progressInterval: 20, onProgress: (p) => (last = p) });
      const cli = await cliProgress(['-i', input, '-an', ...cliArgs, ...frames, '-c:v', 'libx264', '-preset', 'ultrafast'], path.join(dir, 'cli.mp4'));
      const block = [...cli].map(([k, v]) => `${k}=${v}`).join(' ');
      if (CLI_CONVERTS_AS_AVFORGE) {
        assert.equal(r.dropFrames, Number(cli.get('drop_frames')), `drop_frames; the CLI's block: ${block}`);
        assert.equal(r.dupFrames, Number(cli.get('dup_frames')), `dup_frames; the CLI's block: ${block}`);
        if ('more' in c) assert.ok(r[c.more] > 0, `${c.more} ${r[c.more]}`);
      } else if (!('maxFrames' in c)) {
        // the counts still account for what was written: the input's frames, plus repeats, less drops
        const input = 100;
        assert.equal(r.frames[0], input + r.dupFrames - r.dropFrames, `${r.frames[0]} frames from ${input}: dup ${r.dupFrames}, drop ${r.dropFrames}`);
      }
      // the last progress report (made after the end) says the same
      assert.equal(last?.dupFrames, r.dupFrames);
      assert.equal(last?.dropFrames, r.dropFrames);
    });
  }

  test('no conversion: nothing repeated or dropped', async () => {
    const out = path.join(scratch('stats-same'), 'out.mkv');
    const r = await transcode(media(LONG), out, { video: { codec: 'libx264', preset: 'ultrafast' }, audio: false });
    assert.equal(r.dupFrames, 0);
    assert.equal(r.dropFrames, 0);
  });
});

describe('sizes', () => {
  for (const name of ['out.mp4', 'out.mkv']) {
    test(`${name}: sizes.video and sizes.audio are the packets' bytes; overhead is the rest of the file`, async () => {
      const out = path.join(scratch('stats-sizes'), name);
      const r = await transcode(media(LONG), out, { video: { codec: 'mpeg4' }, audio: { codec: 'aac' } });
      const probed = await packetBytes(out);
      assert.equal(r.sizes.video, probed.video);
      assert.equal(r.sizes.audio, probed.audio);
      assert.equal(r.sizes.subtitle, 0);
      assert.equal(r.sizes.other, 0);
      assert.ok(r.sizes.globalHeaders > 0, 'the encoders keep their headers outside the packets (mp4, mkv)');
      assert.equal(r.sizes.overhead, r.bytes - r.sizes.video - r.sizes.audio);
      assert.ok(r.sizes.overhead > 0 && r.sizes.overhead < r.bytes / 2, `overhead ${r.sizes.overhead} of ${r.bytes}`);
    });
  }

  test('libx264: counted as the encoder gives them, before the muxer rewrites start codes', async () => {
    const out = path.join(scratch('stats-x264'), 'out.mp4');
    const r = await transcode(media(LONG), out, { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' } });
    const probed = await packetBytes(out);
    // The MP4 muxer turns x264's Annex B start codes into 4-byte lengths: a 3-byte start code
    // grows by one byte. The CLI counts before the muxer too.
    const grown = probed.video! - r.sizes.video;
    assert.ok(grown >= 0 && grown <= 4 * (r.frames[0] ?? 0), `${r.sizes.video} bytes counted, ${probed.video} in the file`);
    assert.equal(r.sizes.audio, probed.audio);
    assert.equal(r.sizes.overhead, r.bytes - r.sizes.video - r.sizes.audio);
  });

  test('a copied stream counts as what it is', async () => {
    const out = path.join(scratch('stats-copy'), 'out.mkv');
    const r = await transcode(media(LONG), out, { video: 'copy', audio: 'copy' });
    const probed = await packetBytes(out);
    assert.equal(r.sizes.video, probed.video);
    assert.equal(r.sizes.audio, probed.audio);
    assert.equal(r.sizes.globalHeaders, 0, "the CLI counts the encoders' headers only");
  });
});

describe('busy', () => {
  test("each stage's seconds of work, within its threads' wall time; a remux works on one thread", async () => {
    const dir = scratch('stats-busy');
    const r = await transcode(media(LONG), path.join(dir, 'out.mkv'), { video: { codec: 'mpeg4' }, audio: { codec: 'mp2' } });
    const wall = r.elapsed / 1000;
    for (const stage of ['demux', 'decode', 'filter', 'encode', 'mux'] as const) {
      const s = r.busy[stage];
      assert.ok(s !== undefined && s > 0, `${stage}: ${s}`);
      // two streams: two decode, filter and encode threads
      assert.ok(s <= wall * (stage === 'demux' || stage === 'mux' ? 1 : 2) + 0.05, `${stage} ${s} s in ${wall} s`);
    }
    const copy = await remux(media(LONG), path.join(dir, 'copy.mkv'));
    assert.deepEqual(Object.keys(copy.busy), ['demux']);
  });
});
