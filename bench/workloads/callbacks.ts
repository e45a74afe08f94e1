// The cost per item of the callbacks a pipeline calls in JS: a frame tap (per frame, in batches
// of --batch), a custom input's read() and a chunk callback output's write() (per call). Each is
// measured as a difference: the same job with the callback and without it, the difference over
// the items (so the count/seconds the runner divides is items per second of callback cost, and
// nsPerItem is its inverse). The C reference (cref/callback.c) is a call through a function pointer.
//
//   --op tap [--batch 64] [--frames 50000]
//       transcode() of a lavfi testsrc of 32x32 frames (decoding and encoding them cost next to
//       nothing) to the null muxer: with onFrames (tapBatch B, the callback counts the frames)
//       against without.
//   --op read --file F [--chunk 4096] [--passes 10]
//       remux(F) to the null muxer from a CallbackSource whose read() returns at most --chunk
//       bytes of F (in memory), against remux(F as a path): per read() call.
//   --op write --file F [--passes 10]
//       remux(F) to Matroska through a chunk callback output (it counts the bytes) against the
//       same into a file: per write() call.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { remux, setLogLevel, transcode } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { loadAddon, loadLavfi } from './preload.js';

const args = parseArgs();
const op = need(args, 'op');
setLogLevel('error');
loadAddon();
await loadLavfi();

/** Seconds and CPU seconds (every thread) of `body`. */
async function measure(body: () => Promise<void>): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await body();
  const c = process.cpuUsage(c0);
  return [seconds(t0), (c.user + c.system) / 1e6];
}

/**
 * With and without the callback, warm-up first, 5 rounds each alternated; the difference of
 * each side's fastest round (noise only ever adds time). A difference at or below zero is a
 * cost this method cannot resolve: it is reported as NaN, never as an absurd rate.
 */
async function difference(items: () => number, withCallback: () => Promise<void>, without: () => Promise<void>): Promise<void> {
  await withCallback();
  await without();
  const a: [number, number][] = [];
  const b: [number, number][] = [];
  let n = 0;
  const loop = watchLoop();
  for (let round = 0; round < 5; round++) {
    const before = items();
    a.push(await measure(withCallback));
    n = items() - before;
    b.push(await measure(without));
  }
  const delay = loop.stop();
  const fastest = (xs: number[]) => Math.min(...xs);
  const wall = fastest(a.map((x) => x[0])) - fastest(b.map((x) => x[0]));
  const cpu = fastest(a.map((x) => x[1])) - fastest(b.map((x) => x[1]));
  const resolved = (x: number) => (x > 0 ? x : Number.NaN);
  report({
    items: n,
    seconds: resolved(wall),
    cpuSeconds: resolved(cpu),
    nsPerItem: (resolved(wall) * 1e9) / n,
    cpuNsPerItem: (resolved(cpu) * 1e9) / n,
    withSeconds: fastest(a.map((x) => x[0])),
    withoutSeconds: fastest(b.map((x) => x[0])),
    loop: delay,
  });
}

if (op === 'tap') {
  const batch = Number(args.get('batch') ?? 64);
  const frames = Number(args.get('frames') ?? 50000);
  const source = `testsrc2=size=32x32:rate=1000:duration=${frames / 1000}`;
  const settings = { format: 'null', audio: false, input: { format: 'lavfi', trusted: true }, video: { codec: 'wrapped_avframe', threads: 1 } } as const;
  let tapped = 0;
  await difference(
    () => tapped,
    async () => {
      await transcode(source, '-', {
        ...settings,
        tapBatch: batch,
        onFrames: (fs) => {
          tapped += fs.length;
        },
      });
    },
    async () => {
      await transcode(source, '-', settings);
    },
  );
} else if (op === 'read') {
  const file = need(args, 'file');
  const chunk = Number(args.get('chunk') ?? 4096);
  const passes = Number(args.get('passes') ?? 10);
  const data = fs.readFileSync(file);
  let calls = 0;
  await difference(
    () => calls,
    async () => {
      for (let p = 0; p < passes; p++) {
        let pos = 0;
        const source = {
          size: data.length,
          read(size: number) {
            calls++;
            const n = Math.min(size, chunk, data.length - pos);
            const out = data.subarray(pos, pos + n);
            pos += n;
            return out;
          },
          seek(position: number) {
            pos = position;
          },
        };
        await remux(source, '-', { format: 'null' });
      }
    },
    async () => {
      for (let p = 0; p < passes; p++) await remux(file, '-', { format: 'null' });
    },
  );
} else if (op === 'write') {
  const file = need(args, 'file');
  const passes = Number(args.get('passes') ?? 10);
  const out = path.join(os.tmpdir(), `avforge-bench-callbacks-${process.pid}.mkv`);
  let calls = 0;
  await difference(
    () => calls,
    async () => {
      for (let p = 0; p < passes; p++)
        await remux(
          file,
          () => {
            calls++;
          },
          { format: 'matroska' },
        );
    },
    async () => {
      for (let p = 0; p < passes; p++) await remux(file, out, { format: 'matroska' });
    },
  );
  fs.rmSync(out, { force: true });
} else {
  console.error(`--op: tap, read or write, not ${op}`);
  process.exit(2);
}
