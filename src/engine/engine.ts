// The Engine: runs avforge jobs with a bounded pool, a priority queue and budgets, in this
// process (the default) or across machines on BullMQ (backends/bullmq.ts) — one API for both.
import { EventEmitter } from 'node:events';
import os from 'node:os';

import { AvError, invalidArgument, optionsObject } from '../errors.js';
import type { CancelMode } from '../pipeline/types.js';
import type { Backend, BackendHost } from './backend.js';
import { LocalBackend, type LocalOptions } from './backends/local.js';
import type { IsolationSettings } from './isolation/pool.js';
import { Counters, type EngineCounters } from './counters.js';
import { JobRecord, type JobHandle, type JobState } from './handle.js';
import { type JobObserver, notify } from './observer.js';
import { engineMetrics, type MetricsOptions, type Registry } from './metrics.js';
import { jobTracer } from './tracing.js';
import { logEngine, type LogOptions } from './logging.js';
import { engineOptions, parseBytes } from '../options/engine.js';
import { checkJob, checkSubmitOptions } from '../options/jobs.js';
import { DIRECT } from '../options/rules.js';
import type { EngineJob, JobResult, SubmitOptions } from './job.js';

/** One job the engine holds (queued, delayed or running), as engine.jobs() lists it. */
export interface JobInfo {
  id: string;
  type: JobHandle['type'];
  state: JobState;
  priority: number;
  key: string;
  /** Attempts started so far. */
  attempt: number;
  /** The latest progress report (a pipeline's Progress), or null. */
  progress: unknown;
  /** Milliseconds in its current state: waiting (queued, delayed) or running its current attempt. */
  for: number;
}

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
  readonly #observers: JobObserver[] = [];

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
    this.#observers.push(jobTracer(this.#backend.portable));
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
    const record = new JobRecord(settings.id ?? globalThis.crypto.randomUUID(), checked, settings);
    record.onCancel((r, mode) => this.#backend.cancel(r, mode));
    this.#pending.add(record);
    this.#counters.submitted++;
    this.#counters.queued++; // a record starts 'queued'; the backend moves it on
    record.queuedAt = performance.now();
    notify(this.#observers, 'submitted', record);
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

  /** The jobs held now (queued, delayed, running), running first, then by priority. */
  jobs(): JobInfo[] {
    const now = performance.now();
    const order = { running: 0, queued: 1, delayed: 2 } as Record<JobState, number>;
    return [...this.#pending]
      .map((r) => ({
        id: r.id,
        type: r.handle.type,
        state: r.state,
        priority: r.settings.priority,
        key: r.settings.key,
        attempt: r.attempt,
        progress: r.progress,
        for: now - (r.state === 'running' ? r.startedAt : r.queuedAt),
      }))
      .sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3) || b.priority - a.priority);
  }

  /**
   * Prometheus metrics of this engine (prom-client, loaded on the first call): job counts and
   * durations, queue and budget gauges, frames, bytes, speed, native memory, event-loop delay.
   * Registered in `options.registry` (default: a new Registry), which is returned; calling it
   * again returns the same registry.
   *
   *   const registry = engine.metrics();
   *   http.createServer(async (_, res) => res.end(await registry.metrics())).listen(9464);
   */
  metrics(options?: MetricsOptions): Registry {
    const { registry, observer } = engineMetrics(this, options);
    if (observer && !this.#observers.includes(observer)) this.#observers.push(observer);
    return registry;
  }

  /**
   * Logs this engine's jobs (started, retried, completed with bytes, frames and speed, failed
   * with the error's code) and libav's log as structured lines, each with its `jobId`: JSON lines
   * on stdout in pino's format, or through `options.logger` (pino, or any object with
   * debug/info/warn/error(obj, msg)). libav's log is process-wide: the latest logTo() has it.
   * Returns the function that stops it (and gives libav's log back to stderr).
   */
  logTo(options?: LogOptions): () => void {
    return logEngine((o) => this.observe(o), options);
  }

  /** @internal Adds a watcher of every job transition (logs); returns the function that removes it. */
  observe(observer: JobObserver): () => void {
    this.#observers.push(observer);
    return () => {
      const i = this.#observers.indexOf(observer);
      if (i >= 0) this.#observers.splice(i, 1);
    };
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
    const observers = this.#observers;
    const ranMs = (r: JobRecord) => (r.state === 'running' ? performance.now() - r.startedAt : null);
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
        notify(observers, 'queued', r);
        tell(r, 'queued', []);
      },
      delayed: (r) => {
        if (move(r, 'delayed')) r.queuedAt = performance.now();
      },
      started: (r) => {
        if (r.settled) return;
        const now = performance.now();
        const waited = r.state === 'queued' ? now - r.queuedAt : null;
        if (waited !== null) c.waited(waited);
        move(r, 'running');
        r.attempt++;
        r.startedAt = now;
        notify(observers, 'started', r, waited);
        tell(r, 'started', [r.attempt], []);
      },
      progress: (r, p) => {
        if (r.settled) return;
        r.progress = p;
        notify(observers, 'progress', r, p);
        tell(r, 'progress', [p]);
      },
      retried: (r, error) => {
        if (r.settled) return;
        c.retried++;
        notify(observers, 'retried', r, error, ranMs(r));
        tell(r, 'retried', [error, r.attempt]);
      },
      completed: (r, result) => {
        const ran = ranMs(r);
        if (!move(r, 'completed')) return;
        notify(observers, 'settled', r, 'completed', result, ran);
        c.completed++;
        settle(r);
        r.resolve(result);
        tell(r, 'completed', [result]);
      },
      failed: (r, error) => {
        const ran = ranMs(r);
        if (!move(r, 'failed')) return;
        notify(observers, 'settled', r, 'failed', error, ran);
        c.failed++;
        settle(r);
        r.reject(error);
        tell(r, 'failed', [error]);
      },
      cancelled: (r, error) => {
        const ran = ranMs(r);
        if (!move(r, 'cancelled')) return;
        notify(observers, 'settled', r, 'cancelled', error, ran);
        c.cancelled++;
        settle(r);
        r.reject(error);
        tell(r, 'cancelled', [error]);
      },
    };
  }
}
