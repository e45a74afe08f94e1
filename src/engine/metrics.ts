// Prometheus metrics of an Engine, with prom-client: counters and histograms fed by the jobs'
// transitions, gauges read from the engine when scraped. prom-client is loaded on the first
// engine.metrics() call (importing it costs ~60 ms, which `import 'avforge'` does not pay).
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import type { Registry } from 'prom-client';
import { invalidArgument, optionsObject } from '../errors.js';
import { addon } from '../native.js';
import type { Progress, TranscodeResult } from '../pipeline/types.js';
import type { Engine } from './engine.js';
import type { JobRecord } from './handle.js';
import type { JobObserver } from './observer.js';

export type { Registry } from 'prom-client';

export interface MetricsOptions {
  /** Where the metrics are registered (a prom-client Registry). Default: a new one. */
  registry?: Registry;
}

type PromClient = typeof import('prom-client');
let client: PromClient | undefined;

/** prom-client, loaded once. */
export function promClient(): PromClient {
  client ??= createRequire(import.meta.url)('prom-client') as PromClient;
  return client;
}

/** Seconds: from well under a second (a probe) to an hour (a long transcode). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800];
/** Output seconds per wall-clock second. */
const SPEED_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];

const registered = new WeakMap<Engine, { registry: Registry; observer: JobObserver }>();

/** The engine's metrics, registered once per engine. */
export function engineMetrics(engine: Engine, options?: MetricsOptions): { registry: Registry; observer: JobObserver | null } {
  const o = optionsObject(options) as MetricsOptions;
  const prom = promClient();
  if (o.registry !== undefined && !(o.registry instanceof prom.Registry)) throw invalidArgument('options.registry', 'a prom-client Registry', o.registry);
  const known = registered.get(engine);
  if (known) {
    if (o.registry !== undefined && o.registry !== known.registry)
      throw invalidArgument('options.registry', "the registry this engine's metrics are in already (one registry per engine)", o.registry);
    return { registry: known.registry, observer: null };
  }
  const registry = o.registry ?? new prom.Registry();
  const observer = register(prom, registry, engine);
  registered.set(engine, { registry, observer });
  return { registry, observer };
}

/** Per job: what its current attempt has already counted from progress reports. */
interface Seen {
  frames: number;
  bytes: number;
  damaged: number;
}

function register(prom: PromClient, registry: Registry, engine: Engine): JobObserver {
  const registers = [registry];
  const jobs = new prom.Counter({
    name: 'avforge_jobs_total',
    help: 'Jobs settled, by type and status (completed, failed, cancelled).',
    labelNames: ['type', 'status'],
    registers,
  });
  const submitted = new prom.Counter({ name: 'avforge_jobs_submitted_total', help: 'Jobs submitted, by type.', labelNames: ['type'], registers });
  const retries = new prom.Counter({
    name: 'avforge_job_retries_total',
    help: 'Attempts that failed and were tried again, by type.',
    labelNames: ['type'],
    registers,
  });
  const stalls = new prom.Counter({
    name: 'avforge_job_stalls_total',
    help: 'Jobs put back in the queue because their worker stopped answering (BullMQ producer), by type.',
    labelNames: ['type'],
    registers,
  });
  const frames = new prom.Counter({
    name: 'avforge_frames_total',
    help: 'Frames encoded or packets copied, all output streams, by job type.',
    labelNames: ['type'],
    registers,
  });
  const bytes = new prom.Counter({ name: 'avforge_output_bytes_total', help: 'Bytes written to outputs, by job type.', labelNames: ['type'], registers });
  const damaged = new prom.Counter({
    name: 'avforge_damaged_packets_total',
    help: 'Damaged packets or frames skipped, by job type.',
    labelNames: ['type'],
    registers,
  });
  const busy = new prom.Counter({
    name: 'avforge_stage_busy_seconds_total',
    help: "Seconds the pipelines' stages worked (demux, decode, filter, encode, subtitle, mux), by job type: the busiest stage limits a job.",
    labelNames: ['type', 'stage'],
    registers,
  });
  const duration = new prom.Histogram({
    name: 'avforge_job_duration_seconds',
    help: "A job's run time (its last attempt), by type and status.",
    labelNames: ['type', 'status'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const wait = new prom.Histogram({
    name: 'avforge_job_wait_seconds',
    help: 'Time from entering the queue to starting, per attempt, by type.',
    labelNames: ['type'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const speed = new prom.Histogram({
    name: 'avforge_job_speed_ratio',
    help: 'Realtime factor of completed transcode and remux jobs: output seconds per wall-clock second.',
    labelNames: ['type'],
    buckets: SPEED_BUCKETS,
    registers,
  });

  // Gauges: read from the engine when scraped.
  const gauge = (name: string, help: string, read: () => number | null, labelNames: string[] = []) =>
    new prom.Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        const v = read();
        if (v !== null) this.set(v);
      },
    });
  gauge('avforge_jobs_running', 'Jobs running now.', () => engine.counters().running);
  gauge('avforge_jobs_delayed', 'Jobs waiting for a delay or a retry backoff.', () => engine.counters().delayed);
  new prom.Gauge({
    name: 'avforge_jobs_queued',
    help: 'Jobs waiting for a slot, by priority.',
    labelNames: ['priority'],
    registers,
    collect() {
      this.reset();
      const by = new Map<number, number>();
      for (const j of engine.jobs()) if (j.state === 'queued') by.set(j.priority, (by.get(j.priority) ?? 0) + 1);
      if (by.size === 0) this.set({ priority: '0' }, 0);
      for (const [p, n] of by) this.set({ priority: String(p) }, n);
    },
  });
  gauge('avforge_codec_threads_used', 'Codec threads handed to running jobs.', () => engine.counters().threads.used);
  gauge('avforge_codec_threads_budget', 'Codec threads all running jobs may have together.', () => engine.counters().threads.budget);
  gauge('avforge_memory_used_bytes', 'Memory running jobs are estimated (or measured) to use, of the budget.', () => engine.counters().memory.used);
  gauge('avforge_memory_budget_bytes', 'The memory budget (0: none set).', () => engine.counters().memory.budget ?? 0);
  for (const [name, field, help] of [
    ['avforge_hw_sessions', 'used', 'Hardware sessions in use, by device family.'],
    ['avforge_hw_sessions_limit', 'limit', 'Hardware sessions allowed, by device family.'],
  ] as const)
    new prom.Gauge({
      name,
      help,
      labelNames: ['device'],
      registers,
      collect() {
        for (const [device, d] of Object.entries(engine.counters().devices)) this.set({ device }, d[field]);
      },
    });
  new prom.Gauge({
    name: 'avforge_native_heap_bytes',
    help: "The C allocator's bytes in this process (libav's frames and buffers; isolated jobs' are in their job processes): in_use, and free (kept, not returned to the system). glibc only.",
    labelNames: ['state'],
    registers,
    collect() {
      const h = addon().nativeHeap(false);
      if (!h) return;
      this.set({ state: 'in_use' }, h.inUse);
      this.set({ state: 'free' }, h.free);
    },
  });
  // the histogram records the time between its timer's runs: the delay is what exceeds the period
  const period = 10;
  const loop = monitorEventLoopDelay({ resolution: period });
  loop.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - period) / 1000;
  new prom.Gauge({
    name: 'avforge_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape, at quantiles 0.5, 0.99 and 1 (the maximum).',
    labelNames: ['quantile'],
    registers,
    collect() {
      if (loop.count === 0) return;
      this.set({ quantile: '0.5' }, late(loop.percentile(50)));
      this.set({ quantile: '0.99' }, late(loop.percentile(99)));
      this.set({ quantile: '1' }, late(loop.max));
      loop.reset();
    },
  });

  const seen = new Map<JobRecord, Seen>();
  /** Adds what a report says beyond what this attempt has counted. */
  const count = (r: JobRecord, now: Partial<Seen>) => {
    const s = seen.get(r) ?? { frames: 0, bytes: 0, damaged: 0 };
    seen.set(r, s);
    const type = r.handle.type;
    for (const [metric, key] of [
      [frames, 'frames'],
      [bytes, 'bytes'],
      [damaged, 'damaged'],
    ] as const) {
      const v = now[key];
      if (typeof v === 'number' && v > s[key]) {
        metric.inc({ type }, v - s[key]);
        s[key] = v;
      }
    }
  };
  return {
    submitted: (r) => submitted.inc({ type: r.handle.type }),
    started: (r, waitedMs) => {
      seen.delete(r);
      if (waitedMs !== null) wait.observe({ type: r.handle.type }, waitedMs / 1000);
    },
    progress: (r, p) => {
      const pr = p as Partial<Progress> | null;
      if (pr && typeof pr === 'object') count(r, { frames: pr.frames, bytes: pr.bytes, damaged: pr.damaged });
    },
    retried: (r, error) => {
      seen.delete(r);
      retries.inc({ type: r.handle.type });
      if ((error as { code?: unknown }).code === 'STALLED') stalls.inc({ type: r.handle.type });
    },
    settled: (r, status, value, ranMs) => {
      const type = r.handle.type;
      jobs.inc({ type, status });
      if (ranMs !== null) duration.observe({ type, status }, ranMs / 1000);
      const result = value as Partial<TranscodeResult> | null;
      if (status === 'completed' && result && typeof result === 'object' && !Array.isArray(result)) {
        count(r, {
          frames: Array.isArray(result.frames) ? result.frames.reduce((a, b) => a + b, 0) : undefined,
          bytes: result.bytes,
          damaged: result.damaged,
        });
        if ((type === 'transcode' || type === 'remux') && typeof result.speed === 'number' && result.speed > 0) speed.observe({ type }, result.speed);
        if (result.busy && typeof result.busy === 'object')
          for (const [stage, seconds] of Object.entries(result.busy)) if (typeof seconds === 'number' && seconds > 0) busy.inc({ type, stage }, seconds);
      }
      seen.delete(r);
    },
  };
}
