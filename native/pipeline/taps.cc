#include "pipeline/taps.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <utility>
#include <vector>

#include "frame.h"

namespace avf {

namespace {

// One batch on its way to JS and back.
struct TapCall {
  int stream = 0;
  std::vector<FramePtr> frames;  // owned here, so a call abandoned by a halted run stays valid
  std::mutex m;
  std::condition_variable cv;
  bool done = false, failed = false, abandoned = false;
};

// On the JS thread: JS gets its own references to the frames and a done(error?) to call.
void CallTap(napi_env raw_env, napi_value fn, void*, void* data) {
  std::unique_ptr<std::shared_ptr<TapCall>> holder(static_cast<std::shared_ptr<TapCall>*>(data));
  std::shared_ptr<TapCall> call = *holder;
  auto finish = [call](bool failed) {
    std::lock_guard<std::mutex> lock(call->m);
    call->done = true;
    call->failed = failed;
    call->cv.notify_all();
  };
  if (!raw_env) return finish(true);  // the environment is going away
  Napi::Env env(raw_env);
  Napi::HandleScope scope(env);
  std::vector<FramePtr> refs;
  {
    std::lock_guard<std::mutex> lock(call->m);
    if (call->abandoned) return;
    for (auto& f : call->frames) refs.push_back(RefFrame(f.get()));
  }
  // done(error?): JS keeps the error itself, and rethrows it when the run fails with ERR_TAP.
  Napi::Function done = Napi::Function::New(env, [finish](const Napi::CallbackInfo& info) {
    finish(info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull());
  });
  try {
    Napi::Function(env, fn).Call({Napi::Number::New(env, call->stream), Frame::WrapAll(env, refs), done});
  } catch (const Napi::Error&) {
    finish(true);
  }
}

}  // namespace

napi_threadsafe_function CreateTapFunction(Napi::Env env, Napi::Value tap) {
  if (!tap.IsFunction()) return nullptr;
  napi_threadsafe_function tsfn = nullptr;
  napi_value name = Napi::String::New(env, "avforge:tap");
  if (napi_create_threadsafe_function(env, tap, nullptr, name, 0, 1, nullptr, nullptr, nullptr, CallTap, &tsfn) !=
      napi_ok)
    throw AvException("EINVAL", "Cannot create the tap callback", "run");
  return tsfn;
}

TapHook MakeTapHook(napi_threadsafe_function tsfn, const std::atomic<bool>& halted) {
  if (!tsfn) return nullptr;
  return [tsfn, &halted](int stream, std::vector<FramePtr>& frames) {
    auto call = std::make_shared<TapCall>();
    call->stream = stream;
    call->frames = std::move(frames);
    auto* data = new std::shared_ptr<TapCall>(call);
    if (napi_call_threadsafe_function(tsfn, data, napi_tsfn_blocking) != napi_ok) {
      delete data;
      return false;
    }
    std::unique_lock<std::mutex> lock(call->m);
    while (!call->done && !halted) call->cv.wait_for(lock, std::chrono::milliseconds(50));
    if (!call->done) {
      call->abandoned = true;
      return false;
    }
    frames = std::move(call->frames);
    return !call->failed;
  };
}

}  // namespace avf
