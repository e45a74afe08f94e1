#include "pipeline/video_sync.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace avf::pipeline {

FpsMode ResolveFpsMode(const std::string& asked, const AVOutputFormat* muxer, bool single_stream_input) {
  if (asked == "passthrough") return FpsMode::kPassthrough;
  if (asked == "vfr") return FpsMode::kVfr;
  if (asked == "cfr") return FpsMode::kCfr;
  if (asked != "auto") throw AvException("EINVAL", "fpsMode: expected 'auto', 'cfr', 'vfr' or 'passthrough'", "encode");
  if (!muxer) return FpsMode::kPassthrough;  // frames collected without a container (thumbnails)
  FpsMode mode = std::string(muxer->name) == "avi" ? FpsMode::kVfr
                 : !(muxer->flags & AVFMT_VARIABLE_FPS)
                     ? FpsMode::kCfr
                     : ((muxer->flags & AVFMT_NOTIMESTAMPS) ? FpsMode::kPassthrough : FpsMode::kVfr);
  if (mode == FpsMode::kCfr && single_stream_input) mode = FpsMode::kVsCfr;
  return mode;
}

namespace {

// The frame's timestamp in ticks, with more precision than the time base has (as the CLI
// computes it, nudged off exact midpoints so that rounding agrees with it).
double TicksOf(const AVFrame* f, AVRational tick) {
  int extra_bits = std::max(0, std::min(16, 29 - av_log2(static_cast<unsigned>(tick.den))));
  AVRational fine{tick.num, tick.den << extra_bits};
  double t = static_cast<double>(av_rescale_q(f->pts, f->time_base, fine)) / (1 << extra_bits);
  if (t != std::llrint(t)) t += (t > 0 ? 1.0 : -1.0) / (1 << 17);
  return t;
}

}  // namespace

VideoSync::Sends VideoSync::Next(const AVFrame* frame, int64_t room) {
  Sends s;
  if (!frame) {
    int64_t a = previous_history_[0], b = previous_history_[1], c = previous_history_[2];
    s.frames = s.previous = std::min(room, std::max(std::min(a, b), std::min(std::max(a, b), c)));  // the median
    Count(s, false);
    return s;
  }
  s.frames = 1;
  if (mode_ == FpsMode::kPassthrough || frame->pts == AV_NOPTS_VALUE || frame->time_base.num <= 0) {
    if (frame->pts != AV_NOPTS_VALUE && frame->time_base.num > 0) next_pts_ = std::llrint(TicksOf(frame, tick_));
  } else {
    double ticks = TicksOf(frame, tick_);
    double duration = rate_known_ ? 1 : 0;
    if (own_durations_) {
      int64_t own = std::llrint(
          av_q2d(av_mul_q(AVRational{static_cast<int>(std::min<int64_t>(compat::FrameDuration(frame), INT32_MAX)), 1},
                          av_div_q(frame->time_base, tick_))));
      if (own > 0) duration = static_cast<double>(own);
    }
    double delta0 = ticks - static_cast<double>(next_pts_);  // how far the frame is from the next tick
    double delta = delta0 + duration;
    if (delta0 < 0 && delta > 0) {  // it started before the next tick: clip it there
      ticks = static_cast<double>(next_pts_);
      duration += delta0;
      delta0 = 0;
    }
    switch (mode_) {
      case FpsMode::kVsCfr:
        if (frames_ == 0 && delta0 >= 0.5) {  // a late first frame starts the output, undelayed
          delta = duration;
          delta0 = 0;
          next_pts_ = std::llrint(ticks);
        }
        [[fallthrough]];
      case FpsMode::kCfr:
        if (delta < -1.1) {
          s.frames = 0;
        } else if (delta > 1.1) {
          s.frames = std::llrint(delta);
          if (delta0 > 1.1) s.previous = std::llrint(delta0 - 0.6);
        }
        break;
      case FpsMode::kVfr:
        if (delta <= -0.6)
          s.frames = 0;
        else if (delta > 0.6)
          next_pts_ = std::llrint(ticks);
        break;
      case FpsMode::kPassthrough: break;
    }
  }
  s.frames = std::min(s.frames, room);
  s.previous = std::min(s.previous, s.frames);
  previous_history_[2] = previous_history_[1];
  previous_history_[1] = previous_history_[0];
  previous_history_[0] = s.previous;
  frames_ += s.frames;
  Count(s, true);
  return s;
}

// The CLI's counts, as it keeps them: a frame that sends nothing counts as dropped when the
// next one does not repeat it; a frame sent more than once counts its extra copies as
// duplicates, less the one that stands in for a dropped frame before it.
void VideoSync::Count(Sends& s, bool frame) {
  s.dropped = s.previous == 0 && last_dropped_;
  int64_t instead = s.previous > 0 && last_dropped_ ? 1 : 0;
  int64_t own = s.frames > s.previous ? 1 : 0;
  if (s.frames > instead + own) s.dups = s.frames - instead - own;
  last_dropped_ = s.frames == s.previous && frame;
}

}  // namespace avf::pipeline
