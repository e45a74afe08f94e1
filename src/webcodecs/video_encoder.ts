// VideoEncoder (https://www.w3.org/TR/webcodecs/#videoencoder-interface) over avforge's Encoder.
import { Encoder, Frame, Packet, Scaler, hasCodec, type AvOptions, type EncoderOptions } from '../index.js';
import { annexBToLengthPrefixed } from './bitstream.js';
import { CodecBase, IssueOrder, type Codec } from './codec_base.js';
import { videoCodec, type VideoCodec } from './codec_string.js';
import { EncodedVideoChunk, MICROSECONDS, wrapPacket } from './encoded_chunk.js';
import { dictionary, domError, double, enumValue, fromAvError, pair, required, unsignedLong, unsignedLongLong } from './errors.js';
import { codecPrivate } from './extradata.js';
import { HARDWARE_ACCELERATION, type HardwareAcceleration, type VideoDecoderConfig } from './video_decoder.js';
import { hardwareEncoder, isHardwareEncoder } from './hardware.js';
import { FORMATS, frameFields, packVisible, VideoFrame } from './video_frame.js';

export type BitrateMode = 'constant' | 'variable' | 'quantizer';
export type LatencyMode = 'quality' | 'realtime';

export interface VideoEncoderConfig {
  codec: string;
  width: number;
  height: number;
  displayWidth?: number;
  displayHeight?: number;
  bitrate?: number;
  framerate?: number;
  hardwareAcceleration?: HardwareAcceleration;
  alpha?: 'keep' | 'discard';
  scalabilityMode?: string;
  bitrateMode?: BitrateMode;
  latencyMode?: LatencyMode;
  contentHint?: string;
  avc?: { format?: 'avc' | 'annexb' };
  hevc?: { format?: 'hevc' | 'annexb' };
}

export interface VideoEncoderEncodeOptions {
  keyFrame?: boolean;
  /** The frame's quantizer where bitrateMode is 'quantizer' (the codec registrations' encode options). */
  vp9?: { quantizer?: number | null };
  av1?: { quantizer?: number | null };
  avc?: { quantizer?: number | null };
  hevc?: { quantizer?: number | null };
}

export interface EncodedVideoChunkMetadata {
  decoderConfig?: VideoDecoderConfig;
  svc?: { temporalLayerId: number };
  /** alpha: 'keep': the chunk's alpha plane, a stream of the same codec (its luma is the alpha). */
  alphaSideData?: ArrayBuffer;
}

export interface VideoEncoderSupport {
  supported: boolean;
  config: VideoEncoderConfig;
}

export interface VideoEncoderInit {
  output: (chunk: EncodedVideoChunk, metadata?: EncodedVideoChunkMetadata) => void;
  error: (error: DOMException) => void;
}

/** "Check Valid VideoEncoderConfig" (TypeError when not valid) and "Clone Configuration". */
function checkConfig(config: unknown, where: string): VideoEncoderConfig {
  const d = dictionary(config, where);
  const codec = String(required(d, 'codec', where));
  if (codec.trim() === '') throw new TypeError(`${where}: codec is empty`);
  const width = unsignedLong(required(d, 'width', where), `${where}.width`);
  const height = unsignedLong(required(d, 'height', where), `${where}.height`);
  if (width === 0 || height === 0) throw new TypeError(`${where}: width and height must not be 0`);
  const out: VideoEncoderConfig = { codec, width, height };
  const display = pair(d, 'displayWidth', 'displayHeight', where);
  if (display) [out.displayWidth, out.displayHeight] = display;
  if (d.bitrate !== undefined) out.bitrate = unsignedLongLong(d.bitrate, `${where}.bitrate`);
  if (d.framerate !== undefined) {
    out.framerate = double(d.framerate, `${where}.framerate`);
    if (!(out.framerate > 0)) throw new TypeError(`${where}: framerate must be > 0`);
  }
  if (d.hardwareAcceleration !== undefined)
    out.hardwareAcceleration = enumValue(d.hardwareAcceleration, HARDWARE_ACCELERATION, `${where}.hardwareAcceleration`);
  if (d.alpha !== undefined) out.alpha = enumValue(d.alpha, ['keep', 'discard'] as const, `${where}.alpha`);
  if (d.scalabilityMode !== undefined) out.scalabilityMode = String(d.scalabilityMode);
  if (d.bitrateMode !== undefined) out.bitrateMode = enumValue(d.bitrateMode, ['constant', 'variable', 'quantizer'] as const, `${where}.bitrateMode`);
  if (d.latencyMode !== undefined) out.latencyMode = enumValue(d.latencyMode, ['quality', 'realtime'] as const, `${where}.latencyMode`);
  if (d.contentHint !== undefined) out.contentHint = String(d.contentHint);
  if (d.avc !== undefined) {
    const avc = dictionary(d.avc, `${where}.avc`);
    out.avc = avc.format === undefined ? {} : { format: enumValue(avc.format, ['avc', 'annexb'] as const, `${where}.avc.format`) };
  }
  if (d.hevc !== undefined) {
    const hevc = dictionary(d.hevc, `${where}.hevc`);
    out.hevc = hevc.format === undefined ? {} : { format: enumValue(hevc.format, ['hevc', 'annexb'] as const, `${where}.hevc.format`) };
  }
  return out;
}

/** Temporal scalability modes: layers, and the layer of each frame in the pattern libvpx's ts_layering_mode sets. */
const TEMPORAL_LAYERS: Record<string, number> = { L1T1: 1, L1T2: 2, L1T3: 3 };
const LAYER_PATTERN: Record<number, number[]> = { 1: [0], 2: [0, 1], 3: [0, 2, 1, 2] };

/** Why the other encoders take no quantizer per frame (FFmpeg 5.1's wrappers read their rate control at open only). */
const QUANTIZER_UNSUPPORTED: Record<string, string> = {
  vp9: "FFmpeg's libvpx wrapper sets its quantizer range at open only (no per-frame reconfiguration before FFmpeg 6.1)",
  vp8: 'VP8 has no per-frame quantizer in the WebCodecs registration',
  av1: "FFmpeg's libaom and SVT-AV1 wrappers set the quantizer at open only",
  hevc: "FFmpeg's libx265 wrapper sets the quantizer at open only (x265 takes no per-frame QP through it)",
};
/** The registrations' quantizer ranges: codec id -> [encode option member, largest value]. */
const QUANTIZER_RANGE: Record<string, ['vp9' | 'av1' | 'avc' | 'hevc', number]> = { vp9: ['vp9', 63], av1: ['av1', 63], h264: ['avc', 51], hevc: ['hevc', 51] };

/** The largest width or height encoded (libx264's, libvpx's and libaom's limits are at or above it). */
const MAX_SIZE = 16384;

type Encoding = VideoCodec & { encoder: NonNullable<VideoCodec['encoder']> };

function support(config: VideoEncoderConfig): Encoding | string {
  const codec = videoCodec(config.codec);
  if (!codec) return `'${config.codec}' is not a codec string this implementation knows`;
  if (!codec.encoder) return `encoding ${config.codec} (this profile) is not supported`;
  let info = codec as Encoding;
  if (!hasCodec(info.encoder.name, 'encoder')) return `this FFmpeg has no ${info.encoder.name} encoder`;
  if (config.width > MAX_SIZE || config.height > MAX_SIZE) return `frames above ${MAX_SIZE}x${MAX_SIZE} are not supported`;
  // SVT-AV1 (before 2.0) takes no side under 64: libaom encodes those.
  if (info.encoder.name === 'libsvtav1' && (config.width < 64 || config.height < 64) && hasCodec('libaom-av1', 'encoder'))
    info = { ...info, encoder: { ...info.encoder, name: 'libaom-av1' } };
  // What the linked libav wrappers give no way to do (see the README's WebCodecs section):
  if (config.alpha === 'keep') {
    // libvpx encodes the alpha plane as a second stream, carried per packet as side data.
    if ((info.id !== 'vp8' && info.id !== 'vp9') || info.encoder.pixelFormat !== 'yuv420p')
      return `alpha: 'keep' is supported for 8-bit 4:2:0 VP8 and VP9 only (libvpx's yuva420p); FFmpeg's other encoders take no alpha plane`;
    info = { ...info, encoder: { ...info.encoder, pixelFormat: 'yuva420p' } };
  }
  const layers = config.scalabilityMode === undefined ? 1 : TEMPORAL_LAYERS[config.scalabilityMode];
  if (layers === undefined || (layers > 1 && info.id !== 'vp8' && info.id !== 'vp9'))
    return `scalabilityMode ${config.scalabilityMode} is not supported: L1T1 is, and L1T2 and L1T3 for VP8 and VP9 (libvpx's temporal layering; the other wrappers report no layer per packet)`;
  if (config.bitrateMode === 'quantizer' && !(info.id === 'h264' && info.encoder.name === 'libx264'))
    return `bitrateMode 'quantizer' is supported for avc (libx264, which re-reads its crf before each frame) only: ${QUANTIZER_UNSUPPORTED[info.id] ?? `no per-frame quantizer for ${info.id}`}`;
  const { sx, sy } = FORMATS[formatOf(info.encoder.pixelFormat)].planes[1]!;
  if ((info.id === 'h264' || info.id === 'hevc') && (config.width % sx !== 0 || config.height % sy !== 0))
    return `${info.id} ${info.encoder.pixelFormat} needs a width and height divisible by the chroma subsampling`;
  return info;
}

/** support(), and for 'prefer-hardware' the hardware encoder here (see hardware.ts). */
async function supportHere(config: VideoEncoderConfig): Promise<Encoding | string> {
  const info = support(config);
  if (typeof info === 'string' || config.hardwareAcceleration !== 'prefer-hardware') return info;
  if (info.id !== 'h264' && info.id !== 'hevc' && info.id !== 'av1') return `no hardware encoder is known for ${info.id}`;
  if (config.bitrateMode === 'quantizer')
    return "bitrateMode 'quantizer' is not supported with 'prefer-hardware': FFmpeg's hardware encoders take no per-frame quantizer";
  const hw = await hardwareEncoder(info.id);
  return 'reason' in hw ? hw.reason : { ...info, encoder: { ...info.encoder, name: hw.name, options: {} } };
}

const layerCount = (config: VideoEncoderConfig): number => (config.scalabilityMode ? (TEMPORAL_LAYERS[config.scalabilityMode] ?? 1) : 1);

function formatOf(pixelFormat: string): keyof typeof FORMATS {
  return (Object.keys(FORMATS) as (keyof typeof FORMATS)[]).find((f) => FORMATS[f].pixelFormat === pixelFormat)!;
}

/** A frame rate as a rational: 29.97 -> 30000/1001. */
function rational(fps: number): { num: number; den: number } {
  if (Number.isInteger(fps)) return { num: fps, den: 1 };
  const ntsc = Math.round(fps * 1001);
  if (Math.abs(ntsc / 1001 - fps) < 1e-6 && ntsc % 1000 === 0) return { num: ntsc, den: 1001 };
  return { num: Math.round(fps * 1000), den: 1000 };
}

/** The libav encoder settings a configuration comes to. */
function encoderOptions(info: Encoding, config: VideoEncoderConfig): EncoderOptions {
  const realtime = config.latencyMode === 'realtime';
  const fps = config.framerate ?? 30;
  const bitrate = config.bitrate;
  const constant = config.bitrateMode === 'constant' && bitrate !== undefined;
  const o: AvOptions = { ...info.encoder.options };
  // A hardware encoder takes the generic settings only (bit rate, frame rate, GOP).
  switch (isHardwareEncoder(info.encoder.name) ? null : info.id) {
    case 'h264':
      Object.assign(o, { preset: realtime ? 'veryfast' : 'medium', 'forced-idr': 1 }, realtime ? { tune: 'zerolatency' } : {});
      if (constant) Object.assign(o, { maxrate: bitrate, bufsize: bitrate, 'nal-hrd': 'cbr' });
      if (config.bitrateMode === 'quantizer') {
        // libx264 re-reads crf before each frame (its constant qp it does not: x264's reconfig
        // skips i_qp_constant). With qcomp 1, no AQ, no QP step limit and one ratio for I, P
        // and B, a frame's crf is its QP exactly; zerolatency (no lookahead or B-frames)
        // applies it to that frame.
        Object.assign(o, { crf: DEFAULT_QP.h264, tune: 'zerolatency', 'x264-params': X264_QUANTIZER_PARAMS });
      }
      break;
    case 'hevc': {
      const params = ['log-level=error', ...(o['x265-params'] ? [String(o['x265-params'])] : [])];
      Object.assign(
        o,
        { preset: realtime ? 'ultrafast' : 'medium', 'forced-idr': 1, 'x265-params': params.join(':') },
        realtime ? { tune: 'zerolatency' } : {},
      );
      if (constant) Object.assign(o, { maxrate: bitrate, bufsize: bitrate });
      break;
    }
    case 'vp8':
    case 'vp9':
      Object.assign(o, { deadline: realtime ? 'realtime' : 'good', 'cpu-used': realtime ? 8 : 4 }, realtime ? { 'lag-in-frames': 0 } : {});
      if (info.id === 'vp9') o['row-mt'] = 1;
      if (constant) Object.assign(o, { minrate: bitrate, maxrate: bitrate });
      else if (bitrate === undefined && info.id === 'vp9') o.crf = 32; // constant quality (b:v 0)
      // libvpx encodes no transparency with alt-ref frames.
      if (config.alpha === 'keep') o['auto-alt-ref'] = 0;
      if (layerCount(config) > 1) {
        // libvpx's temporal layering (its pattern last: it overrides the rest); one packet per frame, no alt-ref.
        const n = layerCount(config);
        const kbps = Math.round((bitrate ?? config.width * config.height * fps * 0.07) / 1000);
        const rates = n === 2 ? [0.6, 1] : [0.4, 0.6, 1];
        o['ts-parameters'] = `ts_number_layers=${n}:ts_target_bitrate=${rates.map((r) => Math.round(kbps * r)).join(',')}:ts_layering_mode=${n}`;
        Object.assign(o, { 'lag-in-frames': 0, 'auto-alt-ref': 0 });
      }
      break;
    case 'av1':
      if (info.encoder.name === 'libsvtav1') {
        o.preset = realtime ? 12 : 8;
        if (bitrate === undefined) o.crf = 35;
        if (constant) o['svtav1-params'] = 'rc=2';
      } else {
        Object.assign(o, { 'cpu-used': realtime ? 8 : 6, usage: realtime ? 'realtime' : 'good', 'row-mt': 1 });
        if (bitrate === undefined) o.crf = 32;
        if (constant) o['end-usage'] = 'cbr';
      }
      break;
  }
  // VP8 has no constant-quality default worth having: a bitrate for its size and rate instead.
  const bitRate =
    config.bitrateMode === 'quantizer' ? undefined : (bitrate ?? (info.id === 'vp8' ? Math.round(config.width * config.height * fps * 0.07) : undefined));
  const annexb = (info.id === 'h264' && config.avc?.format === 'annexb') || (info.id === 'hevc' && config.hevc?.format === 'annexb');
  const sar = config.displayWidth && config.displayHeight ? { num: config.displayWidth * config.height, den: config.displayHeight * config.width } : undefined;
  return {
    codec: info.encoder.name,
    width: config.width,
    height: config.height,
    pixelFormat: info.encoder.pixelFormat,
    frameRate: rational(fps),
    timeBase: MICROSECONDS,
    ...(bitRate !== undefined ? { bitRate } : {}),
    ...(sar ? { sampleAspectRatio: sar } : {}),
    // Annex B carries the parameter sets in band (on every key frame); otherwise they go to
    // extradata, which becomes the description (avcC, hvcC, av1C).
    globalHeader: !annexb,
    keepPictureTypes: true,
    options: o,
  };
}

interface Opened {
  encoder: Encoder;
  decoderConfig: VideoDecoderConfig;
  /** Packets are Annex B; the description declares 4-byte length prefixes: convert. */
  lengthPrefixed: boolean;
  announced: boolean;
  /** Whether a frame went in: libav is not asked to drain an encoder that never had one (SVT-AV1 would wait forever). */
  fed: boolean;
  /** Temporal layers: frames sent so far, and each frame's layer by timestamp (libvpx's pattern, counted from the open). */
  sent: number;
  layers: Map<number, number>;
}

export interface EncodedVideo {
  chunk: EncodedVideoChunk;
  metadata: EncodedVideoChunkMetadata;
}

/** The encoder option that sets the quantizer before a frame (see QUANTIZER_UNSUPPORTED for the others). */
const QUANTIZER_OPTION: Record<string, string> = { libx264: 'crf' };
/** The x264 settings under which crf is the QP of every frame (see encoderOptions). */
export const X264_QUANTIZER_PARAMS = 'ipratio=1:pbratio=1:qcomp=1:aq-mode=0:qpstep=51';
type Quantizers = Partial<Record<'vp9' | 'av1' | 'avc' | 'hevc', number>>;
/** Each encode()'s quantizers, by the frame it sends (the active configuration picks its codec's). */
const QUANTIZERS = new WeakMap<Frame, Quantizers>();

/** The encode options' quantizers, checked against the registrations' ranges (TypeError outside them). */
function quantizers(o: Record<string, unknown>): Quantizers | undefined {
  let out: Quantizers | undefined;
  for (const [member, max] of Object.values(QUANTIZER_RANGE)) {
    if (o[member] === undefined || o[member] === null) continue;
    const q = dictionary(o[member], `VideoEncoder.encode options.${member}`).quantizer;
    if (q === undefined || q === null) continue;
    const value = unsignedLong(q, `VideoEncoder.encode options.${member}.quantizer`);
    if (value > max) throw new TypeError(`VideoEncoder.encode: options.${member}.quantizer is 0 to ${max}, not ${value}`);
    (out ??= {})[member] = value;
  }
  return out;
}

/** The packet side data libvpx puts the alpha stream in (AV_PKT_DATA_MATROSKA_BLOCKADDITIONAL). */
const ALPHA_SIDE_DATA = 'Matroska BlockAdditional';

/** The quantizer of frames encode() gives none for. */
const DEFAULT_QP: Record<string, number> = { h264: 23 };

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/**
 * One configured encoder. After flush() the libav encoder is at its end, so the next frame
 * opens a fresh one (its first chunk is a key frame and carries the decoderConfig again).
 */
class EncoderCodec implements Codec<Frame, EncodedVideo> {
  #encoder: Promise<Opened> | undefined;
  #scaler: Scaler | undefined;
  #order = new IssueOrder();
  /** Frame durations by timestamp: a packet carries the duration of the frame it encodes. */
  #durations = new Map<number, number>();

  constructor(
    private readonly info: Encoding,
    private readonly config: VideoEncoderConfig,
  ) {}

  /** Opens the first encoder (configure() reports its failure as NotSupportedError). */
  async start(): Promise<this> {
    await (this.#encoder = this.#open());
    return this;
  }

  async #open(): Promise<Opened> {
    const { info, config } = this;
    let encoder: Encoder;
    // SVT-AV1 prints its banner and settings to stdout unless told its level (1: errors only).
    if (info.encoder.name === 'libsvtav1') process.env.SVT_LOG ??= '1';
    try {
      encoder = await Encoder.open(encoderOptions(info, config));
    } catch (e) {
      throw fromAvError('NotSupportedError', `VideoEncoder cannot encode ${config.codec} with this configuration`, e);
    }
    const description = await codecPrivate(encoder);
    const decoderConfig: VideoDecoderConfig = { codec: config.codec, codedWidth: config.width, codedHeight: config.height };
    if (config.displayWidth && config.displayHeight) {
      decoderConfig.displayAspectWidth = config.displayWidth;
      decoderConfig.displayAspectHeight = config.displayHeight;
    }
    const lengthPrefixed = !!description && (info.id === 'h264' || info.id === 'hevc');
    if (description && (info.id === 'h264' || info.id === 'hevc' || info.id === 'av1')) {
      decoderConfig.description = description;
      // The profile and level the encoder settled on, from the avcC record.
      if (info.id === 'h264' && description.length > 3) decoderConfig.codec = `avc1.${hex2(description[1]!)}${hex2(description[2]!)}${hex2(description[3]!)}`;
    }
    return { encoder, decoderConfig, lengthPrefixed, announced: false, fed: false, sent: 0, layers: new Map() };
  }

  process(frames: Frame[]): Promise<EncodedVideo[]> {
    const opened = (this.#encoder ??= this.#open());
    for (const f of frames) if (f.pts !== null && f.duration > 0) this.#durations.set(f.pts, f.duration);
    const { width, height } = this.config;
    const pixelFormat = this.info.encoder.pixelFormat;
    let ready: Promise<Frame[]>;
    if (frames.every((f) => f.width === width && f.height === height && f.pixelFormat === pixelFormat)) {
      ready = Promise.resolve(frames);
    } else {
      // Another size or format than the encoder's: scaled as browsers do (the scaler holds its own references).
      this.#scaler ??= new Scaler({ width, height, pixelFormat });
      ready = this.#scaler.scale(frames).finally(() => frames.forEach((f) => f.close()));
    }
    const frameOptions = this.#frameOptions(frames);
    const step = this.#order.after(Promise.all([opened, ready]), ([o, input]) => {
      const pattern = LAYER_PATTERN[layerCount(this.config)]!;
      if (pattern.length > 1) for (const f of input) o.layers.set(f.pts ?? 0, pattern[o.sent++ % pattern.length]!);
      const sent = o.encoder.encode(input, frameOptions ? { frameOptions } : {});
      o.fed ||= input.length > 0;
      for (const f of input) f.close(); // the native call took its own references
      return { o, sent };
    });
    return step.then(async ({ o, sent }) => this.#chunks(o, await sent));
  }

  /** Where bitrateMode is 'quantizer': each frame's quantizer as the encoder option that sets it. */
  #frameOptions(frames: Frame[]): (AvOptions | undefined)[] | undefined {
    const option = QUANTIZER_OPTION[this.info.encoder.name];
    const member = QUANTIZER_RANGE[this.info.id]?.[0];
    if (this.config.bitrateMode !== 'quantizer' || !option || !member) return undefined;
    return frames.map((f) => {
      const q = QUANTIZERS.get(f)?.[member];
      return q === undefined ? undefined : { [option]: q };
    });
  }

  flush(): Promise<EncodedVideo[]> {
    const opened = this.#encoder;
    if (!opened) return Promise.resolve([]);
    this.#encoder = undefined;
    const step = this.#order.after(opened, (o) => ({ o, sent: o.fed ? o.encoder.flush() : Promise.resolve([]) }));
    return step.then(async ({ o, sent }) => {
      // Nothing went in: the encoder stays open for the next frames, unless they opened another already.
      if (!o.fed && this.#encoder === undefined) {
        this.#encoder = opened;
        return [];
      }
      try {
        return this.#chunks(o, await sent);
      } finally {
        void o.encoder.close();
        this.#durations.clear();
      }
    });
  }

  close(): void {
    this.#encoder?.then(
      (o) => o.encoder.close(),
      () => {},
    );
    this.#encoder = undefined;
    void this.#scaler?.close();
  }

  #chunks(o: Opened, packets: Packet[]): EncodedVideo[] {
    // An empty packet carries side data only (FLAC's final STREAMINFO): not a chunk.
    for (const p of packets) if (p.size === 0) p.close();
    return packets
      .filter((p) => !p.closed)
      .map((p) => {
        const timestamp = p.pts ?? 0;
        const duration = this.#durations.get(timestamp) ?? (p.duration > 0 ? p.duration : null);
        this.#durations.delete(timestamp);
        const type = p.isKeyFrame ? 'key' : 'delta';
        // libvpx's alpha: BlockAdditional side data, its 8-byte BlockAddID (1) first.
        const alpha = this.config.alpha === 'keep' ? p.sideData(ALPHA_SIDE_DATA) : null;
        let packet = p;
        if (o.lengthPrefixed) {
          packet = Packet.from(annexBToLengthPrefixed(p.data));
          p.close();
        }
        const chunk = wrapPacket(EncodedVideoChunk, packet, type, timestamp, duration);
        const metadata: EncodedVideoChunkMetadata = {};
        if (alpha && alpha.length > 8) metadata.alphaSideData = alpha.slice(8).buffer;
        const layer = o.layers.get(timestamp);
        if (layer !== undefined) {
          metadata.svc = { temporalLayerId: layer };
          o.layers.delete(timestamp);
        }
        if (!o.announced) {
          metadata.decoderConfig = { ...o.decoderConfig };
          o.announced = true;
        }
        return { chunk, metadata };
      });
  }
}

export class VideoEncoder extends CodecBase<VideoEncoderConfig, Frame, EncodedVideo> {
  protected readonly maxBatch = 4;
  protected readonly maxInflight = 2;
  protected readonly name = 'VideoEncoder';
  readonly #output: (chunk: EncodedVideoChunk, metadata?: EncodedVideoChunkMetadata) => void;

  constructor(init: VideoEncoderInit) {
    super(init, 'VideoEncoder');
    this.#output = init.output;
  }

  get encodeQueueSize(): number {
    return this.queueSize;
  }

  static async isConfigSupported(config: VideoEncoderConfig): Promise<VideoEncoderSupport> {
    const clean = checkConfig(config, 'VideoEncoder.isConfigSupported');
    return { supported: typeof (await supportHere(clean)) !== 'string', config: clean };
  }

  configure(config: VideoEncoderConfig): void {
    this.queueConfigure(checkConfig(config, 'VideoEncoder.configure'));
  }

  encode(frame: VideoFrame, options?: VideoEncoderEncodeOptions): void {
    if (!(frame instanceof VideoFrame)) throw new TypeError('VideoEncoder.encode: expected a VideoFrame');
    if (frame.format === null) throw new TypeError('VideoEncoder.encode: the VideoFrame is closed');
    const o = dictionary(options, 'VideoEncoder.encode');
    const q = quantizers(o);
    this.requireConfigured('encode');
    const input = encoderInput(frame, o.keyFrame === true);
    if (q) QUANTIZERS.set(input, q);
    this.queueWork(input);
  }

  protected async open(config: VideoEncoderConfig): Promise<Codec<Frame, EncodedVideo>> {
    const info = await supportHere(config);
    if (typeof info === 'string') throw domError('NotSupportedError', `VideoEncoder.configure: ${info}`);
    return new EncoderCodec(info, config).start();
  }

  protected emit(out: EncodedVideo): void {
    this.#output(out.chunk, out.metadata);
  }
  protected drop(): void {}
  protected dropInput(frame: Frame): void {
    frame.close();
  }
}

/**
 * The frame an encode() sends: a new reference to the VideoFrame's buffers (the "Clone
 * VideoFrame" step) with its timestamp, duration and key-frame request; only a visible rect
 * smaller than the coded picture is copied (cropped).
 */
function encoderInput(vf: VideoFrame, keyFrame: boolean): Frame {
  const s = frameFields(vf);
  const { x, y, width, height } = s.visible;
  let frame: Frame;
  if (x === 0 && y === 0 && width === s.codedWidth && height === s.codedHeight) {
    frame = s.frame.clone();
  } else {
    frame = Frame.from(packVisible(vf), { width, height, pixelFormat: FORMATS[s.format].pixelFormat });
  }
  return frame.set({ pts: s.timestamp, duration: s.duration ?? 0, timeBase: MICROSECONDS, pictType: keyFrame ? 'I' : '?' });
}
