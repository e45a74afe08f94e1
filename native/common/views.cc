#include "common/views.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

namespace avf {

namespace {
// Views are made and collected on JS threads (one per environment): a mutex, not atomics.
std::mutex g_views_mutex;
std::unordered_map<const AVBuffer*, int> g_views;

void CountView(const AVBuffer* buffer, int delta) {
  std::lock_guard<std::mutex> lock(g_views_mutex);
  int& n = g_views[buffer];
  n += delta;
  if (n <= 0) g_views.erase(buffer);
}
}  // namespace

void ReportExternalMemory(Napi::Env env, int64_t delta) {
  thread_local int64_t pending = 0;  // one JS thread per environment
  pending += delta;
  if (pending >= (1 << 20) || pending <= -(1 << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, pending);
    pending = 0;
  }
}

int ViewReferences(const AVBuffer* buffer) {
  std::lock_guard<std::mutex> lock(g_views_mutex);
  auto it = g_views.find(buffer);
  return it == g_views.end() ? 0 : it->second;
}

Napi::ArrayBuffer WrapBuffer(Napi::Env env, AVBufferRef* buf) {
  AVBufferRef* ref = av_buffer_ref(buf);
  if (!ref) throw Napi::Error::New(env, "av_buffer_ref: out of memory");
  size_t size = ref->size;
  auto ab = Napi::ArrayBuffer::New(
      env, ref->data, size,
      [](Napi::Env env, void*, AVBufferRef* r) {
        ReportExternalMemory(env, -static_cast<int64_t>(r->size));
        CountView(r->buffer, -1);
        av_buffer_unref(&r);
      },
      ref);
  CountView(ref->buffer, +1);
  ReportExternalMemory(env, static_cast<int64_t>(size));
  return ab;
}

Napi::Uint8Array ViewInto(Napi::Env env, Napi::ArrayBuffer owner, const AVBufferRef* buf, const uint8_t* data,
                          size_t size) {
  const uint8_t* begin = buf->data;
  const uint8_t* end = buf->data + buf->size;
  if (data < begin || data > end) return Napi::Uint8Array::New(env, 0);
  size = std::min(size, static_cast<size_t>(end - data));  // never past the buffer
  return Napi::Uint8Array::New(env, size, owner, static_cast<size_t>(data - begin));
}

}  // namespace avf
