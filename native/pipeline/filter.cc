// The filter stage: one thread per graph. A graph is configured when every input has shown
// its first frame (or ended), from what the frames are, as the CLI does; its sinks give what
// their encoders take.
#include <deque>

#include "common/lavfi.h"
#include "pipeline/filter_report.h"
#include "pipeline/runtime.h"
#include "steps/drain.h"

namespace avf::pipeline {

namespace {

template <class T>
std::string JoinNames(const T* list, T end, const char* (*name)(T)) {
  std::string out;
  for (; list && *list != end; list++) {
    const char* n = name(*list);
    if (!n) continue;
    if (!out.empty()) out += '|';
    out += n;
  }
  return out;
}

std::string AudioConstraint(const AVCodec* codec) {
  std::string args;
  std::string fmts =
      JoinNames<AVSampleFormat>(compat::CodecSampleFormats(codec), AV_SAMPLE_FMT_NONE, av_get_sample_fmt_name);
  if (!fmts.empty()) args += "sample_fmts=" + fmts;
  std::string rates;
  for (const int* r = compat::CodecSampleRates(codec); r && *r; r++)
    rates += (rates.empty() ? "" : "|") + std::to_string(*r);
  if (!rates.empty()) args += (args.empty() ? "" : ":") + std::string("sample_rates=") + rates;
  std::string layouts;
  for (const AVChannelLayout* l = compat::CodecChannelLayouts(codec); l && l->nb_channels; l++) {
    char name[128];
    if (av_channel_layout_describe(l, name, sizeof(name)) < 0) continue;
    layouts += (layouts.empty() ? "" : "|") + std::string(name);
  }
  if (!layouts.empty()) args += (args.empty() ? "" : ":") + std::string("channel_layouts=") + layouts;
  return args;
}

// The sink of a graph that feeds `codec`: what makes it give what the encoder takes.
GraphSink EncoderSink(const AVCodec* codec, bool video, const std::string& label) {
  // MJPEG takes limited-range YUV only when told to be non-standard: give it full range (as
  // the CLI does), as YUV marked full range rather than the yuvj formats, which swscale warns
  // of on every conversion ("deprecated pixel format used").
  if (codec->id == AV_CODEC_ID_MJPEG) return {video, label, "pix_fmts=yuv420p|yuv422p|yuv444p", true};
  if (codec->type != AVMEDIA_TYPE_VIDEO) return {video, label, AudioConstraint(codec)};
  std::string fmts = JoinNames<AVPixelFormat>(compat::CodecPixelFormats(codec), AV_PIX_FMT_NONE, av_get_pix_fmt_name);
  return {video, label, fmts.empty() ? "" : "pix_fmts=" + fmts};
}

}  // namespace

// libavfilter loads here, so a missing one fails the run before it starts.
void Runtime::SetupGraphs() {
  sink_stream_.resize(plan_.graphs.size());
  reports_.resize(plan_.graphs.size());
  for (size_t g = 0; g < plan_.graphs.size(); g++) {
    GraphPlan& gp = plan_.graphs[g];
    if (gp.sources.empty() || gp.sinks.empty())
      throw AvException("EINVAL", "A filter graph needs inputs and outputs", "filter", gp.description);
    lavfi();
    graph_q_.push_back(std::make_unique<Queue>(kQueueSize * static_cast<int>(gp.sources.size())));
    for (size_t k = 0; k < gp.sources.size(); k++) {
      int d = gp.sources[k].decoder;
      if (d < 0 || d >= static_cast<int>(decoders_.size()))
        throw AvException("EINVAL", "A graph input has no decoder", "filter", gp.description);
      decoder_out_[d].push_back({graph_q_.back().get(), static_cast<int>(k)});
    }
    sink_stream_[g].assign(gp.sinks.size(), -1);
    graphs_.push_back(std::make_unique<FilterGraphState>());
  }
}

// What a graph input looks like when its stream ended before a single frame.
FilterPad Runtime::PadOfDecoder(int d) const {
  const AVCodecContext* ctx = decoders_[d]->ctx.get();
  FilterPad p{};
  p.video = ctx->codec_type == AVMEDIA_TYPE_VIDEO;
  p.time_base = ctx->pkt_timebase;
  if (p.video) {
    p.width = ctx->width > 0 ? ctx->width : 16;
    p.height = ctx->height > 0 ? ctx->height : 16;
    p.format = ctx->pix_fmt != AV_PIX_FMT_NONE ? ctx->pix_fmt : AV_PIX_FMT_YUV420P;
    p.sample_aspect_ratio = ctx->sample_aspect_ratio;
    p.frame_rate = ctx->framerate;
  } else {
    p.sample_rate = ctx->sample_rate > 0 ? ctx->sample_rate : 48000;
    p.format = ctx->sample_fmt != AV_SAMPLE_FMT_NONE ? ctx->sample_fmt : AV_SAMPLE_FMT_FLTP;
    char name[128] = "stereo";
    if (ctx->ch_layout.nb_channels > 0) av_channel_layout_describe(&ctx->ch_layout, name, sizeof(name));
    p.channel_layout = name;
  }
  return p;
}

// One graph's loop: frames wait until the graph can be configured, then flow through it.
class FilterStage {
 public:
  FilterStage(Runtime& run, size_t g)
      : run_(run), g_(g), gp_(run.plan_.graphs[g]), fg_(*run.graphs_[g]), L_(lavfi()), n_(gp_.sources.size()),
        waiting_(n_), known_(n_, false), ended_(n_, false), eof_pending_(n_, false), reached_(n_, AV_NOPTS_VALUE),
        pads_(n_) {}

  void Run() {
    ScopedLogObserver watch(&capture_);
    Item item;
    size_t open = n_;
    while (run_.graph_q_[g_]->Pop(item)) {
      size_t p = static_cast<size_t>(item.port);
      if (item.kind == Item::kFrame) {
        if (!OnFrame(p, std::move(item.frame))) return;
        continue;
      }
      ended_[p] = true;
      eof_pending_[p] = true;
      open--;
      if (configured_) {
        if (!SendEnds(open == 0)) return;
      } else if (Ready() && !Configure()) {
        return;
      }
      if (open == 0) {
        if (!SendEnds(true)) return;
        EndSinks();
        // freed here, not with the run: filters print their summaries as they close (loudnorm, ebur128)
        fg_.Release();
        run_.reports_[g_].logs = capture_.Take();
        return;
      }
    }
  }

 private:
  bool OnFrame(size_t p, FramePtr frame) {
    int64_t end = EndOf(frame.get());
    if (end != AV_NOPTS_VALUE && (reached_[p] == AV_NOPTS_VALUE || end > reached_[p])) reached_[p] = end;
    if (configured_) {
      Send(p, frame.get());
      return Drain() && SendEnds(false);
    }
    if (!known_[p]) {
      AVRational rate = run_.decoders_[gp_.sources[p].decoder]->ctx->framerate;
      pads_[p] = PadOf(frame.get(), frame->time_base.num > 0 ? frame->time_base : AVRational{1, AV_TIME_BASE}, rate);
      known_[p] = true;
    }
    waiting_[p].push_back(std::move(frame));
    return !Ready() || Configure();
  }

  bool Ready() const {
    for (size_t p = 0; p < n_; p++)
      if (!known_[p] && !ended_[p]) return false;
    return true;
  }

  // Builds the graph from what its inputs are, then feeds it the frames that waited.
  bool Configure() {
    std::vector<GraphSource> sources;
    for (size_t p = 0; p < n_; p++)
      sources.push_back({known_[p] ? pads_[p] : run_.PadOfDecoder(gp_.sources[p].decoder), gp_.sources[p].label});
    std::vector<GraphSink> sinks;
    for (size_t k = 0; k < gp_.sinks.size(); k++)
      sinks.push_back(EncoderSink(run_.encoders_[run_.sink_stream_[g_][k]], gp_.sinks[k].video, gp_.sinks[k].label));
    BuildGraph(fg_, gp_.description, sources, sinks, gp_.threads, gp_.hardware ? run_.hw_device_.get() : nullptr);
    capture_.Watch(fg_.graph);
    configured_ = true;
    for (size_t p = 0; p < n_; p++) {
      while (!waiting_[p].empty()) {
        Send(p, waiting_[p].front().get());
        waiting_[p].pop_front();
        if (!Drain()) return false;
      }
    }
    return Drain() && SendEnds(false);
  }

  // Where a frame ends (AV_TIME_BASE), or AV_NOPTS_VALUE.
  static int64_t EndOf(const AVFrame* f) {
    if (f->pts == AV_NOPTS_VALUE || f->time_base.num <= 0) return AV_NOPTS_VALUE;
    return av_rescale_q(f->pts + std::max<int64_t>(compat::FrameDuration(f), 0), f->time_base, AV_TIME_BASE_Q);
  }

  // An input's end reaches the graph once every other input has come as far (or ended): the
  // CLI feeds a graph the input it waits for, so amix=duration=shortest or overlay never see
  // one input end while another is still behind it in time. `all`: every input has ended.
  bool SendEnds(bool all) {
    bool sent = false;
    for (size_t p = 0; p < n_; p++) {
      if (!eof_pending_[p]) continue;
      bool behind = false;
      for (size_t q = 0; q < n_ && !all; q++)
        if (q != p && !ended_[q] && reached_[p] != AV_NOPTS_VALUE &&
            (reached_[q] == AV_NOPTS_VALUE || reached_[q] < reached_[p]))
          behind = true;
      if (behind) continue;
      eof_pending_[p] = false;
      Send(p, nullptr);
      sent = true;
    }
    return !sent || Drain();
  }

  void Send(size_t p, AVFrame* f) { SendToGraph(fg_.sources[p], f, gp_.description); }

  // Every frame the sinks have ready, to their encoders.
  bool Drain() {
    for (size_t k = 0; k < fg_.sinks.size(); k++) {
      if (sink_ended_[k]) continue;
      bool ended = false;
      while (FramePtr f = ReceiveSinkFrame(fg_.sinks[k], gp_.description, &ended)) {
        Item item;
        item.kind = Item::kFrame;
        item.frame = std::move(f);
        item.rate = L_.av_buffersink_get_frame_rate(fg_.sinks[k]);
        int o = run_.sink_stream_[g_][k];
        AddFrameMetadata(run_.reports_[g_], o, item.frame.get(), L_.av_buffersink_get_time_base(fg_.sinks[k]));
        if (!run_.encode_q_[o]->Push(std::move(item))) return false;
      }
      // a sink that ended before its inputs did (trim, atrim at -t): its stream is done, and
      // when every stream is, the inputs stop reading, as the CLI stops when its outputs have
      if (ended) {
        sink_ended_[k] = true;
        Item end;
        if (!run_.encode_q_[run_.sink_stream_[g_][k]]->Push(std::move(end))) return false;
        run_.StreamFinished(static_cast<size_t>(run_.sink_stream_[g_][k]));
      }
    }
    return true;
  }

  void EndSinks() {
    for (size_t k = 0; k < gp_.sinks.size(); k++) {
      if (sink_ended_[k]) continue;
      Item end;
      if (!run_.encode_q_[run_.sink_stream_[g_][k]]->Push(std::move(end))) return;
    }
  }

  Runtime& run_;
  size_t g_;
  const GraphPlan& gp_;
  FilterGraphState& fg_;
  const Lavfi& L_;
  size_t n_;
  std::vector<std::deque<FramePtr>> waiting_;
  std::vector<bool> known_, ended_;
  std::vector<bool> eof_pending_;  // ended, its end not yet given to the graph (SendEnds)
  std::vector<int64_t> reached_;   // per input: where its latest frame ends (AV_TIME_BASE)
  std::vector<FilterPad> pads_;
  bool configured_ = false;
  std::vector<bool> sink_ended_ = std::vector<bool>(gp_.sinks.size(), false);  // gave its last frame
  FilterLogCapture capture_;
};

void Runtime::Filter(size_t g) { FilterStage(*this, g).Run(); }

}  // namespace avf::pipeline
