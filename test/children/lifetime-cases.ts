// The lifetime cases of test/lifetime.test.ts, each run alone in a child process by
// children/lifetime.js (with --expose-gc). By hand:
//   node --expose-gc build/test/children/lifetime.js '<case name>'
// The 'exit: ...' cases end the process with process.exit(EXIT_CODE) while work is in flight.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { AvError, Decoder, Demuxer, Encoder, Frame, hasCodec, Muxer, Packet, setLogger, type Stream } from '../../src/index.js';
import { media, type MediaName } from '../media/generate.js';
import type { CaseFn } from './harness.js';

export const EXIT_CODE = 7;

const workerScript = fileURLToPath(new URL('./decode-worker.js', import.meta.url));

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  assert.ok(g, 'run with --expose-gc');
  g();
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function fullGc(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await tick();
    await sleep(5);
  }
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** Every packet of one stream. */
async function packetsOf(file: string, type: 'video' | 'audio'): Promise<{ packets: Packet[]; stream: Stream; demuxer: Demuxer }> {
  const demuxer = await Demuxer.open(file);
  const stream = demuxer.bestStream(type);
  assert.ok(stream, `${file} has ${type}`);
  const packets: Packet[] = [];
  for await (const p of demuxer.packets({ streams: [stream] })) packets.push(p);
  return { packets, stream, demuxer };
}

/** The md5 of every frame of one stream, decoded with frames(). */
async function frameMd5s(file: string, type: 'video' | 'audio'): Promise<string[]> {
  const d = await Demuxer.open(file);
  const s = d.bestStream(type)!;
  const dec = await Decoder.open(s);
  const out: string[] = [];
  for await (const f of dec.frames(d.packets({ streams: [s] }))) {
    out.push(md5(f.toBuffer()));
    f.close();
  }
  await dec.close();
  await d.close();
  return out;
}

/** Settles every promise; each must be fulfilled with `ok(value)` or rejected with ERR_CLOSED. Returns the statuses in order. */
async function fulfilledOrClosed<T>(promises: Promise<T>[], ok: (v: T) => void): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((r, i) => {
    if (r.status === 'fulfilled') {
      ok(r.value);
      return 'fulfilled';
    }
    const e = r.reason as unknown;
    assert.ok(e instanceof AvError, `call ${i} rejected with ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not an AvError`);
    assert.equal(e.code, 'ERR_CLOSED', `call ${i}: ${e.message}`);
    return 'closed';
  });
}

/** Once one call ended with ERR_CLOSED, every later one must too (close() is not undone). */
function assertPrefix(statuses: string[]): void {
  const firstClosed = statuses.indexOf('closed');
  if (firstClosed >= 0)
    assert.ok(
      statuses.slice(firstClosed).every((s) => s === 'closed'),
      `a call succeeded after one was closed: ${statuses.join(',')}`,
    );
}

function checkFrames(frames: Frame[]): void {
  assert.ok(Array.isArray(frames));
  for (const f of frames) {
    assert.ok(f instanceof Frame);
    assert.equal(f.width, 320);
    assert.equal(f.toBuffer().length, (320 * 240 * 3) / 2);
    f.close();
  }
}

export const cases: Record<string, CaseFn> = {};

// ---------------------------------------------------------------------------------------
// close() while work is queued.

for (const delay of [0, 10, 60]) {
  cases[`close() with 20 decode() calls in flight (close after ${delay} ms)`] = async () => {
    const { packets, stream, demuxer } = await packetsOf(media('h264-aac.mp4'), 'video');
    const dec = await Decoder.open(stream);
    // Each call decodes the whole stream (50 frames): the 20 take far longer than queueing them.
    const calls: Promise<Frame[]>[] = [];
    for (let i = 0; i < 20; i++) calls.push(dec.decode(packets));
    if (delay > 0) await sleep(delay);
    const closing = dec.close();
    const statuses = await fulfilledOrClosed(calls, checkFrames);
    await closing;
    assertPrefix(statuses);
    if (delay === 0) assert.ok(statuses.includes('closed'), 'close() right after queueing 20 calls leaves some unstarted');
    assert.equal(dec.closed, true);
    await demuxer.close();
    return statuses.join(',');
  };
}

cases['close() with 20 encode() calls in flight'] = async () => {
  const enc = await Encoder.open({
    codec: 'libx264',
    width: 320,
    height: 240,
    pixelFormat: 'yuv420p',
    frameRate: { num: 25, den: 1 },
    options: { preset: 'ultrafast' },
  });
  const frames = Array.from({ length: 200 }, (_, i) => {
    const f = Frame.alloc({ width: 320, height: 240, pixelFormat: 'yuv420p' });
    f.planes[0]!.fill(i);
    f.planes[1]!.fill(128);
    f.planes[2]!.fill(128);
    f.pts = i;
    return f;
  });
  const calls: Promise<Packet[]>[] = [];
  for (let i = 0; i < 20; i++) calls.push(enc.encode(frames.slice(i * 10, i * 10 + 10)));
  for (const f of frames) f.close();
  const closing = enc.close();
  const statuses = await fulfilledOrClosed(calls, (packets) => {
    for (const p of packets) {
      assert.ok(p instanceof Packet && p.size > 0);
      p.close();
    }
  });
  await closing;
  assertPrefix(statuses);
  return statuses.join(',');
};

cases['close() with reads in flight'] = async () => {
  const d = await Demuxer.open(media('mpeg2.ts'), { batchSize: 2 });
  const reads: Promise<Packet | null>[] = [];
  for (let i = 0; i < 20; i++) reads.push(d.read());
  const closing = d.close();
  await fulfilledOrClosed(reads, (p) => {
    if (p !== null) {
      assert.ok(p instanceof Packet);
      assert.ok(p.size > 0);
      p.close();
    }
  });
  await closing;
};

cases['close() of the demuxer or decoder inside a frames() loop ends it with ERR_CLOSED; break, then close()'] = async () => {
  const file = media('h264-aac.mp4');
  for (const which of ['demuxer', 'decoder'] as const) {
    const d = await Demuxer.open(file, { batchSize: 4 });
    const v = d.bestStream('video')!;
    const dec = await Decoder.open(v);
    let n = 0;
    const error = await (async () => {
      for await (const f of dec.frames(d.packets({ streams: [v] }))) {
        f.close();
        if (++n === 10) void (which === 'demuxer' ? d.close() : dec.close());
      }
    })().catch((e: unknown) => e);
    assert.ok(error instanceof AvError, `closing the ${which} mid-loop: ${String(error)}`);
    assert.equal(error.code, 'ERR_CLOSED');
    assert.ok(n >= 10 && n < 50, `${n} frames before the loop ended`);
    await dec.close();
    await d.close();
  }
  const d = await Demuxer.open(file);
  const v = d.bestStream('video')!;
  const dec = await Decoder.open(v);
  let n = 0;
  for await (const f of dec.frames(d.packets({ streams: [v] }))) {
    f.close();
    if (++n === 5) break;
  }
  await dec.close();
  await d.close();
  assert.equal(n, 5);
};

// ---------------------------------------------------------------------------------------
// Views: zero-copy memory that must outlive whatever made it.

cases['plane and packet views keep their bytes after frame.close(), decoder.close(), demuxer.close() and GC'] = async () => {
  const d = await Demuxer.open(media('h264-aac.mp4'));
  const v = d.bestStream('video')!;
  const dec = await Decoder.open(v);
  let views: Uint8Array[] = [];
  const copies: Buffer[] = [];
  const packetViews: Uint8Array[] = [];
  const packetCopies: Buffer[] = [];
  let n = 0;
  for await (const p of d.packets({ streams: [v] })) {
    if (packetViews.length < 10) {
      packetViews.push(p.data);
      packetCopies.push(Buffer.from(p.data));
    }
    const frames = await dec.decode(p);
    for (const f of frames) {
      if (n++ < 10) {
        for (const plane of f.planes) {
          views.push(plane);
          copies.push(Buffer.from(plane));
        }
      }
      f.close();
    }
    p.close();
  }
  for (const f of await dec.flush()) f.close();
  assert.equal(views.length, 30, 'three planes of ten frames');
  await dec.close();
  await d.close();
  await fullGc();
  // Reuse the memory freed meanwhile, if any was freed under the views.
  const filler: Frame[] = [];
  for (let i = 0; i < 64; i++) {
    const f = Frame.alloc({ width: 320, height: 240, pixelFormat: 'yuv420p' });
    for (const p of f.planes) p.fill(0xa5);
    filler.push(f);
  }
  const junk: Buffer[] = [];
  for (let i = 0; i < 64; i++) junk.push(Buffer.alloc(160 * 1024, 0x5a));
  await fullGc();
  for (let i = 0; i < views.length; i++) assert.ok(Buffer.from(views[i]!).equals(copies[i]!), `plane view ${i} changed`);
  for (let i = 0; i < packetViews.length; i++) assert.ok(Buffer.from(packetViews[i]!).equals(packetCopies[i]!), `packet view ${i} changed`);
  for (const f of filler) f.close();
  views = [];
  await fullGc();
  return junk.length;
};

cases['a view taken from a clone outlives both frames'] = async () => {
  const f = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
  f.planes[0]!.fill(77);
  const c = f.clone();
  f.close();
  const view = c.planes[0]!;
  c.close();
  await fullGc();
  for (let i = 0; i < 64; i++) Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' }).planes[0]!.fill(1);
  await fullGc();
  assert.ok(view.every((b) => b === 77));
};

// ---------------------------------------------------------------------------------------
// Wrapped libraries with process-wide state. SVT-AV1 (libsvtav1) re-reads the CPU topology
// into a global on every open and frees it on every close, without a lock: one encoder
// opening while another closes on a different thread crashed the process.

cases['libsvtav1 encoders opened while others close, 24 rounds'] = async () => {
  if (!hasCodec('libsvtav1', 'encoder')) return 'skipped: no libsvtav1 encoder in this FFmpeg';
  const open = (): Promise<Encoder> =>
    Encoder.open({ codec: 'libsvtav1', width: 64, height: 64, pixelFormat: 'yuv420p', frameRate: { num: 30, den: 1 }, options: { preset: '12' } });
  let previous: Encoder[] = [];
  for (let round = 0; round < 24; round++) {
    const opening = Promise.all([open(), open()]);
    await Promise.all(previous.map((e) => e.close()));
    previous = await opening;
  }
  await Promise.all(previous.map((e) => e.close()));
};

// SVT-AV1 1.x never ends a stream that has no frame (the ffmpeg CLI hangs on one too): an
// encoder given nothing must still flush and close, here and with every other encoder.
cases['video encoders given no frames flush to nothing and close'] = async () => {
  const codecs = ['libsvtav1', 'libaom-av1', 'libvpx-vp9', 'libvpx', 'libx264', 'libx265', 'mpeg4'].filter((c) => hasCodec(c, 'encoder'));
  const open = (codec: string): Promise<Encoder> => Encoder.open({ codec, width: 64, height: 64, pixelFormat: 'yuv420p', frameRate: { num: 30, den: 1 } });
  for (const codec of codecs) {
    await (await open(codec)).close();
    const enc = await open(codec);
    assert.deepEqual(await enc.flush(), [], `${codec}: no frames in, no packets out`);
    assert.deepEqual(await enc.flush(), [], `${codec}: flushed again`);
    await enc.close();
  }
  return codecs.join(',');
};

// ---------------------------------------------------------------------------------------
// Objects nobody closes.

cases['200 demuxers, decoders, frames and packets never closed are collected, three times over'] = async () => {
  const mp3 = media('audio.mp3');
  const mp4 = media('h264-aac.mp4');
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200; i++) {
      const d = await Demuxer.open(i % 2 ? mp4 : mp3);
      const s = d.streams[0]!;
      const dec = await Decoder.open(s);
      const p = await d.read();
      assert.ok(p);
      if (p.streamIndex === s.index) {
        const frames = await dec.decode(p);
        frames[0]?.planes; // a view that outlives everything
      }
      Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' }).planes;
      Packet.from(new Uint8Array(256)).data;
      if (i % 10 === 0) {
        // Left in flight, then dropped.
        void d.read().then(
          (q) => q?.close(),
          () => {},
        );
        void dec.decode(p).catch(() => {});
      }
    }
    for (let i = 0; i < 10; i++) {
      const enc = await Encoder.open({ codec: 'mpeg4', width: 64, height: 48, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } });
      const f = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
      f.pts = 0;
      void enc.encode(f).catch(() => {});
      const m = await Muxer.toBuffer({ format: 'matroska' });
      m.addStream(enc);
      await m.writeHeader();
    }
    await fullGc();
  }
  // Still working afterwards.
  const md5s = await frameMd5s(mp4, 'video');
  assert.equal(md5s.length, 50);
};

// ---------------------------------------------------------------------------------------
// The logger.

/** Packets the AAC decoder refuses: each one a warning in tolerant mode. */
function garbagePackets(n: number): Packet[] {
  const out: Packet[] = [];
  let x = 7;
  for (let k = 0; k < n; k++) {
    const b = new Uint8Array(300);
    for (let i = 0; i < b.length; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    out.push(Packet.from(b, { pts: k * 1024, dts: k * 1024 }));
  }
  return out;
}

cases['a throwing logger while warnings are produced does not crash the process'] = async () => {
  let calls = 0;
  setLogger(() => {
    calls++;
    throw new Error('a logger that throws');
  });
  const d = await Demuxer.open(media('h264-aac.mp4'));
  const dec = await Decoder.open(d.bestStream('audio')!);
  for (const p of garbagePackets(40)) await dec.decode(p);
  assert.equal(dec.damaged, 40, 'each garbage packet is skipped as damaged');
  await sleep(50);
  assert.ok(calls >= 40, `the logger was called for the warnings (${calls} calls)`);
  // And everything still works, with the throwing logger in place.
  const good = await frameMd5s(media('h264-aac.mp4'), 'audio');
  assert.ok(good.length > 90);
  await dec.close();
  await d.close();
  setLogger(null);
};

cases['a logger that replaces itself (setLogger inside the logger) while warnings are produced'] = async () => {
  let calls = 0;
  const install = (): void =>
    setLogger(() => {
      calls++;
      if (calls % 3 === 0) setLogger(null);
      else install();
    });
  install();
  const d = await Demuxer.open(media('h264-aac.mp4'));
  const dec = await Decoder.open(d.bestStream('audio')!);
  for (const [k, p] of garbagePackets(40).entries()) {
    await dec.decode(p);
    if (k % 4 === 0) install();
  }
  await sleep(50);
  assert.ok(calls > 0);
  await dec.close();
  await d.close();
  setLogger(null);
};

// ---------------------------------------------------------------------------------------
// Parallel work on many objects.

cases['8 decoders on 8 demuxers at once give what each gives alone'] = async () => {
  const jobs: [MediaName, 'video' | 'audio'][] = [
    ['h264-aac.mp4', 'video'],
    ['h264-aac.mp4', 'audio'],
    ['hevc.mkv', 'video'],
    ['vp9-opus.webm', 'video'],
    ['vp9-opus.webm', 'audio'],
    ['mpeg2.ts', 'video'],
    ['mpeg2.ts', 'audio'],
    ['audio.mp3', 'audio'],
  ];
  const alone: string[][] = [];
  for (const [file, type] of jobs) alone.push(await frameMd5s(media(file), type));
  const together = await Promise.all(jobs.map(([file, type]) => frameMd5s(media(file), type)));
  for (let i = 0; i < jobs.length; i++) {
    assert.ok(alone[i]!.length > 0, `${jobs[i]!.join(' ')} decodes`);
    assert.deepEqual(together[i], alone[i], `${jobs[i]!.join(' ')}: the same frames in parallel`);
  }
  // And 8 at once on one file, twice over.
  const same = await Promise.all(Array.from({ length: 8 }, () => frameMd5s(media('h264-aac.mp4'), 'video')));
  for (const s of same) assert.deepEqual(s, alone[0]);
};

// ---------------------------------------------------------------------------------------
// Worker threads.

interface WorkerRun {
  messages: string[];
  exitCode: number;
}

/** Starts decode-worker.js, waits until `until(messages)` (and `delayMs` more), terminates it. */
async function terminateWorker(mode: string, until: (messages: string[]) => boolean, delayMs = 0): Promise<WorkerRun> {
  const w = new Worker(workerScript, { workerData: { mode, file: media('h264-aac.mp4') } });
  const messages: string[] = [];
  let failed: unknown;
  await new Promise<void>((resolve) => {
    w.on('message', (m: string) => {
      messages.push(m);
      if (until(messages)) resolve();
    });
    w.on('error', (e) => {
      failed = e;
      resolve();
    });
    w.on('exit', () => resolve());
  });
  assert.equal(failed, undefined, `the worker failed: ${String(failed)}`);
  if (delayMs > 0) await sleep(delayMs);
  const exitCode = await w.terminate();
  return { messages, exitCode };
}

for (const frames of [1, 12, 40]) {
  cases[`a Worker decoding in a loop, terminated after ${frames} frames; the main thread decodes on`] = async () => {
    const before = await frameMd5s(media('h264-aac.mp4'), 'video');
    for (let i = 0; i < 2; i++) {
      const run = await terminateWorker('loop', (m) => m.filter((x) => x === 'frame').length >= frames + i * 7);
      assert.equal(run.exitCode, 1, 'terminated, not ended');
      const after = await frameMd5s(media('h264-aac.mp4'), 'video');
      assert.deepEqual(after, before);
    }
  };
}

cases['Workers terminated while they load the addon; the main thread then loads and decodes'] = async () => {
  // The main thread has not used the library yet: the first worker is the first to load the
  // addon (dlopen of libav* and their dependencies, ~100 ms), and is terminated a few ms into
  // it. Later workers find the libraries loaded and race the terminate with Init only.
  for (const delayMs of [5, 1, 20, 0]) {
    const run = await terminateWorker('load', (m) => m.includes('loading'), delayMs);
    assert.ok(run.messages.includes('loading'));
  }
  const after = await frameMd5s(media('h264-aac.mp4'), 'video');
  assert.equal(after.length, 50);
};

cases['a Worker that set a logger is terminated; warnings after that do not crash'] = async () => {
  await frameMd5s(media('h264-aac.mp4'), 'audio');
  const run = await terminateWorker('logger', (m) => m.filter((x) => x === 'warned').length >= 3);
  assert.equal(run.exitCode, 1);
  // Warnings from the main thread, which has no logger of its own: they go to stderr.
  const d = await Demuxer.open(media('h264-aac.mp4'));
  const dec = await Decoder.open(d.bestStream('audio')!);
  for (const p of garbagePackets(10)) await dec.decode(p);
  assert.equal(dec.damaged, 10);
  // Then with one of its own.
  let calls = 0;
  setLogger(() => void calls++);
  for (const p of garbagePackets(10)) await dec.decode(p);
  await sleep(50);
  assert.ok(calls >= 10, `the main thread's logger got the warnings (${calls})`);
  setLogger(null);
  await dec.close();
  await d.close();
};

// ---------------------------------------------------------------------------------------
// process.exit() with work in flight: the process ends with the code given, no signal.

/** Decode, encode and read work, queued and not awaited. */
async function startWork(): Promise<void> {
  const { packets, stream } = await packetsOf(media('hevc.mkv'), 'video');
  const dec = await Decoder.open(stream);
  const enc = await Encoder.open({ codec: 'libx264', width: 320, height: 240, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } });
  const reader = await Demuxer.open(media('h264-aac.mp4'), { batchSize: 4 });
  const audio = await Demuxer.open(media('h264-aac.mp4'));
  const aac = await Decoder.open(audio.bestStream('audio')!);
  setLogger(() => {}); // warnings are being delivered too
  for (let i = 0; i < 6; i++) {
    void dec.decode(packets).catch(() => {});
    const frames = Array.from({ length: 5 }, (_, k) => {
      const f = Frame.alloc({ width: 320, height: 240, pixelFormat: 'yuv420p' });
      f.pts = i * 5 + k;
      return f;
    });
    void enc.encode(frames).catch(() => {});
    void reader.read().catch(() => {});
    void aac.decode(garbagePackets(4)).catch(() => {});
  }
}

cases['exit: process.exit() right after queueing work'] = async () => {
  await startWork();
  process.exit(EXIT_CODE);
};
cases['exit: process.exit() 20 ms into the work'] = async () => {
  await startWork();
  await sleep(20);
  process.exit(EXIT_CODE);
};
cases['exit: process.exit() from a decode() callback, with more queued'] = async () => {
  await startWork();
  const { packets, stream } = await packetsOf(media('h264-aac.mp4'), 'video');
  const dec = await Decoder.open(stream);
  void dec.decode(packets.slice(0, 5)).then(() => process.exit(EXIT_CODE));
  for (let i = 0; i < 5; i++) void dec.decode(packets).catch(() => {});
  await sleep(10_000);
  assert.fail('process.exit() did not end the process');
};
cases['exit: process.exit() in a logger callback'] = async () => {
  await startWork();
  setLogger(() => process.exit(EXIT_CODE));
  const d = await Demuxer.open(media('h264-aac.mp4'));
  const dec = await Decoder.open(d.bestStream('audio')!);
  for (const p of garbagePackets(20)) void dec.decode(p).catch(() => {});
  await sleep(10_000);
  assert.fail('process.exit() did not end the process');
};
