// VideoDecoder (https://www.w3.org/TR/webcodecs/#videodecoder-interface) over avforge's Decoder.
import { Scaler, hasCodec, type Frame, type HwDevice, type Packet } from '../index.js';
import { isKeyFrame, nalLengthSize } from './bitstream.js';
import { CodecBase, DecoderCodec, type Codec } from './codec_base.js';
import { videoCodec, type VideoCodec } from './codec_string.js';
import { EncodedVideoChunk, MICROSECONDS, packetOf } from './encoded_chunk.js';
import { bytes, dictionary, domError, enumValue, isDetached, pair, required, type AllowSharedBufferSource } from './errors.js';
import { decoderParameters } from './extradata.js';
import { hardwareDecodeType, openDecodeDevice } from './hardware.js';
import { formatOfPixelFormat, VideoColorSpace, videoFrameOf, type VideoColorSpaceInit, type VideoFrame } from './video_frame.js';

export type HardwareAcceleration = 'no-preference' | 'prefer-hardware' | 'prefer-software';
export const HARDWARE_ACCELERATION: readonly HardwareAcceleration[] = ['no-preference', 'prefer-hardware', 'prefer-software'];

export interface VideoDecoderConfig {
  codec: string;
  description?: AllowSharedBufferSource;
  codedWidth?: number;
  codedHeight?: number;
  displayAspectWidth?: number;
  displayAspectHeight?: number;
  colorSpace?: VideoColorSpaceInit;
  hardwareAcceleration?: HardwareAcceleration;
  optimizeForLatency?: boolean;
}

export interface VideoDecoderSupport {
  supported: boolean;
  config: VideoDecoderConfig;
}

export interface VideoDecoderInit {
  output: (frame: VideoFrame) => void;
  error: (error: DOMException) => void;
}

/**
 * The "Check Valid VideoDecoderConfig" steps (TypeError when not valid) and the "Clone
 * Configuration" steps: the known members, the description copied.
 */
function checkConfig(config: unknown, where: string): VideoDecoderConfig {
  const d = dictionary(config, where);
  const codec = String(required(d, 'codec', where));
  if (codec.trim() === '') throw new TypeError(`${where}: codec is empty`);
  const out: VideoDecoderConfig = { codec };
  const coded = pair(d, 'codedWidth', 'codedHeight', where);
  if (coded) [out.codedWidth, out.codedHeight] = coded;
  const aspect = pair(d, 'displayAspectWidth', 'displayAspectHeight', where);
  if (aspect) [out.displayAspectWidth, out.displayAspectHeight] = aspect;
  if (d.description !== undefined) {
    const view = bytes(d.description, `${where}.description`);
    if (isDetached(view.buffer)) throw new TypeError(`${where}: the description is detached`);
    out.description = view.slice();
  }
  if (d.colorSpace !== undefined) out.colorSpace = new VideoColorSpace(d.colorSpace as VideoColorSpaceInit).toJSON();
  if (d.hardwareAcceleration !== undefined)
    out.hardwareAcceleration = enumValue(d.hardwareAcceleration, HARDWARE_ACCELERATION, `${where}.hardwareAcceleration`);
  if (d.optimizeForLatency !== undefined) out.optimizeForLatency = Boolean(d.optimizeForLatency);
  return out;
}

/** What configure() settles on: the codec this config maps to, or why it is not supported. */
function support(config: VideoDecoderConfig): VideoCodec | string {
  const info = videoCodec(config.codec);
  if (!info) return `'${config.codec}' is not a codec string this implementation knows`;
  if (!hasCodec(info.decoder)) return `this FFmpeg has no ${info.decoder} decoder`;
  return info;
}

/** support(), and for 'prefer-hardware' a device here that decodes the codec (see hardware.ts). */
async function supportHere(config: VideoDecoderConfig): Promise<VideoCodec | string> {
  const info = support(config);
  if (typeof info === 'string' || config.hardwareAcceleration !== 'prefer-hardware') return info;
  const hw = await hardwareDecodeType(info.decoder);
  return 'reason' in hw ? hw.reason : info;
}

/** The decoder of one configuration; pixel formats WebCodecs has no name for are converted to I420. */
function decoderCodec(info: VideoCodec, config: VideoDecoderConfig, device?: HwDevice): DecoderCodec<VideoFrame> {
  const description = config.description as Uint8Array | undefined;
  const { displayAspectWidth: aw, displayAspectHeight: ah, colorSpace } = config;
  let scaler: Scaler | undefined;
  return new DecoderCodec<VideoFrame>({
    what: `VideoDecoder cannot decode ${config.codec}`,
    options: {
      codec: info.decoder,
      timeBase: MICROSECONDS,
      strict: true,
      ...(config.optimizeForLatency ? { options: { thread_type: 'slice' } } : {}),
      ...(device ? { device } : {}),
    },
    // A description is extradata, which only a demuxer hands a decoder (see extradata.ts).
    parameters: async (first) =>
      description
        ? decoderParameters({
            codecId: info.mkv,
            codecPrivate: description,
            ...(config.codedWidth ? { video: { width: config.codedWidth, height: config.codedHeight! } } : {}),
            firstPacket: first.data,
          })
        : null,
    async outputs(decoded: Frame[]): Promise<VideoFrame[]> {
      // Frames in device memory come to system memory: a VideoFrame here is always readable.
      let frames = decoded.some((f) => f.hardware)
        ? await Promise.all(decoded.map(async (f) => (f.hardware ? await f.download().finally(() => f.close()) : f)))
        : decoded;
      if (frames.some((f) => !formatOfPixelFormat(f.pixelFormat))) {
        const s = (scaler ??= new Scaler({ pixelFormat: 'yuv420p' }));
        frames = await Promise.all(frames.map(async (f) => (formatOfPixelFormat(f.pixelFormat) ? f : (await s.scale(f).finally(() => f.close()))[0]!)));
      }
      return frames.map((f) =>
        videoFrameOf(f, {
          timestamp: f.pts ?? 0,
          duration: f.duration > 0 ? f.duration : null,
          ...(aw && ah ? { displayAspect: [aw, ah] as [number, number] } : {}),
          ...(colorSpace ? { colorSpace } : {}),
        }),
      );
    },
    close: () => {
      void scaler?.close();
      void device?.close();
    },
  });
}

export class VideoDecoder extends CodecBase<VideoDecoderConfig, Packet, VideoFrame> {
  // One chunk per native call, three calls in flight: frames() feeds its Decoder the same way.
  // Batches of 8 (two in flight) held each call's frames until its 8th chunk was decoded, and
  // measured behind frames() on 1080p H.264 with frame threads (bench/: decode threads=auto).
  protected readonly maxBatch = 1;
  protected readonly maxInflight = 3;
  protected readonly name = 'VideoDecoder';
  readonly #output: (frame: VideoFrame) => void;
  #keyRequired = false;
  /** The codec and NAL length size the chunks decode() checks belong to (the last configure()). */
  #current: { info: VideoCodec; lengthSize: number } | undefined;

  constructor(init: VideoDecoderInit) {
    super(init, 'VideoDecoder');
    this.#output = init.output;
  }

  get decodeQueueSize(): number {
    return this.queueSize;
  }

  static async isConfigSupported(config: VideoDecoderConfig): Promise<VideoDecoderSupport> {
    const clean = checkConfig(config, 'VideoDecoder.isConfigSupported');
    return { supported: typeof (await supportHere(clean)) !== 'string', config: clean };
  }

  configure(config: VideoDecoderConfig): void {
    const clean = checkConfig(config, 'VideoDecoder.configure');
    this.queueConfigure(clean);
    this.#keyRequired = true;
    const info = videoCodec(clean.codec);
    this.#current = info ? { info, lengthSize: nalLengthSize(info.id, clean.description as Uint8Array | undefined) } : undefined;
  }

  decode(chunk: EncodedVideoChunk): void {
    if (!(chunk instanceof EncodedVideoChunk)) throw new TypeError('VideoDecoder.decode: expected an EncodedVideoChunk');
    this.requireConfigured('decode');
    const packet = packetOf(chunk);
    if (this.#keyRequired) {
      if (chunk.type !== 'key') throw domError('DataError', 'VideoDecoder.decode: a key chunk is required after configure() and flush()');
      if (this.#current && isKeyFrame(this.#current.info.id, packet.data, this.#current.lengthSize) === false)
        throw domError('DataError', `VideoDecoder.decode: the chunk is labelled 'key' but its ${this.#current.info.id} data is not a key frame`);
      this.#keyRequired = false;
    }
    this.queueWork(packet);
  }

  protected override beforeFlush(): void {
    this.#keyRequired = true;
  }

  protected async open(config: VideoDecoderConfig): Promise<Codec<Packet, VideoFrame>> {
    const info = support(config);
    if (typeof info === 'string') throw domError('NotSupportedError', `VideoDecoder.configure: ${info}`);
    if (config.hardwareAcceleration !== 'prefer-hardware') return decoderCodec(info, config);
    const device = await openDecodeDevice(info.decoder);
    if (typeof device === 'string') throw domError('NotSupportedError', `VideoDecoder.configure: ${device}`);
    return decoderCodec(info, config, device);
  }

  protected emit(frame: VideoFrame): void {
    this.#output(frame);
  }
  protected drop(frame: VideoFrame): void {
    frame.close();
  }
  protected dropInput(): void {}
}
