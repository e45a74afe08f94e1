// Decoding: https://ffmpeg.org/doxygen/trunk/group__lavc__decoding.html
import { avOptions, check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { native, type NativeCodecContext, type NativeDecoder, type NativeFrame } from '../native.js';
import { CodecParameters } from './codec_parameters.js';
import type { Frame } from './frame.js';
import { Packet } from './packet.js';
import { Stream } from './stream.js';
import type { AvOptions, MediaType, Rational } from './types.js';

export interface DecoderOptions {
  /** A decoder by name ('h264', 'libdav1d'...); default: FFmpeg's choice for the codec. */
  codec?: string;
  /** Decoder threads; 0 (default) lets FFmpeg use as many as help. */
  threads?: number;
  /** Decoder AVOptions. */
  options?: AvOptions;
  /** Damaged packets throw instead of being skipped with a warning (as the CLI does). */
  strict?: boolean;
  /** The time base of the packets (taken from the stream when decoding one). */
  timeBase?: Rational;
}

/** A source of packets for `frames()`: an async or sync iterable. */
export type PacketSource = AsyncIterable<Packet> | Iterable<Packet>;

/**
 * A decoder (AVCodecContext). decode() sends packets and drains every frame they produce;
 * flush() drains the rest at the end. Work runs in order on the decoder's own native queue.
 */
export class Decoder implements AsyncDisposable, Disposable {
  #native: NativeDecoder;
  #ctx: NativeCodecContext;
  /** The stream this decoder was opened for, when it was opened from one. */
  readonly stream: Stream | undefined;
  readonly type: MediaType;

  static async open(source: Stream | CodecParameters | null, options?: DecoderOptions): Promise<Decoder> {
    const o = optionsObject(options);
    if (source !== null && !(source instanceof Stream) && !(source instanceof CodecParameters))
      throw invalidArgument('source', 'a Stream, CodecParameters or null', source);
    check(o.codec, 'codec', 'a codec name', is.nonEmptyString);
    check(o.threads, 'threads', 'an integer >= 0', (v) => is.integer(v) && v >= 0);
    check(o.strict, 'strict', 'a boolean', is.boolean);
    check(o.timeBase, 'timeBase', 'a rational { num, den }', is.rational);
    if (source === null && o.codec === undefined) throw invalidArgument('codec', 'a codec name (no stream given)', o.codec);
    const params = source instanceof Stream ? source.codecParameters : source;
    const timeBase = (o.timeBase as Rational | undefined) ?? (source instanceof Stream ? source.timeBase : undefined);
    const handle = new native.Decoder();
    const ctx = await settle(
      handle.open(params ? params.native : null, {
        codec: o.codec,
        threads: o.threads,
        options: avOptions(o.options, 'options'),
        strict: o.strict,
        timeBase,
      }),
    );
    const type: MediaType = source instanceof Stream ? source.type : params ? params.info.type : ctx.sampleRate ? 'audio' : 'video';
    return new Decoder(handle, ctx, source instanceof Stream ? source : undefined, type);
  }

  private constructor(handle: NativeDecoder, ctx: NativeCodecContext, stream: Stream | undefined, type: MediaType) {
    this.#native = handle;
    this.#ctx = ctx;
    this.stream = stream;
    this.type = type;
  }

  get codecName(): string {
    return this.#ctx.codecName;
  }
  get closed(): boolean {
    return this.#native.closed;
  }
  /** Packets and frames skipped as damaged so far. */
  get damaged(): number {
    return this.#native.damaged;
  }

  /** Sends packets (one or many: one native crossing) and returns every frame now ready. */
  async decode(packets: Packet | readonly Packet[]): Promise<Frame[]> {
    const list = toPacketList(packets);
    return (await settle(this.#native.decode(list, false))) as unknown as Frame[];
  }

  /** Signals the end of the input and returns the frames still buffered; the decoder can then be reused. */
  async flush(): Promise<Frame[]> {
    return (await settle(this.#native.decode([], true))) as unknown as Frame[];
  }

  /** Drops buffered frames without returning them (after a seek). */
  async reset(): Promise<void> {
    await settle(this.#native.reset());
  }

  /**
   * Decodes a whole packet source and yields its frames, flushing at the end. Takes
   * ownership of the packets (each is closed once sent); packets of other streams than
   * the decoder's are skipped. Decoding runs ahead of the consumer by a few batches.
   * The caller owns each frame (close it, or `using`).
   */
  async *frames(packets: PacketSource): AsyncGenerator<Frame, void, undefined> {
    if (packets === null || typeof packets !== 'object' || (!(Symbol.asyncIterator in packets) && !(Symbol.iterator in packets)))
      throw invalidArgument('packets', 'an iterable of Packets', packets);
    const index = this.stream?.index;
    // Video packets are heavy: small batches keep memory low. Audio packets are light: big
    // batches keep the crossing cost per packet low.
    const batchSize = this.type === 'video' ? 2 : 32;
    const depth = 3;
    const inflight: Promise<Frame[]>[] = [];
    let batch: Packet[] = [];
    const submit = (flush: boolean): void => {
      const p = flush ? this.#native.decode(batch, true) : this.#native.decode(batch, false);
      p.catch(() => {});
      inflight.push(p as unknown as Promise<Frame[]>);
      for (const pkt of batch) pkt.close(); // the native side holds its own references
      batch = [];
    };
    try {
      for await (const pkt of packets as AsyncIterable<Packet>) {
        if (!(pkt instanceof Packet)) throw invalidArgument('packet', 'a Packet', pkt);
        if (index !== undefined && pkt.streamIndex !== index) {
          pkt.close();
          continue;
        }
        batch.push(pkt);
        if (batch.length >= batchSize) submit(false);
        while (inflight.length >= depth) yield* await settle(inflight.shift()!);
      }
      submit(true);
      while (inflight.length > 0) yield* await settle(inflight.shift()!);
    } finally {
      for (const pkt of batch) pkt.close();
      // Frames decoded ahead that nobody will read.
      for (const p of inflight) p.then((frames) => frames.forEach((f) => f.close()), () => {});
    }
  }

  /** Frees the decoder; idempotent. Work queued and not yet started ends with ERR_CLOSED. */
  async close(): Promise<void> {
    await this.#native.close();
  }
  [Symbol.dispose](): void {
    void this.close();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function toPacketList(packets: Packet | readonly Packet[]): Packet[] {
  if (packets instanceof Packet) return [packets];
  if (!Array.isArray(packets)) throw invalidArgument('packets', 'a Packet or an array of Packets', packets);
  for (const p of packets) if (!(p instanceof Packet)) throw invalidArgument('packets[]', 'a Packet', p);
  return packets as Packet[];
}
