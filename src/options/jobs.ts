// Engine jobs as rules: a job description ({ type, input, output?, options? }), submit's options,
// and the data a BullMQ job carries. The job's options are checked with the pipelines' own
// schemas (pipeline.ts) and named as the direct call names them ('video.crf'), so a bad option
// reads the same from transcode(), Engine.submit and a worker.
import { AvError, invalidArgument, is } from '../errors.js';
import { addon } from '../native.js';
import type {
  Backoff,
  EngineJob,
  JobDescription,
  JobFunction,
  ProbeJob,
  RemuxJob,
  SubmitOptions,
  SubmitSettings,
  ThumbnailsJob,
  TranscodeJob,
} from '../engine/job.js';
import { JOB_TYPES } from '../engine/job.js';
import { abortSignal, checkStreamOutputFormat, inputSource, OPTIONS, type JobKind } from './pipeline.js';
import {
  integer,
  literal,
  nonEmptyString,
  nonNegative,
  nonNegativeInt,
  objectOf,
  positive,
  recordOf,
  threadCount,
  string,
  union,
  type Context,
  type Fields,
  type Rule,
} from './rules.js';

/** What travels in a BullMQ job's data (the queue's wire format, version 1). */
export interface WireJob {
  v: 1;
  job: JobDescription;
  priority: number;
  key: string;
  timeout?: number;
  memory?: number;
  device?: string;
  /** The producer's trace context for the job (W3C headers: traceparent, tracestate), when it traces. */
  trace?: Record<string, string>;
}

/** The options object of a job, checked with paths from its root ('video.crf', not 'job.options.video.crf'). */
function rooted(rule: Rule): Rule {
  return {
    ...rule,
    expected: 'an object',
    json: (defs) => ({ description: "the job's options", ...rule.json(defs) }),
    check(v, path, ctx) {
      if (!is.object(v)) throw invalidArgument(path, 'an object', v);
      rule.check(v, '', ctx);
    },
  };
}

/** Where an encoded output goes: a path anywhere; in this process also a stream or a callback. */
const output: Rule = {
  expected: 'a path or URL, a Writable, a WritableStream or a chunk callback',
  matches: (v) => v !== undefined && v !== null && v !== '',
  check(v, path, ctx) {
    if (ctx.portable && !is.nonEmptyString(v)) throw invalidArgument(path, 'a path or URL (a string: the job may run on another machine)', v);
    if (v === undefined || v === null || v === '') throw invalidArgument(path, this.expected, v);
  },
  json: () => ({ type: 'string', minLength: 1, description: 'a path or URL' }),
};

/** A probe's input: a path or URL (probe() opens it by name). */
const probeInput: Rule = {
  expected: 'a path or URL',
  matches: is.nonEmptyString,
  check(v, path, ctx) {
    if (!is.nonEmptyString(v)) throw invalidArgument(path, ctx.portable ? 'a path or URL (a string: the job may run on another machine)' : this.expected, v);
  },
  json: () => ({ type: 'string', minLength: 1, description: 'a path or URL' }),
};

const jobRules = {
  transcode: objectOf<TranscodeJob>(
    { type: literal("'transcode'", 'transcode'), input: inputSource, output, options: rooted(OPTIONS.transcode) },
    { noun: 'field', required: ['type', 'input', 'output'] },
  ),
  remux: objectOf<RemuxJob>(
    { type: literal("'remux'", 'remux'), input: inputSource, output, options: rooted(OPTIONS.remux) },
    { noun: 'field', required: ['type', 'input', 'output'] },
  ),
  thumbnails: objectOf<ThumbnailsJob>(
    {
      type: literal("'thumbnails'", 'thumbnails'),
      input: inputSource,
      output: nonEmptyString("a file name pattern ('thumbs/%03d.jpg')"),
      options: rooted(OPTIONS.thumbnails),
    },
    { noun: 'field', required: ['type', 'input'] },
  ),
  probe: objectOf<ProbeJob>(
    { type: literal("'probe'", 'probe'), input: probeInput, options: rooted(OPTIONS.probe) },
    { noun: 'field', required: ['type', 'input'] },
  ),
} as const satisfies Record<JobKind, Rule>;

/** Codec families the pipeline resolves to an encoder when `hardware` is set. */
const FAMILIES = ['h264', 'hevc', 'av1'];

/** The encoder names a job asks for (to check that they exist, and find a hardware device). */
export function encodersOf(job: JobDescription): string[] {
  if (job.type !== 'transcode' || !job.options) return [];
  const o = job.options;
  const names: string[] = [];
  for (const s of [o.video, o.audio, ...(o.map ?? [])]) if (is.object(s) && is.nonEmptyString(s.codec) && s.codec !== 'copy') names.push(s.codec);
  return names;
}

/** A job description's fields and options ('job' names it in messages). */
function checkDescription(job: Record<string, unknown>, ctx: Context): JobDescription {
  const type = job.type;
  if (!(JOB_TYPES as readonly unknown[]).includes(type)) throw invalidArgument('job.type', "'transcode', 'remux', 'thumbnails' or 'probe'", type);
  jobRules[type as JobKind].check(job, 'job', ctx);
  return job as unknown as JobDescription;
}

/** The job of a BullMQ job: a portable description (engine-owned options refused). */
const wireDescription: Rule = {
  expected: 'a job description ({ type, input, output?, options? })',
  matches: is.object,
  check(v, path, ctx) {
    if (!is.object(v)) throw invalidArgument(path, this.expected, v);
    checkDescription(v, ctx);
  },
  json: (defs) => ({ anyOf: JOB_TYPES.map((k) => jobRules[k].json(defs)) }),
};

const wireFields: Fields<WireJob> = {
  v: literal('1 (the wire format version)', 1),
  job: wireDescription,
  priority: integer,
  key: string,
  timeout: positive('a number of milliseconds > 0'),
  memory: nonNegative('a number of bytes >= 0'),
  device: nonEmptyString('a device family name'),
  trace: recordOf('W3C trace context headers (traceparent, tracestate)', string),
};
const wireJob = objectOf<WireJob>(wireFields, { noun: 'field', required: ['v', 'job', 'priority', 'key'] });

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
  if (!is.object(job)) throw invalidArgument('job', 'a job description ({ type, input, output?, options? }) or a function', job);
  const description = checkDescription(job, { engine: true, portable: at.portable });
  if (!at.portable) {
    const options = (job.options ?? {}) as Record<string, unknown>;
    if ((description.type === 'transcode' || description.type === 'remux') && !is.string(description.output)) checkStreamOutputFormat(options.format);
    const hardware = description.type === 'transcode' && options.hardware !== undefined && options.hardware !== 'none';
    for (const name of encodersOf(description))
      if (!(hardware && FAMILIES.includes(name)) && !addon().hasCodec(name, true))
        throw new AvError(`No encoder named '${name}' in this FFmpeg (${addon().versions().ffmpeg})`, { code: 'ENCODER_NOT_FOUND', op: 'submit' });
  }
  return description;
}

/**
 * The worker's check of a BullMQ job's data, before it runs: the same rules as a producer's
 * submit (a producer in another language may have written it; jsonSchema() describes it).
 */
export function checkWireJob(data: unknown, id: string): WireJob {
  if (!is.object(data) || data.v !== 1)
    throw new TypeError(`Expected an avforge job (v: 1) for the data of BullMQ job ${id} but received ${JSON.stringify(data)?.slice(0, 80)}`);
  wireJob.check(data, '', { engine: true, portable: true });
  return data as unknown as WireJob;
}

const backoff = union(
  "milliseconds >= 0, or { type: 'fixed' | 'exponential', delay }",
  nonNegative('milliseconds >= 0'),
  objectOf<Backoff>(
    { type: literal("'fixed' or 'exponential'", 'fixed', 'exponential'), delay: nonNegative('milliseconds >= 0') },
    { required: ['type', 'delay'] },
  ),
);

export const submitOptions = objectOf<SubmitOptions>({
  priority: integer,
  key: string,
  signal: abortSignal,
  cancel: literal("'graceful' or 'abort'", 'graceful', 'abort'),
  timeout: positive('a number of milliseconds > 0'),
  retries: nonNegativeInt(),
  backoff,
  delay: nonNegative('a number of milliseconds >= 0'),
  id: nonEmptyString('a non-empty string'),
  memory: nonNegative('a number of bytes >= 0'),
  threads: threadCount(1),
  device: nonEmptyString('a device family name'),
});

export function checkSubmitOptions(options: unknown): SubmitSettings {
  if (options !== undefined && !is.object(options)) throw invalidArgument('options', 'an object', options);
  const o = (options ?? {}) as SubmitOptions;
  submitOptions.check(o, 'options', { engine: false, portable: false });
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

/** The rule of a BullMQ job's data for one kind (for the JSON Schema). */
export function wireRule(kind: JobKind): Rule {
  return objectOf<WireJob>({ ...wireFields, job: jobRules[kind] }, { noun: 'field', required: ['v', 'job', 'priority', 'key'] });
}
