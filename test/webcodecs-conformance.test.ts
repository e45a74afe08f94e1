// avforge/webcodecs where the W3C web-platform-tests found it wrong (scripts/wpt-webcodecs.mjs
// runs the suite itself): configuration checks (TypeError against NotSupportedError), Opus's
// defaults and channel counts, VideoFrame layouts, rotation and flip, and the encoder paths the
// suite reaches (an AV1 encoder flushed before any frame, AV1 under 64 pixels).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  AudioData,
  AudioDecoder,
  AudioEncoder,
  VideoDecoder,
  VideoEncoder,
  VideoFrame,
  type AudioDecoderConfig,
  type AudioEncoderConfig,
  type EncodedAudioChunk,
  type EncodedVideoChunk,
} from '../src/webcodecs/index.js';
import { FRAME_US, H, W, decodeVideo, domName, encodeVideo, h264Chunks, videoFrame } from './webcodecs-util.js';

const opus = (extra: Partial<AudioEncoderConfig> = {}): AudioEncoderConfig => ({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2, ...extra });

/** The error configure() reports through the error callback (and flush() rejects with). */
async function configureError(codec: AudioEncoder | AudioDecoder | VideoEncoder | VideoDecoder, configure: () => void, errors: unknown[]): Promise<unknown> {
  configure();
  await assert.rejects(codec.flush(), domName('NotSupportedError'));
  assert.equal(codec.state, 'closed');
  return errors[0];
}

function sine(channels: number, frames: number, timestamp = 0): AudioData {
  const data = new Float32Array(channels * frames);
  for (let c = 0; c < channels; c++) for (let i = 0; i < frames; i++) data[c * frames + i] = 0.5 * Math.sin((i / 48000) * (100 + 50 * c) * 2 * Math.PI);
  return new AudioData({ timestamp, data, numberOfChannels: channels, numberOfFrames: frames, sampleRate: 48000, format: 'f32-planar' });
}

describe('AudioEncoder and AudioDecoder configurations', () => {
  test('zero and out-of-range numbers are TypeErrors, from configure() and isConfigSupported()', async () => {
    const invalid: AudioEncoderConfig[] = [
      opus({ bitrate: 0 }),
      opus({ bitrate: 1 }),
      opus({ bitrate: 6e9 }),
      opus({ sampleRate: 0 }),
      opus({ opus: { frameDuration: 2501 } }),
    ];
    for (const config of invalid) {
      await assert.rejects(AudioEncoder.isConfigSupported(config), TypeError, JSON.stringify(config));
      const encoder = new AudioEncoder({ output: () => {}, error: () => {} });
      assert.throws(() => encoder.configure(config), TypeError);
      assert.equal(encoder.state, 'unconfigured');
    }
    for (const config of [
      { codec: 'opus', sampleRate: 0, numberOfChannels: 2 },
      { codec: 'opus', sampleRate: 48000, numberOfChannels: 0 },
    ]) {
      await assert.rejects(AudioDecoder.isConfigSupported(config), TypeError);
      assert.throws(() => new AudioDecoder({ output: () => {}, error: () => {} }).configure(config), TypeError);
    }
  });

  test('valid configurations this FFmpeg cannot encode are unsupported: NotSupportedError from configure()', async () => {
    for (const config of [
      opus({ sampleRate: 1 }),
      opus({ sampleRate: 10_000_000 }),
      opus({ numberOfChannels: 1024 }),
      opus({ numberOfChannels: 3, opus: { frameDuration: 7500 } }), // joined frames: 1 or 2 channels
    ]) {
      assert.equal((await AudioEncoder.isConfigSupported(config)).supported, false, JSON.stringify(config));
      const errors: unknown[] = [];
      const encoder = new AudioEncoder({ output: () => {}, error: (e) => errors.push(e) });
      assert.ok(domName('NotSupportedError')(await configureError(encoder, () => encoder.configure(config), errors)));
    }
    for (const config of [
      { codec: 'flac', sampleRate: 48000, numberOfChannels: 2 },
      { codec: 'opus', sampleRate: 48000, numberOfChannels: 3 },
      { codec: 'opus', sampleRate: 48000, numberOfChannels: 3, description: new Uint8Array(9) },
    ]) {
      assert.equal((await AudioDecoder.isConfigSupported(config)).supported, false, JSON.stringify(config));
      const errors: unknown[] = [];
      const decoder = new AudioDecoder({ output: () => {}, error: (e) => errors.push(e) });
      await configureError(decoder, () => decoder.configure(config), errors);
    }
  });

  test("isConfigSupported() echoes Opus's defaults, and usedtx is supported", async () => {
    const { supported, config } = await AudioEncoder.isConfigSupported(opus({ opus: { usedtx: true, frameDuration: 60000 } }));
    assert.equal(supported, true);
    assert.deepEqual(config.opus, {
      format: 'opus',
      signal: 'auto',
      application: 'audio',
      frameDuration: 60000,
      complexity: 9,
      packetlossperc: 0,
      useinbandfec: false,
      usedtx: true,
    });
    assert.equal('opus' in (await AudioEncoder.isConfigSupported(opus())).config, false);
  });

  test('16-channel Opus (mapping family 255) encodes, and decodes with its OpusHead', async () => {
    const chunks: { chunk: EncodedAudioChunk; config?: AudioDecoderConfig }[] = [];
    const errors: unknown[] = [];
    const encoder = new AudioEncoder({
      output: (chunk, meta) => chunks.push({ chunk, ...(meta?.decoderConfig ? { config: meta.decoderConfig } : {}) }),
      error: (e) => errors.push(e),
    });
    encoder.configure(opus({ numberOfChannels: 16, opus: { usedtx: true } }));
    const data = sine(16, 9600);
    encoder.encode(data);
    data.close();
    await encoder.flush();
    encoder.close();
    assert.deepEqual(errors, []);
    const config = chunks[0]?.config;
    assert.ok(config?.description);
    const head = new Uint8Array(config.description as Uint8Array);
    assert.equal(Buffer.from(head.subarray(0, 8)).toString('latin1'), 'OpusHead');
    assert.equal(head[9], 16);
    let channels = 0;
    const decodeErrors: unknown[] = [];
    const decoder = new AudioDecoder({
      output: (d) => {
        channels = d.numberOfChannels;
        d.close();
      },
      error: (e) => decodeErrors.push(e),
    });
    decoder.configure(config);
    for (const { chunk } of chunks) decoder.decode(chunk);
    await decoder.flush();
    assert.deepEqual(decodeErrors, []);
    assert.equal(channels, 16);
  });
});

describe('VideoEncoder configurations', () => {
  test('sizes past any encoder are unsupported', async () => {
    for (const [width, height] of [
      [1_000_000, 480],
      [640, 1_000_000],
    ] as const) {
      assert.equal((await VideoEncoder.isConfigSupported({ codec: 'vp8', width, height })).supported, false);
      const errors: unknown[] = [];
      const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
      await configureError(encoder, () => encoder.configure({ codec: 'vp8', width, height }), errors);
    }
  });

  test('an AV1 encoder flushed before its first frame keeps going, and AV1 encodes frames under 64 pixels', async () => {
    const chunks: unknown[] = [];
    const errors: unknown[] = [];
    const encoder = new VideoEncoder({ output: (c) => chunks.push(c), error: (e) => errors.push(e) });
    encoder.configure({ codec: 'av01.0.04M.08', width: 160, height: 120, bitrate: 300_000, framerate: 30 });
    await encoder.flush();
    const frame = new VideoFrame(new Uint8Array(160 * 120 * 1.5).fill(128), { format: 'I420', codedWidth: 160, codedHeight: 120, timestamp: 0 });
    encoder.encode(frame);
    frame.close();
    await encoder.flush();
    encoder.close();
    assert.deepEqual(errors, []);
    assert.equal(chunks.length, 1);
    const small = await encodeVideo({ codec: 'av01.0.04M.08', width: 48, height: 32, bitrate: 200_000 }, 3);
    assert.equal(small.chunks.length, 3);
  });
});

describe('VideoFrame', () => {
  const i420 = (w: number, h: number, extra: Record<string, unknown> = {}): VideoFrame =>
    new VideoFrame(new Uint8Array(w * h + 2 * Math.ceil(w / 2) * Math.ceil(h / 2)), { format: 'I420', codedWidth: w, codedHeight: h, timestamp: 0, ...extra });

  test('allocationSize() and copyTo(): planes end below 2^32, and a rect aligns to the subsampling but at the coded edge', async () => {
    const frame = i420(4, 2);
    const overflow = {
      layout: [
        { offset: 0, stride: 4 },
        { offset: 8, stride: 2 },
        { offset: 2 ** 32 - 2, stride: 2 },
      ],
    };
    assert.throws(() => frame.allocationSize(overflow), TypeError);
    await assert.rejects(frame.copyTo(new Uint8Array(12), overflow), TypeError);
    assert.throws(() => frame.allocationSize({ rect: { x: 0, y: 0, width: 4, height: 1 } }), TypeError);
    assert.equal(frame.allocationSize({ rect: { x: 0, y: 0, width: 4, height: 2 } }), 12);
    frame.close();
    const odd = i420(1, 1);
    assert.equal(odd.allocationSize({ rect: { x: 0, y: 0, width: 1, height: 1 } }), 3);
    odd.close();
  });

  test('rotation is parsed to the nearest multiple of 90, turns the display size, and adds up with flips', () => {
    const frame = new VideoFrame(new Uint8Array(4 * 2 * 4), { format: 'RGBX', codedWidth: 4, codedHeight: 2, timestamp: 0, rotation: -315, flip: true });
    assert.equal(frame.rotation, 90);
    assert.deepEqual([frame.displayWidth, frame.displayHeight], [2, 4]);
    assert.equal(new VideoFrame(frame, { rotation: 44 }).rotation, 90);
    for (const [delta, expected] of [
      [90, 0],
      [180, 270],
      [270, 180],
    ] as const) {
      const turned = new VideoFrame(frame, { rotation: delta });
      assert.equal(turned.rotation, expected, `flipped 90 + ${delta}`);
      assert.deepEqual([turned.displayWidth, turned.displayHeight], expected % 180 === 0 ? [4, 2] : [2, 4]);
      turned.close();
    }
    frame.close();
  });
});

describe("hardwareAcceleration: 'prefer-hardware'", () => {
  test('decodes on the platform device where one opens, else NotSupportedError with the reasons', async () => {
    const config = { codec: 'avc1.64000d', hardwareAcceleration: 'prefer-hardware' as const };
    const { chunks, md5s } = await h264Chunks();
    if ((await VideoDecoder.isConfigSupported(config)).supported) {
      const frames = await decodeVideo(config, chunks);
      assert.equal(frames.length, md5s.length);
      for (const f of frames) f.close();
      return;
    }
    const errors: unknown[] = [];
    const decoder = new VideoDecoder({ output: (f) => f.close(), error: (e) => errors.push(e) });
    const error = await configureError(decoder, () => decoder.configure(config), errors);
    assert.match((error as Error).message, /no hardware decoder here \(.*cuda/);
  });

  test('encodes with the platform hardware encoder where one runs, else NotSupportedError; prefer-software always works', async () => {
    const config = { codec: 'avc1.42001f', width: 160, height: 120, hardwareAcceleration: 'prefer-hardware' as const };
    if ((await VideoEncoder.isConfigSupported(config)).supported) {
      assert.equal((await encodeVideo(config, 5)).chunks.length, 5);
    } else {
      const errors: unknown[] = [];
      const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
      const error = await configureError(encoder, () => encoder.configure(config), errors);
      assert.match((error as Error).message, /no hardware encoder here/);
    }
    assert.equal((await encodeVideo({ ...config, hardwareAcceleration: 'prefer-software' }, 2)).chunks.length, 2);
    assert.equal((await VideoEncoder.isConfigSupported({ ...config, codec: 'vp8' })).supported, false, 'no hardware VP8 encoder is known');
  });
});

describe('what WPT checks on a canvas, with frames made here', () => {
  test('reconfiguring an encoder mid-stream (reconfiguring-encoder): each size announces its decoderConfig', async () => {
    for (const codec of ['vp8', 'avc1.42001F']) {
      const seen: { timestamp: number; size?: [number, number] }[] = [];
      const errors: unknown[] = [];
      const encoder = new VideoEncoder({
        output: (chunk, meta) => {
          const c = meta?.decoderConfig;
          seen.push({ timestamp: chunk.timestamp, ...(c ? { size: [c.codedWidth!, c.codedHeight!] as [number, number] } : {}) });
        },
        error: (e) => errors.push(e),
      });
      const base = { codec, bitrateMode: 'constant' as const, framerate: 30, hardwareAcceleration: 'prefer-software' as const };
      encoder.configure({ ...base, width: 320, height: 240, bitrate: 600_000 });
      await encoder.flush();
      for (let i = 0; i < 6; i++) {
        const f = videoFrame(i, 320, 240);
        encoder.encode(f);
        f.close();
      }
      encoder.configure({ ...base, width: 160, height: 120, bitrate: 300_000 });
      for (let i = 6; i < 12; i++) {
        const f = videoFrame(i, 160, 120);
        encoder.encode(f);
        f.close();
      }
      await encoder.flush();
      encoder.close();
      assert.deepEqual(errors, []);
      assert.equal(seen.length, 12, codec);
      assert.deepEqual(
        seen.filter((s) => s.size).map((s) => [s.timestamp < 6 * FRAME_US ? 'before' : 'after', ...s.size!]),
        [
          ['before', 320, 240],
          ['after', 160, 120],
        ],
        codec,
      );
    }
  });
});

describe('temporal scalability (L1T2, L1T3) on VP8 and VP9', () => {
  test('each chunk carries its layer in the pattern, and the lower layers decode on their own', async () => {
    for (const codec of ['vp8', 'vp09.00.10.08']) {
      for (const [mode, pattern] of [
        ['L1T2', [0, 1]],
        ['L1T3', [0, 2, 1, 2]],
      ] as const) {
        const config = { codec, width: W, height: H, bitrate: 300_000, framerate: 25, scalabilityMode: mode };
        assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
        const { chunks, metadata, config: decoderConfig } = await encodeVideo(config, 8);
        const layers = metadata.map((m) => m?.svc?.temporalLayerId);
        assert.deepEqual(
          layers,
          Array.from({ length: 8 }, (_, i) => pattern[i % pattern.length]),
          `${codec} ${mode}`,
        );
        for (let top = 0; top < pattern.length - 1; top++) {
          const kept: EncodedVideoChunk[] = chunks.filter((_, i) => (layers[i] ?? 0) <= top);
          const frames = await decodeVideo(decoderConfig, kept);
          assert.equal(frames.length, kept.length);
          for (const f of frames) f.close();
        }
      }
    }
    assert.equal((await VideoEncoder.isConfigSupported({ codec: 'avc1.42001f', width: W, height: H, scalabilityMode: 'L1T2' })).supported, false);
    assert.equal((await VideoEncoder.isConfigSupported({ codec: 'vp8', width: W, height: H, scalabilityMode: 'L2T2' })).supported, false);
  });
});
