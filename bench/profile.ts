// Where a contender's CPU time goes, per pipeline stage: runs one command under
// `perf record --call-graph dwarf` and sorts its samples by thread role.
//
//   node build/bench/profile.js [--freq 999] [--top 3] -- COMMAND ARGS...
//   e.g. node build/bench/profile.js -- node build/bench/workloads/pipeline.js --op remux --in bench/.media/h264_720p30_aac_5s.mp4 --out /tmp/x.mkv --format matroska --passes 5
//        node build/bench/profile.js -- bench/cref/bin/remux bench/.media/h264_720p30_aac_5s.mp4 /tmp/c.mkv matroska 5
//
// Only the samples inside the program's timed loop count: the workloads and the C programs
// print it as `window` (CLOCK_MONOTONIC seconds; the workloads inside `loop`), and perf records
// on that clock (-k mono). Without a window, the whole process.
//
// Roles: a sample goes to a stage by the functions on its stack (the pipeline's Runtime::Demux,
// Decode, Filter, Encode, Mux, or the libav* calls each stage makes: av_read_frame,
// avcodec_send_packet, av_buffersrc_add_frame_flags, avcodec_send_frame,
// av_interleaved_write_frame; set-up; opening), the same for C, the object API and the pipeline;
// a sample with none goes with its thread's usual stage, else to the JS / main thread, x265's
// or libavcodec's worker threads, node's helpers. The table also counts threads per role. Needs perf and
// permission to use it (perf_event_paranoid); avforge.node keeps its symbols, the distribution's
// FFmpeg libraries are stripped (their own functions show as addresses).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
if (dash < 0 || dash === argv.length - 1) {
  console.error('usage: node build/bench/profile.js [--freq 999] [--top 3] -- COMMAND ARGS...');
  process.exit(2);
}
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i < dash ? argv[i + 1]! : def;
};
const freq = opt('freq', '999');
const top = Number(opt('top', '3'));
const cmd = argv.slice(dash + 1);

const data = path.join(os.tmpdir(), `avforge-profile-${process.pid}.data`);
const t0 = performance.now();
const rec = spawnSync('perf', ['record', '-q', '-k', 'mono', '-F', freq, '--call-graph', 'dwarf,32768', '-o', data, '--', ...cmd], {
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
const wallMs = performance.now() - t0;
process.stdout.write(rec.stdout ?? '');
if (rec.status !== 0) {
  console.error(`perf record exited ${rec.status}`);
  process.exit(1);
}
let window: [number, number] | null = null;
for (const line of (rec.stdout ?? '').trim().split('\n').reverse()) {
  try {
    const j = JSON.parse(line) as { window?: [number, number]; loop?: { window?: [number, number] } };
    window = j.window ?? j.loop?.window ?? null;
    break;
  } catch {
    // not JSON
  }
}
const script = execFileSync('perf', ['script', '-i', data, '-F', 'pid,tid,time,period,ip,sym,dso'], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
  stdio: ['ignore', 'pipe', 'ignore'],
});
fs.rmSync(data, { force: true });

interface Sample {
  pid: number;
  tid: number;
  period: number; // ns of CPU (cpu-clock) this sample stands for
  frames: { sym: string; dso: string }[]; // leaf first
}
const samples: Sample[] = [];
for (const block of script.split(/\n\s*\n/)) {
  const lines = block.split('\n').filter((l) => l.trim() !== '');
  const head = /^\s*(\d+)\/(\d+)\s+([\d.]+):\s+(\d+)/.exec(lines[0] ?? '');
  if (!head) continue;
  const time = Number(head[3]);
  if (window && (time < window[0] || time > window[1])) continue;
  const frames = lines.slice(1).map((l) => {
    const m = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(l);
    return m ? { sym: m[1]!, dso: path.basename(m[2]!) } : { sym: l.trim(), dso: '?' };
  });
  samples.push({ pid: Number(head[1]), tid: Number(head[2]), period: Number(head[4]), frames });
}

// What a stack is doing, by the functions on it: the pipeline's stage functions (when not
// inlined into their thread's lambda), else the libav* entry points each stage calls (exported,
// so named even in stripped libraries). Opening comes first: avformat_find_stream_info decodes.
const MARKS: [RegExp, string][] = [
  [/Runtime::Setup\b/, 'set-up (open codecs, graphs, muxer)'],
  [/^avformat_open_input$|^avformat_find_stream_info$/, 'open input + find_stream_info'],
  [/Runtime::Demux\b|^av_read_frame$/, 'demux'],
  [/Runtime::Decode\b|^avcodec_send_packet$|^avcodec_receive_frame$/, 'decode'],
  [/Runtime::Filter\b|^av_buffersrc_add_frame_flags$|^av_buffersink_get_frame$|^avfilter_graph_config$/, 'filter'],
  [/Runtime::Encode\b|^avcodec_send_frame$|^avcodec_receive_packet$/, 'encode'],
  [/Runtime::Mux\b|^av_interleaved_write_frame$|^av_write_trailer$|^avformat_write_header$/, 'mux'],
];
const markOf = (s: Sample): string | null => {
  for (const [re, name] of MARKS) if (s.frames.some((f) => re.test(f.sym.replace(/\s*\(.*$/, '')) || re.test(f.sym))) return name;
  return null;
};
// A sample whose stack was cut short (unwinding through a stripped library) goes with what the
// rest of its thread's samples show most: a pipeline stage thread does only that stage.
const perThread = new Map<number, Map<string, number>>();
for (const s of samples) {
  const m = markOf(s);
  if (!m) continue;
  let t = perThread.get(s.tid);
  if (!t) perThread.set(s.tid, (t = new Map()));
  t.set(m, (t.get(m) ?? 0) + 1);
}
const threadMark = new Map<number, string>();
for (const [tid, t] of perThread) threadMark.set(tid, [...t].sort((a, b) => b[1] - a[1])[0]![0]);
const leader = samples[0]?.pid;
const roleOf = (s: Sample): string => {
  const inDso = (re: RegExp): boolean => s.frames.some((f) => re.test(f.dso));
  // x265's own pool: its work, whoever's thread (the encode call runs parts of it inline)
  if (inDso(/libx265/) && !markOf(s)) return 'x265 worker threads';
  const m = markOf(s) ?? threadMark.get(s.tid);
  if (m) return m;
  if (s.pid !== s.tid && inDso(/^libavcodec/)) return 'libavcodec worker threads (frame/slice)';
  if (s.tid === leader) return /node$/.test(cmd[0]!) ? 'JS thread (main)' : 'main thread';
  if (inDso(/avforge\.node/)) return 'avforge threads (other)';
  if (inDso(/^node$/)) return 'node/V8 helper threads';
  return 'other threads';
};

const total = samples.reduce((a, s) => a + s.period, 0);
const byRole = new Map<string, { ns: number; threads: Set<number>; syms: Map<string, number> }>();
for (const s of samples) {
  const r = roleOf(s);
  let e = byRole.get(r);
  if (!e) byRole.set(r, (e = { ns: 0, threads: new Set(), syms: new Map() }));
  e.ns += s.period;
  e.threads.add(s.tid);
  const leaf = s.frames[0];
  const key = leaf ? `${leaf.sym.replace(/\(.*$/, '').slice(0, 60)} (${leaf.dso})` : '?';
  e.syms.set(key, (e.syms.get(key) ?? 0) + s.period);
}
const ms = (ns: number): string => (ns / 1e6).toFixed(0);
console.log(`\n${cmd.join(' ')}`);
console.log(
  `${window ? `timed window ${((window[1] - window[0]) * 1000).toFixed(0)} ms` : 'no window printed: the whole process'}; process wall ${wallMs.toFixed(0)} ms (under perf); CPU sampled in the window ${ms(total)} ms (${samples.length} samples at ${freq} Hz)\n`,
);
console.log('| role | CPU ms | share | threads | top leaf functions |');
console.log('|---|---|---|---|---|');
for (const [role, e] of [...byRole].sort((a, b) => b[1].ns - a[1].ns)) {
  const syms = [...e.syms]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${k} ${((v / e.ns) * 100).toFixed(0)}%`);
  console.log(`| ${role} | ${ms(e.ns)} | ${((e.ns / total) * 100).toFixed(1)}% | ${e.threads.size} | ${syms.join('; ')} |`);
}
