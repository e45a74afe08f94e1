// A bounded FIFO between two pipeline stages: a full queue blocks its producer (that is the
// backpressure that keeps a fast demuxer from buffering a whole file ahead of a slow encoder),
// and Abort() wakes both sides for good.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>

namespace avf {

// Nanoseconds the calling thread has spent blocked on queues: a stage's busy time is its
// thread's wall time less this (the clock is read only when a wait happens).
inline thread_local int64_t t_queue_wait_ns = 0;

namespace detail {
template <class Wait>
void TimedWait(Wait wait) {
  auto t0 = std::chrono::steady_clock::now();
  wait();
  t_queue_wait_ns +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace detail

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // false when the queue was aborted (the item is dropped).
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(m_);
    auto room = [&] { return aborted_ || items_.size() < capacity_; };
    if (!room()) detail::TimedWait([&] { not_full_.wait(lock, room); });
    if (aborted_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // false when the queue was aborted.
  bool Pop(T& out) {
    std::unique_lock<std::mutex> lock(m_);
    auto ready = [&] { return aborted_ || !items_.empty(); };
    if (!ready()) detail::TimedWait([&] { not_empty_.wait(lock, ready); });
    if (aborted_) return false;
    out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }

  void Abort() {
    std::deque<T> dropped;  // freed outside the lock
    {
      std::lock_guard<std::mutex> lock(m_);
      aborted_ = true;
      dropped.swap(items_);
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  size_t capacity_;
  bool aborted_ = false;
};

}  // namespace avf
