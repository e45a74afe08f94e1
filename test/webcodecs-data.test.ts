// avforge/webcodecs, the data classes: EncodedVideoChunk and EncodedAudioChunk, VideoFrame
// (layouts, copyTo rects and conversions, clone/close/transfer) and AudioData (copyTo formats and errors).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { AudioData, EncodedAudioChunk, EncodedVideoChunk, VideoColorSpace, VideoFrame, type AudioSampleFormat } from '../src/webcodecs/index.js';
import { W, H, FRAME_US, picture, videoFrame, domName, i420, captureLogs, expectNoLogs } from './webcodecs-util.js';

captureLogs();
expectNoLogs();

// ---- EncodedVideoChunk / EncodedAudioChunk ----

describe('EncodedVideoChunk and EncodedAudioChunk', () => {
  test('copy the data at construction; timestamps, duration, byteLength, copyTo', () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: -5, duration: 40, data });
    data[0] = 9;
    assert.equal(chunk.type, 'key');
    assert.equal(chunk.timestamp, -5);
    assert.equal(chunk.duration, 40);
    assert.equal(chunk.byteLength, 4);
    const out = new Uint8Array(6);
    chunk.copyTo(out);
    assert.deepEqual([...out], [1, 2, 3, 4, 0, 0]);
    assert.throws(() => chunk.copyTo(new Uint8Array(3)), TypeError);
    const audio = new EncodedAudioChunk({ type: 'delta', timestamp: 1.9, data: new ArrayBuffer(2) });
    assert.equal(audio.timestamp, 1, 'long long truncates toward zero');
    assert.equal(audio.duration, null);
    assert.equal(Object.prototype.toString.call(audio), '[object EncodedAudioChunk]');
  });

  test('invalid inits are TypeErrors; transfer detaches', () => {
    assert.throws(() => new EncodedVideoChunk({ type: 'other' as 'key', timestamp: 0, data: new Uint8Array(1) }), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', data: new Uint8Array(1) } as never), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', timestamp: NaN, data: new Uint8Array(1) }), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', timestamp: 0, duration: -1, data: new Uint8Array(1) }), TypeError);
    assert.throws(() => new EncodedVideoChunk({ type: 'key', timestamp: 0, data: 'abc' as never }), TypeError);
    const buffer = new ArrayBuffer(8);
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: buffer, transfer: [buffer] });
    assert.equal(buffer.byteLength, 0, 'the transferred buffer is detached');
    assert.equal(chunk.byteLength, 8);
    assert.throws(
      () => new EncodedVideoChunk({ type: 'key', timestamp: 0, data: new Uint8Array(1), transfer: [buffer] }),
      (e: unknown) => e instanceof DOMException && e.name === 'DataCloneError',
    );
  });
});

// ---- VideoFrame ----

describe('VideoFrame', () => {
  test('I420 with an odd coded size: allocationSize, copyTo layout and bytes (as the WPT test)', async () => {
    const buf = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const frame = new VideoFrame(buf, { format: 'I420', timestamp: 0, codedWidth: 3, codedHeight: 3 });
    assert.equal(frame.allocationSize(), buf.length);
    const data = new Uint8Array(buf.length);
    const layout = await frame.copyTo(data);
    assert.deepEqual(layout, [
      { offset: 0, stride: 3 },
      { offset: 9, stride: 2 },
      { offset: 13, stride: 2 },
    ]);
    assert.deepEqual(data, buf);
    frame.close();
  });

  test('attributes, color space defaults, metadata, timestamps in microseconds', () => {
    const rgba = new VideoFrame(new Uint8Array(4 * 4 * 2), { format: 'RGBA', codedWidth: 4, codedHeight: 2, timestamp: -33 });
    assert.equal(rgba.format, 'RGBA');
    assert.equal(rgba.timestamp, -33);
    assert.equal(rgba.duration, null);
    assert.deepEqual(rgba.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true });
    assert.deepEqual(rgba.codedRect?.toJSON(), { x: 0, y: 0, width: 4, height: 2, top: 0, right: 4, bottom: 2, left: 0 });
    assert.deepEqual(rgba.metadata(), {});
    const yuv = videoFrame(3);
    assert.deepEqual(yuv.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false });
    assert.equal(yuv.timestamp, 3 * FRAME_US);
    assert.equal(yuv.duration, FRAME_US);
    assert.equal(yuv.displayWidth, W);
    const cs = new VideoColorSpace({ primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020-ncl', fullRange: false });
    assert.deepEqual(cs.toJSON(), { primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020-ncl', fullRange: false });
    rgba.close();
    yuv.close();
  });

  test('buffer inits that are not valid are TypeErrors', () => {
    const data = picture(0);
    const init = { format: 'I420' as const, codedWidth: W, codedHeight: H, timestamp: 0 };
    assert.throws(() => new VideoFrame(data, { ...init, codedWidth: 0 }), TypeError);
    assert.throws(() => new VideoFrame(data.subarray(0, 100), init), TypeError, 'data too small');
    assert.throws(() => new VideoFrame(data, { ...init, visibleRect: { x: 1, y: 0, width: 8, height: 8 } }), TypeError, 'x not a multiple of 2');
    assert.throws(() => new VideoFrame(data, { ...init, visibleRect: { x: 0, y: 0, width: W + 2, height: 8 } }), TypeError, 'outside');
    assert.throws(() => new VideoFrame(data, { ...init, visibleRect: { x: 0, y: 0, width: 0, height: 8 } }), TypeError, 'empty');
    assert.throws(() => new VideoFrame(data, { ...init, displayWidth: 10 }), TypeError, 'displayWidth alone');
    assert.throws(() => new VideoFrame(data, { ...init, displayWidth: 0, displayHeight: 10 }), TypeError);
    assert.throws(() => new VideoFrame(data, { ...init, format: 'YV12' as 'I420' }), TypeError);
    assert.throws(() => new VideoFrame(data, { ...init, timestamp: Infinity }), TypeError);
    assert.throws(() => new VideoFrame(data, { format: 'I420', codedWidth: W, codedHeight: H } as never), TypeError, 'timestamp is required');
    assert.throws(() => new VideoFrame({} as never), TypeError, 'not a CanvasImageSource Node has');
    assert.throws(() => new VideoFrame(data, { ...init, layout: [{ offset: 0, stride: W }] }), TypeError, 'layout of the wrong length');
  });

  test('copyTo with a rect and a layout: strides, offsets, sub-sampled planes', async () => {
    const frame = videoFrame(2);
    const src = picture(2);
    const rect = { x: 4, y: 2, width: 10, height: 6 };
    const layout = [
      { offset: 100, stride: 16 },
      { offset: 0, stride: 8 },
      { offset: 40, stride: 5 },
    ];
    const size = frame.allocationSize({ rect, layout });
    assert.equal(size, 100 + 16 * 6);
    const out = new Uint8Array(size);
    const got = await frame.copyTo(out, { rect, layout });
    assert.deepEqual(got, layout);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 10; c++) assert.equal(out[100 + r * 16 + c], src[(2 + r) * W + 4 + c], `Y ${r},${c}`);
    const cw = W / 2;
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 5; c++) {
        assert.equal(out[r * 8 + c], src[W * H + (1 + r) * cw + 2 + c], `U ${r},${c}`);
        assert.equal(out[40 + r * 5 + c], src[W * H + cw * (H / 2) + (1 + r) * cw + 2 + c], `V ${r},${c}`);
      }
    await assert.rejects(frame.copyTo(new Uint8Array(size - 1), { rect, layout }), TypeError, 'destination too small');
    await assert.rejects(frame.copyTo(out, { rect: { x: 3, y: 2, width: 10, height: 6 } }), TypeError, 'misaligned rect');
    await assert.rejects(frame.copyTo(out, { layout: [{ offset: 0, stride: 4 }, layout[1]!, layout[2]!] }), TypeError, 'stride below the row');
    await assert.rejects(
      frame.copyTo(new Uint8Array(1 << 16), {
        layout: [
          { offset: 0, stride: W },
          { offset: 10, stride: cw },
          { offset: W * H + 4000, stride: cw },
        ],
      }),
      TypeError,
      'overlapping planes',
    );
    frame.close();
  });

  test('NV12, I444, RGBA/BGRX buffers round-trip; copyTo converts I420 to RGBA', async () => {
    for (const [format, bytes] of [
      ['NV12', W * H * 1.5],
      ['I444', W * H * 3],
      ['BGRX', W * H * 4],
      ['I420P10', W * H * 3],
    ] as const) {
      const data = new Uint8Array(bytes).map((_, i) => (i * 7) & 0xff);
      if (format === 'I420P10') for (let i = 1; i < data.length; i += 2) data[i]! &= 3; // 10-bit samples
      const f = new VideoFrame(data, { format, codedWidth: W, codedHeight: H, timestamp: 0 });
      const out = new Uint8Array(f.allocationSize());
      await f.copyTo(out);
      assert.deepEqual(out, data, format);
      f.close();
    }
    const gray = new Uint8Array(W * H * 1.5).fill(128);
    gray.fill(235, 0, W * H);
    const f = new VideoFrame(gray, { format: 'I420', codedWidth: W, codedHeight: H, timestamp: 0 });
    const rgba = new Uint8Array(f.allocationSize({ format: 'RGBA' }));
    assert.equal(rgba.length, W * H * 4);
    await f.copyTo(rgba, { format: 'RGBA' });
    assert.ok(rgba[0]! >= 250 && rgba[1]! >= 250 && rgba[2]! >= 250 && rgba[3] === 255, `white: ${rgba.subarray(0, 4).join(',')}`);
    assert.throws(
      () => f.allocationSize({ format: 'NV12' }),
      (e: unknown) => e instanceof DOMException && e.name === 'NotSupportedError',
    );
    f.close();
  });

  test('clone shares, close detaches; a frame from a frame takes new timing and rect', async () => {
    const frame = videoFrame(1);
    const clone = frame.clone();
    const sub = new VideoFrame(frame, { timestamp: 7, duration: 3, visibleRect: { x: 2, y: 2, width: 100, height: 50 } });
    frame.close();
    assert.equal(frame.format, null);
    assert.equal(frame.codedWidth, 0);
    assert.equal(frame.visibleRect, null);
    assert.equal(frame.timestamp, FRAME_US, 'timestamp survives close');
    assert.throws(() => frame.clone(), domName('InvalidStateError'));
    assert.throws(() => frame.allocationSize(), domName('InvalidStateError'));
    await assert.rejects(frame.copyTo(new Uint8Array(1 << 16)), domName('InvalidStateError'));
    assert.throws(() => new VideoFrame(frame), domName('InvalidStateError'));
    assert.deepEqual(await i420(clone), picture(1), 'the clone still reads the pixels');
    assert.equal(sub.timestamp, 7);
    assert.equal(sub.duration, 3);
    assert.deepEqual(sub.visibleRect?.toJSON(), { x: 2, y: 2, width: 100, height: 50, top: 2, right: 102, bottom: 52, left: 2 });
    assert.equal(sub.displayWidth, 100);
    assert.equal(sub.allocationSize(), 100 * 50 * 1.5);
    clone.close();
    sub.close();
  });

  test('transfer detaches the buffer; a layout with padding is read per row', async () => {
    const stride = W + 16;
    const buffer = new ArrayBuffer(stride * H + 2 * (W / 2) * (H / 2));
    const bytes = new Uint8Array(buffer);
    for (let r = 0; r < H; r++) bytes.fill(r, r * stride, r * stride + W);
    const f = new VideoFrame(buffer, {
      format: 'I420',
      codedWidth: W,
      codedHeight: H,
      timestamp: 0,
      layout: [
        { offset: 0, stride },
        { offset: stride * H, stride: W / 2 },
        { offset: stride * H + (W / 2) * (H / 2), stride: W / 2 },
      ],
      transfer: [buffer],
    });
    assert.equal(buffer.byteLength, 0);
    const out = await i420(f);
    for (let r = 0; r < H; r++) assert.equal(out[r * W + W - 1], r);
    f.close();
  });
});

// ---- AudioData ----

describe('AudioData', () => {
  const N = 6;
  const interleaved = new Int16Array([0, 100, -16384, 200, 16384, 300, 32767, 400, -32768, 500, 1, 600]);
  const make = (): AudioData => new AudioData({ format: 's16', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: N, timestamp: 1000, data: interleaved });

  test('attributes; copyTo of the same format, with frameOffset and frameCount', () => {
    const a = make();
    assert.equal(a.format, 's16');
    assert.equal(a.duration, 750);
    assert.equal(a.timestamp, 1000);
    assert.equal(a.allocationSize({ planeIndex: 0 }), N * 2 * 2);
    const out = new Int16Array(4);
    a.copyTo(out, { planeIndex: 0, frameOffset: 2, frameCount: 2 });
    assert.deepEqual([...out], [16384, 300, 32767, 400]);
    a.close();
  });

  test('copyTo converts between formats: interleaved s16 to f32-planar, u8, s32', () => {
    const a = make();
    assert.equal(a.allocationSize({ planeIndex: 1, format: 'f32-planar' }), N * 4);
    const right = new Float32Array(N);
    a.copyTo(right, { planeIndex: 1, format: 'f32-planar' });
    assert.deepEqual(
      [...right].map((v) => Math.round(v * 32768)),
      [100, 200, 300, 400, 500, 600],
    );
    const left = new Float32Array(N);
    a.copyTo(left, { planeIndex: 0, format: 'f32-planar' });
    assert.deepEqual([...left], [0, -0.5, 0.5, 32767 / 32768, -1, 1 / 32768]);
    const u8 = new Uint8Array(N);
    a.copyTo(u8, { planeIndex: 0, format: 'u8-planar' });
    assert.deepEqual([...u8], [128, 64, 192, 255, 0, 128]);
    const s32 = new Int32Array(2 * N);
    a.copyTo(s32, { planeIndex: 0, format: 's32' });
    assert.equal(s32[2], -16384 * 65536);
    // f32-planar back to interleaved s16 is exact for these values.
    const planar = new AudioData({
      format: 'f32-planar',
      sampleRate: 8000,
      numberOfChannels: 2,
      numberOfFrames: N,
      timestamp: 0,
      data: new Float32Array([...left, ...right]),
    });
    const back = new Int16Array(2 * N);
    planar.copyTo(back, { planeIndex: 0, format: 's16' });
    assert.deepEqual([...back], [...interleaved]);
    a.close();
    planar.close();
  });

  test('copyTo errors: RangeError for planes, offsets, counts and sizes; InvalidStateError when closed', () => {
    const a = make();
    const big = new Uint8Array(1024);
    assert.throws(() => a.copyTo(big, { planeIndex: 1 }), RangeError, 'interleaved has one plane');
    assert.throws(() => a.copyTo(big, { planeIndex: 2, format: 's16-planar' }), RangeError);
    assert.throws(() => a.copyTo(big, { planeIndex: 0, frameOffset: N }), RangeError);
    assert.throws(() => a.copyTo(big, { planeIndex: 0, frameOffset: 1, frameCount: N }), RangeError);
    assert.throws(() => a.copyTo(new Uint8Array(3), { planeIndex: 0 }), RangeError);
    assert.throws(() => a.copyTo(big, {} as never), TypeError, 'planeIndex is required');
    const c = a.clone();
    a.close();
    assert.equal(a.format, null);
    assert.equal(a.numberOfFrames, 0);
    assert.equal(a.sampleRate, 0);
    assert.equal(a.timestamp, 1000);
    assert.throws(() => a.copyTo(big, { planeIndex: 0 }), domName('InvalidStateError'));
    assert.throws(() => a.clone(), domName('InvalidStateError'));
    assert.equal(c.numberOfFrames, N, 'the clone keeps the data');
    c.close();
    assert.throws(() => new AudioData({ format: 's16', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: 0, timestamp: 0, data: interleaved }), TypeError);
    assert.throws(
      () => new AudioData({ format: 's16', sampleRate: 8000, numberOfChannels: 2, numberOfFrames: 100, timestamp: 0, data: interleaved }),
      TypeError,
    );
    assert.throws(
      () => new AudioData({ format: 's24' as AudioSampleFormat, sampleRate: 8000, numberOfChannels: 2, numberOfFrames: 1, timestamp: 0, data: interleaved }),
      TypeError,
    );
  });
});
