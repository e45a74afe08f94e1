// avforge remux contender: every stream of --in copied into --out (--format matroska | mp4,
// --movflags e.g. frag_keyframe+empty_moov for fragmented MP4), Demuxer -> Muxer, packets
// written in batches of --batch (64): `await muxer.write(batch)`. --passes times, a new output
// each pass (as bench/cref/remux.c). The timed loop includes opening, as the C program's does;
// the addon is loaded before it (preload.ts), as the C program's libraries are before main().
import { Demuxer, Muxer, setLogLevel, type Packet } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { loadAddon } from './preload.js';

const args = parseArgs();
const input = need(args, 'in');
const out = need(args, 'out');
const format = need(args, 'format');
const movflags = args.get('movflags');
const passes = Number(args.get('passes') ?? 1);
const batchSize = Number(args.get('batch') ?? 64);
setLogLevel('error');
const addonLoadSeconds = loadAddon();

let packets = 0;
let bytes = 0;
const loop = watchLoop();
const t1 = performance.now();
for (let pass = 0; pass < passes; pass++) {
  const demuxer = await Demuxer.open(input);
  const muxer = await Muxer.open(out, { format });
  for (const s of demuxer.streams) muxer.addStream(s);
  await muxer.writeHeader(movflags ? { options: { movflags } } : undefined);
  let batch: Packet[] = [];
  const flush = async (): Promise<void> => {
    await muxer.write(batch);
    for (const p of batch) p.close();
    batch = [];
  };
  for await (const p of demuxer.packets()) {
    packets++;
    bytes += p.size;
    batch.push(p);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  await muxer.writeTrailer();
  await muxer.close();
  await demuxer.close();
}
const elapsed = seconds(t1);
const loopDelay = loop.stop();
report({ packets, bytes, seconds: elapsed, passes, loop: loopDelay, addonLoadSeconds });
