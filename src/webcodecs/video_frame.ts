// VideoFrame (https://www.w3.org/TR/webcodecs/#videoframe-interface), backed by an avforge
// Frame: a decoded picture is wrapped without a copy, clone() shares the buffers, close()
// detaches. copyTo() reads the frame's zero-copy plane views row by row.
import { Frame, Scaler } from '../index.js';
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

export type VideoPixelFormat =
  | 'I420' | 'I420P10' | 'I420P12' | 'I420A' | 'I420AP10'
  | 'I422' | 'I422P10' | 'I422P12' | 'I422A' | 'I422AP10' | 'I422AP12'
  | 'I444' | 'I444P10' | 'I444P12' | 'I444A' | 'I444AP10' | 'I444AP12'
  | 'NV12' | 'RGBA' | 'RGBX' | 'BGRA' | 'BGRX';

interface Plane {
  /** Horizontal and vertical subsampling, bytes per sample. */
  sx: number;
  sy: number;
  bytes: number;
}
interface FormatInfo {
  pixelFormat: string;
  planes: Plane[];
  rgb: boolean;
  /** The same format without its alpha plane (alpha: 'discard'). */
  opaque?: VideoPixelFormat;
}

function yuv(pixelFormat: string, sx: number, sy: number, bytes: number, alpha: boolean, opaque?: VideoPixelFormat): FormatInfo {
  const luma = { sx: 1, sy: 1, bytes };
  const chroma = { sx, sy, bytes };
  return { pixelFormat, planes: alpha ? [luma, chroma, chroma, luma] : [luma, chroma, chroma], rgb: false, ...(opaque ? { opaque } : {}) };
}
const rgb = (pixelFormat: string, opaque?: VideoPixelFormat): FormatInfo => ({
  pixelFormat,
  planes: [{ sx: 1, sy: 1, bytes: 4 }],
  rgb: true,
  ...(opaque ? { opaque } : {}),
});

export const FORMATS: Record<VideoPixelFormat, FormatInfo> = {
  I420: yuv('yuv420p', 2, 2, 1, false),
  I420P10: yuv('yuv420p10le', 2, 2, 2, false),
  I420P12: yuv('yuv420p12le', 2, 2, 2, false),
  I420A: yuv('yuva420p', 2, 2, 1, true, 'I420'),
  I420AP10: yuv('yuva420p10le', 2, 2, 2, true, 'I420P10'),
  I422: yuv('yuv422p', 2, 1, 1, false),
  I422P10: yuv('yuv422p10le', 2, 1, 2, false),
  I422P12: yuv('yuv422p12le', 2, 1, 2, false),
  I422A: yuv('yuva422p', 2, 1, 1, true, 'I422'),
  I422AP10: yuv('yuva422p10le', 2, 1, 2, true, 'I422P10'),
  I422AP12: yuv('yuva422p12le', 2, 1, 2, true, 'I422P12'),
  I444: yuv('yuv444p', 1, 1, 1, false),
  I444P10: yuv('yuv444p10le', 1, 1, 2, false),
  I444P12: yuv('yuv444p12le', 1, 1, 2, false),
  I444A: yuv('yuva444p', 1, 1, 1, true, 'I444'),
  I444AP10: yuv('yuva444p10le', 1, 1, 2, true, 'I444P10'),
  I444AP12: yuv('yuva444p12le', 1, 1, 2, true, 'I444P12'),
  NV12: { pixelFormat: 'nv12', planes: [{ sx: 1, sy: 1, bytes: 1 }, { sx: 2, sy: 2, bytes: 2 }], rgb: false },
  RGBA: rgb('rgba', 'RGBX'),
  RGBX: rgb('rgb0'),
  BGRA: rgb('bgra', 'BGRX'),
  BGRX: rgb('bgr0'),
};
const FORMAT_NAMES = Object.keys(FORMATS) as VideoPixelFormat[];
const BY_PIXEL_FORMAT = new Map<string, VideoPixelFormat>(FORMAT_NAMES.map((f) => [FORMATS[f].pixelFormat, f]));
// Full-range ("JPEG") variants decoders output: the same layout, signalled in the colour space.
for (const [full, f] of [['yuvj420p', 'I420'], ['yuvj422p', 'I422'], ['yuvj444p', 'I444']] as const) BY_PIXEL_FORMAT.set(full, f);

/** The WebCodecs format of an FFmpeg pixel format, or undefined when it has none (convert first). */
export function formatOfPixelFormat(pixelFormat: string | undefined): VideoPixelFormat | undefined {
  return pixelFormat === undefined ? undefined : BY_PIXEL_FORMAT.get(pixelFormat);
}

// ---- DOMRectReadOnly, VideoColorSpace ----

export interface DOMRectInit {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}

/** DOMRectReadOnly (Geometry Interfaces), which Node does not have. */
export class DOMRectReadOnly {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  constructor(x = 0, y = 0, width = 0, height = 0) {
    this.x = Number(x);
    this.y = Number(y);
    this.width = Number(width);
    this.height = Number(height);
  }
  static fromRect(rect: DOMRectInit = {}): DOMRectReadOnly {
    return new DOMRectReadOnly(rect.x, rect.y, rect.width, rect.height);
  }
  get top(): number {
    return Math.min(this.y, this.y + this.height);
  }
  get bottom(): number {
    return Math.max(this.y, this.y + this.height);
  }
  get left(): number {
    return Math.min(this.x, this.x + this.width);
  }
  get right(): number {
    return Math.max(this.x, this.x + this.width);
  }
  toJSON(): Record<string, number> {
    return { x: this.x, y: this.y, width: this.width, height: this.height, top: this.top, right: this.right, bottom: this.bottom, left: this.left };
  }
}

export type VideoColorPrimaries = 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020' | 'smpte432';
export type VideoTransferCharacteristics = 'bt709' | 'smpte170m' | 'iec61966-2-1' | 'linear' | 'pq' | 'hlg';
export type VideoMatrixCoefficients = 'rgb' | 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020-ncl';

export interface VideoColorSpaceInit {
  primaries?: VideoColorPrimaries | null;
  transfer?: VideoTransferCharacteristics | null;
  matrix?: VideoMatrixCoefficients | null;
  fullRange?: boolean | null;
}

const PRIMARIES: readonly VideoColorPrimaries[] = ['bt709', 'bt470bg', 'smpte170m', 'bt2020', 'smpte432'];
const TRANSFERS: readonly VideoTransferCharacteristics[] = ['bt709', 'smpte170m', 'iec61966-2-1', 'linear', 'pq', 'hlg'];
const MATRICES: readonly VideoMatrixCoefficients[] = ['rgb', 'bt709', 'bt470bg', 'smpte170m', 'bt2020-ncl'];

export class VideoColorSpace {
  readonly primaries: VideoColorPrimaries | null;
  readonly transfer: VideoTransferCharacteristics | null;
  readonly matrix: VideoMatrixCoefficients | null;
  readonly fullRange: boolean | null;
  constructor(init?: VideoColorSpaceInit) {
    const d = dictionary(init, 'VideoColorSpace');
    const opt = <T extends string>(v: unknown, values: readonly T[], name: string): T | null =>
      v === undefined || v === null ? null : enumValue(v, values, `VideoColorSpace.${name}`);
    this.primaries = opt(d.primaries, PRIMARIES, 'primaries');
    this.transfer = opt(d.transfer, TRANSFERS, 'transfer');
    this.matrix = opt(d.matrix, MATRICES, 'matrix');
    this.fullRange = d.fullRange === undefined || d.fullRange === null ? null : Boolean(d.fullRange);
  }
  toJSON(): VideoColorSpaceInit {
    return { primaries: this.primaries, transfer: this.transfer, matrix: this.matrix, fullRange: this.fullRange };
  }
}

const SRGB: VideoColorSpaceInit = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true };
const REC709: VideoColorSpaceInit = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };

// FFmpeg's names (av_color_*_name) to the specification's.
const FF_PRIMARIES: Record<string, VideoColorPrimaries> = { bt709: 'bt709', bt470bg: 'bt470bg', smpte170m: 'smpte170m', bt2020: 'bt2020', smpte432: 'smpte432' };
const FF_TRANSFERS: Record<string, VideoTransferCharacteristics> = {
  bt709: 'bt709', smpte170m: 'smpte170m', 'iec61966-2-1': 'iec61966-2-1', linear: 'linear', smpte2084: 'pq', 'arib-std-b67': 'hlg',
};
const FF_MATRICES: Record<string, VideoMatrixCoefficients> = { gbr: 'rgb', bt709: 'bt709', bt470bg: 'bt470bg', smpte170m: 'smpte170m', bt2020nc: 'bt2020-ncl' };

/** The colour space a decoded frame signals (unknowns are null). */
export function colorSpaceOfFrame(f: Frame): VideoColorSpaceInit {
  const range = f.colorRange;
  return {
    primaries: FF_PRIMARIES[f.colorPrimaries ?? ''] ?? null,
    transfer: FF_TRANSFERS[f.colorTransfer ?? ''] ?? null,
    matrix: FF_MATRICES[f.colorSpace ?? ''] ?? null,
    fullRange: range === 'pc' ? true : range === 'tv' ? false : f.pixelFormat?.startsWith('yuvj') ? true : null,
  };
}

// ---- layouts ----

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface VideoFrameCopyToOptions {
  rect?: DOMRectInit;
  layout?: PlaneLayout[];
  format?: VideoPixelFormat;
  colorSpace?: 'srgb' | 'display-p3';
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface ComputedPlane {
  offset: number;
  stride: number;
  /** First source row, rows, first source byte of a row, bytes of a row. */
  top: number;
  rows: number;
  left: number;
  width: number;
}

interface CombinedLayout {
  planes: ComputedPlane[];
  allocationSize: number;
}

/** The "Parse Visible Rect" algorithm: in the coded size, aligned to the format's subsampling. */
function parseRect(fallback: Rect, override: unknown, codedWidth: number, codedHeight: number, format: VideoPixelFormat, where: string): Rect {
  let rect = fallback;
  if (override !== undefined) {
    const r = dictionary(override, `${where}.rect`);
    const num = (v: unknown, name: string): number => (v === undefined ? 0 : double(v, `${where}.rect.${name}`));
    rect = { x: num(r.x, 'x'), y: num(r.y, 'y'), width: num(r.width, 'width'), height: num(r.height, 'height') };
  }
  const { x, y, width, height } = rect;
  if (![x, y, width, height].every(Number.isInteger)) throw new TypeError(`${where}: the rect must have integer coordinates`);
  if (width <= 0 || height <= 0) throw new TypeError(`${where}: the rect must not be empty`);
  if (x < 0 || y < 0 || x + width > codedWidth || y + height > codedHeight)
    throw new TypeError(`${where}: the rect {${x}, ${y}, ${width}, ${height}} is outside the coded size ${codedWidth}x${codedHeight}`);
  for (const p of FORMATS[format].planes)
    if (x % p.sx !== 0 || y % p.sy !== 0) throw new TypeError(`${where}: the rect's x and y must be multiples of ${p.sx} and ${p.sy} for ${format}`);
  return rect;
}

/** The "Compute Layout and Allocation Size" algorithm. */
function computeLayout(rect: Rect, format: VideoPixelFormat, layout: unknown, where: string): CombinedLayout {
  const info = FORMATS[format];
  let given: PlaneLayout[] | undefined;
  if (layout !== undefined) {
    if (!Array.isArray(layout)) throw new TypeError(`${where}: layout must be a sequence of PlaneLayouts`);
    if (layout.length !== info.planes.length) throw new TypeError(`${where}: ${format} has ${info.planes.length} planes, the layout ${layout.length}`);
    given = layout.map((l, i) => {
      const d = dictionary(l, `${where}.layout[${i}]`);
      return {
        offset: unsignedLong(required(d, 'offset', `${where}.layout[${i}]`), `${where}.layout[${i}].offset`),
        stride: unsignedLong(required(d, 'stride', `${where}.layout[${i}]`), `${where}.layout[${i}].stride`),
      };
    });
  }
  const planes: ComputedPlane[] = [];
  let allocationSize = 0;
  const ends: [number, number][] = [];
  info.planes.forEach((p, i) => {
    const top = Math.ceil(rect.y / p.sy);
    const rows = Math.ceil(rect.height / p.sy);
    const left = Math.floor(rect.x / p.sx) * p.bytes;
    const width = Math.ceil(rect.width / p.sx) * p.bytes;
    let offset = allocationSize;
    let stride = width;
    if (given) {
      if (given[i]!.stride < width) throw new TypeError(`${where}: plane ${i}'s stride ${given[i]!.stride} is less than its ${width} bytes per row`);
      offset = given[i]!.offset;
      stride = given[i]!.stride;
    }
    const end = offset + stride * rows;
    if (!Number.isSafeInteger(end)) throw new TypeError(`${where}: plane ${i} ends past 2^53`);
    for (const [s, e] of ends) if (offset < e && s < end) throw new TypeError(`${where}: plane ${i} overlaps an earlier plane`);
    ends.push([offset, end]);
    allocationSize = Math.max(allocationSize, end);
    planes.push({ offset, stride, top, rows, left, width });
  });
  return { planes, allocationSize };
}

/** Copies planes of `frame` (as `format`) to `dest` per a computed layout. */
function copyPlanes(frame: Frame, layout: CombinedLayout, dest: Uint8Array): void {
  const src = frame.planes;
  const strides = frame.linesize;
  layout.planes.forEach((p, i) => {
    const plane = src[i]!;
    const srcStride = strides[i]!;
    if (p.left === 0 && p.width === srcStride && p.stride === srcStride) {
      dest.set(plane.subarray(p.top * srcStride, (p.top + p.rows) * srcStride), p.offset);
      return;
    }
    for (let r = 0; r < p.rows; r++) {
      const s = (p.top + r) * srcStride + p.left;
      dest.set(plane.subarray(s, s + p.width), p.offset + r * p.stride);
    }
  });
}

// ---- VideoFrame ----

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
  const r = double(v, `${where}.rotation`);
  const q = (((Math.round(r / 90) * 90) % 360) + 360) % 360;
  if (q !== (((r % 360) + 360) % 360)) throw new TypeError(`${where}.rotation: ${r} is not a multiple of 90`);
  return q;
}

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
    if (o.colorSpace !== undefined && o.colorSpace !== 'srgb')
      throw domError('NotSupportedError', `${where}: only the 'srgb' colour space is supported`);
    const rect = parseRect(s.visible, o.rect, s.codedWidth, s.codedHeight, s.format, where);
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
  if (d.alpha !== undefined && enumValue(d.alpha, ['keep', 'discard'] as const, `${where}.alpha`) === 'discard')
    format = FORMATS[format].opaque ?? format;
  const visible = parseRect(s.visible, d.visibleRect, s.codedWidth, s.codedHeight, format, where);
  let display = pair(d, 'displayWidth', 'displayHeight', where);
  if (!display) {
    // A new visible rect keeps the source's display aspect.
    const sx = s.displayWidth / s.visible.width;
    const sy = s.displayHeight / s.visible.height;
    display = [Math.round(visible.width * sx), Math.round(visible.height * sy)];
  }
  const rotation = (s.rotation + parseRotation(d.rotation, where)) % 360;
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
  const display = pair(d, 'displayWidth', 'displayHeight', where) ?? [visible.width, visible.height];
  const transfer = checkTransfer(d.transfer, where);
  // The data holds the coded picture (as Chrome and WebKit read it: w3c/webcodecs#702).
  const layout = computeLayout(coded, format, d.layout, where);
  if (data.byteLength < layout.allocationSize)
    throw new TypeError(`${where}: the data has ${data.byteLength} bytes, ${format} ${codedWidth}x${codedHeight} needs ${layout.allocationSize}`);
  const pixelFormat = FORMATS[format].pixelFormat;
  const tight = layout.planes.every((p, i) => p.stride === p.width && p.offset === (i === 0 ? 0 : layout.planes[i - 1]!.offset + layout.planes[i - 1]!.width * layout.planes[i - 1]!.rows));
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
    rotation: parseRotation(d.rotation, where),
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
  let displayHeight = height;
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
