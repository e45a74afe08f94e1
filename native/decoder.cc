#include "decoder.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "codec_parameters.h"
#include "common/log.h"
#include "frame.h"
#include "hw.h"
#include "packet.h"
#include "steps/codec_context.h"
#include "subtitle.h"

namespace avf {

const napi_type_tag Decoder::kTag = {0x6176666f72676501ULL, 0x6465636f64650001ULL};

using Frames = std::vector<FramePtr>;

// A damaged packet or frame: skipped with a warning (as the CLI does), or thrown when strict.
void SkipDamaged(CodecState& s, int ret, const char* op) {
  if (s.strict) throw AvException(ret, op, s.name);
  s.damaged++;
  LogWarning(s.name.c_str(), "%s: %s, skipped", op, ErrorName(ret).c_str());
}

// Receives every frame the decoder has ready: until EAGAIN, or EOF when flushing. A damaged
// frame is skipped and draining goes on (frame threads report one error per bad frame).
void ReceiveFrames(CodecState& s, Frames& out) {
  for (int errors = 0;;) {
    FramePtr frame(av_frame_alloc());
    if (!frame) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
    int ret = avcodec_receive_frame(s.ctx.get(), frame.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) {
      SkipDamaged(s, ret, "avcodec_receive_frame");
      if (++errors > 64) return;  // a decoder that keeps failing: give up on this call
      continue;
    }
    frame->pts = frame->best_effort_timestamp;
    frame->time_base = s.ctx->pkt_timebase;
    out.push_back(std::move(frame));
  }
}

Napi::Function Decoder::Init(Napi::Env env) {
  return DefineClass(env, "Decoder",
                     {
                         Method<&Decoder::Open>("open"),
                         Method<&Decoder::Decode>("decode"),
                         Method<&Decoder::DecodeSubtitles>("decodeSubtitles"),
                         Method<&Decoder::Reset>("reset"),
                         Method<&Decoder::Close>("close"),
                         Property<&Decoder::Damaged>("damaged"),
                         InstanceAccessor("closed", &Decoder::IsClosed, nullptr),
                     });
}

Decoder::Decoder(const Napi::CallbackInfo& info) : AsyncWrapped<Decoder, CodecState>(info) { Tag(info); }

namespace {

// Subtitles decode to AVSubtitle, other media to frames; the wrong call is refused here, since
// the frame path asserts inside libavcodec on a subtitle decoder (an abort, not an error).
void CheckMediaType(const CodecState& s, bool subtitles, const char* op) {
  if (!s.ctx) throw AvException("EINVAL", "Decoder is not open", op);
  bool is_subtitle = s.ctx->codec_type == AVMEDIA_TYPE_SUBTITLE;
  if (subtitles && !is_subtitle)
    throw AvException("EINVAL", "decodeSubtitle() and subtitles() take a subtitle decoder; use decode() or frames()",
                      op, s.name);
  if (!subtitles && is_subtitle)
    throw AvException("EINVAL", "A subtitle decoder gives subtitles, not frames: use decodeSubtitle() or subtitles()",
                      op, s.name);
}

}  // namespace

// open(codecParameters | null, { codec?, timeBase?, threads?, options?, strict? }) -> context description
Napi::Value Decoder::Open(const Napi::CallbackInfo& info) {
  CodecParametersPtr par;
  if (!info[0].IsNull() && !info[0].IsUndefined()) par = CodecParameters::From(info[0])->Copy();
  Napi::Object opts = info[1].As<Napi::Object>();
  std::string name = GetString(opts, "codec");
  AVRational time_base = ToRational(opts.Get("timeBase"), {0, 1});
  int threads = static_cast<int>(GetInt(opts, "threads", 0));
  Dict options(ToDictionary(opts.Get("options")));
  bool strict = GetBool(opts, "strict", false);
  std::shared_ptr<AVBufferRef> device;  // decode on this hardware device
  if (Has(opts, "hwDevice")) device.reset(HwDevice::Ref(opts.Get("hwDevice"), "open").release(), BufferFree());
  return Run(
      info, "open",
      [par = std::move(par), name, time_base, threads, strict, device,
       options = std::move(options)](CodecState& s) mutable {
        s.strict = strict;
        if (s.ctx) throw AvException("EINVAL", "Decoder is already open", "open");
        const AVCodec* codec = FindCodec(false, name, par ? par->codec_id : AV_CODEC_ID_NONE);
        NewDecoderContext(s, codec, par.get(), time_base, options);
        if (device) {
          std::string why_not = UseHwDecoder(s.ctx.get(), codec, device.get());
          if (!why_not.empty()) throw AvException("ENOSYS", why_not, "open", s.name);
        }
        OpenCodec(s, codec, threads, options);
        return DescribeCodecContext(s.ctx.get());
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// decode(entries | PacketList, flush, stream?, indices?, asList?) -> Frame[] (a FrameList with asList): sends each
// packet (entries: see RefPackets) and drains the decoder after each; with flush, sends the end of stream, drains to
// EOF and makes the decoder reusable. A demuxer's PacketList gives up its packets of `stream` (no wrapper per packet).
Napi::Value Decoder::Decode(const Napi::CallbackInfo& info) {
  bool flush = info[1].ToBoolean();
  bool as_list = info[4].ToBoolean();
  std::vector<PacketPtr> packets;
  if (info[0].IsArray())
    packets = RefPackets(info[0].As<Napi::Array>(), info[3], "decode");
  else
    packets = PacketList::From(info[0])->Extract(info[2].IsNumber() ? info[2].ToNumber().Int32Value() : -1);
  return Run(
      info, "decode",
      [packets = std::move(packets), flush](CodecState& s) mutable {
        CheckMediaType(s, false, "decode");
        Frames out;
        for (auto& pkt : packets) {
          int ret = avcodec_send_packet(s.ctx.get(), pkt.get());
          if (ret == AVERROR(EAGAIN)) {  // cannot happen after a full drain, but be exact
            ReceiveFrames(s, out);
            ret = avcodec_send_packet(s.ctx.get(), pkt.get());
          }
          if (ret < 0 && ret != AVERROR_EOF) SkipDamaged(s, ret, "avcodec_send_packet");
          ReceiveFrames(s, out);
        }
        if (flush) {
          int ret = avcodec_send_packet(s.ctx.get(), nullptr);
          // A frame thread's error can surface here; the frames still buffered are not lost.
          if (ret < 0 && ret != AVERROR_EOF) SkipDamaged(s, ret, "avcodec_send_packet");
          ReceiveFrames(s, out);
          avcodec_flush_buffers(s.ctx.get());
        }
        return out;
      },
      [as_list](Napi::Env env, Frames& frames) -> Napi::Value {
        if (as_list) return FrameList::Wrap(env, std::move(frames));
        return Frame::WrapAll(env, frames);
      });
}

// decodeSubtitles(Packet[], flush) -> subtitle objects: one avcodec_decode_subtitle2 per packet;
// with flush, one empty packet, as the CLI sends at the end (AV_CODEC_CAP_DELAY decoders give
// what they hold; cc_dec would give the same caption again for every further empty packet).
Napi::Value Decoder::DecodeSubtitles(const Napi::CallbackInfo& info) {
  bool flush = info[1].ToBoolean();
  std::vector<PacketPtr> packets;
  Napi::Array list = info[0].As<Napi::Array>();
  packets.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++)
    packets.push_back(RefPacket(Packet::From(list.Get(i))->get("decodeSubtitle")));
  return Run(
      info, "decodeSubtitle",
      [packets = std::move(packets), flush](CodecState& s) mutable {
        CheckMediaType(s, true, "decodeSubtitle");
        std::vector<DecodedSubtitle> out;
        for (auto& pkt : packets) DecodeSubtitle(s, pkt.get(), out);
        if (flush) {
          DecodeSubtitle(s, nullptr, out);
          avcodec_flush_buffers(s.ctx.get());
        }
        return out;
      },
      [](Napi::Env env, std::vector<DecodedSubtitle>& subs) { return SubtitlesToJs(env, subs); });
}

// reset(): drops buffered frames without draining them (after a seek).
Napi::Value Decoder::Reset(const Napi::CallbackInfo& info) {
  return Run(
      info, "reset",
      [](CodecState& s) {
        if (s.ctx) avcodec_flush_buffers(s.ctx.get());
        return true;
      },
      [](Napi::Env env, bool&) { return env.Undefined(); });
}

Napi::Value Decoder::Damaged(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(state_->damaged.load()));
}

}  // namespace avf
