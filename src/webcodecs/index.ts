// avforge/webcodecs: the W3C WebCodecs API (https://www.w3.org/TR/webcodecs/) over avforge's
// decoders, encoders and frames. Import the classes, or install() them as globals for code
// written for browsers.
import { AudioData } from './audio_data.js';
import { AudioDecoder } from './audio_decoder.js';
import { AudioEncoder } from './audio_encoder.js';
import { EncodedAudioChunk, EncodedVideoChunk } from './encoded_chunk.js';
import { ImageDecoder, ImageTrack, ImageTrackList } from './image_decoder.js';
import { VideoDecoder } from './video_decoder.js';
import { VideoEncoder } from './video_encoder.js';
import { DOMRectReadOnly, VideoColorSpace, VideoFrame } from './video_frame.js';

export { AudioData, type AudioDataInit, type AudioDataCopyToOptions, type AudioSampleFormat } from './audio_data.js';
export { AudioDecoder, type AudioDecoderConfig, type AudioDecoderInit, type AudioDecoderSupport } from './audio_decoder.js';
export {
  AudioEncoder,
  type AudioEncoderConfig,
  type AudioEncoderInit,
  type AudioEncoderSupport,
  type EncodedAudioChunkMetadata,
  type OpusEncoderConfig,
} from './audio_encoder.js';
export type { CodecState } from './codec_base.js';
export { EncodedAudioChunk, EncodedVideoChunk, type EncodedChunkInit, type EncodedChunkType } from './encoded_chunk.js';
export type { AllowSharedBufferSource, BufferSource } from './errors.js';
export { ImageDecoder, ImageTrack, ImageTrackList, type ImageDecodeOptions, type ImageDecodeResult, type ImageDecoderInit } from './image_decoder.js';
export {
  VideoDecoder,
  type HardwareAcceleration,
  type VideoDecoderConfig,
  type VideoDecoderInit,
  type VideoDecoderSupport,
} from './video_decoder.js';
export {
  VideoEncoder,
  type BitrateMode,
  type EncodedVideoChunkMetadata,
  type LatencyMode,
  type VideoEncoderConfig,
  type VideoEncoderEncodeOptions,
  type VideoEncoderInit,
  type VideoEncoderSupport,
} from './video_encoder.js';
export {
  DOMRectReadOnly,
  VideoColorSpace,
  VideoFrame,
  type DOMRectInit,
  type PlaneLayout,
  type VideoColorSpaceInit,
  type VideoFrameBufferInit,
  type VideoFrameCopyToOptions,
  type VideoFrameInit,
  type VideoPixelFormat,
} from './video_frame.js';
export type { VideoColorPrimaries, VideoMatrixCoefficients, VideoTransferCharacteristics } from './video_color_space.js';

/** The classes install() sets as globals. */
export const classes = {
  VideoDecoder,
  VideoEncoder,
  AudioDecoder,
  AudioEncoder,
  VideoFrame,
  AudioData,
  EncodedVideoChunk,
  EncodedAudioChunk,
  VideoColorSpace,
  DOMRectReadOnly,
  ImageDecoder,
  ImageTrack,
  ImageTrackList,
} as const;

/**
 * Sets the WebCodecs classes as globals (`globalThis.VideoDecoder`...), for libraries written
 * for browsers. A global that exists already is left alone unless `overwrite` is true
 * (DOMRectReadOnly is only ever added where it is missing). Returns the names set.
 */
export function install(options: { overwrite?: boolean } = {}): string[] {
  const set: string[] = [];
  const g = globalThis as Record<string, unknown>;
  for (const [name, cls] of Object.entries(classes)) {
    if (g[name] !== undefined && (!options.overwrite || name === 'DOMRectReadOnly')) continue;
    Object.defineProperty(globalThis, name, { value: cls, writable: true, configurable: true, enumerable: false });
    set.push(name);
  }
  return set;
}
