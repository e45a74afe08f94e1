#include "filter_graph.h"

#include <memory>
#include <string>
#include <utility>

#include "common/lavfi.h"
#include "common/options.h"
#include "common/tree.h"
#include "frame.h"
#include "hw.h"
#include "steps/drain.h"

namespace avf {

const napi_type_tag FilterGraph::kTag = {0x6176666f72676501ULL, 0x66696c7465720001ULL};

namespace {

// The buffer source's arguments, as the CLI writes them.
std::string SourceArgs(const FilterPad& p) {
  char buf[512];
  if (p.video) {
    snprintf(buf, sizeof(buf), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d", p.width, p.height,
             p.format, p.time_base.num, p.time_base.den, p.sample_aspect_ratio.num > 0 ? p.sample_aspect_ratio.num : 0,
             p.sample_aspect_ratio.num > 0 ? p.sample_aspect_ratio.den : 1);
    std::string args = buf;
    if (p.frame_rate.num > 0)
      args += ":frame_rate=" + std::to_string(p.frame_rate.num) + "/" + std::to_string(p.frame_rate.den);
    return args;
  }
  snprintf(buf, sizeof(buf), "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s", p.time_base.num,
           p.time_base.den, p.sample_rate, av_get_sample_fmt_name(static_cast<AVSampleFormat>(p.format)),
           p.channel_layout.c_str());
  return buf;
}

FilterPad ReadPad(Napi::Object o) {
  FilterPad p{};
  p.video = GetString(o, "type", "video") == "video";
  p.time_base = ToRational(o.Get("timeBase"), {1, 1000000});
  if (p.video) {
    p.width = static_cast<int>(GetInt(o, "width", 0));
    p.height = static_cast<int>(GetInt(o, "height", 0));
    p.format = av_get_pix_fmt(GetString(o, "pixelFormat").c_str());
    p.sample_aspect_ratio = ToRational(o.Get("sampleAspectRatio"), {0, 1});
    p.frame_rate = ToRational(o.Get("frameRate"), {0, 1});
    if (p.format == AV_PIX_FMT_NONE)
      throw AvException("EINVAL", "Unknown pixel format: " + GetString(o, "pixelFormat"), "FilterGraph");
  } else {
    p.sample_rate = static_cast<int>(GetInt(o, "sampleRate", 0));
    p.format = av_get_sample_fmt(GetString(o, "sampleFormat").c_str());
    p.channel_layout = GetString(o, "channelLayout", "stereo");
    if (p.format == AV_SAMPLE_FMT_NONE)
      throw AvException("EINVAL", "Unknown sample format: " + GetString(o, "sampleFormat"), "FilterGraph");
  }
  return p;
}

// Names the graph uses for its open pads: "in"/"out" when there is one, else "in0", "in1"...
std::string PadName(const char* base, size_t i, size_t count) { return count == 1 ? base : base + std::to_string(i); }

#if !AVF_LAVFI_GRAPH_SEGMENT
AVFilterInOut* Link(const std::vector<std::string>& names, const std::vector<AVFilterContext*>& filters) {
  AVFilterInOut* head = nullptr;
  for (size_t i = filters.size(); i-- > 0;) {
    AVFilterInOut* io = lavfi().avfilter_inout_alloc();
    if (!io) {
      lavfi().avfilter_inout_free(&head);
      throw AvException(AVERROR(ENOMEM), "avfilter_inout_alloc");
    }
    io->name = av_strdup(names[i].c_str());
    io->filter_ctx = filters[i];
    io->pad_idx = 0;
    io->next = head;
    head = io;
  }
  return head;
}
#endif

// Gives the device to graph filters [first, nb_filters): before their initialisation where the
// segment API exists (what FFmpeg 8's device filters need), after it otherwise.
void AttachDevice(AVFilterGraph* graph, unsigned first, AVBufferRef* hw_device) {
  if (!hw_device) return;
  for (unsigned i = first; i < graph->nb_filters; i++) {
    AVFilterContext* f = graph->filters[i];
    av_buffer_unref(&f->hw_device_ctx);
    f->hw_device_ctx = av_buffer_ref(hw_device);
    if (!f->hw_device_ctx) throw AvException(AVERROR(ENOMEM), "av_buffer_ref");
  }
}

#if AVF_LAVFI_GRAPH_SEGMENT
// The open pad named `name` (an unnamed one answers to `fallback`, as "[in]"/"[out]" are
// implied by avfilter_graph_parse_ptr), taken out of the list.
AVFilterInOut* TakePad(AVFilterInOut** list, const std::string& name, const char* fallback) {
  for (AVFilterInOut** at = list; *at; at = &(*at)->next) {
    const char* label = (*at)->name ? (*at)->name : fallback;
    if (name != label) continue;
    AVFilterInOut* found = *at;
    *at = found->next;
    found->next = nullptr;
    return found;
  }
  return nullptr;
}
#endif

// Parses the description between the sources (its inputs, by label) and `ends` (its outputs),
// the way the ffmpeg CLI does: parse, create the filters, give them the device, then initialise
// and link them.
void ParseDescription(AVFilterGraph* graph, const std::string& description, const std::vector<std::string>& in_names,
                      const std::vector<AVFilterContext*>& sources, const std::vector<std::string>& out_names,
                      const std::vector<AVFilterContext*>& ends, AVBufferRef* hw_device) {
  const Lavfi& L = lavfi();
  unsigned first = graph->nb_filters;  // the sources, sinks and format filters come before
#if AVF_LAVFI_GRAPH_SEGMENT
  AVFilterGraphSegment* seg = nullptr;
  Check(L.avfilter_graph_segment_parse(graph, description.c_str(), 0, &seg), "avfilter_graph_segment_parse",
        description);
  AVFilterInOut* ins = nullptr;
  AVFilterInOut* outs = nullptr;
  int ret = L.avfilter_graph_segment_create_filters(seg, 0);
  if (ret >= 0) {
    try {
      AttachDevice(graph, first, hw_device);
    } catch (...) {
      L.avfilter_graph_segment_free(&seg);
      throw;
    }
    ret = L.avfilter_graph_segment_apply(seg, 0, &ins, &outs);
  }
  L.avfilter_graph_segment_free(&seg);
  FilterInOutPtr open_ins(ins), open_outs(outs);
  Check(ret, "avfilter_graph_segment_apply", description);
  ins = open_ins.release();
  outs = open_outs.release();
  // Link the segment's open inputs to the sources and its open outputs to the sinks.
  for (size_t i = 0; i < sources.size() && ret >= 0; i++) {
    FilterInOutPtr pad(TakePad(&ins, in_names[i], "in"));
    if (pad) ret = L.avfilter_link(sources[i], 0, pad->filter_ctx, pad->pad_idx);
  }
  for (size_t i = 0; i < ends.size() && ret >= 0; i++) {
    FilterInOutPtr pad(TakePad(&outs, out_names[i], "out"));
    if (pad) ret = L.avfilter_link(pad->filter_ctx, pad->pad_idx, ends[i], 0);
  }
  L.avfilter_inout_free(&ins);
  L.avfilter_inout_free(&outs);
  Check(ret, "avfilter_link", description);
#else
  // The graph's open inputs are fed by our sources, its open outputs drain into our sinks.
  FilterInOutPtr open_inputs(Link(out_names, ends));
  FilterInOutPtr open_outputs(Link(in_names, sources));
  AVFilterInOut* ins = open_inputs.release();
  AVFilterInOut* outs = open_outputs.release();
  int ret = L.avfilter_graph_parse_ptr(graph, description.c_str(), &ins, &outs, nullptr);
  L.avfilter_inout_free(&ins);
  L.avfilter_inout_free(&outs);
  Check(ret, "avfilter_graph_parse_ptr", description);
  AttachDevice(graph, first, hw_device);
#endif
}

using Outputs = std::vector<std::vector<FramePtr>>;

}  // namespace

FilterPad PadOf(const AVFrame* f, AVRational time_base, AVRational frame_rate) {
  FilterPad p{};
  p.video = f->width > 0;
  p.format = f->format;
  p.hw_frames = f->hw_frames_ctx;
  p.time_base = time_base;
  if (p.video) {
    p.width = f->width;
    p.height = f->height;
    p.sample_aspect_ratio = f->sample_aspect_ratio;
    p.frame_rate = frame_rate;
  } else {
    p.sample_rate = f->sample_rate;
    char name[128] = {0};
    av_channel_layout_describe(&f->ch_layout, name, sizeof(name));
    p.channel_layout = name;
  }
  return p;
}

void BuildGraph(FilterGraphState& s, const std::string& description, const std::vector<GraphSource>& inputs,
                const std::vector<GraphSink>& outputs, int threads, AVBufferRef* hw_device) {
  const Lavfi& L = lavfi();
  s.graph = L.avfilter_graph_alloc();
  if (!s.graph) throw AvException(AVERROR(ENOMEM), "avfilter_graph_alloc");
  s.graph->nb_threads = threads;
  std::vector<std::string> in_names, out_names;
  for (size_t i = 0; i < inputs.size(); i++) {
    AVFilterContext* src = nullptr;
    const AVFilter* buffer = L.avfilter_get_by_name(inputs[i].pad.video ? "buffer" : "abuffer");
    Check(L.avfilter_graph_create_filter(&src, buffer, ("avf_src" + std::to_string(i)).c_str(),
                                         SourceArgs(inputs[i].pad).c_str(), nullptr, s.graph),
          "avfilter_graph_create_filter", description);
    s.sources.push_back(src);
    in_names.push_back(inputs[i].label);
    if (inputs[i].pad.hw_frames) {  // hardware frames in: the source must know their context
      AVBufferSrcParameters* par = L.av_buffersrc_parameters_alloc();
      if (!par) throw AvException(AVERROR(ENOMEM), "av_buffersrc_parameters_alloc");
      par->hw_frames_ctx = inputs[i].pad.hw_frames;
      int ret = L.av_buffersrc_parameters_set(src, par);
      av_free(par);
      Check(ret, "av_buffersrc_parameters_set", description);
    }
  }
  std::vector<AVFilterContext*> ends;  // what the graph's open outputs link to
  for (size_t i = 0; i < outputs.size(); i++) {
    AVFilterContext* sink = nullptr;
    const AVFilter* buffersink = L.avfilter_get_by_name(outputs[i].video ? "buffersink" : "abuffersink");
    Check(L.avfilter_graph_create_filter(&sink, buffersink, ("avf_sink" + std::to_string(i)).c_str(), nullptr, nullptr,
                                         s.graph),
          "avfilter_graph_create_filter", description);
    s.sinks.push_back(sink);
    AVFilterContext* end = sink;
    if (!outputs[i].constraint.empty()) {  // e.g. the pixel formats an encoder takes
      const AVFilter* format = L.avfilter_get_by_name(outputs[i].video ? "format" : "aformat");
      Check(L.avfilter_graph_create_filter(&end, format, ("avf_format" + std::to_string(i)).c_str(),
                                           outputs[i].constraint.c_str(), nullptr, s.graph),
            "avfilter_graph_create_filter", outputs[i].constraint);
      Check(L.avfilter_link(end, 0, sink, 0), "avfilter_link", description);
    }
    ends.push_back(end);
    out_names.push_back(outputs[i].label);
  }
  ParseDescription(s.graph, description, in_names, s.sources, out_names, ends, hw_device);
  Check(L.avfilter_graph_config(s.graph, nullptr), "avfilter_graph_config", description);
}

void FilterGraphState::Release() {
  if (graph) lavfi().avfilter_graph_free(&graph);  // a graph exists only if libavfilter loaded
  sources.clear();
  sinks.clear();
}

Napi::Function FilterGraph::Init(Napi::Env env) {
  return DefineClass(env, "FilterGraph",
                     {
                         Method<&FilterGraph::Open>("open"),
                         Method<&FilterGraph::Process>("process"),
                         Method<&FilterGraph::Close>("close"),
                         InstanceAccessor("closed", &FilterGraph::IsClosed, nullptr),
                     });
}

FilterGraph::FilterGraph(const Napi::CallbackInfo& info) : AsyncWrapped<FilterGraph, FilterGraphState>(info) {
  Tag(info);
}

// open(description, inputs[], outputTypes[], threads) -> outputs [{ type, timeBase, ... }]
Napi::Value FilterGraph::Open(const Napi::CallbackInfo& info) {
  std::string description = ToText(info[0], "description");
  std::vector<FilterPad> inputs;
  Napi::Array in = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < in.Length(); i++) inputs.push_back(ReadPad(in.Get(i).As<Napi::Object>()));
  std::vector<bool> outputs;
  Napi::Array out = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < out.Length(); i++) outputs.push_back(out.Get(i).ToString().Utf8Value() == "video");
  int threads = info[3].IsNumber() ? info[3].ToNumber().Int32Value() : 0;
  std::shared_ptr<AVBufferRef> device;
  if (info[4].IsObject()) device.reset(HwDevice::Ref(info[4], "open").release(), BufferFree());
  return Run(
      info, "open",
      [description, inputs, outputs, threads, device](FilterGraphState& s) {
        if (s.graph) throw AvException("EINVAL", "FilterGraph is already open", "open");
        std::vector<GraphSource> sources;
        for (size_t i = 0; i < inputs.size(); i++) sources.push_back({inputs[i], PadName("in", i, inputs.size())});
        std::vector<GraphSink> sinks;
        for (size_t i = 0; i < outputs.size(); i++)
          sinks.push_back({outputs[i], PadName("out", i, outputs.size()), ""});
        BuildGraph(s, description, sources, sinks, threads, device.get());
        Tree t = Tree::Array();
        for (AVFilterContext* sink : s.sinks) {
          Tree o = Tree::Object();
          bool video = lavfi().av_buffersink_get_type(sink) == AVMEDIA_TYPE_VIDEO;
          o.Set("type", video ? "video" : "audio");
          o.Set("timeBase", Tree::Rational(lavfi().av_buffersink_get_time_base(sink)));
          if (video) {
            const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(lavfi().av_buffersink_get_format(sink)));
            o.Set("width", lavfi().av_buffersink_get_w(sink)).Set("height", lavfi().av_buffersink_get_h(sink));
            o.Set("pixelFormat", pix ? Tree(pix) : Tree());
            o.Set("frameRate", Tree::Rational(lavfi().av_buffersink_get_frame_rate(sink)));
            o.Set("sampleAspectRatio", Tree::Rational(lavfi().av_buffersink_get_sample_aspect_ratio(sink)));
          } else {
            const char* fmt =
                av_get_sample_fmt_name(static_cast<AVSampleFormat>(lavfi().av_buffersink_get_format(sink)));
            AVChannelLayout layout{};
            char name[128] = {0};
            if (lavfi().av_buffersink_get_ch_layout(sink, &layout) >= 0)
              av_channel_layout_describe(&layout, name, sizeof(name));
            av_channel_layout_uninit(&layout);
            o.Set("sampleRate", lavfi().av_buffersink_get_sample_rate(sink))
                .Set("sampleFormat", fmt ? Tree(fmt) : Tree());
            o.Set("channelLayout", name);
          }
          t.Push(std::move(o));
        }
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// process(input, Frame[], eof) -> Frame[][] (per output): sends the frames (and the end of
// that input with eof), then takes every frame the outputs have ready.
Napi::Value FilterGraph::Process(const Napi::CallbackInfo& info) {
  int input = info[0].ToNumber().Int32Value();
  Napi::Array list = info[1].As<Napi::Array>();
  bool eof = info[2].ToBoolean();
  std::vector<FramePtr> frames;
  for (uint32_t i = 0; i < list.Length(); i++) frames.push_back(RefFrame(Frame::From(list.Get(i))->get("filter")));
  return Run(
      info, "filter",
      [input, frames = std::move(frames), eof](FilterGraphState& s) mutable {
        if (!s.graph) throw AvException("EINVAL", "FilterGraph is not open", "filter");
        if (input < 0 || input >= static_cast<int>(s.sources.size()))
          throw AvException("EINVAL", "No input " + std::to_string(input), "filter");
        AVFilterContext* src = s.sources[input];
        for (auto& f : frames) Check(lavfi().av_buffersrc_add_frame_flags(src, f.get(), 0), "av_buffersrc_add_frame");
        if (eof) Check(lavfi().av_buffersrc_add_frame_flags(src, nullptr, 0), "av_buffersrc_add_frame");
        Outputs out(s.sinks.size());
        for (size_t i = 0; i < s.sinks.size(); i++) {
          while (FramePtr f = ReceiveSinkFrame(s.sinks[i], {})) out[i].push_back(std::move(f));
        }
        return out;
      },
      [](Napi::Env env, Outputs& out) {
        Napi::Array a = Napi::Array::New(env, out.size());
        for (size_t i = 0; i < out.size(); i++) {
          a.Set(i, Frame::WrapAll(env, out[i]));
        }
        return a;
      });
}

}  // namespace avf

namespace avf {

Napi::Value DescribeFilterGraph(const Napi::CallbackInfo& info) {
  std::string description = ToText(info[0], "description");
  return Schedule(
      info.Env(), Napi::Value(), std::make_shared<Strand>(),
      [description] {
        const Lavfi& L = lavfi();
        FilterGraphState s;
        s.graph = L.avfilter_graph_alloc();
        if (!s.graph) throw AvException(AVERROR(ENOMEM), "avfilter_graph_alloc");
        AVFilterInOut *ins = nullptr, *outs = nullptr;
        Check(L.avfilter_graph_parse2(s.graph, description.c_str(), &ins, &outs), "avfilter_graph_parse2", description);
        FilterInOutPtr in_guard(ins), out_guard(outs);
        auto list = [&](AVFilterInOut* io, bool output) {
          Tree t = Tree::Array();
          for (; io; io = io->next) {
            const AVFilterPad* pads = output ? io->filter_ctx->output_pads : io->filter_ctx->input_pads;
            AVMediaType type = L.avfilter_pad_get_type(pads, io->pad_idx);
            t.Push(Tree::Object()
                       .Set("label", io->name ? io->name : "")
                       .Set("type", type == AVMEDIA_TYPE_VIDEO   ? "video"
                                    : type == AVMEDIA_TYPE_AUDIO ? "audio"
                                                                 : "other"));
          }
          return t;
        };
        Tree t = Tree::Object();
        t.Set("inputs", list(ins, false)).Set("outputs", list(outs, true));
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

}  // namespace avf
