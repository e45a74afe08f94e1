// AVFrame: https://ffmpeg.org/doxygen/trunk/structAVFrame.html
import { check, invalidArgument, is, settle } from '../errors.js';
import { addon, handle, type NativeFrame, type NativeFrameInfo, type NativeFrameList } from '../native.js';
import type { Rational } from './types.js';

export interface VideoFrameLayout {
  width: number;
  height: number;
  /** FFmpeg's name: 'yuv420p', 'yuv420p10le', 'rgb24', 'nv12'... */
  pixelFormat: string;
  /** Row alignment in bytes; 0 picks what the CPU's SIMD wants. */
  align?: number;
}

export interface AudioFrameLayout {
  sampleRate: number;
  /** FFmpeg's name: 'fltp', 's16', 's16p', 'flt'... */
  sampleFormat: string;
  nbSamples: number;
  /** 'stereo', 'mono', '5.1'...; or give `channels` for the default layout of that count. */
  channelLayout?: string;
  channels?: number;
}

export type FrameLayout = VideoFrameLayout | AudioFrameLayout;

export interface FrameFields {
  pts?: number | null;
  duration?: number;
  timeBase?: Rational;
  keyFrame?: boolean;
  pictType?: 'I' | 'P' | 'B' | '?';
  sampleAspectRatio?: Rational;
}

function checkLayout(layout: unknown): FrameLayout {
  if (!is.object(layout)) throw invalidArgument('layout', 'an object', layout);
  if ('pixelFormat' in layout) {
    if (!is.integer(layout.width) || (layout.width as number) <= 0) throw invalidArgument('width', 'an integer > 0', layout.width);
    if (!is.integer(layout.height) || (layout.height as number) <= 0) throw invalidArgument('height', 'an integer > 0', layout.height);
    if (!is.nonEmptyString(layout.pixelFormat)) throw invalidArgument('pixelFormat', 'a pixel format name', layout.pixelFormat);
    check(layout.align, 'align', 'an integer', is.integer);
  } else {
    if (!is.integer(layout.sampleRate) || (layout.sampleRate as number) <= 0) throw invalidArgument('sampleRate', 'an integer > 0', layout.sampleRate);
    if (!is.nonEmptyString(layout.sampleFormat)) throw invalidArgument('sampleFormat', 'a sample format name', layout.sampleFormat);
    if (!is.integer(layout.nbSamples) || (layout.nbSamples as number) <= 0) throw invalidArgument('nbSamples', 'an integer > 0', layout.nbSamples);
    check(layout.channelLayout, 'channelLayout', 'a channel layout name', is.nonEmptyString);
    check(layout.channels, 'channels', 'an integer', is.integer);
  }
  return layout as unknown as FrameLayout;
}

function checkFields(fields: unknown): FrameFields {
  if (!is.object(fields)) throw invalidArgument('fields', 'an object', fields);
  if (fields.pts !== undefined && fields.pts !== null && !is.integer(fields.pts)) throw invalidArgument('pts', 'an integer or null', fields.pts);
  check(fields.duration, 'duration', 'an integer', is.integer);
  check(fields.timeBase, 'timeBase', 'a rational { num, den }', is.rational);
  check(fields.keyFrame, 'keyFrame', 'a boolean', is.boolean);
  check(fields.pictType, 'pictType', "'I', 'P', 'B' or '?'", (v) => v === 'I' || v === 'P' || v === 'B' || v === '?');
  check(fields.sampleAspectRatio, 'sampleAspectRatio', 'a rational { num, den }', is.rational);
  return fields as FrameFields;
}

const info = Symbol('info');
const views = Symbol('views');
// A frame's AVFrame, or (while it is still in its decode batch) its batch and index there.
const own = Symbol('own');
const batchOf = Symbol('batch');
const indexOf = Symbol('index');

// Scalar fields come from the native side in one call and are cached until the frame changes.
// (Plain functions, not #private members: frames made by Frame.wrap skip the constructor.)
function fieldsOf(f: Frame): NativeFrameInfo {
  return (f[info] ??= f[handle].info());
}
function changed(f: Frame): void {
  f[info] = undefined;
  f[views] = undefined;
}

/**
 * One decoded picture or block of audio samples. `planes` are zero-copy views that hold
 * their own reference to the frame's buffers: they stay valid after the frame is closed.
 * Write into them only after `makeWritable()` (a decoder may still reference the buffers).
 */
export class Frame implements Disposable {
  [own]: NativeFrame | null;
  [batchOf]: FrameBatch | null;
  [indexOf]: number;
  [info]: NativeFrameInfo | undefined;
  [views]: Uint8Array[] | undefined;

  /** A frame with fresh, writable buffers of the given layout. */
  static alloc(layout: FrameLayout): Frame {
    const f = new Frame();
    f[handle].allocate(checkLayout(layout) as unknown as Record<string, unknown>);
    return f;
  }

  /** A frame holding a copy of `data`: packed planes with no row padding (the layout of `toBuffer()`). */
  static from(data: Uint8Array, layout: FrameLayout & FrameFields): Frame {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    const f = Frame.alloc(layout);
    f.copyFrom(data);
    const { pts, duration, timeBase, keyFrame, pictType, sampleAspectRatio } = layout;
    return f.set({ pts, duration, timeBase, keyFrame, pictType, sampleAspectRatio });
  }

  /** @internal Wraps a native frame (from a decoder, a clone). */
  static wrap(native: NativeFrame): Frame {
    return made(native, null, 0);
  }

  /** An empty frame (see Frame.alloc for one with buffers). */
  constructor() {
    this[own] = new (addon().Frame)();
    this[batchOf] = null;
    this[indexOf] = 0;
    this[info] = undefined;
    this[views] = undefined;
  }

  /** @internal The AVFrame (a frame still in its decode batch gets its own first). */
  get [handle](): NativeFrame {
    const n = this[own];
    if (n !== null) return n;
    const b = this[batchOf];
    if (b !== null) {
      this[own] = b.native.take(this[indexOf]);
      this[batchOf] = null;
      return this[own];
    }
    // Closed while in its batch: a closed native frame answers as a closed Frame does.
    const closed = new (addon().Frame)();
    closed.close();
    this[own] = closed;
    return closed;
  }

  get kind(): 'video' | 'audio' | 'empty' {
    return fieldsOf(this).kind;
  }
  /** Presentation timestamp in `timeBase` units; null when unknown. */
  get pts(): number | null {
    return this[handle].pts;
  }
  set pts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('pts', 'an integer or null', v);
    this[handle].pts = v;
    if (this[info]) this[info].pts = v;
  }
  get duration(): number {
    return fieldsOf(this).duration;
  }
  get timeBase(): Rational {
    return fieldsOf(this).timeBase;
  }
  get keyFrame(): boolean {
    return fieldsOf(this).keyFrame;
  }
  /** 'I', 'P', 'B'... ('?' when unknown); video only. */
  get pictType(): string | undefined {
    return fieldsOf(this).pictType;
  }
  get bestEffortTimestamp(): number | null {
    return fieldsOf(this).bestEffortTimestamp;
  }
  /** The dts of the packet that started this frame, in `timeBase` units; null when unknown. */
  get pktDts(): number | null {
    return fieldsOf(this).pktDts;
  }
  get width(): number {
    return fieldsOf(this).width ?? 0;
  }
  get height(): number {
    return fieldsOf(this).height ?? 0;
  }
  get pixelFormat(): string | undefined {
    return fieldsOf(this).pixelFormat;
  }
  get sampleAspectRatio(): Rational | undefined {
    return fieldsOf(this).sampleAspectRatio;
  }
  get interlaced(): boolean {
    return fieldsOf(this).interlaced ?? false;
  }
  get colorRange(): string | undefined {
    return fieldsOf(this).colorRange;
  }
  get colorSpace(): string | undefined {
    return fieldsOf(this).colorSpace;
  }
  get colorPrimaries(): string | undefined {
    return fieldsOf(this).colorPrimaries;
  }
  get colorTransfer(): string | undefined {
    return fieldsOf(this).colorTransfer;
  }
  get sampleRate(): number {
    return fieldsOf(this).sampleRate ?? 0;
  }
  get sampleFormat(): string | undefined {
    return fieldsOf(this).sampleFormat;
  }
  get nbSamples(): number {
    return fieldsOf(this).nbSamples ?? 0;
  }
  get channels(): number {
    return fieldsOf(this).channels ?? 0;
  }
  get channelLayout(): string | undefined {
    return fieldsOf(this).channelLayout;
  }
  get closed(): boolean {
    const n = this[own];
    return n === null ? this[batchOf] === null : n.closed;
  }

  /** Zero-copy views, one per plane (video: linesize x rows; audio: one per channel when planar). */
  get planes(): Uint8Array[] {
    return (this[views] ??= this[handle].planeViews());
  }
  /** Bytes per row of each video plane (audio: the size of a plane). */
  get linesize(): number[] {
    return this[handle].linesizes();
  }

  /**
   * What filters attached to the frame: `lavfi.scene_score` (select), `lavfi.r128.M` (ebur128
   * with metadata=1), `lavfi.silence_start`, `lavfi.cropdetect.w`... A fresh object per call.
   */
  get metadata(): Record<string, string> {
    return this[handle].metadata();
  }

  /** Sets several fields at once. */
  set(fields: FrameFields): this {
    const f = checkFields(fields);
    const defined = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
    if (Object.keys(defined).length > 0) this[handle].update(defined);
    this[info] = undefined;
    return this;
  }

  /** The payload packed with no row padding (video: what `ffmpeg -f framemd5` hashes; audio: planes end to end). */
  toBuffer(): Buffer {
    return this[handle].toBuffer();
  }

  /** Copies the packed payload (see toBuffer) into `dest`; returns the number of bytes written. */
  copyTo(dest: Uint8Array): number {
    if (!(dest instanceof Uint8Array)) throw invalidArgument('dest', 'a Uint8Array or Buffer', dest);
    const packed = this[handle].toBuffer();
    if (dest.byteLength < packed.byteLength) throw new RangeError(`copyTo needs ${packed.byteLength} bytes, the destination has ${dest.byteLength}`);
    dest.set(packed);
    return packed.byteLength;
  }

  /** Fills the frame's planes from packed bytes (the layout of toBuffer()). */
  copyFrom(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    this[handle].copyFrom(data);
    changed(this);
    return this;
  }

  /**
   * Gives the frame buffers of its own if anything else (an encoder still working, a clone)
   * shares them, so writing to `planes` is safe. Free when nothing else does: the frame's own
   * plane views do not count.
   */
  makeWritable(): this {
    // Views stay valid unless the buffers were replaced: keep them then, so a fill loop
    // (makeWritable, write planes, encode) allocates nothing per frame.
    if (this[handle].makeWritable()) changed(this);
    return this;
  }

  /** In device memory (from a hardware decoder or filter): no planes until download(). */
  get hardware(): boolean {
    return fieldsOf(this).hardware === true;
  }

  /** A software copy of a hardware frame (a new reference for a frame in memory already), made off the JS thread. */
  async download(): Promise<Frame> {
    return Frame.wrap(await settle(this[handle].download()));
  }

  /** A new frame referencing the same buffers (no copy). */
  clone(): Frame {
    return Frame.wrap(this[handle].clone());
  }

  /** Releases the frame's buffers now (views already taken stay valid); idempotent. */
  close(): void {
    if (this[batchOf] !== null)
      this[batchOf] = null; // freed with its batch
    else this[own]?.close();
    changed(this);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

// A Frame made without the constructor (wrapped, or in a batch): the same fields, in the same order.
function made(native: NativeFrame | null, batch: FrameBatch | null, index: number): Frame {
  const f = Object.create(Frame.prototype) as Frame;
  f[own] = native;
  f[batchOf] = batch;
  f[indexOf] = index;
  f[info] = undefined;
  f[views] = undefined;
  return f;
}

/**
 * @internal The frames of one decode call, for frames(): a Frame is made for each as it is
 * handed out, and gets its AVFrame from the batch only when something needs it (a consumer
 * that closes each frame without looking makes no native object per frame).
 */
export class FrameBatch {
  readonly native: NativeFrameList;
  readonly count: number;
  #next = 0;
  #out: Frame[] = [];

  constructor(native: NativeFrameList) {
    this.native = native;
    this.count = native.count;
  }

  /** The next frame, or undefined when all were handed out. */
  take(): Frame | undefined {
    if (this.#next >= this.count) return undefined;
    const f = made(null, this, this.#next++);
    this.#out.push(f);
    return f;
  }

  /** Done with the batch: frames handed out and still open get their own AVFrame; the rest are freed. */
  release(): void {
    for (const f of this.#out) if (f[batchOf] === this) void f[handle];
    this.#out = [];
    this.native.close();
  }
}

/** @internal The native handles of frames, checked. */
export function frameHandles(frames: Frame | readonly Frame[], name = 'frames'): NativeFrame[] {
  if (frames instanceof Frame) return [frames[handle]];
  if (!Array.isArray(frames)) throw invalidArgument(name, 'a Frame or an array of Frames', frames);
  return frames.map((f: unknown) => {
    if (!(f instanceof Frame)) throw invalidArgument(`${name}[]`, 'a Frame', f);
    return f[handle];
  });
}
