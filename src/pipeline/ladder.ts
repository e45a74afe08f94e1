// An adaptive-bitrate ladder from one decode, the way it is written with the ffmpeg CLI: the
// video split and scaled once per rendition in one graph, each rendition encoded with keyframes
// on the segment boundaries, one shared audio rendition, and one muxer writing every variant:
// HLS with a master playlist (var_stream_map, an audio group) or DASH with one manifest.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { invalidArgument, is } from '../errors.js';
import { checkOptions } from '../options/pipeline.js';
import type { AvOptions } from '../core/types.js';
import type { InputSource } from '../io/source.js';
import { bestStream, parseBitRate, type InputDescription } from './plan.js';
import type { Job } from './run.js';
import { runTranscode } from './transcode.js';
import type { AudioSettings, JobOptions, InputSettings, StreamMap, TranscodeOptions, TranscodeResult } from './types.js';

export interface Rendition {
  /** Picture height; the width keeps the input's aspect ratio (even). */
  height: number;
  /** Average video bit rate ('3M', 3000000). */
  bitRate: number | string;
  /** Peak rate (default 1.07 x bitRate) and decoder buffer (default 1.5 x bitRate), for players' estimates. */
  maxRate?: number | string;
  bufferSize?: number | string;
  /** Default 'libx264'. */
  codec?: string;
  /** More encoder AVOptions (preset: 'veryfast' by default for x264 and x265). */
  options?: AvOptions;
}

export interface LadderOptions extends JobOptions {
  /** 'hls' (default: a master playlist, master.m3u8) or 'dash' (manifest.mpd). */
  format?: 'hls' | 'dash';
  renditions: Rendition[];
  /** Seconds per segment; keyframes are placed on its boundaries. Default 4. */
  segmentDuration?: number;
  /** HLS segments: 'mpegts' (default, as the CLI) or 'fmp4'. */
  segmentType?: 'mpegts' | 'fmp4';
  /** The audio rendition every variant shares; default AAC at 128 kb/s; false for none. */
  audio?: AudioSettings | false;
  /** Keep renditions taller than the input (default false: they are left out, as upscaling adds only bits). */
  upscale?: boolean;
  input?: InputSettings;
  start?: number;
  duration?: number;
  /** More muxer AVOptions (hls_flags, hls_list_size, ...). */
  formatOptions?: AvOptions;
}

export interface LadderResult extends TranscodeResult {
  /** The master playlist or manifest. */
  playlist: string;
  /** The renditions written, tallest first. */
  renditions: { height: number; bitRate: number }[];
}

const MAX_RENDITIONS = 16;

function checkLadder(dir: unknown, o: LadderOptions): void {
  if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('dir', 'the folder to write the ladder into', dir);
  if (o.format !== undefined && o.format !== 'hls' && o.format !== 'dash') throw invalidArgument('format', "'hls' or 'dash'", o.format);
  if (!Array.isArray(o.renditions) || o.renditions.length === 0 || o.renditions.length > MAX_RENDITIONS)
    throw invalidArgument('renditions', `1 to ${MAX_RENDITIONS} renditions ({ height, bitRate })`, o.renditions);
  o.renditions.forEach((r, i) => {
    if (!is.object(r)) throw invalidArgument(`renditions[${i}]`, '{ height, bitRate }', r);
    if (!Number.isInteger(r.height) || r.height < 16 || r.height > 8640)
      throw invalidArgument(`renditions[${i}].height`, 'an integer from 16 to 8640', r.height);
    parseBitRate(r.bitRate, `renditions[${i}].bitRate`);
    if (r.bitRate === undefined) throw invalidArgument(`renditions[${i}].bitRate`, "a bit rate ('3M', 3000000)", r.bitRate);
  });
  const d = o.segmentDuration;
  if (d !== undefined && !(typeof d === 'number' && d > 0 && d <= 60)) throw invalidArgument('segmentDuration', 'seconds, > 0 and <= 60', d);
  if (o.segmentType !== undefined && o.segmentType !== 'mpegts' && o.segmentType !== 'fmp4')
    throw invalidArgument('segmentType', "'mpegts' or 'fmp4'", o.segmentType);
}

/** The input's frame rate, for a GOP of one segment; null when it does not say. */
function frameRate(input: InputDescription, stream: number): number | null {
  const s = input.streams[stream]!;
  for (const r of [s.avgFrameRate, s.rFrameRate]) if (r.num > 0 && r.den > 0 && r.num / r.den <= 1000) return r.num / r.den;
  return null;
}

/**
 * Encodes `input` once per rendition into an HLS or DASH ladder in `dir`, decoding it once.
 *
 *   await ladder('in.mp4', 'out/', { renditions: [{ height: 720, bitRate: '3M' }, { height: 360, bitRate: '800k' }] });
 *   // out/master.m3u8, out/v0/index.m3u8 (720p), out/v1/... (360p), out/v2/... (the audio)
 */
export function ladder(input: InputSource, dir: string, options: LadderOptions): Job<LadderResult> {
  if (!is.object(options)) throw invalidArgument('options', '{ renditions, ... }', options);
  const { renditions, format = 'hls', segmentDuration = 4, segmentType = 'mpegts', audio, upscale, formatOptions, ...job } = options;
  checkLadder(dir, options);
  const o = checkOptions('transcode', { ...job, formatOptions });
  const playlist = path.join(dir, format === 'hls' ? 'master.m3u8' : 'manifest.mpd');
  const target = format === 'hls' ? path.join(dir, 'v%v', 'index.m3u8') : playlist;
  let used: { height: number; bitRate: number }[] = [];
  const shape = async (inputs: InputDescription[]): Promise<{ options: TranscodeOptions; outputs: { options: TranscodeOptions; target: string }[] }> => {
    const first = inputs[0]!;
    const v = bestStream(first, 'video');
    if (v === undefined) throw invalidArgument('input', 'an input with a video stream', first.format.url);
    // the picture as shown: a portrait phone video is turned upright before it is scaled
    const s = first.streams[v]!;
    const height = s.rotation !== null && Math.abs(s.rotation) % 180 === 90 ? s.codec.width : s.codec.height;
    const sorted = [...renditions].sort((a, b) => b.height - a.height);
    let chosen = upscale || !height ? sorted : sorted.filter((r) => r.height <= height);
    if (chosen.length === 0) chosen = [sorted.at(-1)!];
    const fps = frameRate(first, v);
    const gop = fps ? Math.max(1, Math.round(fps * segmentDuration)) : undefined;
    const labels = chosen.map((_, i) => `s${i}`);
    const graph = `[0:${v}]split=${chosen.length}${labels.map((l) => `[${l}]`).join('')};${chosen.map((r, i) => `[${labels[i]}]scale=-2:${r.height}[v${i}]`).join(';')}`;
    const map: StreamMap[] = chosen.map((r, i) => {
      const bitRate = parseBitRate(r.bitRate, 'bitRate')!;
      const codec = r.codec ?? 'libx264';
      const encoder: AvOptions = {
        ...(codec === 'libx264' || codec === 'libx265' ? { preset: 'veryfast' } : {}),
        ...(gop ? { g: gop, keyint_min: gop, sc_threshold: 0 } : {}),
        maxrate: parseBitRate(r.maxRate, 'maxRate') ?? Math.round(bitRate * 1.07),
        bufsize: parseBitRate(r.bufferSize, 'bufferSize') ?? Math.round(bitRate * 1.5),
        ...r.options,
      };
      return { label: `v${i}`, codec, bitRate, options: encoder };
    });
    const a = audio === false ? undefined : bestStream(first, 'audio');
    if (a !== undefined) map.push({ input: 0, stream: a, codec: 'aac', bitRate: '128k', ...(audio || {}) });
    const muxer: AvOptions =
      format === 'hls'
        ? {
            hls_time: segmentDuration,
            hls_playlist_type: 'vod',
            hls_segment_type: segmentType,
            hls_segment_filename: path.join(dir, 'v%v', segmentType === 'fmp4' ? 'seg%05d.m4s' : 'seg%05d.ts'),
            master_pl_name: path.basename(playlist),
            var_stream_map: [...chosen.map((_, i) => `v:${i}${a !== undefined ? ',agroup:audio' : ''}`), ...(a !== undefined ? ['a:0,agroup:audio'] : [])].join(
              ' ',
            ),
          }
        : {
            seg_duration: segmentDuration,
            adaptation_sets: a !== undefined ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v',
          };
    used = chosen.map((r) => ({ height: r.height, bitRate: parseBitRate(r.bitRate, 'bitRate')! }));
    await mkdir(dir, { recursive: true }); // the HLS muxer makes its variants' folders, the DASH muxer none
    const out: TranscodeOptions = { ...o, filterComplex: graph, map, format, formatOptions: { ...muxer, ...formatOptions } };
    return { options: out, outputs: [{ options: out, target }] };
  };
  const run = runTranscode('ladder', input, o, [{ options: o, target }], shape);
  return Object.assign(
    run.then((r) => ({ ...r, output: playlist, playlist, renditions: used })),
    { cancel: run.cancel },
  );
}
