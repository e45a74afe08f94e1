// avforge/webcodecs, the codecs against the specification's algorithms: the state machine, the
// control message queue, queue sizes and dequeue events, flush/reset/close, every error path,
// key-frame requirements; decoded output compared with the object API's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { Decoder, Demuxer } from '../src/index.js';
import {
  AudioDecoder,
  EncodedAudioChunk,
  EncodedVideoChunk,
  VideoDecoder,
  VideoEncoder,
  VideoFrame,
  type EncodedVideoChunkMetadata,
  type VideoDecoderConfig,
  type VideoEncoderConfig,
} from '../src/webcodecs/index.js';
import { codecPrivate } from '../src/webcodecs/extradata.js';
import { media } from './media/generate.js';
import { ffprobeJson, md5 } from './util.js';
import {
  W,
  H,
  FRAME_US,
  picture,
  videoFrame,
  psnr,
  until,
  tick,
  domName,
  decodeVideo,
  i420,
  annexBChunks,
  h264Chunks,
  captureLogs,
  logsSince,
} from './webcodecs-util.js';

captureLogs();

// ---- codec state machine and queue ----

describe('VideoDecoder: the state machine and the control message queue', () => {
  test('constructor, configure and isConfigSupported validate; errors at the spec moments', async () => {
    assert.throws(() => new VideoDecoder({} as never), TypeError);
    const errors: DOMException[] = [];
    const decoder = new VideoDecoder({ output: () => {}, error: (e) => errors.push(e) });
    assert.equal(decoder.state, 'unconfigured');
    assert.equal(decoder.decodeQueueSize, 0);
    assert.throws(() => decoder.configure({ codec: '  ' }), TypeError);
    assert.throws(() => decoder.configure({ codec: 'vp8', codedWidth: 16 }), TypeError);
    assert.throws(() => decoder.configure({ codec: 'vp8', displayAspectWidth: 0, displayAspectHeight: 1 }), TypeError);
    assert.equal(decoder.state, 'unconfigured', 'a TypeError changes nothing');
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: new Uint8Array(8) });
    assert.throws(() => decoder.decode(chunk), domName('InvalidStateError'));
    await assert.rejects(decoder.flush(), domName('InvalidStateError'));
    await assert.rejects(VideoDecoder.isConfigSupported({ codec: '' }), TypeError);
    // An unknown codec is not a TypeError: configure() succeeds, then the error callback says NotSupportedError.
    decoder.configure({ codec: 'avc1.zzzzzz' });
    assert.equal(decoder.state, 'configured');
    decoder.decode(chunk);
    assert.equal(decoder.decodeQueueSize, 1, 'queued behind the blocked configure');
    const flushed = decoder.flush();
    await assert.rejects(flushed, domName('NotSupportedError'));
    assert.equal(decoder.state, 'closed');
    assert.equal(decoder.decodeQueueSize, 0);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.name, 'NotSupportedError');
    assert.throws(() => decoder.configure({ codec: 'vp8' }), domName('InvalidStateError'));
    assert.throws(() => decoder.reset(), domName('InvalidStateError'));
    assert.throws(() => decoder.close(), domName('InvalidStateError'), 'close() runs Reset, which throws once closed');
  });

  test('isConfigSupported answers per codec and returns a clean copy of the config', async () => {
    const description = new Uint8Array([1, 0x64, 0, 0x1f, 0xff, 0xe0, 0]);
    const res = await VideoDecoder.isConfigSupported({ codec: 'avc1.64001f', description, codedWidth: 640, codedHeight: 480, extra: 1 } as VideoDecoderConfig);
    assert.equal(res.supported, true);
    assert.deepEqual(Object.keys(res.config).sort(), ['codec', 'codedHeight', 'codedWidth', 'description']);
    assert.notEqual(res.config.description, description, 'the description is copied');
    for (const codec of ['hvc1.1.6.L93.B0', 'hev1.2.4.L120.90', 'vp8', 'vp09.00.10.08', 'vp09.02.10.10.01.09.16.09.01', 'av01.0.04M.08'])
      assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, true, codec);
    for (const codec of ['avc1', 'avc1.64001', 'vp9', 'vp09.04.10.08', 'av01.3.04M.08', 'h264', 'bogus'])
      assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, false, codec);
    assert.equal((await VideoDecoder.isConfigSupported({ codec: 'vp8', hardwareAcceleration: 'prefer-hardware' })).supported, false);
  });

  test('key chunk required after configure and flush: DataError, checked against the bitstream', async () => {
    const { chunks } = await h264Chunks();
    const decoder = new VideoDecoder({ output: (f) => f.close(), error: () => {} });
    decoder.configure({ codec: 'avc1.64000d' });
    assert.throws(() => decoder.decode(chunks[1]!), domName('DataError'), 'a delta chunk first');
    const copy = new Uint8Array(chunks[1]!.byteLength);
    chunks[1]!.copyTo(copy);
    const relabelled = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: copy });
    assert.throws(() => decoder.decode(relabelled), domName('DataError'), "'key' on a P frame");
    decoder.decode(chunks[0]!);
    decoder.decode(chunks[1]!);
    await decoder.flush();
    assert.throws(() => decoder.decode(chunks[1]!), domName('DataError'), 'after flush, a key chunk again');
    decoder.decode(chunks[0]!);
    decoder.close();
  });

  test('decodes what the object API decodes, bit for bit, in order, with the chunk timestamps; queue size and dequeue events', async () => {
    const { chunks, md5s } = await h264Chunks();
    const frames: VideoFrame[] = [];
    let dequeues = 0;
    let handlerCalls = 0;
    const decoder = new VideoDecoder({ output: (f) => frames.push(f), error: (e) => assert.fail(String(e)) });
    decoder.addEventListener('dequeue', () => dequeues++);
    decoder.ondequeue = () => handlerCalls++;
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks) decoder.decode(c);
    assert.equal(decoder.decodeQueueSize, chunks.length, 'all queued while configure() runs');
    let flushedAt = -1;
    const flushed = decoder.flush().then(() => (flushedAt = frames.length));
    await until(() => decoder.decodeQueueSize < chunks.length, 'the queue to drain');
    await flushed;
    assert.equal(flushedAt, chunks.length, 'flush() resolves after every output');
    assert.equal(decoder.decodeQueueSize, 0);
    await tick();
    assert.ok(dequeues > 0 && dequeues === handlerCalls, `dequeue events: ${dequeues}, ondequeue: ${handlerCalls}`);
    assert.ok(dequeues < chunks.length, 'events coalesce within a task');
    assert.equal(frames.length, md5s.length);
    const presented = [...chunks].map((c) => c.timestamp).sort((a, b) => a - b);
    assert.deepEqual(
      frames.map((f) => f.timestamp),
      presented,
      'output in presentation order, with the chunk timestamps',
    );
    assert.equal(frames[0]!.duration, chunks[0]!.duration);
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      assert.equal(f.format, 'I420');
      assert.equal(md5(await i420(f)), md5s[i], `frame ${i}`);
      f.close();
    }
    decoder.close();
  });

  test('HEVC Main 10 decodes to I420P10, as the object API does', async () => {
    const { chunks, md5s } = await annexBChunks('hevc10.mkv');
    const frames = await decodeVideo({ codec: 'hvc1.2.4.L93.B0' }, chunks);
    assert.equal(frames.length, md5s.length);
    for (let i = 0; i < frames.length; i++) {
      assert.equal(frames[i]!.format, 'I420P10');
      assert.equal(md5(await i420(frames[i]!)), md5s[i], `frame ${i}`);
      frames[i]!.close();
    }
  });

  test('configure() while configured: the outputs of the first configuration come first, then the second', async () => {
    const { chunks } = await h264Chunks();
    const stamps: number[] = [];
    const decoder = new VideoDecoder({
      output: (f) => {
        stamps.push(f.timestamp);
        f.close();
      },
      error: (e) => assert.fail(String(e)),
    });
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks.slice(0, 12)) decoder.decode(c);
    decoder.configure({ codec: 'avc1.64000d' });
    assert.throws(() => decoder.decode(chunks[13]!), domName('DataError'), 'a key chunk first after configure()');
    for (const c of chunks.slice(12, 24)) decoder.decode(c);
    await decoder.flush();
    assert.equal(stamps.length, 24, 'the first configuration was drained, not dropped');
    const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
    assert.deepEqual(stamps.slice(0, 12), sorted(chunks.slice(0, 12).map((c) => c.timestamp)));
    assert.deepEqual(stamps.slice(12), sorted(chunks.slice(12, 24).map((c) => c.timestamp)));
    decoder.close();
  });

  test('AudioDecoder decodes a demuxed AAC stream (AudioSpecificConfig description) as the object API does', async () => {
    const file = media('h264-aac.mp4');
    await using demuxer = await Demuxer.open(file);
    const stream = demuxer.bestStream('audio')!;
    const description = await codecPrivate(stream);
    assert.ok(description && description.length >= 2, 'the ASC');
    const chunks: EncodedAudioChunk[] = [];
    for await (const p of demuxer.packets({ streams: [stream] })) {
      const us = (t: number): number => Math.round((t * 1e6 * p.timeBase.num) / p.timeBase.den);
      chunks.push(new EncodedAudioChunk({ type: 'key', timestamp: us(p.pts ?? 0), duration: us(p.duration), data: p.data }));
      p.close();
    }
    const got: Uint8Array[] = [];
    const stamps: number[] = [];
    const decoder = new AudioDecoder({
      output: (a) => {
        assert.equal(a.format, 'f32-planar');
        const all = new Uint8Array(a.allocationSize({ planeIndex: 0 }) * a.numberOfChannels);
        for (let c = 0; c < a.numberOfChannels; c++) a.copyTo(all.subarray(c * (all.length / a.numberOfChannels)), { planeIndex: c });
        got.push(all);
        stamps.push(a.timestamp);
        a.close();
      },
      error: (e) => assert.fail(String(e)),
    });
    decoder.configure({ codec: 'mp4a.40.2', sampleRate: stream.codec.sampleRate!, numberOfChannels: stream.codec.channels!, description });
    for (const c of chunks) decoder.decode(c);
    await decoder.flush();
    const expected: string[] = [];
    await using d2 = await Demuxer.open(file);
    await using dec = await Decoder.open(d2.bestStream('audio')!);
    for await (const f of dec.frames(d2.packets())) {
      expected.push(md5(f.toBuffer()));
      f.close();
    }
    // The demuxer's first packet carries the MP4's priming (skip 1024 samples) as side data, which
    // the object API's decoder applies; a WebCodecs chunk has no side data, so its decoder outputs
    // that first frame as browsers do (the application trims priming itself). Where the linked
    // FFmpeg's demuxer also gives the last packet the MP4's end trimming (discard padding, as its
    // ffprobe reports), the object API's last frame is ours without those last samples.
    const { packets } = await ffprobeJson<{ packets: { side_data_list?: { discard_padding?: number }[] }[] }>([
      '-select_streams',
      'a:0',
      '-show_entries',
      'packet=pts:packet_side_data=discard_padding',
      file,
    ]);
    const padding = packets.at(-1)?.side_data_list?.find((d) => d.discard_padding !== undefined)?.discard_padding ?? 0;
    assert.equal(got.length, expected.length + 1);
    const last = got.at(-1)!;
    const channels = stream.codec.channels!;
    const plane = last.length / channels;
    const kept = plane - padding * Float32Array.BYTES_PER_ELEMENT;
    const trimmed = new Uint8Array(kept * channels);
    for (let c = 0; c < channels; c++) trimmed.set(last.subarray(c * plane, c * plane + kept), c * kept);
    assert.deepEqual([...got.slice(1, -1), trimmed].map(md5), expected, 'the same samples, bit for bit');
    assert.deepEqual(
      stamps,
      [...stamps].sort((a, b) => a - b),
    );
    decoder.close();
  });

  test('reset() drops queued work and outputs, rejects pending flushes with AbortError; the decoder is reusable', async () => {
    const { chunks } = await h264Chunks();
    const outputs: VideoFrame[] = [];
    const errors: DOMException[] = [];
    const decoder = new VideoDecoder({ output: (f) => outputs.push(f), error: (e) => errors.push(e) });
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks) decoder.decode(c);
    const flushed = decoder.flush();
    decoder.reset();
    assert.equal(decoder.state, 'unconfigured');
    assert.equal(decoder.decodeQueueSize, 0);
    await assert.rejects(flushed, domName('AbortError'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(outputs.length, 0, 'nothing from before the reset is delivered');
    assert.throws(() => decoder.decode(chunks[0]!), domName('InvalidStateError'));
    decoder.configure({ codec: 'avc1.64000d' });
    for (const c of chunks.slice(0, 12)) decoder.decode(c);
    await decoder.flush();
    assert.equal(outputs.length, 12);
    outputs.forEach((f) => f.close());
    // A reset from inside an output callback stops the rest of that batch.
    let seen = 0;
    const d2 = new VideoDecoder({
      output: (f) => {
        f.close();
        if (++seen === 3) d2.reset();
      },
      error: (e) => errors.push(e),
    });
    d2.configure({ codec: 'avc1.64000d' });
    for (const c of chunks) d2.decode(c);
    await assert.rejects(d2.flush(), domName('AbortError'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen, 3);
    d2.close();
    decoder.close();
    assert.deepEqual(errors, [], 'AbortError never reaches the error callback');
  });

  test('close() rejects pending flushes with AbortError without calling error; damaged data is an EncodingError', async () => {
    const { chunks } = await h264Chunks();
    const errors: DOMException[] = [];
    const decoder = new VideoDecoder({ output: (f) => f.close(), error: (e) => errors.push(e) });
    decoder.configure({ codec: 'avc1.64000d' });
    decoder.decode(chunks[0]!);
    const flushed = decoder.flush();
    decoder.close();
    assert.equal(decoder.state, 'closed');
    await assert.rejects(flushed, domName('AbortError'));
    assert.deepEqual(errors, []);

    const reported: DOMException[] = [];
    const broken = new VideoDecoder({ output: (f) => f.close(), error: (e) => reported.push(e) });
    broken.configure({ codec: 'vp8' });
    // A VP8 key frame tag (bit 0 clear) over garbage.
    const junk = new Uint8Array(400).map((_, i) => (i * 97 + 13) & 0xff);
    junk[0] = 0x10;
    broken.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: junk }));
    await assert.rejects(broken.flush(), domName('EncodingError'));
    assert.equal(broken.state, 'closed');
    assert.equal(reported.length, 1);
    assert.equal(reported[0]!.name, 'EncodingError');
  });
});

describe('VideoEncoder', () => {
  test('validation, unsupported configurations, InvalidStateError, TypeError for a closed frame', async () => {
    assert.throws(() => new VideoEncoder({ output: () => {} } as never), TypeError);
    const errors: DOMException[] = [];
    const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
    assert.throws(() => encoder.configure({ codec: 'vp8', width: 0, height: 10 }), TypeError);
    assert.throws(() => encoder.configure({ codec: 'vp8', width: 10, height: 10, displayWidth: 5 }), TypeError);
    assert.throws(() => encoder.configure({ codec: 'vp8', width: 10, height: 10, bitrateMode: 'fast' as 'constant' }), TypeError);
    const frame = videoFrame(0);
    assert.throws(() => encoder.encode(frame), domName('InvalidStateError'));
    for (const config of [
      { codec: 'avc1.42001f', width: W, height: H, alpha: 'keep' as const }, // VP8/VP9 only (libvpx)
      { codec: 'vp8', width: W, height: H, scalabilityMode: 'L2T2' }, // spatial layers (L1T2/L1T3 are supported on VP8/VP9)
      { codec: 'avc1.42001f', width: W, height: H, scalabilityMode: 'L1T3' },
      { codec: 'vp8', width: W, height: H, bitrateMode: 'quantizer' as const }, // avc only (libx264)
      { codec: 'vp8', width: W, height: H, hardwareAcceleration: 'prefer-hardware' as const },
      { codec: 'avc1.58001f', width: W, height: H },
      { codec: 'avc1.42001f', width: 161, height: H },
    ])
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false, JSON.stringify(config));
    const ok = await VideoEncoder.isConfigSupported({
      codec: 'vp8',
      width: W,
      height: H,
      framerate: 25,
      latencyMode: 'realtime',
      foo: 1,
    } as VideoEncoderConfig);
    assert.deepEqual(ok, { supported: true, config: { codec: 'vp8', width: W, height: H, framerate: 25, latencyMode: 'realtime' } });
    encoder.configure({ codec: 'vp8', width: W, height: H, scalabilityMode: 'L2T2' });
    await until(() => encoder.state === 'closed', 'NotSupportedError');
    assert.equal(errors[0]?.name, 'NotSupportedError');
    const closed = videoFrame(0);
    closed.close();
    const e2 = new VideoEncoder({ output: () => {}, error: () => {} });
    e2.configure({ codec: 'vp8', width: W, height: H });
    assert.throws(() => e2.encode(closed), TypeError);
    e2.close();
    frame.close();
  });

  test('encodeQueueSize, dequeue, forced key frames, timestamps, decoderConfig once, encode after flush', async () => {
    const chunks: EncodedVideoChunk[] = [];
    const metas: (EncodedVideoChunkMetadata | undefined)[] = [];
    let dequeues = 0;
    const encoder = new VideoEncoder({
      output: (c, m) => {
        chunks.push(c);
        metas.push(m);
      },
      error: (e) => assert.fail(String(e)),
    });
    encoder.ondequeue = () => dequeues++;
    encoder.configure({ codec: 'vp8', width: W, height: H, bitrate: 300_000, framerate: 25, latencyMode: 'realtime' });
    for (let i = 0; i < 12; i++) {
      const f = videoFrame(i);
      encoder.encode(f, { keyFrame: i === 0 || i === 7 });
      f.close(); // the encoder holds its own reference
    }
    assert.equal(encoder.encodeQueueSize, 12);
    await encoder.flush();
    assert.equal(encoder.encodeQueueSize, 0);
    await tick();
    assert.ok(dequeues > 0);
    assert.equal(chunks.length, 12);
    assert.deepEqual(
      chunks.map((c) => c.timestamp),
      [...Array(12).keys()].map((i) => i * FRAME_US),
    );
    assert.ok(chunks.every((c) => c.duration === FRAME_US));
    assert.equal(chunks[0]!.type, 'key');
    assert.equal(chunks[7]!.type, 'key', 'keyFrame: true is honoured');
    assert.equal(chunks[3]!.type, 'delta');
    assert.deepEqual(metas[0]?.decoderConfig, { codec: 'vp8', codedWidth: W, codedHeight: H });
    assert.ok(
      metas.slice(1).every((m) => m?.decoderConfig === undefined),
      'decoderConfig only with the first chunk',
    );
    // After flush(), encoding goes on (libav's encoder was drained: a fresh one starts with a key frame).
    const f = videoFrame(12);
    encoder.encode(f);
    f.close();
    await encoder.flush();
    assert.equal(chunks.length, 13);
    assert.equal(chunks[12]!.type, 'key');
    assert.equal(chunks[12]!.timestamp, 12 * FRAME_US);
    encoder.close();
  });

  test('frames of another size or format are scaled; a visible rect is cropped', async () => {
    const rgba = new Uint8Array(W * 2 * H * 2 * 4).fill(200);
    const big = new VideoFrame(rgba, { format: 'RGBA', codedWidth: W * 2, codedHeight: H * 2, timestamp: 0 });
    const cropped = new VideoFrame(picture(0, W * 2, H), {
      format: 'I420',
      codedWidth: W * 2,
      codedHeight: H,
      timestamp: FRAME_US,
      visibleRect: { x: W, y: 0, width: W, height: H },
    });
    const { chunks, config } = await (async () => {
      const out: EncodedVideoChunk[] = [];
      let decoderConfig: VideoDecoderConfig | undefined;
      const encoder = new VideoEncoder({
        output: (c, m) => {
          out.push(c);
          decoderConfig ??= m?.decoderConfig;
        },
        error: (e) => assert.fail(String(e)),
      });
      encoder.configure({ codec: 'vp09.00.10.08', width: W, height: H, bitrate: 500_000 });
      encoder.encode(big);
      encoder.encode(cropped);
      await encoder.flush();
      encoder.close();
      return { chunks: out, config: decoderConfig! };
    })();
    big.close();
    const frames = await decodeVideo(config, chunks);
    assert.equal(frames.length, 2);
    const y0 = await i420(frames[0]!);
    assert.ok(Math.abs(y0[W * 10 + 10]! - 190) < 12, `RGBA 200 grey became Y ${y0[W * 10 + 10]}`);
    const y1 = await i420(frames[1]!);
    const expect = picture(0, W * 2, H);
    const right = new Uint8Array(W * H);
    for (let r = 0; r < H; r++) right.set(expect.subarray(r * W * 2 + W, r * W * 2 + 2 * W), r * W);
    assert.ok(psnr(right, y1, W * H) > 28, 'the right half was encoded');
    cropped.close();
    frames.forEach((f) => f.close());
  });
});

test('libav logged nothing but what the damaged-data test expects (no probe warnings, no leftovers)', () => {
  assert.deepEqual(logsSince(0, /\[vp8 @ .*\] Header size larger than data provided/), []);
});
