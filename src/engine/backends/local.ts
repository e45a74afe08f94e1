// The in-process backend: a wait queue, a bounded pool of running jobs, and the budgets.
// Everything here is event-driven: a job is started when one is submitted or one ends (or a
// delay timer fires), never by polling.
import { AvError } from '../../errors.js';
import type { CancelMode } from '../../pipeline/types.js';
import type { Backend, BackendHost } from '../backend.js';
import { Budget, type Cost } from '../budget.js';
import type { JobRecord } from '../handle.js';
import { runJob, type Started } from '../attempt.js';
import { costOf, type CostDefaults } from '../cost.js';
import { backoffDelay, type EngineJob } from '../job.js';
import { JobQueue, type Queued } from '../queue.js';
import { checkIsolatable } from '../isolation/isolatable.js';
import { ProcessPool, type IsolationSettings } from '../isolation/pool.js';

export interface LocalOptions extends CostDefaults {
  concurrency: number;
  /** Codec threads all running jobs may have together. */
  threadBudget: number;
  memoryBudget: number | null;
  devices: Record<string, number>;
  /** Milliseconds of waiting worth one priority level; 0: no ageing. */
  ageing: number;
  /** Job descriptions run in a pool of child processes with these settings; null: in this process. */
  isolation: IsolationSettings | null;
}

interface Entry extends Queued {
  readonly record: JobRecord;
  readonly cost: Cost;
  /** A delay or backoff timer while the job waits outside the queue. */
  timer?: NodeJS.Timeout;
  parked?: boolean;
  /** The running attempt. */
  run?: Started;
  controller?: AbortController;
  deadline?: NodeJS.Timeout;
  timedOut?: boolean;
}

export class LocalBackend implements Backend {
  readonly portable = false;
  readonly #o: LocalOptions;
  readonly #queue: JobQueue<Entry>;
  readonly #budget: Budget;
  readonly #entries = new Map<JobRecord, Entry>();
  readonly #running = new Set<Entry>();
  /** Jobs set aside while their device has no free session, by device. */
  readonly #parked = new Map<string, Entry[]>();
  #host!: BackendHost;
  #scheduled = false;
  /** The job processes, with isolation 'process'. */
  readonly #pool: ProcessPool | null;

  constructor(options: LocalOptions) {
    this.#o = options;
    this.#queue = new JobQueue<Entry>({ ageing: options.ageing });
    this.#budget = new Budget({ threads: options.threadBudget, memory: options.memoryBudget, devices: options.devices });
    this.#pool = options.isolation ? new ProcessPool(options.isolation) : null;
  }

  /** The job processes' pids (isolation 'process'; empty otherwise). */
  processIds(): number[] {
    return this.#pool?.pids() ?? [];
  }

  checkJob(job: EngineJob): void {
    if (this.#pool && typeof job !== 'function') checkIsolatable(job);
  }

  attach(host: BackendHost): void {
    this.#host = host;
  }

  submit(record: JobRecord): void {
    const entry: Entry = {
      record,
      cost: costOf(record.job, record.settings, this.#o),
      priority: record.settings.priority,
      key: record.settings.key,
      enqueuedAt: 0,
      seq: 0,
      heapIndex: -1,
    };
    this.#entries.set(record, entry);
    if (record.settings.delay > 0) this.#later(entry, record.settings.delay);
    else this.#enqueue(entry);
  }

  cancel(record: JobRecord, mode: CancelMode): void {
    const entry = this.#entries.get(record);
    if (!entry) return;
    if (entry.run) {
      // The attempt settles by itself (AbortError, or a shorter output for 'graceful').
      if (!entry.controller!.signal.aborted) entry.controller!.abort(mode === 'graceful' ? 'graceful' : record.abortError());
      entry.run.cancel(mode);
      return;
    }
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.parked) {
      const list = this.#parked.get(entry.cost.device!)!;
      list.splice(list.indexOf(entry), 1);
    } else {
      this.#queue.remove(entry);
    }
    this.#entries.delete(record);
    this.#host.cancelled(record, record.abortError());
  }

  resources() {
    return this.#budget.snapshot();
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }

  #later(entry: Entry, ms: number): void {
    this.#host.delayed(entry.record);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.#enqueue(entry);
    }, ms);
  }

  #enqueue(entry: Entry): void {
    this.#queue.push(entry, performance.now());
    this.#host.queued(entry.record);
    this.#schedule();
  }

  /**
   * Starts queued jobs soon: in a microtask, so that jobs submitted together in one tick are
   * all queued (and ordered by priority) before the first one takes a slot.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Starts queued jobs while a slot and the budgets allow. */
  #pump(): void {
    while (this.#running.size < this.#o.concurrency) {
      const next = this.#queue.peek(performance.now());
      if (!next) return;
      const admission = this.#budget.admit(next.cost);
      if (admission === 'wait') return; // head of line: a big job is not overtaken forever by small ones
      this.#queue.remove(next, true);
      if (admission === 'park') {
        next.parked = true;
        const list = this.#parked.get(next.cost.device!) ?? [];
        list.push(next);
        this.#parked.set(next.cost.device!, list);
        continue;
      }
      this.#start(next);
    }
  }

  #start(entry: Entry): void {
    const record = entry.record;
    this.#budget.acquire(entry.cost);
    this.#running.add(entry);
    entry.controller = new AbortController();
    entry.timedOut = false;
    this.#host.started(record);
    const threads = Math.max(1, entry.cost.threads);
    const timeout = record.settings.timeout;
    if (timeout !== undefined)
      entry.deadline = setTimeout(() => {
        entry.timedOut = true;
        entry.controller!.abort(record.timeoutError(timeout));
        entry.run?.cancel('abort');
      }, timeout);
    const ctx = {
      id: record.id,
      attempt: record.attempt,
      signal: entry.controller.signal,
      threads,
      onProgress: (p: unknown) => this.#host.progress(record, p),
    };
    // function jobs are the user's code: they run here, isolated or not
    entry.run = this.#pool && typeof record.job !== 'function' ? this.#pool.run(record.job, ctx, entry.cost.memory) : runJob(record.job, ctx);
    entry.run.result.then(
      (value) => this.#end(entry, true, value),
      (error: unknown) => this.#end(entry, false, error),
    );
  }

  #end(entry: Entry, ok: boolean, value: unknown): void {
    const record = entry.record;
    this.#budget.release(entry.cost);
    this.#running.delete(entry);
    clearTimeout(entry.deadline);
    entry.run = undefined;
    entry.controller = undefined;
    if (entry.cost.device !== null) this.#unpark(entry.cost.device);
    if (ok) {
      this.#entries.delete(record);
      this.#host.completed(record, value);
    } else if (entry.timedOut) {
      this.#failOrRetry(entry, record.timeoutError(record.settings.timeout!));
    } else if (record.cancelMode !== null) {
      this.#entries.delete(record);
      this.#host.cancelled(record, record.abortError(value));
    } else {
      this.#failOrRetry(entry, value instanceof Error ? value : new Error(String(value)));
    }
    this.#schedule();
  }

  /** Invalid arguments fail at once; other failures are tried again while retries last. */
  #failOrRetry(entry: Entry, error: Error): void {
    const record = entry.record;
    const final = error instanceof TypeError || (error instanceof AvError && error.code === 'ERR_CLOSED');
    if (!final && record.attempt <= record.settings.retries) {
      this.#host.retried(record, error);
      this.#later(entry, backoffDelay(record.settings.backoff, record.attempt));
    } else {
      this.#entries.delete(record);
      this.#host.failed(record, error);
    }
  }

  #unpark(device: string): void {
    const list = this.#parked.get(device);
    if (!list) return;
    this.#parked.delete(device);
    for (const e of list) {
      e.parked = false;
      this.#queue.push(e, performance.now(), true);
    }
    this.#schedule();
  }
}
