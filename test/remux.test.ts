// Remuxing (Demuxer -> Muxer, packets copied) writes what `ffmpeg -c copy` writes: the same
// packets per stream (streamhash), with the same timestamps (framemd5 of a copy).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { Demuxer, Muxer, type MuxerStream } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson, parseHashLines, listDir } from './util.js';

/** Copies every stream of `input` into `output` with our Demuxer and Muxer. */
async function remux(input: string, output: string): Promise<void> {
  const d = await Demuxer.open(input);
  const m = await Muxer.open(output);
  try {
    const map = new Map<number, MuxerStream>();
    for (const s of d.streams) map.set(s.index, m.addStream(s));
    await m.writeHeader();
    for await (const p of d.packets()) {
      const out = map.get(p.streamIndex);
      assert.ok(out, `packet of unknown stream ${p.streamIndex}`);
      await m.write(p, out);
      p.close();
    }
    await m.writeTrailer();
  } finally {
    await m.close();
    await d.close();
  }
}

/** The CLI's copy of `input` into `output`. */
async function reference(input: string, output: string): Promise<void> {
  await ffmpeg(['-y', '-i', input, '-map', '0', '-c', 'copy', output]);
}

/** Per-stream hash of every packet's data (`-f streamhash`). */
async function streamhash(file: string): Promise<string[]> {
  return parseHashLines((await ffmpeg(['-i', file, '-map', '0', '-c', 'copy', '-f', 'streamhash', '-'])).stdout);
}

interface PacketLine {
  stream: number;
  dts: number;
  pts: number;
  duration: number;
  size: number;
  hash: string;
}

interface PacketList {
  /** Time base of each stream, in seconds per tick. */
  tb: Map<number, number>;
  packets: PacketLine[];
}

/**
 * Every packet's stream, dts, pts, duration, size and md5 (`-f framemd5` of a copy; the CLI
 * shifts the file to start at 0). Side data is left out: how the MPEG-TS demuxer attaches
 * its stream id depends on how the muxer grouped audio frames into PES packets (the CLI's
 * -muxdelay default), not on the packets.
 */
async function packetList(file: string): Promise<PacketList> {
  const { stdout } = await ffmpeg(['-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-']);
  const tb = new Map<number, number>();
  const packets: PacketLine[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^#tb (\d+): (\d+)\/(\d+)/.exec(line);
    if (m) tb.set(Number(m[1]), Number(m[2]) / Number(m[3]));
    if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.split(',').map((x) => x.trim());
    packets.push({ stream: Number(f[0]), dts: Number(f[1]), pts: Number(f[2]), duration: Number(f[3]), size: Number(f[4]), hash: f[5]! });
  }
  return { tb, packets };
}

/**
 * Asserts the same packets with the same timestamps; audio timestamps within `audioSlack`
 * seconds (the CLI smooths audio timestamps of a copy from a millisecond time base).
 */
function assertSamePackets(ours: PacketList, ref: PacketList, audioStreams: Set<number>, audioSlack: number): void {
  assert.deepEqual(ours.tb, ref.tb, 'time bases');
  assert.equal(ours.packets.length, ref.packets.length, 'packet count');
  if (audioSlack === 0) {
    assert.deepEqual(ours.packets, ref.packets, 'packet timestamps and data');
    return;
  }
  const ordered = (l: PacketList, s: number) => l.packets.filter((p) => p.stream === s);
  for (const s of ours.tb.keys()) {
    const a = ordered(ours, s);
    const b = ordered(ref, s);
    assert.deepEqual(
      a.map((p) => [p.size, p.hash]),
      b.map((p) => [p.size, p.hash]),
      `stream ${s} packet data`,
    );
    if (!audioStreams.has(s)) {
      assert.deepEqual(a, b, `stream ${s} packet timestamps`);
      continue;
    }
    const tick = ours.tb.get(s)!;
    a.forEach((p, i) => {
      const q = b[i]!;
      for (const k of ['dts', 'pts', 'duration'] as const)
        assert.ok(Math.abs(p[k] - q[k]) * tick <= audioSlack, `stream ${s} packet ${i} ${k}: ours ${p[k]}, ffmpeg ${q[k]}`);
    });
  }
}

async function streamSummary(file: string): Promise<string[]> {
  const j = await ffprobeJson(['-show_streams', file]);
  return (j.streams ?? []).map(
    (s) => `${s.index}:${s.codec_type}:${s.codec_name}:${s.width ?? ''}x${s.height ?? ''}:${s.sample_rate ?? ''}:${s.channels ?? ''}`,
  );
}

/** Asserts that `ours` holds what `ref` holds, packet for packet, and that nothing was left behind. */
async function assertSameAsReference(ours: string, ref: string, audioSlack = 0): Promise<void> {
  assert.ok(fs.existsSync(ours), `${ours} exists`);
  assert.ok(!fs.existsSync(`${ours}.partial`), 'no .partial left behind');
  assert.ok(fs.statSync(ours).size > 0, 'output is not empty');
  const [a, b] = await Promise.all([streamhash(ours), streamhash(ref)]);
  assert.ok(b.length >= 2, 'the reference has a video and an audio stream');
  assert.deepEqual(a, b, 'streamhash');
  const [sa, sb] = await Promise.all([streamSummary(ours), streamSummary(ref)]);
  assert.deepEqual(sa, sb, 'stream parameters');
  const audio = new Set(sb.filter((x) => x.split(':')[1] === 'audio').map((x) => Number(x.split(':')[0])));
  const [pa, pb] = await Promise.all([packetList(ours), packetList(ref)]);
  assertSamePackets(pa, pb, audio, audioSlack);
}

describe('remux', () => {
  test('mp4 -> mkv -> mp4 matches ffmpeg -c copy', async () => {
    const dir = scratch('remux-chain');
    const input = media('h264-aac.mp4');
    const mkv = path.join(dir, 'out.mkv');
    const mp4 = path.join(dir, 'out.mp4');
    const refMkv = path.join(dir, 'ref.mkv');
    const refMp4 = path.join(dir, 'ref.mp4');

    await Promise.all([remux(input, mkv), reference(input, refMkv)]);
    await assertSameAsReference(mkv, refMkv);

    // Second hop from our own mkv; the reference's from our mkv too, so this compares one step.
    await Promise.all([remux(mkv, mp4), reference(mkv, refMp4)]);
    // Matroska keeps milliseconds: the CLI rebuilds audio timestamps from sample counts, we
    // rescale what the packets say; both are within a millisecond of each other.
    await assertSameAsReference(mp4, refMp4, 0.001 + 1e-9);

    // And the round trip holds the packets it started with.
    assert.deepEqual(await streamhash(mp4), await streamhash(input), 'mp4 -> mkv -> mp4 keeps every packet');
    assert.deepEqual(listDir(dir), ['out.mkv', 'out.mp4', 'ref.mkv', 'ref.mp4']);
  });

  test('mp4 -> ts matches ffmpeg -c copy', async () => {
    const dir = scratch('remux-ts');
    const input = media('h264-aac.mp4');
    const ts = path.join(dir, 'out.ts');
    const refTs = path.join(dir, 'ref.ts');
    await Promise.all([remux(input, ts), reference(input, refTs)]);
    await assertSameAsReference(ts, refTs);
    assert.deepEqual(listDir(dir), ['out.ts', 'ref.ts']);
  });

  test('closing a muxer before writeTrailer leaves no file', async () => {
    const dir = scratch('remux-abandon');
    const out = path.join(dir, 'abandoned.mp4');
    const d = await Demuxer.open(media('h264-aac.mp4'));
    const m = await Muxer.open(out);
    try {
      const map = new Map<number, MuxerStream>();
      for (const s of d.streams) map.set(s.index, m.addStream(s));
      await m.writeHeader();
      let n = 0;
      for await (const p of d.packets()) {
        await m.write(p, map.get(p.streamIndex)!);
        p.close();
        if (++n === 20) break;
      }
      assert.equal(n, 20);
      assert.ok(fs.existsSync(`${out}.partial`), 'the output is written as .partial while in progress');
    } finally {
      await m.close();
      await d.close();
    }
    assert.ok(m.closed);
    assert.ok(!fs.existsSync(out), 'no output file');
    assert.ok(!fs.existsSync(`${out}.partial`), 'no .partial file');
    assert.deepEqual(listDir(dir), []);
  });

  test('closing a muxer before writeHeader leaves no file', async () => {
    const dir = scratch('remux-abandon-early');
    const out = path.join(dir, 'early.mkv');
    const d = await Demuxer.open(media('h264-aac.mp4'));
    const m = await Muxer.open(out);
    m.addStream(d.bestStream('video')!);
    await m.close();
    await d.close();
    assert.deepEqual(listDir(dir), []);
  });
});
