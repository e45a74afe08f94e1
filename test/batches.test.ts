// Packets read by a Demuxer start out in their read batch (fields in a shared array, the
// AVPacket in the batch's slot), and frames from Decoder.frames() over a demuxer's audio in
// their decode batch; each gets an AVPacket or AVFrame of its own only when needed. These check
// that such a packet or frame behaves as one with its own, whatever happens to its batch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';

import { Decoder, Demuxer, type Frame, Muxer, Packet } from '../src/index.js';
import { media, scratch } from './media/generate.js';

const md5 = (b: Uint8Array): string => crypto.createHash('md5').update(b).digest('hex');

interface Seen {
  streamIndex: number;
  pts: number | null;
  dts: number | null;
  duration: number;
  flags: number;
  size: number;
  pos: number;
  hash: string;
}

function fieldsOf(p: Packet): Seen {
  return { streamIndex: p.streamIndex, pts: p.pts, dts: p.dts, duration: p.duration, flags: p.flags, size: p.size, pos: p.pos, hash: md5(p.data) };
}

/** Every packet of `file`, read with a batch of `batchSize`, as plain fields. */
async function readAll(file: string, batchSize: number): Promise<Seen[]> {
  const d = await Demuxer.open(file, { batchSize });
  try {
    const out: Seen[] = [];
    for await (const p of d.packets()) {
      out.push(fieldsOf(p));
      p.close();
    }
    return out;
  } finally {
    await d.close();
  }
}

describe('packets in read batches', () => {
  test('batched packets read the same fields and data as one-packet batches', async () => {
    const file = media('h264-aac.mp4');
    const one = await readAll(file, 1);
    assert.ok(one.length > 100);
    assert.deepEqual(await readAll(file, 64), one);
  });

  test('packets kept past their batch, a seek and close() stay whole', async () => {
    const file = media('h264-aac.mp4');
    const expected = await readAll(file, 1);
    const d = await Demuxer.open(file, { batchSize: 8 });
    const kept: Packet[] = [];
    for await (const p of d.packets()) kept.push(p);
    await d.seek(0);
    const first = await d.read();
    await d.close();
    assert.ok(first);
    assert.deepEqual(fieldsOf(first), expected[0]);
    first.close();
    assert.deepEqual(kept.map(fieldsOf), expected);
    for (const p of kept) p.close();
    assert.ok(kept.every((p) => p.closed));
  });

  test('a closed batched packet throws ERR_CLOSED; close() is idempotent; views outlive it', async () => {
    const d = await Demuxer.open(media('h264-aac.mp4'));
    try {
      const p = (await d.read())!;
      const view = p.data;
      const hash = md5(view);
      assert.equal(p.closed, false);
      p.close();
      p.close();
      assert.equal(p.closed, true);
      for (const touch of [() => p.pts, () => p.size, () => p.data, () => p.clone(), () => (p.pts = 1)])
        assert.throws(touch, (e: Error & { code?: string }) => e.code === 'ERR_CLOSED');
      assert.equal(md5(view), hash, 'the view taken before close() still reads the packet');
    } finally {
      await d.close();
    }
  });

  test('fields set on a batched packet reach its data, its clone and a native consumer', async () => {
    const file = media('h264-aac.mp4');
    const d = await Demuxer.open(file);
    const out = path.join(scratch('packet-batch'), 'fields.mkv');
    const m = await Muxer.open(out);
    try {
      const v = d.bestStream('video')!;
      const s = m.addStream(v);
      await m.writeHeader();
      const p = (await d.read())!;
      p.set({ pts: 12345, dts: 12000, duration: 7, flags: 0, timeBase: { num: 1, den: 1000 } });
      assert.deepEqual([p.pts, p.dts, p.duration, p.flags, p.isKeyFrame], [12345, 12000, 7, 0, false]);
      assert.deepEqual(p.timeBase, { num: 1, den: 1000 });
      const c = p.clone();
      assert.deepEqual([c.pts, c.dts, c.duration, c.flags], [12345, 12000, 7, 0]);
      assert.deepEqual(c.timeBase, { num: 1, den: 1000 });
      c.close();
      p.pts = null;
      assert.equal(p.pts, null);
      p.pts = 12345;
      await m.write(p, s);
      assert.equal(p.streamIndex, s.index);
      p.close();
      await m.writeTrailer();
    } finally {
      await m.close();
      await d.close();
    }
  });

  test('readInto and packets({ reuse }) refill one Packet; what it held is released', async () => {
    const file = media('h264-aac.mp4');
    const expected = await readAll(file, 1);
    const d = await Demuxer.open(file, { batchSize: 5 });
    try {
      const p = Packet.from(new Uint8Array([1, 2, 3]), { pts: 1 });
      const seen: Seen[] = [];
      while (await d.readInto(p)) seen.push(fieldsOf(p));
      assert.deepEqual(seen, expected);
      // the last one is still readable after the end of the input and a close of its batch
      await d.seek(0);
      assert.deepEqual(fieldsOf(p), expected.at(-1));
      p.close();
      const again: Seen[] = [];
      for await (const q of d.packets({ reuse: true })) again.push(fieldsOf(q));
      assert.deepEqual(again, expected);
    } finally {
      await d.close();
    }
  });

  test('packets() answers calls made before the last settled in order, and ends as a generator does', async () => {
    const file = media('h264-aac.mp4');
    const expected = await readAll(file, 1);
    const d = await Demuxer.open(file, { batchSize: 3 });
    try {
      const it = d.packets();
      // more calls at once than a batch holds: answered in order, across batch boundaries
      const first = await Promise.all(Array.from({ length: 10 }, () => it.next()));
      assert.deepEqual(
        first.map((r) => (r.done ? null : fieldsOf(r.value))),
        expected.slice(0, 10),
      );
      for (const r of first) if (!r.done) r.value.close();
      // return() while a call waits for a batch: that call is answered first, then it ends
      const [waiting, ended] = await Promise.all([it.next(), it.return()]);
      assert.equal(waiting.done, false);
      if (!waiting.done) {
        assert.deepEqual(fieldsOf(waiting.value), expected[10]);
        waiting.value.close();
      }
      assert.deepEqual(ended, { value: undefined, done: true });
      assert.deepEqual(await it.next(), { value: undefined, done: true });
      // throw() ends it too, rejecting with what was thrown
      const other = d.packets();
      await assert.rejects(other.throw(new Error('stop')), /stop/);
      assert.deepEqual(await other.next(), { value: undefined, done: true });
      // with reuse, the one Packet is closed when the iteration ends early
      let reused: Packet | undefined;
      for await (const q of d.packets({ reuse: true })) {
        reused = q;
        break;
      }
      assert.equal(reused?.closed, true);
    } finally {
      await d.close();
    }
  });

  test('decode() of batched packets decodes what one-packet batches decode', async () => {
    const file = media('h264-aac.mp4');
    const sums: string[][] = [];
    for (const batchSize of [1, 64]) {
      const d = await Demuxer.open(file, { batchSize });
      const dec = await Decoder.open(d.bestStream('video')!);
      const hashes: string[] = [];
      try {
        const batch: Packet[] = [];
        const run = async (): Promise<void> => {
          for (const f of await dec.decode(batch)) {
            hashes.push(`${f.pts}:${md5(f.toBuffer())}`);
            f.close();
          }
          for (const p of batch) p.close();
          batch.length = 0;
        };
        for await (const p of d.packets({ streams: [d.bestStream('video')!] })) {
          batch.push(p);
          if (batch.length === 7) await run();
        }
        await run();
        for (const f of await dec.flush()) {
          hashes.push(`${f.pts}:${md5(f.toBuffer())}`);
          f.close();
        }
      } finally {
        await dec.close();
        await d.close();
      }
      sums.push(hashes);
    }
    assert.ok(sums[0]!.length > 10);
    assert.deepEqual(sums[1], sums[0]);
  });
});

/** `pts:md5` of every frame of the audio of `file`, by decode() of one-packet batches. */
async function audioByDecode(file: string): Promise<string[]> {
  const d = await Demuxer.open(file, { batchSize: 1 });
  const a = d.bestStream('audio')!;
  const dec = await Decoder.open(a);
  const out: string[] = [];
  try {
    for await (const p of d.packets({ streams: [a] })) {
      for (const f of await dec.decode(p)) {
        out.push(`${f.pts}:${md5(f.toBuffer())}`);
        f.close();
      }
      p.close();
    }
    for (const f of await dec.flush()) {
      out.push(`${f.pts}:${md5(f.toBuffer())}`);
      f.close();
    }
  } finally {
    await dec.close();
    await d.close();
  }
  return out;
}

describe('frames in decode batches', () => {
  test('frames() of audio: frames kept past their batch, and after close(), read what decode() gives', async () => {
    const file = media('h264-aac.mp4');
    const expected = await audioByDecode(file);
    assert.ok(expected.length > 20);
    const d = await Demuxer.open(file, { batchSize: 8 });
    const dec = await Decoder.open(d.bestStream('audio')!);
    const kept: Frame[] = [];
    for await (const f of dec.frames(d.packets())) kept.push(f);
    await dec.close();
    await d.close();
    assert.deepEqual(
      kept.map((f) => `${f.pts}:${md5(f.toBuffer())}`),
      expected,
    );
    assert.ok(kept.every((f) => !f.closed && f.nbSamples > 0 && f.kind === 'audio'));
    for (const f of kept) f.close();
    assert.ok(kept.every((f) => f.closed));
  });

  test('frames() of audio: a frame closed unread throws ERR_CLOSED; stopping early keeps what was taken', async () => {
    const file = media('h264-aac.mp4');
    const expected = await audioByDecode(file);
    const d = await Demuxer.open(file);
    const dec = await Decoder.open(d.bestStream('audio')!);
    try {
      let n = 0;
      let held: Frame | undefined;
      for await (const f of dec.frames(d.packets())) {
        if (n === 0) {
          f.close();
          f.close();
          assert.equal(f.closed, true);
          for (const touch of [() => f.pts, () => f.planes, () => f.toBuffer(), () => f.clone()])
            assert.throws(touch, (e: Error & { code?: string }) => e.code === 'ERR_CLOSED');
        } else if (n === 3) {
          held = f;
          break;
        } else f.close();
        n++;
      }
      assert.ok(held);
      assert.equal(`${held.pts}:${md5(held.toBuffer())}`, expected[3]);
      held.close();
    } finally {
      await dec.close();
      await d.close();
    }
  });

  test('frames() over any packet source: frames kept past their batch read what decode() gives', async () => {
    const file = media('h264-aac.mp4');
    const expected = await audioByDecode(file);
    const d = await Demuxer.open(file, { batchSize: 8 });
    const audio = d.bestStream('audio')!;
    const dec = await Decoder.open(audio);
    // a source of the caller's own (not the demuxer's packets() itself): the general path
    const passed = (async function* () {
      for await (const p of d.packets()) yield p;
    })();
    const kept: Frame[] = [];
    for await (const f of dec.frames(passed)) kept.push(f);
    await dec.close();
    assert.deepEqual(
      kept.map((f) => `${f.pts}:${md5(f.toBuffer())}`),
      expected,
    );
    for (const f of kept) f.close();
    // video: one packet a call; every other frame kept, the rest closed unread
    await d.seek(0);
    const vdec = await Decoder.open(d.bestStream('video')!);
    const held: Frame[] = [];
    let n = 0;
    for await (const f of vdec.frames(d.packets({ streams: [d.bestStream('video')!] }))) {
      if (n++ % 2 === 0) held.push(f);
      else f.close();
    }
    await vdec.close();
    await d.close();
    assert.equal(held.length, Math.ceil(n / 2));
    assert.ok(n >= 40);
    assert.ok(held.every((f) => !f.closed && f.width > 0 && f.toBuffer().length > 0));
    for (const f of held) f.close();
  });
});
