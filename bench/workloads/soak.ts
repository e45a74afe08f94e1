// Memory soak: loops one small pipeline (decode --file, re-encode with libx264 ultrafast, drop
// the packets) for --seconds, sampling RSS and the JS heap every second. Growth is measured
// after a warm-up (a quarter of the run, at least 10 s): the median of the last 5 samples over
// the median of the first 5 after the warm-up, minus 1. Beside RSS, where it is: V8's committed
// heap (heapTotal) and the C allocator's bytes in use (glibc mallinfo2, every library's).
import { Decoder, Demuxer, Encoder, setLogLevel } from '../../src/index.js';
import { addon } from '../../src/native.js';
import { need, parseArgs, report, watchLoop } from './common.js';

const args = parseArgs();
const file = need(args, 'file');
const duration = Number(args.get('seconds') ?? 30);
setLogLevel('error');

interface SampleRow {
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  mallocInUseMiB: number | null;
  externalMiB: number;
  iterations: number;
}
const samples: SampleRow[] = [];
let iterations = 0;
let frames = 0;
const mib = (b: number): number => Math.round((b / 1048576) * 100) / 100;
const t0 = performance.now();
const sample = (): void => {
  const m = process.memoryUsage();
  const n = addon().nativeHeap(false);
  samples.push({
    t: Math.round(performance.now() - t0) / 1000,
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    mallocInUseMiB: n ? mib(n.inUse) : null,
    externalMiB: mib(m.external),
    iterations,
  });
};
const timer = setInterval(sample, 1000);
const loop = watchLoop();
sample();
while (performance.now() - t0 < duration * 1000) {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream('video')!;
  const decoder = await Decoder.open(stream, { threads: 1 });
  const encoder = await Encoder.open({
    codec: 'libx264',
    width: stream.codec.width!,
    height: stream.codec.height!,
    pixelFormat: 'yuv420p',
    timeBase: stream.timeBase,
    frameRate: stream.avgFrameRate,
    threads: 1,
    options: { preset: 'ultrafast' },
  });
  for await (const p of encoder.packets(decoder.frames(demuxer.packets()))) p.close();
  frames += stream.nbFrames;
  await encoder.close();
  await decoder.close();
  await demuxer.close();
  iterations++;
}
clearInterval(timer);
sample();
const loopDelay = loop.stop();
const elapsed = (performance.now() - t0) / 1000;
const warm = Math.max(10, duration / 4);
const after = samples.filter((s) => s.t >= warm);
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};
/** The median of the first 5 samples after the warm-up and of the last 5. */
const edges = (k: (s: SampleRow) => number | null): [number, number] => [
  med(after.slice(0, 5).map((s) => k(s) ?? NaN)),
  med(after.slice(-5).map((s) => k(s) ?? NaN)),
];
const [base, end] = edges((s) => s.rssMiB);
const [heapBase, heapEnd] = edges((s) => s.heapUsedMiB);
report({
  iterations,
  frames,
  seconds: elapsed,
  warmupSeconds: warm,
  rssBaseMiB: base,
  rssEndMiB: end,
  rssGrowth: after.length >= 10 ? end / base - 1 : null,
  heapBaseMiB: heapBase,
  heapEndMiB: heapEnd,
  heapGrowth: after.length >= 10 ? heapEnd / heapBase - 1 : null,
  heapTotalMiB: edges((s) => s.heapTotalMiB),
  mallocInUseMiB: edges((s) => s.mallocInUseMiB),
  samples,
  loop: loopDelay,
});
