// The plan the native pipeline runs: the one contract between src/pipeline/plan.ts, which
// writes it, and native/pipeline/plan.cc, which reads it into native/pipeline/plan.h. Every
// key is required and every value explicit ('' / 0 / null / [] / {} say "none"): the native
// reader refuses a missing key, a key of the wrong type and a key it does not know, naming
// its path (e.g. `plan.streams[2].bitRate`).
import type { AvOptions, Rational } from '../core/types.js';
import type { NativeIoBridge } from '../native.js';

/** One input stream decoded for the filter graphs that read it. */
export interface NativeDecoderPlan {
  input: number;
  stream: number;
  /** 0: as many as useful. */
  threads: number;
  keyframesOnly: boolean;
  /** Decode on the job's device when the codec can (else software, reported). */
  hardware: boolean;
  /** Hardware frames are copied to memory for software filters. */
  download: boolean;
}

/** A libavfilter graph: sources fed by decoders, sinks that feed encoders. */
export interface NativeGraphPlan {
  description: string;
  sources: { decoder: number; label: string }[];
  sinks: { label: string; type: 'video' | 'audio' }[];
  /** 0: libavfilter's default. */
  threads: number;
  /** Its filters (hwupload, scale_vaapi, *_opencl) work on the job's device. */
  hardware: boolean;
}

/** One output stream: a copied input stream, a converted subtitle stream, or a graph's sink encoded. */
export interface NativeStreamPlan {
  /** The output file it is written to (an index into `outputs`). */
  output: number;
  copy: boolean;
  /** A subtitle stream decoded and encoded again (mov_text -> ass...). */
  subtitle: boolean;
  /** Copy and subtitle: the source; encode: where metadata comes from (or -1). */
  input: number;
  stream: number;
  /** Copy: bitstream filters, '' for none. */
  bsf: string;
  /** Over the source's ('default+forced', '0', as ffmpeg's -disposition); '' keeps it. */
  disposition: string;
  /** The codec tag the container writes ('hvc1', as ffmpeg's -tag:v hvc1); '' for the muxer's choice. */
  tag: string;
  /** Encode: the graph and its sink (-1 otherwise). */
  graph: number;
  sink: number;
  /** '' for the container's default. */
  codec: string;
  options: AvOptions;
  /** 0: as many as useful. */
  threads: number;
  /** Bits per second, 0 for the encoder's default. */
  bitRate: number;
  /** null: the graph's. */
  frameRate: Rational | null;
  /** -fps_mode: 'auto' (the CLI's choice for the muxer), 'cfr', 'vfr' or 'passthrough'. */
  fpsMode: 'auto' | 'cfr' | 'vfr' | 'passthrough';
  /**
   * The frame-rate conversion takes a frame's own duration (FFmpeg 5.x/6.x's CLI does where no
   * filter was asked for: neither -vf nor -filter_complex), rather than one tick of the output.
   */
  ownDurations: boolean;
  /** Encoded video: keep the source stream's display matrix (its picture was not turned upright). */
  displayMatrix: boolean;
  /** null: no limit. */
  maxFrames: number | null;
  /** Over the source stream's; '' deletes a key. */
  metadata: Record<string, string>;
  /** JS sees its frames before they are encoded. */
  tap: boolean;
}

export interface NativeChapterPlan {
  /** AV_TIME_BASE units. */
  start: number;
  end: number;
  /** '' for none. */
  title: string;
}

export interface NativeOutputPlan {
  /** No muxer: encoded packets come back to JS (thumbnails); target is then null. */
  collect: boolean;
  /** A path or URL, or the sink's bridge; set by run.ts once the output is open. */
  target: string | NativeIoBridge | null;
  /** A name for errors ('' when there is nothing better). */
  name: string;
  /** '' to guess from the output's name. */
  format: string;
  /** Muxer options (movflags, hls_time...). */
  options: AvOptions;
  /** Over the copied input metadata; '' deletes a key. */
  metadata: Record<string, string>;
  /** The input whose global metadata is copied, -1 none. */
  metadataFrom: number;
  /** The input whose chapters are copied, -1 none. */
  chaptersFrom: number;
  /** Written instead of copied ones, when not empty. */
  chapters: NativeChapterPlan[];
  /** The output ends where its first stream ends (-shortest). */
  shortest: boolean;
}

/** The job's hardware device ('cuda', 'vaapi'...). */
export interface NativeHardwarePlan {
  type: string;
  /** '' for the default device. */
  device: string;
  options: AvOptions;
}

export interface NativePlan {
  /** Per input, AV_TIME_BASE units: seek there first (-ss); null: from the start. */
  start: (number | null)[];
  /** Output duration limit, AV_TIME_BASE units (-t); null: none. */
  duration: number | null;
  /** The limit is the output's -t: video frames are also cut at it after the frame-rate conversion (false: an input's -t). */
  cutOutput: boolean;
  /** Thumbnails: times of input 0 to reach (AV_TIME_BASE units), seeking when far; [] otherwise. */
  targets: number[];
  decoders: NativeDecoderPlan[];
  graphs: NativeGraphPlan[];
  streams: NativeStreamPlan[];
  /** One or more files (a collected output is the only one); each is written by its own mux stage. */
  outputs: NativeOutputPlan[];
  /** Damaged input fails the job instead of being skipped. */
  strict: boolean;
  /** Frames per tap call. */
  tapBatch: number;
  hardware: NativeHardwarePlan | null;
}
