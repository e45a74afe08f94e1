#include "common/io_channel.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "common/error.h"

namespace avf {

namespace {

constexpr int kBufferSize = 64 * 1024;
constexpr auto kPoll = std::chrono::milliseconds(20);  // how often a wait checks for close()

using ChannelRef = std::shared_ptr<IoChannel>;
IoChannel& Of(void* opaque) { return **static_cast<ChannelRef*>(opaque); }

// Asks the other side for something; with the channel's lock held. False when it is gone.
bool Ask(IoChannel& c, IoRequest* r) {
  if (c.closed || !c.ask || !c.ask(c, r)) {
    delete r;
    return false;
  }
  return true;
}

// Waits for `ready` with the lock held, waking to check close() and the timeout.
// Returns 0, or the AVERROR to give FFmpeg.
template <class Ready>
int Wait(IoChannel& c, std::unique_lock<std::mutex>& lock, Ready ready) {
  auto start = std::chrono::steady_clock::now();
  while (!ready()) {
    if (!c.error.empty() || c.closed) return AVERROR(EIO);
    if (c.aborted && c.aborted->load()) return AVERROR_EXIT;
    if (c.timeout_ms > 0 && std::chrono::steady_clock::now() - start > std::chrono::milliseconds(c.timeout_ms))
      return AVERROR(ETIMEDOUT);
    c.cv.wait_for(lock, kPoll);
  }
  return 0;
}

int ReadPacket(void* opaque, uint8_t* buf, int size) {
  IoChannel& c = Of(opaque);
  if (c.max_bytes > 0) {
    if (c.position >= c.max_bytes) return AVERROR(EFBIG);
    size = static_cast<int>(std::min<int64_t>(size, c.max_bytes - c.position));
  }
  if (c.in_memory) {
    if (c.position >= static_cast<int64_t>(c.memory.size())) return AVERROR_EOF;
    size_t n = std::min(static_cast<size_t>(size), c.memory.size() - static_cast<size_t>(c.position));
    memcpy(buf, c.memory.data() + c.position, n);
    c.position += n;
    return static_cast<int>(n);
  }
  std::unique_lock<std::mutex> lock(c.m);
  auto want = [&] {
    if (!c.asked && !c.ended) c.asked = Ask(c, new IoRequest{"read", c.position, c.seek_generation, {}});
  };
  want();
  int err = Wait(c, lock, [&] { return c.queued > 0 || c.ended || !c.error.empty(); });
  if (c.queued == 0) {
    if (!c.error.empty()) return AVERROR(EIO);
    if (c.ended) return AVERROR_EOF;
    return err ? err : AVERROR(EIO);
  }
  size_t copied = 0;
  while (copied < static_cast<size_t>(size) && !c.chunks.empty()) {
    auto& front = c.chunks.front();
    size_t n = std::min(static_cast<size_t>(size) - copied, front.size() - c.front_offset);
    memcpy(buf + copied, front.data() + c.front_offset, n);
    copied += n;
    c.front_offset += n;
    if (c.front_offset == front.size()) {
      c.chunks.pop_front();
      c.front_offset = 0;
    }
  }
  c.queued -= copied;
  c.position += copied;
  if (c.queued < c.high_water / 2) want();  // ask for more before running dry
  return static_cast<int>(copied);
}

int WritePacket(void* opaque, compat::AvioWriteBuffer buf, int size) {
  IoChannel& c = Of(opaque);
  if (c.to_memory) {
    size_t end = static_cast<size_t>(c.position) + size;
    if (end > c.memory.size()) c.memory.resize(end);
    memcpy(c.memory.data() + c.position, buf, size);
    c.position += size;
    return size;
  }
  std::unique_lock<std::mutex> lock(c.m);
  // Backpressure: a slow sink holds the muxer here, on the pool thread.
  int err = Wait(c, lock, [&] { return c.in_flight < c.high_water || !c.error.empty(); });
  if (err) return err;
  if (!c.error.empty()) return AVERROR(EIO);
  auto* r = new IoRequest{"write", c.position, 0, std::vector<uint8_t>(buf, buf + size)};
  if (!Ask(c, r)) return AVERROR(EIO);
  c.in_flight += size;
  c.position += size;
  return size;
}

int64_t Seek(void* opaque, int64_t offset, int whence) {
  IoChannel& c = Of(opaque);
  whence &= ~AVSEEK_FORCE;
  int64_t size = (c.in_memory || c.to_memory) ? static_cast<int64_t>(c.memory.size()) : c.size;
  if (whence == AVSEEK_SIZE) return size >= 0 ? size : AVERROR(ENOSYS);
  int64_t target = whence == SEEK_SET   ? offset
                   : whence == SEEK_CUR ? c.position + offset
                   : size >= 0          ? size + offset
                                        : -1;
  if (target < 0) return AVERROR(EINVAL);
  if (c.in_memory || c.to_memory) return c.position = target;
  if (!c.seekable) return AVERROR(ESPIPE);
  if (c.writing) return AVERROR(ESPIPE);  // stream sinks are written in order
  std::unique_lock<std::mutex> lock(c.m);
  uint64_t generation = ++c.seek_generation;
  c.chunks.clear();
  c.front_offset = 0;
  c.queued = 0;
  c.ended = false;
  c.asked = false;
  c.seek_answered = false;
  if (!Ask(c, new IoRequest{"seek", target, generation, {}})) return AVERROR(EIO);
  int err = Wait(c, lock, [&] { return c.seek_answered; });
  if (err) return err;
  if (c.seek_result >= 0) c.position = c.seek_result;
  return c.seek_result;
}

}  // namespace

AVIOContext* OpenIo(const std::shared_ptr<IoChannel>& channel, std::atomic<bool>* aborted) {
  channel->aborted = aborted;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  if (!buffer) throw AvException(AVERROR(ENOMEM), "av_malloc");
  auto* opaque = new ChannelRef(channel);
  bool seekable = channel->seekable || channel->in_memory || channel->to_memory;
  AVIOContext* io =
      avio_alloc_context(buffer, kBufferSize, channel->writing ? 1 : 0, opaque, channel->writing ? nullptr : ReadPacket,
                         channel->writing ? WritePacket : nullptr, seekable ? Seek : nullptr);
  if (!io) {
    av_free(buffer);
    delete opaque;
    throw AvException(AVERROR(ENOMEM), "avio_alloc_context");
  }
  io->seekable = seekable ? AVIO_SEEKABLE_NORMAL : 0;
  return io;
}

int FlushIo(AVIOContext* io) {
  avio_flush(io);
  if (io->error < 0) return io->error;
  IoChannel& c = Of(io->opaque);
  if (c.to_memory || c.in_memory) return 0;
  std::unique_lock<std::mutex> lock(c.m);
  int err = Wait(c, lock, [&] { return c.in_flight == 0 || !c.error.empty(); });
  if (err == 0 && !c.error.empty()) err = AVERROR(EIO);
  return err;
}

void FreeIo(AVIOContext** io) {
  if (!*io) return;
  auto* ref = static_cast<ChannelRef*>((*io)->opaque);
  // Also releases the JS function, so a source or sink nobody closed can be collected.
  if (!(*ref)->in_memory && !(*ref)->to_memory) CloseChannel(**ref);
  delete ref;
  av_freep(&(*io)->buffer);
  avio_context_free(io);
}

bool ChannelFailed(IoChannel& c) {
  std::lock_guard<std::mutex> lock(c.m);
  return !c.error.empty();
}

void CloseChannel(IoChannel& c) {
  std::lock_guard<std::mutex> lock(c.m);
  c.closed = true;
  if (c.release) c.release(c);
  c.release = nullptr;
  c.ask = nullptr;
  c.cv.notify_all();
}

bool PushChunk(IoChannel& c, const uint8_t* data, size_t size, uint64_t generation) {
  std::lock_guard<std::mutex> lock(c.m);
  c.asked = false;
  if (generation == c.seek_generation && size > 0 && !c.ended) {
    c.chunks.emplace_back(data, data + size);
    c.queued += size;
  }
  c.cv.notify_all();
  return c.queued < c.high_water;
}

void EndInput(IoChannel& c, bool check_generation, uint64_t generation) {
  std::lock_guard<std::mutex> lock(c.m);
  if (!check_generation || generation == c.seek_generation) c.ended = true;
  c.cv.notify_all();
}

void FailChannel(IoChannel& c, std::string message) {
  std::lock_guard<std::mutex> lock(c.m);
  c.error = message.empty() ? "I/O error" : std::move(message);
  c.cv.notify_all();
}

void AnswerSeek(IoChannel& c, uint64_t generation, int64_t position) {
  std::lock_guard<std::mutex> lock(c.m);
  if (generation != c.seek_generation) return;
  c.seek_result = position;
  c.seek_answered = true;
  c.cv.notify_all();
}

void Drained(IoChannel& c, size_t bytes) {
  std::lock_guard<std::mutex> lock(c.m);
  c.in_flight -= std::min(bytes, c.in_flight);
  c.cv.notify_all();
}

}  // namespace avf
