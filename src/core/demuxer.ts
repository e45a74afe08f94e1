// Demuxing: https://ffmpeg.org/doxygen/trunk/group__libavf__decoding.html
import { avOptions, check, invalidArgument, is, optionsObject, settle, withCallerStack } from '../errors.js';
import { addon, handle as h, type NativeDemuxer, type NativePacketList } from '../native.js';
import { Packet } from './packet.js';
import { Stream, type StreamDescription } from './stream.js';
import { Resource } from './resource.js';
import type { AvOptions, MediaType, Rational } from './types.js';

export interface DemuxerOptions {
  /** Force the input format ('mp4', 'matroska', 'mpegts'...); probed when absent. */
  format?: string;
  /** Demuxer and protocol AVOptions (e.g. { probesize: 5e6, analyzeduration: 1e7 }). */
  options?: AvOptions;
  /** A read error throws instead of ending the input with a warning (as the CLI does). */
  strict?: boolean;
  /** Packets read per native call (read-ahead batch). Default 64. */
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

const READ_AHEAD = 2;

interface Description {
  format: FormatInfo;
  streams: StreamDescription[];
}

/**
 * An opened input (AVFormatContext): its format, its streams, and its packets.
 * Reads run on a native thread, many packets per crossing, one batch ahead of the reader.
 */
export class Demuxer extends Resource<NativeDemuxer> {
  readonly url: string;
  #format: FormatInfo;
  #streams: Stream[];
  #batchSize: number;
  #current: NativePacketList | null = null;
  #pending: Promise<NativePacketList>[] = [];
  #eof = false;

  static async open(url: string, options?: DemuxerOptions): Promise<Demuxer> {
    if (!is.nonEmptyString(url)) throw invalidArgument('url', 'a non-empty string', url);
    const o = optionsObject(options);
    check(o.format, 'format', 'a format name', is.nonEmptyString);
    check(o.strict, 'strict', 'a boolean', is.boolean);
    const batchSize = check<number>(o.batchSize, 'batchSize', 'an integer > 0', (v) => is.integer(v) && v > 0) ?? 64;
    const handle = new (addon().Demuxer)();
    const desc = (await settle(
      handle.open(url, { format: o.format as string | undefined, options: avOptions(o.options, 'options'), strict: o.strict as boolean | undefined }),
    )) as Description;
    return new Demuxer(url, handle, desc, batchSize);
  }

  private constructor(url: string, handle: NativeDemuxer, desc: Description, batchSize: number) {
    super(handle);
    this.url = url;
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
    const desc = (await settle(this.native.describe(options))) as Description;
    this.#format = desc.format;
    this.#streams = desc.streams.map((s) => new Stream(s, this));
  }

  /** Keeps READ_AHEAD batches queued on the native side, so reading overlaps the caller's work. */
  #fill(): void {
    while (!this.#eof && this.#pending.length < READ_AHEAD) {
      const p = this.native.read(this.#batchSize);
      p.catch(() => {}); // a read-ahead nobody awaits (close, seek) must not be an unhandled rejection
      this.#pending.push(p);
    }
  }

  /** Moves on to the next batch; false at the end of the input. */
  async #nextBatch(): Promise<boolean> {
    this.#current?.close();
    this.#current = null;
    if (this.#eof) return false;
    this.#fill();
    let list: NativePacketList;
    try {
      list = await this.#pending.shift()!;
    } catch (e) {
      throw withCallerStack(e, this.#nextBatch);
    }
    if (list.remaining === 0) {
      list.close();
      this.#eof = true;
      return false;
    }
    this.#current = list;
    this.#fill();
    return true;
  }

  /** The next packet, or null at the end of the input. The caller owns it. */
  async read(): Promise<Packet | null> {
    for (;;) {
      const pkt = this.#current?.take();
      if (pkt) return Packet.wrap(pkt);
      if (!(await this.#nextBatch())) return null;
    }
  }

  /**
   * Moves the next packet into `packet` (its previous contents are released); false at the
   * end of the input. The allocation-free way to read: one Packet reused for every read.
   */
  async readInto(packet: Packet): Promise<boolean> {
    if (!(packet instanceof Packet)) throw invalidArgument('packet', 'a Packet', packet);
    for (;;) {
      if (this.#current?.moveInto(packet[h])) return true;
      if (!(await this.#nextBatch())) return false;
    }
  }

  /**
   * Every remaining packet (optionally of some streams only); the caller owns each one.
   * With `reuse`, one Packet object is refilled for every iteration: it is valid until the
   * next one (clone() what you keep), and nothing is allocated per packet.
   */
  async *packets(options?: { streams?: (Stream | number)[]; reuse?: boolean }): AsyncGenerator<Packet, void, undefined> {
    const o = optionsObject(options);
    check(o.reuse, 'reuse', 'a boolean', is.boolean);
    let wanted: Set<number> | undefined;
    if (o.streams !== undefined) {
      if (!Array.isArray(o.streams)) throw invalidArgument('streams', 'an array of streams or indexes', o.streams);
      wanted = new Set(o.streams.map((s) => (s instanceof Stream ? s.index : (s as number))));
    }
    if (o.reuse) {
      using pkt = new Packet();
      while (await this.readInto(pkt)) if (!wanted || wanted.has(pkt.streamIndex)) yield pkt;
      return;
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
    await settle(this.native.seek(ts, { stream, backward: o.backward as boolean | undefined, any: o.any as boolean | undefined }));
    this.#eof = false;
  }

  #dropBuffered(): void {
    this.#current?.close();
    this.#current = null;
    for (const p of this.#pending) p.then((list) => list.close(), () => {});
    this.#pending = [];
  }

  /** Frees the input; idempotent. Reads in flight end with ERR_CLOSED. */
  override async close(): Promise<void> {
    this.#dropBuffered();
    await this.native.close();
  }

}
