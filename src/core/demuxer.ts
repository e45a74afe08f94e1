// Demuxing: https://ffmpeg.org/doxygen/trunk/group__libavf__decoding.html
import { avOptions, check, invalidArgument, is, optionsObject, settle, withCallerStack } from '../errors.js';
import { native, type NativeDemuxer, type NativePacket } from '../native.js';
import { Packet } from './packet.js';
import { Stream, type StreamDescription } from './stream.js';
import type { AvOptions, MediaType, Rational } from './types.js';

export interface DemuxerOptions {
  /** Force the input format ('mp4', 'matroska', 'mpegts'...); probed when absent. */
  format?: string;
  /** Demuxer and protocol AVOptions (e.g. { probesize: 5e6, analyzeduration: 1e7 }). */
  options?: AvOptions;
  /** A read error throws instead of ending the input with a warning (as the CLI does). */
  strict?: boolean;
  /** Packets read per native call (read-ahead batch). Default 32. */
  batchSize?: number;
}

export interface FormatInfo {
  url: string;
  name: string;
  longName: string;
  /** In AV_TIME_BASE (microsecond) units; null when unknown. */
  startTime: number | null;
  duration: number | null;
  bitRate: number;
  nbStreams: number;
  nbPrograms: number;
  probeScore: number;
  /** Bytes, or -1 when the input's size is unknown. */
  size: number;
  metadata: Record<string, string>;
}

export interface SeekOptions {
  /** Seek in this stream's timeline; default: the whole file's (seconds as given). */
  stream?: Stream | number;
  /** Land on the keyframe at or before the time (default true); false: at or after. */
  backward?: boolean;
  /** Allow landing on non-keyframes. */
  any?: boolean;
}

interface Description {
  format: FormatInfo;
  streams: StreamDescription[];
}

/**
 * An opened input (AVFormatContext): its format, its streams, and its packets.
 * Reads run on a native thread, many packets per crossing, one batch ahead of the reader.
 */
export class Demuxer implements AsyncDisposable, Disposable {
  readonly url: string;
  #native: NativeDemuxer;
  #format: FormatInfo;
  #streams: Stream[];
  #batchSize: number;
  #queue: NativePacket[] = [];
  #next = 0;
  #pending: Promise<NativePacket[]> | null = null;
  #eof = false;

  static async open(url: string, options?: DemuxerOptions): Promise<Demuxer> {
    if (!is.nonEmptyString(url)) throw invalidArgument('url', 'a non-empty string', url);
    const o = optionsObject(options);
    check(o.format, 'format', 'a format name', is.nonEmptyString);
    check(o.strict, 'strict', 'a boolean', is.boolean);
    const batchSize = check<number>(o.batchSize, 'batchSize', 'an integer > 0', (v) => is.integer(v) && v > 0) ?? 32;
    const handle = new native.Demuxer();
    const desc = (await settle(
      handle.open(url, { format: o.format as string | undefined, options: avOptions(o.options, 'options'), strict: o.strict as boolean | undefined }),
    )) as Description;
    return new Demuxer(url, handle, desc, batchSize);
  }

  private constructor(url: string, handle: NativeDemuxer, desc: Description, batchSize: number) {
    this.url = url;
    this.#native = handle;
    this.#batchSize = batchSize;
    this.#format = desc.format;
    this.#streams = desc.streams.map((s) => new Stream(s, this));
  }

  get format(): FormatInfo {
    return this.#format;
  }
  get streams(): readonly Stream[] {
    return this.#streams;
  }
  get closed(): boolean {
    return this.#native.closed;
  }
  /** Duration in seconds, or null when unknown. */
  get duration(): number | null {
    return this.#format.duration === null ? null : this.#format.duration / 1e6;
  }

  /** The stream of a type that a player would pick: the default one, else the first. */
  bestStream(type: MediaType): Stream | undefined {
    const of = this.#streams.filter((s) => s.type === type && !s.disposition.attached_pic);
    return of.find((s) => s.disposition.default) ?? of[0];
  }

  /**
   * Describes the input again: streams can appear while reading (MPEG-TS). With
   * `decoders`, opens each stream's decoder to report what only it knows (as ffprobe does).
   */
  async refresh(options?: { decoders?: boolean }): Promise<void> {
    const desc = (await settle(this.#native.describe(options))) as Description;
    this.#format = desc.format;
    this.#streams = desc.streams.map((s) => new Stream(s, this));
  }

  #prefetch(): void {
    const p = this.#native.read(this.#batchSize);
    p.catch(() => {}); // a read-ahead nobody awaits (close, seek) must not be an unhandled rejection
    this.#pending = p;
  }

  /** The next packet, or null at the end of the input. The caller owns it. */
  async read(): Promise<Packet | null> {
    if (this.#next < this.#queue.length) {
      const pkt = this.#queue[this.#next++] as Packet;
      if (this.#next === this.#queue.length && !this.#eof && !this.#pending) this.#prefetch();
      return pkt;
    }
    if (this.#eof) return null;
    if (!this.#pending) this.#prefetch();
    let batch: NativePacket[];
    try {
      batch = await this.#pending!;
    } catch (e) {
      this.#pending = null;
      throw withCallerStack(e, Demuxer.prototype.read);
    }
    this.#pending = null;
    if (batch.length === 0) {
      this.#eof = true;
      return null;
    }
    this.#queue = batch;
    this.#next = 1;
    this.#prefetch(); // read the next batch while the caller works on this one
    return batch[0] as Packet;
  }

  /** Every remaining packet (optionally of some streams only); the caller owns each one. */
  async *packets(options?: { streams?: (Stream | number)[] }): AsyncGenerator<Packet, void, undefined> {
    const o = optionsObject(options);
    let wanted: Set<number> | undefined;
    if (o.streams !== undefined) {
      if (!Array.isArray(o.streams)) throw invalidArgument('streams', 'an array of streams or indexes', o.streams);
      wanted = new Set(o.streams.map((s) => (s instanceof Stream ? s.index : (s as number))));
    }
    for (;;) {
      const pkt = await this.read();
      if (!pkt) return;
      if (wanted && !wanted.has(pkt.streamIndex)) {
        pkt.close();
        continue;
      }
      yield pkt;
    }
  }

  /** Seeks to `seconds` (see SeekOptions); buffered packets are dropped. */
  async seek(seconds: number, options?: SeekOptions): Promise<void> {
    if (!is.number(seconds)) throw invalidArgument('seconds', 'a finite number', seconds);
    const o = optionsObject(options);
    check(o.backward, 'backward', 'a boolean', is.boolean);
    check(o.any, 'any', 'a boolean', is.boolean);
    let stream = -1;
    let timeBase: Rational = { num: 1, den: 1_000_000 };
    if (o.stream !== undefined) {
      const s = o.stream instanceof Stream ? o.stream : this.#streams[o.stream as number];
      if (!s) throw invalidArgument('stream', 'a Stream or stream index of this input', o.stream);
      stream = s.index;
      timeBase = s.timeBase;
    }
    this.#dropBuffered();
    const ts = Math.round((seconds * timeBase.den) / timeBase.num);
    await settle(this.#native.seek(ts, { stream, backward: o.backward as boolean | undefined, any: o.any as boolean | undefined }));
    this.#eof = false;
  }

  #dropBuffered(): void {
    for (let i = this.#next; i < this.#queue.length; i++) this.#queue[i]!.close();
    this.#queue = [];
    this.#next = 0;
    const pending = this.#pending;
    this.#pending = null;
    pending?.then((batch) => batch.forEach((p) => p.close()), () => {});
  }

  /** Frees the input; idempotent. Reads in flight end with ERR_CLOSED. */
  async close(): Promise<void> {
    this.#dropBuffered();
    await this.#native.close();
  }

  [Symbol.dispose](): void {
    void this.close();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
