// Setting up and opening codec contexts: the steps the Decoder and Encoder classes and the
// pipeline's decode, encode and subtitle stages share.
// https://ffmpeg.org/doxygen/trunk/group__lavc__core.html
#pragma once
#include <functional>
#include <string>

#include "codec.h"

namespace avf {

// A decompression bomb (a tiny file claiming a huge picture) is refused instead of
// allocated: 2^26 pixels (8192 x 8192, twice 8K UHD) unless the caller sets max_pixels.
// (FFmpeg's own limit lets a 100-byte PNG claim 16000 x 16000: 740 MB.)
constexpr int64_t kMaxDecodePixels = 1 << 26;

// s.ctx: a decoder context for `codec`, from `par` (null: none), its packets in
// `pkt_timebase`, with the pixel limit unless `options` set max_pixels. Open it with OpenCodec.
void NewDecoderContext(CodecState& s, const AVCodec* codec, const AVCodecParameters* par, AVRational pkt_timebase,
                       Dict& options);

// Decodes on `device` when the codec can there (frames come out in the device's format when
// the decoder accepts it, in software otherwise, as the CLI falls back): "" then, else why not.
std::string UseHwDecoder(AVCodecContext* ctx, const AVCodec* codec, AVBufferRef* device);

// What every encoder is given besides its size, formats and time base.
struct EncoderCommon {
  int64_t bit_rate;    // 0: the encoder's default
  bool global_header;  // headers in extradata (MP4, Matroska), not in-band
  int threads;         // 0: as many as useful
};

// s.ctx: an encoder context for `codec`: `configure` sets its size, formats and time base,
// then the common settings apply and it opens (an unknown option is an error).
void OpenEncoder(CodecState& s, const AVCodec* codec, const EncoderCommon& common, Dict& options,
                 const std::function<void(AVCodecContext*)>& configure);

}  // namespace avf
