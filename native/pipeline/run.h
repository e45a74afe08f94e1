// A pipeline run, as its caller sees it: demux -> decode -> filter -> encode -> mux, every stage on its own thread
// with bounded queues between them (as FFmpeg 7's CLI runs), no JS anywhere on the way
// except the optional frame taps.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/io_channel.h"
#include "common/owned.h"
#include "pipeline/filter_report.h"
#include "pipeline/plan.h"

namespace avf {

struct PipelineInput {
  AVFormatContext* fmt = nullptr;
  AVIOContext* io = nullptr;           // a custom input's context, freed with the input
  std::shared_ptr<IoChannel> channel;  // a stream, Buffer or callback input's channel, else null
  std::string url;
};

// Counters the stages bump and JS reads at any time for progress.
struct PipelineStats {
  std::atomic<int64_t> packets_read{0}, frames_decoded{0}, damaged{0}, bytes{0};
  std::atomic<int64_t> out_time{AV_NOPTS_VALUE};  // end of the latest packet written, AV_TIME_BASE units
  // video frames the frame-rate conversion repeated or dropped, all streams (the CLI's dup= and drop=)
  std::atomic<int64_t> dup_frames{0}, drop_frames{0};
  std::unique_ptr<std::atomic<int64_t>[]> frames;  // per output stream: frames encoded or packets copied
  std::unique_ptr<std::atomic<int64_t>[]> times;   // per output stream: end of its latest packet written
  size_t streams = 0;
  // JS thread, before the run starts: stats() reads these at any time.
  void Reset(size_t n) {
    frames.reset(new std::atomic<int64_t>[n]);
    times.reset(new std::atomic<int64_t>[n]);
    for (size_t i = 0; i < n; i++) {
      frames[i] = 0;
      times[i] = AV_NOPTS_VALUE;
    }
    streams = n;
  }
  static constexpr int64_t kEnded = INT64_MAX;  // times[i] of a stream that has ended
  // How far the output has got: the stream furthest behind (one not begun counts as 0, one
  // ended does not count), so the position only moves forward.
  int64_t Position() const {
    int64_t pos = AV_NOPTS_VALUE;
    for (size_t i = 0; i < streams; i++) {
      int64_t t = times[i].load();
      if (t == kEnded) continue;
      if (t == AV_NOPTS_VALUE) t = 0;
      if (pos == AV_NOPTS_VALUE || t < pos) pos = t;
    }
    return pos == AV_NOPTS_VALUE ? out_time.load() : pos;
  }
};

// How JS stops a run: Stop() ends the inputs early and finishes the output properly (a valid,
// shorter file); Abort() halts every stage at once and the output is removed.
class PipelineControl {
 public:
  // `at`: how far the output had come (AV_TIME_BASE; AV_NOPTS_VALUE or 0: not yet anywhere).
  // Frames still on their way past it are dropped rather than encoded, so the output ends
  // close to where the stop was asked (the encoders' look-ahead still comes out).
  void Stop(int64_t at) {
    if (at != AV_NOPTS_VALUE && at > 0) {
      int64_t none = AV_NOPTS_VALUE;
      stop_at.compare_exchange_strong(none, at);
    }
    stop = true;
  }
  void Abort() {
    aborted = true;
    Halt();
  }
  // Wakes every blocked stage, also for a failure inside the run.
  void Halt();
  void OnHalt(std::function<void()> fn);  // the run's listener; cleared with nullptr
  std::atomic<bool> stop{false}, aborted{false}, halted{false};
  std::atomic<int64_t> stop_at{AV_NOPTS_VALUE};

 private:
  std::mutex m_;
  std::function<void()> on_halt_;
};

// Hands a batch of frames of output stream `stream` to JS and waits until JS is done with
// it; false when the run halted meanwhile or the tap failed.
using TapHook = std::function<bool(int stream, std::vector<FramePtr>& frames)>;

struct CollectedPacket {
  PacketPtr packet;
  AVRational time_base;
};

// Where a stage ran: on the device asked for, or in software and why.
struct HardwareUse {
  std::string stage;  // 'decode'
  int stream = -1;    // input stream
  std::string requested, used, reason;
};

// Payload bytes written per kind of stream, as the CLI's last line adds them up.
struct PayloadSizes {
  int64_t video = 0, audio = 0, subtitle = 0, other = 0;
  int64_t global_headers = 0;  // the encoders' extradata
  int64_t overhead = 0;        // the file's size less every packet's payload (the container's own bytes)
};

// What one output file came to.
struct OutputResult {
  PayloadSizes sizes;
  int64_t bytes = 0;
  int64_t duration = AV_NOPTS_VALUE;  // AV_TIME_BASE units
};

struct PipelineResult {
  std::vector<HardwareUse> hardware;
  PayloadSizes sizes;                 // every output's, added up
  int64_t bytes = 0;                  // every output's, added up
  int64_t duration = AV_NOPTS_VALUE;  // the longest output's, AV_TIME_BASE units
  std::vector<OutputResult> outputs;  // per output, in the plan's order
  // per stage ('demux', 'decode', 'filter', 'encode', 'subtitle', 'mux'): seconds its threads
  // worked (their wall time less their waits on the queues), all its threads added up
  std::vector<std::pair<std::string, double>> busy;
  bool stopped = false;                                 // ended early by Stop()
  std::vector<std::vector<CollectedPacket>> collected;  // per output stream, for a collected output
  pipeline::FilterReport filters;                       // every graph's, frames in time order
};

// Runs the plan over opened inputs; throws the first stage's AvException (with its stage,
// stream and time) or ABORT_ERR. The output exists under its name only after a clean end.
PipelineResult RunPipeline(std::vector<PipelineInput>& inputs, PipelinePlan& plan, PipelineStats& stats,
                           PipelineControl& control, const TapHook& tap);

}  // namespace avf
