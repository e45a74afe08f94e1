// AVERROR -> AvError. Native code throws AvException on the worker thread; the
// completion turns it into the JS AvError class that src/errors.ts registers.
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>

namespace avf {

struct AvException : std::exception {
  int errnum = 0;       // the AVERROR value (negative), 0 for avforge's own codes
  std::string code;     // 'INVALIDDATA', 'ENOENT', 'ERR_CLOSED', ...
  std::string message;  // av_strerror's text, or avforge's own
  std::string op;       // 'avformat_open_input', 'decode', ...
  std::string url;      // file or URL, when there is one
  int stream = -1;      // stream index, when there is one
  std::string stage;    // pipelines: 'demux', 'decode', 'filter', 'encode', 'mux'
  double time = -1;     // pipelines: where in the media (seconds), -1 unknown

  AvException(int errnum, std::string op, std::string url = {}, int stream = -1);
  AvException(std::string code, std::string message, std::string op, std::string url = {});
  const char* what() const noexcept override { return message.c_str(); }
  Napi::Error ToJs(Napi::Env env) const;
};

// Throws AvException when ret is a negative AVERROR; returns ret otherwise.
int Check(int ret, const char* op, const std::string& url = {}, int stream = -1);

// The FFmpeg name of an AVERROR: 'EOF', 'INVALIDDATA', 'EAGAIN', 'ENOENT', ...
std::string ErrorName(int errnum);

// Registered once from JS (src/errors.ts) so native code constructs real AvErrors.
void SetErrorClass(Napi::Env env, Napi::Function ctor);

// Thrown when a method runs on a closed object.
[[noreturn]] void ThrowClosed(const char* cls, const char* op);

}  // namespace avf
