#include "muxer.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "codec_parameters.h"
#include "common/log.h"
#include "common/options.h"
#include "common/tree.h"
#include "packet.h"

namespace avf {

const napi_type_tag Muxer::kTag = {0x6176666f72676501ULL, 0x6d75786572000001ULL};

namespace {

// A plain path or file: URL gets the write-then-rename treatment; other protocols cannot.
bool IsLocalFile(const std::string& url) {
  if (url.rfind("file:", 0) == 0) return true;
  const char* proto = avio_find_protocol_name(url.c_str());
  return proto && std::string(proto) == "file" && url.find("://") == std::string::npos;
}

std::string LocalPath(const std::string& url) { return url.rfind("file:", 0) == 0 ? url.substr(5) : url; }

struct StreamSpec {
  CodecParametersPtr params;
  AVRational time_base;  // the time base of the packets that will be written
  Dict metadata;
  int disposition;
};

}  // namespace

void OpenOutputFile(AVFormatContext* fmt, const std::string& url, std::string* partial) {
  if (fmt->oformat->flags & AVFMT_NOFILE) return;  // image2 and friends open their own files
  std::string target = url;
  if (IsLocalFile(url)) {
    target = *partial = LocalPath(url) + ".partial";
    // Muxers that reopen their output (mov's faststart) must find the partial file.
    av_free(fmt->url);
    fmt->url = av_strdup(target.c_str());
  }
  Check(avio_open2(&fmt->pb, target.c_str(), AVIO_FLAG_WRITE, &fmt->interrupt_callback, nullptr), "avio_open2", url);
}

void WriteOutputHeader(AVFormatContext* fmt, Dict& options, const std::string& url, const std::string& partial) {
  // mov's ipod muxer (.m4a) warns of a name without .m4a/.m4v; the partial name has .partial
  struct PartialNameWarning final : LogObserver {
    bool See(void*, int level, const char* format, va_list) override {
      return level == AV_LOG_WARNING && std::strstr(format, "extension is not .m4a") != nullptr;
    }
  } warning;
  bool hide = !partial.empty() && av_match_ext(url.c_str(), "m4a,m4v,m4b");
  std::unique_ptr<ScopedLogObserver> observer(hide ? new ScopedLogObserver(&warning) : nullptr);
  Check(avformat_write_header(fmt, options.ptr()), "avformat_write_header", url);
}

int64_t CommitOutput(AVFormatContext* fmt, AVIOContext* io, const std::string& url, const std::string& partial) {
  if (io)
    Check(FlushIo(io), "avio_flush", url);
  else if (fmt->pb && !(fmt->oformat->flags & AVFMT_NOFILE))
    Check(avio_closep(&fmt->pb), "avio_close", url);
  if (partial.empty()) return -1;
  if (std::rename(partial.c_str(), LocalPath(url).c_str()) != 0) throw AvException(AVERROR(errno), "rename", url);
  struct stat st;
  return stat(LocalPath(url).c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

void ReleaseOutput(AVFormatContext** fmt, AVIOContext* io, bool complete, const std::string& partial) {
  if (!*fmt) return;
  if (io) (*fmt)->pb = nullptr;  // a custom pb is freed by its owner, not by avio_closep
  if ((*fmt)->pb && !((*fmt)->oformat->flags & AVFMT_NOFILE)) avio_closep(&(*fmt)->pb);
  if (!complete && !partial.empty()) std::remove(partial.c_str());
  avformat_free_context(*fmt);
  *fmt = nullptr;
}

void MuxerState::Release() {
  ReleaseOutput(&fmt, io, trailer, partial);
  FreeIo(&io);
}

Napi::Function Muxer::Init(Napi::Env env) {
  return DefineClass(env, "Muxer",
                     {
                         Method<&Muxer::Open>("open"),
                         Method<&Muxer::WriteHeader>("writeHeader"),
                         Method<&Muxer::Stage>("stage"),
                         Method<&Muxer::Write>("write"),
                         Method<&Muxer::WriteTrailer>("writeTrailer"),
                         Method<&Muxer::Close>("close"),
                         InstanceAccessor("closed", &Muxer::IsClosed, nullptr),
                     });
}

Muxer::Muxer(const Napi::CallbackInfo& info) : AsyncWrapped<Muxer, MuxerState>(info) { Tag(info); }

// open(url | IoBridge, { format?, name? }) -> { format, longName }
Napi::Value Muxer::Open(const Napi::CallbackInfo& info) {
  Napi::Object opts = info[1].As<Napi::Object>();
  std::string format = GetString(opts, "format");
  IoTarget target = ReadIoTarget(info[0], opts);  // (no structured binding: lambdas capture these)
  std::string url = target.url;
  std::shared_ptr<IoChannel> channel = target.channel;
  if (channel && format.empty()) throw AvException("EINVAL", "A stream output needs a format", "open", url);
  return Run(
      info, "open",
      [url, format, channel](MuxerState& s) {
        if (s.fmt) throw AvException("EINVAL", "Muxer is already open", "open", url);
        if (!format.empty() && !av_guess_format(format.c_str(), nullptr, nullptr)) {
          AvException e(AVERROR_MUXER_NOT_FOUND, "av_guess_format", url);
          e.message = "No muxer named '" + format + "'";
          throw e;
        }
        Check(avformat_alloc_output_context2(&s.fmt, nullptr, format.empty() ? nullptr : format.c_str(),
                                             channel ? nullptr : url.c_str()),
              "avformat_alloc_output_context2", url);
        s.url = url;
        s.channel = channel;
        Tree t = Tree::Object();
        t.Set("name", s.fmt->oformat->name).Set("longName", s.fmt->oformat->long_name);
        t.Set("globalHeader", (s.fmt->oformat->flags & AVFMT_GLOBALHEADER) != 0);
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// writeHeader([{ codecParameters, timeBase, metadata?, disposition? }], options, metadata)
//   -> the streams as the muxer set them up (time bases may change)
Napi::Value Muxer::WriteHeader(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<StreamSpec> specs;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Object o = list.Get(i).As<Napi::Object>();
    specs.push_back(StreamSpec{CodecParameters::From(o.Get("codecParameters"))->Copy(), ToRational(o.Get("timeBase")),
                               Dict(ToDictionary(o.Get("metadata"))), static_cast<int>(GetInt(o, "disposition", 0))});
  }
  Dict options(ToDictionary(info[1]));
  Dict metadata(ToDictionary(info[2]));
  return Run(
      info, "writeHeader",
      [specs = std::move(specs), options = std::move(options), metadata = std::move(metadata)](MuxerState& s) mutable {
        if (!s.fmt) throw AvException("EINVAL", "Muxer is not open", "writeHeader");
        if (s.header) throw AvException("EINVAL", "The header is already written", "writeHeader", s.url);
        for (auto& spec : specs) {
          AVStream* st = avformat_new_stream(s.fmt, nullptr);
          if (!st) throw AvException(AVERROR(ENOMEM), "avformat_new_stream", s.url);
          Check(avcodec_parameters_copy(st->codecpar, spec.params.get()), "avcodec_parameters_copy", s.url);
          st->codecpar->codec_tag = 0;  // let the muxer pick the tag its container uses
          st->time_base = spec.time_base;
          st->disposition = spec.disposition;
          av_dict_copy(&st->metadata, *spec.metadata.ptr(), 0);
          s.source_time_bases.push_back(spec.time_base);
        }
        av_dict_copy(&s.fmt->metadata, *metadata.ptr(), 0);
        if (s.channel) {
          s.io = OpenIo(s.channel, &s.closed);
          s.fmt->pb = s.io;
          s.fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
        } else {
          OpenOutputFile(s.fmt, s.url, &s.partial);
        }
        WriteOutputHeader(s.fmt, options, s.url, s.partial);
        s.header = true;
        CheckAllConsumed(options, "avformat_write_header", s.url);
        Tree streams = Tree::Array();
        for (unsigned i = 0; i < s.fmt->nb_streams; i++)
          streams.Push(Tree::Object()
                           .Set("index", static_cast<int>(i))
                           .Set("timeBase", Tree::Rational(s.fmt->streams[i]->time_base)));
        return streams;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

namespace {

// Writes what stage() collected: each packet rescaled from its time base to its stream's and
// interleaved by the muxer.
double WriteStaged(MuxerState& s) {
  std::vector<PacketPtr> packets;
  {
    std::lock_guard<std::mutex> lock(s.staged_mutex);
    packets.swap(s.staged);
  }
  if (packets.empty()) return static_cast<double>(s.fmt && s.fmt->pb ? avio_tell(s.fmt->pb) : 0);
  if (!s.header) throw AvException("EINVAL", "write() before writeHeader()", "write", s.url);
  if (s.trailer) throw AvException("EINVAL", "write() after writeTrailer()", "write", s.url);
  for (auto& pkt : packets) {
    int index = pkt->stream_index;
    if (index < 0 || index >= static_cast<int>(s.fmt->nb_streams))
      throw AvException(AVERROR_STREAM_NOT_FOUND, "av_interleaved_write_frame", s.url, index);
    AVRational from = pkt->time_base.num > 0 ? pkt->time_base : s.source_time_bases[index];
    av_packet_rescale_ts(pkt.get(), from, s.fmt->streams[index]->time_base);
    pkt->time_base = s.fmt->streams[index]->time_base;
    pkt->pos = -1;
    Check(av_interleaved_write_frame(s.fmt, pkt.get()), "av_interleaved_write_frame", s.url, index);
  }
  return static_cast<double>(s.fmt->pb ? avio_tell(s.fmt->pb) : 0);
}

}  // namespace

// stage(entries, indices?) -> packets now staged (see RefPackets): takes references at once, so the caller may close or
// reuse its packets; write() (or the trailer) writes them, many per crossing.
Napi::Value Muxer::Stage(const Napi::CallbackInfo& info) {
  CheckOpen("write");
  std::vector<PacketPtr> refs = RefPackets(info[0].As<Napi::Array>(), info[1], "write");
  std::lock_guard<std::mutex> lock(state_->staged_mutex);
  for (auto& p : refs) state_->staged.push_back(std::move(p));
  return Napi::Number::New(info.Env(), static_cast<double>(state_->staged.size()));
}

// write() -> bytes written so far: writes the staged packets.
Napi::Value Muxer::Write(const Napi::CallbackInfo& info) {
  return Run(
      info, "write", [](MuxerState& s) { return WriteStaged(s); },
      [](Napi::Env env, double& bytes) { return Napi::Number::New(env, bytes); });
}

// writeTrailer() -> { bytes }: flushes, closes, and renames the partial file into place.
Napi::Value Muxer::WriteTrailer(const Napi::CallbackInfo& info) {
  return Run(
      info, "writeTrailer",
      [](MuxerState& s) {
        if (!s.header) throw AvException("EINVAL", "writeTrailer() before writeHeader()", "writeTrailer", s.url);
        if (s.trailer) throw AvException("EINVAL", "The trailer is already written", "writeTrailer", s.url);
        WriteStaged(s);
        Check(av_write_trailer(s.fmt), "av_write_trailer", s.url);
        double bytes = s.fmt->pb ? static_cast<double>(avio_tell(s.fmt->pb)) : 0;
        int64_t size = CommitOutput(s.fmt, s.io, s.url, s.partial);
        if (size >= 0) bytes = static_cast<double>(size);  // faststart rewrote the file
        s.trailer = true;
        return bytes;
      },
      [](Napi::Env env, double& bytes) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("bytes", bytes);
        return o;
      });
}

}  // namespace avf
