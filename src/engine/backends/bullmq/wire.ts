// The BullMQ backend's shared parts: the Redis settings, the wire format of results and errors
// (BullMQ stores JSON), and the lazily imported bullmq module. The job data's format and its
// check are in options/jobs.ts (WireJob, checkWireJob), its JSON Schema in options/json_schema.ts.
import { AvError, invalidArgument, is, type AvErrorCode } from '../../../errors.js';

export type BullMQ = typeof import('bullmq');

export interface RedisSettings {
  /** Redis: a URL ('redis://[user:password@]host:6379[/db]', 'rediss://...' for TLS, 'unix:///path/redis.sock') or ioredis options. */
  redis: string | Record<string, unknown>;
  /** The BullMQ queue's name. Default 'avforge'. */
  queue?: string;
  /** Redis key prefix. Default 'bull' (BullMQ's). */
  prefix?: string;
}

export interface WireError {
  name: string;
  message: string;
  /** An AvError's code, or a plain error's (a worker's own code travels as it is). */
  code?: AvErrorCode;
  op?: string;
  url?: string;
  errno?: number;
  stream?: number;
}

export const LOG_PREFIX = 'avforge:error ';
export const CANCEL_EVENT = 'avforge:cancel';
/** BullMQ: 1 is the highest priority, 2^21 the lowest. Ours: higher first, 0 by default. */
export const PRIORITY_ZERO = 1_000_000;
export const PRIORITY_LIMIT = 2_097_152;

/** Redis connection options from a URL or ioredis options. */
export function redisConnection(redis: unknown, name = 'redis'): Record<string, unknown> {
  if (is.object(redis)) return { ...redis };
  if (!is.nonEmptyString(redis)) throw invalidArgument(name, "a Redis URL ('redis://host:6379') or ioredis options", redis);
  let url: URL;
  try {
    url = new URL(redis);
  } catch {
    throw invalidArgument(name, "a Redis URL ('redis://host:6379') or ioredis options", redis);
  }
  if (url.protocol === 'unix:' || url.protocol === 'redis+unix:') return { path: decodeURIComponent(url.pathname) };
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw invalidArgument(name, 'a redis://, rediss:// or unix:// URL', redis);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) throw invalidArgument(name, 'a Redis URL whose path is a database number', redis);
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

export function checkRedisSettings(o: RedisSettings): { connection: Record<string, unknown>; queue: string; prefix: string } {
  const queue = o.queue ?? 'avforge';
  if (!is.nonEmptyString(queue) || queue.includes(':')) throw invalidArgument('queue', 'a queue name without ":"', queue);
  const prefix = o.prefix ?? 'bull';
  if (!is.nonEmptyString(prefix)) throw invalidArgument('prefix', 'a key prefix', prefix);
  return { connection: redisConnection(o.redis), queue, prefix };
}

/** Buffers inside a result travel as base64 (BullMQ stores results as JSON). */
export function toWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(toWire);
  if (is.object(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  return value;
}

export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (is.object(value)) {
    if (typeof value.$bytes === 'string' && Object.keys(value).length === 1) return Buffer.from(value.$bytes, 'base64');
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}

export function wireError(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const x = err as Error & Partial<WireError>;
  return { name: err.name, message: err.message, code: x.code, op: x.op, url: x.url, errno: x.errno, stream: x.stream };
}

/** The error a producer hands to its submitter: the worker's, with its name, code and message. */
export function errorFromWire(w: WireError): Error {
  let e: Error;
  if (w.code !== undefined && w.op !== undefined) {
    e = new AvError('', {
      code: w.code,
      op: w.op,
      ...(w.url !== undefined ? { url: w.url } : {}),
      ...(w.errno !== undefined ? { errno: w.errno } : {}),
      ...(w.stream !== undefined ? { stream: w.stream } : {}),
    });
  } else if (w.name === 'TypeError') {
    e = new TypeError();
  } else {
    e = new Error();
    if (w.code !== undefined) Object.assign(e, { code: w.code });
  }
  e.message = w.message;
  e.name = w.name;
  e.stack = `${w.name}: ${w.message}\n    at <avforge worker>`;
  return e;
}

export function isCancel(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

let loaded: Promise<BullMQ> | undefined;
export function bullmq(): Promise<BullMQ> {
  loaded ??= import('bullmq').catch((e: unknown) => {
    loaded = undefined;
    throw new AvError(`The BullMQ backend needs the bullmq package (npm install bullmq): ${(e as Error).message}`, {
      code: 'ERR_MODULE_NOT_FOUND',
      op: 'bullmq',
    });
  });
  return loaded;
}
