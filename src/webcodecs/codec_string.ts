// Codec strings (the WebCodecs Codec Registry: https://www.w3.org/TR/webcodecs-codec-registry/)
// mapped to libav decoders and encoders, with what a string says about profile, level and depth.
import { hasCodec, type AvOptions } from '../index.js';

export type VideoCodecId = 'h264' | 'hevc' | 'vp8' | 'vp9' | 'av1';
export type AudioCodecId = 'aac' | 'opus' | 'mp3' | 'flac' | 'vorbis' | 'pcm' | 'ulaw' | 'alaw';

export interface VideoCodec {
  id: VideoCodecId;
  /** The string as given (trimmed). */
  codec: string;
  /** Matroska CodecID: decoder parameters are built through an in-memory Matroska header (extradata.ts). */
  mkv: string;
  decoder: string;
  /** libav encoder name and the options the string implies; null: encoding this profile is not supported. */
  encoder: { name: string; pixelFormat: string; options: AvOptions } | null;
}

export interface AudioCodec {
  id: AudioCodecId;
  codec: string;
  mkv: string;
  /** PCM: bits per sample in Matroska's BitDepth (8, 16, 24, 32). */
  bitDepth?: number;
  /** ulaw/alaw: the WAVEFORMATEX tag (Matroska's A_MS/ACM). */
  waveTag?: number;
  decoder: string;
  encoder: { name: string; sampleFormat?: string } | null;
}

const hex = (s: string): number => Number.parseInt(s, 16);

// ---- video ----

const AVC_PROFILES: Record<number, { x264: string; pixelFormat: string } | null> = {
  0x42: { x264: 'baseline', pixelFormat: 'yuv420p' },
  0x4d: { x264: 'main', pixelFormat: 'yuv420p' },
  0x58: null, // Extended: nothing encodes it
  0x64: { x264: 'high', pixelFormat: 'yuv420p' },
  0x6e: { x264: 'high10', pixelFormat: 'yuv420p10le' },
  0x7a: { x264: 'high422', pixelFormat: 'yuv422p' },
  0xf4: { x264: 'high444', pixelFormat: 'yuv444p' },
};
const AVC_LEVELS = new Set([9, 10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52, 60, 61, 62]);

function avc(codec: string): VideoCodec | null {
  const m = /^(avc1|avc3)\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(codec);
  if (!m) return null;
  const profile = hex(m[2]!);
  const level = hex(m[4]!);
  if (!(profile in AVC_PROFILES) || !AVC_LEVELS.has(level)) return null;
  const p = AVC_PROFILES[profile] ?? null;
  return {
    id: 'h264',
    codec,
    mkv: 'V_MPEG4/ISO/AVC',
    decoder: 'h264',
    encoder: p && { name: 'libx264', pixelFormat: p.pixelFormat, options: { profile: p.x264, level: level === 9 ? '1b' : (level / 10).toFixed(1) } },
  };
}

function hevc(codec: string): VideoCodec | null {
  // hvc1.[A-C]<profile_idc>.<compatibility flags>.<L|H><level>[.<constraint byte>]{0,6}
  const m = /^(hvc1|hev1)\.([abc]?)(\d{1,2})\.([0-9a-f]{1,8})\.([lh])(\d{1,3})((\.[0-9a-f]{1,2}){0,6})$/i.exec(codec);
  if (!m) return null;
  const profile = Number(m[3]);
  if (profile < 1 || profile > 4) return null;
  // Main and Main 10 encode; Main Still Picture and Range Extensions decode only.
  const pixelFormat = profile === 1 ? 'yuv420p' : profile === 2 ? 'yuv420p10le' : null;
  return {
    id: 'hevc',
    codec,
    mkv: 'V_MPEGH/ISO/HEVC',
    decoder: 'hevc',
    encoder: pixelFormat
      ? {
          name: 'libx265',
          pixelFormat,
          options: { profile: profile === 1 ? 'main' : 'main10', ...(m[5]!.toUpperCase() === 'H' ? { 'x265-params': 'high-tier=1' } : {}) },
        }
      : null,
  };
}

function vp9(codec: string): VideoCodec | null {
  // vp09.PP.LL.DD[.CC[.cp.tc.mc.FF]]
  const m = /^vp09\.(\d\d)\.(\d\d)\.(\d\d)(?:\.(\d\d)(?:\.(\d\d)\.(\d\d)\.(\d\d)\.(\d\d))?)?$/.exec(codec);
  if (!m) return null;
  const profile = Number(m[1]);
  const depth = Number(m[3]);
  const chroma = m[4] === undefined ? (profile === 1 || profile === 3 ? 3 : 1) : Number(m[4]);
  if (profile > 3 || ![8, 10, 12].includes(depth) || chroma > 3) return null;
  if (profile <= 1 !== (depth === 8)) return null; // profiles 0/1 are 8-bit, 2/3 high bit depth
  if ((profile === 0 || profile === 2) !== chroma <= 1) return null; // 0/2: 4:2:0; 1/3: 4:2:2, 4:4:0, 4:4:4
  const base = chroma <= 1 ? 'yuv420p' : chroma === 2 ? 'yuv422p' : 'yuv444p';
  return {
    id: 'vp9',
    codec,
    mkv: 'V_VP9',
    decoder: 'vp9',
    encoder: { name: 'libvpx-vp9', pixelFormat: depth === 8 ? base : `${base}${depth}le`, options: { profile } },
  };
}

function av1(codec: string): VideoCodec | null {
  // av01.P.LLT.DD[.M.CCC.cp.tc.mc.F]
  const m = /^av01\.([012])\.(\d\d)([mh])\.(\d\d)(?:\.([01])\.([01]{2}[0-3])(?:\.(\d\d)\.(\d\d)\.(\d\d)\.([01]))?)?$/i.exec(codec);
  if (!m) return null;
  const profile = Number(m[1]);
  const depth = Number(m[4]);
  if (![8, 10, 12].includes(depth) || Number(m[2]) > 31) return null;
  if (m[5] === '1') return { id: 'av1', codec, mkv: 'V_AV1', decoder: av1Decoder(), encoder: null }; // monochrome
  const base = profile === 0 ? 'yuv420p' : profile === 1 ? 'yuv444p' : null;
  const pixelFormat = base && depth !== 12 ? (depth === 8 ? base : `${base}10le`) : null;
  // SVT-AV1 (fast) encodes main profile 4:2:0; libaom the rest.
  const name = profile === 0 && hasCodec('libsvtav1', 'encoder') ? 'libsvtav1' : 'libaom-av1';
  return { id: 'av1', codec, mkv: 'V_AV1', decoder: av1Decoder(), encoder: pixelFormat ? { name, pixelFormat, options: {} } : null };
}

function av1Decoder(): string {
  return hasCodec('libdav1d') ? 'libdav1d' : 'libaom-av1';
}

/** The video codec a string names, or null when it is not a valid string of a codec this maps. */
export function videoCodec(codec: string): VideoCodec | null {
  const c = codec.trim();
  if (c === 'vp8') return { id: 'vp8', codec: c, mkv: 'V_VP8', decoder: 'vp8', encoder: { name: 'libvpx', pixelFormat: 'yuv420p', options: {} } };
  return avc(c) ?? hevc(c) ?? vp9(c) ?? av1(c);
}

// ---- audio ----

const AAC = new Set(['mp4a.40.2', 'mp4a.40.02', 'mp4a.40.5', 'mp4a.40.05', 'mp4a.40.29', 'mp4a.67']);
const AAC_LC = new Set(['mp4a.40.2', 'mp4a.40.02', 'mp4a.67']);
const MP3 = new Set(['mp3', 'mp4a.69', 'mp4a.6b', 'mp4a.6B', 'mp4a.40.34']);
const PCM: Record<string, { decoder: string; bitDepth: number; sampleFormat: string; float?: boolean }> = {
  'pcm-u8': { decoder: 'pcm_u8', bitDepth: 8, sampleFormat: 'u8' },
  'pcm-s16': { decoder: 'pcm_s16le', bitDepth: 16, sampleFormat: 's16' },
  'pcm-s24': { decoder: 'pcm_s24le', bitDepth: 24, sampleFormat: 's32' },
  'pcm-s32': { decoder: 'pcm_s32le', bitDepth: 32, sampleFormat: 's32' },
  'pcm-f32': { decoder: 'pcm_f32le', bitDepth: 32, sampleFormat: 'flt', float: true },
};

/** The audio codec a string names, or null. */
export function audioCodec(codec: string): AudioCodec | null {
  const c = codec.trim();
  if (c === 'opus') return { id: 'opus', codec: c, mkv: 'A_OPUS', decoder: 'opus', encoder: { name: 'libopus', sampleFormat: 'flt' } };
  if (c === 'flac') return { id: 'flac', codec: c, mkv: 'A_FLAC', decoder: 'flac', encoder: { name: 'flac' } };
  if (c === 'vorbis') return { id: 'vorbis', codec: c, mkv: 'A_VORBIS', decoder: 'vorbis', encoder: { name: 'libvorbis' } };
  if (AAC.has(c)) return { id: 'aac', codec: c, mkv: 'A_AAC', decoder: 'aac', encoder: AAC_LC.has(c) ? { name: 'aac' } : null };
  if (MP3.has(c)) return { id: 'mp3', codec: c, mkv: 'A_MPEG/L3', decoder: 'mp3float', encoder: { name: 'libmp3lame' } };
  if (c === 'ulaw' || c === 'alaw') {
    const decoder = c === 'ulaw' ? 'pcm_mulaw' : 'pcm_alaw';
    return { id: c, codec: c, mkv: 'A_MS/ACM', waveTag: c === 'ulaw' ? 7 : 6, decoder, encoder: { name: decoder } };
  }
  const pcm = PCM[c];
  if (pcm)
    return {
      id: 'pcm',
      codec: c,
      mkv: pcm.float ? 'A_PCM/FLOAT/IEEE' : 'A_PCM/INT/LIT',
      bitDepth: pcm.bitDepth,
      decoder: pcm.decoder,
      encoder: { name: pcm.decoder, sampleFormat: pcm.sampleFormat },
    };
  return null;
}
