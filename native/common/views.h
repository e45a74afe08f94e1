// Zero-copy views, implemented once: a JS ArrayBuffer over an AVBufferRef's memory that
// holds its own reference to the buffer, so the view outlives the Packet or Frame it came
// from and nothing it points at is freed while JS can reach it.
#pragma once
#include <napi.h>

#include "common/compat.h"

namespace avf {

// An ArrayBuffer over all of `buf`, holding a new reference; reported to V8 as external memory.
Napi::ArrayBuffer WrapBuffer(Napi::Env env, AVBufferRef* buf);

// A Uint8Array of [data, data + size) inside `owner`, which must be one of the
// ArrayBuffers from WrapBuffer over the buffer that holds data.
Napi::Uint8Array ViewInto(Napi::Env env, Napi::ArrayBuffer owner, const AVBufferRef* buf, const uint8_t* data,
                          size_t size);

// Tells V8 about native memory that JS objects hold, in steps of at least 1 MiB: a call per
// audio frame or small packet would trigger collections for no gain.
void ReportExternalMemory(Napi::Env env, int64_t delta);

// How many of the references to `buffer` are held by views (JS ArrayBuffers) right now.
// A frame whose only other references are its own views may be written in place.
int ViewReferences(const AVBuffer* buffer);

}  // namespace avf
