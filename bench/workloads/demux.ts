// avforge demux-only contenders: read every packet of --file, --passes times (seeking back to
// the start between passes, as bench/cref/demux.c does), closing each one.
//   --mode packets: `for await (const p of d.packets()) p.close()`
//   --mode read:    `for (let p = await d.read(); p; p = await d.read()) p.close()`
//   --mode reuse:   `for await (const p of d.packets({ reuse: true }))` (one Packet refilled)
//   --mode into:    `while (await d.readInto(pkt))` (one Packet, no allocation per packet)
// --batch sets Demuxer's batchSize (packets per native crossing; default 64).
import { Demuxer, Packet, setLogLevel } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';

const args = parseArgs();
const file = need(args, 'file');
const mode = args.get('mode') ?? 'packets';
const passes = Number(args.get('passes') ?? 1);
const batchSize = args.has('batch') ? Number(args.get('batch')) : undefined;
setLogLevel('error');

const t0 = performance.now();
const demuxer = await Demuxer.open(file, batchSize ? { batchSize } : undefined);
const openSeconds = seconds(t0);

let packets = 0;
let bytes = 0;
const loop = watchLoop();
const t1 = performance.now();
for (let pass = 0; pass < passes; pass++) {
  if (pass > 0) await demuxer.seek(0);
  if (mode === 'packets') {
    for await (const p of demuxer.packets()) {
      packets++;
      bytes += p.size;
      p.close();
    }
  } else if (mode === 'read') {
    for (let p = await demuxer.read(); p; p = await demuxer.read()) {
      packets++;
      bytes += p.size;
      p.close();
    }
  } else if (mode === 'reuse') {
    for await (const p of demuxer.packets({ reuse: true })) {
      packets++;
      bytes += p.size;
    }
  } else if (mode === 'into') {
    const p = new Packet();
    while (await demuxer.readInto(p)) {
      packets++;
      bytes += p.size;
    }
    p.close();
  } else {
    throw new Error(`unknown --mode ${mode}`);
  }
}
const elapsed = seconds(t1);
const loopDelay = loop.stop();
await demuxer.close();
report({ packets, bytes, seconds: elapsed, openSeconds, mode, batchSize: batchSize ?? 64, loop: loopDelay });
