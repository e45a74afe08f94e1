// AVStream: https://ffmpeg.org/doxygen/trunk/structAVStream.html
import type { NativeCodecParameters } from '../native.js';
import { CodecParameters, type CodecInfo } from './codec_parameters.js';
import { toNumber, type MediaType, type Rational } from './types.js';

/** The shape of a stream description as the addon returns it. */
export interface StreamDescription {
  index: number;
  id: number;
  type: MediaType;
  timeBase: Rational;
  startTime: number | null;
  duration: number | null;
  nbFrames: number;
  rFrameRate: Rational;
  avgFrameRate: Rational;
  sampleAspectRatio: Rational;
  disposition: Record<string, boolean>;
  metadata: Record<string, string>;
  rotation: number | null;
  displayMatrix: number[] | null;
  /** The coded picture buffer's properties (AVCPBProperties), when the stream has them. */
  cpb?: CpbProperties;
  sideData: string[];
  mimeCodecString?: string;
  codec: CodecInfo;
  codecParameters: NativeCodecParameters;
  decoder?: Record<string, unknown>;
}

/** A stream's coded picture buffer (AVCPBProperties): bits per second, bits, and 90 kHz ticks. */
export interface CpbProperties {
  maxBitrate: number;
  minBitrate: number;
  avgBitrate: number;
  bufferSize: number;
  /** -1 when unknown. */
  vbvDelay: number;
}

/** One stream of a demuxed input. Keeps its Demuxer (`owner`) alive. */
export class Stream {
  readonly index: number;
  readonly id: number;
  readonly type: MediaType;
  /** Timestamps of this stream's packets are in this time base. */
  readonly timeBase: Rational;
  /** In `timeBase` units; null when unknown. */
  readonly startTime: number | null;
  /** In `timeBase` units; null when unknown. */
  readonly duration: number | null;
  readonly nbFrames: number;
  /** The real base frame rate (r_frame_rate). */
  readonly frameRate: Rational;
  readonly avgFrameRate: Rational;
  readonly sampleAspectRatio: Rational;
  readonly disposition: Readonly<Record<string, boolean>>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Degrees of rotation from the display matrix side data, or null when there is none. */
  readonly rotation: number | null;
  /** The display matrix itself (9 integers, 16.16 and 2.30 fixed point, as FFmpeg stores it), or null. */
  readonly displayMatrix: readonly number[] | null;
  /** The coded picture buffer's properties (MPEG-2, H.264 headers), when the stream has them. */
  readonly cpb?: CpbProperties;
  /** Names of the stream's side data ('Display Matrix', ...). */
  readonly sideData: readonly string[];
  /** The RFC 6381 codec string ("avc1.64000d"); FFmpeg 8.1 and newer (av_mime_codec_str), else undefined. */
  readonly mimeCodecString?: string;
  readonly codec: CodecInfo;
  readonly codecParameters: CodecParameters;
  /** The object this stream belongs to (a Demuxer): referenced so it stays alive. */
  readonly owner: object;
  /** @internal fields known only with an opened decoder (probe) */
  readonly decoderInfo?: Record<string, unknown>;

  /** @internal */
  constructor(d: StreamDescription, owner: object) {
    this.index = d.index;
    this.id = d.id;
    this.type = d.type;
    this.timeBase = d.timeBase;
    this.startTime = d.startTime;
    this.duration = d.duration;
    this.nbFrames = d.nbFrames;
    this.frameRate = d.rFrameRate;
    this.avgFrameRate = d.avgFrameRate;
    this.sampleAspectRatio = d.sampleAspectRatio;
    this.disposition = Object.freeze(d.disposition);
    this.metadata = Object.freeze(d.metadata);
    this.rotation = d.rotation;
    this.displayMatrix = d.displayMatrix ? Object.freeze(d.displayMatrix) : null;
    this.sideData = Object.freeze(d.sideData);
    if (d.cpb) this.cpb = Object.freeze(d.cpb);
    if (d.mimeCodecString !== undefined) this.mimeCodecString = d.mimeCodecString;
    this.codec = Object.freeze(d.codec);
    this.codecParameters = new CodecParameters(d.codecParameters);
    this.owner = owner;
    if (d.decoder) this.decoderInfo = d.decoder;
  }

  /** Duration in seconds, or null when unknown. */
  get durationSeconds(): number | null {
    return this.duration === null ? null : this.duration * toNumber(this.timeBase);
  }
}
