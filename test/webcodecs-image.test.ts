// avforge/webcodecs ImageDecoder: still and animated images made by the ffmpeg CLI (PNG, APNG,
// JPEG, WebP, GIF), from buffers and ReadableStreams; frame counts, timestamps, pixels, and the
// error paths (unknown types, frames past the end, closing, transfer lists).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ImageDecoder } from '../src/webcodecs/index.js';
import { domName } from './webcodecs-util.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-image-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An image by the ffmpeg CLI: `frames` frames of a 64x48 source at 10 fps. */
function image(name: string, source: string, frames: number, ...args: string[]): Buffer {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `${source}${source.includes('=') ? ':' : '='}size=64x48:rate=10`,
    '-frames:v',
    String(frames),
    ...args,
    file,
  ]);
  return fs.readFileSync(file);
}

async function decodeAll(decoder: ImageDecoder): Promise<{ timestamp: number; format: string | null }[]> {
  await decoder.completed;
  const out = [];
  for (let i = 0; i < decoder.tracks.selectedTrack!.frameCount; i++) {
    const { image: frame, complete } = await decoder.decode({ frameIndex: i });
    assert.equal(complete, true);
    out.push({ timestamp: frame.timestamp, format: frame.format });
    frame.close();
  }
  return out;
}

describe('ImageDecoder', () => {
  test('still PNG, JPEG, WebP and GIF: one frame of the image size; a red PNG reads back red', async () => {
    const stills: [string, string, Buffer][] = [
      ['image/png', 'RGBA', image('red.png', 'color=c=red', 1)],
      ['image/jpeg', 'I420', image('a.jpg', 'testsrc', 1, '-pix_fmt', 'yuvj420p')],
      ['image/webp', 'I420', image('a.webp', 'testsrc', 1)],
      ['image/gif', 'BGRA', image('a.gif', 'testsrc', 1)],
    ];
    for (const [type, format, data] of stills) {
      assert.equal(await ImageDecoder.isTypeSupported(type), true, type);
      const decoder = new ImageDecoder({ type, data });
      await decoder.tracks.ready;
      assert.equal(decoder.tracks.length, 1);
      const { image: frame } = await decoder.decode();
      assert.deepEqual([frame.format, frame.codedWidth, frame.codedHeight], [format, 64, 48], type);
      if (type === 'image/png') {
        const rgba = new Uint8Array(frame.allocationSize());
        await frame.copyTo(rgba);
        const [r, g, b, a] = rgba;
        assert.ok(r! > 245 && g! < 10 && b! < 10 && a === 255, `red: ${[r, g, b, a].join(',')}`);
      }
      frame.close();
      await decoder.completed;
      assert.equal(decoder.complete, true);
      assert.equal(decoder.tracks.selectedTrack!.animated, false);
      assert.equal(decoder.tracks.selectedTrack!.frameCount, 1);
      await assert.rejects(decoder.decode({ frameIndex: 1 }), RangeError);
      decoder.close();
    }
  });

  test('animated GIF and APNG: every frame, timed by the image, from a buffer or a ReadableStream', async () => {
    const gif = image('anim.gif', 'testsrc', 5);
    const apng = image('anim.apng', 'testsrc', 5, '-f', 'apng', '-plays', '0');
    for (const [type, data] of [
      ['image/gif', gif],
      ['image/png', apng],
    ] as const) {
      for (const source of ['buffer', 'stream'] as const) {
        const input =
          source === 'buffer'
            ? data
            : new ReadableStream<Uint8Array>({
                start(c) {
                  for (let i = 0; i < data.length; i += 500) c.enqueue(new Uint8Array(data.subarray(i, i + 500)));
                  c.close();
                },
              });
        const decoder = new ImageDecoder({ type, data: input });
        const frames = await decodeAll(decoder);
        const track = decoder.tracks.selectedTrack!;
        assert.equal(track.animated, true, `${type} ${source}`);
        assert.equal(track.frameCount, 5);
        assert.equal(track.repetitionCount, Number.POSITIVE_INFINITY);
        assert.deepEqual(
          frames.map((f) => f.timestamp),
          [0, 100_000, 200_000, 300_000, 400_000],
        );
        decoder.close();
      }
    }
  });

  test('desiredWidth and desiredHeight scale the frames', async () => {
    const decoder = new ImageDecoder({ type: 'image/png', data: image('big.png', 'testsrc', 1), desiredWidth: 32, desiredHeight: 24 });
    const { image: frame } = await decoder.decode();
    assert.deepEqual([frame.codedWidth, frame.codedHeight], [32, 24]);
    frame.close();
    decoder.close();
  });

  test('errors: unsupported types, undecodable data, animated WebP on FFmpeg without it, closing, transfer lists', async () => {
    assert.equal(await ImageDecoder.isTypeSupported('image/x-bogus'), false);
    const bogus = new ImageDecoder({ type: 'image/x-bogus', data: new Uint8Array([1, 2, 3]) });
    const asked = bogus.decode();
    await assert.rejects(bogus.completed, domName('NotSupportedError'));
    await assert.rejects(asked, domName('NotSupportedError'));
    await assert.rejects(bogus.decode(), domName('InvalidStateError'), 'closed by the failure');

    const garbage = new ImageDecoder({ type: 'image/png', data: new Uint8Array(64).fill(7) });
    await assert.rejects(garbage.decode(), domName('EncodingError'));

    const animatedWebp = image('anim.webp', 'testsrc', 3, '-c:v', 'libwebp_anim');
    const webp = new ImageDecoder({ type: 'image/webp', data: animatedWebp });
    const first = await webp.decode().then(
      (r) => r.image,
      (e: unknown) => e,
    );
    if (first instanceof DOMException) assert.equal(first.name, 'NotSupportedError');
    else (first as { close(): void }).close(); // an FFmpeg whose webp decoder animates
    webp.close();

    const png = image('c.png', 'testsrc', 1);
    const closing = new ImageDecoder({ type: 'image/png', data: png });
    closing.close();
    await assert.rejects(closing.decode(), domName('InvalidStateError'));

    const buffer = new Uint8Array(png).buffer;
    assert.throws(() => new ImageDecoder({ type: 'image/png', data: buffer, transfer: [buffer, buffer] }), domName('DataCloneError'));
    const taken = new ImageDecoder({ type: 'image/png', data: buffer, transfer: [buffer] });
    assert.equal(buffer.byteLength, 0, 'the transferred buffer is detached');
    (await taken.decode()).image.close();
    taken.close();
  });
});
