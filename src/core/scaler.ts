// libswscale: https://ffmpeg.org/doxygen/trunk/group__libsws.html
import { check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { addon, type NativeScaler } from '../native.js';
import { Frame, frameHandles } from './frame.js';
import { Resource } from './resource.js';

export type ScalingAlgorithm =
  | 'fast_bilinear'
  | 'bilinear'
  | 'bicubic'
  | 'experimental'
  | 'neighbor'
  | 'area'
  | 'bicublin'
  | 'gauss'
  | 'sinc'
  | 'lanczos'
  | 'spline';

export interface ScalerOptions {
  /** Output width; default the input's. */
  width?: number;
  /** Output height; default the input's. */
  height?: number;
  /** Output pixel format ('yuv420p', 'rgb24', 'rgba', 'gray'...); default the input's. */
  pixelFormat?: string;
  /** Default 'bicubic'. Output matches the CLI's scale filter with flags=ALGORITHM+accurate_rnd+full_chroma_int. */
  algorithm?: ScalingAlgorithm;
}

/** Converts pictures to another size or pixel format (libswscale); follows input changes. */
export class Scaler extends Resource<NativeScaler> {
  constructor(options: ScalerOptions = {}) {
    const o = optionsObject(options);
    check(o.width, 'width', 'an integer > 0', (v) => is.integer(v) && (v as number) > 0);
    check(o.height, 'height', 'an integer > 0', (v) => is.integer(v) && (v as number) > 0);
    check(o.pixelFormat, 'pixelFormat', 'a pixel format name', is.nonEmptyString);
    check(o.algorithm, 'algorithm', 'a scaling algorithm name', is.nonEmptyString);
    super(new (addon().Scaler)(o as ScalerOptions));
  }

  /** One converted frame per input frame, with the input's timestamps. */
  async scale(frames: Frame | readonly Frame[]): Promise<Frame[]> {
    return (await settle(this.native.scale(frameHandles(frames)))).map(Frame.wrap);
  }
}

/** Scales one frame with a throwaway Scaler (for many frames, keep a Scaler). */
export async function scaleFrame(frame: Frame, options: ScalerOptions): Promise<Frame> {
  if (!(frame instanceof Frame)) throw invalidArgument('frame', 'a Frame', frame);
  await using scaler = new Scaler(options);
  return (await scaler.scale(frame))[0]!;
}
