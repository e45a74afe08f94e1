// Inputs other than a path or URL: bytes in memory, Node and Web streams, sockets, async
// iterables, and read/seek callbacks, all read by FFmpeg through one custom AVIOContext.
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

import { AvError, invalidArgument, is, withCallerStack } from '../errors.js';
import { addon, type NativeIoBridge } from '../native.js';

/** Read and (optionally) seek callbacks: the most general input. */
export interface CallbackSource {
  /** The next bytes (up to `size`); null, undefined or an empty array at the end. */
  read(size: number): Promise<Uint8Array | null | undefined> | Uint8Array | null | undefined;
  /** Moves to `position` (bytes from the start). Without it the input is not seekable. */
  seek?(position: number): Promise<void> | void;
  /** Total size in bytes, when known (lets FFmpeg seek from the end). */
  size?: number;
}

/** Everything a Demuxer can read from. */
export type InputSource = string | Uint8Array | Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | FileHandle | CallbackSource;

export interface SourceOptions {
  /** Bytes queued natively before a stream is paused (backpressure). Default 1 MiB. */
  highWater?: number;
  /** Milliseconds a read may wait for data before failing with ETIMEDOUT. Default: no limit. */
  timeout?: number;
  /** Reading past this many bytes fails with EFBIG (a bound on endless or hostile inputs). */
  maxBytes?: number;
  /**
   * Open the input with FFmpeg's defaults: it may open further files and URLs it names (HLS and
   * DASH playlists, concat scripts, image2 patterns). Default false: the input is the file, Buffer
   * or stream given and nothing else, its format one that opens nothing else, its open bounded in
   * time; a refusal is AvError INPUT_REFUSED (SECURITY.md). The avforge CLI trusts its inputs.
   */
  trusted?: boolean;
}

const CHUNK = 256 * 1024;

function isFileHandle(v: unknown): v is FileHandle {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as FileHandle).fd === 'number' &&
    typeof (v as FileHandle).read === 'function' &&
    typeof (v as FileHandle).stat === 'function'
  );
}

/**
 * The JS side of a custom input. FFmpeg, on a native thread, asks for data or a seek; this
 * answers from the source. The first error of the source is kept as the cause of the
 * AvError that the read then fails with.
 */
export class SourceBridge {
  readonly native: NativeIoBridge;
  readonly seekable: boolean;
  error: unknown;
  #release: () => void = () => {};

  static async create(source: Exclude<InputSource, string>, options: SourceOptions = {}): Promise<SourceBridge> {
    const { highWater, timeout, maxBytes } = options;
    if (highWater !== undefined && !(is.integer(highWater) && highWater > 0)) throw invalidArgument('highWater', 'an integer > 0', highWater);
    if (timeout !== undefined && !(is.integer(timeout) && timeout >= 0)) throw invalidArgument('timeout', 'an integer >= 0', timeout);
    if (maxBytes !== undefined && !(is.integer(maxBytes) && maxBytes > 0)) throw invalidArgument('maxBytes', 'an integer > 0', maxBytes);
    const limits = { highWater, timeout, maxBytes };
    if (source instanceof Uint8Array) return new SourceBridge({ kind: 'memory-source', data: source, maxBytes }, true);
    if (source instanceof Readable) return SourceBridge.#fromReadable(source, limits);
    if (isFileHandle(source)) return SourceBridge.#fromFileHandle(source, (await source.stat()).size, limits);
    if (typeof source === 'object' && source !== null && typeof (source as CallbackSource).read === 'function')
      return SourceBridge.#fromCallbacks(source as CallbackSource, limits);
    if (typeof source === 'object' && source !== null && Symbol.asyncIterator in source)
      return SourceBridge.#fromIterable(source as AsyncIterable<Uint8Array>, limits);
    if (typeof source === 'object' && source !== null && typeof (source as unknown as ReadableStream).getReader === 'function')
      return SourceBridge.#fromIterable(fromWebStream(source as unknown as ReadableStream<Uint8Array>), limits);
    throw invalidArgument(
      'input',
      'a path or URL, a Uint8Array, a Readable, a ReadableStream, an async iterable of Uint8Arrays, a FileHandle or { read, seek? } callbacks',
      source,
    );
  }

  private constructor(
    options: ConstructorParameters<typeof NativeIoBridge>[0],
    seekable: boolean,
    wire?: (self: SourceBridge) => (kind: string, position: number, generation: number) => void,
  ) {
    this.seekable = seekable;
    let handler: ((kind: string, position: number, generation: number) => void) | undefined;
    this.native = new (addon().IoBridge)({
      ...options,
      onRequest: wire ? (kind, position, generation) => handler!(kind, position, generation) : undefined,
    });
    if (wire) handler = wire(this);
  }

  /** Records the source's error and fails the reads waiting on it. */
  fail(error: unknown): void {
    if (this.error === undefined) this.error = error ?? new Error('the input failed');
    this.native.fail(error instanceof Error ? error.message : String(error));
  }

  /** The demuxer is done with the source: stop reading it. */
  release(): void {
    this.native.release();
    this.#release();
  }

  static #fromReadable(stream: Readable, limits: SourceOptions): SourceBridge {
    return new SourceBridge({ kind: 'source', ...limits }, false, (self) => {
      let flowing = false;
      const onData = (chunk: unknown) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        // an object-mode stream's other values: the read fails with this, never a throw from 'data'
        if (!(bytes instanceof Uint8Array)) {
          stream.pause();
          self.fail(chunkError('chunk', 'a Buffer, a Uint8Array or a string', chunk));
          return;
        }
        if (!self.native.push(bytes, 0)) {
          stream.pause();
          flowing = false;
        }
      };
      const onEnd = () => self.native.end();
      const onError = (e: unknown) => self.fail(e);
      const onClose = () => {
        // Destroyed before its end: the reader must not wait for data that will never come.
        if (!stream.readableEnded) self.fail(self.error ?? new Error('the input stream was closed before its end'));
      };
      stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
      stream.pause();
      self.#release = () => {
        stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      };
      return (kind) => {
        if (kind === 'read' && !flowing) {
          flowing = true;
          stream.resume();
        }
      };
    });
  }

  static #fromIterable(iterable: AsyncIterable<Uint8Array>, limits: SourceOptions): SourceBridge {
    return new SourceBridge({ kind: 'source', ...limits }, false, (self) => {
      const it = iterable[Symbol.asyncIterator]();
      let pumping = false;
      let done = false;
      self.#release = () => {
        done = true;
        void it.return?.().catch(() => {});
      };
      const pump = async () => {
        pumping = true;
        try {
          while (!done) {
            const next = await it.next();
            if (next.done) {
              done = true;
              self.native.end();
              return;
            }
            if (!(next.value instanceof Uint8Array)) throw chunkError('chunk', 'a Uint8Array', next.value);
            if (!self.native.push(next.value, 0)) return; // wait to be asked again
          }
        } catch (e) {
          done = true;
          self.fail(e);
        } finally {
          pumping = false;
        }
      };
      return (kind) => {
        if (kind === 'read' && !pumping && !done) void pump();
      };
    });
  }

  static #fromCallbacks(cb: CallbackSource, limits: SourceOptions): SourceBridge {
    const seekable = typeof cb.seek === 'function';
    const size = cb.size;
    if (size !== undefined && !(is.integer(size) && size >= 0)) throw invalidArgument('size', 'an integer >= 0', size);
    return new SourceBridge({ kind: 'source', seekable, size, ...limits }, seekable, (self) => async (kind, position, generation) => {
      try {
        if (kind === 'seek') {
          await cb.seek!(position);
          self.native.seekDone(generation, position);
          return;
        }
        const chunk = await cb.read(CHUNK);
        if (chunk !== null && chunk !== undefined && !(chunk instanceof Uint8Array))
          throw chunkError('read() result', 'a Uint8Array, null or undefined', chunk);
        if (!chunk || chunk.byteLength === 0) self.native.end(generation);
        else self.native.push(chunk, generation);
      } catch (e) {
        if (kind === 'seek') self.native.seekDone(generation, -5); // EIO
        self.fail(e);
      }
    });
  }

  static #fromFileHandle(fh: FileHandle, size: number, limits: SourceOptions): SourceBridge {
    let position = 0;
    return SourceBridge.#fromCallbacks(
      {
        async read(n) {
          const buf = Buffer.allocUnsafe(n);
          const { bytesRead } = await fh.read(buf, 0, n, position);
          position += bytesRead;
          return buf.subarray(0, bytesRead);
        },
        seek(p) {
          position = p;
        },
        size,
      },
      limits,
    );
  }
}

/** The TypeErrors of chunks that are not bytes, which explainInputError reports as they are. */
const chunkErrors = new WeakSet<object>();
function chunkError(name: string, expected: string, value: unknown): TypeError {
  const e = invalidArgument(name, expected, value);
  chunkErrors.add(e);
  return e;
}

/** A Web ReadableStream as an async iterable (Node's implements it; others may not). */
export function fromWebStream(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in stream) return stream as unknown as AsyncIterable<Uint8Array>;
  return {
    async *[Symbol.asyncIterator]() {
      const reader = (stream as ReadableStream<Uint8Array>).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

/**
 * An error from a custom input carries the source's own error as `cause`, and says when the
 * trouble is that the input cannot seek.
 */
export function explainInputError(e: unknown, bridge: SourceBridge | undefined, at?: (...args: never[]) => unknown): unknown {
  if (!bridge || !(e instanceof AvError)) return e;
  // a chunk of the wrong type is the caller's mistake: its TypeError is the error itself
  if (chunkErrors.has(bridge.error as object)) return at ? withCallerStack(bridge.error, at) : bridge.error;
  if (bridge.error !== undefined && e.cause === undefined) Object.defineProperty(e, 'cause', { value: bridge.error, configurable: true, writable: true });
  if (!bridge.seekable && (e.code === 'INVALIDDATA' || e.code === 'ESPIPE') && !e.message.includes('not seekable'))
    e.message +=
      ' (the input is not seekable: a format that needs seeking, such as MP4 with its index at the end, needs a Buffer, a FileHandle or callbacks with seek)';
  if (at) withCallerStack(e, at);
  return e;
}

/** Protocols a network input may open for its parts (segments, keys): never local files. */
const NETWORK_PROTOCOLS = 'http,https,tls,tcp,udp,rtp,srtp,rtsp,rtmp,rtmps,rtmpt,rtmpe,rtmpte,srt,crypto,data,hls,httpproxy';

/**
 * Safe defaults for what a trusted input may open besides itself (see SECURITY.md). An input
 * from the network may not reach local files (a playlist naming file:///etc/passwd); an input
 * from memory or a stream may open nothing else at all. Options given by the caller win. An
 * untrusted input gets its allow-lists natively (native/steps/input_guard.h): none here.
 */
export function defaultInputOptions(input: InputSource, trusted = true): Record<string, string | number> {
  if (!trusted) return {};
  if (typeof input !== 'string') return { protocol_whitelist: 'none' };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'file') return { protocol_whitelist: NETWORK_PROTOCOLS };
  return {};
}
