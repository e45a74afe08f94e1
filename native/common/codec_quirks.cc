#include "common/codec_quirks.h"

#include <dlfcn.h>

#include <chrono>
#include <cstring>

#include "common/compat.h"
#include "common/error.h"
#include "common/owned.h"

namespace avf {

namespace {

// Longer than any open or close of the library takes when it works.
constexpr auto kLockWait = std::chrono::seconds(30);

bool IsSvtAv1(const AVCodec* codec) { return codec && std::strcmp(codec->name, "libsvtav1") == 0; }

std::timed_mutex& SvtAv1State() {
  static std::timed_mutex m;
  return m;
}

}  // namespace

std::unique_lock<std::timed_mutex> LockCodecLibraryToOpen(const AVCodec* codec) {
  if (!IsSvtAv1(codec)) return {};
  std::unique_lock<std::timed_mutex> lock(SvtAv1State(), kLockWait);
  if (!lock.owns_lock())
    throw AvException("EBUSY", "another libsvtav1 encoder has not finished closing; try again", "avcodec_open2",
                      codec->name);
  return lock;
}

std::unique_lock<std::timed_mutex> LockCodecLibraryToClose(const AVCodec* codec) {
  if (!IsSvtAv1(codec)) return {};
  return std::unique_lock<std::timed_mutex>(SvtAv1State());
}

bool EmptyStreamHangs(const AVCodecContext* ctx) {
  if (!ctx || !IsSvtAv1(ctx->codec)) return false;
  // The major version is the soname's; a build with SVT-AV1 linked in statically has none
  // loaded, and its version is whatever that build chose (ours has no SVT-AV1).
  static const bool v1 = [] {
    void* lib = dlopen("libSvtAv1Enc.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (lib) dlclose(lib);
    return lib != nullptr;
  }();
  return v1;
}

void FeedBlankFrame(AVCodecContext* ctx) {
  FramePtr f(av_frame_alloc());
  if (!f) return;
  f->format = ctx->pix_fmt;
  f->width = ctx->width;
  f->height = ctx->height;
  f->pts = 0;
  if (av_frame_get_buffer(f.get(), 0) < 0) return;
  for (int p = 0; p < AV_NUM_DATA_POINTERS && f->buf[p]; p++) std::memset(f->buf[p]->data, 0, f->buf[p]->size);
  if (avcodec_send_frame(ctx, f.get()) < 0) return;
  PacketPtr pkt(av_packet_alloc());
  while (pkt && avcodec_receive_packet(ctx, pkt.get()) >= 0) av_packet_unref(pkt.get());
}

}  // namespace avf
