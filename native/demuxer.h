// AVFormatContext for input: https://ffmpeg.org/doxygen/trunk/group__libavf__decoding.html
#pragma once
#include <mutex>
#include <string>
#include <vector>

#include "common/compat.h"
#include "common/options.h"
#include "common/owned.h"
#include "common/resource.h"
#include "common/tree.h"
#include "io.h"
#include "steps/input.h"

namespace avf {

struct DemuxerState : Resource {
  AVFormatContext* fmt = nullptr;
  AVIOContext* io = nullptr;  // a custom input (Buffer, stream, callbacks); owned here
  std::string url;
  bool strict = false;    // a read error throws instead of ending the stream (as the CLI does)
  int pending_error = 0;  // a read error met after a batch had packets: thrown on the next read
  int64_t packets_read = 0;
  std::mutex bin_mutex;
  std::vector<PacketPtr> bin;  // consumed packets handed back by PacketList, reused by read()
  ~DemuxerState() override { Release(); }
  void Release() override { CloseInput(&fmt, &io); }
};

class Demuxer : public AsyncWrapped<Demuxer, DemuxerState> {
 public:
  static constexpr const char* kName = "Demuxer";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit Demuxer(const Napi::CallbackInfo& info);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Describe(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Seek(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info) { return CloseAsync(info); }
};

// The format and its streams, as the JS Demuxer and probe() present them.
Tree DescribeInput(AVFormatContext* fmt, bool with_decoders);

}  // namespace avf
