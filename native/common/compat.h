// Every FFmpeg version difference lives here (FFmpeg 5.1 through 9.x), so that the
// one-file-per-concept sources read the same on every version.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/avutil.h>
#include <libavutil/bprint.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libavutil/time.h>
#include <libavutil/version.h>
// Only the version macros: libavfilter itself is loaded on first use (common/lavfi.h).
#include <libavfilter/version.h>
}

#include <optional>
#include <string>

#if LIBAVUTIL_VERSION_INT < AV_VERSION_INT(57, 28, 100)
#error "avforge needs FFmpeg 5.1 or newer (libavutil 57.28): the AVChannelLayout API"
#endif

// FFmpeg 6.0 (libavfilter 9) added the graph segment API, with which a graph is parsed, its
// filters created, given a device and only then initialised, as the ffmpeg CLI does: from
// FFmpeg 8 on, hwupload and the other device filters refuse to initialise without a device.
// Before it, avfilter_graph_parse_ptr() initialises the filters itself and the device is set
// afterwards, which those versions' device filters accept (they read it at configuration).
#if LIBAVFILTER_VERSION_MAJOR >= 9
#define AVF_LAVFI_GRAPH_SEGMENT 1
#else
#define AVF_LAVFI_GRAPH_SEGMENT 0
#endif

// What ffprobe, built with the same libraries, prints beyond FFmpeg 5.1's -show_format
// -show_streams: FFmpeg 7 (libavformat 61) added stream groups (the format's nb_stream_groups),
// an audio stream's initial_padding and, in each stream, the demuxer's exported options (mpegts:
// ts_id, ts_packetsize). The disposition names come from the library (av_disposition_to_string).
#if LIBAVFORMAT_VERSION_MAJOR >= 61
#define AVF_FFPROBE_7_KEYS 1
#else
#define AVF_FFPROBE_7_KEYS 0
#endif
// FFmpeg 8.1 (libavformat 62.12) and newer, 9 included: ffprobe prints each stream's
// mime_codec_string (av_mime_codec_str) and no longer its refs, closed_captions or film_grain
// (8.1 deprecated AVCodecContext.properties, 9 removed it).
#if LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(62, 12, 100)
#define AVF_FFPROBE_9_KEYS 1
#else
#define AVF_FFPROBE_9_KEYS 0
#endif

namespace avf::compat {

// What the opened decoder saw (AVCodecContext.properties): closed captions, film grain. nullopt
// where this FFmpeg cannot say (8.1 deprecated the field, 9 removed it; film grain is 4.4 and newer).
inline std::optional<bool> DecoderSawClosedCaptions(const AVCodecContext* ctx) {
#if defined(FF_CODEC_PROPERTY_CLOSED_CAPTIONS) && !AVF_FFPROBE_9_KEYS
  return (ctx->properties & FF_CODEC_PROPERTY_CLOSED_CAPTIONS) != 0;
#else
  (void)ctx;
  return std::nullopt;
#endif
}
inline std::optional<bool> DecoderSawFilmGrain(const AVCodecContext* ctx) {
#if defined(FF_CODEC_PROPERTY_FILM_GRAIN) && !AVF_FFPROBE_9_KEYS
  return (ctx->properties & FF_CODEC_PROPERTY_FILM_GRAIN) != 0;
#else
  (void)ctx;
  return std::nullopt;
#endif
}

// RFC 6381 codec string ("avc1.64000d"), or "" where libavformat cannot make one.
inline std::string MimeCodecString(const AVCodecParameters* par, AVRational frame_rate) {
#if AVF_FFPROBE_9_KEYS
  AVBPrint bp;
  av_bprint_init(&bp, 0, AV_BPRINT_SIZE_UNLIMITED);
  std::string out;
  if (av_mime_codec_str(par, frame_rate, &bp) >= 0 && av_bprint_is_complete(&bp)) out.assign(bp.str, bp.len);
  av_bprint_finalize(&bp, nullptr);
  return out;
#else
  (void)par;
  (void)frame_rate;
  return "";
#endif
}

inline int StreamGroupCount(const AVFormatContext* fmt) {
#if LIBAVFORMAT_VERSION_MAJOR >= 61
  return static_cast<int>(fmt->nb_stream_groups);
#else
  (void)fmt;
  return 0;
#endif
}

// FFmpeg 6.1 moved key_frame and interlaced_frame into AVFrame.flags.
inline bool FrameIsKey(const AVFrame* f) {
#ifdef AV_FRAME_FLAG_KEY
  return (f->flags & AV_FRAME_FLAG_KEY) != 0;
#else
  return f->key_frame != 0;
#endif
}
inline void FrameSetKey(AVFrame* f, bool key) {
#ifdef AV_FRAME_FLAG_KEY
  if (key)
    f->flags |= AV_FRAME_FLAG_KEY;
  else
    f->flags &= ~AV_FRAME_FLAG_KEY;
#else
  f->key_frame = key ? 1 : 0;
#endif
}
inline bool FrameIsInterlaced(const AVFrame* f) {
#ifdef AV_FRAME_FLAG_INTERLACED
  return (f->flags & AV_FRAME_FLAG_INTERLACED) != 0;
#else
  return f->interlaced_frame != 0;
#endif
}

// FFmpeg 6.0 renamed AVFrame.pkt_duration to AVFrame.duration.
inline int64_t FrameDuration(const AVFrame* f) {
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(58, 0, 0)
  return f->duration;
#else
  return f->pkt_duration;
#endif
}
inline void FrameSetDuration(AVFrame* f, int64_t d) {
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(58, 0, 0)
  f->duration = d;
#else
  f->pkt_duration = d;
#endif
}

// FFmpeg 6.1 moved stream side data into AVCodecParameters.coded_side_data.
inline const uint8_t* StreamSideData(const AVStream* st, enum AVPacketSideDataType type, size_t* size) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
  const AVPacketSideData* sd =
      av_packet_side_data_get(st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data, type);
  if (!sd) return nullptr;
  if (size) *size = sd->size;
  return sd->data;
#else
  return av_stream_get_side_data(st, type, size);
#endif
}
inline int StreamSideDataCount(const AVStream* st) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
  return st->codecpar->nb_coded_side_data;
#else
  return st->nb_side_data;
#endif
}
// Adds a copy of `data` as the stream's side data of `type` (replacing one of that type).
inline int AddStreamSideData(AVStream* st, enum AVPacketSideDataType type, const uint8_t* data, size_t size) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
  AVPacketSideData* sd =
      av_packet_side_data_new(&st->codecpar->coded_side_data, &st->codecpar->nb_coded_side_data, type, size, 0);
#else
  uint8_t* sd = av_stream_new_side_data(st, type, size);
#endif
  if (!sd) return AVERROR(ENOMEM);
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
  memcpy(sd->data, data, size);
#else
  memcpy(sd, data, size);
#endif
  return 0;
}
inline enum AVPacketSideDataType StreamSideDataType(const AVStream* st, int i) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 100)
  return st->codecpar->coded_side_data[i].type;
#else
  return st->side_data[i].type;
#endif
}

// avformat_new_stream/av_guess_format return const AVOutputFormat* since 5.0 and the
// io callbacks took a non-const buffer before 7.0.
#if LIBAVFORMAT_VERSION_MAJOR >= 61
using AvioWriteBuffer = const uint8_t*;
#else
using AvioWriteBuffer = uint8_t*;
#endif

// What a codec takes (null: anything). FFmpeg 7.1 replaced AVCodec.pix_fmts, sample_fmts,
// supported_samplerates, supported_framerates and ch_layouts with avcodec_get_supported_config()
// (the fields are gone in 9).
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
template <class T>
const T* SupportedConfig(const AVCodec* codec, enum AVCodecConfig config) {
  const void* out = nullptr;
  int n = 0;
  if (avcodec_get_supported_config(nullptr, codec, config, 0, &out, &n) < 0) return nullptr;
  return static_cast<const T*>(out);
}
#define AVF_CODEC_SUPPORTS(T, codec, config, field) SupportedConfig<T>(codec, AV_CODEC_CONFIG_##config)
#else
#define AVF_CODEC_SUPPORTS(T, codec, config, field) (codec)->field
#endif
inline const enum AVPixelFormat* CodecPixelFormats(const AVCodec* codec) {
  return AVF_CODEC_SUPPORTS(enum AVPixelFormat, codec, PIX_FORMAT, pix_fmts);
}
inline const AVRational* CodecFrameRates(const AVCodec* codec) {
  return AVF_CODEC_SUPPORTS(AVRational, codec, FRAME_RATE, supported_framerates);
}
inline const enum AVSampleFormat* CodecSampleFormats(const AVCodec* codec) {
  return AVF_CODEC_SUPPORTS(enum AVSampleFormat, codec, SAMPLE_FORMAT, sample_fmts);
}
inline const int* CodecSampleRates(const AVCodec* codec) {
  return AVF_CODEC_SUPPORTS(int, codec, SAMPLE_RATE, supported_samplerates);
}
inline const AVChannelLayout* CodecChannelLayouts(const AVCodec* codec) {
  return AVF_CODEC_SUPPORTS(AVChannelLayout, codec, CHANNEL_LAYOUT, ch_layouts);
}
#undef AVF_CODEC_SUPPORTS

// An AVOption's type, as options() names it, and where its default lives. FFmpeg 7 (libavutil
// 59) removed the bitmask AV_OPT_TYPE_CHANNEL_LAYOUT (5.1 and 6 have it beside AV_OPT_TYPE_CHLAYOUT)
// and added array options (AV_OPT_TYPE_FLAG_ARRAY over a base type, their default in
// default_val.arr); 7.1 (libavutil 59.39) added AV_OPT_TYPE_UINT. A type newer than this code
// is 'unknown', with no default.
#if defined(FF_API_OLD_CHANNEL_LAYOUT) && FF_API_OLD_CHANNEL_LAYOUT
#define AVF_OPT_CHANNEL_MASK 1
#else
#define AVF_OPT_CHANNEL_MASK 0
#endif
#define AVF_OPT_ARRAYS (LIBAVUTIL_VERSION_MAJOR >= 59)
#define AVF_OPT_UINT (LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(59, 39, 100))

struct OptionType {
  enum Default { kInt, kUint, kDouble, kString, kPixelFormat, kSampleFormat, kChannelMask, kNone };
  const char* name;
  Default value;  // which member of default_val holds the default, and how to read it
};
inline bool OptionIsArray(const AVOption* o) {
#if AVF_OPT_ARRAYS
  return (o->type & AV_OPT_TYPE_FLAG_ARRAY) != 0;
#else
  (void)o;
  return false;
#endif
}
// An array option's default, as the string av_opt_set would parse; nullptr for none.
inline const char* OptionArrayDefault(const AVOption* o) {
#if AVF_OPT_ARRAYS
  return OptionIsArray(o) && o->default_val.arr ? o->default_val.arr->def : nullptr;
#else
  (void)o;
  return nullptr;
#endif
}
inline OptionType DescribeOptionType(const AVOption* o) {
  int type = o->type;
#if AVF_OPT_ARRAYS
  type &= ~AV_OPT_TYPE_FLAG_ARRAY;
#endif
  switch (type) {
    case AV_OPT_TYPE_FLAGS: return {"flags", OptionType::kInt};
    case AV_OPT_TYPE_INT: return {"int", OptionType::kInt};
    case AV_OPT_TYPE_INT64: return {"int64", OptionType::kInt};
    case AV_OPT_TYPE_UINT64: return {"uint64", OptionType::kUint};
#if AVF_OPT_UINT
    case AV_OPT_TYPE_UINT: return {"uint", OptionType::kInt};
#endif
    case AV_OPT_TYPE_DOUBLE: return {"double", OptionType::kDouble};
    case AV_OPT_TYPE_FLOAT: return {"float", OptionType::kDouble};
    // (a rational's default is a double, which av_opt_set_defaults turns into a fraction)
    case AV_OPT_TYPE_RATIONAL: return {"rational", OptionType::kDouble};
    case AV_OPT_TYPE_STRING: return {"string", OptionType::kString};
    case AV_OPT_TYPE_BINARY: return {"binary", OptionType::kString};
    case AV_OPT_TYPE_DICT: return {"dict", OptionType::kString};
    case AV_OPT_TYPE_CONST: return {"const", OptionType::kInt};
    case AV_OPT_TYPE_IMAGE_SIZE: return {"image_size", OptionType::kString};
    case AV_OPT_TYPE_PIXEL_FMT: return {"pixel_format", OptionType::kPixelFormat};
    case AV_OPT_TYPE_SAMPLE_FMT: return {"sample_format", OptionType::kSampleFormat};
    case AV_OPT_TYPE_VIDEO_RATE: return {"video_rate", OptionType::kString};
    case AV_OPT_TYPE_DURATION: return {"duration", OptionType::kInt};
    case AV_OPT_TYPE_COLOR: return {"color", OptionType::kString};
    case AV_OPT_TYPE_BOOL: return {"bool", OptionType::kInt};
    case AV_OPT_TYPE_CHLAYOUT: return {"channel_layout", OptionType::kString};
#if AVF_OPT_CHANNEL_MASK
    case AV_OPT_TYPE_CHANNEL_LAYOUT: return {"channel_layout", OptionType::kChannelMask};
#endif
    default: return {"unknown", OptionType::kNone};
  }
}

}  // namespace avf::compat
