// avforge/webcodecs: the W3C classes with the W3C signatures. Compiled by `npm run test:types`,
// never run.
import { expectTypeOf } from 'expect-type';
import {
  AudioData,
  AudioDecoder,
  AudioEncoder,
  type CodecState,
  classes,
  type DOMRectReadOnly,
  EncodedAudioChunk,
  EncodedVideoChunk,
  install,
  type VideoColorSpace,
  VideoDecoder,
  type VideoDecoderSupport,
  VideoEncoder,
  VideoFrame,
  type VideoPixelFormat,
} from 'avforge/webcodecs';

const decoder = new VideoDecoder({
  output: (frame) => expectTypeOf(frame).toEqualTypeOf<VideoFrame>(),
  error: (e) => expectTypeOf(e).toEqualTypeOf<DOMException>(),
});
decoder.configure({ codec: 'avc1.42E01E', codedWidth: 640, codedHeight: 480, hardwareAcceleration: 'prefer-software' });
expectTypeOf(decoder.state).toEqualTypeOf<CodecState>();
expectTypeOf(decoder.decodeQueueSize).toEqualTypeOf<number>();
expectTypeOf(decoder.decode).parameter(0).toEqualTypeOf<EncodedVideoChunk>();
expectTypeOf(decoder.flush()).toEqualTypeOf<Promise<void>>();
expectTypeOf(VideoDecoder.isConfigSupported({ codec: 'vp8' })).toEqualTypeOf<Promise<VideoDecoderSupport>>();
// @ts-expect-error a config names its codec
decoder.configure({ codedWidth: 640 });

const encoder = new VideoEncoder({
  output: (chunk, metadata) => {
    expectTypeOf(chunk).toEqualTypeOf<EncodedVideoChunk>();
    expectTypeOf(metadata?.decoderConfig?.codec).toEqualTypeOf<string | undefined>();
  },
  error: () => {},
});
encoder.configure({ codec: 'avc1.42E01E', width: 640, height: 480, bitrate: 1_000_000, framerate: 30, latencyMode: 'realtime' });
// @ts-expect-error an encoder config needs width and height
encoder.configure({ codec: 'vp8' });
new AudioDecoder({ output: (d) => expectTypeOf(d).toEqualTypeOf<AudioData>(), error: () => {} });
new AudioEncoder({ output: (c) => expectTypeOf(c).toEqualTypeOf<EncodedAudioChunk>(), error: () => {} });

const frame = new VideoFrame(new Uint8Array(640 * 480 * 1.5), { format: 'I420', codedWidth: 640, codedHeight: 480, timestamp: 0 });
expectTypeOf(frame.format).toEqualTypeOf<VideoPixelFormat | null>();
expectTypeOf(frame.visibleRect).toEqualTypeOf<DOMRectReadOnly | null>();
expectTypeOf(frame.colorSpace).toEqualTypeOf<VideoColorSpace>();
expectTypeOf(frame.duration).toEqualTypeOf<number | null>();
expectTypeOf(frame.clone()).toEqualTypeOf<VideoFrame>();
new VideoFrame(frame, { timestamp: 40_000 });
// @ts-expect-error not a WebCodecs pixel format
new VideoFrame(new Uint8Array(1), { format: 'yuv420p', codedWidth: 1, codedHeight: 1, timestamp: 0 });

const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: new Uint8Array(8) });
expectTypeOf(chunk.type).toEqualTypeOf<'key' | 'delta'>();
expectTypeOf(chunk.duration).toEqualTypeOf<number | null>();
expectTypeOf(chunk.byteLength).toEqualTypeOf<number>();
// @ts-expect-error a chunk is 'key' or 'delta'
new EncodedAudioChunk({ type: 'keyframe', timestamp: 0, data: new Uint8Array(8) });

const audio = new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: 960, numberOfChannels: 2, timestamp: 0, data: new Float32Array(1920) });
expectTypeOf(audio.numberOfFrames).toEqualTypeOf<number>();

expectTypeOf(install).returns.toEqualTypeOf<string[]>();
expectTypeOf(classes.VideoDecoder).toEqualTypeOf<typeof VideoDecoder>();
