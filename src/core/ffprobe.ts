// toFFprobeJson(): a probe() result in the shape `ffprobe -show_format -show_streams -of json`
// prints (the ffprobe of the linked FFmpeg: the keys newer versions add are known to the addon,
// native/common/compat.h): its keys, in its order, with its typing (many
// values are strings: "25/1", "2.000000", "48000") and its omissions (a value ffprobe would
// print as "N/A" is an optional field, which the JSON writer leaves out).
import type { CodecInfo } from './codec_parameters.js';
import type { FormatInfo } from './demuxer.js';
import type { ProbeResult } from './probe.js';
import type { Stream } from './stream.js';
import { addon } from '../native.js';
import type { Rational } from './types.js';

/** One entry of ffprobe's `side_data_list`. */
export interface FFprobeSideData {
  side_data_type: string;
  displaymatrix?: string;
  rotation?: number;
  max_bitrate?: number;
  min_bitrate?: number;
  avg_bitrate?: number;
  buffer_size?: number;
  vbv_delay?: number;
}

/** One element of ffprobe's `streams` array. Keys are in ffprobe's order. */
export interface FFprobeStream {
  index: number;
  codec_name?: string;
  codec_long_name?: string;
  profile?: string;
  codec_type?: string;
  codec_tag_string: string;
  codec_tag: string;
  /** FFmpeg 9 and newer. */
  mime_codec_string?: string;
  // video (and subtitle width/height)
  width?: number;
  height?: number;
  coded_width?: number;
  coded_height?: number;
  closed_captions?: number;
  film_grain?: number;
  has_b_frames?: number;
  sample_aspect_ratio?: string;
  display_aspect_ratio?: string;
  pix_fmt?: string;
  level?: number;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  chroma_location?: string;
  field_order?: string;
  refs?: number;
  // audio
  sample_fmt?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  bits_per_sample?: number;
  /** FFmpeg 7 and newer. */
  initial_padding?: number;
  // decoder private options exported by ffprobe (h264: is_avc, nal_length_size; ...)
  [privateOption: string]: unknown;
  id?: string;
  r_frame_rate: string;
  avg_frame_rate: string;
  time_base: string;
  start_pts?: number;
  start_time?: string;
  duration_ts?: number;
  duration?: string;
  bit_rate?: string;
  max_bit_rate?: string;
  bits_per_raw_sample?: string;
  nb_frames?: string;
  extradata_size?: number;
  disposition: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: FFprobeSideData[];
}

/** ffprobe's `format` object. Keys are in ffprobe's order. */
export interface FFprobeFormat {
  filename: string;
  nb_streams: number;
  nb_programs: number;
  /** FFmpeg 7 and newer. */
  nb_stream_groups?: number;
  format_name: string;
  format_long_name?: string;
  start_time?: string;
  duration?: string;
  size?: string;
  bit_rate?: string;
  probe_score: number;
  tags?: Record<string, string>;
}

export interface FFprobeJson {
  streams: FFprobeStream[];
  format: FFprobeFormat;
}

/**
 * What `ffprobe -v error -show_format -show_streams -of json FILE` prints for the probed
 * file (the ffprobe of the FFmpeg avforge runs on), as the parsed object: for code written against ffprobe's JSON (such as
 * fluent-ffmpeg's ffprobe()). What the probe does not describe is left out: max_bit_rate (the
 * decoder's rc_max_rate), the payload fields of side data
 * other than a display matrix (CPB properties, mastering display, content light level,
 * stereo 3D, spherical, Dolby Vision...), and a subtitle stream's width and height. A display
 * matrix is rebuilt from its rotation: exact for a pure rotation (what FFmpeg writes), not
 * for one with a translation, a scale or a flip.
 */
export function toFFprobeJson(result: ProbeResult): FFprobeJson {
  return {
    streams: result.streams.map((s) => ffprobeStream(s, result.format)),
    format: ffprobeFormat(result.format),
  };
}

// Demuxers whose AVInputFormat.flags have AVFMT_SHOW_IDS in FFmpeg 5.1: ffprobe prints
// stream ids ("id": "0x100") only for these.
const SHOW_IDS = new Set(['mov,mp4,m4a,3gp,3g2,mj2', 'mpeg', 'vobsub', 'mpegts', 'mpegtsraw', 'wtv', 'bink']);

// av_get_bits_per_sample(codec_id), by codec name (FFmpeg 5.1's libavcodec/utils.c); 0 otherwise.
const BITS_PER_SAMPLE: Record<string, number> = (() => {
  const groups: [number, string][] = [
    [1, 'dfpwm'],
    [2, 'adpcm_sbpro_2'],
    [3, 'adpcm_sbpro_3'],
    [
      4,
      'adpcm_sbpro_4 adpcm_ima_wav adpcm_ima_qt adpcm_swf adpcm_ms 8svx_exp 8svx_fib adpcm_argo adpcm_ct adpcm_ima_alp adpcm_ima_amv adpcm_ima_apc adpcm_ima_apm adpcm_ima_ea_sead adpcm_ima_oki adpcm_ima_ws adpcm_ima_ssi adpcm_g722 adpcm_yamaha adpcm_aica',
    ],
    [8, 'dsd_lsbf dsd_msbf dsd_lsbf_planar dsd_msbf_planar pcm_alaw pcm_mulaw pcm_vidc pcm_s8 pcm_s8_planar pcm_sga pcm_u8 sdx2_dpcm derf_dpcm'],
    [16, 'pcm_s16be pcm_s16be_planar pcm_s16le pcm_s16le_planar pcm_u16be pcm_u16le'],
    [24, 'pcm_s24daud pcm_s24be pcm_s24le pcm_s24le_planar pcm_u24be pcm_u24le'],
    [32, 'pcm_s32be pcm_s32le pcm_s32le_planar pcm_u32be pcm_u32le pcm_f32be pcm_f32le pcm_f24le pcm_f16le'],
    [64, 'pcm_f64be pcm_f64le pcm_s64be pcm_s64le'],
  ];
  const table: Record<string, number> = Object.create(null);
  for (const [bits, names] of groups) for (const n of names.split(' ')) table[n] = bits;
  return table;
})();

// AVFieldOrder -> ffprobe's name; AV_FIELD_UNKNOWN (0) is left out.
const FIELD_ORDER = [undefined, 'progressive', 'tt', 'bb', 'tb', 'bt'] as const;

const FF_PROFILE_UNKNOWN = -99;
const INT_MAX = 2 ** 31 - 1;

/**
 * One value as ffprobe prints it: a number (bare in JSON), a string, or `{ absent }`: a value
 * ffprobe does not have, printed as its text ('N/A', 'unknown') by the text writers (default,
 * compact, csv, flat) and left out by the JSON writer.
 */
export type FFprobeValue = number | string | { readonly absent: string };

/** A section's keys and values, in ffprobe's order. */
export type FFprobeFields = [key: string, value: FFprobeValue][];

/** What ffprobe prints for one stream: its fields and its nested sections. */
export interface FFprobeStreamSection {
  fields: FFprobeFields;
  disposition: FFprobeFields;
  /** Empty: ffprobe prints no tags section. */
  tags: FFprobeFields;
  sideData: FFprobeFields[];
}

/** What ffprobe prints for the format: its fields and its tags. */
export interface FFprobeFormatSection {
  fields: FFprobeFields;
  tags: FFprobeFields;
}

/** Packet and frame counts (`-count_packets`, `-count_frames`): ffprobe's nb_read_packets and nb_read_frames. */
export interface FFprobeCounts {
  frames?: number;
  packets?: number;
}

/**
 * The linked libavcodec's major version, for what ffprobe prints differently across versions
 * beyond the keys the addon reports (ffprobeKeys): packet flags, frame fields, side data in
 * the compact writer. The one place these are decided.
 */
export function linkedLavcMajor(): number {
  return Number.parseInt(addon().versions().libavcodec, 10);
}

/**
 * Whether the linked ffprobe names side data entries by their type in the compact and csv
 * writers ("side_datum/cpb_properties:max_bitrate=0", FFmpeg 7 and newer) rather than as a
 * section of their own ("side_data|max_bitrate=0", FFmpeg 5).
 */
export function ffprobeTypedSideData(): boolean {
  return linkedLavcMajor() >= 61;
}

const NA = { absent: 'N/A' } as const;
const UNKNOWN = { absent: 'unknown' } as const;

/** A section's fields as JSON: absent values left out, the way ffprobe's JSON writer does. */
function jsonOf(fields: FFprobeFields): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of fields) if (typeof v !== 'object') o[k] = v;
  return o;
}

/**
 * The stream section `ffprobe -show_streams` prints for `s` of a file of format `format` (the
 * ffprobe of the linked FFmpeg), with its absent values; toFFprobeJson() is its JSON. `counts`
 * fills nb_read_frames and nb_read_packets.
 */
export function ffprobeStreamSection(s: Stream, format: FormatInfo, counts: FFprobeCounts = {}): FFprobeStreamSection {
  const c: CodecInfo = s.codec;
  const dec = decoderOf(s);
  const f: FFprobeFields = [['index', s.index]];
  const put = (key: string, value: FFprobeValue) => void f.push([key, value]);
  // No codec descriptor: the addon says 'unknown', ffprobe prints it as an absent value.
  if (c.codecName !== 'unknown') {
    put('codec_name', c.codecName);
    put('codec_long_name', c.codecLongName);
  } else {
    put('codec_name', UNKNOWN);
    put('codec_long_name', UNKNOWN);
  }
  if (c.profileName !== null) put('profile', c.profileName);
  else put('profile', c.profile !== FF_PROFILE_UNKNOWN ? String(c.profile) : UNKNOWN);
  put('codec_type', c.type !== 'unknown' ? c.type : UNKNOWN);
  put('codec_tag_string', c.codecTagString);
  put('codec_tag', `0x${c.codecTag.toString(16).padStart(4, '0')}`);
  if (s.mimeCodecString !== undefined) put('mime_codec_string', s.mimeCodecString);

  // The names libavutil gives the unspecified values are absent values, as in ffprobe.
  const named = (v: string | undefined, unspecified: string) => (v && v !== unspecified ? v : { absent: unspecified });
  if (c.type === 'video') {
    const width = c.width ?? 0;
    const height = c.height ?? 0;
    put('width', width);
    put('height', height);
    if (dec) {
      put('coded_width', dec.codedWidth);
      put('coded_height', dec.codedHeight);
      if (dec.closedCaptions !== undefined) put('closed_captions', dec.closedCaptions ? 1 : 0);
      if (dec.filmGrain !== undefined) put('film_grain', dec.filmGrain ? 1 : 0);
    }
    put('has_b_frames', c.videoDelay ?? 0);
    const sar = guessSampleAspectRatio(s.sampleAspectRatio, c.sampleAspectRatio ?? { num: 0, den: 1 });
    if (sar.num) {
      put('sample_aspect_ratio', `${sar.num}:${sar.den}`);
      const dar = reduce(Math.imul(width, sar.num), Math.imul(height, sar.den), 1024 * 1024);
      put('display_aspect_ratio', `${dar.num}:${dar.den}`);
    } else {
      put('sample_aspect_ratio', NA);
      put('display_aspect_ratio', NA);
    }
    put('pix_fmt', c.pixelFormat ? c.pixelFormat : UNKNOWN);
    put('level', c.level);
    put('color_range', named(c.colorRange, 'unknown'));
    put('color_space', named(c.colorSpace, 'unknown'));
    put('color_transfer', named(c.colorTransfer, 'unknown'));
    put('color_primaries', named(c.colorPrimaries, 'unknown'));
    put('chroma_location', named(c.chromaLocation, 'unspecified'));
    put('field_order', FIELD_ORDER[c.fieldOrder ?? 0] ?? UNKNOWN);
    if (dec && addon().ffprobeKeys.refs) put('refs', dec.refs);
  } else if (c.type === 'audio') {
    put('sample_fmt', c.sampleFormat ? c.sampleFormat : UNKNOWN);
    put('sample_rate', String(c.sampleRate ?? 0));
    put('channels', c.channels ?? 0);
    put('channel_layout', c.channelLayout ?? UNKNOWN);
    put('bits_per_sample', BITS_PER_SAMPLE[c.codecName] ?? 0);
    if (addon().ffprobeKeys.initialPadding) put('initial_padding', c.initialPadding ?? 0);
  } else if (c.type === 'subtitle') {
    put('width', c.width ? c.width : NA);
    put('height', c.height ? c.height : NA);
  }

  for (const [name, value] of dec?.exported ?? []) put(name, value);
  if (addon().ffprobeKeys.demuxerOptions) for (const [name, value] of format.exported) put(name, value);
  put('id', SHOW_IDS.has(format.name) ? `0x${(s.id >>> 0).toString(16)}` : NA);
  put('r_frame_rate', q(s.frameRate, '/'));
  put('avg_frame_rate', q(s.avgFrameRate, '/'));
  put('time_base', q(s.timeBase, '/'));
  put('start_pts', s.startTime ?? NA);
  put('start_time', s.startTime !== null ? seconds(s.startTime, s.timeBase) : NA);
  put('duration_ts', s.duration ?? NA);
  put('duration', s.duration !== null ? seconds(s.duration, s.timeBase) : NA);
  put('bit_rate', c.bitRate > 0 ? String(c.bitRate) : NA);
  // The decoder's rc_max_rate is not in what the addon describes.
  put('max_bit_rate', NA);
  // ffprobe reads the opened decoder's bits_per_raw_sample: the parameters' value it was opened with.
  put('bits_per_raw_sample', dec && c.bitsPerRawSample > 0 ? String(c.bitsPerRawSample) : NA);
  put('nb_frames', s.nbFrames ? String(s.nbFrames) : NA);
  put('nb_read_frames', counts.frames !== undefined ? String(counts.frames) : NA);
  put('nb_read_packets', counts.packets !== undefined ? String(counts.packets) : NA);
  if (c.extradataSize > 0) put('extradata_size', c.extradataSize);

  const disposition: FFprobeFields = Object.entries(s.disposition).map(([k, v]) => [k, v ? 1 : 0]);
  return { fields: f, disposition, tags: tagsOf(s.metadata), sideData: s.sideData.map((name) => sideData(name, s)) };
}

function ffprobeStream(s: Stream, format: FormatInfo): FFprobeStream {
  const section = ffprobeStreamSection(s, format);
  const o = jsonOf(section.fields);
  o.disposition = jsonOf(section.disposition);
  if (section.tags.length) o.tags = jsonOf(section.tags);
  if (section.sideData.length) o.side_data_list = section.sideData.map(jsonOf);
  return o as FFprobeStream;
}

/** The format section `ffprobe -show_format` prints (the ffprobe of the linked FFmpeg), with its absent values. */
export function ffprobeFormatSection(f: FormatInfo): FFprobeFormatSection {
  const fields: FFprobeFields = [
    ['filename', f.url],
    ['nb_streams', f.nbStreams],
    ['nb_programs', f.nbPrograms],
  ];
  const put = (key: string, value: FFprobeValue) => void fields.push([key, value]);
  if (addon().ffprobeKeys.streamGroups) put('nb_stream_groups', f.nbStreamGroups);
  put('format_name', f.name);
  put('format_long_name', f.longName ? f.longName : UNKNOWN);
  const us: Rational = { num: 1, den: 1_000_000 };
  put('start_time', f.startTime !== null ? seconds(f.startTime, us) : NA);
  put('duration', f.duration !== null ? seconds(f.duration, us) : NA);
  put('size', f.size >= 0 ? String(f.size) : NA);
  put('bit_rate', f.bitRate > 0 ? String(f.bitRate) : NA);
  put('probe_score', f.probeScore);
  return { fields, tags: tagsOf(f.metadata) };
}

function ffprobeFormat(f: FormatInfo): FFprobeFormat {
  const section = ffprobeFormatSection(f);
  const o = jsonOf(section.fields);
  if (section.tags.length) o.tags = jsonOf(section.tags);
  return o as unknown as FFprobeFormat;
}

interface DecoderInfo {
  codedWidth: number;
  codedHeight: number;
  refs: number;
  /** Not known from FFmpeg 9 on (AVCodecContext.properties is gone). */
  closedCaptions?: boolean;
  filmGrain?: boolean;
  /** The decoder's exported private options, in order: [name, value]. */
  exported?: [string, string][];
}

/** What the opened decoder told, or undefined where there is none (ffprobe's dec_ctx == NULL). */
function decoderOf(s: Stream): DecoderInfo | undefined {
  const d = s.decoderInfo;
  return d && typeof d.decoder === 'string' ? (d as unknown as DecoderInfo) : undefined;
}

function tagsOf(metadata: Readonly<Record<string, string>>): FFprobeFields {
  return Object.keys(metadata).map((k) => [k, metadata[k]!]);
}

function sideData(name: string, s: Stream): FFprobeFields {
  const sd: FFprobeFields = [['side_data_type', name]];
  if (name === 'Display Matrix' && s.rotation !== null) {
    sd.push(['displaymatrix', displayMatrixText(s.displayMatrix ? [...s.displayMatrix] : rotationMatrix(s.rotation))]);
    sd.push(['rotation', Math.trunc(s.rotation)]);
  }
  if (name === 'CPB properties' && s.cpb) {
    sd.push(['max_bitrate', s.cpb.maxBitrate], ['min_bitrate', s.cpb.minBitrate], ['avg_bitrate', s.cpb.avgBitrate]);
    sd.push(['buffer_size', s.cpb.bufferSize], ['vbv_delay', s.cpb.vbvDelay]);
  }
  return sd;
}

/**
 * The matrix av_display_rotation_set() makes for the rotation av_display_rotation_get()
 * reports (that one turns the other way). Only the rotation is known: a matrix with
 * translation, scaling or a flip is not rebuilt exactly.
 */
function rotationMatrix(rotation: number): number[] {
  const radians = (rotation * Math.PI) / 180.0;
  const c = Math.cos(radians);
  const s = Math.sin(radians);
  const fixed = (x: number) => Math.trunc(x * 65536) | 0;
  return [fixed(c), fixed(-s), 0, fixed(s), fixed(c), 0, 0, 0, 1 << 30];
}

/** ffprobe's integer dump of a 3x3 matrix: a row per line, each value right-aligned in 11. */
function displayMatrixText(m: number[]): string {
  let text = '\n';
  for (let row = 0; row < 3; row++) {
    text += `${row.toString(16).padStart(8, '0')}: `;
    for (let col = 0; col < 3; col++) text += ` ${String(m[row * 3 + col]).padStart(11, ' ')}`;
    text += '\n';
  }
  return text;
}

function q(r: Rational, sep: string): string {
  return `${r.num}${sep}${r.den}`;
}

/** av_guess_sample_aspect_ratio() without a frame: the stream's, else the codec's, if valid. */
function guessSampleAspectRatio(stream: Rational, codec: Rational): Rational {
  const valid = (r: Rational) => {
    const x = reduce(r.num, r.den, INT_MAX);
    return x.num > 0 && x.den > 0 ? x : { num: 0, den: 1 };
  };
  const st = valid(stream);
  return st.num ? st : valid(codec);
}

/**
 * av_reduce(): num/den as the closest fraction whose terms are at most `max` (continued
 * fraction convergents, the last one clamped).
 */
export function reduce(num: number, den: number, max: number): Rational {
  let n = BigInt(Math.trunc(num));
  let d = BigInt(Math.trunc(den));
  const limit = BigInt(max);
  const negative = n < 0n !== d < 0n;
  if (n < 0n) n = -n;
  if (d < 0n) d = -d;
  const g = gcd(n, d);
  if (g) {
    n /= g;
    d /= g;
  }
  let a0 = { num: 0n, den: 1n };
  let a1 = { num: 1n, den: 0n };
  if (n <= limit && d <= limit) {
    a1 = { num: n, den: d };
    d = 0n;
  }
  while (d) {
    let x = n / d;
    const rest = n - d * x;
    const a2 = { num: x * a1.num + a0.num, den: x * a1.den + a0.den };
    if (a2.num > limit || a2.den > limit) {
      if (a1.num) x = (limit - a0.num) / a1.num;
      if (a1.den) {
        const y = (limit - a0.den) / a1.den;
        if (y < x) x = y;
      }
      if (d * (2n * x * a1.den + a0.den) > n * a1.den) a1 = { num: x * a1.num + a0.num, den: x * a1.den + a0.den };
      break;
    }
    a0 = a1;
    a1 = a2;
    n = d;
    d = rest;
  }
  return { num: Number(negative ? -a1.num : a1.num), den: Number(a1.den) };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** ts in seconds as ffprobe prints it: ts * av_q2d(time_base), with printf's "%f". */
export function seconds(ts: number, timeBase: Rational): string {
  return printfFixed6(ts * (timeBase.num / timeBase.den));
}

/**
 * printf("%f", x): six decimals of the exact binary value, an exact tie rounded to even
 * (toFixed rounds a tie away from zero).
 */
export function printfFixed6(x: number): string {
  if (Number.isNaN(x)) return '-nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const s = x.toFixed(6);
  // A tie is a double with exactly seven decimals, the last a 5 (x * 128 is an integer),
  // so twenty decimals of it are exact.
  const exact = x.toFixed(20);
  const dot = exact.indexOf('.');
  if (exact.slice(dot + 7) === '50000000000000') {
    const truncated = exact.slice(0, dot + 7);
    if ((Number(truncated.at(-1)) & 1) === 0) return truncated;
  }
  return Object.is(x, -0) ? '-0.000000' : s;
}
