// One core path looped in a child process started with --expose-gc: RSS is sampled after
// full GCs at iteration A and at iteration B, and printed as one JSON line.
// Usage: node --expose-gc build/test/leak/child.js PATH A B MEDIA_DIR
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { Decoder, Demuxer, Encoder, FilterGraph, Frame, Muxer, Resampler, Scaler, setLogLevel, type MuxerStream } from '../../src/index.js';

setLogLevel('error');
const [name, aArg, bArg, dir] = process.argv.slice(2) as [string, string, string, string];
const A = Number(aArg);
const B = Number(bArg);
const mp4 = path.join(dir, 'tiny.mp4');
const ts = path.join(dir, 'tiny.ts');
const tsBytes = fs.readFileSync(ts);
let outIndex = 0;

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
  const out = path.join(dir, `out-${process.pid}-${outIndex++ % 2}.mkv`);
  await using m = toBuffer ? await Muxer.toBuffer({ format: 'matroska' }) : await Muxer.open(out);
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
  async encode() {
    await using e = await Encoder.open({ codec: 'libx264', width: 64, height: 48, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 }, options: { preset: 'ultrafast' } });
    using frame = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
    for (let i = 0; i < 5; i++) {
      frame.makeWritable();
      frame.planes[0]!.fill(i * 40);
      frame.pts = i;
      for (const p of await e.encode(frame)) p.close();
    }
    for (const p of await e.flush()) p.close();
  },
  'remux-file': () => remux(false),
  'remux-buffer': () => remux(true),
  async filter() {
    await using g = await FilterGraph.open('scale=32:24,hflip', { inputs: [{ type: 'video', width: 64, height: 48, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } }] });
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
    const chunks = Array.from({ length: Math.ceil(tsBytes.length / 4096) }, (_, i) => tsBytes.subarray(i * 4096, (i + 1) * 4096));
    await using d = await Demuxer.open(Readable.from(chunks), { format: 'mpegts' });
    if ((await demuxAll(d)) === 0) throw new Error('no packets');
  },
  async 'stream-buffer'() {
    await using d = await Demuxer.open(tsBytes);
    if ((await demuxAll(d)) === 0) throw new Error('no packets');
  },
};

async function settledRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().rss;
}

const body = paths[name];
if (!body) throw new Error(`unknown path ${name}; one of ${Object.keys(paths).join(', ')}`);
let rssA = 0;
let heapA = 0;
const start = Date.now();
for (let i = 1; i <= B; i++) {
  await body();
  if (i === A) {
    rssA = await settledRss();
    const m = process.memoryUsage();
    heapA = m.heapUsed + m.external;
  }
}
const rssB = await settledRss();
const heap = process.memoryUsage();
console.log(JSON.stringify({ path: name, a: A, b: B, rssA, rssB, heapA, heapB: heap.heapUsed + heap.external, growth: (rssB - rssA) / rssA, ms: Date.now() - start }));
