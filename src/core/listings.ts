// What the linked FFmpeg has, as data: the registries `ffmpeg -codecs/-encoders/-decoders/-formats/
// -filters/-pix_fmts/-sample_fmts/-hwaccels` print, walked in the libraries themselves
// (native/listings.cc), never a list of our own. Each walk is a read of static tables, run once
// per process; the results are frozen and shared.
import { addon } from '../native.js';
import type { MediaType, Rational } from './types.js';

/** A codec capability (AV_CODEC_CAP_*), as the implementation declares it. */
export type CodecCapability =
  | 'drawHorizBand'
  | 'dr1'
  | 'delay'
  | 'smallLastFrame'
  | 'experimental'
  | 'frameThreads'
  | 'sliceThreads'
  | 'paramChange'
  | 'otherThreads'
  | 'variableFrameSize'
  | 'avoidProbing'
  | 'hardware'
  | 'hybrid'
  | 'encoderFlush';

/** A property of the codec itself (AV_CODEC_PROP_*), shared by every implementation of its id. */
export type CodecProperty = 'intraOnly' | 'lossy' | 'lossless' | 'reorder' | 'bitmapSub' | 'textSub';

/** How a codec uses a hardware device (AV_CODEC_HW_CONFIG_METHOD_*). */
export type HwConfigMethod = 'deviceContext' | 'framesContext' | 'internal' | 'adHoc';

/** One way a codec runs on hardware (avcodec_get_hw_config). */
export interface CodecHwConfig {
  /** The pixel format of its frames on the device ('vaapi', 'cuda'...), or a software one for ad-hoc configs. */
  readonly pixelFormat: string | null;
  /** The device type it needs ('vaapi', 'cuda'...), null when it needs none. */
  readonly deviceType: string | null;
  readonly methods: readonly HwConfigMethod[];
}

/** One codec implementation: an encoder or a decoder (libx264 and h264 are two entries of one codec id). */
export interface CodecListing {
  /** What to pass as a codec name: 'libx264', 'h264', 'aac'. */
  readonly name: string;
  readonly longName: string;
  readonly kind: 'encoder' | 'decoder';
  readonly type: MediaType;
  /** The codec it implements ('h264' for libx264 and h264_vaapi); null for none. */
  readonly codecId: string | null;
  /** The external library or system API it wraps ('cuvid', 'mediacodec'...), when libavcodec says so. */
  readonly wrapper: string | null;
  readonly capabilities: readonly CodecCapability[];
  /** The codec id's properties: intra-only, lossy, lossless... */
  readonly properties: readonly CodecProperty[];
  /** The pixel formats it accepts (encoders) or may output, best first; null when it does not list them. */
  readonly pixelFormats: readonly string[] | null;
  /** Likewise for sample formats ('fltp', 's16'...). */
  readonly sampleFormats: readonly string[] | null;
  /** The sample rates it supports; null: any. */
  readonly sampleRates: readonly number[] | null;
  /** The channel layouts it supports, as FFmpeg describes them ('stereo', '5.1(side)'); null: any. */
  readonly channelLayouts: readonly string[] | null;
  /** The frame rates it supports; null: any. */
  readonly frameRates: readonly Readonly<Rational>[] | null;
  /** The hardware configurations it has (empty for a software codec). */
  readonly hwConfigs: readonly CodecHwConfig[];
}

/** A container flag (AVFMT_*). */
export type FormatFlag =
  | 'nofile'
  | 'neednumber'
  | 'experimental'
  | 'showIds'
  | 'globalheader'
  | 'notimestamps'
  | 'genericIndex'
  | 'tsDiscont'
  | 'variableFps'
  | 'nodimensions'
  | 'nostreams'
  | 'nobinsearch'
  | 'nogensearch'
  | 'noByteSeek'
  | 'tsNonstrict'
  | 'tsNegative'
  | 'seekToPts';

/** One muxer or demuxer. */
export interface FormatListing {
  /** Its name as FFmpeg spells it; a demuxer's may list aliases ('mov,mp4,m4a,3gp,3g2,mj2'). */
  readonly name: string;
  readonly longName: string;
  readonly kind: 'muxer' | 'demuxer';
  /** File extensions, without dots. */
  readonly extensions: readonly string[];
  readonly mimeTypes: readonly string[];
  readonly flags: readonly FormatFlag[];
  /** A muxer's default codecs (null: none, and always null for a demuxer). */
  readonly videoCodec: string | null;
  readonly audioCodec: string | null;
  readonly subtitleCodec: string | null;
}

/** A filter flag (AVFILTER_FLAG_*). */
export type FilterFlag = 'dynamicInputs' | 'dynamicOutputs' | 'sliceThreads' | 'metadataOnly' | 'timelineGeneric' | 'timelineInternal';

/** One static pad of a filter. */
export interface FilterPadListing {
  readonly name: string;
  readonly type: MediaType;
}

/** One filter. */
export interface FilterListing {
  readonly name: string;
  readonly description: string;
  /** Its static inputs; a filter with `dynamicInputs` makes others (or different ones) from its options. */
  readonly inputs: readonly FilterPadListing[];
  readonly outputs: readonly FilterPadListing[];
  readonly flags: readonly FilterFlag[];
  /** It takes `enable=` expressions (timeline support). */
  readonly timeline: boolean;
  /** No inputs at all: a source (testsrc, anullsrc, buffer). */
  readonly source: boolean;
  /** No outputs at all: a sink (nullsink, buffersink). */
  readonly sink: boolean;
}

/** A pixel format flag (AV_PIX_FMT_FLAG_*). */
export type PixelFormatFlag = 'be' | 'pal' | 'bitstream' | 'hwaccel' | 'planar' | 'rgb' | 'alpha' | 'bayer' | 'float';

/** One pixel format (av_pix_fmt_desc_next). */
export interface PixelFormatListing {
  readonly name: string;
  readonly components: number;
  /** Bits per pixel, as `ffmpeg -pix_fmts` prints it (without padding). */
  readonly bitsPerPixel: number;
  readonly paddedBitsPerPixel: number;
  readonly planes: number;
  /** Chroma subsampling: the chroma planes are width >> log2ChromaW by height >> log2ChromaH. */
  readonly log2ChromaW: number;
  readonly log2ChromaH: number;
  /** Bits of each component. */
  readonly componentDepths: readonly number[];
  readonly flags: readonly PixelFormatFlag[];
  readonly alias: string | null;
  /** Scaler (libswscale) can read it, and write it. */
  readonly scalerInput: boolean;
  readonly scalerOutput: boolean;
}

/** One sample format. */
export interface SampleFormatListing {
  readonly name: string;
  readonly bytesPerSample: number;
  readonly planar: boolean;
  /** Its packed and planar counterparts ('s16' and 's16p'). */
  readonly packedName: string | null;
  readonly planarName: string | null;
}

/** The shape the addon returns (before the derived fields). */
export type NativeFilterListing = Omit<FilterListing, 'timeline' | 'source' | 'sink'>;

/** Freezes a listing and everything in it (shared by every caller, so no one can change it). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function once<T>(make: () => T): () => T {
  let cached: T | undefined;
  return () => {
    cached ??= deepFreeze(make());
    return cached;
  };
}

/** Every encoder and decoder this FFmpeg has, in libavcodec's order (what `ffmpeg -encoders` and `-decoders` list). */
export const codecs: () => readonly CodecListing[] = once(() => addon().listCodecs());

/** Every muxer and demuxer this FFmpeg has (what `ffmpeg -muxers` and `-demuxers` list, less libavdevice's devices, which avforge does not load). */
export const formats: () => readonly FormatListing[] = once(() => addon().listFormats());

/**
 * Every filter this FFmpeg has (what `ffmpeg -filters` lists). Loads libavfilter if it is not yet;
 * throws AvError ENOSYS when it cannot be loaded.
 */
export const filters: () => readonly FilterListing[] = once(() =>
  addon()
    .listFilters()
    .map((f) => ({
      ...f,
      timeline: f.flags.includes('timelineGeneric') || f.flags.includes('timelineInternal'),
      source: f.inputs.length === 0 && !f.flags.includes('dynamicInputs'),
      sink: f.outputs.length === 0 && !f.flags.includes('dynamicOutputs'),
    })),
);

/** Every pixel format libavutil describes (what `ffmpeg -pix_fmts` lists). */
export const pixelFormats: () => readonly PixelFormatListing[] = once(() => addon().listPixelFormats());

/** Every sample format (what `ffmpeg -sample_fmts` lists). */
export const sampleFormats: () => readonly SampleFormatListing[] = once(() => addon().listSampleFormats());

/** The hardware device types this FFmpeg was built with (what `ffmpeg -hwaccels` lists), whether or not a device of each is present here. */
export const hwaccels: () => readonly string[] = once(() => addon().hwDeviceTypes());
