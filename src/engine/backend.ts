// What the Engine asks of where jobs run (in this process, or on BullMQ workers), and what a
// backend reports back. The engine owns handles, events, counters and drain; a backend owns
// queueing and running.
import type { CancelMode } from '../pipeline/types.js';
import type { EngineCounters } from './counters.js';
import type { JobRecord } from './handle.js';
import type { EngineJob, SubmitSettings } from './job.js';

/** Transitions a backend reports; the engine turns them into handle state, events and counters. */
export interface BackendHost {
  /** Entered (or re-entered) the queue. */
  queued(record: JobRecord): void;
  /** Waiting for a delay or a retry backoff. */
  delayed(record: JobRecord): void;
  started(record: JobRecord): void;
  progress(record: JobRecord, progress: unknown): void;
  /** An attempt failed (or its worker was lost) and the job will run again. */
  retried(record: JobRecord, error: Error): void;
  completed(record: JobRecord, result: unknown): void;
  failed(record: JobRecord, error: Error): void;
  cancelled(record: JobRecord, error: Error): void;
}

export interface Backend {
  /** True when jobs leave this process: they must then be plain data (paths, no functions or streams). */
  readonly portable: boolean;
  attach(host: BackendHost): void;
  /** Refuses submit options this backend cannot honour (throws a TypeError). */
  check?(settings: SubmitSettings): void;
  /** Refuses a checked job this backend cannot run (throws a TypeError): an isolated engine's streams. */
  checkJob?(job: EngineJob): void;
  /** Takes a checked job; reports its transitions to the host from now on. */
  submit(record: JobRecord): void;
  cancel(record: JobRecord, mode: CancelMode): void;
  resources(): Pick<EngineCounters, 'threads' | 'memory' | 'devices'>;
  /** Releases what the backend holds (connections); called once, after the engine has settled what it waits for. */
  close(): Promise<void>;
  /** Settles the jobs still pending without waiting for them (the engine closes without waiting). */
  detach?(reason: Error): void;
}
