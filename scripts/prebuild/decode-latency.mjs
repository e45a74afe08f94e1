// Per-frame decode latency of the addon this checkout loads (a build from source or a prebuilt):
// makes a clip with the ffmpeg CLI (H.264, 640x360, 300 frames, threads 1 for a steady
// measure), then times each Decoder.decode() of one packet and prints the percentiles. Under
// qemu it is a correctness run (every frame decodes, in order), not a speed figure.
// Usage: node scripts/prebuild/decode-latency.mjs [FRAMES]   (after npm run build:ts)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Decoder, Demuxer, versions } from '../../dist/avforge.js';

const frames = Number(process.argv[2] ?? 300);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-latency-'));
const clip = path.join(dir, 'clip.mp4');
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=640x360:rate=30`,
  '-frames:v',
  String(frames),
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-g',
  '30',
  '-bf',
  '0',
  '-pix_fmt',
  'yuv420p',
  clip,
]);
const input = await Demuxer.open(clip);
const decoder = await Decoder.open(input.bestStream('video'), { threads: 1 });
const times = [];
let decoded = 0;
let lastPts = -Infinity;
try {
  for (let packet = await input.read(); packet; packet = await input.read()) {
    const t0 = process.hrtime.bigint();
    const out = await decoder.decode(packet);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    packet.close();
    for (const f of out) {
      if (f.pts !== null && f.pts <= lastPts) throw new Error(`frame ${decoded}: pts ${f.pts} after ${lastPts}`);
      lastPts = f.pts ?? lastPts;
      decoded++;
      f.close();
    }
  }
  for (const f of await decoder.flush()) {
    decoded++;
    f.close();
  }
} finally {
  await Promise.all([decoder.close(), input.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
}
if (decoded !== frames) throw new Error(`decoded ${decoded} frames of ${frames}`);
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(2);
console.log(
  `decode latency (${os.arch()}, FFmpeg ${versions().ffmpeg}, H.264 640x360, ${decoded} frames, 1 thread): ` +
    `p50 ${pct(50)} ms, p90 ${pct(90)} ms, p99 ${pct(99)} ms, max ${times.at(-1).toFixed(2)} ms`,
);
