// The pipelines' errors: missing inputs, unknown encoders and options, bad arguments, and what a
// failing stage says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

// an unknown option, past its compile-time check (a typed encoder's options reject it), for the runtime one
import { AvError, remux, thumbnails, transcode, type AvOptions } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { listDir } from './util.js';
import { probe, ofType, decodeCleanly, isAvError, INPUT, captureLogs } from './pipeline-util.js';

captureLogs();

// ---------------------------------------------------------------------------------------

describe('errors', () => {
  test('a missing input rejects with ENOENT and writes nothing', async () => {
    const dir = scratch('err-missing');
    const missing = path.join(dir, 'missing.mp4');
    const check = (e: unknown) => isAvError('ENOENT')(e) && (e as AvError).url === missing;
    await assert.rejects(transcode(missing, path.join(dir, 'a.mkv')), check);
    await assert.rejects(remux(missing, path.join(dir, 'b.mkv')), check);
    await assert.rejects(thumbnails(missing), check);
    assert.deepEqual(listDir(dir), []);
  });

  test('an unknown encoder rejects with ENCODER_NOT_FOUND', async () => {
    const dir = scratch('err-encoder');
    await assert.rejects(transcode(media(INPUT), path.join(dir, 'a.mkv'), { video: { codec: 'no-such-h264' } }), isAvError('ENCODER_NOT_FOUND'));
    await assert.rejects(transcode(media(INPUT), path.join(dir, 'b.mkv'), { audio: { codec: 'no-such-aac' } }), isAvError('ENCODER_NOT_FOUND'));
    assert.deepEqual(listDir(dir), []);
  });

  test('an unknown encoder option rejects with OPTION_NOT_FOUND', async () => {
    const dir = scratch('err-option');
    await assert.rejects(
      transcode(media(INPUT), path.join(dir, 'a.mkv'), { video: { codec: 'libx264', options: { 'no-such-option': 1 } as AvOptions } }),
      (e: unknown) => isAvError('OPTION_NOT_FOUND')(e) && /no-such-option/.test((e as Error).message),
    );
    assert.deepEqual(listDir(dir), []);
  });

  test('bad argument types throw TypeError synchronously', () => {
    const dir = scratch('err-types');
    const input = media(INPUT);
    const out = path.join(dir, 'x.mkv');
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const bad = (v: unknown) => v as never;
    const cases: [string, () => unknown][] = [
      ['no input', () => transcode(bad(undefined), out)],
      ['empty input', () => transcode('', out)],
      ['empty output', () => transcode(input, '')],
      ['options a string', () => transcode(input, out, bad('fast'))],
      ['video a number', () => transcode(input, out, { video: bad(5) })],
      ['audio a codec name', () => transcode(input, out, { audio: bad('aac') })],
      ['map a string', () => transcode(input, out, { map: bad('v') })],
      ['inputs a string', () => transcode(input, out, { inputs: bad('second.mp4') })],
      ['onFrames a number', () => transcode(input, out, { onFrames: bad(1) })],
      ['onProgress a number', () => transcode(input, out, { onProgress: bad(1) })],
      ['signal a plain object', () => transcode(input, out, { signal: bad({ aborted: false }) })],
      ['cancel unknown', () => transcode(input, out, { cancel: bad('soft') })],
      ['progressInterval negative', () => remux(input, out, { progressInterval: -1 })],
      ['remux options a number', () => remux(input, out, bad(3))],
      ['remux null input', () => remux(bad(null), out)],
      ['stream output without format', () => remux(input, sink)],
      ['thumbnails options a number', () => thumbnails(input, bad(5))],
      ['thumbnail times negative', () => thumbnails(input, { times: [-1] })],
      ['thumbnail count fractional', () => thumbnails(input, { count: 1.5 })],
      ['thumbnail output empty', () => thumbnails(input, { output: '' })],
    ];
    for (const [name, call] of cases) assert.throws(call, TypeError, name);
    assert.deepEqual(listDir(dir), []);
  });

  test('bad argument types throw TypeError synchronously: input source, start, duration, bitRate, remux streams, tapBatch', async () => {
    const dir = scratch('err-types-late');
    const input = media(INPUT);
    const bad = (v: unknown) => v as never;
    const short = { video: { codec: 'libx264', maxFrames: 2 }, audio: false } as const;
    const cases: [string, () => Promise<unknown>][] = [
      ['input a number', () => transcode(bad(5), path.join(dir, 'a.mkv'))],
      ['start a string', () => transcode(input, path.join(dir, 'b.mkv'), { ...short, start: bad('1') })],
      ['duration a string', () => transcode(input, path.join(dir, 'c.mkv'), { ...short, duration: bad('x') })],
      ['bitRate an object', () => transcode(input, path.join(dir, 'd.mkv'), { video: { bitRate: bad({}) } })],
      ['remux streams a string', () => remux(input, path.join(dir, 'e.mkv'), { streams: bad('v') })],
      ['tapBatch a string', () => transcode(input, path.join(dir, 'f.mkv'), { ...short, onFrames: () => {}, tapBatch: bad('x') })],
    ];
    const problems: string[] = [];
    const later: Promise<unknown>[] = [];
    for (const [name, call] of cases) {
      try {
        const job = call();
        later.push(
          job.then(
            () => problems.push(`${name}: no error at all`),
            (e: unknown) => problems.push(`${name}: no synchronous throw, a rejection: ${String(e)}`),
          ),
        );
      } catch (e) {
        if (!(e instanceof TypeError)) problems.push(`${name}: threw ${String(e)}`);
      }
    }
    await Promise.all(later);
    assert.deepEqual(problems, []);
  });

  // A TS of the test clip, cut short or with bytes smashed in its payload (not in TS headers).
  function damaged(dir: string, kind: 'truncated' | 'smashed'): string {
    const src = fs.readFileSync(media('h264-aac.ts'));
    let data: Buffer;
    if (kind === 'truncated') {
      data = src.subarray(0, Math.floor(src.length * 0.6) + 77);
    } else {
      data = Buffer.from(src);
      let seed = 12345;
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const at = Math.floor(data.length * 0.3) + (seed % Math.floor(data.length * 0.4));
        if (at % 188 < 4 || at % 188 > 188 - 16) continue; // keep the TS packet headers
        for (let k = 0; k < 16; k++) data[at + k]! ^= 0x5a;
      }
    }
    const file = path.join(dir, `${kind}.ts`);
    fs.writeFileSync(file, data);
    return file;
  }

  for (const kind of ['truncated', 'smashed'] as const) {
    test(`a ${kind} input is tolerated (damage counted); strict: true fails`, async () => {
      const dir = scratch('err-corrupt');
      const input = damaged(dir, kind);
      const options = { video: { codec: 'libx264', preset: 'ultrafast' }, audio: { codec: 'aac' } };
      const out = path.join(dir, 'tolerant.mkv');
      const r = await transcode(input, out, options);
      assert.ok(r.damaged > 0, `damaged ${r.damaged}`);
      assert.equal(r.stopped, false);
      await decodeCleanly(out);
      const v = ofType((await probe(out)).streams, 'video');
      assert.ok(v.count > 0, 'the good parts are in the output');
      assert.equal(r.frames[0], v.count);

      const strictOut = path.join(dir, 'strict.mkv');
      await assert.rejects(transcode(input, strictOut, { ...options, strict: true }), (e: unknown) => {
        assert.ok(e instanceof AvError, String(e));
        assert.equal(e.code, 'INVALIDDATA', e.message);
        return true;
      });
      assert.ok(!fs.existsSync(strictOut) && !fs.existsSync(`${strictOut}.partial`), 'a failed job leaves no output');
    });
  }

  test('pipeline errors say the stage and the media time', async () => {
    const dir = scratch('err-stage');
    const input = damaged(dir, 'smashed');
    await assert.rejects(transcode(input, path.join(dir, 'a.mkv'), { strict: true, video: { codec: 'libx264', preset: 'ultrafast' } }), (e: unknown) => {
      const err = e as AvError & { stage?: string; time?: number };
      assert.equal(err.stage, 'decode');
      assert.ok(typeof err.time === 'number' && err.time >= 0, `time ${err.time}`);
      return true;
    });
    await assert.rejects(
      transcode(media(INPUT), path.join(dir, 'b.mkv'), { video: { codec: 'libx264', options: { 'no-such-option': 1 } as AvOptions } }),
      (e: unknown) => {
        assert.equal((e as { stage?: string }).stage, 'encode');
        return true;
      },
    );
  });
});
