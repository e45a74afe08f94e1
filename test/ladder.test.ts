// ladder(): an HLS or DASH adaptive-bitrate ladder from one decode, as the ffmpeg CLI writes it
// (one graph that splits and scales, one muxer for every variant), with keyframes on the
// segment boundaries of every rendition.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { ladder } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson } from './util.js';
import { captureLogs } from './pipeline-util.js';
import { ladderArgs } from './parity/shapes.js';

captureLogs();
let dir = '';
before(() => {
  dir = scratch('ladder');
});

/** The pts (seconds) of a playlist's video keyframes, and its picture size. */
async function keyframes(playlist: string): Promise<{ size: string; keys: number[]; frames: number }> {
  const j = await ffprobeJson<{ streams: { width: number; height: number }[]; packets: { pts_time: string; flags: string }[] }>([
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height:packet=pts_time,flags',
    playlist,
  ]);
  const s = j.streams[0]!;
  return {
    size: `${s.width}x${s.height}`,
    keys: j.packets.filter((p) => p.flags.startsWith('K')).map((p) => Number(p.pts_time)),
    frames: j.packets.length,
  };
}

/** The master playlist's variants: RESOLUTION, CODECS and AUDIO of each EXT-X-STREAM-INF. */
function variants(master: string): string[] {
  return [...fs.readFileSync(master, 'utf8').matchAll(/#EXT-X-STREAM-INF:(.*)/g)].map((m) =>
    ['RESOLUTION', 'CODECS', 'AUDIO'].map((k) => new RegExp(`${k}=("[^"]*"|[^,]*)`).exec(m[1]!)?.[1] ?? '').join(' '),
  );
}

describe('ladder()', () => {
  const input = () => media('h264-aac.mp4'); // 320x240, 25 fps, 2 s

  test('HLS: a master playlist over every rendition (none taller than the input) and a shared audio group, as the CLI writes it', async () => {
    const out = path.join(dir, 'hls');
    const r = await ladder(input(), out, {
      segmentDuration: 1,
      renditions: [
        { height: 480, bitRate: '1M' },
        { height: 240, bitRate: '400k' },
        { height: 120, bitRate: '150k' },
      ],
    });
    assert.equal(r.playlist, path.join(out, 'master.m3u8'));
    assert.deepEqual(r.renditions, [
      { height: 240, bitRate: 400_000 },
      { height: 120, bitRate: 150_000 },
    ]);
    // the same ladder written by the CLI
    const cli = path.join(dir, 'hls-cli');
    fs.mkdirSync(cli);
    await ffmpeg([
      '-i',
      input(),
      ...ladderArgs, // the renditions above as the CLI's arguments
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_playlist_type',
      'vod',
      '-master_pl_name',
      'master.m3u8',
      '-var_stream_map',
      'v:0,agroup:audio v:1,agroup:audio a:0,agroup:audio',
      '-hls_segment_filename',
      path.join(cli, 'v%v', 'seg%05d.ts'),
      path.join(cli, 'v%v', 'index.m3u8'),
    ]);
    assert.deepEqual(variants(r.playlist), variants(path.join(cli, 'master.m3u8')));
    const big = await keyframes(path.join(out, 'v0', 'index.m3u8'));
    const small = await keyframes(path.join(out, 'v1', 'index.m3u8'));
    assert.deepEqual([big.size, small.size], ['320x240', '160x120']);
    assert.deepEqual([big.frames, small.frames], [50, 50]);
    // keyframes on the segment boundaries, the same in every rendition: players switch there
    assert.deepEqual(big.keys, small.keys);
    assert.deepEqual(
      big.keys.map((t) => Math.round((t - big.keys[0]!) * 1000)),
      [0, 1000],
    );
    for (const v of ['v0', 'v1', 'v2'])
      assert.equal(
        fs.readdirSync(path.join(out, v)).filter((f) => f.endsWith('.ts')).length,
        fs.readdirSync(path.join(cli, v)).filter((f) => f.endsWith('.ts')).length,
        v,
      );
  });

  test('DASH: one manifest, a representation per rendition and one for the audio', async () => {
    const out = path.join(dir, 'dash');
    const r = await ladder(input(), out, {
      format: 'dash',
      segmentDuration: 1,
      renditions: [
        { height: 240, bitRate: '400k' },
        { height: 144, bitRate: '150k' },
      ],
    });
    const mpd = fs.readFileSync(r.playlist, 'utf8');
    assert.equal(path.basename(r.playlist), 'manifest.mpd');
    const heights = [...mpd.matchAll(/<Representation [^>]*height="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(heights, [240, 144]);
    assert.equal([...mpd.matchAll(/<AdaptationSet /g)].length, 2);
    assert.match(mpd, /mimeType="audio\/mp4"/);
  });

  test('audio: false writes video only; a bad rendition is refused before anything runs', async () => {
    const out = path.join(dir, 'silent');
    await ladder(input(), out, { audio: false, renditions: [{ height: 120, bitRate: '100k' }] });
    assert.doesNotMatch(fs.readFileSync(path.join(out, 'master.m3u8'), 'utf8'), /AUDIO/);
    assert.throws(() => ladder(input(), out, { renditions: [] }), /renditions/);
    assert.throws(() => ladder(input(), out, { renditions: [{ height: 7, bitRate: '1M' }] }), /height/);
    assert.throws(() => ladder(input(), out, { renditions: [{ height: 120 } as never] }), /bitRate/);
    assert.throws(() => ladder(input(), out, { format: 'smooth' as never, renditions: [{ height: 120, bitRate: 1e5 }] }), /format/);
  });
});
