// The base of the classes over one FFmpeg context (Demuxer, Muxer, Decoder, Encoder):
// state shared by the JS wrapper and every queued job, one serial queue per context, and
// close() that frees the context on that queue after the work already in it.
#pragma once
#include <atomic>
#include <memory>
#include <utility>

#include "common/executor.h"
#include "common/wrap.h"

namespace avf {

struct Resource {
  virtual ~Resource() = default;
  // Frees the libav objects. Runs on the strand (or in the destructor), never concurrently
  // with a job of the same object.
  virtual void Release() = 0;
  std::shared_ptr<Strand> strand = std::make_shared<Strand>();
  std::atomic<bool> closed{false};
};

template <class T, class S>
class AsyncWrapped : public Wrapped<T> {
 public:
  using Wrapped<T>::Wrapped;

  // The finalizer: a wrapper collected without close() still frees its context, on its queue.
  ~AsyncWrapped() override {
    if (!state_->closed.exchange(true)) state_->strand->Post([s = state_] { s->Release(); });
  }

 protected:
  // Queues work(S&) -> R on this object's strand; done(env, R&) -> Value resolves the promise.
  // Work queued before close() but not started when it closes fails with ERR_CLOSED.
  template <class Work, class Done>
  Napi::Promise Run(const Napi::CallbackInfo& info, const char* op, Work work, Done done, bool keep_alive = true) {
    if (state_->closed) ThrowClosed(T::kName, op);
    return Schedule(
        info.Env(), info.This(), state_->strand,
        [s = state_, op, work = std::move(work)]() mutable {
          if (s->closed) ThrowClosed(T::kName, op);
          return work(*s);
        },
        std::move(done), keep_alive);
  }

  void CheckOpen(const char* op) const {
    if (state_->closed) ThrowClosed(T::kName, op);
  }

  // close(): idempotent; resolves once the context is freed.
  Napi::Value CloseAsync(const Napi::CallbackInfo& info) {
    state_->closed = true;
    return Schedule(
        info.Env(), info.This(), state_->strand,
        [s = state_] {
          s->Release();
          return true;
        },
        [](Napi::Env env, bool&) { return env.Undefined(); });
  }

  Napi::Value IsClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_->closed); }

  std::shared_ptr<S> state_ = std::make_shared<S>();
};

}  // namespace avf
