// Hardware devices (AVHWDeviceContext): https://ffmpeg.org/doxygen/trunk/hwcontext_8h.html
// One object over VA-API, VideoToolbox, MediaCodec, CUDA, QSV, Vulkan, OpenCL, D3D11VA, DRM:
// opened on a worker thread, so a missing driver is an error, never a stalled event loop.
#pragma once
// (C++ needs UINT64_C, which libavutil uses, defined before its headers)
#include <stdint.h>

extern "C" {
#include <libavutil/hwcontext.h>
}

#include <string>

#include "common/options.h"
#include "common/owned.h"
#include "common/resource.h"

namespace avf {

// Opens a device of `type` ('cuda', 'vaapi'...); `device` picks one ('/dev/dri/renderD128',
// '0'), empty for the default. Throws AvException (ENOSYS for a type this FFmpeg lacks).
BufferPtr OpenHwDevice(const std::string& type, const std::string& device, Dict& options);

// The hardware pixel format a decoder outputs on this device type, or AV_PIX_FMT_NONE when
// the codec cannot decode on it.
AVPixelFormat HwDecodeFormat(const AVCodec* codec, AVHWDeviceType type);

// Decodes on the device: frames come out in `format` (hardware) when the decoder accepts it,
// in software otherwise (as the CLI falls back).
void AttachHwDecoder(AVCodecContext* ctx, AVBufferRef* device, AVPixelFormat format);

// A software copy of a hardware frame (props and timestamps kept); a software frame is
// returned as a new reference.
FramePtr DownloadFrame(const AVFrame* frame);

inline bool IsHwFrame(const AVFrame* f) { return f->hw_frames_ctx != nullptr; }

struct HwDeviceState : Resource {
  BufferPtr device;
  std::string type;
  ~HwDeviceState() override { Release(); }
  void Release() override { device.reset(); }
};

class HwDevice : public AsyncWrapped<HwDevice, HwDeviceState> {
 public:
  static constexpr const char* kName = "HwDevice";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit HwDevice(const Napi::CallbackInfo& info);
  // A new reference to the device behind a JS HwDevice (throws when closed or not open).
  static BufferPtr Ref(Napi::Value value, const char* op);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

// hwDeviceTypes() -> the device types this FFmpeg build knows.
Napi::Value HwDeviceTypes(const Napi::CallbackInfo& info);
// hwDecodeFormat(decoderName, type) -> the hardware pixel format name, or null.
Napi::Value HwDecodeFormatJs(const Napi::CallbackInfo& info);

}  // namespace avf
