// AVCodecContext, shared by Decoder and Encoder: https://ffmpeg.org/doxygen/trunk/group__lavc__core.html
#pragma once
#include <atomic>

#include "options.h"
#include "owned.h"
#include "resource.h"
#include "tree.h"

namespace avf {

struct CodecState : Resource {
  CodecContextPtr ctx;
  std::string name;                // the codec's name, for errors and warnings
  bool strict = false;             // damaged input throws instead of being skipped
  std::atomic<int64_t> damaged{0}; // packets or frames skipped as damaged
  ~CodecState() override { Release(); }
  void Release() override { ctx.reset(); }
};

// By name ("libx264", "h264") or, without a name, by id. Throws DECODER/ENCODER_NOT_FOUND.
const AVCodec* FindCodec(bool encoder, const std::string& name, AVCodecID id);

// threads (0: as many as useful), then the AVOptions; an unknown option is an error.
void OpenCodec(CodecState& s, const AVCodec* codec, int threads, Dict& options);

// What an opened context ended up with (formats, frame size, time base, parameters).
Tree DescribeCodecContext(const AVCodecContext* ctx);

}  // namespace avf
