// `avforge ffmpeg ARGS...`: an ffmpeg command line run in process. What scripts read from ffmpeg
// is kept: the stats line on stderr (frame= ... time= ... speed=), `-progress URL` key=value
// blocks, "File 'x' already exists. Exiting.", and the exit status (0, 1; 255 when interrupted).
import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

import {
  AvError,
  setLogLevel,
  transcode,
  LogLevels,
  type Job,
  type LogLevel,
  type Progress,
  type TranscodeOptions,
  type TranscodeOutput,
  type TranscodeResult,
} from '../../index.js';
import { UsageError } from '../argv.js';
import { quietX265, trustInputs } from '../jobs.js';
import { lastWhere, splitCommandLine, type OptionUse } from './grammar.js';
import { translateCommandLine, type OptionRouter, type OutputJob } from './translate.js';

const EXIT_FFMPEG = { ok: 0, failed: 1, interrupted: 255 } as const;

/** -loglevel's value ('error', 'repeat+level+info', '16') as a level name. */
function logLevelOf(value: string): LogLevel {
  const word = value.split('+').at(-1)!;
  if (word in LogLevels) return word as LogLevel;
  const n = Number(word);
  if (Number.isInteger(n)) {
    const named = Object.entries(LogLevels)
      .filter(([, v]) => v <= n)
      .sort((a, b) => b[1] - a[1])[0];
    if (named) return named[0] as LogLevel;
  }
  throw new UsageError(
    `Invalid loglevel "${value}". Possible levels are numbers or: "quiet", "panic", "fatal", "error", "warning", "info", "verbose", "debug", "trace"`,
  );
}

const flagOf = (globals: OptionUse[], name: string) => lastWhere(globals, (g) => g.name === name);

/** ffmpeg's stats line: "frame=  250 fps= 98 q=-1.0 size=     512kB time=00:00:10.00 bitrate= 419.4kbits/s speed=3.93x". */
export function statsLine(p: Progress, last: boolean): string {
  const t = Math.max(0, p.time);
  const clock = `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${(t % 60).toFixed(2).padStart(5, '0')}`;
  const kb = p.bytes / 1024;
  const rate = t > 0 ? `${((p.bytes * 8) / t / 1000).toFixed(1).padStart(6)}kbits/s` : 'N/A';
  // dup= and drop= only when the frame-rate conversion repeated or dropped a frame, as ffmpeg
  const dupDrop = p.dupFrames || p.dropFrames ? ` dup=${p.dupFrames ?? 0} drop=${p.dropFrames ?? 0}` : '';
  return `frame=${String(p.frames).padStart(5)} fps=${p.fps.toFixed(p.fps < 9.95 ? 1 : 0).padStart(3)} q=-1.0 ${last ? 'L' : ''}size=${kb.toFixed(0).padStart(8)}kB time=${clock} bitrate=${rate}${dupDrop} speed=${p.speed.toPrecision(3)}x`;
}

/** ffmpeg's closing line: what each kind of stream took, and the container's share. */
function sizesLine(r: TranscodeResult): string {
  const s = r.sizes;
  const kb = (n: number) => `${(n / 1024).toFixed(0)}kB`;
  const payload = s.video + s.audio + s.subtitle + s.other;
  const overhead = payload > 0 ? `${((100 * s.overhead) / payload).toFixed(6)}%` : 'unknown';
  return `video:${kb(s.video)} audio:${kb(s.audio)} subtitle:${kb(s.subtitle)} other streams:${kb(s.other)} global headers:${kb(s.globalHeaders)} muxing overhead: ${overhead}`;
}

/** One -progress block (the keys ffmpeg writes that avforge knows). */
function progressBlock(p: Progress, end: boolean): string {
  const us = Math.round(Math.max(0, p.time) * 1e6);
  const t = us / 1e6;
  const clock = `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${(t % 60).toFixed(6).padStart(9, '0')}`;
  return `${[
    `frame=${p.frames}`,
    `fps=${p.fps.toFixed(2)}`,
    `bitrate=${t > 0 ? `${((p.bytes * 8) / t / 1000).toFixed(1)}kbits/s` : 'N/A'}`,
    `total_size=${p.bytes}`,
    `out_time_us=${us}`,
    `out_time_ms=${us}`,
    `out_time=${clock}`,
    `dup_frames=${p.dupFrames ?? 0}`,
    `drop_frames=${p.dropFrames ?? 0}`,
    `speed=${p.speed.toFixed(3)}x`,
    `progress=${end ? 'end' : 'continue'}`,
  ].join('\n')}\n`;
}

/** -progress URL: a file path, file:PATH, pipe:N or '-' (standard output). */
function progressWriter(url: string, io: CommandIo): (text: string) => void {
  const pipe = /^pipe:(\d*)$/.exec(url);
  if (url === '-' || pipe) {
    const fd = pipe?.[1] ? Number(pipe[1]) : 1;
    if (fd === 2) return io.stderr;
    if (fd === 1 && io.stdout) return (text) => io.stdout!.write(text);
    return (text) => fs.writeSync(fd, text);
  }
  const file = url.replace(/^file:/, '');
  const fd = fs.openSync(file, 'w');
  return (text) => fs.writeSync(fd, text);
}

async function mayOverwrite(url: string, mode: 'y' | 'n' | 'ask', io: CommandIo): Promise<boolean> {
  if (/^[a-z][\w+.-]+:/i.test(url) || url === '-' || !fs.existsSync(url) || mode === 'y') return true;
  if (mode === 'ask' && io.interactive && io.stdin) {
    const rl = readline.createInterface({ input: io.stdin, output: process.stderr });
    const answer = await new Promise<string>((resolve) => rl.question(`File '${url}' already exists. Overwrite? [y/N] `, resolve));
    rl.close();
    if (/^y/i.test(answer.trim())) return true;
    io.stderr('Not overwriting - exiting\n');
    return false;
  }
  io.stderr(`File '${url}' already exists. Exiting.\n`);
  return false;
}

/**
 * Where a command line's streams are: the process's own for `avforge ffmpeg`, a caller's for
 * ffmpeg() (in_process.ts), which runs many command lines in one process.
 */
export interface CommandIo {
  /** What `-i -` reads; none: such an input is an error. */
  stdin?: Readable;
  /** What `-` (pipe:1) output is written to; none: file descriptor 1, through FFmpeg's pipe protocol. */
  stdout?: Writable;
  stderr(text: string): void;
  /** Whether "Overwrite? [y/N]" may be asked on stdin (else an existing output without -y fails, as ffmpeg's -nostdin). */
  interactive: boolean;
  /** Whether -loglevel sets libav's (process-wide) log level, as the ffmpeg program does. */
  ownsLogLevel: boolean;
  /** Subscribes to interrupts (the first: finish gracefully; more: abort); returns the unsubscribe. */
  onInterrupt(handler: () => void): () => void;
}

/** The avforge command's: the process's standard streams, SIGINT and SIGTERM. */
export function processIo(): CommandIo {
  return {
    stdin: process.stdin,
    stderr: (text) => process.stderr.write(text),
    interactive: Boolean(process.stdin.isTTY),
    ownsLogLevel: true,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

/** How a command line ended: ffmpeg's exit status, and the error behind a failure. */
export interface CommandEnd {
  code: number;
  error?: Error;
}

/** Runs `avforge ffmpeg ARGS...`; the exit status. */
export async function runFfmpeg(argv: string[], route: OptionRouter): Promise<number> {
  return (await runCommandLine(argv, route, processIo())).code;
}

/** Runs an ffmpeg command line in this process, its streams `io`'s. */
export async function runCommandLine(argv: readonly string[], route: OptionRouter, io: CommandIo): Promise<CommandEnd> {
  let interrupts = 0;
  const jobs: Job<TranscodeResult>[] = [];
  const unsubscribe = io.onInterrupt(() => {
    interrupts++;
    for (const j of jobs) j.cancel(interrupts === 1 ? 'graceful' : 'abort');
  });
  try {
    const line = splitCommandLine([...argv]);
    const level = logLevelOf(String(flagOf(line.globals, 'loglevel')?.value ?? 'info'));
    if (io.ownsLogLevel) setLogLevel(level);
    if (line.trailing.length) io.stderr('Trailing option(s) found in the command: may be ignored.\n');
    const translated = await translateCommandLine(line, route, io.stdin);
    const y = flagOf(line.globals, 'y')?.value === true;
    const n = flagOf(line.globals, 'n')?.value === true;
    const stdin = flagOf(line.globals, 'stdin')?.value !== false;
    const ioAsked = { ...io, interactive: io.interactive && stdin };
    for (const j of translated) if (!(await mayOverwrite(j.url, y ? 'y' : n ? 'n' : 'ask', ioAsked))) return { code: EXIT_FFMPEG.failed };
    const statsFlag = flagOf(line.globals, 'stats')?.value;
    const stats = statsFlag === true || (statsFlag === undefined && LogLevels[level] >= LogLevels.info);
    const progressUrl = flagOf(line.globals, 'progress');
    const writeProgress = progressUrl ? progressWriter(String(progressUrl.value), io) : undefined;
    const period = Number(flagOf(line.globals, 'stats_period')?.value ?? 0.5) * 1000;
    const latest = new Map<number, Progress>();
    const report = (last: boolean) => {
      // the first output's progress, as ffmpeg's line is mostly about it
      const p = latest.get(0);
      if (!p) return;
      if (stats) io.stderr(`${statsLine(p, last)}${last ? '\n' : '\r'}`);
      writeProgress?.(progressBlock(p, last));
    };
    // `-` as the output: the caller's stream where it gave one
    const target = (url: string) => (url === 'pipe:1' && io.stdout ? io.stdout : url);
    const timer = stats || writeProgress ? setInterval(() => report(false), period) : undefined;
    try {
      const together = oneReading(translated);
      for (const [i, j] of (together ? [] : translated).entries()) {
        quietX265(j.options, level);
        jobs.push(
          transcode(
            j.input,
            target(j.url),
            trustInputs({ ...j.options, onProgress: (p: Progress) => latest.set(i, p), progressInterval: Math.min(period, 500) }),
          ),
        );
        if (interrupts) jobs.at(-1)!.cancel(interrupts === 1 ? 'graceful' : 'abort');
      }
      if (together) {
        for (const o of together.outputs) quietX265({ map: o.map }, level);
        const outputs = together.outputs.map((o) => ({ ...o, output: typeof o.output === 'string' ? target(o.output) : o.output }));
        const options = trustInputs({ ...together.options, onProgress: (p: Progress) => latest.set(0, p), progressInterval: Math.min(period, 500) });
        jobs.push(transcode(together.input, outputs, options));
        if (interrupts) jobs.at(-1)!.cancel(interrupts === 1 ? 'graceful' : 'abort');
      }
      // one job per output file, as ffmpeg's last lines are
      const results = (await Promise.all(jobs)).flatMap((r) =>
        r.outputs.length > 1 ? r.outputs.map((o) => ({ ...r, output: o.output, bytes: o.bytes, duration: o.duration, sizes: o.sizes })) : [r],
      );
      const r = results[0]!;
      if (!latest.has(0) || r.bytes)
        latest.set(0, {
          ...(latest.get(0) ?? emptyProgress()),
          bytes: r.bytes,
          time: r.duration ?? latest.get(0)?.time ?? 0,
          dupFrames: r.dupFrames,
          dropFrames: r.dropFrames,
        });
      report(true);
      if (stats) for (const done of results) io.stderr(`${sizesLine(done)}\n`);
      return { code: interrupts ? EXIT_FFMPEG.interrupted : EXIT_FFMPEG.ok };
    } finally {
      if (timer) clearInterval(timer);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof TypeError) {
      io.stderr(`${e.message}\n`);
      return { code: EXIT_FFMPEG.failed, error: e };
    }
    if (e instanceof AvError) {
      io.stderr(`${e.url ? `${e.url}: ` : ''}${e.message}\n`);
      return { code: interrupts ? EXIT_FFMPEG.interrupted : EXIT_FFMPEG.failed, error: e };
    }
    throw e;
  } finally {
    unsubscribe();
  }
}

// What every output of a command line shares when they are written from one reading of the
// inputs (as ffmpeg writes them): the inputs and their settings, the graph, the trims.
const SHARED_KEYS = ['input', 'inputs', 'start', 'duration', 'threads', 'shortest', 'filterComplex'] as const;

/** The outputs as one job (each input stream decoded once), or null when they differ in what they read. */
function oneReading(jobs: OutputJob[]): { input: OutputJob['input']; outputs: TranscodeOutput[]; options: TranscodeOptions } | null {
  if (jobs.length < 2) return null;
  const shared = (j: OutputJob) => JSON.stringify(SHARED_KEYS.map((k) => j.options[k]));
  const first = jobs[0]!;
  if (typeof first.input !== 'string' || jobs.some((j) => j.input !== first.input || shared(j) !== shared(first))) return null;
  const options: TranscodeOptions = {};
  for (const k of SHARED_KEYS) if (first.options[k] !== undefined) Object.assign(options, { [k]: first.options[k] });
  const outputs = jobs.map((j): TranscodeOutput => {
    const own: Record<string, unknown> = { output: j.url };
    for (const [k, v] of Object.entries(j.options)) if (!(SHARED_KEYS as readonly string[]).includes(k)) own[k] = v;
    return own as unknown as TranscodeOutput;
  });
  return { input: first.input, outputs, options };
}

function emptyProgress(): Progress {
  return { frames: 0, fps: 0, time: 0, speed: 0, percent: null, bytes: 0, bitRate: 0, elapsed: 0, damaged: 0, dupFrames: 0, dropFrames: 0 };
}
