// The report's Targets table: each goal of the project against the rows that measure it.
import type { Workload } from './contenders.js';
import type { Callgrind, ImportTime, Soak } from './measures.js';
import { fmt, med, type Row } from './stats.js';

export interface Target {
  target: string;
  measured: string;
  status: 'met' | 'missed' | 'n/a';
}

export function evaluateTargets(rows: Row[], list: Workload[], imports: Record<string, ImportTime>, cg: Callgrind | null, soak: Soak | null): Target[] {
  const groupOf = new Map<string, string>(list.flatMap((w) => (w.group ? [[w.name, w.group] as const] : [])));
  const t: Target[] = [];
  const st = (ok: boolean | null): Target['status'] => (ok === null ? 'n/a' : ok ? 'met' : 'missed');
  const ratio = (group: string, want: number, label: string, pick: (r: Row) => boolean): void => {
    for (const r of rows.filter((r) => r.kind === 'avforge' && pick(r) && (groupOf.get(r.workload) ?? '') === group))
      t.push({
        target: `${label} ≥ ${want}× C: ${r.workload} / ${r.contender}`,
        measured: `${fmt(r.ratioToC, 3)}× [${fmt(r.throughput.min / (r.throughput.median / (r.ratioToC ?? 1)), 2)}–${fmt(r.throughput.max / (r.throughput.median / (r.ratioToC ?? 1)), 2)}]`,
        status: st(r.ratioToC === null ? null : r.ratioToC >= want),
      });
  };
  ratio('decode', 0.98, 'async object API, decode', (r) => !r.pipeline && /frames\(\)/.test(r.contender));
  ratio('encode', 0.98, 'async object API, encode', (r) => !r.pipeline);
  ratio('remux', 0.95, 'remux, object API', (r) => !r.pipeline);
  // The native pipelines: remux ≥ 0.95× C, the others ≥ 1.0× C. Where the workload has a second
  // C program (the same calls plus the filter graph the pipeline inserts), the ratio to it is
  // shown beside: what is left once libavfilter's own cost is taken out. Not the target.
  for (const r of rows.filter((r) => r.pipeline)) {
    const group = groupOf.get(r.workload) ?? '';
    const want = group === 'remux' ? 0.95 : 1.0;
    const cs = rows.filter((x) => x.workload === r.workload && x.kind === 'c');
    const spread = `[${fmt(r.throughput.min / (r.throughput.median / (r.ratioToC ?? 1)), 2)}–${fmt(r.throughput.max / (r.throughput.median / (r.ratioToC ?? 1)), 2)}]`;
    const beside = cs
      .slice(1)
      .map((c) => `; ${fmt(r.throughput.median / c.throughput.median, 3)}× ${c.contender}`)
      .join('');
    // CPUs busy in the loop (loop CPU / loop seconds): on a shared machine, a contender with more
    // runnable threads gets a larger share of it, and its wall-time ratio flatters it
    const busy = (x: Row): number | null => med(x.samples.map((s) => (s.loopCpuSeconds === null ? null : s.loopCpuSeconds / s.seconds)));
    const cores = cs[0] && busy(cs[0]) !== null && busy(r) !== null ? `; CPUs busy in the loop: C ${fmt(busy(cs[0]), 2)}, this ${fmt(busy(r), 2)}` : '';
    t.push({
      target: `pipeline ≥ ${want}× C: ${r.workload} / ${r.contender}`,
      measured: `${fmt(r.ratioToC, 3)}× ${spread}${beside}${r.cpuRatioToC === null ? '' : `; loop CPU per item: C's is ${fmt(r.cpuRatioToC, 2)}× this one's`}${cores}`,
      status: st(r.ratioToC === null ? null : r.ratioToC >= want),
    });
  }
  if (!rows.some((r) => r.pipeline)) t.push({ target: 'pipelines ≥ 1.0× C (remux ≥ 0.95×)', measured: 'no pipeline contender ran (--only)', status: 'n/a' });
  for (const r of rows.filter((r) => r.kind === 'avforge' && groupOf.get(r.workload) === undefined && r.usPerPacket !== null)) {
    const c = rows.find((x) => x.workload === r.workload && x.kind === 'c');
    if (!c?.usPerPacket) continue;
    const d = r.usPerPacket! - c.usPerPacket;
    t.push({
      target: `demux-only ≤ C + 1 µs/packet: ${r.contender}`,
      measured: `${d >= 0 ? '+' : ''}${d.toFixed(2)} µs/packet (${r.usPerPacket!.toFixed(2)} vs ${c.usPerPacket.toFixed(2)})`,
      status: st(d <= 1),
    });
  }
  if (cg && !cg.error && cg.diffPerPacket !== undefined)
    t.push({ target: 'demux-only binding overhead (callgrind)', measured: `+${cg.diffPerPacket.toFixed(0)} instructions/packet`, status: 'n/a' });
  const rss = rows.filter((r) => r.kind === 'avforge' && r.rssDeltaMiB !== null);
  const worst = rss.sort((a, b) => b.rssDeltaMiB! - a.rssDeltaMiB!);
  const over = worst.filter((r) => r.rssDeltaMiB! > 45);
  if (worst.length)
    t.push({
      target: 'peak RSS ≤ C + 45 MiB (every avforge row)',
      measured: `worst ${worst[0]!.rssDeltaMiB!.toFixed(1)} MiB (${worst[0]!.workload} / ${worst[0]!.contender}); ${over.length} of ${worst.length} rows over`,
      status: st(over.length === 0),
    });
  const bare = imports['node -e 0'];
  // The addon loads on first use (its dlopen is not an import cost): the target is the import.
  const imp = imports["import('avforge')"];
  const loaded = imports["import('avforge') + versions() (loads the addon)"];
  if (bare && imp)
    t.push({
      target: 'import ≤ bare node + 15 ms',
      measured: `+${(imp.ms - bare.ms).toFixed(1)} ms${loaded ? ` (first use, loading the addon: +${(loaded.ms - bare.ms).toFixed(1)} ms)` : ''}`,
      status: st(imp.ms - bare.ms <= 15),
    });
  const loop = rows.find((r) => r.kind === 'avforge' && groupOf.get(r.workload) === 'loop');
  const jsWait = (r: Row): string =>
    r.extra.jsThreadRunqueueWaitSeconds != null
      ? `; the JS thread ran ${fmt(r.extra.jsThreadCpuSeconds ?? null, 3)} s and waited ${fmt(r.extra.jsThreadRunqueueWaitSeconds, 3)} s for a CPU`
      : '';
  if (loop)
    t.push({
      target: 'event-loop p99 ≤ 10 ms while 4 transcodes run',
      measured: `p99 ${fmt(loop.loopP99Ms, 1)} ms, max ${fmt(loop.loopMaxMs, 1)} ms${jsWait(loop)}`,
      status: st(loop.loopP99Ms === null ? null : loop.loopP99Ms <= 10),
    });
  if (soak)
    t.push({
      target: 'soak RSS growth ≤ 2% after warm-up',
      measured: soak.rssGrowth === null ? 'too short to tell' : `${(soak.rssGrowth * 100).toFixed(2)}% over ${soak.seconds.toFixed(0)} s`,
      status: st(soak.rssGrowth === null ? null : soak.rssGrowth <= 0.02),
    });
  return t;
}
