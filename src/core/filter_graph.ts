// libavfilter: https://ffmpeg.org/doxygen/trunk/group__lavfi.html
import { DIRECT, threadCount } from '../options/rules.js';
import { check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { addon, type NativeFilterGraph } from '../native.js';
import { Frame, frameHandles } from './frame.js';
import { HwDevice } from './hw_device.js';
import { Resource } from './resource.js';
import { Stream } from './stream.js';
import type { Rational } from './types.js';

export interface VideoFilterInput {
  type: 'video';
  width: number;
  height: number;
  pixelFormat: string;
  /** The time base of the frames' pts. */
  timeBase: Rational;
  sampleAspectRatio?: Rational;
  frameRate?: Rational;
}

export interface AudioFilterInput {
  type: 'audio';
  sampleRate: number;
  sampleFormat: string;
  channelLayout: string;
  /** The time base of the frames' pts; default 1/sampleRate. */
  timeBase?: Rational;
}

/** What a graph input receives: described, or taken from the stream whose decoded frames it gets. */
export type FilterInput = VideoFilterInput | AudioFilterInput | Stream;

export interface FilterGraphOptions {
  /** One per graph input, in order: [in] (or [in0], [in1]... when several). */
  inputs: FilterInput[];
  /** The type of each graph output: [out] (or [out0], [out1]...). Default: one, of the first input's type. */
  outputs?: ('video' | 'audio')[];
  /** Filter threads; 0 (default) lets FFmpeg decide. */
  threads?: number;
  /** The device hardware filters (hwupload, scale_vaapi, avgblur_opencl, hflip_vulkan...) work on. */
  device?: HwDevice;
}

/** What an output produces, once the graph is configured. */
export interface FilterOutput {
  type: 'video' | 'audio';
  timeBase: Rational;
  width?: number;
  height?: number;
  pixelFormat?: string;
  frameRate?: Rational;
  sampleAspectRatio?: Rational;
  sampleRate?: number;
  sampleFormat?: string;
  channelLayout?: string;
}

function describeInput(input: FilterInput, i: number): Record<string, unknown> {
  if (input instanceof Stream) {
    const c = input.codec;
    if (input.type === 'video')
      return {
        type: 'video',
        width: c.width,
        height: c.height,
        pixelFormat: c.pixelFormat,
        timeBase: input.timeBase,
        sampleAspectRatio: c.sampleAspectRatio,
        frameRate: input.avgFrameRate,
      };
    if (input.type === 'audio')
      return {
        type: 'audio',
        sampleRate: c.sampleRate,
        sampleFormat: c.sampleFormat,
        channelLayout: c.channelLayout ?? `${c.channels}c`,
        timeBase: input.timeBase,
      };
    throw invalidArgument(`inputs[${i}]`, 'a video or audio stream', input);
  }
  if (!is.object(input)) throw invalidArgument(`inputs[${i}]`, 'a filter input description or a Stream', input);
  if (input.type === 'video') {
    if (!is.integer(input.width) || !is.integer(input.height)) throw invalidArgument(`inputs[${i}].width/height`, 'integers', input);
    if (!is.nonEmptyString(input.pixelFormat)) throw invalidArgument(`inputs[${i}].pixelFormat`, 'a pixel format name', input.pixelFormat);
    if (!is.rational(input.timeBase)) throw invalidArgument(`inputs[${i}].timeBase`, 'a rational { num, den }', input.timeBase);
    return { ...input };
  }
  if (input.type === 'audio') {
    if (!is.integer(input.sampleRate)) throw invalidArgument(`inputs[${i}].sampleRate`, 'an integer', input.sampleRate);
    if (!is.nonEmptyString(input.sampleFormat)) throw invalidArgument(`inputs[${i}].sampleFormat`, 'a sample format name', input.sampleFormat);
    if (!is.nonEmptyString(input.channelLayout)) throw invalidArgument(`inputs[${i}].channelLayout`, 'a channel layout name', input.channelLayout);
    return { ...input, timeBase: input.timeBase ?? { num: 1, den: input.sampleRate } };
  }
  throw invalidArgument(`inputs[${i}].type`, "'video' or 'audio'", (input as { type: unknown }).type);
}

/**
 * A filter graph, from FFmpeg's own description language ('scale=640:-2,format=yuv420p',
 * '[in0][in1]overlay=10:10[out]', 'aresample=48000,volume=0.5'...). Frames in, frames out.
 */
export class FilterGraph extends Resource<NativeFilterGraph> {
  readonly description: string;
  readonly outputs: readonly FilterOutput[];
  readonly inputCount: number;

  static async open(description: string, options: FilterGraphOptions): Promise<FilterGraph> {
    if (!is.nonEmptyString(description)) throw invalidArgument('description', 'a filter graph description', description);
    const o = optionsObject(options);
    if (!Array.isArray(o.inputs) || o.inputs.length === 0) throw invalidArgument('inputs', 'a non-empty array of inputs', o.inputs);
    const inputs = (o.inputs as FilterInput[]).map(describeInput);
    const outputs = (o.outputs as string[] | undefined) ?? [inputs[0]!.type as string];
    if (!Array.isArray(outputs) || outputs.some((t) => t !== 'video' && t !== 'audio'))
      throw invalidArgument('outputs', "an array of 'video' and 'audio'", o.outputs);
    if (o.threads !== undefined) threadCount().check(o.threads, 'threads', DIRECT);
    const threads = (o.threads as number | undefined) ?? 0;
    check(o.device, 'device', 'an HwDevice', (v) => v instanceof HwDevice);
    const handle = new (addon().FilterGraph)();
    try {
      const described = await settle(handle.open(description, inputs, outputs, threads, (o.device as HwDevice | undefined)?.handle));
      return new FilterGraph(handle, description, described as unknown as FilterOutput[], inputs.length);
    } catch (e) {
      void handle.close();
      throw e;
    }
  }

  private constructor(handle: NativeFilterGraph, description: string, outputs: FilterOutput[], inputCount: number) {
    super(handle);
    this.description = description;
    this.outputs = Object.freeze(outputs);
    this.inputCount = inputCount;
  }

  /**
   * Sends frames to one input (null: that input has ended) and returns what every output has
   * ready, one array per output.
   */
  async send(input: number, frames: Frame | readonly Frame[] | null): Promise<Frame[][]> {
    if (!is.integer(input) || input < 0 || input >= this.inputCount) throw invalidArgument('input', `an input index below ${this.inputCount}`, input);
    const list = frames === null ? [] : frameHandles(frames);
    const out = await settle(this.native.process(input, list, frames === null));
    return out.map((frames) => frames.map(Frame.wrap));
  }

  /** For a graph with one input and one output: frames in, filtered frames out. */
  async filter(frames: Frame | readonly Frame[]): Promise<Frame[]> {
    return (await this.send(0, frames))[0] ?? [];
  }

  /** Ends every input and returns the frames still in the graph (of output 0; see send for more). */
  async flush(): Promise<Frame[]> {
    const collected: Frame[][] = this.outputs.map(() => []);
    for (let i = 0; i < this.inputCount; i++) {
      const out = await this.send(i, null);
      out.forEach((frames, k) => collected[k]!.push(...frames));
    }
    for (const extra of collected.slice(1)) extra.forEach((f) => f.close());
    return collected[0] ?? [];
  }
}
