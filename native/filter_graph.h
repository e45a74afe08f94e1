// libavfilter: https://ffmpeg.org/doxygen/trunk/group__lavfi.html
// Any filter graph, simple or complex: buffer sources for its inputs, buffer sinks for its
// outputs, frames in, frames out.
#pragma once
#include <string>
#include <vector>

#include "common/compat.h"
#include "common/resource.h"

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

// One input of a graph: what its frames look like.
struct FilterPad {
  bool video;
  int width, height, format, sample_rate;
  AVRational time_base, sample_aspect_ratio, frame_rate;
  std::string channel_layout;
  AVBufferRef* hw_frames;  // hardware frames come in: their frames context (borrowed), else null
};
FilterPad PadOf(const AVFrame* f, AVRational time_base, AVRational frame_rate);

// A buffer source fed to the graph's open input named `label`.
struct GraphSource {
  FilterPad pad;
  std::string label;
};
// A buffer sink behind the open output `label`; `constraint` are format/aformat arguments
// put before it (the formats an encoder takes), empty for none; `full_range`: a scale to
// full-range YUV before those (for JPEG, instead of the deprecated yuvj formats).
struct GraphSink {
  bool video;
  std::string label;
  std::string constraint;
  bool full_range = false;
};

// Builds and configures s.graph from a libavfilter description; `hw_device` (or null) is the
// device its hardware filters (hwupload, scale_vaapi, *_opencl...) work on. Throws AvException.
// Gives a graph input a frame (nullptr: its end). A graph that needs no more of that input
// (trim past its end, FFmpeg 7 and newer) answers AVERROR_EOF: as in the CLI, the frame is
// dropped rather than failing the job.
void SendToGraph(AVFilterContext* source, AVFrame* frame, const std::string& description);

void BuildGraph(FilterGraphState& s, const std::string& description, const std::vector<GraphSource>& inputs,
                const std::vector<GraphSink>& outputs, int threads, AVBufferRef* hw_device = nullptr);

// describeFilterGraph(description) -> Promise<{ inputs, outputs: [{ label, type }] }>: the open
// pads of a graph, parsed on a worker thread (filters may open files when they are created).
Napi::Value DescribeFilterGraph(const Napi::CallbackInfo& info);

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
