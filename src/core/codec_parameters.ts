// AVCodecParameters: https://ffmpeg.org/doxygen/trunk/structAVCodecParameters.html
import type { NativeCodecParameters } from '../native.js';
import type { MediaType, Rational } from './types.js';

/** What codec parameters say about a stream's codec (AVCodecParameters, readable form). */
export interface CodecInfo {
  type: MediaType;
  codecId: number;
  codecName: string;
  codecLongName: string;
  codecTag: number;
  codecTagString: string;
  profile: number;
  profileName: string | null;
  level: number;
  bitRate: number;
  bitsPerRawSample: number;
  bitsPerCodedSample: number;
  extradataSize: number;
  // video
  width?: number;
  height?: number;
  pixelFormat?: string | null;
  sampleAspectRatio?: Rational;
  fieldOrder?: number;
  colorRange?: string;
  colorSpace?: string;
  colorPrimaries?: string;
  colorTransfer?: string;
  chromaLocation?: string;
  videoDelay?: number;
  // audio
  sampleRate?: number;
  channels?: number;
  channelLayout?: string | null;
  sampleFormat?: string | null;
  frameSize?: number;
  initialPadding?: number;
  blockAlign?: number;
}

/**
 * An owned copy of a stream's AVCodecParameters: what a demuxer or encoder hands to a
 * decoder or muxer. Opaque; `info` describes it.
 */
export class CodecParameters {
  /** @internal */
  readonly native: NativeCodecParameters;
  #info: CodecInfo | undefined;

  /** @internal */
  constructor(handle: NativeCodecParameters) {
    this.native = handle;
  }

  get info(): CodecInfo {
    return (this.#info ??= this.native.describe() as unknown as CodecInfo);
  }
}
