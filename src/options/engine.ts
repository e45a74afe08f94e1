// The settings of an Engine, a BullMQ backend and a BullMQ worker, as rules (rules.ts): checked
// with the same predicates and the same unknown-key refusal as the jobs they run.
import { invalidArgument, is } from '../errors.js';
import type { EngineOptions } from '../engine/engine.js';
import { redisConnection, type RedisSettings } from '../engine/backends/bullmq/wire.js';
import type { BullMQOptions } from '../engine/backends/bullmq/producer.js';
import type { WorkerCloseOptions, WorkerOptions } from '../engine/backends/bullmq/worker.js';
import {
  func,
  inProcess,
  leaf,
  literal,
  nonNegative,
  nonNegativeInt,
  objectOf,
  positive,
  positiveInt,
  threadCount,
  recordOf,
  union,
  type Fields,
  type Rule,
} from './rules.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Bytes from a number or a string like '512MB', '1.5GiB'. */
export function parseBytes(value: unknown, name: string): number {
  if (is.number(value) && value > 0) return value;
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value) : null;
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || !(Number(m[1]) > 0)) throw invalidArgument(name, "a number of bytes > 0, or a string like '512MB' or '2GiB'", value);
  return Number(m[1]) * unit;
}

/** A rule whose check is a parser that throws the TypeError itself. */
function parsed(expected: string, parse: (v: unknown, path: string) => unknown, json: Record<string, unknown>): Rule {
  return { ...leaf(expected, () => true, json), check: (v, path) => void parse(v, path) };
}

const memoryBudget = parsed("a number of bytes > 0, or a string like '512MB' or '2GiB'", parseBytes, { type: ['number', 'string'] });

const engineFields: Fields<Omit<EngineOptions, 'backend' | 'estimateMemory'>> = {
  concurrency: positiveInt(),
  cpus: positiveInt(),
  threadsPerJob: threadCount(1),
  memoryBudget,
  devices: recordOf('an object of device family -> sessions (an integer > 0)', positiveInt()),
  ageing: union('a number of milliseconds > 0, or false', positive('a number of milliseconds > 0'), literal('false', false)),
  isolation: literal("'none' or 'process'", 'none', 'process'),
  memoryLimit: union("a number of bytes > 0, a string like '512MB' or '2GiB', or false", literal('false', false), memoryBudget),
  cpuLimit: positive('a number of CPU seconds > 0'),
};

export const engineOptions = objectOf<EngineOptions>({
  ...engineFields,
  estimateMemory: inProcess(func, 'no function'),
  backend: leaf('a backend (such as new BullMQBackend(...))', (v) => is.object(v) && typeof v.submit === 'function', null),
});

const redisFields: Fields<RedisSettings> = {
  redis: parsed("a Redis URL ('redis://host:6379') or ioredis options", (v, path) => redisConnection(v, path), { type: ['string', 'object'] }),
  queue: leaf('a queue name without ":"', (v) => is.nonEmptyString(v) && !v.includes(':'), { type: 'string', pattern: '^[^:]+$' }),
  prefix: leaf('a key prefix', is.nonEmptyString, { type: 'string', minLength: 1 }),
};

export const bullmqOptions = objectOf<BullMQOptions>(
  { ...redisFields, keepCompleted: nonNegativeInt(), keepFailed: nonNegativeInt() },
  { required: ['redis'] },
);

export const workerOptions = objectOf<WorkerOptions>(
  {
    ...redisFields,
    ...engineFields,
    lockDuration: positive('a number of milliseconds > 0'),
    stalledInterval: positive('a number of milliseconds > 0'),
    maxStalledCount: nonNegativeInt(),
  },
  { required: ['redis'] },
);

export const workerCloseOptions = objectOf<WorkerCloseOptions>({ timeout: nonNegative('a number of milliseconds >= 0') });
