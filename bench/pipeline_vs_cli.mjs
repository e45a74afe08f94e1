// transcode() and remux() against the ffmpeg CLI doing the same job on the same file with the
// same codec settings and thread counts, interleaved, as ratios from one run:
//   npm run build:ts && node bench/pipeline_vs_cli.mjs [--runs 5] [--seconds 10]
// Both sides write a real output file (the CLI is not given -f null).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { remux, transcode, versions } from '../dist/avforge.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, seconds: { type: 'string', default: '10' }, threads: { type: 'string', default: '2' } },
});
const runs = Number(values.runs);
const threads = Number(values.threads);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-vs-cli-'));
const clip = path.join(dir, 'clip.mp4');
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-y',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=1280x720:rate=30:duration=${values.seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=48000:duration=${values.seconds}`,
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-g',
  '60',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-shortest',
  clip,
]);

const jobs = [
  {
    name: `transcode H.264 -> HEVC (libx265 ultrafast, threads ${threads}), AAC copied, 720p30 ${values.seconds}s`,
    cli: (out) => [
      '-hide_banner',
      '-nostats',
      '-v',
      'info',
      '-y',
      '-threads',
      String(threads),
      '-i',
      clip,
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
      '-threads',
      String(threads),
      '-c:a',
      'copy',
      out,
    ],
    avforge: (out) =>
      transcode(clip, out, { threads, video: { codec: 'libx265', preset: 'ultrafast', options: { 'x265-params': 'log-level=error' } }, audio: 'copy' }),
    ext: 'mkv',
  },
  {
    name: 'remux mp4 -> mkv (x10 per run)',
    repeat: 10,
    cli: (out) => ['-hide_banner', '-nostats', '-v', 'info', '-y', '-i', clip, '-map', '0', '-c', 'copy', out],
    avforge: (out) => remux(clip, out),
    ext: 'mkv',
  },
  {
    name: 'remux mp4 -> fragmented MP4 (x10 per run)',
    repeat: 10,
    cli: (out) => [
      '-hide_banner',
      '-nostats',
      '-v',
      'info',
      '-y',
      '-i',
      clip,
      '-map',
      '0',
      '-c',
      'copy',
      '-movflags',
      'frag_keyframe+empty_moov+default_base_moof',
      out,
    ],
    avforge: (out) => remux(clip, out, { fragmented: true }),
    ext: 'mp4',
  },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`FFmpeg: CLI and avforge both ${versions().ffmpeg}; ${os.cpus().length} CPUs; ${runs} interleaved runs, median wall seconds`);
console.log('| job | ffmpeg CLI s: process wall (its own rtime) | avforge s (in process) | avforge speed vs CLI: wall (rtime) |');
console.log('|---|---|---|---|');
for (const job of jobs) {
  const cli = [];
  const cliInside = [];
  const ours = [];
  for (let r = 0; r < runs; r++) {
    const out = path.join(dir, `out.${job.ext}`);
    let t = performance.now();
    let inside = 0;
    for (let i = 0; i < (job.repeat ?? 1); i++) {
      // -benchmark: the CLI's own time (rtime), without starting the process and loading libav
      const p = spawnSync('ffmpeg', ['-benchmark', ...job.cli(out)], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`ffmpeg failed: ${job.name}\n${p.stderr}`);
      inside += Number(/rtime=([\d.]+)s/.exec(p.stderr)?.[1] ?? NaN);
    }
    cli.push((performance.now() - t) / 1000);
    cliInside.push(inside);
    t = performance.now();
    for (let i = 0; i < (job.repeat ?? 1); i++) await job.avforge(out);
    ours.push((performance.now() - t) / 1000);
  }
  const c = median(cli);
  const ci = median(cliInside);
  const a = median(ours);
  console.log(
    `| ${job.name} | ${c.toFixed(3)} (${ci.toFixed(3)} in -benchmark rtime) | ${a.toFixed(3)} | ${(c / a).toFixed(2)}x (${(ci / a).toFixed(2)}x against rtime) |`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });
