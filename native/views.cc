#include "views.h"

#include <algorithm>

namespace avf {

Napi::ArrayBuffer WrapBuffer(Napi::Env env, AVBufferRef* buf) {
  AVBufferRef* ref = av_buffer_ref(buf);
  if (!ref) throw Napi::Error::New(env, "av_buffer_ref: out of memory");
  size_t size = ref->size;
  auto ab = Napi::ArrayBuffer::New(
      env, ref->data, size,
      [](Napi::Env env, void*, AVBufferRef* r) {
        Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(r->size));
        av_buffer_unref(&r);
      },
      ref);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(size));
  return ab;
}

Napi::Uint8Array ViewInto(Napi::Env env, Napi::ArrayBuffer owner, const AVBufferRef* buf,
                          const uint8_t* data, size_t size) {
  const uint8_t* begin = buf->data;
  const uint8_t* end = buf->data + buf->size;
  if (data < begin || data > end) return Napi::Uint8Array::New(env, 0);
  size = std::min(size, static_cast<size_t>(end - data));  // never past the buffer
  return Napi::Uint8Array::New(env, size, owner, static_cast<size_t>(data - begin));
}

}  // namespace avf
