// AVFormatContext for output: https://ffmpeg.org/doxygen/trunk/group__lavf__encoding.html
// A file output is written to `name.partial` and renamed when the trailer is written; a
// muxer closed before that removes its partial file.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/compat.h"
#include "common/options.h"
#include "common/owned.h"
#include "common/resource.h"
#include "io.h"

namespace avf {

struct MuxerState : Resource {
  AVFormatContext* fmt = nullptr;
  AVIOContext* io = nullptr;           // a custom output (Writable, callbacks, memory)
  std::shared_ptr<IoChannel> channel;  // its channel, until writeHeader opens it
  std::string url;                     // what the user asked for
  std::string partial;                 // where the bytes go until the trailer; empty for non-file outputs
  bool header = false;
  bool trailer = false;
  std::vector<AVRational> source_time_bases;  // per stream: packets without a time base use it
  std::mutex staged_mutex;
  std::vector<PacketPtr> staged;  // referenced on the JS thread by stage(), written by write()
  ~MuxerState() override { Release(); }
  void Release() override;
};

class Muxer : public AsyncWrapped<Muxer, MuxerState> {
 public:
  static constexpr const char* kName = "Muxer";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Muxer(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value WriteHeader(const Napi::CallbackInfo& info);
  Napi::Value Stage(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value WriteTrailer(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

// A file output: opens `url.partial` (a local path) or the URL itself; image sequences and
// other AVFMT_NOFILE muxers open their own files.
void OpenOutputFile(AVFormatContext* fmt, const std::string& url, std::string* partial);
// After the trailer: flushes or closes the output and renames the partial file into place;
// returns the file's size (-1 for an output that is not a local file).
int64_t CommitOutput(AVFormatContext* fmt, AVIOContext* io, const std::string& url, const std::string& partial);
// avformat_write_header for `url`, written under its `partial` name (empty: its own): warnings a
// muxer gives about the name it writes to, not the final one, are not passed on.
void WriteOutputHeader(AVFormatContext* fmt, Dict& options, const std::string& url, const std::string& partial);
// Frees an output context; an incomplete one takes its partial file with it.
void ReleaseOutput(AVFormatContext** fmt, AVIOContext* io, bool complete, const std::string& partial);

}  // namespace avf
