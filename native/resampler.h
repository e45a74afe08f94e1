// libswresample: https://ffmpeg.org/doxygen/trunk/group__lswr.html
// Converts audio to another rate, sample format and channel layout; with a frame size, a
// FIFO cuts the output into frames of exactly that many samples, as encoders want.
#pragma once
#include "common/compat.h"
#include "common/owned.h"
#include "common/resource.h"

namespace avf {

struct ResamplerState : Resource {
  SwrPtr swr;
  AudioFifoPtr fifo;
  int rate = 0;                                // 0: the input's
  AVSampleFormat format = AV_SAMPLE_FMT_NONE;  // NONE: the input's
  AVChannelLayout layout{};                    // order UNSPEC: the input's
  int frame_size = 0;                          // 0: one output frame per input frame
  // What the context was set up for; a change re-creates it.
  int in_rate = 0;
  int in_format = -1;
  AVChannelLayout in_layout{};
  int out_rate = 0;
  AVSampleFormat out_format = AV_SAMPLE_FMT_NONE;
  AVChannelLayout out_layout{};
  int64_t next_pts = AV_NOPTS_VALUE;  // in 1/out_rate
  ~ResamplerState() override { Release(); }
  void Release() override;
};

class Resampler : public AsyncWrapped<Resampler, ResamplerState> {
 public:
  static constexpr const char* kName = "Resampler";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Resampler(const Napi::CallbackInfo& info);

 private:
  Napi::Value Resample(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
