#include "steps/input.h"

#include "common/error.h"

namespace avf {

AVFormatContext* OpenInput(const std::string& url, const std::shared_ptr<IoChannel>& channel, const std::string& format,
                           Dict& dict, AVIOInterruptCB interrupt, AVIOContext** io, std::atomic<bool>* aborted) {
  const AVInputFormat* ifmt = nullptr;
  if (!format.empty() && !(ifmt = av_find_input_format(format.c_str()))) {
    AvException e(AVERROR_DEMUXER_NOT_FOUND, "av_find_input_format", url);
    e.message = "No demuxer named '" + format + "'";
    throw e;
  }
  AVFormatContext* fmt = avformat_alloc_context();
  if (!fmt) throw AvException(AVERROR(ENOMEM), "avformat_alloc_context", url);
  fmt->interrupt_callback = interrupt;
  if (channel) {
    *io = OpenIo(channel, aborted);
    fmt->pb = *io;
    fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  // As the CLI does: MPEG-TS reads every program's PMT before reporting. Only that
  // demuxer knows the option, so it is not an unknown option for the others. Not for a
  // stream input: that is usually live, where it delays the open by seconds.
  bool scan_all_pmts =
      (!channel || channel->in_memory) && !av_dict_get(*dict.ptr(), "scan_all_pmts", nullptr, AV_DICT_MATCH_CASE);
  if (scan_all_pmts) av_dict_set(dict.ptr(), "scan_all_pmts", "1", 0);
  // frees fmt on failure (a custom pb stays ours)
  Check(avformat_open_input(&fmt, channel ? "" : url.c_str(), ifmt, dict.ptr()), "avformat_open_input", url);
  struct Closer {
    AVFormatContext* fmt;
    ~Closer() {
      if (fmt) avformat_close_input(&fmt);
    }
  } guard{fmt};
  if (scan_all_pmts) av_dict_set(dict.ptr(), "scan_all_pmts", nullptr, AV_DICT_MATCH_CASE);
  CheckAllConsumed(dict, "avformat_open_input", url);
  Check(avformat_find_stream_info(fmt, nullptr), "avformat_find_stream_info", url);
  guard.fmt = nullptr;
  return fmt;
}

void CloseInput(AVFormatContext** fmt, AVIOContext** io) {
  avformat_close_input(fmt);
  FreeIo(io);
}

}  // namespace avf
