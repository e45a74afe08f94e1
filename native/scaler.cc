#include "scaler.h"

extern "C" {
#include <libswscale/swscale.h>
}

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "common/options.h"
#include "frame.h"

namespace avf {

const napi_type_tag Scaler::kTag = {0x6176666f72676501ULL, 0x7363616c65720001ULL};

namespace {

int FlagsFromName(const std::string& name) {
  static const struct {
    const char* name;
    int flag;
  } kFlags[] = {
      {"fast_bilinear", SWS_FAST_BILINEAR},
      {"bilinear", SWS_BILINEAR},
      {"bicubic", SWS_BICUBIC},
      {"experimental", SWS_X},
      {"neighbor", SWS_POINT},
      {"area", SWS_AREA},
      {"bicublin", SWS_BICUBLIN},
      {"gauss", SWS_GAUSS},
      {"sinc", SWS_SINC},
      {"lanczos", SWS_LANCZOS},
      {"spline", SWS_SPLINE},
  };
  for (const auto& f : kFlags)
    if (name == f.name) return f.flag;
  return -1;
}

}  // namespace

Napi::Function Scaler::Init(Napi::Env env) {
  return DefineClass(env, "Scaler",
                     {
                         Method<&Scaler::Scale>("scale"),
                         Method<&Scaler::Close>("close"),
                         InstanceAccessor("closed", &Scaler::IsClosed, nullptr),
                     });
}

// new Scaler({ width?, height?, pixelFormat?, algorithm? })
Scaler::Scaler(const Napi::CallbackInfo& info) : AsyncWrapped<Scaler, ScalerState>(info) {
  Tag(info);
  Napi::Object o = info[0].As<Napi::Object>();
  state_->width = static_cast<int>(GetInt(o, "width", 0));
  state_->height = static_cast<int>(GetInt(o, "height", 0));
  std::string format = GetString(o, "pixelFormat");
  if (!format.empty() && (state_->format = av_get_pix_fmt(format.c_str())) == AV_PIX_FMT_NONE)
    throw AvException("EINVAL", "Unknown pixel format: " + format, "Scaler").ToJs(info.Env());
  std::string algorithm = GetString(o, "algorithm", "bicubic");
  state_->flags = FlagsFromName(algorithm);
  if (state_->flags < 0)
    throw AvException("EINVAL", "Unknown scaling algorithm: " + algorithm, "Scaler").ToJs(info.Env());
  // Exact output (the same bytes as the CLI's scale filter with these flags).
  state_->flags |= SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
}

// scale(Frame[]) -> Frame[]: one new frame per input, with the input's timestamps.
Napi::Value Scaler::Scale(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<FramePtr> frames;
  for (uint32_t i = 0; i < list.Length(); i++) frames.push_back(RefFrame(Frame::From(list.Get(i))->get("scale")));
  return Run(
      info, "scale",
      [frames = std::move(frames)](ScalerState& s) mutable {
        std::vector<FramePtr> out;
        for (auto& in : frames) {
          if (in->width <= 0 || in->height <= 0) throw AvException("EINVAL", "Not a video frame", "sws_scale");
          auto src_fmt = static_cast<AVPixelFormat>(in->format);
          int w = s.width > 0 ? s.width : in->width;
          int h = s.height > 0 ? s.height : in->height;
          AVPixelFormat fmt = s.format != AV_PIX_FMT_NONE ? s.format : src_fmt;
          // (it frees the old context when it makes a new one, or fails)
          s.sws.reset(sws_getCachedContext(s.sws.release(), in->width, in->height, src_fmt, w, h, fmt, s.flags, nullptr,
                                           nullptr, nullptr));
          if (!s.sws) throw AvException("EINVAL", "Cannot convert between these formats", "sws_getCachedContext");
          FramePtr dst(av_frame_alloc());
          if (!dst) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
          dst->width = w;
          dst->height = h;
          dst->format = fmt;
          Check(av_frame_get_buffer(dst.get(), 0), "av_frame_get_buffer");
          Check(av_frame_copy_props(dst.get(), in.get()), "av_frame_copy_props");
          Check(sws_scale(s.sws.get(), in->data, in->linesize, 0, in->height, dst->data, dst->linesize), "sws_scale");
          out.push_back(std::move(dst));
        }
        return out;
      },
      [](Napi::Env env, std::vector<FramePtr>& out) { return Frame::WrapAll(env, out); });
}

}  // namespace avf
