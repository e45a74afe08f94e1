// libswscale: https://ffmpeg.org/doxygen/trunk/group__libsws.html
// Converts pictures to another size and pixel format; follows the input if it changes.
#pragma once
#include "common/compat.h"
#include "common/owned.h"
#include "common/resource.h"

namespace avf {

struct ScalerState : Resource {
  SwsPtr sws;
  int width = 0, height = 0;               // 0: the input's
  AVPixelFormat format = AV_PIX_FMT_NONE;  // NONE: the input's
  int flags = 0;
  ~ScalerState() override { Release(); }
  void Release() override { sws.reset(); }
};

class Scaler : public AsyncWrapped<Scaler, ScalerState> {
 public:
  static constexpr const char* kName = "Scaler";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Scaler(const Napi::CallbackInfo& info);

 private:
  Napi::Value Scale(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
