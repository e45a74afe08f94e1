// One core path looped in a child process started with --expose-gc. After a warm-up of A
// iterations, RSS is sampled at checkpoints up to iteration B; each sample is the median of
// several readings taken after full GCs and malloc_trim, and the result is printed as one JSON
// line: RSS at A and at B, the growth between them, the growth per iteration in bytes (the
// Theil-Sen slope over the checkpoints: robust to a one-off step), and the same for the C
// allocator's bytes in use.
// Usage: node --expose-gc build/test/leak/child.js PATH A B [CHECKPOINTS]
// AVFORGE_LEAK_ON_PURPOSE=BYTES makes every iteration keep BYTES of native memory (Buffers
// kept in an array): the proof that the suite fails on a real leak (see leak.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Readable, Writable } from 'node:stream';

import {
  Decoder,
  Demuxer,
  Encoder,
  FilterGraph,
  Frame,
  Muxer,
  Packet,
  Resampler,
  Scaler,
  remux as remuxJob,
  setLogLevel,
  thumbnails,
  transcode,
  type MuxerStream,
} from '../../src/index.js';
import { addon } from '../../src/native.js';
import { media } from '../media/generate.js';
import { chunked } from '../util.js';

setLogLevel('error');
const [name, aArg, bArg, cArg] = process.argv.slice(2) as [string, string, string, string | undefined];
const A = Number(aArg);
const B = Number(bArg);
const CHECKPOINTS = Number(cArg ?? 18);
const mp4 = media('tiny-h264-aac.mp4');
// 145 packets (50 video, 95 AAC): the paths that leave packets and frames to the GC read it
// twice an iteration, so the default 1,000 iterations drop about 290,000 packets.
const mp4Packets = media('h264-aac.mp4');
const ts = media('tiny-mpeg2.ts');
const tsBytes = fs.readFileSync(ts);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), `avforge-leak-${name}-`));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let outIndex = 0;
const outFile = (ext: string): string => path.join(dir, `out-${outIndex++ % 2}.${ext}`);

/** The .ts file as a Readable of 4 KiB chunks. */
const tsReadable = (): Readable => chunked(tsBytes, 4096);

/** A Writable that counts what it is given. */
function counter(): Writable & { bytes: number } {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      w.bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  w.bytes = 0;
  return w;
}

async function demuxAll(d: Demuxer): Promise<number> {
  let n = 0;
  for await (const p of d.packets()) {
    n++;
    p.close();
  }
  return n;
}

async function remux(toBuffer: boolean): Promise<void> {
  await using d = await Demuxer.open(mp4);
  await using m = toBuffer ? await Muxer.toBuffer({ format: 'matroska' }) : await Muxer.open(outFile('mkv'));
  const map = new Map<number, MuxerStream>();
  for (const s of d.streams) map.set(s.index, m.addStream(s));
  await m.writeHeader();
  for await (const p of d.packets()) {
    p.streamIndex = map.get(p.streamIndex)!.index;
    await m.write(p);
    p.close();
  }
  const r = await m.writeTrailer();
  if (toBuffer ? !(r.buffer && r.buffer.length > 0) : r.bytes <= 0) throw new Error('empty output');
}

/**
 * Packets and frames dropped without close(), for the GC to free: each read batch, the
 * packets that outlive it (given their own AVPacket when the demuxer moves on) and the
 * frames of audio decode calls. `look` touches what a consumer would (fields, payload).
 */
async function dropped(what: 'packets' | 'remux' | 'frames'): Promise<void> {
  await using d = await Demuxer.open(mp4Packets);
  await using m = what === 'remux' ? await Muxer.toBuffer({ format: 'matroska' }) : undefined;
  if (m) {
    for (const s of d.streams) m.addStream(s);
    await m.writeHeader();
  }
  let n = 0;
  for (let pass = 0; pass < 2; pass++) {
    if (pass > 0) await d.seek(0);
    if (what === 'frames') {
      await using dec = await Decoder.open(d.bestStream('audio')!);
      for await (const f of dec.frames(d.packets())) n += f.nbSamples > 0 ? 1 : 0;
    } else
      for await (const p of d.packets()) {
        n += p.size > 0 ? 1 : 0;
        if (p.isKeyFrame) n += p.data.length > 0 ? 0 : 1;
        if (!m) continue;
        if (pass > 0) {
          // the second pass after the first: its timestamps moved past the input's end
          const tb = p.timeBase;
          const shift = Math.ceil(((d.duration ?? 0) + 1) * (tb.den / tb.num));
          if (p.pts !== null) p.pts += shift;
          if (p.dts !== null) p.dts += shift;
        }
        await m.write(p);
      }
  }
  if (m) await m.writeTrailer();
  if (n === 0) throw new Error('nothing read');
}

const paths: Record<string, () => Promise<void>> = {
  async decode() {
    await using d = await Demuxer.open(mp4);
    const decoders = new Map<number, Decoder>();
    for (const s of d.streams) decoders.set(s.index, await Decoder.open(s));
    for await (const p of d.packets()) {
      for (const f of await decoders.get(p.streamIndex)!.decode(p)) f.close();
      p.close();
    }
    for (const dec of decoders.values()) {
      for (const f of await dec.flush()) f.close();
      await dec.close();
    }
  },
  async 'decode-subtitles'() {
    // Every AVSubtitle is copied out and freed once: a leak of its rects grows here.
    await using dec = await Decoder.open(null, { codec: 'subrip', timeBase: { num: 1, den: 1000 } });
    const text = Buffer.from(`<i>${'subtitle text '.repeat(200)}</i>`);
    for (let i = 0; i < 50; i++) {
      using pkt = Packet.from(text, { pts: i * 1000, duration: 900 });
      const s = await dec.decodeSubtitle(pkt);
      if (s?.rects.length !== 1) throw new Error('no subtitle');
    }
    await dec.flushSubtitles();
  },
  async encode() {
    await using e = await Encoder.open({
      codec: 'libx264',
      width: 64,
      height: 48,
      pixelFormat: 'yuv420p',
      frameRate: { num: 25, den: 1 },
      options: { preset: 'ultrafast' },
    });
    using frame = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
    for (let i = 0; i < 5; i++) {
      frame.makeWritable();
      frame.planes[0]!.fill(i * 40);
      frame.pts = i;
      for (const p of await e.encode(frame)) p.close();
    }
    for (const p of await e.flush()) p.close();
  },
  'packets-unclosed': () => dropped('packets'),
  'remux-unclosed': () => dropped('remux'),
  'frames-unclosed': () => dropped('frames'),
  'remux-file': () => remux(false),
  'remux-buffer': () => remux(true),
  async filter() {
    await using g = await FilterGraph.open('scale=32:24,hflip', {
      inputs: [{ type: 'video', width: 64, height: 48, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } }],
    });
    for (let i = 0; i < 3; i++) {
      using f = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
      f.pts = i;
      for (const o of await g.filter(f)) o.close();
    }
    for (const o of await g.flush()) o.close();
  },
  async scale() {
    await using s = new Scaler({ width: 32, height: 24, pixelFormat: 'rgb24' });
    for (let i = 0; i < 3; i++) {
      using f = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
      for (const o of await s.scale(f)) o.close();
    }
  },
  async resample() {
    await using r = new Resampler({ sampleRate: 16000, sampleFormat: 's16', channelLayout: 'mono' });
    for (let i = 0; i < 3; i++) {
      using f = Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', channelLayout: 'stereo', nbSamples: 1024 });
      f.pts = i * 1024;
      for (const o of await r.resample(f)) o.close();
    }
    for (const o of await r.flush()) o.close();
  },
  async 'stream-readable'() {
    await using d = await Demuxer.open(tsReadable(), { format: 'mpegts' });
    if ((await demuxAll(d)) === 0) throw new Error('no packets');
  },
  async 'stream-buffer'() {
    await using d = await Demuxer.open(tsBytes);
    if ((await demuxAll(d)) === 0) throw new Error('no packets');
  },

  // The native pipelines (src/pipeline): the whole chain on native threads.
  async 'pipeline-transcode'() {
    const r = await transcode(mp4, outFile('mkv'), { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' } });
    if (r.bytes <= 0 || r.frames.length === 0) throw new Error('empty output');
  },
  async 'pipeline-transcode-filter'() {
    const r = await transcode(mp4, outFile('mkv'), { video: { filter: 'scale=160:-2', codec: 'libx264', preset: 'ultrafast' }, audio: false });
    if (r.bytes <= 0 || !(r.frames[0]! > 0)) throw new Error('no frames');
  },
  async 'pipeline-remux'() {
    const r = await remuxJob(mp4, outFile('mkv'));
    if (r.bytes <= 0) throw new Error('empty output');
  },
  async 'pipeline-remux-stream'() {
    const out = counter();
    const r = await remuxJob(tsReadable(), out, { input: { format: 'mpegts' }, format: 'matroska' });
    if (r.bytes <= 0 || out.bytes <= 0) throw new Error('empty output');
  },
  async 'pipeline-transcode-stream'() {
    const out = counter();
    const r = await transcode(tsReadable(), out, {
      input: { format: 'mpegts' },
      format: 'matroska',
      video: { codec: 'libx264', preset: 'ultrafast' },
      audio: 'copy',
    });
    if (r.bytes <= 0 || out.bytes <= 0) throw new Error('empty output');
  },
  async 'pipeline-thumbnails'() {
    const stills = await thumbnails(mp4, { count: 3, width: 32, format: 'jpeg' });
    if (stills.length !== 3 || stills.some((s) => s.data.length === 0)) throw new Error('missing thumbnails');
  },
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * RSS once garbage is gone: full GCs with turns of the event loop between them (finalizers of
 * native objects run there), the C allocator's free memory handed back (malloc_trim: otherwise
 * what freed memory stays resident depends on which thread freed it last), then the median of 5
 * readings. Also the C allocator's bytes in use (glibc's mallinfo2), the closest count of what
 * native code holds.
 */
async function settledRss(): Promise<{ rss: number; heap: number; native: number }> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await tick();
  }
  await sleep(5);
  const rss: number[] = [];
  const heap: number[] = [];
  const native: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc!();
    await tick();
    const n = addon().nativeHeap(true);
    const m = process.memoryUsage();
    rss.push(m.rss);
    heap.push(m.heapUsed + m.external);
    native.push(n?.inUse ?? 0);
  }
  return { rss: median(rss), heap: median(heap), native: median(native) };
}

/** Theil-Sen: the median of the slopes between every two points. */
function slope(points: [number, number][]): number {
  const s: number[] = [];
  for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) s.push((points[j]![1] - points[i]![1]) / (points[j]![0] - points[i]![0]));
  return s.length ? median(s) : 0;
}

const body = paths[name];
if (!body) throw new Error(`unknown path ${name}; one of ${Object.keys(paths).join(', ')}`);
const leakBytes = Number(process.env.AVFORGE_LEAK_ON_PURPOSE ?? 0);
const kept: Buffer[] = [];
const checkpoints = new Set(Array.from({ length: CHECKPOINTS + 1 }, (_, k) => Math.round(A + ((B - A) * k) / CHECKPOINTS)));
const rss: [number, number][] = [];
const heap: [number, number][] = [];
const native: [number, number][] = [];
const start = Date.now();
for (let i = 1; i <= B; i++) {
  await body();
  if (leakBytes > 0) kept.push(Buffer.alloc(leakBytes, i & 0xff));
  if (checkpoints.has(i)) {
    const m = await settledRss();
    rss.push([i, m.rss]);
    heap.push([i, m.heap]);
    native.push([i, m.native]);
  }
}
// RSS "at A" and "at B": the medians of the first and the last sixth of the checkpoints (at the
// defaults, iterations 100/150/200 and 900/950/1000), so one reading caught mid-step (a thread
// stack, an allocator arena) does not decide the result; a leak grows every reading alike.
const edge = Math.max(1, Math.floor(rss.length / 6));
const atEdges = (series: [number, number][]): [number, number] => [
  median(series.slice(0, edge).map(([, v]) => v)),
  median(series.slice(-edge).map(([, v]) => v)),
];
const [rssA, rssB] = atEdges(rss);
const [nativeA, nativeB] = atEdges(native);
console.log(
  JSON.stringify({
    path: name,
    a: A,
    b: B,
    rssA,
    rssB,
    growth: (rssB - rssA) / rssA,
    bytesPerIteration: Math.round(slope(rss)),
    heapBytesPerIteration: Math.round(slope(heap)),
    nativeA,
    nativeB,
    nativeBytesPerIteration: Math.round(slope(native)),
    series: rss.map(([i, v]) => [i, Math.round(v / 1024)]),
    ms: Date.now() - start,
  }),
);
