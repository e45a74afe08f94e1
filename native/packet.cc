#include "packet.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "common/executor.h"
#include "common/instance.h"
#include "common/options.h"
#include "common/views.h"

namespace avf {

const napi_type_tag Packet::kTag = {0x6176666f72676501ULL, 0x7061636b65740001ULL};
const napi_type_tag PacketList::kTag = {0x6176666f72676501ULL, 0x706b746c69737401ULL};

PacketPtr RefPacket(const AVPacket* src) {
  PacketPtr p(av_packet_alloc());
  if (!p) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
  Check(av_packet_ref(p.get(), src), "av_packet_ref");
  return p;
}

Napi::Function Packet::Init(Napi::Env env) {
  return DefineClass(env, "Packet",
                     {
                         Property<&Packet::GetPts, &Packet::SetPts>("pts"),
                         Property<&Packet::GetDts, &Packet::SetDts>("dts"),
                         Property<&Packet::GetDuration, &Packet::SetDuration>("duration"),
                         Property<&Packet::GetStreamIndex, &Packet::SetStreamIndex>("streamIndex"),
                         Property<&Packet::GetFlags, &Packet::SetFlags>("flags"),
                         Property<&Packet::GetTimeBase, &Packet::SetTimeBase>("timeBase"),
                         Property<&Packet::GetSize>("size"),
                         Property<&Packet::GetPos>("pos"),
                         Property<&Packet::GetData>("data"),
                         Property<&Packet::IsClosed>("closed"),
                         Method<&Packet::SetData>("setData"),
                         Method<&Packet::GetSideData>("sideData"),
                         Method<&Packet::Clone>("clone"),
                         Method<&Packet::Rescale>("rescale"),
                         Method<&Packet::Close>("close"),
                     });
}

Napi::Object Packet::Wrap(Napi::Env env, PacketPtr pkt) {
  Napi::Object obj = GetInstance(env).packetClass.New({Napi::External<AVPacket>::New(env, pkt.get())});
  pkt.release();  // now owned by the wrapper
  return obj;
}

Napi::Array Packet::WrapAll(Napi::Env env, std::vector<PacketPtr>& packets) {
  Napi::Array out = Napi::Array::New(env, packets.size());
  for (size_t i = 0; i < packets.size(); i++) out.Set(i, Wrap(env, std::move(packets[i])));
  return out;
}

Packet::Packet(const Napi::CallbackInfo& info) : Wrapped<Packet>(info) {
  Tag(info);
  if (info.Length() > 0 && info[0].IsExternal())
    pkt_.reset(info[0].As<Napi::External<AVPacket>>().Data());
  else
    pkt_.reset(av_packet_alloc());
  if (!pkt_) throw AvException(AVERROR(ENOMEM), "av_packet_alloc").ToJs(info.Env());
}

AVPacket* Packet::get(const char* op) {
  if (!pkt_) ThrowClosed("Packet", op);
  return pkt_.get();
}

Napi::Value Packet::GetPts(const Napi::CallbackInfo& info) { return FromTimestamp(info.Env(), get("pts")->pts); }
void Packet::SetPts(const Napi::CallbackInfo&, const Napi::Value& v) { get("pts")->pts = ToTimestamp(v); }
Napi::Value Packet::GetDts(const Napi::CallbackInfo& info) { return FromTimestamp(info.Env(), get("dts")->dts); }
void Packet::SetDts(const Napi::CallbackInfo&, const Napi::Value& v) { get("dts")->dts = ToTimestamp(v); }
Napi::Value Packet::GetDuration(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(get("duration")->duration));
}
void Packet::SetDuration(const Napi::CallbackInfo&, const Napi::Value& v) {
  get("duration")->duration = v.ToNumber().Int64Value();
}
Napi::Value Packet::GetStreamIndex(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), get("streamIndex")->stream_index);
}
void Packet::SetStreamIndex(const Napi::CallbackInfo&, const Napi::Value& v) {
  get("streamIndex")->stream_index = v.ToNumber().Int32Value();
}
Napi::Value Packet::GetFlags(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), get("flags")->flags);
}
void Packet::SetFlags(const Napi::CallbackInfo&, const Napi::Value& v) {
  get("flags")->flags = v.ToNumber().Int32Value();
}
Napi::Value Packet::GetTimeBase(const Napi::CallbackInfo& info) {
  return FromRational(info.Env(), get("timeBase")->time_base);
}
void Packet::SetTimeBase(const Napi::CallbackInfo&, const Napi::Value& v) {
  get("timeBase")->time_base = ToRational(v);
}
Napi::Value Packet::GetSize(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), get("size")->size); }
Napi::Value Packet::GetPos(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(get("pos")->pos));
}
Napi::Value Packet::IsClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !pkt_); }

Napi::Value Packet::GetData(const Napi::CallbackInfo& info) {
  AVPacket* pkt = get("data");
  if (!pkt->data || pkt->size <= 0) return Napi::Uint8Array::New(info.Env(), 0);
  if (!pkt->buf) Check(av_packet_make_refcounted(pkt), "av_packet_make_refcounted");
  Napi::ArrayBuffer owner = WrapBuffer(info.Env(), pkt->buf);
  return ViewInto(info.Env(), owner, pkt->buf, pkt->data, pkt->size);
}

// Replaces the payload with a copy of the given bytes (the JS memory stays JS's).
Napi::Value Packet::SetData(const Napi::CallbackInfo& info) {
  AVPacket* pkt = get("setData");
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  AVBufferRef* buf = av_buffer_alloc(src.ByteLength() + AV_INPUT_BUFFER_PADDING_SIZE);
  if (!buf) throw AvException(AVERROR(ENOMEM), "setData");
  memcpy(buf->data, src.Data(), src.ByteLength());
  memset(buf->data + src.ByteLength(), 0, AV_INPUT_BUFFER_PADDING_SIZE);
  av_buffer_unref(&pkt->buf);
  pkt->buf = buf;
  pkt->data = buf->data;
  pkt->size = static_cast<int>(src.ByteLength());
  return info.This();
}

// sideData(name) -> a copy of the side data libav names `name` (av_packet_side_data_name:
// "Matroska BlockAdditional"), or null when the packet has none.
Napi::Value Packet::GetSideData(const Napi::CallbackInfo& info) {
  AVPacket* pkt = get("sideData");
  std::string name = ToText(info[0], "a side data name");
  for (int i = 0; i < pkt->side_data_elems; i++) {
    const AVPacketSideData& sd = pkt->side_data[i];
    const char* n = av_packet_side_data_name(sd.type);
    if (n && name == n) {
      Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), sd.size);
      if (sd.size > 0) memcpy(out.Data(), sd.data, sd.size);
      return out;
    }
  }
  return info.Env().Null();
}

Napi::Value Packet::Clone(const Napi::CallbackInfo& info) { return Wrap(info.Env(), RefPacket(get("clone"))); }

Napi::Value Packet::Rescale(const Napi::CallbackInfo& info) {
  AVPacket* pkt = get("rescale");
  AVRational to = ToRational(info[0]);
  if (pkt->time_base.num > 0 && to.num > 0) av_packet_rescale_ts(pkt, pkt->time_base, to);
  pkt->time_base = to;
  return info.This();
}

Napi::Value Packet::Close(const Napi::CallbackInfo& info) {
  pkt_.reset();
  return info.Env().Undefined();
}

Napi::Function PacketList::Init(Napi::Env env) {
  return DefineClass(env, "PacketList",
                     {
                         Method<&PacketList::Take>("take"),
                         Method<&PacketList::DataAt>("dataAt"),
                         Method<&PacketList::Skip>("skip"),
                         Method<&PacketList::Close>("close"),
                         Property<&PacketList::Fields>("fields"),
                         Property<&PacketList::Remaining>("remaining"),
                     });
}

namespace {
double TimestampField(int64_t ts) { return ts == AV_NOPTS_VALUE ? NAN : static_cast<double>(ts); }
int64_t FieldTimestamp(double v) { return std::isnan(v) ? AV_NOPTS_VALUE : static_cast<int64_t>(v); }
}  // namespace

Napi::Object PacketList::Wrap(Napi::Env env, std::vector<PacketPtr> packets, PacketRecycler recycle) {
  Napi::Object obj = GetInstance(env).packetListClass.New({});
  PacketList* list = PacketList::Unwrap(obj);
  Napi::Float64Array fields = Napi::Float64Array::New(env, packets.size() * kPacketFields);
  double* f = fields.Data();
  for (const PacketPtr& p : packets) {
    f[kPts] = TimestampField(p->pts);
    f[kDts] = TimestampField(p->dts);
    f[kDuration] = static_cast<double>(p->duration);
    f[kStreamIndex] = p->stream_index;
    f[kFlags] = p->flags;
    f[kSize] = p->size;
    f[kPos] = static_cast<double>(p->pos);
    f[kTimeBaseNum] = p->time_base.num;
    f[kTimeBaseDen] = p->time_base.den;
    f += kPacketFields;
  }
  list->fields_ = Napi::Persistent(fields);
  list->fields_data_ = fields.Data();
  list->packets_ = std::move(packets);
  list->recycle_ = std::move(recycle);
  return obj;
}

PacketList::PacketList(const Napi::CallbackInfo& info) : Wrapped<PacketList>(info) { Tag(info); }

PacketList::~PacketList() { Recycle(); }

void PacketList::Recycle() {
  if (recycle_ && !packets_.empty()) recycle_(std::move(packets_));
  packets_.clear();
  next_ = 0;
}

// The fields array is only JS's and this list's (never handed to users, never detached), sized
// at Wrap: its data is read through the pointer taken there, with no N-API call per packet.
void PacketList::ApplyFields(size_t index, AVPacket* pkt) {
  if (!fields_data_ || index >= packets_.size()) return;
  const double* f = fields_data_ + index * kPacketFields;
  pkt->pts = FieldTimestamp(f[kPts]);
  pkt->dts = FieldTimestamp(f[kDts]);
  pkt->duration = static_cast<int64_t>(f[kDuration]);
  pkt->stream_index = static_cast<int>(f[kStreamIndex]);
  pkt->flags = static_cast<int>(f[kFlags]);
  pkt->time_base = {static_cast<int>(f[kTimeBaseNum]), static_cast<int>(f[kTimeBaseDen])};
}

AVPacket* PacketList::Slot(uint32_t index, const char* op) {
  if (index >= packets_.size() || !packets_[index]) ThrowClosed("Packet", op);
  return packets_[index].get();
}

PacketPtr PacketList::RefAt(uint32_t index, const char* op) {
  PacketPtr p = RefPacket(Slot(index, op));
  ApplyFields(index, p.get());
  return p;
}

std::vector<PacketPtr> PacketList::Extract(int stream) {
  std::vector<PacketPtr> out;
  for (size_t i = next_; i < packets_.size(); i++) {
    if (!packets_[i]) continue;
    ApplyFields(i, packets_[i].get());
    if (stream < 0 || packets_[i]->stream_index == stream) out.push_back(std::move(packets_[i]));
  }
  return out;
}

// take(index) -> the packet of slot `index` as a Packet of its own (the slot is emptied).
Napi::Value PacketList::Take(const Napi::CallbackInfo& info) {
  uint32_t index = info[0].ToNumber().Uint32Value();
  Slot(index, "take");
  ApplyFields(index, packets_[index].get());
  return Packet::Wrap(info.Env(), std::move(packets_[index]));
}

// dataAt(index) -> a view of slot `index`'s payload, holding its own reference (as Packet.data).
Napi::Value PacketList::DataAt(const Napi::CallbackInfo& info) {
  AVPacket* pkt = Slot(info[0].ToNumber().Uint32Value(), "data");
  if (!pkt->data || pkt->size <= 0) return Napi::Uint8Array::New(info.Env(), 0);
  if (!pkt->buf) Check(av_packet_make_refcounted(pkt), "av_packet_make_refcounted");
  Napi::ArrayBuffer owner = WrapBuffer(info.Env(), pkt->buf);
  return ViewInto(info.Env(), owner, pkt->buf, pkt->data, pkt->size);
}

// skip(index): Extract() starts there (JS read the slots before it).
Napi::Value PacketList::Skip(const Napi::CallbackInfo& info) {
  next_ = std::min<size_t>(info[0].ToNumber().Uint32Value(), packets_.size());
  return info.Env().Undefined();
}

Napi::Value PacketList::Fields(const Napi::CallbackInfo& info) {
  if (fields_.IsEmpty()) return Napi::Float64Array::New(info.Env(), 0);
  return fields_.Value();
}

Napi::Value PacketList::Remaining(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(packets_.size() - next_));
}

Napi::Value PacketList::Close(const Napi::CallbackInfo& info) {
  Recycle();
  return info.Env().Undefined();
}

std::vector<PacketPtr> RefPackets(Napi::Array entries, Napi::Value indices, const char* op) {
  std::vector<PacketPtr> refs;
  const uint32_t count = entries.Length();
  refs.reserve(count);
  Napi::Array at = indices.IsArray() ? indices.As<Napi::Array>() : Napi::Array();
  // Runs of packets from one batch are the rule: its list is checked and unwrapped once a run.
  Napi::Value last_entry;
  PacketList* last_list = nullptr;
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value entry = entries.Get(i);
    int64_t index = at.IsEmpty() ? -1 : at.Get(i).ToNumber().Int64Value();
    if (index >= 0) {
      if (!last_list || !entry.StrictEquals(last_entry)) {
        last_list = PacketList::From(entry);
        last_entry = entry;
      }
      refs.push_back(last_list->RefAt(static_cast<uint32_t>(index), op));
    } else {
      refs.push_back(RefPacket(Packet::From(entry)->get(op)));
    }
  }
  return refs;
}

}  // namespace avf
