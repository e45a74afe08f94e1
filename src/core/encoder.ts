// Encoding: https://ffmpeg.org/doxygen/trunk/group__lavc__encoding.html
import { avOptions, check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { native, type NativeCodecContext, type NativeEncoder, type NativeFrame } from '../native.js';
import { CodecParameters } from './codec_parameters.js';
import { Frame } from './frame.js';
import type { Packet } from './packet.js';
import type { AvOptions, Rational } from './types.js';

export interface EncoderOptions {
  /** An encoder by name: 'libx264', 'libx265', 'aac', 'libopus', 'mjpeg'... */
  codec: string;
  // video
  width?: number;
  height?: number;
  /** Default: the encoder's first supported format. */
  pixelFormat?: string;
  frameRate?: Rational;
  sampleAspectRatio?: Rational;
  gopSize?: number;
  maxBFrames?: number;
  colorRange?: string;
  colorSpace?: string;
  colorPrimaries?: string;
  colorTransfer?: string;
  // audio
  sampleRate?: number;
  /** Default: the encoder's first supported format. */
  sampleFormat?: string;
  channelLayout?: string;
  channels?: number;
  // both
  /** Default: 1/frameRate for video, 1/sampleRate for audio. */
  timeBase?: Rational;
  bitRate?: number;
  /** Encoder threads; 0 (default) lets FFmpeg decide. */
  threads?: number;
  /** Codec headers in extradata rather than in-band, as MP4 and Matroska need. Default true. */
  globalHeader?: boolean;
  /** Encoder AVOptions: { preset: 'veryfast', crf: 23, 'x265-params': 'log-level=error' }. */
  options?: AvOptions;
  /** Carry the frames' picture types (a decoder's I/P/B) into the encoder. Default false, as the CLI. */
  keepPictureTypes?: boolean;
}

/** A source of frames for `packets()`: an async or sync iterable. */
export type FrameSource = AsyncIterable<Frame> | Iterable<Frame>;

const positiveInt = (v: unknown): boolean => is.integer(v) && (v as number) > 0;
const nonNegativeInt = (v: unknown): boolean => is.integer(v) && (v as number) >= 0;

function checkOptions(options: unknown): EncoderOptions {
  const o = optionsObject(options);
  if (!is.nonEmptyString(o.codec)) throw invalidArgument('codec', 'an encoder name', o.codec);
  check(o.width, 'width', 'an integer > 0', positiveInt);
  check(o.height, 'height', 'an integer > 0', positiveInt);
  for (const k of ['pixelFormat', 'sampleFormat', 'channelLayout', 'colorRange', 'colorSpace', 'colorPrimaries', 'colorTransfer'])
    check(o[k], k, 'a name', is.nonEmptyString);
  for (const k of ['frameRate', 'sampleAspectRatio', 'timeBase']) check(o[k], k, 'a rational { num, den }', is.rational);
  check(o.sampleRate, 'sampleRate', 'an integer > 0', positiveInt);
  check(o.channels, 'channels', 'an integer > 0', positiveInt);
  for (const k of ['gopSize', 'maxBFrames', 'threads', 'bitRate']) check(o[k], k, 'an integer >= 0', nonNegativeInt);
  check(o.globalHeader, 'globalHeader', 'a boolean', is.boolean);
  check(o.keepPictureTypes, 'keepPictureTypes', 'a boolean', is.boolean);
  avOptions(o.options, 'options');
  return o as unknown as EncoderOptions;
}

/**
 * An encoder (AVCodecContext). encode() sends frames and drains every packet they produce;
 * flush() drains the rest. Packets come out in the encoder's time base.
 */
export class Encoder implements AsyncDisposable, Disposable {
  #native: NativeEncoder;
  #ctx: NativeCodecContext;
  #keepTypes: boolean;
  readonly codecParameters: CodecParameters;

  static async open(options: EncoderOptions): Promise<Encoder> {
    const o = checkOptions(options);
    const handle = new native.Encoder();
    const ctx = await settle(handle.open(o as unknown as Record<string, unknown>));
    return new Encoder(handle, ctx, o.keepPictureTypes ?? false);
  }

  private constructor(handle: NativeEncoder, ctx: NativeCodecContext, keepTypes: boolean) {
    this.#native = handle;
    this.#ctx = ctx;
    this.#keepTypes = keepTypes;
    this.codecParameters = new CodecParameters(ctx.codecParameters);
  }

  get codecName(): string {
    return this.#ctx.codecName;
  }
  get timeBase(): Rational {
    return this.#ctx.timeBase;
  }
  get frameRate(): Rational | undefined {
    return this.#ctx.frameRate;
  }
  get width(): number | undefined {
    return this.#ctx.width;
  }
  get height(): number | undefined {
    return this.#ctx.height;
  }
  get pixelFormat(): string | null | undefined {
    return this.#ctx.pixelFormat;
  }
  get sampleRate(): number | undefined {
    return this.#ctx.sampleRate;
  }
  get sampleFormat(): string | null | undefined {
    return this.#ctx.sampleFormat;
  }
  get channelLayout(): string | undefined {
    return this.#ctx.channelLayout;
  }
  /** Samples per frame the encoder requires (0: any). Every audio frame but the last must have this many. */
  get frameSize(): number {
    return this.#ctx.frameSize ?? 0;
  }
  get closed(): boolean {
    return this.#native.closed;
  }

  /** Sends frames (one or many: one native crossing) and returns every packet now ready. */
  async encode(frames: Frame | readonly Frame[]): Promise<Packet[]> {
    const list = toFrameList(frames);
    return (await settle(this.#native.encode(list as unknown as NativeFrame[], false, this.#keepTypes))) as unknown as Packet[];
  }

  /** Signals the end of the input and returns the packets still buffered. */
  async flush(): Promise<Packet[]> {
    return (await settle(this.#native.encode([], true, false))) as unknown as Packet[];
  }

  /**
   * Encodes a whole frame source and yields its packets, flushing at the end. Takes
   * ownership of the frames (each is closed once sent). The caller owns each packet.
   */
  async *packets(frames: FrameSource): AsyncGenerator<Packet, void, undefined> {
    if (frames === null || typeof frames !== 'object' || (!(Symbol.asyncIterator in frames) && !(Symbol.iterator in frames)))
      throw invalidArgument('frames', 'an iterable of Frames', frames);
    const depth = 3;
    const inflight: Promise<Packet[]>[] = [];
    const submit = (list: Frame[], flush: boolean): void => {
      const p = this.#native.encode(list as unknown as NativeFrame[], flush, this.#keepTypes) as unknown as Promise<Packet[]>;
      p.catch(() => {});
      inflight.push(p);
      for (const f of list) f.close();
    };
    try {
      for await (const frame of frames as AsyncIterable<Frame>) {
        if (!(frame instanceof Frame)) throw invalidArgument('frame', 'a Frame', frame);
        submit([frame], false);
        while (inflight.length >= depth) yield* await settle(inflight.shift()!);
      }
      submit([], true);
      while (inflight.length > 0) yield* await settle(inflight.shift()!);
    } finally {
      for (const p of inflight) p.then((packets) => packets.forEach((x) => x.close()), () => {});
    }
  }

  /** Frees the encoder; idempotent. */
  async close(): Promise<void> {
    await this.#native.close();
  }
  [Symbol.dispose](): void {
    void this.close();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function toFrameList(frames: Frame | readonly Frame[]): Frame[] {
  if (frames instanceof Frame) return [frames];
  if (!Array.isArray(frames)) throw invalidArgument('frames', 'a Frame or an array of Frames', frames);
  for (const f of frames) if (!(f instanceof Frame)) throw invalidArgument('frames[]', 'a Frame', f);
  return frames as Frame[];
}
