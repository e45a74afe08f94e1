// From samples to rows: each contender's medians over its runs, its ratios to the workload's C
// program, and the formatting of those numbers in the report.
import { referenceOf, type Kind, type Workload } from './contenders.js';

/** One run of one contender. */
export interface Sample {
  /** frames or packets */
  count: number;
  /** around the loop, measured by the program itself */
  seconds: number;
  /** CPU time (every thread) the program's loop used, measured by the program itself */
  loopCpuSeconds: number | null;
  wallSeconds: number;
  cpuSeconds: number | null;
  maxRssKiB: number | null;
  rssSource: 'time' | 'self' | null;
  loopP99Ms: number | null;
  loopP50Ms: number | null;
  loopMaxMs: number | null;
  extra: Record<string, unknown>;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const nums = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null && Number.isFinite(x));
export const med = (xs: (number | null)[]): number | null => (nums(xs).length ? median(nums(xs)) : null);

export interface Row {
  workload: string;
  contender: string;
  kind: Kind;
  pipeline: boolean;
  unit: string;
  count: number;
  countMismatch: boolean;
  throughput: { median: number; min: number; max: number };
  usPerPacket: number | null;
  ratioToC: number | null;
  /** CPU time (all threads) per counted item inside the loop, ms (median) */
  cpuMsPerItem: number | null;
  /** C's CPU per item over this row's: > 1 means fewer CPU seconds for the same work than C */
  cpuRatioToC: number | null;
  wallSeconds: number | null;
  cpuSeconds: number | null;
  maxRssMiB: number | null;
  rssDeltaMiB: number | null;
  loopP50Ms: number | null;
  loopP99Ms: number | null;
  loopMaxMs: number | null;
  extra: Record<string, number | null>;
  samples: Sample[];
}

/** The rows of one workload, one per contender (in their order); the reference is its first C contender, or the one marked `reference`. */
export function summarize(w: Workload, results: Map<string, Sample[]>): Row[] {
  const cName = referenceOf(w).name;
  const cSamples = results.get(cName)!;
  const cThroughput = median(cSamples.map((s) => s.count / s.seconds));
  const cRss = med(cSamples.map((s) => s.maxRssKiB));
  const cCount = cSamples[0]!.count;
  const cpuPerItem = (ss: Sample[]): number | null => med(ss.map((s) => (s.loopCpuSeconds === null ? null : (s.loopCpuSeconds * 1000) / s.count)));
  const cCpu = cpuPerItem(cSamples);
  return w.contenders.map((c) => {
    const samples = results.get(c.name)!;
    for (const s of samples) if (!Number.isFinite(s.count)) s.count = cCount; // the CLI prints no count here
    // a run that resolved no time (a callback cost below the method's noise) has no rate
    const tp = nums(samples.map((s) => s.count / s.seconds));
    const rss = med(samples.map((s) => s.maxRssKiB));
    // numeric extras (e.g. makeWritableSeconds), as medians
    const extra: Record<string, number | null> = {};
    for (const k of Object.keys(samples[0]!.extra)) if (typeof samples[0]!.extra[k] === 'number') extra[k] = med(samples.map((s) => s.extra[k] as number));
    return {
      workload: w.name,
      contender: c.name,
      kind: c.kind,
      pipeline: c.pipeline === true,
      unit: w.unit,
      count: samples[0]!.count,
      countMismatch: samples.some((s) => s.count !== cCount),
      throughput: tp.length ? { median: median(tp), min: Math.min(...tp), max: Math.max(...tp) } : { median: Number.NaN, min: Number.NaN, max: Number.NaN },
      usPerPacket: w.what === 'packets' && tp.length ? 1e6 / median(tp) : null,
      ratioToC: tp.length ? median(tp) / cThroughput : Number.NaN,
      cpuMsPerItem: cpuPerItem(samples),
      cpuRatioToC: cCpu === null || !cpuPerItem(samples) ? null : cCpu / cpuPerItem(samples)!,
      wallSeconds: med(samples.map((s) => s.wallSeconds)),
      cpuSeconds: med(samples.map((s) => s.cpuSeconds)),
      maxRssMiB: rss === null ? null : rss / 1024,
      rssDeltaMiB: rss === null || cRss === null ? null : (rss - cRss) / 1024,
      loopP50Ms: med(samples.map((s) => s.loopP50Ms)),
      loopP99Ms: med(samples.map((s) => s.loopP99Ms)),
      loopMaxMs: med(samples.map((s) => s.loopMaxMs)),
      extra,
      samples,
    };
  });
}

export const fmt = (x: number | null, digits = 1): string => (x === null ? '—' : x.toFixed(digits));
export const fmtRate = (x: number): string =>
  !Number.isFinite(x) ? 'unresolved' : x >= 10000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 100 ? 0 : 1);

export interface Latency {
  workload: string;
  n: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  within: number | null;
  hist: number[];
}

/** The frame gaps avforge's frames() contenders reported on the 1080p60 decodes (medians over runs; histogram summed). */
export function frameGaps(rows: Row[]): Latency[] {
  type G = { n: number; p50Ms: number; p99Ms: number; maxMs: number; within16_7: number; hist: number[] };
  return rows
    .filter((r) => r.kind === 'avforge' && r.contender === 'avforge frames()' && /1080p60/.test(r.workload) && r.samples[0]?.extra.gaps)
    .map((r) => {
      const gs = r.samples.map((s) => s.extra.gaps as G);
      const hist = new Array<number>(51).fill(0);
      for (const g of gs) g.hist.forEach((v, i) => (hist[i]! += v));
      return {
        workload: r.workload,
        n: gs[0]!.n,
        p50Ms: med(gs.map((g) => g.p50Ms)),
        p99Ms: med(gs.map((g) => g.p99Ms)),
        maxMs: med(gs.map((g) => g.maxMs)),
        within: med(gs.map((g) => g.within16_7)),
        hist,
      };
    });
}
