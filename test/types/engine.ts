// Engine.submit's result type follows the job: a description gives its pipeline's result, a
// function its own return value. Compiled by `npm run test:types`, never run.
import {
  Engine,
  type JobContext,
  type JobHandle,
  type JobResult,
  type JobState,
  type ProbeJob,
  type RemuxJob,
  type Thumbnail,
  type ThumbnailsJob,
  type TranscodeJob,
  type TranscodeResult,
  type toFFprobeJson,
} from 'avforge';
import { expectTypeOf } from 'expect-type';

type FFprobeJson = ReturnType<typeof toFFprobeJson>;

expectTypeOf<JobResult<TranscodeJob>>().toEqualTypeOf<TranscodeResult>();
expectTypeOf<JobResult<RemuxJob>>().toEqualTypeOf<TranscodeResult>();
expectTypeOf<JobResult<ThumbnailsJob>>().toEqualTypeOf<Thumbnail[]>();
expectTypeOf<JobResult<ProbeJob>>().toEqualTypeOf<FFprobeJson>();
expectTypeOf<JobResult<() => Promise<number>>>().toEqualTypeOf<number>();
expectTypeOf<JobResult<() => string>>().toEqualTypeOf<string>();

const engine = new Engine({ concurrency: 2 });
expectTypeOf(engine.submit({ type: 'transcode', input: 'in.mp4', output: 'out.mkv', options: { video: { crf: 20 } } })).toEqualTypeOf<
  JobHandle<TranscodeResult>
>();
expectTypeOf(engine.submit({ type: 'remux', input: 'in.mp4', output: 'out.mkv' }, { priority: 5, key: 'tenant' })).toEqualTypeOf<JobHandle<TranscodeResult>>();
expectTypeOf(engine.submit({ type: 'thumbnails', input: 'in.mp4', options: { count: 4 } })).toEqualTypeOf<JobHandle<Thumbnail[]>>();
expectTypeOf(engine.submit({ type: 'probe', input: 'in.mp4' })).toEqualTypeOf<JobHandle<FFprobeJson>>();

const fn = engine.submit(async (ctx) => {
  expectTypeOf(ctx).toEqualTypeOf<JobContext>();
  expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
  return { frames: 1 };
});
expectTypeOf(fn).toEqualTypeOf<JobHandle<{ frames: number }>>();
expectTypeOf(fn.done).toEqualTypeOf<Promise<{ frames: number }>>();
expectTypeOf(fn.state).toEqualTypeOf<JobState>();
expectTypeOf(fn.cancel).parameters.toEqualTypeOf<[mode?: 'graceful' | 'abort']>();
expectTypeOf(engine.submit(() => 'done').done).toEqualTypeOf<Promise<string>>();

// @ts-expect-error a transcode job names its output
engine.submit({ type: 'transcode', input: 'in.mp4' });
// @ts-expect-error no such job type
engine.submit({ type: 'transmux', input: 'in.mp4', output: 'out.mkv' });
// @ts-expect-error a probe reads a file name
engine.submit({ type: 'probe', input: Buffer.alloc(1) });
// @ts-expect-error priority is a number
engine.submit({ type: 'probe', input: 'in.mp4' }, { priority: 'high' });
// @ts-expect-error the engine owns onProgress: listen to the handle's 'progress' event
engine.submit({ type: 'transcode', input: 'in.mp4', output: 'out.mkv', options: { onProgress: () => {} } });
// @ts-expect-error a misspelt video setting, inside a job's options
engine.submit({ type: 'transcode', input: 'in.mp4', output: 'out.mkv', options: { video: { crff: 20 } } });
