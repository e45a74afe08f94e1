// What the engine tells its observers (metrics, traces, logs): each transition of a job, with
// the engine's record of it and the times the engine measured. An observer that throws is
// ignored: watching the engine must never change what it does.
import type { JobRecord } from './handle.js';

export type Outcome = 'completed' | 'failed' | 'cancelled';

export interface JobObserver {
  /** In submit(), synchronously: the caller's context (an active span) is still current. */
  submitted?(record: JobRecord): void;
  queued?(record: JobRecord): void;
  /** An attempt started; `waitedMs`: how long it sat in the queue (null when it came from a delay). */
  started?(record: JobRecord, waitedMs: number | null): void;
  progress?(record: JobRecord, progress: unknown): void;
  /** An attempt failed and the job will run again; `ranMs`: that attempt's run time (null if it never ran here). */
  retried?(record: JobRecord, error: Error, ranMs: number | null): void;
  /** The job settled; `value` is the result or the error; `ranMs`: the last attempt's run time (null if it never ran). */
  settled?(record: JobRecord, outcome: Outcome, value: unknown, ranMs: number | null): void;
}

/** Calls every observer's `event`, ignoring what they throw. */
export function notify<K extends keyof JobObserver>(observers: readonly JobObserver[], event: K, ...args: Parameters<NonNullable<JobObserver[K]>>): void {
  for (const o of observers) {
    const f = o[event] as ((...a: unknown[]) => void) | undefined;
    if (!f) continue;
    try {
      f.apply(o, args);
    } catch {
      // an observer's failure is its own
    }
  }
}
