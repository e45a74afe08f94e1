// What Demuxer, Muxer, Decoder and Encoder share: one native context each, closed once.
import { invalidArgument, settle } from '../errors.js';

interface NativeContext {
  readonly closed: boolean;
  close(): Promise<void>;
}

/** An object over one FFmpeg context: idempotent close(), `using` and `await using`. */
export abstract class Resource<N extends NativeContext> implements AsyncDisposable, Disposable {
  /** @internal */
  protected readonly native: N;

  protected constructor(native: N) {
    this.native = native;
  }

  get closed(): boolean {
    return this.native.closed;
  }

  /** Frees the context; idempotent. Work queued and not yet started ends with ERR_CLOSED. */
  async close(): Promise<void> {
    await this.native.close();
  }
  [Symbol.dispose](): void {
    void this.close();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Anything `for await` can walk. */
export type Source<T> = AsyncIterable<T> | Iterable<T>;

export function checkSource(source: unknown, name: string, what: string): void {
  if (source === null || typeof source !== 'object' || (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source)))
    throw invalidArgument(name, `an iterable of ${what}`, source);
}

/**
 * Feeds `source` to `send` in batches, keeping up to `depth` calls queued on the native side
 * while the consumer works, and yields what they return in order; the last call flushes.
 * Inputs are closed once sent (the native side holds its own references); results decoded
 * ahead that nobody reads are closed (those that hold native memory: plain data has no close()).
 */
export async function* ahead<I extends { close(): void }, O extends object>(
  source: Source<I>,
  options: { batch: number; depth: number; accept: (item: I) => boolean },
  send: (items: I[], flush: boolean) => Promise<O[]>,
): AsyncGenerator<O, void, undefined> {
  const inflight: Promise<O[]>[] = [];
  let batch: I[] = [];
  const submit = (flush: boolean): void => {
    const p = send(batch, flush);
    p.catch(() => {}); // awaited below, in order; never left unhandled
    inflight.push(p);
    for (const item of batch) item.close();
    batch = [];
  };
  try {
    for await (const item of source as AsyncIterable<I>) {
      if (!options.accept(item)) {
        item.close();
        continue;
      }
      batch.push(item);
      if (batch.length >= options.batch) submit(false);
      while (inflight.length >= options.depth) yield* await settle(inflight.shift()!);
    }
    submit(true);
    while (inflight.length > 0) yield* await settle(inflight.shift()!);
  } finally {
    for (const item of batch) item.close();
    for (const p of inflight)
      p.then(
        (out) => out.forEach((o) => (o as Partial<{ close(): void }>).close?.()),
        () => {},
      );
  }
}
