#include "io.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/executor.h"
#include "common/options.h"

namespace avf {

const napi_type_tag IoBridge::kTag = {0x6176666f72676501ULL, 0x696f627269640001ULL};

namespace {

using Request = IoRequest;

// A Buffer that owns the bytes (no copy).
Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, std::vector<uint8_t> data) {
  if (data.empty()) return Napi::Buffer<uint8_t>::New(env, 0);
  auto* bytes = new std::vector<uint8_t>(std::move(data));
  return Napi::Buffer<uint8_t>::New(
      env, bytes->data(), bytes->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, bytes);
}

void CallJs(napi_env env, napi_value fn, void*, void* data) {
  std::unique_ptr<Request> r(static_cast<Request*>(data));
  if (!env || !fn) return;
  // A request that cannot reach JS (the environment is going away) is dropped: the channel
  // is closed with the environment, which fails the waiting read or write.
  CallIntoJs([&] {
    Napi::Env e(env);
    Napi::HandleScope scope(e);
    Napi::Value payload = e.Undefined();
    if (std::strcmp(r->kind, "write") == 0) payload = ToBuffer(e, std::move(r->data));
    napi_value ignored;
    napi_value args[4] = {Napi::String::New(e, r->kind), Napi::Number::New(e, static_cast<double>(r->position)),
                          Napi::Number::New(e, static_cast<double>(r->generation)), payload};
    // The JS side catches its own errors; anything escaping is cleared so the process lives.
    if (napi_call_function(env, e.Undefined(), fn, 4, args, &ignored) != napi_ok) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
    }
  });
}

napi_threadsafe_function Tsfn(IoChannel& c) { return static_cast<napi_threadsafe_function>(c.peer); }

bool AskJs(IoChannel& c, IoRequest* r) {
  return c.peer && napi_call_threadsafe_function(Tsfn(c), r, napi_tsfn_nonblocking) == napi_ok;
}

// napi_release_threadsafe_function may be called from any thread.
void ReleaseJs(IoChannel& c) {
  if (c.peer) napi_release_threadsafe_function(Tsfn(c), napi_tsfn_abort);
  c.peer = nullptr;
}

}  // namespace

IoTarget ReadIoTarget(Napi::Value target, Napi::Object options) {
  if (target.IsString()) return {ToText(target, "the path or URL"), nullptr};
  return {GetString(options, "name", "<stream>"), IoBridge::From(target)->channel()};
}

Napi::Function IoBridge::Init(Napi::Env env) {
  return DefineClass(env, "IoBridge",
                     {
                         Method<&IoBridge::Push>("push"),
                         Method<&IoBridge::End>("end"),
                         Method<&IoBridge::Fail>("fail"),
                         Method<&IoBridge::SeekDone>("seekDone"),
                         Method<&IoBridge::Drained>("drained"),
                         Method<&IoBridge::TakeMemory>("takeMemory"),
                         Method<&IoBridge::Release>("release"),
                     });
}

// new IoBridge({ kind: 'source' | 'sink' | 'memory-source' | 'memory-sink', onRequest?, seekable?,
//                size?, highWater?, timeout?, data? })
IoBridge::IoBridge(const Napi::CallbackInfo& info) : Wrapped<IoBridge>(info), channel_(std::make_shared<IoChannel>()) {
  Tag(info);
  Napi::Object o = info[0].As<Napi::Object>();
  std::string kind = GetString(o, "kind");
  IoChannel& c = *channel_;
  c.writing = kind == "sink" || kind == "memory-sink";
  c.in_memory = kind == "memory-source";
  c.to_memory = kind == "memory-sink";
  c.seekable = GetBool(o, "seekable", false);
  c.size = GetInt(o, "size", -1);
  c.high_water = static_cast<size_t>(std::max<int64_t>(GetInt(o, "highWater", 1 << 20), 64 * 1024));
  c.timeout_ms = GetInt(o, "timeout", 0);
  c.max_bytes = GetInt(o, "maxBytes", 0);
  if (c.in_memory) {
    Napi::Uint8Array data = o.Get("data").As<Napi::Uint8Array>();
    c.memory.assign(data.Data(), data.Data() + data.ByteLength());  // JS may reuse its buffer
  }
  if (o.Get("onRequest").IsFunction()) {
    napi_value name;
    napi_create_string_utf8(info.Env(), "avforge:io", NAPI_AUTO_LENGTH, &name);
    // When Node destroys the threadsafe function (released, or the environment is going
    // away), forget it, so nothing releases it twice.
    auto* keep = new std::shared_ptr<IoChannel>(channel_);
    napi_finalize forget = [](napi_env, void* data, void*) {
      std::unique_ptr<std::shared_ptr<IoChannel>> ref(static_cast<std::shared_ptr<IoChannel>*>(data));
      std::lock_guard<std::mutex> lock((*ref)->m);
      (*ref)->peer = nullptr;
      (*ref)->ask = nullptr;
      (*ref)->release = nullptr;
      (*ref)->closed = true;
      (*ref)->cv.notify_all();
    };
    napi_threadsafe_function tsfn;
    if (napi_create_threadsafe_function(info.Env(), o.Get("onRequest"), nullptr, name, 0, 1, keep, forget, nullptr,
                                        CallJs, &tsfn) != napi_ok) {
      delete keep;
      throw Napi::Error::New(info.Env(), "avforge: cannot create the I/O bridge");
    }
    napi_unref_threadsafe_function(info.Env(), tsfn);  // the source or sink keeps the loop alive
    c.peer = tsfn;
    c.ask = AskJs;
    c.release = ReleaseJs;
  }
}

IoBridge::~IoBridge() { CloseChannel(*channel_); }

// push(chunk, generation) -> whether more is welcome (false: above the high-water mark)
Napi::Value IoBridge::Push(const Napi::CallbackInfo& info) {
  Napi::Uint8Array chunk = info[0].As<Napi::Uint8Array>();
  uint64_t generation = static_cast<uint64_t>(info[1].ToNumber().Int64Value());
  return Napi::Boolean::New(info.Env(), PushChunk(*channel_, chunk.Data(), chunk.ByteLength(), generation));
}

// end(generation?): the input has no more bytes (for that seek generation, when given).
Napi::Value IoBridge::End(const Napi::CallbackInfo& info) {
  bool check = info[0].IsNumber();
  EndInput(*channel_, check, check ? static_cast<uint64_t>(info[0].ToNumber().Int64Value()) : 0);
  return info.Env().Undefined();
}

Napi::Value IoBridge::Fail(const Napi::CallbackInfo& info) {
  FailChannel(*channel_, info[0].ToString().Utf8Value());
  return info.Env().Undefined();
}

// seekDone(generation, position | -errno)
Napi::Value IoBridge::SeekDone(const Napi::CallbackInfo& info) {
  AnswerSeek(*channel_, static_cast<uint64_t>(info[0].ToNumber().Int64Value()), info[1].ToNumber().Int64Value());
  return info.Env().Undefined();
}

// drained(bytes): the sink wrote what it was given.
Napi::Value IoBridge::Drained(const Napi::CallbackInfo& info) {
  avf::Drained(*channel_, static_cast<size_t>(info[0].ToNumber().Int64Value()));
  return info.Env().Undefined();
}

// The bytes of a memory sink (after the muxer's trailer).
Napi::Value IoBridge::TakeMemory(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(channel_->m);
  Napi::Buffer<uint8_t> out = ToBuffer(info.Env(), std::move(channel_->memory));
  channel_->memory.clear();
  return out;
}

// release(): the JS side is done; pending and future waits fail at once.
Napi::Value IoBridge::Release(const Napi::CallbackInfo& info) {
  CloseChannel(*channel_);
  return info.Env().Undefined();
}

}  // namespace avf
