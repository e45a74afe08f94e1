// The engine across machines, on BullMQ over Redis. A producer's Engine puts each job in a
// BullMQ queue (priority, attempts with backoff, delay, jobId) and follows it through the
// queue's event stream; workers (startWorker) take jobs from the queue and run them in a local
// Engine with the same concurrency rules, reporting progress and results back through BullMQ.
//
// What BullMQ gives: a job is locked while a worker runs it; a worker that dies (SIGKILL) stops
// renewing the lock, and another worker's stalled-job check puts the job back in the queue.
// Pipelines write NAME.partial and rename on success, so a re-run overwrites the dead worker's
// partial file and nothing incomplete appears under the final name.
//
// Cancellation: a queued job is removed from the queue; a running one is announced on the event
// stream (a custom 'avforge:cancel' event) and marked in a key, which the worker running it sees.
//
// bullmq is imported when a backend or worker connects, not when avforge is: it costs ~100 ms.
import type { ConnectionOptions, Job as BullJob, Queue, QueueEvents, Worker } from 'bullmq';

import { AvError, invalidArgument, is, optionsObject } from '../../errors.js';
import type { CancelMode } from '../../pipeline/types.js';
import type { Backend, BackendHost } from '../backend.js';
import { checkEngineOptions, Engine, localOptions, type EngineOptions } from '../engine.js';
import type { JobHandle, JobRecord } from '../handle.js';
import { LocalBackend } from './local.js';
import { checkJob, type JobDescription, type SubmitSettings } from '../job.js';

type BullMQ = typeof import('bullmq');

export interface RedisSettings {
  /** Redis: a URL ('redis://[user:password@]host:6379[/db]', 'rediss://...' for TLS, 'unix:///path/redis.sock') or ioredis options. */
  redis: string | Record<string, unknown>;
  /** The BullMQ queue's name. Default 'avforge'. */
  queue?: string;
  /** Redis key prefix. Default 'bull' (BullMQ's). */
  prefix?: string;
}

export interface BullMQOptions extends RedisSettings {
  /** Finished jobs kept in Redis (for inspection), by count. Default 1000 completed, 5000 failed. */
  keepCompleted?: number;
  keepFailed?: number;
}

/** What travels in a BullMQ job's data. */
interface WireJob {
  v: 1;
  job: JobDescription;
  priority: number;
  key: string;
  timeout?: number;
  memory?: number;
  device?: string;
}

interface WireError {
  name: string;
  message: string;
  code?: string;
  op?: string;
  url?: string;
  errno?: number;
  stream?: number;
}

const LOG_PREFIX = 'avforge:error ';
const CANCEL_EVENT = 'avforge:cancel';
/** BullMQ: 1 is the highest priority, 2^21 the lowest. Ours: higher first, 0 by default. */
const PRIORITY_ZERO = 1_000_000;
const PRIORITY_LIMIT = 2_097_152;

/** Redis connection options from a URL or ioredis options. */
export function redisConnection(redis: unknown, name = 'redis'): Record<string, unknown> {
  if (is.object(redis)) return { ...redis };
  if (!is.nonEmptyString(redis)) throw invalidArgument(name, "a Redis URL ('redis://host:6379') or ioredis options", redis);
  let url: URL;
  try {
    url = new URL(redis);
  } catch {
    throw invalidArgument(name, "a Redis URL ('redis://host:6379') or ioredis options", redis);
  }
  if (url.protocol === 'unix:' || url.protocol === 'redis+unix:') return { path: decodeURIComponent(url.pathname) };
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw invalidArgument(name, "a redis://, rediss:// or unix:// URL", redis);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw invalidArgument(name, 'a Redis URL whose path is a database number', redis);
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function checkRedisSettings(o: RedisSettings): { connection: Record<string, unknown>; queue: string; prefix: string } {
  const queue = o.queue ?? 'avforge';
  if (!is.nonEmptyString(queue) || queue.includes(':')) throw invalidArgument('queue', 'a queue name without ":"', queue);
  const prefix = o.prefix ?? 'bull';
  if (!is.nonEmptyString(prefix)) throw invalidArgument('prefix', 'a key prefix', prefix);
  return { connection: redisConnection(o.redis), queue, prefix };
}

/** Buffers inside a result travel as base64 (BullMQ stores results as JSON). */
function toWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(toWire);
  if (is.object(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  return value;
}

function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (is.object(value)) {
    if (typeof value.$bytes === 'string' && Object.keys(value).length === 1) return Buffer.from(value.$bytes, 'base64');
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}

function wireError(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const x = err as Error & Partial<WireError>;
  return { name: err.name, message: err.message, code: x.code, op: x.op, url: x.url, errno: x.errno, stream: x.stream };
}

/** The error a producer hands to its submitter: the worker's, with its name, code and message. */
function errorFromWire(w: WireError): Error {
  let e: Error;
  if (w.code !== undefined && w.op !== undefined) {
    e = new AvError('', { code: w.code, op: w.op, ...(w.url !== undefined ? { url: w.url } : {}), ...(w.errno !== undefined ? { errno: w.errno } : {}), ...(w.stream !== undefined ? { stream: w.stream } : {}) });
  } else if (w.name === 'TypeError') {
    e = new TypeError();
  } else {
    e = new Error();
    if (w.code !== undefined) Object.assign(e, { code: w.code });
  }
  e.message = w.message;
  e.name = w.name;
  e.stack = `${w.name}: ${w.message}\n    at <avforge worker>`;
  return e;
}

function isCancel(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

let loaded: Promise<BullMQ> | undefined;
function bullmq(): Promise<BullMQ> {
  loaded ??= import('bullmq').catch((e: unknown) => {
    loaded = undefined;
    throw new AvError(`The BullMQ backend needs the bullmq package (npm install bullmq): ${(e as Error).message}`, { code: 'ERR_MODULE_NOT_FOUND', op: 'bullmq' });
  });
  return loaded;
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
    this.#settings = checkRedisSettings(o);
    for (const k of ['keepCompleted', 'keepFailed'] as const)
      if (o[k] !== undefined && !(is.integer(o[k]) && o[k] >= 0)) throw invalidArgument(k, 'an integer >= 0', o[k]);
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
    if (s.id !== undefined && (/^\d+$/.test(s.id) || s.id.includes(':'))) throw invalidArgument('options.id', 'an id that is not a number and has no ":" (BullMQ job ids)', s.id);
    if (s.threads !== undefined) throw invalidArgument('options.threads', "nothing for a BullMQ job (set the job's options.threads)", s.threads);
  }

  submit(record: JobRecord): void {
    const s = record.settings;
    const data: WireJob = { v: 1, job: record.job as JobDescription, priority: s.priority, key: s.key, timeout: s.timeout, memory: s.memory, device: s.device };
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
    if (job.failedReason === undefined || job.failedReason === null || job.failedReason === '') this.#settle(id, () => this.#host.completed(t.record, fromWire(job.returnvalue)));
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
    events.on('completed', ({ jobId, returnvalue }) => this.#on(jobId, (t) => this.#settle(jobId, () => this.#host.completed(t.record, fromWire(returnvalue)))));
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
            error = new AvError('The worker running the job stopped answering (killed or stuck); the job was put back in the queue', { code: 'STALLED', op: 'bullmq' });
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

export interface WorkerOptions extends RedisSettings, Omit<EngineOptions, 'backend' | 'estimateMemory'> {
  /** Milliseconds a job's lock lasts without renewal: a dead worker's job is re-run this long after. Default 30000. */
  lockDuration?: number;
  /** Milliseconds between checks for jobs whose worker died. Default 30000. */
  stalledInterval?: number;
  /** Times a job may lose its worker before it fails. Default 1. */
  maxStalledCount?: number;
}

export interface WorkerCloseOptions {
  /**
   * Milliseconds to let running jobs finish; then they are aborted and put back in the queue
   * for another worker (their partial outputs removed). 0: at once. Default: wait for them.
   */
  timeout?: number;
}

/** A worker: takes jobs from the BullMQ queue and runs them in its own local Engine. */
export class EngineWorker {
  /** The local engine the jobs run in: its events and counters are this worker's. */
  readonly engine: Engine;
  readonly #worker: Worker;
  readonly #events: QueueEvents;
  readonly #active: Map<string, JobHandle>;
  #requeue = false;
  #closing: Promise<void> | undefined;

  /** @internal use startWorker() */
  constructor(engine: Engine, worker: Worker, events: QueueEvents, active: Map<string, JobHandle>) {
    this.engine = engine;
    this.#worker = worker;
    this.#events = events;
    this.#active = active;
  }

  /** True once close() has begun putting running jobs back in the queue. */
  get requeueing(): boolean {
    return this.#requeue;
  }

  /** Stops taking jobs; lets the running ones finish (or, after `timeout`, puts them back in the queue). */
  close(options?: WorkerCloseOptions): Promise<void> {
    const o = optionsObject(options) as WorkerCloseOptions;
    if (o.timeout !== undefined && !(is.number(o.timeout) && o.timeout >= 0)) throw invalidArgument('timeout', 'a number of milliseconds >= 0', o.timeout);
    if (o.timeout !== undefined) {
      const requeue = () => {
        this.#requeue = true;
        for (const h of this.#active.values()) h.cancel('abort');
      };
      if (o.timeout === 0) requeue();
      else setTimeout(requeue, o.timeout).unref();
    }
    this.#closing ??= (async () => {
      await this.#worker.close();
      await this.#events.close();
      await this.engine.close();
    })();
    return this.#closing;
  }
}

/**
 * Starts a worker serving the queue: up to `concurrency` jobs at once, within the same CPU and
 * memory budgets as an in-process Engine.
 */
export async function startWorker(options: WorkerOptions): Promise<EngineWorker> {
  const o = optionsObject(options, 'options') as unknown as WorkerOptions;
  const { connection, queue: name, prefix } = checkRedisSettings(o);
  for (const k of ['lockDuration', 'stalledInterval'] as const)
    if (o[k] !== undefined && !(is.number(o[k]) && o[k] > 0)) throw invalidArgument(k, 'a number of milliseconds > 0', o[k]);
  if (o.maxStalledCount !== undefined && !(is.integer(o.maxStalledCount) && o.maxStalledCount >= 0)) throw invalidArgument('maxStalledCount', 'an integer >= 0', o.maxStalledCount);
  const { redis: _r, queue: _q, prefix: _p, lockDuration, stalledInterval, maxStalledCount, ...engineOptions } = o;
  const local = localOptions(checkEngineOptions(engineOptions));
  const engine = new Engine({ backend: new LocalBackend(local) });
  const concurrency = local.concurrency;
  const bull = await bullmq();
  const active = new Map<string, JobHandle>();
  let self: EngineWorker | undefined;
  const cancelKey = (id: string) => `${prefix}:${name}:avforge-cancel:${id}`;

  // Cancels for running jobs arrive on the queue's event stream.
  const events = new bull.QueueEvents(name, { connection: connection as ConnectionOptions, prefix });
  events.on('error', () => {});
  (events as unknown as NodeJS.EventEmitter).on(CANCEL_EVENT, (args: { jobId: string; mode: string }) =>
    active.get(args.jobId)?.cancel(args.mode === 'graceful' ? 'graceful' : 'abort'),
  );

  const processor = async (job: BullJob, token?: string): Promise<unknown> => {
    const data = job.data as WireJob;
    const id = job.id!;
    const fail = async (e: unknown): Promise<never> => {
      if (self?.requeueing && isCancel(e) && token) {
        await job.moveToWait(token);
        throw new bull.WaitingError();
      }
      await job.log(LOG_PREFIX + JSON.stringify(wireError(e))).catch(() => {});
      // cancelled or invalid: trying again would not help
      if (isCancel(e) || e instanceof TypeError || (e instanceof AvError && e.code === 'ENCODER_NOT_FOUND')) throw new bull.UnrecoverableError((e as Error).message);
      throw e instanceof Error ? e : new Error(String(e));
    };
    let handle: JobHandle;
    try {
      if (data?.v !== 1) throw new TypeError(`Expected an avforge job (v: 1) for the data of BullMQ job ${id} but received ${JSON.stringify(data)?.slice(0, 80)}`);
      const client = await worker.client;
      const cancelled = await client.get(cancelKey(id));
      handle = engine.submit(checkJob(data.job, { portable: false }) as JobDescription, {
        id,
        priority: data.priority,
        key: data.key,
        timeout: data.timeout,
        memory: data.memory,
        device: data.device,
      });
      if (cancelled) handle.cancel(cancelled === 'graceful' ? 'graceful' : 'abort');
    } catch (e) {
      return fail(e);
    }
    active.set(id, handle);
    handle.on('progress', (p) => void job.updateProgress(p as object).catch(() => {}));
    try {
      return toWire(await handle.done);
    } catch (e) {
      return fail(e);
    } finally {
      active.delete(id);
    }
  };

  const worker = new bull.Worker(name, processor, {
    connection: { ...connection, maxRetriesPerRequest: null } as ConnectionOptions,
    prefix,
    concurrency,
    autorun: false,
    ...(lockDuration !== undefined ? { lockDuration } : {}),
    ...(stalledInterval !== undefined ? { stalledInterval } : {}),
    ...(maxStalledCount !== undefined ? { maxStalledCount } : {}),
  });
  worker.on('error', () => {});
  await events.waitUntilReady();
  await worker.waitUntilReady();
  self = new EngineWorker(engine, worker, events, active);
  void worker.run().catch(() => {});
  return self;
}
