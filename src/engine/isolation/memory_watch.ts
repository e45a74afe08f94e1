// The peak data segment of a job process while it runs a job with a memory limit, read from
// /proc by the Engine's process. The kernel enforces the limit (RLIMIT_DATA, set by the child);
// this only tells, after a failure or a crash, whether the job had reached it: an allocation
// failing at the limit surfaces in libav as many different errors, or as an abort.
import fs from 'node:fs';

/** Milliseconds between samples (a read of /proc/PID/statm costs a few microseconds). */
const SAMPLE_MS = 10;

let pageSize: number | undefined;

/** statm counts pages: their size, from this process's own statm and status (VmData + VmStk kB). */
function page(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = 4096;
  try {
    const pages = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[5]);
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const bytes = (kb('VmData') + kb('VmStk')) * 1024;
    if (pages > 0 && bytes > 0) pageSize = 2 ** Math.round(Math.log2(bytes / pages));
  } catch {
    // not Linux: no /proc, nothing sampled
  }
  return pageSize;
}

export class MemoryWatch {
  #fd: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  readonly #buf = Buffer.alloc(160);
  /** What the job added at its highest, in bytes. */
  get grown(): number {
    return Math.max(0, this.peak - this.base);
  }

  /** The highest data segment (data + stack) seen since start(), in bytes. */
  peak = 0;
  /** The data segment at start(): what the idle process holds before the job. */
  base = 0;

  constructor(pid: number | undefined) {
    try {
      if (pid !== undefined) this.#fd = fs.openSync(`/proc/${pid}/statm`, 'r');
    } catch {
      this.#fd = null;
    }
  }

  start(): void {
    this.peak = 0;
    if (this.#fd === null) return;
    this.#sample();
    this.base = this.peak;
    this.#timer ??= setInterval(() => this.#sample(), SAMPLE_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.stop();
    if (this.#fd !== null) fs.close(this.#fd, () => {});
    this.#fd = null;
  }

  #sample(): void {
    try {
      const n = fs.readSync(this.#fd!, this.#buf, 0, this.#buf.length, 0);
      const data = Number(this.#buf.toString('latin1', 0, n).split(' ')[5]) * page();
      if (data > this.peak) this.peak = data;
    } catch {
      this.stop(); // the process is gone
    }
  }
}
