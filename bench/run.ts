// The benchmark suite: avforge against C programs making the same libav calls (bench/cref/)
// and against the ffmpeg CLI, on media the suite generates (bench/.media/).
//
//   npm run bench                 full: 10 s 1080p60 media, median of 5 runs
//   npm run bench -- --quick      short media, median of 3 runs (a few minutes at most)
//   options: --runs N, --only SUBSTRING (workload or contender), --no-import
//
// Every contender runs as its own process, interleaved with the others run after run, under
// the same peak-RSS measurement (/usr/bin/time -f %M when present, else the process's own
// VmHWM / the CLI's -benchmark maxrss). Throughput comes from the time each program measures
// around its own loop (the CLI: -benchmark's rtime), so process start-up is excluded; wall
// time and CPU time of the whole process are reported beside it.
// Writes bench/report/report.json and bench/report/report.md.
import { execFileSync, spawn } from 'node:child_process';
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
const distIndex = path.join(root, 'dist', 'index.js');

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
const only = option('only');

const cfg = quick
  ? { hdSeconds: 2, clipSeconds: 5, demuxPasses: 20, encodeFrames: 60, importRuns: 10 }
  : { hdSeconds: 10, clipSeconds: 10, demuxPasses: 50, encodeFrames: 240, importRuns: 10 };
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

const pkgFlags = (): string[] =>
  execFileSync('pkg-config', ['--cflags', '--libs', 'libavformat', 'libavcodec', 'libavutil'], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .filter(Boolean);

function buildCref(): void {
  fs.mkdirSync(binDir, { recursive: true });
  const headers = ['common.h', 'pattern.h'].map((h) => fs.statSync(path.join(crefDir, h)).mtimeMs);
  let flags: string[] | undefined;
  for (const name of ['demux', 'decode', 'encode']) {
    const src = path.join(crefDir, `${name}.c`);
    const bin = path.join(binDir, name);
    const srcTime = Math.max(fs.statSync(src).mtimeMs, ...headers);
    if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= srcTime) continue;
    flags ??= pkgFlags();
    log(`cc -O2 ${path.relative(root, src)}`);
    execFileSync('cc', ['-O2', '-Wall', '-o', bin, src, ...flags], { stdio: 'inherit' });
  }
}

// ---------------------------------------------------------------------------------------------
// media

interface Media {
  hd: string; // 1080p60 H.264, decode
  clip: string; // 720p30 H.264 + AAC, demux
  raw: string; // the encode workload's pictures (one pan period), for the CLI
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
  return { hd, clip, raw };
}

// ---------------------------------------------------------------------------------------------
// contenders and workloads

type Kind = 'c' | 'avforge' | 'cli';

interface Sample {
  /** frames or packets */
  count: number;
  /** around the loop, measured by the program itself */
  seconds: number;
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
  cmd: string;
  args: string[];
  /** Reads the count and loop seconds out of the process's output. */
  parse(r: Exec): { count: number; seconds: number; maxRssKiB?: number | null; extra?: Record<string, unknown> };
}

interface Workload {
  name: string;
  unit: 'fps' | 'packets/s';
  /** what one count is */
  what: 'frames' | 'packets';
  note: string;
  contenders: Contender[];
}

function cProgram(name: string, bin: string, args: string[], what: 'frames' | 'packets'): Contender {
  return {
    name,
    kind: 'c',
    cmd: path.join(binDir, bin),
    args,
    parse(r) {
      const j = lastJson(r.stdout);
      const { seconds, vmhwmKiB, ...extra } = j;
      return { count: Number(j[what]), seconds: Number(seconds), maxRssKiB: Number(vmhwmKiB), extra };
    },
  };
}

function avforge(name: string, script: string, args: string[], what: 'frames' | 'packets'): Contender {
  return {
    name,
    kind: 'avforge',
    cmd: process.execPath,
    args: [path.join(workloadsDir, script), ...args],
    parse(r) {
      const j = lastJson(r.stdout);
      const { seconds, vmhwmKiB, loop, ...extra } = j;
      return { count: Number(j[what]), seconds: Number(seconds), maxRssKiB: Number(vmhwmKiB), extra: { ...extra, loop } };
    },
  };
}

/** The ffmpeg CLI, timed by its own -benchmark (rtime: from the end of option parsing and input probing to the end). */
function cli(name: string, args: string[], count: (r: Exec) => number): Contender {
  return {
    name,
    kind: 'cli',
    cmd: 'ffmpeg',
    args: ['-hide_banner', '-nostdin', '-v', 'info', '-nostats', '-benchmark', ...args],
    parse(r) {
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(r.stderr);
      const rss = /bench: maxrss=(\d+)kB/.exec(r.stderr);
      if (!m) throw new Error(`no -benchmark line from ffmpeg:\n${r.stderr.slice(-1000)}`);
      return { count: count(r), seconds: Number(m[3]), maxRssKiB: rss ? Number(rss[1]) : null, extra: {} };
    },
  };
}

const framesOf = (r: Exec): number => {
  const all = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : NaN;
};

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
    ],
  });
  for (const threads of [1, 0]) {
    const t = String(threads);
    const label = threads === 0 ? 'auto' : t;
    list.push({
      name: `decode 1080p60 ${cfg.hdSeconds}s threads=${label}`,
      unit: 'fps',
      what: 'frames',
      note: `best video stream, h264 decoder, thread_count=${threads}`,
      contenders: [
        cProgram('C send/receive', 'decode', [media.hd, t], 'frames'),
        avforge('avforge frames()', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'frames'], 'frames'),
        avforge('avforge read()+decode(8)', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'loop', '--batch', '8'], 'frames'),
        cli(`ffmpeg -threads ${t} -f null`, ['-threads', t, '-i', media.hd, '-map', '0:v:0', '-f', 'null', '-'], framesOf),
      ],
    });
  }
  const { width, height } = encodeSize;
  const n = String(cfg.encodeFrames);
  list.push({
    name: `encode x264 veryfast ${width}x${height} ${n}f`,
    unit: 'fps',
    what: 'frames',
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
  unit: string;
  count: number;
  countMismatch: boolean;
  throughput: { median: number; min: number; max: number };
  usPerPacket: number | null;
  ratioToC: number | null;
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
  return w.contenders.map((c) => {
    const samples = results.get(c.name)!;
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
      unit: w.unit,
      count: samples[0]!.count,
      countMismatch: samples.some((s) => s.count !== cCount),
      throughput: { median: median(tp), min: Math.min(...tp), max: Math.max(...tp) },
      usPerPacket: w.what === 'packets' ? 1e6 / median(tp) : null,
      ratioToC: median(tp) / cThroughput,
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
  const head = ['workload', 'contender', 'throughput (median [min–max])', 'µs/packet', 'vs C', 'wall s', 'CPU s', 'peak RSS MiB', 'ΔRSS vs C', 'EL p99 / max ms'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  let last = '';
  for (const r of rows) {
    const tp = `${fmtRate(r.throughput.median)} ${r.unit} [${fmtRate(r.throughput.min)}–${fmtRate(r.throughput.max)}]${r.countMismatch ? ' ⚠count' : ''}`;
    lines.push(
      `| ${r.workload === last ? '' : r.workload} | ${r.contender} | ${tp} | ${fmt(r.usPerPacket, 2)} | ${fmt(r.ratioToC, 2)}× | ${fmt(r.wallSeconds, 2)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.maxRssMiB)} | ${r.rssDeltaMiB === null ? '—' : (r.rssDeltaMiB >= 0 ? '+' : '') + r.rssDeltaMiB.toFixed(1)} | ${r.loopP99Ms === null ? '—' : `${fmt(r.loopP99Ms, 1)} / ${fmt(r.loopMaxMs, 1)}`} |`,
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
  buildCref();
  const media = await makeMedia();
  const ver = await versions();
  const probe = lastJson((await mustRun(path.join(binDir, 'demux'), [media.clip, String(cfg.demuxPasses)])).stdout);
  const cRuntime = probe.ffmpeg as string;
  (ver.cref as Record<string, unknown>).runtime = cRuntime;

  let list = workloads(media, Number(probe.packets));
  if (only)
    list = list
      .map((w) => (w.name.includes(only) ? w : { ...w, contenders: w.contenders.filter((c) => c.kind === 'c' || c.name.includes(only)) }))
      .filter((w) => w.name.includes(only) || w.contenders.length > 1);

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
  };

  const md = [
    `# avforge benchmark (${env.mode})`,
    '',
    `${env.date}, node ${env.node}, ${env.cpus}, load average at end ${env.loadavgAtEnd.join(' ')}; ${runs} runs per contender, interleaved; took ${env.seconds} s.`,
    '',
    table(rows),
    '',
    'Throughput: counted items over the seconds each program measures around its own loop (after opening input and codec; the CLI: `-benchmark` rtime, which also covers codec opening). vs C: throughput ratio to the C program making the same libav calls. Wall and CPU: the whole process. Peak RSS: ' +
      env.rssMethod +
      '. EL p99 / max: event-loop delay p99 and max during the loop (perf_hooks.monitorEventLoopDelay, 1 ms resolution; an idle loop reads ≈1 ms).',
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
    '',
  ].join('\n');

  fs.mkdirSync(reportDir, { recursive: true });
  fs.writeFileSync(path.join(reportDir, 'report.json'), JSON.stringify({ env, versions: ver, imports, rows }, null, 2));
  fs.writeFileSync(path.join(reportDir, 'report.md'), md);
  console.log('\n' + md);
  log(`wrote ${path.relative(root, reportDir)}/report.json and report.md`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
