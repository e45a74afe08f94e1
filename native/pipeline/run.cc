// The coordinator of a pipeline run: sets every stage up on the calling thread (everything
// that can be checked before a frame moves), starts one thread per stage, and ends the run
// with the first stage's failure, an abort, or the finished output.
#include "pipeline/run.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "common/process_exit.h"
#include "muxer.h"
#include "pipeline/runtime.h"
#include "pipeline/stage_threads.h"

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

PipelineResult RunPipeline(std::vector<PipelineInput>& inputs, PipelinePlan& plan, PipelineStats& stats,
                           PipelineControl& control, const TapHook& tap) {
  HaltAtExit halt([&control] { control.Abort(); });  // the process exiting halts the run
  pipeline::Runtime run(inputs, plan, stats, control, tap);
  return run.Run();
}

namespace pipeline {

int Halted(void* opaque) { return static_cast<PipelineControl*>(opaque)->halted.load() ? 1 : 0; }

Runtime::~Runtime() {
  control_.OnHalt(nullptr);
  bsfs_.clear();
  for (auto& out : outputs_) {
    ReleaseOutput(&out->fmt, out->io, out->committed, out->partial);
    FreeIo(&out->io);
  }
}

PipelineResult Runtime::Run() {
  Setup();
  control_.OnHalt([this] { AbortQueues(); });
  if (control_.halted) AbortQueues();
  try {
    StartThreads();
  } catch (const std::system_error& e) {
    // No thread to be had (a memory or process limit): the stages already started are halted
    // and waited for, and the job fails.
    Fail(std::make_exception_ptr(
        AvException("ENOMEM", std::string("Could not start a stage thread: ") + e.what(), "pipeline", OutputName())));
  }
  {
    std::unique_lock<std::mutex> lock(stages_m_);
    stages_done_.wait(lock, [this] { return stages_running_ == 0; });
  }
  control_.OnHalt(nullptr);
  for (auto& d : decoders_) stats_.damaged += d->damaged.load();
  if (error_) std::rethrow_exception(error_);
  MergeFilterReports();
  for (auto& out : outputs_) {
    const OutputResult& r = out->result;
    result_.outputs.push_back(r);
    result_.bytes += r.bytes;
    if (r.duration != AV_NOPTS_VALUE && (result_.duration == AV_NOPTS_VALUE || r.duration > result_.duration))
      result_.duration = r.duration;
    PayloadSizes& all = result_.sizes;
    all.video += r.sizes.video;
    all.audio += r.sizes.audio;
    all.subtitle += r.sizes.subtitle;
    all.other += r.sizes.other;
    all.global_headers += r.sizes.global_headers;
    all.overhead += r.sizes.overhead;
  }
  if (control_.aborted) throw AvException("ABORT_ERR", "The job was aborted", "pipeline", OutputName());
  result_.stopped = control_.stop;
  return std::move(result_);
}

// Every stage's set-up, in the order their checks should fail: the inputs, the device, the
// decoders, the graphs (libavfilter loads here), the output and its streams.
void Runtime::Setup() {
  size_t n = plan_.streams.size();
  if (n == 0) throw AvException("EINVAL", "The output has no streams", "pipeline", OutputName());
  if (stats_.streams != n) throw AvException("EINVAL", "The counters are not sized for this plan", "pipeline");
  result_.collected.resize(n);
  stream_finished_.reset(new std::atomic<bool>[n]);
  for (size_t o = 0; o < n; o++) stream_finished_[o] = false;
  SetupInputs();
  SetupHardware();
  SetupDecoders();
  SetupGraphs();
  SetupOutputs();
  encode_q_.resize(n);
  bsfs_.resize(n);
  encoders_.resize(n);
  for (size_t o = 0; o < n; o++) {
    StreamPlan& sp = plan_.streams[o];
    if (sp.copy)
      SetupCopy(o);
    else if (sp.subtitle)
      SetupSubtitle(o, InputStream(sp.input, sp.stream, "subtitle"));
    else
      SetupEncoder(o);
  }
  for (size_t g = 0; g < sink_stream_.size(); g++)
    for (int o : sink_stream_[g])
      if (o < 0) throw AvException("EINVAL", "A graph output feeds no stream", "filter", plan_.graphs[g].description);
  // A remux (one input, every stream copied) has no work to overlap: one thread reads and
  // writes, as a C program would, with no hand-off per packet.
  inline_mux_ = inputs_.size() == 1 && outputs_.size() == 1 && !plan_.outputs[0].collect && plan_.decoders.empty() &&
                std::all_of(plan_.streams.begin(), plan_.streams.end(), [](const StreamPlan& sp) { return sp.copy; });
  for (auto& out : outputs_)
    out->queue = std::make_unique<Queue>(kQueueSize * static_cast<int>(out->streams.size()) * 4);
  for (auto& per_input : routes_)
    for (auto& per_stream : per_input)
      for (auto& r : per_stream)
        if (!r.queue) r.queue = OutputOf(static_cast<size_t>(r.port)).queue.get();
}

// Each stage on a kept stage thread (stage_threads.h); Run() waits until every one has ended.
void Runtime::StartThreads() {
  auto start = [this](const char* stage, int stream, std::function<void()> body) {
    {
      std::lock_guard<std::mutex> lock(stages_m_);
      stages_running_++;
    }
    try {
      StageThreads::Get().Start([this, stage, stream, body = std::move(body)] {
        Guard(stage, stream, body);
        // Under the lock: Run() cannot see the count reach 0 and destroy this Runtime before
        // the notification is done.
        std::lock_guard<std::mutex> lock(stages_m_);
        if (--stages_running_ == 0) stages_done_.notify_all();
      });
    } catch (...) {
      std::lock_guard<std::mutex> lock(stages_m_);
      stages_running_--;
      throw;
    }
  };
  for (size_t i = 0; i < inputs_.size(); i++) start("demux", -1, [this, i] { Demux(i); });
  for (size_t d = 0; d < decoders_.size(); d++) start("decode", plan_.decoders[d].stream, [this, d] { Decode(d); });
  for (size_t g = 0; g < graphs_.size(); g++) start("filter", -1, [this, g] { Filter(g); });
  for (size_t o = 0; o < plan_.streams.size(); o++) {
    if (plan_.streams[o].subtitle)
      start("subtitle", static_cast<int>(o), [this, o] { Subtitle(o); });
    else if (!plan_.streams[o].copy)
      start("encode", static_cast<int>(o), [this, o] { Encode(o); });
  }
  if (inline_mux_) return;
  for (auto& out : outputs_) start("mux", -1, [this, o = out.get()] { Mux(*o); });
}

// Runs a stage; its failure halts the others and is what the run throws.
void Runtime::Guard(const char* stage, int stream, const std::function<void()>& body) {
  t_media_time = -1;  // a kept thread: nothing of the previous job's
  auto start = std::chrono::steady_clock::now();
  t_queue_wait_ns = 0;
  struct Busy {  // on every way out, failures included
    Runtime& run;
    const char* stage;
    std::chrono::steady_clock::time_point start;
    ~Busy() {
      auto wall =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
      run.AddBusy(stage, static_cast<double>(std::max<int64_t>(0, wall - t_queue_wait_ns)) / 1e9);
    }
  } busy{*this, stage, start};
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

void Runtime::AddBusy(const char* stage, double seconds) {
  std::lock_guard<std::mutex> lock(error_m_);
  for (auto& [name, total] : result_.busy)
    if (name == stage) {
      total += seconds;
      return;
    }
  result_.busy.emplace_back(stage, seconds);
}

void Runtime::MergeFilterReports() {
  FilterReport& all = result_.filters;
  for (FilterReport& r : reports_) {
    for (auto& f : r.frames) all.frames.push_back(std::move(f));
    for (auto& l : r.logs) all.logs.push_back(std::move(l));
    all.truncated = all.truncated || r.truncated;
  }
  std::stable_sort(all.frames.begin(), all.frames.end(),
                   [](const FrameMetadata& a, const FrameMetadata& b) { return a.time < b.time; });
}

void Runtime::Fail(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(error_m_);
    if (!error_ && !control_.aborted) error_ = e;
  }
  control_.Halt();
}

void Runtime::AbortQueues() {
  for (auto& q : decode_q_) q->Abort();
  for (auto& q : graph_q_) q->Abort();
  for (auto& q : encode_q_)
    if (q) q->Abort();
  for (auto& st : subtitles_)
    if (st.queue) st.queue->Abort();
  for (auto& out : outputs_)
    if (out->queue) out->queue->Abort();
}

AVStream* Runtime::InputStream(int input, int stream, const char* what) const {
  bool known = input >= 0 && input < static_cast<int>(inputs_.size());
  if (!known || stream < 0 || stream >= static_cast<int>(inputs_[input].fmt->nb_streams))
    throw AvException(AVERROR_STREAM_NOT_FOUND, what, known ? inputs_[input].url : "", stream);
  return inputs_[input].fmt->streams[stream];
}

}  // namespace pipeline
}  // namespace avf
