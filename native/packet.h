// AVPacket: https://ffmpeg.org/doxygen/trunk/structAVPacket.html
// Lives on the JS thread only; work queued elsewhere takes its own reference first.
#pragma once
#include "owned.h"
#include "wrap.h"

namespace avf {

class Packet : public Wrapped<Packet> {
 public:
  static constexpr const char* kName = "Packet";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  // Hands `pkt` over to a new JS Packet.
  static Napi::Object Wrap(Napi::Env env, PacketPtr pkt);

  explicit Packet(const Napi::CallbackInfo& info);
  AVPacket* get(const char* op);  // throws ERR_CLOSED after close()

 private:
  Napi::Value GetPts(const Napi::CallbackInfo& info);
  void SetPts(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value GetDts(const Napi::CallbackInfo& info);
  void SetDts(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value GetDuration(const Napi::CallbackInfo& info);
  void SetDuration(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value GetStreamIndex(const Napi::CallbackInfo& info);
  void SetStreamIndex(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value GetFlags(const Napi::CallbackInfo& info);
  void SetFlags(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value GetTimeBase(const Napi::CallbackInfo& info);
  void SetTimeBase(const Napi::CallbackInfo& info, const Napi::Value& v);
  Napi::Value GetSize(const Napi::CallbackInfo& info);
  Napi::Value GetPos(const Napi::CallbackInfo& info);
  Napi::Value GetData(const Napi::CallbackInfo& info);
  Napi::Value SetData(const Napi::CallbackInfo& info);
  Napi::Value Clone(const Napi::CallbackInfo& info);
  Napi::Value Rescale(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  PacketPtr pkt_;
};

}  // namespace avf
