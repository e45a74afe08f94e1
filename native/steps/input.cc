#include "steps/input.h"

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/devices.h"
#include "common/error.h"
#include "common/log.h"
#include "steps/codec_context.h"
#include "steps/input_guard.h"

namespace avf {

namespace {

// Which guard (if any) an open context has, for CloseInput.
struct GuardSlot {
  std::mutex mutex;
  std::unordered_map<const AVFormatContext*, std::unique_ptr<InputGuard>> map;
};
GuardSlot& Guards() {
  static auto* slot = new GuardSlot();  // never destroyed: a close still running at exit uses it
  return *slot;
}

// avformat_find_stream_info decodes to learn what the container does not say: the same pixel
// limit as every decoder of avforge (kMaxDecodePixels), or a 60-byte header claiming 16000x16000
// costs its full frame before any avforge decoder sees it.
int FindStreamInfo(AVFormatContext* fmt) {
  std::vector<AVDictionary*> opts(fmt->nb_streams, nullptr);
  for (auto& o : opts) av_dict_set_int(&o, "max_pixels", kMaxDecodePixels, 0);
  int ret = avformat_find_stream_info(fmt, opts.empty() ? nullptr : opts.data());
  for (auto& o : opts) av_dict_free(&o);
  return ret;
}

// The picture size a probe refused: libav only logs it (av_image_check_size2, "Picture size
// %ux%u is invalid" or "... exceeds specified max pixel count"), and then returns EINVAL, EBUSY
// (yuv4mpeg) or opens a stream without a size that every later step fails on in its own way.
struct RefusedPicture final : LogObserver {
  unsigned width = 0, height = 0;
  bool See(void*, int, const char* fmt, va_list vl) override {
    static constexpr char kPrefix[] = "Picture size %ux%u ";
    if (width || std::strncmp(fmt, kPrefix, sizeof(kPrefix) - 1) != 0) return false;
    width = va_arg(vl, unsigned);
    height = va_arg(vl, unsigned);
    return false;
  }
  [[noreturn]] void Throw(const char* op, const std::string& url) const {
    throw AvException("INPUT_TOO_LARGE",
                      "The input's picture size " + std::to_string(width) + "x" + std::to_string(height) +
                          " is over the decoding limit of " + std::to_string(kMaxDecodePixels) +
                          " pixels (a decompression bomb, or media larger than avforge decodes by default)",
                      op, url);
  }
};

// After probing: a video stream that the refusal left without a usable size.
bool HasUnsizedVideo(const AVFormatContext* fmt) {
  for (unsigned i = 0; i < fmt->nb_streams; i++) {
    const AVCodecParameters* par = fmt->streams[i]->codecpar;
    if (par->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (par->width <= 0 || par->height <= 0 || int64_t{par->width} * par->height > kMaxDecodePixels) return true;
  }
  return false;
}

}  // namespace

AVFormatContext* OpenInput(const std::string& url, const std::shared_ptr<IoChannel>& channel, const std::string& format,
                           Dict& dict, AVIOInterruptCB interrupt, AVIOContext** io, std::atomic<bool>* aborted,
                           bool trusted) {
  const AVInputFormat* ifmt = nullptr;
  if (!format.empty() && !(ifmt = FindInputFormat(format))) {
    AvException e(AVERROR_DEMUXER_NOT_FOUND, "av_find_input_format", url);
    e.message = "No demuxer named '" + format + "'";
    throw e;
  }
  if (!trusted && IsDeviceFormat(ifmt))
    throw AvException("INPUT_REFUSED",
                      "Refused the input format '" + format +
                          "': a device opens what its URL names (a filter graph, a camera); trust the input to use it",
                      "avformat_open_input", url);
  AVFormatContext* fmt = avformat_alloc_context();
  if (!fmt) throw AvException(AVERROR(ENOMEM), "avformat_alloc_context", url);
  fmt->interrupt_callback = interrupt;
  if (channel) {
    *io = OpenIo(channel, aborted);
    fmt->pb = *io;
    fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  std::unique_ptr<InputGuard> guard;
  if (trusted) {
    guard = std::make_unique<InputGuard>(fmt, channel ? std::string() : url);
  } else {
    // the caller's format-level options (probesize, allow-lists) first, as avformat_open_input
    // would, so that the guard's probe honours them
    int ret = av_opt_set_dict(fmt, dict.ptr());
    if (ret < 0) {
      avformat_free_context(fmt);
      Check(ret, "avformat_open_input", url);
    }
    // the deadline for opening: a local file or a Buffer, not a network or a live stream
    const char* protocol = channel ? nullptr : avio_find_protocol_name(url.c_str());
    bool local = channel ? channel->in_memory : (protocol && std::string(protocol) == "file");
    guard = std::make_unique<InputGuard>(fmt, channel ? std::string() : url, interrupt, local);
    try {
      guard->CheckFormat(ifmt);
      // a named format is opened as asked; a probed one through the guard's probe
      if (!ifmt) ifmt = guard->Probe(dict);
    } catch (...) {
      avformat_free_context(fmt);
      throw;
    }
  }
  // As the CLI does: MPEG-TS reads every program's PMT before reporting. Only that
  // demuxer knows the option, so it is not an unknown option for the others. Not for a
  // stream input: that is usually live, where it delays the open by seconds.
  bool scan_all_pmts =
      (!channel || channel->in_memory) && !av_dict_get(*dict.ptr(), "scan_all_pmts", nullptr, AV_DICT_MATCH_CASE);
  if (scan_all_pmts) av_dict_set(dict.ptr(), "scan_all_pmts", "1", 0);
  RefusedPicture refused;
  ScopedLogObserver watch(&refused);
  // frees fmt on failure (a custom pb stays ours)
  int ret = avformat_open_input(&fmt, channel ? "" : url.c_str(), ifmt, dict.ptr());
  if (ret < 0 && guard) guard->ThrowIfBlocked("avformat_open_input");
  if (ret < 0 && refused.width) refused.Throw("avformat_open_input", url);
  Check(ret, "avformat_open_input", url);
  struct Closer {
    AVFormatContext* fmt;
    ~Closer() {
      if (fmt) avformat_close_input(&fmt);
    }
  } closer{fmt};
  if (guard) guard->ThrowIfRefused("avformat_open_input");
  if (scan_all_pmts) av_dict_set(dict.ptr(), "scan_all_pmts", nullptr, AV_DICT_MATCH_CASE);
  CheckAllConsumed(dict, "avformat_open_input", url);
  ret = FindStreamInfo(fmt);
  if (ret < 0 && guard) guard->ThrowIfBlocked("avformat_find_stream_info");
  // An untrusted input is refused for it; a trusted one opens as FFmpeg's would (a stream copy
  // of a 16K video decodes nothing), and its decoders refuse the pictures later.
  if (refused.width && (ret < 0 || (!trusted && HasUnsizedVideo(fmt)))) refused.Throw("avformat_find_stream_info", url);
  Check(ret, "avformat_find_stream_info", url);
  if (guard) {
    if (guard->ProbeScore()) fmt->probe_score = guard->ProbeScore();
    guard->Opened();
    std::lock_guard<std::mutex> lock(Guards().mutex);
    Guards().map[fmt] = std::move(guard);
  }
  closer.fmt = nullptr;
  return fmt;
}

void CloseInput(AVFormatContext** fmt, AVIOContext** io) {
  std::unique_ptr<InputGuard> guard;
  if (*fmt) {
    std::lock_guard<std::mutex> lock(Guards().mutex);
    auto it = Guards().map.find(*fmt);
    if (it != Guards().map.end()) {
      guard = std::move(it->second);
      Guards().map.erase(it);
    }
  }
  avformat_close_input(fmt);  // before the guard goes: closing may call its callbacks
  FreeIo(io);
}

}  // namespace avf
