#include "common/process_exit.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <list>
#include <mutex>
#include <utility>

namespace avf {

namespace {

// Long enough for a halted pipeline and a closing input to end; short enough that an exit
// never seems to hang on work that cannot end (a read waiting on a JS stream nobody feeds).
constexpr auto kExitWait = std::chrono::seconds(2);

// Never destroyed: the exit handler and late threads use them after static destructors ran.
struct ExitState {
  std::mutex m;
  std::condition_variable idle;
  std::atomic<int> in_flight{0};           // atomic: a job per packet pays no lock
  std::list<std::function<void()>> halts;  // a list: an entry's iterator stays valid
};

ExitState& State() {
  static ExitState* state = new ExitState();
  return *state;
}

void AtExit() {
  ExitState& s = State();
  std::unique_lock<std::mutex> lock(s.m);
  for (auto& halt : s.halts) halt();
  s.idle.wait_for(lock, kExitWait, [&] { return s.in_flight == 0; });
}

}  // namespace

NativeWork::NativeWork() { State().in_flight++; }

NativeWork::~NativeWork() {
  ExitState& s = State();
  if (--s.in_flight > 0) return;
  std::lock_guard<std::mutex> lock(s.m);  // taken, so a waiter between its check and its wait is not missed
  s.idle.notify_all();
}

HaltAtExit::HaltAtExit(std::function<void()> halt) {
  ExitState& s = State();
  std::lock_guard<std::mutex> lock(s.m);
  entry_ = s.halts.insert(s.halts.end(), std::move(halt));
}

HaltAtExit::~HaltAtExit() {
  ExitState& s = State();
  std::lock_guard<std::mutex> lock(s.m);
  s.halts.erase(entry_);
}

void GuardProcessExit() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit(AtExit); });
}

}  // namespace avf
