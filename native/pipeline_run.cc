#include "pipeline_run.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cmath>
#include <deque>
#include <thread>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

extern "C" {
#include <libavutil/audio_fifo.h>
}

#include "bounded_queue.h"
#include "codec.h"
#include "filter_graph.h"
#include "hw.h"
#include "lavfi.h"
#include "log.h"
#include "muxer.h"

namespace avf {

void PipelineControl::Halt() {
  halted = true;
  // Called under the lock: the run cannot end (and clear its listener) in the middle of it.
  std::lock_guard<std::mutex> lock(m_);
  if (on_halt_) on_halt_();
}

void PipelineControl::OnHalt(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(m_);
  on_halt_ = std::move(fn);
}

namespace {

// What travels between stages.
struct Item {
  enum Kind : uint8_t { kPacket, kFrame, kEnd, kReady, kUnused };
  Kind kind = kEnd;
  int port = 0;               // which input of the receiving stage (graph source, output stream)
  PacketPtr packet;
  FramePtr frame;
  AVRational rate{0, 1};      // kFrame from a graph: its sink's frame rate; kReady: the stream's
  CodecParametersPtr params;  // kReady: an encoder is open, its stream can be set up
  AVRational time_base{0, 1};
};
using Queue = BoundedQueue<Item>;

struct Route {
  Queue* queue;
  int port;
};

// A read position this far before the next thumbnail is worth a seek instead of decoding on.
constexpr int64_t kSeekGap = 5 * AV_TIME_BASE;
// Frames are shown up to this long after their packets are read (B-frame reordering): how far
// past a thumbnail's time to read when packets have no timestamps to say so exactly.
constexpr int64_t kReorderMargin = AV_TIME_BASE;

// Stage threads (and the codec threads they start, which inherit it) run a little below the
// JS thread: on a busy machine the event loop still gets the CPU first, so a job's progress
// never stalls a server's requests. Alone on the machine, they run at full speed as before.
void LowerThreadPriority() {
#ifdef __linux__
  pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + 5, 19));
#endif
}

int Halted(void* opaque) { return static_cast<PipelineControl*>(opaque)->halted.load() ? 1 : 0; }

double Seconds(int64_t ts, AVRational tb) { return ts == AV_NOPTS_VALUE ? -1 : ts * av_q2d(tb); }

// Where in the media this stage thread is, for its errors.
thread_local double t_media_time = -1;

AvException WithStream(AvException e, int stream) {
  e.stream = stream;
  return e;
}

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

// The format/aformat arguments that make a graph's sink give what the encoder takes.
std::string EncoderConstraint(const AVCodec* codec) {
  // MJPEG takes limited-range YUV only when told to be non-standard: give it full range (as the CLI does).
  if (codec->id == AV_CODEC_ID_MJPEG) return "pix_fmts=yuvj420p|yuvj422p|yuvj444p";
  if (codec->type == AVMEDIA_TYPE_VIDEO) {
    std::string fmts = JoinNames<AVPixelFormat>(compat::CodecPixelFormats(codec), AV_PIX_FMT_NONE, av_get_pix_fmt_name);
    return fmts.empty() ? "" : "pix_fmts=" + fmts;
  }
  std::string args;
  std::string fmts = JoinNames<AVSampleFormat>(compat::CodecSampleFormats(codec), AV_SAMPLE_FMT_NONE, av_get_sample_fmt_name);
  if (!fmts.empty()) args += "sample_fmts=" + fmts;
  std::string rates;
  for (const int* r = compat::CodecSampleRates(codec); r && *r; r++) rates += (rates.empty() ? "" : "|") + std::to_string(*r);
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

class Runtime {
 public:
  Runtime(std::vector<PipelineInput>& inputs, PipelinePlan& plan, PipelineStats& stats, PipelineControl& control,
          const TapHook& tap)
      : inputs_(inputs), plan_(plan), stats_(stats), control_(control), tap_(tap) {}

  ~Runtime() {
    control_.OnHalt(nullptr);
    for (AVBSFContext*& b : bsfs_) av_bsf_free(&b);
    ReleaseOutput(&out_, out_io_, committed_, partial_);
    FreeIo(&out_io_);
  }

  PipelineResult Run() {
    Setup();
    control_.OnHalt([this] { AbortQueues(); });
    if (control_.halted) AbortQueues();
    std::vector<std::thread> threads;
    for (size_t i = 0; i < inputs_.size(); i++) threads.emplace_back([this, i] { Guard("demux", -1, [&] { Demux(i); }); });
    for (size_t d = 0; d < decoders_.size(); d++)
      threads.emplace_back([this, d] { Guard("decode", plan_.decoders[d].stream, [&] { Decode(d); }); });
    for (size_t g = 0; g < graphs_.size(); g++) threads.emplace_back([this, g] { Guard("filter", -1, [&] { Filter(g); }); });
    for (size_t o = 0; o < plan_.streams.size(); o++) {
      if (plan_.streams[o].subtitle)
        threads.emplace_back([this, o] { Guard("subtitle", static_cast<int>(o), [&] { Subtitle(o); }); });
      else if (!plan_.streams[o].copy)
        threads.emplace_back([this, o] { Guard("encode", static_cast<int>(o), [&] { Encode(o); }); });
    }
    if (!inline_mux_) threads.emplace_back([this] { Guard("mux", -1, [&] { Mux(); }); });
    for (auto& t : threads) t.join();
    control_.OnHalt(nullptr);
    for (auto& d : decoders_) stats_.damaged += d->damaged.load();
    if (error_) std::rethrow_exception(error_);
    if (control_.aborted) throw AvException("ABORT_ERR", "The job was aborted", "pipeline", OutputName());
    result_.stopped = control_.stop;
    return std::move(result_);
  }

 private:
  const std::string& OutputName() const { return plan_.output.url; }

  // Runs a stage; its failure halts the others and is what the run throws.
  void Guard(const char* stage, int stream, const std::function<void()>& body) {
    LowerThreadPriority();
    try {
      body();
    } catch (AvException& e) {
      if (e.stage.empty()) e.stage = stage;
      if (e.stream < 0) e.stream = stream;
      if (e.time < 0) e.time = t_media_time;
      Fail(std::make_exception_ptr(e));
    } catch (...) {
      Fail(std::current_exception());
    }
  }

  void Fail(std::exception_ptr e) {
    {
      std::lock_guard<std::mutex> lock(error_m_);
      if (!error_ && !control_.aborted) error_ = e;
    }
    control_.Halt();
  }

  void AbortQueues() {
    for (auto& q : decode_q_) q->Abort();
    for (auto& q : graph_q_) q->Abort();
    for (auto& q : encode_q_)
      if (q) q->Abort();
    for (auto& st : subtitles_)
      if (st.queue) st.queue->Abort();
    if (mux_q_) mux_q_->Abort();
  }

  // An output stream reached -t or its frame limit; when all have, the inputs stop.
  void StreamFinished() { finished_++; }
  bool AllFinished() const { return cut_.load() != AV_NOPTS_VALUE || finished_.load() >= static_cast<int>(plan_.streams.size()); }
  // Where every stream ends: -t, or where a stream met its frame limit (-frames:v ends the
  // whole output there, as in the CLI).
  int64_t Limit() const {
    int64_t cut = cut_.load();
    if (cut == AV_NOPTS_VALUE) return plan_.duration;
    return plan_.duration == AV_NOPTS_VALUE ? cut : std::min(cut, plan_.duration);
  }
  void CutAt(int64_t t) {
    int64_t none = AV_NOPTS_VALUE;
    cut_.compare_exchange_strong(none, t);
  }

  // ---- set-up, on the calling thread: everything that can be checked before a frame moves
  void Setup() {
    size_t n = plan_.streams.size();
    if (n == 0) throw AvException("EINVAL", "The output has no streams", "pipeline", OutputName());
    if (stats_.streams != n) throw AvException("EINVAL", "The counters are not sized for this plan", "pipeline");
    result_.collected.resize(n);
    int q = plan_.queue_size > 0 ? plan_.queue_size : 8;
    routes_.resize(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); i++) {
      inputs_[i].fmt->interrupt_callback = {Halted, &control_};
      routes_[i].resize(inputs_[i].fmt->nb_streams);
    }
    offsets_.assign(inputs_.size(), 0);
    auto input_stream = [&](int input, int stream, const char* what) -> AVStream* {
      if (input < 0 || input >= static_cast<int>(inputs_.size()) || stream < 0 ||
          stream >= static_cast<int>(inputs_[input].fmt->nb_streams))
        throw AvException(AVERROR_STREAM_NOT_FOUND, what, input >= 0 && input < static_cast<int>(inputs_.size()) ? inputs_[input].url : "", stream);
      return inputs_[input].fmt->streams[stream];
    };
    // the job's hardware device: a decoder that cannot have it falls back to software (and
    // says so); a graph that needs it (hwupload for a hardware encoder) cannot
    std::string device_error;
    if (!plan_.hw_type.empty()) {
      try {
        hw_device_ = OpenHwDevice(plan_.hw_type, plan_.hw_device, plan_.hw_options);
      } catch (const AvException& e) {
        device_error = e.message;
        for (const GraphPlan& gp : plan_.graphs)
          if (gp.hardware) throw;
      }
    }
    // decoders
    for (size_t d = 0; d < plan_.decoders.size(); d++) {
      DecodePlan& dp = plan_.decoders[d];
      AVStream* st = input_stream(dp.input, dp.stream, "decode");
      auto c = std::make_unique<CodecState>();
      const AVCodec* codec = FindCodec(false, dp.codec, st->codecpar->codec_id);
      c->name = codec->name;
      c->strict = plan_.strict;
      c->ctx.reset(avcodec_alloc_context3(codec));
      if (!c->ctx) throw AvException(AVERROR(ENOMEM), "avcodec_alloc_context3", c->name);
      Check(avcodec_parameters_to_context(c->ctx.get(), st->codecpar), "avcodec_parameters_to_context", c->name, dp.stream);
      c->ctx->pkt_timebase = st->time_base;
      c->ctx->framerate = av_guess_frame_rate(inputs_[dp.input].fmt, st, nullptr);
      if (dp.keyframes_only) c->ctx->skip_frame = AVDISCARD_NONKEY;
      if (!av_dict_get(*dp.options.ptr(), "max_pixels", nullptr, 0)) c->ctx->max_pixels = 1 << 26;
      if (dp.hardware && !plan_.hw_type.empty()) {
        HardwareUse use{"decode", dp.stream, plan_.hw_type, "software", ""};
        AVPixelFormat hw = hw_device_ ? HwDecodeFormat(codec, reinterpret_cast<AVHWDeviceContext*>(hw_device_->data)->type)
                                      : AV_PIX_FMT_NONE;
        if (!hw_device_)
          use.reason = device_error;
        else if (hw == AV_PIX_FMT_NONE)
          use.reason = std::string(codec->name) + " cannot decode on " + plan_.hw_type;
        else {
          AttachHwDecoder(c->ctx.get(), hw_device_.get(), hw);
          use.used = plan_.hw_type;
        }
        result_.hardware.push_back(use);
      }
      try {
        OpenCodec(*c, codec, dp.threads, dp.options);
      } catch (AvException& e) {
        e.stream = dp.stream;
        e.stage = "decode";
        throw;
      }
      decode_q_.push_back(std::make_unique<Queue>(q));
      routes_[dp.input][dp.stream].push_back({decode_q_.back().get(), 0});
      decoders_.push_back(std::move(c));
    }
    decoder_out_.resize(decoders_.size());
    // graphs: libavfilter loads here, so a missing one fails the run before it starts
    sink_stream_.resize(plan_.graphs.size());
    for (size_t g = 0; g < plan_.graphs.size(); g++) {
      GraphPlan& gp = plan_.graphs[g];
      if (gp.sources.empty() || gp.sinks.empty())
        throw AvException("EINVAL", "A filter graph needs inputs and outputs", "filter", gp.description);
      lavfi();
      graph_q_.push_back(std::make_unique<Queue>(q * static_cast<int>(gp.sources.size())));
      for (size_t k = 0; k < gp.sources.size(); k++) {
        int d = gp.sources[k].decoder;
        if (d < 0 || d >= static_cast<int>(decoders_.size()))
          throw AvException("EINVAL", "A graph input has no decoder", "filter", gp.description);
        decoder_out_[d].push_back({graph_q_.back().get(), static_cast<int>(k)});
      }
      sink_stream_[g].assign(gp.sinks.size(), -1);
      graphs_.push_back(std::make_unique<FilterGraphState>());
    }
    // output
    const OutputPlan& op = plan_.output;
    if (!op.collect) {
      if (!op.format.empty() && !av_guess_format(op.format.c_str(), nullptr, nullptr)) {
        AvException e(AVERROR_MUXER_NOT_FOUND, "av_guess_format", op.url);
        e.message = "No muxer named '" + op.format + "'";
        throw e;
      }
      Check(avformat_alloc_output_context2(&out_, nullptr, op.format.empty() ? nullptr : op.format.c_str(),
                                           op.channel ? nullptr : op.url.c_str()),
            "avformat_alloc_output_context2", op.url);
      out_->interrupt_callback = {Halted, &control_};
    }
    global_header_ = out_ && (out_->oformat->flags & AVFMT_GLOBALHEADER);
    // output streams
    encode_q_.resize(n);
    bsfs_.assign(n, nullptr);
    encoders_.resize(n);
    batch_rate_.resize(n);
    for (size_t o = 0; o < n; o++) {
      StreamPlan& sp = plan_.streams[o];
      if (sp.copy) {
        AVStream* st = input_stream(sp.input, sp.stream, "copy");
        routes_[sp.input][sp.stream].push_back({nullptr, static_cast<int>(o)});  // to the muxer
        if (!sp.bsf.empty()) {
          Check(av_bsf_list_parse_str(sp.bsf.c_str(), &bsfs_[o]), "av_bsf_list_parse_str", sp.bsf, static_cast<int>(o));
          Check(avcodec_parameters_copy(bsfs_[o]->par_in, st->codecpar), "avcodec_parameters_copy", sp.bsf);
          bsfs_[o]->time_base_in = st->time_base;
          Check(av_bsf_init(bsfs_[o]), "av_bsf_init", sp.bsf, static_cast<int>(o));
        }
        continue;
      }
      if (sp.subtitle) {
        SetupSubtitle(o, input_stream(sp.input, sp.stream, "subtitle"));
        continue;
      }
      if (sp.graph < 0 || sp.graph >= static_cast<int>(graphs_.size()) || sp.sink < 0 ||
          sp.sink >= static_cast<int>(plan_.graphs[sp.graph].sinks.size()))
        throw AvException("EINVAL", "An encoded stream has no graph output", "encode", OutputName());
      if (sink_stream_[sp.graph][sp.sink] >= 0)
        throw AvException("EINVAL", "A graph output feeds two streams", "encode", plan_.graphs[sp.graph].description);
      sink_stream_[sp.graph][sp.sink] = static_cast<int>(o);
      GraphPlan::Sink& sink = plan_.graphs[sp.graph].sinks[sp.sink];
      if (sp.codec.empty()) {  // the container's default, as the CLI picks it
        AVCodecID id = out_ ? av_guess_codec(out_->oformat, nullptr, op.url.c_str(), nullptr,
                                             sink.video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO)
                            : AV_CODEC_ID_NONE;
        if (id == AV_CODEC_ID_NONE)
          throw WithStream(AvException("EINVAL", std::string("The output format has no default ") +
                                                     (sink.video ? "video" : "audio") + " codec: name one",
                                       "encode", OutputName()), static_cast<int>(o));
        encoders_[o] = FindCodec(true, "", id);
      } else {
        encoders_[o] = FindCodec(true, sp.codec, AV_CODEC_ID_NONE);
      }
      if (encoders_[o]->type != AVMEDIA_TYPE_VIDEO && encoders_[o]->type != AVMEDIA_TYPE_AUDIO)
        throw WithStream(AvException("EINVAL", std::string("Encoder ") + encoders_[o]->name + " is not a video or audio encoder",
                                     "encode", OutputName()), static_cast<int>(o));
      sink.video = encoders_[o]->type == AVMEDIA_TYPE_VIDEO;  // the encoder decides what the sink gives
      encode_q_[o] = std::make_unique<Queue>(q);
    }
    for (size_t g = 0; g < sink_stream_.size(); g++)
      for (int o : sink_stream_[g])
        if (o < 0) throw AvException("EINVAL", "A graph output feeds no stream", "filter", plan_.graphs[g].description);
    // A remux (one input, every stream copied) has no work to overlap: one thread reads and
    // writes, as a C program would, with no hand-off per packet.
    inline_mux_ = inputs_.size() == 1 && !plan_.output.collect && plan_.decoders.empty() &&
                  std::all_of(plan_.streams.begin(), plan_.streams.end(), [](const StreamPlan& sp) { return sp.copy; });
    mux_q_ = std::make_unique<Queue>(q * static_cast<int>(n) * 4);
    for (auto& per_input : routes_)
      for (auto& per_stream : per_input)
        for (auto& r : per_stream)
          if (!r.queue) r.queue = mux_q_.get();
  }

  // A subtitle stream converted (mov_text -> ass, subrip -> webvtt...): both codecs open here,
  // so its output stream is known before the first packet.
  void SetupSubtitle(size_t o, AVStream* st) {
    StreamPlan& sp = plan_.streams[o];
    int index = static_cast<int>(o);
    auto dec = std::make_unique<CodecState>();
    const AVCodec* dcodec = FindCodec(false, "", st->codecpar->codec_id);
    dec->name = dcodec->name;
    dec->strict = plan_.strict;
    dec->ctx.reset(avcodec_alloc_context3(dcodec));
    if (!dec->ctx) throw AvException(AVERROR(ENOMEM), "avcodec_alloc_context3", dec->name);
    Check(avcodec_parameters_to_context(dec->ctx.get(), st->codecpar), "avcodec_parameters_to_context", dec->name, index);
    dec->ctx->pkt_timebase = st->time_base;
    Dict none(nullptr);
    OpenCodec(*dec, dcodec, 1, none);
    const AVCodec* ecodec = nullptr;
    if (sp.codec.empty()) {
      AVCodecID id = out_ ? av_guess_codec(out_->oformat, nullptr, plan_.output.url.c_str(), nullptr, AVMEDIA_TYPE_SUBTITLE)
                          : AV_CODEC_ID_NONE;
      if (id == AV_CODEC_ID_NONE) throw WithStream(AvException("EINVAL", "The output format takes no subtitles", "subtitle", OutputName()), index);
      ecodec = FindCodec(true, "", id);
    } else {
      ecodec = FindCodec(true, sp.codec, AV_CODEC_ID_NONE);
    }
    const AVCodecDescriptor* from = avcodec_descriptor_get(dcodec->id);
    const AVCodecDescriptor* to = avcodec_descriptor_get(ecodec->id);
    if (ecodec->type != AVMEDIA_TYPE_SUBTITLE || !from || !to ||
        ((from->props & AV_CODEC_PROP_BITMAP_SUB) != (to->props & AV_CODEC_PROP_BITMAP_SUB)))
      throw WithStream(AvException("EINVAL", std::string("Cannot convert ") + dcodec->name + " subtitles to " + ecodec->name +
                                                 " (text and bitmap subtitles do not convert)", "subtitle", OutputName()), index);
    auto enc = std::make_unique<CodecState>();
    enc->name = ecodec->name;
    enc->ctx.reset(avcodec_alloc_context3(ecodec));
    if (!enc->ctx) throw AvException(AVERROR(ENOMEM), "avcodec_alloc_context3", enc->name);
    enc->ctx->time_base = AV_TIME_BASE_Q;
    enc->ctx->width = dec->ctx->width;
    enc->ctx->height = dec->ctx->height;
    if (dec->ctx->subtitle_header) {  // ASS styles travel from the decoder to the encoder
      enc->ctx->subtitle_header = static_cast<uint8_t*>(av_mallocz(dec->ctx->subtitle_header_size + 1));
      if (!enc->ctx->subtitle_header) throw AvException(AVERROR(ENOMEM), "av_mallocz");
      memcpy(enc->ctx->subtitle_header, dec->ctx->subtitle_header, dec->ctx->subtitle_header_size);
      enc->ctx->subtitle_header_size = dec->ctx->subtitle_header_size;
    }
    if (global_header_) enc->ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    Dict options(nullptr);
    av_dict_copy(options.ptr(), *sp.options.ptr(), 0);
    OpenCodec(*enc, ecodec, 1, options);
    subtitles_.resize(plan_.streams.size());
    subtitles_[o].decoder = std::move(dec);
    subtitles_[o].encoder = std::move(enc);
    subtitles_[o].queue = std::make_unique<Queue>(64);
    routes_[sp.input][sp.stream].push_back({subtitles_[o].queue.get(), index});
  }

  // ---- subtitles: one thread per converted stream
  void Subtitle(size_t o) {
    SubtitleStage& stage = subtitles_[o];
    CodecState& dec = *stage.decoder;
    CodecState& enc = *stage.encoder;
    const StreamPlan& sp = plan_.streams[o];
    AVRational tb = inputs_[sp.input].fmt->streams[sp.stream]->time_base;
    std::vector<uint8_t> buffer(1 << 20);
    bool finished = false;
    Item item;
    while (stage.queue->Pop(item)) {
      if (item.kind != Item::kPacket) break;
      if (finished) continue;
      AVSubtitle sub{};
      int got = 0;
      t_media_time = Seconds(item.packet->pts, tb);
      int ret = avcodec_decode_subtitle2(dec.ctx.get(), &sub, &got, item.packet.get());
      if (ret < 0) {
        SkipDamaged(dec, ret, "avcodec_decode_subtitle2");
        continue;
      }
      if (!got) continue;
      struct Free {
        AVSubtitle* s;
        ~Free() { avsubtitle_free(s); }
      } guard{&sub};
      // As the CLI: the display window moves into pts, which the output timeline runs on.
      int64_t pts = item.packet->pts != AV_NOPTS_VALUE ? av_rescale_q(item.packet->pts, tb, AV_TIME_BASE_Q) : sub.pts;
      if (pts == AV_NOPTS_VALUE) continue;
      pts += av_rescale_q(sub.start_display_time, AVRational{1, 1000}, AV_TIME_BASE_Q);
      sub.end_display_time -= sub.start_display_time;
      sub.start_display_time = 0;
      sub.pts = pts;
      if (Limit() != AV_NOPTS_VALUE && pts >= Limit()) {
        finished = true;
        StreamFinished();
        continue;
      }
      int size = avcodec_encode_subtitle(enc.ctx.get(), buffer.data(), static_cast<int>(buffer.size()), &sub);
      if (size < 0) throw AvException(size, "avcodec_encode_subtitle", enc.name);
      PacketPtr pkt(av_packet_alloc());
      if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
      Check(av_new_packet(pkt.get(), size), "av_new_packet");
      memcpy(pkt->data, buffer.data(), size);
      pkt->pts = pkt->dts = pts;
      pkt->duration = av_rescale_q(sub.end_display_time, AVRational{1, 1000}, AV_TIME_BASE_Q);
      pkt->time_base = AV_TIME_BASE_Q;
      stats_.frames[o]++;
      Item out;
      out.kind = Item::kPacket;
      out.port = static_cast<int>(o);
      out.packet = std::move(pkt);
      if (!mux_q_->Push(std::move(out))) return;
    }
    if (control_.halted) return;
    Item end;
    end.port = static_cast<int>(o);
    mux_q_->Push(std::move(end));
  }

  // ---- demux: one thread per input
  void Demux(size_t i) {
    AVFormatContext* fmt = inputs_[i].fmt;
    const std::string& url = inputs_[i].url;
    int64_t start = i < plan_.start.size() ? plan_.start[i] : AV_NOPTS_VALUE;
    int64_t base = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0;
    if (start != AV_NOPTS_VALUE && start > 0) {
      int ret = avformat_seek_file(fmt, -1, INT64_MIN, base + start, base + start, 0);
      if (ret < 0) LogWarning("pipeline", "%s: cannot seek to %.3f s: %s", url.c_str(), start / 1e6, ErrorName(ret).c_str());
    }
    int64_t offset = base + (start != AV_NOPTS_VALUE ? start : 0);
    offsets_[i] = offset;
    // Thumbnails at given times: seek ahead instead of decoding minutes of video between them.
    const std::vector<int64_t>& targets = plan_.targets;
    int target_stream = (i == 0 && !targets.empty() && !plan_.decoders.empty()) ? plan_.decoders[0].stream : -1;
    size_t next_target = 0;
    // The earliest pts at or after the current target among the packets read so far: once a
    // packet's dts is past it, no packet still to come can show an earlier frame (pts >= dts),
    // so the target's image is among those read and reading on for it would be wasted decoding.
    int64_t candidate = AV_NOPTS_VALUE;
    auto target_passed = [&](int64_t dts) {
      return targets[next_target] + kReorderMargin < dts || (candidate != AV_NOPTS_VALUE && dts > candidate);
    };
    int64_t last_seek = AV_NOPTS_VALUE;
    bool can_seek = fmt->pb ? (fmt->pb->seekable & AVIO_SEEKABLE_NORMAL) != 0 : true;
    auto& routes = routes_[i];
    if (inline_mux_) MuxStart();
    std::vector<int64_t> last_dts(routes.size(), AV_NOPTS_VALUE);
    PacketPtr pkt(av_packet_alloc());
    if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    int64_t read = 0;
    bool targets_done = false;
    if (target_stream >= 0 && can_seek && targets[0] > kReorderMargin) {  // the first image: go there at once
      last_seek = targets[0];
      if (avformat_seek_file(fmt, -1, INT64_MIN, offset + last_seek, offset + last_seek, 0) < 0) can_seek = false;
    }
    while (!control_.halted && !control_.stop && !AllFinished() && !targets_done) {
      int ret = av_read_frame(fmt, pkt.get());
      if (ret == AVERROR(EAGAIN)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ret == AVERROR_EOF) break;
      if (ret < 0) {
        if (control_.halted) return;
        // As the CLI does: damage after the first packet ends the input with a warning.
        bool damage = ret != AVERROR(EIO) && ret != AVERROR(EFBIG) && ret != AVERROR(ETIMEDOUT) && ret != AVERROR_EXIT;
        if (!plan_.strict && damage && read > 0) {
          LogWarning("demuxer", "%s: error while reading, treating as end of input: %s", url.c_str(), ErrorName(ret).c_str());
          break;
        }
        throw AvException(ret, "av_read_frame", url);
      }
      read++;
      stats_.packets_read++;
      int s = pkt->stream_index;
      if (s < 0 || s >= static_cast<int>(routes.size()) || routes[s].empty()) {
        av_packet_unref(pkt.get());
        continue;
      }
      AVRational tb = fmt->streams[s]->time_base;
      int64_t shift = av_rescale_q(offset, AV_TIME_BASE_Q, tb);
      if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= shift;
      if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= shift;
      pkt->time_base = tb;
      // Matroska has no decode timestamps: some packets come without one. Predict it as the
      // CLI does (the previous one plus a duration; before the first, the reorder delay), so
      // the muxer is never handed an unset timestamp.
      if (pkt->dts == AV_NOPTS_VALUE && pkt->pts != AV_NOPTS_VALUE) {
        int64_t step = pkt->duration > 0 ? pkt->duration : 1;
        int64_t dts = last_dts[s] != AV_NOPTS_VALUE ? last_dts[s] + step
                                                      : pkt->pts - fmt->streams[s]->codecpar->video_delay * step;
        pkt->dts = std::min(dts, pkt->pts);
      }
      if (pkt->dts != AV_NOPTS_VALUE) last_dts[s] = pkt->dts;
      t_media_time = Seconds(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, tb);
      if (s == target_stream) {
        int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
        int64_t t = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, tb, AV_TIME_BASE_Q);
        int64_t shown = pkt->pts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(pkt->pts, tb, AV_TIME_BASE_Q);
        if (t != AV_NOPTS_VALUE) {
          while (next_target < targets.size() && target_passed(t)) {
            next_target++;
            candidate = AV_NOPTS_VALUE;
          }
          if (next_target < targets.size() && shown != AV_NOPTS_VALUE && shown >= targets[next_target] &&
              (candidate == AV_NOPTS_VALUE || shown < candidate))
            candidate = shown;
          if (next_target == targets.size()) {
            targets_done = true;  // this packet still goes out; then the decoder drains
          } else if (can_seek && targets[next_target] - t > kSeekGap && last_seek != targets[next_target]) {
            last_seek = targets[next_target];
            candidate = AV_NOPTS_VALUE;
            av_packet_unref(pkt.get());
            int r = avformat_seek_file(fmt, -1, INT64_MIN, offset + last_seek, offset + last_seek, 0);
            if (r < 0) can_seek = false;
            continue;
          }
        }
      }
      auto& to = routes[s];
      for (size_t k = 0; k < to.size(); k++) {
        Item item;
        item.kind = Item::kPacket;
        item.port = to[k].port;
        item.packet = k + 1 < to.size() ? RefPacket(pkt.get()) : std::move(pkt);
        if (!item.packet) throw AvException(AVERROR(ENOMEM), "av_packet_ref");
        if (!Deliver(to[k], std::move(item))) return;
      }
      pkt.reset(av_packet_alloc());
      if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    }
    if (control_.halted) return;
    for (auto& per_stream : routes)
      for (auto& r : per_stream) {
        Item end;
        end.port = r.port;
        if (!Deliver(r, std::move(end))) return;
      }
    if (inline_mux_) MuxFinish();
  }

  // To the next stage: its queue, or (a plain remux) the muxer on this thread.
  bool Deliver(const Route& r, Item item) {
    if (inline_mux_) {
      MuxHandle(item);
      return !control_.halted;
    }
    return r.queue->Push(std::move(item));
  }

  // ---- decode: one thread per decoded input stream
  void Decode(size_t d) {
    CodecState& c = *decoders_[d];
    const DecodePlan& dp = plan_.decoders[d];
    AVRational tb = inputs_[dp.input].fmt->streams[dp.stream]->time_base;
    bool trim = dp.input < static_cast<int>(plan_.start.size()) && plan_.start[dp.input] != AV_NOPTS_VALUE;
    const auto& to = decoder_out_[d];
    std::vector<FramePtr> frames;
    auto deliver = [&]() -> bool {
      for (auto& f : frames) {
        // An accurate -ss: what decodes before the start point only fed the references.
        if (trim && f->pts != AV_NOPTS_VALUE) {
          int64_t end = f->pts + (f->nb_samples > 0 ? av_rescale_q(f->nb_samples, AVRational{1, f->sample_rate}, tb) : 1);
          if (end <= 0 || (f->nb_samples == 0 && f->pts < 0)) continue;
        }
        stats_.frames_decoded++;
        if (dp.download && IsHwFrame(f.get())) f = DownloadFrame(f.get());  // for software filters
        for (size_t k = 0; k < to.size(); k++) {
          Item item;
          item.kind = Item::kFrame;
          item.port = to[k].port;
          item.frame = k + 1 < to.size() ? RefFrame(f.get()) : std::move(f);
          if (!to[k].queue->Push(std::move(item))) return false;
        }
      }
      frames.clear();
      return true;
    };
    Item item;
    while (decode_q_[d]->Pop(item)) {
      if (item.kind == Item::kPacket) {
        t_media_time = Seconds(item.packet->pts, tb);
        int ret = avcodec_send_packet(c.ctx.get(), item.packet.get());
        if (ret == AVERROR(EAGAIN)) {
          ReceiveFrames(c, frames);
          if (!deliver()) return;
          ret = avcodec_send_packet(c.ctx.get(), item.packet.get());
        }
        if (ret < 0 && ret != AVERROR_EOF) SkipDamaged(c, ret, "avcodec_send_packet");
        ReceiveFrames(c, frames);
        if (!deliver()) return;
        continue;
      }
      int ret = avcodec_send_packet(c.ctx.get(), nullptr);
      if (ret < 0 && ret != AVERROR_EOF) SkipDamaged(c, ret, "avcodec_send_packet");
      ReceiveFrames(c, frames);
      if (!deliver()) return;
      for (const Route& r : to) {
        Item end;
        end.port = r.port;
        if (!r.queue->Push(std::move(end))) return;
      }
      return;
    }
  }

  // What a graph input looks like when its stream ended before a single frame.
  FilterPad PadOfDecoder(int d) {
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

  // ---- filter: one thread per graph. It is set up when every input has shown its first
  // frame (or ended), from what the frames are, as the CLI does.
  void Filter(size_t g) {
    const Lavfi& L = lavfi();
    const GraphPlan& gp = plan_.graphs[g];
    FilterGraphState& fg = *graphs_[g];
    size_t n = gp.sources.size();
    std::vector<std::deque<FramePtr>> waiting(n);
    std::vector<bool> known(n, false), ended(n, false);
    std::vector<FilterPad> pads(n);
    bool configured = false;
    auto drain = [&]() -> bool {
      for (size_t k = 0; k < fg.sinks.size(); k++) {
        for (;;) {
          FramePtr f(av_frame_alloc());
          if (!f) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
          int ret = L.av_buffersink_get_frame(fg.sinks[k], f.get());
          if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) break;
          Check(ret, "av_buffersink_get_frame", gp.description);
          f->time_base = L.av_buffersink_get_time_base(fg.sinks[k]);
          Item item;
          item.kind = Item::kFrame;
          item.frame = std::move(f);
          item.rate = L.av_buffersink_get_frame_rate(fg.sinks[k]);
          if (!encode_q_[sink_stream_[g][k]]->Push(std::move(item))) return false;
        }
      }
      return true;
    };
    auto send = [&](size_t p, AVFrame* f) {
      Check(L.av_buffersrc_add_frame_flags(fg.sources[p], f, 0), "av_buffersrc_add_frame", gp.description);
    };
    auto configure = [&]() -> bool {
      std::vector<GraphSource> sources;
      for (size_t p = 0; p < n; p++)
        sources.push_back({known[p] ? pads[p] : PadOfDecoder(gp.sources[p].decoder), gp.sources[p].label});
      std::vector<GraphSink> sinks;
      for (size_t k = 0; k < gp.sinks.size(); k++)
        sinks.push_back({gp.sinks[k].video, gp.sinks[k].label, EncoderConstraint(encoders_[sink_stream_[g][k]])});
      BuildGraph(fg, gp.description, sources, sinks, gp.threads, gp.hardware ? hw_device_.get() : nullptr);
      configured = true;
      for (size_t p = 0; p < n; p++) {
        while (!waiting[p].empty()) {
          send(p, waiting[p].front().get());
          waiting[p].pop_front();
          if (!drain()) return false;
        }
        if (ended[p]) send(p, nullptr);
      }
      return drain();
    };
    auto ready = [&] {
      for (size_t p = 0; p < n; p++)
        if (!known[p] && !ended[p]) return false;
      return true;
    };
    Item item;
    size_t open = n;
    while (graph_q_[g]->Pop(item)) {
      size_t p = static_cast<size_t>(item.port);
      if (item.kind == Item::kFrame) {
        if (configured) {
          send(p, item.frame.get());
          if (!drain()) return;
          continue;
        }
        if (!known[p]) {
          AVRational rate = decoders_[gp.sources[p].decoder]->ctx->framerate;
          pads[p] = PadOf(item.frame.get(), item.frame->time_base.num > 0 ? item.frame->time_base : AVRational{1, AV_TIME_BASE}, rate);
          known[p] = true;
        }
        waiting[p].push_back(std::move(item.frame));
        if (ready() && !configure()) return;
        continue;
      }
      ended[p] = true;
      open--;
      if (configured) {
        send(p, nullptr);
        if (!drain()) return;
      } else if (ready() && !configure()) {
        return;
      }
      if (open == 0) {
        for (size_t k = 0; k < gp.sinks.size(); k++) {
          Item end;
          if (!encode_q_[sink_stream_[g][k]]->Push(std::move(end))) return;
        }
        return;
      }
    }
  }

  // ---- encode: one thread per encoded output stream
  void Encode(size_t o) {
    const StreamPlan& sp = plan_.streams[o];
    int index = static_cast<int>(o);
    CodecState c;
    c.name = encoders_[o]->name;
    c.strict = plan_.strict;
    struct FifoFree {
      void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
    };
    std::unique_ptr<AVAudioFifo, FifoFree> fifo;
    int64_t fifo_pts = AV_NOPTS_VALUE, last_pts = AV_NOPTS_VALUE, accepted = 0;
    bool finished = false;
    std::vector<PacketPtr> packets;
    std::vector<FramePtr> batch;

    auto open = [&](const AVFrame* f, AVRational rate) {
      const AVCodec* codec = encoders_[o];
      c.ctx.reset(avcodec_alloc_context3(codec));
      AVCodecContext* ctx = c.ctx.get();
      if (!ctx) throw AvException(AVERROR(ENOMEM), "avcodec_alloc_context3", c.name);
      if (codec->type == AVMEDIA_TYPE_VIDEO) {
        ctx->width = f->width;
        ctx->height = f->height;
        ctx->pix_fmt = static_cast<AVPixelFormat>(f->format);
        ctx->sample_aspect_ratio = f->sample_aspect_ratio;
        ctx->framerate = sp.frame_rate.num > 0 ? sp.frame_rate : rate;
        ctx->time_base = ctx->framerate.num > 0 ? av_inv_q(ctx->framerate) : f->time_base;
        ctx->color_range = f->color_range;
        ctx->colorspace = f->colorspace;
        ctx->color_primaries = f->color_primaries;
        ctx->color_trc = f->color_trc;
        ctx->chroma_sample_location = f->chroma_location;
        if (IsHwFrame(f)) {  // a hardware encoder fed by hwupload or a hardware decoder
          ctx->hw_frames_ctx = av_buffer_ref(f->hw_frames_ctx);
          if (!ctx->hw_frames_ctx) throw AvException(AVERROR(ENOMEM), "av_buffer_ref");
        }
      } else {
        ctx->sample_fmt = static_cast<AVSampleFormat>(f->format);
        ctx->sample_rate = f->sample_rate;
        Check(av_channel_layout_copy(&ctx->ch_layout, &f->ch_layout), "av_channel_layout_copy", c.name);
        ctx->time_base = AVRational{1, f->sample_rate};
      }
      if (sp.bit_rate > 0) ctx->bit_rate = sp.bit_rate;
      if (global_header_) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
      Dict options(nullptr);
      av_dict_copy(options.ptr(), *const_cast<Dict&>(sp.options).ptr(), 0);
      OpenCodec(c, codec, sp.threads, options);
      if (codec->type == AVMEDIA_TYPE_AUDIO && ctx->frame_size > 0 &&
          !(codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE)) {
        fifo.reset(av_audio_fifo_alloc(ctx->sample_fmt, ctx->ch_layout.nb_channels, ctx->frame_size * 2));
        if (!fifo) throw AvException(AVERROR(ENOMEM), "av_audio_fifo_alloc", c.name);
      }
      Item ready;
      ready.kind = Item::kReady;
      ready.port = index;
      ready.params.reset(avcodec_parameters_alloc());
      if (!ready.params) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
      Check(avcodec_parameters_from_context(ready.params.get(), ctx), "avcodec_parameters_from_context", c.name);
      ready.time_base = ctx->time_base;
      ready.rate = ctx->framerate;
      return mux_q_->Push(std::move(ready));
    };
    auto send = [&](AVFrame* f) -> bool {
      if (f && c.ctx->codec_type == AVMEDIA_TYPE_VIDEO) CheckFrame(c.ctx.get(), f, c.name);
      int ret = avcodec_send_frame(c.ctx.get(), f);
      if (ret < 0 && !(f == nullptr && ret == AVERROR_EOF)) throw AvException(ret, "avcodec_send_frame", c.name);
      if (f) stats_.frames[o]++;
      ReceivePackets(c, packets);
      for (auto& p : packets) {
        Item item;
        item.kind = Item::kPacket;
        item.port = index;
        item.packet = std::move(p);
        if (!mux_q_->Push(std::move(item))) return false;
      }
      packets.clear();
      return true;
    };
    // Audio encoders with a fixed frame size get exactly that many samples per frame.
    auto send_fifo = [&](bool last) -> bool {
      int size = c.ctx->frame_size;
      while (av_audio_fifo_size(fifo.get()) >= size || (last && av_audio_fifo_size(fifo.get()) > 0)) {
        int take = std::min(size, av_audio_fifo_size(fifo.get()));
        FramePtr out(av_frame_alloc());
        if (!out) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
        out->nb_samples = take;
        out->format = c.ctx->sample_fmt;
        out->sample_rate = c.ctx->sample_rate;
        Check(av_channel_layout_copy(&out->ch_layout, &c.ctx->ch_layout), "av_channel_layout_copy");
        Check(av_frame_get_buffer(out.get(), 0), "av_frame_get_buffer", c.name);
        if (av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(out->data), take) < take)
          throw AvException(AVERROR(EINVAL), "av_audio_fifo_read", c.name);
        out->pts = fifo_pts;
        out->time_base = c.ctx->time_base;
        if (fifo_pts != AV_NOPTS_VALUE) fifo_pts += take;
        if (!send(out.get())) return false;
      }
      return true;
    };
    auto encode = [&](FramePtr f, AVRational rate) -> bool {
      if (!c.ctx && !open(f.get(), rate)) return false;
      AVCodecContext* ctx = c.ctx.get();
      if (f->pts != AV_NOPTS_VALUE && f->time_base.num > 0) f->pts = av_rescale_q(f->pts, f->time_base, ctx->time_base);
      f->time_base = ctx->time_base;
      f->pict_type = AV_PICTURE_TYPE_NONE;
      if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
        // Timestamps that collapse in the encoder's time base would be refused by the muxer.
        if (f->pts == AV_NOPTS_VALUE || (last_pts != AV_NOPTS_VALUE && f->pts <= last_pts))
          f->pts = last_pts == AV_NOPTS_VALUE ? 0 : last_pts + 1;
        last_pts = f->pts;
        return send(f.get());
      }
      // a damaged or hostile input can decode to NaN samples: silence, not an encoder abort
      if (NonFiniteSamples(f.get(), false) > 0) {
        Check(av_frame_make_writable(f.get()), "av_frame_make_writable");
        NonFiniteSamples(f.get(), true);
        stats_.damaged++;
      }
      if (!fifo) return send(f.get());
      if (fifo_pts == AV_NOPTS_VALUE) fifo_pts = f->pts;
      if (av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(f->extended_data), f->nb_samples) < f->nb_samples)
        throw AvException(AVERROR(ENOMEM), "av_audio_fifo_write", c.name);
      return send_fifo(false);
    };
    auto tap = [&]() -> bool {
      if (batch.empty()) return true;
      if (!tap_(index, batch)) {
        if (!control_.halted) Fail(std::make_exception_ptr(WithStream(AvException("ERR_TAP", "The frame tap failed", "tap", OutputName()), index)));
        return false;
      }
      for (auto& f : batch)
        if (!encode(std::move(f), batch_rate_[o])) return false;
      batch.clear();
      return true;
    };
    Item item;
    while (encode_q_[o]->Pop(item)) {
      if (item.kind == Item::kFrame) {
        if (finished) continue;
        AVFrame* f = item.frame.get();
        t_media_time = Seconds(f->pts, f->time_base);
        int64_t t = f->pts == AV_NOPTS_VALUE || f->time_base.num <= 0 ? AV_NOPTS_VALUE
                                                                      : av_rescale_q(f->pts, f->time_base, AV_TIME_BASE_Q);
        int64_t limit = Limit();
        if ((limit != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE && t >= limit) || (sp.max_frames >= 0 && accepted >= sp.max_frames)) {
          finished = true;
          StreamFinished();
          continue;
        }
        // The last frame of a -frames:v limit ends the whole output here, at once: the inputs
        // stop reading now rather than when one more frame has been decoded.
        if (sp.max_frames >= 0 && ++accepted >= sp.max_frames) {
          if (t != AV_NOPTS_VALUE) CutAt(t + 1);
          finished = true;
          StreamFinished();
        } else if (sp.max_frames < 0) {
          accepted++;
        }
        if (sp.tap && tap_) {
          Check(av_frame_make_writable(f), "av_frame_make_writable");
          batch_rate_[o] = item.rate;
          batch.push_back(std::move(item.frame));
          if (static_cast<int>(batch.size()) >= std::max(1, plan_.tap_batch) && !tap()) return;
          continue;
        }
        if (!encode(std::move(item.frame), item.rate)) return;
        continue;
      }
      // the end of this stream
      if (!tap()) return;
      if (!c.ctx) {
        Item unused;
        unused.kind = Item::kUnused;
        unused.port = index;
        mux_q_->Push(std::move(unused));
        return;
      }
      if (fifo && !send_fifo(true)) return;
      if (!send(nullptr)) return;
      Item end;
      end.port = index;
      mux_q_->Push(std::move(end));
      return;
    }
  }

  // ---- mux: one thread; streams are set up once every encoder has opened (their
  // parameters come from the first frame), packets before that wait here.
  // What the mux stage keeps between items.
  struct MuxState {
    std::vector<int> state;  // kPending, kReady, kUnused per output stream
    std::vector<CodecParametersPtr> params;
    std::vector<AVRational> tbs, rates;
    std::vector<int> index;  // output stream -> AVStream index
    std::vector<bool> done;
    bool header = false;
    std::vector<Item> early;  // packets that came before the header could be written
    std::vector<PacketPtr> filtered;
    size_t ended = 0;
  };
  enum { kPending, kReady, kUnused };

  void Mux() {
    MuxStart();
    Item item;
    while (mx_.ended < plan_.streams.size() && mux_q_->Pop(item)) MuxHandle(item);
    MuxFinish();
  }

  // Copies and converted subtitles are known at once; encoded streams when their encoder opens.
  void MuxStart() {
    size_t n = plan_.streams.size();
    mx_.state.assign(n, kPending);
    mx_.params.resize(n);
    mx_.tbs.resize(n);
    mx_.rates.resize(n);
    mx_.index.assign(n, -1);
    mx_.done.assign(n, false);
    for (size_t o = 0; o < n; o++) {
      const StreamPlan& sp = plan_.streams[o];
      if (sp.subtitle) {
        mx_.params[o].reset(avcodec_parameters_alloc());
        if (!mx_.params[o]) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
        Check(avcodec_parameters_from_context(mx_.params[o].get(), subtitles_[o].encoder->ctx.get()), "avcodec_parameters_from_context");
        mx_.tbs[o] = AV_TIME_BASE_Q;
        mx_.state[o] = kReady;
        continue;
      }
      if (!sp.copy) continue;
      AVStream* st = inputs_[sp.input].fmt->streams[sp.stream];
      mx_.params[o].reset(avcodec_parameters_alloc());
      if (!mx_.params[o]) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
      Check(avcodec_parameters_copy(mx_.params[o].get(), bsfs_[o] ? bsfs_[o]->par_out : st->codecpar), "avcodec_parameters_copy");
      mx_.tbs[o] = bsfs_[o] ? bsfs_[o]->time_base_out : st->time_base;
      mx_.rates[o] = st->avg_frame_rate;
      mx_.state[o] = kReady;
    }
  }

  void MuxTryHeader() {
    for (int s : mx_.state)
      if (s == kPending) return;
    WriteHeader(mx_.state, mx_.params, mx_.tbs, mx_.rates, mx_.index);
    mx_.header = true;
  }

  void MuxWriteEarly() {
    if (!mx_.header) return;
    for (auto& e : mx_.early) MuxWrite(static_cast<size_t>(e.port), std::move(e.packet));
    mx_.early.clear();
  }

  void MuxWrite(size_t o, PacketPtr pkt) {
    const StreamPlan& sp = plan_.streams[o];
    if (sp.copy) {
      AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : mx_.tbs[o];
      if (mx_.done[o]) return;
      if (Limit() != AV_NOPTS_VALUE && pkt->pts != AV_NOPTS_VALUE && av_rescale_q(pkt->pts, tb, AV_TIME_BASE_Q) >= Limit()) {
        mx_.done[o] = true;
        StreamFinished();
        return;
      }
      stats_.frames[o]++;
    }
    if (bsfs_[o]) {
      Check(av_bsf_send_packet(bsfs_[o], pkt.get()), "av_bsf_send_packet", sp.bsf, static_cast<int>(o));
      MuxDrainBsf(o);
      return;
    }
    WritePacket(o, std::move(pkt), mx_.tbs[o], mx_.index);
  }

  void MuxDrainBsf(size_t o) {
    DrainBsf(o, mx_.filtered);
    for (auto& p : mx_.filtered) WritePacket(o, std::move(p), mx_.tbs[o], mx_.index);
    mx_.filtered.clear();
  }

  void MuxHandle(Item& item) {
    size_t o = static_cast<size_t>(item.port);
    switch (item.kind) {
      case Item::kReady:
        mx_.params[o] = std::move(item.params);
        mx_.tbs[o] = item.time_base;
        mx_.rates[o] = item.rate;
        mx_.state[o] = kReady;
        MuxTryHeader();
        MuxWriteEarly();
        break;
      case Item::kUnused:
        mx_.state[o] = kUnused;
        stats_.times[o] = PipelineStats::kEnded;
        mx_.ended++;
        MuxTryHeader();
        MuxWriteEarly();
        break;
      case Item::kPacket:
        if (!mx_.header) MuxTryHeader();
        if (!mx_.header) {
          mx_.early.push_back(std::move(item));
          break;
        }
        MuxWrite(o, std::move(item.packet));
        break;
      default:  // kEnd
        stats_.times[o] = PipelineStats::kEnded;
        if (bsfs_[o]) {
          Check(av_bsf_send_packet(bsfs_[o], nullptr), "av_bsf_send_packet", plan_.streams[o].bsf);
          if (!mx_.header) MuxTryHeader();
          MuxDrainBsf(o);
        }
        mx_.ended++;
        break;
    }
  }

  void MuxFinish() {
    if (control_.halted) return;
    if (!mx_.header) MuxTryHeader();
    MuxWriteEarly();
    if (out_) {
      Check(av_write_trailer(out_), "av_write_trailer", OutputName());
      if (out_->pb) stats_.bytes = avio_tell(out_->pb);
      int64_t size = CommitOutput(out_, out_io_, OutputName(), partial_);
      committed_ = true;
      if (size >= 0) stats_.bytes = size;  // faststart rewrites the file: its size, not the last position
      result_.bytes = stats_.bytes;
    }
    result_.duration = stats_.out_time;
  }

  void DrainBsf(size_t o, std::vector<PacketPtr>& out) {
    for (;;) {
      PacketPtr p(av_packet_alloc());
      if (!p) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
      int ret = av_bsf_receive_packet(bsfs_[o], p.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
      Check(ret, "av_bsf_receive_packet", plan_.streams[o].bsf, static_cast<int>(o));
      p->time_base = bsfs_[o]->time_base_out;
      out.push_back(std::move(p));
    }
  }

  void WritePacket(size_t o, PacketPtr pkt, AVRational tb, const std::vector<int>& index) {
    AVRational from = pkt->time_base.num > 0 ? pkt->time_base : tb;
    t_media_time = Seconds(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, from);
    int64_t end = pkt->pts != AV_NOPTS_VALUE ? pkt->pts + std::max<int64_t>(pkt->duration, 0) : AV_NOPTS_VALUE;
    if (end != AV_NOPTS_VALUE) {
      int64_t t = av_rescale_q(end, from, AV_TIME_BASE_Q);
      if (stats_.out_time == AV_NOPTS_VALUE || t > stats_.out_time) stats_.out_time = t;
      int64_t now = stats_.times[o];
      if (now != PipelineStats::kEnded && (now == AV_NOPTS_VALUE || t > now)) stats_.times[o] = t;
    }
    if (plan_.output.collect) {
      pkt->time_base = from;
      result_.collected[o].push_back({std::move(pkt), from});
      return;
    }
    int i = index[o];
    if (i < 0) return;
    AVStream* st = out_->streams[i];
    av_packet_rescale_ts(pkt.get(), from, st->time_base);
    pkt->time_base = st->time_base;
    pkt->stream_index = i;
    pkt->pos = -1;
    Check(av_interleaved_write_frame(out_, pkt.get()), "av_interleaved_write_frame", OutputName(), i);
    if (out_->pb) stats_.bytes = avio_tell(out_->pb);
  }

  void WriteHeader(const std::vector<int>& state, std::vector<CodecParametersPtr>& params,
                   const std::vector<AVRational>& tbs, const std::vector<AVRational>& rates, std::vector<int>& index) {
    if (!out_) return;  // collecting: nothing to set up
    OutputPlan& op = plan_.output;
    for (size_t o = 0; o < state.size(); o++) {
      if (state[o] != 1) continue;
      const StreamPlan& sp = plan_.streams[o];
      AVStream* st = avformat_new_stream(out_, nullptr);
      if (!st) throw AvException(AVERROR(ENOMEM), "avformat_new_stream", OutputName());
      Check(avcodec_parameters_copy(st->codecpar, params[o].get()), "avcodec_parameters_copy", OutputName());
      // The source's or encoder's tag stays where the container knows it (rawvideo's pixel
      // format lives there), as the CLI decides; else the muxer picks its own.
      uint32_t tag = st->codecpar->codec_tag, known = 0;
      const AVCodecTag* const* tags = out_->oformat->codec_tag;
      if (tags && av_codec_get_id(tags, tag) != st->codecpar->codec_id &&
          av_codec_get_tag2(tags, st->codecpar->codec_id, &known))
        st->codecpar->codec_tag = 0;
      st->time_base = tbs[o];
      if (rates[o].num > 0) st->avg_frame_rate = rates[o];
      const AVStream* src = sp.input >= 0 && sp.stream >= 0 ? inputs_[sp.input].fmt->streams[sp.stream] : nullptr;
      if (src) {
        av_dict_copy(&st->metadata, src->metadata, 0);
        if (!sp.copy) av_dict_set(&st->metadata, "encoder", nullptr, 0);
        st->disposition = src->disposition;
        if (sp.copy) {
          st->sample_aspect_ratio = src->sample_aspect_ratio;
          st->r_frame_rate = src->r_frame_rate;
        }
      }
      if (sp.disposition >= 0) st->disposition = sp.disposition;
      const AVDictionaryEntry* e = nullptr;
      while ((e = av_dict_get(*const_cast<Dict&>(sp.metadata).ptr(), "", e, AV_DICT_IGNORE_SUFFIX)))
        av_dict_set(&st->metadata, e->key, e->value[0] ? e->value : nullptr, 0);
      index[o] = static_cast<int>(st->index);
    }
    if (out_->nb_streams == 0) {
      if (control_.stop)  // stopped before a single frame: there is no file to finish
        throw AvException("ABORT_ERR", "The job was stopped before anything was encoded", "mux", OutputName());
      throw AvException("EINVAL", "Nothing was encoded: every output stream was empty", "mux", OutputName());
    }
    if (op.metadata_from >= 0 && op.metadata_from < static_cast<int>(inputs_.size()))
      av_dict_copy(&out_->metadata, inputs_[op.metadata_from].fmt->metadata, 0);
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(*op.metadata.ptr(), "", e, AV_DICT_IGNORE_SUFFIX)))
      av_dict_set(&out_->metadata, e->key, e->value[0] ? e->value : nullptr, 0);
    if (!op.chapters.empty())
      WriteChapters(op.chapters);
    else if (op.chapters_from >= 0 && op.chapters_from < static_cast<int>(inputs_.size()))
      CopyChapters(op.chapters_from);
    if (op.channel) {
      out_io_ = OpenIo(op.channel, &control_.halted);
      out_->pb = out_io_;
      out_->flags |= AVFMT_FLAG_CUSTOM_IO;
    } else {
      OpenOutputFile(out_, op.url, &partial_);
    }
    Check(avformat_write_header(out_, op.options.ptr()), "avformat_write_header", OutputName());
    CheckAllConsumed(op.options, "avformat_write_header", OutputName());
  }

  void AddChapter(int64_t id, AVRational tb, int64_t start, int64_t end, const AVDictionary* metadata, const char* title) {
    auto* out = static_cast<AVChapter*>(av_mallocz(sizeof(AVChapter)));
    if (!out) throw AvException(AVERROR(ENOMEM), "av_mallocz");
    out->id = id;
    out->time_base = tb;
    out->start = start;
    out->end = end;
    if (metadata) av_dict_copy(&out->metadata, metadata, 0);
    if (title) av_dict_set(&out->metadata, "title", title, 0);
    if (av_dynarray_add_nofree(&out_->chapters, reinterpret_cast<int*>(&out_->nb_chapters), out) < 0) {
      av_dict_free(&out->metadata);
      av_free(out);
      throw AvException(AVERROR(ENOMEM), "av_dynarray_add");
    }
  }

  void WriteChapters(const std::vector<ChapterPlan>& chapters) {
    int64_t id = 0;
    for (const ChapterPlan& c : chapters) AddChapter(id++, AV_TIME_BASE_Q, c.start, c.end, nullptr, c.title.empty() ? nullptr : c.title.c_str());
  }

  void CopyChapters(int input) {
    const AVFormatContext* in = inputs_[input].fmt;
    int64_t offset = offsets_[input];
    for (unsigned i = 0; i < in->nb_chapters; i++) {
      const AVChapter* ch = in->chapters[i];
      int64_t shift = av_rescale_q(offset, AV_TIME_BASE_Q, ch->time_base);
      int64_t start = ch->start - shift, end = ch->end - shift;
      if (end <= 0) continue;
      if (plan_.duration != AV_NOPTS_VALUE && av_rescale_q(start, ch->time_base, AV_TIME_BASE_Q) >= plan_.duration) break;
      if (plan_.duration != AV_NOPTS_VALUE) end = std::min(end, av_rescale_q(plan_.duration, AV_TIME_BASE_Q, ch->time_base));
      AddChapter(ch->id, ch->time_base, std::max<int64_t>(0, start), end, ch->metadata, nullptr);
    }
  }

  std::vector<PipelineInput>& inputs_;
  PipelinePlan& plan_;
  PipelineStats& stats_;
  PipelineControl& control_;
  const TapHook& tap_;

  std::vector<std::vector<std::vector<Route>>> routes_;  // [input][stream]
  std::vector<int64_t> offsets_;                         // per input: subtracted from its timestamps
  std::vector<std::unique_ptr<CodecState>> decoders_;
  std::vector<std::unique_ptr<Queue>> decode_q_;
  std::vector<std::vector<Route>> decoder_out_;          // [decoder] -> graph inputs
  std::vector<std::unique_ptr<FilterGraphState>> graphs_;
  std::vector<std::unique_ptr<Queue>> graph_q_;
  std::vector<std::vector<int>> sink_stream_;            // [graph][sink] -> output stream
  std::vector<const AVCodec*> encoders_;
  std::vector<std::unique_ptr<Queue>> encode_q_;
  std::vector<AVRational> batch_rate_;
  std::vector<AVBSFContext*> bsfs_;
  MuxState mx_;
  bool inline_mux_ = false;  // a plain remux: the demux thread writes the output itself
  struct SubtitleStage {
    std::unique_ptr<CodecState> decoder, encoder;
    std::unique_ptr<Queue> queue;
  };
  std::vector<SubtitleStage> subtitles_;  // per output stream; set for converted subtitles
  BufferPtr hw_device_;
  std::unique_ptr<Queue> mux_q_;
  AVFormatContext* out_ = nullptr;
  AVIOContext* out_io_ = nullptr;
  std::string partial_;
  bool committed_ = false;
  bool global_header_ = false;
  std::atomic<int> finished_{0};
  std::atomic<int64_t> cut_{AV_NOPTS_VALUE};
  std::mutex error_m_;
  std::exception_ptr error_;
  PipelineResult result_;
};

}  // namespace

PipelineResult RunPipeline(std::vector<PipelineInput>& inputs, PipelinePlan& plan, PipelineStats& stats,
                           PipelineControl& control, const TapHook& tap) {
  Runtime run(inputs, plan, stats, control, tap);
  return run.Run();
}

}  // namespace avf
