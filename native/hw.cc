#include "hw.h"

#include <cstdio>
#include <string>
#include <utility>

#include "common/log.h"
#include "common/tree.h"

namespace avf {

const napi_type_tag HwDevice::kTag = {0x6176666f72676501ULL, 0x6877646576000001ULL};

namespace {

// What libav says while a device opens, at error level: the cause a failure's AVERROR does not
// tell ("Cannot load libcuda.so.1" behind EPERM), kept out of the log and put in the error.
struct DeviceErrors final : LogObserver {
  std::string text;
  bool See(void*, int level, const char* fmt, va_list vl) override {
    if (level > AV_LOG_ERROR) return false;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, vl);
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '.')) s.pop_back();
    if (!s.empty() && text.size() < 1024) text += (text.empty() ? "" : "; ") + s;
    return true;
  }
};

}  // namespace

BufferPtr OpenHwDevice(const std::string& type, const std::string& device, Dict& options) {
  AVHWDeviceType t = av_hwdevice_find_type_by_name(type.c_str());
  if (t == AV_HWDEVICE_TYPE_NONE)
    throw AvException("ENOSYS", "This FFmpeg has no '" + type + "' hardware device type",
                      "av_hwdevice_find_type_by_name");
  AVBufferRef* ref = nullptr;
  DeviceErrors errors;
  int ret;
  {
    ScopedLogObserver watch(&errors);
    ret = av_hwdevice_ctx_create(&ref, t, device.empty() ? nullptr : device.c_str(), *options.ptr(), 0);
  }
  if (ret < 0) {
    AvException e(ret, "av_hwdevice_ctx_create", device.empty() ? type : type + ":" + device);
    e.message =
        "Cannot open the " + type + " device: " + e.message + (errors.text.empty() ? "" : " (" + errors.text + ")");
    throw e;
  }
  return BufferPtr(ref);
}

AVPixelFormat HwDecodeFormat(const AVCodec* codec, AVHWDeviceType type) {
  for (int i = 0;; i++) {
    const AVCodecHWConfig* config = avcodec_get_hw_config(codec, i);
    if (!config) return AV_PIX_FMT_NONE;
    if ((config->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX) && config->device_type == type)
      return config->pix_fmt;
  }
}

namespace {

// get_format: the hardware format when offered, else the decoder's first software one.
AVPixelFormat PickFormat(AVCodecContext* ctx, const AVPixelFormat* formats) {
  auto wanted = static_cast<AVPixelFormat>(reinterpret_cast<intptr_t>(ctx->opaque));
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; f++)
    if (*f == wanted) return *f;
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; f++) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(*f);
    if (d && !(d->flags & AV_PIX_FMT_FLAG_HWACCEL)) return *f;
  }
  return AV_PIX_FMT_NONE;
}

}  // namespace

void AttachHwDecoder(AVCodecContext* ctx, AVBufferRef* device, AVPixelFormat format) {
  ctx->hw_device_ctx = av_buffer_ref(device);
  if (!ctx->hw_device_ctx) throw AvException(AVERROR(ENOMEM), "av_buffer_ref");
  ctx->opaque = reinterpret_cast<void*>(static_cast<intptr_t>(format));
  ctx->get_format = PickFormat;
}

FramePtr DownloadFrame(const AVFrame* frame) {
  if (!IsHwFrame(frame)) return RefFrame(frame);
  FramePtr out(av_frame_alloc());
  if (!out) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
  Check(av_hwframe_transfer_data(out.get(), frame, 0), "av_hwframe_transfer_data");
  Check(av_frame_copy_props(out.get(), frame), "av_frame_copy_props");
  out->time_base = frame->time_base;
  return out;
}

Napi::Function HwDevice::Init(Napi::Env env) {
  return DefineClass(env, "HwDevice",
                     {
                         Method<&HwDevice::Open>("open"),
                         Method<&HwDevice::Close>("close"),
                         InstanceAccessor("closed", &HwDevice::IsClosed, nullptr),
                     });
}

HwDevice::HwDevice(const Napi::CallbackInfo& info) : AsyncWrapped<HwDevice, HwDeviceState>(info) { Tag(info); }

BufferPtr HwDevice::Ref(Napi::Value value, const char* op) {
  HwDevice* d = From(value);
  d->CheckOpen(op);
  if (!d->state_->device) throw AvException("EINVAL", "The HwDevice is not open", op);
  return BufferPtr(av_buffer_ref(d->state_->device.get()));
}

// open(type, device, options) -> { type }
Napi::Value HwDevice::Open(const Napi::CallbackInfo& info) {
  std::string type = ToText(info[0], "type");
  std::string device = info[1].IsString() ? ToText(info[1], "device") : "";
  Dict options(ToDictionary(info[2]));
  return Run(
      info, "open",
      [type, device, options = std::move(options)](HwDeviceState& s) mutable {
        if (s.device) throw AvException("EINVAL", "The HwDevice is already open", "open");
        s.device = OpenHwDevice(type, device, options);
        s.type = type;
        Tree t = Tree::Object();
        t.Set("type", type);
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

Napi::Value HwDeviceTypes(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (AVHWDeviceType t = av_hwdevice_iterate_types(AV_HWDEVICE_TYPE_NONE); t != AV_HWDEVICE_TYPE_NONE;
       t = av_hwdevice_iterate_types(t))
    out.Set(n++, av_hwdevice_get_type_name(t));
  return out;
}

Napi::Value HwDecodeFormatJs(const Napi::CallbackInfo& info) {
  std::string name = ToText(info[0], "codec");
  AVHWDeviceType type = av_hwdevice_find_type_by_name(ToText(info[1], "type").c_str());
  const AVCodec* codec = avcodec_find_decoder_by_name(name.c_str());
  if (!codec) {
    const AVCodecDescriptor* d = avcodec_descriptor_get_by_name(name.c_str());
    if (d) codec = avcodec_find_decoder(d->id);
  }
  if (!codec || type == AV_HWDEVICE_TYPE_NONE) return info.Env().Null();
  AVPixelFormat f = HwDecodeFormat(codec, type);
  const char* n = av_get_pix_fmt_name(f);
  return n ? Napi::Value(Napi::String::New(info.Env(), n)) : info.Env().Null();
}

}  // namespace avf
