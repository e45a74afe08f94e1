// Jobs: the typed descriptions of a pipeline run (or a user function), their validation at
// submit, what they cost the budgets, and how one attempt runs.
import { AvError, invalidArgument, is } from '../errors.js';
import { toFFprobeJson, type FFprobeJson } from '../core/ffprobe.js';
import { probe } from '../core/probe.js';
import type { OutputTarget } from '../io/sink.js';
import type { InputSource } from '../io/source.js';
import { addon } from '../native.js';
import { remux, thumbnails, transcode } from '../pipeline/transcode.js';
import type {
  AudioSettings,
  CancelMode,
  InputSettings,
  JobOptions,
  Progress,
  RemuxOptions,
  StreamMap,
  Thumbnail,
  ThumbnailOptions,
  TranscodeOptions,
  TranscodeResult,
  VideoSettings,
} from '../pipeline/types.js';
import type { Cost } from './budget.js';

/** Options the engine sets itself on each run: pass these to submit() or read them from the handle. */
type EngineOwned = 'signal' | 'cancel' | 'onProgress';

export interface TranscodeJob {
  type: 'transcode';
  input: InputSource;
  output: string | OutputTarget;
  options?: Omit<TranscodeOptions, EngineOwned>;
}

export interface RemuxJob {
  type: 'remux';
  input: InputSource;
  output: string | OutputTarget;
  options?: Omit<RemuxOptions, EngineOwned>;
}

export interface ThumbnailsJob {
  type: 'thumbnails';
  input: InputSource;
  /** A file name pattern ('thumbs/%03d.jpg'); without it the images come back as Buffers. */
  output?: string;
  options?: Omit<ThumbnailOptions, EngineOwned | 'output'>;
}

export interface ProbeJob {
  type: 'probe';
  input: string;
}

/** A pipeline run, described as data: the same description runs in-process or on a BullMQ worker. */
export type JobDescription = TranscodeJob | RemuxJob | ThumbnailsJob | ProbeJob;

/** What a function job sees. */
export interface JobContext {
  readonly id: string;
  /** 1 on the first attempt, 2 on the first retry... */
  readonly attempt: number;
  /** Aborted when the job is cancelled or times out; the reason is 'graceful' for a graceful cancel. */
  readonly signal: AbortSignal;
  /** Codec threads this job may use (its share of the CPU budget): pass them on as `threads`. */
  readonly threads: number;
  /** Reports progress to the handle's 'progress' listeners. */
  progress(value: unknown): void;
}

/** A job written as code over the object API (Demuxer, Decoder, ...): runs in-process only. */
export type JobFunction<T = unknown> = (context: JobContext) => T | Promise<T>;

export type EngineJob = JobDescription | JobFunction;

/** What a job's `done` resolves to. A probe job gives ffprobe's JSON (plain data, as it crosses machines). */
export type JobResult<J> = J extends JobFunction<infer R>
  ? Awaited<R>
  : J extends { type: 'transcode' | 'remux' }
    ? TranscodeResult
    : J extends { type: 'thumbnails' }
      ? Thumbnail[]
      : J extends { type: 'probe' }
        ? FFprobeJson
        : unknown;

export interface Backoff {
  type: 'fixed' | 'exponential';
  /** Milliseconds before the first retry (exponential: doubled on each further one). */
  delay: number;
}

export interface SubmitOptions {
  /** Higher runs first (an integer, default 0); FIFO within a priority. */
  priority?: number;
  /** A tenant or other key: jobs of different keys share the pool round-robin. */
  key?: string;
  /** Cancels the job (queued: it never starts; running: as `cancel`). */
  signal?: AbortSignal;
  /** What the signal does to a running job. Default 'abort'; a signal aborted with the reason 'graceful' is graceful. */
  cancel?: CancelMode;
  /** Milliseconds one attempt may run; then it is aborted and fails with code 'ETIMEDOUT'. */
  timeout?: number;
  /** Attempts after the first when one fails (not when it is cancelled or invalid). Default 0. */
  retries?: number;
  /** Wait before a retry: milliseconds (fixed), or a strategy. Default exponential from 1000 ms. */
  backoff?: number | Backoff;
  /** Milliseconds to wait before the job enters the queue. */
  delay?: number;
  /** The job's id (default: a random UUID). Across machines it deduplicates: an id already queued is not added twice. */
  id?: string;
  /** Estimated peak memory in bytes, for the memory budget (default: by job type, see `Engine`). */
  memory?: number;
  /** Codec threads for a function job (default: the engine's threadsPerJob). Typed jobs set `options.threads`. */
  threads?: number;
  /** A hardware device family for the per-device session limit (default: from the encoder name, e.g. h264_nvenc -> 'nvenc'). */
  device?: string;
}

/** Submit options checked and defaulted. */
export interface SubmitSettings {
  priority: number;
  key: string;
  signal: AbortSignal | undefined;
  cancel: CancelMode;
  timeout: number | undefined;
  retries: number;
  backoff: Backoff;
  delay: number;
  id: string | undefined;
  memory: number | undefined;
  threads: number | undefined;
  device: string | undefined;
}

export const JOB_TYPES = ['transcode', 'remux', 'thumbnails', 'probe'] as const;

/** Default memory estimates by job type (bytes), used when submit() does not say. */
export const MEMORY_ESTIMATES: Record<(typeof JOB_TYPES)[number] | 'function', number> = {
  transcode: 128 << 20,
  remux: 16 << 20,
  thumbnails: 48 << 20,
  probe: 8 << 20,
  function: 64 << 20,
};

const positiveInt = (v: unknown) => is.integer(v) && v > 0;
const nonNegativeInt = (v: unknown) => is.integer(v) && v >= 0;
const nonNegative = (v: unknown) => is.number(v) && v >= 0;
const positive = (v: unknown) => is.number(v) && v > 0;
const avOptionsTest = (v: unknown) => is.object(v);
const stringMap = (v: unknown) => is.object(v) && Object.values(v).every(is.string);

type Rule = readonly [expected: string, test: (v: unknown) => boolean];
/** A field checked by its own function (nested settings). */
const NESTED = 'nested';
/**
 * One rule per option of T. `satisfies Rules<T>` makes the compiler list every option: when a
 * pipeline gains one, this file does not compile until the engine knows how to check it
 * (the engine refuses options it does not know, to catch typos at submit).
 */
type AllRules<T> = { readonly [K in keyof T]-?: Rule | typeof NESTED };
type Rules<T> = AllRules<Omit<T, EngineOwned>>;

const hardwareRule: Rule = ["'none', 'auto', a device type or { type, device?, options? }", (v) => is.nonEmptyString(v) || (is.object(v) && is.nonEmptyString(v.type))];

const jobOptionRules = {
  progressInterval: ['a number of milliseconds > 0', positive],
  strict: ['a boolean', is.boolean],
} as const satisfies Rules<JobOptions>;
const encodeRules = {
  codec: ["an encoder name or 'copy'", is.nonEmptyString],
  bitRate: ["bits per second (a number, or a string like '2M')", (v) => positive(v) || is.nonEmptyString(v)],
  filter: ['a filter chain', is.string],
  threads: ['an integer >= 0', nonNegativeInt],
  options: ['an object of AVOptions', avOptionsTest],
  metadata: ['an object of strings', stringMap],
} as const satisfies Record<string, Rule>;
const videoRules = {
  ...encodeRules,
  crf: ['a number', is.number],
  preset: ['a preset name', is.nonEmptyString],
  width: ['an integer > 0', positiveInt],
  height: ['an integer > 0', positiveInt],
  fps: ['a number > 0', positive],
  pixelFormat: ['a pixel format name', is.nonEmptyString],
  gop: ['an integer > 0', positiveInt],
  maxFrames: ['an integer > 0', positiveInt],
} as const satisfies Rules<VideoSettings>;
const audioRules = {
  ...encodeRules,
  sampleRate: ['an integer > 0', positiveInt],
  channels: ['an integer > 0', positiveInt],
  channelLayout: ['a channel layout name', is.nonEmptyString],
  sampleFormat: ['a sample format name', is.nonEmptyString],
} as const satisfies Rules<AudioSettings>;
const mapRules = {
  ...videoRules,
  ...audioRules,
  input: ['an integer >= 0', nonNegativeInt],
  stream: ["a stream index or specifier ('v', 'a:0')", (v) => nonNegativeInt(v) || is.nonEmptyString(v)],
  label: ['a filterComplex output label', is.nonEmptyString],
} as const satisfies Rules<StreamMap>;
const inputRules = {
  format: ['a format name', is.nonEmptyString],
  options: ['an object of AVOptions', avOptionsTest],
  start: ['a number of seconds >= 0', nonNegative],
  highWater: ['a number of bytes > 0', positiveInt],
  timeout: ['a number of milliseconds > 0', positive],
  maxBytes: ['a number of bytes > 0', positiveInt],
} as const satisfies Rules<InputSettings>;
const outputRules = {
  format: ['a format name', is.nonEmptyString],
  formatOptions: ['an object of AVOptions', avOptionsTest],
  fastStart: ['a boolean', is.boolean],
  fragmented: ['a boolean', is.boolean],
  sink: ['an object of sink settings', is.object],
  start: ['a number of seconds >= 0', nonNegative],
  duration: ['a number of seconds > 0', positive],
  metadata: ['an object of strings', stringMap],
  copyMetadata: ['a boolean', is.boolean],
  chapters: ['a boolean', is.boolean],
  input: NESTED,
} as const;
const transcodeRules = {
  ...jobOptionRules,
  ...outputRules,
  video: NESTED,
  audio: NESTED,
  inputs: NESTED,
  map: NESTED,
  subtitles: ["'copy' or false", (v) => v === 'copy' || v === false],
  filterComplex: ['a filter graph description', is.nonEmptyString],
  threads: ['an integer >= 0', nonNegativeInt],
  onFrames: ['a function', (v) => typeof v === 'function'],
  tapStream: ['an integer >= 0', nonNegativeInt],
  tapBatch: ['an integer > 0', positiveInt],
  hardware: hardwareRule,
} as const satisfies Rules<TranscodeOptions>;
const remuxRules = {
  ...jobOptionRules,
  ...outputRules,
  streams: ["an array of stream indexes or specifiers ('v', 'a:0')", (v) => Array.isArray(v) && v.every((s) => nonNegativeInt(s) || is.nonEmptyString(s))],
  bitstreamFilters: ['an object of output stream index -> bitstream filter', (v) => is.object(v) && Object.entries(v).every(([k, f]) => /^\d+$/.test(k) && is.nonEmptyString(f))],
} as const satisfies Rules<RemuxOptions>;
const thumbnailRules = {
  ...jobOptionRules,
  input: NESTED,
  output: ["nothing here (a thumbnails job's pattern is job.output)", () => false],
  times: ['an array of seconds >= 0', (v) => Array.isArray(v) && v.length > 0 && v.every(nonNegative)],
  every: ['a number of seconds > 0', positive],
  count: ['an integer > 0', positiveInt],
  keyframes: ['a boolean', is.boolean],
  width: ['an integer > 0', positiveInt],
  height: ['an integer > 0', positiveInt],
  format: ["'jpeg', 'png' or 'webp'", (v) => v === 'jpeg' || v === 'png' || v === 'webp'],
  quality: ['a number', is.number],
  stream: ['an integer >= 0', nonNegativeInt],
  hardware: hardwareRule,
} as const satisfies Rules<ThumbnailOptions>;

type FieldRules = Record<string, Rule | typeof NESTED>;

function checkFields(value: Record<string, unknown>, rules: FieldRules, where: string, nested: Record<string, (v: unknown, name: string) => void> = {}): void {
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const name = `${where}.${k}`;
    const rule = rules[k];
    if (!rule && (k === 'signal' || k === 'cancel' || k === 'onProgress'))
      throw invalidArgument(name, `no ${k} in a job's options (the engine sets it: ${k === 'onProgress' ? "listen to the handle's 'progress' event" : `pass ${k} to submit()`})`, v);
    if (!rule) throw invalidArgument(name, `no such option (known: ${Object.keys(rules).join(', ')})`, v);
    if (rule === NESTED) nested[k]!(v, name);
    else if (!rule[1](v)) throw invalidArgument(name, rule[0], v);
  }
}

function checkObject(v: unknown, name: string, rules: FieldRules): Record<string, unknown> {
  if (!is.object(v)) throw invalidArgument(name, 'an object', v);
  checkFields(v, rules, name);
  return v;
}

/** Encoder suffixes -> the hardware device family they run on (FFmpeg's hwdevice type names). */
const HW_ENCODERS: Record<string, string> = { nvenc: 'cuda', vaapi: 'vaapi', qsv: 'qsv', videotoolbox: 'videotoolbox', amf: 'amf', v4l2m2m: 'v4l2m2m', mediacodec: 'mediacodec', vulkan: 'vulkan' };
/** Codec families the pipeline resolves to an encoder when `hardware` is set. */
const FAMILIES = ['h264', 'hevc', 'av1'];

/** The encoder names a job asks for (to check that they exist, and find a hardware device). */
function encoders(job: JobDescription): string[] {
  if (job.type !== 'transcode' || !job.options) return [];
  const o = job.options;
  const names: string[] = [];
  for (const s of [o.video, o.audio, ...(o.map ?? [])]) if (is.object(s) && is.nonEmptyString(s.codec) && s.codec !== 'copy') names.push(s.codec);
  return names;
}

/**
 * The hardware device family a job opens a session on: its `hardware` option's type, or its
 * encoder's ('h264_nvenc' -> 'cuda'). 'auto' is known only once the pipeline has chosen: null.
 */
function deviceOf(job: EngineJob): string | null {
  if (typeof job === 'function' || (job.type !== 'transcode' && job.type !== 'thumbnails')) return null;
  const hw = job.options?.hardware;
  if (typeof hw === 'string' && hw !== 'none' && hw !== 'auto') return hw;
  if (is.object(hw) && is.nonEmptyString(hw.type)) return hw.type;
  for (const name of encoders(job)) {
    const family = HW_ENCODERS[name.slice(name.lastIndexOf('_') + 1)];
    if (name.includes('_') && family) return family;
  }
  return null;
}

/** Where a job may run: `portable` jobs are sent to other machines (data only, no streams or functions). */
export interface CheckContext {
  portable: boolean;
}

/**
 * Checks a job at submit, so that a bad one is refused there (TypeError, or AvError
 * ENCODER_NOT_FOUND) rather than failing later in a worker.
 */
export function checkJob(job: unknown, at: CheckContext): EngineJob {
  if (typeof job === 'function') {
    if (at.portable) throw invalidArgument('job', 'a job description (a function cannot be sent to another machine)', job);
    return job as JobFunction;
  }
  if (!is.object(job)) throw invalidArgument('job', "a job description ({ type, input, output?, options? }) or a function", job);
  const type = job.type;
  if (!(JOB_TYPES as readonly unknown[]).includes(type)) throw invalidArgument('job.type', "'transcode', 'remux', 'thumbnails' or 'probe'", type);
  for (const k of Object.keys(job))
    if (!['type', 'input', 'output', 'options'].includes(k) || (type === 'probe' && (k === 'output' || k === 'options')))
      throw invalidArgument(`job.${k}`, `no such field in a ${String(type)} job (it has ${type === 'probe' ? 'type and input' : 'type, input, output and options'})`, job[k]);

  const input = job.input;
  if (at.portable || type === 'probe') {
    if (!is.nonEmptyString(input)) throw invalidArgument('job.input', at.portable ? 'a path or URL (a string: the job may run on another machine)' : 'a path or URL', input);
  } else if (input === undefined || input === null || input === '') {
    throw invalidArgument('job.input', 'a path or URL, a Uint8Array, a Readable or another input source', input);
  }

  const output = job.output;
  const options = job.options === undefined ? {} : job.options;
  if (!is.object(options)) throw invalidArgument('job.options', 'an object', options);
  if (type === 'transcode' || type === 'remux') {
    if (at.portable) {
      if (!is.nonEmptyString(output)) throw invalidArgument('job.output', 'a path or URL (a string: the job may run on another machine)', output);
    } else if (!is.nonEmptyString(output)) {
      if (output === undefined || output === null || output === '') throw invalidArgument('job.output', 'a path or URL, a Writable, a WritableStream or a chunk callback', output);
      if (!is.nonEmptyString(options.format)) throw invalidArgument('job.options.format', "a format name for a stream output (e.g. 'matroska', 'mpegts')", options.format);
    }
  } else if (type === 'thumbnails' && output !== undefined) {
    if (!is.nonEmptyString(output)) throw invalidArgument('job.output', "a file name pattern ('thumbs/%03d.jpg')", output);
  }

  const where = 'job.options';
  if (type === 'transcode') {
    const settings = (rules: FieldRules) => (v: unknown, name: string) => {
      if (v !== false && v !== 'copy') checkObject(v, name, rules);
    };
    checkFields(options, transcodeRules, where, {
      video: settings(videoRules),
      audio: settings(audioRules),
      input: (v, name) => checkObject(v, name, inputRules),
      inputs: (v, name) => {
        if (!Array.isArray(v)) throw invalidArgument(name, 'an array of inputs', v);
        v.forEach((i, n) => {
          const source = is.object(i) && 'source' in i ? i.source : i;
          if (at.portable ? !is.nonEmptyString(source) : source === undefined || source === null) throw invalidArgument(`${name}[${n}]`, at.portable ? 'a path or URL' : 'an input source', i);
          if (is.object(i) && 'source' in i) {
            const { source: _, ...rest } = i;
            checkFields(rest, inputRules, `${name}[${n}]`);
          }
        });
      },
      map: (v, name) => {
        if (!Array.isArray(v)) throw invalidArgument(name, 'an array of stream mappings', v);
        v.forEach((m, n) => checkObject(m, `${name}[${n}]`, mapRules));
      },
    });
    if (at.portable && options.onFrames !== undefined) throw invalidArgument(`${where}.onFrames`, 'no frame tap (a function cannot be sent to another machine)', options.onFrames);
  } else if (type === 'remux') {
    checkFields(options, remuxRules, where, { input: (v, name) => checkObject(v, name, inputRules) });
  } else if (type === 'thumbnails') {
    checkFields(options, thumbnailRules, where, { input: (v, name) => checkObject(v, name, inputRules) });
  }

  const description = job as unknown as JobDescription;
  if (!at.portable) {
    const hardware = type === 'transcode' && options.hardware !== undefined && options.hardware !== 'none';
    for (const name of encoders(description))
      if (!(hardware && FAMILIES.includes(name)) && !addon().hasCodec(name, true))
        throw new AvError(`No encoder named '${name}' in this FFmpeg (${addon().versions().ffmpeg})`, { code: 'ENCODER_NOT_FOUND', op: 'submit' });
  }
  return description;
}

const submitRules = {
  priority: ['an integer', is.integer],
  key: ['a string', is.string],
  signal: ['an AbortSignal', (v) => v instanceof AbortSignal],
  cancel: ["'graceful' or 'abort'", (v) => v === 'graceful' || v === 'abort'],
  timeout: ['a number of milliseconds > 0', positive],
  retries: ['an integer >= 0', nonNegativeInt],
  backoff: [
    "milliseconds >= 0, or { type: 'fixed' | 'exponential', delay }",
    (v) => nonNegative(v) || (is.object(v) && (v.type === 'fixed' || v.type === 'exponential') && nonNegative(v.delay)),
  ],
  delay: ['a number of milliseconds >= 0', nonNegative],
  id: ['a non-empty string', is.nonEmptyString],
  memory: ['a number of bytes >= 0', nonNegative],
  threads: ['an integer > 0', positiveInt],
  device: ['a device family name', is.nonEmptyString],
} as const satisfies AllRules<SubmitOptions>;

export function checkSubmitOptions(options: unknown): SubmitSettings {
  if (options !== undefined && !is.object(options)) throw invalidArgument('options', 'an object', options);
  const o = (options ?? {}) as SubmitOptions;
  checkFields(o as Record<string, unknown>, submitRules, 'options', {});
  const b = o.backoff;
  return {
    priority: o.priority ?? 0,
    key: o.key ?? '',
    signal: o.signal,
    cancel: o.cancel ?? 'abort',
    timeout: o.timeout,
    retries: o.retries ?? 0,
    backoff: b === undefined ? { type: 'exponential', delay: 1000 } : typeof b === 'number' ? { type: 'fixed', delay: b } : b,
    delay: o.delay ?? 0,
    id: o.id,
    memory: o.memory,
    threads: o.threads,
    device: o.device,
  };
}

/** Milliseconds before retry number `retry` (1 for the first). */
export function backoffDelay(b: Backoff, retry: number): number {
  return b.type === 'fixed' ? b.delay : b.delay * 2 ** (retry - 1);
}

/** 'transcode', 'remux', 'thumbnails', 'probe' or 'function'. */
export function jobType(job: EngineJob): (typeof JOB_TYPES)[number] | 'function' {
  return typeof job === 'function' ? 'function' : job.type;
}

/** The job's input, for messages (a path or URL, else null). */
export function jobInput(job: EngineJob): string | null {
  return typeof job !== 'function' && typeof job.input === 'string' ? job.input : null;
}

export interface CostDefaults {
  /** Codec threads a job gets when it does not set its own. */
  threadsPerJob: number;
  /** What threads: 0 ("as many as useful") is charged as. */
  cpus: number;
  estimateMemory?: (job: EngineJob) => number | undefined;
}

/**
 * What a job is charged. A transcode gets `threadsPerJob` codec threads unless it sets
 * `threads` itself (then it is charged that). Remux and probe run no codecs; thumbnails decode
 * a few frames with FFmpeg's own thread choice (the pipeline has no threads option): each is
 * charged one thread.
 */
export function costOf(job: EngineJob, s: SubmitSettings, d: CostDefaults): Cost {
  const type = jobType(job);
  let threads = 1;
  if (typeof job === 'function') {
    threads = s.threads ?? d.threadsPerJob;
  } else if (job.type === 'transcode') {
    const o = job.options ?? {};
    const asked = (t: number | undefined) => (t === 0 ? d.cpus : t);
    threads = asked(o.threads) ?? d.threadsPerJob;
    for (const st of [o.video, o.audio, ...(o.map ?? [])]) {
      const t = is.object(st) ? asked(st.threads as number | undefined) : undefined;
      if (t !== undefined) threads = Math.max(threads, t);
    }
  } else if (job.type === 'probe') {
    threads = 0;
  }
  const memory = s.memory ?? d.estimateMemory?.(job) ?? MEMORY_ESTIMATES[type];
  return { threads, memory, device: s.device ?? deviceOf(job) };
}

/** One attempt's surroundings. */
export interface RunContext {
  id: string;
  attempt: number;
  signal: AbortSignal;
  threads: number;
  onProgress: (p: Progress | unknown) => void;
}

/** A running attempt: its result, and the pipeline's own cancel (to turn a graceful stop into an abort). */
export interface Started {
  result: Promise<unknown>;
  cancel(mode: CancelMode): void;
}

/**
 * Starts one attempt of a job: the pipeline it describes with the engine's threads, signal and
 * progress, or the function. Never throws: a synchronous error is the attempt's rejection.
 */
export function runJob(job: EngineJob, ctx: RunContext): Started {
  const none = () => {};
  try {
    if (typeof job === 'function') {
      const context: JobContext = { id: ctx.id, attempt: ctx.attempt, signal: ctx.signal, threads: ctx.threads, progress: ctx.onProgress };
      return { result: Promise.resolve(job(context)), cancel: none };
    }
    const run = { signal: ctx.signal, onProgress: ctx.onProgress };
    switch (job.type) {
      case 'transcode': {
        const p = transcode(job.input, job.output, { ...job.options, threads: job.options?.threads ?? ctx.threads, ...run });
        return { result: p, cancel: (mode) => p.cancel(mode) };
      }
      case 'remux': {
        const p = remux(job.input, job.output, { ...job.options, ...run });
        return { result: p, cancel: (mode) => p.cancel(mode) };
      }
      case 'thumbnails': {
        const p = thumbnails(job.input, { ...job.options, ...(job.output === undefined ? {} : { output: job.output }), ...run });
        return { result: p, cancel: (mode) => p.cancel(mode) };
      }
      case 'probe':
        ctx.signal.throwIfAborted();
        return { result: probe(job.input).then(toFFprobeJson), cancel: none };
    }
  } catch (e) {
    return { result: Promise.reject(e), cancel: none };
  }
}
