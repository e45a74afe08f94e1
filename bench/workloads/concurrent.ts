// avforge concurrent small jobs: --jobs decodes of --file at once in this process
// (Promise.all), each `for await (const f of decoder.frames(demuxer.packets())) f.close()`
// with decoder threads 1 (bench/cref/multidecode.c runs the same jobs in one pthread each).
// The addon is loaded first (preload.ts): its dlopen blocks the event loop once, and is not part
// of the jobs' delay or time (the C program's libraries are loaded before its main()).
import { Decoder, Demuxer, setLogLevel } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { loadAddon } from './preload.js';

const args = parseArgs();
const file = need(args, 'file');
const jobs = Number(args.get('jobs') ?? 20);
setLogLevel('error');
const addonLoadSeconds = loadAddon();

async function decode(): Promise<number> {
  const demuxer = await Demuxer.open(file);
  const decoder = await Decoder.open(demuxer.bestStream('video')!, { threads: 1 });
  let frames = 0;
  for await (const f of decoder.frames(demuxer.packets())) {
    frames++;
    f.close();
  }
  await decoder.close();
  await demuxer.close();
  return frames;
}

const loop = watchLoop();
const t1 = performance.now();
const counts = await Promise.all(Array.from({ length: jobs }, () => decode()));
const elapsed = seconds(t1);
const loopDelay = loop.stop();
report({ frames: counts.reduce((a, b) => a + b, 0), jobs, seconds: elapsed, loop: loopDelay, addonLoadSeconds });
