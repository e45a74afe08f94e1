// Reads the plan that src/pipeline/plan.ts writes (the contract: src/pipeline/native_plan.ts)
// into the structs of plan.h. Strict: a missing key, a key of the wrong type or an unknown
// key is an EINVAL naming its path; no key has a default here.
#include "pipeline/plan.h"

#include "io.h"

namespace avf {

namespace {

// Each item of the array `key`, as an object with its path.
template <class Read>
void ForEach(Fields& f, const char* key, Read read) {
  uint32_t n = f.ArrayLength(key);
  for (uint32_t i = 0; i < n; i++) {
    Fields item(f.Item(key, i), f.ItemPath(key, i));
    read(item);
    item.Finish();
  }
}

// The array `key` of timestamps (numbers; null too when `nullable`).
std::vector<int64_t> Timestamps(Fields& f, const char* key, bool nullable) {
  std::vector<int64_t> out;
  uint32_t n = f.ArrayLength(key);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = f.Item(key, i);
    if (!v.IsNumber() && !(nullable && v.IsNull()))
      throw AvException("EINVAL", f.ItemPath(key, i) + ": expected a number" + (nullable ? " or null" : ""), "run");
    out.push_back(v.IsNull() ? AV_NOPTS_VALUE : v.As<Napi::Number>().Int64Value());
  }
  return out;
}

DecodePlan ReadDecoder(Fields& d) {
  DecodePlan dp;
  dp.input = d.Int32("input");
  dp.stream = d.Int32("stream");
  dp.threads = d.Int32("threads");
  dp.keyframes_only = d.Bool("keyframesOnly");
  dp.hardware = d.Bool("hardware");
  dp.download = d.Bool("download");
  return dp;
}

GraphPlan ReadGraph(Fields& g) {
  GraphPlan gp;
  gp.description = g.String("description");
  gp.threads = g.Int32("threads");
  gp.hardware = g.Bool("hardware");
  ForEach(g, "sources", [&](Fields& s) { gp.sources.push_back({s.Int32("decoder"), s.String("label")}); });
  ForEach(g, "sinks", [&](Fields& s) {
    std::string label = s.String("label");
    std::string type = s.String("type");
    if (type != "video" && type != "audio") s.Fail("type", "expected 'video' or 'audio', got '" + type + "'");
    gp.sinks.push_back({label, type == "video"});
  });
  return gp;
}

StreamPlan ReadStream(Fields& s) {
  StreamPlan sp;
  sp.output = s.Int32("output");
  sp.copy = s.Bool("copy");
  sp.subtitle = s.Bool("subtitle");
  sp.input = s.Int32("input");
  sp.stream = s.Int32("stream");
  sp.bsf = s.String("bsf");
  sp.disposition = s.String("disposition");
  sp.tag = s.String("tag");
  if (sp.tag.size() > 4) s.Fail("tag", "expected a four-character code such as 'hvc1'");
  sp.graph = s.Int32("graph");
  sp.sink = s.Int32("sink");
  sp.codec = s.String("codec");
  sp.options = Dict(s.Dictionary("options"));
  sp.threads = s.Int32("threads");
  sp.bit_rate = s.Int("bitRate");
  sp.frame_rate = s.RationalOrNull("frameRate");
  sp.fps_mode = s.String("fpsMode");
  sp.own_durations = s.Bool("ownDurations");
  sp.display_matrix = s.Bool("displayMatrix");
  if (sp.fps_mode != "auto" && sp.fps_mode != "cfr" && sp.fps_mode != "vfr" && sp.fps_mode != "passthrough")
    s.Fail("fpsMode", "expected 'auto', 'cfr', 'vfr' or 'passthrough', got '" + sp.fps_mode + "'");
  sp.max_frames = s.IntOrNull("maxFrames", -1);
  sp.metadata = Dict(s.Dictionary("metadata"));
  sp.tap = s.Bool("tap");
  return sp;
}

// Where the output goes: a path or URL, an IoBridge (named by `name`), or nowhere when the
// packets are collected for JS.
void ReadTarget(Fields& out, OutputPlan& op) {
  op.collect = out.Bool("collect");
  Napi::Value target = out.Any("target");
  std::string name = out.String("name");
  if (op.collect) {
    if (!target.IsNull()) out.Fail("target", "expected null for a collected output");
    op.url = name.empty() ? "<memory>" : name;
  } else if (target.IsString()) {
    op.url = ToText(target, "output");
  } else if (target.IsObject()) {
    op.url = name.empty() ? "<stream>" : name;
    op.channel = IoBridge::From(target)->channel();
  } else {
    out.Fail("target", "expected a path or URL, or an IoBridge");
  }
}

void ReadOutput(Fields& out, OutputPlan& op) {
  ReadTarget(out, op);
  op.format = out.String("format");
  if (op.channel && op.format.empty())
    throw AvException("EINVAL", "A stream output needs a format", "pipeline", op.url);
  op.options = Dict(out.Dictionary("options"));
  op.metadata = Dict(out.Dictionary("metadata"));
  op.metadata_from = out.Int32("metadataFrom");
  op.chapters_from = out.Int32("chaptersFrom");
  op.shortest = out.Bool("shortest");
  ForEach(out, "chapters", [&](Fields& c) {
    op.chapters.push_back({c.Int("start"), c.Int("end"), c.String("title")});
  });
}

void ReadHardware(Fields& p, PipelinePlan& plan) {
  if (p.IsNull("hardware")) return;
  Fields hw = p.Object("hardware");
  plan.hw_type = hw.String("type");
  plan.hw_device = hw.String("device");
  plan.hw_options = Dict(hw.Dictionary("options"));
  hw.Finish();
}

}  // namespace

PipelinePlan ReadPlan(Napi::Value value) {
  Fields p(value, "plan");
  PipelinePlan plan;
  plan.start = Timestamps(p, "start", true);
  plan.duration = p.Timestamp("duration");
  plan.cut_output = p.Bool("cutOutput");
  plan.targets = Timestamps(p, "targets", false);
  ForEach(p, "decoders", [&](Fields& d) { plan.decoders.push_back(ReadDecoder(d)); });
  ForEach(p, "graphs", [&](Fields& g) { plan.graphs.push_back(ReadGraph(g)); });
  ForEach(p, "streams", [&](Fields& s) { plan.streams.push_back(ReadStream(s)); });
  ForEach(p, "outputs", [&](Fields& out) {
    plan.outputs.emplace_back();
    ReadOutput(out, plan.outputs.back());
  });
  if (plan.outputs.empty()) p.Fail("outputs", "expected at least one output");
  for (const StreamPlan& sp : plan.streams)
    if (sp.output < 0 || sp.output >= static_cast<int>(plan.outputs.size()))
      p.Fail("streams", "a stream names output " + std::to_string(sp.output) + ", there are " +
                            std::to_string(plan.outputs.size()));
  if (plan.outputs.size() > 1)
    for (const OutputPlan& op : plan.outputs)
      if (op.collect) p.Fail("outputs", "a collected output is the only output");
  plan.strict = p.Bool("strict");
  plan.tap_batch = p.Int32("tapBatch");
  ReadHardware(p, plan);
  p.Finish();
  return plan;
}

}  // namespace avf
