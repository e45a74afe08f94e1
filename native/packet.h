// AVPacket: https://ffmpeg.org/doxygen/trunk/structAVPacket.html
// Lives on the JS thread only; work queued elsewhere takes its own reference first.
#pragma once
#include <functional>
#include <vector>

#include "common/owned.h"
#include "common/wrap.h"

namespace avf {

class Packet : public Wrapped<Packet> {
 public:
  static constexpr const char* kName = "Packet";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  // Hands `pkt` over to a new JS Packet.
  static Napi::Object Wrap(Napi::Env env, PacketPtr pkt);
  // Hands every packet over to a new JS Packet, in a JS array.
  static Napi::Array WrapAll(Napi::Env env, std::vector<PacketPtr>& packets);

  explicit Packet(const Napi::CallbackInfo& info);
  AVPacket* get(const char* op);  // throws ERR_CLOSED after close()
  // Swaps contents with `other` (a closed packet is reopened first).
  void Swap(AVPacket* other);

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
  Napi::Value GetSideData(const Napi::CallbackInfo& info);
  Napi::Value Clone(const Napi::CallbackInfo& info);
  Napi::Value Rescale(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  PacketPtr pkt_;
};

// Where a PacketList sends the packets it is done with: back to the thread that read them,
// which frees their payloads and reuses the AVPackets (malloc and free on one thread, not
// two contending for the allocator's locks).
using PacketRecycler = std::function<void(std::vector<PacketPtr>)>;

// The packets of one demuxer read: one JS object per batch instead of one per packet.
// take() hands the next one out as a new Packet; moveInto() moves it into an existing
// Packet, so a hot loop reuses one wrapper and pays no allocation per packet.
class PacketList : public Wrapped<PacketList> {
 public:
  static constexpr const char* kName = "PacketList";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, std::vector<PacketPtr> packets, PacketRecycler recycle = nullptr);
  explicit PacketList(const Napi::CallbackInfo& info);
  ~PacketList() override;
  // Moves out the remaining packets of one stream (-1: all), for work queued elsewhere.
  std::vector<PacketPtr> Extract(int stream);

 private:
  Napi::Value Take(const Napi::CallbackInfo& info);
  Napi::Value MoveInto(const Napi::CallbackInfo& info);
  Napi::Value Remaining(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void Recycle();
  std::vector<PacketPtr> packets_;
  size_t next_ = 0;
  PacketRecycler recycle_;
};

}  // namespace avf
