#include "steps/input_guard.h"

#include <atomic>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/error.h"

namespace avf {

namespace {

// Demuxers that open resources besides their input: playlists and manifests, scripts naming
// files, file patterns, session descriptions, companion files (vobsub's .sub), scripting.
const std::set<std::string>& NestingFormats() {
  // never destroyed, as every table here: a thread still opening an input may read it at exit
  static const auto* names = new std::set<std::string>{"hls",
                                                       "applehttp",
                                                       "dash",
                                                       "concat",
                                                       "image2",
                                                       "imf",
                                                       "sdp",
                                                       "rtsp",
                                                       "rtp",
                                                       "vobsub",
                                                       "avisynth",
                                                       "vapoursynth",
                                                       "mpd",
                                                       "smil",
                                                       "tee",
                                                       "ffmetadata",
                                                       "webm_dash_manifest"};
  return *names;
}

bool IsDevice(const AVInputFormat* f) {
  if (!f->priv_class) return false;
  AVClassCategory c = f->priv_class->category;
  return c == AV_CLASS_CATEGORY_DEVICE_INPUT || c == AV_CLASS_CATEGORY_DEVICE_VIDEO_INPUT ||
         c == AV_CLASS_CATEGORY_DEVICE_AUDIO_INPUT;
}

// The protocols a URL of this protocol needs for itself (https runs over tls over tcp), and no
// other: a remote input may not reach files, nor other hosts through nested protocols.
std::string ProtocolsFor(const std::string& name) {
  if (name == "file" || name == "pipe" || name == "fd") return name;
  if (name == "http") return "http,tcp";
  if (name == "https") return "https,tls,tcp";
  if (name == "rtmps") return "rtmps,tls,tcp";
  return name + ",tcp,udp,tls";
}

// FFmpeg's own io_open (the same for every context), for nested contexts without a guard.
using IoOpen = int (*)(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**);
std::atomic<IoOpen>& DefaultOpen() {
  static std::atomic<IoOpen> open{nullptr};
  return open;
}

// Which context a guard belongs to, for io_open (whose opaque is the context's, not ours).
std::mutex registry_mutex;
std::unordered_map<const AVFormatContext*, InputGuard*>& Registry() {
  static auto* map = new std::unordered_map<const AVFormatContext*, InputGuard*>();
  return *map;
}

}  // namespace

const std::string& InputGuard::AllowedFormats() {
  static const std::string* list = new std::string([] {
    std::string out;
    void* it = nullptr;
    while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
      std::string name = f->name;
      bool nesting = false;
      for (size_t start = 0; start <= name.size();) {
        size_t end = name.find(',', start);
        if (end == std::string::npos) end = name.size();
        if (NestingFormats().count(name.substr(start, end - start))) nesting = true;
        start = end + 1;
      }
      if (nesting || IsDevice(f)) continue;
      if (!out.empty()) out += ',';
      out += name;
    }
    return out;
  }());
  return *list;
}

InputGuard::InputGuard(AVFormatContext* fmt, std::string url, AVIOInterruptCB interrupt, bool deadline)
    : fmt_(fmt), url_(std::move(url)), inner_(interrupt), open_default_(fmt->io_open) {
  if (deadline) deadline_us_.store(av_gettime_relative() + int64_t{kUntrustedOpenSeconds} * 1000000);
  fmt->interrupt_callback = {GuardedInterrupt, this};
  fmt->io_open = GuardedOpen;
  // the caller's own allow-lists (options) still apply on top, in avformat_open_input
  if (!fmt->format_whitelist) fmt->format_whitelist = av_strdup(AllowedFormats().c_str());
  if (!fmt->protocol_whitelist) {
    const char* name = url_.empty() ? nullptr : avio_find_protocol_name(url_.c_str());
    // custom I/O opens nothing through a protocol: 'none' matches none that exists
    fmt->protocol_whitelist = av_strdup(name ? ProtocolsFor(name).c_str() : "none");
  }
  std::lock_guard<std::mutex> lock(registry_mutex);
  Registry()[fmt] = this;
}

InputGuard::InputGuard(AVFormatContext* fmt, std::string url)
    : fmt_(fmt), url_(std::move(url)), inner_(fmt->interrupt_callback), open_default_(fmt->io_open), trusted_(true) {
  DefaultOpen().store(open_default_);
  fmt->io_open = CountedOpen;
  std::lock_guard<std::mutex> lock(registry_mutex);
  Registry()[fmt] = this;
}

InputGuard::~InputGuard() {
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = Registry().find(fmt_);
    if (it != Registry().end() && it->second == this) Registry().erase(it);
  }
  avio_closep(&pb_);
}

int InputGuard::GuardedOpen(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options) {
  InputGuard* g = nullptr;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = Registry().find(s);
    if (it != Registry().end()) g = it->second;
  }
  // a nested context that copied our io_open has no guard of its own: it opens nothing
  if (!g) return AVERROR(EPERM);
  if (g->url_.empty() || g->url_ != url || (flags & AVIO_FLAG_WRITE)) {
    if (g->refused_.empty()) {
      g->refused_ = url ? url : "";
      g->refused_by_ = s->iformat ? s->iformat->name : "";
    }
    return AVERROR(EPERM);
  }
  return g->open_default_(s, pb, url, flags, options);
}

int InputGuard::CountedOpen(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options) {
  InputGuard* g = nullptr;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = Registry().find(s);
    if (it != Registry().end()) g = it->second;
  }
  // a nested context that copied this io_open (concat's) opens as FFmpeg would
  if (!g) return DefaultOpen().load()(s, pb, url, flags, options);
  if (g->opening_.load() && ++g->opens_ > kMaxOpensWhileOpening) {
    if (g->refused_.empty()) {
      g->refused_ = url ? url : "";
      g->refused_by_ = s->iformat ? s->iformat->name : "";
    }
    return AVERROR(EPERM);
  }
  return g->open_default_(s, pb, url, flags, options);
}

int InputGuard::GuardedInterrupt(void* opaque) {
  auto* g = static_cast<InputGuard*>(opaque);
  if (g->inner_.callback && g->inner_.callback(g->inner_.opaque)) return 1;
  int64_t deadline = g->deadline_us_.load();
  if (deadline && av_gettime_relative() > deadline) {
    g->timed_out_.store(true);
    return 1;
  }
  return 0;
}

void InputGuard::CheckFormat(const AVInputFormat* ifmt) const {
  if (!ifmt || av_match_list(ifmt->name, fmt_->format_whitelist, ',') > 0) return;
  throw AvException("INPUT_REFUSED",
                    std::string("Refused the input's format '") + ifmt->name +
                        "': it opens other files or devices, which an untrusted input may not (pass trusted: true "
                        "for an input you trust)",
                    "avformat_open_input", url_);
}

const AVInputFormat* InputGuard::Probe(Dict& options) {
  if (!url_.empty()) {
    // opened here rather than in avformat_open_input, to know the format before any demuxer
    // runs; the context then reads it as custom I/O, and the guard closes it after the context
    // (io_open_default compares with s->url, which avformat_open_input sets later)
    fmt_->url = av_strdup(url_.c_str());
    int ret = fmt_->url ? fmt_->io_open(fmt_, &pb_, url_.c_str(), AVIO_FLAG_READ | fmt_->avio_flags, options.ptr())
                        : AVERROR(ENOMEM);
    av_freep(&fmt_->url);
    if (ret < 0) Fail(ret, "avformat_open_input");
    fmt_->pb = pb_;
    fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  const AVInputFormat* ifmt = nullptr;
  int ret = av_probe_input_buffer2(fmt_->pb, &ifmt, url_.c_str(), fmt_, 0, fmt_->format_probesize);
  if (ret < 0) Fail(ret, "avformat_open_input");
  probe_score_ = ret;
  CheckFormat(ifmt);
  return ifmt;
}

// (fmt_ may be freed here: avformat_open_input frees it on failure)
void InputGuard::Fail(int ret, const char* op) const {
  ThrowIfBlocked(op);
  Check(ret, op, url_);
  throw AvException(AVERROR_BUG, op, url_);
}

void InputGuard::ThrowIfBlocked(const char* op) const {
  if (!refused_.empty() && trusted_)
    throw AvException("INPUT_REFUSED",
                      "Refused to open '" + refused_ + "': the input" +
                          (refused_by_.empty() ? std::string() : " (" + refused_by_ + ")") + " opened more than " +
                          std::to_string(kMaxOpensWhileOpening) +
                          " other resources while opening (a playlist that names itself?)",
                      op, url_);
  if (!refused_.empty())
    throw AvException("INPUT_REFUSED",
                      "Refused to open '" + refused_ + "', named by the input" +
                          (refused_by_.empty() ? std::string() : " (" + refused_by_ + ")") +
                          ": an untrusted input may open nothing but itself (pass trusted: true for an input you "
                          "trust)",
                      op, url_);
  if (timed_out_.load()) {
    AvException e(AVERROR(ETIMEDOUT), op, url_);
    e.message = "Opening the input took longer than " + std::to_string(kUntrustedOpenSeconds) +
                " s, the bound for an untrusted input";
    throw e;
  }
}

}  // namespace avf
