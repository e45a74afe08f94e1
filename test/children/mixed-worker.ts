// A worker_threads Worker doing every kind of work at once, for the termination cases
// (children/terminate.ts): a transcode into a chunk callback with a frame tap, a remux,
// thumbnails, probe, and decoding and encoding with the objects, each in a loop. It posts
// 'busy' once all of them run; the parent terminates it at a random moment after that.
import { parentPort, workerData } from 'node:worker_threads';

import { Decoder, Demuxer, Encoder, Frame, probe, remux, thumbnails, transcode } from '../../src/index.js';

const { file } = workerData as { file: string };
const port = parentPort!;
let started = 0;
const loop = async (work: () => Promise<unknown>) => {
  if (++started === 6) port.postMessage('busy');
  for (;;) await work();
};

void loop(async () => {
  let bytes = 0;
  await transcode(file, (chunk) => void (bytes += chunk.length), {
    format: 'matroska',
    video: { codec: 'mpeg4' },
    audio: { codec: 'aac' },
    onFrames: async (frames) => {
      for (const f of frames) f.toBuffer();
    },
  });
});
void loop(() => remux(file, () => undefined, { format: 'mpegts' }));
void loop(() => thumbnails(file, { count: 3, width: 64 }));
void loop(() => probe(file));
void loop(async () => {
  await using d = await Demuxer.open(file, { batchSize: 4 });
  const s = d.bestStream('video')!;
  await using dec = await Decoder.open(s);
  for await (const f of dec.frames(d.packets({ streams: [s] }))) {
    f.toBuffer();
    f.close();
  }
});
void loop(async () => {
  await using enc = await Encoder.open({ codec: 'mpeg4', width: 160, height: 120, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } });
  for (let i = 0; i < 25; i++) {
    const f = Frame.alloc({ width: 160, height: 120, pixelFormat: 'yuv420p' });
    (f.planes[0] as Uint8Array).fill(i * 8);
    f.pts = i;
    for (const p of await enc.encode(f)) p.close();
    f.close();
  }
  for (const p of await enc.flush()) p.close();
});
