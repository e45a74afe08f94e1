#include "common/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/compat.h"

namespace avf {

namespace {

struct LogLine {
  int level;
  std::string text;
};

std::atomic<int> g_level{AV_LOG_WARNING};
std::mutex g_mutex;
napi_threadsafe_function g_sink = nullptr;  // the JS logger, when one is set
napi_env g_sink_env = nullptr;

void CallJs(napi_env env, napi_value fn, void*, void* data) {
  std::unique_ptr<LogLine> line(static_cast<LogLine*>(data));
  if (env == nullptr || fn == nullptr) return;
  napi_value args[2], undefined, ignored;
  napi_create_int32(env, line->level, &args[0]);
  napi_create_string_utf8(env, line->text.data(), line->text.size(), &args[1]);
  napi_get_undefined(env, &undefined);
  // A throwing logger must not take the process down: the exception is reported by
  // Node as uncaught only if we leave it pending, so clear it here.
  if (napi_call_function(env, undefined, fn, 2, args, &ignored) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
  }
}

void Deliver(int level, std::string text) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_sink) {
      auto* line = new LogLine{level, std::move(text)};
      if (napi_call_threadsafe_function(g_sink, line, napi_tsfn_nonblocking) != napi_ok) delete line;
      return;
    }
  }
  fprintf(stderr, "%s\n", text.c_str());
}

thread_local LogObserver* t_observer = nullptr;

void Callback(void* avcl, int level, const char* fmt, va_list vl) {
  if (t_observer) {
    va_list copy;
    va_copy(copy, vl);
    bool taken = t_observer->See(avcl, level, fmt, copy);
    va_end(copy);
    if (taken) return;
  }
  if (level > g_level.load(std::memory_order_relaxed)) return;
  // libav writes a line in pieces; join them per thread until the newline.
  thread_local int print_prefix = 1;
  thread_local std::string pending;
  char buf[2048];
  av_log_format_line2(avcl, level, fmt, vl, buf, sizeof(buf), &print_prefix);
  pending += buf;
  if (pending.empty() || pending.back() != '\n') return;
  pending.pop_back();
  std::string text;
  text.swap(pending);
  Deliver(level, std::move(text));
}

// Node finalizes the logger's function itself when its environment goes away (process.exit()
// from a callback, a terminated Worker), possibly before our cleanup hook runs: from then on a
// libav thread that logs must not touch it, so the finalizer forgets it under the same lock.
void SinkFinalized(napi_env, void* data, void*) {
  std::unique_ptr<napi_threadsafe_function> tsfn(static_cast<napi_threadsafe_function*>(data));
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_sink == *tsfn) {
    g_sink = nullptr;
    g_sink_env = nullptr;
  }
}

void ReleaseSink() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_sink) napi_release_threadsafe_function(g_sink, napi_tsfn_abort);
  g_sink = nullptr;
  g_sink_env = nullptr;
}

void SetLogLevel(const Napi::CallbackInfo& info) {
  int level = info[0].As<Napi::Number>().Int32Value();
  g_level.store(level);
  av_log_set_level(level);
}

void SetLogHandler(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  ReleaseSink();
  if (!info[0].IsFunction()) return;
  napi_value name;
  napi_create_string_utf8(env, "avforge:log", NAPI_AUTO_LENGTH, &name);
  auto holder = std::make_unique<napi_threadsafe_function>(nullptr);  // the finalizer's own copy
  std::lock_guard<std::mutex> lock(g_mutex);  // before the function exists: its finalizer takes it
  napi_threadsafe_function tsfn;
  if (napi_create_threadsafe_function(env, info[0], nullptr, name, 1024, 1, holder.get(), SinkFinalized, nullptr,
                                      CallJs, &tsfn) != napi_ok)
    throw Napi::Error::New(info.Env(), "avforge: cannot install the logger");
  *holder.release() = tsfn;
  napi_unref_threadsafe_function(env, tsfn);
  g_sink = tsfn;
  g_sink_env = env;
}

}  // namespace

ScopedLogObserver::ScopedLogObserver(LogObserver* observer) : previous_(t_observer) { t_observer = observer; }
ScopedLogObserver::~ScopedLogObserver() { t_observer = previous_; }

void LogWarning(const char* context, const char* fmt, ...) {
  if (AV_LOG_WARNING > g_level.load(std::memory_order_relaxed)) return;
  char buf[1024];
  va_list vl;
  va_start(vl, fmt);
  vsnprintf(buf, sizeof(buf), fmt, vl);
  va_end(vl);
  Deliver(AV_LOG_WARNING, std::string("[") + context + "] " + buf);
}

void InitLog(Napi::Env env, Napi::Object exports) {
  av_log_set_callback(Callback);
  av_log_set_level(g_level.load());
  exports.Set("setLogLevel", Napi::Function::New(env, SetLogLevel));
  exports.Set("setLogHandler", Napi::Function::New(env, SetLogHandler));
  napi_add_env_cleanup_hook(
      env,
      [](void* arg) {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (g_sink_env != static_cast<napi_env>(arg)) return;
        napi_release_threadsafe_function(g_sink, napi_tsfn_abort);
        g_sink = nullptr;
        g_sink_env = nullptr;
      },
      env);
}

}  // namespace avf
