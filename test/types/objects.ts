// The object API's basics and AvError as users see them. Compiled by `npm run test:types`,
// never run.
import {
  AvError,
  type AvErrorCode,
  type AvErrorInfo,
  type Decoder,
  Demuxer,
  Frame,
  Packet,
  PacketFlags,
  type Rational,
  type Stream,
  type MediaType,
  type Subtitle,
  type SubtitleRect,
  type SubtitleRectType,
} from 'avforge';
import { expectTypeOf } from 'expect-type';

// AvError: an Error with FFmpeg's code, the errno, the operation and where it happened
expectTypeOf<AvError>().toExtend<Error>();
expectTypeOf<AvError['code']>().toEqualTypeOf<AvErrorCode>();
expectTypeOf<'INVALIDDATA'>().toExtend<AvErrorCode>();
expectTypeOf<'STREAM_NOT_FOUND'>().toExtend<AvErrorCode>();
// a code nobody produces is a compile error where it is compared
// @ts-expect-error
expectTypeOf<'NO_SUCH_CODE'>().toExtend<AvErrorCode>();
expectTypeOf<AvError['op']>().toEqualTypeOf<string>();
expectTypeOf<AvError['errno']>().toEqualTypeOf<number | undefined>();
expectTypeOf<AvError['url']>().toEqualTypeOf<string | undefined>();
expectTypeOf<AvError['stream']>().toEqualTypeOf<number | undefined>();
expectTypeOf<AvError['stage']>().toEqualTypeOf<string | undefined>();
expectTypeOf<AvError['time']>().toEqualTypeOf<number | undefined>();
expectTypeOf(AvError).constructorParameters.toEqualTypeOf<[text: string, info: AvErrorInfo]>();
const err = new AvError('Invalid data found when processing input', { code: 'INVALIDDATA', errno: -1094995529, op: 'read', url: 'in.mp4' });
// @ts-expect-error the fields are read-only
err.code = 'EAGAIN';
// @ts-expect-error every AvError names its operation
new AvError('x', { code: 'EINVAL' });

// Packet
const packet = Packet.from(new Uint8Array(16), { pts: 0, dts: 0, streamIndex: 1, timeBase: { num: 1, den: 1000 } });
expectTypeOf(packet).toEqualTypeOf<Packet>();
expectTypeOf(packet.pts).toEqualTypeOf<number | null>();
expectTypeOf(packet.data).toEqualTypeOf<Uint8Array>();
expectTypeOf(packet.timeBase).toEqualTypeOf<Rational>();
expectTypeOf(packet.isKeyFrame).toEqualTypeOf<boolean>();
expectTypeOf(packet.clone()).toEqualTypeOf<Packet>();
expectTypeOf(PacketFlags.KEY).toEqualTypeOf<0x1>();
expectTypeOf<Packet>().toExtend<Disposable>();
// @ts-expect-error size is read-only
packet.size = 1;
// @ts-expect-error pts is a number (or null)
packet.set({ pts: '0' });

// Frame
const frame = Frame.alloc({ width: 64, height: 48, pixelFormat: 'yuv420p' });
Frame.alloc({ sampleRate: 48000, sampleFormat: 'fltp', nbSamples: 1024, channelLayout: 'stereo' });
expectTypeOf(frame.kind).toEqualTypeOf<'video' | 'audio' | 'empty'>();
expectTypeOf(frame.planes).toEqualTypeOf<Uint8Array[]>();
expectTypeOf(frame.toBuffer()).toEqualTypeOf<Buffer>();
expectTypeOf(frame.download()).toEqualTypeOf<Promise<Frame>>();
expectTypeOf<Frame>().toExtend<Disposable>();
// @ts-expect-error a layout is video (width, height, pixelFormat) or audio (sampleRate, sampleFormat, nbSamples)
Frame.alloc({ width: 64, height: 48 });

// Demuxer and Stream
expectTypeOf(Demuxer.open).returns.toEqualTypeOf<Promise<Demuxer>>();
declare const demuxer: Demuxer;
expectTypeOf(demuxer.streams).toEqualTypeOf<readonly Stream[]>();
expectTypeOf(demuxer.bestStream).parameter(0).toEqualTypeOf<MediaType>();
expectTypeOf(demuxer.bestStream('video')).toEqualTypeOf<Stream | undefined>();
expectTypeOf(demuxer.read()).toEqualTypeOf<Promise<Packet | null>>();
expectTypeOf(demuxer.packets()).toEqualTypeOf<AsyncGenerator<Packet, void, undefined>>();
expectTypeOf(demuxer.close()).toEqualTypeOf<Promise<void>>();
expectTypeOf(demuxer.duration).toEqualTypeOf<number | null>();
expectTypeOf<Demuxer>().toExtend<AsyncDisposable>();
expectTypeOf<Stream['type']>().toEqualTypeOf<MediaType>();
expectTypeOf<Stream['timeBase']>().toEqualTypeOf<Rational>();
// @ts-expect-error the constructor is private: Demuxer.open() opens one
new Demuxer();
// @ts-expect-error no such media type
demuxer.bestStream('subtitles');

// Decoder: subtitle streams give Subtitles (plain data), not Frames
declare const decoder: Decoder;
declare const subtitle: Subtitle;
expectTypeOf(decoder.decodeSubtitle).parameter(0).toEqualTypeOf<Packet>();
expectTypeOf(decoder.decodeSubtitle(packet)).toEqualTypeOf<Promise<Subtitle | null>>();
expectTypeOf(decoder.flushSubtitles()).toEqualTypeOf<Promise<Subtitle[]>>();
expectTypeOf(decoder.subtitles([packet])).toEqualTypeOf<AsyncGenerator<Subtitle, void, undefined>>();
expectTypeOf(decoder.subtitleHeader).toEqualTypeOf<string | undefined>();
expectTypeOf(subtitle.pts).toEqualTypeOf<number | null>();
expectTypeOf(subtitle.start).toEqualTypeOf<number | null>();
expectTypeOf(subtitle.end).toEqualTypeOf<number | null>();
expectTypeOf(subtitle.rects).toEqualTypeOf<readonly SubtitleRect[]>();
expectTypeOf<SubtitleRect['type']>().toEqualTypeOf<SubtitleRectType>();
expectTypeOf<SubtitleRect['ass']>().toEqualTypeOf<string | undefined>();
expectTypeOf<SubtitleRect['data']>().toEqualTypeOf<Uint8Array | undefined>();
expectTypeOf<SubtitleRect['palette']>().toEqualTypeOf<Uint32Array | undefined>();
// @ts-expect-error a Subtitle is read-only
subtitle.start = 0;
// @ts-expect-error a Subtitle holds no native memory: there is nothing to close
subtitle.close();
// @ts-expect-error decodeSubtitle takes one Packet
decoder.decodeSubtitle([packet]);
