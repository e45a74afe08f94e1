// Frame-rate conversion between a graph's video output and its encoder, as the ffmpeg CLI does
// it (its -fps_mode): the output is a sequence of ticks of 1/rate; cfr sends every tick a frame,
// duplicating or dropping input frames to fill them; vfr keeps the input's timing and drops
// only frames that fall on a tick already sent; passthrough keeps every frame. Without it,
// filters that retime frames (setpts, select) had their timing undone in the encoder.
#pragma once
#include <cstdint>
#include <string>

#include "common/compat.h"

namespace avf::pipeline {

enum class FpsMode {
  kPassthrough,
  kCfr,
  kVfr,
  kVsCfr,  // cfr, except that a late first frame is not preceded by duplicates
};

// The mode a stream gets: `asked` ('auto', 'cfr', 'vfr', 'passthrough'); for 'auto' the CLI's
// choice from the muxer (cfr unless it takes variable rates; passthrough without timestamps or
// without a muxer), and vscfr for cfr from an input of one stream.
FpsMode ResolveFpsMode(const std::string& asked, const AVOutputFormat* muxer, bool single_stream_input);

class VideoSync {
 public:
  // `tick`: the encoder's time base (1/rate); `rate_known`: whether a frame lasts one tick;
  // `own_durations`: a frame lasts its own duration (the CLI's choice when no filter was asked for).
  VideoSync(FpsMode mode, AVRational tick, bool rate_known, bool own_durations = false)
      : mode_(mode), tick_(tick), rate_known_(rate_known), own_durations_(own_durations) {}

  struct Sends {
    int64_t frames = 0;    // output frames to send for this input frame
    int64_t previous = 0;  // of which the first `previous` repeat the frame before it
    int64_t dups = 0;      // how many of them the CLI counts as duplicates (its dup=)
    bool dropped = false;  // the CLI counts a dropped frame here (its drop=)
  };
  // For the next frame from the graph (nullptr at the end: the repeats of the last one), at
  // most `room` output frames (what -frames:v leaves).
  Sends Next(const AVFrame* frame, int64_t room);
  // The timestamp (in ticks) of the next output frame; Sent() advances it.
  int64_t pts() const { return next_pts_; }
  void Sent() { next_pts_++; }

 private:
  void Count(Sends& s, bool frame);

  FpsMode mode_;
  AVRational tick_;
  bool rate_known_;
  bool own_durations_;
  int64_t next_pts_ = 0;
  int64_t frames_ = 0;             // output frames so far
  int64_t previous_history_[3]{};  // the last three Sends.previous, for the end
  bool last_dropped_ = false;      // the frame before sent nothing, for the counts
};

}  // namespace avf::pipeline
