// What an Engine and its isolated job processes say to each other over the IPC channel (Node's
// 'advanced' serialization: structured clone, so Buffers and Uint8Arrays cross as themselves),
// and how an error crosses it with its class, code and details intact.
import { AvError, type AvErrorCode } from '../../errors.js';
import type { CancelMode } from '../../pipeline/types.js';
import type { JobDescription } from '../job.js';

/** The limits one job runs under, as the child sets them on itself (null: none). */
export interface ProcessLimits {
  /** Bytes of the process's data segment (RLIMIT_DATA). */
  memory: number | null;
  /** CPU seconds this job may add to the process's total (RLIMIT_CPU, whole seconds). */
  cpu: number | null;
}

/** Test-only misbehaviour of a child, honoured only with AVFORGE_ISOLATION_TEST_HOOKS=1 (see test_hooks.ts). */
export type TestHook = 'abort' | 'segv' | 'exit' | 'alloc' | 'alloc-heap' | 'spin';

/**
 * The line a child writes to its stderr after a failed job, before it reports the failure: what
 * libav said as the job failed ("malloc of size N failed") is read up to it, since stderr and the
 * IPC channel are different pipes. The parent reads it and does not echo it.
 */
export const FAILED_MARK = '\u0001avforge: job failed ';

export type ToChild =
  | { t: 'run'; id: number; jobId: string; attempt: number; job: JobDescription; threads: number; limits: ProcessLimits; hook?: TestHook }
  | { t: 'cancel'; id: number; mode: CancelMode };

export type FromChild =
  | { t: 'progress'; id: number; progress: unknown }
  | { t: 'done'; id: number; ok: true; value: unknown; data: number }
  /** `memory`: the error itself says the process ran out of memory (ENOMEM, a failed ArrayBuffer). */
  | { t: 'done'; id: number; ok: false; error: PlainError; memory: boolean; data: number };

/** An error as data. */
export interface PlainError {
  name: string;
  message: string;
  stack?: string;
  /** 'AvError', 'TypeError', 'RangeError' or 'Error': which class to rebuild. */
  kind: string;
  code?: string;
  op?: string;
  url?: string;
  errno?: number;
  stream?: number;
  stage?: string;
  time?: number;
}

export function toPlainError(e: unknown): PlainError {
  const err = e instanceof Error ? e : new Error(String(e));
  const x = err as Error & Partial<Omit<PlainError, 'kind'>>;
  const kind = err instanceof AvError ? 'AvError' : err instanceof TypeError ? 'TypeError' : err instanceof RangeError ? 'RangeError' : 'Error';
  const plain: PlainError = { kind, name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  for (const k of ['code', 'op', 'url', 'stage'] as const) if (typeof x[k] === 'string') plain[k] = x[k];
  for (const k of ['errno', 'stream', 'time'] as const) if (typeof x[k] === 'number') plain[k] = x[k];
  return plain;
}

/** The error as the in-process run would have thrown it; its stack says it came from process `pid`. */
export function fromPlainError(p: PlainError, pid: number): Error {
  let e: Error;
  if (p.kind === 'AvError' && p.code !== undefined && p.op !== undefined) {
    e = new AvError('', {
      code: p.code as AvErrorCode,
      op: p.op,
      ...(p.url !== undefined ? { url: p.url } : {}),
      ...(p.errno !== undefined ? { errno: p.errno } : {}),
      ...(p.stream !== undefined ? { stream: p.stream } : {}),
      ...(p.stage !== undefined ? { stage: p.stage } : {}),
      ...(p.time !== undefined ? { time: p.time } : {}),
    });
  } else {
    e = p.kind === 'TypeError' ? new TypeError() : p.kind === 'RangeError' ? new RangeError() : new Error();
    if (p.code !== undefined) Object.assign(e, { code: p.code });
  }
  e.message = p.message;
  e.name = p.name;
  e.stack = `${p.stack ?? `${p.name}: ${p.message}`}\n    at <avforge job process ${pid}>`;
  return e;
}
