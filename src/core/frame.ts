// AVFrame: https://ffmpeg.org/doxygen/trunk/structAVFrame.html
import { check, invalidArgument, is } from '../errors.js';
import { native, type NativeFrameInfo } from '../native.js';
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
    if (!is.integer(layout.sampleRate) || (layout.sampleRate as number) <= 0)
      throw invalidArgument('sampleRate', 'an integer > 0', layout.sampleRate);
    if (!is.nonEmptyString(layout.sampleFormat)) throw invalidArgument('sampleFormat', 'a sample format name', layout.sampleFormat);
    if (!is.integer(layout.nbSamples) || (layout.nbSamples as number) <= 0)
      throw invalidArgument('nbSamples', 'an integer > 0', layout.nbSamples);
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

/**
 * One decoded picture or block of audio samples. `planes` are zero-copy views that hold
 * their own reference to the frame's buffers: they stay valid after the frame is closed.
 * Write into them only after `makeWritable()` (a decoder may still reference the buffers).
 */
export class Frame extends native.Frame implements Disposable {
  #info: NativeFrameInfo | undefined;
  #planes: Uint8Array[] | undefined;

  /** A frame with fresh, writable buffers of the given layout. */
  static alloc(layout: FrameLayout): Frame {
    const f = new Frame();
    f.allocate(checkLayout(layout) as unknown as Record<string, unknown>);
    return f;
  }

  /** A frame holding a copy of `data`: packed planes with no row padding (the layout of `toBuffer()`). */
  static from(data: Uint8Array, layout: FrameLayout & FrameFields): Frame {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    const f = Frame.alloc(layout);
    f.copyFrom(data);
    const { pts, duration, timeBase, keyFrame, pictType, sampleAspectRatio } = layout;
    f.set({ pts, duration, timeBase, keyFrame, pictType, sampleAspectRatio });
    return f;
  }

  constructor(external?: unknown) {
    super(external);
  }

  get #fields(): NativeFrameInfo {
    return (this.#info ??= this.info());
  }
  #changed(): void {
    this.#info = undefined;
    this.#planes = undefined;
  }

  get kind(): 'video' | 'audio' | 'empty' {
    return this.#fields.kind;
  }
  override get pts(): number | null {
    return super.pts;
  }
  override set pts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('pts', 'an integer or null', v);
    super.pts = v;
    if (this.#info) this.#info.pts = v;
  }
  get duration(): number {
    return this.#fields.duration;
  }
  get timeBase(): Rational {
    return this.#fields.timeBase;
  }
  get keyFrame(): boolean {
    return this.#fields.keyFrame;
  }
  get pictType(): string | undefined {
    return this.#fields.pictType;
  }
  get bestEffortTimestamp(): number | null {
    return this.#fields.bestEffortTimestamp;
  }
  get width(): number {
    return this.#fields.width ?? 0;
  }
  get height(): number {
    return this.#fields.height ?? 0;
  }
  get pixelFormat(): string | undefined {
    return this.#fields.pixelFormat;
  }
  get sampleAspectRatio(): Rational | undefined {
    return this.#fields.sampleAspectRatio;
  }
  get colorRange(): string | undefined {
    return this.#fields.colorRange;
  }
  get colorSpace(): string | undefined {
    return this.#fields.colorSpace;
  }
  get sampleRate(): number {
    return this.#fields.sampleRate ?? 0;
  }
  get sampleFormat(): string | undefined {
    return this.#fields.sampleFormat;
  }
  get nbSamples(): number {
    return this.#fields.nbSamples ?? 0;
  }
  get channels(): number {
    return this.#fields.channels ?? 0;
  }
  get channelLayout(): string | undefined {
    return this.#fields.channelLayout;
  }

  /** Zero-copy views, one per plane (video: linesize x rows; audio: one per channel when planar). */
  get planes(): Uint8Array[] {
    return (this.#planes ??= super.planeViews());
  }
  /** Bytes per row of each video plane (audio: the size of a plane). */
  get linesize(): number[] {
    return super.linesizes();
  }

  /** Sets several fields at once. */
  set(fields: FrameFields): this {
    const f = checkFields(fields);
    const defined = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
    if (Object.keys(defined).length > 0) super.update(defined);
    this.#info = undefined;
    return this;
  }

  override copyFrom(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    super.copyFrom(data);
    this.#changed();
    return this;
  }

  /** Gives the frame buffers of its own if they are shared, so writing to `planes` is safe. */
  override makeWritable(): this {
    super.makeWritable();
    this.#changed();
    return this;
  }

  /** A new frame referencing the same buffers (no copy). */
  override clone(): Frame {
    return super.clone() as Frame;
  }

  override close(): void {
    super.close();
    this.#changed();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

native.setWrapperClass('Frame', Frame);
