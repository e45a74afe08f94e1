// libswresample: https://ffmpeg.org/doxygen/trunk/group__lswr.html
import { check, is, optionsObject, settle } from '../errors.js';
import { addon, type NativeResampler } from '../native.js';
import { Frame, frameHandles } from './frame.js';
import { Resource } from './resource.js';

export interface ResamplerOptions {
  /** Output rate; default the input's. */
  sampleRate?: number;
  /** Output sample format ('fltp', 's16'...); default the input's. */
  sampleFormat?: string;
  /** Output layout ('stereo', 'mono', '5.1'...); default the input's. */
  channelLayout?: string;
  /**
   * Samples per output frame (an encoder's `frameSize`): a FIFO cuts the output into frames
   * of exactly this size, the last one at flush() shorter. 0 (default): a frame per input.
   */
  frameSize?: number;
}

/**
 * Converts audio to another rate, sample format or channel layout (libswresample). Output
 * frames are timed in 1/sampleRate, from the first input frame's pts.
 */
export class Resampler extends Resource<NativeResampler> {
  constructor(options: ResamplerOptions = {}) {
    const o = optionsObject(options);
    check(o.sampleRate, 'sampleRate', 'an integer > 0', (v) => is.integer(v) && (v as number) > 0);
    check(o.frameSize, 'frameSize', 'an integer >= 0', (v) => is.integer(v) && (v as number) >= 0);
    check(o.sampleFormat, 'sampleFormat', 'a sample format name', is.nonEmptyString);
    check(o.channelLayout, 'channelLayout', 'a channel layout name', is.nonEmptyString);
    super(new (addon().Resampler)(o as ResamplerOptions));
  }

  /** Converts frames; returns the frames now complete. */
  async resample(frames: Frame | readonly Frame[]): Promise<Frame[]> {
    return (await settle(this.native.resample(frameHandles(frames), false))).map(Frame.wrap);
  }

  /** Drains the samples still buffered (the last frame may be short). */
  async flush(): Promise<Frame[]> {
    return (await settle(this.native.resample([], true))).map(Frame.wrap);
  }
}
