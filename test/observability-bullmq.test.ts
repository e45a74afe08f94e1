// Observability across machines, on BullMQ over a Redis server on loopback: a real Prometheus
// server scrapes an `avforge worker --metrics` while it runs jobs and its HTTP API gives back
// the job counts and durations; a producer's job span parents the worker's (W3C trace context
// in the job's data); /readyz turns unready when Redis stops and ready when it returns; and
// `avforge top --redis --once` prints the queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { BullMQBackend, Engine, serveHealth, startWorker } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { freePort, startRedis as startRedisServer } from './redis-util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const workerScript = path.join(here, 'children', 'engine-worker.js');
const cli = path.join(here, '..', 'src', 'cli', 'main.js');
const PROMETHEUS = '/usr/bin/prometheus';

const haveRedis = !spawnSync('redis-server', ['--version']).error;
const skip = haveRedis ? false : 'redis-server is not installed (apt-get install redis-server)';
const prometheusSkip = fs.existsSync(PROMETHEUS) ? false : `${PROMETHEUS} is not installed (apt-get install prometheus)`;

const children: ChildProcess[] = [];
let dir: string;
let url: string;
const exporter = new InMemorySpanExporter();
const queueName = (label: string) => `avforge-obs-${label}-${process.pid}-${Date.now()}`;

/** A child process, ended by after() if the test does not. */
function child(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  return c;
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

/** A Redis server on loopback at `port`, ready; ended by after() if the test does not. */
async function startRedis(port: number): Promise<ChildProcess> {
  const c = await startRedisServer(port);
  children.push(c);
  return c;
}

/** Polls `check` every 50 ms until it gives a value (not undefined), or fails after `ms`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = scratch('observability-bullmq');
  if (haveRedis) {
    const port = await freePort();
    await startRedis(port);
    url = `redis://127.0.0.1:${port}`;
  }
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});

after(async () => {
  trace.disable();
  context.disable();
  propagation.disable();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('observability on BullMQ', { skip }, () => {
  test('Prometheus scrapes a worker and finds the job counts and durations', { skip: prometheusSkip }, async () => {
    const queue = queueName('prom');
    const worker = child(process.execPath, [
      workerScript,
      '--redis',
      url,
      '--queue',
      queue,
      '--concurrency',
      '2',
      '--isolation',
      'none',
      '--metrics',
      '127.0.0.1:0',
      '--json',
    ]);
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: worker.stdout! }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // not a JSON line
      }
    });
    worker.stderr!.resume();
    const metricsUrl = await until('the worker serves /metrics', 20_000, async () => lines.find((l) => l.event === 'metrics')?.metrics as string | undefined);
    const target = new URL(metricsUrl).host;
    const promPort = await freePort();
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: avforge\n    static_configs:\n      - targets: ['${target}']\n`);
    child(PROMETHEUS, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]).stderr!.resume();
    const api = `http://127.0.0.1:${promPort}`;
    const query = async (q: string): Promise<number | undefined> => {
      const r = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } };
      const v = r.data.result[0]?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    // the worker is up, and scraped
    await until('Prometheus scrapes the worker', 20_000, async () => ((await query('up{job="avforge"}')) === 1 ? true : undefined));

    await using engine = new Engine({ backend: new BullMQBackend({ redis: url, queue }) });
    const clip = media('h264-aac.mp4');
    const jobs = [
      engine.submit({ type: 'remux', input: clip, output: path.join(dir, 'p1.mkv') }),
      engine.submit({ type: 'remux', input: clip, output: path.join(dir, 'p2.mkv') }),
      engine.submit({
        type: 'transcode',
        input: clip,
        output: path.join(dir, 'p3.mp4'),
        options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: false },
      }),
      engine.submit({ type: 'probe', input: path.join(dir, 'missing.mp4') }),
    ];
    await Promise.allSettled(jobs.map((j) => j.done));
    const sum = (q: string) => query(`sum(${q})`);
    await until('Prometheus has the completed jobs', 20_000, async () => ((await sum('avforge_jobs_total{status="completed"}')) === 3 ? true : undefined));
    assert.equal(await sum('avforge_jobs_total{type="remux",status="completed"}'), 2);
    assert.equal(await sum('avforge_jobs_total{type="transcode",status="completed"}'), 1);
    assert.equal(await sum('avforge_jobs_total{type="probe",status="failed"}'), 1);
    assert.equal(await sum('avforge_job_duration_seconds_count'), 4);
    const seconds = (await sum('avforge_job_duration_seconds_sum'))!;
    assert.ok(seconds > 0 && seconds < 60, `${seconds} s of jobs`);
    assert.ok((await sum('avforge_output_bytes_total'))! > 0);
    assert.ok((await query('histogram_quantile(0.5, sum by (le) (avforge_job_duration_seconds_bucket))'))! > 0);
    assert.equal(await query('avforge_jobs_running'), 0);
    assert.ok((await query('process_resident_memory_bytes{job="avforge"}'))! > 0, "prom-client's process metrics");
    worker.kill('SIGTERM');
    await exited(worker);
  });

  test("the producer's job span parents the worker's, across the BullMQ hop", async () => {
    exporter.reset();
    const queue = queueName('trace');
    const worker = await startWorker({ redis: url, queue, isolation: 'none', concurrency: 1 });
    const out = path.join(dir, 'traced.mp4');
    try {
      await using engine = new Engine({ backend: new BullMQBackend({ redis: url, queue }) });
      await trace.getTracer('test').startActiveSpan('request', async (request) => {
        await engine.submit({
          type: 'transcode',
          input: media('h264-aac.mp4'),
          output: out,
          options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: false },
        }).done;
        request.end();
      });
    } finally {
      await worker.close();
    }
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'request')!;
    const producer = spans.find((s) => s.name === 'avforge.transcode' && s.kind === SpanKind.PRODUCER)!;
    const consumer = spans.find((s) => s.name === 'avforge.transcode' && s.kind === SpanKind.CONSUMER)!;
    assert.ok(producer && consumer, spans.map((s) => `${s.name}/${s.kind}`).join(', '));
    assert.equal(producer.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(consumer.parentSpanContext?.spanId, producer.spanContext().spanId, "the worker's job span is the producer's child");
    assert.equal(consumer.parentSpanContext?.isRemote, true);
    for (const s of [producer, consumer]) assert.equal(s.spanContext().traceId, request.spanContext().traceId);
    const stages = spans.filter((s) => s.parentSpanContext?.spanId === consumer.spanContext().spanId).map((s) => s.name);
    assert.deepEqual(stages.sort(), ['avforge.decode', 'avforge.encode', 'avforge.filter', 'avforge.mux', 'avforge.open']);
    assert.equal(consumer.attributes['avforge.output.bytes'], fs.statSync(out).size);
  });

  test('/readyz: unready when Redis stops, ready again when it returns', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const worker = await startWorker({ redis: `redis://127.0.0.1:${port}`, queue: queueName('ready'), isolation: 'none', concurrency: 1 });
    const server = await serveHealth({ registry: worker.engine.metrics(), readiness: () => worker.readiness(), listen: '127.0.0.1:0' });
    const readyz = async () => {
      const r = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      return { status: r.status, body: (await r.json()) as { ready: boolean; checks: Record<string, boolean> } };
    };
    try {
      assert.deepEqual(await readyz(), { status: 200, body: { ready: true, checks: { redis: true, memory: true, accepting: true } } });
      redis.kill('SIGKILL');
      await exited(redis);
      const down = await until('/readyz says 503', 10_000, async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      });
      assert.deepEqual(down.body.checks, { redis: false, memory: true, accepting: true });
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 200, 'alive all the same');
      redis = await startRedis(port);
      await until('/readyz says 200 again', 20_000, async () => ((await readyz()).status === 200 ? true : undefined));
    } finally {
      await worker.close({ timeout: 0 });
      await server.close();
    }
    // and not ready while it shuts down
    assert.equal((await worker.readiness()).checks.accepting, false);
  });

  test('avforge top --redis --once prints the queue: counts, jobs by priority', async () => {
    const queue = queueName('top');
    const backend = new BullMQBackend({ redis: url, queue });
    const engine = new Engine({ backend });
    const clip = media('h264-aac.mp4');
    const low = engine.submit({ type: 'remux', input: clip, output: path.join(dir, 'low.mkv') }, { priority: 1 });
    const high = engine.submit({ type: 'probe', input: clip }, { priority: 7 });
    engine.submit({ type: 'probe', input: clip }, { delay: 60_000 });
    await backend.flush();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'top', '--redis', url, '--queue', queue, '--once'], { env: { ...process.env, COLUMNS: '120' } }, (e, stdout, stderr) =>
        e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    await engine.close({ cancel: 'abort', wait: false });
    const lines = out.split('\n');
    assert.match(lines[0]!, new RegExp(`^avforge top — redis://127\\.0\\.0\\.1:\\d+ queue '${queue}' — \\d\\d:\\d\\d:\\d\\d UTC$`));
    assert.match(lines[1]!, /^jobs: 0 running, 2 queued, 1 delayed · 0 completed, 0 failed · 0\.0\/min$/);
    assert.ok(lines.includes('WORKERS (0)'), out);
    const rows = lines.filter((l) => !l.startsWith('jobs:') && / (queued|delayed) /.test(l));
    assert.deepEqual(
      rows.map((l) => l.split(/ +/).slice(1, 4)),
      [
        ['probe', 'queued', '7'],
        ['remux', 'queued', '1'],
        ['probe', 'delayed', '0'],
      ],
    );
    assert.ok(rows[0]!.startsWith(high.id.slice(0, 13)) && rows[1]!.startsWith(low.id.slice(0, 13)), out);
  });
});
