// The options of transcode(), remux() and thumbnails(): one typed object per job, shaped
// after the ffmpeg CLI's flags where users know those (-ss, -t, -c:v, -crf, -vf, -map).
import type { Frame } from '../core/frame.js';
import type { HardwareChoice } from '../core/hw_device.js';
import type { FilterResults } from './filter_results.js';
import type { AvOptions } from '../core/types.js';
import type { OutputTarget, SinkOptions } from '../io/sink.js';
import type { InputSource, SourceOptions } from '../io/source.js';

/** An input with its own demuxer settings (for `inputs`, or the first input's `input`). */
export interface InputSettings extends SourceOptions {
  /** Force a demuxer ('mpegts', 'image2'...). */
  format?: string;
  /** Demuxer and protocol AVOptions. */
  options?: AvOptions;
  /** Seek this input here first, in seconds (ffmpeg's -ss before -i). */
  start?: number;
  /**
   * The first input: read this many seconds of it (ffmpeg's -t before -i). Unlike the output's
   * `duration`, frames the encoder's frame-rate conversion repeats at the end are kept, as the CLI keeps them.
   */
  duration?: number;
  /**
   * Turn its video upright from the display matrix before any filter, as the CLI does by
   * default (-autorotate): a phone's portrait video encodes as portrait, without the matrix.
   * false (-noautorotate): the frames as stored.
   */
  autorotate?: boolean;
}

export interface ExtraInput extends InputSettings {
  source: InputSource;
}

/** Settings shared by encoded video and audio streams. */
interface EncodeSettings {
  /** Encoder name ('libx264', 'libx265', 'aac', 'libopus'...), or 'copy'. Default: the container's. */
  codec?: string;
  /** Bits per second, or a string like '2M' / '128k' (-b:v, -b:a). */
  bitRate?: number | string;
  /** A filter chain applied to the decoded stream (-vf / -af). */
  filter?: string;
  /** Codec threads (0: as many as useful). */
  threads?: number;
  /** Encoder AVOptions (private options of libx264 and friends). */
  options?: AvOptions;
  /** Metadata for this output stream ("" removes a key). */
  metadata?: Record<string, string>;
}

export interface VideoSettings extends EncodeSettings {
  /** Constant rate factor (-crf), for encoders that have one. */
  crf?: number;
  /** Encoder preset (-preset). */
  preset?: string;
  /** Output width; with only one of width/height the other keeps the aspect ratio. */
  width?: number;
  height?: number;
  /** Output frame rate (-r): frames per second, or an exact 'num/den' ('30000/1001'). */
  frameRate?: number | string;
  /**
   * How frames meet the output's frame rate (-fps_mode): 'cfr' repeats and drops frames to a
   * constant rate, 'vfr' keeps their timing (dropping only frames that would share a timestamp),
   * 'passthrough' keeps every frame as it is. 'auto' (the default) is the CLI's choice: 'cfr'
   * for containers without variable rates (mp4, mpegts...), 'vfr' for the others (matroska, webm).
   */
  fpsMode?: 'auto' | 'cfr' | 'vfr' | 'passthrough';
  /** Output pixel format (-pix_fmt). */
  pixelFormat?: string;
  /** Keyframe interval in frames (-g). */
  gopSize?: number;
  /** Stop after this many frames (-frames:v). */
  maxFrames?: number;
}

export interface AudioSettings extends EncodeSettings {
  /** Output sample rate (-ar). */
  sampleRate?: number;
  /** Output channel count (-ac). */
  channels?: number;
  /** Output channel layout ('mono', 'stereo', '5.1'). */
  channelLayout?: string;
  /** Output sample format (-sample_fmt). */
  sampleFormat?: string;
}

/** One output stream, as ffmpeg's -map: an input stream or a labelled filter_complex output. */
export interface StreamMap extends VideoSettings, AudioSettings {
  /** Input index (0 is the first input). Default 0. */
  input?: number;
  /** Stream index in that input, or a specifier: 'v', 'a', 's', 'v:1', 'a:0'. */
  stream?: number | string;
  /** An output label of `filterComplex` ('out' for [out]). */
  label?: string;
  /** Its disposition over the source's, as ffmpeg's -disposition: 'default', 'attached_pic', '+forced', '0'. */
  disposition?: string;
  /** A copied stream's bitstream filters, as ffmpeg's -bsf ('aac_adtstoasc', 'h264_mp4toannexb,dump_extra'). */
  bitstreamFilter?: string;
  /** The codec tag the container writes, as ffmpeg's -tag: 'hvc1' for HEVC in MP4 that Apple players take. */
  tag?: string;
}

/** A progress report: `frames` counts the first video stream (or the first stream). */
export interface Progress {
  frames: number;
  /** Frames per second so far. */
  fps: number;
  /** Output position, seconds. */
  time: number;
  /** Output seconds per wall-clock second. */
  speed: number;
  /** 0..100 when the input's duration is known, else null. */
  percent: number | null;
  /** Output bytes so far. */
  bytes: number;
  /** Output bits per second so far. */
  bitRate: number;
  /** Milliseconds since the job started. */
  elapsed: number;
  /** Damaged packets or frames skipped so far. */
  damaged: number;
  /** Video frames the frame-rate conversion repeated so far (the CLI's dup= and dup_frames=); always set by a job. */
  dupFrames?: number;
  /** Video frames the frame-rate conversion dropped so far (the CLI's drop= and drop_frames=); always set by a job. */
  dropFrames?: number;
}

/** Sees frames of one output stream before they are encoded; may change their pixels or samples in place. */
export type FrameTap = (frames: Frame[], info: { stream: number }) => void | Promise<void>;

/** What an aborted signal does: 'abort' stops at once and removes the output; 'graceful' ends the inputs there and finishes a valid, shorter output. */
export type CancelMode = 'graceful' | 'abort';

/** A device type with the device to open ('/dev/dri/renderD129', '1') and its AVOptions. */
export interface HardwareSpec {
  type: string;
  device?: string;
  options?: AvOptions;
}

/** Hardware for decode, filters and encode: 'none' (default), 'auto' (the best device here), a device type, or one with its device name. */
export type HardwarePreference = 'none' | 'auto' | string | HardwareSpec;

export interface JobOptions {
  /** Cancels the job (see `cancel`). */
  signal?: AbortSignal;
  /** What the signal does. Default 'abort'; a signal aborted with the reason 'graceful' is always graceful. */
  cancel?: CancelMode;
  onProgress?: (progress: Progress) => void;
  /** Milliseconds between progress reports. Default 500. */
  progressInterval?: number;
  /** Damaged input is an error, instead of being skipped with a warning (as the CLI does). */
  strict?: boolean;
}

/** What transcode() and remux() share: the first input's settings, trimming, and the output. */
export interface OutputOptions extends JobOptions {
  /** The first input's demuxer settings, and its seek point. */
  input?: InputSettings;
  /** Output format ('mp4', 'matroska', 'webm', 'hls'...). Default: from the output name. */
  format?: string;
  /** Muxer AVOptions (movflags, hls_time, ...). */
  formatOptions?: AvOptions;
  /** MP4/MOV: move the index to the front (movflags +faststart). */
  fastStart?: boolean;
  /** MP4: fragmented (movflags frag_keyframe+empty_moov+default_base_moof). */
  fragmented?: boolean;
  /** For a stream output: its sink settings. */
  sink?: SinkOptions;
  /** Seek the first input here, in seconds (-ss). */
  start?: number;
  /** Output duration limit, seconds (-t). */
  duration?: number;
  /** Global metadata ("" removes a key); the first input's is copied unless copyMetadata is false. */
  metadata?: Record<string, string>;
  /** false: no metadata of the inputs is copied, neither the file's nor its streams' (ffmpeg's -map_metadata -1). */
  copyMetadata?: boolean;
  /** End the output where its first stream ends (ffmpeg's -shortest): a looped image with a song stops with the song. */
  shortest?: boolean;
  /** Copy the first input's chapters (true, the default), none (false), or these (seconds). */
  chapters?: boolean | Chapter[];
}

export interface TranscodeOptions extends OutputOptions {
  /** More inputs, for filterComplex and map (input 1, 2, ...). */
  inputs?: (InputSource | ExtraInput)[];
  /** The video stream: settings, 'copy', or false for none (-vn). */
  video?: VideoSettings | 'copy' | false;
  /** The audio stream: settings, 'copy', or false for none (-an). */
  audio?: AudioSettings | 'copy' | false;
  /** Subtitle streams: 'copy', converted ({ codec: 'ass' | 'mov_text' | 'webvtt' | 'subrip'...; none: the container's default }), or false (the default). Text converts to text, bitmaps to bitmaps. */
  subtitles?: 'copy' | { codec?: string } | false;
  /** Explicit output streams (-map); then video/audio/subtitles only give defaults. */
  map?: StreamMap[];
  /** A complex filter graph (-filter_complex): inputs as [0:v], [1:a]..., outputs labelled and mapped by `map`. */
  filterComplex?: string;
  /** Codec threads for every stream (0: as many as useful). */
  threads?: number;
  /** Frame taps: the callback, and which output stream it sees (default the first video stream). */
  onFrames?: FrameTap;
  tapStream?: number;
  /** Frames per tap call (default 8). */
  tapBatch?: number;
  /**
   * Decode (and, for a video codec named by family: 'h264', 'hevc', 'av1', encode) on a
   * hardware device; what ran where, and every fallback to software with its reason, is in
   * `result.hardware`.
   */
  hardware?: HardwarePreference;
}

/**
 * One output of a job that writes several (`transcode(input, [outputs], options)`): where it goes
 * and what it holds. The job's options give the defaults (`video`, `audio`...); the inputs, their
 * decoding, `filterComplex`, `start`, `duration` and `shortest` are the job's, shared by all.
 */
export interface TranscodeOutput {
  /** A path or URL, or a stream (then `format` is needed). */
  output: string | OutputTarget;
  video?: VideoSettings | 'copy' | false;
  audio?: AudioSettings | 'copy' | false;
  subtitles?: 'copy' | { codec?: string } | false;
  /** Its streams (-map), labels of the job's filterComplex among them. */
  map?: StreamMap[];
  format?: string;
  formatOptions?: AvOptions;
  fastStart?: boolean;
  fragmented?: boolean;
  sink?: SinkOptions;
  metadata?: Record<string, string>;
  copyMetadata?: boolean;
  chapters?: boolean | Chapter[];
}

/**
 * Seconds each pipeline stage worked: its threads' wall time less their waits for the stages
 * beside them (a codec's own threads work inside its stage's time). The stage that is busiest
 * is what limits the job. A plain remux reads and writes on one thread: it is all 'demux'.
 */
export interface StageBusy {
  demux?: number;
  decode?: number;
  filter?: number;
  encode?: number;
  subtitle?: number;
  mux?: number;
}

/** What one output of a job came to. */
export interface OutputResult {
  /** Its path or URL (null for a stream output). */
  output: string | null;
  bytes: number;
  /** Seconds (null when unknown). */
  duration: number | null;
  sizes: PayloadSizes;
}

export interface Chapter {
  /** Seconds. */
  start: number;
  end: number;
  title?: string;
}

export interface RemuxOptions extends OutputOptions {
  /** Input streams to keep (indexes or specifiers); default every video, audio and subtitle stream. */
  streams?: (number | string)[];
  /** Bitstream filters per output stream index, e.g. { 0: 'h264_mp4toannexb' }. */
  bitstreamFilters?: Record<number, string>;
}

/**
 * Bytes written, as the ffmpeg CLI's last line adds them up ('video:123kB audio:45kB subtitle:0kB
 * other streams:0kB global headers:0kB muxing overhead: 1.2%'): packet payloads per kind of stream,
 * the encoders' extradata, and the rest of the file (the container's own bytes; 0 without a file).
 * The CLI's overhead percentage is overhead / (video + audio + subtitle + other) * 100.
 */
export interface PayloadSizes {
  video: number;
  audio: number;
  subtitle: number;
  /** Data and attachment streams. */
  other: number;
  /** The encoders' extradata (codec headers kept outside the packets). */
  globalHeaders: number;
  /** The output's size less every packet's payload. */
  overhead: number;
}

export interface TranscodeResult {
  /** The output's path or URL (null for a stream output). */
  output: string | null;
  bytes: number;
  /** Output duration, seconds (null when unknown). */
  duration: number | null;
  /** Frames encoded (or packets copied) per output stream. */
  frames: number[];
  /** Milliseconds the job took. */
  elapsed: number;
  /** Output seconds per wall-clock second. */
  speed: number;
  /** True when a graceful cancel ended it early (the output is valid and shorter). */
  stopped: boolean;
  /** Damaged packets or frames skipped. */
  damaged: number;
  /** Video frames the frame-rate conversion repeated (the CLI's dup=). */
  dupFrames: number;
  /** Video frames the frame-rate conversion dropped (the CLI's drop=). */
  dropFrames: number;
  /** Bytes written per kind of stream, and the container's overhead. */
  sizes: PayloadSizes;
  /** Per output file, in order (one for a job with one output); bytes and sizes above are their sums. */
  outputs: OutputResult[];
  /** Seconds each stage worked (see StageBusy). */
  busy: StageBusy;
  /** Where each stage ran when hardware was asked for: the device, or 'software' and why. */
  hardware: HardwareChoice[];
  /**
   * What the filters measured: frame metadata (scene scores, silences, crop), loudnorm's
   * measurement, ebur128's summary, and what each filter printed.
   */
  filters: FilterResults;
}

export interface ThumbnailOptions extends JobOptions {
  input?: InputSettings;
  /** Times in seconds. */
  times?: number[];
  /** One every this many seconds. */
  every?: number;
  /** This many, spread evenly over the input. */
  count?: number;
  /** Keyframes only (fast: nothing else is decoded); with `count` the first N. */
  keyframes?: boolean;
  width?: number;
  height?: number;
  /** Image format. Default 'jpeg'. */
  format?: 'jpeg' | 'png' | 'webp';
  /** JPEG: 2 (best) .. 31; WebP: 0..100. */
  quality?: number;
  /** Write each image to this pattern ('thumbs/%03d.jpg'); without it they come back as Buffers. */
  output?: string;
  /** Which video stream, default the first. */
  stream?: number;
  /** Decode on a hardware device ('auto' or a type); frames are downloaded for scaling and encoding. */
  hardware?: HardwarePreference;
}

export interface Thumbnail {
  /** Seconds into the input. */
  time: number;
  data: Buffer;
  /** The file written, with `output`. */
  file?: string;
}

export type { InputSource, OutputTarget, HardwareChoice };
