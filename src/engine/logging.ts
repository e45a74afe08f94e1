// Structured logs of an engine: its jobs' transitions and libav's log as JSON lines (pino's
// format: numeric level, time, pid, hostname, msg), or through a logger the user passes (pino
// or anything with its info/warn/error/debug(obj, msg) methods). Every line about a job has its
// jobId. libav's log is process-wide: a line is given the job id when one job runs in this
// process (or, with isolation 'process', always: each job process runs one job at a time).
import os from 'node:os';

import { setLogger, type LogLevel } from '../core/log.js';
import { invalidArgument, optionsObject } from '../errors.js';
import type { TranscodeResult } from '../pipeline/types.js';
import type { JobRecord } from './handle.js';
import type { JobObserver } from './observer.js';

type LogFn = (obj: Record<string, unknown>, msg: string) => void;

/** What logTo() needs of a logger: pino's methods (a pino logger is one). */
export interface JobLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal?: LogFn;
}

export interface LogOptions {
  /** Where the lines go. Default: JSON lines on stdout. */
  logger?: JobLogger;
  /** Least level written by the default logger: 'debug' adds queue moves and progress. Default 'info'. */
  level?: 'debug' | 'info' | 'warn' | 'error';
  /** libav's log through the same logger, from this level of libav's (default 'warning'); false: left as it is. */
  libav?: LogLevel | false;
}

/** How long after a job ended a libav line with no job running is still taken as that job's (ms). */
const LATE_LINE_MS = 250;

/** pino's numbers. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof LEVELS;

/** JSON lines in pino's format on a stream (stdout by default). */
export function jsonLogger(level: Level = 'info', write: (line: string) => void = (l) => void process.stdout.write(l)): JobLogger {
  const hostname = os.hostname();
  const at = (name: Level): LogFn => {
    if (LEVELS[name] < LEVELS[level]) return () => {};
    return (obj, msg) => write(`${JSON.stringify({ level: LEVELS[name], time: Date.now(), pid: process.pid, hostname, ...obj, msg })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}

/** libav's level as a logger method. */
function libavLevel(level: LogLevel): Level {
  if (level === 'panic' || level === 'fatal') return 'fatal';
  if (level === 'error') return 'error';
  if (level === 'warning') return 'warn';
  if (level === 'info') return 'info';
  return 'debug';
}

function errorFields(e: unknown): Record<string, unknown> {
  const err = e as { name?: unknown; message?: unknown; code?: unknown } | null;
  return { err: { type: err?.name, message: err?.message, ...(typeof err?.code === 'string' ? { code: err.code } : {}) } };
}

function resultFields(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return { thumbnails: value.length };
  const r = value as Partial<TranscodeResult> | null;
  if (!r || typeof r !== 'object' || typeof r.bytes !== 'number') return {};
  return {
    bytes: r.bytes,
    ...(Array.isArray(r.frames) ? { frames: r.frames.reduce((a, b) => a + b, 0) } : {}),
    ...(typeof r.speed === 'number' ? { speed: Number(r.speed.toFixed(3)) } : {}),
    ...(r.damaged ? { damaged: r.damaged } : {}),
    ...(r.stopped ? { stopped: true } : {}),
  };
}

/** Where a job process's stderr (libav's lines) goes while logs are structured: set by logTo(). */
let childLines: ((text: string, jobId: string | null) => void) | null = null;

/** A job process's output: true when logTo() took it (the caller writes it to stderr otherwise). */
export function childOutput(text: string, jobId: string | null): boolean {
  if (!childLines) return false;
  childLines(text, jobId);
  return true;
}

/** The engine's job transitions, and libav's log, as structured log lines; returns the function that stops them. */
export function logEngine(observe: (o: JobObserver) => () => void, options?: LogOptions): () => void {
  const o = optionsObject(options) as LogOptions;
  const log = o.logger ?? jsonLogger(o.level ?? 'info');
  for (const m of ['debug', 'info', 'warn', 'error'] as const)
    if (typeof log?.[m] !== 'function')
      throw invalidArgument('options.logger', 'a logger with debug, info, warn and error methods (pino, or obj/msg functions)', log);
  const running = new Set<JobRecord>();
  const fields = (r: JobRecord, more: Record<string, unknown> = {}) => ({ jobId: r.id, type: r.handle.type, ...more });
  const stop = observe({
    queued: (r) => log.debug(fields(r, { priority: r.settings.priority }), 'job queued'),
    started: (r, waitedMs) => {
      running.add(r);
      log.info(fields(r, { attempt: r.attempt, ...(waitedMs !== null ? { waitMs: Math.round(waitedMs) } : {}) }), 'job started');
    },
    progress: (r, p) => log.debug(fields(r, { progress: p }), 'job progress'),
    retried: (r, error) => {
      running.delete(r);
      log.warn(fields(r, { attempt: r.attempt, ...errorFields(error) }), 'job attempt failed, retrying');
    },
    settled: (r, outcome, value, ranMs) => {
      if (running.delete(r)) last = { id: r.id, at: performance.now() };
      const ms = ranMs === null ? {} : { durationMs: Math.round(ranMs) };
      if (outcome === 'completed') log.info(fields(r, { ...ms, ...resultFields(value) }), 'job completed');
      else if (outcome === 'failed') log.error(fields(r, { attempt: r.attempt, ...ms, ...errorFields(value) }), 'job failed');
      else log.info(fields(r, ms), 'job cancelled');
    },
  });
  // libav's lines: in this process through setLogger, from job processes through their stderr
  const libav = o.libav ?? 'warning';
  // libav's lines cross to JS on their own queue: the last ones of a job may come just after it settled
  let last: { id: string; at: number } | null = null;
  const current = (): Record<string, unknown> => {
    if (running.size === 1) return { jobId: [...running][0]!.id };
    if (running.size > 1) return { jobs: [...running].map((r) => r.id) };
    return last && performance.now() - last.at < LATE_LINE_MS ? { jobId: last.id } : {};
  };
  if (libav !== false) {
    setLogger(
      (level, message) => {
        const text = message.trimEnd();
        if (text) (log[libavLevel(level)] ?? log.error)({ ...current(), source: 'libav', libavLevel: level }, text);
      },
      { level: libav },
    );
    childLines = (text, jobId) => {
      for (const line of text.split('\n')) if (line.trim()) log.warn({ ...(jobId !== null ? { jobId } : current()), source: 'libav' }, line.trimEnd());
    };
  }
  return () => {
    stop();
    if (libav !== false) {
      setLogger(null);
      childLines = null;
    }
  };
}
