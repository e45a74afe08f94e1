// The Engine: runs avforge jobs with a bounded pool, a priority queue and budgets, in this
// process (the default) or across machines on BullMQ (backends/bullmq.ts) — one API for both.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';

import { AvError, invalidArgument, optionsObject } from '../errors.js';
import type { CancelMode } from '../pipeline/types.js';
import type { Backend, BackendHost } from './backend.js';
import { LocalBackend, type LocalOptions } from './backends/local.js';
import type { IsolationSettings } from './isolation/pool.js';
import { Counters, type EngineCounters } from './counters.js';
import { JobRecord, type JobHandle, type JobState } from './handle.js';
import { engineOptions, parseBytes } from '../options/engine.js';
import { checkJob, checkSubmitOptions } from '../options/jobs.js';
import { DIRECT } from '../options/rules.js';
import type { EngineJob, JobResult, SubmitOptions } from './job.js';

export interface EngineOptions {
  /** Jobs running at once. Default: the number of CPUs (os.availableParallelism()). */
  concurrency?: number;
  /** Codec threads all running jobs may have together. Default: the number of CPUs (at least `concurrency`). */
  cpus?: number;
  /** Codec threads a job gets when it does not set its own `threads`. Default: cpus / concurrency (at least 1). */
  threadsPerJob?: number;
  /**
   * Memory running jobs may use together: bytes, or a string such as '512MB' or '2GiB'. A job
   * whose estimate does not fit waits in the queue. Estimates come from submit's `memory`, then
   * `estimateMemory`, then a default by type; when the process has grown by more than the
   * running jobs' estimates since it went busy, that measurement counts instead. Default: none.
   */
  memoryBudget?: number | string;
  /** Estimated peak bytes of a job (undefined: the default for its type). */
  estimateMemory?: (job: EngineJob) => number | undefined;
  /** Concurrent sessions per hardware device family (a device type, as `hardware` names it), e.g. { cuda: 3 }. */
  devices?: Record<string, number>;
  /** Milliseconds of waiting worth one priority level (starvation guard); false: none. Default 10000. */
  ageing?: number | false;
  /** Where jobs run. Default: this process. */
  backend?: Backend;
  /**
   * 'process': each job description runs in a pooled child process (as many as `concurrency`,
   * reused, replaced when one dies), under `memoryLimit` and `cpuLimit`: a libav crash, a
   * decompression bomb or a runaway allocation fails that job (JOB_CRASHED, JOB_MEMORY, JOB_CPU)
   * and the engine goes on. The description must then be data (paths, URLs, Uint8Arrays): one
   * with a stream, a callback or a frame tap is refused at submit. Function jobs are your code
   * and run in this process. Default 'none': everything runs in this process.
   */
  isolation?: 'none' | 'process';
  /**
   * With isolation 'process': the memory one job may take in its process (data segment: heap,
   * native buffers, thread stacks), on top of what the idle process holds (Node and the addon:
   * 50 to over 500 MB, with the Node build), bytes or a string like '2GiB'. A job whose `memory` estimate is larger gets that. Default: `memoryBudget` when
   * set, else half the machine's memory; false: none.
   */
  memoryLimit?: number | string | false;
  /** With isolation 'process': CPU seconds (all threads together, counted in whole seconds) one job may use. Default: none. */
  cpuLimit?: number;
}

/** The events of an engine: each with the job's handle first. */
export interface EngineEvents {
  queued: [job: JobHandle];
  started: [job: JobHandle];
  progress: [job: JobHandle, progress: unknown];
  retried: [job: JobHandle, error: Error, attempt: number];
  completed: [job: JobHandle, result: unknown];
  failed: [job: JobHandle, error: Error];
  cancelled: [job: JobHandle, error: Error];
}

export interface CloseOptions {
  /** Cancel what is queued and running this way, instead of letting it finish. */
  cancel?: CancelMode;
  /** Wait for the jobs to settle (default true). false: stop at once; pending handles reject with ERR_CLOSED (on BullMQ the jobs still run). */
  wait?: boolean;
}

export { parseBytes } from '../options/engine.js';

/**
 * The local backend's settings from the engine options (defaults from the core count);
 * `isolation` is the default where the options do not say (the BullMQ worker's is 'process').
 */
export function localOptions(o: EngineOptions, isolation: 'none' | 'process' = 'none'): LocalOptions {
  const cores = os.availableParallelism();
  const concurrency = o.concurrency ?? cores;
  const cpus = Math.max(o.cpus ?? cores, concurrency);
  const threadsPerJob = o.threadsPerJob ?? Math.max(1, Math.floor(cpus / concurrency));
  const memoryBudget = o.memoryBudget === undefined ? null : parseBytes(o.memoryBudget, 'memoryBudget');
  return {
    concurrency,
    threadBudget: Math.max(cpus, concurrency * threadsPerJob),
    threadsPerJob,
    cpus,
    memoryBudget,
    estimateMemory: o.estimateMemory,
    devices: o.devices ?? {},
    ageing: o.ageing === false ? 0 : (o.ageing ?? 10_000),
    isolation: isolationSettings(o, isolation, concurrency, memoryBudget),
  };
}

/** The pool's settings, or null when jobs run in this process; limits without isolation are refused. */
function isolationSettings(o: EngineOptions, fallback: 'none' | 'process', size: number, memoryBudget: number | null): IsolationSettings | null {
  if ((o.isolation ?? fallback) === 'none') {
    for (const k of ['memoryLimit', 'cpuLimit'] as const)
      if (o[k] !== undefined && o[k] !== false)
        throw invalidArgument(k, "no limit without isolation: 'process' (a job in this process cannot be limited)", o[k]);
    return null;
  }
  const m = o.memoryLimit;
  const memoryLimit = m === false ? null : m !== undefined ? parseBytes(m, 'memoryLimit') : (memoryBudget ?? Math.floor(os.totalmem() / 2));
  return { size, memoryLimit, cpuLimit: o.cpuLimit ?? null };
}

/** Checks the engine options. */
export function checkEngineOptions(options: unknown): EngineOptions {
  const o = optionsObject(options) as EngineOptions;
  engineOptions.check(o, '', DIRECT);
  return o;
}

/**
 * Runs avforge jobs: typed pipeline descriptions or functions, by priority, a bounded number at
 * a time, within a CPU-thread and memory budget.
 *
 *   const engine = new Engine({ concurrency: 4, memoryBudget: '2GB' });
 *   const job = engine.submit({ type: 'transcode', input: 'in.mp4', output: 'out.mkv', options: { video: { codec: 'libx264' } } }, { priority: 5 });
 *   job.on('progress', (p) => console.log(p));
 *   const result = await job.done;
 */
export class Engine extends EventEmitter<EngineEvents> {
  readonly #backend: Backend;
  readonly #counters = new Counters(performance.now());
  readonly #pending = new Set<JobRecord>();
  #idle: (() => void)[] = [];
  #closing: Promise<void> | null = null;
  readonly #hostApi: BackendHost;

  constructor(options?: EngineOptions) {
    super();
    const o = checkEngineOptions(options);
    if (o.backend && (o.isolation !== undefined || o.memoryLimit !== undefined || o.cpuLimit !== undefined))
      throw invalidArgument(
        'isolation',
        'nothing with a backend (jobs run on its workers: set isolation there, e.g. startWorker())',
        o.isolation ?? o.memoryLimit ?? o.cpuLimit,
      );
    this.#backend = o.backend ?? new LocalBackend(localOptions(o));
    this.#hostApi = this.#host();
    this.#backend.attach(this.#hostApi);
  }

  /**
   * Queues a job. Invalid jobs and options throw here (TypeError, or AvError ENCODER_NOT_FOUND);
   * after that every outcome arrives through the handle's `done` and events.
   */
  submit<J extends EngineJob>(job: J, options?: SubmitOptions): JobHandle<JobResult<J>> {
    if (this.#closing) throw new AvError('The engine is closed', { code: 'ERR_CLOSED', op: 'submit' });
    const checked = checkJob(job, { portable: this.#backend.portable });
    const settings = checkSubmitOptions(options);
    this.#backend.check?.(settings);
    this.#backend.checkJob?.(checked);
    const record = new JobRecord(settings.id ?? randomUUID(), checked, settings);
    record.onCancel((r, mode) => this.#backend.cancel(r, mode));
    this.#pending.add(record);
    this.#counters.submitted++;
    this.#counters.queued++; // a record starts 'queued'; the backend moves it on
    // Handed over in a microtask: listeners attached to the handle right after submit() see
    // every event, and a cancel() in the same tick means it never starts.
    queueMicrotask(() => {
      if (record.cancelMode) this.#hostApi.cancelled(record, record.abortError());
      else this.#backend.submit(record);
    });
    const signal = settings.signal;
    if (signal) {
      const onAbort = () => record.requestCancel(signal.reason === 'graceful' ? 'graceful' : settings.cancel);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        record.handle.done.then(
          () => signal.removeEventListener('abort', onAbort),
          () => signal.removeEventListener('abort', onAbort),
        );
      }
    }
    return record.handle as JobHandle<JobResult<J>>;
  }

  /** What the engine has done and is doing (cheap: call it as often as you like). */
  counters(): EngineCounters {
    return this.#counters.snapshot(performance.now(), this.#backend.resources());
  }

  /** Resolves when nothing is queued, delayed or running (submissions stay open). */
  drain(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops taking jobs and shuts down: by default lets every queued and running job finish;
   * with `cancel` cancels them that way first. Idempotent.
   */
  close(options?: CloseOptions): Promise<void> {
    const o = optionsObject(options) as CloseOptions;
    if (o.cancel !== undefined && o.cancel !== 'graceful' && o.cancel !== 'abort') throw invalidArgument('cancel', "'graceful' or 'abort'", o.cancel);
    if (this.#closing) return this.#closing;
    if (o.cancel) for (const r of [...this.#pending]) r.requestCancel(o.cancel);
    this.#closing = (async () => {
      if (o.wait === false) this.#backend.detach?.(new AvError('The engine was closed before the job finished', { code: 'ERR_CLOSED', op: 'close' }));
      else await this.drain();
      await this.#backend.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #host(): BackendHost {
    const c = this.#counters;
    const gauge = (s: JobState, d: number) => {
      if (s === 'queued') c.queued += d;
      else if (s === 'delayed') c.delayed += d;
      else if (s === 'running') c.running += d;
    };
    const move = (r: JobRecord, to: JobState): boolean => {
      if (r.settled) return false;
      if (r.state === 'running' && to !== 'running') c.ran(performance.now() - r.startedAt);
      gauge(r.state, -1);
      gauge(to, +1);
      r.state = to;
      return true;
    };
    // A listener that throws must not leave the engine half-way through a transition: its
    // error is rethrown on the next tick (an uncaughtException, as from any emitter).
    const tell = (r: JobRecord, event: keyof EngineEvents, handleArgs: unknown[], engineArgs = handleArgs) => {
      const emits: [EventEmitter, unknown[]][] = [
        [r.handle as EventEmitter, handleArgs],
        [this as EventEmitter, [r.handle, ...engineArgs]],
      ];
      for (const [target, args] of emits) {
        try {
          target.emit(event, ...args);
        } catch (e) {
          process.nextTick(() => {
            throw e;
          });
        }
      }
    };
    const settle = (r: JobRecord) => {
      c.finished(performance.now());
      this.#pending.delete(r);
      if (this.#pending.size === 0) {
        const waiting = this.#idle;
        this.#idle = [];
        for (const w of waiting) w();
      }
    };
    return {
      queued: (r) => {
        if (!move(r, 'queued')) return;
        r.queuedAt = performance.now();
        tell(r, 'queued', []);
      },
      delayed: (r) => {
        move(r, 'delayed');
      },
      started: (r) => {
        if (r.settled) return;
        const now = performance.now();
        if (r.state === 'queued') c.waited(now - r.queuedAt);
        move(r, 'running');
        r.attempt++;
        r.startedAt = now;
        tell(r, 'started', [r.attempt], []);
      },
      progress: (r, p) => {
        if (r.settled) return;
        r.progress = p;
        tell(r, 'progress', [p]);
      },
      retried: (r, error) => {
        if (r.settled) return;
        c.retried++;
        tell(r, 'retried', [error, r.attempt]);
      },
      completed: (r, result) => {
        if (!move(r, 'completed')) return;
        c.completed++;
        settle(r);
        r.resolve(result);
        tell(r, 'completed', [result]);
      },
      failed: (r, error) => {
        if (!move(r, 'failed')) return;
        c.failed++;
        settle(r);
        r.reject(error);
        tell(r, 'failed', [error]);
      },
      cancelled: (r, error) => {
        if (!move(r, 'cancelled')) return;
        c.cancelled++;
        settle(r);
        r.reject(error);
        tell(r, 'cancelled', [error]);
      },
    };
  }
}
