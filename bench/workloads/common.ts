// What every avforge workload shares: argument parsing, the event-loop delay monitor, the
// process's own peak RSS, and the one JSON line each workload prints (the shape of the C
// reference programs' line, plus the event loop's delay while the work ran).
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The runner-to-workload protocol: --key value pairs (and bare --flags), values taken verbatim (a "-1" too). */
export function parseArgs(argv = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(a.slice(2), next);
      i++;
    } else out.set(a.slice(2), 'true');
  }
  return out;
}

export function need(args: Map<string, string>, key: string): string {
  const v = args.get(key);
  if (v === undefined) {
    console.error(`missing --${key}`);
    process.exit(2);
  }
  return v;
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** CLOCK_MONOTONIC seconds at start and stop (for bench/profile.ts, as the C programs' `window`). */
  window: [number, number];
  /** CPU time of the whole process (every thread) meanwhile, user + system (the C programs' cpuSeconds). */
  cpuMs: number;
  /** The JS thread's CPU time meanwhile (null where /proc/self/schedstat is missing). */
  jsCpuMs: number | null;
  /**
   * How long the JS thread was runnable but waited for a CPU meanwhile: a delay that comes
   * from the machine's other threads (the jobs' own, other processes), not from JS work.
   */
  jsRunqueueWaitMs: number | null;
}

/** CLOCK_MONOTONIC in seconds (process.hrtime is that clock on Linux; the C programs' now_s() too). */
const monotonic = (): number => Number(process.hrtime.bigint()) / 1e9;

/** The main (JS) thread's [CPU ns, run-queue wait ns] from /proc/self/schedstat (Linux), or null. */
function schedstat(): [number, number] | null {
  try {
    const [cpu, wait] = fs.readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(cpu) && Number.isFinite(wait) ? [cpu!, wait!] : null;
  } catch {
    return null;
  }
}

/**
 * Samples the event loop's delay (1 ms resolution) from now until stop(). Node records each
 * timer interval's overshoot; an idle loop reads about 1 ms at p50 with this resolution.
 * Also what the JS thread did meanwhile: its CPU time and its wait for a CPU (when the jobs'
 * threads outnumber the cores, the loop is late because the JS thread is not scheduled).
 */
export function watchLoop(): { stop(): LoopDelay } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const s0 = schedstat();
  const m0 = monotonic();
  const c0 = process.cpuUsage();
  h.enable();
  return {
    stop() {
      h.disable();
      const m1 = monotonic();
      const c1 = process.cpuUsage(c0);
      const s1 = schedstat();
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      return {
        p50Ms: ms(h.percentile(50)),
        p99Ms: ms(h.percentile(99)),
        maxMs: ms(h.max),
        samples: h.count,
        window: [m0, m1],
        cpuMs: Math.round((c1.user + c1.system) / 10) / 100,
        jsCpuMs: s0 && s1 ? ms(s1[0] - s0[0]) : null,
        jsRunqueueWaitMs: s0 && s1 ? ms(s1[1] - s0[1]) : null,
      };
    },
  };
}

/** VmHWM of this process in KiB (a cross-check of what the runner measures from outside). */
export function vmhwmKiB(): number {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}

export const seconds = (t0: number): number => (performance.now() - t0) / 1000;

export function report(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...fields, vmhwmKiB: vmhwmKiB() })}\n`);
}

/**
 * Distribution of intervals in ms: p50/p99/max, the share within 16.7 ms (one 60 fps frame),
 * and a histogram of 1 ms bins (the last bin: 50 ms and more).
 */
export function gapStats(ms: number[]): { n: number; p50Ms: number; p99Ms: number; maxMs: number; within16_7: number; hist: number[] } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const hist = new Array<number>(51).fill(0);
  for (const x of ms) hist[Math.min(50, Math.floor(x))]!++;
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50Ms: r(at(0.5)),
    p99Ms: r(at(0.99)),
    maxMs: r(s[s.length - 1] ?? NaN),
    within16_7: r(ms.filter((x) => x <= 16.7).length / Math.max(1, ms.length)),
    hist,
  };
}
