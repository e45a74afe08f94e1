// avforge thumbnails burst: --jobs small jobs one after another, each: Demuxer.open(--file),
// seek to T = ((i % 4) + 1) s, decode (--threads, default 1) until one frame comes out, Scaler
// to 160x90 yuvj420p, Encoder 'mjpeg', close everything (as bench/cref/thumbs.c). Counts
// thumbnails. --accurate: decode on to the first frame at or after T (bench/cref/thumbs.c's
// accurate mode, what thumbnails({ times: [T] }) returns) instead of taking the first frame.
// The addon is loaded before the clock starts (preload.ts).
import { Decoder, Demuxer, Encoder, Scaler, setLogLevel, type Frame } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { loadAddon } from './preload.js';

const args = parseArgs();
const file = need(args, 'file');
const jobs = Number(args.get('jobs') ?? 100);
const threads = Number(args.get('threads') ?? 1);
const accurate = args.has('accurate');
setLogLevel('error');
const addonLoadSeconds = loadAddon();

async function thumb(i: number): Promise<number> {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video')!;
  const decoder = await Decoder.open(stream, { threads });
  const t = (i % 4) + 1;
  await demuxer.seek(t);
  // the first frame (accurate: the first at or after t) of those decoded; the others closed
  const pick = (out: Frame[]): Frame | undefined => {
    const at = (f: Frame): boolean => {
      const ts = f.bestEffortTimestamp;
      return ts === null || ts * f.timeBase.num >= t * f.timeBase.den; // as C: best_effort_timestamp >= t
    };
    const k = accurate ? out.findIndex(at) : 0;
    out.forEach((f, j) => j !== k && f.close());
    return out[k];
  };
  let frame: Frame | undefined;
  while (!frame) {
    const p = await demuxer.read();
    if (!p) {
      frame = pick(await decoder.flush());
      break;
    }
    if (p.streamIndex !== stream.index) {
      p.close();
      continue;
    }
    const out = await decoder.decode(p);
    p.close();
    frame = pick(out);
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
report({ thumbs: jobs, bytes, seconds: elapsed, loop: loopDelay, addonLoadSeconds });
