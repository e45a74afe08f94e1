// One attempt of a job: the pipeline it describes, run with the engine's threads, signal and
// progress, or the user's function.
import { toFFprobeJson } from '../core/ffprobe.js';
import { probe } from '../core/probe.js';
import { remux, thumbnails, transcode } from '../pipeline/transcode.js';
import type { CancelMode, Progress } from '../pipeline/types.js';
import type { EngineJob, JobContext } from './job.js';

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
        return { result: probe(job.input, { ...job.options, signal: ctx.signal }).then(toFFprobeJson), cancel: none };
    }
  } catch (e) {
    return { result: Promise.reject(e), cancel: none };
  }
}
