// `avforge worker` and `avforge submit`: the engine's BullMQ backend from the command line.
import { parseArgs } from 'node:util';

import { BullMQBackend, startWorker } from '../engine/backends/bullmq.js';
import { Engine, parseBytes } from '../engine/engine.js';
import type { EngineJob, SubmitOptions } from '../engine/job.js';

export const workerUsage = `avforge worker --redis URL [options]     run jobs from a BullMQ queue until SIGTERM
  --queue NAME            queue name (default avforge)      --prefix P           Redis key prefix (default bull)
  --concurrency N         jobs at once (default: CPUs)      --cpus N             codec-thread budget (default: CPUs)
  --threads-per-job N     codec threads per job             --memory-budget B    e.g. 2GB: jobs wait while over it
  --device NAME=N         hardware sessions (repeatable)    --grace MS           on SIGTERM, requeue jobs still running after MS
  --lock-duration MS      a dead worker's jobs re-run after this (default 30000)
  --stalled-interval MS   how often to look for them (default 30000)
  --json                  one JSON line per job event on stdout
  A first SIGTERM/SIGINT lets running jobs finish (or requeues them after --grace); a second requeues them now.`;

export const submitUsage = `avforge submit --redis URL TYPE INPUT [OUTPUT] [options]    enqueue a job (TYPE: transcode, remux, thumbnails, probe)
  --options JSON          the job's options, e.g. '{"video":{"codec":"libx264","crf":23}}'
  --priority N            higher first (default 0)          --key K              fairness key (tenant)
  --retries N             attempts after a failure          --backoff MS         wait before a retry
  --delay MS              wait before it is queued          --timeout MS         per attempt
  --id ID                 the job's id (deduplicates)       --queue NAME, --prefix P
  --wait                  follow it: progress on stderr, the result as JSON on stdout; exit 1 if it fails`;

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new TypeError(`${flag} must be an integer, not '${value}'`);
  return n;
}

/** `avforge worker`: serves the queue until SIGTERM/SIGINT; resolves with the exit code. */
export async function runWorker(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' },
      queue: { type: 'string' },
      prefix: { type: 'string' },
      concurrency: { type: 'string' },
      cpus: { type: 'string' },
      'threads-per-job': { type: 'string' },
      'memory-budget': { type: 'string' },
      device: { type: 'string', multiple: true },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      grace: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(workerUsage);
    return 0;
  }
  if (!values.redis) throw new TypeError(`worker needs --redis URL\n\n${workerUsage}`);
  const devices: Record<string, number> = {};
  for (const d of values.device ?? []) {
    const m = /^([\w-]+)=(\d+)$/.exec(d);
    if (!m) throw new TypeError(`--device takes NAME=SESSIONS (e.g. nvenc=3), not '${d}'`);
    devices[m[1]!] = Number(m[2]);
  }
  const grace = int(values.grace, '--grace');
  const worker = await startWorker({
    redis: values.redis,
    queue: values.queue,
    prefix: values.prefix,
    concurrency: int(values.concurrency, '--concurrency'),
    cpus: int(values.cpus, '--cpus'),
    threadsPerJob: int(values['threads-per-job'], '--threads-per-job'),
    memoryBudget: values['memory-budget'] === undefined ? undefined : parseBytes(values['memory-budget'], '--memory-budget'),
    devices,
    lockDuration: int(values['lock-duration'], '--lock-duration'),
    stalledInterval: int(values['stalled-interval'], '--stalled-interval'),
  });
  const json = values.json === true;
  const say = (event: string, fields: Record<string, unknown>, text: string) =>
    console.log(json ? JSON.stringify({ event, pid: process.pid, ...fields }) : `avforge worker ${process.pid}: ${text}`);
  const e = worker.engine;
  e.on('started', (h) => say('started', { id: h.id, type: h.type, attempt: h.attempt }, `started ${h.id} (${h.type})`));
  e.on('completed', (h) => say('completed', { id: h.id, type: h.type }, `completed ${h.id}`));
  e.on('failed', (h, err) => say('failed', { id: h.id, type: h.type, error: err.message }, `failed ${h.id}: ${err.message}`));
  e.on('cancelled', (h) =>
    worker.requeueing ? say('requeued', { id: h.id, type: h.type }, `requeued ${h.id} (shutting down)`) : say('cancelled', { id: h.id, type: h.type }, `cancelled ${h.id}`),
  );
  say('ready', { queue: values.queue ?? 'avforge' }, `serving queue '${values.queue ?? 'avforge'}'`);

  return new Promise((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      say('stopping', { signal }, signals === 1 ? `${signal}: finishing running jobs${grace !== undefined ? ` (requeued after ${grace} ms)` : ''}` : `${signal}: requeueing running jobs`);
      worker.close(signals === 1 ? (grace === undefined ? {} : { timeout: grace }) : { timeout: 0 }).then(
        () => {
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

/** `avforge submit`: enqueues one job; with --wait follows it to the end. Resolves with the exit code. */
export async function runSubmit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      redis: { type: 'string' },
      queue: { type: 'string' },
      prefix: { type: 'string' },
      options: { type: 'string' },
      priority: { type: 'string' },
      key: { type: 'string' },
      retries: { type: 'string' },
      backoff: { type: 'string' },
      delay: { type: 'string' },
      timeout: { type: 'string' },
      id: { type: 'string' },
      wait: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(submitUsage);
    return 0;
  }
  if (!values.redis) throw new TypeError(`submit needs --redis URL\n\n${submitUsage}`);
  const [type, input, output] = positionals;
  if (!type || !input) throw new TypeError(`submit needs TYPE and INPUT\n\n${submitUsage}`);
  let options: unknown;
  if (values.options !== undefined) {
    try {
      options = JSON.parse(values.options);
    } catch (e) {
      throw new TypeError(`--options is not JSON: ${(e as Error).message}`);
    }
  }
  const job = { type, input, ...(output !== undefined ? { output } : {}), ...(options !== undefined ? { options } : {}) } as unknown as EngineJob;
  const submit: SubmitOptions = {
    priority: int(values.priority, '--priority'),
    key: values.key,
    retries: int(values.retries, '--retries'),
    backoff: int(values.backoff, '--backoff'),
    delay: int(values.delay, '--delay'),
    timeout: int(values.timeout, '--timeout'),
    id: values.id,
  };
  for (const k of Object.keys(submit) as (keyof SubmitOptions)[]) if (submit[k] === undefined) delete submit[k];
  const backend = new BullMQBackend({ redis: values.redis, queue: values.queue, prefix: values.prefix });
  const engine = new Engine({ backend });
  try {
    const handle = engine.submit(job, submit);
    await backend.flush();
    if (!values.wait) {
      console.log(handle.id);
      return 0;
    }
    console.error(`avforge submit: ${handle.id} queued`);
    handle.on('started', (attempt) => console.error(`avforge submit: started (attempt ${attempt})`));
    handle.on('retried', (err) => console.error(`avforge submit: attempt failed, retrying: ${err.message}`));
    handle.on('progress', (p) => {
      const pr = p as { percent?: number | null; speed?: number };
      if (pr && typeof pr === 'object') console.error(`avforge submit: ${pr.percent == null ? '' : `${pr.percent.toFixed(1)}% `}${pr.speed ? `${pr.speed.toFixed(2)}x` : ''}`);
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
