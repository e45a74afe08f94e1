#include "pipeline.h"

#include "demuxer.h"
#include "frame.h"
#include "io.h"

namespace avf {

const napi_type_tag Pipeline::kTag = {0x6176666f72676501ULL, 0x7069706500000001ULL};

namespace {

int Interrupted(void* opaque) {
  auto* s = static_cast<PipelineState*>(opaque);
  return s->closed.load() || s->control.halted.load() ? 1 : 0;
}

// ---- the plan, read from JS (src/pipeline/plan.ts writes it)

PipelinePlan ReadPlan(Napi::Object o) {
  PipelinePlan p;
  Napi::Array start = o.Get("start").As<Napi::Array>();
  for (uint32_t i = 0; i < start.Length(); i++) p.start.push_back(ToTimestamp(start.Get(i)));
  p.duration = ToTimestamp(o.Get("duration"));
  if (o.Get("targets").IsArray()) {
    Napi::Array t = o.Get("targets").As<Napi::Array>();
    for (uint32_t i = 0; i < t.Length(); i++) p.targets.push_back(ToTimestamp(t.Get(i)));
  }
  Napi::Array decoders = o.Get("decoders").As<Napi::Array>();
  for (uint32_t i = 0; i < decoders.Length(); i++) {
    Napi::Object d = decoders.Get(i).As<Napi::Object>();
    DecodePlan dp;
    dp.input = static_cast<int>(GetInt(d, "input", 0));
    dp.stream = static_cast<int>(GetInt(d, "stream", 0));
    dp.codec = GetString(d, "codec");
    dp.threads = static_cast<int>(GetInt(d, "threads", 0));
    dp.options = Dict(ToDictionary(d.Get("options")));
    dp.keyframes_only = GetBool(d, "keyframesOnly", false);
    dp.hardware = GetBool(d, "hardware", false);
    dp.download = GetBool(d, "download", true);
    p.decoders.push_back(std::move(dp));
  }
  Napi::Array graphs = o.Get("graphs").As<Napi::Array>();
  for (uint32_t i = 0; i < graphs.Length(); i++) {
    Napi::Object g = graphs.Get(i).As<Napi::Object>();
    GraphPlan gp;
    gp.description = GetString(g, "description");
    gp.threads = static_cast<int>(GetInt(g, "threads", 0));
    gp.hardware = GetBool(g, "hardware", false);
    Napi::Array sources = g.Get("sources").As<Napi::Array>();
    for (uint32_t k = 0; k < sources.Length(); k++) {
      Napi::Object s = sources.Get(k).As<Napi::Object>();
      gp.sources.push_back({static_cast<int>(GetInt(s, "decoder", -1)), GetString(s, "label")});
    }
    Napi::Array sinks = g.Get("sinks").As<Napi::Array>();
    for (uint32_t k = 0; k < sinks.Length(); k++) {
      Napi::Object s = sinks.Get(k).As<Napi::Object>();
      gp.sinks.push_back({GetString(s, "label"), GetString(s, "type") == "video"});
    }
    p.graphs.push_back(std::move(gp));
  }
  Napi::Array streams = o.Get("streams").As<Napi::Array>();
  for (uint32_t i = 0; i < streams.Length(); i++) {
    Napi::Object s = streams.Get(i).As<Napi::Object>();
    StreamPlan sp;
    sp.copy = GetBool(s, "copy", false);
    sp.subtitle = GetBool(s, "subtitle", false);
    sp.input = static_cast<int>(GetInt(s, "input", -1));
    sp.stream = static_cast<int>(GetInt(s, "stream", -1));
    sp.bsf = GetString(s, "bsf");
    sp.graph = static_cast<int>(GetInt(s, "graph", -1));
    sp.sink = static_cast<int>(GetInt(s, "sink", -1));
    sp.codec = GetString(s, "codec");
    sp.options = Dict(ToDictionary(s.Get("options")));
    sp.threads = static_cast<int>(GetInt(s, "threads", 0));
    sp.bit_rate = GetInt(s, "bitRate", 0);
    sp.frame_rate = ToRational(s.Get("frameRate"), {0, 1});
    sp.max_frames = GetInt(s, "maxFrames", -1);
    sp.metadata = Dict(ToDictionary(s.Get("metadata")));
    sp.disposition = static_cast<int>(GetInt(s, "disposition", -1));
    sp.tap = GetBool(s, "tap", false);
    p.streams.push_back(std::move(sp));
  }
  Napi::Object out = o.Get("output").As<Napi::Object>();
  OutputPlan& op = p.output;
  op.collect = GetBool(out, "collect", false);
  if (!op.collect) {
    IoTarget target = ReadIoTarget(out.Get("target"), out);
    op.url = target.url;
    op.channel = target.channel;
  } else {
    op.url = GetString(out, "name", "<memory>");
  }
  op.format = GetString(out, "format");
  if (op.channel && op.format.empty()) throw AvException("EINVAL", "A stream output needs a format", "pipeline", op.url);
  op.options = Dict(ToDictionary(out.Get("options")));
  op.metadata = Dict(ToDictionary(out.Get("metadata")));
  op.metadata_from = static_cast<int>(GetInt(out, "metadataFrom", 0));
  op.chapters_from = static_cast<int>(GetInt(out, "chaptersFrom", 0));
  if (out.Get("chapters").IsArray()) {
    Napi::Array chapters = out.Get("chapters").As<Napi::Array>();
    for (uint32_t i = 0; i < chapters.Length(); i++) {
      Napi::Object c = chapters.Get(i).As<Napi::Object>();
      op.chapters.push_back({ToTimestamp(c.Get("start")), ToTimestamp(c.Get("end")), GetString(c, "title")});
    }
  }
  if (o.Get("hardware").IsObject()) {
    Napi::Object hw = o.Get("hardware").As<Napi::Object>();
    p.hw_type = GetString(hw, "type");
    p.hw_device = GetString(hw, "device");
    p.hw_options = Dict(ToDictionary(hw.Get("options")));
  }
  p.strict = GetBool(o, "strict", false);
  p.tap_batch = static_cast<int>(GetInt(o, "tapBatch", 8));
  p.queue_size = static_cast<int>(GetInt(o, "queueSize", 8));
  return p;
}

// ---- frame taps: a batch goes to JS through a threadsafe function; the stage waits for
// JS to call done() (backpressure), or for the run to halt.

struct TapCall {
  int stream = 0;
  std::vector<FramePtr> frames;  // owned here, so a call abandoned by a halted run stays valid
  std::mutex m;
  std::condition_variable cv;
  bool done = false, failed = false, abandoned = false;
};

void CallTap(napi_env raw_env, napi_value fn, void*, void* data) {
  std::unique_ptr<std::shared_ptr<TapCall>> holder(static_cast<std::shared_ptr<TapCall>*>(data));
  std::shared_ptr<TapCall> call = *holder;
  auto finish = [call](bool failed) {
    std::lock_guard<std::mutex> lock(call->m);
    call->done = true;
    call->failed = failed;
    call->cv.notify_all();
  };
  if (!raw_env) return finish(true);  // the environment is going away
  Napi::Env env(raw_env);
  Napi::HandleScope scope(env);
  std::vector<FramePtr> refs;
  {
    std::lock_guard<std::mutex> lock(call->m);
    if (call->abandoned) return;
    for (auto& f : call->frames) refs.push_back(RefFrame(f.get()));  // JS gets its own references
  }
  // done(error?): JS keeps the error itself, and rethrows it when the run fails with ERR_TAP.
  Napi::Function done = Napi::Function::New(env, [finish](const Napi::CallbackInfo& info) {
    finish(info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull());
  });
  try {
    Napi::Function(env, fn).Call({Napi::Number::New(env, call->stream), Frame::WrapAll(env, refs), done});
  } catch (const Napi::Error&) {
    finish(true);
  }
}

struct RunResult {
  PipelineResult result;
};

}  // namespace

void PipelineState::Release() {
  control.Abort();
  {
    std::unique_lock<std::mutex> lock(m);
    idle.wait(lock, [&] { return !running; });
  }
  for (auto& in : inputs) {
    avformat_close_input(&in.fmt);
    FreeIo(&in.io);
  }
  inputs.clear();
}

Napi::Function Pipeline::Init(Napi::Env env) {
  return DefineClass(env, "Pipeline",
                     {
                         Method<&Pipeline::Open>("open"),
                         Method<&Pipeline::RunPlan>("run"),
                         Method<&Pipeline::Stats>("stats"),
                         Method<&Pipeline::Cancel>("cancel"),
                         Method<&Pipeline::Close>("close"),
                         InstanceAccessor("closed", &Pipeline::IsClosed, nullptr),
                     });
}

Pipeline::Pipeline(const Napi::CallbackInfo& info) : AsyncWrapped<Pipeline, PipelineState>(info) { Tag(info); }

// open([{ target: url | IoBridge, format?, options?, name? }]) -> [input description]
Napi::Value Pipeline::Open(const Napi::CallbackInfo& info) {
  struct Spec {
    std::string url, format;
    std::shared_ptr<IoChannel> channel;
    Dict options;
  };
  std::vector<Spec> specs;
  Napi::Array list = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Object o = list.Get(i).As<Napi::Object>();
    IoTarget target = ReadIoTarget(o.Get("target"), o);
    specs.push_back({target.url, GetString(o, "format"), target.channel, Dict(ToDictionary(o.Get("options")))});
  }
  auto shared = std::make_shared<std::vector<Spec>>(std::move(specs));
  return Run(
      info, "open",
      [shared](PipelineState& s) {
        if (!s.inputs.empty()) throw AvException("EINVAL", "The pipeline is already open", "open");
        Tree t = Tree::Array();
        for (Spec& spec : *shared) {
          PipelineInput in;
          in.url = spec.url;
          s.inputs.push_back(in);
          PipelineInput& slot = s.inputs.back();
          slot.fmt = OpenInput(spec.url, spec.channel, spec.format, spec.options, {Interrupted, &s}, &slot.io,
                               &s.control.halted);
          t.Push(DescribeInput(slot.fmt, false));
        }
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// run(plan, tap?) -> { bytes, duration, stopped, collected? }. The run has a thread of its
// own (and one per stage): it lasts as long as the media, so it must not hold a pool thread.
Napi::Value Pipeline::RunPlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("run");
  auto plan = std::make_shared<PipelinePlan>(ReadPlan(info[0].As<Napi::Object>()));
  napi_threadsafe_function tsfn = nullptr;
  if (info[1].IsFunction()) {
    napi_value name = Napi::String::New(env, "avforge:tap");
    if (napi_create_threadsafe_function(env, info[1], nullptr, name, 0, 1, nullptr, nullptr, nullptr, CallTap,
                                        &tsfn) != napi_ok)
      throw AvException("EINVAL", "Cannot create the tap callback", "run");
  }
  {
    std::lock_guard<std::mutex> lock(state_->m);
    if (state_->used) {
      if (tsfn) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
      throw AvException("EINVAL", "A pipeline runs once", "run");
    }
    if (state_->inputs.empty()) {
      if (tsfn) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
      throw AvException("EINVAL", "The pipeline has no inputs (open() first)", "run");
    }
    state_->used = true;
    state_->running = true;
  }
  state_->stats.Reset(plan->streams.size());
  return Schedule(
      env, info.This(), nullptr,
      [s = state_, plan, tsfn]() {
        struct Idle {  // however the run ends, close() may go on
          PipelineState* s;
          napi_threadsafe_function tsfn;
          ~Idle() {
            if (tsfn) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
            std::lock_guard<std::mutex> lock(s->m);
            s->running = false;
            s->idle.notify_all();
          }
        } idle{s.get(), tsfn};
        if (s->closed) ThrowClosed("Pipeline", "run");
        TapHook hook;
        if (tsfn) {
          hook = [s, tsfn](int stream, std::vector<FramePtr>& frames) {
            auto call = std::make_shared<TapCall>();
            call->stream = stream;
            call->frames = std::move(frames);
            auto* data = new std::shared_ptr<TapCall>(call);
            if (napi_call_threadsafe_function(tsfn, data, napi_tsfn_blocking) != napi_ok) {
              delete data;
              return false;
            }
            std::unique_lock<std::mutex> lock(call->m);
            while (!call->done && !s->control.halted) call->cv.wait_for(lock, std::chrono::milliseconds(50));
            if (!call->done) {
              call->abandoned = true;
              return false;
            }
            frames = std::move(call->frames);
            return !call->failed;
          };
        }
        RunResult r;
        r.result = RunPipeline(s->inputs, *plan, s->stats, s->control, hook);
        return r;
      },
      [](Napi::Env env, RunResult& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("bytes", static_cast<double>(r.result.bytes));
        o.Set("duration", FromTimestamp(env, r.result.duration));
        o.Set("stopped", r.result.stopped);
        Napi::Array collected = Napi::Array::New(env, r.result.collected.size());
        for (size_t i = 0; i < r.result.collected.size(); i++) {
          auto& list = r.result.collected[i];
          Napi::Array a = Napi::Array::New(env, list.size());
          for (size_t k = 0; k < list.size(); k++) {
            AVPacket* p = list[k].packet.get();
            Napi::Object item = Napi::Object::New(env);
            item.Set("data", Napi::Buffer<uint8_t>::Copy(env, p->data, p->size));
            item.Set("time", p->pts == AV_NOPTS_VALUE ? env.Null() : Napi::Number::New(env, p->pts * av_q2d(list[k].time_base)));
            a.Set(k, item);
          }
          collected.Set(i, a);
        }
        o.Set("collected", collected);
        Napi::Array hardware = Napi::Array::New(env, r.result.hardware.size());
        for (size_t i = 0; i < r.result.hardware.size(); i++) {
          const HardwareUse& u = r.result.hardware[i];
          Napi::Object h = Napi::Object::New(env);
          h.Set("stage", u.stage);
          h.Set("stream", u.stream);
          h.Set("requested", u.requested);
          h.Set("used", u.used);
          if (!u.reason.empty()) h.Set("reason", u.reason);
          hardware.Set(i, h);
        }
        o.Set("hardware", hardware);
        return o;
      });
}

// stats() -> the counters now (cheap: atomics; JS polls it for progress).
Napi::Value Pipeline::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PipelineStats& st = state_->stats;
  Napi::Object o = Napi::Object::New(env);
  o.Set("packetsRead", static_cast<double>(st.packets_read.load()));
  o.Set("framesDecoded", static_cast<double>(st.frames_decoded.load()));
  o.Set("bytes", static_cast<double>(st.bytes.load()));
  o.Set("outTime", FromTimestamp(env, st.Position()));
  o.Set("damaged", static_cast<double>(st.damaged.load()));
  Napi::Array frames = Napi::Array::New(env, st.streams);
  for (size_t i = 0; i < st.streams; i++) frames.Set(i, static_cast<double>(st.frames[i].load()));
  o.Set("frames", frames);
  return o;
}

// cancel('graceful' | 'abort')
Napi::Value Pipeline::Cancel(const Napi::CallbackInfo& info) {
  std::string mode = info[0].IsString() ? info[0].ToString().Utf8Value() : "abort";
  if (mode == "graceful")
    state_->control.Stop();
  else
    state_->control.Abort();
  return info.Env().Undefined();
}

}  // namespace avf
