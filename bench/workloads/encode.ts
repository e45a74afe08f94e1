// avforge encode contender: --codec (libx264) --preset (veryfast), yuv420p --width x --height at 60 fps,
// --frames pictures from bench/workloads/pattern.ts (the same bytes as bench/cref/encode.c):
// one Frame.alloc, then per picture makeWritable(), a row-by-row fill of frame.planes, and
// `await encoder.encode(frame)`; then flush(). Also reports the time spent in makeWritable
// and in the fill, so a copy-on-write that should not happen shows up.
import { Encoder, Frame, setLogLevel } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { fill, makeTexture } from './pattern.js';

const args = parseArgs();
const width = Number(need(args, 'width'));
const height = Number(need(args, 'height'));
const n = Number(need(args, 'frames'));
const threads = Number(args.get('threads') ?? 0);
const codec = args.get('codec') ?? 'libx264';
const preset = args.get('preset') ?? 'veryfast';
setLogLevel('error');

const texture = makeTexture(width, height);
const t0 = performance.now();
const encoder = await Encoder.open({
  codec,
  width,
  height,
  pixelFormat: 'yuv420p',
  frameRate: { num: 60, den: 1 },
  threads,
  options: codec === 'libx265' ? { preset, 'x265-params': 'log-level=error' } : { preset },
});
const openSeconds = seconds(t0);

const frame = Frame.alloc({ width, height, pixelFormat: 'yuv420p' });
let packets = 0;
let bytes = 0;
let writableMs = 0;
let fillMs = 0;
const loop = watchLoop();
const t1 = performance.now();
for (let i = 0; i < n; i++) {
  const a = performance.now();
  frame.makeWritable();
  const b = performance.now();
  fill(texture, frame.planes, frame.linesize, i);
  fillMs += performance.now() - b;
  writableMs += b - a;
  frame.pts = i;
  for (const p of await encoder.encode(frame)) {
    packets++;
    bytes += p.size;
    p.close();
  }
}
for (const p of await encoder.flush()) {
  packets++;
  bytes += p.size;
  p.close();
}
const elapsed = seconds(t1);
const loopDelay = loop.stop();
frame.close();
await encoder.close();
report({
  frames: n,
  packets,
  bytes,
  seconds: elapsed,
  openSeconds,
  makeWritableSeconds: writableMs / 1000,
  fillSeconds: fillMs / 1000,
  loop: loopDelay,
});
