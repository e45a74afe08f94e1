// Teardown of custom outputs, one scenario per run (see io-common.ts): a Writable destroyed or
// failing mid-write, a WritableStream or chunk callback that throws, a socket whose peer goes
// away. The muxer must fail with an AvError carrying the output's own error as `cause`.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';

import { AvError, Demuxer, Muxer, setLogger, type OutputTarget } from '../../src/index.js';
import { media } from '../media/generate.js';
import { assertAvErrorWithCause, describeError, runScenario } from './io-common.js';

setLogger(() => {});

/**
 * Remuxes h264-aac.mkv into `target` as Matroska, `loops` times over (so the output outgrows
 * any buffer on the way); returns what write() or writeTrailer() rejected with.
 */
async function remuxFailure(target: OutputTarget, loops = 1): Promise<unknown> {
  const m = await Muxer.open(target, { format: 'matroska', highWater: 65536 });
  try {
    // Copies of the file one after another, each packet stamped one millisecond after the one
    // before (pts = dts): what is written does not matter, only that the muxer takes every packet
    // until the output itself fails (shifting the file's own timestamps by its length made
    // decode timestamps go back at a copy's B-frames, and the muxer refused them first, EINVAL)
    let tick = 0;
    for (let i = 0; i < loops; i++) {
      const d = await Demuxer.open(media('h264-aac.mkv'));
      try {
        if (i === 0) {
          for (const s of d.streams) m.addStream(s);
          await m.writeHeader();
        }
        for await (const p of d.packets()) {
          p.pts = p.dts = tick++;
          await m.write(p);
          p.close();
        }
      } finally {
        await d.close();
      }
    }
    await m.writeTrailer();
  } catch (e) {
    return e;
  } finally {
    await m.close();
  }
  assert.fail('the output failed, yet write() and writeTrailer() succeeded');
}

await runScenario({
  async 'writable-destroyed-with-error'() {
    let n = 0;
    const w = new Writable({
      write(_chunk, _enc, cb) {
        if (++n === 3) this.destroy(new Error('boom'));
        else setTimeout(cb, 1);
      },
    });
    w.on('error', () => {});
    assertAvErrorWithCause(await remuxFailure(w), 'boom');
  },

  async 'writable-destroyed-without-error'() {
    let n = 0;
    const w = new Writable({
      write(_chunk, _enc, cb) {
        if (++n === 3) this.destroy();
        else setTimeout(cb, 1);
      },
    });
    const e = await remuxFailure(w);
    assert.ok(e instanceof AvError, describeError(e));
    assert.ok(e.cause instanceof Error, `no cause: ${describeError(e)}`);
  },

  async 'writable-write-fails'() {
    let n = 0;
    const w = new Writable({
      write(_chunk, _enc, cb) {
        if (++n === 3) cb(new Error('boom'));
        else setTimeout(cb, 1);
      },
    });
    w.on('error', () => {});
    assertAvErrorWithCause(await remuxFailure(w), 'boom');
  },

  async 'webstream-write-throws'() {
    let n = 0;
    const ws = new WritableStream<Uint8Array>({
      write() {
        if (++n === 3) throw new Error('boom');
      },
    });
    assertAvErrorWithCause(await remuxFailure(ws), 'boom');
  },

  async 'chunk-callback-throws'() {
    let n = 0;
    assertAvErrorWithCause(
      await remuxFailure(async () => {
        if (++n === 3) throw new Error('boom');
      }),
      'boom',
    );
  },

  // A socket output whose peer closes the connection after the first bytes.
  async 'socket-peer-closes'() {
    const server = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    socket.on('error', () => {});
    try {
      await once(socket, 'connect');
      const e = await remuxFailure(socket, 20);
      assert.ok(e instanceof AvError, describeError(e));
      assert.ok(e.cause instanceof Error, `no cause: ${describeError(e)}`);
      const code = (e.cause as NodeJS.ErrnoException).code;
      assert.ok(['ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED'].includes(code ?? ''), `cause: ${describeError(e.cause)}`);
    } finally {
      socket.destroy();
      server.close();
    }
  },
});
