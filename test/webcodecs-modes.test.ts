// avforge/webcodecs, the encoder modes the specification's codec registrations define beyond
// the defaults: Opus frame durations of any multiple of 2.5 ms, and bitrateMode 'quantizer'
// with a quantizer per frame.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  AudioData,
  AudioDecoder,
  AudioEncoder,
  EncodedVideoChunk,
  VideoEncoder,
  VideoFrame,
  type EncodedAudioChunk,
  type VideoDecoderConfig,
  type VideoEncoderConfig,
} from '../src/webcodecs/index.js';
import { Encoder, Frame } from '../src/index.js';
import { X264_QUANTIZER_PARAMS } from '../src/webcodecs/video_encoder.js';
import { opusFrames, opusPacket, opusPacketDuration, OpusRepacketizer } from '../src/webcodecs/opus_packets.js';
import { W, H, decodeVideo, i420, picture, psnr, until, videoFrame } from './webcodecs-util.js';

const RATE = 48000;

/** `seconds` of a stereo tone in 100 ms AudioData, encoded with `opus`; the chunks and the samples they decode to. */
async function opusRoundTrip(opus: Record<string, unknown>, seconds = 1): Promise<{ chunks: EncodedAudioChunk[]; decoded: number }> {
  const chunks: EncodedAudioChunk[] = [];
  const errors: unknown[] = [];
  let decoded = 0;
  const decoder = new AudioDecoder({
    output: (a) => {
      decoded += a.numberOfFrames;
      a.close();
    },
    error: (e) => errors.push(e),
  });
  decoder.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2 });
  const encoder = new AudioEncoder({
    output: (c) => {
      chunks.push(c);
      decoder.decode(c);
    },
    error: (e) => errors.push(e),
  });
  encoder.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2, bitrate: 128000, opus });
  const n = RATE / 10;
  for (let i = 0; i < seconds * 10; i++) {
    const data = new Float32Array(n * 2).map((_, j) => 0.3 * Math.sin((i * n * 2 + j) / 20));
    const a = new AudioData({ format: 'f32', sampleRate: RATE, numberOfChannels: 2, numberOfFrames: n, timestamp: i * 100_000, data });
    encoder.encode(a);
    a.close();
  }
  await encoder.flush();
  await decoder.flush();
  encoder.close();
  decoder.close();
  assert.deepEqual(errors, []);
  return { chunks, decoded };
}

describe('Opus frameDuration', () => {
  test('code 0 to 3 packets parse; a code 3 packet of parsed frames parses back to the same frames', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array(300).fill(7); // a two-byte length
    const toc = (31 << 3) | 0; // CELT FB 20 ms, mono, code 0
    assert.deepEqual(opusFrames(new Uint8Array([toc, ...a]))?.frames, [a]);
    assert.deepEqual(opusFrames(new Uint8Array([toc | 1, 1, 2, 3, 4]))?.frames, [new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
    assert.deepEqual(opusFrames(new Uint8Array([toc | 2, 1, 9, 8, 7]))?.frames, [new Uint8Array([9]), new Uint8Array([8, 7])]);
    const joined = opusPacket(toc, [a, b, new Uint8Array(0)]);
    assert.equal(joined[0]! & 3, 3);
    assert.deepEqual(opusFrames(joined)?.frames, [a, b, new Uint8Array(0)]);
    assert.equal(opusPacketDuration(joined), 60000);
    assert.equal(opusFrames(new Uint8Array([toc | 3])), null, 'a code 3 packet without its frame count is malformed');
  });

  test('the repacketizer joins `count` frames, starts a new packet where the TOC changes, and fills the last one', () => {
    const r = new OpusRepacketizer(3);
    const celt = (16 << 3) | 0; // CELT NB 2.5 ms
    const out = [1, 2, 3, 4].flatMap((i) => r.push(new Uint8Array([celt, i]), i * 120));
    assert.equal(out.length, 1);
    assert.deepEqual({ first: out[0]!.first, frames: out[0]!.frames }, { first: 120, frames: 3 });
    const other = r.push(new Uint8Array([(20 << 3) | 0, 5]), 600); // CELT WB: another TOC
    assert.deepEqual(
      other.map((g) => g.frames),
      [1],
    );
    const last = r.end();
    assert.equal(last.length, 1);
    assert.equal(opusFrames(last[0]!.data)?.frames.length, 3, 'filled with empty frames');
  });

  for (const frameDuration of [7500, 30000, 45000, 120000]) {
    test(`${frameDuration / 1000} ms: every chunk lasts exactly that, and they decode to the input's length`, async () => {
      const support = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2, opus: { frameDuration } });
      assert.equal(support.supported, true);
      const { chunks, decoded } = await opusRoundTrip({ frameDuration });
      assert.ok(chunks.length > 0);
      for (const c of chunks) assert.equal(c.duration, frameDuration);
      for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i]!.timestamp - chunks[i - 1]!.timestamp, frameDuration);
      // The decoder's output covers the input (the last packet's padding past it at most).
      assert.ok(decoded >= RATE - 312 && decoded <= RATE + (frameDuration * RATE) / 1e6, `decoded ${decoded} samples`);
    });
  }

  test('not a multiple of 2.5 ms, 0, or above 120 ms: TypeError; joined frames above 2 channels: unsupported', async () => {
    for (const frameDuration of [0, 2501, 120001])
      await assert.rejects(AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2, opus: { frameDuration } }), TypeError);
    const six = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 6, opus: { frameDuration: 7500 } });
    assert.equal(six.supported, false);
    const sixNative = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 6, opus: { frameDuration: 10000 } });
    assert.equal(sixNative.supported, true);
  });
});

describe("bitrateMode 'quantizer'", () => {
  const avc: VideoEncoderConfig = { codec: 'avc1.42001f', width: W, height: H, bitrateMode: 'quantizer', framerate: 25 };

  test('avc: isConfigSupported echoes it; a lower quantizer gives a larger chunk and a closer picture, frame by frame', async () => {
    const support = await VideoEncoder.isConfigSupported(avc);
    assert.equal(support.supported, true);
    assert.equal(support.config.bitrateMode, 'quantizer');
    const chunks: EncodedVideoChunk[] = [];
    let config: VideoDecoderConfig | undefined;
    const errors: unknown[] = [];
    const encoder = new VideoEncoder({
      output: (c, m) => {
        chunks.push(c);
        config ??= m?.decoderConfig;
      },
      error: (e) => errors.push(e),
    });
    encoder.configure(avc);
    const qp = (i: number): number => (i % 2 === 0 ? 12 : 44);
    const count = 12;
    for (let i = 0; i < count; i++) {
      const f = videoFrame(i);
      encoder.encode(f, { keyFrame: i === 0, avc: { quantizer: qp(i) } });
      f.close();
    }
    await encoder.flush();
    encoder.close();
    assert.deepEqual(errors, []);
    assert.equal(chunks.length, count);
    assert.ok(config);
    const frames = await decodeVideo(config, chunks);
    assert.equal(frames.length, count);
    for (let i = 1; i + 1 < count; i += 2) {
      // Frame i (qp 44) against frame i+1 (qp 12), both delta frames.
      assert.ok(
        chunks[i + 1]!.byteLength > 2 * chunks[i]!.byteLength,
        `chunk ${i + 1} (qp 12) ${chunks[i + 1]!.byteLength} B, chunk ${i} (qp 44) ${chunks[i]!.byteLength} B`,
      );
      const fine = psnr(await i420(frames[i + 1]!), picture(i + 1));
      const coarse = psnr(await i420(frames[i]!), picture(i));
      assert.ok(fine > coarse + 5, `PSNR ${fine.toFixed(1)} dB at qp 12, ${coarse.toFixed(1)} dB at qp 44`);
    }
    for (const f of frames) f.close();
  });

  test('the mechanism: libx264 under these settings encodes each frame at the crf set just before it, as its QP', async () => {
    const encoder = await Encoder.open({
      codec: 'libx264',
      width: W,
      height: H,
      pixelFormat: 'yuv420p',
      frameRate: { num: 25, den: 1 },
      options: { crf: 23, tune: 'zerolatency', 'x264-params': X264_QUANTIZER_PARAMS },
    });
    const wanted = [10, 45, 20, 30, 51, 0, 12, 44, 33, 33, 5, 40];
    const got: number[] = [];
    for (const [i, qp] of wanted.entries()) {
      const f = Frame.from(picture(i), { width: W, height: H, pixelFormat: 'yuv420p' }).set({ pts: i });
      for (const p of await encoder.encode(f, { frameOptions: [{ crf: qp }] })) {
        // libx264's AV_PKT_DATA_QUALITY_STATS: the frame's QP times FF_QP2LAMBDA (118), little-endian.
        const stats = p.sideData('Quality stats');
        assert.ok(stats);
        got.push(new DataView(stats.buffer, stats.byteOffset).getInt32(0, true) / 118);
        p.close();
      }
      f.close();
    }
    for (const p of await encoder.flush()) p.close();
    await encoder.close();
    assert.deepEqual(got, wanted);
    const plain = await Encoder.open({ codec: 'libx264', width: W, height: H, pixelFormat: 'yuv420p', frameRate: { num: 25, den: 1 } });
    const f = Frame.from(picture(0), { width: W, height: H, pixelFormat: 'yuv420p' });
    await assert.rejects(plain.encode(f, { frameOptions: [{ bogus: 1 }] }), /bogus/, 'an option the encoder does not have is an error');
    await assert.rejects(plain.encode([f, f], { frameOptions: [{ crf: 1 }] }), /one per frame/);
    f.close();
    await plain.close();
  });

  test("quantizers outside the registrations' ranges are TypeErrors", () => {
    const encoder = new VideoEncoder({ output: () => {}, error: () => {} });
    encoder.configure(avc);
    const f = videoFrame(0);
    assert.throws(() => encoder.encode(f, { avc: { quantizer: 52 } }), TypeError);
    assert.throws(() => encoder.encode(f, { vp9: { quantizer: 64 } }), TypeError);
    assert.throws(() => encoder.encode(f, { av1: { quantizer: -1 } }), TypeError);
    f.close();
    encoder.close();
  });

  test('the encoders without a per-frame quantizer: unsupported, and configure() reports a NotSupportedError saying why', async () => {
    for (const codec of ['vp09.00.10.08', 'av01.0.04M.08', 'hev1.1.6.L93.B0', 'vp8']) {
      const config: VideoEncoderConfig = { codec, width: W, height: H, bitrateMode: 'quantizer' };
      const support = await VideoEncoder.isConfigSupported(config);
      assert.equal(support.supported, false, codec);
      const errors: DOMException[] = [];
      const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
      encoder.configure(config);
      await until(() => errors.length > 0, 'the error callback');
      assert.equal(errors[0]!.name, 'NotSupportedError');
      // the reason is the quantizer where the linked FFmpeg has an encoder for the codec at all
      // (a self-contained build has no AV1 encoder)
      if ((await VideoEncoder.isConfigSupported({ codec, width: W, height: H })).supported) assert.match(errors[0]!.message, /quantizer/, codec);
    }
  });
});

describe("alpha: 'keep'", () => {
  /** I420A picture `i`: the I420 pattern and an alpha plane of a horizontal ramp that moves. */
  function alphaPlane(i: number): Uint8Array {
    const a = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) a[y * W + x] = Math.min(255, 16 + ((x * 2 + i * 3) % 224));
    return a;
  }
  function i420a(i: number): VideoFrame {
    const data = new Uint8Array([...picture(i), ...alphaPlane(i)]);
    return new VideoFrame(data, { format: 'I420A', codedWidth: W, codedHeight: H, timestamp: i * 40_000, duration: 40_000 });
  }

  for (const codec of ['vp8', 'vp09.00.10.08']) {
    test(`${codec}: every chunk carries alphaSideData, a ${codec} stream whose pictures are the alpha planes`, async () => {
      const config: VideoEncoderConfig = { codec, width: W, height: H, alpha: 'keep', bitrate: 1_000_000, framerate: 25 };
      const support = await VideoEncoder.isConfigSupported(config);
      assert.equal(support.supported, true);
      assert.equal(support.config.alpha, 'keep');
      const chunks: EncodedVideoChunk[] = [];
      const alpha: EncodedVideoChunk[] = [];
      let decoderConfig: VideoDecoderConfig | undefined;
      const errors: unknown[] = [];
      const encoder = new VideoEncoder({
        output: (c, m) => {
          chunks.push(c);
          decoderConfig ??= m?.decoderConfig;
          assert.ok(m?.alphaSideData instanceof ArrayBuffer, 'alphaSideData on every chunk');
          alpha.push(new EncodedVideoChunk({ type: c.type, timestamp: c.timestamp, data: m.alphaSideData }));
        },
        error: (e) => errors.push(e),
      });
      encoder.configure(config);
      const count = 8;
      for (let i = 0; i < count; i++) {
        const f = i420a(i);
        encoder.encode(f, { keyFrame: i === 0 });
        f.close();
      }
      await encoder.flush();
      encoder.close();
      assert.deepEqual(errors, []);
      assert.ok(decoderConfig);
      const colour = await decodeVideo(decoderConfig, chunks);
      const planes = await decodeVideo(decoderConfig, alpha);
      assert.equal(colour.length, count);
      assert.equal(planes.length, count);
      for (let i = 0; i < count; i++) {
        const luma = (await i420(planes[i]!)).subarray(0, W * H);
        assert.ok(psnr(luma, alphaPlane(i)) > 30, `alpha of frame ${i}: ${psnr(luma, alphaPlane(i)).toFixed(1)} dB`);
        assert.ok(psnr((await i420(colour[i]!)).subarray(0, W * H), picture(i).subarray(0, W * H)) > 30);
      }
      for (const f of [...colour, ...planes]) f.close();
    });
  }

  test('an I420 frame (no alpha) encodes as opaque', async () => {
    const alpha: ArrayBuffer[] = [];
    const encoder = new VideoEncoder({ output: (_c, m) => m?.alphaSideData && alpha.push(m.alphaSideData), error: () => {} });
    encoder.configure({ codec: 'vp8', width: W, height: H, alpha: 'keep' });
    const f = videoFrame(0);
    encoder.encode(f);
    f.close();
    await encoder.flush();
    encoder.close();
    assert.equal(alpha.length, 1);
    const planes = await decodeVideo({ codec: 'vp8' }, [new EncodedVideoChunk({ type: 'key', timestamp: 0, data: alpha[0]! })]);
    const luma = (await i420(planes[0]!)).subarray(0, W * H);
    assert.ok(
      luma.every((v) => v >= 250),
      'opaque',
    );
    planes[0]!.close();
  });

  test('the codecs libav encodes no alpha for: unsupported, NotSupportedError from configure()', async () => {
    for (const codec of ['avc1.42001f', 'hev1.1.6.L93.B0', 'av01.0.04M.08', 'vp09.02.10.10']) {
      const config: VideoEncoderConfig = { codec, width: W, height: H, alpha: 'keep' };
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false, codec);
      const errors: DOMException[] = [];
      const encoder = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
      encoder.configure(config);
      await until(() => errors.length > 0, 'the error callback');
      assert.equal(errors[0]!.name, 'NotSupportedError');
      // the reason is alpha where the linked FFmpeg has an encoder for the codec at all
      if ((await VideoEncoder.isConfigSupported({ codec, width: W, height: H })).supported) assert.match(errors[0]!.message, /alpha/, codec);
    }
  });
});
