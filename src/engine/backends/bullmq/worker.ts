// The worker side of the BullMQ backend: takes jobs from the queue and runs them in a local
// Engine with the same concurrency rules, reporting progress and results back through BullMQ.
// A job is locked while a worker runs it; a worker that dies (SIGKILL) stops renewing the lock,
// and another worker's stalled-job check puts the job back in the queue. Pipelines write
// NAME.partial and rename on success, so a re-run overwrites the dead worker's partial file.
import os from 'node:os';

import type { ConnectionOptions, Job as BullJob, QueueEvents, Worker } from 'bullmq';

import { AvError, optionsObject } from '../../../errors.js';
import { workerCloseOptions, workerOptions } from '../../../options/engine.js';
import { checkWireJob } from '../../../options/jobs.js';
import { DIRECT } from '../../../options/rules.js';
import { checkEngineOptions, Engine, localOptions, type EngineOptions } from '../../engine.js';
import type { JobHandle } from '../../handle.js';
import type { Readiness } from '../../health.js';
import { LocalBackend } from '../local.js';
import { withTraceParent } from '../../tracing.js';
import { bullmq, CANCEL_EVENT, checkRedisSettings, isCancel, LOG_PREFIX, toWire, wireError, type RedisSettings } from './wire.js';

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
  readonly #redis: RedisLike;
  #requeue = false;
  #closing: Promise<void> | undefined;

  /** @internal use startWorker() */
  constructor(engine: Engine, worker: Worker, events: QueueEvents, active: Map<string, JobHandle>, redis: RedisLike) {
    this.engine = engine;
    this.#redis = redis;
    this.#worker = worker;
    this.#events = events;
    this.#active = active;
  }

  /** True once close() has begun putting running jobs back in the queue. */
  get requeueing(): boolean {
    return this.#requeue;
  }

  /**
   * Whether this worker should be sent work (a Kubernetes readinessProbe, `/readyz`): its Redis
   * answers a PING within a second, the running jobs are within the memory budget, and it is
   * not shutting down.
   */
  async readiness(): Promise<Readiness> {
    const redis = await redisAnswers(this.#redis);
    const c = this.engine.counters();
    const memory = c.memory.budget === null || c.memory.used < c.memory.budget;
    const accepting = this.#closing === undefined;
    return { ready: redis && memory && accepting, checks: { redis, memory, accepting } };
  }

  /** Stops taking jobs; lets the running ones finish (or, after `timeout`, puts them back in the queue). */
  close(options?: WorkerCloseOptions): Promise<void> {
    const o = optionsObject(options) as WorkerCloseOptions;
    workerCloseOptions.check(o, '', DIRECT);
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

/** The part of an ioredis client readiness needs. */
interface RedisLike {
  status: string;
  ping(): Promise<unknown>;
}

/** Connected, and a PING answered within a second (a hung server keeps its connection). */
async function redisAnswers(redis: RedisLike): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      redis.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 1000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a worker serving the queue: up to `concurrency` jobs at once, within the same CPU and
 * memory budgets as an in-process Engine. Each job runs in a pooled job process (`isolation`
 * defaults to 'process' here, with `memoryLimit` and `cpuLimit`): a job that crashes or runs
 * past a limit fails alone and the worker goes on.
 */
export async function startWorker(options: WorkerOptions): Promise<EngineWorker> {
  const o = optionsObject(options, 'options') as unknown as WorkerOptions;
  workerOptions.check(o, '', DIRECT);
  const { connection, queue: name, prefix } = checkRedisSettings(o);
  const { redis: _r, queue: _q, prefix: _p, lockDuration, stalledInterval, maxStalledCount, ...engineOptions } = o;
  // a worker runs what producers send it: each job in a job process unless told otherwise
  const local = localOptions(checkEngineOptions(engineOptions), 'process');
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
    const id = job.id!;
    const fail = async (e: unknown): Promise<never> => {
      if (self?.requeueing && isCancel(e) && token) {
        await job.moveToWait(token);
        throw new bull.WaitingError();
      }
      await job.log(LOG_PREFIX + JSON.stringify(wireError(e))).catch(() => {});
      // cancelled or invalid: trying again would not help
      if (isCancel(e) || e instanceof TypeError || (e instanceof AvError && e.code === 'ENCODER_NOT_FOUND'))
        throw new bull.UnrecoverableError((e as Error).message);
      throw e instanceof Error ? e : new Error(String(e));
    };
    let handle: JobHandle;
    try {
      const data = checkWireJob(job.data, id);
      const client = await worker.client;
      const cancelled = await client.get(cancelKey(id));
      // the producer's job span parents this one
      handle = withTraceParent(data.trace, () =>
        engine.submit(data.job, {
          id,
          priority: data.priority,
          key: data.key,
          timeout: data.timeout,
          memory: data.memory,
          device: data.device,
        }),
      );
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
    // on every job it takes (processedBy) and in Redis's client list: what `avforge top` shows
    name: `${os.hostname()}:${process.pid}`,
    ...(lockDuration !== undefined ? { lockDuration } : {}),
    ...(stalledInterval !== undefined ? { stalledInterval } : {}),
    ...(maxStalledCount !== undefined ? { maxStalledCount } : {}),
  });
  worker.on('error', () => {});
  await events.waitUntilReady();
  await worker.waitUntilReady();
  self = new EngineWorker(engine, worker, events, active, (await worker.client) as unknown as RedisLike);
  void worker.run().catch(() => {});
  return self;
}
