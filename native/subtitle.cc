#include "subtitle.h"

#include <cstring>
#include <memory>
#include <utility>

namespace avf {

namespace {

// Frees the AVSubtitle whatever the decoder left in it: a failed decode can hold rects too.
struct SubtitleFree {
  AVSubtitle* sub;
  ~SubtitleFree() { avsubtitle_free(sub); }
};

SubtitleRect CopyRect(const AVSubtitleRect& r) {
  SubtitleRect out;
  out.type = r.type;
  out.x = r.x;
  out.y = r.y;
  out.width = r.w;
  out.height = r.h;
  out.forced = (r.flags & AV_SUBTITLE_FLAG_FORCED) != 0;
  if (r.text) out.text = r.text;
  if (r.ass) out.ass = r.ass;
  if (r.type == SUBTITLE_BITMAP && r.data[0] && r.w > 0 && r.h > 0 && r.linesize[0] >= r.w) {
    out.linesize = r.linesize[0];
    size_t size = static_cast<size_t>(r.linesize[0]) * static_cast<size_t>(r.h);
    out.data.assign(r.data[0], r.data[0] + size);
    // PAL8: native-endian 0xAARRGGBB words; JS gets R, G, B, A bytes, as ImageData holds them.
    if (r.data[1] && r.nb_colors > 0) {
      out.colors = r.nb_colors > 256 ? 256 : r.nb_colors;
      out.palette.resize(static_cast<size_t>(out.colors) * 4);
      for (int i = 0; i < out.colors; i++) {
        uint32_t argb;
        memcpy(&argb, r.data[1] + 4 * i, 4);
        uint8_t* rgba = &out.palette[4 * static_cast<size_t>(i)];
        rgba[0] = static_cast<uint8_t>(argb >> 16);
        rgba[1] = static_cast<uint8_t>(argb >> 8);
        rgba[2] = static_cast<uint8_t>(argb);
        rgba[3] = static_cast<uint8_t>(argb >> 24);
      }
    }
  }
  return out;
}

const char* RectType(int type) {
  switch (type) {
    case SUBTITLE_BITMAP: return "bitmap";
    case SUBTITLE_TEXT: return "text";
    case SUBTITLE_ASS: return "ass";
    default: return "none";
  }
}

Napi::Object RectToJs(Napi::Env env, const SubtitleRect& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", RectType(r.type));
  o.Set("x", r.x);
  o.Set("y", r.y);
  o.Set("width", r.width);
  o.Set("height", r.height);
  o.Set("forced", r.forced);
  if (r.type == SUBTITLE_TEXT || !r.text.empty()) o.Set("text", r.text);
  if (r.type == SUBTITLE_ASS || !r.ass.empty()) o.Set("ass", r.ass);
  if (r.type == SUBTITLE_BITMAP) {
    o.Set("linesize", r.linesize);
    o.Set("nbColors", r.colors);
    Napi::Uint8Array data = Napi::Uint8Array::New(env, r.data.size());
    if (!r.data.empty()) memcpy(data.Data(), r.data.data(), r.data.size());
    o.Set("data", data);
    Napi::Uint32Array palette = Napi::Uint32Array::New(env, static_cast<size_t>(r.colors));
    if (!r.palette.empty()) memcpy(palette.Data(), r.palette.data(), r.palette.size());
    o.Set("palette", palette);
  }
  return o;
}

}  // namespace

bool DecodeSubtitle(CodecState& s, AVPacket* pkt, std::vector<DecodedSubtitle>& out) {
  PacketPtr end;
  if (!pkt) {  // the end of the stream: an empty packet, which only AV_CODEC_CAP_DELAY decoders act on
    end.reset(av_packet_alloc());
    if (!end) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    pkt = end.get();
  }
  AVSubtitle sub{};
  int got = 0;
  int ret;
  {
    SubtitleFree guard{&sub};
    ret = avcodec_decode_subtitle2(s.ctx.get(), &sub, &got, pkt);
    if (ret >= 0 && got) {
      DecodedSubtitle d;
      d.format = sub.format;
      d.pts = sub.pts;
      d.start_ms = sub.start_display_time;
      d.end_ms = sub.end_display_time;
      d.rects.reserve(sub.num_rects);
      for (unsigned i = 0; i < sub.num_rects; i++)
        if (sub.rects[i]) d.rects.push_back(CopyRect(*sub.rects[i]));
      out.push_back(std::move(d));
    }
  }
  if (ret < 0) {
    SkipDamaged(s, ret, "avcodec_decode_subtitle2");
    return false;
  }
  return got != 0;
}

Napi::Array SubtitlesToJs(Napi::Env env, const std::vector<DecodedSubtitle>& subs) {
  Napi::Array list = Napi::Array::New(env, subs.size());
  for (size_t i = 0; i < subs.size(); i++) {
    const DecodedSubtitle& d = subs[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("format", d.format);
    o.Set("pts", d.pts == AV_NOPTS_VALUE ? env.Null() : Napi::Number::New(env, static_cast<double>(d.pts)));
    o.Set("startDisplayTime", static_cast<double>(d.start_ms));
    o.Set("endDisplayTime", static_cast<double>(d.end_ms));
    Napi::Array rects = Napi::Array::New(env, d.rects.size());
    for (size_t j = 0; j < d.rects.size(); j++) rects.Set(static_cast<uint32_t>(j), RectToJs(env, d.rects[j]));
    o.Set("rects", rects);
    list.Set(static_cast<uint32_t>(i), o);
  }
  return list;
}

}  // namespace avf
