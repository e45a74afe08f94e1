#include "demuxer.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/options.h"
#include "packet.h"
#include "steps/input.h"

namespace avf {

const napi_type_tag Demuxer::kTag = {0x6176666f72676501ULL, 0x64656d7578000001ULL};

namespace {

// Lets close() abort a blocking open or read (a stalled network input).
int Interrupted(void* opaque) { return static_cast<DemuxerState*>(opaque)->closed.load() ? 1 : 0; }

struct ReadResult {
  std::vector<PacketPtr> packets;
};

// An object's exported private options (AV_OPT_FLAG_EXPORT), in order, as [name, value] pairs;
// `priv` starts with its AVClass, or is null.
Tree ExportedOptions(void* priv) {
  Tree exported = Tree::Array();
  const AVOption* opt = nullptr;
  while (priv && (opt = av_opt_next(priv, opt))) {
    uint8_t* value = nullptr;
    if (!(opt->flags & AV_OPT_FLAG_EXPORT) || av_opt_get(priv, opt->name, 0, &value) < 0) continue;
    exported.Push(Tree::Array().Push(opt->name).Push(reinterpret_cast<const char*>(value)));
    av_free(value);
  }
  return exported;
}

// Fields that only an opened decoder knows, for ffprobe-compatible output.
Tree DescribeDecoder(const AVCodecParameters* par) {
  Tree t = Tree::Object();
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (!codec) return t;
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_parameters_to_context(ctx.get(), par) < 0) return t;
  ctx->thread_count = 1;
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return t;
  t.Set("decoder", codec->name);
  t.Set("codedWidth", ctx->coded_width).Set("codedHeight", ctx->coded_height);
  t.Set("hasBFrames", ctx->has_b_frames);
  t.Set("refs", ctx->refs);
  if (auto cc = compat::DecoderSawClosedCaptions(ctx.get())) t.Set("closedCaptions", *cc);
  if (auto grain = compat::DecoderSawFilmGrain(ctx.get())) t.Set("filmGrain", *grain);
  // The decoder's private options it exports (h264's is_avc, nal_length_size...), in order.
  // Only a decoder with a private class has an AVClass at the start of priv_data.
  t.Set("exported", ExportedOptions(codec->priv_class ? ctx->priv_data : nullptr));
  return t;
}

// Up to `max` packets (or 8 MiB, or what came within 10 ms of the first); a read error met
// after some packets is kept for the next call, so those packets still reach JS.
ReadResult ReadBatch(DemuxerState& s, int max) {
  if (!s.fmt) throw AvException("EINVAL", "Demuxer is not open", "read");
  if (s.pending_error) {
    int err = s.pending_error;
    s.pending_error = 0;
    throw AvException(err, "av_read_frame", s.url);
  }
  ReadResult r;
  r.packets.reserve(max);
  std::vector<PacketPtr> spare;  // AVPackets handed back: unref'd here, on this thread
  {
    std::lock_guard<std::mutex> lock(s.bin_mutex);
    spare.swap(s.bin);
  }
  size_t bytes = 0;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (static_cast<int>(r.packets.size()) < max && bytes < (8u << 20) &&
         std::chrono::steady_clock::now() < deadline) {
    PacketPtr pkt;
    if (!spare.empty()) {
      pkt = std::move(spare.back());
      spare.pop_back();
      av_packet_unref(pkt.get());
    } else {
      pkt.reset(av_packet_alloc());
      if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    }
    int ret = av_read_frame(s.fmt, pkt.get());
    if (ret == AVERROR(EAGAIN)) {  // a live input with nothing yet
      if (!r.packets.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (ret == AVERROR_EOF) break;
    // close() interrupts a read in flight (AVERROR_EXIT, or what the protocol made of it): the
    // read ends as any call on a closed Demuxer does
    if (ret < 0 && s.closed.load()) ThrowClosed("Demuxer", "read");
    if (ret < 0) {
      // As the CLI does: report damage, then treat the input as ended; but an input that
      // fails before its first packet has nothing to tolerate, and a source that failed,
      // a limit, a timeout or a close are not damage: those are errors.
      if (!s.strict && IsReadDamage(ret) && (s.packets_read > 0 || !r.packets.empty())) {
        LogWarning("demuxer", "%s: error while reading, treating as end of input: %s", s.url.c_str(),
                   ErrorName(ret).c_str());
        break;
      }
      if (r.packets.empty()) throw AvException(ret, "av_read_frame", s.url);
      s.pending_error = ret;
      break;
    }
    pkt->time_base = s.fmt->streams[pkt->stream_index]->time_base;
    bytes += pkt->size;
    s.packets_read++;
    if (r.packets.empty()) deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
    r.packets.push_back(std::move(pkt));
  }
  return r;
}

}  // namespace

Tree DescribeInput(AVFormatContext* fmt, bool with_decoders) {
  Tree format = Tree::Object();
  format.Set("url", fmt->url ? fmt->url : "");
  format.Set("name", fmt->iformat->name);
  format.Set("longName", fmt->iformat->long_name ? fmt->iformat->long_name : "");
  format.Set("startTime", Tree::Timestamp(fmt->start_time));
  format.Set("duration", Tree::Timestamp(fmt->duration));
  format.Set("bitRate", fmt->bit_rate);
  format.Set("nbStreams", static_cast<int>(fmt->nb_streams));
  format.Set("nbPrograms", static_cast<int>(fmt->nb_programs));
  format.Set("nbStreamGroups", compat::StreamGroupCount(fmt));
  format.Set("probeScore", fmt->probe_score);
  format.Set("size", fmt->pb ? avio_size(fmt->pb) : -1);
  format.Set("metadata", Tree::Dictionary(fmt->metadata));
  format.Set("exported", ExportedOptions(fmt->iformat->priv_class ? fmt->priv_data : nullptr));
  // MPEG-TS programs (ffprobe -show_programs): the services and which streams each carries
  Tree programs = Tree::Array();
  for (unsigned i = 0; i < fmt->nb_programs; i++) {
    const AVProgram* p = fmt->programs[i];
    if (!p) continue;
    Tree indexes = Tree::Array();
    for (unsigned k = 0; k < p->nb_stream_indexes; k++) indexes.Push(static_cast<int>(p->stream_index[k]));
    Tree program = Tree::Object();
    program.Set("id", p->id).Set("programNum", p->program_num).Set("pmtPid", p->pmt_pid).Set("pcrPid", p->pcr_pid);
    program.Set("metadata", Tree::Dictionary(p->metadata)).Set("streams", std::move(indexes));
    programs.Push(std::move(program));
  }
  format.Set("programs", std::move(programs));
  Tree streams = Tree::Array();
  for (unsigned i = 0; i < fmt->nb_streams; i++) {
    Tree st = DescribeStream(fmt->streams[i]);
    if (with_decoders) st.Set("decoder", DescribeDecoder(fmt->streams[i]->codecpar));
    streams.Push(std::move(st));
  }
  Tree t = Tree::Object();
  t.Set("format", std::move(format)).Set("streams", std::move(streams));
  return t;
}

Napi::Function Demuxer::Init(Napi::Env env) {
  return DefineClass(env, "Demuxer",
                     {
                         Method<&Demuxer::Open>("open"),
                         Method<&Demuxer::Describe>("describe"),
                         Method<&Demuxer::Read>("read"),
                         Method<&Demuxer::Seek>("seek"),
                         Method<&Demuxer::Close>("close"),
                         InstanceAccessor("closed", &Demuxer::IsClosed, nullptr),
                     });
}

Demuxer::Demuxer(const Napi::CallbackInfo& info) : AsyncWrapped<Demuxer, DemuxerState>(info) { Tag(info); }

// open(url | IoBridge, { format?, options?, strict?, name?, trusted? }) -> description
Napi::Value Demuxer::Open(const Napi::CallbackInfo& info) {
  Napi::Object opts = info[1].As<Napi::Object>();
  IoTarget target = ReadIoTarget(info[0], opts);  // (no structured binding: lambdas capture these)
  std::string url = target.url;
  std::shared_ptr<IoChannel> channel = target.channel;
  std::string format = GetString(opts, "format");
  Dict dict(ToDictionary(opts.Get("options")));
  bool strict = GetBool(opts, "strict", false);
  bool trusted = GetBool(opts, "trusted", false);
  return Run(
      info, "open",
      [url, format, strict, trusted, channel, dict = std::move(dict)](DemuxerState& s) mutable {
        if (s.fmt) throw AvException("EINVAL", "Demuxer is already open", "open", url);
        s.url = url;
        s.strict = strict;
        s.fmt = OpenInput(url, channel, format, dict, {Interrupted, &s}, &s.io, &s.closed, trusted);
        return DescribeInput(s.fmt, false);
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// describe({ decoders? }) -> a fresh description (streams may appear while reading)
Napi::Value Demuxer::Describe(const Napi::CallbackInfo& info) {
  bool with_decoders = info[0].IsObject() && GetBool(info[0].As<Napi::Object>(), "decoders", false);
  return Run(
      info, "describe",
      [with_decoders](DemuxerState& s) {
        if (!s.fmt) throw AvException("EINVAL", "Demuxer is not open", "describe");
        return DescribeInput(s.fmt, with_decoders);
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// read(maxPackets) -> PacketList; empty at the end of the input. Batching is the point:
// one crossing for many packets. A batch also ends 10 ms after its first packet, so a live
// input is not held back waiting for a full batch.
Napi::Value Demuxer::Read(const Napi::CallbackInfo& info) {
  int max = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  if (max < 1) max = 1;
  return Run(
      info, "read", [max](DemuxerState& s) { return ReadBatch(s, max); },
      [weak = std::weak_ptr<DemuxerState>(state_)](Napi::Env env, ReadResult& r) {
        PacketRecycler recycle = [weak](std::vector<PacketPtr> used) {
          auto s = weak.lock();
          if (!s) return;  // the demuxer is gone: they are freed here
          std::lock_guard<std::mutex> lock(s->bin_mutex);
          if (s->bin.size() < 1024)
            for (auto& p : used)
              if (p) s->bin.push_back(std::move(p));
        };
        return PacketList::Wrap(env, std::move(r.packets), std::move(recycle));
      },
      // Read-ahead: JS holds the loop open while it awaits a batch; an abandoned demuxer
      // waiting on a stalled stream must not keep the process alive.
      false);
}

// seek(timestamp, { stream?, backward?, any?, byte? }); timestamp in the stream's time base
// (or AV_TIME_BASE units when stream is -1).
Napi::Value Demuxer::Seek(const Napi::CallbackInfo& info) {
  int64_t ts = info[0].As<Napi::Number>().Int64Value();
  Napi::Object opts = info[1].As<Napi::Object>();
  int stream = static_cast<int>(GetInt(opts, "stream", -1));
  bool backward = GetBool(opts, "backward", true);
  int flags =
      (GetBool(opts, "any", false) ? AVSEEK_FLAG_ANY : 0) | (GetBool(opts, "byte", false) ? AVSEEK_FLAG_BYTE : 0);
  return Run(
      info, "seek",
      [=](DemuxerState& s) {
        if (!s.fmt) throw AvException("EINVAL", "Demuxer is not open", "seek");
        if (stream >= static_cast<int>(s.fmt->nb_streams))
          throw AvException(AVERROR_STREAM_NOT_FOUND, "avformat_seek_file", s.url, stream);
        int64_t min = backward ? INT64_MIN : ts;
        int64_t max = backward ? ts : INT64_MAX;
        int ret = avformat_seek_file(s.fmt, stream, min, ts, max, flags);
        // libavformat says -1, not an AVERROR, when the input cannot seek there.
        if (ret == -1)
          throw AvException("ESPIPE", "Cannot seek to that position in this input", "avformat_seek_file", s.url);
        Check(ret, "avformat_seek_file", s.url, stream);
        s.pending_error = 0;
        return true;
      },
      [](Napi::Env env, bool&) { return env.Undefined(); });
}

}  // namespace avf
