// The byte channel behind a custom AVIOContext: FFmpeg's blocking read/write/seek callbacks,
// which run on a pool thread, waiting on a condition variable for another side to supply data,
// seek, or take written bytes. No Node-API here: the JS side is io.cc (IoBridge), and fuzz/
// drives the same channel from a harness.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/compat.h"

namespace avf {

struct IoChannel;

// What the pool thread asks of the other side.
struct IoRequest {
  const char* kind;  // "read", "seek", "write"
  int64_t position;
  uint64_t generation;
  std::vector<uint8_t> data;  // "write"
};

// The state shared by the JS wrapper, the AVIOContext callbacks and the threadsafe function.
struct IoChannel {
  std::mutex m;
  std::condition_variable cv;
  bool writing = false;   // a sink (muxer output) rather than a source
  bool seekable = false;  // JS can seek (Buffer, file, callbacks with seek)
  int64_t size = -1;      // total size when known (AVSEEK_SIZE)
  size_t high_water = 1 << 20;
  int64_t timeout_ms = 0;  // 0: wait as long as it takes (still interruptible by close)
  int64_t max_bytes = 0;   // a source read past this fails with EFBIG; 0: no limit

  // source: chunks pushed by JS, in order
  std::deque<std::vector<uint8_t>> chunks;
  size_t front_offset = 0;
  size_t queued = 0;
  bool ended = false;
  bool asked = false;    // a "need data" request is outstanding
  int64_t position = 0;  // byte position of the next byte read (source) or written (sink)

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

  // How requests reach the other side (JS, or a test harness), and how it is let go.
  // Both are called with `m` held; `ask` returns false when the other side is gone.
  bool (*ask)(IoChannel& c, IoRequest* r) = nullptr;
  void (*release)(IoChannel& c) = nullptr;
  void* peer = nullptr;  // the other side's handle (the JS threadsafe function)

  // For memory sources: the whole input, owned natively.
  std::vector<uint8_t> memory;
  bool in_memory = false;
  // For memory sinks: the whole output.
  bool to_memory = false;
};

// An AVIOContext over a channel; freed with FreeIo. `aborted` interrupts blocking waits.
AVIOContext* OpenIo(const std::shared_ptr<IoChannel>& channel, std::atomic<bool>* aborted);
void FreeIo(AVIOContext** io);
// Flushes, then waits until the sink has taken every byte handed to it.
int FlushIo(AVIOContext* io);
// Whether the other side of a custom input failed (a JS source that errored or threw). A
// demuxer may report that as the end of its input; it is an error. Any thread.
bool ChannelFailed(IoChannel& c);
// Marks the channel closed and lets the other side go; any thread.
void CloseChannel(IoChannel& c);

// The other side's answers (with the channel's lock taken inside).
bool PushChunk(IoChannel& c, const uint8_t* data, size_t size, uint64_t generation);  // -> below high water
void EndInput(IoChannel& c, bool check_generation, uint64_t generation);
void FailChannel(IoChannel& c, std::string message);
void AnswerSeek(IoChannel& c, uint64_t generation, int64_t position);
void Drained(IoChannel& c, size_t bytes);

}  // namespace avf
