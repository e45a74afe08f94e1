// Muxing: https://ffmpeg.org/doxygen/trunk/group__lavf__encoding.html
import { avOptions, check, invalidArgument, is, optionsObject, settle, AvError } from '../errors.js';
import { addon, type NativeMuxer } from '../native.js';
import { CodecParameters } from './codec_parameters.js';
import { Encoder } from './encoder.js';
import { Packet, packetHandles } from './packet.js';
import { Stream } from './stream.js';
import { Resource } from './resource.js';
import type { AvOptions, Rational } from './types.js';

export interface MuxerOptions {
  /** The output format ('mp4', 'matroska', 'mpegts'...); guessed from the name when absent. */
  format?: string;
}

export interface MuxerStreamOptions {
  /** The time base of the packets you will write for this stream (default: the source's). */
  timeBase?: Rational;
  metadata?: Record<string, string>;
  /** AV_DISPOSITION_* flags. */
  disposition?: number;
}

/** A stream of a Muxer: write packets with `streamIndex` set to `index`. */
export interface MuxerStream {
  readonly index: number;
  /** Before writeHeader: the source's time base; after: the one the muxer chose. */
  timeBase: Rational;
}

/**
 * An output (AVFormatContext). addStream() for each stream, writeHeader(), write() packets
 * (rescaled to each stream's time base and interleaved), writeTrailer(). A file output is
 * written to `<name>.partial` and renamed when the trailer is written; close() before that
 * removes it, so a failed or abandoned job leaves nothing behind.
 */
export class Muxer extends Resource<NativeMuxer> {
  readonly url: string;
  readonly formatName: string;
  #specs: { codecParameters: CodecParameters; timeBase: Rational; metadata?: Record<string, string>; disposition?: number }[] = [];
  #streams: MuxerStream[] = [];
  #header = false;

  static async open(url: string, options?: MuxerOptions): Promise<Muxer> {
    if (!is.nonEmptyString(url)) throw invalidArgument('url', 'a non-empty string', url);
    const o = optionsObject(options);
    check(o.format, 'format', 'a format name', is.nonEmptyString);
    const handle = new (addon().Muxer)();
    const info = await settle(handle.open(url, { format: o.format as string | undefined }));
    return new Muxer(url, handle, info.name);
  }

  private constructor(url: string, handle: NativeMuxer, formatName: string) {
    super(handle);
    this.url = url;
    this.formatName = formatName;
  }

  get streams(): readonly MuxerStream[] {
    return this.#streams;
  }

  /** Adds a stream with the parameters of an encoder, a demuxed stream, or codec parameters. */
  addStream(source: Encoder | Stream | CodecParameters, options?: MuxerStreamOptions): MuxerStream {
    if (this.native.closed) throw new AvError('Muxer is closed', { code: 'ERR_CLOSED', op: 'addStream' });
    if (this.#header) throw new AvError('Streams must be added before writeHeader()', { code: 'EINVAL', op: 'addStream', url: this.url });
    const o = optionsObject(options);
    check(o.timeBase, 'timeBase', 'a rational { num, den }', is.rational);
    check(o.disposition, 'disposition', 'an integer', is.integer);
    if (o.metadata !== undefined && !is.object(o.metadata)) throw invalidArgument('metadata', 'an object of strings', o.metadata);
    let params: CodecParameters;
    let timeBase: Rational | undefined = o.timeBase as Rational | undefined;
    if (source instanceof Encoder) {
      params = source.codecParameters;
      timeBase ??= source.timeBase;
    } else if (source instanceof Stream) {
      params = source.codecParameters;
      timeBase ??= source.timeBase;
    } else if (source instanceof CodecParameters) {
      params = source;
    } else {
      throw invalidArgument('source', 'an Encoder, Stream or CodecParameters', source);
    }
    if (!timeBase) throw invalidArgument('timeBase', 'a rational { num, den } (codec parameters carry none)', timeBase);
    const stream: MuxerStream = { index: this.#streams.length, timeBase };
    this.#specs.push({
      codecParameters: params,
      timeBase,
      metadata: o.metadata as Record<string, string> | undefined,
      disposition: o.disposition as number | undefined,
    });
    this.#streams.push(stream);
    return stream;
  }

  /** Writes the header, with muxer AVOptions (e.g. { movflags: 'faststart' }) and file metadata. */
  async writeHeader(options?: { options?: AvOptions; metadata?: Record<string, string> }): Promise<void> {
    const o = optionsObject(options);
    if (o.metadata !== undefined && !is.object(o.metadata)) throw invalidArgument('metadata', 'an object of strings', o.metadata);
    const specs = this.#specs.map((s) => ({ ...s, codecParameters: s.codecParameters.native }));
    const result = await settle(
      this.native.writeHeader(specs, avOptions(o.options, 'options'), o.metadata as Record<string, string> | undefined),
    );
    this.#header = true;
    for (const s of result) this.#streams[s.index]!.timeBase = s.timeBase;
  }

  /**
   * Writes packets (one or many: one native crossing), each to the stream its `streamIndex`
   * names, or all to `stream` when given (which sets their streamIndex). Timestamps are
   * rescaled from each packet's time base to the stream's. The packets stay the caller's.
   */
  async write(packets: Packet | readonly Packet[], stream?: MuxerStream | number): Promise<void> {
    const list = packetHandles(packets);
    if (stream !== undefined) {
      const index = typeof stream === 'number' ? stream : stream?.index;
      if (!is.integer(index) || !this.#streams[index]) throw invalidArgument('stream', 'a stream of this muxer', stream);
      for (const p of list) p.streamIndex = index;
    }
    await settle(this.native.write(list));
  }

  /** Finishes the file: writes the trailer, closes it, and moves it into place. */
  async writeTrailer(): Promise<{ bytes: number }> {
    return settle(this.native.writeTrailer());
  }

}
