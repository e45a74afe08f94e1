// libav's log, routed to a JS-settable logger instead of straight to stderr.
#pragma once
#include <napi.h>

#include <cstdarg>

namespace avf {
void InitLog(Napi::Env env, Napi::Object exports);
// For avforge's own warnings (a skipped damaged packet): same path as libav's.
void LogWarning(const char* context, const char* fmt, ...);

// Sees every libav log call of the thread that installs it, whatever the log level: for a step
// that must learn what libav only logs (the picture size a probe refused, why a device did not
// open). See returns true to keep the line from the logger (the step reports it itself). Keep it
// cheap: it runs for every line while installed. `avcl`: the context that logs (an
// AVFilterContext, a codec's AVCodecContext...), or null.
class LogObserver {
 public:
  virtual bool See(void* avcl, int level, const char* fmt, va_list vl) = 0;

 protected:
  ~LogObserver() = default;
};

// Installs an observer on the calling thread for its lifetime (restoring the one before it).
class ScopedLogObserver {
 public:
  explicit ScopedLogObserver(LogObserver* observer);
  ~ScopedLogObserver();
  ScopedLogObserver(const ScopedLogObserver&) = delete;
  ScopedLogObserver& operator=(const ScopedLogObserver&) = delete;

 private:
  LogObserver* previous_;
};
}  // namespace avf
