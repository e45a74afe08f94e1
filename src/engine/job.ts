// Jobs: the typed descriptions of a pipeline run (or a user function) and of how to submit one.
// Their checks are in options/jobs.ts, their costs in cost.ts, an attempt's run in attempt.ts.
import type { FFprobeJson } from '../core/ffprobe.js';
import type { OutputTarget } from '../io/sink.js';
import type { ProbeOptions } from '../options/pipeline.js';
import type { InputSource } from '../io/source.js';
import type { CancelMode, RemuxOptions, Thumbnail, ThumbnailOptions, TranscodeOptions, TranscodeResult } from '../pipeline/types.js';

/** Options the engine sets itself on each run: pass these to submit() or read them from the handle. */
export type EngineOwned = 'signal' | 'cancel' | 'onProgress';

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
  /** As probe()'s: `trusted: true` for an input you trust, a format, libav options. */
  options?: Omit<ProbeOptions, EngineOwned>;
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
export type JobResult<J> =
  J extends JobFunction<infer R>
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
  /** A hardware device family for the per-device session limit (default: the job's `hardware` type, or its encoder's device type, e.g. h264_nvenc -> 'cuda'). */
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
