// The synthetic pictures of the encode workload, byte for byte those of bench/cref/pattern.h:
// a WxH window panning (a triangle wave of PAN frames) across a (W+PAN)x(H+PAN) texture.
export const PAN = 32;

export interface Texture {
  w: number;
  h: number;
  tw: number;
  th: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

function lumaAt(x: number, y: number): number {
  const hash = (Math.imul(x, 73856093) ^ Math.imul(y, 19349663)) >>> 0;
  return (((x * x + 2 * y * y) >> 7) + ((x ^ y) & 31) + ((hash >>> 16) & 15)) & 255;
}

export function makeTexture(w: number, h: number): Texture {
  const tw = w + PAN;
  const th = h + PAN;
  const cw = tw >> 1;
  const ch = th >> 1;
  const t: Texture = { w, h, tw, th, y: new Uint8Array(tw * th), u: new Uint8Array(cw * ch), v: new Uint8Array(cw * ch) };
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) t.y[y * tw + x] = lumaAt(x, y);
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      t.u[y * cw + x] = (128 + ((3 * x + y) >> 3)) & 255;
      t.v[y * cw + x] = ((x + 4096 - 2 * y) >> 3) & 255;
    }
  return t;
}

/** The pan offset of picture i (even, so chroma stays aligned). */
export function panOffset(i: number): number {
  const k = i % (2 * PAN);
  const o = k < PAN ? k : 2 * PAN - k;
  return o & ~1;
}

/** Copies picture i into three planes with the given line sizes, row by row (as the C memcpy loop). */
export function fill(t: Texture, planes: Uint8Array[], linesize: number[], i: number): void {
  const o = panOffset(i);
  const co = o >> 1;
  const cw = t.tw >> 1;
  const [py, pu, pv] = planes as [Uint8Array, Uint8Array, Uint8Array];
  const [ly, lc] = linesize as [number, number];
  const w = t.w;
  const w2 = w >> 1;
  for (let y = 0; y < t.h; y++) {
    const s = (y + o) * t.tw + o;
    py.set(t.y.subarray(s, s + w), y * ly);
  }
  for (let y = 0; y < t.h >> 1; y++) {
    const s = (y + co) * cw + co;
    pu.set(t.u.subarray(s, s + w2), y * lc);
    pv.set(t.v.subarray(s, s + w2), y * lc);
  }
}
