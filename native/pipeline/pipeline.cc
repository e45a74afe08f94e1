#include "pipeline/pipeline.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "demuxer.h"
#include "io.h"
#include "pipeline/plan.h"
#include "pipeline/taps.h"
#include "steps/input.h"

namespace avf {

const napi_type_tag Pipeline::kTag = {0x6176666f72676501ULL, 0x7069706500000001ULL};

namespace {

int Interrupted(void* opaque) {
  auto* s = static_cast<PipelineState*>(opaque);
  return s->closed.load() || s->control.halted.load() ? 1 : 0;
}

struct RunResult {
  PipelineResult result;
};

Napi::Array CollectedToJs(Napi::Env env, const std::vector<std::vector<CollectedPacket>>& collected) {
  Napi::Array out = Napi::Array::New(env, collected.size());
  for (size_t i = 0; i < collected.size(); i++) {
    auto& list = collected[i];
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t k = 0; k < list.size(); k++) {
      AVPacket* p = list[k].packet.get();
      Napi::Object item = Napi::Object::New(env);
      item.Set("data", Napi::Buffer<uint8_t>::Copy(env, p->data, p->size));
      item.Set("time",
               p->pts == AV_NOPTS_VALUE ? env.Null() : Napi::Number::New(env, p->pts * av_q2d(list[k].time_base)));
      a.Set(k, item);
    }
    out.Set(i, a);
  }
  return out;
}

Napi::Array HardwareToJs(Napi::Env env, const std::vector<HardwareUse>& uses) {
  Napi::Array out = Napi::Array::New(env, uses.size());
  for (size_t i = 0; i < uses.size(); i++) {
    const HardwareUse& u = uses[i];
    Napi::Object h = Napi::Object::New(env);
    h.Set("stage", u.stage);
    h.Set("stream", u.stream);
    h.Set("requested", u.requested);
    h.Set("used", u.used);
    if (!u.reason.empty()) h.Set("reason", u.reason);
    out.Set(i, h);
  }
  return out;
}

Napi::Object FiltersToJs(Napi::Env env, const pipeline::FilterReport& r) {
  Napi::Array frames = Napi::Array::New(env, r.frames.size());
  for (size_t i = 0; i < r.frames.size(); i++) {
    const pipeline::FrameMetadata& m = r.frames[i];
    Napi::Object values = Napi::Object::New(env);
    for (auto& [key, value] : m.values) values.Set(key, value);
    Napi::Object f = Napi::Object::New(env);
    f.Set("stream", m.stream);
    f.Set("time", m.time < 0 ? env.Null() : Napi::Number::New(env, m.time));
    f.Set("values", values);
    frames.Set(i, f);
  }
  Napi::Array logs = Napi::Array::New(env, r.logs.size());
  for (size_t i = 0; i < r.logs.size(); i++) {
    Napi::Object l = Napi::Object::New(env);
    l.Set("filter", r.logs[i].filter);
    l.Set("instance", r.logs[i].instance);
    l.Set("text", r.logs[i].text);
    logs.Set(i, l);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("frames", frames);
  o.Set("logs", logs);
  o.Set("truncated", r.truncated);
  return o;
}

Napi::Object SizesToJs(Napi::Env env, const PayloadSizes& s) {
  Napi::Object sizes = Napi::Object::New(env);
  sizes.Set("video", static_cast<double>(s.video));
  sizes.Set("audio", static_cast<double>(s.audio));
  sizes.Set("subtitle", static_cast<double>(s.subtitle));
  sizes.Set("other", static_cast<double>(s.other));
  sizes.Set("globalHeaders", static_cast<double>(s.global_headers));
  sizes.Set("overhead", static_cast<double>(s.overhead));
  return sizes;
}

Napi::Value ResultToJs(Napi::Env env, const PipelineResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytes", static_cast<double>(r.bytes));
  o.Set("duration", FromTimestamp(env, r.duration));
  o.Set("stopped", r.stopped);
  o.Set("sizes", SizesToJs(env, r.sizes));
  Napi::Array outputs = Napi::Array::New(env, r.outputs.size());
  for (size_t i = 0; i < r.outputs.size(); i++) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("bytes", static_cast<double>(r.outputs[i].bytes));
    out.Set("duration", FromTimestamp(env, r.outputs[i].duration));
    out.Set("sizes", SizesToJs(env, r.outputs[i].sizes));
    outputs.Set(i, out);
  }
  o.Set("outputs", outputs);
  Napi::Object busy = Napi::Object::New(env);
  for (auto& [stage, seconds] : r.busy) busy.Set(stage, seconds);
  o.Set("busy", busy);
  o.Set("collected", CollectedToJs(env, r.collected));
  o.Set("hardware", HardwareToJs(env, r.hardware));
  o.Set("filters", FiltersToJs(env, r.filters));
  return o;
}

}  // namespace

void PipelineState::Release() {
  control.Abort();
  {
    std::unique_lock<std::mutex> lock(m);
    idle.wait(lock, [&] { return !running; });
  }
  for (auto& in : inputs) CloseInput(&in.fmt, &in.io);
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

// open([{ target: url | IoBridge, format?, options?, name?, trusted? }]) -> [input description]
Napi::Value Pipeline::Open(const Napi::CallbackInfo& info) {
  struct Spec {
    std::string url, format;
    std::shared_ptr<IoChannel> channel;
    Dict options;
    bool trusted;
  };
  std::vector<Spec> specs;
  Napi::Array list = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Object o = list.Get(i).As<Napi::Object>();
    IoTarget target = ReadIoTarget(o.Get("target"), o);
    specs.push_back({target.url, GetString(o, "format"), target.channel, Dict(ToDictionary(o.Get("options"))),
                     GetBool(o, "trusted", false)});
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
          in.channel = spec.channel;
          s.inputs.push_back(in);
          PipelineInput& slot = s.inputs.back();
          slot.fmt = OpenInput(spec.url, spec.channel, spec.format, spec.options, {Interrupted, &s}, &slot.io,
                               &s.control.halted, spec.trusted);
          t.Push(DescribeInput(slot.fmt, false));
        }
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// run(plan, tap?) -> { bytes, duration, stopped, sizes, collected, hardware }. The run has a thread
// of its own (and one per stage): it lasts as long as the media, so it must not hold a pool
// thread.
Napi::Value Pipeline::RunPlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen("run");
  auto plan = std::make_shared<PipelinePlan>(ReadPlan(info[0]));
  std::shared_ptr<TapFunction> tap = TapFunction::Create(env, info[1]);
  {
    std::lock_guard<std::mutex> lock(state_->m);
    const char* refused = state_->used             ? "A pipeline runs once"
                          : state_->inputs.empty() ? "The pipeline has no inputs (open() first)"
                                                   : nullptr;
    if (refused) {
      if (tap) tap->Release();
      throw AvException("EINVAL", refused, "run");
    }
    state_->used = true;
    state_->running = true;
  }
  state_->stats.Reset(plan->streams.size());
  return Schedule(
      env, info.This(), nullptr,
      [s = state_, plan, tap]() {
        struct Idle {  // however the run ends, close() may go on
          PipelineState* s;
          TapFunction* tap;
          ~Idle() {
            if (tap) tap->Release();
            std::lock_guard<std::mutex> lock(s->m);
            s->running = false;
            s->idle.notify_all();
          }
        } idle{s.get(), tap.get()};
        if (s->closed) ThrowClosed("Pipeline", "run");
        RunResult r;
        r.result = RunPipeline(s->inputs, *plan, s->stats, s->control, MakeTapHook(tap, s->control.halted));
        return r;
      },
      [](Napi::Env env, RunResult& r) { return ResultToJs(env, r.result); });
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
  o.Set("dupFrames", static_cast<double>(st.dup_frames.load()));
  o.Set("dropFrames", static_cast<double>(st.drop_frames.load()));
  Napi::Array frames = Napi::Array::New(env, st.streams);
  for (size_t i = 0; i < st.streams; i++) frames.Set(i, static_cast<double>(st.frames[i].load()));
  o.Set("frames", frames);
  return o;
}

// cancel('graceful' | 'abort')
Napi::Value Pipeline::Cancel(const Napi::CallbackInfo& info) {
  std::string mode = info[0].IsString() ? info[0].ToString().Utf8Value() : "abort";
  if (mode == "graceful")
    state_->control.Stop(state_->stats.Position());  // where the progress had come
  else
    state_->control.Abort();
  return info.Env().Undefined();
}

}  // namespace avf
