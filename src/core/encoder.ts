// Encoding: https://ffmpeg.org/doxygen/trunk/group__lavc__encoding.html
import { DIRECT, threadCount } from '../options/rules.js';
import { avOptions, check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { addon, type NativeCodecContext, type NativeEncoder, type NativePacket } from '../native.js';
import { CodecParameters } from './codec_parameters.js';
import { Frame, frameHandles } from './frame.js';
import { Packet } from './packet.js';
import { handle as h } from '../native.js';
import { ahead, checkSource, Resource, type Source } from './resource.js';
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
export type FrameSource = Source<Frame>;

function checkOptions(options: unknown): EncoderOptions {
  const o = optionsObject(options);
  if (!is.nonEmptyString(o.codec)) throw invalidArgument('codec', 'an encoder name', o.codec);
  check(o.width, 'width', 'an integer > 0', is.positiveInt);
  check(o.height, 'height', 'an integer > 0', is.positiveInt);
  for (const k of ['pixelFormat', 'sampleFormat', 'channelLayout', 'colorRange', 'colorSpace', 'colorPrimaries', 'colorTransfer'])
    check(o[k], k, 'a name', is.nonEmptyString);
  for (const k of ['frameRate', 'sampleAspectRatio', 'timeBase']) check(o[k], k, 'a rational { num, den }', is.rational);
  check(o.sampleRate, 'sampleRate', 'an integer > 0', is.positiveInt);
  check(o.channels, 'channels', 'an integer > 0', is.positiveInt);
  for (const k of ['gopSize', 'maxBFrames', 'bitRate']) check(o[k], k, 'an integer >= 0', is.nonNegativeInt);
  if (o.threads !== undefined) threadCount().check(o.threads, 'threads', DIRECT);
  check(o.globalHeader, 'globalHeader', 'a boolean', is.boolean);
  check(o.keepPictureTypes, 'keepPictureTypes', 'a boolean', is.boolean);
  avOptions(o.options, 'options');
  return o as unknown as EncoderOptions;
}

/**
 * An encoder (AVCodecContext). encode() sends frames and drains every packet they produce;
 * flush() drains the rest. Packets come out in the encoder's time base.
 */
export class Encoder extends Resource<NativeEncoder> {
  #ctx: NativeCodecContext;
  #keepTypes: boolean;
  readonly codecParameters: CodecParameters;

  static async open(options: EncoderOptions): Promise<Encoder> {
    const o = checkOptions(options);
    const handle = new (addon().Encoder)();
    const ctx = await settle(handle.open(o as unknown as Record<string, unknown>));
    return new Encoder(handle, ctx, o.keepPictureTypes ?? false);
  }

  private constructor(handle: NativeEncoder, ctx: NativeCodecContext, keepTypes: boolean) {
    super(handle);
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

  /**
   * Sends frames (one or many: one native crossing) and returns every packet now ready.
   * `frameOptions[i]`: AVOptions set on the encoder just before frame i goes in (the encoder's
   * private ones too), for wrappers that re-read an option per frame, such as libx264's `crf`.
   */
  async encode(frames: Frame | readonly Frame[], options: EncodeOptions = {}): Promise<Packet[]> {
    const handles = frameHandles(frames);
    const perFrame = checkFrameOptions(options, handles.length);
    return wrapPackets(await settle(this.native.encode(handles, false, this.#keepTypes, perFrame)));
  }

  /** Signals the end of the input and returns the packets still buffered. */
  async flush(): Promise<Packet[]> {
    return wrapPackets(await settle(this.native.encode([], true, false)));
  }

  /**
   * Encodes a whole frame source and yields its packets, flushing at the end. Takes
   * ownership of the frames (each is closed once sent). The caller owns each packet.
   */
  async *packets(frames: FrameSource): AsyncGenerator<Packet, void, undefined> {
    checkSource(frames, 'frames', 'Frames');
    const accept = (frame: Frame): boolean => {
      if (!(frame instanceof Frame)) throw invalidArgument('frame', 'a Frame', frame);
      return true;
    };
    yield* ahead(frames, { batch: 1, depth: 3, accept }, async (batch, flush) =>
      wrapPackets(
        await this.native.encode(
          batch.map((f) => f[h]),
          flush,
          this.#keepTypes,
        ),
      ),
    );
  }
}

export interface EncodeOptions {
  /** One entry per frame (undefined: nothing to set for that frame). */
  frameOptions?: readonly (AvOptions | undefined)[];
}

function checkFrameOptions(options: EncodeOptions, count: number): (AvOptions | undefined)[] | undefined {
  optionsObject(options, 'options');
  const list = options.frameOptions;
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length !== count) throw invalidArgument('options.frameOptions', `an array of ${count} entries (one per frame)`, list);
  return list.map((o: unknown, i) => avOptions(o, `options.frameOptions[${i}]`));
}

function wrapPackets(packets: NativePacket[]): Packet[] {
  return packets.map(Packet.wrap);
}
