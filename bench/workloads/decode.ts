// avforge decode contenders: the best video stream of --file, decoder threads = --threads.
//   --mode frames: the object API, `for await (const f of dec.frames(demuxer.packets())) f.close()`
//   --mode loop:   an explicit hot loop, demuxer.read() into batches of --batch packets,
//                  `await decoder.decode(batch)`, then decoder.flush()
// --type audio decodes the best audio stream instead. In frames mode, also reports the gaps
// between consecutive frames yielded by frames() (gaps: {p50Ms, p99Ms, maxMs, within16_7, hist}).
// Prints {frames, packets, seconds, openSeconds, loop: {p50Ms, p99Ms, maxMs}, ...}.
import { Decoder, Demuxer, setLogLevel, type Packet } from '../../src/index.js';
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
const decoder = await Decoder.open(stream, { threads });
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
  for await (const f of decoder.frames(counted)) {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    frames++;
    f.close();
  }
} else if (mode === 'loop') {
  let batch: Packet[] = [];
  const send = async (): Promise<void> => {
    const out = await decoder.decode(batch);
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
  const rest = await decoder.flush();
  frames += rest.length;
  for (const f of rest) f.close();
} else {
  throw new Error(`unknown --mode ${mode}`);
}
const elapsed = seconds(t1);
const loopDelay = loop.stop();
await decoder.close();
await demuxer.close();
report({ frames, packets, seconds: elapsed, openSeconds, mode, threads, type, loop: loopDelay, ...(gaps.length > 1 ? { gaps: gapStats(gaps.slice(1)) } : {}) });
