#include "listings.h"

// (C++ needs UINT64_C, which libavutil uses, defined before its headers)
#include <stdint.h>

extern "C" {
#include <libavutil/hwcontext.h>
#include <libswscale/swscale.h>
}

#include <string>

#include "common/compat.h"
#include "common/error.h"
#include "common/lavfi.h"

namespace avf {

namespace {

// One flag name per bit that is set, in table order.
struct FlagName {
  int64_t bit;
  const char* name;
};
template <size_t N>
Napi::Array Flags(Napi::Env env, int64_t value, const FlagName (&table)[N]) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const FlagName& f : table)
    if ((value & f.bit) == f.bit) out.Set(n++, f.name);
  return out;
}

Napi::Value TextOrNull(Napi::Env env, const char* s) {
  return s && *s ? Napi::Value(Napi::String::New(env, s)) : env.Null();
}
// A comma-separated list ("mp4,m4a") as an array, each item trimmed (a64's extensions are
// "a64, A64"); empty when there is none.
Napi::Array CommaList(Napi::Env env, const char* s) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  std::string all = s ? s : "";
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find(',', start);
    if (end == std::string::npos) end = all.size();
    size_t first = all.find_first_not_of(" \t", start);
    size_t last = all.find_last_not_of(" \t", end - 1);
    if (first != std::string::npos && first < end && last >= first) out.Set(n++, all.substr(first, last - first + 1));
    start = end + 1;
  }
  return out;
}
Napi::Value CodecIdName(Napi::Env env, AVCodecID id) {
  return id == AV_CODEC_ID_NONE ? env.Null() : Napi::Value(Napi::String::New(env, avcodec_get_name(id)));
}
const char* MediaTypeName(AVMediaType t) {
  const char* s = av_get_media_type_string(t);
  return s ? s : "unknown";
}

// The supported-config lists a codec publishes, each ending in its terminator; null where the
// codec lists none (it takes any).
template <typename T, typename End, typename Conv>
Napi::Value List(Napi::Env env, const T* list, End is_end, Conv conv) {
  if (!list) return env.Null();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const T* p = list; !is_end(*p); ++p) out.Set(n++, conv(*p));
  return out;
}

const FlagName kCodecCaps[] = {
    {AV_CODEC_CAP_DRAW_HORIZ_BAND, "drawHorizBand"},
    {AV_CODEC_CAP_DR1, "dr1"},
    {AV_CODEC_CAP_DELAY, "delay"},
    {AV_CODEC_CAP_SMALL_LAST_FRAME, "smallLastFrame"},
    {AV_CODEC_CAP_EXPERIMENTAL, "experimental"},
    {AV_CODEC_CAP_FRAME_THREADS, "frameThreads"},
    {AV_CODEC_CAP_SLICE_THREADS, "sliceThreads"},
    {AV_CODEC_CAP_PARAM_CHANGE, "paramChange"},
    {AV_CODEC_CAP_OTHER_THREADS, "otherThreads"},
    {AV_CODEC_CAP_VARIABLE_FRAME_SIZE, "variableFrameSize"},
    {AV_CODEC_CAP_AVOID_PROBING, "avoidProbing"},
    {AV_CODEC_CAP_HARDWARE, "hardware"},
    {AV_CODEC_CAP_HYBRID, "hybrid"},
    {AV_CODEC_CAP_ENCODER_FLUSH, "encoderFlush"},
};
const FlagName kCodecProps[] = {
    {AV_CODEC_PROP_INTRA_ONLY, "intraOnly"}, {AV_CODEC_PROP_LOSSY, "lossy"},
    {AV_CODEC_PROP_LOSSLESS, "lossless"},    {AV_CODEC_PROP_REORDER, "reorder"},
    {AV_CODEC_PROP_BITMAP_SUB, "bitmapSub"}, {AV_CODEC_PROP_TEXT_SUB, "textSub"},
};
const FlagName kHwMethods[] = {
    {AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX, "deviceContext"},
    {AV_CODEC_HW_CONFIG_METHOD_HW_FRAMES_CTX, "framesContext"},
    {AV_CODEC_HW_CONFIG_METHOD_INTERNAL, "internal"},
    {AV_CODEC_HW_CONFIG_METHOD_AD_HOC, "adHoc"},
};

Napi::Value HwConfigs(Napi::Env env, const AVCodec* c) {
  Napi::Array out = Napi::Array::New(env);
  for (int i = 0;; ++i) {
    const AVCodecHWConfig* cfg = avcodec_get_hw_config(c, i);
    if (!cfg) break;
    Napi::Object o = Napi::Object::New(env);
    o.Set("pixelFormat", TextOrNull(env, av_get_pix_fmt_name(cfg->pix_fmt)));
    o.Set("deviceType", cfg->device_type == AV_HWDEVICE_TYPE_NONE
                            ? env.Null()
                            : TextOrNull(env, av_hwdevice_get_type_name(cfg->device_type)));
    o.Set("methods", Flags(env, cfg->methods, kHwMethods));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value ListCodecs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  void* opaque = nullptr;
  while (const AVCodec* c = av_codec_iterate(&opaque)) {
    Napi::Object o = Napi::Object::New(env);
    const AVCodecDescriptor* desc = avcodec_descriptor_get(c->id);
    o.Set("name", c->name);
    o.Set("longName", c->long_name ? c->long_name : "");
    o.Set("kind", av_codec_is_encoder(c) ? "encoder" : "decoder");
    o.Set("type", MediaTypeName(c->type));
    o.Set("codecId", CodecIdName(env, c->id));
    o.Set("wrapper", TextOrNull(env, c->wrapper_name));
    o.Set("capabilities", Flags(env, c->capabilities, kCodecCaps));
    o.Set("properties", Flags(env, desc ? desc->props : 0, kCodecProps));
    o.Set("pixelFormats", List(
                              env, compat::CodecPixelFormats(c), [](AVPixelFormat f) { return f == AV_PIX_FMT_NONE; },
                              [&](AVPixelFormat f) { return TextOrNull(env, av_get_pix_fmt_name(f)); }));
    o.Set("sampleFormats",
          List(
              env, compat::CodecSampleFormats(c), [](AVSampleFormat f) { return f == AV_SAMPLE_FMT_NONE; },
              [&](AVSampleFormat f) { return TextOrNull(env, av_get_sample_fmt_name(f)); }));
    o.Set("sampleRates", List(
                             env, compat::CodecSampleRates(c), [](int r) { return r == 0; },
                             [&](int r) { return Napi::Number::New(env, r); }));
    o.Set("channelLayouts",
          List(
              env, compat::CodecChannelLayouts(c), [](const AVChannelLayout& l) { return l.nb_channels == 0; },
              [&](const AVChannelLayout& l) {
                char buf[128];
                if (av_channel_layout_describe(&l, buf, sizeof(buf)) < 0) return env.Null();
                return Napi::Value(Napi::String::New(env, buf));
              }));
    o.Set("frameRates", List(
                            env, compat::CodecFrameRates(c), [](AVRational r) { return r.num == 0 && r.den == 0; },
                            [&](AVRational r) {
                              Napi::Object q = Napi::Object::New(env);
                              q.Set("num", r.num);
                              q.Set("den", r.den);
                              return q;
                            }));
    o.Set("hwConfigs", HwConfigs(env, c));
    out.Set(n++, o);
  }
  return out;
}

const FlagName kFormatFlags[] = {
    {AVFMT_NOFILE, "nofile"},
    {AVFMT_NEEDNUMBER, "neednumber"},
    {AVFMT_EXPERIMENTAL, "experimental"},
    {AVFMT_SHOW_IDS, "showIds"},
    {AVFMT_GLOBALHEADER, "globalheader"},
    {AVFMT_NOTIMESTAMPS, "notimestamps"},
    {AVFMT_GENERIC_INDEX, "genericIndex"},
    {AVFMT_TS_DISCONT, "tsDiscont"},
    {AVFMT_VARIABLE_FPS, "variableFps"},
    {AVFMT_NODIMENSIONS, "nodimensions"},
    {AVFMT_NOSTREAMS, "nostreams"},
    {AVFMT_NOBINSEARCH, "nobinsearch"},
    {AVFMT_NOGENSEARCH, "nogensearch"},
    {AVFMT_NO_BYTE_SEEK, "noByteSeek"},
    {AVFMT_TS_NONSTRICT, "tsNonstrict"},
    {AVFMT_TS_NEGATIVE, "tsNegative"},
    {AVFMT_SEEK_TO_PTS, "seekToPts"},
};

// What muxers and demuxers share (AVOutputFormat and AVInputFormat have these fields alike).
template <class Format>
Napi::Object FormatEntry(Napi::Env env, const Format* f, const char* kind) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", f->name);
  o.Set("longName", f->long_name ? f->long_name : "");
  o.Set("kind", kind);
  o.Set("extensions", CommaList(env, f->extensions));
  o.Set("mimeTypes", CommaList(env, f->mime_type));
  o.Set("flags", Flags(env, f->flags, kFormatFlags));
  return o;
}

Napi::Value ListFormats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  void* opaque = nullptr;
  while (const AVOutputFormat* f = av_muxer_iterate(&opaque)) {
    Napi::Object o = FormatEntry(env, f, "muxer");
    o.Set("videoCodec", CodecIdName(env, f->video_codec));
    o.Set("audioCodec", CodecIdName(env, f->audio_codec));
    o.Set("subtitleCodec", CodecIdName(env, f->subtitle_codec));
    out.Set(n++, o);
  }
  opaque = nullptr;
  while (const AVInputFormat* f = av_demuxer_iterate(&opaque)) {
    Napi::Object o = FormatEntry(env, f, "demuxer");
    o.Set("videoCodec", env.Null());
    o.Set("audioCodec", env.Null());
    o.Set("subtitleCodec", env.Null());
    out.Set(n++, o);
  }
  return out;
}

const FlagName kFilterFlags[] = {
    {AVFILTER_FLAG_DYNAMIC_INPUTS, "dynamicInputs"},
    {AVFILTER_FLAG_DYNAMIC_OUTPUTS, "dynamicOutputs"},
    {AVFILTER_FLAG_SLICE_THREADS, "sliceThreads"},
    {AVFILTER_FLAG_METADATA_ONLY, "metadataOnly"},
    {AVFILTER_FLAG_SUPPORT_TIMELINE_GENERIC, "timelineGeneric"},
    {AVFILTER_FLAG_SUPPORT_TIMELINE_INTERNAL, "timelineInternal"},
};

Napi::Array Pads(Napi::Env env, const Lavfi& lf, const AVFilter* f, bool output) {
  Napi::Array out = Napi::Array::New(env);
  const AVFilterPad* pads = output ? f->outputs : f->inputs;
  unsigned count = lf.avfilter_filter_pad_count(f, output ? 1 : 0);
  for (unsigned i = 0; i < count; ++i) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("name", lf.avfilter_pad_get_name(pads, static_cast<int>(i)));
    p.Set("type", MediaTypeName(lf.avfilter_pad_get_type(pads, static_cast<int>(i))));
    out.Set(i, p);
  }
  return out;
}

// Throws an AvError (ENOSYS) when libavfilter cannot be loaded.
Napi::Value ListFilters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Lavfi* loaded = nullptr;
  try {
    loaded = &lavfi();
  } catch (const AvException& e) {
    throw e.ToJs(env);
  }
  const Lavfi& lf = *loaded;
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  void* opaque = nullptr;
  while (const AVFilter* f = lf.av_filter_iterate(&opaque)) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", f->name);
    o.Set("description", f->description ? f->description : "");
    o.Set("inputs", Pads(env, lf, f, false));
    o.Set("outputs", Pads(env, lf, f, true));
    o.Set("flags", Flags(env, f->flags, kFilterFlags));
    out.Set(n++, o);
  }
  return out;
}

const FlagName kPixFlags[] = {
    {AV_PIX_FMT_FLAG_BE, "be"},           {AV_PIX_FMT_FLAG_PAL, "pal"},       {AV_PIX_FMT_FLAG_BITSTREAM, "bitstream"},
    {AV_PIX_FMT_FLAG_HWACCEL, "hwaccel"}, {AV_PIX_FMT_FLAG_PLANAR, "planar"}, {AV_PIX_FMT_FLAG_RGB, "rgb"},
    {AV_PIX_FMT_FLAG_ALPHA, "alpha"},     {AV_PIX_FMT_FLAG_BAYER, "bayer"},   {AV_PIX_FMT_FLAG_FLOAT, "float"},
};

Napi::Value ListPixelFormats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const AVPixFmtDescriptor* d = av_pix_fmt_desc_next(nullptr); d; d = av_pix_fmt_desc_next(d)) {
    AVPixelFormat fmt = av_pix_fmt_desc_get_id(d);
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", d->name);
    o.Set("components", static_cast<int>(d->nb_components));
    o.Set("bitsPerPixel", av_get_bits_per_pixel(d));
    o.Set("paddedBitsPerPixel", av_get_padded_bits_per_pixel(d));
    o.Set("planes", av_pix_fmt_count_planes(fmt));
    o.Set("log2ChromaW", static_cast<int>(d->log2_chroma_w));
    o.Set("log2ChromaH", static_cast<int>(d->log2_chroma_h));
    Napi::Array depths = Napi::Array::New(env);
    for (int i = 0; i < d->nb_components; ++i) depths.Set(static_cast<uint32_t>(i), d->comp[i].depth);
    o.Set("componentDepths", depths);
    o.Set("flags", Flags(env, static_cast<int64_t>(d->flags), kPixFlags));
    o.Set("alias", TextOrNull(env, d->alias));
    o.Set("scalerInput", sws_isSupportedInput(fmt) > 0);
    o.Set("scalerOutput", sws_isSupportedOutput(fmt) > 0);
    out.Set(n++, o);
  }
  return out;
}

Napi::Value ListSampleFormats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (int i = 0; i < AV_SAMPLE_FMT_NB; ++i) {
    auto fmt = static_cast<AVSampleFormat>(i);
    const char* name = av_get_sample_fmt_name(fmt);
    if (!name) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", name);
    o.Set("bytesPerSample", av_get_bytes_per_sample(fmt));
    o.Set("planar", av_sample_fmt_is_planar(fmt) != 0);
    o.Set("packedName", TextOrNull(env, av_get_sample_fmt_name(av_get_packed_sample_fmt(fmt))));
    o.Set("planarName", TextOrNull(env, av_get_sample_fmt_name(av_get_planar_sample_fmt(fmt))));
    out.Set(n++, o);
  }
  return out;
}

}  // namespace

void InitListings(Napi::Env env, Napi::Object exports) {
  exports.Set("listCodecs", Napi::Function::New(env, ListCodecs));
  exports.Set("listFormats", Napi::Function::New(env, ListFormats));
  exports.Set("listFilters", Napi::Function::New(env, ListFilters));
  exports.Set("listPixelFormats", Napi::Function::New(env, ListPixelFormats));
  exports.Set("listSampleFormats", Napi::Function::New(env, ListSampleFormats));
}

}  // namespace avf
