// One isolated job process, as the Engine's side sees it: starts it, sends it one job at a
// time, and turns how that job ended into the job's outcome. A process that dies while running
// a job fails that job with JOB_CRASHED, JOB_MEMORY or JOB_CPU; the pool then replaces it.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { AvError, type AvErrorCode } from '../../errors.js';
import type { CancelMode } from '../../pipeline/types.js';
import type { RunContext, Started } from '../attempt.js';
import { jobInput, jobType, type JobDescription } from '../job.js';
import { childOutput } from '../logging.js';
import { MemoryWatch } from './memory_watch.js';
import { FAILED_MARK, fromPlainError, type FromChild, type ProcessLimits, type TestHook, type ToChild } from './protocol.js';

/** How long an aborted job's process may take to stop by itself before it is killed (ms). */
export const KILL_GRACE_MS = 60;
/** A process whose data segment stays above this share of its memory limit after a job is replaced. */
const RETIRE_SHARE = 0.5;
/** What the child's stderr says when it died of memory: V8's fatal OOM, C++'s bad_alloc, libav's failed mallocs. */
const OUT_OF_MEMORY = /out of memory|Allocation failed|bad_alloc|malloc of size \d+ failed|Cannot allocate memory/i;
/** A failed job whose process came this close to its memory limit failed because of it. */
const NEAR_LIMIT = 0.9;
/** Bytes of the child's stderr kept per job, to read why it died. */
const TAIL = 16 << 10;
/** How long a failed job's verdict waits for the child's stderr to catch up with its report (ms). */
const STDERR_WAIT_MS = 2000;
const FAILED_LINE = new RegExp(`${FAILED_MARK}(\\d+)\\n`, 'g');

/** The child's entry: next to this file, or under engine/isolation/ beside the bundled entry. */
function childScript(): string {
  const candidates = ['./child.js', './engine/isolation/child.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((f) => fs.existsSync(f)) ?? candidates[0]!;
}
let script: string | undefined;

function mib(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : `${Math.round(bytes / (1 << 20))} MiB`;
}

interface Running {
  id: number;
  job: JobDescription;
  limits: ProcessLimits;
  ctx: RunContext;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Why the Engine killed the process, if it did. */
  killedFor: 'cancel' | 'closed' | null;
  killTimer?: NodeJS.Timeout;
}

export class JobProcess {
  readonly #child: ChildProcess;
  #job: Running | null = null;
  #seq = 0;
  #stderr = '';
  /** The data segment before the first job with a memory limit. */
  #idle: number | undefined;
  /** The failed job whose FAILED_MARK the stderr has shown, and who waits for it. */
  #stderrFailed = 0;
  #stderrWaiter: (() => void) | null = null;
  #alive = true;
  /** Replace after the current job (it failed on memory, or kept too much). */
  #retire = false;
  #proven = false;
  readonly #watch: MemoryWatch;
  readonly exited: Promise<void>;

  constructor(onExit: (p: JobProcess) => void) {
    script ??= childScript();
    // node:child_process is loaded on first use: importing avforge should not pay for it (~2 ms)
    const { fork } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
    this.#child = fork(script, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      execArgv: [],
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      let text = chunk.toString('utf8');
      if (text.includes(FAILED_MARK))
        text = text.replace(FAILED_LINE, (_line, id: string) => {
          this.#stderrFailed = Number(id);
          return '';
        });
      if (text && !childOutput(text, this.#job?.ctx.id ?? null)) process.stderr.write(text);
      this.#stderr = (this.#stderr + text).slice(-TAIL);
      this.#stderrWaiter?.();
    });
    this.#child.on('message', (m: FromChild) => this.#message(m));
    this.#watch = new MemoryWatch(this.#child.pid);
    this.exited = new Promise((resolve) => {
      let done = false;
      const end = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (done) return;
        done = true;
        this.#alive = false;
        this.#watch.close();
        this.#died(code, signal, spawnError);
        onExit(this);
        resolve();
      };
      // Decided once stderr is read to its end (what the process said as it died). Not on
      // 'close': Node 20 does not emit it after the parent's own disconnect().
      let status: [number | null, NodeJS.Signals | null] | null = null;
      let drained = false;
      this.#child.stderr!.on('close', () => {
        drained = true;
        if (status) end(...status);
      });
      this.#child.on('exit', (code, signal) => {
        status = [code, signal];
        if (drained) end(code, signal);
        else setTimeout(() => end(code, signal), 200).unref();
      });
      this.#child.on('error', (e) => {
        if (this.#child.pid === undefined) end(null, null, e);
      });
    });
    this.#ref(false);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Alive, and not to be replaced: may take another job. */
  get reusable(): boolean {
    return this.#alive && !this.#retire;
  }

  get busy(): boolean {
    return this.#job !== null;
  }

  /** It has finished a job: a process that dies before that (a broken install, a crash) is not replaced eagerly, lest it loop. */
  get proven(): boolean {
    return this.#proven;
  }

  run(job: JobDescription, ctx: RunContext, limits: ProcessLimits, hook?: TestHook): Started {
    const id = ++this.#seq;
    const result = new Promise<unknown>((resolve, reject) => {
      this.#job = { id, job, limits, ctx, resolve, reject, killedFor: null };
    });
    this.#stderr = '';
    this.#ref(true);
    if (limits.memory !== null) {
      this.#watch.start();
      this.#idle ??= this.#watch.base || undefined;
    }
    this.#send({ t: 'run', id, jobId: ctx.id, attempt: ctx.attempt, job, threads: ctx.threads, limits, ...(hook ? { hook } : {}) });
    return { result, cancel: (mode) => this.#cancel(id, mode) };
  }

  /** Ends the process: at once (a running job fails with ERR_CLOSED), or when idle by closing its channel. */
  stop(): void {
    if (!this.#alive) return;
    this.#ref(true); // whoever stops it waits for it to be gone
    if (this.#job) this.#kill('closed');
    else if (this.#child.connected) this.#child.disconnect();
    else this.#child.kill('SIGKILL');
  }

  #send(m: ToChild): void {
    try {
      this.#child.send(m, (e) => {
        if (e) this.#kill(null); // the channel broke: the job ends as a crash
      });
    } catch {
      this.#kill(null);
    }
  }

  #cancel(id: number, mode: CancelMode): void {
    const job = this.#job;
    if (!job || job.id !== id) return;
    this.#send({ t: 'cancel', id, mode });
    // an abort must end the job soon even when the process does not answer (a busy loop, a
    // stuck read): then the process is killed and replaced
    if (mode === 'abort') job.killTimer ??= setTimeout(() => this.#kill('cancel'), KILL_GRACE_MS);
  }

  #kill(reason: Running['killedFor']): void {
    if (this.#job && this.#job.killedFor === null) this.#job.killedFor = reason;
    this.#child.kill('SIGKILL');
  }

  /** Holds the event loop open while a job runs, not while the process waits for one. */
  #ref(busy: boolean): void {
    const handles = [this.#child, this.#child.channel, this.#child.stderr] as ({ ref?(): void; unref?(): void } | null | undefined)[];
    for (const h of handles) (busy ? h?.ref : h?.unref)?.call(h);
  }

  #message(m: FromChild): void {
    const job = this.#job;
    if (!job || m.id !== job.id) return;
    if (m.t === 'progress') {
      job.ctx.onProgress(m.progress);
      return;
    }
    this.#proven = true;
    if (m.ok) {
      if (job.limits.memory !== null && this.#kept(m.data) > RETIRE_SHARE * job.limits.memory) this.#retire = true;
      this.#settle(job, () => job.resolve(m.value));
      return;
    }
    const error = fromPlainError(m.error, this.pid ?? 0);
    if (job.limits.memory === null) {
      this.#settle(job, () => job.reject(error));
      return;
    }
    if (this.#kept(m.data) > RETIRE_SHARE * job.limits.memory) this.#retire = true;
    // stderr and the IPC channel are different pipes: libav's last words are read up to the
    // child's FAILED_MARK for this job before the verdict
    this.#afterStderr(job.id, () => {
      if (!m.memory && !this.#reachedLimit(job)) {
        this.#settle(job, () => job.reject(error));
        return;
      }
      this.#retire = true; // its allocations failed somewhere: start the next job afresh
      this.#settle(job, () => job.reject(this.#limitError(job, 'JOB_MEMORY', error)));
    });
  }

  /** Runs `then` once the stderr has shown job `id`'s FAILED_MARK (or after STDERR_WAIT_MS). */
  #afterStderr(id: number, then: () => void): void {
    const done = () => {
      clearTimeout(timer);
      this.#stderrWaiter = null;
      then();
    };
    const timer = setTimeout(done, STDERR_WAIT_MS);
    this.#stderrWaiter = () => {
      if (this.#stderrFailed === id) done();
    };
    this.#stderrWaiter();
  }

  /** Whether the job's failure came from its memory limit: its process got there, or said so as it failed. */
  #reachedLimit(job: Running): boolean {
    return job.limits.memory !== null && (this.#watch.grown >= NEAR_LIMIT * job.limits.memory || OUT_OF_MEMORY.test(this.#stderr));
  }

  /** What the process holds now beyond what it held idle before its first job (the limits count from there). */
  #kept(data: number): number {
    return data - (this.#idle ?? data);
  }

  #settle(job: Running, outcome: () => void): void {
    if (this.#job !== job) return;
    this.#watch.stop();
    clearTimeout(job.killTimer);
    this.#job = null;
    this.#ref(false);
    if (this.#retire) this.stop();
    outcome();
  }

  #died(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void {
    const job = this.#job;
    if (!job) return;
    clearTimeout(job.killTimer);
    this.#job = null;
    removePartial(job.job);
    const how = spawnError ? `could not start (${spawnError.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const info = { op: jobType(job.job), ...(jobInput(job.job) ? { url: jobInput(job.job)! } : {}) };
    if (job.killedFor === 'cancel') {
      const e = new AvError(`The job's process ${how}: it did not stop within ${KILL_GRACE_MS} ms of the abort`, { code: 'ABORT_ERR', ...info });
      e.name = 'AbortError';
      job.reject(e);
    } else if (job.killedFor === 'closed') {
      job.reject(new AvError('The engine was closed before the job finished', { code: 'ERR_CLOSED', ...info }));
    } else if (signal === 'SIGXCPU' && job.limits.cpu !== null) {
      job.reject(this.#limitError(job, 'JOB_CPU'));
    } else if (this.#reachedLimit(job)) {
      job.reject(this.#limitError(job, 'JOB_MEMORY'));
    } else {
      const e = new AvError(`The job's process ${how}; the engine goes on with a new one`, { code: 'JOB_CRASHED', ...info });
      job.reject(e);
    }
  }

  #limitError(job: Running, code: AvErrorCode, cause?: Error): AvError {
    const what = code === 'JOB_CPU' ? `CPU-time limit (${job.limits.cpu} s)` : `memory limit (${mib(job.limits.memory!)})`;
    const e = new AvError(`The job ran past its ${what} and was stopped`, {
      code,
      op: jobType(job.job),
      ...(jobInput(job.job) ? { url: jobInput(job.job)! } : {}),
    });
    if (cause) Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
    return e;
  }
}

/** A killed process leaves its muxer's NAME.partial behind: remove it, as a failed pipeline does. */
function removePartial(job: JobDescription): void {
  if ((job.type !== 'transcode' && job.type !== 'remux') || typeof job.output !== 'string' || job.output.includes('://')) return;
  fs.rm(`${job.output}.partial`, { force: true }, () => {});
}
