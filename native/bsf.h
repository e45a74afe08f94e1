// Bitstream filters: https://ffmpeg.org/doxygen/trunk/group__lavc__bsf.html
// h264_mp4toannexb, hevc_mp4toannexb, aac_adtstoasc...: packets in, packets out.
#pragma once
#include <string>

#include "common/compat.h"
#include "common/owned.h"
#include "common/resource.h"

namespace avf {

struct BitstreamFilterState : Resource {
  BsfPtr bsf;
  std::string name;
  ~BitstreamFilterState() override { Release(); }
  void Release() override { bsf.reset(); }
};

class BitstreamFilter : public AsyncWrapped<BitstreamFilter, BitstreamFilterState> {
 public:
  static constexpr const char* kName = "BitstreamFilter";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit BitstreamFilter(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Filter(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
