// ImageDecoder (https://www.w3.org/TR/webcodecs/#imagedecoder-interface) over avforge's Demuxer
// and Decoder: the encoded image (a buffer, or a ReadableStream read to its end) is demuxed with
// the image format its MIME type names and decoded frame by frame; decode() waits for the frame
// it asks for. Frames in pixel formats WebCodecs has no name for (RGB24, palettes, grey, full-range
// YUV) come out as RGBA or I420. One track per image (ImageTrackList has one entry).
import { Decoder, Demuxer, Scaler, hasCodec, type Frame } from '../index.js';
import { bytes, checkTransfer, detach, dictionary, domError, isDetached, required, unsignedLong } from './errors.js';
import { formatOfPixelFormat, videoFrameOf, type VideoFrame } from './video_frame.js';

export interface ImageDecoderInit {
  type: string;
  data: ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;
  colorSpaceConversion?: 'default' | 'none';
  desiredWidth?: number;
  desiredHeight?: number;
  preferAnimation?: boolean;
  transfer?: ArrayBuffer[];
}

export interface ImageDecodeOptions {
  frameIndex?: number;
  completeFramesOnly?: boolean;
}

export interface ImageDecodeResult {
  image: VideoFrame;
  complete: boolean;
}

/**
 * MIME type -> the libavformat demuxer and the decoder it needs. PNG is probed: libavformat's
 * apng demuxer takes only animated PNGs, png_pipe only still ones. AVIF needs HEIF item support
 * that libavformat has from FFmpeg 6.1 on, and is left out.
 */
const TYPES: Record<string, { format?: string; decoder: string }> = {
  'image/jpeg': { format: 'jpeg_pipe', decoder: 'mjpeg' },
  'image/png': { decoder: 'png' },
  'image/apng': { decoder: 'apng' },
  'image/gif': { format: 'gif', decoder: 'gif' },
  'image/webp': { format: 'webp_pipe', decoder: 'webp' },
  'image/bmp': { format: 'bmp_pipe', decoder: 'bmp' },
};

function typeInfo(type: string): (typeof TYPES)[string] | undefined {
  const info = TYPES[type.trim().toLowerCase()];
  return info && hasCodec(info.decoder) ? info : undefined;
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // rejections are for whoever awaits them
  return { promise, resolve, reject };
}

export class ImageTrack {
  readonly #list: ImageTrackList;
  /** @internal */ _frameCount = 0;
  /** @internal */ _animated = false;

  /** @internal */
  constructor(list: ImageTrackList) {
    this.#list = list;
  }
  get animated(): boolean {
    return this._animated;
  }
  get frameCount(): number {
    return this._frameCount;
  }
  /** Animated images loop forever here: libavformat does not report GIF/APNG loop counts. */
  get repetitionCount(): number {
    return this._animated ? Number.POSITIVE_INFINITY : 0;
  }
  get selected(): boolean {
    return this.#list.selectedIndex === 0;
  }
  set selected(_value: boolean) {
    // one track: it stays selected
  }
}

export class ImageTrackList {
  /** @internal */ readonly _ready = deferred<undefined>();
  /** @internal */ _track: ImageTrack | undefined;
  readonly [index: number]: ImageTrack;

  get ready(): Promise<undefined> {
    return this._ready.promise;
  }
  get length(): number {
    return this._track ? 1 : 0;
  }
  get selectedIndex(): number {
    return this._track ? 0 : -1;
  }
  get selectedTrack(): ImageTrack | null {
    return this._track ?? null;
  }
  /** @internal */
  _set(track: ImageTrack): void {
    this._track = track;
    Object.defineProperty(this, 0, { value: track, enumerable: true, configurable: true });
    this._ready.resolve(undefined);
  }
}

interface Waiter {
  index: number;
  resolve(r: ImageDecodeResult): void;
  reject(e: unknown): void;
}

export class ImageDecoder {
  readonly #type: string;
  readonly #tracks = new ImageTrackList();
  readonly #completed = deferred<undefined>();
  #complete = false;
  #closed = false;
  #error: DOMException | undefined;
  #frames: { frame: Frame; timestamp: number; duration: number | null }[] = [];
  #waiters: Waiter[] = [];
  readonly #size: { width?: number; height?: number };

  static async isTypeSupported(type: string): Promise<boolean> {
    return typeInfo(String(type)) !== undefined;
  }

  constructor(init: ImageDecoderInit) {
    const where = 'ImageDecoder';
    const d = dictionary(init, where);
    this.#type = String(required(d, 'type', where));
    const data = required<unknown>(d, 'data', where);
    const transfer = checkTransfer(d.transfer, where);
    this.#size = {
      ...(d.desiredWidth !== undefined ? { width: unsignedLong(d.desiredWidth, `${where}.desiredWidth`) } : {}),
      ...(d.desiredHeight !== undefined ? { height: unsignedLong(d.desiredHeight, `${where}.desiredHeight`) } : {}),
    };
    let source: Uint8Array | ReadableStream<Uint8Array>;
    if (data instanceof ReadableStream) {
      if (data.locked) throw new TypeError(`${where}: the data stream is locked`);
      source = data;
    } else {
      const view = bytes(data, `${where}.data`);
      if (isDetached(view.buffer as ArrayBuffer) || view.byteLength === 0) throw new TypeError(`${where}: the data is empty or detached`);
      // Copied (the specification's clone), then the transferred buffers are detached.
      source = view.slice();
    }
    detach(transfer);
    const info = typeInfo(this.#type);
    if (!info) {
      // "queue a task to Close ImageDecoder with a NotSupportedError": a decode() asked meanwhile gets it too
      const e = domError('NotSupportedError', `${where}: '${this.#type}' is not an image type this FFmpeg decodes`);
      queueMicrotask(() => this.#fail(e));
      return;
    }
    void this.#run(source, info);
  }

  get type(): string {
    return this.#type;
  }
  get complete(): boolean {
    return this.#complete;
  }
  get completed(): Promise<undefined> {
    return this.#completed.promise;
  }
  get tracks(): ImageTrackList {
    return this.#tracks;
  }

  decode(options?: ImageDecodeOptions): Promise<ImageDecodeResult> {
    if (this.#closed) return Promise.reject(domError('InvalidStateError', 'ImageDecoder.decode: the decoder is closed'));
    const o = dictionary(options, 'ImageDecoder.decode');
    const index = o.frameIndex === undefined ? 0 : unsignedLong(o.frameIndex, 'ImageDecoder.decode.frameIndex');
    return new Promise((resolve, reject) => {
      this.#waiters.push({ index, resolve, reject });
      this.#serve();
    });
  }

  /** Aborts the decode() calls waiting (AbortError); the decoder stays usable. */
  reset(): void {
    for (const w of this.#waiters.splice(0)) w.reject(domError('AbortError', 'ImageDecoder.reset: the decode was aborted'));
  }

  close(): void {
    if (this.#closed) return;
    this.reset();
    this.#closed = true;
    for (const f of this.#frames.splice(0)) f.frame.close();
    if (!this.#complete) this.#completed.reject(domError('AbortError', 'ImageDecoder.close: closed before the image was read'));
    this.#tracks._ready.reject(domError('AbortError', 'ImageDecoder.close: closed'));
  }

  #fail(e: DOMException): void {
    this.#error = e;
    this.#completed.reject(e);
    this.#tracks._ready.reject(e);
    for (const w of this.#waiters.splice(0)) w.reject(e);
    for (const f of this.#frames.splice(0)) f.frame.close();
    this.#closed = true;
  }

  /** Answers the waiting decode() calls whose frame is here, or will never be. */
  #serve(): void {
    const track = this.#tracks._track;
    this.#waiters = this.#waiters.filter((w) => {
      if (this.#error) {
        w.reject(this.#error);
        return false;
      }
      const got = this.#frames[w.index];
      if (got) {
        w.resolve({ image: videoFrameOf(got.frame.clone(), { timestamp: got.timestamp, duration: got.duration }), complete: true });
        return false;
      }
      if (this.#complete && track) {
        w.reject(new RangeError(`ImageDecoder.decode: frameIndex ${w.index} is past the ${track.frameCount} frames`));
        return false;
      }
      return true;
    });
  }

  async #run(source: Uint8Array | ReadableStream<Uint8Array>, info: (typeof TYPES)[string]): Promise<void> {
    let demuxer: Demuxer | undefined;
    let decoder: Decoder | undefined;
    let scaler: Scaler | undefined;
    try {
      // A stream is read whole first: libavformat's apng and gif demuxers seek in their input.
      const input = source instanceof Uint8Array ? source : new Uint8Array(await new Response(source).arrayBuffer());
      if (this.#closed) return;
      demuxer = await Demuxer.open(input, { ...(info.format ? { format: info.format } : {}), name: `<${this.#type}>` });
      const stream = demuxer.bestStream('video');
      if (!stream) throw new Error('no image in the data');
      decoder = await Decoder.open(stream);
      const tb = stream.timeBase;
      const us = (t: number): number => Math.round((t * 1_000_000 * tb.num) / tb.den);
      const track = new ImageTrack(this.#tracks);
      this.#tracks._set(track);
      const take = async (frames: Frame[]): Promise<void> => {
        for (const f of frames) {
          const timestamp = us(f.pts ?? 0);
          const duration = f.duration > 0 ? us(f.duration) : null;
          let out = f;
          const name = f.pixelFormat ?? '';
          const format = formatOfPixelFormat(name);
          if (!format || this.#size.width || this.#size.height) {
            const pixelFormat = format ? name : /^yuvj?4/.test(name) ? 'yuv420p' : 'rgba';
            scaler ??= new Scaler({ pixelFormat, ...this.#size });
            out = (await scaler.scale(f).finally(() => f.close()))[0]!;
          }
          if (this.#closed) {
            out.close();
            continue;
          }
          this.#frames.push({ frame: out, timestamp, duration });
          track._frameCount = this.#frames.length;
          if (this.#frames.length > 1) track._animated = true;
        }
        this.#serve();
      };
      for await (const p of demuxer.packets({ streams: [stream] })) {
        const frames = await decoder.decode(p).finally(() => p.close());
        if (this.#closed) {
          for (const f of frames) f.close();
          return;
        }
        await take(frames);
      }
      await take(await decoder.flush());
      if (this.#frames.length === 0) throw new Error('the data held no decodable image');
      this.#complete = true;
      this.#completed.resolve(undefined);
      this.#serve();
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      // FFmpeg's webp decoder (before 7.1) skips the ANIM/ANMF chunks of an animated WebP and finds no image.
      if (this.#closed) return;
      if (info.decoder === 'webp' && this.#frames.length === 0)
        this.#fail(domError('NotSupportedError', `ImageDecoder: this FFmpeg's webp decoder does not decode animated WebP (${text})`, e));
      else this.#fail(domError('EncodingError', `ImageDecoder: ${this.#type} did not decode: ${text}`, e));
    } finally {
      void decoder?.close();
      void demuxer?.close();
      void scaler?.close();
    }
  }
}
