// The AVOptions of the linked FFmpeg (native/option_listing.cc): each option a codec, format,
// filter, protocol or generic class takes, as `ffmpeg -h encoder=libx264` prints them, and which
// layer the ffmpeg CLI would hand an option name to. Read from the libraries' static tables,
// never a list of our own; a class's list is read once per process, frozen and shared.
import { invalidArgument, is } from '../errors.js';
import { addon } from '../native.js';
import { DIRECT, nonEmptyString, objectOf } from '../options/rules.js';
import { deepFreeze } from './listings.js';

/** The classes whose options {@link options} lists that are found by name. */
export type NamedOptionClass = 'codec' | 'encoder' | 'decoder' | 'muxer' | 'demuxer' | 'filter' | 'protocol';
/** The classes of which there is one: the generic codec and format options, libswscale's, libswresample's. */
export type GenericOptionClass = 'codec-generic' | 'format-generic' | 'swscale' | 'swresample';
export type AvOptionClass = NamedOptionClass | GenericOptionClass;

const NAMED: readonly NamedOptionClass[] = ['codec', 'encoder', 'decoder', 'muxer', 'demuxer', 'filter', 'protocol'];
const GENERIC: readonly GenericOptionClass[] = ['codec-generic', 'format-generic', 'swscale', 'swresample'];

/**
 * An option's type (AV_OPT_TYPE_*), as libavutil's names go. `uint` needs FFmpeg 7.1; 5.1 and 6
 * have two `channel_layout` types (the old bitmask one and AVChannelLayout), alike here; `unknown`
 * is a type newer than this avforge.
 */
export type AvOptionType =
  | 'flags'
  | 'int'
  | 'int64'
  | 'uint64'
  | 'uint'
  | 'double'
  | 'float'
  | 'rational'
  | 'string'
  | 'binary'
  | 'dict'
  | 'bool'
  | 'duration'
  | 'image_size'
  | 'video_rate'
  | 'pixel_format'
  | 'sample_format'
  | 'channel_layout'
  | 'color'
  | 'unknown';

/** What an option is for (AV_OPT_FLAG_*). */
export interface AvOptionFlags {
  /** Encoding or muxing. */
  readonly encoding: boolean;
  /** Decoding or demuxing. */
  readonly decoding: boolean;
  readonly video: boolean;
  readonly audio: boolean;
  readonly subtitle: boolean;
  readonly filtering: boolean;
  /** A bitstream filter's. */
  readonly bsf: boolean;
  /** Set by libav for the caller to read, not by the caller. */
  readonly export: boolean;
  readonly readonly: boolean;
  /** Can change while the object runs (a filter command). */
  readonly runtime: boolean;
  readonly deprecated: boolean;
}

/** A named value an option takes ('faststart' of movflags, 'ultrafast'... of an int preset). */
export interface AvOptionConstant {
  readonly name: string;
  readonly help: string;
  readonly value: number;
}

/** One AVOption. */
export interface AvOptionInfo {
  readonly name: string;
  readonly help: string;
  readonly type: AvOptionType;
  /** An array of `type` values (FFmpeg 7's AV_OPT_TYPE_FLAG_ARRAY); its default is the string av_opt_set parses. */
  readonly array: boolean;
  /**
   * The default as libav stores it: a number (int, flags, bool as -1 auto / 0 / 1, duration in
   * microseconds, double, float, rational as its value), a string (string, image_size, video_rate,
   * color, dict, channel_layout), a pixel or sample format's name; null for none. int64 limits
   * round to the nearest double, as `min` and `max` do.
   */
  readonly default: number | string | null;
  /** The range libav checks a number against (meaningless, often 0, for strings). */
  readonly min: number;
  readonly max: number;
  readonly flags: AvOptionFlags;
  /** The unit naming its constants, null for none. */
  readonly unit: string | null;
  /** The named values of its unit, in table order; empty for none. */
  readonly constants: readonly AvOptionConstant[];
}

const cache = new Map<string, readonly AvOptionInfo[]>();

/**
 * The AVOptions a class of the linked FFmpeg takes, each with its named constants folded in:
 *
 * - `encoder`, `decoder`: the codec's own options (`-h encoder=libx264`), by the name an Encoder or
 *   Decoder opens ('libx264', or a codec name such as 'hevc' for its default implementation);
 *   `codec`: the encoder's and the decoder's of that exact name, both ('aac').
 * - `muxer`, `demuxer`: the format's own options (`-h muxer=mp4`); `filter`: the filter's
 *   (`-h filter=scale`); `protocol`: the protocol's (`-h protocol=http`).
 * - `codec-generic`, `format-generic`: the options every codec (AVCodecContext) or format
 *   (AVFormatContext) takes; `swscale`, `swresample`: libswscale's and libswresample's.
 *
 * A name the FFmpeg lacks is an AvError: ENCODER_NOT_FOUND, DECODER_NOT_FOUND (also `codec`, for
 * neither), MUXER_NOT_FOUND, DEMUXER_NOT_FOUND, FILTER_NOT_FOUND, PROTOCOL_NOT_FOUND; `filter`
 * loads libavfilter (ENOSYS when it cannot be loaded). A class without options of its own gives [].
 *
 *   options('encoder', 'libx264').find((o) => o.name === 'crf'); // { type: 'float', min: -1, ... }
 *   options('muxer', 'mp4').find((o) => o.name === 'movflags')?.constants.map((c) => c.name); // ['rtphint', ..., 'faststart', ...]
 */
export function options(kind: GenericOptionClass): readonly AvOptionInfo[];
export function options(kind: NamedOptionClass, name: string): readonly AvOptionInfo[];
export function options(kind: AvOptionClass, name?: string): readonly AvOptionInfo[] {
  if ((GENERIC as readonly string[]).includes(kind)) {
    if (name !== undefined) throw invalidArgument('name', `nothing (there is one '${kind}' class)`, name);
  } else if ((NAMED as readonly string[]).includes(kind)) {
    if (!is.nonEmptyString(name)) throw invalidArgument('name', `the name of the ${kind}`, name);
  } else {
    throw invalidArgument('kind', `one of ${[...NAMED, ...GENERIC].map((k) => `'${k}'`).join(', ')}`, kind);
  }
  const key = `${kind}\0${name ?? ''}`;
  let list = cache.get(key);
  if (!list) {
    list = deepFreeze(addon().listOptions(kind, name ?? null));
    cache.set(key, list);
  }
  return list;
}

/** A layer of the ffmpeg CLI's option routing. */
export type AvOptionLayer = 'codec' | 'format' | 'protocol' | 'swscale' | 'swresample';

/** What an option would be routed among: the codecs, formats and protocol in play (each optional). */
export interface OptionRouteContext {
  /** The encoder the option would go to ('libx264', or a codec name: its default encoder). */
  readonly encoder?: string;
  readonly decoder?: string;
  readonly muxer?: string;
  readonly demuxer?: string;
  /** The protocol of the input or output URL ('http', 'file'...). */
  readonly protocol?: string;
}

const ROUTE_CONTEXT = objectOf<OptionRouteContext>(
  {
    encoder: nonEmptyString('an encoder name'),
    decoder: nonEmptyString('a decoder name'),
    muxer: nonEmptyString('a muxer name'),
    demuxer: nonEmptyString('a demuxer name'),
    protocol: nonEmptyString('a protocol name'),
  },
  { noun: 'field' },
);

/**
 * The layers that take an option name the way the ffmpeg CLI routes an unknown `-name value`
 * (cmdutils' opt_default): `codec` when the encoder (or decoder) takes it, in the generic codec
 * options or its own, for its direction and media type (as the CLI keeps an option for a stream);
 * `format` when the muxer (demuxer) does, in the generic format options or its own, for its
 * direction; `protocol` when the protocol does (the CLI hands those to it with the format's); then
 * `swscale` only when none of these does, and `swresample` only when libswscale does not either.
 * Where `context` names no codec (or no format), any codec's (format's) options count, as they do
 * for the CLI before it knows them. Empty: nothing takes it (the CLI's "Unrecognized option").
 * A stream specifier (`crf:v`) or the CLI's old `-vb`/`-ab` prefixes are the caller's to strip.
 * A name the FFmpeg lacks in `context` is an AvError, as with {@link options}.
 *
 *   routeOption('hls_time', { muxer: 'hls', encoder: 'libx264' }); // ['format']
 *   routeOption('crf', { encoder: 'libx264' }); // ['codec']
 *   routeOption('sws_flags', { encoder: 'libx264' }); // ['swscale']
 */
export function routeOption(name: string, context: OptionRouteContext = {}): AvOptionLayer[] {
  if (!is.nonEmptyString(name)) throw invalidArgument('name', 'an option name', name);
  ROUTE_CONTEXT.check(context, 'context', DIRECT);
  return addon().routeOption(name, context);
}
