#!/usr/bin/env node
// Builds the libFuzzer harnesses (fuzz/*_fuzzer.cc + native/common/io_channel.cc, clang 14 with
// ASan/UBSan, into fuzz/bin) and runs each for a share of --minutes N (default 2) on a seed
// corpus made from small generated media (fuzz/corpus). Reports executions, crashes and
// timeouts, separating crashes inside FFmpeg's libraries from crashes in avforge code.
// Usage: npm run fuzz -- --minutes N [--only stream|memory] [--no-install]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const minutes = Number(opt('minutes', '2'));
if (!(minutes > 0)) throw new Error('--minutes N (N > 0)');
const harnesses = opt('only', 'stream,memory').split(',');
const CXX = process.env.CXX_FUZZ ?? 'clang++-14';

function sh(cmd, a, o = {}) {
  return execFileSync(cmd, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...o }).trim();
}

// 1. The toolchain (idempotent): clang 14 and its runtime (libFuzzer, ASan, UBSan).
function ensureToolchain() {
  const need = ['clang-14', 'libclang-rt-14-dev'].filter(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true,
  );
  if (need.length === 0 || args.includes('--no-install')) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  console.log(`fuzz: installing ${need.join(' ')}`);
  const run = (a) =>
    execFileSync(sudo.length ? 'sudo' : a[0], sudo.length ? a : a.slice(1), {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...need]);
}

// 2. Build (skipped when the binary is newer than every source).
function build(name) {
  const out = path.join(here, 'bin', `${name}_fuzzer`);
  const sources = [path.join(here, `${name}_fuzzer.cc`), path.join(root, 'native/common/io_channel.cc'), path.join(here, 'stub_error.cc')];
  const deps = [
    ...sources,
    path.join(here, 'common.h'),
    path.join(root, 'native/common/io_channel.h'),
    path.join(root, 'native/common/error.h'),
    path.join(root, 'native/common/compat.h'),
  ];
  if (fs.existsSync(out) && deps.every((d) => fs.statSync(d).mtimeMs < fs.statSync(out).mtimeMs)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const pc = (what) => sh('pkg-config', [what, 'libavformat', 'libavcodec', 'libavutil']).split(/\s+/).filter(Boolean);
  console.log(`fuzz: building ${path.relative(root, out)}`);
  execFileSync(
    CXX,
    [
      '-g',
      '-O1',
      '-std=c++17',
      '-fsanitize=fuzzer,address,undefined',
      '-fno-omit-frame-pointer',
      '-w',
      `-I${path.join(here, 'stub')}`,
      `-I${path.join(root, 'native')}`,
      ...pc('--cflags'),
      ...sources,
      ...pc('--libs'),
      '-lpthread',
      '-o',
      out,
    ],
    { stdio: 'inherit' },
  );
  return out;
}

// 3. Seeds: tiny files of several formats, made with the ffmpeg CLI; byte 0 is the harness's mode byte.
function seeds(name) {
  const dir = path.join(here, 'corpus', name);
  fs.mkdirSync(dir, { recursive: true });
  const media = path.join(here, 'corpus', '.media');
  fs.mkdirSync(media, { recursive: true });
  const v = ['-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=10:duration=0.3'];
  const a = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=0.3'];
  const recipes = {
    'h264-aac.mp4': [...v, ...a, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-movflags', '+faststart'],
    'mpeg2-mp2.ts': [...v, ...a, '-c:v', 'mpeg2video', '-c:a', 'mp2', '-shortest'],
    'vp9-opus.webm': [...v, ...a, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-ar', '48000', '-shortest'],
    'mjpeg.avi': [...v, '-c:v', 'mjpeg'],
    'audio.mp3': [...a, '-c:a', 'libmp3lame'],
    'audio.flac': [...a, '-c:a', 'flac'],
    'image.png': [...v, '-frames:v', '1', '-c:v', 'png'],
    'hevc.mkv': [...v, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error'],
  };
  for (const [file, r] of Object.entries(recipes)) {
    const src = path.join(media, file);
    if (!fs.existsSync(src)) {
      const p = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...r, src], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (p.status !== 0) continue; // an encoder this FFmpeg lacks
    }
    const bytes = fs.readFileSync(src).subarray(0, 60000);
    for (const mode of [0, 1, 6]) {
      const seed = path.join(dir, `seed-${mode}-${file}`);
      if (!fs.existsSync(seed)) fs.writeFileSync(seed, Buffer.concat([Buffer.from([mode]), bytes]));
    }
  }
  return dir;
}

// 4. Run, and classify what it found.
function runFuzzer(name, bin, corpus, seconds) {
  const artifacts = path.join(here, 'artifacts', name);
  const logs = path.join(here, 'logs');
  fs.mkdirSync(artifacts, { recursive: true });
  fs.mkdirSync(logs, { recursive: true });
  const log = path.join(logs, `${name}.log`);
  const before = new Set(fs.readdirSync(artifacts));
  const flags = [
    `-max_total_time=${seconds}`,
    '-timeout=10',
    '-rss_limit_mb=2048',
    '-max_len=65536',
    '-print_final_stats=1',
    `-artifact_prefix=${artifacts}/`,
    '-close_fd_mask=3',
  ];
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:allocator_may_return_null=1', UBSAN_OPTIONS: 'print_stacktrace=1' };
  return new Promise((resolve) => {
    const out = fs.openSync(log, 'w');
    // -fork keeps going after a crash; 1 job: the machine is shared.
    const p = spawn(bin, [...flags, '-fork=1', '-ignore_crashes=1', '-ignore_timeouts=1', '-ignore_ooms=1', corpus], {
      stdio: ['ignore', out, out],
      env,
      cwd: logs,
    });
    p.on('exit', (code) => {
      fs.closeSync(out);
      const text = fs.readFileSync(log, 'utf8');
      const stat = (_k) => Number(/stat::${k}:\s*(\d+)/.exec(text)?.[1] ?? NaN);
      const execs = [...text.matchAll(/#(\d+): cov:/g)].map((m) => Number(m[1])).pop() ?? stat('number_of_executed_units');
      const found = fs.readdirSync(artifacts).filter((f) => !before.has(f));
      const crashes = [];
      for (const f of found) {
        const file = path.join(artifacts, f);
        let where = 'unknown';
        if (f.startsWith('crash-') || f.startsWith('leak-')) {
          const r = spawnSync(bin, [file], { encoding: 'utf8', env, timeout: 60_000 });
          const frames = (r.stderr ?? '')
            .split('\n')
            .filter((l) => /^\s+#\d+ /.test(l))
            .slice(0, 8)
            .join('\n');
          where = /io_channel\.cc|fuzz\/stub_error|native\//.test(frames)
            ? 'avforge'
            : /libav\w+\.so|libsw\w+\.so|lib\w+\.so/.test(frames)
              ? 'ffmpeg'
              : 'unknown';
          fs.writeFileSync(`${file}.txt`, r.stderr ?? '');
        }
        crashes.push({ file: path.relative(root, file), kind: f.split('-')[0], where });
      }
      resolve({ name, seconds, code, execs, crashes, log: path.relative(root, log) });
    });
  });
}

ensureToolchain();
const seconds = Math.max(10, Math.round((minutes * 60) / harnesses.length));
const results = [];
for (const name of harnesses) {
  const bin = build(name);
  results.push(await runFuzzer(name, bin, seeds(name), seconds));
}
let bad = 0;
for (const r of results) {
  const ours = r.crashes.filter((c) => c.kind !== 'timeout' && c.kind !== 'slow' && c.where !== 'ffmpeg');
  const ffmpeg = r.crashes.filter((c) => c.where === 'ffmpeg');
  const hangs = r.crashes.filter((c) => c.kind === 'timeout' || c.kind === 'slow');
  bad += ours.length + hangs.length;
  console.log(
    `fuzz ${r.name}: ${r.execs} executions in ${r.seconds} s; crashes in avforge/unknown: ${ours.length}, in FFmpeg: ${ffmpeg.length}, timeouts: ${hangs.length}, ooms: ${r.crashes.filter((c) => c.kind === 'oom').length} (log ${r.log})`,
  );
  for (const c of r.crashes) console.log(`  ${c.kind} [${c.where}] ${c.file}`);
}
console.log(`fuzz: ${bad === 0 ? 'ok' : `${bad} finding(s) in avforge code`}`);
process.exit(bad === 0 ? 0 : 1);
