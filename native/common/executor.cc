#include "common/executor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>

#include "common/instance.h"
#include "common/process_exit.h"

namespace avf {

ThreadPool& ThreadPool::Get() {
  static ThreadPool* pool = new ThreadPool();  // leaked on purpose: see the header
  return *pool;
}

ThreadPool::ThreadPool() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  max_threads_ = std::max(16, 4 * cores);
  if (const char* env = std::getenv("AVFORGE_MAX_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) max_threads_ = n;
  }
}

void ThreadPool::Post(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(m_);
  queue_.push_back(std::move(fn));
  if (idle_ == 0 && threads_ < max_threads_) {
    ++threads_;
    std::thread([this] { Loop(); }).detach();
  } else {
    cv_.notify_one();
  }
}

void ThreadPool::Loop() {
  std::unique_lock<std::mutex> lock(m_);
  for (;;) {
    ++idle_;
    bool woke = cv_.wait_for(lock, std::chrono::seconds(30), [this] { return !queue_.empty(); });
    --idle_;
    if (!woke) {  // idle threads leave, so a quiet process holds none
      --threads_;
      return;
    }
    auto fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

void Strand::Post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(m_);
  queue_.push_back(std::move(fn));
  if (!running_) {
    running_ = true;
    ThreadPool::Get().Post([self = shared_from_this()] { self->Drain(); });
  }
}

void Strand::Drain() {
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(m_);
      if (queue_.empty()) {
        running_ = false;
        return;
      }
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
  }
}

Completions::Completions(Napi::Env env) {
  napi_value name;
  napi_create_string_utf8(env, "avforge:completions", NAPI_AUTO_LENGTH, &name);
  napi_status st =
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, CallJs, &tsfn_);
  if (st != napi_ok) NAPI_THROW_VOID(Napi::Error::New(env, "avforge: cannot create completion queue"));
  napi_unref_threadsafe_function(env, tsfn_);  // an idle addon must not keep the process alive
}

Napi::Promise Completions::Schedule(Napi::Env env, Napi::Value self, const std::shared_ptr<Strand>& strand,
                                    std::unique_ptr<Job> job, bool keep_alive) {
  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &job->deferred_, &promise), Napi::Promise());
  if (!self.IsEmpty() && self.IsObject()) napi_create_reference(env, self, 1, &job->self_);
  job->keep_alive_ = keep_alive;
  if (keep_alive && pending_++ == 0) napi_ref_threadsafe_function(env, tsfn_);
  Job* raw = job.release();
  auto run = [raw, keep = GetInstance(env).completions] {
    NativeWork work;
    try {
      raw->Execute();
    } catch (...) {
      raw->error_ = std::current_exception();
    }
    keep->Finished(raw);
  };
  if (strand)
    strand->Post(std::move(run));
  else
    std::thread(std::move(run)).detach();
  return Napi::Promise(env, promise);
}

void Completions::Finished(Job* job) {
  std::lock_guard<std::mutex> lock(m_);
  if (closing_) {
    // The environment is gone: its handles cannot be released from here. Free only
    // the native side of the job.
    job->deferred_ = nullptr;
    job->self_ = nullptr;
    delete job;
    return;
  }
  done_.push_back(job);
  if (done_.size() == 1) napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
}

void Completions::CallJs(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;
  static_cast<Completions*>(context)->Drain(Napi::Env(env));
}

void Completions::Drain(Napi::Env env) {
  std::vector<Job*> batch;
  {
    std::lock_guard<std::mutex> lock(m_);
    batch.swap(done_);
  }
  for (Job* job : batch) {
    std::unique_ptr<Job> owned(job);
    // Settling makes JS values; in an environment going away that throws, and the promise
    // is left as it is (nobody can await it any more).
    CallIntoJs([&] { Settle(env, *job); });
    if (job->self_) napi_delete_reference(env, job->self_);
    if (job->keep_alive_ && --pending_ == 0) napi_unref_threadsafe_function(env, tsfn_);
  }
}

void Completions::Settle(Napi::Env env, Job& job) {
  Napi::HandleScope scope(env);
  napi_value outcome = nullptr;
  bool ok = false;
  try {
    if (job.error_) std::rethrow_exception(job.error_);
    outcome = job.Complete(env);
    ok = true;
  } catch (const AvException& e) {
    outcome = e.ToJs(env).Value();
  } catch (const Napi::Error& e) {
    outcome = e.Value();
  } catch (const std::exception& e) {
    outcome = Napi::Error::New(env, e.what()).Value();
  }
  if (ok)
    napi_resolve_deferred(env, job.deferred_, outcome);
  else
    napi_reject_deferred(env, job.deferred_, outcome);
}

void Completions::Shutdown() {
  std::lock_guard<std::mutex> lock(m_);
  if (closing_) return;
  closing_ = true;
  for (Job* job : done_) delete job;
  done_.clear();
  napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
}

Napi::Promise ScheduleJob(Napi::Env env, Napi::Value self, const std::shared_ptr<Strand>& strand,
                          std::unique_ptr<Job> job, bool keep_alive) {
  return GetInstance(env).completions->Schedule(env, self, strand, std::move(job), keep_alive);
}

}  // namespace avf
