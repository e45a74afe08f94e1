// Strict option decoding in one place: JS values -> AVDictionary / AVRational, and back.
#pragma once
#include <napi.h>

#include <string>

#include "common/compat.h"

namespace avf {

// An owned AVDictionary that moves into queued work and is freed however the work ends.
class Dict {
 public:
  explicit Dict(AVDictionary* d = nullptr) : d_(d) {}
  Dict(Dict&& o) noexcept : d_(o.d_) { o.d_ = nullptr; }
  Dict& operator=(Dict&& o) noexcept { std::swap(d_, o.d_); return *this; }
  Dict(const Dict&) = delete;
  ~Dict() { av_dict_free(&d_); }
  AVDictionary** ptr() { return &d_; }
 private:
  AVDictionary* d_;
};

// AVOptions from a plain JS object of strings, numbers and booleans. The caller owns it.
AVDictionary* ToDictionary(Napi::Value value);
// FFmpeg leaves the options it did not use in the dictionary: an unknown option is an
// error (as in the ffmpeg CLI), not something silently ignored. Frees the dictionary.
void CheckAllConsumed(Dict& dict, const char* op, const std::string& url = {});
Napi::Object FromDictionary(Napi::Env env, const AVDictionary* dict);

AVRational ToRational(Napi::Value value, AVRational fallback = {0, 1});
Napi::Value FromRational(Napi::Env env, AVRational r);

// Number-or-null for int64 timestamps: AV_NOPTS_VALUE is null in JS.
Napi::Value FromTimestamp(Napi::Env env, int64_t ts);
int64_t ToTimestamp(Napi::Value value);

// Property lookups on an options object; undefined/null means "not given".
bool Has(Napi::Object obj, const char* key);
std::string GetString(Napi::Object obj, const char* key, const std::string& fallback = {});
int64_t GetInt(Napi::Object obj, const char* key, int64_t fallback);
double GetDouble(Napi::Object obj, const char* key, double fallback);
bool GetBool(Napi::Object obj, const char* key, bool fallback);

}  // namespace avf
