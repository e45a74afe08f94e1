// Encoding: https://ffmpeg.org/doxygen/trunk/group__lavc__encoding.html
#pragma once
#include "codec.h"

namespace avf {

class Encoder : public AsyncWrapped<Encoder, CodecState> {
 public:
  static constexpr const char* kName = "Encoder";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Encoder(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Encode(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
