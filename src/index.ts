// avforge: FFmpeg for TypeScript. The public surface, and nothing else.
export {
  AvError,
  FFMPEG_ERROR_CODES,
  ERRNO_CODES,
  AVFORGE_ERROR_CODES,
  type AvErrorInfo,
  type AvErrorCode,
  type FFmpegErrorCode,
  type ErrnoCode,
  type AvforgeErrorCode,
} from './errors.js';
export { Packet, PacketFlags, type PacketFields } from './core/packet.js';
export { Frame, type FrameFields, type FrameLayout, type VideoFrameLayout, type AudioFrameLayout } from './core/frame.js';
export { CodecParameters, type CodecInfo } from './core/codec_parameters.js';
export { Stream } from './core/stream.js';
export { Demuxer, type DemuxerOptions, type FormatInfo, type SeekOptions } from './core/demuxer.js';
export { Decoder, type DecoderOptions, type PacketSource } from './core/decoder.js';
export { Subtitle, type SubtitleRect, type SubtitleRectType } from './core/subtitle.js';
export { Encoder, type EncodeOptions, type EncoderOptions, type FrameSource } from './core/encoder.js';
export { Muxer, type MuxerOptions, type MuxerStream, type MuxerStreamOptions } from './core/muxer.js';
export { Scaler, scaleFrame, type ScalerOptions, type ScalingAlgorithm } from './core/scaler.js';
export { Resampler, type ResamplerOptions } from './core/resampler.js';
export {
  FilterGraph,
  type FilterGraphOptions,
  type FilterInput,
  type FilterOutput,
  type VideoFilterInput,
  type AudioFilterInput,
} from './core/filter_graph.js';
export { BitstreamFilter } from './core/bsf.js';
export { HwDevice, chooseEncoder, type HwType, type HwDeviceOptions, type HwProbe, type HardwareChoice } from './core/hw_device.js';
export { probe, type ProbeResult } from './core/probe.js';
export { jobSchema } from './options/json_schema.js';
export type { JobKind, ProbeOptions } from './options/pipeline.js';
export type { JsonSchema } from './options/rules.js';
export type { WireJob as BullMQJobData } from './options/jobs.js';
export {
  toFFprobeJson,
  ffprobeStreamSection,
  ffprobeFormatSection,
  ffprobeTypedSideData,
  type FFprobeJson,
  type FFprobeFormat,
  type FFprobeStream,
  type FFprobeSideData,
  type FFprobeValue,
  type FFprobeFields,
  type FFprobeStreamSection,
  type FFprobeFormatSection,
  type FFprobeCounts,
} from './core/ffprobe.js';
export { ffprobePacketFields, ffprobeFrameFields, type FFprobePacketOrigin } from './core/ffprobe_media.js';
export { thumbnails, thumbnailFile } from './pipeline/transcode.js';
// transcode() and remux() with their AVOptions typed from the linked FFmpeg's tables
export {
  transcode,
  remux,
  type EncoderOptionsOf,
  type MuxerOptionsOf,
  type KnownEncoderOptions,
  type KnownMuxerOptions,
  type TypedVideoSettings,
  type TypedAudioSettings,
  type TypedFormat,
  type TypedTranscodeOptions,
  type TypedRemuxOptions,
} from './options/av_option_types.js';
export { ladder, type LadderOptions, type LadderResult, type Rendition } from './pipeline/ladder.js';
export type { GraphPads } from './pipeline/plan.js';
export type {
  FilterResults,
  FrameMetadataEntry,
  FilterLogText,
  LoudnormMeasurement,
  Ebur128Summary,
  SilenceInterval,
} from './pipeline/filter_results.js';
export * from './engine/index.js';
/** Bytes from a number or a string like '512MB', '1.5GiB' (the engine's memoryBudget). */
export { parseBytes } from './engine/engine.js';
export type { Job } from './pipeline/run.js';
export type {
  TranscodeOptions,
  TranscodeResult,
  TranscodeOutput,
  OutputResult,
  StageBusy,
  PayloadSizes,
  RemuxOptions,
  ThumbnailOptions,
  Thumbnail,
  VideoSettings,
  AudioSettings,
  StreamMap,
  InputSettings,
  ExtraInput,
  Progress,
  FrameTap,
  CancelMode,
  JobOptions,
  HardwarePreference,
  Chapter,
  HardwareSpec,
} from './pipeline/types.js';
export type { InputSource, CallbackSource, SourceOptions } from './io/source.js';
export type { OutputTarget, ChunkCallback, SinkOptions } from './io/sink.js';
export { setLogger, setLogLevel, LogLevels, type LogLevel, type Logger } from './core/log.js';
export { toNumber, rescale, type Rational, type MediaType, type AvOptions } from './core/types.js';
export {
  codecs,
  formats,
  filters,
  pixelFormats,
  sampleFormats,
  hwaccels,
  type CodecListing,
  type CodecCapability,
  type CodecProperty,
  type CodecHwConfig,
  type HwConfigMethod,
  type FormatListing,
  type FormatFlag,
  type FilterListing,
  type FilterPadListing,
  type FilterFlag,
  type PixelFormatListing,
  type PixelFormatFlag,
  type SampleFormatListing,
} from './core/listings.js';
export {
  options,
  routeOption,
  type AvOptionClass,
  type NamedOptionClass,
  type GenericOptionClass,
  type AvOptionInfo,
  type AvOptionType,
  type AvOptionFlags,
  type AvOptionConstant,
  type AvOptionLayer,
  type OptionRouteContext,
} from './core/av_options.js';

import { invalidArgument, settle } from './errors.js';
import { addon, type NativeAddon } from './native.js';
import type { GraphPads } from './pipeline/plan.js';

/** The FFmpeg this process runs on (check it against known CVEs), and what avforge was built against. */
export function versions(): ReturnType<NativeAddon['versions']> {
  return addon().versions();
}

/** Whether this FFmpeg has an encoder (or decoder) of that name. */
export function hasCodec(name: string, kind: 'encoder' | 'decoder' = 'decoder'): boolean {
  return addon().hasCodec(name, kind === 'encoder');
}

/**
 * The open pads of a filter graph description, as libavfilter parses it (on a worker thread:
 * filters may open files when created): its unconnected inputs and outputs, each with its label
 * ('' when unlabelled) and media type ('video', 'audio' or 'other'). This is how transcode()
 * reads a `filterComplex`; use it to ask which labelled outputs a graph has before mapping them.
 *
 *   await describeFilterGraph('[0:v][1:v]overlay[v];[0:a]volume=2[a]')
 *   // { inputs: [{ label: '0:v', type: 'video' }, ...], outputs: [{ label: 'v', type: 'video' }, { label: 'a', type: 'audio' }] }
 */
export function describeFilterGraph(description: string): Promise<GraphPads> {
  if (typeof description !== 'string' || description.length === 0) throw invalidArgument('description', 'a filter graph description', description);
  return settle(addon().describeFilterGraph(description));
}
