// AVCodecParameters: https://ffmpeg.org/doxygen/trunk/structAVCodecParameters.html
// What a stream carries from a demuxer or an encoder to a decoder or a muxer.
#pragma once
#include "common/owned.h"
#include "common/wrap.h"

namespace avf {

class CodecParameters : public Wrapped<CodecParameters> {
 public:
  static constexpr const char* kName = "CodecParameters";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  // A new JS handle over a copy of `par`.
  static Napi::Object Wrap(Napi::Env env, const AVCodecParameters* par);

  explicit CodecParameters(const Napi::CallbackInfo& info);
  const AVCodecParameters* get() const { return par_.get(); }
  // A copy for work queued on another thread.
  CodecParametersPtr Copy() const;

 private:
  Napi::Value Describe(const Napi::CallbackInfo& info);
  CodecParametersPtr par_;
};

}  // namespace avf
