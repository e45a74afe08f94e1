// The native side of transcode/remux/thumbnails: open(inputs) describes them so that
// TypeScript can plan the job; run(plan) runs the whole chain off the JS thread in one call.
#pragma once
#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/resource.h"
#include "pipeline/run.h"

namespace avf {

struct PipelineState : Resource {
  std::vector<PipelineInput> inputs;
  PipelineControl control;
  PipelineStats stats;
  std::mutex m;
  std::condition_variable idle;
  bool running = false;
  bool used = false;  // a pipeline runs once: its inputs have been read
  ~PipelineState() override { Release(); }
  void Release() override;
};

class Pipeline : public AsyncWrapped<Pipeline, PipelineState> {
 public:
  static constexpr const char* kName = "Pipeline";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Pipeline(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value RunPlan(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
