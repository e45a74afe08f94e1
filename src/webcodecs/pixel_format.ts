// WebCodecs' VideoPixelFormat (https://www.w3.org/TR/webcodecs/#enumdef-videopixelformat) and
// what each is in FFmpeg: its pixel format name and its planes (subsampling, bytes per sample).

export type VideoPixelFormat =
  | 'I420'
  | 'I420P10'
  | 'I420P12'
  | 'I420A'
  | 'I420AP10'
  | 'I422'
  | 'I422P10'
  | 'I422P12'
  | 'I422A'
  | 'I422AP10'
  | 'I422AP12'
  | 'I444'
  | 'I444P10'
  | 'I444P12'
  | 'I444A'
  | 'I444AP10'
  | 'I444AP12'
  | 'NV12'
  | 'RGBA'
  | 'RGBX'
  | 'BGRA'
  | 'BGRX';

interface Plane {
  /** Horizontal and vertical subsampling, bytes per sample. */
  sx: number;
  sy: number;
  bytes: number;
}
export interface FormatInfo {
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
  NV12: {
    pixelFormat: 'nv12',
    planes: [
      { sx: 1, sy: 1, bytes: 1 },
      { sx: 2, sy: 2, bytes: 2 },
    ],
    rgb: false,
  },
  RGBA: rgb('rgba', 'RGBX'),
  RGBX: rgb('rgb0'),
  BGRA: rgb('bgra', 'BGRX'),
  BGRX: rgb('bgr0'),
};
export const FORMAT_NAMES = Object.keys(FORMATS) as VideoPixelFormat[];
const BY_PIXEL_FORMAT = new Map<string, VideoPixelFormat>(FORMAT_NAMES.map((f) => [FORMATS[f].pixelFormat, f]));
// Full-range ("JPEG") variants decoders output: the same layout, signalled in the colour space.
for (const [full, f] of [
  ['yuvj420p', 'I420'],
  ['yuvj422p', 'I422'],
  ['yuvj444p', 'I444'],
] as const)
  BY_PIXEL_FORMAT.set(full, f);

/** The WebCodecs format of an FFmpeg pixel format, or undefined when it has none (convert first). */
export function formatOfPixelFormat(pixelFormat: string | undefined): VideoPixelFormat | undefined {
  return pixelFormat === undefined ? undefined : BY_PIXEL_FORMAT.get(pixelFormat);
}
