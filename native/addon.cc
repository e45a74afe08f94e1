// The module: registers one class per FFmpeg concept, the error class, the log, versions.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bsf.h"
#include "codec_parameters.h"
#include "common/compat.h"
#include "common/instance.h"
#include "common/log.h"
#include "common/process_exit.h"
#include "common/process_limits.h"
#include "decoder.h"
#include "demuxer.h"
#include "encoder.h"
#include "filter_graph.h"
#include "frame.h"
#include "hw.h"
#include "io.h"
#include "listings.h"
#include "muxer.h"
#include "option_listing.h"
#include "packet.h"
#include "pipeline/pipeline.h"
#include "resampler.h"
#include "scaler.h"

namespace avf {

Instance& GetInstance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

namespace {

Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("ffmpeg", av_version_info());
  auto lib = [&](const char* name, unsigned v) {
    o.Set(name, std::to_string(AV_VERSION_MAJOR(v)) + "." + std::to_string(AV_VERSION_MINOR(v)) + "." +
                    std::to_string(AV_VERSION_MICRO(v)));
  };
  lib("libavutil", avutil_version());
  lib("libavcodec", avcodec_version());
  lib("libavformat", avformat_version());
  o.Set("builtAgainst", LIBAVFORMAT_IDENT);
  return o;
}

// Whether this build of FFmpeg has a codec, for tests and friendly errors.
Napi::Value HasCodec(const Napi::CallbackInfo& info) {
  std::string name = ToText(info[0], "name");
  bool encoder = info[1].ToBoolean();
  const AVCodec* c = encoder ? avcodec_find_encoder_by_name(name.c_str()) : avcodec_find_decoder_by_name(name.c_str());
  return Napi::Boolean::New(info.Env(), c != nullptr);
}

void SetErrorClassJs(const Napi::CallbackInfo& info) { SetErrorClass(info.Env(), info[0].As<Napi::Function>()); }

// nativeHeap(trim): what the C allocator holds for the whole process (libav's, avforge's, Node's),
// for leak tests: bytes in use and bytes kept free. With trim, free memory goes back to the system
// first (malloc_trim), so RSS then counts what is in use. null where the C library is not glibc.
Napi::Value NativeHeap(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  if (info[0].ToBoolean()) malloc_trim(0);
  struct mallinfo2 m = mallinfo2();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("inUse", static_cast<double>(m.uordblks + m.hblkhd));
  o.Set("free", static_cast<double>(m.fordblks));
  return o;
#else
  return info.Env().Null();
#endif
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  GuardProcessExit();
  auto* inst = new Instance();
  env.SetInstanceData<Instance>(inst);
  inst->completions = std::make_shared<Completions>(env);
  napi_add_env_cleanup_hook(
      env, [](void* arg) { static_cast<Completions*>(arg)->Shutdown(); }, inst->completions.get());

  Napi::Function packet = Packet::Init(env);
  Napi::Function frame = Frame::Init(env);
  Napi::Function params = CodecParameters::Init(env);
  inst->packetClass = Napi::Persistent(packet);
  inst->packetListClass = Napi::Persistent(PacketList::Init(env));
  inst->frameClass = Napi::Persistent(frame);
  inst->frameListClass = Napi::Persistent(FrameList::Init(env));
  inst->codecParametersClass = Napi::Persistent(params);
  exports.Set("Packet", packet);
  exports.Set("Frame", frame);
  exports.Set("CodecParameters", params);
  exports.Set("Demuxer", Demuxer::Init(env));
  exports.Set("IoBridge", IoBridge::Init(env));
  exports.Set("Muxer", Muxer::Init(env));
  exports.Set("Decoder", Decoder::Init(env));
  exports.Set("Encoder", Encoder::Init(env));
  exports.Set("Scaler", Scaler::Init(env));
  exports.Set("Resampler", Resampler::Init(env));
  exports.Set("FilterGraph", FilterGraph::Init(env));
  exports.Set("BitstreamFilter", BitstreamFilter::Init(env));
  exports.Set("Pipeline", Pipeline::Init(env));
  exports.Set("HwDevice", HwDevice::Init(env));
  exports.Set("describeFilterGraph", Napi::Function::New(env, DescribeFilterGraph));
  exports.Set("hwDeviceTypes", Napi::Function::New(env, HwDeviceTypes));
  exports.Set("hwDecodeFormat", Napi::Function::New(env, HwDecodeFormatJs));
  exports.Set("versions", Napi::Function::New(env, Versions));
  exports.Set("hasCodec", Napi::Function::New(env, HasCodec));
  // What the ffprobe of these libraries prints beyond 5.1's (toFFprobeJson follows it).
  Napi::Object ffprobe = Napi::Object::New(env);
  ffprobe.Set("streamGroups", static_cast<bool>(AVF_FFPROBE_7_KEYS));
  ffprobe.Set("initialPadding", static_cast<bool>(AVF_FFPROBE_7_KEYS));
  ffprobe.Set("demuxerOptions", static_cast<bool>(AVF_FFPROBE_7_KEYS));
  ffprobe.Set("refs", !AVF_FFPROBE_9_KEYS);
  ffprobe.Set("mimeCodecString", static_cast<bool>(AVF_FFPROBE_9_KEYS));
  exports.Set("ffprobeKeys", ffprobe);
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClassJs));
  exports.Set("nativeHeap", Napi::Function::New(env, NativeHeap));
  InitLog(env, exports);
  InitProcessLimits(env, exports);
  InitListings(env, exports);
  InitOptionListing(env, exports);
  return exports;
}

}  // namespace avf

static Napi::Object InitAvforge(Napi::Env env, Napi::Object exports) { return avf::Init(env, exports); }
NODE_API_MODULE(avforge, InitAvforge)
