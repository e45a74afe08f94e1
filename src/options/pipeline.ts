// The options of transcode(), remux(), thumbnails() and probe(), as rules (rules.ts): one schema
// per job kind. `Fields<T>` makes each schema name every field of its TS options type, so an
// option added to pipeline/types.ts does not compile until it is checked here.
import type { DemuxerOptions } from '../core/demuxer.js';
import { invalidArgument, is, optionsObject } from '../errors.js';
import type { SinkOptions } from '../io/sink.js';
import type {
  AudioSettings,
  Chapter,
  ExtraInput,
  HardwareSpec,
  InputSettings,
  JobOptions,
  RemuxOptions,
  StreamMap,
  ThumbnailOptions,
  TranscodeOptions,
  VideoSettings,
} from '../pipeline/types.js';
import {
  arrayOf,
  boolean,
  callOnly,
  func,
  inProcess,
  leaf,
  literal,
  nonEmptyString,
  nonNegative,
  nonNegativeInt,
  number,
  objectOf,
  pattern,
  positive,
  positiveInt,
  recordOf,
  refuseNul,
  string,
  union,
  DIRECT,
  bufferedBytes,
  intRange,
  pictureSide,
  threadCount,
  type Fields,
  type ObjectRule,
  type Rule,
} from './rules.js';

/** The options of probe(): a demuxer's, without its read-ahead batch. */
export type ProbeOptions = Omit<DemuxerOptions, 'batchSize'>;

export const avOptions = recordOf(
  'an object of AVOptions (strings, numbers or booleans)',
  leaf('a string, number or boolean', (v) => typeof v === 'string' || is.number(v) || typeof v === 'boolean', { type: ['string', 'number', 'boolean'] }),
);
const strings = recordOf('an object of strings', string);
const bitRate = union(
  "bits per second (a number > 0, or a string like '2M' or '128k')",
  positive('a number > 0'),
  pattern("a string like '2M' or '128k'", /^\d+(?:\.\d+)?[kKmMgG]?$/),
);
const frameRate = union(
  "a frame rate > 0 (a number, or 'num/den' like '30000/1001')",
  positive('a number > 0'),
  pattern("'num/den'", /^[1-9]\d*(?:\/[1-9]\d*)?$/),
);
const streamSpecifier = union(
  "a stream index or specifier ('v', 'a:0')",
  nonNegativeInt(),
  pattern("a specifier ('v', 'a', 's', 'v:1', 'a:0')", /^(?:[vasdt](?::\d+)?|\d+)$/),
);

function isInputSource(v: unknown): boolean {
  const o = v as Record<string | symbol, unknown>;
  return (
    is.nonEmptyString(v) ||
    v instanceof Uint8Array ||
    (typeof v === 'object' &&
      v !== null &&
      (typeof o.pipe === 'function' || typeof o.getReader === 'function' || Symbol.asyncIterator in o || typeof o.read === 'function'))
  );
}

/** An input: a path or URL anywhere; in this process also bytes, a stream, a FileHandle or { read, seek? }. */
export const inputSource: Rule = {
  expected: 'a path or URL, a Uint8Array, a Readable, a ReadableStream, an async iterable, a FileHandle or { read, seek? }',
  matches: isInputSource,
  check(v, path, ctx) {
    if (ctx.portable && !is.nonEmptyString(v)) throw invalidArgument(path, 'a path or URL (a string: the job may run on another machine)', v);
    if (!isInputSource(v)) throw invalidArgument(path, this.expected, v);
    refuseNul(v, path);
  },
  json: () => ({ type: 'string', minLength: 1, description: 'a path or URL' }),
};

/** The most images one thumbnails() job makes: `count`, `times`, and `every` over the input's duration. */
export const MAX_THUMBNAILS = 10_000;

const sourceFields = {
  highWater: bufferedBytes,
  timeout: positive('a number of milliseconds > 0'),
  maxBytes: positiveInt('a number of bytes > 0'),
  trusted: boolean,
} as const;

const inputFields: Fields<InputSettings> = {
  ...sourceFields,
  format: nonEmptyString('a format name'),
  options: avOptions,
  start: nonNegative('a number of seconds >= 0'),
  duration: positive('a number of seconds > 0'),
  autorotate: boolean,
};
export const inputSettings = objectOf<InputSettings>(inputFields, { name: 'InputSettings' });

const extraInput = objectOf<ExtraInput>(
  { ...inputFields, source: inputSource },
  { expected: '{ source, ...input settings }', required: ['source'], matches: (v) => is.object(v) && 'source' in v, name: 'ExtraInput' },
);

const encodeFields = {
  codec: nonEmptyString("an encoder name or 'copy'"),
  bitRate,
  filter: string,
  threads: threadCount(),
  options: avOptions,
  metadata: strings,
} as const;

const videoFields: Fields<VideoSettings> = {
  ...encodeFields,
  crf: number,
  preset: nonEmptyString('a preset name'),
  width: pictureSide,
  height: pictureSide,
  frameRate,
  fpsMode: literal("'auto', 'cfr', 'vfr' or 'passthrough'", 'auto', 'cfr', 'vfr', 'passthrough'),
  pixelFormat: nonEmptyString('a pixel format name'),
  gopSize: positiveInt(),
  maxFrames: positiveInt(),
};
const audioFields: Fields<AudioSettings> = {
  ...encodeFields,
  sampleRate: intRange(1, 1_536_000, ' number of samples per second'),
  channels: intRange(1, 64),
  channelLayout: nonEmptyString('a channel layout name'),
  sampleFormat: nonEmptyString('a sample format name'),
};
/** The names VideoSettings had before they matched the object API's (Encoder's frameRate, gopSize). */
const videoRenamed = { fps: 'frameRate', gop: 'gopSize' } as const;
export const videoSettings = objectOf<VideoSettings>(videoFields, { name: 'VideoSettings', renamed: videoRenamed });
export const audioSettings = objectOf<AudioSettings>(audioFields, { name: 'AudioSettings' });
export const streamMap = objectOf<StreamMap>(
  {
    ...videoFields,
    ...audioFields,
    input: nonNegativeInt(),
    stream: streamSpecifier,
    label: nonEmptyString('a filterComplex output label'),
    disposition: nonEmptyString("a disposition ('default', 'attached_pic', '+forced', '0')"),
    bitstreamFilter: nonEmptyString("bitstream filters ('aac_adtstoasc')"),
    tag: pattern("a codec tag of 1 to 4 characters ('hvc1')", /^[\x20-\x7e]{1,4}$/),
  },
  { expected: 'a stream mapping', name: 'StreamMap', renamed: videoRenamed },
);

const hardware = union(
  "'none', 'auto', a device type or { type, device?, options? }",
  nonEmptyString('a device type'),
  objectOf<HardwareSpec>({ type: nonEmptyString('a device type'), device: nonEmptyString('a device name'), options: avOptions }, { required: ['type'] }),
);

/** An AbortSignal: only ever in this process (a job sent elsewhere is cancelled through the engine). */
export const abortSignal = leaf('an AbortSignal', (v) => v instanceof AbortSignal, null);

const jobFields: Fields<JobOptions> = {
  signal: callOnly(abortSignal, "no signal in a job's options (the engine sets it: pass signal to submit())"),
  cancel: callOnly(literal("'graceful' or 'abort'", 'graceful', 'abort'), "no cancel in a job's options (the engine sets it: pass cancel to submit())"),
  onProgress: callOnly(func, "no onProgress in a job's options (the engine sets it: listen to the handle's 'progress' event)"),
  progressInterval: positive('a number of milliseconds > 0'),
  strict: boolean,
};

const chapter = objectOf<Chapter>(
  { start: nonNegative('a number of seconds >= 0'), end: nonNegative('a number of seconds >= 0'), title: string },
  { required: ['start', 'end'] },
);

const outputFields = {
  ...jobFields,
  input: inputSettings,
  format: nonEmptyString('a format name'),
  formatOptions: avOptions,
  fastStart: boolean,
  fragmented: boolean,
  sink: objectOf<SinkOptions>({ highWater: bufferedBytes, end: boolean }, { expected: 'an object of sink settings' }),
  start: nonNegative('a number of seconds >= 0'),
  duration: positive('a number of seconds > 0'),
  metadata: strings,
  copyMetadata: boolean,
  shortest: boolean,
  chapters: union('a boolean or an array of { start, end, title? }', boolean, arrayOf('an array of { start, end, title? }', chapter)),
} as const;

const settingsOr = (settings: ObjectRule<unknown>, what: string) =>
  union(`${what} settings, 'copy' or false`, literal("'copy' or false", 'copy', false), settings);

export const transcodeOptions = objectOf<TranscodeOptions>(
  {
    ...outputFields,
    inputs: arrayOf('an array of inputs', union('an input source or { source, ...input settings }', extraInput, inputSource)),
    video: settingsOr(videoSettings, 'video'),
    audio: settingsOr(audioSettings, 'audio'),
    subtitles: union(
      "'copy', { codec? } or false",
      literal("'copy' or false", 'copy', false),
      objectOf<{ codec?: string }>({ codec: nonEmptyString('a subtitle encoder name') }),
    ),
    map: arrayOf('an array of stream mappings', streamMap),
    filterComplex: nonEmptyString('a filter graph description'),
    threads: threadCount(),
    onFrames: inProcess(func, 'no frame tap (a function cannot be sent to another machine)'),
    tapStream: nonNegativeInt('an output stream index'),
    tapBatch: intRange(1, 1000),
    hardware,
  },
  { name: 'TranscodeOptions' },
);

export const remuxOptions = objectOf<RemuxOptions>(
  {
    ...outputFields,
    streams: arrayOf("an array of stream indexes or specifiers ('v', 'a:0')", streamSpecifier),
    bitstreamFilters: recordOf('an object of output stream index -> bitstream filter', nonEmptyString('a bitstream filter'), /^\d+$/),
  },
  { name: 'RemuxOptions' },
);

export const thumbnailOptions = objectOf<ThumbnailOptions>(
  {
    ...jobFields,
    input: inputSettings,
    output: callOnly(nonEmptyString('a file name pattern'), "nothing here (a thumbnails job's pattern is job.output)"),
    times: arrayOf(`an array of 1 to ${MAX_THUMBNAILS} times in seconds >= 0`, nonNegative('a number of seconds >= 0'), {
      minItems: 1,
      maxItems: MAX_THUMBNAILS,
    }),
    every: positive('a number of seconds > 0'),
    count: intRange(1, MAX_THUMBNAILS),
    keyframes: boolean,
    width: pictureSide,
    height: pictureSide,
    format: literal("'jpeg', 'png' or 'webp'", 'jpeg', 'png', 'webp'),
    quality: number,
    stream: nonNegativeInt(),
    hardware,
  },
  { name: 'ThumbnailOptions' },
);

export const probeOptions = objectOf<ProbeOptions>(
  {
    ...sourceFields,
    name: nonEmptyString('a name for the input'),
    signal: abortSignal,
    format: nonEmptyString('a format name'),
    options: avOptions,
    strict: boolean,
  },
  { name: 'ProbeOptions' },
);

/** A stream output has no name to take its container from: its options must name a format. */
export function checkStreamOutputFormat(format: unknown): void {
  if (!is.nonEmptyString(format))
    throw invalidArgument('format', "a format name for a stream output (e.g. 'matroska', 'mpegts', 'mp4' with fragmented: true)", format);
}

/** The option schema of each job kind. */
export const OPTIONS = {
  transcode: transcodeOptions,
  remux: remuxOptions,
  thumbnails: thumbnailOptions,
  probe: probeOptions,
} as const;

/** The job kinds that have an option schema. */
export type JobKind = 'transcode' | 'remux' | 'thumbnails' | 'probe';

/** The options of a kind's options type. */
export interface OptionsOf {
  transcode: TranscodeOptions;
  remux: RemuxOptions;
  thumbnails: ThumbnailOptions;
  probe: ProbeOptions;
}

/** Checks the options of a direct call (transcode(), remux()...) before it opens anything. */
export function checkOptions<K extends JobKind>(kind: K, options: unknown): OptionsOf[K] {
  const o = optionsObject(options);
  OPTIONS[kind].check(o, '', DIRECT);
  return o as OptionsOf[K];
}
