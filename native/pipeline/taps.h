// Frame taps: a batch of an output stream's frames goes to JS through a threadsafe function,
// and the encode stage waits until JS calls done() (that is the backpressure), or until the
// run halts.
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>

#include "pipeline/run.h"

namespace avf {

// The threadsafe function over JS's tap(stream, frames, done), as the run's threads hold it.
// The environment may destroy it before the run ends (a Worker terminated mid-run): from then
// on calls fail and Release() does nothing, instead of touching a freed function.
class TapFunction {
 public:
  // Null when the run has no tap; throws AvException when Node cannot make one.
  static std::shared_ptr<TapFunction> Create(Napi::Env env, Napi::Value tap);
  bool Call(void* data);  // false when the function is gone or closing
  void Release();         // the run is done with it; any thread

 private:
  std::mutex m_;
  napi_threadsafe_function tsfn_ = nullptr;
};

// The hook the encode stages call on their threads; `halted` ends a wait JS never answers.
TapHook MakeTapHook(const std::shared_ptr<TapFunction>& fn, const std::atomic<bool>& halted);

}  // namespace avf
