// The process exiting (process.exit(), or the event loop's end) while native work runs. exit()
// runs the libraries' destructors (OpenSSL's, libc's) on the exiting thread while the addon's
// threads still close inputs and run pipelines on that memory: a crash at exit ("free(): invalid
// size"). So exit first halts what can be halted, then waits, bounded, for the rest to end.
#pragma once
#include <functional>
#include <list>

namespace avf {

// One piece of native work in flight for as long as it lives: a job on the pool or on its own
// thread, a codec left to close on its own.
class NativeWork {
 public:
  NativeWork();
  ~NativeWork();
  NativeWork(const NativeWork&) = delete;
  NativeWork& operator=(const NativeWork&) = delete;
};

// For as long as it lives, `halt` runs if the process exits, before the wait (a running
// pipeline's abort). It runs under the registry's lock, so never after this is destroyed.
class HaltAtExit {
 public:
  explicit HaltAtExit(std::function<void()> halt);
  ~HaltAtExit();
  HaltAtExit(const HaltAtExit&) = delete;
  HaltAtExit& operator=(const HaltAtExit&) = delete;

 private:
  std::list<std::function<void()>>::iterator entry_;
};

// Registers the exit handler (once per process; every module load calls it).
void GuardProcessExit();

}  // namespace avf
