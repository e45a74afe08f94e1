// Loads the addon and describes, for TypeScript, what it exports. Nothing else imports the
// .node file: the classes in core/ are the public surface.
import type { NativeFilterReport } from './pipeline/filter_results.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

import type { AvOptionInfo, AvOptionLayer, OptionRouteContext } from './core/av_options.js';
import type { CodecListing, FormatListing, NativeFilterListing, PixelFormatListing, SampleFormatListing } from './core/listings.js';
import type { Rational } from './core/types.js';
import { AvError } from './errors.js';
import type { NativePlan } from './pipeline/native_plan.js';
import type { PayloadSizes } from './pipeline/types.js';

// The package root: the nearest folder above this file with a package.json (dist/ when
// installed, build/src/ when the tests run from a checkout).
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const require = createRequire(import.meta.url);

/** A native handle; each class below is one libav struct. */
export declare class NativePacket {
  constructor(external?: unknown);
  get pts(): number | null;
  set pts(v: number | null);
  get dts(): number | null;
  set dts(v: number | null);
  get duration(): number;
  set duration(v: number);
  get streamIndex(): number;
  set streamIndex(v: number);
  get flags(): number;
  set flags(v: number);
  get timeBase(): Rational;
  set timeBase(v: Rational);
  readonly size: number;
  readonly pos: number;
  readonly data: Uint8Array;
  readonly closed: boolean;
  setData(data: Uint8Array): this;
  sideData(name: string): Uint8Array | null;
  clone(): NativePacket;
  rescale(timeBase: Rational): this;
  close(): void;
}

/** A demuxer's read batch: the packets' fields in `fields` (9 per packet, native/packet.h). */
export declare class NativePacketList {
  readonly remaining: number;
  readonly fields: Float64Array;
  take(index: number): NativePacket;
  dataAt(index: number): Uint8Array;
  skip(index: number): void;
  close(): void;
}

export interface NativeIoOptions {
  kind: 'source' | 'sink' | 'memory-source' | 'memory-sink';
  onRequest?: (kind: 'read' | 'seek' | 'write', position: number, generation: number, data: Buffer | undefined) => void;
  seekable?: boolean;
  size?: number;
  highWater?: number;
  timeout?: number;
  maxBytes?: number;
  data?: Uint8Array;
}

export declare class NativeIoBridge {
  constructor(options: NativeIoOptions);
  push(chunk: Uint8Array, generation: number): boolean;
  end(generation?: number): void;
  fail(message: string): void;
  seekDone(generation: number, position: number): void;
  drained(bytes: number): void;
  takeMemory(): Buffer;
  release(): void;
}

/** The frames of one decode call (Decoder.decode with asList). */
export declare class NativeFrameList {
  readonly count: number;
  take(index: number): NativeFrame;
  close(): void;
}

export declare class NativeFrame {
  constructor(external?: unknown);
  get pts(): number | null;
  set pts(v: number | null);
  readonly closed: boolean;
  info(): NativeFrameInfo;
  update(fields: Record<string, unknown>): this;
  allocate(layout: Record<string, unknown>): this;
  planeViews(): Uint8Array[];
  linesizes(): number[];
  metadata(): Record<string, string>;
  toBuffer(): Buffer;
  copyFrom(data: Uint8Array): this;
  makeWritable(): boolean;
  clone(): NativeFrame;
  download(): Promise<NativeFrame>;
  close(): void;
}

export declare class NativeHwDevice {
  readonly closed: boolean;
  open(type: string, device: string | undefined, options: Record<string, unknown> | undefined): Promise<{ type: string }>;
  close(): Promise<void>;
}

export interface NativeFrameInfo {
  kind: 'video' | 'audio' | 'empty';
  pts: number | null;
  pktDts: number | null;
  bestEffortTimestamp: number | null;
  duration: number;
  timeBase: Rational;
  keyFrame: boolean;
  hardware: boolean;
  format: number;
  flags: number;
  width?: number;
  height?: number;
  pixelFormat?: string;
  pictType?: string;
  interlaced?: boolean;
  sampleAspectRatio?: Rational;
  colorRange?: string;
  colorSpace?: string;
  colorPrimaries?: string;
  colorTransfer?: string;
  sampleRate?: number;
  nbSamples?: number;
  channels?: number;
  channelLayout?: string;
  sampleFormat?: string;
}

export declare class NativeCodecParameters {
  describe(): Record<string, unknown>;
}

export declare class NativeDemuxer {
  readonly closed: boolean;
  open(
    url: string | NativeIoBridge,
    options: { format?: string; options?: Record<string, unknown>; strict?: boolean; name?: string; trusted?: boolean },
  ): Promise<unknown>;
  describe(options?: { decoders?: boolean }): Promise<unknown>;
  read(max: number): Promise<NativePacketList>;
  seek(timestamp: number, options: { stream?: number; backward?: boolean; any?: boolean; byte?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export declare class NativeMuxer {
  readonly closed: boolean;
  open(url: string | NativeIoBridge, options: { format?: string; name?: string }): Promise<{ name: string; longName: string; globalHeader: boolean }>;
  writeHeader(
    streams: { codecParameters: NativeCodecParameters; timeBase: Rational; metadata?: Record<string, string>; disposition?: number }[],
    options: Record<string, unknown> | undefined,
    metadata: Record<string, string> | undefined,
  ): Promise<{ index: number; timeBase: Rational }[]>;
  stage(entries: unknown[], indices?: number[]): number;
  write(): Promise<number>;
  writeTrailer(): Promise<{ bytes: number }>;
  close(): Promise<void>;
}

export interface NativeCodecContext {
  codecName: string;
  timeBase: Rational;
  threads: number;
  width?: number;
  height?: number;
  pixelFormat?: string | null;
  frameRate?: Rational;
  sampleRate?: number;
  sampleFormat?: string | null;
  channels?: number;
  channelLayout?: string;
  frameSize?: number;
  /** 'video', 'audio', 'subtitle'... (av_get_media_type_string). */
  mediaType: string;
  /** Subtitle decoders: the ASS header their text subtitles refer to. */
  subtitleHeader?: string;
  codecParameters: NativeCodecParameters;
}

export interface NativeSubtitleRect {
  type: 'bitmap' | 'text' | 'ass' | 'none';
  x: number;
  y: number;
  width: number;
  height: number;
  forced: boolean;
  text?: string;
  ass?: string;
  linesize?: number;
  nbColors?: number;
  data?: Uint8Array;
  palette?: Uint32Array;
}

export interface NativeSubtitle {
  format: number;
  /** AV_TIME_BASE units; null without a timestamp. */
  pts: number | null;
  startDisplayTime: number;
  endDisplayTime: number;
  rects: NativeSubtitleRect[];
}

export declare class NativeDecoder {
  readonly closed: boolean;
  readonly damaged: number;
  open(params: NativeCodecParameters | null, options: Record<string, unknown>): Promise<NativeCodecContext>;
  decode(packets: unknown[] | NativePacketList, flush: boolean, stream?: number, indices?: number[]): Promise<NativeFrame[]>;
  decode(
    packets: unknown[] | NativePacketList,
    flush: boolean,
    stream: number | undefined,
    indices: number[] | undefined,
    asList: true,
  ): Promise<NativeFrameList>;
  decodeSubtitles(packets: NativePacket[], flush: boolean): Promise<NativeSubtitle[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export declare class NativeEncoder {
  readonly closed: boolean;
  open(options: Record<string, unknown>): Promise<NativeCodecContext>;
  encode(frames: NativeFrame[], flush: boolean, keepPictureTypes: boolean, frameOptions?: (Record<string, unknown> | undefined)[]): Promise<NativePacket[]>;
  close(): Promise<void>;
}

export declare class NativeScaler {
  constructor(options: { width?: number; height?: number; pixelFormat?: string; algorithm?: string });
  readonly closed: boolean;
  scale(frames: NativeFrame[]): Promise<NativeFrame[]>;
  close(): Promise<void>;
}

export declare class NativeResampler {
  constructor(options: { sampleRate?: number; sampleFormat?: string; channelLayout?: string; frameSize?: number });
  readonly closed: boolean;
  resample(frames: NativeFrame[], flush: boolean): Promise<NativeFrame[]>;
  close(): Promise<void>;
}

export declare class NativeFilterGraph {
  readonly closed: boolean;
  open(
    description: string,
    inputs: Record<string, unknown>[],
    outputs: string[],
    threads: number,
    hwDevice?: NativeHwDevice,
  ): Promise<Record<string, unknown>[]>;
  process(input: number, frames: NativeFrame[], eof: boolean): Promise<NativeFrame[][]>;
  close(): Promise<void>;
}

export declare class NativeBitstreamFilter {
  readonly closed: boolean;
  open(
    name: string,
    params: NativeCodecParameters,
    timeBase: Rational,
    options?: Record<string, unknown>,
  ): Promise<{ codecParameters: NativeCodecParameters; timeBase: Rational }>;
  filter(packets: NativePacket[], flush: boolean): Promise<NativePacket[]>;
  close(): Promise<void>;
}

export interface NativePipelineStats {
  packetsRead: number;
  framesDecoded: number;
  bytes: number;
  outTime: number | null;
  damaged: number;
  dupFrames: number;
  dropFrames: number;
  frames: number[];
}

export declare class NativePipeline {
  readonly closed: boolean;
  open(inputs: { target: string | NativeIoBridge; format?: string; options?: Record<string, unknown>; name?: string; trusted?: boolean }[]): Promise<unknown[]>;
  run(
    plan: NativePlan,
    tap?: (stream: number, frames: NativeFrame[], done: (error?: unknown) => void) => void,
  ): Promise<{
    bytes: number;
    duration: number | null;
    stopped: boolean;
    sizes: PayloadSizes;
    outputs: { bytes: number; duration: number | null; sizes: PayloadSizes }[];
    busy: Record<string, number>;
    collected: { data: Buffer; time: number | null }[][];
    hardware: { stage: string; stream: number; requested: string; used: string; reason?: string }[];
    filters: NativeFilterReport;
  }>;
  stats(): NativePipelineStats;
  cancel(mode: 'graceful' | 'abort'): void;
  close(): Promise<void>;
}

export interface NativeAddon {
  Packet: typeof NativePacket;
  Frame: typeof NativeFrame;
  CodecParameters: typeof NativeCodecParameters;
  Demuxer: typeof NativeDemuxer;
  IoBridge: typeof NativeIoBridge;
  Muxer: typeof NativeMuxer;
  Decoder: typeof NativeDecoder;
  Encoder: typeof NativeEncoder;
  Scaler: typeof NativeScaler;
  Resampler: typeof NativeResampler;
  FilterGraph: typeof NativeFilterGraph;
  BitstreamFilter: typeof NativeBitstreamFilter;
  Pipeline: typeof NativePipeline;
  HwDevice: typeof NativeHwDevice;
  hwDeviceTypes(): string[];
  hwDecodeFormat(decoder: string, type: string): string | null;
  describeFilterGraph(description: string): Promise<{ inputs: { label: string; type: string }[]; outputs: { label: string; type: string }[] }>;
  versions(): { ffmpeg: string; libavutil: string; libavcodec: string; libavformat: string; builtAgainst: string };
  hasCodec(name: string, encoder: boolean): boolean;
  /** Keys the ffprobe of the linked libraries prints beyond FFmpeg 5.1's (native/common/compat.h). */
  ffprobeKeys: { streamGroups: boolean; initialPadding: boolean; demuxerOptions: boolean; refs: boolean; mimeCodecString: boolean };
  /** The C allocator's bytes in use and kept free (glibc; null elsewhere); trim first returns free memory to the system. */
  nativeHeap(trim: boolean): { inUse: number; free: number } | null;
  setErrorClass(ctor: unknown): void;
  /** Sets this process's soft resource limit ('data', 'cpu', 'core'; null: up to the hard limit); the limit now in force (null: unlimited). Null off POSIX. */
  setProcessLimit(resource: 'data' | 'cpu' | 'core', soft: number | null): { soft: number | null; hard: number | null } | null;
  /** Asks the kernel to kill this process when its parent dies (Linux; false elsewhere). */
  dieWithParent(): boolean;
  setLogLevel(level: number): void;
  setLogHandler(handler: ((level: number, message: string) => void) | null): void;
  /** The registries, walked in the linked libraries (native/listings.cc). */
  listCodecs(): CodecListing[];
  listFormats(): FormatListing[];
  listFilters(): NativeFilterListing[];
  listPixelFormats(): PixelFormatListing[];
  listSampleFormats(): SampleFormatListing[];
  /** A class's AVOptions (native/option_listing.cc); name is null for the generic classes. */
  listOptions(kind: string, name: string | null): AvOptionInfo[];
  routeOption(name: string, context: OptionRouteContext): AvOptionLayer[];
}

let loaded: NativeAddon | undefined;
let loadedFrom: string | undefined;

/**
 * The addon, loaded on first use: dlopen of libav* and their ~130 dependencies costs tens of
 * milliseconds, which `import 'avforge'` should not pay. The first of addonCandidates() that
 * loads wins.
 */
export function addon(): NativeAddon {
  if (loaded) return loaded;
  const failures: string[] = [];
  const candidates = addonCandidates();
  for (const file of candidates) {
    try {
      const candidate = require(file) as NativeAddon;
      candidate.setErrorClass(AvError);
      loadedFrom = file;
      loaded = candidate;
      return candidate;
    } catch (e) {
      // A missing build is expected; one that does not load (its libav* are not installed) is
      // worth telling when nothing else loads either.
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') failures.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const majors = installedAvformatMajors();
  const prebuilt = [...prebuildDirs(), ...prebuildDirs(['-static-gpl', '-static'])].flatMap((dir) => {
    try {
      return fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
    } catch {
      return [];
    }
  });
  throw new Error(
    `avforge: the native addon could not be loaded.\n${failures.map((f) => `  ${f}\n`).join('')}` +
      `  No build from source, and no prebuilt for ${process.platform}-${process.arch} and the libavformat installed ` +
      `(${majors.length > 0 ? majors.map((m) => `libavformat.so.${m}`).join(', ') : 'none found'}; prebuilts here: ${prebuilt.join(', ') || 'none'}).\n` +
      `  Install FFmpeg's shared libraries in a version with a prebuilt (Debian/Ubuntu: apt-get install ffmpeg), or build from source ` +
      `with 'npm rebuild avforge --build-from-source' (needs a C++ compiler and FFmpeg's development packages: see avforge's README, Install).`,
  );
}

/** The file the addon was loaded from (undefined before the first use). */
export function addonPath(): string | undefined {
  return loadedFrom;
}

/**
 * Where the addon may be, in the order tried: $AVFORGE_ADDON alone when set; a build from
 * source (build/Release, build/Debug: `npm run build:native` or an install that compiled); then
 * the prebuilts for each libavformat major installed, newest first, from this package's
 * prebuilds/ and from the platform package (@avforge/<platform>-<arch>, an optional dependency).
 * Prebuilts follow prebuildify's layout (prebuilds/<platform>-<arch>/avforge.avformat61.glibc.node);
 * node-gyp-build's tag rules pick among those of one major (runtime, N-API, libc, ARM version).
 * Last, the self-contained builds (FFmpeg linked in, tagged `static`), for a machine whose FFmpeg
 * no prebuilt fits or that has none: @avforge/<platform>-<arch>-static-gpl where it was installed
 * on purpose (x264, x265), then @avforge/<platform>-<arch>-static (LGPL).
 */
export function addonCandidates(majors: readonly number[] = installedAvformatMajors()): string[] {
  const override = process.env.AVFORGE_ADDON;
  if (override) return [path.resolve(override)];
  const root = packageRoot();
  const found = [path.join(root, 'build', 'Release', 'avforge.node'), path.join(root, 'build', 'Debug', 'avforge.node')];
  const dirs = prebuildDirs();
  for (const major of majors) for (const dir of dirs) found.push(...prebuiltsIn(dir, major));
  for (const dir of [...dirs, ...prebuildDirs(['-static-gpl', '-static'])]) found.push(...prebuiltsIn(dir, 'static'));
  return found;
}

/**
 * This package's prebuilds/<platform>-<arch>, then the platform package's; with `suffixes`, the
 * prebuilds/ of the packages @avforge/<platform>-<arch><suffix> instead.
 */
function prebuildDirs(suffixes?: readonly string[]): string[] {
  const tuple = `${process.platform}-${process.arch}`;
  const dirs = suffixes ? [] : [path.join(packageRoot(), 'prebuilds', tuple)];
  for (const suffix of suffixes ?? ['']) {
    try {
      dirs.push(path.join(path.dirname(require.resolve(`@avforge/${tuple}${suffix}/package.json`)), 'prebuilds', tuple));
    } catch {
      // not installed for this machine: a build from source or another package's prebuilds/
    }
  }
  return dirs;
}

interface PrebuildTags {
  file: string;
}
interface NodeGypBuild {
  parseTags(file: string): PrebuildTags | undefined;
  matchTags(runtime: string, abi: string): (tags: PrebuildTags | undefined) => boolean;
  compareTags(runtime: string): (a: PrebuildTags, b: PrebuildTags) => number;
}

/**
 * The prebuilts in dir for libavformat `major` (or the self-contained ones, tagged `static`) that
 * this Node.js can load, best first.
 */
export function prebuiltsIn(dir: string, major: number | 'static'): string[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const gypBuild = require('node-gyp-build') as NodeGypBuild;
  const tag = major === 'static' ? major : `avformat${major}`;
  const ours = files.filter((f) => f.split('.').slice(0, -1).includes(tag));
  return ours
    .map((f) => gypBuild.parseTags(f))
    .filter((t): t is PrebuildTags => t !== undefined && gypBuild.matchTags('node', process.versions.modules)(t))
    .sort(gypBuild.compareTags('node'))
    .map((t) => path.join(dir, t.file));
}

/**
 * The libavformat majors the dynamic loader can find, newest first, read without loading them
 * and without FFmpeg's development files: the sonames in ld.so's cache and in the library
 * folders searched (LD_LIBRARY_PATH, the usual ones; Homebrew's on macOS; PATH on Windows).
 */
export function installedAvformatMajors(): number[] {
  const majors = new Set<number>();
  const pattern =
    process.platform === 'darwin' ? /^libavformat\.(\d+)\.dylib$/ : process.platform === 'win32' ? /^avformat-(\d+)\.dll$/i : /^libavformat\.so\.(\d+)$/;
  const env = process.platform === 'darwin' ? 'DYLD_LIBRARY_PATH' : process.platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH';
  const dirs = (process.env[env] ?? '').split(path.delimiter).filter(Boolean);
  if (process.platform === 'darwin') dirs.push('/opt/homebrew/lib', '/usr/local/lib', '/opt/local/lib');
  else if (process.platform !== 'win32') {
    try {
      for (const m of fs.readFileSync('/etc/ld.so.cache', 'latin1').matchAll(/libavformat\.so\.(\d+)\0/g)) majors.add(Number(m[1]));
    } catch {
      // musl (Alpine) has no cache: its folders below
    }
    dirs.push('/usr/local/lib', '/usr/lib', '/lib', '/usr/lib64', `/usr/lib/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`);
  }
  for (const dir of dirs) {
    let files: string[];
    try {
      files = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of files) {
      const m = pattern.exec(f);
      if (m) majors.add(Number(m[1]));
    }
  }
  return [...majors].sort((a, b) => b - a);
}

/** The property under which each wrapper keeps its native handle (internal). */
export const handle: unique symbol = Symbol('avforge.handle');
