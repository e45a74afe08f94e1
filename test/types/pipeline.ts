// Types of the native pipelines as users see them: what transcode(), remux() and thumbnails()
// take and give. Compiled by `npm run test:types`, never run.
import {
  type HardwareChoice,
  type Job,
  type PayloadSizes,
  type Progress,
  remux,
  type Thumbnail,
  thumbnails,
  transcode,
  type TranscodeOptions,
  type TranscodeResult,
} from 'avforge';
import { expectTypeOf } from 'expect-type';

// a job is a Promise of its result that can also be cancelled
expectTypeOf(transcode).returns.toEqualTypeOf<Job<TranscodeResult>>();
expectTypeOf(remux).returns.toEqualTypeOf<Job<TranscodeResult>>();
expectTypeOf(thumbnails).returns.toEqualTypeOf<Job<Thumbnail[]>>();
expectTypeOf<Job<TranscodeResult>>().toExtend<Promise<TranscodeResult>>();
expectTypeOf<Job<TranscodeResult>['cancel']>().parameters.toEqualTypeOf<[mode?: 'graceful' | 'abort']>();

expectTypeOf<TranscodeResult['output']>().toEqualTypeOf<string | null>();
expectTypeOf<TranscodeResult['duration']>().toEqualTypeOf<number | null>();
expectTypeOf<TranscodeResult['frames']>().toEqualTypeOf<number[]>();
expectTypeOf<TranscodeResult['stopped']>().toEqualTypeOf<boolean>();
expectTypeOf<TranscodeResult['hardware']>().toEqualTypeOf<HardwareChoice[]>();
expectTypeOf<Thumbnail['time']>().toEqualTypeOf<number>();
expectTypeOf<Thumbnail['data']>().toEqualTypeOf<Buffer>();
expectTypeOf<Thumbnail['file']>().toEqualTypeOf<string | undefined>();
expectTypeOf<Progress['percent']>().toEqualTypeOf<number | null>();
expectTypeOf<TranscodeResult['dupFrames']>().toEqualTypeOf<number>();
expectTypeOf<TranscodeResult['dropFrames']>().toEqualTypeOf<number>();
expectTypeOf<TranscodeResult['sizes']>().toEqualTypeOf<PayloadSizes>();
expectTypeOf<PayloadSizes>().toEqualTypeOf<{ video: number; audio: number; subtitle: number; other: number; globalHeaders: number; overhead: number }>();
expectTypeOf<Progress['dupFrames']>().toEqualTypeOf<number | undefined>();

// options that are accepted
transcode('in.mp4', 'out.mkv', {
  video: {
    codec: 'libx264',
    crf: 20,
    preset: 'veryfast',
    width: 1280,
    frameRate: '30000/1001',
    gopSize: 60,
    options: { tune: 'film', refs: 4, 'b-pyramid': true },
  },
  audio: 'copy',
  subtitles: false,
  fastStart: true,
  metadata: { title: 'x' },
  signal: AbortSignal.timeout(1000),
  onProgress: (p) => expectTypeOf(p).toEqualTypeOf<Progress>(),
});
transcode('in.mp4', 'out.mkv', { video: false, audio: { codec: 'aac', bitRate: '128k', sampleRate: 48000, channelLayout: 'stereo' } });
transcode('in.mp4', 'out.mkv', { map: [{ input: 0, stream: 'v:0', codec: 'libx264', crf: 23 }], cancel: 'graceful' });
transcode('in.mp4', 'out.mp4', { hardware: { type: 'vaapi', device: '/dev/dri/renderD128' } });
remux('in.mp4', 'out.mkv', { streams: [0, 'a'], start: 1, duration: 2, chapters: [{ start: 0, end: 1, title: 'one' }] });
thumbnails('in.mp4', { times: [1, 2.5], width: 320, format: 'webp', quality: 80 });
expectTypeOf<TranscodeOptions['video']>().exclude<undefined | false | 'copy'>().toHaveProperty('crf').toEqualTypeOf<number | undefined>();

// options that are refused
// @ts-expect-error a misspelt video setting
transcode('in.mp4', 'out.mkv', { video: { crff: 20 } });
// @ts-expect-error a misspelt option
transcode('in.mp4', 'out.mkv', { vidoe: { crf: 20 } });
// @ts-expect-error crf is a number
transcode('in.mp4', 'out.mkv', { video: { crf: '20' } });
// @ts-expect-error 'copy' or false or settings, not true
transcode('in.mp4', 'out.mkv', { audio: true });
// @ts-expect-error a cancel mode is 'graceful' or 'abort'
transcode('in.mp4', 'out.mkv', { cancel: 'now' });
// @ts-expect-error remux copies streams: it has no encoder settings
remux('in.mp4', 'out.mkv', { video: { crf: 20 } });
// @ts-expect-error thumbnails are jpeg, png or webp
thumbnails('in.mp4', { format: 'gif' });
// @ts-expect-error thumbnails take no output file argument (options.output is the pattern)
thumbnails('in.mp4', 'out/%03d.jpg');

// the old names are gone: one name per idea (gopSize as the Encoder has it, frameRate)
// @ts-expect-error
transcode('in.mp4', 'out.mkv', { video: { gop: 48 } });
// @ts-expect-error
transcode('in.mp4', 'out.mkv', { video: { fps: 25 } });
