// VideoColorSpace (https://www.w3.org/TR/webcodecs/#videocolorspace), and the colour space a
// decoded FFmpeg frame signals, in the specification's names.
import type { Frame } from '../index.js';
import { dictionary, enumValue } from './errors.js';

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

/** The defaults of a frame made from a buffer: RGB formats are sRGB, YUV formats Rec. 709. */
export const SRGB: VideoColorSpaceInit = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true };
export const REC709: VideoColorSpaceInit = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };

// FFmpeg's names (av_color_*_name) to the specification's.
const FF_PRIMARIES: Record<string, VideoColorPrimaries> = {
  bt709: 'bt709',
  bt470bg: 'bt470bg',
  smpte170m: 'smpte170m',
  bt2020: 'bt2020',
  smpte432: 'smpte432',
};
const FF_TRANSFERS: Record<string, VideoTransferCharacteristics> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  'iec61966-2-1': 'iec61966-2-1',
  linear: 'linear',
  smpte2084: 'pq',
  'arib-std-b67': 'hlg',
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
