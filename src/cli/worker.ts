// `avforge worker` and `avforge submit`: the engine's BullMQ backend from the command line.
import type { Registry } from 'prom-client';

import {
  BullMQBackend,
  Engine,
  parseBytes,
  serveHealth,
  startWorker,
  type EngineJob,
  type EngineWorker,
  type HealthServer,
  type SubmitOptions,
} from '../index.js';
import { helpText, optionalInt, parseCommand, parsePair, UsageError, type Command, type Flag } from './argv.js';
import { jsonFlag, optionsFlag } from './shared_flags.js';

/** Where the queue is: what the worker and submit share. */
export interface QueueState {
  redis?: string;
  queue?: string;
  prefix?: string;
}

export const queueFlags: Flag<QueueState>[] = [
  { names: ['--redis'], value: 'URL', help: 'the Redis server (redis://host:6379)', apply: (s, v) => (s.redis = v) },
  { names: ['--queue'], value: 'NAME', help: 'queue name (default avforge)', apply: (s, v) => (s.queue = v) },
  { names: ['--prefix'], value: 'P', help: 'Redis key prefix (default bull)', apply: (s, v) => (s.prefix = v) },
];

/** A flag that keeps its value as text, for the run to read. */
const text = <S extends { values: Record<string, string> }>(name: string, value: string, help: string): Flag<S> => ({
  names: [name],
  value,
  help,
  apply: (s, v) => (s.values[name] = v),
});

interface WorkerState extends QueueState {
  values: Record<string, string>;
  devices: Record<string, number>;
  json: boolean;
}

export const workerCommand: Command<WorkerState> = {
  name: 'worker',
  summary: 'run engine jobs from a BullMQ queue on Redis until SIGTERM',
  usage: ['--redis URL [options]'],
  intro:
    'Each job runs in a job process of a pool (--isolation process): a crash or a limit fails that job alone. ' +
    'A first SIGTERM/SIGINT lets running jobs finish (or requeues them after --grace); a second requeues them now.',
  groups: [
    { title: 'Queue', flags: queueFlags },
    {
      title: 'Capacity',
      flags: [
        text('--concurrency', 'N', 'jobs at once (default: CPUs)'),
        text('--cpus', 'N', 'codec-thread budget (default: CPUs)'),
        text('--threads-per-job', 'N', 'codec threads per job'),
        text('--memory-budget', 'B', 'e.g. 2GB: jobs wait while over it'),
        text('--isolation', 'MODE', "process (default): each job in a job process; none: in the worker's"),
        text('--memory-limit', 'B', "a job's process memory limit (default: the budget, else half the RAM; 'none')"),
        text('--cpu-limit', 'S', 'CPU seconds a job may use (default: none)'),
        {
          names: ['--device'],
          value: 'NAME=N',
          help: 'hardware sessions (repeatable)',
          apply(s, v, flag) {
            const [name, count] = parsePair(v, flag, 'NAME=SESSIONS (e.g. cuda=3)');
            if (!/^[\w-]+$/.test(name) || !/^\d+$/.test(count)) throw new UsageError(`${flag}: '${v}' is not NAME=SESSIONS (e.g. cuda=3)`);
            s.devices[name] = Number(count);
          },
        },
      ],
    },
    {
      title: 'Failures and shutdown',
      flags: [
        text('--lock-duration', 'MS', "a dead worker's jobs re-run after this (default 30000)"),
        text('--stalled-interval', 'MS', 'how often to look for them (default 30000)'),
        text('--grace', 'MS', 'on SIGTERM, requeue jobs still running after MS'),
      ],
    },
    {
      title: 'Output and observability',
      flags: [
        { ...jsonFlag, help: 'one JSON line per job event on stdout' },
        text('--metrics', '[HOST]:PORT', 'serve /metrics (Prometheus), /healthz and /readyz here (e.g. :9464)'),
        text('--logs', 'FORMAT', "json: the jobs and libav's log as JSON lines (pino's format) on stdout"),
      ],
    },
  ],
  examples: [
    'avforge worker --redis redis://localhost:6379 --concurrency 2 --memory-budget 4GB',
    'avforge worker --redis redis://localhost:6379 --metrics :9464 --logs json',
  ],
  init: () => ({ values: {}, devices: {}, json: false }),
};

/** `avforge worker`: serves the queue until SIGTERM/SIGINT; resolves with the exit code. */
export async function runWorker(argv: string[]): Promise<number> {
  const s = parseCommand(workerCommand, argv);
  if ('help' in s) {
    console.log(helpText(workerCommand));
    return 0;
  }
  if (!s.redis) throw new UsageError('worker needs --redis URL');
  const v = s.values;
  const grace = optionalInt(v['--grace'], '--grace');
  // parseBytes throws the library's TypeError for a bad size: a usage error (exit 2)
  const memoryBudget = v['--memory-budget'] === undefined ? undefined : parseBytes(v['--memory-budget'], '--memory-budget');
  const isolation = v['--isolation'];
  if (isolation !== undefined && isolation !== 'process' && isolation !== 'none')
    throw new UsageError(`--isolation: '${isolation}' is not 'process' or 'none'`);
  const limit = v['--memory-limit'];
  const memoryLimit = limit === undefined ? undefined : limit === 'none' ? false : parseBytes(limit, '--memory-limit');
  const logs = v['--logs'];
  if (logs !== undefined && logs !== 'json') throw new UsageError(`--logs: '${logs}' is not 'json'`);
  const cpuLimit = v['--cpu-limit'] === undefined ? undefined : Number(v['--cpu-limit']);
  if (cpuLimit !== undefined && !(cpuLimit > 0)) throw new UsageError(`--cpu-limit: '${v['--cpu-limit']}' is not a number of seconds > 0`);
  // the endpoints first: a bad --metrics fails before Redis is reached, and /healthz answers while the worker starts
  const listen = v['--metrics'];
  let health: (HealthServer & { registry: Registry }) | undefined;
  let worker: EngineWorker | undefined;
  if (listen !== undefined) {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    // the process's CPU, memory, GC and handles, as every Node exporter has them
    prom.collectDefaultMetrics({ register: registry });
    try {
      const server = await serveHealth({ registry, readiness: () => worker?.readiness() ?? { ready: false, checks: { started: false } }, listen });
      health = Object.assign(server, { registry });
    } catch (err) {
      if (err instanceof TypeError) throw new UsageError(`--metrics: '${listen}' is not [HOST]:PORT (e.g. :9464)`);
      throw new UsageError(`--metrics: cannot listen on ${listen}: ${(err as Error).message}`);
    }
  }
  try {
    worker = await startWorker({
      redis: s.redis,
      queue: s.queue,
      prefix: s.prefix,
      concurrency: optionalInt(v['--concurrency'], '--concurrency'),
      cpus: optionalInt(v['--cpus'], '--cpus'),
      threadsPerJob: optionalInt(v['--threads-per-job'], '--threads-per-job'),
      memoryBudget,
      isolation,
      memoryLimit,
      cpuLimit,
      devices: s.devices,
      lockDuration: optionalInt(v['--lock-duration'], '--lock-duration'),
      stalledInterval: optionalInt(v['--stalled-interval'], '--stalled-interval'),
    });
  } catch (err) {
    await health?.close();
    throw err;
  }
  const json = s.json;
  const say = (event: string, fields: Record<string, unknown>, text: string) =>
    console.log(json ? JSON.stringify({ event, pid: process.pid, ...fields }) : `avforge worker ${process.pid}: ${text}`);
  const e = worker.engine;
  const running = worker;
  if (logs === 'json') e.logTo();
  if (health) {
    e.metrics({ registry: health.registry });
    say(
      'metrics',
      { metrics: `http://${health.host.includes(':') ? `[${health.host}]` : health.host}:${health.port}/metrics` },
      `metrics on ${health.host}:${health.port}`,
    );
  }
  e.on('started', (h) => say('started', { id: h.id, type: h.type, attempt: h.attempt }, `started ${h.id} (${h.type})`));
  e.on('completed', (h) => say('completed', { id: h.id, type: h.type }, `completed ${h.id}`));
  e.on('failed', (h, err) => say('failed', { id: h.id, type: h.type, error: err.message }, `failed ${h.id}: ${err.message}`));
  e.on('cancelled', (h) =>
    running.requeueing
      ? say('requeued', { id: h.id, type: h.type }, `requeued ${h.id} (shutting down)`)
      : say('cancelled', { id: h.id, type: h.type }, `cancelled ${h.id}`),
  );
  say('ready', { queue: s.queue ?? 'avforge' }, `serving queue '${s.queue ?? 'avforge'}'`);

  return new Promise((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      say(
        'stopping',
        { signal },
        signals === 1 ? `${signal}: finishing running jobs${grace !== undefined ? ` (requeued after ${grace} ms)` : ''}` : `${signal}: requeueing running jobs`,
      );
      running.close(signals === 1 ? (grace === undefined ? {} : { timeout: grace }) : { timeout: 0 }).then(
        async () => {
          await health?.close();
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          say('stopped', {}, 'stopped');
          resolve(0);
        },
        (err: unknown) => {
          console.error(err);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

interface SubmitState extends QueueState {
  values: Record<string, string>;
  positionals: string[];
  wait: boolean;
  extra?: Record<string, unknown>;
}

export const submitCommand: Command<SubmitState> = {
  name: 'submit',
  summary: 'enqueue a job for the workers (TYPE: transcode, remux, thumbnails, probe)',
  usage: ['--redis URL TYPE INPUT [OUTPUT] [options]'],
  groups: [
    { title: 'Queue', flags: queueFlags },
    {
      title: 'The job',
      flags: [
        { ...optionsFlag, help: 'the job\'s options, e.g. \'{"video":{"codec":"libx264","crf":23}}\'' },
        text('--priority', 'N', 'higher first (default 0)'),
        text('--key', 'K', 'fairness key (tenant)'),
        text('--retries', 'N', 'attempts after a failure'),
        text('--backoff', 'MS', 'wait before a retry'),
        text('--delay', 'MS', 'wait before it is queued'),
        text('--timeout', 'MS', 'per attempt'),
        text('--id', 'ID', "the job's id (deduplicates)"),
        { names: ['--wait'], help: 'follow it: progress on stderr, the result as JSON on stdout; exit 1 if it fails', apply: (s) => (s.wait = true) },
      ],
    },
  ],
  examples: ['avforge submit --redis redis://localhost:6379 transcode in.mp4 out.mkv --options \'{"video":{"codec":"libx265"}}\' --wait'],
  init: () => ({ values: {}, positionals: [], wait: false }),
  positional: (s, token) => void s.positionals.push(token),
};

/** `avforge submit`: enqueues one job; with --wait follows it to the end. Resolves with the exit code. */
export async function runSubmit(argv: string[]): Promise<number> {
  const s = parseCommand(submitCommand, argv);
  if ('help' in s) {
    console.log(helpText(submitCommand));
    return 0;
  }
  if (!s.redis) throw new UsageError('submit needs --redis URL');
  const [type, input, output, ...more] = s.positionals;
  if (!type || !input) throw new UsageError('submit needs TYPE and INPUT');
  if (more.length) throw new UsageError(`too many arguments: ${more.map((m) => `'${m}'`).join(' ')}`);
  const job = { type, input, ...(output !== undefined ? { output } : {}), ...(s.extra !== undefined ? { options: s.extra } : {}) } as unknown as EngineJob;
  const v = s.values;
  const submit: SubmitOptions = {
    priority: optionalInt(v['--priority'], '--priority'),
    key: v['--key'],
    retries: optionalInt(v['--retries'], '--retries'),
    backoff: optionalInt(v['--backoff'], '--backoff'),
    delay: optionalInt(v['--delay'], '--delay'),
    timeout: optionalInt(v['--timeout'], '--timeout'),
    id: v['--id'],
  };
  for (const k of Object.keys(submit) as (keyof SubmitOptions)[]) if (submit[k] === undefined) delete submit[k];
  const backend = new BullMQBackend({ redis: s.redis, queue: s.queue, prefix: s.prefix });
  const engine = new Engine({ backend });
  try {
    const handle = engine.submit(job, submit);
    await backend.flush();
    if (!s.wait) {
      console.log(handle.id);
      return 0;
    }
    console.error(`avforge submit: ${handle.id} queued`);
    handle.on('started', (attempt) => console.error(`avforge submit: started (attempt ${attempt})`));
    handle.on('retried', (err) => console.error(`avforge submit: attempt failed, retrying: ${err.message}`));
    handle.on('progress', (p) => {
      const pr = p as { percent?: number | null; speed?: number };
      if (pr && typeof pr === 'object')
        console.error(`avforge submit: ${pr.percent == null ? '' : `${pr.percent.toFixed(1)}% `}${pr.speed ? `${pr.speed.toFixed(2)}x` : ''}`);
    });
    try {
      const result = await handle.done;
      // Buffers (thumbnails) as their size: Buffer.toJSON has run before the replacer sees them
      const bytes = (v: unknown) => (v as { type?: unknown })?.type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
      console.log(JSON.stringify(result, (_k, v: unknown) => (bytes(v) ? `<${(v as { data: unknown[] }).data.length} bytes>` : v), 2));
      return 0;
    } catch (err) {
      console.error(`avforge submit: ${handle.id} ${handle.state}: ${(err as Error).message}`);
      return 1;
    }
  } finally {
    await engine.close({ wait: false });
  }
}
