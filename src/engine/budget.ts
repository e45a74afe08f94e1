// What a job may take before it starts: codec threads from the CPU budget, memory from the
// memory budget, a session from a hardware device's limit. The scheduler asks `admit` for the
// job at the head of the queue; nothing here waits or polls — a job that does not fit stays
// queued until a running one ends and frees its share.

/** What one job is charged. */
export interface Cost {
  /** Codec threads. */
  threads: number;
  /** Bytes, an estimate. */
  memory: number;
  /** A hardware device family ('cuda', 'vaapi', 'qsv'...), or null. */
  device: string | null;
}

export interface BudgetOptions {
  /** Codec threads all running jobs may have together. */
  threads: number;
  /** Bytes running jobs may use together; null: no limit. */
  memory: number | null;
  /** Concurrent sessions per device family. */
  devices: Record<string, number>;
  /** The process's resident memory now (bytes). */
  rss?: () => number;
}

/**
 * 'run': start it. 'wait': it does not fit now; keep it (and everything behind it) queued until a
 * job ends. 'park': its device is busy; set it aside so that jobs behind it can run.
 */
export type Admission = 'run' | 'wait' | 'park';

export class Budget {
  readonly #o: BudgetOptions;
  readonly #rss: () => number;
  #threads = 0;
  #reserved = 0;
  #running = 0;
  /** RSS when the engine last went from idle to busy: what is not the jobs'. */
  #baseline = 0;
  readonly #sessions = new Map<string, number>();

  constructor(options: BudgetOptions) {
    this.#o = options;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
  }

  /**
   * Whether a job of this cost may start now. A job always starts on an idle engine, even one
   * larger than the budget: otherwise it would wait forever.
   */
  admit(cost: Cost): Admission {
    if (cost.device !== null) {
      const limit = this.#o.devices[cost.device];
      if (limit !== undefined && (this.#sessions.get(cost.device) ?? 0) >= limit) return 'park';
    }
    if (this.#running === 0) return 'run';
    if (this.#threads + cost.threads > this.#o.threads) return 'wait';
    if (this.#o.memory !== null && this.memoryUsed() + cost.memory > this.#o.memory) return 'wait';
    return 'run';
  }

  /**
   * Memory the running jobs hold: the sum of their estimates, or what the process has grown by
   * since it went busy when that is more (the estimates were low).
   */
  memoryUsed(): number {
    if (this.#running === 0) return 0;
    return Math.max(this.#reserved, this.#o.memory === null ? 0 : this.#rss() - this.#baseline);
  }

  acquire(cost: Cost): void {
    if (this.#running === 0 && this.#o.memory !== null) this.#baseline = this.#rss();
    this.#running++;
    this.#threads += cost.threads;
    this.#reserved += cost.memory;
    if (cost.device !== null) this.#sessions.set(cost.device, (this.#sessions.get(cost.device) ?? 0) + 1);
  }

  release(cost: Cost): void {
    this.#running--;
    this.#threads -= cost.threads;
    this.#reserved -= cost.memory;
    if (cost.device !== null) this.#sessions.set(cost.device, (this.#sessions.get(cost.device) ?? 1) - 1);
  }

  snapshot(): {
    threads: { used: number; budget: number };
    memory: { used: number; budget: number | null };
    devices: Record<string, { used: number; limit: number }>;
  } {
    const devices: Record<string, { used: number; limit: number }> = {};
    for (const [name, limit] of Object.entries(this.#o.devices)) devices[name] = { used: this.#sessions.get(name) ?? 0, limit };
    return { threads: { used: this.#threads, budget: this.#o.threads }, memory: { used: this.memoryUsed(), budget: this.#o.memory }, devices };
  }
}
