#include "codec_parameters.h"

#include <cstring>
#include <string>
#include <utility>

#include "common/executor.h"
#include "common/instance.h"
#include "common/options.h"
#include "common/tree.h"

namespace avf {

const napi_type_tag CodecParameters::kTag = {0x6176666f72676501ULL, 0x636f646563700001ULL};

Napi::Function CodecParameters::Init(Napi::Env env) {
  return DefineClass(env, "CodecParameters", {Method<&CodecParameters::Describe>("describe")});
}

Napi::Object CodecParameters::Wrap(Napi::Env env, const AVCodecParameters* par) {
  Napi::Object obj = GetInstance(env).codecParametersClass.New({});
  Check(avcodec_parameters_copy(CodecParameters::Unwrap(obj)->par_.get(), par), "avcodec_parameters_copy");
  return obj;
}

CodecParameters::CodecParameters(const Napi::CallbackInfo& info)
    : Wrapped<CodecParameters>(info), par_(avcodec_parameters_alloc()) {
  Tag(info);
  if (!par_) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc").ToJs(info.Env());
}

CodecParametersPtr CodecParameters::Copy() const {
  CodecParametersPtr p(avcodec_parameters_alloc());
  if (!p) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
  Check(avcodec_parameters_copy(p.get(), par_.get()), "avcodec_parameters_copy");
  return p;
}

Napi::Value CodecParameters::Describe(const Napi::CallbackInfo& info) {
  return DescribeCodecParameters(par_.get()).ToJs(info.Env());
}

// ---- Tree ----

Tree Tree::Rational(AVRational r) {
  Tree t = Object();
  t.Set("num", r.num).Set("den", r.den);
  return t;
}

Tree Tree::Timestamp(int64_t ts) { return ts == AV_NOPTS_VALUE ? Tree() : Tree(ts); }

Tree Tree::Dictionary(const AVDictionary* dict) {
  Tree t = Object();
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))) t.Set(e->key, e->value);
  return t;
}

Tree Tree::Params(const AVCodecParameters* par) {
  Tree t;
  t.kind_ = kParams;
  AVCodecParameters* copy = avcodec_parameters_alloc();
  if (!copy || avcodec_parameters_copy(copy, par) < 0) {
    avcodec_parameters_free(&copy);
    throw AvException(AVERROR(ENOMEM), "avcodec_parameters_copy");
  }
  t.params_.reset(copy, CodecParametersFree());
  return t;
}

Napi::Value Tree::ToJs(Napi::Env env) const {
  switch (kind_) {
    case kNull: return env.Null();
    case kNumber: return Napi::Number::New(env, num_);
    case kBool: return Napi::Boolean::New(env, num_ != 0);
    case kString: return Napi::String::New(env, str_);
    case kParams: return CodecParameters::Wrap(env, params_.get());
    case kArray: {
      Napi::Array a = Napi::Array::New(env, items_.size());
      for (size_t i = 0; i < items_.size(); i++) a.Set(i, items_[i].ToJs(env));
      return a;
    }
    case kObject: {
      Napi::Object o = Napi::Object::New(env);
      for (const auto& [k, v] : fields_) o.Set(k, v.ToJs(env));
      return o;
    }
  }
  return env.Null();
}

namespace {

const char* MediaTypeName(AVMediaType t) {
  const char* s = av_get_media_type_string(t);
  return s ? s : "unknown";
}

std::string TagString(uint32_t tag) {
  char buf[AV_FOURCC_MAX_STRING_SIZE] = {0};
  av_fourcc_make_string(buf, tag);
  return buf;
}

}  // namespace

Tree DescribeCodecParameters(const AVCodecParameters* par) {
  Tree t = Tree::Object();
  const AVCodecDescriptor* desc = avcodec_descriptor_get(par->codec_id);
  t.Set("type", MediaTypeName(par->codec_type));
  t.Set("codecId", static_cast<int>(par->codec_id));
  t.Set("codecName", desc ? desc->name : "unknown");
  t.Set("codecLongName", desc && desc->long_name ? desc->long_name : "unknown");
  t.Set("codecTag", static_cast<int64_t>(par->codec_tag));
  t.Set("codecTagString", TagString(par->codec_tag));
  const char* profile = avcodec_profile_name(par->codec_id, par->profile);
  t.Set("profile", par->profile);
  t.Set("profileName", profile ? Tree(profile) : Tree());
  t.Set("level", par->level);
  t.Set("bitRate", par->bit_rate);
  t.Set("bitsPerRawSample", par->bits_per_raw_sample);
  t.Set("bitsPerCodedSample", par->bits_per_coded_sample);
  t.Set("extradataSize", par->extradata_size);
  if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
    const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
    t.Set("width", par->width).Set("height", par->height);
    t.Set("pixelFormat", pix ? Tree(pix) : Tree());
    t.Set("sampleAspectRatio", Tree::Rational(par->sample_aspect_ratio));
    t.Set("fieldOrder", static_cast<int>(par->field_order));
    t.Set("colorRange", av_color_range_name(par->color_range));
    t.Set("colorSpace", av_color_space_name(par->color_space));
    t.Set("colorPrimaries", av_color_primaries_name(par->color_primaries));
    t.Set("colorTransfer", av_color_transfer_name(par->color_trc));
    t.Set("chromaLocation", av_chroma_location_name(par->chroma_location));
    t.Set("videoDelay", par->video_delay);
  } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
    const char* fmt = av_get_sample_fmt_name(static_cast<AVSampleFormat>(par->format));
    char layout[128] = {0};
    if (par->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC || par->ch_layout.nb_channels > 0)
      av_channel_layout_describe(&par->ch_layout, layout, sizeof(layout));
    t.Set("sampleRate", par->sample_rate);
    t.Set("channels", par->ch_layout.nb_channels);
    t.Set("channelLayout", par->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC ? Tree() : Tree(layout));
    t.Set("sampleFormat", fmt ? Tree(fmt) : Tree());
    t.Set("frameSize", par->frame_size);
    t.Set("initialPadding", par->initial_padding);
    t.Set("blockAlign", par->block_align);
  }
  return t;
}

Tree DescribeStream(const AVStream* st) {
  Tree t = Tree::Object();
  t.Set("index", st->index);
  t.Set("id", st->id);
  t.Set("type", MediaTypeName(st->codecpar->codec_type));
  t.Set("timeBase", Tree::Rational(st->time_base));
  t.Set("startTime", Tree::Timestamp(st->start_time));
  t.Set("duration", Tree::Timestamp(st->duration));
  t.Set("nbFrames", st->nb_frames);
  t.Set("rFrameRate", Tree::Rational(st->r_frame_rate));
  t.Set("avgFrameRate", Tree::Rational(st->avg_frame_rate));
  t.Set("sampleAspectRatio", Tree::Rational(st->sample_aspect_ratio));
  Tree disposition = Tree::Object();
  // Every disposition this libavformat names, in bit order: ffprobe's list and order.
  for (int bit = 0; bit < 32; bit++) {
    const char* name = av_disposition_to_string(1 << bit);
    if (name) disposition.Set(name, (st->disposition & (1 << bit)) != 0);
  }
  t.Set("disposition", std::move(disposition));
  std::string mime = compat::MimeCodecString(st->codecpar, st->avg_frame_rate);
  if (!mime.empty()) t.Set("mimeCodecString", mime);
  t.Set("metadata", Tree::Dictionary(st->metadata));
  size_t size = 0;
  const uint8_t* matrix = compat::StreamSideData(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (matrix && size >= 9 * sizeof(int32_t)) {
    int32_t m[9];
    memcpy(m, matrix, sizeof(m));
    double rotation = av_display_rotation_get(m);
    t.Set("rotation", rotation == rotation ? Tree(rotation) : Tree());  // NaN -> null
    Tree elements = Tree::Array();
    for (int32_t v : m) elements.Push(Tree(static_cast<double>(v)));
    t.Set("displayMatrix", std::move(elements));
  } else {
    t.Set("rotation", Tree());
    t.Set("displayMatrix", Tree());
  }
  Tree side = Tree::Array();
  for (int i = 0; i < compat::StreamSideDataCount(st); i++) {
    const char* name = av_packet_side_data_name(compat::StreamSideDataType(st, i));
    side.Push(name ? name : "unknown");
  }
  t.Set("sideData", std::move(side));
  const uint8_t* cpb = compat::StreamSideData(st, AV_PKT_DATA_CPB_PROPERTIES, &size);
  if (cpb && size >= sizeof(AVCPBProperties)) {
    AVCPBProperties p;
    memcpy(&p, cpb, sizeof(p));
    Tree props = Tree::Object();
    props.Set("maxBitrate", Tree(static_cast<double>(p.max_bitrate)));
    props.Set("minBitrate", Tree(static_cast<double>(p.min_bitrate)));
    props.Set("avgBitrate", Tree(static_cast<double>(p.avg_bitrate)));
    props.Set("bufferSize", Tree(static_cast<double>(p.buffer_size)));
    props.Set(
        "vbvDelay",
        Tree(static_cast<double>(static_cast<int64_t>(p.vbv_delay))));  // UINT64_MAX: unknown, -1 as ffprobe prints it
    t.Set("cpb", std::move(props));
  }
  t.Set("codec", DescribeCodecParameters(st->codecpar));
  t.Set("codecParameters", Tree::Params(st->codecpar));
  return t;
}

}  // namespace avf
