// Custom AVIOContext: https://ffmpeg.org/doxygen/trunk/structAVIOContext.html
// Bridges FFmpeg's blocking read/write/seek callbacks, which run on a pool thread, to JS
// sources and sinks on the JS thread. The pool thread waits on a condition variable (never the
// JS thread); JS is asked for data, a seek, or to take written bytes through a threadsafe
// function, and answers by calling push()/end()/fail()/seekDone()/drained().
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compat.h"
#include "wrap.h"

namespace avf {

// The state shared by the JS wrapper, the AVIOContext callbacks and the threadsafe function.
struct IoChannel {
  std::mutex m;
  std::condition_variable cv;
  bool writing = false;     // a sink (muxer output) rather than a source
  bool seekable = false;    // JS can seek (Buffer, file, callbacks with seek)
  int64_t size = -1;        // total size when known (AVSEEK_SIZE)
  size_t high_water = 1 << 20;
  int64_t timeout_ms = 0;   // 0: wait as long as it takes (still interruptible by close)
  int64_t max_bytes = 0;    // a source read past this fails with EFBIG; 0: no limit

  // source: chunks pushed by JS, in order
  std::deque<std::vector<uint8_t>> chunks;
  size_t front_offset = 0;
  size_t queued = 0;
  bool ended = false;
  bool asked = false;       // a "need data" request is outstanding
  int64_t position = 0;     // byte position of the next byte read (source) or written (sink)

  // seek handshake
  uint64_t seek_generation = 0;
  bool seek_answered = false;
  int64_t seek_result = 0;

  // sink: bytes handed to JS and not yet reported written
  size_t in_flight = 0;

  // failure: set by JS (the source errored, a callback threw) or by close()
  std::string error;
  std::atomic<bool>* aborted = nullptr;  // the owner's closed flag (interrupts waits)
  bool closed = false;                   // the JS side is gone: fail at once

  napi_threadsafe_function tsfn = nullptr;

  // For memory sources: the whole input, owned natively.
  std::vector<uint8_t> memory;
  bool in_memory = false;
  // For memory sinks: the whole output.
  bool to_memory = false;
};

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

// An AVIOContext over a channel; freed with FreeIo. `aborted` interrupts blocking waits.
AVIOContext* OpenIo(const std::shared_ptr<IoChannel>& channel, std::atomic<bool>* aborted);
void FreeIo(AVIOContext** io);
// Flushes, then waits until the JS sink has written every byte handed to it.
int FlushIo(AVIOContext* io);
// Marks the channel closed and releases its threadsafe function; any thread.
void CloseChannel(IoChannel& c);

}  // namespace avf
