// The arithmetic of VideoFrame's layouts: the specification's "Parse Visible Rect" and
// "Compute Layout and Allocation Size" algorithms, and the row-by-row copy of a frame's planes
// into a layout (copyTo(), and buffers with padded rows).
import type { Frame } from '../index.js';
import { dictionary, double, required, unsignedLong } from './errors.js';
import { FORMATS, type VideoPixelFormat } from './pixel_format.js';

export interface PlaneLayout {
  offset: number;
  stride: number;
}

export interface Rect {
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

export interface CombinedLayout {
  planes: ComputedPlane[];
  allocationSize: number;
}

/** The "Parse Visible Rect" algorithm: in the coded size, aligned to the format's subsampling. */
export function parseRect(
  fallback: Rect,
  override: unknown,
  codedWidth: number,
  codedHeight: number,
  format: VideoPixelFormat,
  where: string,
  alignSize = false,
): Rect {
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
  for (const p of FORMATS[format].planes) {
    if (x % p.sx !== 0 || y % p.sy !== 0) throw new TypeError(`${where}: the rect's x and y must be multiples of ${p.sx} and ${p.sy} for ${format}`);
    // "Verify Rect Size Alignment", for a rect given to copyTo()/allocationSize(); a rect that
    // reaches the coded size's edge may end on a partial sample (an odd-sized frame's whole picture).
    const unaligned = (width % p.sx !== 0 && x + width !== codedWidth) || (height % p.sy !== 0 && y + height !== codedHeight);
    if (alignSize && override !== undefined && unaligned)
      throw new TypeError(`${where}: the rect's width and height must be multiples of ${p.sx} and ${p.sy} for ${format}`);
  }
  return rect;
}

/** The "Compute Layout and Allocation Size" algorithm. */
export function computeLayout(rect: Rect, format: VideoPixelFormat, layout: unknown, where: string): CombinedLayout {
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
    if (end >= 2 ** 32) throw new TypeError(`${where}: plane ${i} ends at ${end}, past 2^32`);
    for (const [s, e] of ends) if (offset < e && s < end) throw new TypeError(`${where}: plane ${i} overlaps an earlier plane`);
    ends.push([offset, end]);
    allocationSize = Math.max(allocationSize, end);
    planes.push({ offset, stride, top, rows, left, width });
  });
  return { planes, allocationSize };
}

/** Copies planes of `frame` (as `format`) to `dest` per a computed layout. */
export function copyPlanes(frame: Frame, layout: CombinedLayout, dest: Uint8Array): void {
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
