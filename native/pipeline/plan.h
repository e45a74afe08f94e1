// What a pipeline run does, decided in TypeScript (src/pipeline/plan.ts) from the user's
// options and the probed inputs, and read into these plain structs on the JS thread. The
// contract is src/pipeline/native_plan.ts: every key there is a field here, and plan.cc
// reads each one, required, with its type.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "common/compat.h"
#include "common/io_channel.h"
#include "common/options.h"

namespace avf {

// One input stream decoded for the filter graphs that read it.
struct DecodePlan {
  int input = 0, stream = 0;
  int threads = 0;
  bool keyframes_only = false;
  bool hardware = false;  // decode on the job's device when the codec can (else software, reported)
  bool download = true;   // hardware frames are copied to memory for software filters
};

// A libavfilter graph: sources fed by decoders, sinks that feed encoders.
struct GraphPlan {
  std::string description;
  struct Source {
    int decoder;
    std::string label;
  };
  struct Sink {
    std::string label;
    bool video;
  };
  std::vector<Source> sources;
  std::vector<Sink> sinks;
  int threads = 0;
  bool hardware = false;  // its filters (hwupload, scale_vaapi, *_opencl) work on the job's device
};

// One output stream: a copied input stream, or the encoded output of a graph's sink.
struct StreamPlan {
  int output = 0;  // the output file it is written to
  bool copy = false;
  bool subtitle = false;        // a subtitle stream decoded and encoded again (mov_text -> ass...)
  int input = -1, stream = -1;  // copy: the source; encode: where metadata comes from (or -1)
  std::string bsf;              // copy: bitstream filters, "" for none
  std::string disposition;      // over the source's ("default+forced", "0"), "" keeps it
  std::string tag;              // the codec tag the container writes ("hvc1"), "" its own choice
  int graph = -1, sink = -1;    // encode
  std::string codec;
  Dict options;
  int threads = 0;
  int64_t bit_rate = 0;
  AVRational frame_rate{0, 1};
  std::string fps_mode;         // -fps_mode: 'auto', 'cfr', 'vfr' or 'passthrough'
  bool own_durations = false;   // frames last their own duration there (no filter asked for, as the CLI)
  bool display_matrix = false;  // encoded video: keep the source's display matrix (not turned upright)
  int64_t max_frames = -1;
  Dict metadata;     // over the source stream's
  bool tap = false;  // JS sees its frames before they are encoded
};

struct ChapterPlan {
  int64_t start, end;  // AV_TIME_BASE units
  std::string title;
};

struct OutputPlan {
  std::string url;  // a path or URL, or a name for errors
  std::shared_ptr<IoChannel> channel;
  std::string format;
  Dict options;                       // muxer options (movflags, hls_time, ...)
  Dict metadata;                      // over the copied input metadata; "" deletes a key
  int metadata_from = 0;              // input whose global metadata is copied, -1 none
  int chapters_from = 0;              // input whose chapters are copied, -1 none
  std::vector<ChapterPlan> chapters;  // written instead, when given
  bool collect = false;               // no muxer: encoded packets come back to JS (thumbnails)
  bool shortest = false;              // -shortest: the output ends where its first stream ends
};

struct PipelinePlan {
  std::vector<int64_t> start;         // per input, AV_TIME_BASE units: seek there first (-ss)
  int64_t duration = AV_NOPTS_VALUE;  // output duration limit, AV_TIME_BASE units (-t)
  bool cut_output = false;            // it is the output's -t: video is also cut after its rate conversion
  std::vector<int64_t> targets;       // thumbnails: times of input 0 to reach, seeking when far
  std::vector<DecodePlan> decoders;
  std::vector<GraphPlan> graphs;
  std::vector<StreamPlan> streams;
  std::vector<OutputPlan> outputs;  // one decode can feed several files; every one has streams
  std::string hw_type, hw_device;   // the job's hardware device ('cuda', 'vaapi'...), if any
  Dict hw_options;
  bool strict = false;
  int tap_batch = 8;
};

// Reads the plan JS wrote (src/pipeline/native_plan.ts), on the JS thread.
PipelinePlan ReadPlan(Napi::Value plan);

}  // namespace avf
