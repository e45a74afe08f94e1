// The in-process Engine: scheduling (priority, ageing, fairness), the bounded pool and its
// budgets, cancellation, timeouts, retries, drain/close and the event loop's health — each
// against the real pipelines on generated media.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { AvError, thumbnails, transcode, type TranscodeResult } from '../src/index.js';
import { Engine, type EngineJob, type JobHandle, type TranscodeJob } from '../src/engine/index.js';
import { JobQueue, type Queued } from '../src/engine/queue.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson } from './util.js';

let clip: string; // 2 s, 320x240, H.264 + AAC
let long: string; // 10 s of the same
let dir: string;

before(() => {
  clip = media('h264-aac.mp4');
  long = media('h264-aac-10s.mp4');
  dir = scratch('engine');
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const out = (ext = 'mp4') => path.join(dir, `out-${++n}.${ext}`);

function transcodeJob(input: string, output = out(), extra: TranscodeJob['options'] = {}): TranscodeJob {
  return { type: 'transcode', input, output, options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' }, ...extra } };
}

/** A gate: a function job (running a real pipeline) that holds its slot until opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const job: EngineJob = async (ctx) => {
    await opened;
    return thumbnails(clip, { count: 1, width: 32, signal: ctx.signal });
  };
  return { job, open };
}

function partials(): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.partial'));
}

async function duration(file: string): Promise<number> {
  const j = await ffprobeJson<{ format: { duration: string } }>(['-show_format', file]);
  return Number(j.format.duration);
}

async function rejection(p: Promise<unknown>): Promise<AvError> {
  try {
    await p;
  } catch (e) {
    return e as AvError;
  }
  assert.fail('expected a rejection');
}

/** Start order of the jobs (by a label) on an engine. */
function startOrder(engine: Engine, labels: Map<JobHandle, string>): string[] {
  const order: string[] = [];
  engine.on('started', (h) => {
    const l = labels.get(h);
    if (l) order.push(l);
  });
  return order;
}

describe('JobQueue', () => {
  test('takes entries in (aged) priority order, FIFO within a priority, after random pushes and removals', () => {
    type E = Queued & { id: number };
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const ageing of [0, 50]) {
      const q = new JobQueue<E>({ ageing });
      const live: E[] = [];
      let now = 0;
      let id = 0;
      for (let step = 0; step < 2000; step++) {
        now += Math.floor(rand() * 10);
        const r = rand();
        if (r < 0.55 || live.length === 0) {
          const e: E = { id: id++, priority: Math.floor(rand() * 5), key: '', enqueuedAt: 0, seq: 0, heapIndex: -1 };
          q.push(e, now);
          live.push(e);
        } else if (r < 0.7) {
          const e = live.splice(Math.floor(rand() * live.length), 1)[0]!;
          assert.ok(q.remove(e));
        } else {
          // the expected head: highest priority + waited / ageing, then the earliest
          const score = (e: E) => (ageing ? e.priority * ageing - e.enqueuedAt : e.priority * 1e9 - e.seq);
          const expected = live.reduce((a, b) => (score(b) > score(a) || (score(b) === score(a) && b.seq < a.seq) ? b : a));
          const head = q.peek(now)!;
          assert.equal(head.id, expected.id);
          q.remove(head, true);
          live.splice(live.indexOf(head), 1);
        }
        assert.equal(q.size, live.length);
      }
    }
  });
});

describe('Engine', () => {
  test('runs each job type and a function, and reports results and progress', async () => {
    const engine = new Engine({ concurrency: 2 });
    const t = engine.submit(transcodeJob(clip, out(), { progressInterval: 50 }));
    const progress: unknown[] = [];
    t.on('progress', (p) => progress.push(p));
    const r = engine.submit({ type: 'remux', input: clip, output: out('mkv') });
    const th = engine.submit({ type: 'thumbnails', input: clip, output: path.join(dir, 'thumbs', '%02d.jpg'), options: { count: 2, width: 64 } });
    const p = engine.submit({ type: 'probe', input: clip });
    const f = engine.submit(async (ctx) => ({ threads: ctx.threads, attempt: ctx.attempt }));

    const tr: TranscodeResult = await t.done;
    assert.equal(tr.stopped, false);
    assert.ok(Math.abs((await duration(tr.output!)) - 2) < 0.1);
    assert.ok(progress.length > 0, 'progress events');
    assert.equal(t.state, 'completed');
    assert.ok((await r.done).bytes > 0);
    const images = await th.done;
    assert.equal(images.length, 2);
    assert.ok(images.every((i) => i.file && fs.existsSync(i.file) && i.data[0] === 0xff));
    const probed = await p.done;
    assert.equal(probed.streams[0]!.codec_name, 'h264');
    assert.deepEqual(await f.done, { threads: 1, attempt: 1 });
    const c = engine.counters();
    assert.equal(c.completed, 5);
    assert.equal(c.running + c.queued + c.delayed, 0);
    assert.ok(c.run.p50! > 0 && c.throughput > 0);
    await engine.close();
  });

  test('priority order: higher first, FIFO within a priority', async () => {
    const engine = new Engine({ concurrency: 1, ageing: false });
    const g = gate();
    const blocker = engine.submit(g.job);
    await new Promise((r) => blocker.once('started', r));
    const labels = new Map<JobHandle, string>();
    const order = startOrder(engine, labels);
    const priorities = [1, 5, 3, 5, 0, 3, -2];
    priorities.forEach((priority, i) => labels.set(engine.submit({ type: 'probe', input: clip }, { priority }), `p${priority}#${i}`));
    g.open();
    await engine.drain();
    assert.deepEqual(order, ['p5#1', 'p5#3', 'p3#2', 'p3#5', 'p1#0', 'p0#4', 'p-2#6']);
    // submitted together in one tick, jobs are ordered before the first one starts
    const labels2 = new Map<JobHandle, string>();
    const order2 = startOrder(engine, labels2);
    [0, 9, 4].forEach((priority) => labels2.set(engine.submit({ type: 'probe', input: clip }, { priority }), `p${priority}`));
    await engine.close();
    assert.deepEqual(order2, ['p9', 'p4', 'p0']);
  });

  test('ageing: a low priority that has waited long overtakes newer high priorities', async () => {
    for (const ageing of [100, false] as const) {
      const engine = new Engine({ concurrency: 1, ageing });
      const g = gate();
      engine.submit(g.job);
      const labels = new Map<JobHandle, string>();
      const order = startOrder(engine, labels);
      labels.set(engine.submit({ type: 'thumbnails', input: clip, options: { width: 32 } }, { priority: 0 }), 'old-low');
      await new Promise((r) => setTimeout(r, 450)); // 4 levels of ageing
      for (let i = 0; i < 3; i++) labels.set(engine.submit({ type: 'thumbnails', input: clip, options: { width: 32 } }, { priority: 2 }), `new-high${i}`);
      await new Promise((r) => setTimeout(r, 20));
      g.open();
      await engine.close();
      if (ageing) assert.deepEqual(order, ['old-low', 'new-high0', 'new-high1', 'new-high2']);
      else assert.deepEqual(order, ['new-high0', 'new-high1', 'new-high2', 'old-low']);
    }
  });

  test('fairness: jobs of different keys share the pool round-robin', async () => {
    const engine = new Engine({ concurrency: 1, ageing: false });
    const g = gate();
    engine.submit(g.job);
    const labels = new Map<JobHandle, string>();
    const order = startOrder(engine, labels);
    for (let i = 0; i < 6; i++) labels.set(engine.submit({ type: 'probe', input: clip }, { key: 'tenant-a' }), 'a');
    for (let i = 0; i < 2; i++) labels.set(engine.submit({ type: 'probe', input: clip }, { key: 'tenant-b' }), 'b');
    labels.set(engine.submit({ type: 'probe', input: clip }, { key: 'tenant-c', priority: 1 }), 'c!');
    await new Promise((r) => setImmediate(r));
    g.open();
    await engine.close();
    // priority first, then a turn each
    assert.deepEqual(order, ['c!', 'a', 'b', 'a', 'b', 'a', 'a', 'a', 'a']);
  });

  test('the concurrency bound and the thread budget are never exceeded (instrumented)', async () => {
    const engine = new Engine({ concurrency: 2, cpus: 4 });
    let inFlight = 0;
    let maxInFlight = 0;
    let maxRunning = 0;
    let maxThreads = 0;
    const threadsSeen = new Set<number>();
    engine.on('started', () => {
      const c = engine.counters();
      maxRunning = Math.max(maxRunning, c.running);
      maxThreads = Math.max(maxThreads, c.threads.used);
      assert.ok(c.threads.used <= c.threads.budget);
    });
    const instrumented: EngineJob = async (ctx) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      threadsSeen.add(ctx.threads);
      try {
        return await transcode(clip, out(), { video: { codec: 'libx264', preset: 'ultrafast' }, audio: false, threads: ctx.threads, signal: ctx.signal });
      } finally {
        inFlight--;
      }
    };
    const jobs: JobHandle[] = [];
    for (let i = 0; i < 6; i++) jobs.push(engine.submit(instrumented));
    for (let i = 0; i < 6; i++) jobs.push(engine.submit(transcodeJob(clip)));
    // a job that asks for all the threads (threads: 0) runs with nothing else beside it
    const big = engine.submit(transcodeJob(clip, out(), { threads: 0 }));
    let bigAlone = true;
    big.on('started', () => (bigAlone = engine.counters().running === 1));
    engine.on('started', (h) => {
      if (h !== big && big.state === 'running') bigAlone = false;
    });
    await Promise.all([...jobs, big].map((j) => j.done));
    assert.equal(maxInFlight, 2);
    assert.equal(maxRunning, 2);
    assert.deepEqual([...threadsSeen], [2]); // 4 cpus / 2 jobs
    assert.equal(maxThreads, 4);
    assert.ok(bigAlone, 'a job charged the whole budget runs alone');
    await engine.close();
  });

  test('the memory budget holds jobs in the queue, and a job over the budget still runs alone', async () => {
    const engine = new Engine({ concurrency: 4, memoryBudget: '1GiB' });
    let maxRunning = 0;
    engine.on('started', () => {
      const c = engine.counters();
      maxRunning = Math.max(maxRunning, c.running);
      if (c.running > 1) assert.ok(c.memory.used <= 1024 ** 3, `memory ${c.memory.used}`);
    });
    const jobs = Array.from({ length: 6 }, () => engine.submit(transcodeJob(clip), { memory: 400 * 1024 ** 2 }));
    await new Promise((r) => setImmediate(r));
    assert.equal(engine.counters().running, 2);
    assert.equal(engine.counters().queued, 4);
    await Promise.all(jobs.map((j) => j.done));
    assert.equal(maxRunning, 2);
    const huge = engine.submit({ type: 'probe', input: clip }, { memory: 4 * 1024 ** 3 });
    await huge.done;
    // per-type estimates when submit does not say: 128 MiB a transcode, so a 300 MiB budget runs 2
    const e2 = new Engine({ concurrency: 4, memoryBudget: 300 * 1024 ** 2 });
    const more = Array.from({ length: 4 }, () => e2.submit(transcodeJob(clip)));
    await new Promise((r) => setImmediate(r));
    assert.equal(e2.counters().running, 2);
    await Promise.all(more.map((j) => j.done));
    await Promise.all([engine.close(), e2.close()]);
  });

  test('hardware sessions are limited per device family; other jobs pass parked ones', async () => {
    const engine = new Engine({ concurrency: 3, devices: { nvenc: 1 } });
    let onDevice = 0;
    let maxOnDevice = 0;
    const hw: EngineJob = async (ctx) => {
      onDevice++;
      maxOnDevice = Math.max(maxOnDevice, onDevice);
      try {
        return await thumbnails(clip, { count: 2, width: 32, signal: ctx.signal });
      } finally {
        onDevice--;
      }
    };
    const hwJobs = Array.from({ length: 4 }, () => engine.submit(hw, { device: 'nvenc' }));
    const cpu = engine.submit({ type: 'probe', input: clip });
    await cpu.done;
    assert.ok(hwJobs.filter((j) => j.state === 'completed').length < 4, 'the CPU job did not wait for every device job');
    await Promise.all(hwJobs.map((j) => j.done));
    assert.equal(maxOnDevice, 1);
    await engine.close();
  });

  test('cancelling a queued job: it never starts', async () => {
    const engine = new Engine({ concurrency: 1 });
    const g = gate();
    engine.submit(g.job);
    const output = out();
    const job = engine.submit(transcodeJob(clip, output));
    let started = false;
    job.on('started', () => (started = true));
    const cancelled = new Promise((r) => engine.once('cancelled', r));
    job.cancel();
    const e = await rejection(job.done);
    assert.equal(e.name, 'AbortError');
    assert.equal(e.code, 'ABORT_ERR');
    await cancelled;
    // by signal, before and after submit
    const ac = new AbortController();
    const bySignal = engine.submit(transcodeJob(clip), { signal: ac.signal });
    ac.abort();
    assert.equal((await rejection(bySignal.done)).code, 'ABORT_ERR');
    const aborted = engine.submit({ type: 'probe', input: clip }, { signal: AbortSignal.abort() });
    assert.equal((await rejection(aborted.done)).code, 'ABORT_ERR');
    g.open();
    await engine.close();
    assert.equal(started, false);
    assert.equal(job.state, 'cancelled');
    assert.equal(fs.existsSync(output), false);
    assert.equal(engine.counters().cancelled, 3);
  });

  test("cancelling a running job: 'abort' leaves no output, 'graceful' a valid shorter one", async () => {
    const engine = new Engine({ concurrency: 2 });
    const abortOut = out();
    const gracefulOut = out();
    const ac = new AbortController();
    const a = engine.submit(transcodeJob(long, abortOut, { progressInterval: 50 }));
    const g = engine.submit(transcodeJob(long, gracefulOut, { progressInterval: 50 }), { signal: ac.signal });
    a.once('progress', () => a.cancel('abort'));
    g.once('progress', () => ac.abort('graceful'));
    // the same signal reaches a job still queued: it never starts
    const viaSignal = engine.submit(transcodeJob(long, out(), { progressInterval: 50 }), { signal: ac.signal });
    const e = await rejection(a.done);
    assert.equal(e.code, 'ABORT_ERR');
    assert.equal(a.state, 'cancelled');
    const r = await g.done;
    assert.equal(r.stopped, true);
    assert.equal(g.state, 'completed');
    const d = await duration(gracefulOut);
    assert.ok(d > 0 && d < 9.5, `graceful output lasts ${d} s`);
    assert.equal((await rejection(viaSignal.done)).code, 'ABORT_ERR', 'queued when the signal fired: cancelled');
    await engine.close();
    assert.equal(fs.existsSync(abortOut), false);
    assert.deepEqual(partials(), []);
  });

  test('timeouts: a job past its timeout fails with ETIMEDOUT and leaves nothing; the engine goes on', async () => {
    const engine = new Engine({ concurrency: 1 });
    const output = out();
    const slow = engine.submit(transcodeJob(long, output), { timeout: 200 });
    const next = engine.submit(transcodeJob(clip));
    const t0 = performance.now();
    const e = await rejection(slow.done);
    assert.ok(e instanceof AvError);
    assert.equal(e.code, 'ETIMEDOUT');
    assert.match(e.message, /timeout \(200 ms\)/);
    assert.ok(performance.now() - t0 < 1000, 'aborted promptly');
    assert.equal(slow.state, 'failed');
    assert.equal((await next.done).stopped, false);
    await engine.close();
    assert.equal(fs.existsSync(output), false);
    assert.deepEqual(partials(), []);
  });

  test('retries: a failed attempt runs again after its backoff; invalid arguments are not retried', async () => {
    const engine = new Engine({ concurrency: 2 });
    const retried: number[] = [];
    engine.on('retried', (_h, _e, attempt) => retried.push(attempt));
    let calls = 0;
    const flaky = engine.submit(
      async (ctx) => {
        calls++;
        if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
        return thumbnails(clip, { count: 1, width: 32, signal: ctx.signal });
      },
      { retries: 3, backoff: { type: 'exponential', delay: 20 } },
    );
    const t0 = performance.now();
    assert.equal((await flaky.done).length, 1);
    assert.ok(performance.now() - t0 >= 60, 'waited 20 + 40 ms');
    assert.equal(calls, 3);
    assert.equal(flaky.attempt, 3);
    const missing = engine.submit({ type: 'remux', input: path.join(dir, 'missing.mp4'), output: out('mkv') }, { retries: 1, backoff: 10 });
    const e = await rejection(missing.done);
    assert.equal(e.code, 'ENOENT');
    assert.equal(missing.attempt, 2);
    let typeErrors = 0;
    const invalid = engine.submit(
      () => {
        typeErrors++;
        throw new TypeError('bad argument');
      },
      { retries: 5, backoff: 1 },
    );
    assert.ok((await rejection(invalid.done)) instanceof TypeError);
    assert.equal(typeErrors, 1);
    assert.deepEqual(retried, [1, 2, 1]);
    assert.equal(engine.counters().retried, 3);
    await engine.close();
  });

  test('a failing job fails alone', async () => {
    const engine = new Engine({ concurrency: 2 });
    const garbage = path.join(dir, 'garbage.mp4');
    fs.writeFileSync(garbage, Buffer.alloc(64 * 1024, 7));
    const bad = [
      engine.submit(transcodeJob(garbage)),
      engine.submit({ type: 'probe', input: path.join(dir, 'nope.mkv') }),
      engine.submit(() => {
        throw new Error('user code failed');
      }),
      engine.submit({ type: 'transcode', input: clip, output: out(), options: { video: { codec: 'libx264', filter: 'nosuchfilter' } } }),
    ];
    const good = [engine.submit(transcodeJob(clip)), engine.submit({ type: 'thumbnails', input: clip, options: { width: 32 } })];
    const results = await Promise.allSettled(bad.map((b) => b.done));
    assert.ok(results.every((r) => r.status === 'rejected'));
    await Promise.all(good.map((g) => g.done));
    assert.equal(engine.counters().failed, 4);
    assert.equal(engine.counters().completed, 2);
    await engine.close();
    assert.deepEqual(partials(), []);
  });

  test('invalid jobs are refused at submit with a clear error', () => {
    const engine = new Engine();
    const refuse = (job: unknown, message: RegExp | string, options?: unknown, type: new (...args: never[]) => Error = TypeError) =>
      assert.throws(
        () => engine.submit(job as EngineJob, options as never),
        (e: Error) => {
          assert.ok(e instanceof type, `${e.name}: ${e.message}`);
          if (typeof message === 'string') assert.equal(e.message, message);
          else assert.match(e.message, message);
          return true;
        },
      );
    refuse(null, 'Expected a job description ({ type, input, output?, options? }) or a function for job but received null');
    refuse({ type: 'encode', input: clip }, "Expected 'transcode', 'remux', 'thumbnails' or 'probe' for job.type but received 'encode' (string)");
    refuse(
      { type: 'transcode', input: clip },
      'Expected a path or URL, a Writable, a WritableStream or a chunk callback for job.output but received undefined',
    );
    refuse(
      { type: 'remux', input: '', output: 'x.mkv' },
      "Expected a path or URL, a Uint8Array, a Readable, a ReadableStream, an async iterable, a FileHandle or { read, seek? } for job.input but received '' (string)",
    );
    refuse({ type: 'probe', input: clip, output: 'x' }, "Expected a known field (type, input, options) for job.output but received 'x' (string)");
    refuse(
      { type: 'transcode', input: clip, output: 'o.mp4', options: { video: { crf: 'high' } } },
      "Expected a number for video.crf but received 'high' (string)",
    );
    refuse(
      { type: 'transcode', input: clip, output: 'o.mp4', options: { vidoe: {} } },
      "Expected a known option (did you mean 'video'?) for vidoe but received an object",
    );
    refuse(
      { type: 'transcode', input: clip, output: 'o.mp4', options: { colour: 1 } },
      /^Expected a known option \(signal, cancel, .*hardware\) for colour but received 1 \(number\)$/,
    );
    refuse({ type: 'transcode', input: clip, output: 'o.mp4', options: { signal: AbortSignal.abort() } }, /pass signal to submit\(\)/);
    refuse({ type: 'thumbnails', input: clip, options: { count: 0 } }, 'Expected an integer from 1 to 10000 for count but received 0 (number)');
    refuse(
      { type: 'transcode', input: clip, output: 'o.mp4', options: { video: { codec: 'libx266' } } },
      /^submit: No encoder named 'libx266' in this FFmpeg/,
      undefined,
      AvError,
    );
    refuse({ type: 'probe', input: clip }, 'Expected an integer for options.priority but received 1.5 (number)', { priority: 1.5 });
    refuse({ type: 'probe', input: clip }, 'Expected a number of milliseconds > 0 for options.timeout but received -1 (number)', { timeout: -1 });
    refuse({ type: 'probe', input: clip }, "Expected a known option (did you mean 'retries'?) for options.retry but received 3 (number)", { retry: 3 });
    assert.throws(() => new Engine({ concurrency: 0 }), /^TypeError: Expected an integer > 0 for concurrency but received 0 \(number\)$/);
    assert.throws(() => new Engine({ memoryBudget: '2 lots' }), /for memoryBudget but received '2 lots'/);
    assert.equal(engine.counters().submitted, 0);
  });

  test('drain() waits for everything; close() finishes or cancels, then refuses jobs', async () => {
    const engine = new Engine({ concurrency: 2 });
    const jobs = [
      engine.submit(transcodeJob(clip)),
      engine.submit({ type: 'remux', input: clip, output: out('mkv') }),
      engine.submit({ type: 'probe', input: clip }, { delay: 100 }),
    ];
    await engine.drain();
    assert.ok(jobs.every((j) => j.state === 'completed'));
    assert.equal(engine.counters().completed, 3);
    // close() lets queued and running jobs finish
    const more = [engine.submit(transcodeJob(clip)), engine.submit(transcodeJob(clip)), engine.submit(transcodeJob(clip))];
    await engine.close();
    assert.ok(more.every((j) => j.state === 'completed'));
    assert.throws(
      () => engine.submit({ type: 'probe', input: clip }),
      (e: AvError) => e.code === 'ERR_CLOSED',
    );

    // close({ cancel: 'abort' }): running and queued jobs end now, leaving no output
    const e2 = new Engine({ concurrency: 1 });
    const outputs = [out(), out(), out()];
    const cancelled = outputs.map((o) => e2.submit(transcodeJob(long, o)));
    await new Promise((r) => cancelled[0]!.once('started', r));
    const t0 = performance.now();
    await e2.close({ cancel: 'abort' });
    assert.ok(performance.now() - t0 < 1000);
    for (const j of cancelled) assert.equal((await rejection(j.done)).code, 'ABORT_ERR');
    assert.ok(outputs.every((o) => !fs.existsSync(o)));
    assert.deepEqual(partials(), []);
  });

  test('event loop p99 stays under 10 ms with 8 queued and 2 running transcodes', async (t) => {
    /**
     * The loop's delay while `work` runs. Node's histogram records the interval between its
     * timer's runs (resolution + delay): the shortest one is taken off (as pipeline.test.ts).
     */
    async function loopDuring(work: () => Promise<unknown>) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      await work();
      h.disable();
      const base = Math.min(h.min / 1e6, 1);
      return { p99: h.percentile(99) / 1e6 - base, max: h.max / 1e6 - base, count: h.count };
    }
    const fmt = (s: { p99: number; max: number; count: number }) => `p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(2)} ms over ${s.count} samples`;
    const engine = new Engine({ concurrency: 2 });
    const tenTranscodes = async () => {
      const jobs = Array.from({ length: 10 }, () => engine.submit(transcodeJob(clip, out(), { progressInterval: 100 })));
      await new Promise((r) => setImmediate(r));
      const c = engine.counters();
      assert.equal(c.running, 2);
      assert.equal(c.queued, 8);
      await Promise.all(jobs.map((j) => j.done));
    };
    try {
      // Two tries: one under the bound passes (a shared 2-core machine has its moments).
      for (let i = 0; i < 2; i++) {
        const s = await loopDuring(tenTranscodes);
        t.diagnostic(`engine, try ${i + 1}: ${fmt(s)}`);
        if (s.p99 < 10) return;
      }
      // None did: is it us? The same work in ffmpeg processes, two at a time, loads the machine
      // the same way with nothing in this process; if the loop misses the bound then too, the
      // machine is too busy to tell.
      const baseline = await loopDuring(async () => {
        for (let i = 0; i < 10; i += 2)
          await Promise.all([0, 1].map(() => ffmpeg(['-y', '-i', clip, '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-c:a', 'aac', out()])));
      });
      t.diagnostic(`baseline (the same transcodes in ffmpeg processes): ${fmt(baseline)}`);
      if (baseline.p99 >= 10) {
        t.skip(`this machine is too busy to measure: ${fmt(baseline)} with the work in other processes`);
        return;
      }
      assert.fail(`event-loop delay p99 over 10 ms with the engine, under it with the same work in other processes (${fmt(baseline)})`);
    } finally {
      await engine.close();
    }
  });
});
