// Threads owned by the addon (not libuv's pool), one serial queue per FFmpeg context, and
// the one way results come back to JS: a per-environment completion queue drained by a
// single threadsafe function, so a burst of finished jobs costs one event-loop wake-up.
#pragma once
#include <napi.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/error.h"

namespace avf {

// Process-wide pool that grows on demand up to a cap and is never destroyed: its threads
// are detached, so process.exit() with work in flight cannot hit std::terminate.
class ThreadPool {
 public:
  static ThreadPool& Get();
  void Post(std::function<void()> fn);

 private:
  ThreadPool();
  void Loop();
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  int threads_ = 0;
  int idle_ = 0;
  int max_threads_;
};

// Runs the tasks posted to it one at a time, in order, on the pool: FFmpeg contexts are
// not thread-safe, but different contexts run in parallel.
class Strand : public std::enable_shared_from_this<Strand> {
 public:
  void Post(std::function<void()> fn);

 private:
  void Drain();
  std::mutex m_;
  std::deque<std::function<void()>> queue_;
  bool running_ = false;
};

// One asynchronous call from JS: Execute() on a pool thread, Complete() on the JS thread.
class Job {
 public:
  virtual ~Job() = default;
  virtual void Execute() = 0;
  virtual Napi::Value Complete(Napi::Env env) = 0;

 private:
  friend class Completions;
  std::exception_ptr error_;
  napi_deferred deferred_ = nullptr;
  napi_ref self_ = nullptr;  // keeps the JS wrapper alive while the job is queued
  bool keep_alive_ = true;
};

// The body of a threadsafe function's call into JS. When the environment is going away (a
// Worker being terminated), Node refuses JS and many N-API calls fail; node-addon-api turns
// that into a C++ exception, which, escaping the C callback, would abort the whole process.
// Every such callback runs its body here. False when the body threw: the caller frees what
// the call carried and lets it go.
template <class Body>
bool CallIntoJs(Body&& body) noexcept {
  try {
    body();
    return true;
  } catch (...) {
    return false;
  }
}

class Completions {
 public:
  explicit Completions(Napi::Env env);
  // JS thread: make the promise, keep `self` alive, run the job on `strand` (or, with none,
  // on a thread of its own: a job that runs for minutes must not hold a pool thread).
  // keep_alive: the job holds the event loop open until it completes (false for read-ahead
  // that nobody may ever await).
  Napi::Promise Schedule(Napi::Env env, Napi::Value self, const std::shared_ptr<Strand>& strand,
                         std::unique_ptr<Job> job, bool keep_alive = true);
  void Shutdown();

 private:
  static void CallJs(napi_env env, napi_value, void* context, void*);
  void Finished(Job* job);  // any thread
  void Drain(Napi::Env env);
  static void Settle(Napi::Env env, Job& job);  // resolves or rejects the job's promise; may throw
  std::mutex m_;
  std::vector<Job*> done_;
  bool closing_ = false;
  napi_threadsafe_function tsfn_ = nullptr;
  int pending_ = 0;  // JS thread only
};

// Completions::Schedule on this environment's completion queue (common/instance.h).
Napi::Promise ScheduleJob(Napi::Env env, Napi::Value self, const std::shared_ptr<Strand>& strand,
                          std::unique_ptr<Job> job, bool keep_alive);

// A Job from two lambdas: work() -> R on the pool, done(env, R&) -> Value on the JS thread.
template <class R, class Work, class Done>
class LambdaJob : public Job {
 public:
  LambdaJob(Work w, Done d) : work_(std::move(w)), done_(std::move(d)) {}
  void Execute() override { result_ = work_(); }
  Napi::Value Complete(Napi::Env env) override { return done_(env, result_); }

 private:
  Work work_;
  Done done_;
  R result_{};
};

template <class Work, class Done>
Napi::Promise Schedule(Napi::Env env, Napi::Value self, const std::shared_ptr<Strand>& strand, Work work, Done done,
                       bool keep_alive = true) {
  using R = decltype(work());
  auto job = std::make_unique<LambdaJob<R, Work, Done>>(std::move(work), std::move(done));
  return ScheduleJob(env, self, strand, std::move(job), keep_alive);
}

}  // namespace avf
