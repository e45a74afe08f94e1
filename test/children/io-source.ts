// Teardown of custom inputs, one scenario per run (see io-common.ts): sources that fail,
// throw, return garbage, never answer, or stall while the demuxer is closed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';

import { AvError, Demuxer, setLogger, type DemuxerOptions, type InputSource } from '../../src/index.js';
import { media } from '../media/generate.js';
import { assertAvErrorWithCause, describeError, rejection, runScenario } from './io-common.js';

setLogger(() => {}); // the warnings these failures cause are expected; keep the output to the checks

/** Opens and reads everything; the number of packets. */
async function readAll(input: InputSource, options?: DemuxerOptions): Promise<number> {
  const d = await Demuxer.open(input, options);
  try {
    let n = 0;
    for await (const p of d.packets()) {
      n++;
      p.close();
    }
    return n;
  } finally {
    await d.close();
  }
}

/** A Readable that pushes the first `first` bytes of `buf`, then fails with `error` when asked for more. */
function failingAfter(buf: Buffer, first: number, error: Error): Readable {
  let calls = 0;
  return new Readable({
    read() {
      if (calls++ === 0) this.push(buf.subarray(0, first));
      else this.destroy(error);
    },
  });
}

/** An endless MPEG-TS (the file, looped), 8 KiB every 2 ms: there is always more to come. */
function endlessTs(): Readable {
  const ts = fs.readFileSync(media('mpeg2.ts'));
  let offset = 0;
  return new Readable({
    highWaterMark: 8192,
    read() {
      setTimeout(() => {
        if (this.destroyed) return;
        const end = Math.min(offset + 8192, ts.length);
        this.push(ts.subarray(offset, end));
        offset = end === ts.length ? 0 : end;
      }, 2);
    },
  });
}

/** Reads `source` and destroys it with `error` after `after` packets; what the reading ended with. */
async function destroyWhileReading(
  source: Readable,
  after: number,
  error: Error,
  options: DemuxerOptions,
): Promise<{ packets: number; error: unknown; ms: number }> {
  const d = await Demuxer.open(source, options);
  let packets = 0;
  let destroyedAt = 0;
  try {
    for await (const p of d.packets()) {
      packets++;
      p.close();
      if (packets === after) {
        destroyedAt = performance.now();
        source.destroy(error);
      }
      if (destroyedAt && performance.now() - destroyedAt > 5000) break; // kept reading: the source's failure went unnoticed
    }
    return { packets, error: undefined, ms: performance.now() - destroyedAt };
  } catch (e) {
    return { packets, error: e, ms: performance.now() - destroyedAt };
  } finally {
    await d.close();
  }
}

await runScenario({
  // The source fails while avformat_open_input is still probing.
  async 'destroy-during-open'() {
    const boom = new Error('boom');
    const e = await rejection(Demuxer.open(failingAfter(fs.readFileSync(media('h264-aac.mkv')), 4096, boom)), 'Demuxer.open');
    assertAvErrorWithCause(e, 'boom');
    assert.equal(e.cause, boom);
  },

  // The source fails after the format was recognised, while stream info is still being
  // gathered: the open or the reading must fail with the source's error, never end cleanly.
  async 'destroy-during-stream-info'() {
    for (const strict of [true, false]) {
      let outcome: unknown;
      let packets = -1;
      try {
        packets = await readAll(failingAfter(fs.readFileSync(media('mpeg2.ts')), 65536, new Error('boom')), { strict });
      } catch (e) {
        outcome = e;
      }
      assert.ok(outcome !== undefined, `strict: ${strict}: the source failed with 'boom', yet the input ended normally after ${packets} packets`);
      assertAvErrorWithCause(outcome, 'boom');
    }
  },

  async 'destroy-during-read-strict'() {
    const r = await destroyWhileReading(endlessTs(), 10, new Error('boom'), { format: 'mpegts', strict: true });
    assert.ok(r.error !== undefined, `reading went on after the source failed (${r.packets} packets)`);
    assertAvErrorWithCause(r.error, 'boom');
    assert.ok(r.ms < 2000, `the failure surfaced ${r.ms.toFixed(0)} ms after the source failed`);
  },

  // Without strict, damaged data ends the input with a warning (as the CLI does); but a source
  // that failed is not damaged data: its error must reach the reader.
  async 'destroy-during-read'() {
    const r = await destroyWhileReading(endlessTs(), 10, new Error('boom'), { format: 'mpegts' });
    assert.ok(r.error !== undefined, `the source failed with 'boom', yet the input ended normally after ${r.packets} packets`);
    assertAvErrorWithCause(r.error, 'boom');
    assert.ok(r.ms < 2000, `the failure surfaced ${r.ms.toFixed(0)} ms after the source failed`);
  },

  async 'read-callback-throws'() {
    for (const read of [
      () => {
        throw new Error('boom');
      },
      async () => {
        throw new Error('boom');
      },
    ]) {
      const e = await rejection(Demuxer.open({ read }), 'Demuxer.open');
      assertAvErrorWithCause(e, 'boom');
    }
  },

  // The callback throws after the first 100 kB: the reader gets its error.
  async 'read-callback-throws-later'() {
    const ts = fs.readFileSync(media('mpeg2.ts'));
    let pos = 0;
    const source = {
      read() {
        if (pos >= 100_000) throw new Error('boom');
        const chunk = ts.subarray(pos, pos + 4096);
        pos += chunk.length;
        return chunk;
      },
    };
    let packets = -1;
    const e = await readAll(source).then(
      (n) => {
        packets = n;
        return undefined;
      },
      (err: unknown) => err,
    );
    assert.ok(e !== undefined, `the callback threw 'boom', yet the input ended normally after ${packets} packets`);
    assertAvErrorWithCause(e, 'boom');
  },

  async 'seek-callback-throws'() {
    // MP4 with its index at the end: opening it seeks past the media data.
    const buf = fs.readFileSync(media('h264-aac.mp4'));
    let pos = 0;
    const e = await rejection(
      readAll({
        read(n: number) {
          const chunk = buf.subarray(pos, pos + n);
          pos += chunk.length;
          return chunk;
        },
        seek(p) {
          if (p > 4096) throw new Error('boom');
          pos = p;
        },
        size: buf.length,
      }),
      'reading with a failing seek',
    );
    assertAvErrorWithCause(e, 'boom');
  },

  // Garbage from read(): a rejection (AvError or TypeError), never a crash.
  async 'read-callback-garbage'() {
    const garbage: unknown[] = [42, 'abc', {}, [1, 2, 3], true, Promise.resolve(7), new ArrayBuffer(8), new Uint16Array(4).buffer];
    for (const value of garbage) {
      const e = await rejection(Demuxer.open({ read: () => value as Uint8Array }), `read() returning ${describeError(value)}`);
      assert.ok(e instanceof AvError || e instanceof TypeError, `read() returning ${String(value)}: ${describeError(e)}`);
      if (e instanceof AvError) assert.ok(e.cause instanceof TypeError, `read() returning ${String(value)}: cause ${describeError(e.cause)}`);
    }
  },

  async 'read-callback-never-answers'() {
    const t = performance.now();
    const e = await rejection(Demuxer.open({ read: () => new Promise<Uint8Array>(() => {}) }, { timeout: 500 }), 'Demuxer.open');
    const ms = performance.now() - t;
    assert.ok(e instanceof AvError, describeError(e));
    assert.equal(e.code, 'ETIMEDOUT');
    console.log(`ETIMEDOUT after ${ms.toFixed(0)} ms (timeout: 500)`);
    assert.ok(ms >= 450 && ms < 1500, `ETIMEDOUT after ${ms.toFixed(0)} ms`);
  },

  // close() while a read waits for data from a stalled stream: the read ends at once, and
  // nothing is left to hold the process.
  async 'close-while-read-waits'() {
    const stalled = new Readable({ read() {} });
    stalled.push(fs.readFileSync(media('h264-aac.mkv'))); // the whole file and then nothing, ever: no end
    let packets = 0;
    let last = performance.now();
    let closedAt = 0;
    let closing: Promise<void> | undefined;
    let d: Demuxer | undefined;
    let stalledInOpen = false;
    // Armed from the start, so that a stall anywhere ends the scenario.
    const watch = setInterval(() => {
      if (!closedAt && performance.now() - last > 300) {
        closedAt = performance.now();
        if (d) closing = d.close();
        else stalledInOpen = true;
        clearInterval(watch);
      }
    }, 20);
    let error: unknown;
    try {
      d = await Demuxer.open(stalled);
      for await (const p of d.packets()) {
        packets++;
        last = performance.now();
        p.close();
      }
    } catch (e) {
      error = e;
    } finally {
      clearInterval(watch);
    }
    const ms = performance.now() - closedAt;
    assert.ok(!stalledInOpen, 'the open stalled (the whole file was there)');
    assert.ok(closedAt > 0, `the read did not wait: it ended (${describeError(error)}) after ${packets} packets`);
    assert.ok(packets > 0);
    assert.ok(error instanceof AvError, `the read waiting on the stalled stream ended with ${describeError(error)} instead of ERR_CLOSED/EXIT`);
    assert.ok(['ERR_CLOSED', 'EXIT'].includes(error.code), `code ${error.code}`);
    assert.ok(ms < 500, `the read ended ${ms.toFixed(0)} ms after close()`);
    await closing;
    console.log(`read ended with ${error.code} ${ms.toFixed(1)} ms after close()`);
  },
});
