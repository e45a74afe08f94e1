// Runs a planned job on the native pipeline: opens the inputs (paths, URLs or JS sources),
// lets the planner see them, runs the plan off the JS thread, and turns the counters into
// progress, the AbortSignal into a cancel, and frame taps into batched callbacks.
import { AvError, avOptions, invalidArgument, withCallerStack } from '../errors.js';
import { Frame } from '../core/frame.js';
import { SinkBridge, type OutputTarget, type SinkOptions } from '../io/sink.js';
import { defaultInputOptions, explainInputError, SourceBridge, type InputSource, type SourceOptions } from '../io/source.js';
import { addon, type NativePipeline } from '../native.js';
import type { HardwareChoice } from '../core/hw_device.js';
import { filterResults, type FilterResults } from './filter_results.js';
import type { InputDescription, NativePlan } from './plan.js';
import type { CancelMode, FrameTap, JobOptions, PayloadSizes, Progress, StageBusy } from './types.js';

export interface JobInput extends SourceOptions {
  source: InputSource;
  format?: string;
  options?: Record<string, unknown>;
}

export interface JobOutput {
  target?: string | OutputTarget; // none: the plan collects packets (thumbnails)
  sink?: SinkOptions;
}

export interface JobRun {
  bytes: number;
  duration: number | null;
  stopped: boolean;
  frames: number[];
  /** Frames the decoders gave (all decoded streams) and packets the demuxers read: what the job cost. */
  framesDecoded: number;
  packetsRead: number;
  damaged: number;
  dupFrames: number;
  dropFrames: number;
  sizes: PayloadSizes;
  /** Per output file: its bytes, duration (seconds) and payload sizes. */
  outputs: { bytes: number; duration: number | null; sizes: PayloadSizes }[];
  busy: StageBusy;
  elapsed: number;
  collected: { data: Buffer; time: number | null }[][];
  hardware: HardwareChoice[];
  filters: FilterResults;
}

/** A running job: a Promise of its result, and cancel() for graceful or immediate stops. */
export type Job<T> = Promise<T> & {
  /**
   * 'graceful': end the inputs now and finish a valid, shorter output that ends close to the
   * progress time at the call (frames past it are dropped; the encoders' look-ahead is still
   * written); 'abort' (default): stop and remove it.
   */
  cancel(mode?: CancelMode): void;
};

function cancelMode(signal: AbortSignal, fallback: CancelMode | undefined): CancelMode {
  return signal.reason === 'graceful' ? 'graceful' : (fallback ?? 'abort');
}

/** Starts a job whose options are checked already (options/pipeline.ts); `plan` sees the opened inputs. */
export function startJob(
  op: string,
  inputs: JobInput[],
  outputs: JobOutput[],
  options: JobOptions & { onFrames?: FrameTap },
  plan: (inputs: InputDescription[]) => NativePlan | Promise<NativePlan>,
): Job<JobRun> {
  // Made now, so that an abort reaches the native side whatever the job is waiting on: the
  // inputs' opening (their interrupt callbacks and custom-I/O waits watch it), the run, a tap.
  const handle = new (addon().Pipeline)();
  let running = false;
  let aborted = false;
  let settleAborted: (() => void) | undefined;
  const cancel = (mode: CancelMode = 'abort') => {
    if (mode !== 'graceful' && mode !== 'abort') throw invalidArgument('mode', "'graceful' or 'abort'", mode);
    // Graceful finishes the output from the inputs read so far; before they are open there is
    // nothing to finish, so it stops the job as an abort does.
    if (mode === 'graceful' && running) return handle.cancel('graceful');
    aborted = true;
    handle.cancel('abort');
    settleAborted?.();
  };
  const signal = options.signal;
  const onAbort = () => cancel(cancelMode(signal!, options.cancel));
  signal?.addEventListener('abort', onAbort, { once: true });
  // Settles the job the moment it is aborted while JS awaits something of its own (a source's
  // set-up, the planner), rather than when that something ends.
  const abortedWait = new Promise<never>((_, reject) => {
    settleAborted = () => reject(abortError(op, signal));
  });
  abortedWait.catch(() => {});
  const orAbort = <T>(p: Promise<T>): Promise<T> => Promise.race([p, abortedWait]);
  const work = (async () => {
    const start = performance.now();
    if (signal?.aborted) onAbort();
    if (aborted) throw abortError(op, signal);
    const sources: SourceBridge[] = [];
    const sinks: SinkBridge[] = [];
    let timer: NodeJS.Timeout | undefined;
    let tapError: unknown;
    try {
      const specs = [];
      for (const [i, input] of inputs.entries()) {
        const name = typeof input.source === 'string' ? input.source : `<input ${i}>`;
        const bridge = typeof input.source === 'string' ? undefined : await orAbort(SourceBridge.create(input.source, input));
        if (bridge) sources.push(bridge);
        // the same protocol allow-lists as Demuxer.open (SECURITY.md); the caller's options win
        const trusted = input.trusted === true;
        const options = { ...defaultInputOptions(input.source, trusted), ...avOptions(input.options, 'input.options') };
        specs.push({ target: bridge ? bridge.native : (input.source as string), format: input.format, options, name, trusted });
      }
      const descriptions = (await orAbort(handle.open(specs))) as InputDescription[];
      const nativePlan = await orAbort(Promise.resolve(plan(descriptions)));
      for (const [k, output] of outputs.entries()) {
        const target = output.target;
        const sink = target !== undefined && typeof target !== 'string' ? SinkBridge.create(target, output.sink) : undefined;
        if (sink) sinks.push(sink);
        const planned = nativePlan.outputs[k]!;
        planned.target = typeof target === 'string' ? target : (sink?.native ?? null);
        planned.name = typeof target === 'string' ? target : outputs.length > 1 ? `<output ${k}>` : '<output>';
      }
      if (aborted) throw abortError(op, signal);
      running = true;
      const total = totalDuration(descriptions, nativePlan);
      if (options.onProgress) {
        const report = options.onProgress;
        timer = setInterval(() => {
          try {
            report(progressOf(handle, start, total));
          } catch (e) {
            tapError ??= e;
            handle.cancel('abort');
          }
        }, options.progressInterval ?? 500);
      }
      const tap = options.onFrames ? wrapTap(options.onFrames, (e) => (tapError ??= e)) : undefined;
      let r: Awaited<ReturnType<NativePipeline['run']>>;
      try {
        r = await handle.run(nativePlan, tap);
      } catch (e) {
        if (tapError !== undefined) throw tapError;
        throw e;
      }
      for (const sink of sinks) await sink.finish();
      const stats = handle.stats();
      if (timer && options.onProgress) options.onProgress(progressOf(handle, start, total));
      return {
        bytes: r.bytes,
        duration: r.duration === null ? null : r.duration / 1e6,
        stopped: r.stopped,
        frames: stats.frames,
        framesDecoded: stats.framesDecoded,
        packetsRead: stats.packetsRead,
        damaged: stats.damaged,
        dupFrames: stats.dupFrames,
        dropFrames: stats.dropFrames,
        sizes: r.sizes,
        busy: r.busy,
        outputs: r.outputs.map((o) => ({ bytes: o.bytes, duration: o.duration === null ? null : o.duration / 1e6, sizes: o.sizes })),
        elapsed: performance.now() - start,
        collected: r.collected,
        hardware: r.hardware.map((h) => ({ ...h, stage: h.stage as HardwareChoice['stage'] })),
        filters: filterResults(r.filters),
      };
    } catch (e) {
      // whatever the abort interrupted (an open, a read, a write) failed because of it
      if (aborted) throw abortError(op, signal);
      // a failed source or sink: its own error is the cause; an unseekable input says so
      const source = sources.find((s) => s.error !== undefined) ?? (sources.length === 1 && inputs.length === 1 ? sources[0] : undefined);
      const error = source ? explainInputError(e, source) : e;
      const sink = sinks.find((k) => k.error !== undefined);
      if (error instanceof AvError && sink && error.cause === undefined)
        Object.defineProperty(error, 'cause', { value: sink.error, configurable: true, writable: true });
      throw withCallerStack(error, startJob);
    } finally {
      if (timer) clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      settleAborted = undefined;
      for (const s of sources) s.release();
      for (const sink of sinks) sink.release();
      // an aborted job settles now; the native side finishes its teardown on its own
      if (aborted) void handle.close().catch(() => {});
      else await handle.close();
    }
  })();
  return Object.assign(work, { cancel });
}

function abortError(op: string, signal: AbortSignal | undefined): Error {
  const e = new AvError('The job was aborted', { code: 'ABORT_ERR', op });
  e.name = 'AbortError';
  if (signal?.aborted && signal.reason !== undefined) Object.defineProperty(e, 'cause', { value: signal.reason, configurable: true, writable: true });
  return e;
}

/** Seconds of output the job should make, when the inputs say: for the percentage. */
function totalDuration(inputs: InputDescription[], plan: NativePlan): number | null {
  const d = inputs[0]?.format.duration;
  let total = d === null || d === undefined ? null : d / 1e6 - (plan.start[0] ?? 0) / 1e6;
  if (plan.duration !== null) total = total === null ? plan.duration / 1e6 : Math.min(total, plan.duration / 1e6);
  return total !== null && total > 0 ? total : null;
}

function progressOf(handle: NativePipeline, start: number, total: number | null): Progress {
  const s = handle.stats();
  const elapsed = performance.now() - start;
  const time = s.outTime === null ? 0 : Math.max(0, s.outTime / 1e6);
  const frames = s.frames[0] ?? 0;
  return {
    frames,
    fps: elapsed > 0 ? (frames * 1000) / elapsed : 0,
    time,
    speed: elapsed > 0 ? time / (elapsed / 1000) : 0,
    percent: total === null ? null : Math.min(100, (time / total) * 100),
    bytes: s.bytes,
    bitRate: time > 0 ? (s.bytes * 8) / time : 0,
    elapsed,
    damaged: s.damaged,
    dupFrames: s.dupFrames,
    dropFrames: s.dropFrames,
  };
}

/**
 * The native side hands a batch and waits for done(): the user's callback (sync or async)
 * runs, its frames are closed after it (they are views of the pipeline's frames), and a
 * throw fails the job with that error.
 */
function wrapTap(tap: FrameTap, keep: (e: unknown) => void) {
  return (stream: number, natives: ConstructorParameters<typeof Object>[0][], done: (error?: unknown) => void) => {
    const frames = natives.map((n) => Frame.wrap(n as never));
    const finish = () => {
      for (const f of frames) f.close();
      done();
    };
    const fail = (e: unknown) => {
      for (const f of frames) f.close();
      keep(e ?? new Error('the frame tap failed'));
      done(e ?? new Error('the frame tap failed'));
    };
    let result: void | Promise<void>;
    try {
      result = tap(frames, { stream });
    } catch (e) {
      return fail(e);
    }
    // a tap that returned no promise is done now: the stage goes on without waiting a microtask
    if (result === undefined || typeof (result as Promise<void> | null)?.then !== 'function') return finish();
    Promise.resolve(result).then(finish, fail);
  };
}
