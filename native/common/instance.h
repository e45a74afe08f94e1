// What the addon keeps per Node environment (main thread or worker): the JS classes native
// code constructs (AvError, Packet, PacketList, Frame, CodecParameters) and the completion
// queue. Set up once by addon.cc.
#pragma once
#include <napi.h>

#include <memory>

#include "common/executor.h"

namespace avf {

struct Instance {
  Napi::FunctionReference errorClass;
  Napi::FunctionReference packetClass;
  Napi::FunctionReference packetListClass;
  Napi::FunctionReference frameClass;
  Napi::FunctionReference frameListClass;
  Napi::FunctionReference codecParametersClass;
  std::shared_ptr<Completions> completions;
};

Instance& GetInstance(Napi::Env env);

}  // namespace avf
