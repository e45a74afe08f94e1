/** A rational number, as FFmpeg's AVRational: time bases, frame rates, aspect ratios. */
export interface Rational {
  num: number;
  den: number;
}

export type MediaType = 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';

/** AVOptions: values are passed to FFmpeg as strings (numbers and booleans converted). */
export type AvOptions = Record<string, string | number | boolean | undefined>;

/** The value of a rational, or NaN when its denominator is 0. */
export function toNumber(r: Rational): number {
  return r.den === 0 ? Number.NaN : r.num / r.den;
}

/** `ts` in time base `from`, expressed in time base `to` (rounded to nearest, as av_rescale_q). */
export function rescale(ts: number, from: Rational, to: Rational): number {
  return Math.round((ts * from.num * to.den) / (from.den * to.num));
}
