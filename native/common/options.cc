#include "common/options.h"

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace avf {

std::string ToText(Napi::Value value, const std::string& name) {
  std::string text = value.ToString().Utf8Value();
  if (text.find('\0') != std::string::npos)
    throw Napi::TypeError::New(
        value.Env(), "Expected a string without NUL characters for " + name + " but received a string with one");
  return text;
}

AVDictionary* ToDictionary(Napi::Value value) {
  AVDictionary* dict = nullptr;
  if (!value.IsObject()) return nullptr;
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Array keys = obj.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string key = ToText(keys.Get(i), "an option name");
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined() || v.IsNull()) continue;
    std::string text;
    if (v.IsBoolean())
      text = v.As<Napi::Boolean>().Value() ? "1" : "0";
    else
      text = ToText(v, "option " + key);
    av_dict_set(&dict, key.c_str(), text.c_str(), 0);
  }
  return dict;
}

void CheckAllConsumed(Dict& dict, const char* op, const std::string& url) {
  const AVDictionaryEntry* e = av_dict_get(*dict.ptr(), "", nullptr, AV_DICT_IGNORE_SUFFIX);
  if (e) throw AvException("OPTION_NOT_FOUND", std::string("Option not found: ") + e->key, op, url);
}

Napi::Object FromDictionary(Napi::Env env, const AVDictionary* dict) {
  Napi::Object obj = Napi::Object::New(env);
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))) obj.Set(e->key, e->value);
  return obj;
}

AVRational ToRational(Napi::Value value, AVRational fallback) {
  if (!value.IsObject()) return fallback;
  Napi::Object o = value.As<Napi::Object>();
  return AVRational{o.Get("num").ToNumber().Int32Value(), o.Get("den").ToNumber().Int32Value()};
}

Napi::Value FromRational(Napi::Env env, AVRational r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("num", r.num);
  o.Set("den", r.den);
  return o;
}

Napi::Value FromTimestamp(Napi::Env env, int64_t ts) {
  if (ts == AV_NOPTS_VALUE) return env.Null();
  return Napi::Number::New(env, static_cast<double>(ts));
}

int64_t ToTimestamp(Napi::Value value) {
  if (value.IsNull() || value.IsUndefined()) return AV_NOPTS_VALUE;
  return value.As<Napi::Number>().Int64Value();
}

bool Has(Napi::Object obj, const char* key) {
  Napi::Value v = obj.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

std::string GetString(Napi::Object obj, const char* key, const std::string& fallback) {
  return Has(obj, key) ? ToText(obj.Get(key), key) : fallback;
}

int64_t GetInt(Napi::Object obj, const char* key, int64_t fallback) {
  return Has(obj, key) ? obj.Get(key).ToNumber().Int64Value() : fallback;
}

double GetDouble(Napi::Object obj, const char* key, double fallback) {
  return Has(obj, key) ? obj.Get(key).ToNumber().DoubleValue() : fallback;
}

bool GetBool(Napi::Object obj, const char* key, bool fallback) {
  return Has(obj, key) ? obj.Get(key).ToBoolean().Value() : fallback;
}

namespace {

const char* TypeName(Napi::Value v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsArray()) return "an array";
  switch (v.Type()) {
    case napi_string: return "a string";
    case napi_number: return "a number";
    case napi_boolean: return "a boolean";
    case napi_object: return "an object";
    case napi_function: return "a function";
    default: return "something else";
  }
}

[[noreturn]] void Refuse(const std::string& path, const std::string& problem) {
  throw AvException("EINVAL", path + ": " + problem, "run");
}

}  // namespace

Fields::Fields(Napi::Value value, std::string path) : path_(std::move(path)) {
  if (!value.IsObject() || value.IsArray()) Refuse(path_, std::string("expected an object, got ") + TypeName(value));
  obj_ = value.As<Napi::Object>();
}

void Fields::Fail(const char* key, const std::string& problem) const { Refuse(Path(key), problem); }

Napi::Value Fields::Get(const char* key) {
  if (!obj_.HasOwnProperty(key)) Fail(key, "missing");
  read_.emplace_back(key);
  return obj_.Get(key);
}

Napi::Value Fields::Any(const char* key) { return Get(key); }

std::string Fields::String(const char* key) {
  Napi::Value v = Get(key);
  if (!v.IsString()) Fail(key, std::string("expected a string, got ") + TypeName(v));
  return ToText(v, Path(key));
}

int64_t Fields::Int(const char* key) {
  Napi::Value v = Get(key);
  if (!v.IsNumber()) Fail(key, std::string("expected a number, got ") + TypeName(v));
  return v.As<Napi::Number>().Int64Value();
}

bool Fields::Bool(const char* key) {
  Napi::Value v = Get(key);
  if (!v.IsBoolean()) Fail(key, std::string("expected a boolean, got ") + TypeName(v));
  return v.As<Napi::Boolean>().Value();
}

int64_t Fields::IntOrNull(const char* key, int64_t null) {
  Napi::Value v = Get(key);
  if (v.IsNull()) return null;
  if (!v.IsNumber()) Fail(key, std::string("expected a number or null, got ") + TypeName(v));
  return v.As<Napi::Number>().Int64Value();
}

int64_t Fields::Timestamp(const char* key) { return IntOrNull(key, AV_NOPTS_VALUE); }

AVRational Fields::RationalOrNull(const char* key) {
  if (IsNull(key)) return AVRational{0, 1};
  Fields r(obj_.Get(key), Path(key));
  AVRational out{r.Int32("num"), r.Int32("den")};
  r.Finish();
  return out;
}

AVDictionary* Fields::Dictionary(const char* key) {
  Napi::Value v = Get(key);
  if (!v.IsObject() || v.IsArray()) Fail(key, std::string("expected an object, got ") + TypeName(v));
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    Napi::Value item = o.Get(keys.Get(i));
    if (!item.IsString() && !item.IsNumber() && !item.IsBoolean() && !item.IsUndefined())
      Refuse(Path(key) + "." + keys.Get(i).ToString().Utf8Value(),
             std::string("expected a string, number or boolean, got ") + TypeName(item));
  }
  return ToDictionary(v);
}

bool Fields::IsNull(const char* key) { return Get(key).IsNull(); }

Fields Fields::Object(const char* key) { return Fields(Get(key), Path(key)); }

uint32_t Fields::ArrayLength(const char* key) {
  Napi::Value v = Get(key);
  if (!v.IsArray()) Fail(key, std::string("expected an array, got ") + TypeName(v));
  return v.As<Napi::Array>().Length();
}

Napi::Value Fields::Item(const char* key, uint32_t i) const { return obj_.Get(key).As<Napi::Array>().Get(i); }

std::string Fields::ItemPath(const char* key, uint32_t i) const { return Path(key) + "[" + std::to_string(i) + "]"; }

void Fields::Finish() const {
  Napi::Array keys = obj_.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string key = keys.Get(i).ToString().Utf8Value();
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) Refuse(Path(key.c_str()), "unknown key");
  }
}

}  // namespace avf
