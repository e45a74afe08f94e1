// A submitted job as its submitter sees it (JobHandle), and the engine's record of it.
import { EventEmitter } from 'node:events';

import { AvError, invalidArgument } from '../errors.js';
import type { CancelMode } from '../pipeline/types.js';
import { jobInput, jobType, type EngineJob, type SubmitSettings } from './job.js';

export type JobState = 'delayed' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** The events of one job (the engine emits the same ones with the handle first). */
export interface JobEvents<T = unknown> {
  queued: [];
  started: [attempt: number];
  progress: [progress: unknown];
  retried: [error: Error, attempt: number];
  completed: [result: T];
  failed: [error: Error];
  cancelled: [error: Error];
}

/**
 * A submitted job: `done` settles with its result (or its error), events tell its progress, and
 * cancel() stops it. `done` never raises an unhandled rejection by itself: a submitter that only
 * listens to events is not taken down by a failed job.
 */
export class JobHandle<T = unknown> extends EventEmitter<JobEvents<T>> {
  readonly id: string;
  /** 'transcode', 'remux', 'thumbnails', 'probe' or 'function'. */
  readonly type: ReturnType<typeof jobType>;
  readonly done: Promise<T>;
  readonly #record: JobRecord;

  /** @internal */
  constructor(record: JobRecord, done: Promise<T>) {
    super();
    this.#record = record;
    this.id = record.id;
    this.type = jobType(record.job);
    this.done = done;
    done.catch(() => {});
  }

  get state(): JobState {
    return this.#record.state;
  }

  /** Attempts started so far. */
  get attempt(): number {
    return this.#record.attempt;
  }

  /** The latest progress report (a pipeline's Progress), or null. */
  get progress(): unknown {
    return this.#record.progress;
  }

  /**
   * Stops the job. Queued: it never starts, and `done` rejects with an AbortError. Running:
   * 'abort' (default) stops it and removes its output (AbortError); 'graceful' ends its inputs
   * there and completes a valid, shorter output (the result says `stopped: true`). Once settled,
   * nothing.
   */
  cancel(mode: CancelMode = 'abort'): void {
    if (mode !== 'abort' && mode !== 'graceful') throw invalidArgument('mode', "'graceful' or 'abort'", mode);
    this.#record.requestCancel(mode);
  }
}

/** The engine's side of a job: its state, the settling of `done`, and the cancel route. */
export class JobRecord {
  state: JobState = 'queued';
  attempt = 0;
  progress: unknown = null;
  /** The strongest cancel asked for so far ('abort' wins over 'graceful'). */
  cancelMode: CancelMode | null = null;
  /** When it last entered the queue, and when its current attempt started (performance.now()). */
  queuedAt = 0;
  startedAt = 0;
  /** The job's trace context as W3C headers (traceparent, tracestate), when traces are on: what a BullMQ producer sends. */
  trace: Record<string, string> | undefined;
  readonly handle: JobHandle;
  #resolve!: (v: unknown) => void;
  #reject!: (e: unknown) => void;
  #onCancel: (record: JobRecord, mode: CancelMode) => void = () => {};

  constructor(
    readonly id: string,
    readonly job: EngineJob,
    readonly settings: SubmitSettings,
  ) {
    const done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.handle = new JobHandle(this, done);
  }

  get settled(): boolean {
    return this.state === 'completed' || this.state === 'failed' || this.state === 'cancelled';
  }

  /** Where cancel requests go (the engine, then the backend). */
  onCancel(route: (record: JobRecord, mode: CancelMode) => void): void {
    this.#onCancel = route;
  }

  requestCancel(mode: CancelMode): void {
    if (this.settled || this.cancelMode === 'abort' || this.cancelMode === mode) return;
    this.cancelMode = mode;
    this.#onCancel(this, mode);
  }

  resolve(value: unknown): void {
    this.#resolve(value);
  }

  reject(error: unknown): void {
    this.#reject(error);
  }

  /** The AbortError a cancelled job rejects with. */
  abortError(cause?: unknown): AvError {
    const e = new AvError('The job was cancelled', { code: 'ABORT_ERR', op: jobType(this.job), ...(jobInput(this.job) ? { url: jobInput(this.job)! } : {}) });
    e.name = 'AbortError';
    if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
    return e;
  }

  /** The error a timed-out attempt fails with. */
  timeoutError(ms: number): AvError {
    return new AvError(`The job ran past its timeout (${ms} ms) and was aborted`, {
      code: 'ETIMEDOUT',
      op: jobType(this.job),
      ...(jobInput(this.job) ? { url: jobInput(this.job)! } : {}),
    });
  }
}
