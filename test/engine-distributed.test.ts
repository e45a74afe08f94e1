// The engine across processes on BullMQ: a Redis server on loopback (or REDIS_URL), three
// worker processes (`avforge worker`), 30 mixed jobs with priorities; one worker is killed with
// SIGKILL in the middle of a job. Every job must complete exactly once, every output must be
// valid, and no partial file may remain. Then cancellation, retries and errors across processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { BullMQBackend, Engine, type JobDescription, type JobHandle } from '../src/engine/index.js';
import { media, scratch } from './media/generate.js';
import { freePort, startRedis as startRedisServer } from './redis-util.js';
import { ffprobeJson } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const workerScript = path.join(here, 'children', 'engine-worker.js');

const haveRedis = !spawnSync('redis-server', ['--version']).error;
const skip = process.env.REDIS_URL || haveRedis ? false : 'redis-server is not installed (apt-get install redis-server) and REDIS_URL is not set';

interface WorkerLine {
  event: string;
  pid: number;
  id?: string;
  type?: string;
  attempt?: number;
}

interface WorkerProcess {
  child: ChildProcess;
  lines: WorkerLine[];
  stderr: string[];
  exited: Promise<void>;
}

let redis: ChildProcess | undefined;
let url: string;
let dir: string;
const queue = `avforge-test-${process.pid}-${Date.now()}`;
const workers: WorkerProcess[] = [];

async function startRedis(): Promise<string> {
  const port = await freePort();
  redis = await startRedisServer(port);
  return `redis://127.0.0.1:${port}`;
}

function startWorker(): WorkerProcess {
  const child = spawn(
    process.execPath,
    [workerScript, '--redis', url, '--queue', queue, '--concurrency', '1', '--lock-duration', '3000', '--stalled-interval', '1000', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const w: WorkerProcess = { child, lines: [], stderr: [], exited: new Promise((r) => child.once('exit', () => r())) };
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      w.lines.push(JSON.parse(l) as WorkerLine);
    } catch {
      w.stderr.push(l);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (l) => w.stderr.push(l));
  workers.push(w);
  return w;
}

function ready(w: WorkerProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (w.lines.some((l) => l.event === 'ready')) {
        clearInterval(timer);
        resolve();
      } else if (w.child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`worker exited: ${w.stderr.join('\n')}`));
      }
    }, 20);
  });
}

function partials(): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.partial'));
}

describe('Engine on BullMQ', { skip }, () => {
  let engine: Engine;
  let backend: BullMQBackend;

  before(async () => {
    url = process.env.REDIS_URL ?? (await startRedis());
    dir = scratch('engine-bullmq');
    media('h264-aac.mp4');
    media('h264-aac-10s.mp4');
    backend = new BullMQBackend({ redis: url, queue });
    engine = new Engine({ backend });
  });

  after(async () => {
    await engine?.close({ wait: false });
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    redis?.kill('SIGTERM');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('30 mixed jobs on 3 workers, one killed mid-job: all complete exactly once, outputs valid, no partial files', async (t) => {
    const clip = media('h264-aac.mp4');
    const long = media('h264-aac-10s.mp4');
    const jobs: { job: JobDescription; priority: number; files: string[] }[] = [];
    for (let i = 0; i < 30; i++) {
      const priority = (i * 7) % 11; // 0..10, mixed
      const kind = i % 5;
      if (kind === 0) {
        const output = path.join(dir, `long-${i}.mp4`);
        jobs.push({
          job: {
            type: 'transcode',
            input: long,
            output,
            options: { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' }, progressInterval: 100 },
          },
          priority,
          files: [output],
        });
      } else if (kind === 1) {
        const output = path.join(dir, `short-${i}.mkv`);
        jobs.push({
          job: { type: 'transcode', input: clip, output, options: { video: { codec: 'libx264', preset: 'ultrafast', width: 160 }, audio: 'copy' } },
          priority,
          files: [output],
        });
      } else if (kind === 2) {
        const output = path.join(dir, `remux-${i}.mkv`);
        jobs.push({ job: { type: 'remux', input: clip, output }, priority, files: [output] });
      } else if (kind === 3) {
        const output = path.join(dir, `thumbs-${i}`, '%02d.jpg');
        jobs.push({
          job: { type: 'thumbnails', input: clip, output, options: { count: 2, width: 64 } },
          priority,
          files: [path.join(dir, `thumbs-${i}`, '01.jpg'), path.join(dir, `thumbs-${i}`, '02.jpg')],
        });
      } else {
        jobs.push({ job: { type: 'probe', input: clip }, priority, files: [] });
      }
    }

    const completions = new Map<string, number>();
    const retried = new Map<string, Error[]>();
    const firstStarts: JobHandle[] = [];
    engine.on('completed', (h) => completions.set(h.id, (completions.get(h.id) ?? 0) + 1));
    engine.on('retried', (h, e) => retried.set(h.id, [...(retried.get(h.id) ?? []), e]));
    engine.on('started', (h) => {
      if (h.attempt === 1) firstStarts.push(h);
    });
    const t0 = performance.now();
    const handles = jobs.map((j) => engine.submit(j.job, { priority: j.priority }));
    const priorityOf = new Map<JobHandle, number>(handles.map((h, i) => [h as JobHandle, jobs[i]!.priority]));
    // every job is in Redis before the workers start: they take them strictly by priority
    await backend.flush();
    await new Promise((r) => setTimeout(r, 200));

    const ws = [startWorker(), startWorker(), startWorker()];
    await Promise.all(ws.map(ready));
    // SIGKILL the worker that starts the first long transcode, while it runs
    const longIds = new Set(handles.filter((_, i) => i % 5 === 0).map((h) => h.id));
    const victim = await new Promise<{ w: WorkerProcess; id: string }>((resolve) => {
      const timer = setInterval(() => {
        for (const w of ws) {
          const l = w.lines.find((x) => x.event === 'started' && longIds.has(x.id!));
          if (l) {
            clearInterval(timer);
            resolve({ w, id: l.id! });
            return;
          }
        }
      }, 10);
    });
    const victimHandle = handles.find((h) => h.id === victim.id)!;
    await new Promise((r) => victimHandle.once('progress', r));
    victim.w.child.kill('SIGKILL');
    await victim.w.exited;
    const killedAt = performance.now() - t0;

    const results = await Promise.allSettled(handles.map((h) => h.done));
    const wall = performance.now() - t0;
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${handles[i]!.type} ${handles[i]!.id}: ${(r.reason as Error).message}`] : []));
    assert.deepEqual(failures, []);

    // exactly once: one completion event per job at the producer, one 'completed' line per job among the workers
    assert.equal(completions.size, 30);
    assert.ok([...completions.values()].every((n) => n === 1));
    // A worker prints its 'completed' line before it tells Redis, but the producer may hear Redis
    // before it reads that worker's pipe: wait (boundedly) for the lines, so that a line counts as
    // missing only when it never comes (a job that did not run), and a second one as a double run.
    const workerCompletions = new Map<string, number>();
    for (let waited = 0; ; waited += 20) {
      workerCompletions.clear();
      for (const w of workers) for (const l of w.lines) if (l.event === 'completed') workerCompletions.set(l.id!, (workerCompletions.get(l.id!) ?? 0) + 1);
      if (workerCompletions.size >= 30 || waited >= 5000) {
        if (waited > 0) t.diagnostic(`the workers' completion lines arrived ${waited} ms after the last job settled`);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(
      handles.map((h) => h.id).filter((id) => !workerCompletions.has(id)),
      [],
      'a worker printed a completion for every job',
    );
    assert.equal(workerCompletions.size, 30);
    assert.ok(
      [...workerCompletions.values()].every((n) => n === 1),
      'each job completed on exactly one worker',
    );
    assert.equal(
      victim.w.lines.some((l) => l.event === 'completed' && l.id === victim.id),
      false,
    );

    // the killed worker's job was put back and run again elsewhere
    const lost = retried.get(victim.id) ?? [];
    assert.equal(lost.length, 1);
    assert.equal((lost[0] as Error & { code?: string }).code, 'STALLED');
    assert.equal(victimHandle.attempt, 2);

    // priorities: with every job queued before the workers started, first attempts start by priority
    const order = firstStarts.map((h) => priorityOf.get(h)!);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => b - a),
      `start order by priority: ${order.join(',')}`,
    );

    // outputs valid
    for (const [i, j] of jobs.entries()) {
      for (const f of j.files) {
        const info = await ffprobeJson<{ streams: { codec_type: string }[]; format: { duration?: string } }>(['-show_streams', '-show_format', f]);
        assert.ok(
          info.streams.some((s) => s.codec_type === 'video'),
          `${f} has video`,
        );
        if (j.job.type === 'transcode' && i % 5 === 0) assert.ok(Math.abs(Number(info.format.duration) - 10) < 0.2, `${f} is whole`);
      }
      if (j.job.type === 'probe') assert.equal((results[i] as PromiseFulfilledResult<{ streams: unknown[] }>).value.streams.length, 2);
      if (j.job.type === 'thumbnails') {
        const images = (results[i] as PromiseFulfilledResult<{ data: Buffer }[]>).value;
        assert.ok(images.length === 2 && Buffer.isBuffer(images[0]!.data) && images[0]!.data[0] === 0xff, 'thumbnails come back as Buffers');
      }
    }
    assert.deepEqual(partials(), []);
    t.diagnostic(
      `30 jobs on 3 workers in ${(wall / 1000).toFixed(1)} s; worker ${victim.w.child.pid} killed at ${(killedAt / 1000).toFixed(1)} s during ${victim.id}, re-run after ${(victimHandle as JobHandle).attempt} attempts`,
    );
  });

  test('across processes: progress, cancel of queued and running jobs, retries with backoff, errors with their code', async () => {
    const clip = media('h264-aac.mp4');
    const long = media('h264-aac-10s.mp4');
    // two workers are left, concurrency 1 each: occupy both, then queue more
    const running = engine.submit({
      type: 'transcode',
      input: long,
      output: path.join(dir, 'cancel-running.mp4'),
      options: { video: { codec: 'libx264', preset: 'ultrafast' }, progressInterval: 100 },
    });
    const graceful = engine.submit({
      type: 'transcode',
      input: long,
      output: path.join(dir, 'graceful.mp4'),
      options: { video: { codec: 'libx264', preset: 'ultrafast' }, progressInterval: 100 },
    });
    const queued = engine.submit({ type: 'transcode', input: clip, output: path.join(dir, 'cancel-queued.mp4') }, { priority: -5 });
    const progress: unknown[] = [];
    running.on('progress', (p) => progress.push(p));
    await Promise.all([new Promise((r) => running.once('progress', r)), new Promise((r) => graceful.once('progress', r))]);
    queued.cancel();
    running.cancel('abort');
    graceful.cancel('graceful');
    const e1 = await running.done.then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    assert.equal(e1?.code, 'ABORT_ERR');
    assert.equal(running.state, 'cancelled');
    const e2 = await queued.done.then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    assert.equal(e2?.code, 'ABORT_ERR');
    const r = await graceful.done;
    assert.equal(r.stopped, true);
    assert.ok(Number((await ffprobeJson<{ format: { duration: string } }>(['-show_format', r.output!])).format.duration) < 9.5);
    assert.ok(progress.length > 0 && typeof (progress[0] as { percent: number }).percent === 'number', 'progress objects come back');
    assert.equal(fs.existsSync(path.join(dir, 'cancel-running.mp4')), false);
    assert.equal(fs.existsSync(path.join(dir, 'cancel-queued.mp4')), false);

    // a failing job: retried after its backoff, then failed with the worker's error code
    const retries: Error[] = [];
    const missing = engine.submit({ type: 'remux', input: path.join(dir, 'missing.mp4'), output: path.join(dir, 'never.mkv') }, { retries: 1, backoff: 50 });
    missing.on('retried', (e) => retries.push(e));
    const e3 = await missing.done.then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    assert.equal(e3?.code, 'ENOENT');
    assert.equal(e3?.name, 'AvError');
    assert.equal(retries.length, 1);
    assert.equal(missing.attempt, 2);

    // a delayed job waits, then runs
    const t0 = performance.now();
    const delayed = engine.submit({ type: 'probe', input: clip }, { delay: 300 });
    assert.equal((await delayed.done).streams.length, 2);
    assert.ok(performance.now() - t0 >= 300);

    // functions and streams cannot cross machines: refused at submit
    assert.throws(() => engine.submit(async () => 1), /a function cannot be sent to another machine/);
    assert.throws(() => engine.submit({ type: 'probe', input: Buffer.alloc(1) as unknown as string }), /a string: the job may run on another machine/);
    assert.deepEqual(partials(), []);
  });
});
