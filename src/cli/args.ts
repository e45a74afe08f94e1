// The arguments of `avforge transcode`, `remux` and `thumbs`, shaped like the ffmpeg CLI's
// (-ss, -t, -c:v, -crf, -vf, -map...), turned into the options of transcode(), remux() and
// thumbnails(). Pure: argv in, options out (or a UsageError), nothing read or written.
import type { LogLevel } from '../core/log.js';
import type { AvOptions } from '../core/types.js';
import type {
  AudioSettings,
  ExtraInput,
  RemuxOptions,
  StreamMap,
  ThumbnailOptions,
  TranscodeOptions,
  VideoSettings,
} from '../pipeline/types.js';

/** Wrong, missing or unknown arguments: the CLI exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What every job command shares: the --json, -y, -v and -stats_period switches. */
export interface CommonArgs {
  help?: false;
  json: boolean;
  /** -y: replace existing output files. */
  overwrite: boolean;
  /** -v / -loglevel: FFmpeg's log level (default 'warning'). */
  logLevel?: LogLevel;
  /** -stats_period: seconds between progress reports. */
  statsPeriod?: number;
}

export interface TranscodeArgs extends CommonArgs {
  input: string;
  output: string;
  options: TranscodeOptions;
}

export interface RemuxArgs extends CommonArgs {
  input: string;
  output: string;
  options: RemuxOptions;
}

export interface ThumbsArgs extends CommonArgs {
  input: string;
  /** A file name pattern ('thumb-%03d.jpg'): %d (or %03d) is the image's number from 1. */
  output: string;
  options: ThumbnailOptions & { format: 'jpeg' | 'png' | 'webp' };
}

export type Parsed<T> = T | { help: true };

// ---------------------------------------------------------------------------------------
// Values

const LOG_LEVELS = ['quiet', 'panic', 'fatal', 'error', 'warning', 'info', 'verbose', 'debug', 'trace'] as const;

/**
 * A time in seconds >= 0, as ffmpeg reads it: '90', '1.5', '01:30', '00:01:30.5', '1500ms',
 * '2s', '250000us'.
 */
export function parseTime(value: string, flag: string): number {
  const v = value.trim();
  let m = /^(\d+(?:\.\d*)?|\.\d+)(s|ms|us)?$/.exec(v);
  if (m) return Number(m[1]) / { s: 1, ms: 1e3, us: 1e6 }[(m[2] ?? 's') as 's'];
  m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$/.exec(v);
  if (m && Number(m[3]) < 60 && (m[1] === undefined || Number(m[2]) < 60)) return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  throw new UsageError(`${flag}: '${value}' is not a time (seconds like 90 or 1.5, or [HH:]MM:SS[.ms])`);
}

function number(value: string, flag: string, what: { integer?: boolean; min?: number; max?: number } = {}): number {
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && (!what.integer || Number.isInteger(n)) && (what.min === undefined || n >= what.min) && (what.max === undefined || n <= what.max);
  if (!ok) {
    const range = what.min !== undefined && what.max !== undefined ? ` from ${what.min} to ${what.max}` : what.min !== undefined ? ` >= ${what.min}` : '';
    throw new UsageError(`${flag}: '${value}' is not ${what.integer ? 'a whole number' : 'a number'}${range}`);
  }
  return n;
}

/** '25', '29.97', '30000/1001' -> frames per second. */
export function parseRate(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(value.trim());
  const n = m ? Number(m[1]) / Number(m[2] ?? 1) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: '${value}' is not a frame rate (25, 29.97 or 30000/1001)`);
  return n;
}

function bitRate(value: string, flag: string): string {
  if (!/^\d+(?:\.\d+)?[kKmMgG]?$/.test(value.trim())) throw new UsageError(`${flag}: '${value}' is not a bit rate (2M, 128k or 96000)`);
  return value.trim();
}

/** '1280x720', '1280x-2', '-2x720' -> width and height (-1 / -2: keep the aspect ratio). */
export function parseSize(value: string, flag: string): { width?: number; height?: number } {
  const m = /^(-[12]|\d+)x(-[12]|\d+)$/.exec(value.trim());
  if (!m || (m[1]!.startsWith('-') && m[2]!.startsWith('-')) || m[1] === '0' || m[2] === '0')
    throw new UsageError(`${flag}: '${value}' is not a size (WIDTHxHEIGHT, e.g. 1280x720; -2 for one side keeps the aspect ratio)`);
  const size: { width?: number; height?: number } = {};
  if (!m[1]!.startsWith('-')) size.width = Number(m[1]);
  if (!m[2]!.startsWith('-')) size.height = Number(m[2]);
  return size;
}

function logLevel(value: string, flag: string): LogLevel {
  const v = value.replace(/^(repeat\+|level\+)+/, '');
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new UsageError(`${flag}: '${value}' is not a log level (${LOG_LEVELS.join(', ')})`);
}

// ---------------------------------------------------------------------------------------
// The walk over argv

type Flag = { value: false; apply: () => void } | { value: true; apply: (value: string) => void };

/** The flags of one command: name (with its aliases) -> whether it takes a value, and what it does. */
type FlagTable = Record<string, Flag>;

const takes = (apply: (value: string) => void): Flag => ({ value: true, apply });
const sets = (apply: () => void): Flag => ({ value: false, apply });

/** A token that is a flag rather than a file name or a value ('-' alone is a file name: stdin/stdout). */
const isFlag = (token: string) => token.length > 1 && token.startsWith('-') && !/^-\d/.test(token);

/**
 * Walks argv: known flags (and --name=value), `--` (every later token is a file name), and
 * positionals. `unknown` sees a flag that is not in the table, with the next token (or
 * undefined), and returns how many tokens it used, or throws.
 */
function walk(argv: readonly string[], table: FlagTable, positional: (token: string) => void, unknown?: (flag: string, next: string | undefined) => number): void {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      for (const rest of argv.slice(i + 1)) positional(rest);
      return;
    }
    if (!isFlag(token)) {
      positional(token);
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq > 0 ? token.slice(0, eq) : token;
    const flag = table[name];
    if (!flag) {
      if (unknown && eq < 0) {
        i += unknown(token, argv[i + 1]) - 1;
        continue;
      }
      throw new UsageError(`unknown option '${name}'`);
    }
    if (!flag.value) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flag.apply();
      continue;
    }
    const value = eq > 0 ? token.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flag.apply(value);
  }
}

/** --json, -y, -v, -stats_period and the switches ffmpeg users type out of habit (ignored). */
function commonFlags(c: CommonArgs): FlagTable {
  const level = takes((v) => (c.logLevel = logLevel(v, '-v')));
  const ignored = sets(() => {});
  return {
    '--json': sets(() => (c.json = true)),
    '-y': sets(() => (c.overwrite = true)),
    '--overwrite': sets(() => (c.overwrite = true)),
    '-n': sets(() => (c.overwrite = false)),
    '-v': level,
    '-loglevel': level,
    '--log-level': level,
    '-stats_period': takes((v) => (c.statsPeriod = number(v, '-stats_period', { min: 0.01 }))),
    '-hide_banner': ignored,
    '-nostdin': ignored,
    '-stats': ignored,
    '-nostats': ignored,
  };
}

const wantsHelp = (argv: readonly string[]) => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h' || a === '-help');
};

const common = (): CommonArgs => ({ json: false, overwrite: false });

// ---------------------------------------------------------------------------------------
// Inputs and the output: `IN OUT`, or ffmpeg's `-i IN OUT`

interface InputArg {
  source: string;
  format?: string;
  start?: number;
  at: number;
}

/**
 * The files of a command line: the last file name is the output; the inputs are the other
 * file name (at most one) and every -i, in the order they were given.
 */
function files(positionals: { token: string; at: number }[], dashI: InputArg[], needOutput: boolean): { inputs: InputArg[]; output: string } {
  const outputs = needOutput ? 1 : 0;
  if (positionals.length > 1 + outputs)
    throw new UsageError(`too many file names: ${positionals.map((p) => `'${p.token}'`).join(' ')}${needOutput ? '' : ' (name the output with -o PATTERN)'}`);
  const output = needOutput ? positionals.pop()?.token : '';
  const inputs = [...positionals.map((p) => ({ source: p.token, at: p.at })), ...dashI].sort((a, b) => a.at - b.at);
  if (inputs.length === 0)
    throw new UsageError(!needOutput ? 'missing the input file' : output === undefined ? 'missing the input and output files' : `missing the input or the output file (got only '${output}')`);
  if (output === undefined) throw new UsageError('missing the output file');
  for (const i of inputs) if (i.source === '') throw new UsageError('an empty file name');
  if (output === '' && needOutput) throw new UsageError('an empty output file name');
  return { inputs, output };
}

// ---------------------------------------------------------------------------------------
// -map and -filter_complex

/** Output streams by media type: video streams of a label's chain, or audio. */
type MediaKind = 'video' | 'audio';

interface MapSpec {
  /** A labelled -filter_complex output ('[out]'). */
  label?: string;
  input?: number;
  /** 'v', 'a:1', 's', 3; undefined: every stream of the input. */
  stream?: string | number;
}

/** '0', '0:v', '0:a:1', '1:a', '0:3', '[label]' -> what it maps. */
export function parseMapSpec(spec: string): MapSpec {
  const label = /^\[([^\]]+)\]$/.exec(spec);
  if (label) return { label: label[1]! };
  const m = /^(\d+)(?::([vasdt])(?::(\d+))?|:(\d+))?$/.exec(spec);
  if (!m) {
    const hint = spec.startsWith('-') ? ' (negative maps are not supported)' : spec.endsWith('?') ? " (optional maps, '?', are not supported)" : '';
    throw new UsageError(`-map: '${spec}' is not a stream specifier (0:v, 0:a:1, 1:a, 0:2, 0 or [label])${hint}`);
  }
  const input = Number(m[1]);
  if (m[4] !== undefined) return { input, stream: Number(m[4]) };
  if (m[2] === undefined) return { input };
  return { input, stream: m[3] === undefined ? m[2] : `${m[2]}:${m[3]}` };
}

interface Chain {
  text: string;
  inputs: string[];
  outputs: string[];
  /** The filters, without their labels. */
  body: string;
}

const LEAD = /^\s*((?:\[[^\]]*\]\s*)*)/;
const TAIL = /((?:\s*\[[^\]]*\])*)\s*$/;
const labelsIn = (s: string) => [...s.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!);

/** The chains of a filter graph (split at ';'), with their input and output labels. */
export function filterChains(graph: string): Chain[] {
  return graph
    .split(';')
    .map((text) => {
      const lead = LEAD.exec(text)![0];
      const rest = text.slice(lead.length);
      const tail = TAIL.exec(rest)![0];
      return { text, inputs: labelsIn(lead), outputs: labelsIn(tail), body: rest.slice(0, rest.length - tail.length).trim() };
    })
    .filter((c) => c.body !== '' || c.inputs.length > 0);
}

/** Filters that turn audio into video. */
const AUDIO_TO_VIDEO = new Set(['showwaves', 'showwavespic', 'showspectrum', 'showspectrumpic', 'showfreqs', 'showvolume', 'showcqt', 'showcwt', 'avectorscope', 'ahistogram', 'aphasemeter', 'abitscope', 'adrawgraph', 'agraphmonitor', 'concat']);

/**
 * Whether a -filter_complex output label carries video or audio: from the inputs of the
 * chain that makes it ([0:a] -> audio), followed back through other labels; concat's outputs
 * by its v= and a= counts; showwaves and friends make video. Unknown: video.
 */
export function labelKind(graph: string, label: string, seen = new Set<string>()): MediaKind {
  const chains = filterChains(graph);
  const chain = chains.find((c) => c.outputs.includes(label));
  if (!chain || seen.has(label)) return 'video';
  seen.add(label);
  const filters = chain.body.split(',').map((f) => /^\s*([\w-]+)/.exec(f)?.[1] ?? '');
  const last = filters.at(-1)!;
  if (last === 'concat') {
    const arg = (k: string, d: number) => Number(new RegExp(`(?:^|[=:])${k}=(\\d+)`).exec(chain.body)?.[1] ?? d);
    return chain.outputs.indexOf(label) < arg('v', 1) ? 'video' : 'audio';
  }
  if (AUDIO_TO_VIDEO.has(last)) return 'video';
  const kinds = new Set(
    chain.inputs.map((l) => {
      const m = /^\d+:([va])/.exec(l);
      return m ? (m[1] === 'a' ? 'audio' : 'video') : /^\d+(:\d+)?$/.test(l) ? undefined : labelKind(graph, l, seen);
    }),
  );
  kinds.delete(undefined);
  return kinds.size === 1 && kinds.has('audio') ? 'audio' : 'video';
}

/** The outputs of a graph no other chain reads: what ffmpeg maps when there is no -map. */
function graphOutputs(graph: string): string[] {
  const chains = filterChains(graph);
  const read = new Set(chains.flatMap((c) => c.inputs));
  return chains.flatMap((c) => c.outputs).filter((l) => !read.has(l));
}

/** The graph with `filter` after its output `label`: that output renamed, and a chain from it to `label`. */
function appendToLabel(graph: string, label: string, filter: string): string {
  const renamed = `${label}_avforge`;
  const chains = graph.split(';').map((text) => {
    const lead = LEAD.exec(text)![0];
    const tail = TAIL.exec(text.slice(lead.length))![0];
    if (!labelsIn(tail).includes(label)) return text;
    const head = text.slice(0, text.length - tail.length);
    return head + tail.replace(`[${label}]`, `[${renamed}]`);
  });
  return `${chains.join(';')};[${renamed}]${filter}[${label}]`;
}

// ---------------------------------------------------------------------------------------
// transcode

/** Encoder options a user gives without a stream (-x265-params) that only video encoders have. */
const VIDEO_OPTIONS = new Set(['x264-params', 'x265-params', 'x264opts', 'svtav1-params', 'tune', 'profile', 'level', 'deadline', 'cpu-used', 'row-mt', 'tile-columns', 'bf', 'refs', 'aq-mode', 'rc-lookahead']);

type Mode = 'encode' | 'copy' | 'none';

/**
 * `avforge transcode`'s arguments -> transcode()'s options. Options before an -i are that
 * input's (-f, -ss), as in ffmpeg; everywhere else they are the output's.
 */
export function parseTranscodeArgs(argv: readonly string[]): Parsed<TranscodeArgs> {
  if (wantsHelp(argv)) return { help: true };
  const c = common();
  const o: TranscodeOptions = {};
  const video: VideoSettings = {};
  const audio: AudioSettings = {};
  const videoOptions: AvOptions = {};
  const audioOptions: AvOptions = {};
  const codec: { all?: string; video?: string; audio?: string; subtitles?: string } = {};
  const off = { video: false, audio: false, subtitles: false };
  const dashI: InputArg[] = [];
  const positionals: { token: string; at: number }[] = [];
  const maps: string[] = [];
  let pending: { format?: string; start?: number } = {};
  let outputStart: number | undefined;
  let lastCodec: MediaKind | undefined;
  let at = 0;
  const given = new Set<string>();
  const mark = (flag: string) => given.add(flag);

  const setCodec = (kind: 'video' | 'audio' | 'subtitles') =>
    takes((v) => {
      codec[kind] = v;
      if (kind !== 'subtitles') lastCodec = kind;
    });
  const vset = <K extends keyof VideoSettings>(flag: string, key: K, parse: (v: string, flag: string) => VideoSettings[K]) =>
    takes((v) => {
      video[key] = parse(v, flag);
      mark(flag);
    });
  const aset = <K extends keyof AudioSettings>(flag: string, key: K, parse: (v: string, flag: string) => AudioSettings[K]) =>
    takes((v) => {
      audio[key] = parse(v, flag);
      mark(flag);
    });
  const str = (v: string) => v;
  const quality = (target: AvOptions, flag: string) =>
    takes((v) => {
      mark(flag);
      // ffmpeg's -q: global_quality in lambda units (FF_QP2LAMBDA = 118) and the qscale flag
      target.global_quality = Math.round(number(v, flag, { min: 0 }) * 118);
      target.flags = '+qscale';
    });
  const metadata = takes((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`-metadata: '${v}' is not KEY=VALUE`);
    (o.metadata ??= {})[v.slice(0, eq)] = v.slice(eq + 1);
  });

  const table: FlagTable = {
    ...commonFlags(c),
    '-i': takes((v) => {
      dashI.push({ source: v, ...pending, at: at++ });
      pending = {};
    }),
    '-ss': takes((v) => (pending.start = parseTime(v, '-ss'))),
    '-f': takes((v) => (pending.format = v)),
    '-t': takes((v) => (o.duration = parseTime(v, '-t'))),
    '-c': takes((v) => (codec.all = v)),
    '-codec': takes((v) => (codec.all = v)),
    '-c:v': setCodec('video'),
    '-codec:v': setCodec('video'),
    '-vcodec': setCodec('video'),
    '-c:a': setCodec('audio'),
    '-codec:a': setCodec('audio'),
    '-acodec': setCodec('audio'),
    '-c:s': setCodec('subtitles'),
    '-scodec': setCodec('subtitles'),
    '-crf': vset('-crf', 'crf', (v, f) => number(v, f, { min: 0 })),
    '-preset': vset('-preset', 'preset', str),
    '-preset:v': vset('-preset', 'preset', str),
    '-b:v': vset('-b:v', 'bitRate', bitRate),
    '-vb': vset('-b:v', 'bitRate', bitRate),
    '-b:a': aset('-b:a', 'bitRate', bitRate),
    '-ab': aset('-b:a', 'bitRate', bitRate),
    '-vf': vset('-vf', 'filter', str),
    '-filter:v': vset('-vf', 'filter', str),
    '-af': aset('-af', 'filter', str),
    '-filter:a': aset('-af', 'filter', str),
    '-s': takes((v) => {
      Object.assign(video, parseSize(v, '-s'));
      mark('-s');
    }),
    '-r': vset('-r', 'frameRate', parseRate),
    '-pix_fmt': vset('-pix_fmt', 'pixelFormat', str),
    '-g': vset('-g', 'gopSize', (v, f) => number(v, f, { integer: true, min: 1 })),
    '-frames:v': vset('-frames:v', 'maxFrames', (v, f) => number(v, f, { integer: true, min: 1 })),
    '-vframes': vset('-frames:v', 'maxFrames', (v, f) => number(v, f, { integer: true, min: 1 })),
    '-q:v': quality(videoOptions, '-q:v'),
    '-qscale:v': quality(videoOptions, '-q:v'),
    '-q:a': quality(audioOptions, '-q:a'),
    '-qscale:a': quality(audioOptions, '-q:a'),
    '-ar': aset('-ar', 'sampleRate', (v, f) => number(v, f, { integer: true, min: 1 })),
    '-ac': aset('-ac', 'channels', (v, f) => number(v, f, { integer: true, min: 1, max: 64 })),
    '-channel_layout': aset('-channel_layout', 'channelLayout', str),
    '-sample_fmt': aset('-sample_fmt', 'sampleFormat', str),
    '-vn': sets(() => (off.video = true)),
    '-an': sets(() => (off.audio = true)),
    '-sn': sets(() => (off.subtitles = true)),
    '-map': takes((v) => maps.push(v)),
    '-filter_complex': takes((v) => (o.filterComplex = v)),
    '-lavfi': takes((v) => (o.filterComplex = v)),
    '-movflags': takes((v) => ((o.formatOptions ??= {}).movflags = v)),
    '-metadata': metadata,
    '-threads': takes((v) => (o.threads = number(v, '-threads', { integer: true, min: 0 }))),
    '--faststart': sets(() => (o.fastStart = true)),
    '--fragmented': sets(() => (o.fragmented = true)),
    '--strict': sets(() => (o.strict = true)),
  };

  /** -name[:v|:a] value: an encoder option (AVOption) of the stream it names, or of the last -c:v / -c:a. */
  const encoderOption = (flag: string, next: string | undefined): number => {
    const m = /^-([A-Za-z][\w-]*)(?::([va]))?$/.exec(flag);
    if (!m || flag.startsWith('--')) throw new UsageError(`unknown option '${flag}'`);
    const name = m[1]!;
    const kind: MediaKind | undefined = m[2] === 'v' ? 'video' : m[2] === 'a' ? 'audio' : (lastCodec ?? (VIDEO_OPTIONS.has(name) ? 'video' : undefined));
    if (!kind) throw new UsageError(`unknown option '${flag}' (encoder options go after -c:v CODEC or -c:a CODEC, or name their stream: ${flag}:v VALUE)`);
    if (next === undefined || isFlag(next)) throw new UsageError(`unknown option '${flag}' (as an encoder option it needs a value)`);
    (kind === 'video' ? videoOptions : audioOptions)[name] = next;
    mark(`-${name}:${kind[0]}`);
    return 2;
  };

  walk(argv, table, (token) => positionals.push({ token, at: at++ }), encoderOption);

  // options that no -i followed are the output's
  if (pending.format !== undefined) o.format = pending.format;
  if (pending.start !== undefined) outputStart = pending.start;

  const { inputs, output } = files(positionals, dashI, true);
  const [first, ...extra] = inputs;
  const start = (first!.start ?? 0) + (outputStart ?? 0);
  if (first!.start !== undefined || outputStart !== undefined) o.start = start;
  if (first!.format !== undefined) o.input = { format: first!.format };
  if (extra.length) {
    o.inputs = extra.map((e): ExtraInput => {
      const x: ExtraInput = { source: e.source };
      if (e.format !== undefined) x.format = e.format;
      if (e.start !== undefined) x.start = e.start;
      return x;
    });
  }

  // codecs: -c copy for every stream, -c:v / -c:a more specific
  if (codec.all !== undefined && codec.all !== 'copy') throw new UsageError(`-c takes only 'copy' here; name the stream for an encoder: -c:v ${codec.all} or -c:a ${codec.all}`);
  const mode = (kind: 'video' | 'audio'): Mode => (off[kind] ? 'none' : (codec[kind] ?? codec.all) === 'copy' ? 'copy' : 'encode');
  if (Object.keys(videoOptions).length) video.options = videoOptions;
  if (Object.keys(audioOptions).length) audio.options = audioOptions;
  const vCodec = codec.video ?? codec.all;
  const aCodec = codec.audio ?? codec.all;
  if (vCodec !== undefined && vCodec !== 'copy') video.codec = vCodec;
  if (aCodec !== undefined && aCodec !== 'copy') audio.codec = aCodec;
  for (const kind of ['video', 'audio'] as const) {
    const settings = kind === 'video' ? video : audio;
    const m = mode(kind);
    const flags = [...given].filter((f) => (kind === 'video' ? /^-(crf|preset|b:v|vf|s|r|pix_fmt|g|frames:v)$|:v$/ : /^-(b:a|af|ar|ac|channel_layout|sample_fmt)$|:a$/).test(f));
    if (m === 'copy' && flags.length) throw new UsageError(`${flags.join(', ')}: the ${kind} is copied (-c${kind === 'video' ? ':v' : ':a'} copy), not encoded`);
    if (m !== 'encode') o[kind] = m === 'none' ? false : 'copy';
    else if (Object.keys(settings).length) o[kind] = settings;
  }
  if (codec.subtitles !== undefined && codec.subtitles !== 'copy') throw new UsageError(`-c:s: only 'copy' is supported (got '${codec.subtitles}')`);
  if (codec.subtitles === 'copy' && !off.subtitles) o.subtitles = 'copy';

  // -map, and the outputs of -filter_complex
  if (maps.length === 0 && o.filterComplex !== undefined) {
    const outs = graphOutputs(o.filterComplex);
    if (outs.length === 0) throw new UsageError("-filter_complex: label the graph's outputs (…[out]) so they can be mapped (-map '[out]')");
    maps.push(...outs.map((l) => `[${l}]`));
  }
  if (maps.length) o.map = maps.flatMap((spec) => mapEntries(spec, o, { video, audio, mode, off }, given));
  return { ...c, input: first!.source, output, options: o };
}

/** One -map as transcode()'s map entries (-map 0: its video, audio and subtitle streams). */
function mapEntries(
  spec: string,
  o: TranscodeOptions,
  s: { video: VideoSettings; audio: AudioSettings; mode: (k: MediaKind) => Mode; off: Record<'video' | 'audio' | 'subtitles', boolean> },
  given: Set<string>,
): StreamMap[] {
  const m = parseMapSpec(spec);
  if (m.label === undefined) {
    // -vn / -an / -sn drop what they name; a stream index (0:2) is kept whatever it holds
    const kinds: Record<string, 'video' | 'audio' | 'subtitles'> = { v: 'video', a: 'audio', s: 'subtitles' };
    const dropped = (x: string | number) => typeof x === 'string' && kinds[x[0]!] !== undefined && s.off[kinds[x[0]!]!];
    const streams = m.stream === undefined ? ['v', 'a', 's'] : [m.stream];
    return streams.filter((x) => !dropped(x)).map((stream) => ({ input: m.input, stream }));
  }
  const graph = o.filterComplex;
  if (graph === undefined) throw new UsageError(`-map ${spec}: a label names an output of -filter_complex, and there is none`);
  const kind = labelKind(graph, m.label);
  if (s.mode(kind) === 'copy') throw new UsageError(`-map ${spec}: a -filter_complex output is encoded, it cannot be copied`);
  if (s.off[kind]) return [];
  // filtering belongs in the graph, as ffmpeg says of -vf with -filter_complex
  const filtering = [...given].filter((f) => (kind === 'video' ? ['-vf', '-s', '-r', '-pix_fmt'] : ['-af']).includes(f));
  if (filtering.length) throw new UsageError(`${filtering.join(', ')} cannot be used with -filter_complex for its ${kind} output ${spec}: put it in the graph`);
  const { filter: _vf, width: _w, height: _h, frameRate: _fps, pixelFormat: _pf, ...video } = s.video;
  if (kind === 'video') return [{ ...video, label: m.label }];
  const { filter: _af, sampleRate, channels, channelLayout, sampleFormat, ...audio } = s.audio;
  // transcode() tells an audio output of the graph by its sample settings; -ar / -ac also
  // resample the graph's output here, as in ffmpeg
  if (sampleRate === undefined && channels === undefined && channelLayout === undefined && sampleFormat === undefined)
    throw new UsageError(`-map ${spec} is audio: give its sample rate or channels (-ar 48000 or -ac 2)`);
  const layout = channelLayout ?? (channels !== undefined ? ({ 1: 'mono', 2: 'stereo', 6: '5.1', 8: '7.1' } as Record<number, string>)[channels] ?? `${channels}c` : undefined);
  const convert = [sampleRate !== undefined ? `aresample=${sampleRate}` : '', layout || sampleFormat ? `aformat=${[sampleFormat ? `sample_fmts=${sampleFormat}` : '', layout ? `channel_layouts=${layout}` : ''].filter(Boolean).join(':')}` : '']
    .filter(Boolean)
    .join(',');
  o.filterComplex = appendToLabel(graph, m.label, convert);
  const entry: StreamMap = { ...audio, label: m.label };
  if (sampleRate !== undefined) entry.sampleRate = sampleRate;
  if (channels !== undefined) entry.channels = channels;
  if (channelLayout !== undefined) entry.channelLayout = channelLayout;
  if (sampleFormat !== undefined) entry.sampleFormat = sampleFormat;
  return [entry];
}

// ---------------------------------------------------------------------------------------
// remux

/** `avforge remux`'s arguments -> remux()'s options. */
export function parseRemuxArgs(argv: readonly string[]): Parsed<RemuxArgs> {
  if (wantsHelp(argv)) return { help: true };
  const c = common();
  const o: RemuxOptions = {};
  const dashI: InputArg[] = [];
  const positionals: { token: string; at: number }[] = [];
  let at = 0;
  let pending: { format?: string; start?: number } = {};
  const streams: (string | number)[] = [];
  let all = false;
  const table: FlagTable = {
    ...commonFlags(c),
    '-i': takes((v) => {
      dashI.push({ source: v, ...pending, at: at++ });
      pending = {};
    }),
    '-ss': takes((v) => (pending.start = parseTime(v, '-ss'))),
    '-f': takes((v) => (pending.format = v)),
    '-t': takes((v) => (o.duration = parseTime(v, '-t'))),
    '-c': takes((v) => {
      if (v !== 'copy') throw new UsageError(`-c ${v}: remux copies every stream; use avforge transcode to encode`);
    }),
    '-codec': takes((v) => {
      if (v !== 'copy') throw new UsageError(`-codec ${v}: remux copies every stream; use avforge transcode to encode`);
    }),
    '-map': takes((v) => {
      const m = parseMapSpec(v);
      if (m.label !== undefined) throw new UsageError(`-map ${v}: remux has no filter graph`);
      if (m.input !== 0) throw new UsageError(`-map ${v}: remux has one input, 0`);
      if (m.stream === undefined) all = true;
      else streams.push(m.stream);
    }),
    '-movflags': takes((v) => ((o.formatOptions ??= {}).movflags = v)),
    '-metadata': takes((v) => {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new UsageError(`-metadata: '${v}' is not KEY=VALUE`);
      (o.metadata ??= {})[v.slice(0, eq)] = v.slice(eq + 1);
    }),
    '--faststart': sets(() => (o.fastStart = true)),
    '--fragmented': sets(() => (o.fragmented = true)),
    '--strict': sets(() => (o.strict = true)),
  };
  walk(argv, table, (token) => positionals.push({ token, at: at++ }));
  const { inputs, output } = files(positionals, dashI, true);
  if (inputs.length > 1) throw new UsageError(`remux takes one input (got ${inputs.map((i) => `'${i.source}'`).join(', ')})`);
  const [first] = inputs;
  if (pending.format !== undefined) o.format = pending.format;
  const start = first!.start !== undefined || pending.start !== undefined ? (first!.start ?? 0) + (pending.start ?? 0) : undefined;
  if (start !== undefined) o.start = start;
  if (first!.format !== undefined) o.input = { format: first!.format };
  if (streams.length && !all) o.streams = streams;
  return { ...c, input: first!.source, output, options: o };
}

// ---------------------------------------------------------------------------------------
// thumbs

const IMAGE_FORMATS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;
type ImageFormat = keyof typeof IMAGE_FORMATS;

function imageFormat(value: string, flag: string): ImageFormat {
  const v = value.toLowerCase() === 'jpg' ? 'jpeg' : value.toLowerCase();
  if (v in IMAGE_FORMATS) return v as ImageFormat;
  throw new UsageError(`${flag}: '${value}' is not an image format (jpeg, png or webp)`);
}

/** `avforge thumbs`'s arguments -> thumbnails()'s options, and the output pattern. */
export function parseThumbsArgs(argv: readonly string[]): Parsed<ThumbsArgs> {
  if (wantsHelp(argv)) return { help: true };
  const c = common();
  const o: ThumbnailOptions = {};
  const dashI: InputArg[] = [];
  const positionals: { token: string; at: number }[] = [];
  let at = 0;
  let format: ImageFormat | undefined;
  let output: string | undefined;
  const pick: string[] = [];
  const table: FlagTable = {
    ...commonFlags(c),
    '-i': takes((v) => dashI.push({ source: v, at: at++ })),
    '--every': takes((v) => {
      o.every = parseTime(v, '--every');
      if (!(o.every > 0)) throw new UsageError('--every: needs a time > 0');
      pick.push('--every');
    }),
    '--count': takes((v) => (o.count = number(v, '--count', { integer: true, min: 1 }))),
    '--times': takes((v) => {
      o.times = v.split(',').filter((t) => t.trim() !== '').map((t) => parseTime(t, '--times'));
      if (o.times.length === 0) throw new UsageError('--times: needs one time or more (1,5,10)');
      pick.push('--times');
    }),
    '--keyframes': sets(() => {
      o.keyframes = true;
      pick.push('--keyframes');
    }),
    '--width': takes((v) => (o.width = number(v, '--width', { integer: true, min: 1 }))),
    '--height': takes((v) => (o.height = number(v, '--height', { integer: true, min: 1 }))),
    '-s': takes((v) => Object.assign(o, parseSize(v, '-s'))),
    '--format': takes((v) => (format = imageFormat(v, '--format'))),
    '-q': takes((v) => (o.quality = number(v, '-q', { min: 0, max: 100 }))),
    '--quality': takes((v) => (o.quality = number(v, '--quality', { min: 0, max: 100 }))),
    '-o': takes((v) => (output = v)),
    '--output': takes((v) => (output = v)),
    '-ss': takes((v) => (o.input = { start: parseTime(v, '-ss') })),
    '--strict': sets(() => (o.strict = true)),
  };
  walk(argv, table, (token) => positionals.push({ token, at: at++ }));
  const { inputs } = files(positionals, dashI, false);
  if (inputs.length > 1) throw new UsageError(`thumbs takes one input (got ${inputs.map((i) => `'${i.source}'`).join(', ')}); the output pattern is -o PATTERN`);
  if (pick.length > 1) throw new UsageError(`${pick.join(' and ')}: choose one (--count may go with --every or --keyframes as a limit)`);
  if (o.times && o.count !== undefined) throw new UsageError('--times and --count: choose one');
  // the format: --format, else the pattern's extension, else JPEG
  const ext = output ? /\.(jpe?g|png|webp)$/i.exec(output)?.[1] : undefined;
  const chosen: ImageFormat = format ?? (ext ? imageFormat(ext, '-o') : 'jpeg');
  if (o.quality !== undefined) {
    if (chosen === 'jpeg' && !(o.quality >= 2 && o.quality <= 31)) throw new UsageError(`-q: JPEG quality is 2 (best) to 31 (got ${o.quality})`);
    if (chosen === 'png') throw new UsageError('-q: PNG is lossless, it has no quality');
  }
  let pattern = output ?? `thumb-%03d.${IMAGE_FORMATS[chosen]}`;
  if (pattern.endsWith('/') || pattern.endsWith('\\')) pattern += `thumb-%03d.${IMAGE_FORMATS[chosen]}`;
  return { ...c, input: inputs[0]!.source, output: pattern, options: { ...o, format: chosen } };
}

/** The file name of image `n` (from 1) of `count`: %d / %03d in the pattern, else -n before the extension from the second on. */
export function thumbName(pattern: string, n: number): string {
  if (/%0?\d*d/.test(pattern)) return pattern.replace(/%0?(\d*)d/, (_, w: string) => String(n).padStart(Number(w || 0), '0'));
  return n === 1 ? pattern : pattern.replace(/(\.\w+)?$/, `-${n}$1`);
}
