// avforge thumbnails burst: --jobs small jobs one after another, each: Demuxer.open(--file),
// seek to ((i % 4) + 1) s, decode (threads 1) until one frame comes out, Scaler to 160x90
// yuvj420p, Encoder 'mjpeg', close everything (as bench/cref/thumbs.c). Counts thumbnails.
import { Decoder, Demuxer, Encoder, Scaler, setLogLevel, type Frame } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';

const args = parseArgs();
const file = need(args, 'file');
const jobs = Number(args.get('jobs') ?? 100);
setLogLevel('error');

async function thumb(i: number): Promise<number> {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video')!;
  const decoder = await Decoder.open(stream, { threads: 1 });
  await demuxer.seek((i % 4) + 1);
  let frame: Frame | undefined;
  while (!frame) {
    const p = await demuxer.read();
    if (!p) {
      frame = (await decoder.flush())[0];
      break;
    }
    if (p.streamIndex !== stream.index) {
      p.close();
      continue;
    }
    const out = await decoder.decode(p);
    p.close();
    frame = out[0];
    for (const f of out.slice(1)) f.close();
  }
  if (!frame) throw new Error('no frame');
  const scaler = new Scaler({ width: 160, height: 90, pixelFormat: 'yuvj420p' });
  const [small] = await scaler.scale(frame);
  frame.close();
  small!.pts = 0;
  const encoder = await Encoder.open({ codec: 'mjpeg', width: 160, height: 90, pixelFormat: 'yuvj420p', timeBase: { num: 1, den: 25 } });
  let bytes = 0;
  for (const p of [...(await encoder.encode(small!)), ...(await encoder.flush())]) {
    bytes += p.size;
    p.close();
  }
  small!.close();
  await encoder.close();
  await scaler.close();
  await decoder.close();
  await demuxer.close();
  return bytes;
}

let bytes = 0;
const loop = watchLoop();
const t1 = performance.now();
for (let i = 0; i < jobs; i++) bytes += await thumb(i);
const elapsed = seconds(t1);
const loopDelay = loop.stop();
report({ thumbs: jobs, bytes, seconds: elapsed, loop: loopDelay });
