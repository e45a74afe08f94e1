// The encode stage: one thread per encoded output stream. Its encoder opens on the first
// frame (the graph decides the size and formats); audio encoders with a fixed frame size get
// exactly that many samples per frame; a tapped stream shows JS its frames first.
// (C++ needs UINT64_C, which libavutil uses, defined before its headers)
#include <stdint.h>

extern "C" {
#include <libavutil/audio_fifo.h>
}

#include "hw.h"
#include "pipeline/runtime.h"
#include "pipeline/video_sync.h"
#include "steps/codec_context.h"

namespace avf::pipeline {

// Picks the stream's encoder and claims its graph output; the encoder opens later, on the
// first frame.
void Runtime::SetupEncoder(size_t o) {
  StreamPlan& sp = plan_.streams[o];
  int index = static_cast<int>(o);
  if (sp.graph < 0 || sp.graph >= static_cast<int>(graphs_.size()) || sp.sink < 0 ||
      sp.sink >= static_cast<int>(plan_.graphs[sp.graph].sinks.size()))
    throw AvException("EINVAL", "An encoded stream has no graph output", "encode", OutputName(o));
  if (sink_stream_[sp.graph][sp.sink] >= 0)
    throw AvException("EINVAL", "A graph output feeds two streams", "encode", plan_.graphs[sp.graph].description);
  sink_stream_[sp.graph][sp.sink] = index;
  GraphPlan::Sink& sink = plan_.graphs[sp.graph].sinks[sp.sink];
  if (sp.codec.empty()) {  // the container's default, as the CLI picks it
    const AVFormatContext* fmt = OutputOf(o).fmt;
    AVCodecID id = fmt ? av_guess_codec(fmt->oformat, nullptr, OutputName(o).c_str(), nullptr,
                                        sink.video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO)
                       : AV_CODEC_ID_NONE;
    if (id == AV_CODEC_ID_NONE)
      throw WithStream(AvException("EINVAL",
                                   std::string("The output format has no default ") + (sink.video ? "video" : "audio") +
                                       " codec: name one",
                                   "encode", OutputName(o)),
                       index);
    encoders_[o] = FindCodec(true, "", id);
  } else {
    encoders_[o] = FindCodec(true, sp.codec, AV_CODEC_ID_NONE);
  }
  if (encoders_[o]->type != AVMEDIA_TYPE_VIDEO && encoders_[o]->type != AVMEDIA_TYPE_AUDIO)
    throw WithStream(
        AvException("EINVAL", std::string("Encoder ") + encoders_[o]->name + " is not a video or audio encoder",
                    "encode", OutputName(o)),
        index);
  sink.video = encoders_[o]->type == AVMEDIA_TYPE_VIDEO;  // the encoder decides what the sink gives
  encode_q_[o] = std::make_unique<Queue>(kQueueSize);
}

// One output stream's encoder and what it keeps between frames.
class EncodeStage {
 public:
  EncodeStage(Runtime& run, size_t o)
      : run_(run), o_(o), index_(static_cast<int>(o)), sp_(run.plan_.streams[o]), codec_(run.encoders_[o]) {
    c_.name = codec_->name;
    c_.strict = run.plan_.strict;
  }

  void Run() {
    Item item;
    while (run_.encode_q_[o_]->Pop(item)) {
      if (item.kind == Item::kFrame) {
        if (!OnFrame(item)) return;
        continue;
      }
      End();
      return;
    }
  }

 private:
  // A frame from the graph: within the limits, to the tap's batch or the encoder.
  bool OnFrame(Item& item) {
    if (finished_) return true;
    AVFrame* f = item.frame.get();
    t_media_time = Seconds(f->pts, f->time_base);
    int64_t t = f->pts == AV_NOPTS_VALUE || f->time_base.num <= 0 ? AV_NOPTS_VALUE
                                                                  : av_rescale_q(f->pts, f->time_base, AV_TIME_BASE_Q);
    int64_t limit = run_.Limit();
    if ((limit != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE && t >= limit) ||
        (sp_.max_frames >= 0 && accepted_ >= sp_.max_frames)) {
      finished_ = true;
      run_.StreamFinished(o_);
      return true;
    }
    // The last frame of a -frames:v limit ends the whole output here, at once: the inputs
    // stop reading now rather than when one more frame has been decoded.
    if (sp_.max_frames >= 0 && ++accepted_ >= sp_.max_frames) {
      if (t != AV_NOPTS_VALUE) run_.CutAt(t + 1);
      finished_ = true;
      run_.StreamFinished(o_);
    } else if (sp_.max_frames < 0) {
      accepted_++;
    }
    if (sp_.tap && run_.tap_) {
      Check(av_frame_make_writable(f), "av_frame_make_writable");
      batch_rate_ = item.rate;
      batch_.push_back(std::move(item.frame));
      return static_cast<int>(batch_.size()) < std::max(1, run_.plan_.tap_batch) || Tap();
    }
    return Encode(std::move(item.frame), item.rate);
  }

  // The end of this stream: the last batch, the FIFO's rest, the encoder's delayed packets.
  void End() {
    if (!Tap()) return;
    if (!c_.ctx) {
      Item unused;
      unused.kind = Item::kUnused;
      unused.port = index_;
      run_.OutputOf(o_).queue->Push(std::move(unused));
      return;
    }
    if (fifo_ && !SendFifo(true)) return;
    if (sync_ && !SendVideo(nullptr)) return;
    if (!Send(nullptr)) return;
    Item end;
    end.port = index_;
    run_.OutputOf(o_).queue->Push(std::move(end));
  }

  // The batch goes to JS and waits there; then its frames are encoded.
  bool Tap() {
    if (batch_.empty()) return true;
    if (!run_.tap_(index_, batch_)) {
      if (!run_.control_.halted)
        run_.Fail(std::make_exception_ptr(
            WithStream(AvException("ERR_TAP", "The frame tap failed", "tap", run_.OutputName(o_)), index_)));
      return false;
    }
    for (auto& f : batch_)
      if (!Encode(std::move(f), batch_rate_)) return false;
    batch_.clear();
    return true;
  }

  bool Encode(FramePtr f, AVRational rate) {
    if (!c_.ctx && !Open(f.get(), rate)) return false;
    AVCodecContext* ctx = c_.ctx.get();
    if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) return SendVideo(std::move(f));
    if (f->pts != AV_NOPTS_VALUE && f->time_base.num > 0) f->pts = av_rescale_q(f->pts, f->time_base, ctx->time_base);
    f->time_base = ctx->time_base;
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC && f->ch_layout.nb_channels == ctx->ch_layout.nb_channels)
      Check(av_channel_layout_copy(&f->ch_layout, &ctx->ch_layout), "av_channel_layout_copy", c_.name);
    // a damaged or hostile input can decode to NaN samples: silence, not an encoder abort
    if (NonFiniteSamples(f.get(), false) > 0) {
      Check(av_frame_make_writable(f.get()), "av_frame_make_writable");
      NonFiniteSamples(f.get(), true);
      run_.stats_.damaged++;
    }
    if (!fifo_) return Send(f.get());
    if (fifo_pts_ == AV_NOPTS_VALUE) fifo_pts_ = f->pts;
    if (av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(f->extended_data), f->nb_samples) < f->nb_samples)
      throw AvException(AVERROR(ENOMEM), "av_audio_fifo_write", c_.name);
    return SendFifo(false);
  }

  // A video frame (nullptr: the end) onto the output's ticks: sent once, repeated or dropped.
  bool SendVideo(FramePtr f) {
    // -frames:v reached: the stream is done (the CLI closes it, and counts nothing more)
    if (sp_.max_frames >= 0 && sent_video_ >= sp_.max_frames) return true;
    int64_t room = sp_.max_frames >= 0 ? sp_.max_frames - sent_video_ : INT64_MAX;
    VideoSync::Sends sends = sync_->Next(f.get(), room);
    if (sends.dups > 0) run_.stats_.dup_frames += sends.dups;
    if (sends.dropped) run_.stats_.drop_frames++;
    for (int64_t i = 0; i < sends.frames; i++) {
      // -frames:v counts what the encoder gets, repeats included, as in the CLI
      if (sp_.max_frames >= 0 && sent_video_ >= sp_.max_frames) break;
      AVFrame* in = i < sends.previous && last_ ? last_.get() : f.get();
      if (!in) break;
      // -t counts output time, as the CLI checks it before each frame it encodes: a frame moved
      // onto the tick at the limit (or a repeat past it) is not written. (A graceful stop keeps
      // every frame that came this far: a tap has seen them.)
      if (first_pts_ == AV_NOPTS_VALUE) first_pts_ = sync_->pts();
      int64_t limit = run_.plan_.cut_output ? run_.plan_.duration : AV_NOPTS_VALUE;
      if (limit != AV_NOPTS_VALUE &&
          av_compare_ts(sync_->pts() - first_pts_, c_.ctx->time_base, limit, AV_TIME_BASE_Q) >= 0)
        break;
      FramePtr repeat;
      if (in != f.get() || i + 1 < sends.frames) {  // the encoder keeps no reference to what it is sent
        repeat.reset(av_frame_clone(in));
        if (!repeat) throw AvException(AVERROR(ENOMEM), "av_frame_clone", c_.name);
        in = repeat.get();
      }
      in->pts = sync_->pts();
      in->time_base = c_.ctx->time_base;
      in->pict_type = AV_PICTURE_TYPE_NONE;
      // passthrough timestamps that collapse in the encoder's time base would be refused by the muxer
      if (last_pts_ != AV_NOPTS_VALUE && in->pts <= last_pts_) in->pts = last_pts_ + 1;
      last_pts_ = in->pts;
      sync_->Sent();
      sent_video_++;
      if (!Send(in)) return false;
    }
    if (f) last_ = std::move(f);
    return true;
  }

  // The stream's -fps_mode: auto is the CLI's choice for this muxer and source.
  FpsMode Mode() const {
    bool single = sp_.input >= 0 && sp_.input < static_cast<int>(run_.inputs_.size()) &&
                  run_.inputs_[sp_.input].fmt->nb_streams == 1;
    return ResolveFpsMode(sp_.fps_mode, run_.OutputOf(o_).fmt ? run_.OutputOf(o_).fmt->oformat : nullptr, single);
  }

  // The encoder opens on its first frame, which says what the graph gives.
  bool Open(const AVFrame* f, AVRational rate) {
    Dict options;
    av_dict_copy(options.ptr(), *const_cast<Dict&>(sp_.options).ptr(), 0);
    if (codec_->type == AVMEDIA_TYPE_VIDEO) mode_ = Mode();
    OpenEncoder(c_, codec_, {sp_.bit_rate, run_.OutputOf(o_).global_header, sp_.threads}, options,
                [&](AVCodecContext* ctx) {
                  if (codec_->type == AVMEDIA_TYPE_VIDEO)
                    FromVideoFrame(ctx, f, rate);
                  else
                    FromAudioFrame(ctx, f);
                });
    AVCodecContext* ctx = c_.ctx.get();
    if (codec_->type == AVMEDIA_TYPE_VIDEO)
      sync_ = std::make_unique<VideoSync>(mode_, ctx->time_base, ctx->framerate.num > 0, sp_.own_durations);
    if (codec_->type == AVMEDIA_TYPE_AUDIO && ctx->frame_size > 0 &&
        !(codec_->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE)) {
      fifo_.reset(av_audio_fifo_alloc(ctx->sample_fmt, ctx->ch_layout.nb_channels, ctx->frame_size * 2));
      if (!fifo_) throw AvException(AVERROR(ENOMEM), "av_audio_fifo_alloc", c_.name);
    }
    Item ready;
    ready.kind = Item::kReady;
    ready.port = index_;
    ready.params.reset(avcodec_parameters_alloc());
    if (!ready.params) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
    Check(avcodec_parameters_from_context(ready.params.get(), ctx), "avcodec_parameters_from_context", c_.name);
    ready.time_base = ctx->time_base;
    ready.rate = ctx->framerate;
    return run_.OutputOf(o_).queue->Push(std::move(ready));
  }

  void FromVideoFrame(AVCodecContext* ctx, const AVFrame* f, AVRational rate) {
    ctx->width = f->width;
    ctx->height = f->height;
    ctx->pix_fmt = static_cast<AVPixelFormat>(f->format);
    ctx->sample_aspect_ratio = f->sample_aspect_ratio;
    ctx->framerate = OutputRate(sp_.frame_rate.num > 0 ? sp_.frame_rate : rate);
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
  }

  // The output's frame rate, as the CLI picks it: a constant rate needs one (25 when nothing
  // says), the encoder's nearest when it takes only some (MPEG-1/2), MPEG-4's within 16 bits.
  AVRational OutputRate(AVRational fr) const {
    bool constant = mode_ == FpsMode::kCfr || mode_ == FpsMode::kVsCfr;
    if (!(fr.num > 0 && fr.den > 0)) {
      if (!constant) return AVRational{0, 1};
      fr = AVRational{25, 1};
    }
    if (const AVRational* supported = compat::CodecFrameRates(codec_))
      fr = supported[av_find_nearest_q_idx(fr, supported)];
    if (codec_->id == AV_CODEC_ID_MPEG4) av_reduce(&fr.num, &fr.den, fr.num, fr.den, 65535);
    return fr;
  }

  void FromAudioFrame(AVCodecContext* ctx, const AVFrame* f) {
    ctx->sample_fmt = static_cast<AVSampleFormat>(f->format);
    ctx->sample_rate = f->sample_rate;
    Check(av_channel_layout_copy(&ctx->ch_layout, &f->ch_layout), "av_channel_layout_copy", c_.name);
    // a graph may leave the layout unknown (loudnorm): the default one of that many channels, as the CLI
    if (ctx->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
      av_channel_layout_default(&ctx->ch_layout, ctx->ch_layout.nb_channels);
    ctx->time_base = AVRational{1, f->sample_rate};
  }

  // Sends a frame (nullptr: the end) and hands every packet ready to the muxer.
  bool Send(AVFrame* f) {
    if (f && c_.ctx->codec_type == AVMEDIA_TYPE_VIDEO) CheckFrame(c_.ctx.get(), f, c_.name);
    int ret = SendFrame(c_, f);
    if (ret < 0 && !(f == nullptr && ret == AVERROR_EOF)) throw AvException(ret, "avcodec_send_frame", c_.name);
    if (f) run_.stats_.frames[o_]++;
    ReceivePackets(c_, packets_);
    for (auto& p : packets_) {
      Item item;
      item.kind = Item::kPacket;
      item.port = index_;
      item.packet = std::move(p);
      if (!run_.OutputOf(o_).queue->Push(std::move(item))) return false;
    }
    packets_.clear();
    return true;
  }

  // Audio encoders with a fixed frame size get exactly that many samples per frame.
  bool SendFifo(bool last) {
    int size = c_.ctx->frame_size;
    while (av_audio_fifo_size(fifo_.get()) >= size || (last && av_audio_fifo_size(fifo_.get()) > 0)) {
      int take = std::min(size, av_audio_fifo_size(fifo_.get()));
      FramePtr out(av_frame_alloc());
      if (!out) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
      out->nb_samples = take;
      out->format = c_.ctx->sample_fmt;
      out->sample_rate = c_.ctx->sample_rate;
      Check(av_channel_layout_copy(&out->ch_layout, &c_.ctx->ch_layout), "av_channel_layout_copy");
      Check(av_frame_get_buffer(out.get(), 0), "av_frame_get_buffer", c_.name);
      if (av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(out->data), take) < take)
        throw AvException(AVERROR(EINVAL), "av_audio_fifo_read", c_.name);
      out->pts = fifo_pts_;
      out->time_base = c_.ctx->time_base;
      if (fifo_pts_ != AV_NOPTS_VALUE) fifo_pts_ += take;
      if (!Send(out.get())) return false;
    }
    return true;
  }

  Runtime& run_;
  size_t o_;
  int index_;
  const StreamPlan& sp_;
  const AVCodec* codec_;
  CodecState c_;
  AudioFifoPtr fifo_;
  FpsMode mode_ = FpsMode::kPassthrough;
  std::unique_ptr<VideoSync> sync_;  // video: the frame-rate conversion
  FramePtr last_;                    // video: the frame before, for repeats
  int64_t fifo_pts_ = AV_NOPTS_VALUE, last_pts_ = AV_NOPTS_VALUE, accepted_ = 0;
  int64_t first_pts_ = AV_NOPTS_VALUE;  // the first video frame sent, in ticks (-t counts from it)
  int64_t sent_video_ = 0;              // frames given to a video encoder: what -frames:v limits
  bool finished_ = false;
  std::vector<PacketPtr> packets_;
  std::vector<FramePtr> batch_;
  AVRational batch_rate_{0, 1};
};

void Runtime::Encode(size_t o) { EncodeStage(*this, o).Run(); }

}  // namespace avf::pipeline
