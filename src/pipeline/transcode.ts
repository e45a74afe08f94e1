// transcode(), remux(), thumbnails(): one call each, the whole chain native-side.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { invalidArgument, is } from '../errors.js';
import { checkOptions, checkStreamOutputFormat, inputSource } from '../options/pipeline.js';
import { DIRECT, refuseNul } from '../options/rules.js';
import type { OutputTarget } from '../io/sink.js';
import type { InputSource } from '../io/source.js';
import { chooseDecodeDevice, chooseEncoder, HwDevice, UPLOAD_TYPES, type HardwareChoice } from '../core/hw_device.js';
import { addon } from '../native.js';
import { planOutputs, planRemux, planThumbnails, thumbnailTimes, type HardwarePlan, type InputDescription } from './plan.js';
import { startJob, type Job, type JobInput, type JobRun } from './run.js';
import type { ExtraInput, HardwarePreference, RemuxOptions, Thumbnail, ThumbnailOptions, TranscodeOptions, TranscodeOutput, TranscodeResult } from './types.js';

/** Outputs one job writes at most: each has a mux thread and its encoders. */
const MAX_OUTPUTS = 64;

function checkOutput(output: unknown, o: { format?: string }): string | OutputTarget {
  if (typeof output === 'string') {
    if (output.length === 0) throw invalidArgument('output', 'a path or URL', output);
    refuseNul(output, 'output');
    return output;
  }
  if (output === null || output === undefined) throw invalidArgument('output', 'a path or URL, a Writable, a WritableStream or a chunk callback', output);
  checkStreamOutputFormat(o.format);
  return output as OutputTarget;
}

/** Anything SourceBridge can read: checked here so a wrong type throws before the job starts. */
function checkInput(input: unknown): InputSource {
  inputSource.check(input, 'input', DIRECT);
  return input as InputSource;
}

/** A hardware preference resolved against this machine: the device to use, and the choices made. */
async function resolveHardware(
  pref: HardwarePreference | undefined,
  videoCodec: string | undefined,
): Promise<{ plan?: HardwarePlan; choices: HardwareChoice[] }> {
  if (pref === undefined || pref === 'none') return { choices: [] };
  const spec = typeof pref === 'string' ? { type: pref } : pref;
  const choices: HardwareChoice[] = [];
  const decode = await chooseDecodeDevice(spec.type);
  const plan: HardwarePlan = { type: decode.device, device: spec.device, options: spec.options };
  plan.decodes = (codec) => plan.type !== null && HwDevice.decodeFormat(codec, plan.type) !== null;
  if (!decode.device) choices.push({ stage: 'decode', requested: spec.type, used: 'software', reason: decode.reason });
  if (videoCodec === 'h264' || videoCodec === 'hevc' || videoCodec === 'av1') {
    const enc = await chooseEncoder(videoCodec, spec.type);
    choices.push(enc.choice);
    plan.encoder = enc.codec;
    plan.encoderDevice = enc.device;
    if (enc.device && UPLOAD_TYPES.includes(enc.device)) {
      plan.upload = true;
      plan.type ??= enc.device;
    }
  }
  return { plan, choices };
}

function result(output: string | OutputTarget, r: JobRun, all: (string | OutputTarget)[] = [output]): TranscodeResult {
  return {
    output: typeof output === 'string' ? output : null,
    outputs: r.outputs.map((o, k) => ({ output: typeof all[k] === 'string' ? all[k] : null, ...o })),
    bytes: r.bytes,
    duration: r.duration,
    frames: r.frames,
    elapsed: r.elapsed,
    speed: r.duration !== null && r.elapsed > 0 ? r.duration / (r.elapsed / 1000) : 0,
    stopped: r.stopped,
    damaged: r.damaged,
    dupFrames: r.dupFrames,
    dropFrames: r.dropFrames,
    sizes: r.sizes,
    busy: r.busy,
    hardware: r.hardware,
    filters: r.filters,
  };
}

function chain<T>(job: Job<JobRun>, then: (r: JobRun) => T | Promise<T>): Job<T> {
  return Object.assign(job.then(then), { cancel: job.cancel });
}

/**
 * Decodes, filters and encodes `input` into `output` (a path, URL or stream), every stage on
 * native threads. Returns a Promise of the result with cancel('graceful' | 'abort').
 *
 *   await transcode('in.mp4', 'out.mkv', { video: { codec: 'libx265', crf: 28 }, audio: 'copy' });
 */
export function transcode(input: InputSource, output: string | OutputTarget, options?: TranscodeOptions): Job<TranscodeResult>;
/**
 * Several outputs from one reading of the input: every input stream is decoded once, and each
 * output encodes (or copies) what it needs, with a muxer of its own. `options` are the job's:
 * its inputs, `filterComplex` (whose labels any output maps), trims and callbacks, and the
 * defaults of each output's settings.
 *
 *   await transcode('in.mp4', [
 *     { output: '720.mp4', video: { codec: 'libx264', height: 720 } },
 *     { output: '360.webm', video: { codec: 'libvpx-vp9', height: 360 }, audio: { codec: 'libopus' } },
 *   ]);
 */
export function transcode(input: InputSource, outputs: TranscodeOutput[], options?: TranscodeOptions): Job<TranscodeResult>;
export function transcode(input: InputSource, output: string | OutputTarget | TranscodeOutput[], options?: TranscodeOptions): Job<TranscodeResult> {
  const o = checkOptions('transcode', options);
  if (!Array.isArray(output)) return runTranscode('transcode', input, o, [{ options: o, target: checkOutput(output, o) }]);
  if (output.length === 0) throw invalidArgument('outputs', 'at least one output ({ output, ...settings })', output);
  if (output.length > MAX_OUTPUTS) throw invalidArgument('outputs', `at most ${MAX_OUTPUTS} outputs`, output.length);
  const outs = output.map((spec, k) => {
    if (!is.object(spec)) throw invalidArgument(`outputs[${k}]`, '{ output, ...settings }', spec);
    for (const key of Object.keys(spec))
      if (!OUTPUT_KEYS.has(key))
        throw invalidArgument(
          `outputs[${k}].${key}`,
          `one of an output's own settings (${[...OUTPUT_KEYS].join(', ')}); the job's options hold the rest`,
          spec[key as keyof TranscodeOutput],
        );
    const { output: target, ...own } = spec;
    const merged = { ...o, ...checkOptions('transcode', own) } as TranscodeOptions;
    return { options: merged, target: checkOutput(target, merged) };
  });
  return runTranscode('transcode', input, o, outs);
}

const OUTPUT_KEYS = new Set([
  'output',
  'video',
  'audio',
  'subtitles',
  'map',
  'format',
  'formatOptions',
  'fastStart',
  'fragmented',
  'sink',
  'metadata',
  'copyMetadata',
  'chapters',
]);

/** An output's checked settings (the job's with its own over them) and where it goes. */
export interface CheckedOutput {
  options: TranscodeOptions;
  target: string | OutputTarget;
}

/**
 * The one way a transcode runs: its inputs opened, then `shape` (given what they are; e.g. a
 * ladder's renditions) may settle the job's options and outputs before they are planned.
 */
export function runTranscode(
  op: string,
  input: InputSource,
  o: TranscodeOptions,
  outs: CheckedOutput[],
  shape?: (inputs: InputDescription[]) => Promise<{ options: TranscodeOptions; outputs: CheckedOutput[] }>,
): Job<TranscodeResult> {
  const first: JobInput = { ...o.input, source: checkInput(input) };
  const extra = (o.inputs ?? []).map((i) => (is.object(i) && 'source' in i ? (i as ExtraInput) : { source: i as InputSource }));
  const starts = [{ start: o.start ?? o.input?.start, autorotate: o.input?.autorotate }, ...extra.map((e) => ({ start: e.start, autorotate: e.autorotate }))];
  let choices: HardwareChoice[] = [];
  const targets = outs.map((x) => x.target);
  const job = startJob(
    op,
    [first, ...extra],
    outs.map((x) => ({ target: x.target, sink: x.options.sink })),
    o,
    async (inputs) => {
      const shaped = shape ? await shape(inputs) : { options: o, outputs: outs };
      const shared = shaped.options;
      const videoCodec = typeof shared.video === 'object' ? shared.video.codec : undefined;
      const hw = await resolveHardware(shared.hardware, videoCodec);
      choices = hw.choices;
      const pads = shared.filterComplex ? await addon().describeFilterGraph(shared.filterComplex) : undefined;
      const planned = shaped.outputs.map((x) => ({ options: x.options, output: typeof x.target === 'string' ? x.target : undefined }));
      return planOutputs(inputs, shared, planned, starts, { pads, hardware: hw.plan });
    },
  );
  return chain(job, (r) => result(targets[0]!, { ...r, hardware: [...choices, ...r.hardware] }, targets));
}

/**
 * Copies streams into another container without decoding (-c copy): MP4, MKV, TS,
 * fragmented MP4, HLS... libavformat inserts the bitstream filters a target needs
 * (h264_mp4toannexb for TS, aac_adtstoasc for MP4); more with `bitstreamFilters`.
 */
export function remux(input: InputSource, output: string | OutputTarget, options?: RemuxOptions): Job<TranscodeResult> {
  const o = checkOptions('remux', options);
  const target = checkOutput(output, o);
  const job = startJob('remux', [{ ...o.input, source: checkInput(input) }], [{ target, sink: o.sink }], o, ([desc]) =>
    planRemux(desc!, o, typeof target === 'string' ? target : undefined),
  );
  return chain(job, (r) => result(target, r));
}

/**
 * Stills from a video: at `times`, `every` N seconds, `count` spread over the input, or
 * keyframes; scaled and encoded to JPEG, PNG or WebP, returned as Buffers and written to
 * `output` (a pattern like 'thumbs/%03d.jpg') when given.
 */
export function thumbnails(input: InputSource, options?: ThumbnailOptions): Job<Thumbnail[]> {
  const o = checkOptions('thumbnails', options);
  let times: number[] | null = null;
  const job = startJob('thumbnails', [{ ...o.input, source: checkInput(input) }], [{}], o, async ([desc]) => {
    const d = desc!.format.duration;
    times = thumbnailTimes(o, d === null ? null : d / 1e6 - (o.input?.start ?? 0));
    const hw = await resolveHardware(o.hardware, undefined);
    return planThumbnails(desc!, o, times, hw.plan);
  });
  return chain(job, async (r) => {
    const images = r.collected[0] ?? [];
    const out: Thumbnail[] = images.map((img, i) => ({ time: img.time ?? times?.[i] ?? 0, data: img.data }));
    if (o.output) {
      await mkdir(path.dirname(o.output), { recursive: true });
      for (const [i, t] of out.entries()) {
        const file = thumbnailFile(o.output, i + 1);
        // written whole under a temporary name, then renamed: never a half-written image
        await writeFile(`${file}.partial`, t.data);
        await rename(`${file}.partial`, file);
        t.file = file;
      }
    }
    return out;
  });
}

/**
 * The file thumbnails() writes image `n` (from 1) of an `output` pattern to: %d / %03d is the
 * number; a pattern without one names the first image itself and the next ones name-2.ext...
 */
export function thumbnailFile(pattern: string, n: number): string {
  if (pattern.includes('%')) return pattern.replace(/%0?(\d*)d/, (_, w: string) => String(n).padStart(Number(w || 0), '0'));
  return n === 1 ? pattern : pattern.replace(/(\.\w+)?$/, `-${n}$1`);
}
