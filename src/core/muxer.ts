// Muxing: https://ffmpeg.org/doxygen/trunk/group__lavf__encoding.html
import { avOptions, check, invalidArgument, is, optionsObject, settle, withCallerStack, AvError } from '../errors.js';
import { addon, type NativeMuxer } from '../native.js';
import { CodecParameters } from './codec_parameters.js';
import { Encoder } from './encoder.js';
import { Packet, packetEntries } from './packet.js';
import { SinkBridge, type OutputTarget, type SinkOptions } from '../io/sink.js';
import { Stream } from './stream.js';
import { Resource } from './resource.js';
import type { AvOptions, Rational } from './types.js';

export interface MuxerOptions extends SinkOptions {
  /** The output format ('mp4', 'matroska', 'mpegts'...); guessed from a file name, required for streams. */
  format?: string;
  /** A name for the output in errors, when it is not a path (default '<stream>'). */
  name?: string;
}

export interface MuxerStreamOptions {
  /** The time base of the packets you will write for this stream (default: the source's). */
  timeBase?: Rational;
  metadata?: Record<string, string>;
  /** AV_DISPOSITION_* flags. */
  disposition?: number;
}

/** Packets staged natively before write() waits for the batch being written (backpressure). */
const STAGED_HIGH_WATER = 256;

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
  #sink: SinkBridge | undefined;
  #flushing: Promise<void> | undefined;
  #error: unknown;

  /** Opens a path or URL (any protocol FFmpeg has), or a Writable, WritableStream, socket or chunk callback. */
  static async open(output: string | OutputTarget, options?: MuxerOptions): Promise<Muxer> {
    const o = optionsObject(options);
    check(o.format, 'format', 'a format name', is.nonEmptyString);
    check(o.name, 'name', 'a string', is.string);
    check(o.end, 'end', 'a boolean', is.boolean);
    if (typeof output === 'string' && output.length === 0) throw invalidArgument('output', 'a non-empty path or URL', output);
    if (typeof output !== 'string' && o.format === undefined)
      throw invalidArgument('format', 'a format name (a stream output has no file name to guess it from)', o.format);
    const sink = typeof output === 'string' ? undefined : SinkBridge.create(output, o as SinkOptions);
    return Muxer.#open(typeof output === 'string' ? output : ((o.name as string | undefined) ?? '<stream>'), o, sink);
  }

  /** A muxer that writes into memory: writeTrailer() returns the file as a Buffer. */
  static async toBuffer(options: MuxerOptions & { format: string }): Promise<Muxer> {
    const o = optionsObject(options);
    if (!is.nonEmptyString(o.format)) throw invalidArgument('format', 'a format name', o.format);
    return Muxer.#open((o.name as string | undefined) ?? '<buffer>', o, SinkBridge.memory());
  }

  static async #open(url: string, o: Record<string, unknown>, sink: SinkBridge | undefined): Promise<Muxer> {
    const handle = new (addon().Muxer)();
    try {
      const info = await settle(handle.open(sink ? sink.native : url, { format: o.format as string | undefined, name: url }));
      return new Muxer(url, handle, info.name, sink);
    } catch (e) {
      sink?.release();
      throw e;
    }
  }

  private constructor(url: string, handle: NativeMuxer, formatName: string, sink?: SinkBridge) {
    super(handle);
    this.url = url;
    this.formatName = formatName;
    this.#sink = sink;
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
    let result: Awaited<ReturnType<NativeMuxer['writeHeader']>>;
    try {
      result = await settle(this.native.writeHeader(specs, avOptions(o.options, 'options'), o.metadata as Record<string, string> | undefined));
    } catch (e) {
      throw this.#explain(e);
    }
    this.#header = true;
    for (const s of result) this.#streams[s.index]!.timeBase = s.timeBase;
  }

  /**
   * Writes packets, each to the stream its `streamIndex` names, or all to `stream` when given
   * (which sets their streamIndex). Timestamps are rescaled from each packet's time base to
   * the stream's. Like a Writable, this takes the packets at once (you may close or reuse them
   * as soon as it returns) and writes them on the native side in batches: the promise resolves
   * while earlier writes are still going, unless too many are pending (backpressure). A write
   * error is thrown by the next write() or by writeTrailer().
   */
  async write(packets: Packet | readonly Packet[], stream?: MuxerStream | number): Promise<void> {
    const { entries, indices } = packetEntries(packets);
    if (stream !== undefined) {
      const index = typeof stream === 'number' ? stream : stream?.index;
      if (!is.integer(index) || !this.#streams[index]) throw invalidArgument('stream', 'a stream of this muxer', stream);
      if (packets instanceof Packet) packets.streamIndex = index;
      else for (const p of packets) p.streamIndex = index;
    }
    this.#throwPending();
    const staged = this.native.stage(entries, indices);
    if (!this.#flushing) this.#flush();
    else if (staged >= STAGED_HIGH_WATER) await this.#flushing;
    this.#throwPending();
  }

  /** Writes what is staged, and again while more arrives meanwhile. */
  #flush(): void {
    this.#flushing = this.native.write().then(
      () => {
        this.#flushing = undefined;
      },
      (e: unknown) => {
        this.#flushing = undefined;
        this.#error ??= this.#explain(e);
      },
    );
  }

  #throwPending(): void {
    const e = this.#error;
    if (e === undefined) return;
    this.#error = undefined;
    throw withCallerStack(e, this.write);
  }

  /**
   * Finishes the output: writes the trailer, then closes the file and moves it into place, or
   * waits for a stream to take every byte and ends it, or returns the bytes of a memory output.
   */
  async writeTrailer(): Promise<{ bytes: number; buffer?: Buffer }> {
    let result: { bytes: number; buffer?: Buffer };
    await this.#flushing;
    this.#throwPending();
    try {
      result = await settle(this.native.writeTrailer());
    } catch (e) {
      throw this.#explain(e);
    }
    if (this.#sink?.memory) result.buffer = this.#sink.native.takeMemory();
    else if (this.#sink) await this.#sink.finish();
    return result;
  }

  override async close(): Promise<void> {
    this.#sink?.release();
    await super.close();
  }

  /** Adds the output stream's own error as `cause`, and says when a format needs a seekable output. */
  #explain(e: unknown): unknown {
    if (!this.#sink || !(e instanceof AvError)) return e;
    if (this.#sink.error !== undefined && e.cause === undefined)
      Object.defineProperty(e, 'cause', { value: this.#sink.error, configurable: true, writable: true });
    if (!this.#sink.memory && e.code === 'EINVAL' && e.op === 'avformat_write_header')
      e.message += ` (a stream output cannot seek: ${this.formatName} may need a seekable output; for MP4 use options { movflags: 'frag_keyframe+empty_moov' })`;
    return e;
  }
}
