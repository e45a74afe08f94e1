#include "common/error.h"

#include <cerrno>
#include <utility>

#include "common/compat.h"
#include "common/executor.h"
#include "common/instance.h"

namespace avf {

namespace {

struct Named {
  int errnum;
  const char* name;
};

// libav's own error tags; POSIX errnos are named below.
const Named kAvErrors[] = {
    {AVERROR_BSF_NOT_FOUND, "BSF_NOT_FOUND"},
    {AVERROR_BUG, "BUG"},
    {AVERROR_BUG2, "BUG"},
    {AVERROR_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL"},
    {AVERROR_DECODER_NOT_FOUND, "DECODER_NOT_FOUND"},
    {AVERROR_DEMUXER_NOT_FOUND, "DEMUXER_NOT_FOUND"},
    {AVERROR_ENCODER_NOT_FOUND, "ENCODER_NOT_FOUND"},
    {AVERROR_EOF, "EOF"},
    {AVERROR_EXIT, "EXIT"},
    {AVERROR_EXTERNAL, "EXTERNAL"},
    {AVERROR_FILTER_NOT_FOUND, "FILTER_NOT_FOUND"},
    {AVERROR_INVALIDDATA, "INVALIDDATA"},
    {AVERROR_MUXER_NOT_FOUND, "MUXER_NOT_FOUND"},
    {AVERROR_OPTION_NOT_FOUND, "OPTION_NOT_FOUND"},
    {AVERROR_PATCHWELCOME, "PATCHWELCOME"},
    {AVERROR_PROTOCOL_NOT_FOUND, "PROTOCOL_NOT_FOUND"},
    {AVERROR_STREAM_NOT_FOUND, "STREAM_NOT_FOUND"},
    {AVERROR_UNKNOWN, "UNKNOWN"},
    {AVERROR_EXPERIMENTAL, "EXPERIMENTAL"},
    {AVERROR_INPUT_CHANGED, "INPUT_CHANGED"},
    {AVERROR_OUTPUT_CHANGED, "OUTPUT_CHANGED"},
    {AVERROR_HTTP_BAD_REQUEST, "HTTP_BAD_REQUEST"},
    {AVERROR_HTTP_UNAUTHORIZED, "HTTP_UNAUTHORIZED"},
    {AVERROR_HTTP_FORBIDDEN, "HTTP_FORBIDDEN"},
    {AVERROR_HTTP_NOT_FOUND, "HTTP_NOT_FOUND"},
    {AVERROR_HTTP_OTHER_4XX, "HTTP_OTHER_4XX"},
    {AVERROR_HTTP_SERVER_ERROR, "HTTP_SERVER_ERROR"},
};

#define AVF_ERRNO(e) \
  { e, #e }
const Named kErrnos[] = {
    AVF_ERRNO(EPERM),        AVF_ERRNO(ENOENT),       AVF_ERRNO(EINTR),        AVF_ERRNO(EIO),
    AVF_ERRNO(EBADF),        AVF_ERRNO(EAGAIN),       AVF_ERRNO(ENOMEM),       AVF_ERRNO(EACCES),
    AVF_ERRNO(EBUSY),        AVF_ERRNO(EEXIST),       AVF_ERRNO(ENOTDIR),      AVF_ERRNO(EISDIR),
    AVF_ERRNO(EINVAL),       AVF_ERRNO(ENFILE),       AVF_ERRNO(EMFILE),       AVF_ERRNO(EFBIG),
    AVF_ERRNO(ENOSPC),       AVF_ERRNO(ESPIPE),       AVF_ERRNO(EROFS),        AVF_ERRNO(EPIPE),
    AVF_ERRNO(EDOM),         AVF_ERRNO(ERANGE),       AVF_ERRNO(ENOSYS),       AVF_ERRNO(ETIMEDOUT),
    AVF_ERRNO(ECONNREFUSED), AVF_ERRNO(ECONNRESET),   AVF_ERRNO(EHOSTUNREACH), AVF_ERRNO(ENETUNREACH),
    AVF_ERRNO(EADDRINUSE),   AVF_ERRNO(ENOTSUP),      AVF_ERRNO(EXDEV),        AVF_ERRNO(ENAMETOOLONG),
    AVF_ERRNO(ENOTCONN),     AVF_ERRNO(ECONNABORTED),
};
#undef AVF_ERRNO

std::string StrError(int errnum) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(errnum, buf, sizeof(buf));
  return buf;
}

}  // namespace

std::string ErrorName(int errnum) {
  for (const auto& e : kAvErrors)
    if (e.errnum == errnum) return e.name;
  for (const auto& e : kErrnos)
    if (AVERROR(e.errnum) == errnum) return e.name;
  return "E" + std::to_string(-errnum);
}

AvException::AvException(int errnum, std::string op, std::string url, int stream)
    : errnum(errnum), code(ErrorName(errnum)), message(StrError(errnum)), op(std::move(op)), url(std::move(url)),
      stream(stream) {}

AvException::AvException(std::string code, std::string message, std::string op, std::string url)
    : code(std::move(code)), message(std::move(message)), op(std::move(op)), url(std::move(url)) {}

int Check(int ret, const char* op, const std::string& url, int stream) {
  if (ret < 0) throw AvException(ret, op, url, stream);
  return ret;
}

void SetErrorClass(Napi::Env env, Napi::Function ctor) { GetInstance(env).errorClass = Napi::Persistent(ctor); }

Napi::Error AvException::ToJs(Napi::Env env) const {
  Napi::Object info = Napi::Object::New(env);
  info.Set("code", code);
  if (errnum != 0) info.Set("errno", errnum);
  info.Set("op", op);
  if (!url.empty()) info.Set("url", url);
  if (stream >= 0) info.Set("stream", stream);
  if (!stage.empty()) info.Set("stage", stage);
  if (time >= 0) info.Set("time", time);
  auto& cls = GetInstance(env).errorClass;
  if (cls.IsEmpty()) {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", code);
    return err;
  }
  return Napi::Error(env, cls.New({Napi::String::New(env, message), info}));
}

void ThrowClosed(const char* cls, const char* op) {
  throw AvException("ERR_CLOSED", std::string(cls) + " is closed", op);
}

}  // namespace avf
