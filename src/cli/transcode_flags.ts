// `avforge transcode`: its flags (ffmpeg's: -c:v, -crf, -vf, -map, -filter_complex...) and how
// they become transcode()'s options. The outputs of a -filter_complex and their media types
// come from libavfilter (describeFilterGraph), as transcode() itself reads them.
import {
  describeFilterGraph,
  type AudioSettings,
  type AvOptions,
  type GraphPads,
  type StreamMap,
  type TranscodeOptions,
  type VideoSettings,
} from '../index.js';
import { isFlag, parseBitRate, parseCommand, parseNumber, parseRate, parseSize, UsageError, type Command, type Flag, type Parsed } from './argv.js';
import {
  applyFiles,
  containerFlags,
  durationFlag,
  fileWord,
  formatFlag,
  inputFlag,
  JOB_NOTES,
  jobArgs,
  jobState,
  outputFlags,
  seekFlag,
  type JobArgs,
  type JobState,
} from './shared_flags.js';
import { parseMapArgument } from './ffmpeg/stream_specifier.js';

export type TranscodeArgs = JobArgs<TranscodeOptions>;

type MediaKind = 'video' | 'audio';

interface TranscodeState extends JobState<TranscodeOptions> {
  video: VideoSettings;
  audio: AudioSettings;
  /** Encoder AVOptions: -x265-params, -tune:v, -q:v... */
  encoder: Record<MediaKind, AvOptions>;
  codec: { all?: string; video?: string; audio?: string; subtitles?: string };
  off: Record<'video' | 'audio' | 'subtitles', boolean>;
  maps: string[];
  /** The stream of the last -c:v / -c:a: where an encoder option without :v / :a goes. */
  lastCodec?: MediaKind;
  /** The settings flags given (by their main name), with their stream and whether they filter it, to refuse them where they cannot apply. */
  given: Map<string, { kind: MediaKind; filters: boolean }>;
}

const setCodec = (kind: MediaKind | 'subtitles', names: string[], value: string, help?: string): Flag<TranscodeState> => ({
  names: names.slice(0, 1),
  aliases: names.slice(1),
  value,
  help,
  apply(s, v) {
    s.codec[kind] = v;
    if (kind !== 'subtitles') s.lastCodec = kind;
  },
});

/** A flag that sets one video or audio setting. */
function setting(
  kind: MediaKind,
  names: string[],
  value: string,
  key: keyof VideoSettings | keyof AudioSettings,
  parse: (v: string, flag: string) => unknown,
  help: string,
  /** Whether it filters the stream (-vf, -s, -r...): with -filter_complex that belongs in the graph. */
  filters = false,
): Flag<TranscodeState> {
  return {
    names: names.slice(0, 1),
    aliases: names.slice(1),
    value,
    help,
    apply(s, v, flag) {
      (s[kind] as Record<string, unknown>)[key] = parse(v, flag);
      s.given.set(names[0]!, { kind, filters });
    },
  };
}

/** ffmpeg's -q: global_quality in lambda units (FF_QP2LAMBDA = 118) and the qscale flag. */
const quality = (kind: MediaKind, names: string[], help: string): Flag<TranscodeState> => ({
  names: names.slice(0, 1),
  aliases: names.slice(1),
  value: 'N',
  help,
  apply(s, v, flag) {
    s.given.set(names[0]!, { kind, filters: false });
    s.encoder[kind].global_quality = Math.round(parseNumber(v, flag, { min: 0 }) * 118);
    s.encoder[kind].flags = '+qscale';
  },
});

const text = (v: string) => v;
const whole = (min: number, max?: number) => (v: string, flag: string) => parseNumber(v, flag, { integer: true, min, max });

const video: Flag<TranscodeState>[] = [
  setCodec('video', ['-c:v', '-codec:v', '-vcodec'], 'CODEC|copy', "encoder (libx264, libx265, libvpx-vp9, libsvtav1...) or copy; default the container's"),
  setting('video', ['-crf'], 'N', 'crf', (v, f) => parseNumber(v, f, { min: 0 }), 'constant quality of x264/x265 and others'),
  setting('video', ['-preset', '-preset:v'], 'P', 'preset', text, 'encoder speed (ultrafast ... veryslow)'),
  setting('video', ['-b:v', '-vb'], 'RATE', 'bitRate', parseBitRate, 'bit rate (2M, 800k)'),
  setting('video', ['-vf', '-filter:v'], 'CHAIN', 'filter', text, 'filter chain (scale=640:-2,hflip)', true),
  {
    names: ['-s'],
    value: 'WxH',
    help: 'size (-2 for one side keeps the aspect ratio: 640x-2)',
    apply(s, v, flag) {
      Object.assign(s.video, parseSize(v, flag));
      s.given.set('-s', { kind: 'video', filters: true });
    },
  },
  setting('video', ['-r'], 'FPS', 'frameRate', parseRate, 'frame rate (25, 29.97, 30000/1001)', true),
  setting('video', ['-pix_fmt'], 'F', 'pixelFormat', text, 'pixel format (yuv420p, yuv420p10le)', true),
  setting('video', ['-g'], 'N', 'gopSize', whole(1), 'keyframe interval'),
  setting('video', ['-frames:v', '-vframes'], 'N', 'maxFrames', whole(1), 'stop after N frames'),
  quality('video', ['-q:v', '-qscale:v'], 'fixed quality (mpeg2video, mjpeg)'),
  { names: ['-vn'], help: 'no video', apply: (s) => (s.off.video = true) },
];

const audio: Flag<TranscodeState>[] = [
  setCodec('audio', ['-c:a', '-codec:a', '-acodec'], 'CODEC|copy', 'encoder (aac, libopus, libmp3lame, flac...) or copy'),
  setting('audio', ['-b:a', '-ab'], 'RATE', 'bitRate', parseBitRate, 'bit rate (128k)'),
  setting('audio', ['-af', '-filter:a'], 'CHAIN', 'filter', text, 'filter chain (volume=0.5)', true),
  setting('audio', ['-ar'], 'HZ', 'sampleRate', whole(1), 'sample rate'),
  setting('audio', ['-ac'], 'N', 'channels', whole(1, 64), 'channels'),
  setting('audio', ['-channel_layout'], 'L', 'channelLayout', text, 'channel layout (mono, stereo, 5.1)'),
  setting('audio', ['-sample_fmt'], 'F', 'sampleFormat', text, 'sample format (s16, fltp)'),
  quality('audio', ['-q:a', '-qscale:a'], 'fixed quality (libmp3lame)'),
  { names: ['-an'], help: 'no audio', apply: (s) => (s.off.audio = true) },
];

const streams: Flag<TranscodeState>[] = [
  { names: ['-c'], aliases: ['-codec'], value: 'copy', help: 'copy video and audio (no re-encoding)', apply: (s, v) => (s.codec.all = v) },
  setCodec('subtitles', ['-c:s', '-scodec'], 'copy', 'copy subtitle streams (default none)'),
  { names: ['-sn'], help: 'no subtitles', apply: (s) => (s.off.subtitles = true) },
  {
    names: ['-map'],
    value: 'SPEC',
    help: 'choose streams, repeatable: 0 (all of input 0), 0:v, 0:a:1, 1:a, 0:3, [label]',
    apply: (s, v) => void s.maps.push(v),
  },
  {
    names: ['-filter_complex'],
    aliases: ['-lavfi'],
    value: 'G',
    help: "a filter graph over [0:v], [1:a]...; map its labelled outputs with -map '[out]'\n(without -map, all of them)",
    apply: (s, v) => (s.options.filterComplex = v),
  },
  {
    names: ['-threads'],
    value: 'N',
    help: 'codec threads (0: as many as useful)',
    apply: (s, v, flag) => (s.options.threads = parseNumber(v, flag, { integer: true, min: 0 })),
  },
];

/** Encoder options a user gives without a stream (-x265-params) that only video encoders have. */
const VIDEO_OPTIONS = new Set([
  'x264-params',
  'x265-params',
  'x264opts',
  'svtav1-params',
  'tune',
  'profile',
  'level',
  'deadline',
  'cpu-used',
  'row-mt',
  'tile-columns',
  'bf',
  'refs',
  'aq-mode',
  'rc-lookahead',
]);

export const transcodeCommand: Command<TranscodeState> = {
  name: 'transcode',
  summary: "decode, filter and encode, with ffmpeg's flags (-c:v, -crf, -vf, -map...)",
  usage: ['IN OUT [options]', '-i IN [-i EXTRA ...] [options] OUT'],
  intro: "Options placed before an -i are that input's (-f FMT, -ss S), as in ffmpeg; all others are the output's.",
  groups: [
    { title: 'Inputs and time', flags: [inputFlag, seekFlag, durationFlag] },
    { title: 'Video', flags: video },
    { title: 'Audio', flags: audio },
    { title: 'Streams', flags: streams },
    {
      title: 'Encoder options',
      flags: [],
      rows: [
        {
          label: '-NAME VALUE',
          help: 'after -c:v CODEC (or -c:a CODEC), an option of that encoder:\n-c:v libx265 -x265-params aq-mode=3   -c:v libx264 -tune film -profile:v high',
        },
        { label: '-NAME:v VALUE', help: 'an option of the video encoder (-NAME:a for audio), wherever it stands' },
      ],
    },
    { title: 'Container', flags: [formatFlag, ...containerFlags] },
    { title: 'Output and progress', flags: outputFlags },
  ],
  notes: JOB_NOTES,
  examples: [
    'avforge transcode in.mp4 out.mkv -c:v libx265 -crf 28 -c:a copy',
    'avforge transcode -i in.mov -vf scale=1280:-2 -c:v libx264 -preset fast -crf 23 -c:a aac -b:a 128k --faststart out.mp4',
    'avforge transcode in.mp4 clip.mp4 -ss 00:01:00 -t 30 -c copy',
    'avforge transcode in.mp4 out.mp4 -i music.m4a -map 0:v -map 1:a -c:v copy -t 60',
    "avforge transcode in.mp4 out.mp4 -i logo.png -filter_complex '[0:v][1:v]overlay=10:10[v]' -map '[v]' -map 0:a",
    'avforge transcode in.mp4 out.mkv -c:v libx264 --options \'{"video":{"options":{"tune":"film"}},"chapters":false}\'',
    'avforge transcode in.mkv out.mp4 --json > progress.jsonl',
  ],
  init: () => ({
    ...jobState<TranscodeOptions>({}),
    video: {},
    audio: {},
    encoder: { video: {}, audio: {} },
    codec: {},
    off: { video: false, audio: false, subtitles: false },
    maps: [],
    given: new Map(),
  }),
  positional: fileWord,
  /** -name[:v|:a] value: an encoder option (AVOption) of the stream it names, or of the last -c:v / -c:a. */
  unknown(s, flag, next) {
    const m = /^-([A-Za-z][\w-]*)(?::([va]))?$/.exec(flag);
    if (!m || flag.startsWith('--')) throw new UsageError(`unknown option '${flag}'`);
    const name = m[1]!;
    const kind: MediaKind | undefined = m[2] === 'v' ? 'video' : m[2] === 'a' ? 'audio' : (s.lastCodec ?? (VIDEO_OPTIONS.has(name) ? 'video' : undefined));
    if (!kind) throw new UsageError(`unknown option '${flag}' (encoder options go after -c:v CODEC or -c:a CODEC, or name their stream: ${flag}:v VALUE)`);
    if (next === undefined || isFlag(next)) throw new UsageError(`unknown option '${flag}' (as an encoder option it needs a value)`);
    s.encoder[kind][name] = next;
    s.given.set(`-${name}:${kind[0]}`, { kind, filters: false });
    return 2;
  },
};

type Mode = 'encode' | 'copy' | 'none';

/** The settings flags given for a stream; `filtering`: only those that filter it. */
const givenFor = (s: TranscodeState, kind: MediaKind, filtering = false) =>
  [...s.given].filter(([, g]) => g.kind === kind && (!filtering || g.filters)).map(([flag]) => flag);

/**
 * `avforge transcode`'s arguments -> transcode()'s options. Asynchronous because the outputs
 * of a -filter_complex are libavfilter's answer (its open output pads).
 */
export async function parseTranscodeArgs(argv: readonly string[]): Promise<Parsed<TranscodeArgs>> {
  const s = parseCommand(transcodeCommand, argv);
  if ('help' in s) return s;
  const o = s.options;
  const files = applyFiles(s, true);

  // codecs: -c copy for every stream, -c:v / -c:a more specific
  const { codec, off } = s;
  if (codec.all !== undefined && codec.all !== 'copy')
    throw new UsageError(`-c takes only 'copy' here; name the stream for an encoder: -c:v ${codec.all} or -c:a ${codec.all}`);
  const mode = (kind: MediaKind): Mode => (off[kind] ? 'none' : (codec[kind] ?? codec.all) === 'copy' ? 'copy' : 'encode');
  for (const kind of ['video', 'audio'] as const) {
    const settings = s[kind];
    if (Object.keys(s.encoder[kind]).length) settings.options = s.encoder[kind];
    const name = codec[kind] ?? codec.all;
    if (name !== undefined && name !== 'copy') settings.codec = name;
    const m = mode(kind);
    const flags = givenFor(s, kind);
    if (m === 'copy' && flags.length)
      throw new UsageError(`${flags.join(', ')}: the ${kind} is copied (-c${kind === 'video' ? ':v' : ':a'} copy), not encoded`);
    if (m !== 'encode') o[kind] = m === 'none' ? false : 'copy';
    else if (Object.keys(settings).length) o[kind] = settings;
  }
  if (codec.subtitles !== undefined && codec.subtitles !== 'copy') throw new UsageError(`-c:s: only 'copy' is supported (got '${codec.subtitles}')`);
  if (codec.subtitles === 'copy' && !off.subtitles) o.subtitles = 'copy';

  // -map, and the outputs of -filter_complex as libavfilter parses the graph
  const pads = o.filterComplex === undefined ? undefined : await describeFilterGraph(o.filterComplex);
  if (pads) {
    const unlabelled = pads.outputs.filter((p) => p.label === '');
    if (unlabelled.length || pads.outputs.length === 0)
      throw new UsageError("-filter_complex: label the graph's outputs (…[out]) so they can be mapped (-map '[out]')");
    // without -map, every output, in the order the graph names them (libavfilter lists them its own way)
    const at = (label: string) => o.filterComplex!.lastIndexOf(`[${label}]`);
    if (s.maps.length === 0)
      s.maps.push(
        ...pads.outputs
          .map((p) => p.label)
          .sort((x, y) => at(x) - at(y))
          .map((l) => `[${l}]`),
      );
  }
  if (s.maps.length) o.map = s.maps.flatMap((spec) => mapEntries(spec, s, mode, pads));
  return jobArgs(s, files);
}

interface MapSpec {
  /** A labelled -filter_complex output ('[out]'). */
  label?: string;
  input?: number;
  /** 'v', 'a:1', 's', 3; undefined: every stream of the input. */
  stream?: string | number;
}

/**
 * '0', '0:v', '0:a:1', '1:a', '0:3', '[label]' -> what it maps: ffmpeg's -map grammar
 * (ffmpeg/stream_specifier.ts), less what a transcode() map entry cannot say.
 */
export function parseMapSpec(spec: string): MapSpec {
  const m = parseMapArgument(spec);
  if (m.label !== undefined) return { label: m.label };
  const unsupported = (what: string) => new UsageError(`-map ${spec}: ${what} are not supported here (avforge ffmpeg takes them)`);
  if (m.negative) throw unsupported('negative maps');
  if (m.optional) throw unsupported("optional maps, '?',");
  const s = m.spec!;
  if (s.text === '') return { input: m.input };
  if (s.noPictures || s.tag || s.id !== undefined || s.usable) throw unsupported('V, m:KEY, #ID and u specifiers');
  // a stream type letter with its n-th, or a stream index: transcode()'s `stream`, as written
  return { input: m.input, stream: s.type === undefined ? s.nth! : s.text };
}

/** One -map as transcode()'s map entries (-map 0: its video, audio and subtitle streams). */
function mapEntries(spec: string, s: TranscodeState, mode: (k: MediaKind) => Mode, pads: GraphPads | undefined): StreamMap[] {
  const m = parseMapSpec(spec);
  if (m.label === undefined) {
    // -vn / -an / -sn drop what they name; a stream index (0:2) is kept whatever it holds
    const kinds: Record<string, 'video' | 'audio' | 'subtitles'> = { v: 'video', a: 'audio', s: 'subtitles' };
    const dropped = (x: string | number) => typeof x === 'string' && kinds[x[0]!] !== undefined && s.off[kinds[x[0]!]!];
    const picked = m.stream === undefined ? ['v', 'a', 's'] : [m.stream];
    return picked.filter((x) => !dropped(x)).map((stream) => ({ input: m.input, stream }));
  }
  if (!pads) throw new UsageError(`-map ${spec}: a label names an output of -filter_complex, and there is none`);
  const pad = pads.outputs.find((p) => p.label === m.label);
  if (!pad) throw new UsageError(`-map ${spec}: the graph has no output [${m.label}] (its outputs: ${pads.outputs.map((p) => `[${p.label}]`).join(' ')})`);
  if (pad.type !== 'video' && pad.type !== 'audio') throw new UsageError(`-map ${spec}: the graph's output is ${pad.type}, neither video nor audio`);
  const kind = pad.type;
  if (mode(kind) === 'copy') throw new UsageError(`-map ${spec}: a -filter_complex output is encoded, it cannot be copied`);
  if (s.off[kind]) return [];
  // filtering belongs in the graph, as ffmpeg says of -vf with -filter_complex
  const filtering = givenFor(s, kind, true);
  if (filtering.length) throw new UsageError(`${filtering.join(', ')} cannot be used with -filter_complex for its ${kind} output ${spec}: put it in the graph`);
  // the stream's settings, less its filters (those belong in the graph); -ar / -ac convert the
  // graph's output, which transcode() does after the graph
  const { filter: _vf, width: _w, height: _h, frameRate: _fps, pixelFormat: _pf, ...v } = s.video;
  const { filter: _af, ...a } = s.audio;
  return [{ ...(kind === 'video' ? v : a), label: m.label }];
}
