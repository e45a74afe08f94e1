// AVOptions as types: the `options` of a video or audio stream typed by its encoder, and the
// `formatOptions` of an output typed by its `format`, from the tables of the linked FFmpeg
// (generated/av_option_types.ts, written by scripts/gen-option-types.mjs at build time). A
// misspelt option of a typed encoder (`crff` for libx264) or a value of the wrong kind
// (`crf: 'fast'`) is a compile error; an encoder or muxer without generated types, or a codec
// not known at compile time, takes any AVOption as before (checked when the job opens it).
import type { AvOptions } from '../core/types.js';
import type { OutputTarget } from '../io/sink.js';
import type { InputSource } from '../io/source.js';
import type { Job } from '../pipeline/run.js';
import { remux as remuxJob, transcode as transcodeJob } from '../pipeline/transcode.js';
import type { AudioSettings, RemuxOptions, TranscodeOptions, TranscodeOutput, TranscodeResult, VideoSettings } from '../pipeline/types.js';
import type { KnownEncoderOptions, KnownMuxerOptions } from './generated/av_option_types.js';

export type { KnownEncoderOptions, KnownMuxerOptions };

/** The options `codec` takes: its generated type when it is a typed encoder, else any AVOption. */
export type EncoderOptionsOf<C extends string> = string extends C ? AvOptions : C extends keyof KnownEncoderOptions ? KnownEncoderOptions[C] : AvOptions;

/** The options muxer `format` takes: its generated type when it is a typed muxer, else any AVOption. */
export type MuxerOptionsOf<F extends string> = string extends F ? AvOptions : F extends keyof KnownMuxerOptions ? KnownMuxerOptions[F] : AvOptions;

/** VideoSettings whose `options` are those of its `codec`. */
export type TypedVideoSettings<C extends string = string> = Omit<VideoSettings, 'codec' | 'options'> & {
  /** Encoder name ('libx264', 'libx265', 'libvpx-vp9'...), or 'copy'. Default: the container's. */
  codec?: C;
  /** Encoder AVOptions: typed for the encoders the build generated types for. */
  options?: EncoderOptionsOf<C>;
};

/** AudioSettings whose `options` are those of its `codec`. */
export type TypedAudioSettings<C extends string = string> = Omit<AudioSettings, 'codec' | 'options'> & {
  /** Encoder name ('aac', 'libopus', 'libmp3lame'...), or 'copy'. Default: the container's. */
  codec?: C;
  /** Encoder AVOptions: typed for the encoders the build generated types for. */
  options?: EncoderOptionsOf<C>;
};

/** A muxer named by `format`, with its typed `formatOptions`. */
export interface TypedFormat<F extends string = string> {
  /** Output format ('mp4', 'matroska', 'webm', 'hls'...). Default: from the output name. */
  format?: F;
  /** Muxer AVOptions (movflags, hls_time...): typed when `format` names a typed muxer. */
  formatOptions?: MuxerOptionsOf<F>;
}

/** TranscodeOptions with `video.options`, `audio.options` and `formatOptions` typed. */
export type TypedTranscodeOptions<V extends string = string, A extends string = string, F extends string = string> = Omit<
  TranscodeOptions,
  'video' | 'audio' | 'format' | 'formatOptions'
> &
  TypedFormat<F> & {
    /** The video stream: settings, 'copy', or false for none (-vn). */
    video?: TypedVideoSettings<V> | 'copy' | false;
    /** The audio stream: settings, 'copy', or false for none (-an). */
    audio?: TypedAudioSettings<A> | 'copy' | false;
  };

/** RemuxOptions with `formatOptions` typed by `format`. */
export type TypedRemuxOptions<F extends string = string> = Omit<RemuxOptions, 'format' | 'formatOptions'> & TypedFormat<F>;

/**
 * Decodes, filters and encodes `input` into `output` (a path, URL or stream), every stage on
 * native threads. Returns a Promise of the result with cancel('graceful' | 'abort'). The
 * encoders' and the muxer's AVOptions are typed where the build generated types for them.
 *
 *   await transcode('in.mp4', 'out.mkv', { video: { codec: 'libx265', crf: 28 }, audio: 'copy' });
 *   transcode('in.mp4', 'out.mp4', { video: { codec: 'libx264', options: { crff: 20 } } }); // compile error
 */
export function transcode<V extends string = string, A extends string = string, F extends string = string>(
  input: InputSource,
  output: string | OutputTarget,
  options?: TypedTranscodeOptions<V, A, F>,
): Job<TranscodeResult>;
/** Several outputs from one decode (see pipeline/transcode.ts); each output's options as TranscodeOutput. */
export function transcode(input: InputSource, outputs: TranscodeOutput[], options?: TranscodeOptions): Job<TranscodeResult>;
export function transcode(input: InputSource, output: string | OutputTarget | TranscodeOutput[], options?: TranscodeOptions): Job<TranscodeResult> {
  return transcodeJob(input, output as TranscodeOutput[], options);
}

/**
 * Copies streams into another container without decoding (-c copy): MP4, MKV, TS,
 * fragmented MP4, HLS... libavformat inserts the bitstream filters a target needs
 * (h264_mp4toannexb for TS, aac_adtstoasc for MP4). `formatOptions` are typed by `format`.
 */
export function remux<F extends string = string>(input: InputSource, output: string | OutputTarget, options?: TypedRemuxOptions<F>): Job<TranscodeResult> {
  return remuxJob(input, output, options as RemuxOptions | undefined);
}
