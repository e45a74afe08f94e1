// Misuse cases: strings with a NUL (libav would read up to it and silently take the prefix),
// numbers that would size an allocation past what the machine has (threads, thumbnail counts),
// object-mode stream chunks, and frames asked of a subtitle decoder. Each is a TypeError (or
// an AvError saying what is not supported), never a truncated path, an OOM or an abort.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { Decoder, Demuxer, Encoder, FilterGraph, Muxer, remux, thumbnails, transcode } from '../../src/index.js';
import type { CaseFn } from './harness.js';
import { MP4, dir, assertAvError, encoderOptions } from './misuse-util.js';

export const cases: Record<string, CaseFn> = {};

const nul = (name: string) => (e: unknown) => {
  assert.ok(e instanceof TypeError, `a TypeError, not ${String(e)}`);
  assert.match(e.message, new RegExp(`^Expected a string without NUL characters for ${name.replace(/[.[\]]/g, '\\$&')} but received`));
  return true;
};
const bounded = (name: string, expected: RegExp) => (e: unknown) => {
  assert.ok(e instanceof TypeError, `a TypeError, not ${String(e)}`);
  assert.match(e.message, new RegExp(`^Expected ${expected.source} for ${name} but received`));
  return true;
};

cases['bounds: a path with a NUL is refused, never cut at it (Demuxer, Muxer, transcode, remux, thumbnails)'] = async () => {
  const cut = path.join(dir(), 'cut.mkv');
  await assert.rejects(Demuxer.open(`${MP4()}\0/etc/passwd`), nul('the path or URL'));
  await assert.rejects(Muxer.open(`${cut}\0.txt`), nul('the path or URL'));
  assert.throws(() => transcode(`${MP4()}\0x`, cut), nul('input'));
  assert.throws(() => transcode(MP4(), `${cut}\0.txt`), nul('output'));
  assert.throws(() => remux(MP4(), `${cut}\0.txt`), nul('output'));
  assert.throws(() => thumbnails(`${MP4()}\0x`), nul('input'));
  assert.throws(() => thumbnails(MP4(), { output: `${dir()}/t\0%d.jpg` }), nul('output'));
  assert.equal(fs.existsSync(cut), false, 'nothing written under the prefix');
};

cases['bounds: codec, format and filter names, option keys and values, metadata with a NUL are refused'] = async () => {
  await assert.rejects(Decoder.open(null, { codec: 'h264\0x' }), nul('codec'));
  await assert.rejects(Encoder.open({ ...encoderOptions, codec: 'mpeg4\0x' }), nul('codec'));
  await assert.rejects(Demuxer.open(MP4(), { format: 'mov\0x' }), nul('format'));
  await assert.rejects(Demuxer.open(MP4(), { options: { 'probesize\0x': 32 } }), nul('an option name'));
  await assert.rejects(Demuxer.open(MP4(), { options: { probesize: '5000000\0x' } }), nul('option probesize'));
  await assert.rejects(
    FilterGraph.open('null\0,hflip', { inputs: [{ type: 'video', width: 64, height: 48, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } }] }),
    nul('description'),
  );
  const out = path.join(dir(), 'nul.mkv');
  assert.throws(() => transcode(MP4(), out, { video: { codec: 'mpeg4\0x' } }), nul('video.codec'));
  assert.throws(() => transcode(MP4(), out, { video: { codec: 'mpeg4', filter: 'hflip\0,vflip' } }), nul('video.filter'));
  assert.throws(() => transcode(MP4(), out, { metadata: { title: 'a\0b' } }), nul('metadata.title'));
  assert.throws(() => transcode(MP4(), out, { metadata: { 'ti\0tle': 'ab' } }), nul('a key of metadata'));
  assert.throws(() => remux(MP4(), out, { format: 'matroska\0x' }), nul('format'));
  assert.throws(() => transcode(MP4(), out, { input: { options: { probesize: '1\0' } } }), nul('input.options.probesize'));
};

cases['bounds: thread counts past what the machine can run are refused (Decoder, Encoder, FilterGraph, transcode)'] = async () => {
  const d = await Demuxer.open(MP4());
  const range = /an integer from 0 to \d+/;
  await assert.rejects(Decoder.open(d.bestStream('video')!, { threads: 1e6 }), bounded('threads', range));
  await assert.rejects(Encoder.open({ ...encoderOptions, threads: 1e6 }), bounded('threads', range));
  await assert.rejects(
    FilterGraph.open('null', { threads: 100_000, inputs: [{ type: 'video', width: 64, height: 48, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } }] }),
    bounded('threads', range),
  );
  assert.throws(() => transcode(MP4(), 'o.mkv', { threads: 1e6 }), bounded('threads', range));
  assert.throws(() => transcode(MP4(), 'o.mkv', { video: { codec: 'mpeg4', threads: 5000 } }), bounded('video.threads', range));
  assert.throws(
    () => transcode(MP4(), 'o.mkv', { video: { codec: 'mpeg4', width: 1e6 } }),
    bounded('video.width', /an integer number of pixels from 1 to 32768/),
  );
  // a sane count still opens
  const ok = await Decoder.open(d.bestStream('video')!, { threads: 2 });
  await ok.close();
  await d.close();
};

cases['bounds: thumbnails past 10,000 images are refused: count, times, and every over the duration'] = async () => {
  assert.throws(() => thumbnails(MP4(), { count: 1e9 }), bounded('count', /an integer from 1 to 10000/));
  assert.throws(() => thumbnails(MP4(), { times: Array.from({ length: 10_001 }, (_, i) => i) }), /Expected an array of 1 to 10000 times/);
  // every: checked once the duration is known (2 s here)
  await assert.rejects(thumbnails(MP4(), { every: 1e-9 }), (e) => {
    assert.ok(e instanceof TypeError, String(e));
    assert.match(e.message, /^Expected an interval of at least 0\.000\d+ s \(at most 10000 images of this 2(\.\d+)? s input\) for every but received 1e-9/);
    return true;
  });
  const few = await thumbnails(MP4(), { every: 0.5, width: 32 });
  assert.equal(few.length, 4);
};

cases['bounds: a Readable of objects rejects the open with a TypeError (Demuxer, transcode)'] = async () => {
  const chunk = (e: unknown) => {
    assert.ok(e instanceof TypeError, `a TypeError, not ${String(e)}`);
    assert.match(e.message, /^Expected a Buffer, a Uint8Array or a string for chunk but received/);
    return true;
  };
  await assert.rejects(Demuxer.open(Readable.from([{ x: 1 }])), chunk);
  await assert.rejects(transcode(Readable.from([{ x: 1 }]), path.join(dir(), 'objects.mkv')), chunk);
  await assert.rejects(Demuxer.open(Readable.from([42], { objectMode: true })), chunk);
};

cases['bounds: frames on a subtitle Decoder, subtitles on a video one: EINVAL, never the assert in libavcodec'] = async () => {
  const srt = path.join(dir(), 'sub.srt');
  fs.writeFileSync(srt, '1\n00:00:00,000 --> 00:00:00,500\nHello\n\n2\n00:00:01,000 --> 00:00:01,500\nWorld\n');
  const d = await Demuxer.open(srt);
  const stream = d.streams[0]!;
  assert.equal(stream.type, 'subtitle');
  const frames = (op: string) => (e: unknown) => {
    assertAvError(e, 'EINVAL', { op });
    assert.match((e as Error).message, /subtitle decoder gives subtitles, not frames/);
    return true;
  };
  // The way that aborted the process (Assertion frame->buf[0] failed in libavcodec/decode.c).
  const sub = await Decoder.open(stream);
  assert.equal(sub.type, 'subtitle');
  await assert.rejects(async () => {
    for await (const f of sub.frames(d.packets())) f.close();
  }, frames('decode'));
  await assert.rejects(sub.decode([]), frames('decode'));
  await assert.rejects(sub.flush(), frames('decode'));
  await sub.close();
  const byName = await Decoder.open(null, { codec: 'subrip' });
  assert.equal(byName.type, 'subtitle');
  await assert.rejects(byName.flush(), frames('decode'));
  await byName.close();
  await d.close();

  const v = await Demuxer.open(MP4());
  const video = await Decoder.open(v.streams.find((s) => s.type === 'video')!);
  const pkt = await v.read();
  const subtitles = (e: unknown) => {
    assertAvError(e, 'EINVAL', { op: 'decodeSubtitle' });
    assert.match((e as Error).message, /take a subtitle decoder/);
    return true;
  };
  await assert.rejects(video.decodeSubtitle(pkt!), subtitles);
  await assert.rejects(video.flushSubtitles(), subtitles);
  await assert.rejects(async () => {
    for await (const s of video.subtitles([])) void s;
  }, subtitles);
  pkt!.close();
  await video.close();
  await v.close();
};
