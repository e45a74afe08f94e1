#include "common/options.h"

#include "common/error.h"

namespace avf {

AVDictionary* ToDictionary(Napi::Value value) {
  AVDictionary* dict = nullptr;
  if (!value.IsObject()) return nullptr;
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Array keys = obj.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string key = keys.Get(i).ToString();
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined() || v.IsNull()) continue;
    std::string text;
    if (v.IsBoolean())
      text = v.As<Napi::Boolean>().Value() ? "1" : "0";
    else
      text = v.ToString();
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
  return Has(obj, key) ? obj.Get(key).ToString().Utf8Value() : fallback;
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

}  // namespace avf
