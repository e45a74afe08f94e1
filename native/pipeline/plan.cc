// Reads the plan that src/pipeline/plan.ts writes into the structs of plan.h.
#include "pipeline/plan.h"

#include "io.h"

namespace avf {

PipelinePlan ReadPlan(Napi::Value value) {
  Napi::Object o = value.As<Napi::Object>();
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

}  // namespace avf
