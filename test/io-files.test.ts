// Streaming I/O, files: every kind of input reads the same packets as a path; every kind of
// output writes a file that ffprobe and ffmpeg read in full.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { AvError, Demuxer, Muxer } from '../src/index.js';
import { media, scratch, type MediaName } from './media/generate.js';
import { settleLogs, hashesOf, inputKinds, type ProbedStream, probeStreams, assertPlayable, remuxInto, FRAGMENTED, captureLogs } from './io-util.js';

const logs = captureLogs();

// ---------------------------------------------------------------------------------------
// Inputs

describe('every input kind reads the same packets as a path', () => {
  const files: MediaName[] = ['h264-aac-faststart.mp4', 'mpeg2.ts', 'h264-aac.mkv', 'h264-aac.mp4'];
  const references = new Map<string, Promise<string[]>>();
  const reference = (name: MediaName) => {
    if (!references.has(name)) references.set(name, hashesOf(media(name)));
    return references.get(name)!;
  };

  for (const name of files) {
    const moovAtEnd = name === 'h264-aac.mp4';
    for (const kind of inputKinds) {
      if (moovAtEnd && !kind.seekable) continue;
      test(`${name} from ${kind.name}`, async () => {
        const file = media(name);
        const want = await reference(name);
        assert.ok(want.length >= 2 && want.every((l) => !l.includes(': 0 packets')), `reference: ${want.join('; ')}`);
        const { input, done } = await kind.make(file);
        try {
          assert.deepEqual(await hashesOf(input), want);
        } finally {
          await done?.();
        }
      });
    }
  }

  for (const kind of inputKinds.filter((k) => !k.seekable)) {
    test(`h264-aac.mp4 (index at the end) from ${kind.name}: an error that says the input is not seekable`, async () => {
      const { input, done } = await kind.make(media('h264-aac.mp4'));
      logs.length = 0;
      let packets = 0;
      let error: unknown;
      try {
        const d = await Demuxer.open(input);
        try {
          for await (const p of d.packets()) {
            packets++;
            p.close();
          }
        } finally {
          await d.close();
        }
      } catch (e) {
        error = e;
      } finally {
        await done?.();
      }
      await settleLogs();
      if (error !== undefined) {
        assert.ok(error instanceof AvError, `not an AvError: ${String(error)}`);
        assert.match(error.message, /not seekable/);
      } else {
        // The other acceptable outcome: nothing read, and a warning saying so.
        assert.equal(packets, 0, 'packets read from an MP4 whose index it cannot reach');
        assert.ok(
          logs.some((l) => (l.level === 'warning' || l.level === 'error') && /seekable/i.test(l.message)),
          `no error and no warning about seeking: ${JSON.stringify(logs)}`,
        );
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
// Outputs

describe('every output kind writes a file ffprobe and ffmpeg read in full', () => {
  const source = () => media('h264-aac.mkv');
  let expected: ProbedStream[];
  let dir: string;
  before(async () => {
    expected = await probeStreams(source());
    assert.equal(expected.length, 2);
    dir = scratch('io-out');
  });

  for (const [format, ext, options] of [
    ['mp4', 'mp4', FRAGMENTED],
    ['mpegts', 'ts', undefined],
    ['matroska', 'mkv', undefined],
  ] as const) {
    test(`Writable (fs.createWriteStream): ${format}${options ? ' fragmented' : ''}`, async () => {
      const out = path.join(dir, `writable.${ext}`);
      const w = fs.createWriteStream(out);
      const { bytes } = await remuxInto(source(), await Muxer.open(w, { format }), options);
      assert.ok(w.writableFinished, 'the Writable was not ended after the trailer');
      assert.equal(fs.statSync(out).size, bytes);
      await assertPlayable(out, expected);
    });
  }

  test('Writable with end: false is left open, with every byte written', async () => {
    const out = path.join(dir, 'writable-open.mkv');
    const w = fs.createWriteStream(out);
    const { bytes } = await remuxInto(source(), await Muxer.open(w, { format: 'matroska', end: false }));
    assert.equal(w.writableEnded, false);
    assert.equal(w.bytesWritten + w.writableLength, bytes);
    w.end();
    await once(w, 'close');
    await assertPlayable(out, expected);
  });

  test('WritableStream: fragmented mp4', async () => {
    const chunks: Buffer[] = [];
    let closed = false;
    const ws = new WritableStream<Uint8Array>({
      async write(chunk) {
        chunks.push(Buffer.from(chunk));
        if (chunks.length % 4 === 0) await sleep(1);
      },
      close() {
        closed = true;
      },
    });
    const { bytes } = await remuxInto(source(), await Muxer.open(ws, { format: 'mp4' }), FRAGMENTED);
    assert.ok(closed, 'the WritableStream was not closed after the trailer');
    const out = path.join(dir, 'webstream.mp4');
    fs.writeFileSync(out, Buffer.concat(chunks));
    assert.equal(fs.statSync(out).size, bytes);
    await assertPlayable(out, expected);
  });

  test('chunk callback: mpegts, the callback holding the muxer back', async () => {
    const chunks: Buffer[] = [];
    const { bytes } = await remuxInto(
      source(),
      await Muxer.open(
        async (chunk) => {
          chunks.push(Buffer.from(chunk));
          if (chunks.length % 3 === 0) await sleep(2);
        },
        { format: 'mpegts' },
      ),
    );
    const out = path.join(dir, 'callback.ts');
    fs.writeFileSync(out, Buffer.concat(chunks));
    assert.equal(fs.statSync(out).size, bytes);
    assert.ok(chunks.length > 1);
    await assertPlayable(out, expected);
  });

  test('Muxer.toBuffer: plain mp4 (moov written at the end, seeking in memory)', async () => {
    const { bytes, buffer } = await remuxInto(source(), await Muxer.toBuffer({ format: 'mp4' }));
    assert.ok(buffer instanceof Buffer);
    assert.equal(buffer.length, bytes);
    const out = path.join(dir, 'memory.mp4');
    fs.writeFileSync(out, buffer);
    await assertPlayable(out, expected);
  });

  test('a stream input to a stream output: Readable (faststart mp4) to Writable (matroska)', async () => {
    const out = path.join(dir, 'stream-to-stream.mkv');
    await remuxInto(fs.createReadStream(media('h264-aac-faststart.mp4')), await Muxer.open(fs.createWriteStream(out), { format: 'matroska' }));
    await assertPlayable(out, await probeStreams(media('h264-aac-faststart.mp4')));
  });

  test("plain 'mp4' into a Writable rejects at writeHeader, pointing at frag_keyframe", async () => {
    const w = new Writable({
      write(_chunk: Buffer, _enc, cb) {
        cb();
      },
    });
    const d = await Demuxer.open(source());
    const m = await Muxer.open(w, { format: 'mp4' });
    try {
      for (const s of d.streams) m.addStream(s);
      await assert.rejects(m.writeHeader(), (e: unknown) => {
        assert.ok(e instanceof AvError, `not an AvError: ${String(e)}`);
        assert.match(e.message, /frag_keyframe/);
        return true;
      });
    } finally {
      await m.close();
      await d.close();
    }
  });
});
