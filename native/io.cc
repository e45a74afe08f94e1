#include "io.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "error.h"
#include "options.h"

namespace avf {

const napi_type_tag IoBridge::kTag = {0x6176666f72676501ULL, 0x696f627269640001ULL};

namespace {

constexpr int kBufferSize = 64 * 1024;
constexpr auto kPoll = std::chrono::milliseconds(20);  // how often a wait checks for close()

// What a pool thread asks of JS.
struct Request {
  const char* kind;  // "read", "seek", "write"
  int64_t position;
  uint64_t generation;
  std::vector<uint8_t> data;  // "write"
};

using ChannelRef = std::shared_ptr<IoChannel>;
IoChannel& Of(void* opaque) { return **static_cast<ChannelRef*>(opaque); }

// Asks JS for something; with the channel's lock held. False when JS is gone.
bool Ask(IoChannel& c, Request* r) {
  if (c.closed || !c.tsfn || napi_call_threadsafe_function(c.tsfn, r, napi_tsfn_nonblocking) != napi_ok) {
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
    if (!c.asked && !c.ended) c.asked = Ask(c, new Request{"read", c.position, c.seek_generation, {}});
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
  if (int err = Wait(c, lock, [&] { return c.in_flight < c.high_water || !c.error.empty(); })) return err;
  if (!c.error.empty()) return AVERROR(EIO);
  auto* r = new Request{"write", c.position, 0, std::vector<uint8_t>(buf, buf + size)};
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
  int64_t target = whence == SEEK_SET ? offset : whence == SEEK_CUR ? c.position + offset : size >= 0 ? size + offset : -1;
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
  if (!Ask(c, new Request{"seek", target, generation, {}})) return AVERROR(EIO);
  if (int err = Wait(c, lock, [&] { return c.seek_answered; })) return err;
  if (c.seek_result >= 0) c.position = c.seek_result;
  return c.seek_result;
}

// A Buffer that owns the bytes (no copy).
Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, std::vector<uint8_t> data) {
  if (data.empty()) return Napi::Buffer<uint8_t>::New(env, 0);
  auto* bytes = new std::vector<uint8_t>(std::move(data));
  return Napi::Buffer<uint8_t>::New(env, bytes->data(), bytes->size(),
                                    [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, bytes);
}

void CallJs(napi_env env, napi_value fn, void*, void* data) {
  std::unique_ptr<Request> r(static_cast<Request*>(data));
  if (!env || !fn) return;
  Napi::Env e(env);
  Napi::HandleScope scope(e);
  Napi::Value payload = e.Undefined();
  if (std::strcmp(r->kind, "write") == 0) payload = ToBuffer(e, std::move(r->data));
  napi_value ignored;
  napi_value args[4] = {Napi::String::New(e, r->kind), Napi::Number::New(e, static_cast<double>(r->position)),
                        Napi::Number::New(e, static_cast<double>(r->generation)), payload};
  // The JS side catches its own errors; anything escaping is cleared so the process lives.
  if (napi_call_function(env, e.Undefined(), fn, 4, args, &ignored) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
  }
}

}  // namespace

AVIOContext* OpenIo(const std::shared_ptr<IoChannel>& channel, std::atomic<bool>* aborted) {
  channel->aborted = aborted;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  if (!buffer) throw AvException(AVERROR(ENOMEM), "av_malloc");
  auto* opaque = new ChannelRef(channel);
  bool seekable = channel->seekable || channel->in_memory || channel->to_memory;
  AVIOContext* io = avio_alloc_context(buffer, kBufferSize, channel->writing ? 1 : 0, opaque,
                                       channel->writing ? nullptr : ReadPacket,
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

Napi::Function IoBridge::Init(Napi::Env env) {
  return DefineClass(env, "IoBridge",
                     {
                         Method<&IoBridge::Push>("push"),
                         Method<&IoBridge::End>("end"),
                         Method<&IoBridge::Fail>("fail"),
                         Method<&IoBridge::SeekDone>("seekDone"),
                         Method<&IoBridge::Drained>("drained"),
                         Method<&IoBridge::TakeMemory>("takeMemory"),
                         Method<&IoBridge::Release>("release"),
                     });
}

// new IoBridge({ kind: 'source' | 'sink' | 'memory-source' | 'memory-sink', onRequest?, seekable?,
//                size?, highWater?, timeout?, data? })
IoBridge::IoBridge(const Napi::CallbackInfo& info) : Wrapped<IoBridge>(info), channel_(std::make_shared<IoChannel>()) {
  Tag(info);
  Napi::Object o = info[0].As<Napi::Object>();
  std::string kind = GetString(o, "kind");
  IoChannel& c = *channel_;
  c.writing = kind == "sink" || kind == "memory-sink";
  c.in_memory = kind == "memory-source";
  c.to_memory = kind == "memory-sink";
  c.seekable = GetBool(o, "seekable", false);
  c.size = GetInt(o, "size", -1);
  c.high_water = static_cast<size_t>(std::max<int64_t>(GetInt(o, "highWater", 1 << 20), kBufferSize));
  c.timeout_ms = GetInt(o, "timeout", 0);
  c.max_bytes = GetInt(o, "maxBytes", 0);
  if (c.in_memory) {
    Napi::Uint8Array data = o.Get("data").As<Napi::Uint8Array>();
    c.memory.assign(data.Data(), data.Data() + data.ByteLength());  // JS may reuse its buffer
  }
  if (o.Get("onRequest").IsFunction()) {
    napi_value name;
    napi_create_string_utf8(info.Env(), "avforge:io", NAPI_AUTO_LENGTH, &name);
    // When Node destroys the threadsafe function (released, or the environment is going
    // away), forget it, so nothing releases it twice.
    auto* keep = new std::shared_ptr<IoChannel>(channel_);
    napi_finalize forget = [](napi_env, void* data, void*) {
      std::unique_ptr<std::shared_ptr<IoChannel>> ref(static_cast<std::shared_ptr<IoChannel>*>(data));
      std::lock_guard<std::mutex> lock((*ref)->m);
      (*ref)->tsfn = nullptr;
      (*ref)->closed = true;
      (*ref)->cv.notify_all();
    };
    if (napi_create_threadsafe_function(info.Env(), o.Get("onRequest"), nullptr, name, 0, 1, keep, forget,
                                        nullptr, CallJs, &c.tsfn) != napi_ok) {
      delete keep;
      throw Napi::Error::New(info.Env(), "avforge: cannot create the I/O bridge");
    }
    napi_unref_threadsafe_function(info.Env(), c.tsfn);  // the source or sink keeps the loop alive
  }
}

void CloseChannel(IoChannel& c) {
  std::lock_guard<std::mutex> lock(c.m);
  c.closed = true;
  // napi_release_threadsafe_function may be called from any thread.
  if (c.tsfn) napi_release_threadsafe_function(c.tsfn, napi_tsfn_abort);
  c.tsfn = nullptr;
  c.cv.notify_all();
}

IoBridge::~IoBridge() { CloseChannel(*channel_); }

// push(chunk, generation) -> whether more is welcome (false: above the high-water mark)
Napi::Value IoBridge::Push(const Napi::CallbackInfo& info) {
  Napi::Uint8Array chunk = info[0].As<Napi::Uint8Array>();
  uint64_t generation = static_cast<uint64_t>(info[1].ToNumber().Int64Value());
  std::lock_guard<std::mutex> lock(channel_->m);
  IoChannel& c = *channel_;
  c.asked = false;
  if (generation == c.seek_generation && chunk.ByteLength() > 0 && !c.ended) {
    c.chunks.emplace_back(chunk.Data(), chunk.Data() + chunk.ByteLength());
    c.queued += chunk.ByteLength();
  }
  c.cv.notify_all();
  return Napi::Boolean::New(info.Env(), c.queued < c.high_water);
}

Napi::Value IoBridge::End(const Napi::CallbackInfo& info) {
  uint64_t generation = info[0].IsNumber() ? static_cast<uint64_t>(info[0].ToNumber().Int64Value()) : 0;
  std::lock_guard<std::mutex> lock(channel_->m);
  if (!info[0].IsNumber() || generation == channel_->seek_generation) channel_->ended = true;
  channel_->cv.notify_all();
  return info.Env().Undefined();
}

Napi::Value IoBridge::Fail(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(channel_->m);
  channel_->error = info[0].ToString().Utf8Value();
  if (channel_->error.empty()) channel_->error = "I/O error";
  channel_->cv.notify_all();
  return info.Env().Undefined();
}

// seekDone(generation, position | -errno)
Napi::Value IoBridge::SeekDone(const Napi::CallbackInfo& info) {
  uint64_t generation = static_cast<uint64_t>(info[0].ToNumber().Int64Value());
  std::lock_guard<std::mutex> lock(channel_->m);
  if (generation == channel_->seek_generation) {
    channel_->seek_result = info[1].ToNumber().Int64Value();
    channel_->seek_answered = true;
    channel_->cv.notify_all();
  }
  return info.Env().Undefined();
}

// drained(bytes): the sink wrote what it was given.
Napi::Value IoBridge::Drained(const Napi::CallbackInfo& info) {
  size_t bytes = static_cast<size_t>(info[0].ToNumber().Int64Value());
  std::lock_guard<std::mutex> lock(channel_->m);
  channel_->in_flight -= std::min(bytes, channel_->in_flight);
  channel_->cv.notify_all();
  return info.Env().Undefined();
}

// The bytes of a memory sink (after the muxer's trailer).
Napi::Value IoBridge::TakeMemory(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(channel_->m);
  Napi::Buffer<uint8_t> out = ToBuffer(info.Env(), std::move(channel_->memory));
  channel_->memory.clear();
  return out;
}

// release(): the JS side is done; pending and future waits fail at once.
Napi::Value IoBridge::Release(const Napi::CallbackInfo& info) {
  CloseChannel(*channel_);
  return info.Env().Undefined();
}

}  // namespace avf
