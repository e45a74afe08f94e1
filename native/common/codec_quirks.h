// Faults of the libraries that libavcodec wraps, and what avforge does about each. The ffmpeg
// CLI meets them less often (one encoder per stream, every stream fed before it closes);
// a server opening and closing encoders on many threads meets them all.
#pragma once
#include <mutex>

struct AVCodec;
struct AVCodecContext;

namespace avf {

// SVT-AV1 (libsvtav1) reads the CPU topology into a process-wide table on every open and frees
// it on every close, unlocked: an open racing a close on another thread read freed memory and
// crashed. Its opens and closes take this lock (an empty one for every other codec). An open
// waits for it a bounded time and then throws EBUSY, so that a close hung inside the library
// cannot hang every later open; a close waits as long as it takes.
std::unique_lock<std::timed_mutex> LockCodecLibraryToOpen(const AVCodec* codec);
std::unique_lock<std::timed_mutex> LockCodecLibraryToClose(const AVCodec* codec);

// SVT-AV1 1.x never returns from a stream without a single frame: the end-of-stream it is sent
// on flush, or on close, waits forever (FFmpeg's CLI hangs the same way on -frames:v 0).
// True for such an encoder; it is never flushed empty, and FeedBlankFrame lets it close.
bool EmptyStreamHangs(const AVCodecContext* ctx);
// One black frame of the encoder's size and format, sent and its packets dropped: the
// encoder is being closed and nobody reads them.
void FeedBlankFrame(AVCodecContext* ctx);

}  // namespace avf
