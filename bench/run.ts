// The benchmark suite: avforge against C programs making the same libav calls (bench/cref/)
// and against the ffmpeg CLI, on media the suite generates (bench/.media/).
//
//   npm run bench                 full: 10 s 1080p60 media, median of 5 runs
//   npm run bench -- --quick      short media, median of 3 runs (a few minutes at most)
//   options: --runs N, --only SUBSTRING (workload or contender; repeat it for several), --no-import, --peers (node-av),
//            --soak DURATION (30m, 120s; default 2 min, --quick 30 s), --no-soak, --no-callgrind,
//            --baseline DIR (another built avforge checkout: its avforge contenders run beside these),
//            --publish (a full run only: the report also goes to docs/benchmarks.md, charts to docs/benchmarks/)
//
// Every contender runs as its own process, interleaved with the others run after run, under
// the same peak-RSS measurement (/usr/bin/time -f %M when present, else the process's own
// VmHWM / the CLI's -benchmark maxrss). Throughput comes from the time each program measures
// around its own loop (the CLI: -benchmark's rtime), so process start-up is excluded; wall
// time and CPU time of the whole process are reported beside it.
// Writes bench/report/report.json and bench/report/report.md.
//
// The modules: config (command line, sizes, paths), exec (measured child processes), media (the
// C programs and the media), contenders and registry (the workloads), runner (runs and baseline
// pairing), stats (medians, rows), measures (import time, versions, callgrind, soak), targets,
// charts and report.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { writeCharts } from './charts.js';
import {
  baselineDir,
  baselineWorkloadsDir,
  binDir,
  cfg,
  distIndex,
  flag,
  log,
  matches,
  only,
  peers,
  publishedReport,
  quick,
  reportDir,
  root,
  runs,
  timeBin,
  workloadsDir,
} from './config.js';
import { installPeers, nodeAvInstalled } from './contenders.js';
import { exec, lastJson, mustRun } from './exec.js';
import { buildCref, makeMedia } from './media.js';
import { callgrind, codeState, importTimes, runSoak, versions, type ImportTime } from './measures.js';
import { registry } from './registry.js';
import { markdown, type Report } from './report.js';
import { compareToBaseline, runWorkload, select } from './runner.js';
import { frameGaps, type Row } from './stats.js';
import { evaluateTargets } from './targets.js';

async function main(): Promise<void> {
  const started = performance.now();
  for (const tool of ['cc', 'pkg-config', 'ffmpeg'])
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`bench needs ${tool} on PATH`);
    }
  if (!fs.existsSync(distIndex)) throw new Error('dist/ is missing: npm run build:ts');
  if (flag('publish') && (quick || only || baselineDir !== undefined)) throw new Error('--publish: only a full run of every workload is published');
  if (baselineDir !== undefined && !(fs.existsSync(path.join(baselineDir, 'build', 'Release', 'avforge.node')) && fs.existsSync(baselineWorkloadsDir!)))
    throw new Error(`--baseline ${baselineDir}: needs a built checkout (build/Release/avforge.node and build/bench/workloads/: npm run build there)`);
  log(`avforge bench (${quick ? 'quick' : 'full'}): ${runs} runs per contender; peak RSS from ${timeBin ?? "each process's own VmHWM"}`);
  const codeAtStart = codeState(root);
  log(
    `addon: ${codeAtStart.addon}; commit ${codeAtStart.commit}${codeAtStart.dirty.length ? `, ${codeAtStart.dirty.length} files changed under native/ and src/` : ''}`,
  );
  const baselineCode = baselineDir === undefined ? undefined : codeState(baselineDir);
  if (baselineCode) log(`baseline ${baselineDir}: addon ${baselineCode.addon}; commit ${baselineCode.commit}`);
  buildCref();
  const media = await makeMedia();
  const ver = await versions();
  const probe = lastJson((await mustRun(path.join(binDir, 'demux'), [media.clip, String(cfg.demuxPasses)])).stdout);
  const cRuntime = probe.ffmpeg as string;
  (ver.cref as Record<string, unknown>).runtime = cRuntime;

  installPeers();
  const list = select(registry(media, Number(probe.packets)));

  const rows: Row[] = [];
  const baselineRows: Row[] = [];
  for (const w of list) {
    const r = await runWorkload(w);
    rows.push(...r.rows);
    baselineRows.push(...r.baselineRows);
  }

  const imports: Record<string, ImportTime> = flag('no-import') ? {} : await importTimes();
  const wants = (name: string): boolean => !only || matches(name);
  const cg = !flag('no-callgrind') && wants('callgrind') ? await callgrind(media.clip) : null;
  const soak = !flag('no-soak') && wants('soak') ? await runSoak(media.small) : null;
  if (peers && nodeAvInstalled()) {
    const r = await exec(process.execPath, [path.join(workloadsDir, 'peer_nodeav.js'), '--file', media.hd, '--versions']);
    (ver as Record<string, unknown>).nodeAv = r.code === 0 ? lastJson(r.stdout) : { error: r.stderr.slice(-300) };
  }
  const latency = frameGaps(rows);
  const targets = evaluateTargets(rows, list, imports, cg, soak);
  fs.mkdirSync(reportDir, { recursive: true });
  const charts = writeCharts(rows, soak, latency);
  const env: Report['env'] = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    runs,
    node: process.version,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
    loadavgAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
    rssMethod: timeBin ? '/usr/bin/time -f %M (max RSS of each process)' : 'VmHWM reported by each process (the CLI: -benchmark maxrss)',
    media: Object.fromEntries(Object.entries(media).map(([k, v]) => [k, path.relative(root, v)])),
    seconds: Math.round((performance.now() - started) / 1000),
    code: { start: codeAtStart, end: codeState(root) },
  };
  // a rebuild that gave the same binary (same sha1) is not a change of the code measured
  if (env.code.start.addon.split(',')[0] !== env.code.end.addon.split(',')[0])
    log(`WARNING: the addon changed during the run: ${env.code.start.addon} -> ${env.code.end.addon}`);

  const report: Report = { env, versions: ver, imports, rows, targets, latency, callgrind: cg, soak };
  if (baselineDir !== undefined) report.baseline = { dir: baselineDir, code: baselineCode!, rows: baselineRows, ratios: compareToBaseline(rows, baselineRows) };
  const md = markdown(report, list, charts);
  fs.writeFileSync(path.join(reportDir, 'report.json'), JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(reportDir, 'report.md'), md);
  console.log(`\n${md}`);
  log(`wrote ${path.relative(root, reportDir)}/report.json and report.md`);
  if (flag('publish')) publish(md, charts);
}

/** docs/benchmarks.md, with its charts beside it in docs/benchmarks/ (the links rewritten). */
function publish(md: string, charts: string[]): void {
  const dir = publishedReport.replace(/\.md$/, '');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let out = md;
  for (const name of charts) {
    fs.copyFileSync(path.join(reportDir, name), path.join(dir, name));
    out = out.split(`](${name})`).join(`](${path.basename(dir)}/${name})`);
  }
  fs.writeFileSync(publishedReport, out);
  log(`published ${path.relative(root, publishedReport)} and ${charts.length} charts in ${path.relative(root, dir)}/`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
