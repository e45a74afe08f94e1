// Decoded subtitles (AVSubtitle): https://ffmpeg.org/doxygen/trunk/structAVSubtitle.html
// Plain data: the native side copies each AVSubtitle out and frees it at once, so a Subtitle
// holds no native memory and needs no close().
import type { NativeSubtitle } from '../native.js';

/** What a rectangle holds: a palettized picture, plain text, or an ASS dialogue event. */
export type SubtitleRectType = 'bitmap' | 'text' | 'ass' | 'none';

/** One area of a subtitle (AVSubtitleRect). */
export interface SubtitleRect {
  readonly type: SubtitleRectType;
  /** Plain text (`type: 'text'`). */
  readonly text?: string;
  /**
   * The ASS event of a text subtitle (`type: 'ass'`), as libavcodec gives it:
   * `ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text`; the styles it names are in
   * the decoder's `subtitleHeader`.
   */
  readonly ass?: string;
  /** Position and size in pixels (bitmaps; 0 for text). */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Shown even when subtitles are off (AV_SUBTITLE_FLAG_FORCED). */
  readonly forced: boolean;
  /** Bitmaps: the number of palette entries. */
  readonly nbColors?: number;
  /** Bitmaps: the bytes from one row of `data` to the next (at least `width`). */
  readonly linesize?: number;
  /** Bitmaps: one palette index per pixel, `height` rows of `linesize` bytes. */
  readonly data?: Uint8Array;
  /**
   * Bitmaps: `nbColors` colours whose bytes are R, G, B, A in memory, as ImageData holds them:
   * `palette[data[i]]` can be stored straight into a Uint32Array over an ImageData's pixels.
   */
  readonly palette?: Uint32Array;
}

/** The value libavcodec gives as end_display_time when a subtitle shows until the next one. */
const UNKNOWN_END = 0xffffffff;

/**
 * A decoded subtitle (AVSubtitle). Times are in seconds on the stream's timeline, as the ffmpeg
 * CLI computes them: `pts` from the packet (AVSubtitle.pts), `start`/`end` that plus the
 * display window. They are null when the packet had no timestamp or the decoder no time base
 * (the raw window is in `startDisplayTime`/`endDisplayTime` then).
 */
export class Subtitle {
  /** 0: graphics (bitmap rects), 1: text. */
  readonly format: number;
  /** The packet's presentation time, in seconds. */
  readonly pts: number | null;
  /** When it appears, in seconds. */
  readonly start: number | null;
  /**
   * When it disappears, in seconds; null when the duration is unknown (end_display_time 0 or
   * UINT32_MAX in libavcodec): it then shows until the next subtitle.
   */
  readonly end: number | null;
  /** The display window after `pts`, in milliseconds, as libavcodec gives it. */
  readonly startDisplayTime: number;
  readonly endDisplayTime: number;
  /** The areas to show; empty for a subtitle that clears the screen. */
  readonly rects: readonly SubtitleRect[];

  /** @internal */
  constructor(native: NativeSubtitle) {
    this.format = native.format;
    this.startDisplayTime = native.startDisplayTime;
    this.endDisplayTime = native.endDisplayTime;
    this.rects = native.rects;
    // In microseconds (AV_TIME_BASE) until the end, so whole milliseconds stay exact.
    const pts = native.pts;
    this.pts = pts === null ? null : pts / 1e6;
    this.start = pts === null ? null : (pts + native.startDisplayTime * 1000) / 1e6;
    const unknown = native.endDisplayTime === 0 || native.endDisplayTime === UNKNOWN_END;
    this.end = pts === null || unknown ? null : (pts + native.endDisplayTime * 1000) / 1e6;
  }
}
