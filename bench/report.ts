// The report: the markdown table and sections (printed, and written to bench/report/report.md
// beside report.json), and with --baseline the comparison with the baseline checkout.
import { cfg } from './config.js';
import type { Workload } from './contenders.js';
import type { Callgrind, ImportTime, Soak, codeState } from './measures.js';
import type { BaselineRatio } from './runner.js';
import { fmt, fmtRate, type Latency, type Row } from './stats.js';
import type { Target } from './targets.js';

type CodeState = ReturnType<typeof codeState>;

/** What the run found, as written to report.json (list, charts and cRuntime: for the markdown only). */
export interface Report {
  env: {
    date: string;
    mode: string;
    runs: number;
    node: string;
    cpus: string;
    loadavgAtEnd: number[];
    rssMethod: string;
    media: Record<string, string>;
    seconds: number;
    code: { start: CodeState; end: CodeState };
  };
  versions: Record<string, unknown>;
  imports: Record<string, ImportTime>;
  rows: Row[];
  targets: Target[];
  latency: Latency[];
  callgrind: Callgrind | null;
  soak: Soak | null;
  /** --baseline: the other checkout, its rows and the ratios of this checkout's rows to them */
  baseline?: { dir: string; code: CodeState; rows: Row[]; ratios: BaselineRatio[] };
}

export function table(rows: Row[]): string {
  const head = [
    'workload',
    'contender',
    'throughput (median [min–max])',
    'µs/packet',
    'vs C',
    'loop CPU ms/item',
    'CPU vs C',
    'wall s',
    'CPU s',
    'peak RSS MiB',
    'ΔRSS vs C',
    'EL p99 / max ms',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  let last = '';
  for (const r of rows) {
    const tp = `${fmtRate(r.throughput.median)} ${r.unit} [${fmtRate(r.throughput.min)}–${fmtRate(r.throughput.max)}]${r.countMismatch ? ' ⚠count' : ''}`;
    lines.push(
      `| ${r.workload === last ? '' : r.workload} | ${r.contender} | ${tp} | ${fmt(r.usPerPacket, 2)} | ${fmt(r.ratioToC, 2)}× | ${r.cpuMsPerItem === null ? '—' : r.cpuMsPerItem < 0.1 ? r.cpuMsPerItem.toFixed(4) : r.cpuMsPerItem.toFixed(2)} | ${r.cpuRatioToC === null ? '—' : `${fmt(r.cpuRatioToC, 2)}×`} | ${fmt(r.wallSeconds, 2)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.maxRssMiB)} | ${r.rssDeltaMiB === null ? '—' : (r.rssDeltaMiB >= 0 ? '+' : '') + r.rssDeltaMiB.toFixed(1)} | ${r.loopP99Ms === null ? '—' : `${fmt(r.loopP99Ms, 1)} / ${fmt(r.loopMaxMs, 1)}`} |`,
    );
    last = r.workload;
  }
  return lines.join('\n');
}

/** The markdown report; list and charts: the workloads run and the chart files written. */
export function markdown(report: Report, list: Workload[], charts: string[]): string {
  const { env, rows, targets, latency, callgrind: cg, soak, imports, versions: ver } = report;
  const runs = env.runs;
  const addonChanged = env.code.start.addon.split(',')[0] !== env.code.end.addon.split(',')[0];
  const cRuntime = (ver.cref as { runtime: string }).runtime;
  const nodeAv = ver.nodeAv;
  return [
    `# avforge benchmark (${env.mode})`,
    '',
    `${env.date}, node ${env.node}, ${env.cpus}, load average at end ${env.loadavgAtEnd.join(' ')}; ${runs} runs per contender, interleaved; took ${env.seconds} s.`,
    '',
    `Code measured: addon ${env.code.start.addon}${addonChanged ? ` (**changed during the run**, to ${env.code.end.addon})` : ''}; commit ${env.code.start.commit}${env.code.start.dirty.length ? ` plus uncommitted changes to ${env.code.start.dirty.length} files under native/ and src/ (${env.code.start.dirty.slice(0, 12).join(', ')}${env.code.start.dirty.length > 12 ? ', …' : ''})` : ''}.`,
    '',
    table(rows),
    '',
    'Throughput: counted items over the seconds each program measures around its own loop (after opening input and codec; the CLI: `-benchmark` rtime, which also covers codec opening). vs C: throughput ratio to the C program making the same libav calls. Wall and CPU: the whole process. Peak RSS: ' +
      env.rssMethod +
      ". Loop CPU ms/item: CPU time of every thread of the process inside the timed loop (the C programs: getrusage; node: process.cpuUsage(); the CLI: -benchmark utime+stime) per counted item; CPU vs C: C's CPU per item over this row's (above 1× means less CPU than C for the same work). On a machine shared with other work, wall-time ratios swing with the load; the CPU column much less. EL p99 / max: event-loop delay p99 and max during the loop (perf_hooks.monitorEventLoopDelay, 1 ms resolution; an idle loop reads ≈1 ms).",
    '',
    ...(report.baseline ? baselineSection(report.baseline) : []),
    '## Targets',
    '',
    '| target | measured | status |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.status} |`),
    '',
    '## Per-frame latency (avforge frames(), 1080p60 decode)',
    '',
    'The gap between consecutive frames yielded by `decoder.frames()` (submit-to-output latency is not observable from JS); medians over runs.',
    '',
    ...latency.map(
      (l) =>
        `- ${l.workload}: p50 ${fmt(l.p50Ms, 2)} ms, p99 ${fmt(l.p99Ms, 2)} ms, max ${fmt(l.maxMs, 2)} ms, within 16.7 ms: ${fmt(l.within === null ? null : l.within * 100, 1)}% (${l.n} gaps per run)`,
    ),
    '',
    '## Binding overhead (callgrind, demux only)',
    '',
    cg === null
      ? '- not run (--no-callgrind or --only)'
      : cg.error
        ? `- not measured: ${cg.error}`
        : `- instructions per packet: C av_read_frame ${fmt(cg.cPerPacket ?? null, 0)}, avforge readInto() ${fmt(cg.avforgePerPacket ?? null, 0)}, difference ${fmt(cg.diffPerPacket ?? null, 0)} per packet (passes ${cfg.callgrindPasses.join(' vs ')}, per-packet = difference of totals over difference of packets, so start-up cancels)`,
    '',
    '## Memory soak',
    '',
    soak === null
      ? '- not run (--no-soak or --only)'
      : `- ${soak.seconds.toFixed(0)} s of decode 360p + libx264 ultrafast re-encode, ${soak.iterations} iterations; after ${soak.warmupSeconds} s warm-up: RSS ${fmt(soak.rssBaseMiB)} → ${fmt(soak.rssEndMiB)} MiB (${soak.rssGrowth === null ? '—' : `${(soak.rssGrowth * 100).toFixed(2)}%`}), JS heap ${fmt(soak.heapBaseMiB)} → ${fmt(soak.heapEndMiB)} MiB (${soak.heapGrowth === null ? '—' : `${(soak.heapGrowth * 100).toFixed(2)}%`}); peak RSS ${fmt(soak.maxRssMiB)} MiB`,
    ...(soak?.heapTotalMiB && soak.mallocInUseMiB
      ? [
          `- where the RSS is, same samples: V8's committed heap ${fmt(soak.heapTotalMiB[0])} → ${fmt(soak.heapTotalMiB[1])} MiB, the C allocator's bytes in use (every library's) ${fmt(soak.mallocInUseMiB[0])} → ${fmt(soak.mallocInUseMiB[1])} MiB`,
        ]
      : []),
    '',
    '## Charts',
    '',
    ...charts.map((c) => `![${c}](${c})`),
    '',
    '## Workloads',
    '',
    ...list.map((w) => `- **${w.name}**: ${w.note}.`),
    "- The CLI rows are references, not the same calls: `-c copy -f null` also runs the remux path (its packet count is taken from the C program, the CLI does not print it); the decode and encode rows run the CLI's whole pipeline.",
    '',
    '## Extras (medians)',
    '',
    ...rows
      .filter((r) => Object.keys(r.extra).some((k) => /Seconds$/.test(k) && k !== 'openSeconds'))
      .map(
        (r) =>
          `- ${r.workload} / ${r.contender}: ${Object.entries(r.extra)
            .filter(([k]) => /Seconds$/.test(k))
            .map(([k, v]) => `${k} ${fmt(v, 3)}`)
            .join(', ')}`,
      ),
    ...list.map(
      (w) =>
        `- open (input + codec), ${w.name}: ` +
        rows
          .filter((r) => r.workload === w.name && r.extra.openSeconds != null)
          .map((r) => `${r.contender} ${fmt(r.extra.openSeconds ?? null, 3)} s`)
          .join(', '),
    ),
    '',
    `## Import time (median of ${cfg.importRuns}, wall ms of a whole node process)`,
    '',
    ...Object.entries(imports).map(([k, v]) => `- \`${k}\`: ${v.ms.toFixed(1)} ms, peak RSS ${fmt(v.maxRssMiB)} MiB`),
    '',
    '## FFmpeg versions',
    '',
    `- ffmpeg CLI: ${(ver.cli as { version: string }).version}; ${(ver.cli as { libs: string[] }).libs.join('; ')}`,
    `- avforge versions(): ${JSON.stringify(ver.avforge)}`,
    `- C reference: built with pkg-config ${JSON.stringify((ver.cref as { pkgConfig: unknown }).pkgConfig)}, runs on ${cRuntime}`,
    ...(nodeAv ? [`- node-av peer (bundles its own FFmpeg): ${JSON.stringify(nodeAv).slice(0, 300)}`] : []),
    '',
  ].join('\n');
}

/** --baseline: this checkout's avforge rows over the baseline's, per item, wall and CPU. */
function baselineSection(b: NonNullable<Report['baseline']>): string[] {
  const ratio = (x: number | null, range: [number, number] | null): string =>
    x === null ? '—' : `${x.toFixed(3)}${range ? ` [${range[0].toFixed(2)}–${range[1].toFixed(2)}]` : ''}`;
  let last = '';
  const lines = b.ratios.map((r) => {
    const line = `| ${r.workload === last ? '' : r.workload} | ${r.contender} | ${ratio(r.wall, r.wallRange)} | ${ratio(r.cpu, r.cpuRange)} | ${r.cpu !== null && r.cpu > 1.02 ? `CPU +${((r.cpu - 1) * 100).toFixed(1)}%` : ''} |`;
    last = r.workload;
    return line;
  });
  const worst = b.ratios.reduce<BaselineRatio | null>((w, r) => (r.cpu !== null && (w === null || r.cpu > w.cpu!) ? r : w), null);
  return [
    `## Against the baseline (${b.dir})`,
    '',
    `Baseline: addon ${b.code.addon}; commit ${b.code.commit}${b.code.dirty.length ? ` plus uncommitted changes to ${b.code.dirty.length} files under native/ and src/` : ''}. ` +
      'Each avforge contender also ran from the baseline checkout (its compiled workloads, its addon), beside this one in the same runs. ' +
      "Ratios are this checkout over the baseline, per item inside the timed loop (above 1: slower or more CPU now): the ratio of the medians, then the range of the runs' paired ratios.",
    '',
    '| workload | contender | loop s/item, new/old | loop CPU/item, new/old | over 2% |',
    '|---|---|---|---|---|',
    ...lines,
    '',
    worst === null
      ? '- no CPU figures'
      : `- most CPU per item against the baseline: ${worst.workload} / ${worst.contender}, ${ratio(worst.cpu, worst.cpuRange)}`,
    '',
  ];
}
