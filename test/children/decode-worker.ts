// A worker_threads Worker for the lifetime cases (children/lifetime-cases.ts), by workerData.mode:
//   'loop'   decodes the video of workerData.file over and over, posting 'frame' per frame;
//   'load'   posts 'loading' right before its first use of the library (the addon loads then);
//   'logger' sets a logger and decodes garbage, posting 'warned' per warning it gets.
// The parent terminates it; it never ends by itself.
import { parentPort, workerData } from 'node:worker_threads';

import { Decoder, Demuxer, Packet, setLogger, versions } from '../../src/index.js';

const { mode, file } = workerData as { mode: 'loop' | 'load' | 'logger'; file: string };
const port = parentPort!;

if (mode === 'load') {
  port.postMessage('loading');
  versions();
  port.postMessage('loaded');
  for (;;) {
    const d = await Demuxer.open(file);
    const s = d.bestStream('video')!;
    const dec = await Decoder.open(s);
    for await (const f of dec.frames(d.packets({ streams: [s] }))) f.close();
  }
} else if (mode === 'loop') {
  for (;;) {
    const d = await Demuxer.open(file, { batchSize: 4 });
    const s = d.bestStream('video')!;
    const dec = await Decoder.open(s);
    // frames() keeps decode() calls queued ahead, and the demuxer a read ahead: work is in
    // flight on native threads whenever the parent terminates this worker.
    for await (const f of dec.frames(d.packets({ streams: [s] }))) {
      f.toBuffer();
      f.close();
      port.postMessage('frame');
    }
  }
} else {
  setLogger(() => port.postMessage('warned'));
  const d = await Demuxer.open(file);
  const dec = await Decoder.open(d.bestStream('audio')!);
  let x = 11;
  for (let k = 0; ; k++) {
    const b = new Uint8Array(300);
    for (let i = 0; i < b.length; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    await dec.decode(Packet.from(b, { pts: k * 1024 }));
  }
}
