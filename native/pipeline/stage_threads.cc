#include "pipeline/stage_threads.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>

namespace avf::pipeline {

namespace {

// An idle thread beyond the first `keep_` leaves at once; the kept ones leave after this long
// without a job, so a quiet process holds none.
constexpr auto kIdleLinger = std::chrono::seconds(30);

// Stage threads (and the codec threads they start, which inherit it) run a little below the
// JS thread: on a busy machine the event loop still gets the CPU first, so a job's progress
// never stalls a server's requests. Alone on the machine, they run at full speed as before.
// Once per thread: a kept thread keeps its priority from job to job.
void LowerThreadPriority() {
#ifdef __linux__
  pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(nice + 5, 19));
#endif
}

}  // namespace

StageThreads& StageThreads::Get() {
  static StageThreads* threads = new StageThreads();  // never destroyed: its threads are detached
  return *threads;
}

// As many as a few jobs' stages at once on this machine (a transcode has about 5 stages); a
// burst of more jobs starts more threads, and those beyond this many leave when it is over.
StageThreads::StageThreads() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  keep_ = std::max(16, 4 * cores);
  if (const char* env = std::getenv("AVFORGE_STAGE_THREADS")) {
    int n = std::atoi(env);
    if (n >= 0) keep_ = n;
  }
}

void StageThreads::Start(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(m_);
  tasks_.push_back(std::move(fn));
  if (idle_ >= static_cast<int>(tasks_.size())) {
    cv_.notify_one();
    return;
  }
  try {
    std::thread([this] { Loop(); }).detach();
    started_++;
  } catch (...) {
    tasks_.pop_back();
    throw;
  }
}

void StageThreads::Loop() {
  LowerThreadPriority();
  std::unique_lock<std::mutex> lock(m_);
  for (;;) {
    if (!tasks_.empty()) {
      auto fn = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      fn();
      fn = nullptr;  // what the task holds is released before the thread waits again
      lock.lock();
    }
    if (!tasks_.empty()) continue;
    if (idle_ >= keep_) return;
    ++idle_;
    bool woke = cv_.wait_for(lock, kIdleLinger, [this] { return !tasks_.empty(); });
    --idle_;
    if (!woke) return;
  }
}

int StageThreads::Started() const {
  std::lock_guard<std::mutex> lock(m_);
  return started_;
}

int StageThreads::Idle() const {
  std::lock_guard<std::mutex> lock(m_);
  return idle_;
}

}  // namespace avf::pipeline
