// The Engine's isolation cost: the same jobs through `new Engine({ isolation })` with 'none' (in
// this process) and 'process' (each job in a pooled child process). One warm-up job runs before
// the clock in both modes (it loads the addon, and for 'process' starts the job processes:
// reported as firstJobSeconds), so the timed loop is the steady state a service sees.
//
//   --op probe --file F --jobs N --isolation none|process
//       N probe jobs one after another (concurrency 1): the per-job overhead.
//   --op remux --file F --jobs N --isolation none|process
//       N remux jobs of the first second of F (remux({ duration: 1 })) to .mkv, one after another.
//   --op transcode --file F --jobs N --concurrency C --isolation none|process
//       N transcodes of F to libx264 ultrafast (video only, .mkv) with C at once: throughput.
//
// For 'process' the loop's CPU time adds the job processes' (from /proc/PID/stat), so that the
// CPU column counts all the work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Engine, localOptions } from '../../src/engine/engine.js';
import { LocalBackend } from '../../src/engine/backends/local.js';
import type { JobDescription } from '../../src/engine/job.js';
import { setLogLevel } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';

const args = parseArgs();
const op = need(args, 'op');
const file = need(args, 'file');
const jobs = Number(args.get('jobs') ?? 50);
const isolation = need(args, 'isolation') as 'none' | 'process';
const concurrency = Number(args.get('concurrency') ?? 1);
setLogLevel('error');

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-bench-isolation-'));
let n = 0;
function job(): JobDescription {
  const output = path.join(outDir, `out-${n++ % 8}.mkv`);
  if (op === 'probe') return { type: 'probe', input: file };
  if (op === 'remux') return { type: 'remux', input: file, output, options: { duration: 1 } };
  return { type: 'transcode', input: file, output, options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: false } };
}

/** Seconds of CPU the processes have used (utime + stime of /proc/PID/stat). */
function cpuOf(pids: number[]): number {
  const tick = 100; // USER_HZ
  let sum = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      sum += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // gone
    }
  }
  return sum;
}

const backend = new LocalBackend(localOptions({ concurrency, isolation }));
const engine = new Engine({ backend });
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => engine.submit(job()).done));
const firstJobSeconds = seconds(t0);

const pids = backend.processIds();
const childCpu0 = cpuOf(pids);
const loop = watchLoop();
const t1 = performance.now();
const results = await Promise.all(Array.from({ length: jobs }, () => engine.submit(job()).done));
const elapsed = seconds(t1);
const loopDelay = loop.stop();
const childCpuSeconds = cpuOf(pids) - childCpu0;
await engine.close();
fs.rmSync(outDir, { recursive: true, force: true });

const frames = op === 'transcode' ? results.reduce<number>((a, r) => a + ((r as { frames: number[] }).frames[0] ?? 0), 0) : 0;
loopDelay.cpuMs += Math.round(childCpuSeconds * 1000);
report({ jobs, frames, seconds: elapsed, msPerJob: (elapsed * 1000) / jobs, firstJobSeconds, childCpuSeconds, processes: pids.length, loop: loopDelay });
