// A process whose demuxer over a stream source is never closed still exits on its own, one
// scenario per run (see io-common.ts). The parent fails a run that has to be killed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { Readable } from 'node:stream';

import { Demuxer, setLogger, type InputSource } from '../../src/index.js';
import { media } from '../media/generate.js';
import { runScenario } from './io-common.js';

setLogger(() => {});

/** Reads up to `max` packets and walks away: no close(). */
async function readAndAbandon(input: InputSource, max = Infinity): Promise<number> {
  const d = await Demuxer.open(input);
  let n = 0;
  for await (const p of d.packets()) {
    p.close();
    if (++n >= max) break;
  }
  return n;
}

await runScenario({
  async 'read-to-end'() {
    assert.ok((await readAndAbandon(fs.createReadStream(media('mpeg2.ts')))) > 0);
  },

  async 'stop-early'() {
    assert.equal(await readAndAbandon(fs.createReadStream(media('h264-aac.mkv')), 3), 3);
  },

  async 'callbacks-stop-early'() {
    const buf = fs.readFileSync(media('h264-aac.mkv'));
    let pos = 0;
    const source = {
      async read(n: number) {
        const chunk = buf.subarray(pos, pos + n);
        pos += chunk.length;
        return chunk;
      },
    };
    assert.equal(await readAndAbandon(source, 3), 3);
  },

  async 'socket-read-to-end'() {
    const server = net.createServer((s) => s.end(fs.readFileSync(media('mpeg2.ts'))));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    server.close(); // the one connection stays; the server goes once it ends
    assert.ok((await readAndAbandon(socket)) > 0);
  },

  // The stream stalls (no end, no error, nothing holding the event loop): walking away from
  // the demuxer must not leave the process waiting on it forever.
  async 'stalled-stream'() {
    const stalled = new Readable({ read() {} });
    stalled.push(fs.readFileSync(media('h264-aac.mkv'))); // the whole file, and no end
    assert.equal(await readAndAbandon(stalled, 3), 3);
  },
});
