// The migrations against what they replace, side by side in one run:
//   `avforge ffmpeg ARGS` against spawning `ffmpeg ARGS` (each a process, as a shell script runs them),
//   `avforge batch -j 1` (the same command lines, one per line, in one process) against a loop of `ffmpeg`,
//   avforge/ffmpeg's ffmpeg(ARGS) against execFile('ffmpeg', ARGS) (Node code building argument lists), and
//   avforge/fluent against fluent-ffmpeg 2.1.3 (which spawns ffmpeg; avforge/fluent runs in process),
// for a transcode (H.264 + AAC), a remux (MP4 -> MKV, copied) and a thumbnail job: many short jobs
// (per-job wall, where starting ffmpeg costs most) and a long one (throughput), on media this
// script generates (bench/.media/migration/). Each pair runs interleaved (A B A B, the order flipped
// every other pair); min / median / max wall seconds per job, and the median of the pairs' ratios.
//
//   npm run bench:migration [-- --jobs 50 --runs 3 --seconds 20 --fluent DIR]
//
// --fluent: fluent-ffmpeg's folder (default ../shared/conformance/fluent-ffmpeg beside the
// checkout, or /work/shared/conformance/fluent-ffmpeg); its lib is loaded from there at run time,
// with its two dependencies (async, which) installed once into bench/.media/fluent-deps/.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { versions } from '../dist/avforge.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    fluent: { type: 'string' },
  },
});
const jobsCount = Number(values.jobs);
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const fluentDir = [values.fluent, path.join(root, '..', 'shared', 'conformance', 'fluent-ffmpeg'), '/work/shared/conformance/fluent-ffmpeg'].find(
  (d) => d && fs.existsSync(path.join(d, 'lib', 'fluent-ffmpeg.js')),
);
if (!fluentDir) throw new Error('bench:migration: fluent-ffmpeg not found (pass --fluent DIR)');

const media = path.join(root, 'bench', '.media', 'migration');
fs.mkdirSync(media, { recursive: true });
const ffmpegQuiet = (args) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
const makeClip = (file, size, duration) => {
  if (fs.existsSync(file)) return file;
  ffmpegQuiet([
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30:duration=${duration}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${duration}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', `${file}.partial.mp4`],
  ]);
  fs.renameSync(`${file}.partial.mp4`, file);
  return file;
};
const short = makeClip(path.join(media, 'short-640x360-2s.mp4'), '640x360', 2);
const long = makeClip(path.join(media, `long-1280x720-${seconds}s.mp4`), '1280x720', seconds);

// fluent-ffmpeg's dependencies, beside (not in) the suite's folder, found through NODE_PATH
const deps = path.join(root, 'bench', '.media', 'fluent-deps');
if (!fs.existsSync(path.join(deps, 'node_modules', 'which'))) {
  fs.mkdirSync(deps, { recursive: true });
  fs.writeFileSync(path.join(deps, 'package.json'), '{"private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', 'async@0.2.10', 'which@1'], { cwd: deps, stdio: 'ignore' });
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-migration-'));
// each job as a script would run ffmpeg; the fluent side builds the same command (migration_fluent.cjs)
const cliJobs = {
  transcode: (input, o) => ['-i', input, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-c:a', 'aac', '-b:a', '128k', `${o}.mp4`],
  remux: (input, o) => ['-i', input, '-c', 'copy', `${o}.mkv`],
  thumbnail: (input, o) => ['-ss', '0.5', '-i', input, '-frames:v', '1', `${o}.jpg`],
  thumbnails: (input, o) => ['-i', input, '-vf', 'fps=1', `${o}-%03d.jpg`],
};
const cases = [
  { job: 'transcode', label: 'transcode (libx264 veryfast + AAC)', input: short, count: jobsCount, what: `${jobsCount} short jobs, 640x360 2 s` },
  { job: 'remux', label: 'remux MP4 -> MKV', input: short, count: jobsCount, what: `${jobsCount} short jobs, 640x360 2 s` },
  { job: 'thumbnail', label: 'thumbnail (one JPEG at 0.5 s)', input: short, count: jobsCount, what: `${jobsCount} short jobs, 640x360 2 s` },
  { job: 'transcode', label: 'transcode (libx264 veryfast + AAC)', input: long, count: runs, what: `1 long job, 1280x720 ${seconds} s` },
  { job: 'remux', label: 'remux MP4 -> MKV', input: long, count: runs, what: `1 long job, 1280x720 ${seconds} s` },
  { job: 'thumbnails', label: 'thumbnails (one JPEG a second)', input: long, count: runs, what: `1 long job, 1280x720 ${seconds} s` },
];

const timed = (cmd, args) => {
  const t = performance.now();
  const p = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${p.stderr}`);
  return performance.now() - t;
};
/** `count` pairs of runs, the old route's and avforge's, their order flipped every other pair. */
function interleaved(count, runOld, runNew) {
  const walls = { old: [], new: [] };
  for (let i = 0; i < count; i++) {
    const pair = [
      ['old', runOld],
      ['new', runNew],
    ];
    for (const [side, run] of i % 2 ? pair.reverse() : pair) walls[side].push(run());
  }
  return walls;
}
// ffmpeg CLI vs avforge ffmpeg, the same argv, each a fresh process, interleaved
function cliRoute(c) {
  const common = ['-v', 'error', '-y'];
  const ffmpeg = (o) => timed('ffmpeg', [...common, ...cliJobs[c.job](c.input, o)]);
  const avforge = (o) => timed(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), 'ffmpeg', ...common, ...cliJobs[c.job](c.input, o)]);
  ffmpeg(path.join(out, 'warm-cli'));
  avforge(path.join(out, 'warm-avf'));
  return interleaved(
    c.count,
    () => ffmpeg(path.join(out, 'cli')),
    () => avforge(path.join(out, 'avf')),
  );
}
// a loop spawning ffmpeg per command vs one `avforge batch -j 1` of the same lines (sequential
// both): per-job wall is each batch's wall over its lines, 3 batches per side, interleaved
function batchRoute(c) {
  const lines = (o) => Array.from({ length: c.count }, (_, i) => ['-v', 'error', '-y', ...cliJobs[c.job](c.input, `${o}${i}`)]);
  const quote = (a) => `'${a.replaceAll("'", "'\\''")}'`;
  const list = path.join(out, 'batch.txt');
  const loop = (o) => {
    const t = performance.now();
    for (const args of lines(o)) timed('ffmpeg', args);
    return (performance.now() - t) / c.count;
  };
  const batch = (o) => {
    fs.writeFileSync(
      list,
      lines(o)
        .map((args) => `ffmpeg ${args.map(quote).join(' ')}\n`)
        .join(''),
    );
    return timed(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), 'batch', '-j', '1', list]) / c.count;
  };
  return interleaved(
    3,
    () => loop(path.join(out, 'loop')),
    () => batch(path.join(out, 'batch')),
  );
}
// execFile('ffmpeg') vs ffmpeg() from avforge/ffmpeg, in one Node process per case (migration_execfile.mjs)
function execFileRoute(c) {
  const p = spawnSync(process.execPath, [path.join(root, 'bench', 'migration_execfile.mjs'), out, String(c.count)], {
    encoding: 'utf8',
    env: { ...process.env, ARGS_JSON: JSON.stringify(['-v', 'error', '-y', ...cliJobs[c.job](c.input, 'OUT')]) },
  });
  if (p.status !== 0) throw new Error(`execFile ${c.job} failed:\n${p.stderr}`);
  const walls = JSON.parse(p.stdout.trim().split('\n').at(-1));
  return { old: walls.execFile, new: walls.avforge };
}
// fluent-ffmpeg vs avforge/fluent, in one Node process per case (migration_fluent.cjs)
function fluentRoute(c) {
  const p = spawnSync(process.execPath, [path.join(root, 'bench', 'migration_fluent.cjs'), c.job, c.input, out, String(c.count)], {
    encoding: 'utf8',
    env: { ...process.env, FLUENT_LIB: fluentDir, NODE_PATH: path.join(deps, 'node_modules') },
  });
  if (p.status !== 0) throw new Error(`fluent ${c.job} failed:\n${p.stderr}`);
  const walls = JSON.parse(p.stdout.trim().split('\n').at(-1));
  return { old: walls.fluent, new: walls.avforge };
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (ms) => {
  const s = sorted(ms).map((x) => x / 1000);
  const f = (x) => (x < 1 ? x.toFixed(3) : x.toFixed(2));
  return `${f(s[0])} / **${f(median(s))}** / ${f(s.at(-1))}`;
};

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const started = performance.now();
const loadBefore = load();
const rows = [];
for (const c of cases)
  for (const [run, names] of [
    [cliRoute, ['`ffmpeg`', '`avforge ffmpeg`']],
    [batchRoute, ['a loop of `ffmpeg`', '`avforge batch -j 1`']],
    [execFileRoute, ["`execFile('ffmpeg', args)`", '`ffmpeg(args)` (avforge/ffmpeg)']],
    [fluentRoute, ['fluent-ffmpeg', 'avforge/fluent']],
  ]) {
    const w = run(c);
    const ratios = w.old.map((o, i) => o / w.new[i]);
    rows.push(`| ${c.label} | ${c.what} | ${names[0]} → ${names[1]} | ${spread(w.old)} | ${spread(w.new)} | **${median(ratios).toFixed(2)}x** |`);
    process.stderr.write('.');
  }
process.stderr.write('\n');
fs.rmSync(out, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `FFmpeg ${versions().ffmpeg} (the CLI and avforge's libav* alike), Node ${process.version}, ${os.cpus().length} x ${cpu}; ` +
    `load average ${loadBefore} before, ${load()} after; ${((performance.now() - started) / 60000).toFixed(1)} min.`,
);
console.log(
  `Short jobs: ${jobsCount} per side; long jobs: ${runs} per side. Wall seconds per job, min / **median** / max; speed-up: the median of the paired ratios (old / avforge; above 1 is faster).`,
);
console.log('');
console.log('| job | size | route: old → avforge | old: s per job | avforge: s per job | avforge speed-up |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
