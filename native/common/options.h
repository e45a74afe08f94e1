// Strict option decoding in one place: JS values -> AVDictionary / AVRational, and back.
#pragma once
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#include "common/compat.h"

namespace avf {

// An owned AVDictionary that moves into queued work and is freed however the work ends.
class Dict {
 public:
  explicit Dict(AVDictionary* d = nullptr) : d_(d) {}
  Dict(Dict&& o) noexcept : d_(o.d_) { o.d_ = nullptr; }
  Dict& operator=(Dict&& o) noexcept {
    std::swap(d_, o.d_);
    return *this;
  }
  Dict(const Dict&) = delete;
  ~Dict() { av_dict_free(&d_); }
  AVDictionary** ptr() { return &d_; }

 private:
  AVDictionary* d_;
};

// A JS value as the C string libav gets. libav reads up to the first NUL, so a string holding
// one ('x.mp4\0/etc/passwd') would silently mean its prefix: a TypeError instead, as Node's fs
// refuses such paths. Every string bound for libav is read here (or by the readers below).
std::string ToText(Napi::Value value, const std::string& name);

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

// A JS object decoded strictly, for a contract where JS writes every key (the pipeline plan):
// each key read is required and has its type, and Finish() refuses a key nothing read. Every
// error is EINVAL naming the key's path ("plan.streams[2].bitRate").
class Fields {
 public:
  // Throws unless `value` is an object.
  Fields(Napi::Value value, std::string path);
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;
  Fields(Fields&&) = default;

  std::string String(const char* key);
  int64_t Int(const char* key);
  int Int32(const char* key) { return static_cast<int>(Int(key)); }
  bool Bool(const char* key);
  int64_t Timestamp(const char* key);                // a number, or null for AV_NOPTS_VALUE
  int64_t IntOrNull(const char* key, int64_t null);  // a number, or null for `null`
  AVRational RationalOrNull(const char* key);        // { num, den }, or null for 0/1
  AVDictionary* Dictionary(const char* key);         // an object of strings, numbers, booleans
  bool IsNull(const char* key);                      // null, or else (not checked) something
  Fields Object(const char* key);
  // An array's items, each with its path ("plan.streams[2]").
  uint32_t ArrayLength(const char* key);
  Napi::Value Item(const char* key, uint32_t i) const;
  std::string ItemPath(const char* key, uint32_t i) const;
  Napi::Value Any(const char* key);  // present, of any type (the caller checks it)

  // Refuses keys that were never read.
  void Finish() const;
  [[noreturn]] void Fail(const char* key, const std::string& problem) const;

 private:
  Napi::Value Get(const char* key);
  std::string Path(const char* key) const { return path_ + "." + key; }
  Napi::Object obj_;
  std::string path_;
  std::vector<std::string> read_;
};

}  // namespace avf
