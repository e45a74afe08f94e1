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
// Their fields cross once, in one Float64Array (kPacketFields doubles per packet, see
// PacketField); JS makes a Packet object only when one is asked for, and that object reads
// its fields there and reaches its AVPacket by (list, index): take(i) hands slot i over to a
// Packet of its own, dataAt(i) views its payload, and a native consumer (Muxer, Decoder)
// takes a reference from the slot (RefAt). Fields JS changed in the array are applied to
// the AVPacket whenever it leaves the slot.
enum PacketField { kPts, kDts, kDuration, kStreamIndex, kFlags, kSize, kPos, kTimeBaseNum, kTimeBaseDen };
constexpr int kPacketFields = 9;

class PacketList : public Wrapped<PacketList> {
 public:
  static constexpr const char* kName = "PacketList";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, std::vector<PacketPtr> packets, PacketRecycler recycle = nullptr);
  explicit PacketList(const Napi::CallbackInfo& info);
  ~PacketList() override;
  // Moves out the remaining packets (from skip()'s index) of one stream (-1: all), for work
  // queued elsewhere.
  std::vector<PacketPtr> Extract(int stream);
  // A new reference to slot `index`, with the fields JS set; throws ERR_CLOSED for an empty slot.
  PacketPtr RefAt(uint32_t index, const char* op);

 private:
  Napi::Value Take(const Napi::CallbackInfo& info);
  Napi::Value DataAt(const Napi::CallbackInfo& info);
  Napi::Value Skip(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Fields(const Napi::CallbackInfo& info);
  Napi::Value Remaining(const Napi::CallbackInfo& info);
  AVPacket* Slot(uint32_t index, const char* op);
  void ApplyFields(size_t index, AVPacket* pkt);
  void Recycle();
  std::vector<PacketPtr> packets_;
  size_t next_ = 0;
  PacketRecycler recycle_;
  Napi::Reference<Napi::Float64Array> fields_;
  const double* fields_data_ = nullptr;  // fields_'s elements, kPacketFields per packet
};

// The packets a consumer was given: each entry a Packet, or a PacketList with the index of
// the slot in `indices` (-1 for a Packet); each becomes a new reference, taken here.
std::vector<PacketPtr> RefPackets(Napi::Array entries, Napi::Value indices, const char* op);

}  // namespace avf
