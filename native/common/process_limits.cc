#include "common/process_limits.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif
#if defined(__linux__)
#include <sys/prctl.h>

#include <csignal>
#endif

namespace avf {

namespace {

#if defined(__unix__) || defined(__APPLE__)
// The limits avforge sets, by the names JS uses.
bool ResourceOf(const std::string& name, int* resource) {
  if (name == "data")
    *resource = RLIMIT_DATA;
  else if (name == "cpu")
    *resource = RLIMIT_CPU;
  else if (name == "core")
    *resource = RLIMIT_CORE;
  else
    return false;
  return true;
}

Napi::Value Limit(Napi::Env env, rlim_t v) {
  if (v == RLIM_INFINITY) return env.Null();
  return Napi::Number::New(env, static_cast<double>(v));
}
#endif

// setProcessLimit(name, soft): sets the soft limit ('data': bytes, 'cpu': seconds, 'core':
// bytes; null: as high as the hard limit). The hard limit is left alone: an unprivileged
// process can never raise it again, and an isolated child sets a new soft limit per job.
// Returns the limit now in force, { soft, hard } (null: unlimited); throws on failure.
Napi::Value SetProcessLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#if defined(__unix__) || defined(__APPLE__)
  int resource = 0;
  if (!info[0].IsString() || !ResourceOf(info[0].As<Napi::String>(), &resource))
    throw Napi::TypeError::New(env, "setProcessLimit: expected 'data', 'cpu' or 'core'");
  struct rlimit r {};
  if (getrlimit(resource, &r) != 0) throw Napi::Error::New(env, std::string("getrlimit: ") + std::strerror(errno));
  if (info[1].IsNull() || info[1].IsUndefined()) {
    r.rlim_cur = r.rlim_max;
  } else {
    double soft = info[1].ToNumber().DoubleValue();
    if (!(soft >= 0) || !std::isfinite(soft))
      throw Napi::TypeError::New(env, "setProcessLimit: expected a number >= 0 or null");
    rlim_t want = static_cast<rlim_t>(soft);
    r.rlim_cur = r.rlim_max == RLIM_INFINITY || want < r.rlim_max ? want : r.rlim_max;
  }
  if (setrlimit(resource, &r) != 0) throw Napi::Error::New(env, std::string("setrlimit: ") + std::strerror(errno));
  Napi::Object o = Napi::Object::New(env);
  o.Set("soft", Limit(env, r.rlim_cur));
  o.Set("hard", Limit(env, r.rlim_max));
  return o;
#else
  return env.Null();
#endif
}

// dieWithParent(): the kernel kills this process when its parent dies, even a parent killed
// with SIGKILL and a child whose event loop is busy. Linux only (false elsewhere).
Napi::Value DieWithParent(const Napi::CallbackInfo& info) {
#if defined(__linux__)
  return Napi::Boolean::New(info.Env(), prctl(PR_SET_PDEATHSIG, SIGKILL) == 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void InitProcessLimits(Napi::Env env, Napi::Object exports) {
  exports.Set("setProcessLimit", Napi::Function::New(env, SetProcessLimit));
  exports.Set("dieWithParent", Napi::Function::New(env, DieWithParent));
}

}  // namespace avf
