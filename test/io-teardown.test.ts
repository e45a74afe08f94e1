// Teardown of streaming inputs and outputs, each scenario in its own Node process (a crash or
// a hang must not take the test runner with it): sources and sinks that fail, throw, return
// garbage, never answer, or are abandoned. The child scripts are test/children/io-*.ts; each
// prints `ok <scenario>` when its checks passed and must then exit on its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { media } from './media/generate.js';

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runChild(script: string, scenario: string, timeoutMs: number): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`./children/${script}.js`, import.meta.url));
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [file, scenario], { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        signal: e?.signal ?? null,
        stdout,
        stderr,
        ms: performance.now() - start,
      });
    });
  });
}

/** Runs one scenario; it must pass its checks and exit by itself, with code 0. */
async function scenario(script: string, name: string, timeoutMs = 8000): Promise<void> {
  const r = await runChild(script, name, timeoutMs);
  const output = `\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
  for (const line of r.stdout.split('\n')) if (line && !line.startsWith('ok ')) console.log(`${name}: ${line}`);
  assert.equal(r.signal, null, `killed after ${(r.ms / 1000).toFixed(1)} s: the process did not exit by itself${output}`);
  assert.equal(r.code, 0, `exit code ${r.code}${output}`);
  assert.ok(r.stdout.includes(`ok ${name}\n`), `the scenario did not finish${output}`);
}

// Make the media first, so that children running at once do not each make it.
media('mpeg2.ts');
media('h264-aac.mkv');
media('h264-aac.mp4');
media('h264-aac-10s.mp4');

describe('a failing or stalling input', { concurrency: 2 }, () => {
  test('the source is destroyed during open: AvError with the cause', () => scenario('io-source', 'destroy-during-open'));
  test('the source is destroyed while stream info is gathered: AvError with the cause, never a clean end', () =>
    scenario('io-source', 'destroy-during-stream-info'));
  test('the source is destroyed during reading (strict): AvError with the cause', () => scenario('io-source', 'destroy-during-read-strict'));
  test('the source is destroyed during reading (default): AvError with the cause, never a clean end', () => scenario('io-source', 'destroy-during-read'));
  test('the read callback throws (sync and async): AvError with the cause', () => scenario('io-source', 'read-callback-throws'));
  test('the read callback throws after some data: AvError with the cause, never a clean end', () => scenario('io-source', 'read-callback-throws-later'));
  test('the seek callback throws: AvError with the cause', () => scenario('io-source', 'seek-callback-throws'));
  test('the read callback returns garbage: AvError or TypeError, no crash', () => scenario('io-source', 'read-callback-garbage'));
  test('the read callback never answers, timeout 500: ETIMEDOUT within ~1 s', () => scenario('io-source', 'read-callback-never-answers'));
  test('close() while a read waits on a stalled stream: ERR_CLOSED/EXIT at once, and the process exits', () => scenario('io-source', 'close-while-read-waits'));
});

describe('a failing output', { concurrency: 2 }, () => {
  test('a Writable destroyed with an error during writing: AvError with the cause', () => scenario('io-sink', 'writable-destroyed-with-error'));
  test('a Writable destroyed without an error during writing: AvError with a cause', () => scenario('io-sink', 'writable-destroyed-without-error'));
  test("a Writable's write fails: AvError with the cause", () => scenario('io-sink', 'writable-write-fails'));
  test("a WritableStream's write throws: AvError with the cause", () => scenario('io-sink', 'webstream-write-throws'));
  test('a chunk callback throws: AvError with the cause', () => scenario('io-sink', 'chunk-callback-throws'));
  test('a socket output whose peer resets the connection: AvError with the socket error as cause', () => scenario('io-sink', 'socket-peer-closes'));
});

describe('a demuxer over a stream that is never closed lets the process exit', { concurrency: 2 }, () => {
  test('read to the end', () => scenario('io-exit', 'read-to-end'));
  test('abandoned after 3 packets (Readable)', () => scenario('io-exit', 'stop-early'));
  test('abandoned after 3 packets (callbacks)', () => scenario('io-exit', 'callbacks-stop-early'));
  test('a socket read to the end', () => scenario('io-exit', 'socket-read-to-end'));
  test('abandoned on a stalled stream', () => scenario('io-exit', 'stalled-stream'));
});

// exit() runs the libraries' destructors while the addon's threads may still close inputs and
// encoders: a crash at exit ("free(): invalid size") on 1 run in 50 before the addon waited for
// them. Repeated, because it is a race.
describe('process.exit() while native work runs ends with its code, never a crash', { concurrency: 2 }, () => {
  const RUNS = 6;
  for (const [name, title] of [
    ['after-abort', 'right after an aborted job settled (graceful, then abort 20 ms later)'],
    ['while-running', 'in the middle of a transcode'],
  ] as const) {
    test(title, async () => {
      for (let i = 0; i < RUNS; i++) {
        const r = await runChild('exit-teardown', name, 20000);
        const output = `run ${i + 1}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
        assert.equal(r.signal, null, `killed (${r.signal}) after ${(r.ms / 1000).toFixed(1)} s${output}`);
        assert.equal(r.code, 7, `exit code ${r.code}${output}`);
      }
    });
  }
});
