#include "pipeline/taps.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <utility>
#include <vector>

#include "common/executor.h"
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
  {
    std::lock_guard<std::mutex> lock(call->m);
    if (call->abandoned) return;
  }
  // The tap throwing, or the environment going away under the call: the batch fails.
  bool called = CallIntoJs([&] {
    Napi::Env env(raw_env);
    Napi::HandleScope scope(env);
    std::vector<FramePtr> refs;
    {
      std::lock_guard<std::mutex> lock(call->m);
      for (auto& f : call->frames) refs.push_back(RefFrame(f.get()));
    }
    // done(error?): JS keeps the error itself, and rethrows it when the run fails with ERR_TAP.
    Napi::Function done = Napi::Function::New(env, [finish](const Napi::CallbackInfo& info) {
      finish(info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull());
    });
    Napi::Function(env, fn).Call({Napi::Number::New(env, call->stream), Frame::WrapAll(env, refs), done});
  });
  if (!called) finish(true);
}

}  // namespace

std::shared_ptr<TapFunction> TapFunction::Create(Napi::Env env, Napi::Value tap) {
  if (!tap.IsFunction()) return nullptr;
  auto fn = std::make_shared<TapFunction>();
  napi_value name = Napi::String::New(env, "avforge:tap");
  // Node calls `forget` when it destroys the function: released, or with its environment.
  auto* keep = new std::shared_ptr<TapFunction>(fn);
  napi_finalize forget = [](napi_env, void* data, void*) {
    std::unique_ptr<std::shared_ptr<TapFunction>> ref(static_cast<std::shared_ptr<TapFunction>*>(data));
    std::lock_guard<std::mutex> lock((*ref)->m_);
    (*ref)->tsfn_ = nullptr;
  };
  if (napi_create_threadsafe_function(env, tap, nullptr, name, 0, 1, keep, forget, nullptr, CallTap, &fn->tsfn_) !=
      napi_ok) {
    delete keep;
    throw AvException("EINVAL", "Cannot create the tap callback", "run");
  }
  return fn;
}

bool TapFunction::Call(void* data) {
  std::lock_guard<std::mutex> lock(m_);
  return tsfn_ && napi_call_threadsafe_function(tsfn_, data, napi_tsfn_nonblocking) == napi_ok;
}

void TapFunction::Release() {
  std::lock_guard<std::mutex> lock(m_);
  if (tsfn_) napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
  tsfn_ = nullptr;
}

TapHook MakeTapHook(const std::shared_ptr<TapFunction>& fn, const std::atomic<bool>& halted) {
  if (!fn) return nullptr;
  return [fn, &halted](int stream, std::vector<FramePtr>& frames) {
    auto call = std::make_shared<TapCall>();
    call->stream = stream;
    call->frames = std::move(frames);
    auto* data = new std::shared_ptr<TapCall>(call);
    if (!fn->Call(data)) {
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
