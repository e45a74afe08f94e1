// Inside a pipeline run: what travels between the stages, and the Runtime that owns every
// stage's state. run.cc coordinates (set-up, threads, failure, the end); each stage's code is
// in its own file (demux.cc, decode.cc, filter.cc, encode.cc, subtitle.cc, mux.cc).
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "codec.h"
#include "common/bounded_queue.h"
#include "common/owned.h"
#include "filter_graph.h"
#include "pipeline/frame_buffers.h"
#include "pipeline/run.h"

namespace avf::pipeline {

// What travels between stages.
struct Item {
  enum Kind : uint8_t { kPacket, kFrame, kEnd, kReady, kUnused };
  Kind kind = kEnd;
  int port = 0;  // which input of the receiving stage (graph source, output stream)
  PacketPtr packet;
  FramePtr frame;
  AVRational rate{0, 1};      // kFrame from a graph: its sink's frame rate; kReady: the stream's
  CodecParametersPtr params;  // kReady: an encoder is open, its stream can be set up
  AVRational time_base{0, 1};
};
using Queue = BoundedQueue<Item>;

// Where a stage sends an item: a queue, and the port it arrives on.
struct Route {
  Queue* queue;
  int port;
};

// Items each queue holds per producer before the producer waits.
constexpr int kQueueSize = 8;

// Where in the media this stage thread is, for its errors (constant-initialised: no TLS
// wrapper call on the per-packet path).
inline thread_local double t_media_time = -1;

inline double Seconds(int64_t ts, AVRational tb) { return ts == AV_NOPTS_VALUE ? -1 : ts * av_q2d(tb); }

inline AvException WithStream(AvException e, int stream) {
  e.stream = stream;
  return e;
}

// libavformat's interrupt callback over the run's halt flag.
int Halted(void* opaque);

// What the mux stage keeps between items.
struct MuxState {
  enum { kPending, kReady, kUnused };
  std::vector<int> state;  // kPending, kReady, kUnused per output stream
  std::vector<CodecParametersPtr> params;
  std::vector<AVRational> tbs, rates;
  std::vector<int> index;         // output stream -> AVStream index
  std::vector<int64_t> last_dts;  // per output stream: the last decode timestamp written (its AVStream's time base)
  std::vector<bool> done;
  bool header = false;
  std::vector<Item> early;  // packets that came before the header could be written
  std::vector<PacketPtr> filtered;
  size_t ended = 0;
  // -shortest: packets wait here until every open stream has reached their time, so that none
  // is written past the end of the stream that ends first
  std::vector<std::deque<PacketPtr>> held;
  std::vector<bool> closed;
  std::vector<int64_t> reached;  // per stream: the end of its latest packet (AV_TIME_BASE)
  size_t held_count = 0;
};

// One output file: its muxer, and what its mux stage keeps between items.
struct Output {
  explicit Output(OutputPlan& p) : plan(p) {}
  OutputPlan& plan;
  std::vector<size_t> streams;  // its output streams (indices into plan.streams), in the file's order
  AVFormatContext* fmt = nullptr;
  AVIOContext* io = nullptr;
  std::string partial;  // the name it is written under until it is complete
  bool committed = false;
  bool global_header = false;  // its encoders put their headers in extradata
  std::unique_ptr<Queue> queue;
  MuxState mx;          // per-stream vectors are indexed like plan.streams
  OutputResult result;  // bytes, duration, payload sizes
  const std::string& Name() const { return plan.url; }
};

// -shortest holds at most this many packets: a stream far ahead of another (a looped picture
// beside a long song) then is written without waiting, rather than held without bound.
constexpr size_t kMaxHeldPackets = 4096;

// A converted subtitle stream: both codecs, and the packets waiting for them.
struct SubtitleStage {
  std::unique_ptr<CodecState> decoder, encoder;
  std::unique_ptr<Queue> queue;
};

class Runtime {
 public:
  Runtime(std::vector<PipelineInput>& inputs, PipelinePlan& plan, PipelineStats& stats, PipelineControl& control,
          const TapHook& tap)
      : inputs_(inputs), plan_(plan), stats_(stats), control_(control), tap_(tap) {}
  ~Runtime();
  PipelineResult Run();

 private:
  friend class DemuxStage;
  friend class EncodeStage;
  friend class FilterStage;

  // The output a stream is written to, for errors; the first output for the job's own.
  const std::string& OutputName(size_t o = 0) const {
    return plan_.outputs[plan_.streams.empty() ? 0 : static_cast<size_t>(plan_.streams[o].output)].url;
  }

  // ---- run.cc: the coordinator
  void Setup();
  void StartThreads();
  void Guard(const char* stage, int stream, const std::function<void()>& body);
  void Fail(std::exception_ptr e);
  void AbortQueues();
  void MergeFilterReports();                        // every graph's report into the result, once the stages are done
  void AddBusy(const char* stage, double seconds);  // a stage thread's work, as it ends
  AVStream* InputStream(int input, int stream, const char* what) const;
  // An output stream reached -t or its frame limit; when all have, the inputs stop.
  void StreamFinished(size_t o) {
    if (!stream_finished_[o].exchange(true)) finished_++;  // once per stream, however it finished
  }
  bool AllFinished() const {
    return cut_.load() != AV_NOPTS_VALUE || finished_.load() >= static_cast<int>(plan_.streams.size());
  }
  // Where every stream ends: -t, where a stream met its frame limit (-frames:v ends the
  // whole output there, as in the CLI), or where a graceful stop found the output.
  int64_t Limit() const {
    int64_t limit = plan_.duration;
    for (int64_t t : {cut_.load(), shortest_end_.load(), control_.stop_at.load()})
      if (t != AV_NOPTS_VALUE) limit = limit == AV_NOPTS_VALUE ? t : std::min(limit, t);
    return limit;
  }
  // -shortest: where the first stream ended. Unlike a cut, the other streams still read up to it.
  void EndAt(int64_t t) {
    int64_t none = AV_NOPTS_VALUE;
    shortest_end_.compare_exchange_strong(none, t);
  }
  void CutAt(int64_t t) {
    int64_t none = AV_NOPTS_VALUE;
    cut_.compare_exchange_strong(none, t);
  }

  // ---- demux.cc: one thread per input
  void SetupInputs();
  void Demux(size_t i);
  bool Deliver(const Route& r, Item item);

  // ---- decode.cc: one thread per decoded input stream
  void SetupHardware();
  void SetupDecoders();
  void UseDevice(CodecState& c, const AVCodec* codec, int stream);
  void Decode(size_t d);

  // ---- filter.cc: one thread per graph
  void SetupGraphs();
  void Filter(size_t g);
  FilterPad PadOfDecoder(int d) const;

  // ---- encode.cc: one thread per encoded output stream
  void SetupEncoder(size_t o);
  void Encode(size_t o);

  // ---- subtitle.cc: one thread per converted subtitle stream
  void SetupSubtitle(size_t o, AVStream* st);
  const AVCodec* SubtitleEncoder(const StreamPlan& sp, const AVCodec* decoder, int index) const;
  void Subtitle(size_t o);

  // ---- mux.cc: one thread per output (or the demux thread, for a plain remux)
  void SetupOutputs();
  void SetupCopy(size_t o);
  Output& OutputOf(size_t o) { return *outputs_[static_cast<size_t>(plan_.streams[o].output)]; }
  void Mux(Output& out);
  void MuxStart(Output& out);
  void MuxTryHeader(Output& out);
  void MuxWriteEarly(Output& out);
  void MuxWrite(Output& out, size_t o, PacketPtr pkt);
  void MuxDrainBsf(Output& out, size_t o);
  void MuxHandle(Output& out, Item& item);
  void MuxFinish(Output& out);
  int64_t MuxTime(const Output& out, size_t o, const AVPacket* pkt) const;
  void MuxReached(Output& out, size_t o, const AVPacket* pkt);
  void MuxHold(Output& out, size_t o, PacketPtr pkt);
  void MuxRelease(Output& out, bool all);
  void MuxShortestEnd(Output& out, size_t o);
  void WritePacket(Output& out, size_t o, PacketPtr pkt, AVRational tb);
  void CountPayload(Output& out, size_t o, int size);
  void CountBytes(Output& out, int64_t bytes);
  void KeepDtsMonotonic(Output& out, size_t o, const AVStream* st, AVPacket* pkt);
  void WriteHeader(Output& out);
  void AddStreams(Output& out);
  void WriteMetadataAndChapters(Output& out);
  void OpenOutput(Output& out);
  void AddChapter(Output& out, int64_t id, AVRational tb, int64_t start, int64_t end, const AVDictionary* metadata,
                  const char* title);
  void WriteChapters(Output& out, const std::vector<ChapterPlan>& chapters);
  void CopyChapters(Output& out, int input);

  std::vector<PipelineInput>& inputs_;
  PipelinePlan& plan_;
  PipelineStats& stats_;
  PipelineControl& control_;
  const TapHook& tap_;

  std::vector<std::vector<std::vector<Route>>> routes_;           // [input][stream]
  std::vector<int64_t> offsets_;                                  // per input: subtracted from its timestamps
  std::vector<std::unique_ptr<DecoderBuffers>> decoder_buffers_;  // before decoders_: outlives them
  std::vector<std::unique_ptr<CodecState>> decoders_;
  std::vector<std::unique_ptr<Queue>> decode_q_;
  std::vector<std::vector<Route>> decoder_out_;  // [decoder] -> graph inputs
  std::vector<std::unique_ptr<FilterGraphState>> graphs_;
  std::vector<std::unique_ptr<Queue>> graph_q_;
  std::vector<std::vector<int>> sink_stream_;  // [graph][sink] -> output stream
  std::vector<FilterReport> reports_;          // per graph, written by its stage only
  std::vector<const AVCodec*> encoders_;
  std::vector<std::unique_ptr<Queue>> encode_q_;
  std::vector<BsfPtr> bsfs_;
  std::vector<std::unique_ptr<Output>> outputs_;
  bool inline_mux_ = false;               // a plain remux: the demux thread writes the output itself
  std::vector<SubtitleStage> subtitles_;  // per output stream; set for converted subtitles
  BufferPtr hw_device_;
  std::string hw_device_error_;  // why the job's device did not open, for the decoders that fall back
  std::atomic<int> finished_{0};
  std::unique_ptr<std::atomic<bool>[]> stream_finished_;  // per output stream: counted in finished_
  std::atomic<int64_t> cut_{AV_NOPTS_VALUE};
  std::atomic<int64_t> shortest_end_{AV_NOPTS_VALUE};
  std::mutex error_m_;
  std::exception_ptr error_;
  std::mutex stages_m_;  // stage threads still running, and their end
  std::condition_variable stages_done_;
  int stages_running_ = 0;
  PipelineResult result_;
};

}  // namespace avf::pipeline
