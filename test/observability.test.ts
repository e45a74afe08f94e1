// Observability of an Engine in this process: Prometheus metrics (engine.metrics() into a
// registry), traces (a span per job, child spans per stage, through @opentelemetry/api with the
// SDK's in-memory exporter), structured logs (logTo) with the job id and libav's levels, the
// /metrics /healthz /readyz server, and `avforge top`'s frame.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';

import { Engine, serveHealth, type EngineBackend, type EngineBackendHost, type JobLogger } from '../src/index.js';
import { engineView, renderTop } from '../src/cli/top.js';
import { media, scratch } from './media/generate.js';

const exporter = new InMemorySpanExporter();
let dir: string;

before(() => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  dir = scratch('observability');
});

after(() => {
  trace.disable();
  context.disable();
  propagation.disable();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A metric's value with these labels, from the registry. */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const base = name.replace(/_(count|sum)$/, '');
  const m = await (registry.getSingleMetric(name) ?? registry.getSingleMetric(base))?.get();
  return m?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === name &&
      Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l),
  )?.value;
}

describe('engine.metrics()', () => {
  test('job counts, durations, waits, frames, bytes and gauges, under Prometheus names', async () => {
    const registry = new Registry();
    await using engine = new Engine({ concurrency: 1 });
    assert.equal(engine.metrics({ registry }), registry);
    assert.equal(engine.metrics(), registry, 'the same registry again');
    assert.throws(() => engine.metrics({ registry: new Registry() }), TypeError);
    const clip = media('h264-aac.mp4');
    const a = engine.submit({ type: 'remux', input: clip, output: path.join(dir, 'a.mkv') });
    const b = engine.submit({
      type: 'transcode',
      input: clip,
      output: path.join(dir, 'b.mp4'),
      options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: false },
    });
    const bad = engine.submit({ type: 'probe', input: path.join(dir, 'missing.mp4') });
    const queued = await registry.metrics();
    assert.match(queued, /avforge_jobs_queued\{priority="0"\} [1-3]/);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    await assert.rejects(bad.done);

    assert.equal(await value(registry, 'avforge_jobs_total', { type: 'remux', status: 'completed' }), 1);
    assert.equal(await value(registry, 'avforge_jobs_total', { type: 'transcode', status: 'completed' }), 1);
    assert.equal(await value(registry, 'avforge_jobs_total', { type: 'probe', status: 'failed' }), 1);
    assert.equal(await value(registry, 'avforge_jobs_submitted_total', { type: 'transcode' }), 1);
    assert.equal(await value(registry, 'avforge_job_duration_seconds_count', { type: 'transcode', status: 'completed' }), 1);
    const sum = (await value(registry, 'avforge_job_duration_seconds_sum', { type: 'transcode', status: 'completed' }))!;
    assert.ok(sum > 0 && sum < 60, `duration ${sum} s`);
    assert.equal(await value(registry, 'avforge_job_wait_seconds_count', { type: 'remux' }), 1);
    assert.equal(await value(registry, 'avforge_output_bytes_total', { type: 'transcode' }), rb.bytes);
    assert.equal(await value(registry, 'avforge_output_bytes_total', { type: 'remux' }), ra.bytes);
    assert.equal(
      await value(registry, 'avforge_frames_total', { type: 'transcode' }),
      rb.frames.reduce((x, y) => x + y, 0),
    );
    assert.equal(await value(registry, 'avforge_job_speed_ratio_count', { type: 'transcode' }), 1);
    assert.equal(await value(registry, 'avforge_jobs_running'), 0);
    assert.ok((await value(registry, 'avforge_codec_threads_budget'))! >= 1);
    const text = await registry.metrics();
    assert.match(text, /# TYPE avforge_job_duration_seconds histogram/);
    assert.match(text, /avforge_job_duration_seconds_bucket\{le="\+Inf",type="transcode",status="completed"\} 1/);
    if (process.platform === 'linux') assert.match(text, /avforge_native_heap_bytes\{state="in_use"\} \d+/);
  });

  test('retries and hardware sessions', async () => {
    await using engine = new Engine({ concurrency: 1, devices: { cuda: 2 } });
    const registry = engine.metrics();
    let tries = 0;
    const h = engine.submit(
      () => {
        if (++tries < 3) throw new Error('flaky');
        return 'ok';
      },
      { retries: 2, backoff: 1 },
    );
    assert.equal(await h.done, 'ok');
    assert.equal(await value(registry, 'avforge_job_retries_total', { type: 'function' }), 2);
    assert.equal(await value(registry, 'avforge_jobs_total', { type: 'function', status: 'completed' }), 1);
    assert.equal(await value(registry, 'avforge_hw_sessions_limit', { device: 'cuda' }), 2);
    assert.equal(await value(registry, 'avforge_hw_sessions', { device: 'cuda' }), 0);
  });
});

describe('traces', () => {
  test("a span per job under the caller's span, a child span per stage, with attributes", async () => {
    exporter.reset();
    await using engine = new Engine({ concurrency: 1 });
    const clip = media('h264-aac.mp4');
    const tracer = trace.getTracer('test');
    const out = path.join(dir, 'traced.mp4');
    await tracer.startActiveSpan('request', async (request) => {
      await engine.submit({
        type: 'transcode',
        input: clip,
        output: out,
        options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' } },
      }).done;
      await assert.rejects(engine.submit({ type: 'probe', input: path.join(dir, 'missing.mkv') }).done);
      request.end();
    });
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'request')!;
    const job = spans.find((s) => s.name === 'avforge.transcode')!;
    assert.ok(job, spans.map((s) => s.name).join(', '));
    assert.equal(job.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(job.kind, SpanKind.INTERNAL);
    assert.equal(job.attributes['avforge.job.type'], 'transcode');
    assert.equal(job.attributes['avforge.job.outcome'], 'completed');
    assert.equal(job.attributes['avforge.output.bytes'], fs.statSync(out).size);
    assert.ok((job.attributes['avforge.frames'] as number) > 0);
    const stages = spans.filter((s) => s.parentSpanContext?.spanId === job.spanContext().spanId).map((s) => s.name);
    assert.deepEqual(stages.sort(), ['avforge.decode', 'avforge.encode', 'avforge.filter', 'avforge.mux', 'avforge.open']);
    const encode = spans.find((s) => s.name === 'avforge.encode')!;
    assert.equal(encode.attributes['avforge.video.codec'], 'libx264');
    assert.equal(encode.attributes['avforge.audio.codec'], 'aac');
    for (const s of spans.filter((x) => stages.includes(x.name)))
      assert.ok(s.startTime[0] * 1e3 + s.startTime[1] / 1e6 >= job.startTime[0] * 1e3 + job.startTime[1] / 1e6 - 1, `${s.name} starts within the job`);
    const failed = spans.find((s) => s.name === 'avforge.probe')!;
    assert.equal(failed.status.code, 2); // ERROR
    assert.equal(failed.attributes['error.type'], 'ENOENT');
    assert.equal(failed.events.find((e) => e.name === 'exception')?.name, 'exception');
  });
});

describe('trace context for a producer', () => {
  test("a portable backend's job carries its span as traceparent, with or without a registered propagator", async () => {
    exporter.reset();
    const carried: (Record<string, string> | undefined)[] = [];
    // a backend whose jobs leave the process, as BullMQ's do: it keeps what would travel
    const backend: EngineBackend = {
      portable: true,
      attach(h) {
        host = h;
      },
      submit(r) {
        carried.push((r as unknown as { trace?: Record<string, string> }).trace);
        host.started(r);
        host.completed(r, null);
      },
      cancel() {},
      resources: () => ({ threads: { used: 0, budget: 0 }, memory: { used: 0, budget: null }, devices: {} }),
      close: async () => {},
    };
    let host!: EngineBackendHost;
    await using engine = new Engine({ backend });
    const probe = { type: 'probe', input: media('h264-aac.mp4') } as const;
    await engine.submit(probe).done;
    propagation.disable(); // no propagator: avforge writes traceparent itself
    try {
      await engine.submit(probe).done;
    } finally {
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'avforge.probe');
    assert.equal(spans.length, 2);
    for (const [i, span] of spans.entries()) {
      assert.equal(span.kind, SpanKind.PRODUCER);
      const sc = span.spanContext();
      assert.equal(carried[i]?.traceparent, `00-${sc.traceId}-${sc.spanId}-01`);
    }
  });
});

describe('logs', () => {
  test("JSON lines with the job id, libav's messages at their levels", async () => {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error', 'fatal'] as const).map((level) => [
        level,
        (obj: Record<string, unknown>, msg: string) => lines.push({ level, obj, msg }),
      ]),
    ) as unknown as JobLogger;
    await using engine = new Engine({ concurrency: 1 });
    const stop = engine.logTo({ logger });
    const clip = media('h264-aac.mp4');
    // an MP4 cut short: libav's mov demuxer says why it cannot open it, at error level
    const cut = path.join(dir, 'cut.mp4');
    fs.writeFileSync(cut, fs.readFileSync(clip).subarray(0, 2000));
    const ok = engine.submit({ type: 'remux', input: clip, output: path.join(dir, 'logged.mkv') });
    const bad = engine.submit({ type: 'probe', input: cut });
    await ok.done;
    await assert.rejects(bad.done);
    // libav's lines cross to JS on their own queue
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l.obj.source === 'libav') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stop();
    const about = (id: string) => lines.filter((l) => l.obj.jobId === id && l.level !== 'debug');
    assert.deepEqual(
      about(ok.id).map((l) => [l.level, l.msg]),
      [
        ['info', 'job started'],
        ['info', 'job completed'],
      ],
    );
    assert.equal(about(ok.id)[1]!.obj.bytes, fs.statSync(path.join(dir, 'logged.mkv')).size);
    const failed = about(bad.id).find((l) => l.msg === 'job failed')!;
    assert.equal(failed.level, 'error');
    assert.equal((failed.obj.err as { code: string }).code, 'INVALIDDATA');
    const libav = lines.filter((l) => l.obj.source === 'libav');
    assert.ok(libav.length > 0, 'libav said something about the cut file');
    assert.ok(
      libav.every((l) => l.obj.jobId === bad.id && ['error', 'warn', 'fatal'].includes(l.level)),
      JSON.stringify(libav),
    );
  });

  test('the default logger writes pino-format JSON lines', async () => {
    const { jsonLogger } = await import('../src/engine/logging.js');
    const out: string[] = [];
    const log = jsonLogger('info', (l) => out.push(l));
    log.debug({ jobId: 'x' }, 'dropped');
    log.warn({ jobId: 'x' }, 'kept');
    assert.equal(out.length, 1);
    const line = JSON.parse(out[0]!) as Record<string, unknown>;
    assert.equal(line.level, 40);
    assert.equal(line.jobId, 'x');
    assert.equal(line.msg, 'kept');
    assert.equal(line.pid, process.pid);
    assert.equal(typeof line.time, 'number');
  });
});

describe('health server', () => {
  test('/metrics, /healthz, /readyz (ready and not), 404', async () => {
    await using engine = new Engine({ concurrency: 1 });
    let ready = true;
    const server = await serveHealth({ registry: engine.metrics(), listen: '127.0.0.1:0', readiness: () => ({ ready, checks: { redis: ready } }) });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type')!, /^text\/plain/);
      assert.match(await metrics.text(), /avforge_jobs_running 0/);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const r = await fetch(`${base}/readyz`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { ready: true, checks: { redis: true } });
      ready = false;
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      assert.equal((await fetch(`${base}/nothing`)).status, 404);
    } finally {
      await server.close();
    }
    await assert.rejects(serveHealth({ registry: engine.metrics(), listen: 'nowhere' }), TypeError);
  });
});

describe('avforge top', () => {
  test("a frame of a local engine: counts, budget, the running job's progress bar", async () => {
    await using engine = new Engine({ concurrency: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = engine.submit(async (ctx) => {
      ctx.progress({ frames: 120, fps: 60, time: 4.8, speed: 2.4, percent: 48, bytes: 1 << 20, bitRate: 0, elapsed: 2000, damaged: 0 });
      await gate;
    });
    await new Promise((r) => running.once('progress', r));
    const waiting = engine.submit(() => 'later', { priority: 5 });
    await new Promise<void>((r) => waiting.once('queued', () => r()));
    const frame = renderTop(engineView(engine, 'test engine'), 120, 10, new Date(0));
    release();
    await Promise.all([running.done, waiting.done]);
    const lines = frame.split('\n');
    assert.equal(lines[0], 'avforge top — test engine — 00:00:00 UTC');
    assert.match(lines[1]!, /^jobs: 1 running, 1 queued, 0 delayed · 0 completed, 0 failed/);
    assert.match(frame, /budget: threads \d+\/\d+/);
    const row = lines.find((l) => l.startsWith(running.id.slice(0, 13)))!;
    assert.match(row, /function +running +0 .*█+░+ +48\.0% +2\.40x +60/);
    assert.match(lines.find((l) => l.startsWith(waiting.id.slice(0, 13)))!, /function +queued +5/);
  });
});
