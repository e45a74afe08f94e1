// Owned libav pointers: each libav object is freed in exactly one place, its deleter, and
// every deleter is here. The ones on a per-packet or per-frame path are inline; the others
// (owned.cc) keep their libraries' headers out of every file that includes this one.
#pragma once
#include <memory>

#include "common/compat.h"

struct AVAudioFifo;
struct AVFilterInOut;
struct SwrContext;
struct SwsContext;

namespace avf {

struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct CodecContextFree {
  void operator()(AVCodecContext* c) const;  // under the codec library's lock (codec_quirks.h)
};
struct CodecParametersFree {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
struct BufferFree {
  void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
};
struct BsfFree {
  void operator()(AVBSFContext* b) const { av_bsf_free(&b); }
};
struct AudioFifoFree {
  void operator()(AVAudioFifo* f) const;
};
struct FilterInOutFree {
  void operator()(AVFilterInOut* io) const;
};  // libavfilter is loaded on demand (lavfi.h)
struct SwrFree {
  void operator()(SwrContext* s) const;
};
struct SwsFree {
  void operator()(SwsContext* s) const;
};

using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFree>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersFree>;
using BufferPtr = std::unique_ptr<AVBufferRef, BufferFree>;
using BsfPtr = std::unique_ptr<AVBSFContext, BsfFree>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoFree>;
using FilterInOutPtr = std::unique_ptr<AVFilterInOut, FilterInOutFree>;
using SwrPtr = std::unique_ptr<SwrContext, SwrFree>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

// A new reference to src (cheap: refcounts, no copy of the data).
PacketPtr RefPacket(const AVPacket* src);
FramePtr RefFrame(const AVFrame* src);

}  // namespace avf
