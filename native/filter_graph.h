// libavfilter: https://ffmpeg.org/doxygen/trunk/group__lavfi.html
// Any filter graph, simple or complex: buffer sources for its inputs, buffer sinks for its
// outputs, frames in, frames out.
#pragma once
#include <vector>

#include "compat.h"
#include "resource.h"

struct AVFilterGraph;
struct AVFilterContext;

namespace avf {

struct FilterGraphState : Resource {
  AVFilterGraph* graph = nullptr;
  std::vector<AVFilterContext*> sources;
  std::vector<AVFilterContext*> sinks;
  ~FilterGraphState() override { Release(); }
  void Release() override;
};

class FilterGraph : public AsyncWrapped<FilterGraph, FilterGraphState> {
 public:
  static constexpr const char* kName = "FilterGraph";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit FilterGraph(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Process(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

}  // namespace avf
