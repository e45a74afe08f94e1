// Decoding: https://ffmpeg.org/doxygen/trunk/group__lavc__decoding.html
#pragma once
#include "codec.h"

namespace avf {

class Decoder : public AsyncWrapped<Decoder, CodecState> {
 public:
  static constexpr const char* kName = "Decoder";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Decoder(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value DecodeSubtitles(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Damaged(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
