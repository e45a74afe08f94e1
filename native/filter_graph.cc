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

// Gives the device to the graph's filters: before their initialisation where the segment API
// exists (what FFmpeg 8's device filters need), after it otherwise.
void AttachDevice(AVFilterGraph* graph, AVBufferRef* hw_device) {
  if (!hw_device) return;
  for (unsigned i = 0; i < graph->nb_filters; i++) {
    AVFilterContext* f = graph->filters[i];
    av_buffer_unref(&f->hw_device_ctx);
    f->hw_device_ctx = av_buffer_ref(hw_device);
    if (!f->hw_device_ctx) throw AvException(AVERROR(ENOMEM), "av_buffer_ref");
  }
}

// The open pad named `name` (an unnamed one answers to `fallback`: "[in]"/"[out]" are implied
// for a graph's one unlabelled input and output), taken out of the list.
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

// A parsed graph's open inputs and outputs, freed with it.
struct OpenPads {
  AVFilterInOut* ins = nullptr;
  AVFilterInOut* outs = nullptr;
  OpenPads() = default;
  OpenPads(const OpenPads&) = delete;
  OpenPads& operator=(const OpenPads&) = delete;
  ~OpenPads() {
    lavfi().avfilter_inout_free(&ins);
    lavfi().avfilter_inout_free(&outs);
  }
};

// Parses the description into the empty graph the way the ffmpeg CLI does: parse, create the
// filters, give them the device, then initialise and link them; its open inputs and outputs are
// linked to the sources and sinks afterwards, which come after its filters in the graph, as in
// the CLI's (format negotiation visits filters in that order: a loudnorm into an encoder's
// aformat failed to pick a channel layout the other way round).
void ParseDescription(AVFilterGraph* graph, const std::string& description, AVBufferRef* hw_device, OpenPads& pads) {
  const Lavfi& L = lavfi();
#if AVF_LAVFI_GRAPH_SEGMENT
  AVFilterGraphSegment* seg = nullptr;
  Check(L.avfilter_graph_segment_parse(graph, description.c_str(), 0, &seg), "avfilter_graph_segment_parse",
        description);
  int ret = L.avfilter_graph_segment_create_filters(seg, 0);
  if (ret >= 0) {
    try {
      AttachDevice(graph, hw_device);
    } catch (...) {
      L.avfilter_graph_segment_free(&seg);
      throw;
    }
    ret = L.avfilter_graph_segment_apply(seg, 0, &pads.ins, &pads.outs);
  }
  L.avfilter_graph_segment_free(&seg);
  Check(ret, "avfilter_graph_segment_apply", description);
#else
  Check(L.avfilter_graph_parse2(graph, description.c_str(), &pads.ins, &pads.outs), "avfilter_graph_parse2",
        description);
  AttachDevice(graph, hw_device);
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

void SendToGraph(AVFilterContext* source, AVFrame* frame, const std::string& description) {
  int ret = lavfi().av_buffersrc_add_frame_flags(source, frame, 0);
  if (ret != AVERROR_EOF) Check(ret, "av_buffersrc_add_frame", description);
}

void BuildGraph(FilterGraphState& s, const std::string& description, const std::vector<GraphSource>& inputs,
                const std::vector<GraphSink>& outputs, int threads, AVBufferRef* hw_device) {
  const Lavfi& L = lavfi();
  s.graph = L.avfilter_graph_alloc();
  if (!s.graph) throw AvException(AVERROR(ENOMEM), "avfilter_graph_alloc");
  s.graph->nb_threads = threads;
  OpenPads pads;
  ParseDescription(s.graph, description, hw_device, pads);
  for (size_t i = 0; i < inputs.size(); i++) {
    AVFilterContext* src = nullptr;
    const AVFilter* buffer = L.avfilter_get_by_name(inputs[i].pad.video ? "buffer" : "abuffer");
    Check(L.avfilter_graph_create_filter(&src, buffer, ("avf_src" + std::to_string(i)).c_str(),
                                         SourceArgs(inputs[i].pad).c_str(), nullptr, s.graph),
          "avfilter_graph_create_filter", description);
    s.sources.push_back(src);
    if (inputs[i].pad.hw_frames) {  // hardware frames in: the source must know their context
      AVBufferSrcParameters* par = L.av_buffersrc_parameters_alloc();
      if (!par) throw AvException(AVERROR(ENOMEM), "av_buffersrc_parameters_alloc");
      par->hw_frames_ctx = inputs[i].pad.hw_frames;
      int ret = L.av_buffersrc_parameters_set(src, par);
      av_free(par);
      Check(ret, "av_buffersrc_parameters_set", description);
    }
    FilterInOutPtr pad(TakePad(&pads.ins, inputs[i].label, "in"));
    if (pad) Check(L.avfilter_link(src, 0, pad->filter_ctx, pad->pad_idx), "avfilter_link", description);
  }
  for (size_t i = 0; i < outputs.size(); i++) {
    const AVFilter* buffersink = L.avfilter_get_by_name(outputs[i].video ? "buffersink" : "abuffersink");
    AVFilterContext* sink =
        L.avfilter_graph_alloc_filter(s.graph, buffersink, ("avf_sink" + std::to_string(i)).c_str());
    if (!sink) throw AvException(AVERROR(ENOMEM), "avfilter_graph_alloc_filter", description);
    // As the CLI: an audio sink takes any channel count, a layout the graph leaves unknown
    // included (set before its initialisation: FFmpeg 8 refuses it after). Newer sinks do so by
    // default and mark the option deprecated (setting it logs a warning on every job: FFmpeg
    // 8.1), then drop it (9).
    const AVOption* all_counts =
        outputs[i].video ? nullptr : av_opt_find(sink, "all_channel_counts", nullptr, 0, AV_OPT_SEARCH_CHILDREN);
    if (all_counts && !(all_counts->flags & AV_OPT_FLAG_DEPRECATED))
      Check(av_opt_set_int(sink, "all_channel_counts", 1, AV_OPT_SEARCH_CHILDREN), "av_opt_set_int", description);
    Check(L.avfilter_init_str(sink, nullptr), "avfilter_init_str", description);
    s.sinks.push_back(sink);
    AVFilterContext* end = sink;
    if (!outputs[i].constraint.empty()) {  // e.g. the pixel formats an encoder takes
      AVFilterContext* format_ctx = nullptr;
      const AVFilter* format = L.avfilter_get_by_name(outputs[i].video ? "format" : "aformat");
      Check(L.avfilter_graph_create_filter(&format_ctx, format, ("avf_format" + std::to_string(i)).c_str(),
                                           outputs[i].constraint.c_str(), nullptr, s.graph),
            "avfilter_graph_create_filter", outputs[i].constraint);
      Check(L.avfilter_link(format_ctx, 0, end, 0), "avfilter_link", description);
      end = format_ctx;
    }
    if (outputs[i].full_range) {
      AVFilterContext* range = nullptr;
      Check(
          L.avfilter_graph_create_filter(&range, L.avfilter_get_by_name("scale"),
                                         ("avf_range" + std::to_string(i)).c_str(), "out_range=full", nullptr, s.graph),
          "avfilter_graph_create_filter", "scale=out_range=full");
      Check(L.avfilter_link(range, 0, end, 0), "avfilter_link", description);
      end = range;
    }
    FilterInOutPtr pad(TakePad(&pads.outs, outputs[i].label, "out"));
    if (pad) Check(L.avfilter_link(pad->filter_ctx, pad->pad_idx, end, 0), "avfilter_link", description);
  }
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
        for (auto& f : frames) SendToGraph(src, f.get(), {});
        if (eof) SendToGraph(src, nullptr, {});
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
