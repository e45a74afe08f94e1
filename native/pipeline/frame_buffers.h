// Picture buffers for the pipeline's decoders, kept across jobs: a short job (a thumbnail)
// takes pages an earlier job already touched instead of fresh ones (whose page faults and
// kernel zeroing cost a thumbnail job about a fifth of its CPU). Each decoder still reuses its
// buffers frame to frame through its own AVBufferPool, as libavcodec's default does; only the
// memory under those pools outlives the job. A buffer is zeroed when a job takes it, as
// libavcodec's default zeroes a new one: no job ever sees another's pictures.
#pragma once
extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstddef>
#include <memory>
#include <mutex>

namespace avf::pipeline {

// One decoder's pools: its get_buffer2, set up before avcodec_open2. Software video decoders
// with direct rendering only; anything else (hardware frames, palettes, audio) takes
// libavcodec's default.
class DecoderBuffers {
 public:
  ~DecoderBuffers();
  // ctx->opaque and get_buffer2 become this object's: not for a decoder on a device, whose
  // get_format has the context's opaque (hw.cc).
  void Attach(AVCodecContext* ctx);

 private:
  static int GetBuffer(AVCodecContext* ctx, AVFrame* frame, int flags);
  int Fill(AVCodecContext* ctx, AVFrame* frame);
  std::mutex m_;  // frame threads ask at once
  int format_ = -1, width_ = 0, height_ = 0;
  int linesize_[4] = {0, 0, 0, 0};
  AVBufferPool* pools_[4] = {nullptr, nullptr, nullptr, nullptr};
};

// Bytes held idle across jobs now (for tests).
size_t IdleFrameBufferBytes();

}  // namespace avf::pipeline
