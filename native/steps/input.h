// Opening, reading and closing an input (AVFormatContext): the steps the Demuxer and the
// pipeline's demux stage share. https://ffmpeg.org/doxygen/trunk/group__lavf__decoding.html
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "common/compat.h"
#include "common/io_channel.h"
#include "common/options.h"

namespace avf {

// Opens and probes an input (a path or URL, or a channel through a custom AVIOContext that
// is stored in *io and stays the caller's to free, with CloseInput). Unknown options are an
// error. An input that is not `trusted` opens nothing but itself (steps/input_guard.h).
AVFormatContext* OpenInput(const std::string& url, const std::shared_ptr<IoChannel>& channel, const std::string& format,
                           Dict& options, AVIOInterruptCB interrupt, AVIOContext** io, std::atomic<bool>* aborted,
                           bool trusted);

// Closes what OpenInput opened (either may be null already).
void CloseInput(AVFormatContext** fmt, AVIOContext** io);

// Whether a failed av_read_frame is damage in the media, which the CLI reports and then
// treats as the end of the input, rather than a source that failed, a limit, a timeout or a
// close (errors, always).
inline bool IsReadDamage(int ret) {
  return ret != AVERROR(EIO) && ret != AVERROR(EFBIG) && ret != AVERROR(ETIMEDOUT) && ret != AVERROR_EXIT;
}

}  // namespace avf
