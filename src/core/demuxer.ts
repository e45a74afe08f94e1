// Demuxing: https://ffmpeg.org/doxygen/trunk/group__libavf__decoding.html
import { AvError, avOptions, check, closedError, invalidArgument, is, optionsObject, settle, withCallerStack } from '../errors.js';
import { addon, type NativeDemuxer, type NativePacketList } from '../native.js';
import { Packet, PacketBatch } from './packet.js';
import { defaultInputOptions, explainInputError, SourceBridge, type InputSource, type SourceOptions } from '../io/source.js';
import { Stream, type StreamDescription } from './stream.js';
import { Resource } from './resource.js';
import type { AvOptions, MediaType, Rational } from './types.js';

export interface DemuxerOptions extends SourceOptions {
  /** A name for the input in errors and logs, when it is not a path (default '<stream>'). */
  name?: string;
  /** Aborting closes the demuxer: a blocking open or read (a stalled network input) ends with ABORT_ERR. */
  signal?: AbortSignal;
  /** Force the input format ('mp4', 'matroska', 'mpegts'...); probed when absent. */
  format?: string;
  /** Demuxer and protocol AVOptions (e.g. { probesize: 5e6, analyzeduration: 1e7 }). */
  options?: AvOptions;
  /** A read error throws instead of ending the input with a warning (as the CLI does). */
  strict?: boolean;
  /** Packets read per native call (read-ahead batch). Default 64. */
  batchSize?: number;
}

export interface ProgramInfo {
  id: number;
  programNum: number;
  pmtPid: number;
  pcrPid: number;
  metadata: Record<string, string>;
  /** Indexes into the input's streams. */
  streams: number[];
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
  /** The input's programs (MPEG-TS services): ids, PIDs, metadata and the indexes of their streams. */
  programs: ProgramInfo[];
  /** AVStreamGroups (FFmpeg 7 and newer; 0 before). */
  nbStreamGroups: number;
  probeScore: number;
  /** Bytes, or -1 when the input's size is unknown. */
  size: number;
  metadata: Record<string, string>;
  /** The demuxer's exported private options, in order: [name, value] (mpegts: ts_id, ts_packetsize). */
  exported: [string, string][];
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

// One timer for every demuxer, referenced while any awaits a read: a timer made and cleared
// per batch cost more than the read itself at batchSize 1.
let loopHolder: ReturnType<typeof setInterval> | undefined;
let loopHolds = 0;
function holdLoop(delta: 1 | -1): void {
  loopHolds += delta;
  if (loopHolds === 1 && delta === 1) (loopHolder ??= setInterval(() => {}, 1 << 30)).ref();
  else if (loopHolds === 0) loopHolder?.unref();
}

/** Where a packets() generator reads from (see Decoder.frames). */
export interface PacketOrigin {
  demuxer: Demuxer;
  wanted: Set<number> | undefined;
  started: boolean;
}
export const packetOrigin: unique symbol = Symbol('avforge.packetOrigin');

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
  #current: PacketBatch | null = null;
  #pending: Promise<NativePacketList>[] = [];
  #eof = false;
  #bridge: SourceBridge | undefined;
  #advancing: Promise<boolean> | undefined;
  #signal: AbortSignal | undefined;

  /**
   * Opens a path or URL (any protocol FFmpeg has), or bytes from memory, a Node or Web
   * stream, a socket, an async iterable, a FileHandle or read/seek callbacks.
   */
  static async open(input: InputSource, options?: DemuxerOptions): Promise<Demuxer> {
    const o = optionsObject(options);
    check(o.format, 'format', 'a format name', is.nonEmptyString);
    check(o.strict, 'strict', 'a boolean', is.boolean);
    check(o.trusted, 'trusted', 'a boolean', is.boolean);
    check(o.name, 'name', 'a string', is.string);
    const batchSize = check<number>(o.batchSize, 'batchSize', 'an integer > 0', (v) => is.integer(v) && v > 0) ?? 64;
    if (typeof input === 'string' && input.length === 0) throw invalidArgument('input', 'a non-empty path or URL', input);
    const signal = o.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgument('signal', 'an AbortSignal', signal);
    const url = typeof input === 'string' ? input : ((o.name as string | undefined) ?? '<stream>');
    if (signal?.aborted) throw abortError('open', url, signal);
    const bridge = typeof input === 'string' ? undefined : await SourceBridge.create(input, o as SourceOptions);
    const trusted = o.trusted === true;
    const avopts = { ...defaultInputOptions(input, trusted), ...avOptions(o.options, 'options') };
    // For URLs, `timeout` bounds each network read and connect (FFmpeg's rw_timeout, in us).
    if (typeof input === 'string' && is.integer(o.timeout) && avopts.rw_timeout === undefined) avopts.rw_timeout = (o.timeout as number) * 1000;
    const handle = new (addon().Demuxer)();
    const onAbort = () => void handle.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const desc = (await settle(
        handle.open(bridge ? bridge.native : url, {
          format: o.format as string | undefined,
          options: avopts,
          strict: o.strict as boolean | undefined,
          name: url,
          trusted,
        }),
      )) as Description;
      // FFmpeg may take an abort during open for the end of the data and open anyway.
      if (signal?.aborted) throw abortError('open', url, signal);
      if (bridge?.error !== undefined) throw sourceError(url, bridge);
      return new Demuxer(url, handle, desc, batchSize, bridge, signal, onAbort);
    } catch (e) {
      signal?.removeEventListener('abort', onAbort);
      bridge?.release();
      void handle.close();
      if (signal?.aborted) throw withCallerStack(abortError('open', url, signal), Demuxer.open);
      throw explainInputError(e, bridge, Demuxer.open);
    }
  }

  private constructor(
    url: string,
    handle: NativeDemuxer,
    desc: Description,
    batchSize: number,
    bridge?: SourceBridge,
    signal?: AbortSignal,
    onAbort?: () => void,
  ) {
    super(handle);
    this.#bridge = bridge;
    this.#signal = signal;
    if (signal && onAbort) {
      signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', () => void this.close(), { once: true });
    }
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
    if (this.native.closed) return;
    while (!this.#eof && this.#pending.length < READ_AHEAD) {
      const p = this.native.read(this.#batchSize);
      p.catch(() => {}); // a read-ahead nobody awaits (close, seek) must not be an unhandled rejection
      this.#pending.push(p);
    }
  }

  /** Moves on to the next batch; false at the end of the input. */
  async #nextBatch(): Promise<boolean> {
    this.#current?.release();
    this.#current = null;
    if (this.#eof) return false;
    // Reads are weak (see native read): a timer holds the loop open while we wait for one.
    holdLoop(+1);
    let list: NativePacketList;
    try {
      this.#fill();
      const next = this.#pending.shift();
      if (!next) throw closedError('Demuxer', 'read');
      list = await next;
    } catch (e) {
      if (this.#signal?.aborted) throw withCallerStack(abortError('read', this.url, this.#signal), this.#nextBatch);
      throw withCallerStack(explainInputError(e, this.#bridge), this.#nextBatch);
    } finally {
      holdLoop(-1);
    }
    const batch = new PacketBatch(list);
    if (batch.count === 0) {
      list.close();
      // A stream or callback that failed is an error, not the end of the input.
      if (this.#bridge?.error !== undefined) throw withCallerStack(sourceError(this.url, this.#bridge), this.#nextBatch);
      if (this.#signal?.aborted) throw withCallerStack(abortError('read', this.url, this.#signal), this.#nextBatch);
      this.#eof = true;
      return false;
    }
    this.#current = batch;
    this.#fill();
    return true;
  }

  /** Moves on to the next batch once, however many readers are waiting for it. */
  #advance(): Promise<boolean> {
    this.#advancing ??= this.#nextBatch().finally(() => {
      this.#advancing = undefined;
    });
    return this.#advancing;
  }

  /** The next packet, or null at the end of the input. The caller owns it. */
  async read(): Promise<Packet | null> {
    for (;;) {
      const pkt = this.#current?.take();
      if (pkt) return pkt;
      if (!(await this.#advance())) return null;
    }
  }

  /**
   * Moves the next packet into `packet` (its previous contents are released); false at the
   * end of the input. The allocation-free way to read: one Packet reused for every read.
   */
  async readInto(packet: Packet): Promise<boolean> {
    if (!(packet instanceof Packet)) throw invalidArgument('packet', 'a Packet', packet);
    for (;;) {
      if (this.#current?.moveInto(packet)) return true;
      if (!(await this.#advance())) return false;
    }
  }

  /**
   * Every remaining packet (optionally of some streams only); the caller owns each one.
   * With `reuse`, one Packet object is refilled for every iteration: it is valid until the
   * next one (clone() what you keep), and nothing is allocated per packet.
   */
  packets(options?: { streams?: (Stream | number)[]; reuse?: boolean }): AsyncGenerator<Packet, void, undefined> {
    const o = optionsObject(options);
    check(o.reuse, 'reuse', 'a boolean', is.boolean);
    let wanted: Set<number> | undefined;
    if (o.streams !== undefined) {
      if (!Array.isArray(o.streams)) throw invalidArgument('streams', 'an array of streams or indexes', o.streams);
      wanted = new Set(o.streams.map((s) => (s instanceof Stream ? s.index : (s as number))));
    }
    const origin: PacketOrigin = { demuxer: this, wanted, started: false };
    const reuse = o.reuse === true;
    let reused: Packet | undefined;
    const iterator = new PacketIterator(
      origin,
      () => this.#take(wanted, reuse ? (reused ??= new Packet()) : undefined),
      () => this.#advance(),
      () => reused?.close(),
    );
    // A Decoder given this iterator before it starts reads the batches directly instead.
    Object.defineProperty(iterator, packetOrigin, { value: origin });
    return iterator;
  }

  /** The next wanted packet of the current batch (into `reused`, if given); null when it has none. */
  #take(wanted: Set<number> | undefined, reused: Packet | undefined): Packet | null {
    const batch = this.#current;
    if (batch === null) return null;
    while (batch.remaining > 0) {
      if (wanted && !wanted.has(batch.nextStreamIndex())) {
        batch.next++;
        continue;
      }
      if (reused === undefined) return batch.take();
      batch.moveInto(reused);
      return reused;
    }
    return null;
  }

  /** @internal The next batch of packets as read, whole (null at the end of the input). */
  async takeBatch(): Promise<NativePacketList | null> {
    for (;;) {
      const batch = this.#current;
      if (batch && batch.remaining > 0) {
        this.#current = null;
        return batch.handOver();
      }
      if (!(await this.#advance())) return null;
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
    this.#current?.release();
    this.#current = null;
    for (const p of this.#pending)
      p.then(
        (list) => list.close(),
        () => {},
      );
    this.#pending = [];
  }

  /** Frees the input; idempotent. Reads in flight end with ERR_CLOSED. */
  override async close(): Promise<void> {
    this.#dropBuffered();
    this.#bridge?.release();
    await this.native.close();
  }
}

function abortError(op: string, url: string, signal: AbortSignal): AvError {
  const e = new AvError('The operation was aborted', { code: 'ABORT_ERR', op, url });
  Object.defineProperty(e, 'cause', { value: signal.reason, configurable: true, writable: true });
  return e;
}

function sourceError(url: string, bridge: SourceBridge): AvError {
  const cause = bridge.error;
  const e = new AvError(`The input failed: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'EIO', op: 'read', url });
  Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
  return e;
}

/**
 * packets()'s iterator: an async generator written out, so that a packet already read costs
 * one settled promise (an `async *` costs several per yield). Calls made while one waits for
 * a batch are answered in order, after it, as a generator's are.
 */
class PacketIterator implements AsyncGenerator<Packet, void, undefined> {
  readonly #origin: PacketOrigin;
  readonly #take: () => Packet | null;
  readonly #advance: () => Promise<boolean>;
  readonly #cleanup: () => void;
  #done = false;
  // calls waiting (one for a batch, the others after it), and the last of them
  #queued = 0;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(origin: PacketOrigin, take: () => Packet | null, advance: () => Promise<boolean>, cleanup: () => void) {
    this.#origin = origin;
    this.#take = take;
    this.#advance = advance;
    this.#cleanup = cleanup;
  }

  next(): Promise<IteratorResult<Packet, void>> {
    if (this.#queued === 0) {
      const now = this.#now();
      if (now !== null) return Promise.resolve(now);
    }
    return this.#enqueue(() => this.#now() ?? this.#wait());
  }

  return(): Promise<IteratorResult<Packet, void>> {
    const end = (): IteratorResult<Packet, void> => {
      this.#finish();
      return { value: undefined, done: true };
    };
    return this.#queued === 0 ? Promise.resolve(end()) : this.#enqueue(end);
  }

  throw(e: unknown): Promise<IteratorResult<Packet, void>> {
    const end = (): never => {
      this.#finish();
      throw e;
    };
    if (this.#queued > 0) return this.#enqueue(end);
    this.#finish();
    return Promise.reject(e);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** The answer without waiting, or null when the next batch must be awaited. */
  #now(): IteratorResult<Packet, void> | null {
    if (this.#done) return { value: undefined, done: true };
    this.#origin.started = true;
    const p = this.#take();
    return p === null ? null : { value: p, done: false };
  }

  async #wait(): Promise<IteratorResult<Packet, void>> {
    try {
      for (;;) {
        if (!(await this.#advance())) {
          this.#finish();
          return { value: undefined, done: true };
        }
        const p = this.#take();
        if (p !== null) return { value: p, done: false };
      }
    } catch (e) {
      this.#finish();
      throw e;
    }
  }

  #enqueue<T>(step: () => T | Promise<T>): Promise<T> {
    this.#queued++;
    const run = (): Promise<T> =>
      new Promise<T>((resolve) => resolve(step())).finally(() => {
        this.#queued--;
      });
    const result = this.#queued === 1 ? run() : this.#tail.then(run, run);
    this.#tail = result.catch(() => {});
    return result;
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#cleanup();
  }
}
