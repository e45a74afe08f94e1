// Packet, Frame and Stream: their fields against ffprobe, their memory semantics (views
// that outlive close(), clones that share), and what the Demuxer reads (counts, seeking).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { Decoder, Demuxer, Frame, Packet, PacketFlags, type FrameLayout, type Stream } from '../src/index.js';
import { media, rotatedInput, scratch, type MediaName } from './media/generate.js';
import { ffmpeg, ffprobeJson, runIsolated, type ProbeStreamJson } from './util.js';

const files: MediaName[] = ['h264-aac.mp4', 'hevc.mkv', 'hevc10.mkv', 'vp9-opus.webm', 'mpeg2.ts', 'audio.mp3', 'image.png'];

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const rat = (r: { num: number; den: number }): string => `${r.num}/${r.den}`;
const seconds = (ts: number, tb: { num: number; den: number }): number => (ts * tb.num) / tb.den;

/** The first decoded video frame of a file, with the decoder and demuxer still open. */
async function firstVideoFrame(file: string): Promise<{ frame: Frame; rest: () => Promise<void>; close: () => Promise<void> }> {
  const d = await Demuxer.open(file);
  const v = d.bestStream('video')!;
  const dec = await Decoder.open(v);
  const it = dec.frames(d.packets({ streams: [v] }))[Symbol.asyncIterator]();
  const first = await it.next();
  assert.ok(!first.done, 'a first frame');
  return {
    frame: first.value,
    // Decodes (and frees) every other frame: the decoder's buffer pool reuses freed buffers.
    rest: async () => {
      for (let r = await it.next(); !r.done; r = await it.next()) r.value.close();
    },
    close: async () => {
      await it.return?.();
      await dec.close();
      await d.close();
    },
  };
}

describe('Frame', () => {
  test('plane views keep their bytes after close(), while the decoder reuses its buffers', async () => {
    const { frame, rest, close } = await firstVideoFrame(media('h264-aac.mp4'));
    try {
      const planes = frame.planes;
      assert.equal(planes.length, 3, 'yuv420p has three planes');
      const copies = planes.map((p) => Buffer.from(p));
      const packed = frame.toBuffer();
      const ls = frame.linesize;
      frame.close();
      await rest();
      gc();
      for (let i = 0; i < planes.length; i++) assert.ok(Buffer.from(planes[i]!).equals(copies[i]!), `plane ${i} unchanged`);
      // And they are the picture: rows of the views are the rows of the packed copy.
      const w = 320;
      const h = 240;
      assert.ok(Buffer.from(planes[0]!.subarray(0, w)).equals(packed.subarray(0, w)), 'first luma row');
      const last = (h - 1) * ls[0]!;
      assert.ok(Buffer.from(planes[0]!.subarray(last, last + w)).equals(packed.subarray((h - 1) * w, h * w)), 'last luma row');
      const uStart = w * h;
      assert.ok(Buffer.from(planes[1]!.subarray(0, w / 2)).equals(packed.subarray(uStart, uStart + w / 2)), 'first U row');
    } finally {
      await close();
    }
  });

  const videoLayouts: { width: number; height: number; pixelFormat: string; bytes: number; bpp: number }[] = [
    { width: 64, height: 48, pixelFormat: 'yuv420p', bytes: 64 * 48 * 1.5, bpp: 1 },
    { width: 33, height: 17, pixelFormat: 'yuv420p', bytes: 33 * 17 + 2 * 17 * 9, bpp: 1 },
    { width: 31, height: 7, pixelFormat: 'rgb24', bytes: 31 * 7 * 3, bpp: 3 },
    { width: 20, height: 10, pixelFormat: 'yuv420p10le', bytes: 20 * 10 * 2 * 1.5, bpp: 2 },
    { width: 16, height: 8, pixelFormat: 'nv12', bytes: 16 * 8 * 1.5, bpp: 1 },
  ];
  for (const l of videoLayouts) {
    test(`Frame.from + toBuffer round trip: ${l.pixelFormat} ${l.width}x${l.height}`, () => {
      const data = randomBytes(l.bytes);
      const f = Frame.from(data, { width: l.width, height: l.height, pixelFormat: l.pixelFormat, pts: 7, timeBase: { num: 1, den: 25 }, duration: 1 });
      try {
        assert.equal(f.kind, 'video');
        assert.equal(f.width, l.width);
        assert.equal(f.height, l.height);
        assert.equal(f.pixelFormat, l.pixelFormat);
        assert.equal(f.pts, 7);
        assert.deepEqual(f.timeBase, { num: 1, den: 25 });
        assert.equal(f.duration, 1);
        const out = f.toBuffer();
        assert.equal(out.length, l.bytes, 'packed size');
        assert.ok(out.equals(data), 'same bytes back');
        // The first plane's view holds the rows, linesize apart.
        const row = l.width * l.bpp;
        const ls = f.linesize[0]!;
        assert.ok(ls >= row, 'linesize covers a row');
        for (const r of [0, l.height - 1])
          assert.ok(Buffer.from(f.planes[0]!.subarray(r * ls, r * ls + row)).equals(data.subarray(r * row, (r + 1) * row)), `row ${r}`);
      } finally {
        f.close();
      }
    });
  }

  test('Frame.from + toBuffer round trip: audio, planar and packed', () => {
    const cases: { layout: FrameLayout & { sampleRate: number; nbSamples: number; sampleFormat: string }; bytes: number; planes: number }[] = [
      { layout: { sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 100, channelLayout: 'stereo' }, bytes: 100 * 4 * 2, planes: 2 },
      { layout: { sampleRate: 44100, sampleFormat: 's16', nbSamples: 33, channelLayout: 'mono' }, bytes: 33 * 2, planes: 1 },
      { layout: { sampleRate: 8000, sampleFormat: 's16', nbSamples: 10, channels: 2 }, bytes: 10 * 2 * 2, planes: 1 },
    ];
    for (const c of cases) {
      const data = randomBytes(c.bytes);
      const f = Frame.from(data, { ...c.layout, pts: 1000 });
      try {
        assert.equal(f.kind, 'audio');
        assert.equal(f.sampleRate, c.layout.sampleRate);
        assert.equal(f.nbSamples, c.layout.nbSamples);
        assert.equal(f.sampleFormat, c.layout.sampleFormat);
        assert.equal(f.pts, 1000);
        assert.equal(f.planes.length, c.planes);
        assert.ok(f.toBuffer().equals(data), `${JSON.stringify(c.layout)}: same bytes back`);
        // A planar frame's planes are its channels, one after the other in the packed bytes.
        const per = c.bytes / c.planes;
        f.planes.forEach((p, i) => assert.ok(Buffer.from(p.subarray(0, per)).equals(data.subarray(i * per, (i + 1) * per)), `plane ${i}`));
      } finally {
        f.close();
      }
    }
    const stereo = Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 16, channels: 2 });
    try {
      assert.equal(stereo.channels, 2);
      assert.equal(stereo.channelLayout, 'stereo', 'default layout of 2 channels');
    } finally {
      stereo.close();
    }
  });

  test('clone() shares the buffers; makeWritable() unshares them', () => {
    const data = randomBytes(32 * 16 * 1.5);
    const f = Frame.from(data, { width: 32, height: 16, pixelFormat: 'yuv420p', pts: 3 });
    const g = f.clone();
    try {
      assert.equal(g.pts, 3);
      assert.equal(g.width, 32);
      assert.ok(g.toBuffer().equals(data), 'the clone holds the same picture');
      // A write through one frame's view is seen through the other's: one buffer, two references.
      const flipped = f.planes[0]![5]! ^ 0xff;
      f.planes[0]![5] = flipped;
      assert.equal(g.planes[0]![5], flipped, 'clone sees the write');
      // After makeWritable, the clone has a copy of its own.
      g.makeWritable();
      assert.equal(g.planes[0]![5], flipped, 'the copy has the same bytes');
      g.planes[0]![5] = flipped ^ 0x0f;
      assert.equal(f.planes[0]![5], flipped, 'original unaffected by a write to the unshared clone');
      // Closing the original leaves the clone intact.
      const snapshot = g.toBuffer();
      f.close();
      gc();
      assert.ok(g.toBuffer().equals(snapshot), 'clone readable after the original is closed');
    } finally {
      f.close();
      g.close();
    }
  });

  test('set() changes timing fields', () => {
    const f = Frame.alloc({ width: 16, height: 16, pixelFormat: 'gray' });
    try {
      assert.equal(f.pixelFormat, 'gray');
      f.set({ pts: 90, timeBase: { num: 1, den: 90000 }, duration: 3600 });
      assert.equal(f.pts, 90);
      assert.deepEqual(f.timeBase, { num: 1, den: 90000 });
      assert.equal(f.duration, 3600);
      f.set({ pts: null });
      assert.equal(f.pts, null);
      f.pts = 5;
      assert.equal(f.pts, 5);
    } finally {
      f.close();
    }
  });
});

describe('Packet', () => {
  test('Packet.from copies the bytes and sets every field', () => {
    const bytes = randomBytes(100);
    const copy = Buffer.from(bytes);
    const p = Packet.from(bytes, { pts: 10, dts: 8, duration: 2, streamIndex: 1, flags: PacketFlags.KEY, timeBase: { num: 1, den: 90000 } });
    try {
      bytes.fill(0);
      assert.ok(Buffer.from(p.data).equals(copy), 'data is a copy of the source');
      assert.equal(p.size, 100);
      assert.equal(p.pts, 10);
      assert.equal(p.dts, 8);
      assert.equal(p.duration, 2);
      assert.equal(p.streamIndex, 1);
      assert.equal(p.flags, PacketFlags.KEY);
      assert.ok(p.isKeyFrame);
      assert.deepEqual(p.timeBase, { num: 1, den: 90000 });
      p.set({ pts: null, dts: null, flags: 0 });
      assert.equal(p.pts, null);
      assert.equal(p.dts, null);
      assert.ok(!p.isKeyFrame);
    } finally {
      p.close();
    }
  });

  test('rescale() converts pts, dts and duration', () => {
    const p = Packet.from(new Uint8Array([1, 2, 3]), { pts: 180000, dts: 90000, duration: 3600, timeBase: { num: 1, den: 90000 } });
    try {
      p.rescale({ num: 1, den: 1000 });
      assert.equal(p.pts, 2000);
      assert.equal(p.dts, 1000);
      assert.equal(p.duration, 40);
      assert.deepEqual(p.timeBase, { num: 1, den: 1000 });
    } finally {
      p.close();
    }
  });

  test('clone() shares data; data stays readable after close()', () => {
    const bytes = randomBytes(64);
    const p = Packet.from(bytes, { pts: 1, streamIndex: 0 });
    const q = p.clone();
    try {
      assert.ok(Buffer.from(q.data).equals(bytes));
      assert.equal(q.pts, 1);
      p.data[0] = bytes[0]! ^ 0xff;
      assert.equal(q.data[0], bytes[0]! ^ 0xff, 'one buffer, two references');
      const view = q.data;
      const snapshot = Buffer.from(view);
      p.close();
      q.close();
      gc();
      assert.ok(Buffer.from(view).equals(snapshot), 'view readable after both packets closed');
    } finally {
      p.close();
      q.close();
    }
  });

  test('demuxed packet data views outlive the packet and the demuxer', async () => {
    const d = await Demuxer.open(media('h264-aac.mp4'));
    const views: Uint8Array[] = [];
    const copies: Buffer[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const p = await d.read();
        assert.ok(p);
        views.push(p.data);
        copies.push(Buffer.from(p.data));
        p.close();
      }
      // Read on (buffers are freed and reallocated) and close.
      for (let p = await d.read(); p; p = await d.read()) p.close();
    } finally {
      await d.close();
    }
    gc();
    views.forEach((v, i) => assert.ok(Buffer.from(v).equals(copies[i]!), `packet ${i}`));
  });
});

/** Our stream's fields, in ffprobe's names and formats. */
function asProbe(s: Stream): Record<string, unknown> {
  const c = s.codec;
  const o: Record<string, unknown> = {
    index: s.index,
    codec_type: s.type,
    codec_name: c.codecName,
    time_base: rat(s.timeBase),
    r_frame_rate: rat(s.frameRate),
    avg_frame_rate: rat(s.avgFrameRate),
    start_pts: s.startTime ?? undefined,
    duration_ts: s.duration ?? undefined,
    default: s.disposition.default ? 1 : 0,
  };
  if (s.type === 'video') Object.assign(o, { width: c.width, height: c.height, pix_fmt: c.pixelFormat });
  if (s.type === 'audio')
    Object.assign(o, { sample_rate: String(c.sampleRate), channels: c.channels, channel_layout: c.channelLayout ?? undefined, sample_fmt: c.sampleFormat });
  return o;
}

/** ffprobe's stream, the same fields. */
function probeFields(s: ProbeStreamJson & { start_pts?: number; duration_ts?: number }): Record<string, unknown> {
  const o: Record<string, unknown> = {
    index: s.index,
    codec_type: s.codec_type,
    codec_name: s.codec_name,
    time_base: s.time_base,
    r_frame_rate: s.r_frame_rate,
    avg_frame_rate: s.avg_frame_rate,
    start_pts: s.start_pts,
    duration_ts: s.duration_ts,
    default: s.disposition?.default,
  };
  if (s.codec_type === 'video') Object.assign(o, { width: s.width, height: s.height, pix_fmt: s.pix_fmt });
  if (s.codec_type === 'audio')
    Object.assign(o, { sample_rate: s.sample_rate, channels: s.channels, channel_layout: s.channel_layout, sample_fmt: s.sample_fmt });
  return o;
}

describe('Stream', () => {
  for (const name of files) {
    test(`${name}: stream fields match ffprobe -show_streams`, async () => {
      const file = media(name);
      const probe = await ffprobeJson(['-show_streams', file]);
      const d = await Demuxer.open(file);
      try {
        const ref = (probe.streams ?? []).map((s) => probeFields(s));
        assert.ok(ref.length > 0);
        assert.deepEqual(d.streams.map(asProbe), ref);
        for (const [i, s] of d.streams.entries()) assert.deepEqual({ ...s.metadata }, probe.streams![i]!.tags ?? {}, `stream ${i} tags`);
      } finally {
        await d.close();
      }
    });
  }

  test('h264-aac.mp4: 25/1 video, 48 kHz stereo AAC', async () => {
    const d = await Demuxer.open(media('h264-aac.mp4'));
    try {
      const v = d.bestStream('video')!;
      const a = d.bestStream('audio')!;
      assert.equal(d.streams.length, 2);
      assert.deepEqual(v.frameRate, { num: 25, den: 1 });
      assert.equal(v.codec.codecName, 'h264');
      assert.equal(v.codec.width, 320);
      assert.equal(v.codec.height, 240);
      assert.equal(v.rotation, null, 'no display matrix');
      assert.equal(a.codec.codecName, 'aac');
      assert.equal(a.codec.sampleRate, 48000);
      assert.equal(a.codec.channels, 2);
      assert.ok(d.duration !== null && Math.abs(d.duration - 2) < 0.1, `duration ${d.duration}`);
    } finally {
      await d.close();
    }
  });

  test('rotation and tags: a display matrix and -metadata title=... (mp4)', async () => {
    const out = path.join(scratch('objects-rotate'), 'rotated.mp4');
    // The CLI writes a display matrix when copying (not when encoding).
    await ffmpeg([...rotatedInput(media('h264-aac.mp4'), 90), '-map', '0', '-c', 'copy', '-metadata', 'title=avforge title', '-metadata', 'comment=x=1', out]);
    const probe = await ffprobeJson(['-show_streams', '-show_format', out]);
    const sd = probe.streams?.[0]?.side_data_list?.find((x) => x.side_data_type === 'Display Matrix');
    assert.ok(sd, 'ffprobe sees a display matrix');
    const expected = Number(sd.rotation);
    assert.equal(Math.abs(expected), 90);
    const d = await Demuxer.open(out);
    try {
      const v = d.bestStream('video')!;
      assert.equal(v.rotation, expected, `rotation as ffprobe reports it (${expected})`);
      assert.ok(v.sideData.includes('Display Matrix'));
      assert.equal(d.bestStream('audio')!.rotation, null);
      assert.equal(d.format.metadata.title, 'avforge title');
      assert.equal(d.format.metadata.comment, 'x=1');
      assert.deepEqual({ ...d.format.metadata }, probe.format?.tags ?? {}, 'all format tags, as ffprobe');
    } finally {
      await d.close();
    }
  });
});

describe('Demuxer', () => {
  test('h264-aac.mp4: packets match ffprobe -show_packets (order, stream, timestamps, size, flags)', async () => {
    const file = media('h264-aac.mp4');
    const probe = await ffprobeJson(['-show_packets', file]);
    const ref = (probe.packets ?? []).map((p) => ({
      stream: Number(p.stream_index),
      pts: p.pts === undefined ? null : Number(p.pts),
      dts: p.dts === undefined ? null : Number(p.dts),
      duration: Number(p.duration ?? 0),
      size: Number(p.size),
      key: String(p.flags).includes('K'),
    }));
    const d = await Demuxer.open(file);
    const ours: typeof ref = [];
    try {
      for await (const p of d.packets()) {
        ours.push({ stream: p.streamIndex, pts: p.pts, dts: p.dts, duration: p.duration, size: p.size, key: p.isKeyFrame });
        assert.equal(p.data.length, p.size);
        assert.deepEqual(p.timeBase, d.streams[p.streamIndex]!.timeBase, 'packets carry their stream time base');
        p.close();
      }
    } finally {
      await d.close();
    }
    assert.ok(ref.length > 0);
    assert.deepEqual(ours, ref);
  });

  for (const name of files) {
    test(`${name}: packet counts per stream match ffprobe -count_packets`, async () => {
      const file = media(name);
      const probe = await ffprobeJson(['-count_packets', '-show_entries', 'stream=index,nb_read_packets', file]);
      const ref = (probe.streams ?? []).map((s) => Number(s.nb_read_packets));
      const d = await Demuxer.open(file);
      const counts = d.streams.map(() => 0);
      try {
        for await (const p of d.packets({ reuse: true })) counts[p.streamIndex]!++;
      } finally {
        await d.close();
      }
      assert.ok(ref.length > 0 && ref.every((n) => n > 0));
      assert.deepEqual(counts, ref);
    });
  }

  test('packets({ streams: [v] }) yields only that stream, all of its packets', async () => {
    const file = media('h264-aac.mp4');
    const probe = await ffprobeJson(['-count_packets', '-show_entries', 'stream=index,nb_read_packets', file]);
    const expected = (probe.streams ?? []).map((s) => Number(s.nb_read_packets));
    for (const type of ['video', 'audio'] as const) {
      const d = await Demuxer.open(file);
      try {
        const s = d.bestStream(type)!;
        let n = 0;
        // The video stream as a Stream, the audio one by index.
        for await (const p of d.packets({ streams: [type === 'video' ? s : s.index] })) {
          assert.equal(p.streamIndex, s.index);
          n++;
          p.close();
        }
        assert.ok(n > 0);
        assert.equal(n, expected[s.index], `${type} packets`);
      } finally {
        await d.close();
      }
    }
  });

  test('seek to the middle: the first video packet is the last keyframe at or before the target', async () => {
    const d = await Demuxer.open(media('h264-aac.mp4'));
    try {
      const v = d.bestStream('video')!;
      const keys: number[] = [];
      const head: string[] = [];
      for await (const p of d.packets()) {
        if (head.length < 5) head.push(`${p.streamIndex}:${p.pts}:${p.dts}:${p.size}`);
        if (p.streamIndex === v.index && p.isKeyFrame) keys.push(p.pts!);
        p.close();
      }
      assert.ok(keys.length >= 3, `several keyframes (${keys.length})`);
      const target = d.duration! / 2;
      const expected = keys.filter((k) => seconds(k, v.timeBase) <= target).at(-1)!;
      assert.ok(expected > 0, 'the target is past the first keyframe');

      for (const options of [{}, { stream: v }, { stream: v.index, backward: true }]) {
        await d.seek(target, options);
        let first: Packet | null = null;
        for (let p = await d.read(); p; p = await d.read()) {
          if (p.streamIndex === v.index) {
            first = p;
            break;
          }
          p.close();
        }
        assert.ok(first, 'a video packet after the seek');
        try {
          assert.ok(first.isKeyFrame, 'a keyframe');
          assert.ok(seconds(first.pts!, v.timeBase) <= target, `pts ${first.pts} at or before ${target}s`);
          assert.equal(first.pts, expected, `the last keyframe at or before ${target}s (seek options: ${Object.keys(options).join(',')})`);
        } finally {
          first.close();
        }
      }

      // Seeking back to the start reads the same packets as the first read did.
      await d.seek(0);
      const again: string[] = [];
      for (let i = 0; i < head.length; i++) {
        const p = await d.read();
        assert.ok(p);
        again.push(`${p.streamIndex}:${p.pts}:${p.dts}:${p.size}`);
        p.close();
      }
      assert.deepEqual(again, head);
    } finally {
      await d.close();
    }
  });
});

// Misuse must throw a catchable error, never take the process down: each case runs in a
// child process so that one that aborts fails its own test only.
describe('misuse throws, catchably', () => {
  const cases: { name: string; code: string; expectCode?: string }[] = [
    // A control: checked in JS, this one throws a TypeError before reaching the addon.
    { name: 'Frame.from with a string', code: "Frame.from('abc', { width: 16, height: 16, pixelFormat: 'gray' })" },
    { name: 'Frame.from with too little video data', code: "Frame.from(new Uint8Array(10), { width: 16, height: 16, pixelFormat: 'yuv420p' })" },
    {
      name: 'Frame.from with too little audio data',
      code: "Frame.from(new Uint8Array(3), { sampleRate: 48000, sampleFormat: 's16', nbSamples: 10, channels: 2 })",
    },
    { name: 'Frame.alloc with an unknown pixel format', code: "Frame.alloc({ width: 16, height: 16, pixelFormat: 'no-such-format' })" },
    {
      name: 'Frame.alloc with an unknown sample format',
      code: "Frame.alloc({ sampleRate: 48000, sampleFormat: 'no-such-format', nbSamples: 10, channels: 2 })",
    },
    {
      name: 'toBuffer() on a closed Frame',
      code: "{ const f = Frame.alloc({ width: 16, height: 16, pixelFormat: 'gray' }); f.close(); f.toBuffer(); }",
      expectCode: 'ERR_CLOSED',
    },
    {
      name: 'planes of a closed Frame',
      code: "{ const f = Frame.alloc({ width: 16, height: 16, pixelFormat: 'gray' }); f.close(); f.planes; }",
      expectCode: 'ERR_CLOSED',
    },
    { name: 'clone() of a closed Packet', code: '{ const p = Packet.from(new Uint8Array(3)); p.close(); p.clone(); }', expectCode: 'ERR_CLOSED' },
    { name: 'setting pts of a closed Packet', code: '{ const p = Packet.from(new Uint8Array(3)); p.close(); p.pts = 3; }', expectCode: 'ERR_CLOSED' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await runIsolated(
        `try { ${c.code}; console.log(JSON.stringify({ threw: false })); } catch (e) { console.log(JSON.stringify({ threw: true, name: e.name, code: e.code, message: e.message })); }`,
      );
      assert.equal(r.signal, null, `the process was killed by ${r.signal}: ${r.stderr.trim()}`);
      assert.equal(r.status, 0, `exit status ${r.status}: ${r.stderr.trim()}`);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { threw: boolean; name?: string; code?: string; message?: string };
      assert.ok(out.threw, 'it threw');
      assert.ok(out.name === 'AvError' || out.name === 'TypeError', `an AvError or TypeError, got ${out.name}: ${out.message}`);
      if (c.expectCode) assert.equal(out.code, c.expectCode);
    });
  }
});
