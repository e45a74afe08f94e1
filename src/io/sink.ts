// Outputs other than a path or URL: Node and Web writable streams, sockets, callbacks, and
// memory, all written by FFmpeg through one custom AVIOContext. A stream output is written in
// order and cannot seek: formats that must rewrite their header (plain MP4) need a seekable
// output, a memory one, or fragmenting (movflags: 'frag_keyframe+empty_moov').
import { Writable } from 'node:stream';

import { invalidArgument, is } from '../errors.js';
import { addon, type NativeIoBridge } from '../native.js';

/** Called with each chunk of output, in order; a returned promise holds the muxer back until it settles. */
export type ChunkCallback = (chunk: Buffer) => Promise<void> | void;

/** Everything a Muxer can write to, besides a path or URL. */
export type OutputTarget = Writable | WritableStream<Uint8Array> | ChunkCallback;

export interface SinkOptions {
  /** Bytes handed to the target and not yet written before the muxer waits (backpressure). Default 1 MiB. */
  highWater?: number;
  /** End the stream after the trailer (default true). */
  end?: boolean;
}

function isWritableLike(v: unknown): v is Writable {
  const w = v as Writable;
  return typeof v === 'object' && v !== null && typeof w.write === 'function' && typeof w.end === 'function' && typeof w.on === 'function';
}

/** The JS side of a custom output. */
export class SinkBridge {
  readonly native: NativeIoBridge;
  readonly memory: boolean;
  error: unknown;
  #pending = 0;
  #idle: (() => void)[] = [];
  #finish: () => Promise<void> = async () => {};

  static memory(): SinkBridge {
    return new SinkBridge({ kind: 'memory-sink' }, true);
  }

  static create(target: OutputTarget, options: SinkOptions = {}): SinkBridge {
    const highWater = options.highWater;
    if (highWater !== undefined && !(is.integer(highWater) && highWater > 0)) throw invalidArgument('highWater', 'an integer > 0', highWater);
    const end = options.end ?? true;
    // Writable, or anything shaped like one (http.ServerResponse is not a Writable subclass).
    if (target instanceof Writable || isWritableLike(target)) {
      return new SinkBridge({ kind: 'sink', highWater }, false, (self) => {
        target.on('error', (e: unknown) => self.fail(e));
        self.#finish = async () => {
          if (!end) return;
          await new Promise<void>((resolve, reject) => {
            target.end((e?: Error | null) => (e ? reject(e) : resolve()));
          });
        };
        return (chunk) => new Promise<void>((resolve, reject) => target.write(chunk, (e) => (e ? reject(e) : resolve())));
      });
    }
    if (typeof target === 'function') return new SinkBridge({ kind: 'sink', highWater }, false, () => async (chunk) => target(chunk));
    if (typeof target === 'object' && target !== null && typeof (target as WritableStream).getWriter === 'function') {
      const writer = (target as WritableStream<Uint8Array>).getWriter();
      return new SinkBridge({ kind: 'sink', highWater }, false, (self) => {
        self.#finish = async () => {
          if (end) await writer.close();
          else writer.releaseLock();
        };
        return (chunk) => writer.write(chunk);
      });
    }
    throw invalidArgument('output', 'a path or URL, a Writable, a WritableStream or a chunk callback', target);
  }

  private constructor(
    options: ConstructorParameters<typeof NativeIoBridge>[0],
    memory: boolean,
    wire?: (self: SinkBridge) => (chunk: Buffer) => Promise<void>,
  ) {
    this.memory = memory;
    let write: ((chunk: Buffer) => Promise<void>) | undefined;
    this.native = new (addon().IoBridge)({
      ...options,
      onRequest: wire ? (_kind, _position, _generation, data) => this.#write(write!, data!) : undefined,
    });
    if (wire) write = wire(this);
  }

  #write(write: (chunk: Buffer) => Promise<void>, chunk: Buffer): void {
    this.#pending++;
    let done: Promise<void>;
    try {
      done = Promise.resolve(write(chunk));
    } catch (e) {
      done = Promise.reject(e);
    }
    done
      .then(
        () => this.native.drained(chunk.byteLength),
        (e: unknown) => this.fail(e),
      )
      .finally(() => {
        if (--this.#pending === 0) for (const wake of this.#idle.splice(0)) wake();
      });
  }

  fail(error: unknown): void {
    if (this.error === undefined) this.error = error ?? new Error('the output failed');
    this.native.fail(error instanceof Error ? error.message : String(error));
  }

  /** After the trailer: waits for every chunk to be written, then ends the stream. */
  async finish(): Promise<void> {
    while (this.#pending > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.error !== undefined) throw this.error;
    await this.#finish();
  }

  release(): void {
    this.native.release();
  }
}
