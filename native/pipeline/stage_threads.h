// The threads pipeline stages run on, kept across jobs: a short job (a thumbnail, a short
// remux) starts no thread of its own, and its stages run on threads whose stacks and malloc
// arenas are already warm. Neither libuv's pool nor the addon's executor pool: a stage blocks
// on its queues for as long as the media lasts, so every stage gets a thread at once, never a
// place in a queue behind another stage (which could wait on it).
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace avf::pipeline {

class StageThreads {
 public:
  static StageThreads& Get();
  // Runs `fn` on an idle kept thread, or on a new one when none is idle. Throws
  // std::system_error when no thread can be started (a memory or process limit).
  void Start(std::function<void()> fn);
  // For tests and the bench: threads started since the process began, and idle now.
  int Started() const;
  int Idle() const;

 private:
  StageThreads();
  void Loop();
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  int idle_ = 0;     // threads waiting for a task (tasks_ not yet taken are promised to them)
  int started_ = 0;  // threads ever started
  int keep_;         // idle threads kept at most; more leave as they finish
};

}  // namespace avf::pipeline
