// The producer side of the BullMQ backend: an Engine with it puts each job in a BullMQ queue
// (priority, attempts with backoff, delay, jobId) and follows it through the queue's event
// stream. Cancellation: a queued job is removed from the queue; a running one is announced on
// the event stream (a custom 'avforge:cancel' event) and marked in a key, which the worker
// running it sees.
import type { ConnectionOptions, Queue, QueueEvents } from 'bullmq';

import { AvError, invalidArgument, optionsObject } from '../../../errors.js';
import { bullmqOptions } from '../../../options/engine.js';
import type { WireJob } from '../../../options/jobs.js';
import { DIRECT } from '../../../options/rules.js';
import type { CancelMode } from '../../../pipeline/types.js';
import type { Backend, BackendHost } from '../../backend.js';
import type { JobRecord } from '../../handle.js';
import type { JobDescription, SubmitSettings } from '../../job.js';
import {
  bullmq,
  CANCEL_EVENT,
  checkRedisSettings,
  errorFromWire,
  fromWire,
  isCancel,
  LOG_PREFIX,
  PRIORITY_LIMIT,
  PRIORITY_ZERO,
  type BullMQ,
  type RedisSettings,
  type WireError,
} from './wire.js';

export interface BullMQOptions extends RedisSettings {
  /** Finished jobs kept in Redis (for inspection), by count. Default 1000 completed, 5000 failed. */
  keepCompleted?: number;
  keepFailed?: number;
}

/** One job of a queue, as overview() lists it. */
export interface QueueJob {
  id: string;
  type: string;
  state: 'running' | 'queued' | 'delayed';
  priority: number;
  /** The worker running it (its name: host:pid), or null. */
  worker: string | null;
  /** The latest progress its worker reported (a pipeline's Progress), or null. */
  progress: unknown;
  /** Milliseconds running (since its worker took it) or waiting (since it was added). */
  for: number;
}

/** What a queue holds and who serves it, read from Redis (what `avforge top --redis` shows). */
export interface QueueOverview {
  queue: string;
  counts: { queued: number; delayed: number; running: number; completed: number; failed: number };
  /** Jobs finished per minute over the last minute (counted among the latest 200 completed and 200 failed kept in Redis). */
  throughput: number;
  /** The workers connected to the queue, with the jobs each runs now. */
  workers: { name: string; running: number }[];
  /** Running jobs first, then queued by priority, then delayed: at most `limit`. */
  jobs: QueueJob[];
}

interface Connected {
  bull: BullMQ;
  queue: Queue;
  events: QueueEvents;
}

/** Per job: the handlers of its events run one after another (some read Redis first). */
interface Tracked {
  record: JobRecord;
  chain: Promise<void>;
  added: Promise<void>;
  stalls: number;
  attemptsMade: number;
}

/**
 * The producer side: jobs submitted to an Engine with this backend go to a BullMQ queue, and run
 * on the workers that serve it (`avforge worker --redis ...`, or startWorker()).
 *
 *   const engine = new Engine({ backend: new BullMQBackend({ redis: 'redis://queue.internal:6379' }) });
 */
export class BullMQBackend implements Backend {
  readonly portable = true;
  readonly #settings: ReturnType<typeof checkRedisSettings>;
  readonly #keep: { completed: number; failed: number };
  readonly #tracked = new Map<string, Tracked>();
  #host!: BackendHost;
  #connected: Promise<Connected> | undefined;
  readonly #adding = new Set<Promise<void>>();
  /** Settles when every job submitted so far is in Redis; rejects with the first that could not be added. */
  #lastAdd: Promise<void> = Promise.resolve();

  constructor(options: BullMQOptions) {
    const o = optionsObject(options, 'options') as unknown as BullMQOptions;
    bullmqOptions.check(o, '', DIRECT);
    this.#settings = checkRedisSettings(o);
    this.#keep = { completed: o.keepCompleted ?? 1000, failed: o.keepFailed ?? 5000 };
  }

  attach(host: BackendHost): void {
    this.#host = host;
  }

  /** Connects (once): the queue, and its event stream read from now on. */
  ready(): Promise<Connected> {
    this.#connected ??= (async () => {
      const bull = await bullmq();
      const { connection, queue: name, prefix } = this.#settings;
      const queue = new bull.Queue(name, { connection: connection as ConnectionOptions, prefix });
      queue.on('error', () => {}); // ioredis reconnects; failures surface on the calls
      const client = await queue.client;
      // Read events from a mark written now: none of this producer's jobs can have events before it.
      const mark = await client.xadd(`${prefix}:${name}:events`, '*', { event: 'avforge:mark' });
      const events = new bull.QueueEvents(name, { connection: connection as ConnectionOptions, prefix, lastEventId: mark });
      events.on('error', () => {});
      this.#listen(events);
      await events.waitUntilReady();
      return { bull, queue, events };
    })();
    return this.#connected;
  }

  /** BullMQ's limits on ids and priorities, checked at submit. */
  check(s: SubmitSettings): void {
    if (s.priority > PRIORITY_ZERO - 1 || s.priority < PRIORITY_ZERO - PRIORITY_LIMIT)
      throw invalidArgument('options.priority', `an integer from ${PRIORITY_ZERO - PRIORITY_LIMIT} to ${PRIORITY_ZERO - 1} (BullMQ's range)`, s.priority);
    if (s.id !== undefined && (/^\d+$/.test(s.id) || s.id.includes(':')))
      throw invalidArgument('options.id', 'an id that is not a number and has no ":" (BullMQ job ids)', s.id);
    if (s.threads !== undefined) throw invalidArgument('options.threads', "nothing for a BullMQ job (set the job's options.threads)", s.threads);
  }

  submit(record: JobRecord): void {
    const s = record.settings;
    const data: WireJob = {
      v: 1,
      job: record.job as JobDescription,
      priority: s.priority,
      key: s.key,
      timeout: s.timeout,
      memory: s.memory,
      device: s.device,
      ...(record.trace ? { trace: record.trace } : {}),
    };
    const tracked: Tracked = { record, chain: Promise.resolve(), added: Promise.resolve(), stalls: 0, attemptsMade: 0 };
    this.#tracked.set(record.id, tracked);
    if (s.delay > 0) this.#host.delayed(record);
    const add = (async () => {
      const { queue } = await this.ready();
      await queue.add((record.job as JobDescription).type, data, {
        jobId: record.id,
        priority: PRIORITY_ZERO - s.priority,
        attempts: s.retries + 1,
        backoff: { type: s.backoff.type, delay: s.backoff.delay },
        delay: s.delay > 0 ? s.delay : undefined,
        removeOnComplete: { count: this.#keep.completed },
        removeOnFail: { count: this.#keep.failed },
      });
      if (s.id !== undefined) await this.#adopt(record.id);
    })();
    tracked.added = add.catch(() => {});
    this.#adding.add(tracked.added);
    void tracked.added.finally(() => this.#adding.delete(tracked.added));
    this.#lastAdd = Promise.all([this.#lastAdd, add]).then(() => {});
    add.then(
      () => {
        if (record.state === 'queued' && record.attempt === 0) this.#host.queued(record);
      },
      (e: unknown) => this.#settle(record.id, () => this.#host.failed(record, e instanceof Error ? e : new Error(String(e)))),
    );
  }

  cancel(record: JobRecord, mode: CancelMode): void {
    const t = this.#tracked.get(record.id);
    if (!t) return;
    void (async () => {
      await t.added;
      const { queue } = await this.ready();
      const client = await queue.client;
      const { prefix, queue: name } = this.#settings;
      // The mark first: a worker that takes the job from now on sees it and does not run it.
      await client.set(`${prefix}:${name}:avforge-cancel:${record.id}`, mode, { PX: 86_400_000 });
      if ((await queue.remove(record.id)) === 1) {
        this.#settle(record.id, () => this.#host.cancelled(record, record.abortError()));
        return;
      }
      // Locked: a worker runs it. Tell the workers; the one running it stops it.
      await client.xadd(`${prefix}:${name}:events`, '*', { event: CANCEL_EVENT, jobId: record.id, mode });
    })().catch(() => {});
  }

  /** The queue as it is now: counts, workers, and the running and waiting jobs (at most `limit`, default 50). */
  async overview(limit = 50): Promise<QueueOverview> {
    const { queue } = await this.ready();
    const now = Date.now();
    const [counts, running, waiting, delayed, workers, completed, failed] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'paused', 'active', 'delayed', 'completed', 'failed'),
      queue.getJobs(['active'], 0, limit - 1, true),
      queue.getJobs(['prioritized', 'waiting'], 0, limit - 1, true),
      queue.getJobs(['delayed'], 0, limit - 1, true),
      queue.getWorkers(),
      queue.getJobs(['completed'], 0, 199),
      queue.getJobs(['failed'], 0, 199),
    ]);
    const finished = [...completed, ...failed].filter((j) => j?.finishedOn !== undefined && now - j.finishedOn <= 60_000).length;
    const row = (j: (typeof running)[number], state: QueueJob['state']): QueueJob => {
      const data = j.data as Partial<WireJob> | undefined;
      return {
        id: j.id ?? '?',
        type: j.name,
        state,
        priority: typeof data?.priority === 'number' ? data.priority : 0,
        worker: state === 'running' ? (j.processedBy ?? null) : null,
        progress: typeof j.progress === 'object' ? j.progress : null,
        for: now - (state === 'running' ? (j.processedOn ?? j.timestamp) : j.timestamp),
      };
    };
    const byPriority = (a: QueueJob, b: QueueJob) => b.priority - a.priority;
    const jobs = [
      ...running.filter(Boolean).map((j) => row(j, 'running')),
      ...waiting
        .filter(Boolean)
        .map((j) => row(j, 'queued'))
        .sort(byPriority),
      ...delayed.filter(Boolean).map((j) => row(j, 'delayed')),
    ].slice(0, limit);
    const load = new Map<string, number>();
    for (const w of workers) {
      const raw = String(w.rawname ?? '');
      const at = raw.indexOf(':w:');
      load.set(at >= 0 ? raw.slice(at + 3) : raw || '?', 0);
    }
    for (const j of jobs) if (j.worker !== null) load.set(j.worker, (load.get(j.worker) ?? 0) + 1);
    return {
      queue: this.#settings.queue,
      counts: {
        queued: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0),
        delayed: counts.delayed ?? 0,
        running: counts.active ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
      },
      throughput: finished,
      workers: [...load].map(([name, n]) => ({ name, running: n })).sort((a, b) => a.name.localeCompare(b.name)),
      jobs,
    };
  }

  /** Resolves when every job submitted so far is in Redis (rejects with the first that could not be added). */
  flush(): Promise<void> {
    const last = this.#lastAdd;
    this.#lastAdd = last.catch(() => {});
    return last;
  }

  resources() {
    return { threads: { used: 0, budget: 0 }, memory: { used: 0, budget: null }, devices: {} };
  }

  detach(reason: Error): void {
    for (const { record } of [...this.#tracked.values()]) this.#settle(record.id, () => this.#host.failed(record, reason));
  }

  async close(): Promise<void> {
    await Promise.all(this.#adding);
    if (!this.#connected) return;
    const c = await this.#connected.catch(() => undefined);
    if (!c) return;
    await c.events.close();
    await c.queue.close();
  }

  /** A job added under an id that already existed may have finished already: take its outcome. */
  async #adopt(id: string): Promise<void> {
    const { bull, queue } = await this.ready();
    const job = await bull.Job.fromId(queue, id);
    if (!job?.finishedOn) return;
    const t = this.#tracked.get(id);
    if (!t) return;
    if (job.failedReason === undefined || job.failedReason === null || job.failedReason === '')
      this.#settle(id, () => this.#host.completed(t.record, fromWire(job.returnvalue)));
    else {
      const e = await this.#error(id, job.failedReason);
      this.#settle(id, () => (isCancel(e) ? this.#host.cancelled(t.record, t.record.abortError(e)) : this.#host.failed(t.record, e)));
    }
  }

  #settle(id: string, report: () => void): void {
    if (!this.#tracked.delete(id)) return;
    report();
  }

  /** The error a worker logged for the job's latest failure (or BullMQ's failedReason). */
  async #error(id: string, failedReason: string | undefined): Promise<Error> {
    const { queue } = await this.ready();
    const { logs } = await queue.getJobLogs(id, -1, -1);
    const last = logs[0];
    if (last?.startsWith(LOG_PREFIX)) {
      try {
        return errorFromWire(JSON.parse(last.slice(LOG_PREFIX.length)) as WireError);
      } catch {
        // not ours after all
      }
    }
    return Object.assign(new Error(failedReason || 'The job failed on a worker'), { code: failedReason?.includes('stalled') ? 'STALLED' : 'EWORKER' });
  }

  /** Runs an event's handling after the job's earlier ones. */
  #on(id: string, handle: (t: Tracked) => void | Promise<void>): void {
    const t = this.#tracked.get(id);
    if (!t) return;
    t.chain = t.chain.then(() => (this.#tracked.has(id) ? handle(t) : undefined)).catch(() => {});
  }

  #listen(events: QueueEvents): void {
    events.on('active', ({ jobId }) => this.#on(jobId, (t) => this.#host.started(t.record)));
    events.on('progress', ({ jobId, data }) => this.#on(jobId, (t) => this.#host.progress(t.record, data)));
    events.on('completed', ({ jobId, returnvalue }) =>
      this.#on(jobId, (t) => this.#settle(jobId, () => this.#host.completed(t.record, fromWire(returnvalue)))),
    );
    events.on('failed', ({ jobId, failedReason }) =>
      this.#on(jobId, async (t) => {
        const e = await this.#error(jobId, failedReason);
        this.#settle(jobId, () => (isCancel(e) ? this.#host.cancelled(t.record, t.record.abortError(e)) : this.#host.failed(t.record, e)));
      }),
    );
    events.on('removed', ({ jobId }) => this.#on(jobId, (t) => this.#settle(jobId, () => this.#host.cancelled(t.record, t.record.abortError()))));
    // A retry: after a failure with a backoff ('delayed'), without one, after a lost worker
    // (stalled) or a worker's shutdown ('waiting' after 'active').
    events.on('delayed', ({ jobId }) =>
      this.#on(jobId, async (t) => {
        if (t.record.state === 'running') {
          t.attemptsMade++;
          const { bull, queue } = await this.ready();
          const job = await bull.Job.fromId(queue, jobId);
          this.#host.retried(t.record, await this.#error(jobId, job?.failedReason));
        }
        this.#host.delayed(t.record);
      }),
    );
    events.on('waiting', ({ jobId, prev }) =>
      this.#on(jobId, async (t) => {
        if (prev === 'active' || t.record.state === 'running') {
          const { bull, queue } = await this.ready();
          const job = await bull.Job.fromId(queue, jobId);
          let error: Error;
          if (job && job.stalledCounter > t.stalls) {
            t.stalls = job.stalledCounter;
            error = new AvError('The worker running the job stopped answering (killed or stuck); the job was put back in the queue', {
              code: 'STALLED',
              op: 'bullmq',
            });
          } else if (job && job.attemptsMade > t.attemptsMade) {
            t.attemptsMade = job.attemptsMade;
            error = await this.#error(jobId, job.failedReason);
          } else {
            error = new AvError('A worker shutting down put the job back in the queue', { code: 'REQUEUED', op: 'bullmq' });
          }
          this.#host.retried(t.record, error);
          this.#host.queued(t.record);
        } else if (t.record.state === 'delayed') {
          this.#host.queued(t.record);
        }
      }),
    );
  }
}
