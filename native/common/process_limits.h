// Resource limits of this process (setrlimit, and dying with the parent), for the Engine's
// isolated job processes: the limit a child sets on itself is enforced by the kernel.
#pragma once
#include <napi.h>

namespace avf {
void InitProcessLimits(Napi::Env env, Napi::Object exports);
}  // namespace avf
