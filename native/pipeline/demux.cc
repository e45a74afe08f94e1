// The demux stage: one thread per input reads packets, shifts them to the output timeline
// (-ss), and routes each to the decoders, subtitle converters and copies that read its stream.
// For thumbnails at given times it seeks ahead instead of decoding the media in between.
#include <chrono>
#include <thread>

#include "common/io_channel.h"
#include "common/log.h"
#include "pipeline/runtime.h"
#include "steps/input.h"

namespace avf::pipeline {

namespace {

// A read position this far before the next thumbnail is worth a seek instead of decoding on.
constexpr int64_t kSeekGap = 5 * AV_TIME_BASE;
// Frames are shown up to this long after their packets are read (B-frame reordering): how far
// past a thumbnail's time to read when packets have no timestamps to say so exactly.
constexpr int64_t kReorderMargin = AV_TIME_BASE;

}  // namespace

// Thumbnails at given times of input 0: which target is next, and whether reading on would
// still show it or a seek gets there sooner.
class TargetSeeker {
 public:
  TargetSeeker(AVFormatContext* fmt, const std::vector<int64_t>& targets, int stream, int64_t offset)
      : fmt_(fmt), targets_(targets), stream_(stream), offset_(offset) {
    can_seek_ = fmt->pb ? (fmt->pb->seekable & AVIO_SEEKABLE_NORMAL) != 0 : true;
  }
  int stream() const { return stream_; }
  bool done() const { return done_; }

  // The first image: go there at once.
  void Start() {
    if (stream_ < 0 || !can_seek_ || targets_[0] <= kReorderMargin) return;
    last_seek_ = targets_[0];
    if (avformat_seek_file(fmt_, -1, INT64_MIN, offset_ + last_seek_, offset_ + last_seek_, 0) < 0) can_seek_ = false;
  }

  // A packet of the target stream was read: false when it was dropped for a seek ahead.
  bool Keep(const AVPacket* pkt, AVRational tb) {
    int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (ts == AV_NOPTS_VALUE) return true;
    int64_t t = av_rescale_q(ts, tb, AV_TIME_BASE_Q);
    int64_t shown = pkt->pts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(pkt->pts, tb, AV_TIME_BASE_Q);
    while (next_ < targets_.size() && Passed(t)) {
      next_++;
      candidate_ = AV_NOPTS_VALUE;
    }
    if (next_ < targets_.size() && shown != AV_NOPTS_VALUE && shown >= targets_[next_] &&
        (candidate_ == AV_NOPTS_VALUE || shown < candidate_))
      candidate_ = shown;
    if (next_ == targets_.size()) {
      done_ = true;  // this packet still goes out; then the decoder drains
      return true;
    }
    if (!can_seek_ || targets_[next_] - t <= kSeekGap || last_seek_ == targets_[next_]) return true;
    last_seek_ = targets_[next_];
    candidate_ = AV_NOPTS_VALUE;
    if (avformat_seek_file(fmt_, -1, INT64_MIN, offset_ + last_seek_, offset_ + last_seek_, 0) < 0) can_seek_ = false;
    return false;
  }

 private:
  // The earliest pts at or after the current target among the packets read so far: once a
  // packet's dts is past it, no packet still to come can show an earlier frame (pts >= dts),
  // so the target's image is among those read and reading on for it would be wasted decoding.
  bool Passed(int64_t dts) const {
    return targets_[next_] + kReorderMargin < dts || (candidate_ != AV_NOPTS_VALUE && dts > candidate_);
  }

  AVFormatContext* fmt_;
  const std::vector<int64_t>& targets_;
  int stream_;
  int64_t offset_;
  bool can_seek_;
  size_t next_ = 0;
  int64_t candidate_ = AV_NOPTS_VALUE;
  int64_t last_seek_ = AV_NOPTS_VALUE;
  bool done_ = false;
};

// One input's read loop and what it keeps between packets.
class DemuxStage {
 public:
  DemuxStage(Runtime& run, size_t i)
      : run_(run), fmt_(run.inputs_[i].fmt), url_(run.inputs_[i].url), channel_(run.inputs_[i].channel.get()),
        routes_(run.routes_[i]), offset_(SeekToStart(fmt_, url_, run.plan_, i)),
        seeker_(fmt_, run.plan_.targets, TargetStream(run.plan_, i), offset_),
        last_dts_(routes_.size(), AV_NOPTS_VALUE) {
    run.offsets_[i] = offset_;
  }

  void Run() {
    if (run_.inline_mux_) run_.MuxStart(*run_.outputs_[0]);
    PacketPtr pkt = NewPacket();
    seeker_.Start();
    while (!run_.control_.halted && !run_.control_.stop && !run_.AllFinished() && !seeker_.done()) {
      int ret = av_read_frame(fmt_, pkt.get());
      if (ret == AVERROR(EAGAIN)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      // a demuxer may end its input at a read error: a custom source that failed is an error
      if (ret == AVERROR_EOF && channel_ && ChannelFailed(*channel_)) ret = AVERROR(EIO);
      if (ret == AVERROR_EOF) break;
      if (ret < 0) {
        if (run_.control_.halted) return;
        if (ToleratedAtEnd(ret)) break;
        throw AvException(ret, "av_read_frame", url_);
      }
      read_++;
      run_.stats_.packets_read++;
      int s = pkt->stream_index;
      if (s < 0 || s >= static_cast<int>(routes_.size()) || routes_[s].empty()) {
        av_packet_unref(pkt.get());
        continue;
      }
      Retime(pkt.get(), s);
      if (s == seeker_.stream() && !seeker_.Keep(pkt.get(), pkt->time_base)) {
        av_packet_unref(pkt.get());
        continue;
      }
      if (!Send(routes_[s], std::move(pkt))) return;
      pkt = NewPacket();
    }
    if (run_.control_.halted) return;
    for (auto& per_stream : routes_)
      for (auto& r : per_stream) {
        Item end;
        end.port = r.port;
        if (!run_.Deliver(r, std::move(end))) return;
      }
    if (run_.inline_mux_) run_.MuxFinish(*run_.outputs_[0]);
  }

 private:
  // -ss: seeks the input to its start; returns what is subtracted from its timestamps.
  static int64_t SeekToStart(AVFormatContext* fmt, const std::string& url, const PipelinePlan& plan, size_t i) {
    int64_t start = i < plan.start.size() ? plan.start[i] : AV_NOPTS_VALUE;
    int64_t base = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0;
    if (start != AV_NOPTS_VALUE && start > 0) {
      int ret = avformat_seek_file(fmt, -1, INT64_MIN, base + start, base + start, 0);
      if (ret < 0)
        LogWarning("pipeline", "%s: cannot seek to %.3f s: %s", url.c_str(), start / 1e6, ErrorName(ret).c_str());
    }
    return base + (start != AV_NOPTS_VALUE ? start : 0);
  }

  static int TargetStream(const PipelinePlan& plan, size_t i) {
    return (i == 0 && !plan.targets.empty() && !plan.decoders.empty()) ? plan.decoders[0].stream : -1;
  }

  static PacketPtr NewPacket() {
    PacketPtr pkt(av_packet_alloc());
    if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    return pkt;
  }

  // As the CLI does: damage after the first packet ends the input with a warning.
  bool ToleratedAtEnd(int ret) const {
    if (run_.plan_.strict || !IsReadDamage(ret) || read_ == 0) return false;
    LogWarning("demuxer", "%s: error while reading, treating as end of input: %s", url_.c_str(),
               ErrorName(ret).c_str());
    return true;
  }

  // Onto the output timeline, in the stream's time base, with a decode timestamp.
  void Retime(AVPacket* pkt, int s) {
    AVRational tb = fmt_->streams[s]->time_base;
    int64_t shift = av_rescale_q(offset_, AV_TIME_BASE_Q, tb);
    if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= shift;
    if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= shift;
    pkt->time_base = tb;
    // Matroska has no decode timestamps: some packets come without one. Predict it as the
    // CLI does (the previous one plus a duration; before the first, the reorder delay), so
    // the muxer is never handed an unset timestamp.
    if (pkt->dts == AV_NOPTS_VALUE && pkt->pts != AV_NOPTS_VALUE) {
      int64_t step = pkt->duration > 0 ? pkt->duration : 1;
      int64_t dts = last_dts_[s] != AV_NOPTS_VALUE ? last_dts_[s] + step
                                                   : pkt->pts - fmt_->streams[s]->codecpar->video_delay * step;
      pkt->dts = std::min(dts, pkt->pts);
    }
    if (pkt->dts != AV_NOPTS_VALUE) last_dts_[s] = pkt->dts;
    t_media_time = Seconds(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, tb);
  }

  // To every reader of the stream: a reference each, the packet itself to the last.
  bool Send(const std::vector<Route>& to, PacketPtr pkt) {
    for (size_t k = 0; k < to.size(); k++) {
      Item item;
      item.kind = Item::kPacket;
      item.port = to[k].port;
      item.packet = k + 1 < to.size() ? RefPacket(pkt.get()) : std::move(pkt);
      if (!item.packet) throw AvException(AVERROR(ENOMEM), "av_packet_ref");
      if (!run_.Deliver(to[k], std::move(item))) return false;
    }
    return true;
  }

  Runtime& run_;
  AVFormatContext* fmt_;
  const std::string& url_;
  IoChannel* channel_;  // null unless the input is a stream, Buffer or callbacks (an untrusted path is custom I/O too)
  std::vector<std::vector<Route>>& routes_;
  int64_t offset_;
  TargetSeeker seeker_;
  std::vector<int64_t> last_dts_;
  int64_t read_ = 0;
};

void Runtime::SetupInputs() {
  routes_.resize(inputs_.size());
  for (size_t i = 0; i < inputs_.size(); i++) {
    inputs_[i].fmt->interrupt_callback = {Halted, &control_};
    routes_[i].resize(inputs_[i].fmt->nb_streams);
  }
  offsets_.assign(inputs_.size(), 0);
}

void Runtime::Demux(size_t i) { DemuxStage(*this, i).Run(); }

// To the next stage: its queue, or (a plain remux) the muxer on this thread.
bool Runtime::Deliver(const Route& r, Item item) {
  if (inline_mux_) {
    MuxHandle(*outputs_[0], item);
    return !control_.halted;
  }
  return r.queue->Push(std::move(item));
}

}  // namespace avf::pipeline
