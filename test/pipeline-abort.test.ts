// How fast an abort ends a job, whatever the job is waiting on: an input that never opens
// (a Readable with no data, callbacks that never answer, a URL that accepts and stays
// silent), an input that stalls mid-read, an output that never drains, a frame tap that
// never returns; for transcode, remux and thumbnails, by signal, by cancel() and by an
// Engine timeout. Each must settle in under 200 ms with an AbortError (ETIMEDOUT for the
// Engine), and the native side must let its input go.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { AvError, Engine, remux, thumbnails, transcode, type InputSource, type Job } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { tcpServer, type Server } from './io-util.js';
import { captureLogs, isAbortError } from './pipeline-util.js';

captureLogs();

const LIMIT_MS = 200;
const dir = scratch('abort');
const ts = fs.readFileSync(media('mpeg2.ts'));

// Connections the silent server accepted, to see the native side close them after an abort.
const open = new Set<net.Socket>();
const silent: Server = await tcpServer((s) => {
  open.add(s);
  s.resume(); // reads the request, so that the client's close is seen
  s.on('close', () => open.delete(s));
});
// An HTTP server that sends the first part of the file and then nothing more.
const stalling = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'video/mp2t' });
  res.write(ts.subarray(0, ts.length >> 1));
});
stalling.listen(0, '127.0.0.1');
await new Promise((r) => stalling.once('listening', r));
const stallingUrl = `http://127.0.0.1:${(stalling.address() as net.AddressInfo).port}/live.ts`;
after(async () => {
  stalling.closeAllConnections();
  stalling.close();
  await silent.close();
});

/** Inputs that never deliver a byte: the job waits in its inputs' opening. */
const neverOpening: Record<string, () => InputSource> = {
  URL: () => `http://127.0.0.1:${silent.port}/never.mp4`,
  Readable: () => new Readable({ read() {} }),
  callbacks: () => ({ read: () => new Promise<Uint8Array>(() => {}) }),
  'async iterable': () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Uint8Array>>(() => {}) }) }),
};

/** Inputs that deliver half the file and then stall: the job waits in a read. */
const stallingMidway: Record<string, () => InputSource> = {
  URL: () => stallingUrl,
  Readable: () => {
    const r = new Readable({ read() {} });
    r.push(ts.subarray(0, ts.length >> 1));
    return r;
  },
  callbacks: () => {
    let sent = false;
    return {
      read: (): Promise<Uint8Array> => {
        if (sent) return new Promise(() => {});
        sent = true;
        return Promise.resolve(ts.subarray(0, ts.length >> 1));
      },
    };
  },
};

const kinds = {
  transcode: (input: InputSource, o: { signal?: AbortSignal }) => transcode(input, `${dir}/t-${Math.random()}.mkv`, { video: { codec: 'mpeg4' }, ...o }),
  remux: (input: InputSource, o: { signal?: AbortSignal }) => remux(input, `${dir}/r-${Math.random()}.mkv`, o),
  thumbnails: (input: InputSource, o: { signal?: AbortSignal }) => thumbnails(input, { times: [0.5], width: 64, ...o }),
};

/** Starts a job, lets it reach its wait, aborts it and returns how long it took to settle. */
async function abortLatency(start: (o: { signal?: AbortSignal }) => Job<unknown>, how: 'signal' | 'cancel', waitMs = 300): Promise<number> {
  const ac = new AbortController();
  const job = start(how === 'signal' ? { signal: ac.signal } : {});
  const settled = job.then(
    () => assert.fail('the job finished instead of being aborted'),
    (e: unknown) => e,
  );
  await sleep(waitMs);
  const t0 = performance.now();
  if (how === 'signal') ac.abort();
  else job.cancel();
  const e = await Promise.race([settled, sleep(5000, 'still running')]);
  const ms = performance.now() - t0;
  assert.ok(isAbortError(e), `an AbortError, not ${String(e)}`);
  return ms;
}

/**
 * Asserts that `measure` comes in under LIMIT_MS. The bound is a latency claim checked on a
 * shared 2-core CI machine running test files in parallel, so a try over it is repeated (3 in
 * all) before it counts: a load spike passes on a retry, a path that really waits on something
 * (a read timeout, a poll, the next packet) is over on every try.
 */
async function assertUnderLimit(measure: () => Promise<number>): Promise<void> {
  const tries: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ms = await measure();
    if (ms < LIMIT_MS) return;
    tries.push(ms);
  }
  assert.fail(`over ${LIMIT_MS} ms on every try: ${tries.map((ms) => ms.toFixed(0)).join(', ')} ms`);
}

describe(`an abort settles a job in under ${LIMIT_MS} ms`, () => {
  for (const [kind, start] of Object.entries(kinds)) {
    for (const [name, input] of Object.entries(neverOpening))
      for (const how of ['signal', 'cancel'] as const)
        test(`${kind}, waiting to open a ${name} that sends nothing (${how})`, async () => {
          await assertUnderLimit(() => abortLatency((o) => start(input(), o), how));
        });
    for (const [name, input] of Object.entries(stallingMidway))
      test(`${kind}, waiting on a ${name} that stalls midway (signal)`, async () => {
        await assertUnderLimit(() => abortLatency((o) => start(input(), o), 'signal', 500));
      });
  }

  test('the native side lets a silent URL go after the abort', async () => {
    await abortLatency((o) => remux(`http://127.0.0.1:${silent.port}/again.mp4`, `${dir}/again.mkv`, o), 'cancel');
    for (let i = 0; i < 50 && open.size > 0; i++) await sleep(20);
    assert.equal(open.size, 0, 'the connection is closed');
  });

  const file = media('h264-aac-4s.mp4');
  const inputs: Record<string, () => InputSource> = { path: () => file, Buffer: () => fs.readFileSync(file) };
  for (const [name, input] of Object.entries(inputs)) {
    test(`transcode of a ${name}, waiting on a frame tap that never returns`, async () => {
      await assertUnderLimit(() =>
        abortLatency((o) => transcode(input(), `${dir}/tap-${name}.mkv`, { video: { codec: 'mpeg4' }, onFrames: () => new Promise(() => {}), ...o }), 'signal'),
      );
    });
    test(`transcode of a ${name}, waiting on a Writable that never drains`, async () => {
      await assertUnderLimit(() =>
        abortLatency(
          (o) => transcode(input(), new Writable({ highWaterMark: 1, write() {} }), { format: 'matroska', video: { codec: 'mpeg4' }, ...o }),
          'cancel',
        ),
      );
    });
    test(`remux of a ${name}, waiting on an output callback that never returns`, async () => {
      await assertUnderLimit(() => abortLatency((o) => remux(input(), () => new Promise<void>(() => {}), { format: 'matroska', ...o }), 'signal'));
    });
  }

  test('an Engine timeout ends a transcode of a silent URL', async () => {
    const engine = new Engine({ concurrency: 1 });
    await assertUnderLimit(async () => {
      const h = engine.submit({ type: 'transcode', input: `http://127.0.0.1:${silent.port}/engine.mp4`, output: `${dir}/engine.mkv` }, { timeout: 300 });
      const t0 = performance.now();
      const e = await Promise.race([
        h.done.then(
          () => 'finished',
          (x: unknown) => x,
        ),
        sleep(5000, 'still running'),
      ]);
      assert.ok(e instanceof AvError && e.code === 'ETIMEDOUT', `ETIMEDOUT, not ${String(e)}`);
      return performance.now() - t0 - 300; // the time past the timeout
    });
    await engine.close();
  });
});
