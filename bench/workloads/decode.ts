// avforge decode contenders: the best video stream of --file, decoder threads = --threads.
//   --mode frames: the object API, `for await (const f of dec.frames(demuxer.packets())) f.close()`
//   --mode loop:   an explicit hot loop, demuxer.read() into batches of --batch packets,
//                  `await decoder.decode(batch)`, then decoder.flush()
// Prints {frames, packets, seconds, openSeconds, loop: {p50Ms, p99Ms, maxMs}, ...}.
import { Decoder, Demuxer, setLogLevel, type Packet } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';

const args = parseArgs();
const file = need(args, 'file');
const mode = args.get('mode') ?? 'frames';
const threads = Number(args.get('threads') ?? 0);
const batchSize = Number(args.get('batch') ?? 8);
setLogLevel('error');

const t0 = performance.now();
const demuxer = await Demuxer.open(file);
const stream = demuxer.bestStream('video');
if (!stream) throw new Error(`${file}: no video stream`);
const decoder = await Decoder.open(stream, { threads });
const openSeconds = seconds(t0);

let frames = 0;
let packets = 0;
const loop = watchLoop();
const t1 = performance.now();
if (mode === 'frames') {
  const counted = (async function* () {
    for await (const p of demuxer.packets()) {
      if (p.streamIndex === stream.index) packets++;
      yield p;
    }
  })();
  for await (const f of decoder.frames(counted)) {
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
report({ frames, packets, seconds: elapsed, openSeconds, mode, threads, loop: loopDelay });
