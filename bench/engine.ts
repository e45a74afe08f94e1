// The job engine against a naive Promise.all: --jobs short thumbnail jobs (default 100) through
// `new Engine()` (defaults: concurrency and threads from the core count), and the same
// thumbnails() calls all started at once with Promise.all. Each mode runs in its own process
// (a clean peak RSS), the modes alternate over --runs runs (default 3), medians are printed.
//
//   npm run build:ts && node build/bench/engine.js [--jobs 100] [--runs 3] [--file F] [--concurrency N]
//
// Reports wall time, jobs per minute, the process's peak RSS (VmHWM), and the event loop's delay
// (p99, max) while the jobs ran, with how long the JS thread waited for a CPU meanwhile.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { Engine } from '../src/engine/index.js';
import { setLogLevel, thumbnails } from '../src/index.js';
import { media } from '../test/media/generate.js';
import { parseArgs, vmhwmKiB, watchLoop, type LoopDelay } from './workloads/common.js';

const args = parseArgs();
const jobs = Number(args.get('jobs') ?? 100);

interface Run {
  mode: string;
  wallMs: number;
  jobsPerMinute: number;
  peakRssMiB: number;
  loop: LoopDelay;
  thumbnails: number;
}

/** One mode, in this process: prints one JSON line. */
async function child(mode: string, file: string): Promise<void> {
  setLogLevel('error');
  // load the addon and warm the code paths before the clock starts (as the other workloads)
  await thumbnails(file, { times: [0], width: 160 });
  const times = (i: number) => [(i % 4) * 0.4 + 0.1];
  const loop = watchLoop();
  const t0 = performance.now();
  let results: unknown[][];
  if (mode === 'engine') {
    const concurrency = args.has('concurrency') ? Number(args.get('concurrency')) : undefined;
    const engine = new Engine({ concurrency });
    const handles = Array.from({ length: jobs }, (_, i) => engine.submit({ type: 'thumbnails', input: file, options: { times: times(i), width: 160 } }));
    results = await Promise.all(handles.map((h) => h.done));
    await engine.close();
  } else {
    results = await Promise.all(Array.from({ length: jobs }, (_, i) => thumbnails(file, { times: times(i), width: 160 })));
  }
  const wallMs = performance.now() - t0;
  const run: Run = {
    mode,
    wallMs: Math.round(wallMs),
    jobsPerMinute: Math.round((jobs * 60_000) / wallMs),
    peakRssMiB: Math.round(vmhwmKiB() / 1024),
    loop: loop.stop(),
    thumbnails: results.reduce((n, r) => n + r.length, 0),
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const mode = args.get('mode');
  const file = args.get('file') ?? media('h264-aac.mp4');
  if (mode) return child(mode, file);
  const runs = Number(args.get('runs') ?? 3);
  const self = fileURLToPath(import.meta.url);
  const all: Run[] = [];
  for (let r = 0; r < runs; r++) {
    for (const m of r % 2 === 0 ? ['engine', 'naive'] : ['naive', 'engine']) {
      const extra = args.has('concurrency') ? ['--concurrency', args.get('concurrency')!] : [];
      const p = spawnSync(process.execPath, [self, '--mode', m, '--file', file, '--jobs', String(jobs), ...extra], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (p.status !== 0) throw new Error(`${m} run failed (${p.status})`);
      all.push(JSON.parse(p.stdout.trim().split('\n').pop()!) as Run);
    }
  }
  console.log(`${jobs} thumbnail jobs on ${file}, ${runs} runs each, medians:`);
  console.log('mode     wall ms  jobs/min  peak RSS MiB  loop p99 ms  loop max ms  JS runqueue wait ms');
  for (const m of ['engine', 'naive']) {
    const rs = all.filter((r) => r.mode === m);
    const col = (v: number, w: number) => String(Math.round(v * 100) / 100).padStart(w);
    console.log(
      `${m.padEnd(7)}${col(median(rs.map((r) => r.wallMs)), 9)}${col(median(rs.map((r) => r.jobsPerMinute)), 10)}${col(median(rs.map((r) => r.peakRssMiB)), 14)}${col(median(rs.map((r) => r.loop.p99Ms)), 13)}${col(median(rs.map((r) => r.loop.maxMs)), 13)}${col(median(rs.map((r) => r.loop.jsRunqueueWaitMs ?? NaN)), 21)}`,
    );
  }
  if (args.has('json')) console.log(JSON.stringify(all));
}

await main();
