// libav's log, routed to a JS-settable logger instead of straight to stderr.
#pragma once
#include <napi.h>

namespace avf {
void InitLog(Napi::Env env, Napi::Object exports);
// For avforge's own warnings (a skipped damaged packet): same path as libav's.
void LogWarning(const char* context, const char* fmt, ...);
}  // namespace avf
