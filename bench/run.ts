// The benchmark suite: avforge against C programs making the same libav calls (bench/cref/)
// and against the ffmpeg CLI, on media the suite generates (bench/.media/).
//
//   npm run bench                 full: 10 s 1080p60 media, median of 5 runs
//   npm run bench -- --quick      short media, median of 3 runs (a few minutes at most)
//   options: --runs N, --only SUBSTRING (workload or contender; repeat it for several), --no-import, --peers (node-av),
//            --soak DURATION (30m, 120s; default 2 min, --quick 30 s), --no-soak, --no-callgrind
//
// Every contender runs as its own process, interleaved with the others run after run, under
// the same peak-RSS measurement (/usr/bin/time -f %M when present, else the process's own
// VmHWM / the CLI's -benchmark maxrss). Throughput comes from the time each program measures
// around its own loop (the CLI: -benchmark's rtime), so process start-up is excluded; wall
// time and CPU time of the whole process are reported beside it.
// Writes bench/report/report.json and bench/report/report.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const benchDir = path.join(root, 'bench');
const crefDir = path.join(benchDir, 'cref');
const binDir = path.join(crefDir, 'bin');
const mediaDir = path.join(benchDir, '.media');
const reportDir = path.join(benchDir, 'report');
const workloadsDir = path.join(root, 'build', 'bench', 'workloads');
const distIndex = path.join(root, 'dist', 'avforge.js'); // the package's entry (the bundle)

// ---------------------------------------------------------------------------------------------
// options

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('quick');
const runs = Number(option('runs') ?? (quick ? 3 : 5));
/** every --only value: a workload or contender runs when its name contains any of them */
const onlyList = argv.flatMap((a, i) => (a === '--only' && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
const only = onlyList.length ? onlyList : undefined;
const matches = (name: string): boolean => only !== undefined && only.some((o) => name.includes(o));
const peers = flag('peers');
/** '30m', '90s', '2h' or plain seconds. */
function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`--soak: not a duration: ${v}`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? 's']!;
}

const cfg = {
  ...(quick
    ? { hdSeconds: 2, clipSeconds: 5, demuxPasses: 20, encodeFrames: 60, importRuns: 10 }
    : { hdSeconds: 10, clipSeconds: 10, demuxPasses: 50, encodeFrames: 240, importRuns: 10 }),
  ...(quick
    ? { x265Frames: 16, transcodeFrames: 30, remuxPasses: 5, aacSeconds: 120, thumbJobs: 100, thumbAtJobs: 20, concurrentJobs: 20, smallFrames: 30, soakSeconds: 30, callgrindPasses: [1, 2] }
    : { x265Frames: 120, transcodeFrames: 150, remuxPasses: 20, aacSeconds: 1200, thumbJobs: 100, thumbAtJobs: 100, concurrentJobs: 20, smallFrames: 0, soakSeconds: 120, callgrindPasses: [1, 5] }),
};
if (option('soak') !== undefined) cfg.soakSeconds = parseDuration(option('soak')!);
const encodeSize = { width: 1280, height: 720 };

// ---------------------------------------------------------------------------------------------
// processes

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** Peak RSS in KiB measured from outside (/usr/bin/time), when available. */
  maxRssKiB: number | null;
  cpuSeconds: number | null;
}

const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function exec(cmd: string, args: string[], options: { measure?: boolean } = {}): Promise<Exec> {
  const measured = options.measure && timeBin !== null;
  const timeFile = measured ? path.join(os.tmpdir(), `avforge-bench-${process.pid}-${Math.random().toString(36).slice(2)}`) : '';
  const [c, a] = measured ? [timeBin!, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let maxRssKiB: number | null = null;
      let cpuSeconds: number | null = null;
      if (measured) {
        try {
          const line = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
          const [m, u, s] = line.split(/\s+/).map(Number);
          maxRssKiB = m!;
          cpuSeconds = u! + s!;
        } catch {
          // left null
        }
        fs.rmSync(timeFile, { force: true });
      }
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), wallSeconds, maxRssKiB, cpuSeconds });
    });
  });
}

async function mustRun(cmd: string, args: string[]): Promise<Exec> {
  const r = await exec(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-2000)}`);
  return r;
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      // not this one
    }
  }
  throw new Error(`no JSON line in: ${stdout.slice(-500)}`);
}

const log = (s: string): void => {
  process.stderr.write(s + '\n');
};

// ---------------------------------------------------------------------------------------------
// the C reference programs

const pkgFlags = (extra: string[] = []): string[] => [
  ...execFileSync('pkg-config', ['--cflags', '--libs', 'libavformat', 'libavcodec', 'libswscale', 'libavutil', ...extra], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .filter(Boolean),
  '-lpthread',
];

/**
 * The C programs: binary name, its source, extra cc flags and pkg-config packages. Only
 * transcode_lavfi links libavfilter (the others' start-up and peak RSS stay as they were).
 */
const crefPrograms: { name: string; src: string; defines?: string[]; pkgs?: string[] }[] = [
  ...['demux', 'decode', 'encode', 'transcode', 'remux', 'thumbs', 'multidecode'].map((name) => ({ name, src: `${name}.c` })),
  { name: 'transcode_lavfi', src: 'transcode.c', defines: ['-DWITH_LAVFI'], pkgs: ['libavfilter'] },
];

function buildCref(): void {
  fs.mkdirSync(binDir, { recursive: true });
  const headers = ['common.h', 'pattern.h'].map((h) => fs.statSync(path.join(crefDir, h)).mtimeMs);
  for (const p of crefPrograms) {
    const src = path.join(crefDir, p.src);
    const bin = path.join(binDir, p.name);
    const srcTime = Math.max(fs.statSync(src).mtimeMs, ...headers);
    if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= srcTime) continue;
    log(`cc -O2 ${(p.defines ?? []).join(' ')} ${path.relative(root, src)} -> ${p.name}`);
    execFileSync('cc', ['-O2', '-Wall', ...(p.defines ?? []), '-o', bin, src, ...pkgFlags(p.pkgs)], { stdio: 'inherit' });
  }
}

// ---------------------------------------------------------------------------------------------
// media

interface Media {
  hd: string; // 1080p60 H.264, decode
  clip: string; // 720p30 H.264 + AAC, demux
  raw: string; // the encode workload's pictures (one pan period), for the CLI
  hevc: string; // 1080p60 HEVC, decode
  aac: string; // a long AAC-only track, audio decode
  small: string; // 360p30 H.264, 2 s: concurrent jobs, soak
  raw1080: string; // the x265 encode workload's pictures, for the CLI
}

async function ensure(file: string, make: (tmp: string) => Promise<unknown>): Promise<string> {
  if (fs.existsSync(file)) return file;
  const ext = path.extname(file);
  const tmp = file.slice(0, -ext.length) + '.tmp' + ext;
  const t0 = performance.now();
  await make(tmp);
  fs.renameSync(tmp, file);
  log(`generated ${path.relative(root, file)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

const ff = (args: string[]): Promise<Exec> => mustRun('ffmpeg', ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...args]);

async function makeMedia(): Promise<Media> {
  fs.mkdirSync(mediaDir, { recursive: true });
  const d = cfg.hdSeconds;
  const hd = await ensure(path.join(mediaDir, `h264_1080p60_${d}s.mp4`), (tmp) =>
    ff([
      '-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=60:d=${d},noise=alls=8:allf=t`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', tmp,
    ]),
  );
  const c = cfg.clipSeconds;
  const clip = await ensure(path.join(mediaDir, `h264_720p30_aac_${c}s.mp4`), (tmp) =>
    ff([
      '-f', 'lavfi', '-i', `testsrc2=s=1280x720:r=30:d=${c}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${c}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '128k', '-shortest', tmp,
    ]),
  );
  const { width, height } = encodeSize;
  // pattern.h's pictures repeat every 2*PAN = 64 frames: one period, looped by the CLI.
  const raw = await ensure(path.join(mediaDir, `pattern_${width}x${height}_64.yuv`), (tmp) =>
    mustRun(path.join(binDir, 'encode'), [String(width), String(height), '64', '--dump', tmp]),
  );
  const hevc = await ensure(path.join(mediaDir, `hevc_1080p60_${d}s.mp4`), (tmp) =>
    ff([
      '-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=60:d=${d},noise=alls=8:allf=t`,
      '-c:v', 'libx265', '-preset', 'ultrafast', '-crf', '26', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', tmp,
    ]),
  );
  const a = cfg.aacSeconds;
  const aac = await ensure(path.join(mediaDir, `aac_48k_stereo_${a}s.m4a`), (tmp) =>
    ff(['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${a}`, '-ac', '2', '-c:a', 'aac', '-b:a', '128k', tmp]),
  );
  const small = await ensure(path.join(mediaDir, 'h264_360p30_2s.mp4'), (tmp) =>
    ff(['-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=30:d=2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', tmp]),
  );
  const n1080 = Math.min(64, cfg.x265Frames);
  const raw1080 = await ensure(path.join(mediaDir, `pattern_1920x1080_${n1080}.yuv`), (tmp) =>
    mustRun(path.join(binDir, 'encode'), ['1920', '1080', String(n1080), '--dump', tmp]),
  );
  return { hd, clip, raw, hevc, aac, small, raw1080 };
}

// ---------------------------------------------------------------------------------------------
// contenders and workloads

type Kind = 'c' | 'avforge' | 'cli' | 'peer';

interface Sample {
  /** frames or packets */
  count: number;
  /** around the loop, measured by the program itself */
  seconds: number;
  /** CPU time (every thread) the program's loop used, measured by the program itself */
  loopCpuSeconds: number | null;
  wallSeconds: number;
  cpuSeconds: number | null;
  maxRssKiB: number | null;
  rssSource: 'time' | 'self' | null;
  loopP99Ms: number | null;
  loopP50Ms: number | null;
  loopMaxMs: number | null;
  extra: Record<string, unknown>;
}

interface Contender {
  name: string;
  kind: Kind;
  /** an avforge native pipeline (transcode(), remux(), thumbnails()), not the object API */
  pipeline?: boolean;
  cmd: string;
  args: string[];
  /** Reads the count and loop seconds out of the process's output. */
  parse(r: Exec): { count: number; seconds: number; cpuSeconds?: number | null; maxRssKiB?: number | null; extra?: Record<string, unknown> };
}

type What = 'frames' | 'packets' | 'thumbs';

interface Workload {
  name: string;
  unit: 'fps' | 'packets/s' | 'thumbs/s';
  /** what one count is */
  what: What;
  /** for the targets in the report */
  group?: 'decode' | 'encode' | 'transcode' | 'remux' | 'demux' | 'jobs' | 'loop';
  note: string;
  contenders: Contender[];
}

function cProgram(name: string, bin: string, args: string[], what: What): Contender {
  return {
    name,
    kind: 'c',
    cmd: path.join(binDir, bin),
    args,
    parse(r) {
      const j = lastJson(r.stdout);
      const { seconds, cpuSeconds, vmhwmKiB, ...extra } = j;
      return { count: Number(j[what]), seconds: Number(seconds), cpuSeconds: cpuSeconds == null ? null : Number(cpuSeconds), maxRssKiB: Number(vmhwmKiB), extra };
    },
  };
}

function avforge(name: string, script: string, args: string[], what: What, kind: Kind = 'avforge'): Contender {
  return {
    name,
    kind,
    pipeline: script === 'pipeline.js',
    cmd: process.execPath,
    args: [path.join(workloadsDir, script), ...args],
    parse(r) {
      const j = lastJson(r.stdout);
      const { seconds, vmhwmKiB, loop, ...extra } = j;
      // the JS thread's CPU and run-queue wait during the loop, as numbers (medians in the report's extras)
      const l = loop as { cpuMs?: number; jsCpuMs?: number | null; jsRunqueueWaitMs?: number | null } | undefined;
      const js = l?.jsCpuMs != null && l.jsRunqueueWaitMs != null ? { jsThreadCpuSeconds: l.jsCpuMs / 1000, jsThreadRunqueueWaitSeconds: l.jsRunqueueWaitMs / 1000 } : {};
      const cpuSeconds = l?.cpuMs != null ? l.cpuMs / 1000 : null;
      return { count: Number(j[what]), seconds: Number(seconds), cpuSeconds, maxRssKiB: Number(vmhwmKiB), extra: { ...extra, ...js, loop } };
    },
  };
}

/** The ffmpeg CLI, timed by its own -benchmark (rtime: from the end of option parsing and input probing to the end). */
function cli(name: string, args: string[], count: (r: Exec) => number = () => NaN): Contender {
  return {
    name,
    kind: 'cli',
    cmd: 'ffmpeg',
    args: ['-hide_banner', '-nostdin', '-v', 'info', '-nostats', '-benchmark', ...args],
    parse(r) {
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(r.stderr);
      const rss = /bench: maxrss=(\d+)kB/.exec(r.stderr);
      if (!m) throw new Error(`no -benchmark line from ffmpeg:\n${r.stderr.slice(-1000)}`);
      return { count: count(r), seconds: Number(m[3]), cpuSeconds: Number(m[1]) + Number(m[2]), maxRssKiB: rss ? Number(rss[1]) : null, extra: {} };
    },
  };
}

const framesOf = (r: Exec): number => {
  const all = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : NaN;
};

const nodeAvInstalled = (): boolean => fs.existsSync(path.join(benchDir, 'peers', 'node_modules', 'node-av', 'package.json'));

/** --peers: node-av 6.x (the major the peer workload is written against) into bench/peers, once. */
function installPeers(): void {
  if (!peers || nodeAvInstalled()) return;
  log('--peers: installing node-av into bench/peers (npm install --prefix bench/peers)');
  const r = spawnSync('npm', ['install', '--prefix', path.join(benchDir, 'peers'), 'node-av@^6.1.1', '--no-audit', '--no-fund', '--loglevel', 'error'], { stdio: 'inherit' });
  if (r.status !== 0 || !nodeAvInstalled()) log('--peers: node-av could not be installed; its rows are skipped');
}

/** node-av's contender for a workload (only with --peers, once it is installed). */
function peer(name: string, args: string[], what: 'frames' | 'packets'): Contender[] {
  return peers && nodeAvInstalled() ? [avforge(`node-av ${name} (peer)`, 'peer_nodeav.js', args, what, 'peer')] : [];
}

function workloads(media: Media, demuxPackets: number): Workload[] {
  const list: Workload[] = [];
  const passes = String(cfg.demuxPasses);
  list.push({
    name: `demux 720p30+aac ${cfg.clipSeconds}s x${passes}`,
    unit: 'packets/s',
    what: 'packets',
    note: 'every packet of every stream, read to the end and seeked back to 0, passes times',
    contenders: [
      cProgram('C av_read_frame', 'demux', [media.clip, passes], 'packets'),
      avforge('avforge packets()', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'packets'], 'packets'),
      avforge('avforge read() loop', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'read'], 'packets'),
      avforge('avforge packets({reuse})', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'reuse'], 'packets'),
      avforge('avforge read() batchSize=1', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'read', '--batch', '1'], 'packets'),
      cli(
        'ffmpeg -c copy -f null',
        ['-stream_loop', String(cfg.demuxPasses - 1), '-i', media.clip, '-map', '0', '-c', 'copy', '-f', 'null', '-'],
        () => demuxPackets,
      ),
      ...peer('packets()', ['--op', 'demux', '--file', media.clip, '--passes', passes], 'packets'),
    ],
  });
  for (const threads of [1, 0]) {
    const t = String(threads);
    const label = threads === 0 ? 'auto' : t;
    list.push({
      name: `decode 1080p60 ${cfg.hdSeconds}s threads=${label}`,
      unit: 'fps',
      what: 'frames',
      group: 'decode',
      note: `best video stream, h264 decoder, thread_count=${threads}`,
      contenders: [
        cProgram('C send/receive', 'decode', [media.hd, t], 'frames'),
        avforge('avforge frames()', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'frames'], 'frames'),
        avforge('avforge read()+decode(8)', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'loop', '--batch', '8'], 'frames'),
        // WebCodecs has no thread setting: FFmpeg's choice, as threads=auto
        ...(threads === 0 ? [avforge('avforge/webcodecs VideoDecoder', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'webcodecs'], 'frames')] : []),
        cli(`ffmpeg -threads ${t} -f null`, ['-threads', t, '-i', media.hd, '-map', '0:v:0', '-f', 'null', '-'], framesOf),
        ...(threads === 0 ? peer('frames()', ['--op', 'decode', '--file', media.hd, '--threads', t], 'frames') : []),
      ],
    });
  }
  const { width, height } = encodeSize;
  const n = String(cfg.encodeFrames);
  list.push({
    name: `encode x264 veryfast ${width}x${height} ${n}f`,
    unit: 'fps',
    what: 'frames',
    group: 'encode',
    note: 'libx264 preset veryfast, yuv420p, 60 fps, threads=0 (auto); the same synthetic pictures for all',
    contenders: [
      cProgram('C send_frame', 'encode', [String(width), String(height), n, '0'], 'frames'),
      avforge('avforge encode()', 'encode.js', ['--width', String(width), '--height', String(height), '--frames', n, '--threads', '0'], 'frames'),
      cli(
        'ffmpeg rawvideo -> libx264',
        [
          '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-framerate', '60', '-stream_loop', '-1', '-i', media.raw,
          '-frames:v', n, '-c:v', 'libx264', '-preset', 'veryfast', '-threads', '0', '-f', 'null', '-',
        ],
        framesOf,
      ),
    ],
  });
  list.push(...moreWorkloads(media, demuxPackets / cfg.demuxPasses));
  for (const w of list) if (w.group) groupOf.set(w.name, w.group);
  return list;
}

/** HEVC, x265, transcode, remux, audio, thumbnails, concurrent jobs. */
function moreWorkloads(media: Media, clipPackets: number): Workload[] {
  const list: Workload[] = [];
  list.push({
    name: `decode HEVC 1080p60 ${cfg.hdSeconds}s threads=auto`,
    unit: 'fps',
    what: 'frames',
    group: 'decode',
    note: 'best video stream, hevc decoder, thread_count=0',
    contenders: [
      cProgram('C send/receive', 'decode', [media.hevc, '0'], 'frames'),
      avforge('avforge frames()', 'decode.js', ['--file', media.hevc, '--threads', '0', '--mode', 'frames'], 'frames'),
      cli('ffmpeg -f null', ['-threads', '0', '-i', media.hevc, '-map', '0:v:0', '-f', 'null', '-'], framesOf),
      ...peer('frames()', ['--op', 'decode', '--file', media.hevc, '--threads', '0'], 'frames'),
    ],
  });
  const n = String(cfg.x265Frames);
  list.push({
    name: `encode x265 ultrafast 1920x1080 ${n}f`,
    unit: 'fps',
    what: 'frames',
    group: 'encode',
    note: 'libx265 preset ultrafast, yuv420p, 60 fps, threads=0, x265-params log-level=error; the same synthetic pictures for all',
    contenders: [
      cProgram('C send_frame', 'encode', ['1920', '1080', n, '0', 'libx265', 'ultrafast'], 'frames'),
      avforge('avforge encode()', 'encode.js', ['--width', '1920', '--height', '1080', '--frames', n, '--threads', '0', '--codec', 'libx265', '--preset', 'ultrafast'], 'frames'),
      cli(
        'ffmpeg rawvideo -> libx265',
        [
          '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', '1920x1080', '-framerate', '60', '-stream_loop', '-1', '-i', media.raw1080,
          '-frames:v', n, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-threads', '0', '-f', 'null', '-',
        ],
        framesOf,
      ),
    ],
  });
  const tf = String(cfg.transcodeFrames);
  list.push({
    name: `transcode H.264 720p30 -> HEVC ultrafast ${tf}f`,
    unit: 'fps',
    what: 'frames',
    group: 'transcode',
    note:
      `the 720p clip's video decoded (threads 0) and encoded with libx265 ultrafast (threads 0), ${tf} frames, packets dropped (C, object API) or written to the null muxer (pipeline, CLI); timed from before opening. ` +
      "The ratio is to the C program without libavfilter; 'C ... + null graph' is the same program with every frame through the graph the pipeline inserts for a plain transcode (buffer -> null -> format=<libx265's pixel formats> -> buffersink), so the graph's own cost is its ratio; the CLI also runs such a graph. " +
      'avforge pipeline: transcode(clip, "-", { format: "null", audio: false, video: { codec: "libx265", preset: "ultrafast", threads: 0, maxFrames } }), a thread per stage (demux, decode, filter, encode, mux)',
    contenders: [
      cProgram('C decode+encode', 'transcode', [media.clip, 'libx265', 'ultrafast', tf], 'frames'),
      cProgram('C decode+null graph+encode (libavfilter)', 'transcode_lavfi', [media.clip, 'libx265', 'ultrafast', tf], 'frames'),
      avforge('avforge frames()->packets()', 'transcode.js', ['--file', media.clip, '--max-frames', tf], 'frames'),
      avforge('avforge pipeline transcode()', 'pipeline.js', ['--op', 'transcode', '--file', media.clip, '--codec', 'libx265', '--preset', 'ultrafast', '--threads', '0', '--max-frames', tf], 'frames'),
      cli('ffmpeg -c:v libx265 -f null', ['-i', media.clip, '-map', '0:v:0', '-frames:v', tf, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-f', 'null', '-'], framesOf),
    ],
  });
  const passes = String(cfg.remuxPasses);
  const tmpOut = (ext: string, who: string): string => path.join(os.tmpdir(), `avforge-bench-remux-${who}.${ext}`);
  // movflags: what remux({ fragmented: true }) sets, for every contender
  for (const [label, format, ext, movflags] of [
    ['mkv', 'matroska', 'mkv', ''],
    ['fragmented MP4', 'mp4', 'mp4', 'frag_keyframe+empty_moov+default_base_moof'],
  ] as const) {
    list.push({
      name: `remux 720p30+aac ${cfg.clipSeconds}s -> ${label} x${passes}`,
      unit: 'packets/s',
      what: 'packets',
      group: 'remux',
      note:
        `every stream copied into ${format}${movflags ? ` (movflags ${movflags})` : ''}, a new output file each pass, ${passes} passes; timed from before opening. ` +
        `avforge pipeline: remux(clip, out, { format: '${format}'${movflags ? ', fragmented: true' : ''} }) ${passes} times, one after another (a demux and a mux thread each; it also copies the input's metadata and chapters, the C program does not)`,
      contenders: [
        cProgram('C av_interleaved_write_frame', 'remux', [media.clip, tmpOut(ext, 'c'), format, passes, movflags], 'packets'),
        avforge('avforge Demuxer->Muxer (batches of 64)', 'remux.js', ['--in', media.clip, '--out', tmpOut(ext, 'avforge'), '--format', format, '--passes', passes, ...(movflags ? ['--movflags', movflags] : [])], 'packets'),
        avforge('avforge pipeline remux()', 'pipeline.js', ['--op', 'remux', '--in', media.clip, '--out', tmpOut(ext, 'pipeline'), '--format', format, '--passes', passes, ...(movflags ? ['--fragmented'] : [])], 'packets'),
        cli(
          'ffmpeg -c copy',
          ['-y', '-stream_loop', String(cfg.remuxPasses - 1), '-i', media.clip, '-map', '0', '-c', 'copy', ...(movflags ? ['-movflags', movflags] : []), '-f', format, tmpOut(ext, 'cli')],
          () => clipPackets * cfg.remuxPasses,
        ),
        ...peer('Demuxer->Muxer', ['--op', 'remux', '--file', media.clip, '--out', tmpOut(ext, 'nodeav'), '--format', format, '--passes', passes, ...(movflags ? ['--fragmented'] : [])], 'packets'),
      ],
    });
  }
  list.push({
    name: `decode AAC 48 kHz ${cfg.aacSeconds}s (audio only)`,
    unit: 'fps',
    what: 'frames',
    group: 'decode',
    note: 'a long AAC-LC track: many small frames (1024 samples each); avforge frames() batches 32 audio packets per crossing',
    contenders: [
      cProgram('C send/receive', 'decode', [media.aac, '1', 'audio'], 'frames'),
      avforge('avforge frames()', 'decode.js', ['--file', media.aac, '--threads', '1', '--mode', 'frames', '--type', 'audio'], 'frames'),
      avforge('avforge read()+decode(32)', 'decode.js', ['--file', media.aac, '--threads', '1', '--mode', 'loop', '--batch', '32', '--type', 'audio'], 'frames'),
      cli('ffmpeg -f null', ['-i', media.aac, '-map', '0:a:0', '-f', 'null', '-']),
      ...peer('frames()', ['--op', 'decode', '--audio', '--file', media.aac, '--threads', '1'], 'frames'),
    ],
  });
  list.push({
    name: `thumbnails burst: ${cfg.thumbJobs} jobs on the 720p clip`,
    unit: 'thumbs/s',
    what: 'thumbs',
    group: 'jobs',
    note: 'sequential jobs, each: open, seek to 1-4 s, decode one frame (threads 1), scale to 160x90 yuvj420p, mjpeg encode, close. The first frame decoded after the seek is the keyframe at or before the time (this clip has one, at 0 s): thumbnails() cannot do that (it returns the frame at the time), so its contender is in the next workload',
    contenders: [
      cProgram('C sws_scale + mjpeg', 'thumbs', [media.clip, String(cfg.thumbJobs)], 'thumbs'),
      avforge('avforge Scaler + Encoder mjpeg', 'thumbs.js', ['--file', media.clip, '--jobs', String(cfg.thumbJobs)], 'thumbs'),
    ],
  });
  list.push({
    name: `thumbnails burst, frame at the time: ${cfg.thumbAtJobs} jobs on the 720p clip`,
    unit: 'thumbs/s',
    what: 'thumbs',
    group: 'jobs',
    note:
      'sequential jobs (--quick: 20, each decodes up to 4 s of 720p; full: 100), each: open, seek to T = 1-4 s, decode on to the first frame at or after T (what thumbnails({ times: [T] }) returns; the clip has one keyframe, at 0 s, so up to 4 s of 720p30 are decoded), scale to 160x90 yuvj420p, mjpeg encode, close. ' +
      'Decoder threads 0 (auto) for all: ThumbnailOptions has no thread setting and the pipeline opens its decoder with 0. C scales plain bicubic (the scale filter\'s default), the object API with its Scaler defaults. ' +
      "avforge pipeline: thumbnails(clip, { times: [T], width: 160, height: 90, format: 'jpeg' }): demux, decode, select+scale graph, mjpeg, each on its thread",
    contenders: [
      cProgram('C decode to T + sws_scale + mjpeg', 'thumbs', [media.clip, String(cfg.thumbAtJobs), 'accurate', '0'], 'thumbs'),
      avforge('avforge Scaler + Encoder mjpeg (to T)', 'thumbs.js', ['--file', media.clip, '--jobs', String(cfg.thumbAtJobs), '--accurate', '--threads', '0'], 'thumbs'),
      avforge('avforge pipeline thumbnails()', 'pipeline.js', ['--op', 'thumbs', '--file', media.clip, '--jobs', String(cfg.thumbAtJobs), '--width', '160', '--height', '90'], 'thumbs'),
    ],
  });
  list.push({
    name: `${cfg.concurrentJobs} concurrent decodes of a 360p 2s clip`,
    unit: 'fps',
    what: 'frames',
    group: 'jobs',
    note:
      `C: ${cfg.concurrentJobs} pthreads at once, one decode each (thread_count 1); avforge: ${cfg.concurrentJobs} decoders in one process via Promise.all (threads 1; the calls run on the addon's own pool, up to max(16, 4 x cores) threads). ` +
      `avforge pipeline: ${cfg.concurrentJobs} transcode(clip, '-', { format: 'null', audio: false, video: { codec: 'wrapped_avframe', threads: 1 } }) at once: decode, the 'null' graph, wrapped_avframe (wraps the frame, no copy; the CLI's -f null encoder), the null muxer, each job on 5 threads of its own. ` +
      'The addon (and for the pipeline libavfilter) is loaded before the clock and the event-loop monitor start',
    contenders: [
      cProgram(`C ${cfg.concurrentJobs} pthreads`, 'multidecode', [media.small, String(cfg.concurrentJobs)], 'frames'),
      avforge('avforge Promise.all', 'concurrent.js', ['--file', media.small, '--jobs', String(cfg.concurrentJobs)], 'frames'),
      avforge(`avforge pipeline ${cfg.concurrentJobs}x transcode() decode-only`, 'pipeline.js', ['--op', 'decode', '--file', media.small, '--jobs', String(cfg.concurrentJobs), '--threads', '1'], 'frames'),
    ],
  });
  const sf = String(cfg.smallFrames);
  list.push({
    name: '4 concurrent transcodes 360p -> HEVC (event loop)',
    unit: 'fps',
    what: 'frames',
    group: 'loop',
    note: `4 transcodes of the 360p clip to libx265 ultrafast at once (${cfg.smallFrames || 'all'} frames each); C: 4 pthreads; avforge: object API, Promise.all; the target is the event loop's p99`,
    contenders: [
      cProgram('C 4 pthreads', 'transcode', [media.small, 'libx265', 'ultrafast', sf, '4'], 'frames'),
      avforge('avforge 4x object API', 'transcode.js', ['--file', media.small, '--max-frames', sf, '--jobs', '4'], 'frames'),
    ],
  });
  return list;
}

async function runOnce(c: Contender): Promise<Sample> {
  const r = await exec(c.cmd, c.args, { measure: true });
  if (r.code !== 0) throw new Error(`${c.name}: ${c.cmd} ${c.args.join(' ')} exited ${r.code}\n${r.stderr.slice(-2000)}`);
  const p = c.parse(r);
  const loop = (p.extra?.loop ?? null) as { p50Ms: number; p99Ms: number; maxMs: number } | null;
  return {
    count: p.count,
    seconds: p.seconds,
    loopCpuSeconds: p.cpuSeconds != null && Number.isFinite(p.cpuSeconds) ? p.cpuSeconds : null,
    wallSeconds: r.wallSeconds,
    cpuSeconds: r.cpuSeconds,
    maxRssKiB: r.maxRssKiB ?? p.maxRssKiB ?? null,
    rssSource: r.maxRssKiB !== null ? 'time' : p.maxRssKiB != null ? 'self' : null,
    loopP50Ms: loop?.p50Ms ?? null,
    loopP99Ms: loop?.p99Ms ?? null,
    loopMaxMs: loop?.maxMs ?? null,
    extra: p.extra ?? {},
  };
}

// ---------------------------------------------------------------------------------------------
// statistics and the report

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const nums = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null && Number.isFinite(x));
const med = (xs: (number | null)[]): number | null => (nums(xs).length ? median(nums(xs)) : null);

interface Row {
  workload: string;
  contender: string;
  kind: Kind;
  pipeline: boolean;
  unit: string;
  count: number;
  countMismatch: boolean;
  throughput: { median: number; min: number; max: number };
  usPerPacket: number | null;
  ratioToC: number | null;
  /** CPU time (all threads) per counted item inside the loop, ms (median) */
  cpuMsPerItem: number | null;
  /** C's CPU per item over this row's: > 1 means fewer CPU seconds for the same work than C */
  cpuRatioToC: number | null;
  wallSeconds: number | null;
  cpuSeconds: number | null;
  maxRssMiB: number | null;
  rssDeltaMiB: number | null;
  loopP50Ms: number | null;
  loopP99Ms: number | null;
  loopMaxMs: number | null;
  extra: Record<string, number | null>;
  samples: Sample[];
}

function summarize(w: Workload, results: Map<string, Sample[]>): Row[] {
  const cName = w.contenders.find((c) => c.kind === 'c')!.name;
  const cSamples = results.get(cName)!;
  const cThroughput = median(cSamples.map((s) => s.count / s.seconds));
  const cRss = med(cSamples.map((s) => s.maxRssKiB));
  const cCount = cSamples[0]!.count;
  const cpuPerItem = (ss: Sample[]): number | null => med(ss.map((s) => (s.loopCpuSeconds === null ? null : (s.loopCpuSeconds * 1000) / s.count)));
  const cCpu = cpuPerItem(cSamples);
  return w.contenders.map((c) => {
    const samples = results.get(c.name)!;
    for (const s of samples) if (!Number.isFinite(s.count)) s.count = cCount; // the CLI prints no count here
    const tp = samples.map((s) => s.count / s.seconds);
    const rss = med(samples.map((s) => s.maxRssKiB));
    // numeric extras (e.g. makeWritableSeconds), as medians
    const extra: Record<string, number | null> = {};
    for (const k of Object.keys(samples[0]!.extra))
      if (typeof samples[0]!.extra[k] === 'number') extra[k] = med(samples.map((s) => s.extra[k] as number));
    return {
      workload: w.name,
      contender: c.name,
      kind: c.kind,
      pipeline: c.pipeline === true,
      unit: w.unit,
      count: samples[0]!.count,
      countMismatch: samples.some((s) => s.count !== cCount),
      throughput: { median: median(tp), min: Math.min(...tp), max: Math.max(...tp) },
      usPerPacket: w.what === 'packets' ? 1e6 / median(tp) : null,
      ratioToC: median(tp) / cThroughput,
      cpuMsPerItem: cpuPerItem(samples),
      cpuRatioToC: cCpu === null || !cpuPerItem(samples) ? null : cCpu / cpuPerItem(samples)!,
      wallSeconds: med(samples.map((s) => s.wallSeconds)),
      cpuSeconds: med(samples.map((s) => s.cpuSeconds)),
      maxRssMiB: rss === null ? null : rss / 1024,
      rssDeltaMiB: rss === null || cRss === null ? null : (rss - cRss) / 1024,
      loopP50Ms: med(samples.map((s) => s.loopP50Ms)),
      loopP99Ms: med(samples.map((s) => s.loopP99Ms)),
      loopMaxMs: med(samples.map((s) => s.loopMaxMs)),
      extra,
      samples,
    };
  });
}

const fmt = (x: number | null, digits = 1): string => (x === null ? '—' : x.toFixed(digits));
const fmtRate = (x: number): string => (x >= 10000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 100 ? 0 : 1));

function table(rows: Row[]): string {
  const head = ['workload', 'contender', 'throughput (median [min–max])', 'µs/packet', 'vs C', 'loop CPU ms/item', 'CPU vs C', 'wall s', 'CPU s', 'peak RSS MiB', 'ΔRSS vs C', 'EL p99 / max ms'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  let last = '';
  for (const r of rows) {
    const tp = `${fmtRate(r.throughput.median)} ${r.unit} [${fmtRate(r.throughput.min)}–${fmtRate(r.throughput.max)}]${r.countMismatch ? ' ⚠count' : ''}`;
    lines.push(
      `| ${r.workload === last ? '' : r.workload} | ${r.contender} | ${tp} | ${fmt(r.usPerPacket, 2)} | ${fmt(r.ratioToC, 2)}× | ${r.cpuMsPerItem === null ? '—' : r.cpuMsPerItem < 0.1 ? r.cpuMsPerItem.toFixed(4) : r.cpuMsPerItem.toFixed(2)} | ${r.cpuRatioToC === null ? '—' : fmt(r.cpuRatioToC, 2) + '×'} | ${fmt(r.wallSeconds, 2)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.maxRssMiB)} | ${r.rssDeltaMiB === null ? '—' : (r.rssDeltaMiB >= 0 ? '+' : '') + r.rssDeltaMiB.toFixed(1)} | ${r.loopP99Ms === null ? '—' : `${fmt(r.loopP99Ms, 1)} / ${fmt(r.loopMaxMs, 1)}`} |`,
    );
    last = r.workload;
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// import time and versions

interface ImportTime {
  ms: number;
  maxRssMiB: number | null;
}

/** Wall time (median) and peak RSS (median) of whole node processes: bare, importing avforge, and loading its addon. */
async function importTimes(): Promise<Record<string, ImportTime>> {
  const variants: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    "import('avforge')": ['-e', `import(${JSON.stringify(distIndex)})`],
    "import('avforge') + versions() (loads the addon)": ['-e', `import(${JSON.stringify(distIndex)}).then((m) => m.versions())`],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const rss: Record<string, (number | null)[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < cfg.importRuns; i++)
    for (const [k, a] of Object.entries(variants)) {
      const r = await exec(process.execPath, a, { measure: true });
      if (r.code !== 0) throw new Error(`node ${a.join(' ')}: ${r.stderr}`);
      times[k]!.push(r.wallSeconds * 1000);
      rss[k]!.push(r.maxRssKiB);
    }
  return Object.fromEntries(
    Object.keys(variants).map((k) => {
      const m = med(rss[k]!);
      return [k, { ms: median(times[k]!), maxRssMiB: m === null ? null : m / 1024 }];
    }),
  );
}

async function versions(): Promise<Record<string, unknown>> {
  const cliVersion = (await mustRun('ffmpeg', ['-hide_banner', '-version'])).stdout.trim().split('\n');
  const forge = lastJson(
    (await mustRun(process.execPath, ['-e', `import(${JSON.stringify(distIndex)}).then((m) => console.log(JSON.stringify(m.versions())))`])).stdout,
  );
  const pkg = execFileSync('pkg-config', ['--modversion', 'libavformat', 'libavcodec', 'libavutil'], { encoding: 'utf8' }).trim().split('\n');
  return {
    cli: { version: cliVersion[0], libs: cliVersion.filter((l) => /^lib\w+\s/.test(l)).map((l) => l.replace(/\s+/g, ' ')) },
    avforge: forge,
    cref: { pkgConfig: { libavformat: pkg[0], libavcodec: pkg[1], libavutil: pkg[2] } },
  };
}

/**
 * What code was measured: the addon binary (sha1, size, mtime) and the source tree (commit, and
 * the files changed since it under native/ and src/). Taken at the start and the end: in a
 * shared checkout someone may rebuild the addon while the suite runs.
 */
function codeState(): { addon: string; commit: string; dirty: string[] } {
  const addonPath = path.join(root, 'build', 'Release', 'avforge.node');
  let addon = 'missing';
  if (fs.existsSync(addonPath)) {
    const st = fs.statSync(addonPath);
    addon = `sha1 ${createHash('sha1').update(fs.readFileSync(addonPath)).digest('hex').slice(0, 12)}, ${st.size} bytes, built ${st.mtime.toISOString()}`;
  }
  let commit = '?';
  try {
    commit = execFileSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().slice(0, 80);
  } catch {
    // not a git checkout
  }
  let dirty: string[] = [];
  try {
    // not trimmed: each line is "XY path"
    dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'native', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((l) => l.length > 3)
      .map((l) => l.slice(3));
  } catch {
    // not a git checkout
  }
  return { addon, commit, dirty };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  for (const tool of ['cc', 'pkg-config', 'ffmpeg'])
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`bench needs ${tool} on PATH`);
    }
  if (!fs.existsSync(distIndex)) throw new Error('dist/ is missing: npm run build:ts');
  log(`avforge bench (${quick ? 'quick' : 'full'}): ${runs} runs per contender; peak RSS from ${timeBin ?? "each process's own VmHWM"}`);
  const codeAtStart = codeState();
  log(`addon: ${codeAtStart.addon}; commit ${codeAtStart.commit}${codeAtStart.dirty.length ? `, ${codeAtStart.dirty.length} files changed under native/ and src/` : ''}`);
  buildCref();
  const media = await makeMedia();
  const ver = await versions();
  const probe = lastJson((await mustRun(path.join(binDir, 'demux'), [media.clip, String(cfg.demuxPasses)])).stdout);
  const cRuntime = probe.ffmpeg as string;
  (ver.cref as Record<string, unknown>).runtime = cRuntime;

  installPeers();
  let list = workloads(media, Number(probe.packets));
  if (only)
    list = list
      .map((w) => (matches(w.name) ? w : { ...w, contenders: w.contenders.filter((c) => c.kind === 'c' || matches(c.name)) }))
      .filter((w) => matches(w.name) || w.contenders.some((c) => c.kind !== 'c'));

  const rows: Row[] = [];
  for (const w of list) {
    log(`\n${w.name}`);
    const results = new Map<string, Sample[]>(w.contenders.map((c) => [c.name, []]));
    for (let run = 0; run < runs; run++) {
      // interleaved, and rotated so no contender always runs right after the same one
      for (let k = 0; k < w.contenders.length; k++) {
        const c = w.contenders[(k + run) % w.contenders.length]!;
        const s = await runOnce(c);
        results.get(c.name)!.push(s);
        log(`  run ${run + 1}/${runs} ${c.name.padEnd(30)} ${fmtRate(s.count / s.seconds).padStart(9)} ${w.unit}  (${s.count} in ${s.seconds.toFixed(3)} s, wall ${s.wallSeconds.toFixed(2)} s, ${s.maxRssKiB ? (s.maxRssKiB / 1024).toFixed(0) + ' MiB' : ''})`);
      }
    }
    rows.push(...summarize(w, results));
  }

  const imports: Record<string, ImportTime> = flag('no-import') ? {} : await importTimes();
  const wants = (name: string): boolean => !only || matches(name);
  const cg = !flag('no-callgrind') && wants('callgrind') ? await callgrind(media.clip) : null;
  const soak = !flag('no-soak') && wants('soak') ? await runSoak(media.small) : null;
  let nodeAv: unknown = null;
  if (peers && nodeAvInstalled()) {
    const r = await exec(process.execPath, [path.join(workloadsDir, 'peer_nodeav.js'), '--file', media.hd, '--versions']);
    nodeAv = r.code === 0 ? lastJson(r.stdout) : { error: r.stderr.slice(-300) };
    (ver as Record<string, unknown>).nodeAv = nodeAv;
  }
  const latency = frameGaps(rows);
  const targets = evaluateTargets(rows, imports, cg, soak);
  fs.mkdirSync(reportDir, { recursive: true });
  const charts = writeCharts(rows, soak, latency);
  const env = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    runs,
    node: process.version,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
    loadavgAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
    rssMethod: timeBin ? '/usr/bin/time -f %M (max RSS of each process)' : 'VmHWM reported by each process (the CLI: -benchmark maxrss)',
    media: Object.fromEntries(Object.entries(media).map(([k, v]) => [k, path.relative(root, v)])),
    seconds: Math.round((performance.now() - started) / 1000),
    code: { start: codeAtStart, end: codeState() },
  };
  // a rebuild that gave the same binary (same sha1) is not a change of the code measured
  const addonChanged = env.code.start.addon.split(',')[0] !== env.code.end.addon.split(',')[0];
  if (addonChanged) log(`WARNING: the addon changed during the run: ${env.code.start.addon} -> ${env.code.end.addon}`);

  const md = [
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
      '. Loop CPU ms/item: CPU time of every thread of the process inside the timed loop (the C programs: getrusage; node: process.cpuUsage(); the CLI: -benchmark utime+stime) per counted item; CPU vs C: C\'s CPU per item over this row\'s (above 1× means less CPU than C for the same work). On a machine shared with other work, wall-time ratios swing with the load; the CPU column much less. EL p99 / max: event-loop delay p99 and max during the loop (perf_hooks.monitorEventLoopDelay, 1 ms resolution; an idle loop reads ≈1 ms).',
    '',
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
    ...latency.map((l) => `- ${l.workload}: p50 ${fmt(l.p50Ms, 2)} ms, p99 ${fmt(l.p99Ms, 2)} ms, max ${fmt(l.maxMs, 2)} ms, within 16.7 ms: ${fmt(l.within === null ? null : l.within * 100, 1)}% (${l.n} gaps per run)`),
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
      : `- ${soak.seconds.toFixed(0)} s of decode 360p + libx264 ultrafast re-encode, ${soak.iterations} iterations; after ${soak.warmupSeconds} s warm-up: RSS ${fmt(soak.rssBaseMiB)} → ${fmt(soak.rssEndMiB)} MiB (${soak.rssGrowth === null ? '—' : (soak.rssGrowth * 100).toFixed(2) + '%'}), JS heap ${fmt(soak.heapBaseMiB)} → ${fmt(soak.heapEndMiB)} MiB (${soak.heapGrowth === null ? '—' : (soak.heapGrowth * 100).toFixed(2) + '%'}); peak RSS ${fmt(soak.maxRssMiB)} MiB`,
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
    '- The CLI rows are references, not the same calls: `-c copy -f null` also runs the remux path (its packet count is taken from the C program, the CLI does not print it); the decode and encode rows run the CLI\'s whole pipeline.',
    '',
    '## Extras (medians)',
    '',
    ...rows
      .filter((r) => Object.keys(r.extra).some((k) => /Seconds$/.test(k) && k !== 'openSeconds'))
      .map((r) => `- ${r.workload} / ${r.contender}: ${Object.entries(r.extra).filter(([k]) => /Seconds$/.test(k)).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(', ')}`),
    ...list.map(
      (w) =>
        `- open (input + codec), ${w.name}: ` +
        rows
          .filter((r) => r.workload === w.name && r.extra.openSeconds != null)
          .map((r) => `${r.contender} ${fmt(r.extra.openSeconds ?? null, 3)} s`)
          .join(', '),
    ),
    '',
    '## Import time (median of ' + cfg.importRuns + ', wall ms of a whole node process)',
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

  fs.writeFileSync(path.join(reportDir, 'report.json'), JSON.stringify({ env, versions: ver, imports, rows, targets, latency, callgrind: cg, soak }, null, 2));
  fs.writeFileSync(path.join(reportDir, 'report.md'), md);
  console.log('\n' + md);
  log(`wrote ${path.relative(root, reportDir)}/report.json and report.md`);
}

// ---------------------------------------------------------------------------------------------
// callgrind, soak, latency, targets, charts

interface Callgrind {
  error?: string;
  cPerPacket?: number;
  avforgePerPacket?: number;
  diffPerPacket?: number;
  raw?: Record<string, { passes: number; packets: number; instructions: number }[]>;
}

/** Instructions per packet, demux only, C vs avforge readInto(): two pass counts each, so start-up cancels out. */
async function callgrind(clip: string): Promise<Callgrind> {
  if (!fs.existsSync('/usr/bin/valgrind')) return { error: 'valgrind is not installed (apt-get install valgrind)' };
  const one = async (cmd: string, args: string[]): Promise<{ packets: number; instructions: number }> => {
    const out = path.join(os.tmpdir(), `avforge-bench-cg-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const r = await exec('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, cmd, ...args]);
    const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    fs.rmSync(out, { force: true });
    if (r.code !== 0) {
      const vex = /unhandled instruction bytes: ([0-9xA-Fa-f ]+)/.exec(r.stderr);
      const where = /at 0x[0-9A-F]+: (.+)/.exec(r.stderr)?.[1];
      throw new Error(vex ? `valgrind cannot run it: unhandled instruction ${vex[1]!.trim().split(' ').slice(0, 3).join(' ')} (RDTSCP) in ${where ?? '?'}` : `exit ${r.code}: ${r.stderr.slice(-300)}`);
    }
    const m = /^(?:summary|totals): (\d+)/m.exec(text);
    return { packets: Number(lastJson(r.stdout).packets), instructions: Number(m?.[1]) };
  };
  const raw: Record<string, { passes: number; packets: number; instructions: number }[]> = { c: [], avforge: [] };
  try {
    for (const passes of cfg.callgrindPasses) {
      raw.c!.push({ passes, ...(await one(path.join(binDir, 'demux'), [clip, String(passes)])) });
      raw.avforge!.push({ passes, ...(await one(process.execPath, [path.join(workloadsDir, 'demux.js'), '--file', clip, '--passes', String(passes), '--mode', 'into'])) });
    }
  } catch (e) {
    log(`callgrind: ${(e as Error).message}`);
    return { error: (e as Error).message, raw };
  }
  const per = (xs: { packets: number; instructions: number }[]): number => (xs[1]!.instructions - xs[0]!.instructions) / (xs[1]!.packets - xs[0]!.packets);
  const c = per(raw.c!);
  const a = per(raw.avforge!);
  return { cPerPacket: c, avforgePerPacket: a, diffPerPacket: a - c, raw };
}

interface Soak {
  seconds: number;
  iterations: number;
  warmupSeconds: number;
  rssBaseMiB: number;
  rssEndMiB: number;
  rssGrowth: number | null;
  heapBaseMiB: number;
  heapEndMiB: number;
  heapGrowth: number | null;
  maxRssMiB: number | null;
  /** V8's committed heap and the C allocator's bytes in use, after warm-up and at the end. */
  heapTotalMiB?: [number, number];
  mallocInUseMiB?: [number, number];
  samples: { t: number; rssMiB: number; heapUsedMiB: number }[];
}

async function runSoak(file: string): Promise<Soak> {
  log(`\nsoak: ${cfg.soakSeconds} s of decode + encode, RSS and heap sampled every second`);
  const r = await exec(process.execPath, [path.join(workloadsDir, 'soak.js'), '--file', file, '--seconds', String(cfg.soakSeconds)], { measure: true });
  if (r.code !== 0) throw new Error(`soak exited ${r.code}\n${r.stderr.slice(-2000)}`);
  const j = lastJson(r.stdout) as unknown as Soak;
  j.maxRssMiB = r.maxRssKiB === null ? null : r.maxRssKiB / 1024;
  log(`  RSS ${j.rssBaseMiB} -> ${j.rssEndMiB} MiB (${j.rssGrowth === null ? '?' : (j.rssGrowth * 100).toFixed(2)}%), ${j.iterations} iterations`);
  return j;
}

interface Latency {
  workload: string;
  n: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  within: number | null;
  hist: number[];
}

/** The frame gaps avforge's frames() contenders reported on the 1080p60 decodes (medians over runs; histogram summed). */
function frameGaps(rows: Row[]): Latency[] {
  type G = { n: number; p50Ms: number; p99Ms: number; maxMs: number; within16_7: number; hist: number[] };
  return rows
    .filter((r) => r.kind === 'avforge' && r.contender === 'avforge frames()' && /1080p60/.test(r.workload) && r.samples[0]?.extra.gaps)
    .map((r) => {
      const gs = r.samples.map((s) => s.extra.gaps as G);
      const hist = new Array<number>(51).fill(0);
      for (const g of gs) g.hist.forEach((v, i) => (hist[i]! += v));
      return {
        workload: r.workload,
        n: gs[0]!.n,
        p50Ms: med(gs.map((g) => g.p50Ms)),
        p99Ms: med(gs.map((g) => g.p99Ms)),
        maxMs: med(gs.map((g) => g.maxMs)),
        within: med(gs.map((g) => g.within16_7)),
        hist,
      };
    });
}

interface Target {
  target: string;
  measured: string;
  status: 'met' | 'missed' | 'n/a';
}

function evaluateTargets(rows: Row[], imports: Record<string, ImportTime>, cg: Callgrind | null, soak: Soak | null): Target[] {
  const t: Target[] = [];
  const st = (ok: boolean | null): Target['status'] => (ok === null ? 'n/a' : ok ? 'met' : 'missed');
  const ratio = (group: string, want: number, label: string, pick: (r: Row) => boolean): void => {
    for (const r of rows.filter((r) => r.kind === 'avforge' && pick(r) && (groupOf.get(r.workload) ?? '') === group))
      t.push({ target: `${label} ≥ ${want}× C: ${r.workload} / ${r.contender}`, measured: `${fmt(r.ratioToC, 3)}× [${fmt(r.throughput.min / (r.throughput.median / (r.ratioToC ?? 1)), 2)}–${fmt(r.throughput.max / (r.throughput.median / (r.ratioToC ?? 1)), 2)}]`, status: st(r.ratioToC === null ? null : r.ratioToC >= want) });
  };
  ratio('decode', 0.98, 'async object API, decode', (r) => !r.pipeline && /frames\(\)/.test(r.contender));
  ratio('encode', 0.98, 'async object API, encode', (r) => !r.pipeline);
  ratio('remux', 0.95, 'remux, object API', (r) => !r.pipeline);
  // The native pipelines: remux ≥ 0.95× C, the others ≥ 1.0× C. Where the workload has a second
  // C program (the same calls plus the filter graph the pipeline inserts), the ratio to it is
  // shown beside: what is left once libavfilter's own cost is taken out. Not the target.
  for (const r of rows.filter((r) => r.pipeline)) {
    const group = groupOf.get(r.workload) ?? '';
    const want = group === 'remux' ? 0.95 : 1.0;
    const cs = rows.filter((x) => x.workload === r.workload && x.kind === 'c');
    const spread = `[${fmt(r.throughput.min / (r.throughput.median / (r.ratioToC ?? 1)), 2)}–${fmt(r.throughput.max / (r.throughput.median / (r.ratioToC ?? 1)), 2)}]`;
    const beside = cs.slice(1).map((c) => `; ${fmt(r.throughput.median / c.throughput.median, 3)}× ${c.contender}`).join('');
    // CPUs busy in the loop (loop CPU / loop seconds): on a shared machine, a contender with more
    // runnable threads gets a larger share of it, and its wall-time ratio flatters it
    const busy = (x: Row): number | null => med(x.samples.map((s) => (s.loopCpuSeconds === null ? null : s.loopCpuSeconds / s.seconds)));
    const cores = cs[0] && busy(cs[0]) !== null && busy(r) !== null ? `; CPUs busy in the loop: C ${fmt(busy(cs[0]), 2)}, this ${fmt(busy(r), 2)}` : '';
    t.push({
      target: `pipeline ≥ ${want}× C: ${r.workload} / ${r.contender}`,
      measured: `${fmt(r.ratioToC, 3)}× ${spread}${beside}${r.cpuRatioToC === null ? '' : `; loop CPU per item: C's is ${fmt(r.cpuRatioToC, 2)}× this one's`}${cores}`,
      status: st(r.ratioToC === null ? null : r.ratioToC >= want),
    });
  }
  if (!rows.some((r) => r.pipeline)) t.push({ target: 'pipelines ≥ 1.0× C (remux ≥ 0.95×)', measured: 'no pipeline contender ran (--only)', status: 'n/a' });
  for (const r of rows.filter((r) => r.kind === 'avforge' && groupOf.get(r.workload) === undefined && r.usPerPacket !== null)) {
    const c = rows.find((x) => x.workload === r.workload && x.kind === 'c');
    if (!c?.usPerPacket) continue;
    const d = r.usPerPacket! - c.usPerPacket;
    t.push({ target: `demux-only ≤ C + 1 µs/packet: ${r.contender}`, measured: `${d >= 0 ? '+' : ''}${d.toFixed(2)} µs/packet (${r.usPerPacket!.toFixed(2)} vs ${c.usPerPacket.toFixed(2)})`, status: st(d <= 1) });
  }
  if (cg && !cg.error && cg.diffPerPacket !== undefined)
    t.push({ target: 'demux-only binding overhead (callgrind)', measured: `+${cg.diffPerPacket.toFixed(0)} instructions/packet`, status: 'n/a' });
  const rss = rows.filter((r) => r.kind === 'avforge' && r.rssDeltaMiB !== null);
  const worst = rss.sort((a, b) => b.rssDeltaMiB! - a.rssDeltaMiB!);
  const over = worst.filter((r) => r.rssDeltaMiB! > 45);
  if (worst.length)
    t.push({
      target: 'peak RSS ≤ C + 45 MiB (every avforge row)',
      measured: `worst ${worst[0]!.rssDeltaMiB!.toFixed(1)} MiB (${worst[0]!.workload} / ${worst[0]!.contender}); ${over.length} of ${worst.length} rows over`,
      status: st(over.length === 0),
    });
  const bare = imports['node -e 0'];
  // The addon loads on first use (its dlopen is not an import cost): the target is the import.
  const imp = imports["import('avforge')"];
  const loaded = imports["import('avforge') + versions() (loads the addon)"];
  if (bare && imp)
    t.push({
      target: 'import ≤ bare node + 15 ms',
      measured: `+${(imp.ms - bare.ms).toFixed(1)} ms${loaded ? ` (first use, loading the addon: +${(loaded.ms - bare.ms).toFixed(1)} ms)` : ''}`,
      status: st(imp.ms - bare.ms <= 15),
    });
  const loop = rows.find((r) => r.kind === 'avforge' && groupOf.get(r.workload) === 'loop');
  const jsWait = (r: Row): string =>
    r.extra.jsThreadRunqueueWaitSeconds != null ? `; the JS thread ran ${fmt(r.extra.jsThreadCpuSeconds ?? null, 3)} s and waited ${fmt(r.extra.jsThreadRunqueueWaitSeconds, 3)} s for a CPU` : '';
  if (loop) t.push({ target: 'event-loop p99 ≤ 10 ms while 4 transcodes run', measured: `p99 ${fmt(loop.loopP99Ms, 1)} ms, max ${fmt(loop.loopMaxMs, 1)} ms${jsWait(loop)}`, status: st(loop.loopP99Ms === null ? null : loop.loopP99Ms <= 10) });
  if (soak) t.push({ target: 'soak RSS growth ≤ 2% after warm-up', measured: soak.rssGrowth === null ? 'too short to tell' : `${(soak.rssGrowth * 100).toFixed(2)}% over ${soak.seconds.toFixed(0)} s`, status: st(soak.rssGrowth === null ? null : soak.rssGrowth <= 0.02) });
  return t;
}

/** workload name -> group, filled when the workload list is built */
const groupOf = new Map<string, string>();

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Hand-written SVG: throughput ratio bars, soak RSS over time, frame-gap histogram. Returns the file names written. */
function writeCharts(rows: Row[], soak: Soak | null, latency: Latency[]): string[] {
  const files: string[] = [];
  const colors: Record<Kind, string> = { c: '#888', avforge: '#2a7ae2', cli: '#e2a02a', peer: '#9b59b6' };
  const color = (r: Row): string => (r.pipeline ? '#1f9d55' : colors[r.kind]);
  // 1. ratio bars
  const groups = [...new Set(rows.map((r) => r.workload))];
  const rowH = 14;
  let y = 30;
  const W = 900;
  const x0 = 330;
  const maxRatio = Math.max(1.2, ...rows.map((r) => r.ratioToC ?? 0));
  const scale = (W - x0 - 60) / maxRatio;
  const parts: string[] = [];
  for (const g of groups) {
    parts.push(`<text x="4" y="${y + 10}" font-weight="bold">${esc(g)}</text>`);
    y += rowH + 2;
    for (const r of rows.filter((r) => r.workload === g)) {
      const w = Math.max(1, (r.ratioToC ?? 0) * scale);
      parts.push(`<text x="${x0 - 6}" y="${y + 10}" text-anchor="end">${esc(r.contender)}</text>`);
      parts.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 3}" fill="${color(r)}"/>`);
      parts.push(`<text x="${x0 + w + 4}" y="${y + 10}">${fmt(r.ratioToC, 2)}×</text>`);
      y += rowH;
    }
    y += 6;
  }
  const one = x0 + scale;
  parts.push(`<line x1="${one}" y1="20" x2="${one}" y2="${y}" stroke="#c00" stroke-dasharray="4 3"/><text x="${one + 3}" y="16" fill="#c00">1.0× C</text>`);
  const legend: [string, string][] = [['C', colors.c], ['avforge object API', colors.avforge], ['avforge pipeline', '#1f9d55'], ['ffmpeg CLI', colors.cli]];
  legend.forEach(([label, c], i) => parts.push(`<rect x="${x0 + i * 130}" y="${y + 2}" width="10" height="10" fill="${c}"/><text x="${x0 + 14 + i * 130}" y="${y + 11}">${esc(label)}</text>`));
  files.push(svgFile('throughput_ratio.svg', W, y + 24, 'Throughput ratio to C (median), one bar per contender', parts));
  // 2. soak RSS over time
  if (soak && soak.samples.length > 1) {
    const S = soak.samples;
    const w = 700, h = 300, px = 50, py = 30;
    const tMax = Math.max(...S.map((s) => s.t));
    const vMax = Math.max(...S.map((s) => s.rssMiB)) * 1.1;
    const X = (t: number): number => px + (t / tMax) * (w - px - 20);
    const Y = (v: number): number => h - py - (v / vMax) * (h - 2 * py);
    const line = (k: 'rssMiB' | 'heapUsedMiB', c: string): string => `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${S.map((s) => `${X(s.t).toFixed(1)},${Y(s[k]).toFixed(1)}`).join(' ')}"/>`;
    const p = [
      `<line x1="${px}" y1="${h - py}" x2="${w - 10}" y2="${h - py}" stroke="#000"/><line x1="${px}" y1="${py}" x2="${px}" y2="${h - py}" stroke="#000"/>`,
      line('rssMiB', '#2a7ae2'),
      line('heapUsedMiB', '#e2a02a'),
      `<line x1="${X(soak.warmupSeconds)}" y1="${py}" x2="${X(soak.warmupSeconds)}" y2="${h - py}" stroke="#c00" stroke-dasharray="4 3"/>`,
      `<text x="${X(soak.warmupSeconds) + 3}" y="${py + 10}" fill="#c00">warm-up</text>`,
      `<text x="${px}" y="${h - 8}">0 s</text><text x="${w - 40}" y="${h - 8}">${tMax.toFixed(0)} s</text>`,
      `<text x="4" y="${Y(vMax / 1.1) + 4}">${(vMax / 1.1).toFixed(0)}</text><text x="4" y="${h - py}">0 MiB</text>`,
      `<text x="${w - 200}" y="${py + 10}" fill="#2a7ae2">RSS</text><text x="${w - 150}" y="${py + 10}" fill="#e2a02a">JS heap used</text>`,
    ];
    files.push(svgFile('soak_rss.svg', w, h, `Soak: RSS and heap over time (growth after warm-up ${soak.rssGrowth === null ? '?' : (soak.rssGrowth * 100).toFixed(2) + '%'})`, p));
  }
  // 3. frame-gap histogram
  for (const [i, l] of latency.entries()) {
    const w = 700, h = 260, px = 40, py = 30;
    const maxC = Math.max(1, ...l.hist);
    const bw = (w - px - 10) / l.hist.length;
    const p = l.hist.map((c, k) => `<rect x="${(px + k * bw).toFixed(1)}" y="${(h - py - (c / maxC) * (h - 2 * py)).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${((c / maxC) * (h - 2 * py)).toFixed(1)}" fill="${k < 17 ? '#2a7ae2' : '#e24a2a'}"/>`);
    p.push(`<line x1="${px + 16.7 * bw}" y1="${py}" x2="${px + 16.7 * bw}" y2="${h - py}" stroke="#c00" stroke-dasharray="4 3"/>`);
    p.push(`<text x="${px}" y="${h - 10}">0 ms</text><text x="${px + 16.7 * bw - 20}" y="${h - 10}">16.7</text><text x="${w - 50}" y="${h - 10}">≥50 ms</text>`);
    p.push(`<text x="${w - 320}" y="${py + 10}">p50 ${fmt(l.p50Ms, 2)} p99 ${fmt(l.p99Ms, 2)} max ${fmt(l.maxMs, 1)} ms; ≤16.7 ms: ${fmt((l.within ?? 0) * 100, 1)}%</text>`);
    files.push(svgFile(`frame_gaps_${i}.svg`, w, h, `Gap between frames from frames(): ${l.workload} (all runs)`, p));
  }
  return files;
}

function svgFile(name: string, w: number, h: number, title: string, body: string[]): string {
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 20}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="4" y="14" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<g transform="translate(0,10)">`,
    ...body,
    '</g></svg>',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(reportDir, name), svg);
  return name;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
