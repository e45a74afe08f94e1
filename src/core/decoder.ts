// Decoding: https://ffmpeg.org/doxygen/trunk/group__lavc__decoding.html
import { DIRECT, threadCount } from '../options/rules.js';
import { avOptions, check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { addon, type NativeCodecContext, type NativeDecoder, type NativeFrame, type NativeFrameList } from '../native.js';
import { packetOrigin, type PacketOrigin } from './demuxer.js';
import { CodecParameters } from './codec_parameters.js';
import { Frame, FrameBatch } from './frame.js';
import { HwDevice } from './hw_device.js';
import { Packet, packetEntries } from './packet.js';
import { handle as h } from '../native.js';
import { ahead, checkSource, Resource, type Source } from './resource.js';
import { Stream } from './stream.js';
import { Subtitle } from './subtitle.js';
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
  /** Decode on this device: frames come out in device memory (`frame.hardware`); `download()` them. */
  device?: HwDevice;
}

/** A source of packets for `frames()`: an async or sync iterable. */
export type PacketSource = Source<Packet>;

/**
 * A decoder (AVCodecContext). decode() sends packets and drains every frame they produce;
 * flush() drains the rest at the end. A subtitle decoder gives Subtitles instead of frames:
 * decodeSubtitle(), flushSubtitles() and subtitles() (decode(), flush() and frames() reject on
 * it with EINVAL, and the subtitle methods on a video or audio decoder). Work runs in order on
 * the decoder's own native queue.
 */
export class Decoder extends Resource<NativeDecoder> {
  #ctx: NativeCodecContext;
  /** The stream this decoder was opened for, when it was opened from one. */
  readonly stream: Stream | undefined;
  readonly type: MediaType;

  static async open(source: Stream | CodecParameters | null, options?: DecoderOptions): Promise<Decoder> {
    const o = optionsObject(options);
    if (source !== null && !(source instanceof Stream) && !(source instanceof CodecParameters))
      throw invalidArgument('source', 'a Stream, CodecParameters or null', source);
    check(o.codec, 'codec', 'a codec name', is.nonEmptyString);
    if (o.threads !== undefined) threadCount().check(o.threads, 'threads', DIRECT);
    check(o.strict, 'strict', 'a boolean', is.boolean);
    check(o.timeBase, 'timeBase', 'a rational { num, den }', is.rational);
    check(o.device, 'device', 'an HwDevice', (v) => v instanceof HwDevice);
    if (source === null && o.codec === undefined) throw invalidArgument('codec', 'a codec name (no stream given)', o.codec);
    const params = source instanceof Stream ? source.codecParameters : source;
    const timeBase = (o.timeBase as Rational | undefined) ?? (source instanceof Stream ? source.timeBase : undefined);
    const handle = new (addon().Decoder)();
    const ctx = await settle(
      handle.open(params ? params.native : null, {
        codec: o.codec,
        threads: o.threads,
        options: avOptions(o.options, 'options'),
        strict: o.strict,
        timeBase,
        hwDevice: (o.device as HwDevice | undefined)?.handle,
      }),
    );
    const type: MediaType = source instanceof Stream ? source.type : params ? params.info.type : (ctx.mediaType as MediaType);
    return new Decoder(handle, ctx, source instanceof Stream ? source : undefined, type);
  }

  private constructor(handle: NativeDecoder, ctx: NativeCodecContext, stream: Stream | undefined, type: MediaType) {
    super(handle);
    this.#ctx = ctx;
    this.stream = stream;
    this.type = type;
  }

  get codecName(): string {
    return this.#ctx.codecName;
  }
  /** Subtitle decoders: the ASS header (styles, play size) that the `ass` of their rects refers to. */
  get subtitleHeader(): string | undefined {
    return this.#ctx.subtitleHeader;
  }
  /** Packets and frames skipped as damaged so far. */
  get damaged(): number {
    return this.native.damaged;
  }

  /** Sends packets (one or many: one native crossing) and returns every frame now ready. */
  async decode(packets: Packet | readonly Packet[]): Promise<Frame[]> {
    const { entries, indices } = packetEntries(packets);
    return wrapFrames(await settle(this.native.decode(entries, false, undefined, indices)));
  }

  /** Signals the end of the input and returns the frames still buffered; the decoder can then be reused. */
  async flush(): Promise<Frame[]> {
    return wrapFrames(await settle(this.native.decode([], true)));
  }

  /** Decodes one packet of a subtitle stream: the subtitle it completes, or null. */
  async decodeSubtitle(packet: Packet): Promise<Subtitle | null> {
    if (!(packet instanceof Packet)) throw invalidArgument('packet', 'a Packet', packet);
    const subs = await settle(this.native.decodeSubtitles([packet[h]], false));
    return subs[0] ? new Subtitle(subs[0]) : null;
  }

  /**
   * Signals the end of a subtitle stream (one empty packet, as the CLI sends): the subtitle a
   * delaying decoder (AV_CODEC_CAP_DELAY: closed captions, teletext) still holds, usually none.
   * The decoder can then be reused.
   */
  async flushSubtitles(): Promise<Subtitle[]> {
    return (await settle(this.native.decodeSubtitles([], true))).map((s) => new Subtitle(s));
  }

  /**
   * Decodes a whole packet source of a subtitle stream and yields its subtitles, flushing at
   * the end: frames() for subtitles. Takes ownership of the packets (each is closed once sent);
   * packets of other streams than the decoder's are skipped.
   */
  async *subtitles(packets: PacketSource): AsyncGenerator<Subtitle, void, undefined> {
    checkSource(packets, 'packets', 'Packets');
    const index = this.stream?.index;
    yield* ahead(
      packets,
      {
        batch: 16,
        depth: 2,
        accept: (pkt) => {
          if (!(pkt instanceof Packet)) throw invalidArgument('packet', 'a Packet', pkt);
          return index === undefined || pkt.streamIndex === index;
        },
      },
      async (batch, flush) =>
        (
          await this.native.decodeSubtitles(
            batch.map((pkt) => pkt[h]),
            flush,
          )
        ).map((s) => new Subtitle(s)),
    );
  }

  /** Drops buffered frames without returning them (after a seek). */
  async reset(): Promise<void> {
    await settle(this.native.reset());
  }

  /**
   * Decodes a whole packet source and yields its frames, flushing at the end. Takes
   * ownership of the packets (each is closed once sent); packets of other streams than
   * the decoder's are skipped. Decoding runs ahead of the consumer by a few batches.
   * The caller owns each frame (close it, or `using`).
   */
  async *frames(packets: PacketSource): AsyncGenerator<Frame, void, undefined> {
    checkSource(packets, 'packets', 'Packets');
    const index = this.stream?.index;
    // Each decode call's frames come as one FrameBatch: a Frame object per frame, its AVFrame
    // taken from the batch only if the consumer needs it. Calls are kept in flight ahead of the
    // consumer; frames are yielded one by one, inline (a yield* of a generator or an array
    // costs promises per frame).
    const inflight: Promise<FrameBatch>[] = [];
    let current: FrameBatch | undefined;
    const submit = (call: Promise<NativeFrameList>): void => {
      const p = call.then((l) => new FrameBatch(l));
      p.catch(() => {}); // awaited below, in order; never left unhandled
      inflight.push(p);
    };
    const settleNext = async (): Promise<FrameBatch> => {
      current?.release();
      current = undefined;
      current = await settle(inflight.shift()!);
      return current;
    };
    try {
      // Audio from a demuxer's packets(): hand whole read batches to the decoder, with no
      // wrapper per packet (light packets, where that cost would dominate). Two calls in flight.
      const origin = (packets as { [packetOrigin]?: PacketOrigin })[packetOrigin];
      if (
        origin &&
        !origin.started &&
        index !== undefined &&
        this.type === 'audio' &&
        this.stream!.owner === origin.demuxer &&
        (!origin.wanted || origin.wanted.has(index))
      ) {
        origin.started = true;
        for (let done = false; !done || inflight.length > 0; ) {
          if (!done) {
            const list = await origin.demuxer.takeBatch();
            submit(this.native.decode(list ?? [], list === null, index, undefined, true));
            list?.close(); // the other streams' packets go back to the demuxer
            done = list === null;
            if (inflight.length < 2 && !done) continue;
          }
          const batch = await settleNext();
          for (let f = batch.take(); f; f = batch.take()) yield f;
        }
        return;
      }
      // Any other source. Video packets are heavy: small batches keep memory low. Audio packets
      // are light: big batches keep the crossing cost per packet low.
      const size = this.type === 'video' ? 1 : 32;
      const depth = 3;
      let pending: Packet[] = [];
      const send = (flush: boolean): void => {
        const { entries, indices } = packetEntries(pending);
        submit(this.native.decode(entries, flush, undefined, indices, true));
        for (const pkt of pending) pkt.close(); // the decoder holds its own references
        pending = [];
      };
      try {
        for await (const pkt of packets as AsyncIterable<Packet>) {
          if (!(pkt instanceof Packet)) throw invalidArgument('packet', 'a Packet', pkt);
          if (index !== undefined && pkt.streamIndex !== index) {
            pkt.close();
            continue;
          }
          pending.push(pkt);
          if (pending.length >= size) send(false);
          while (inflight.length >= depth) {
            const batch = await settleNext();
            for (let f = batch.take(); f; f = batch.take()) yield f;
          }
        }
        send(true);
        while (inflight.length > 0) {
          const batch = await settleNext();
          for (let f = batch.take(); f; f = batch.take()) yield f;
        }
      } finally {
        for (const pkt of pending) pkt.close();
      }
    } finally {
      current?.release();
      for (const p of inflight)
        p.then(
          (batch) => batch.release(),
          () => {},
        );
    }
  }
}

function wrapFrames(frames: NativeFrame[]): Frame[] {
  return frames.map(Frame.wrap);
}
