// What VideoDecoder, AudioDecoder, VideoEncoder and AudioEncoder share: the specification's
// control message queue, codec work queue, state machine, queue size with 'dequeue' events,
// pending flush promises, and the Reset and Close algorithms
// (https://www.w3.org/TR/webcodecs/#codec-processing-model-section).
//
// The codec work queue is the native side: avforge objects run their work in order on their
// own threads. Work is sent as soon as the codec is not saturated (a few native calls in
// flight), so the native side always has the next batch queued while JS handles the outputs
// of the last; control messages that wait meanwhile are sent together, one crossing per batch.
// Outputs are delivered in the order their work was sent. reset() and close() move to a new
// epoch: outputs of work sent before are dropped (and their frames closed), never delivered.
import { Decoder, type DecoderOptions, type CodecParameters, type Frame, type Packet } from '../index.js';
import { domError, fromAvError } from './errors.js';

export type CodecState = 'unconfigured' | 'configured' | 'closed';

/** One configured codec: what a subclass builds at configure time. */
export interface Codec<I, O> {
  /** Sends inputs (native work is queued now) and resolves with the outputs they complete, in order. */
  process(inputs: I[]): Promise<O[]>;
  /** Emits everything still buffered; the codec stays usable after. */
  flush(): Promise<O[]>;
  /** Frees the codec; work in flight ends or fails, and its outputs are dropped. */
  close(): void;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Message<C, I> = { type: 'configure'; config: C } | { type: 'work'; input: I } | { type: 'flush'; pending: Deferred };

/**
 * Native calls issued in the order they were asked for, whatever each first waits on (an
 * encoder's frame waits on its scaler, a flush on nothing): each `issue` runs once `ready`
 * resolved and every earlier `issue` ran. `issue` returns the call's promise inside an object,
 * so that the order waits for the call to be issued, not to complete.
 */
export class IssueOrder {
  #tail: Promise<unknown> = Promise.resolve();
  after<R, T extends object>(ready: Promise<R>, issue: (value: R) => T): Promise<T> {
    const step = Promise.all([ready, this.#tail]).then(([value]) => issue(value));
    this.#tail = step.catch(() => {});
    return step;
  }
}

/** What a decoder subclass supplies: how to open libav's decoder for the first packet, and its frames as outputs. */
export interface DecoderSetup<O> {
  /** The parameters to open with (null: the codec name alone), given the first packet. */
  parameters(first: Packet): Promise<CodecParameters | null>;
  options: DecoderOptions;
  /** Decoded frames to outputs (wrapping them, converting formats WebCodecs has no name for). */
  outputs(frames: Frame[]): Promise<O[]>;
  /** For the NotSupportedError when opening fails. */
  what: string;
  close?(): void;
}

/**
 * The codec of VideoDecoder and AudioDecoder: avforge's Decoder, opened at the first packet
 * (the probe of its parameters decodes that packet once: see extradata.ts).
 */
export class DecoderCodec<O> implements Codec<Packet, O> {
  #decoder: Promise<Decoder> | undefined;
  #closed = false;

  constructor(private readonly setup: DecoderSetup<O>) {}

  async #open(first: Packet): Promise<Decoder> {
    try {
      const decoder = await Decoder.open(await this.setup.parameters(first), this.setup.options);
      if (this.#closed) void decoder.close();
      return decoder;
    } catch (e) {
      throw fromAvError('NotSupportedError', `${this.setup.what} with this configuration`, e);
    }
  }

  process(all: Packet[]): Promise<O[]> {
    // An empty packet would tell libav the input ended: an empty chunk decodes to nothing.
    const packets = all.filter((p) => p.size > 0);
    if (packets.length === 0) return Promise.resolve([]);
    this.#decoder ??= this.#open(packets[0]!);
    return this.#decoder.then((d) => d.decode(packets)).then((frames) => this.setup.outputs(frames));
  }

  flush(): Promise<O[]> {
    if (!this.#decoder) return Promise.resolve([]);
    return this.#decoder.then((d) => d.flush()).then((frames) => this.setup.outputs(frames));
  }

  close(): void {
    this.#closed = true;
    this.#decoder?.then(
      (d) => d.close(),
      () => {},
    );
    this.setup.close?.();
  }
}

/** An exception from a user callback: reported as uncaught (as a browser reports it), never lost, never breaking the codec. */
export function report(e: unknown): void {
  process.nextTick(() => {
    throw e;
  });
}

export abstract class CodecBase<C, I, O> extends EventTarget {
  #state: CodecState = 'unconfigured';
  #queue: Message<C, I>[] = [];
  #blocked = false;
  #queueSize = 0;
  #dequeueScheduled = false;
  #flushes = new Set<Deferred>();
  #epoch = 0;
  #codec: Codec<I, O> | undefined;
  #inflight = 0;
  #delivered: Promise<void> = Promise.resolve();
  readonly #onError: (e: DOMException) => void;
  #ondequeue: ((this: this, ev: Event) => unknown) | null = null;

  /** Control messages sent in one native call at most. */
  protected abstract readonly maxBatch: number;
  /** Native calls in flight at which the codec counts as saturated. */
  protected abstract readonly maxInflight: number;
  /** The class name, for messages. */
  protected abstract readonly name: string;

  /** Builds the codec for a configuration; rejects with a NotSupportedError when it cannot. */
  protected abstract open(config: C): Promise<Codec<I, O>>;
  /** Hands one output to the user's callback. */
  protected abstract emit(output: O): void;
  /** Frees an output that will not be delivered. */
  protected abstract drop(output: O): void;
  /** Frees an input that will not be sent. */
  protected abstract dropInput(input: I): void;

  protected constructor(init: unknown, kind: string) {
    super();
    if (init === null || typeof init !== 'object') throw new TypeError(`${kind}: the init dictionary is required`);
    const { output, error } = init as { output?: unknown; error?: unknown };
    if (typeof output !== 'function') throw new TypeError(`${kind}: init.output must be a function`);
    if (typeof error !== 'function') throw new TypeError(`${kind}: init.error must be a function`);
    this.#onError = error as (e: DOMException) => void;
  }

  get state(): CodecState {
    return this.#state;
  }

  /** decodeQueueSize / encodeQueueSize: control messages of work not yet sent to the codec. */
  protected get queueSize(): number {
    return this.#queueSize;
  }

  get ondequeue(): ((this: this, ev: Event) => unknown) | null {
    return this.#ondequeue;
  }
  set ondequeue(handler: ((this: this, ev: Event) => unknown) | null) {
    if (this.#ondequeue) this.removeEventListener('dequeue', this.#ondequeue as (ev: Event) => void);
    this.#ondequeue = typeof handler === 'function' ? handler : null;
    if (this.#ondequeue) this.addEventListener('dequeue', this.#ondequeue as (ev: Event) => void);
  }

  /** The configure() steps after the config was checked (TypeErrors are the subclass's). */
  protected queueConfigure(config: C): void {
    if (this.#state === 'closed') throw domError('InvalidStateError', `${this.name}.configure: the codec is closed`);
    this.#state = 'configured';
    this.#queue.push({ type: 'configure', config });
    this.#process();
  }

  /** The decode()/encode() steps after the argument checks: count it, queue it, process. */
  protected queueWork(input: I): void {
    this.#queueSize++;
    this.#queue.push({ type: 'work', input });
    this.#process();
  }

  protected requireConfigured(op: string): void {
    if (this.#state !== 'configured') throw domError('InvalidStateError', `${this.name}.${op}: the codec is ${this.#state}`);
  }

  /** Resolves once every output of the work sent before it has been delivered. */
  flush(): Promise<void> {
    if (this.#state !== 'configured') return Promise.reject(domError('InvalidStateError', `${this.name}.flush: the codec is ${this.#state}`));
    this.beforeFlush();
    const pending = deferred();
    this.#flushes.add(pending);
    this.#queue.push({ type: 'flush', pending });
    this.#process();
    return pending.promise;
  }

  /** Subclass hook at flush() (decoders require a key chunk next). */
  protected beforeFlush(): void {}

  reset(): void {
    this.#reset(domError('AbortError', `${this.name}.reset() was called`), 'reset');
  }

  close(): void {
    this.#close(domError('AbortError', `${this.name}.close() was called`), 'close');
  }

  /** The Reset algorithm. */
  #reset(exception: DOMException, op: string): void {
    if (this.#state === 'closed') throw domError('InvalidStateError', `${this.name}.${op}: the codec is closed`);
    this.#state = 'unconfigured';
    this.#epoch++;
    this.#codec?.close();
    this.#codec = undefined;
    this.#inflight = 0;
    this.#delivered = Promise.resolve();
    for (const m of this.#queue) if (m.type === 'work') this.dropInput(m.input);
    this.#queue = [];
    if (this.#queueSize > 0) {
      this.#queueSize = 0;
      this.#scheduleDequeue();
    }
    for (const p of this.#flushes) p.reject(exception);
    this.#flushes.clear();
  }

  /** The Close algorithm: reset, closed, and the error callback unless it is an AbortError. */
  #close(exception: DOMException, op: string): void {
    this.#reset(exception, op);
    this.#state = 'closed';
    if (exception.name !== 'AbortError') {
      try {
        this.#onError(exception);
      } catch (e) {
        report(e);
      }
    }
  }

  /** A failure of the codec work: Close with an EncodingError (or the DOMException it already is). */
  #fail(e: unknown): void {
    if (this.#state === 'closed') return;
    this.#close(e instanceof DOMException ? e : fromAvError('EncodingError', `${this.name} failed`, e), 'close');
  }

  #scheduleDequeue(): void {
    if (this.#dequeueScheduled) return;
    this.#dequeueScheduled = true;
    setImmediate(() => {
      this.#dequeueScheduled = false;
      this.dispatchEvent(new Event('dequeue'));
    });
  }

  /** The "process the control message queue" steps. */
  #process(): void {
    while (!this.#blocked && this.#queue.length > 0) {
      const front = this.#queue[0]!;
      if (front.type === 'configure') {
        this.#queue.shift();
        this.#configure(front.config);
      } else if (front.type === 'flush') {
        this.#queue.shift();
        this.#flush(front.pending);
      } else {
        if (this.#inflight >= this.maxInflight) return; // saturated: the message waits
        const batch: I[] = [];
        while (batch.length < this.maxBatch && this.#queue[0]?.type === 'work') batch.push((this.#queue.shift() as { input: I }).input);
        this.#queueSize -= batch.length;
        this.#scheduleDequeue();
        this.#send((codec) => codec.process(batch), batch);
      }
    }
  }

  /**
   * Opens the codec once the work sent before has been delivered, blocking the queue meanwhile.
   * A codec configured before is flushed first (its outputs delivered), then closed.
   */
  #configure(config: C): void {
    this.#blocked = true;
    const epoch = this.#epoch;
    const step = this.#delivered.then(async () => {
      const previous = this.#codec;
      this.#codec = undefined;
      try {
        if (previous && epoch === this.#epoch) this.#deliver(await previous.flush().catch(() => [] as O[]), epoch);
      } finally {
        previous?.close();
      }
      if (epoch !== this.#epoch) return;
      try {
        const codec = await this.open(config);
        if (epoch === this.#epoch) this.#codec = codec;
        else codec.close();
      } catch (e) {
        if (epoch === this.#epoch) this.#close(e instanceof DOMException ? e : fromAvError('NotSupportedError', `${this.name}.configure`, e), 'close');
      }
    });
    this.#delivered = step.catch(report).finally(() => {
      this.#blocked = false;
      this.#process();
    });
  }

  #flush(pending: Deferred): void {
    this.#send(
      (codec) => codec.flush(),
      [],
      () => {
        this.#flushes.delete(pending);
        pending.resolve();
      },
    );
  }

  /** Sends work to the codec now; delivers its outputs after those of earlier work. */
  #send(work: (codec: Codec<I, O>) => Promise<O[]>, inputs: I[], done?: () => void): void {
    const epoch = this.#epoch;
    const codec = this.#codec;
    let result: Promise<O[]>;
    if (!codec) {
      // configure() failed to open (the codec is closing) or nothing was configured.
      for (const i of inputs) this.dropInput(i);
      result = Promise.resolve([]);
    } else {
      this.#inflight++;
      try {
        result = work(codec);
      } catch (e) {
        result = Promise.reject(e);
      }
    }
    result.catch(() => {}); // handled in order below
    this.#delivered = this.#delivered
      .then(async () => {
        let outputs: O[];
        try {
          outputs = await result;
        } catch (e) {
          if (epoch === this.#epoch) this.#fail(e);
          return;
        } finally {
          if (codec && epoch === this.#epoch) this.#inflight--;
        }
        this.#deliver(outputs, epoch);
        if (epoch !== this.#epoch) return;
        done?.();
        this.#process();
      })
      .catch(report);
  }

  /** Outputs to the callback while the epoch holds (a callback may reset or close); the rest freed. */
  #deliver(outputs: O[], epoch: number): void {
    for (const o of outputs) {
      if (epoch !== this.#epoch) {
        this.drop(o);
        continue;
      }
      try {
        this.emit(o);
      } catch (e) {
        report(e);
      }
    }
  }
}
