// Frame taps: a batch of an output stream's frames goes to JS through a threadsafe function,
// and the encode stage waits until JS calls done() (that is the backpressure), or until the
// run halts.
#pragma once
#include <napi.h>

#include "pipeline/run.h"

namespace avf {

// The threadsafe function over JS's tap(stream, frames, done); null when the run has no tap.
// Throws AvException when Node cannot make one.
napi_threadsafe_function CreateTapFunction(Napi::Env env, Napi::Value tap);

// The hook the encode stages call on their threads; `halted` ends a wait JS never answers.
TapHook MakeTapHook(napi_threadsafe_function tsfn, const std::atomic<bool>& halted);

}  // namespace avf
