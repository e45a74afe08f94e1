// What a graph's filters report besides their frames: the metadata they attach to frames
// (lavfi.scene_score, lavfi.r128.*, lavfi.silence_start, lavfi.cropdetect.*) and what they log
// (loudnorm's measurement, ebur128's summary). The job's result carries both, so a caller
// never has to scrape libav's log for them.
#pragma once
#include <cstdarg>
#include <string>
#include <utility>
#include <vector>

#include "common/compat.h"
#include "common/log.h"

struct AVFilterContext;
struct AVFilterGraph;

namespace avf::pipeline {

// The metadata of one frame that came out of a graph.
struct FrameMetadata {
  int stream;   // the output stream the frame went to
  double time;  // its presentation time, seconds (-1 when it has none)
  std::vector<std::pair<std::string, std::string>> values;
};

// What one filter logged at info level or above.
struct FilterLog {
  std::string filter, instance;  // 'loudnorm', 'Parsed_loudnorm_0'
  std::string text;
};

struct FilterReport {
  std::vector<FrameMetadata> frames;
  std::vector<FilterLog> logs;
  bool truncated = false;  // more frames carried metadata than are kept
};

// Frames with metadata kept per run: ebur128 tags every 100 ms of audio, so an hour is 36,000.
constexpr size_t kMaxMetadataFrames = 200000;
// Text kept per filter (its newest): loudnorm's JSON is under 1 KiB; silencedetect logs a line per silence.
constexpr size_t kMaxFilterLog = 64 * 1024;

void AddFrameMetadata(FilterReport& report, int stream, const AVFrame* frame, AVRational time_base);

// Sees what a graph's filters log on the filter stage's thread, installed for its lifetime.
class FilterLogCapture final : public LogObserver {
 public:
  // Once the graph is built. A loudnorm with print_format=none is set to print JSON (it
  // measures either way and prints at its end); those lines are kept out of the log.
  void Watch(AVFilterGraph* graph);
  bool See(void* avcl, int level, const char* fmt, va_list vl) override;
  // What each filter logged, those that logged anything.
  std::vector<FilterLog> Take();

 private:
  struct Watched {
    const AVFilterContext* ctx;
    bool quiet;
    FilterLog log;
  };
  std::vector<Watched> filters_;
};

}  // namespace avf::pipeline
