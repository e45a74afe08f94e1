// AVFrame: https://ffmpeg.org/doxygen/trunk/structAVFrame.html
// Lives on the JS thread only; work queued elsewhere takes its own reference first.
#pragma once
#include <vector>

#include "common/owned.h"
#include "common/wrap.h"

namespace avf {

class Frame : public Wrapped<Frame> {
 public:
  static constexpr const char* kName = "Frame";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, FramePtr frame);
  // Hands every frame over to a new JS Frame, in a JS array.
  static Napi::Array WrapAll(Napi::Env env, std::vector<FramePtr>& frames);

  explicit Frame(const Napi::CallbackInfo& info);
  ~Frame() override;
  AVFrame* get(const char* op);

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value Allocate(const Napi::CallbackInfo& info);
  Napi::Value Planes(const Napi::CallbackInfo& info);
  Napi::Value Linesizes(const Napi::CallbackInfo& info);
  Napi::Value Metadata(const Napi::CallbackInfo& info);
  Napi::Value GetPts(const Napi::CallbackInfo& info);
  void SetPts(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value ToBuffer(const Napi::CallbackInfo& info);
  Napi::Value CopyFrom(const Napi::CallbackInfo& info);
  Napi::Value MakeWritable(const Napi::CallbackInfo& info);
  Napi::Value Clone(const Napi::CallbackInfo& info);
  Napi::Value Download(const Napi::CallbackInfo& info);
  AVFrame* software(const char* op);  // get(), refusing a hardware frame
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  void Account(Napi::Env env);  // tells V8 how much native memory this frame holds
  FramePtr frame_;
  int64_t reported_ = 0;
};

// The frames of one decode call, for a consumer that may never look at most of them: one JS
// object for the call instead of one per frame. take(i) hands frame i over to a Frame of its
// own; close() frees the frames not taken.
class FrameList : public Wrapped<FrameList> {
 public:
  static constexpr const char* kName = "FrameList";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, std::vector<FramePtr> frames);
  explicit FrameList(const Napi::CallbackInfo& info);
  ~FrameList() override;

 private:
  Napi::Value Take(const Napi::CallbackInfo& info);
  Napi::Value Count(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Account(Napi::Env env, int64_t bytes);
  std::vector<FramePtr> frames_;
  int64_t reported_ = 0;
};

// Bytes of one plane's payload: rows x linesize for video, samples for audio.
size_t PlaneSize(const AVFrame* f, int plane);

}  // namespace avf
