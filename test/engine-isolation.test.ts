// The Engine with isolation: 'process': job descriptions run in pooled child processes under
// memory and CPU limits. A crash, a runaway allocation or a busy loop fails that job alone
// (JOB_CRASHED, JOB_MEMORY, JOB_CPU) and the next job runs; results, progress, cancel, timeouts
// and retries work as in process; no process outlives the engine. The misbehaviour comes from
// test-only hooks (test_hooks.ts), honoured only under AVFORGE_ISOLATION_TEST_HOOKS=1.
process.env.AVFORGE_ISOLATION_TEST_HOOKS = '1';

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { AvError, type TranscodeResult } from '../src/index.js';
import { Engine, localOptions, type EngineOptions } from '../src/engine/engine.js';
import { LocalBackend } from '../src/engine/backends/local.js';
import type { JobDescription, TranscodeJob } from '../src/engine/job.js';
import { KILL_GRACE_MS } from '../src/engine/isolation/job_process.js';
import type { TestHook } from '../src/engine/isolation/protocol.js';
import { setTestHook } from '../src/engine/isolation/test_hooks.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg } from './util.js';

let clip: string; // 2 s, 320x240, H.264 + AAC
let long: string; // 10 s of the same
let dir: string;

before(() => {
  clip = media('h264-aac.mp4');
  long = media('h264-aac-10s.mp4');
  dir = scratch('engine-isolation');
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const out = (ext = 'mp4') => path.join(dir, `out-${++n}.${ext}`);

function transcodeJob(input: string, output = out(), extra: TranscodeJob['options'] = {}): TranscodeJob {
  return { type: 'transcode', input, output, options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' }, ...extra } };
}

/** An isolated engine and a way to see its processes. */
function isolated(o: EngineOptions = {}): { engine: Engine; pids: () => number[] } {
  const backend = new LocalBackend(localOptions({ concurrency: 2, ...o, isolation: 'process' }));
  return { engine: new Engine({ backend }), pids: () => backend.processIds() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a killed process whose parent is gone stays a zombie until init reaps it (slow on a busy
  // machine): it is dead all the same
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

async function gone(pids: number[], ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return !pids.some(alive);
}

async function rejection(p: Promise<unknown>): Promise<AvError> {
  try {
    await p;
  } catch (e) {
    return e as AvError;
  }
  assert.fail('expected a rejection');
}

/** A probe job whose process misbehaves first. */
let hooked = 0;
function misbehaving(engine: Engine, hook: TestHook, options: { timeout?: number; retries?: number; backoff?: number } = {}) {
  const id = `hooked-${++hooked}`;
  setTestHook(id, hook);
  return engine.submit({ type: 'probe', input: clip }, { id, ...options });
}

function partials(): string[] {
  return fs
    .readdirSync(dir)
    .map(String)
    .filter((f) => f.endsWith('.partial'));
}

/** The CLI's framemd5 of a file's decoded frames, or with `copy` of its packets. */
async function framemd5(file: string, copy = false): Promise<string> {
  return (await ffmpeg(['-i', file, ...(copy ? ['-c', 'copy'] : []), '-f', 'framemd5', '-'])).stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .join('\n');
}

describe('Engine isolation', () => {
  test('each job type gives the same result as in process (outputs compared frame by frame)', async () => {
    const plain = new Engine({ concurrency: 2 });
    const { engine } = isolated();
    const jobs = (o: (ext: string) => string): JobDescription[] => [
      transcodeJob(clip, o('mp4'), { video: { codec: 'libx264', preset: 'ultrafast', threads: 1 }, audio: { codec: 'aac' } }),
      { type: 'remux', input: clip, output: o('mkv') },
      { type: 'thumbnails', input: clip, options: { count: 3, width: 64 } },
      { type: 'probe', input: clip },
    ];
    const here = await Promise.all(jobs(out).map((j) => plain.submit(j).done));
    const there = await Promise.all(jobs(out).map((j) => engine.submit(j).done));
    const [t1, t2] = [here[0] as TranscodeResult, there[0] as TranscodeResult];
    assert.equal(await framemd5(t2.output!), await framemd5(t1.output!));
    assert.deepEqual(t2.frames, t1.frames);
    assert.equal(t2.stopped, false);
    const [r1, r2] = [here[1] as TranscodeResult, there[1] as TranscodeResult];
    assert.equal(await framemd5(r2.output!, true), await framemd5(r1.output!, true)); // Matroska's UIDs are random: the packets
    const [th1, th2] = [here[2] as { time: number; data: Buffer }[], there[2] as { time: number; data: Buffer }[]];
    assert.equal(th2.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.ok(Buffer.isBuffer(th2[i]!.data), 'thumbnails come back as Buffers');
      assert.ok(th2[i]!.data.equals(th1[i]!.data));
      assert.equal(th2[i]!.time, th1[i]!.time);
    }
    assert.deepEqual(there[3], here[3]);
    await Promise.all([plain.close(), engine.close()]);
  });

  test('progress and events arrive as in process; a Uint8Array input crosses; a function runs here', async () => {
    const { engine } = isolated();
    const events: string[] = [];
    for (const e of ['queued', 'started', 'completed'] as const) engine.on(e, () => events.push(e));
    const h = engine.submit(transcodeJob(long, out(), { progressInterval: 50 }));
    const progress: { percent: number | null }[] = [];
    h.on('progress', (p) => progress.push(p as { percent: number | null }));
    await h.done;
    assert.ok(progress.length > 2, `${progress.length} progress events`);
    assert.ok(progress.some((p) => (p.percent ?? 0) > 50));
    assert.deepEqual(h.progress, progress.at(-1));
    const bytes = fs.readFileSync(clip);
    const probed = await engine.submit({ type: 'probe', input: out() }).done.catch(() => null); // a missing file: rejected
    assert.equal(probed, null);
    const th = await engine.submit({ type: 'thumbnails', input: new Uint8Array(bytes), options: { count: 1, width: 32 } }).done;
    assert.equal(th.length, 1);
    assert.equal(await engine.submit(() => process.pid).done, process.pid);
    assert.deepEqual(events.slice(0, 3), ['queued', 'started', 'completed']);
    const c = engine.counters();
    assert.equal(c.completed, 3);
    assert.equal(c.failed, 1);
    await engine.close();
  });

  test('an error in the job process keeps its class, code and details', async () => {
    const { engine } = isolated();
    const e = await rejection(engine.submit({ type: 'remux', input: path.join(dir, 'missing.mp4'), output: out() }).done);
    assert.ok(e instanceof AvError);
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.url, path.join(dir, 'missing.mp4'));
    assert.match(e.stack!, /avforge job process \d+/);
    await engine.close();
  });

  test('streams, callbacks and frame taps are refused at submit; limits need isolation', () => {
    const { engine } = isolated();
    assert.throws(
      () => engine.submit({ type: 'remux', input: Readable.from([Buffer.alloc(1)]), output: out() }),
      /for job\.input but received an instance of Readable: with isolation: 'process'/,
    );
    assert.throws(() => engine.submit({ type: 'remux', input: clip, output: () => {}, options: { format: 'matroska' } }), /for job\.output/);
    assert.throws(() => engine.submit(transcodeJob(clip, out(), { onFrames: () => {} })), /for job\.options\.onFrames/);
    assert.throws(() => new Engine({ memoryLimit: '1GB' }), /without isolation: 'process' .* for memoryLimit/);
    assert.throws(() => new Engine({ cpuLimit: 5 }), /for cpuLimit/);
    assert.throws(() => new Engine({ isolation: 'thread' as 'process' }), /'none' or 'process' for isolation/);
    assert.throws(() => new Engine({ isolation: 'process', memoryLimit: 'lots' }), /for memoryLimit/);
    const backend = new LocalBackend(localOptions({}));
    assert.throws(() => new Engine({ backend, isolation: 'process' }), /set isolation there/);
    void engine.close();
  });

  test('a crash fails that job with JOB_CRASHED (the signal named), and the next job runs in a new process', async () => {
    const { engine, pids } = isolated({ concurrency: 1 });
    await engine.submit({ type: 'probe', input: clip }).done;
    const [first] = pids();
    for (const [hook, signal] of [
      ['abort', 'SIGABRT'],
      ['segv', 'SIGSEGV'],
      ['exit', 'code 3'],
    ] as const) {
      const before = pids();
      const e = await rejection(misbehaving(engine, hook).done);
      assert.ok(e instanceof AvError);
      assert.equal(e.code, 'JOB_CRASHED');
      assert.ok(e.message.includes(signal), e.message);
      assert.ok(await gone(before), 'the dead process is gone');
      const probed = await engine.submit({ type: 'probe', input: clip }).done;
      assert.equal(probed.streams.length, 2);
      assert.equal(pids().length, 1, 'replaced, not added');
    }
    assert.ok(!alive(first!));
    const c = engine.counters();
    assert.equal(c.failed, 3);
    assert.equal(c.completed, 4);
    await engine.close();
  });

  test('a crash is retried like any failure', async () => {
    const { engine } = isolated({ concurrency: 1 });
    const h = misbehaving(engine, 'abort', { retries: 1, backoff: 0 });
    h.on('retried', (err) => {
      assert.equal((err as AvError).code, 'JOB_CRASHED');
      setTestHook(h.id, null);
    });
    const r = await h.done;
    assert.equal(r.streams.length, 2);
    assert.equal(h.attempt, 2);
    await engine.close();
  });

  test('memory past the limit fails the job with JOB_MEMORY: native buffers and the JS heap', async () => {
    const { engine, pids } = isolated({ concurrency: 1, memoryLimit: '320MiB' });
    for (const hook of ['alloc', 'alloc-heap'] as const) {
      const t0 = performance.now();
      const e = await rejection(misbehaving(engine, hook).done);
      assert.equal(e.code, 'JOB_MEMORY', `${hook}: ${e.message}`);
      assert.match(e.message, /memory limit \(320 MiB\)/);
      assert.ok(performance.now() - t0 < 20_000);
      assert.equal((await engine.submit({ type: 'probe', input: clip }).done).streams.length, 2);
    }
    assert.ok(pids().length <= 1);
    await engine.close();
  });

  test('a real transcode past its limit fails with JOB_MEMORY; the same job fits a larger one', async () => {
    const job = () => transcodeJob(clip, out(), { video: { codec: 'libx264', preset: 'veryslow', width: 1920, height: 1080 }, audio: false });
    // 300 MiB: libx264 fails a malloc and says so (at 250 MiB it sometimes fails to start a
    // thread first, which it does not report, and the failure reads as EXTERNAL)
    const small = isolated({ concurrency: 1, memoryLimit: '300MiB' });
    const e = await rejection(small.engine.submit(job()).done);
    assert.equal(e.code, 'JOB_MEMORY', e.message);
    assert.ok(e.cause instanceof Error || e.cause === undefined);
    await small.engine.close();
    const large = isolated({ concurrency: 1, memoryLimit: '2GiB' });
    assert.equal((await large.engine.submit(job()).done).stopped, false);
    await large.engine.close();
    assert.deepEqual(partials(), []);
  });

  test('CPU time past the limit fails the job with JOB_CPU', async () => {
    const { engine } = isolated({ concurrency: 1, cpuLimit: 1 });
    const t0 = performance.now();
    const e = await rejection(misbehaving(engine, 'spin').done);
    assert.equal(e.code, 'JOB_CPU', e.message);
    assert.match(e.message, /CPU-time limit \(1 s\)/);
    assert.ok(performance.now() - t0 < 15_000); // 1 s of CPU, on a loaded machine
    assert.equal((await engine.submit({ type: 'probe', input: clip }).done).streams.length, 2);
    await engine.close();
  });

  test(`abort and timeout end an isolated job in under 200 ms, even one that does not answer (killed after ${KILL_GRACE_MS} ms)`, async () => {
    const { engine } = isolated();
    const started = (h: { once(e: 'started', f: () => void): unknown }) => new Promise<void>((r) => h.once('started', r));
    const timings: Record<string, number> = {};

    const h = engine.submit(transcodeJob(long, out(), { video: { codec: 'libx264', preset: 'veryslow' } }));
    await new Promise<void>((r) => h.once('progress', () => r()));
    let t0 = performance.now();
    h.cancel('abort');
    const e = await rejection(h.done);
    timings.abort = performance.now() - t0;
    assert.equal(e.name, 'AbortError');
    assert.equal(h.state, 'cancelled');

    const stuck = misbehaving(engine, 'spin');
    await started(stuck);
    await new Promise((r) => setTimeout(r, 50));
    t0 = performance.now();
    stuck.cancel();
    assert.equal((await rejection(stuck.done)).name, 'AbortError');
    timings.stuck = performance.now() - t0;

    const timed = engine.submit(transcodeJob(long, out(), { video: { codec: 'libx264', preset: 'veryslow' } }), { timeout: 600 });
    await started(timed);
    t0 = performance.now();
    const te = await rejection(timed.done);
    timings.timeout = performance.now() - t0 - 600;
    assert.equal(te.code, 'ETIMEDOUT');

    const timedStuck = misbehaving(engine, 'spin', { timeout: 300 });
    await started(timedStuck);
    t0 = performance.now();
    assert.equal((await rejection(timedStuck.done)).code, 'ETIMEDOUT');
    timings.stuckTimeout = performance.now() - t0 - 300;

    for (const [what, ms] of Object.entries(timings)) assert.ok(ms < 200, `${what}: ${ms.toFixed(0)} ms`);
    console.log(
      `isolated job ended after: ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
        .join(', ')}`,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(partials(), []);
    await engine.close();
  });

  test('a graceful cancel finishes a valid, shorter output', async () => {
    const { engine } = isolated();
    const h = engine.submit(transcodeJob(long, out(), { video: { codec: 'libx264', preset: 'veryslow' } }), { cancel: 'graceful' });
    await new Promise<void>((r) => h.once('progress', () => r()));
    h.cancel('graceful');
    const r = await h.done;
    assert.equal(r.stopped, true);
    assert.ok(r.duration !== null && r.duration < 9.5 && r.bytes > 0);
    await engine.close();
  });

  test('the pool: reused, never more processes than the concurrency, all ended by close()', async () => {
    const { engine, pids } = isolated({ concurrency: 2 });
    const jobs = Array.from({ length: 8 }, () => engine.submit({ type: 'probe', input: clip }));
    let most = 0;
    engine.on('started', () => (most = Math.max(most, pids().length)));
    await Promise.all(jobs.map((j) => j.done));
    await engine.drain();
    const live = pids();
    assert.ok(live.length <= 2 && most <= 2, `${live.length} processes, at most ${most}`);
    assert.ok(live.every(alive));
    await engine.submit({ type: 'probe', input: clip }).done;
    assert.ok(
      pids().every((p) => live.includes(p)),
      'the same processes run the next job',
    );
    await engine.close();
    assert.deepEqual(pids(), []);
    assert.ok(!live.some(alive), 'no process outlives close()');
  });

  test('close({ wait: false }) kills running jobs: ERR_CLOSED, no process left', async () => {
    const { engine, pids } = isolated();
    const h = engine.submit(transcodeJob(long, out(), { video: { codec: 'libx264', preset: 'veryslow' } }));
    await new Promise<void>((r) => h.once('progress', () => r()));
    const live = pids();
    await engine.close({ wait: false });
    const e = await rejection(h.done);
    assert.equal(e.code, 'ERR_CLOSED');
    assert.ok(await gone(live));
  });

  test('job processes die with the engine’s process, even one killed with SIGKILL mid-job', async () => {
    const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
    const body = `
      import { Engine, localOptions } from ${url('../src/engine/engine.js')};
      import { LocalBackend } from ${url('../src/engine/backends/local.js')};
      const backend = new LocalBackend(localOptions({ isolation: 'process', concurrency: 2 }));
      const engine = new Engine({ backend });
      await engine.submit({ type: 'probe', input: ${JSON.stringify(clip)} }).done;
      const job = { type: 'transcode', input: ${JSON.stringify(long)}, output: ${JSON.stringify(out())}, options: { video: { codec: 'libx264', preset: 'veryslow' } } };
      engine.submit(job).once('progress', () => console.log(JSON.stringify(backend.processIds())));
      engine.submit({ type: 'probe', input: ${JSON.stringify(clip)} });
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', body], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(d.toString()));
      parent.once('exit', (code) => reject(new Error(`the engine's process exited (${code}) before its jobs ran`)));
    });
    const children = JSON.parse(line) as number[];
    assert.equal(children.length, 2, line);
    assert.ok(children.every(alive));
    parent.kill('SIGKILL');
    assert.ok(await gone(children, 5000), `orphans: ${children.filter(alive).join(' ')}`);
  });
});
