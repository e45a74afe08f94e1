// What an input may open besides itself (SECURITY.md). FFmpeg lets a demuxer open further
// resources (a playlist's entries, a concat script's files, an image2 pattern's siblings). An
// untrusted input opens only its own URL, demuxes only formats that open nothing else, and has a
// deadline for opening. A trusted one opens what FFmpeg would, but no more than
// kMaxOpensWhileOpening resources while it opens: a playlist that names itself loops there,
// growing without bound.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "common/compat.h"
#include "common/options.h"

namespace avf {

class InputGuard {
 public:
  // Guards fmt (before avformat_open_input): its format and protocol allow-lists, its io_open
  // (only `url` itself; nothing for custom I/O, where url is empty) and its interrupt callback
  // (`interrupt`, plus a deadline for opening when `deadline` is set). The guard must outlive
  // fmt: CloseInput destroys it after closing fmt.
  InputGuard(AVFormatContext* fmt, std::string url, AVIOInterruptCB interrupt, bool deadline);
  // A trusted input's guard: FFmpeg's allow-lists and io_open, counted while opening.
  InputGuard(AVFormatContext* fmt, std::string url);
  ~InputGuard();
  InputGuard(const InputGuard&) = delete;
  InputGuard& operator=(const InputGuard&) = delete;

  // Refuses a format that an untrusted input may not use, naming it (INPUT_REFUSED).
  void CheckFormat(const AVInputFormat* ifmt) const;
  // The input's format, probed as avformat_open_input would, so that a refusal can name it
  // before any demuxer runs. A URL is opened here (taking its protocol options from `options`)
  // and becomes fmt's custom I/O, which the guard closes: it must go after fmt.
  const AVInputFormat* Probe(Dict& options);
  // Probe's score, for AVFormatContext.probe_score (0: not probed here).
  int ProbeScore() const { return probe_score_; }
  // Opening is done: no more deadline.
  void Opened() {
    deadline_us_.store(0);
    opening_.store(false);
  }
  // Throws for a failed open (ret < 0): INPUT_REFUSED naming a refused nested open, ETIMEDOUT
  // for the deadline, else the plain AVERROR.
  [[noreturn]] void Fail(int ret, const char* op) const;
  // Fail's own reasons alone (a refused nested open, the deadline): throws for them, else returns.
  void ThrowIfBlocked(const char* op) const;
  // A trusted input whose demuxer went on past a refused open (hls does) fails all the same.
  void ThrowIfRefused(const char* op) const {
    if (trusted_ && !refused_.empty()) Fail(AVERROR(EPERM), op);
  }

  // Every demuxer except those that open other resources and devices, as format_whitelist.
  static const std::string& AllowedFormats();

 private:
  static int GuardedOpen(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options);
  static int CountedOpen(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options);
  static int GuardedInterrupt(void* opaque);

  AVFormatContext* fmt_;
  std::string url_;
  AVIOInterruptCB inner_;
  int (*open_default_)(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**);
  std::atomic<int64_t> deadline_us_{0};
  std::atomic<bool> timed_out_{false};
  bool trusted_ = false;
  std::atomic<bool> opening_{true};
  std::atomic<int> opens_{0};  // a trusted input's nested opens while opening
  std::string refused_;        // the first nested URL refused
  std::string refused_by_;
  int probe_score_ = 0;
  AVIOContext* pb_ = nullptr;  // the URL's, opened by Probe  // the format that asked for it
};

// Seconds an untrusted local file or Buffer may take to open (probe included).
constexpr int kUntrustedOpenSeconds = 30;
// Resources a trusted input may open while it opens (a master playlist, its variants and their
// first segments are a few dozen).
constexpr int kMaxOpensWhileOpening = 1000;

}  // namespace avf
