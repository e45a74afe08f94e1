// The pool of isolated job processes behind an Engine with isolation: 'process'. It never holds
// more processes than the engine runs jobs at once (the backend's concurrency bounds the
// callers); a process is reused job after job, and one that dies or is retired is replaced
// at once, so that the next job does not wait for a process to start.
import { AvError } from '../../errors.js';
import type { RunContext, Started } from '../attempt.js';
import type { JobDescription } from '../job.js';
import { JobProcess } from './job_process.js';
import type { ProcessLimits } from './protocol.js';
import { testHook } from './test_hooks.js';

export interface IsolationSettings {
  /** Most processes (the engine's concurrency). */
  size: number;
  /** Bytes of a process's data segment a job may reach (at least its memory estimate); null: none. */
  memoryLimit: number | null;
  /** CPU seconds per job; null: none. */
  cpuLimit: number | null;
}

export class ProcessPool {
  readonly #o: IsolationSettings;
  readonly #all = new Set<JobProcess>();
  #idle: JobProcess[] = [];
  /** How many processes the load has needed: what a replacement refills to. */
  #wanted = 0;
  #closed = false;

  constructor(settings: IsolationSettings) {
    this.#o = settings;
  }

  /** The processes alive now (their pids), for tests and counters. */
  pids(): number[] {
    return [...this.#all].map((p) => p.pid).filter((p): p is number => p !== undefined);
  }

  /** Runs one attempt of a job description in a process of the pool; `memory` is the job's estimate. */
  run(job: JobDescription, ctx: RunContext, memory: number): Started {
    if (this.#closed) return { result: Promise.reject(new AvError('The engine is closed', { code: 'ERR_CLOSED', op: job.type })), cancel: () => {} };
    let p = this.#idle.pop();
    while (p && !p.reusable) p = this.#idle.pop();
    if (!p) {
      p = this.#spawn();
      this.#wanted = Math.min(this.#o.size, Math.max(this.#wanted, this.#all.size));
    }
    const limits: ProcessLimits = {
      memory: this.#o.memoryLimit === null ? null : Math.max(this.#o.memoryLimit, memory),
      cpu: this.#o.cpuLimit,
    };
    const started = p.run(job, ctx, limits, testHook(ctx.id));
    const proc = p;
    // back in the pool before the backend (which listens after this) starts the next job
    started.result.then(
      () => this.#release(proc),
      () => this.#release(proc),
    );
    return started;
  }

  /** Ends every process: idle ones at once, running ones killed (their jobs fail with ERR_CLOSED). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle = [];
    const all = [...this.#all];
    for (const p of all) p.stop();
    await Promise.all(all.map((p) => p.exited));
  }

  #spawn(): JobProcess {
    const p = new JobProcess((dead) => this.#exited(dead));
    this.#all.add(p);
    return p;
  }

  #release(p: JobProcess): void {
    if (!this.#closed && p.reusable && !p.busy && !this.#idle.includes(p)) this.#idle.push(p);
  }

  #exited(p: JobProcess): void {
    this.#all.delete(p);
    this.#idle = this.#idle.filter((x) => x !== p);
    // a process that never finished a job is replaced when the next job needs one, not in a loop
    if (!this.#closed && p.proven && this.#all.size < this.#wanted) this.#idle.push(this.#spawn());
  }
}
