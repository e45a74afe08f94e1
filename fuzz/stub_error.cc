// The part of native/common/error.cc that native/common/io_channel.cc needs, without Node-API.
#include "common/error.h"

extern "C" {
#include <libavutil/error.h>
}

namespace avf {
AvException::AvException(int e, std::string o, std::string u, int s)
    : errnum(e), op(std::move(o)), url(std::move(u)), stream(s) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(e, buf, sizeof buf);
  message = buf;
  code = "AVERROR";
}
AvException::AvException(std::string c, std::string m, std::string o, std::string u)
    : code(std::move(c)), message(std::move(m)), op(std::move(o)), url(std::move(u)) {}
}  // namespace avf
