// What an engine has done and is doing: gauges (queued, running...), totals (completed,
// failed...), throughput, and percentiles of queue wait and run time over recent jobs.

/** p50/p90/p99 in milliseconds over the latest jobs (null before the first). */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface EngineCounters {
  /** Waiting for a slot (including jobs held by the memory budget or a device limit). */
  queued: number;
  /** Waiting for a delay or a retry backoff to pass. */
  delayed: number;
  running: number;
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Attempts that failed and were tried again (or re-run after a lost worker). */
  retried: number;
  /** Jobs finished (completed, failed or cancelled) per minute, over the last minute (or since the engine started, if sooner). */
  throughput: number;
  /** From entering the queue to starting, per attempt. */
  wait: Percentiles;
  /** From starting to settling, per attempt. */
  run: Percentiles;
  /** CPU budget: codec threads handed to running jobs, of `budget`. */
  threads: { used: number; budget: number };
  /** Memory budget, bytes: what running jobs are estimated (or measured) to use, of `budget` (null: none). */
  memory: { used: number; budget: number | null };
  /** Hardware sessions in use per device, of the limits set. */
  devices: Record<string, { used: number; limit: number }>;
}

/** The latest `size` samples; percentiles sort a copy (a counters() call, not a hot path). */
class Window {
  readonly #samples: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#samples = new Float64Array(size);
  }

  add(value: number): void {
    this.#samples[this.#next] = value;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count = Math.min(this.#count + 1, this.#samples.length);
  }

  percentiles(): Percentiles {
    if (this.#count === 0) return { p50: null, p90: null, p99: null };
    const sorted = this.#samples.slice(0, this.#count).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}

/** The engine's bookkeeping; backends report transitions, the engine owns this. */
export class Counters {
  queued = 0;
  delayed = 0;
  running = 0;
  submitted = 0;
  completed = 0;
  failed = 0;
  cancelled = 0;
  retried = 0;
  readonly #wait = new Window(1024);
  readonly #run = new Window(1024);
  /** Finish times of the last minute, oldest first. */
  readonly #finished: number[] = [];

  constructor(private readonly since: number) {}

  waited(ms: number): void {
    this.#wait.add(ms);
  }

  ran(ms: number): void {
    this.#run.add(ms);
  }

  finished(now: number): void {
    this.#finished.push(now);
    this.#trim(now);
  }

  #trim(now: number): void {
    let drop = 0;
    while (drop < this.#finished.length && this.#finished[drop]! < now - 60_000) drop++;
    if (drop > 0) this.#finished.splice(0, drop);
  }

  snapshot(now: number, resources: Pick<EngineCounters, 'threads' | 'memory' | 'devices'>): EngineCounters {
    this.#trim(now);
    return {
      queued: this.queued,
      delayed: this.delayed,
      running: this.running,
      submitted: this.submitted,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      retried: this.retried,
      throughput: (this.#finished.length * 60_000) / Math.max(1000, Math.min(60_000, now - this.since)),
      wait: this.#wait.percentiles(),
      run: this.#run.percentiles(),
      ...resources,
    };
  }
}
