#include "option_listing.h"

// (C++ needs UINT64_C, which libavutil uses, defined before its headers)
#include <stdint.h>

extern "C" {
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <string>
#include <unordered_map>
#include <vector>

#include "codec.h"
#include "common/compat.h"
#include "common/devices.h"
#include "common/error.h"
#include "common/lavfi.h"
#include "common/options.h"

namespace avf {

namespace {

const AVOutputFormat* FindMuxer(const std::string& name) {
  const AVOutputFormat* f = av_guess_format(name.c_str(), nullptr, nullptr);
  if (!f) throw AvException(AVERROR_MUXER_NOT_FOUND, "av_guess_format", name);
  return f;
}
const AVInputFormat* FindDemuxer(const std::string& name) {
  const AVInputFormat* f = FindInputFormat(name);
  if (!f) throw AvException(AVERROR_DEMUXER_NOT_FOUND, "av_find_input_format", name);
  return f;
}
// A protocol's class, null for one without options; throws PROTOCOL_NOT_FOUND for an unknown one
// (avio_protocol_get_class answers null for both).
const AVClass* ProtocolClass(const std::string& name) {
  for (int output = 0; output <= 1; ++output) {
    void* opaque = nullptr;
    while (const char* p = avio_enum_protocols(&opaque, output))
      if (name == p) return avio_protocol_get_class(p);
  }
  throw AvException(AVERROR_PROTOCOL_NOT_FOUND, "avio_protocol_get_class", name);
}

// The classes whose options options(kind, name) lists: one, or for 'codec' the encoder's and
// the decoder's of that exact name. A null entry is a thing with no options of its own.
std::vector<const AVClass*> ClassesOf(const std::string& kind, const std::string& name) {
  if (kind == "codec") {
    const AVCodec* enc = avcodec_find_encoder_by_name(name.c_str());
    const AVCodec* dec = avcodec_find_decoder_by_name(name.c_str());
    if (!enc && !dec) throw AvException(AVERROR_DECODER_NOT_FOUND, "avcodec_find_encoder/decoder", name);
    std::vector<const AVClass*> out;
    if (enc) out.push_back(enc->priv_class);
    if (dec && (!enc || dec->priv_class != enc->priv_class)) out.push_back(dec->priv_class);
    return out;
  }
  if (kind == "encoder") return {FindCodec(true, name, AV_CODEC_ID_NONE)->priv_class};
  if (kind == "decoder") return {FindCodec(false, name, AV_CODEC_ID_NONE)->priv_class};
  if (kind == "muxer") return {FindMuxer(name)->priv_class};
  if (kind == "demuxer") return {FindDemuxer(name)->priv_class};
  if (kind == "protocol") return {ProtocolClass(name)};
  if (kind == "filter") {
    const AVFilter* f = lavfi().avfilter_get_by_name(name.c_str());
    if (!f) throw AvException(AVERROR_FILTER_NOT_FOUND, "avfilter_get_by_name", name);
    return {f->priv_class};
  }
  if (kind == "codec-generic") return {avcodec_get_class()};
  if (kind == "format-generic") return {avformat_get_class()};
  if (kind == "swscale") return {sws_get_class()};
  if (kind == "swresample") return {swr_get_class()};
  throw AvException("EINVAL", "Unknown option class '" + kind + "'", "options");
}

Napi::Value TextOrNull(Napi::Env env, const char* s) { return s ? Napi::Value(Napi::String::New(env, s)) : env.Null(); }

// The default as libav stores it: a number, a string, a format's name, a channel layout's
// description; null where there is none.
Napi::Value DefaultOf(Napi::Env env, const AVOption* o) {
  if (compat::OptionIsArray(o)) return TextOrNull(env, compat::OptionArrayDefault(o));
  const int64_t i = o->default_val.i64;
  switch (compat::DescribeOptionType(o).value) {
    case compat::OptionType::kInt: return Napi::Number::New(env, static_cast<double>(i));
    case compat::OptionType::kUint: return Napi::Number::New(env, static_cast<double>(static_cast<uint64_t>(i)));
    case compat::OptionType::kDouble: return Napi::Number::New(env, o->default_val.dbl);
    case compat::OptionType::kString: return TextOrNull(env, o->default_val.str);
    case compat::OptionType::kPixelFormat: return TextOrNull(env, av_get_pix_fmt_name(static_cast<AVPixelFormat>(i)));
    case compat::OptionType::kSampleFormat:
      return TextOrNull(env, av_get_sample_fmt_name(static_cast<AVSampleFormat>(i)));
    case compat::OptionType::kChannelMask: {
      AVChannelLayout layout{};
      char text[128];
      if (i == 0 || av_channel_layout_from_mask(&layout, static_cast<uint64_t>(i)) < 0) return env.Null();
      int ret = av_channel_layout_describe(&layout, text, sizeof(text));
      av_channel_layout_uninit(&layout);
      return ret < 0 ? env.Null() : Napi::Value(Napi::String::New(env, text));
    }
    case compat::OptionType::kNone: break;
  }
  return env.Null();
}

Napi::Object FlagsOf(Napi::Env env, int flags) {
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, int bit) { out.Set(name, (flags & bit) != 0); };
  set("encoding", AV_OPT_FLAG_ENCODING_PARAM);
  set("decoding", AV_OPT_FLAG_DECODING_PARAM);
  set("video", AV_OPT_FLAG_VIDEO_PARAM);
  set("audio", AV_OPT_FLAG_AUDIO_PARAM);
  set("subtitle", AV_OPT_FLAG_SUBTITLE_PARAM);
  set("filtering", AV_OPT_FLAG_FILTERING_PARAM);
  set("bsf", AV_OPT_FLAG_BSF_PARAM);
  set("export", AV_OPT_FLAG_EXPORT);
  set("readonly", AV_OPT_FLAG_READONLY);
  set("runtime", AV_OPT_FLAG_RUNTIME_PARAM);
  set("deprecated", AV_OPT_FLAG_DEPRECATED);
  return out;
}

// A class's options, each with the named constants of its unit folded in (the constants are
// AVOptions of their own in the table: AV_OPT_TYPE_CONST entries sharing the unit).
void AppendOptions(Napi::Env env, const AVClass* cls, Napi::Array& out) {
  if (!cls) return;
  std::unordered_map<std::string, std::vector<const AVOption*>> constants;
  for (const AVOption* o = nullptr; (o = av_opt_next(&cls, o));)
    if (o->type == AV_OPT_TYPE_CONST && o->unit) constants[o->unit].push_back(o);
  for (const AVOption* o = nullptr; (o = av_opt_next(&cls, o));) {
    if (o->type == AV_OPT_TYPE_CONST) continue;
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", o->name);
    e.Set("help", o->help ? o->help : "");
    e.Set("type", compat::DescribeOptionType(o).name);
    e.Set("array", compat::OptionIsArray(o));
    e.Set("default", DefaultOf(env, o));
    e.Set("min", o->min);
    e.Set("max", o->max);
    e.Set("flags", FlagsOf(env, o->flags));
    e.Set("unit", TextOrNull(env, o->unit));
    Napi::Array named = Napi::Array::New(env);
    uint32_t n = 0;
    if (o->unit) {
      auto found = constants.find(o->unit);
      if (found != constants.end()) {
        for (const AVOption* c : found->second) {
          Napi::Object k = Napi::Object::New(env);
          k.Set("name", c->name);
          k.Set("help", c->help ? c->help : "");
          k.Set("value", static_cast<double>(c->default_val.i64));
          named.Set(n++, k);
        }
      }
    }
    e.Set("constants", named);
    out.Set(out.Length(), e);
  }
}

// listOptions(kind, name): name is ignored for the generic classes (src/core/av_options.ts
// refuses one).
Napi::Value ListOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    std::string kind = ToText(info[0], "kind");
    std::string name = info[1].IsString() ? ToText(info[1], "name") : std::string();
    Napi::Array out = Napi::Array::New(env);
    for (const AVClass* cls : ClassesOf(kind, name)) AppendOptions(env, cls, out);
    return out;
  } catch (const AvException& e) {
    throw e.ToJs(env);
  }
}

// Whether a class has a (non-constant) option of that name with all of `flags`.
bool Has(const AVClass* cls, const char* name, int flags, bool children = false) {
  if (!cls) return false;
  int search = AV_OPT_SEARCH_FAKE_OBJ | (children ? AV_OPT_SEARCH_CHILDREN : 0);
  return av_opt_find2(&cls, name, nullptr, flags, search, nullptr) != nullptr;
}

int MediaFlag(AVMediaType type) {
  switch (type) {
    case AVMEDIA_TYPE_VIDEO: return AV_OPT_FLAG_VIDEO_PARAM;
    case AVMEDIA_TYPE_AUDIO: return AV_OPT_FLAG_AUDIO_PARAM;
    case AVMEDIA_TYPE_SUBTITLE: return AV_OPT_FLAG_SUBTITLE_PARAM;
    default: return 0;
  }
}

// As the CLI keeps a codec option for a stream (filter_codec_opts): the generic codec class or
// the codec's own, for its direction and media type.
bool CodecTakes(const AVCodec* codec, const char* name, int direction) {
  int flags = direction | MediaFlag(codec->type);
  return Has(avcodec_get_class(), name, flags) || Has(codec->priv_class, name, flags);
}

std::string ContextName(const Napi::Object& ctx, const char* key) {
  Napi::Value v = ctx.Get(key);
  return v.IsUndefined() ? std::string() : ToText(v, key);
}

// routeOption(option, {encoder, decoder, muxer, demuxer, protocol}): the layers the ffmpeg CLI
// hands an unknown `-option value` to (opt_default): the codec layer and the format layer both
// take it when both have it (the protocol's options travel with the format's); libswscale only
// when neither does, libswresample only when libswscale does not either. Where the context names
// no codec (or no format), any codec's (format's) options count, as the CLI's search does before
// it knows them.
Napi::Value RouteOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    std::string option = ToText(info[0], "option");
    const char* name = option.c_str();
    Napi::Object ctx = info[1].As<Napi::Object>();
    std::string encoder = ContextName(ctx, "encoder"), decoder = ContextName(ctx, "decoder");
    std::string muxer = ContextName(ctx, "muxer"), demuxer = ContextName(ctx, "demuxer");
    std::string protocol = ContextName(ctx, "protocol");
    const int kEnc = AV_OPT_FLAG_ENCODING_PARAM, kDec = AV_OPT_FLAG_DECODING_PARAM;

    // Every name is looked up first: an unknown one is an error whatever the option.
    const AVCodec* enc = encoder.empty() ? nullptr : FindCodec(true, encoder, AV_CODEC_ID_NONE);
    const AVCodec* dec = decoder.empty() ? nullptr : FindCodec(false, decoder, AV_CODEC_ID_NONE);
    const AVOutputFormat* mux = muxer.empty() ? nullptr : FindMuxer(muxer);
    const AVInputFormat* demux = demuxer.empty() ? nullptr : FindDemuxer(demuxer);
    const AVClass* proto = protocol.empty() ? nullptr : ProtocolClass(protocol);

    bool codec = (enc && CodecTakes(enc, name, kEnc)) || (dec && CodecTakes(dec, name, kDec));
    if (!enc && !dec) codec = Has(avcodec_get_class(), name, 0, true);
    const AVClass* generic = avformat_get_class();
    bool format = (mux && (Has(generic, name, kEnc) || Has(mux->priv_class, name, kEnc))) ||
                  (demux && (Has(generic, name, kDec) || Has(demux->priv_class, name, kDec)));
    if (!mux && !demux) format = Has(generic, name, 0, true);
    // A protocol's options are meant for one direction or both, but few say which.
    bool in_protocol = Has(proto, name, 0);

    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    if (codec) out.Set(n++, "codec");
    if (format) out.Set(n++, "format");
    if (in_protocol) out.Set(n++, "protocol");
    if (n == 0 && Has(sws_get_class(), name, 0, true)) out.Set(n++, "swscale");
    if (n == 0 && Has(swr_get_class(), name, 0, true)) out.Set(n++, "swresample");
    return out;
  } catch (const AvException& e) {
    throw e.ToJs(env);
  }
}

}  // namespace

void InitOptionListing(Napi::Env env, Napi::Object exports) {
  exports.Set("listOptions", Napi::Function::New(env, ListOptions));
  exports.Set("routeOption", Napi::Function::New(env, RouteOption));
}

}  // namespace avf
