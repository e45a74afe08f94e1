// Custom AVIOContext, the JS side: https://ffmpeg.org/doxygen/trunk/structAVIOContext.html
// JS is asked for data, a seek, or to take written bytes through a threadsafe function, and
// answers by calling push()/end()/fail()/seekDone()/drained(). The waiting is io_channel's.
#pragma once
#include <napi.h>

#include <memory>
#include <string>

#include "common/io_channel.h"
#include "common/wrap.h"

namespace avf {

// A JS-visible handle on an IoChannel: the source or sink side that JS drives.
class IoBridge : public Wrapped<IoBridge> {
 public:
  static constexpr const char* kName = "IoBridge";
  static const napi_type_tag kTag;
  static Napi::Function Init(Napi::Env env);
  explicit IoBridge(const Napi::CallbackInfo& info);
  ~IoBridge() override;
  std::shared_ptr<IoChannel> channel() const { return channel_; }

 private:
  Napi::Value Push(const Napi::CallbackInfo& info);
  Napi::Value End(const Napi::CallbackInfo& info);
  Napi::Value Fail(const Napi::CallbackInfo& info);
  Napi::Value SeekDone(const Napi::CallbackInfo& info);
  Napi::Value Drained(const Napi::CallbackInfo& info);
  Napi::Value TakeMemory(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  std::shared_ptr<IoChannel> channel_;
};

// What a Demuxer or Muxer opens: a path or URL, or the channel of an IoBridge (then named by
// options.name, for errors).
struct IoTarget {
  std::string url;
  std::shared_ptr<IoChannel> channel;
};
IoTarget ReadIoTarget(Napi::Value target, Napi::Object options);

}  // namespace avf
