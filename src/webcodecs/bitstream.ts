// Bitstream formats of H.264/HEVC chunks (Annex B start codes or avcC/hvcC length prefixes),
// and the key-frame check the specification asks decode() to make ("implementers SHOULD
// inspect the chunk's data"): a chunk labelled 'key' that is not one is a DataError.
import type { VideoCodecId } from './codec_string.js';

/** The NAL length size an avcC (byte 4) or hvcC (byte 21) record declares; 0: Annex B (no record). */
export function nalLengthSize(id: VideoCodecId, description: Uint8Array | undefined): number {
  if (!description) return 0;
  if (id === 'h264' && description.length >= 5 && description[0] === 1) return (description[4]! & 3) + 1;
  if (id === 'hevc' && description.length >= 23 && description[0] === 1) return (description[21]! & 3) + 1;
  return 0;
}

/** [start, end) of each NAL unit: length-prefixed when lengthSize > 0, else Annex B. */
export function* nalUnits(data: Uint8Array, lengthSize: number): Generator<[number, number]> {
  if (lengthSize > 0) {
    for (let i = 0; i + lengthSize <= data.length; ) {
      let n = 0;
      for (let k = 0; k < lengthSize; k++) n = n * 256 + data[i + k]!;
      i += lengthSize;
      if (n === 0 || i + n > data.length) return;
      yield [i, i + n];
      i += n;
    }
    return;
  }
  let start = -1;
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] !== 0 || data[i + 1] !== 0 || data[i + 2] !== 1) continue;
    if (start >= 0) yield [start, data[i - 1] === 0 && i - 1 >= start ? i - 1 : i];
    start = i + 3;
    i += 2;
  }
  if (start >= 0 && start < data.length) yield [start, data.length];
}

/** Annex B (start codes) to 4-byte length prefixes, the avcC/hvcC form MP4 carries. */
export function annexBToLengthPrefixed(data: Uint8Array): Uint8Array {
  const units = [...nalUnits(data, 0)];
  if (units.length === 0) return data;
  let size = 0;
  for (const [s, e] of units) size += 4 + e - s;
  const out = new Uint8Array(size);
  let o = 0;
  for (const [s, e] of units) {
    const n = e - s;
    out[o] = n >>> 24;
    out[o + 1] = (n >>> 16) & 0xff;
    out[o + 2] = (n >>> 8) & 0xff;
    out[o + 3] = n & 0xff;
    out.set(data.subarray(s, e), o + 4);
    o += 4 + n;
  }
  return out;
}

/** Reads Exp-Golomb and fixed-width fields, most significant bit first. */
class Bits {
  #pos = 0;
  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.#pos = start * 8;
  }
  bit(): number {
    const byte = this.data[this.#pos >> 3];
    if (byte === undefined) throw new RangeError('end of data');
    return (byte >> (7 - (this.#pos++ & 7))) & 1;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return (1 << zeros) - 1 + this.bits(zeros);
  }
}

function h264IsKey(data: Uint8Array, lengthSize: number): boolean | undefined {
  for (const [s, e] of nalUnits(data, lengthSize)) {
    if (e <= s) continue;
    const type = data[s]! & 0x1f;
    if (type === 5) return true;
    if (type === 1) {
      // A non-IDR picture that is all intra (a recovery point, an open-GOP I frame) starts a
      // decodable sequence too: MP4 marks those as sync samples.
      try {
        const b = new Bits(data, s + 1);
        b.ue(); // first_mb_in_slice
        const sliceType = b.ue() % 5;
        return sliceType === 2 || sliceType === 4;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function hevcIsKey(data: Uint8Array, lengthSize: number): boolean | undefined {
  for (const [s, e] of nalUnits(data, lengthSize)) {
    if (e <= s) continue;
    const type = (data[s]! >> 1) & 0x3f;
    if (type <= 31) return type >= 16 && type <= 23; // the first VCL unit: an IRAP picture or not
  }
  return undefined;
}

function vp9IsKey(data: Uint8Array): boolean | undefined {
  try {
    const b = new Bits(data, 0);
    if (b.bits(2) !== 2) return undefined; // frame_marker
    const profile = b.bit() | (b.bit() << 1);
    if (profile === 3) b.bit();
    if (b.bit() === 1) return false; // show_existing_frame
    return b.bit() === 0; // frame_type: KEY_FRAME
  } catch {
    return undefined;
  }
}

function av1IsKey(data: Uint8Array): boolean | undefined {
  for (let i = 0; i < data.length; ) {
    const header = data[i]!;
    const type = (header >> 3) & 0xf;
    const extension = (header & 4) !== 0;
    let p = i + 1 + (extension ? 1 : 0);
    let size = data.length - p;
    if (header & 2) {
      size = 0;
      for (let k = 0; k < 8; k++) {
        const byte = data[p++];
        if (byte === undefined) return undefined;
        size += (byte & 0x7f) * 2 ** (7 * k);
        if (!(byte & 0x80)) break;
      }
    }
    if (type === 1) return true; // a sequence header: what key temporal units start with
    if (type === 3 || type === 6) {
      try {
        const b = new Bits(data, p);
        if (b.bit() === 1) return false; // show_existing_frame
        return b.bits(2) === 0; // frame_type: KEY_FRAME
      } catch {
        return undefined;
      }
    }
    i = p + size;
  }
  return undefined;
}

/** Whether a chunk's data is a key frame: true/false where the bitstream tells, undefined where it cannot. */
export function isKeyFrame(id: VideoCodecId, data: Uint8Array, lengthSize: number): boolean | undefined {
  if (data.length === 0) return undefined;
  switch (id) {
    case 'h264':
      return h264IsKey(data, lengthSize);
    case 'hevc':
      return hevcIsKey(data, lengthSize);
    case 'vp8':
      return (data[0]! & 1) === 0;
    case 'vp9':
      return vp9IsKey(data);
    case 'av1':
      return av1IsKey(data);
  }
}
