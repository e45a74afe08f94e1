// avforge decode contenders: the best video stream of --file, decoder threads = --threads.
//   --mode frames: the object API, `for await (const f of dec.frames(demuxer.packets())) f.close()`
//   --mode loop:   an explicit hot loop, demuxer.read() into batches of --batch packets,
//                  `await decoder.decode(batch)`, then decoder.flush()
//   --mode webcodecs: the same packets (demuxer.packets()) through avforge/webcodecs, as a browser
//                  app feeds it: an EncodedVideoChunk per packet (with the stream's avcC as description),
//                  VideoDecoder.decode(), waiting for 'dequeue' while decodeQueueSize > 16,
//                  each VideoFrame closed in the output callback (video only; the decoder's
//                  threads are FFmpeg's choice, as --threads 0)
// --type audio decodes the best audio stream instead. In frames mode, also reports the gaps
// between consecutive frames yielded by frames() (gaps: {p50Ms, p99Ms, maxMs, within16_7, hist}).
// Prints {frames, packets, seconds, openSeconds, loop: {p50Ms, p99Ms, maxMs}, ...}.
import { Decoder, Demuxer, setLogLevel, type Packet, type Stream } from '../../src/index.js';
import { EncodedVideoChunk, VideoDecoder } from '../../src/webcodecs/index.js';
import { codecPrivate } from '../../src/webcodecs/extradata.js';
import { gapStats, need, parseArgs, report, seconds, watchLoop } from './common.js';

const args = parseArgs();
const file = need(args, 'file');
const mode = args.get('mode') ?? 'frames';
const threads = Number(args.get('threads') ?? 0);
const batchSize = Number(args.get('batch') ?? 8);
setLogLevel('error');

const t0 = performance.now();
const demuxer = await Demuxer.open(file);
const type = args.get('type') === 'audio' ? 'audio' : 'video';
const stream = demuxer.bestStream(type);
if (!stream) throw new Error(`${file}: no ${type} stream`);
// The WebCodecs contender configures its VideoDecoder here (libav's decoder opens at the first chunk).
const webcodecs = mode === 'webcodecs' ? await configureWebCodecs(stream) : undefined;
const decoder = webcodecs ? undefined : await Decoder.open(stream, { threads });
const openSeconds = seconds(t0);

let frames = 0;
let packets = 0;
const gaps: number[] = [];
const loop = watchLoop();
const t1 = performance.now();
if (mode === 'frames') {
  const counted = (async function* () {
    for await (const p of demuxer.packets()) {
      if (p.streamIndex === stream.index) packets++;
      yield p;
    }
  })();
  let last = performance.now();
  for await (const f of decoder!.frames(counted)) {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    frames++;
    f.close();
  }
} else if (mode === 'loop') {
  let batch: Packet[] = [];
  const send = async (): Promise<void> => {
    const out = await decoder!.decode(batch);
    for (const p of batch) p.close();
    for (const f of out) f.close();
    frames += out.length;
    batch = [];
  };
  for (let p = await demuxer.read(); p; p = await demuxer.read()) {
    if (p.streamIndex !== stream.index) {
      p.close();
      continue;
    }
    packets++;
    batch.push(p);
    if (batch.length >= batchSize) await send();
  }
  if (batch.length > 0) await send();
  const rest = await decoder!.flush();
  frames += rest.length;
  for (const f of rest) f.close();
} else if (webcodecs) {
  // The packets as frames() gets them (the demuxer's read batches), so that the two differ in the decoder only.
  for await (const p of demuxer.packets()) {
    if (p.streamIndex === stream.index) {
      packets++;
      webcodecs.decode(p);
    }
    p.close();
    if (webcodecs.full()) await webcodecs.room();
  }
  frames = await webcodecs.flush();
} else {
  throw new Error(`unknown --mode ${mode}`);
}
const elapsed = seconds(t1);
const loopDelay = loop.stop();
await decoder?.close();
await demuxer.close();
report({ frames, packets, seconds: elapsed, openSeconds, mode, threads, type, loop: loopDelay, ...(gaps.length > 1 ? { gaps: gapStats(gaps.slice(1)) } : {}) });

async function configureWebCodecs(stream: Stream) {
  const description = await codecPrivate(stream);
  if (!description || stream.codec.codecName !== 'h264') throw new Error('--mode webcodecs decodes H.264 with an avcC description');
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  const { num, den } = stream.timeBase;
  const us = (t: number): number => Math.round((t * 1e6 * num) / den);
  let out = 0;
  let failure: unknown;
  const decoder = new VideoDecoder({
    output: (f) => {
      out++;
      f.close();
    },
    error: (e) => (failure = e),
  });
  decoder.configure({
    codec: `avc1.${hex(description[1]!)}${hex(description[2]!)}${hex(description[3]!)}`,
    description,
    codedWidth: stream.codec.width,
    codedHeight: stream.codec.height,
  });
  return {
    decode(p: Packet): void {
      decoder.decode(new EncodedVideoChunk({ type: p.isKeyFrame ? 'key' : 'delta', timestamp: us(p.pts ?? 0), duration: us(p.duration), data: p.data }));
    },
    full: (): boolean => decoder.decodeQueueSize > 16 || failure !== undefined,
    /** Backpressure as an app applies it: wait for 'dequeue' while more than 16 chunks wait. */
    async room(): Promise<void> {
      while (decoder.decodeQueueSize > 16) await new Promise((resolve) => decoder.addEventListener('dequeue', resolve, { once: true }));
      if (failure) throw failure;
    },
    async flush(): Promise<number> {
      await decoder.flush();
      decoder.close();
      return out;
    },
  };
}
