// AVCodecContext, shared by Decoder and Encoder: https://ffmpeg.org/doxygen/trunk/group__lavc__core.html
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "common/options.h"
#include "common/owned.h"
#include "common/resource.h"
#include "common/tree.h"

namespace avf {

struct CodecState : Resource {
  CodecContextPtr ctx;
  std::string name;                 // the codec's name, for errors and warnings
  bool strict = false;              // damaged input throws instead of being skipped
  std::atomic<int64_t> damaged{0};  // packets or frames skipped as damaged
  bool drained = false;             // an encoder that returned EOF: nothing is left inside it
  int64_t frames_sent = 0;          // frames an encoder accepted
  ~CodecState() override { Release(); }
  // An encoder closed with frames still inside it (an abort, a close() without flush()), or
  // one that cannot close empty (codec_quirks.h), closes on a thread of its own, waited for a
  // bounded time: x265 4.2 can deadlock in x265_encoder_close then, and the job or close()
  // must still end.
  void Release() override;
};

// By name ("libx264", "h264") or, without a name, by id. Throws DECODER/ENCODER_NOT_FOUND.
const AVCodec* FindCodec(bool encoder, const std::string& name, AVCodecID id);

// threads (0: as many as useful), then the AVOptions; an unknown option is an error.
void OpenCodec(CodecState& s, const AVCodec* codec, int threads, Dict& options);

// A damaged packet or frame: skipped with a warning (as the CLI does), or thrown when strict.
void SkipDamaged(CodecState& s, int ret, const char* op);
// Receives every frame a decoder has ready (until EAGAIN, or EOF when flushing), damaged
// ones skipped; pts is the best-effort timestamp, time_base the packets'.
void ReceiveFrames(CodecState& s, std::vector<FramePtr>& out);
// avcodec_send_frame (nullptr: the end of the stream), counting the frames. An encoder whose
// empty stream never ends (codec_quirks.h) is not sent the end of one: it has nothing to give.
int SendFrame(CodecState& s, AVFrame* f);
// Receives every packet an encoder has ready, in its time base, with durations filled in.
void ReceivePackets(CodecState& s, std::vector<PacketPtr>& out);
// Float or double samples that are NaN or infinite (libmp3lame aborts the process on one);
// with zero, they are set to 0.
int64_t NonFiniteSamples(AVFrame* f, bool zero);
// FFmpeg 5.1 does not check a frame against its encoder (a wrong size reads past buffers).
void CheckFrame(const AVCodecContext* ctx, const AVFrame* f, const std::string& name);

// What an opened context ended up with (formats, frame size, time base, parameters).
Tree DescribeCodecContext(const AVCodecContext* ctx);

}  // namespace avf
