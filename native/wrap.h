// The common base of the wrapper classes: a type tag per class, so a handle of the
// wrong class is refused instead of reinterpreted, and a checked Unwrap.
#pragma once
#include <napi.h>

#include "error.h"

namespace avf {

template <class T>
class Wrapped : public Napi::ObjectWrap<T> {
 public:
  using Napi::ObjectWrap<T>::ObjectWrap;

  // Returns the native object behind `value`, or throws a TypeError naming what was expected.
  static T* From(Napi::Value value) {
    bool ok = false;
    if (value.IsObject())
      napi_check_object_type_tag(value.Env(), value, &T::kTag, &ok);
    if (!ok)
      throw Napi::TypeError::New(value.Env(), std::string("Expected a native ") + T::kName);
    return Napi::ObjectWrap<T>::Unwrap(value.As<Napi::Object>());
  }

 protected:
  void Tag(const Napi::CallbackInfo& info) {
    napi_type_tag_object(info.Env(), info.This(), &T::kTag);
  }
};

}  // namespace avf
