// avforge transcode contender (the object API): the best video stream of --file decoded
// (threads 0) and encoded with --codec (libx265) --preset (ultrafast), packets counted and
// dropped (no muxer: the C program does the same), at most --max-frames frames (0: all):
//   for await (const p of encoder.packets(limit(decoder.frames(demuxer.packets())))) p.close()
// --jobs N runs N such transcodes at once in this process (Promise.all) and reports the event
// loop's delay while they run. The addon is loaded before the clock and the loop monitor start
// (preload.ts), as the C program's libraries are loaded before its main().
import { Decoder, Demuxer, Encoder, setLogLevel, type Frame } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { loadAddon } from './preload.js';

const args = parseArgs();
const file = need(args, 'file');
const codec = args.get('codec') ?? 'libx265';
const preset = args.get('preset') ?? 'ultrafast';
const maxFrames = Number(args.get('max-frames') ?? 0);
const jobs = Number(args.get('jobs') ?? 1);
setLogLevel('error');
const addonLoadSeconds = loadAddon();

async function transcode(): Promise<{ frames: number; packets: number; bytes: number }> {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video');
  if (!stream) throw new Error(`${file}: no video stream`);
  const decoder = await Decoder.open(stream, { threads: 0 });
  const encoder = await Encoder.open({
    codec,
    width: stream.codec.width!,
    height: stream.codec.height!,
    pixelFormat: 'yuv420p',
    timeBase: stream.timeBase,
    frameRate: stream.avgFrameRate,
    threads: 0,
    options: codec === 'libx265' ? { preset, 'x265-params': 'log-level=error' } : { preset },
  });
  let frames = 0;
  let packets = 0;
  let bytes = 0;
  async function* limit(src: AsyncIterable<Frame>): AsyncGenerator<Frame> {
    for await (const f of src) {
      if (maxFrames > 0 && frames >= maxFrames) {
        f.close();
        break;
      }
      frames++;
      yield f;
    }
  }
  for await (const p of encoder.packets(limit(decoder.frames(demuxer.packets())))) {
    packets++;
    bytes += p.size;
    p.close();
  }
  await encoder.close();
  await decoder.close();
  await demuxer.close();
  return { frames, packets, bytes };
}

const loop = watchLoop();
const t1 = performance.now();
const results = await Promise.all(Array.from({ length: jobs }, () => transcode()));
const elapsed = seconds(t1);
const loopDelay = loop.stop();
const sum = (k: 'frames' | 'packets' | 'bytes'): number => results.reduce((a, r) => a + r[k], 0);
report({ frames: sum('frames'), packets: sum('packets'), bytes: sum('bytes'), jobs, seconds: elapsed, loop: loopDelay, addonLoadSeconds });
