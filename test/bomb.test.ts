// Hostile inputs that are small but ask for a lot: decompression bombs (a tiny file claiming a
// huge picture), inputs that never end (maxBytes), and playlists that try to reach local files
// (protocol_whitelist, see SECURITY.md). Each must end with an AvError or a bounded result,
// never an OOM kill, a crash or a read of a file the input was not allowed to open.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

import { AvError, Decoder, Demuxer, setLogLevel } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { pngChunk, runIsolated } from './util.js';

setLogLevel('fatal');

// ---------------------------------------------------------------------------------------
// A PNG that claims any size: IHDR, one tiny IDAT (64 zero bytes deflated), IEND.

/** A PNG of a few dozen bytes whose header says width x height, 8-bit RGB. */
export function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

interface DecodeResult {
  frames: number;
  damaged: number;
  error?: AvError;
}
/**
 * Decodes `input` opened as trusted: an untrusted open refuses a bomb before any decoder (the
 * first test below), so the decoder's own limit, the second line, is tried from a trusted one.
 */
async function decodeAll(input: Buffer, options?: { strict?: boolean; max_pixels?: number }): Promise<DecodeResult> {
  await using demuxer = await Demuxer.open(input, { trusted: true });
  const stream = demuxer.streams[0]!;
  let decoder: Decoder | undefined;
  let frames = 0;
  try {
    decoder = await Decoder.open(stream, {
      strict: options?.strict,
      options: options?.max_pixels === undefined ? undefined : { max_pixels: options.max_pixels },
    });
    for await (const frame of decoder.frames(demuxer.packets())) {
      frames++;
      frame.close();
    }
    return { frames, damaged: decoder.damaged };
  } catch (e) {
    assert.ok(e instanceof AvError, `an AvError, not ${String(e)}`);
    assert.equal(typeof e.code, 'string');
    return { frames, damaged: decoder?.damaged ?? 0, error: e };
  } finally {
    await decoder?.close();
  }
}

describe('decompression bombs', () => {
  test('an untrusted open refuses a 100-byte PNG claiming 30000x30000 with INPUT_TOO_LARGE, naming the size', async () => {
    for (const input of [bombPng(30000, 30000), bombPng(16000, 16000)])
      await assert.rejects(Demuxer.open(input), (e: unknown) => {
        assert.ok(e instanceof AvError, String(e));
        assert.equal(e.code, 'INPUT_TOO_LARGE');
        assert.match(e.message, /picture size (30000x30000|16000x16000) is over the decoding limit of 67108864 pixels/);
        return true;
      });
    // a picture within the limit opens (the same PNG, 200x200)
    await (await Demuxer.open(bombPng(200, 200))).close();
  });

  test('a 100-byte PNG claiming 30000x30000 is refused, never allocated', async () => {
    const png = bombPng(30000, 30000);
    assert.ok(png.length < 200);
    const strict = await decodeAll(png, { strict: true });
    assert.ok(strict.error, 'strict decoding throws');
    assert.equal(strict.error.code, 'INVALIDDATA');
    assert.equal(strict.frames, 0);
    // Tolerant decoding skips the packet as damaged, as the CLI does.
    const tolerant = await decodeAll(png);
    assert.equal(tolerant.error, undefined);
    assert.equal(tolerant.frames, 0);
    assert.equal(tolerant.damaged, 1);
  });

  test('the same in a child process: no OOM kill, no signal, RSS stays small', async () => {
    const r = await runIsolated(`
      lib.setLogLevel('fatal');
      const png = Buffer.from(${JSON.stringify(bombPng(30000, 30000).toString('base64'))}, 'base64');
      const d = await Demuxer.open(png, { trusted: true });
      const dec = await Decoder.open(d.streams[0], { strict: true });
      let code = 'none';
      try { for await (const f of dec.frames(d.packets())) f.close(); } catch (e) { code = e.code; }
      await dec.close(); await d.close();
      console.log(JSON.stringify({ code, rss: process.memoryUsage().rss }));
    `);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: string; rss: number };
    assert.equal(out.code, 'INVALIDDATA');
    assert.ok(out.rss < 512 * 2 ** 20, `RSS ${out.rss >> 20} MB`);
  });

  test('options.max_pixels lowers the limit: a 200x200 picture is refused under 10000 pixels', async () => {
    const png = bombPng(200, 200);
    // Within the default limit the (damaged) picture is decoded or skipped, never refused at open.
    const normal = await decodeAll(png);
    assert.equal(normal.error, undefined);
    const limited = await decodeAll(png, { max_pixels: 10000 });
    assert.ok(limited.error, 'refused');
    assert.equal(limited.error.code, 'EINVAL');
    assert.equal(limited.error.op, 'avcodec_open2');
    // A limit above the picture lets it through again.
    const raised = await decodeAll(png, { max_pixels: 200 * 200 });
    assert.equal(raised.error, undefined);
  });

  test('max_pixels: 4096*4096 refuses a 100-byte PNG claiming 16000x16000', async () => {
    // strict: probing no longer decodes the bomb (its size stays unknown), so the decoder meets
    // it at its first packet, which a tolerant decoder would skip as damaged
    const limited = await decodeAll(bombPng(16000, 16000), { max_pixels: 4096 * 4096, strict: true });
    assert.ok(limited.error);
    assert.equal(limited.error.code, 'EINVAL');
  });

  // FFmpeg's own av_image_check_size lets a picture just under 2^28 pixels through
  // (16000x16000 RGB24: a 768 MB frame from a 100-byte file); avforge's default max_pixels
  // (2^26) refuses it, at open or at decode.
  test('by default a 100-byte PNG claiming 16000x16000 makes RSS grow by less than 256 MB', async () => {
    const r = await runIsolated(`
      lib.setLogLevel('fatal');
      const png = Buffer.from(${JSON.stringify(bombPng(16000, 16000).toString('base64'))}, 'base64');
      const before = process.memoryUsage().rss;
      const d = await Demuxer.open(png, { trusted: true });
      let peak = 0;
      try {
        const dec = await Decoder.open(d.streams[0]);
        try { for await (const f of dec.frames(d.packets())) f.close(); } catch {}
        await dec.close();
      } catch (e) {
        if (!(e instanceof lib.AvError)) throw e;
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      await d.close();
      console.log(JSON.stringify({ grew: peak - before }));
    `);
    assert.equal(r.signal, null, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { grew: number };
    assert.ok(out.grew < 256 * 2 ** 20, `RSS grew by ${out.grew >> 20} MB`);
  });
});

describe('inputs that never end: maxBytes', () => {
  const ts = () => fs.readFileSync(media('mpeg2.ts'));

  test('a Readable past maxBytes ends with EFBIG (strict)', async () => {
    const data = ts();
    assert.ok(data.length > 100_000);
    const chunks = Array.from({ length: Math.ceil(data.length / 16384) }, (_, i) => data.subarray(i * 16384, (i + 1) * 16384));
    await using input = await Demuxer.open(Readable.from(chunks), { maxBytes: 50_000, strict: true });
    await assert.rejects(
      async () => {
        for await (const p of input.packets()) p.close();
      },
      (e: unknown) => e instanceof AvError && e.code === 'EFBIG',
    );
  });

  test('an endless Readable is cut at maxBytes with EFBIG (a limit is an error, strict or not)', async () => {
    const data = ts();
    let served = 0;
    const endless = new Readable({
      read() {
        served += data.length;
        this.push(data);
      },
    });
    await using input = await Demuxer.open(endless, { maxBytes: 1 << 20, format: 'mpegts' });
    let packets = 0;
    await assert.rejects(
      async () => {
        for await (const p of input.packets()) {
          packets++;
          p.close();
        }
      },
      (e: unknown) => e instanceof AvError && e.code === 'EFBIG',
    );
    assert.ok(packets > 0);
    endless.destroy();
    // What was pulled from the source is bounded by maxBytes plus the read-ahead (highWater).
    assert.ok(served < 8 << 20, `served ${served} bytes`);
  });

  test('a Buffer past maxBytes ends with EFBIG (strict)', async () => {
    await using input = await Demuxer.open(ts(), { maxBytes: 50_000, strict: true });
    await assert.rejects(
      async () => {
        for await (const p of input.packets()) p.close();
      },
      (e: unknown) => e instanceof AvError && e.code === 'EFBIG',
    );
  });
});

describe('what an input may open (protocol_whitelist)', () => {
  const playlist = (segment: string) => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n${segment}\n#EXT-X-ENDLIST\n`;
  const dir = scratch('bomb');
  const segment = path.join(dir, 'segment.ts');
  fs.copyFileSync(media('mpeg2.ts'), segment);

  async function packetsOf(input: Parameters<typeof Demuxer.open>[0], options?: Parameters<typeof Demuxer.open>[1]): Promise<number | AvError> {
    try {
      await using d = await Demuxer.open(input, options);
      let n = 0;
      for await (const p of d.packets()) {
        n++;
        p.close();
      }
      return n;
    } catch (e) {
      assert.ok(e instanceof AvError, `an AvError, not ${String(e)}`);
      return e;
    }
  }

  test('an uploaded HLS playlist naming file:///etc/passwd reads nothing (trusted or not)', async () => {
    for (const trusted of [false, true])
      for (const target of ['file:///etc/passwd', `file://${segment}`, segment]) {
        const r = await packetsOf(Buffer.from(playlist(target)), { format: 'hls', trusted });
        assert.ok(r instanceof AvError, `${target}: ${String(r)}`);
      }
  });

  test('an uploaded concat script cannot open a local file even with safe=0', async () => {
    const script = Buffer.from(`ffconcat version 1.0\nfile file:${segment}\n`);
    for (const trusted of [false, true]) {
      const refused = await packetsOf(script, { format: 'concat', options: { safe: 0 }, trusted });
      assert.ok(refused instanceof AvError, String(refused));
    }
    // Trusted, the whitelist, not the script, is what refuses it: allowing 'file' reads the segment.
    const allowed = await packetsOf(Buffer.from(script), { format: 'concat', options: { safe: 0, protocol_whitelist: 'file' }, trusted: true });
    assert.equal(typeof allowed, 'number');
    assert.ok((allowed as number) > 0);
  });

  test('a Readable concat script cannot open a local file', async () => {
    const script = Buffer.from(`ffconcat version 1.0\nfile file:${segment}\n`);
    const r = await packetsOf(Readable.from([script]), { format: 'concat', options: { safe: 0 } });
    assert.ok(r instanceof AvError, String(r));
  });

  describe('a network playlist (http on 127.0.0.1)', () => {
    const requests: string[] = [];
    const data = fs.readFileSync(segment);
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/local.m3u8') res.end(playlist(`file://${segment}`));
      else if (req.url === '/passwd.m3u8') res.end(playlist('file:///etc/passwd'));
      else if (req.url === '/ok.m3u8') res.end(playlist('segment.ts'));
      else if (req.url === '/segment.ts') res.end(data);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    const listening = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    after(() => server.close());

    test('that names a file: segment cannot open it', async () => {
      const port = await listening;
      for (const trusted of [false, true])
        for (const name of ['local.m3u8', 'passwd.m3u8']) {
          const r = await packetsOf(`http://127.0.0.1:${port}/${name}`, { trusted });
          assert.ok(r instanceof AvError, `${name}: ${String(r)}`);
        }
    });

    test('that names an http segment plays (the control)', async () => {
      const port = await listening;
      // a playlist is for trusted inputs only (untrusted, it is INPUT_REFUSED)
      const r = await packetsOf(`http://127.0.0.1:${port}/ok.m3u8`, { trusted: true });
      assert.equal(typeof r, 'number', String(r));
      assert.ok((r as number) > 0);
      assert.ok(requests.includes('/segment.ts'));
      const refused = await packetsOf(`http://127.0.0.1:${port}/ok.m3u8`);
      assert.ok(refused instanceof AvError && refused.code === 'INPUT_REFUSED' && refused.message.includes("'hls'"), String(refused));
    });
  });
});
