// What the pipeline tests share: the test clips' rate and names, and what the ffprobe/ffmpeg CLIs
// say about a file (streams, counts, timestamps, PSNR/SSIM, decoded audio), each input's kept.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { AvError, setLogger, type TranscodeResult } from '../src/index.js';
import { ffmpeg, ffprobeJson, runBuffer } from './util.js';

export const FPS = 25; // every test clip's video rate
export const FRAME = 1 / FPS;
/** Timestamps printed by ffprobe are rounded (Matroska keeps milliseconds). */
export const EPS = 0.002;

// ---------------------------------------------------------------------------------------
// Helpers: what the CLIs say about a file. Each CLI run costs a process start: one ffprobe
// answers everything about a file, and what the inputs (never rewritten) give is kept.

interface StreamInfo {
  type: string;
  codec: string;
  /** Decoded frames (-count_frames) or packets (-count_packets). */
  count: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  layout?: string;
}

interface Probe {
  /** ffprobe's demuxer name ('matroska,webm', 'mpegts'...). */
  format: string;
  /** The container's duration, seconds. */
  duration: number;
  streams: StreamInfo[];
  /** Presentation times (seconds) of the first video stream's packets, sorted. */
  videoTimes: number[];
  /** ... of its keyframes. */
  keyframes: number[];
}

export async function probe(file: string, what: 'frames' | 'packets' = 'frames'): Promise<Probe> {
  const j = await ffprobeJson([
    what === 'frames' ? '-count_frames' : '-count_packets',
    '-show_streams',
    '-show_format',
    '-show_entries',
    'packet=stream_index,pts_time,flags',
    file,
  ]);
  const streams = (j.streams ?? []).map((s) => ({
    type: s.codec_type ?? '',
    codec: s.codec_name ?? '',
    count: Number(what === 'frames' ? s.nb_read_frames : s.nb_read_packets),
    width: s.width,
    height: s.height,
    sampleRate: s.sample_rate === undefined ? undefined : Number(s.sample_rate),
    channels: s.channels,
    layout: s.channel_layout,
  }));
  const video = streams.findIndex((x) => x.type === 'video');
  const packets = (j.packets ?? []).filter((p) => Number(p.stream_index) === video && p.pts_time !== undefined);
  const times = (list: typeof packets) => list.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
  return {
    format: j.format?.format_name ?? '',
    duration: Number(j.format?.duration),
    streams,
    videoTimes: times(packets),
    keyframes: times(packets.filter((p) => String(p.flags).includes('K'))),
  };
}

const kept = new Map<string, Promise<unknown>>();
/** What an input gives, computed once per file. */
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!kept.has(key)) kept.set(key, make());
  return kept.get(key) as Promise<T>;
}
export const probeInput = (file: string, what: 'frames' | 'packets' = 'frames') => once(`probe:${what}:${file}`, () => probe(file, what));

export const ofType = (list: StreamInfo[], type: string): StreamInfo => {
  const s = list.find((x) => x.type === type);
  assert.ok(s, `a ${type} stream in ${JSON.stringify(list)}`);
  return s;
};

/** How long the video shows: first frame to the end of the last one. */
export function span(times: number[]): number {
  assert.ok(times.length > 0, 'some video frames');
  return times.at(-1)! - times[0]! + FRAME;
}

/** PSNR (average, dB) and SSIM (All) of [x] against [y], both made by `graph` from `inputs`. */
export async function compare(inputs: string[], graph: string): Promise<{ psnr: number; ssim: number }> {
  const full = `${graph};[x]split[x0][x1];[y]split[y0][y1];[x0][y0]psnr;[x1][y1]ssim`;
  const { stderr } = await ffmpeg([...inputs.flatMap((i) => ['-i', i]), '-filter_complex', full, '-f', 'null', '-'], 'info');
  const psnr = /PSNR .*average:(inf|[\d.]+)/.exec(stderr);
  const ssim = /SSIM .*All:([\d.]+)/.exec(stderr);
  assert.ok(psnr && ssim, `psnr/ssim in the ffmpeg output:\n${stderr.slice(-2000)}`);
  return { psnr: psnr[1] === 'inf' ? Infinity : Number(psnr[1]), ssim: Number(ssim[1]) };
}

/** PSNRs (dB) of [x0] against [y0], [x1] against [y1]...: `n` pairs that `graph` makes, in one run. */
export async function psnrs(inputs: string[], graph: string, n: number): Promise<number[]> {
  const full = `${graph};${Array.from({ length: n }, (_, i) => `[x${i}][y${i}]psnr`).join(';')}`;
  const { stderr } = await ffmpeg([...inputs.flatMap((i) => ['-i', i]), '-filter_complex', full, '-f', 'null', '-'], 'info');
  // each filter's summary names it (Parsed_psnr_K); K grows along the graph text
  const found = [...stderr.matchAll(/Parsed_psnr_(\d+) @ [^\]]*\] PSNR .*average:(inf|[\d.]+)/g)]
    .map((m) => [Number(m[1]), m[2] === 'inf' ? Infinity : Number(m[2])] as const)
    .sort((a, b) => a[0] - b[0]);
  assert.equal(found.length, n, `${n} PSNR summaries in:\n${stderr.slice(-2000)}`);
  return found.map((f) => f[1]);
}

/** Frame `n` of a file's video, alone, from time 0 (for comparing single pictures). */
export const frameAt = (input: number, n: number) => `[${input}:v]trim=start_frame=${n}:end_frame=${n + 1},setpts=PTS-STARTPTS`;

/** The audio of `args` (inputs and filters) decoded to 48 kHz mono float samples. */
export async function pcm(args: string[]): Promise<Float32Array> {
  const b = await runBuffer('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args, '-f', 'f32le', '-ac', '1', '-ar', '48000', '-']);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}
export const inputPcm = (file: string) => once(`pcm:${file}`, () => pcm(['-i', file]));

/**
 * What the linked ffmpeg CLI counts for its output stream 0 when it runs `args` (an input and
 * encoding options) into the null muxer, from its closing statistics (-v verbose): the frames it
 * fed the encoder and the packets the encoder gave. Both move with the FFmpeg version (how much of
 * an AAC input's padding the demuxer trims, whether an encoder flushes its delay as one more
 * packet), so tests compare with these rather than with one version's numbers.
 */
export async function cliEncodeCounts(args: string[]): Promise<{ framesEncoded: number; packetsMuxed: number }> {
  const { stderr } = await ffmpeg([...args, '-f', 'null', '-'], 'verbose');
  const m = /Output stream #0:0 \(\w+\): (\d+) frames encoded[^;]*; (\d+) packets muxed/.exec(stderr);
  assert.ok(m, `the CLI's closing statistics: ${stderr.slice(-500)}`);
  return { framesEncoded: Number(m[1]), packetsMuxed: Number(m[2]) };
}

/** Signal-to-noise ratio (dB) of `a` against the reference `ref`, over their common length. */
export function snr(a: Float32Array, ref: Float32Array): number {
  let signal = 0;
  let noise = 0;
  const n = Math.min(a.length, ref.length);
  for (let i = 0; i < n; i++) {
    signal += ref[i]! ** 2;
    noise += (a[i]! - ref[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

/** Decodes every stream of a file, failing on the first decoding error (-xerror); the MD5 of the decoded video. */
export async function decodeCleanly(file: string): Promise<string> {
  const { stdout } = await ffmpeg(['-xerror', '-i', file, '-map', '0:v:0', '-f', 'md5', '-', '-map', '0', '-f', 'null', '-']);
  return stdout.trim();
}
export const inputMd5 = (file: string) => once(`md5:${file}`, () => decodeCleanly(file));

export function assertResult(r: TranscodeResult, out: string | null, checkBytes = true): void {
  assert.equal(r.output, out);
  assert.equal(r.stopped, false);
  assert.equal(r.damaged, 0);
  if (out !== null && checkBytes) assert.equal(r.bytes, fs.statSync(out).size, 'result.bytes is the file size');
  assert.ok(r.elapsed > 0);
}

export const isAvError = (code: string) => (e: unknown) => {
  assert.ok(e instanceof AvError, `an AvError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};

export const isAbortError = (e: unknown) => {
  assert.ok(e instanceof AvError, `an AvError, got ${String(e)}`);
  assert.equal(e.code, 'ABORT_ERR');
  assert.equal(e.name, 'AbortError');
  return true;
};

/** The clips most tests use. */
export const INPUT = 'h264-aac.mp4'; // 320x240, 25 fps, 2 s: 50 frames; AAC 48 kHz stereo
export const LONG = 'h264-aac-4s.mp4'; // the same for 4 s: 100 frames

/** FFmpeg's log, captured for the file's tests rather than printed among their output; some tests read it. */
export function captureLogs(): { level: string; message: string }[] {
  const logs: { level: string; message: string }[] = [];
  before(() => setLogger((level, message) => void logs.push({ level, message })));
  after(() => setLogger(null));
  return logs;
}
