// Running the workloads: every contender in its own process, run after run, interleaved and
// rotated so that machine noise falls on all of them alike; with --baseline, the baseline
// checkout's avforge contenders run in the same rotation, each beside its own.
import { baselineTwin, referenceOf, type Contender, type Workload } from './contenders.js';
import { log, matches, only, runs } from './config.js';
import { exec } from './exec.js';
import { fmtRate, summarize, type Row, type Sample } from './stats.js';

export async function runOnce(c: Contender): Promise<Sample> {
  const r = await exec(c.cmd, c.args, { measure: true });
  if (r.code !== 0) throw new Error(`${c.name}: ${c.cmd} ${c.args.join(' ')} exited ${r.code}\n${r.stderr.slice(-2000)}`);
  const p = c.parse(r);
  const loop = (p.extra?.loop ?? null) as { p50Ms: number; p99Ms: number; maxMs: number } | null;
  return {
    count: p.count,
    seconds: p.seconds,
    loopCpuSeconds: p.cpuSeconds != null && Number.isFinite(p.cpuSeconds) ? p.cpuSeconds : null,
    wallSeconds: r.wallSeconds,
    cpuSeconds: r.cpuSeconds,
    maxRssKiB: r.maxRssKiB ?? p.maxRssKiB ?? null,
    rssSource: r.maxRssKiB !== null ? 'time' : p.maxRssKiB != null ? 'self' : null,
    loopP50Ms: loop?.p50Ms ?? null,
    loopP99Ms: loop?.p99Ms ?? null,
    loopMaxMs: loop?.maxMs ?? null,
    extra: p.extra ?? {},
  };
}

/** --only: the workloads whose name matches, whole; elsewhere the matching contenders, with the C reference. */
export function select(list: Workload[]): Workload[] {
  if (!only) return list;
  return list
    .map((w) => (matches(w.name) ? w : { ...w, contenders: w.contenders.filter((c) => c === referenceOf(w) || matches(c.name)) }))
    .filter((w) => matches(w.name) || w.contenders.some((c) => c !== referenceOf(w)));
}

/** The rows of one workload, and with --baseline the rows of the baseline's twins. */
export async function runWorkload(w: Workload): Promise<{ rows: Row[]; baselineRows: Row[] }> {
  log(`\n${w.name}`);
  const pairs: [Contender, Contender | null][] = w.contenders.map((c) => [c, baselineTwin(c)]);
  const twins = pairs.flatMap(([, t]) => (t ? [t] : []));
  const results = new Map<string, Sample[]>([...w.contenders, ...twins].map((c) => [c.name, []]));
  for (let run = 0; run < runs; run++) {
    // each twin beside its contender, the pair's order flipped every run
    const order = pairs.flatMap(([c, t]) => (t === null ? [c] : run % 2 ? [t, c] : [c, t]));
    // interleaved, and rotated so no contender always runs right after the same one
    for (let k = 0; k < order.length; k++) {
      const c = order[(k + run) % order.length]!;
      const s = await runOnce(c);
      results.get(c.name)!.push(s);
      log(
        `  run ${run + 1}/${runs} ${c.name.padEnd(30)} ${fmtRate(s.count / s.seconds).padStart(9)} ${w.unit}  (${s.count} in ${s.seconds.toFixed(3)} s, wall ${s.wallSeconds.toFixed(2)} s, ${s.maxRssKiB ? `${(s.maxRssKiB / 1024).toFixed(0)} MiB` : ''})`,
      );
    }
  }
  const rows = summarize(w, results);
  const c = referenceOf(w);
  const baselineRows = twins.length ? summarize({ ...w, contenders: [c, ...twins] }, results).filter((r) => r.contender !== c.name) : [];
  return { rows, baselineRows };
}

/** One row of --baseline's comparison: this checkout's figures over the baseline's (above 1: slower now). */
export interface BaselineRatio {
  workload: string;
  contender: string;
  /** loop seconds per item, new / old: the ratio of the medians, and the range of the runs' paired ratios */
  wall: number;
  wallRange: [number, number];
  /** loop CPU per item (every thread), new / old, likewise; null when a side reported no CPU time */
  cpu: number | null;
  cpuRange: [number, number] | null;
}

/** Pairs each baseline row with its row of this checkout; the runs pair up in order (run i beside run i). */
export function compareToBaseline(rows: Row[], baselineRows: Row[]): BaselineRatio[] {
  const perItem = (s: Sample): number => s.seconds / s.count;
  const cpuPerItem = (s: Sample): number | null => (s.loopCpuSeconds === null ? null : s.loopCpuSeconds / s.count);
  const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
  return baselineRows.flatMap((b) => {
    const name = b.contender.replace(/ \[baseline\]$/, '');
    const r = rows.find((x) => x.workload === b.workload && x.contender === name);
    if (!r) return [];
    const pairs = r.samples.map((s, i) => [s, b.samples[i]!] as const);
    const wall = pairs.map(([n, o]) => perItem(n) / perItem(o));
    const cpu = pairs.map(([n, o]) => {
      const [cn, co] = [cpuPerItem(n), cpuPerItem(o)];
      return cn === null || co === null ? null : cn / co;
    });
    const cpus = cpu.filter((x): x is number => x !== null);
    return [
      {
        workload: r.workload,
        contender: r.contender,
        wall: b.throughput.median / r.throughput.median,
        wallRange: range(wall),
        cpu: r.cpuMsPerItem === null || b.cpuMsPerItem === null ? null : r.cpuMsPerItem / b.cpuMsPerItem,
        cpuRange: cpus.length === cpu.length ? range(cpus) : null,
      },
    ];
  });
}
