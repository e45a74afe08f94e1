// VideoFrame (https://www.w3.org/TR/webcodecs/#videoframe-interface), backed by an avforge
// Frame: a decoded picture is wrapped without a copy, clone() shares the buffers, close()
// detaches. copyTo() reads the frame's zero-copy plane views row by row.
// The pieces it is built of live beside it: pixel_format (the formats), plane_layout (the
// layout and copy arithmetic), dom_rect and video_color_space.
import { Frame, Scaler } from '../index.js';
import { DOMRectReadOnly, type DOMRectInit } from './dom_rect.js';
import {
  bytes,
  checkTransfer,
  detach,
  dictionary,
  domError,
  double,
  enumValue,
  longLong,
  pair,
  required,
  unsignedLong,
  unsignedLongLong,
  type AllowSharedBufferSource,
} from './errors.js';
import { FORMAT_NAMES, FORMATS, formatOfPixelFormat, type VideoPixelFormat } from './pixel_format.js';
import { computeLayout, copyPlanes, parseRect, type CombinedLayout, type PlaneLayout, type Rect } from './plane_layout.js';
import { colorSpaceOfFrame, REC709, SRGB, VideoColorSpace, type VideoColorSpaceInit } from './video_color_space.js';

// What the rest of avforge/webcodecs imports from here.
export { DOMRectReadOnly, type DOMRectInit } from './dom_rect.js';
export { FORMATS, formatOfPixelFormat, type VideoPixelFormat } from './pixel_format.js';
export type { PlaneLayout } from './plane_layout.js';
export { VideoColorSpace, type VideoColorSpaceInit } from './video_color_space.js';

export interface VideoFrameCopyToOptions {
  rect?: DOMRectInit;
  layout?: PlaneLayout[];
  format?: VideoPixelFormat;
  colorSpace?: 'srgb' | 'display-p3';
}

export interface VideoFrameInit {
  duration?: number;
  timestamp?: number;
  alpha?: 'keep' | 'discard';
  visibleRect?: DOMRectInit;
  rotation?: number;
  flip?: boolean;
  displayWidth?: number;
  displayHeight?: number;
  metadata?: Record<string, unknown>;
}

export interface VideoFrameBufferInit {
  format: VideoPixelFormat;
  codedWidth: number;
  codedHeight: number;
  timestamp: number;
  duration?: number;
  layout?: PlaneLayout[];
  visibleRect?: DOMRectInit;
  rotation?: number;
  flip?: boolean;
  displayWidth?: number;
  displayHeight?: number;
  colorSpace?: VideoColorSpaceInit;
  transfer?: ArrayBuffer[];
  metadata?: Record<string, unknown>;
}

/** What a VideoFrame is: its resource (an avforge Frame) and the fields the frame itself holds. */
interface State {
  frame: Frame;
  format: VideoPixelFormat;
  codedWidth: number;
  codedHeight: number;
  visible: Rect;
  displayWidth: number;
  displayHeight: number;
  timestamp: number;
  duration: number | null;
  colorSpace: VideoColorSpaceInit;
  rotation: number;
  flip: boolean;
  metadata: Record<string, unknown>;
}

const internal = Symbol('internal');

function parseRotation(v: unknown, where: string): number {
  if (v === undefined) return 0;
  // "Parse Rotation": the nearest multiple of 90 (ties toward +infinity), in [0, 360).
  const aligned = Math.floor(double(v, `${where}.rotation`) / 90 + 0.5) * 90;
  return aligned - Math.floor(aligned / 360) * 360;
}

/** A display size as a frame turned by `rotation` shows it. */
const rotated = ([w, h]: [number, number], rotation: number): [number, number] => (rotation % 180 === 0 ? [w, h] : [h, w]);

let stateOf: (vf: VideoFrame) => State | null;

export class VideoFrame {
  #s: State | null;
  /** Kept after close(): the specification leaves timestamp and duration readable. */
  #timestamp: number;
  #duration: number | null;

  static {
    stateOf = (vf) => vf.#s;
  }

  constructor(image: VideoFrame, init?: VideoFrameInit);
  constructor(data: AllowSharedBufferSource, init: VideoFrameBufferInit);
  constructor(source: unknown, init?: unknown) {
    const own = (source as { [internal]?: State } | null)?.[internal];
    if (own) this.#s = own;
    else if (source instanceof VideoFrame) this.#s = fromVideoFrame(source, init);
    else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source) || (typeof SharedArrayBuffer !== 'undefined' && source instanceof SharedArrayBuffer))
      this.#s = fromBuffer(bytes(source, 'VideoFrame'), init);
    else throw new TypeError('VideoFrame: the source must be a VideoFrame or a buffer (Node has no other CanvasImageSource)');
    this.#timestamp = this.#s.timestamp;
    this.#duration = this.#s.duration;
  }

  get format(): VideoPixelFormat | null {
    return this.#s?.format ?? null;
  }
  get codedWidth(): number {
    return this.#s?.codedWidth ?? 0;
  }
  get codedHeight(): number {
    return this.#s?.codedHeight ?? 0;
  }
  get codedRect(): DOMRectReadOnly | null {
    return this.#s && new DOMRectReadOnly(0, 0, this.#s.codedWidth, this.#s.codedHeight);
  }
  get visibleRect(): DOMRectReadOnly | null {
    const s = this.#s;
    return s && new DOMRectReadOnly(s.visible.x, s.visible.y, s.visible.width, s.visible.height);
  }
  get displayWidth(): number {
    return this.#s?.displayWidth ?? 0;
  }
  get displayHeight(): number {
    return this.#s?.displayHeight ?? 0;
  }
  /** Microseconds. */
  get timestamp(): number {
    return this.#timestamp;
  }
  /** Microseconds, or null. */
  get duration(): number | null {
    return this.#duration;
  }
  get colorSpace(): VideoColorSpace {
    return new VideoColorSpace(this.#s?.colorSpace ?? {});
  }
  get rotation(): number {
    return this.#s?.rotation ?? 0;
  }
  get flip(): boolean {
    return this.#s?.flip ?? false;
  }

  metadata(): Record<string, unknown> {
    if (!this.#s) throw domError('InvalidStateError', 'VideoFrame.metadata: the frame is closed');
    return { ...this.#s.metadata };
  }

  allocationSize(options?: VideoFrameCopyToOptions): number {
    const s = this.#s;
    if (!s) throw domError('InvalidStateError', 'VideoFrame.allocationSize: the frame is closed');
    return this.#layout(s, dictionary(options, 'VideoFrame.allocationSize'), 'VideoFrame.allocationSize').layout.allocationSize;
  }

  #layout(s: State, o: Record<string, unknown>, where: string): { layout: CombinedLayout; format: VideoPixelFormat } {
    let format = s.format;
    if (o.format !== undefined && o.format !== s.format) {
      format = enumValue(o.format, FORMAT_NAMES, `${where}.format`);
      if (!FORMATS[format].rgb) throw domError('NotSupportedError', `${where}: conversion to ${format} is not supported (RGBA, RGBX, BGRA, BGRX are)`);
    }
    if (o.colorSpace !== undefined && o.colorSpace !== 'srgb') throw domError('NotSupportedError', `${where}: only the 'srgb' colour space is supported`);
    const rect = parseRect(s.visible, o.rect, s.codedWidth, s.codedHeight, s.format, where, true);
    return { layout: computeLayout(rect, format, o.layout, where), format };
  }

  /** Copies the pixels of the rect (default: the visible rect) into `destination`, laid out as asked. */
  async copyTo(destination: AllowSharedBufferSource, options?: VideoFrameCopyToOptions): Promise<PlaneLayout[]> {
    const s = this.#s;
    if (!s) throw domError('InvalidStateError', 'VideoFrame.copyTo: the frame is closed');
    const { layout, format } = this.#layout(s, dictionary(options, 'VideoFrame.copyTo'), 'VideoFrame.copyTo');
    const dest = bytes(destination, 'VideoFrame.copyTo');
    if (dest.byteLength < layout.allocationSize)
      throw new TypeError(`VideoFrame.copyTo: the destination has ${dest.byteLength} bytes, ${layout.allocationSize} are needed`);
    if (format === s.format) {
      copyPlanes(s.frame, layout, dest);
    } else {
      await using scaler = new Scaler({ pixelFormat: FORMATS[format].pixelFormat });
      const [converted] = await scaler.scale(s.frame);
      try {
        copyPlanes(converted!, layout, dest);
      } finally {
        converted!.close();
      }
    }
    return layout.planes.map((p) => ({ offset: p.offset, stride: p.stride }));
  }

  clone(): VideoFrame {
    const s = this.#s;
    if (!s) throw domError('InvalidStateError', 'VideoFrame.clone: the frame is closed');
    return makeVideoFrame({ ...s, frame: s.frame.clone() });
  }

  close(): void {
    this.#s?.frame.close();
    this.#s = null;
  }

  get [Symbol.toStringTag](): string {
    return 'VideoFrame';
  }
}

function makeVideoFrame(state: State): VideoFrame {
  return new VideoFrame({ [internal]: state } as unknown as VideoFrame);
}

function fromVideoFrame(source: VideoFrame, init: unknown): State {
  const where = 'VideoFrame';
  const s = stateOf(source);
  if (!s) throw domError('InvalidStateError', `${where}: the source frame is closed`);
  const d = dictionary(init, where);
  let format = s.format;
  if (d.alpha !== undefined && enumValue(d.alpha, ['keep', 'discard'] as const, `${where}.alpha`) === 'discard') format = FORMATS[format].opaque ?? format;
  const visible = parseRect(s.visible, d.visibleRect, s.codedWidth, s.codedHeight, format, where);
  // "Add Rotations": a flipped base turns the other way.
  const delta = parseRotation(d.rotation, where);
  const rotation = (s.rotation + (s.flip ? (360 - delta) % 360 : delta)) % 360;
  let display = pair(d, 'displayWidth', 'displayHeight', where);
  if (!display) {
    // A new visible rect keeps the source's display aspect (measured unrotated), then turns with the frame.
    const [dw, dh] = s.rotation % 180 === 0 ? [s.displayWidth, s.displayHeight] : [s.displayHeight, s.displayWidth];
    display = rotated([Math.round((visible.width * dw) / s.visible.width), Math.round((visible.height * dh) / s.visible.height)], rotation);
  }
  return {
    ...s,
    frame: s.frame.clone(),
    format,
    visible,
    displayWidth: display[0],
    displayHeight: display[1],
    timestamp: d.timestamp === undefined ? s.timestamp : longLong(d.timestamp, `${where}.timestamp`),
    duration: d.duration === undefined ? s.duration : unsignedLongLong(d.duration, `${where}.duration`),
    rotation,
    flip: s.flip !== Boolean(d.flip ?? false),
    metadata: d.metadata === undefined ? { ...s.metadata } : { ...dictionary(d.metadata, `${where}.metadata`) },
  };
}

function fromBuffer(data: Uint8Array, init: unknown): State {
  const where = 'VideoFrame';
  if (init === undefined || init === null) throw new TypeError(`${where}: a VideoFrameBufferInit is required with a buffer`);
  const d = dictionary(init, where);
  const format = enumValue(required(d, 'format', where), FORMAT_NAMES, `${where}.format`);
  const codedWidth = unsignedLong(required(d, 'codedWidth', where), `${where}.codedWidth`);
  const codedHeight = unsignedLong(required(d, 'codedHeight', where), `${where}.codedHeight`);
  const timestamp = longLong(required(d, 'timestamp', where), `${where}.timestamp`);
  const duration = d.duration === undefined ? null : unsignedLongLong(d.duration, `${where}.duration`);
  if (codedWidth === 0 || codedHeight === 0) throw new TypeError(`${where}: codedWidth and codedHeight must not be 0`);
  const coded = { x: 0, y: 0, width: codedWidth, height: codedHeight };
  const visible = parseRect(coded, d.visibleRect, codedWidth, codedHeight, format, where);
  const rotation = parseRotation(d.rotation, where);
  const display = pair(d, 'displayWidth', 'displayHeight', where) ?? rotated([visible.width, visible.height], rotation);
  const transfer = checkTransfer(d.transfer, where);
  // The data holds the coded picture (as Chrome and WebKit read it: w3c/webcodecs#702).
  const layout = computeLayout(coded, format, d.layout, where);
  if (data.byteLength < layout.allocationSize)
    throw new TypeError(`${where}: the data has ${data.byteLength} bytes, ${format} ${codedWidth}x${codedHeight} needs ${layout.allocationSize}`);
  const pixelFormat = FORMATS[format].pixelFormat;
  const tight = layout.planes.every(
    (p, i) => p.stride === p.width && p.offset === (i === 0 ? 0 : layout.planes[i - 1]!.offset + layout.planes[i - 1]!.width * layout.planes[i - 1]!.rows),
  );
  let frame: Frame;
  if (tight) {
    frame = Frame.from(data.subarray(0, layout.allocationSize), { width: codedWidth, height: codedHeight, pixelFormat });
  } else {
    frame = Frame.alloc({ width: codedWidth, height: codedHeight, pixelFormat });
    const planes = frame.planes;
    const strides = frame.linesize;
    layout.planes.forEach((p, i) => {
      for (let r = 0; r < p.rows; r++) planes[i]!.set(data.subarray(p.offset + r * p.stride, p.offset + r * p.stride + p.width), r * strides[i]!);
    });
  }
  detach(transfer);
  return {
    frame,
    format,
    codedWidth,
    codedHeight,
    visible,
    displayWidth: display[0],
    displayHeight: display[1],
    timestamp,
    duration,
    colorSpace: d.colorSpace === undefined ? (FORMATS[format].rgb ? SRGB : REC709) : new VideoColorSpace(d.colorSpace as VideoColorSpaceInit).toJSON(),
    rotation,
    flip: Boolean(d.flip ?? false),
    metadata: d.metadata === undefined ? {} : { ...dictionary(d.metadata, `${where}.metadata`) },
  };
}

/** A VideoFrame over a decoded avforge Frame (taken, not copied); its format must map (formatOfPixelFormat). */
export function videoFrameOf(
  frame: Frame,
  fields: { timestamp: number; duration: number | null; displayAspect?: [number, number]; colorSpace?: VideoColorSpaceInit },
): VideoFrame {
  const format = formatOfPixelFormat(frame.pixelFormat);
  if (!format) throw new Error(`no WebCodecs format for ${frame.pixelFormat}`);
  const width = frame.width;
  const height = frame.height;
  let displayWidth = width;
  const displayHeight = height;
  const sar = frame.sampleAspectRatio;
  if (fields.displayAspect) {
    displayWidth = Math.round((height * fields.displayAspect[0]) / fields.displayAspect[1]);
  } else if (sar && sar.num > 0 && sar.den > 0 && sar.num !== sar.den) {
    displayWidth = Math.round((width * sar.num) / sar.den);
  }
  return makeVideoFrame({
    frame,
    format,
    codedWidth: width,
    codedHeight: height,
    visible: { x: 0, y: 0, width, height },
    displayWidth,
    displayHeight,
    timestamp: fields.timestamp,
    duration: fields.duration,
    colorSpace: fields.colorSpace ?? colorSpaceOfFrame(frame),
    rotation: 0,
    flip: false,
    metadata: {},
  });
}

/** The visible rect's pixels, planes tightly packed (Frame.from's layout): for an encoder given a cropped frame. */
export function packVisible(vf: VideoFrame): Uint8Array {
  const s = stateOf(vf);
  if (!s) throw new TypeError('the VideoFrame is closed');
  const layout = computeLayout(s.visible, s.format, undefined, 'VideoFrame');
  const out = new Uint8Array(layout.allocationSize);
  copyPlanes(s.frame, layout, out);
  return out;
}

/** What an encoder reads of a frame: its Frame (not a copy) and fields; throws when closed. */
export function frameFields(vf: VideoFrame): Readonly<State> {
  const s = stateOf(vf);
  if (!s) throw new TypeError('the VideoFrame is closed');
  return s;
}
