// The common base of the wrapper classes: a type tag per class, so a handle of the wrong
// class is refused instead of reinterpreted; a checked Unwrap; and method registration that
// turns AvException into a JS AvError (node-addon-api converts only Napi::Error: anything
// else thrown on the JS thread would terminate the process).
#pragma once
#include <napi.h>

#include <string>

#include "common/error.h"

namespace avf {

template <class T>
class Wrapped : public Napi::ObjectWrap<T> {
 public:
  using Napi::ObjectWrap<T>::ObjectWrap;
  using Callback = Napi::Value (T::*)(const Napi::CallbackInfo&);
  using Setter = void (T::*)(const Napi::CallbackInfo&, const Napi::Value&);

  // Returns the native object behind `value`, or throws a TypeError naming what was expected.
  static T* From(Napi::Value value) {
    bool ok = false;
    if (value.IsObject()) napi_check_object_type_tag(value.Env(), value, &T::kTag, &ok);
    if (!ok) throw Napi::TypeError::New(value.Env(), std::string("Expected a native ") + T::kName);
    return Napi::ObjectWrap<T>::Unwrap(value.As<Napi::Object>());
  }

 protected:
  template <Callback M>
  static Napi::ClassPropertyDescriptor<T> Method(const char* name) {
    return Napi::ObjectWrap<T>::InstanceMethod(name, static_cast<Callback>(&Wrapped::template Guard<M>));
  }
  template <Callback G, Setter S = nullptr>
  static Napi::ClassPropertyDescriptor<T> Property(const char* name) {
    if constexpr (S == nullptr)
      return Napi::ObjectWrap<T>::InstanceAccessor(name, static_cast<Callback>(&Wrapped::template Guard<G>), nullptr);
    else
      return Napi::ObjectWrap<T>::InstanceAccessor(name, static_cast<Callback>(&Wrapped::template Guard<G>),
                                                   static_cast<Setter>(&Wrapped::template GuardSet<S>));
  }

  void Tag(const Napi::CallbackInfo& info) { napi_type_tag_object(info.Env(), info.This(), &T::kTag); }

 private:
  template <Callback M>
  Napi::Value Guard(const Napi::CallbackInfo& info) {
    try {
      return (static_cast<T*>(this)->*M)(info);
    } catch (const AvException& e) {
      throw e.ToJs(info.Env());
    }
  }
  template <Setter S>
  void GuardSet(const Napi::CallbackInfo& info, const Napi::Value& value) {
    try {
      (static_cast<T*>(this)->*S)(info, value);
    } catch (const AvException& e) {
      throw e.ToJs(info.Env());
    }
  }
};

}  // namespace avf
