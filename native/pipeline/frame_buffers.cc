#include "pipeline/frame_buffers.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

namespace avf::pipeline {

namespace {

// libavcodec's own padding around a plane (16 bytes, and its widest SIMD stride).
constexpr size_t kPlanePadding = 16 + 64 - 1;

// The process-wide store of idle buffers, by size, up to a cap sized to the machine: a few
// jobs' worth of 1080p pictures per core. Never destroyed: buffers may come back from frames
// that outlive everything else.
class Store {
 public:
  static Store& Get() {
    static Store* store = new Store();
    return *store;
  }
  // A zeroed buffer: an idle one (zeroed here, outside the lock), else a new one.
  uint8_t* Take(size_t size) {
    uint8_t* data = nullptr;
    {
      std::lock_guard<std::mutex> lock(m_);
      auto it = idle_.find(size);
      if (it != idle_.end() && !it->second.empty()) {
        data = it->second.back();
        it->second.pop_back();
        bytes_ -= size;
      }
    }
    if (!data) return static_cast<uint8_t*>(av_mallocz(size));
    std::memset(data, 0, size);
    return data;
  }
  void Give(uint8_t* data, size_t size) {
    {
      std::lock_guard<std::mutex> lock(m_);
      if (bytes_ + size <= cap_) {
        idle_[size].push_back(data);
        bytes_ += size;
        return;
      }
    }
    av_free(data);
  }
  size_t Bytes() {
    std::lock_guard<std::mutex> lock(m_);
    return bytes_;
  }

 private:
  Store() {
    size_t cores = std::max(1u, std::thread::hardware_concurrency());
    cap_ = std::min<size_t>(512, 32 * cores) << 20;
    if (const char* env = std::getenv("AVFORGE_FRAME_BUFFER_MIB")) cap_ = static_cast<size_t>(std::atoll(env)) << 20;
  }
  std::mutex m_;
  std::unordered_map<size_t, std::vector<uint8_t*>> idle_;
  size_t bytes_ = 0, cap_;
};

void GiveBack(void* opaque, uint8_t* data) { Store::Get().Give(data, reinterpret_cast<size_t>(opaque)); }

AVBufferRef* Allocate(void*, size_t size) {
  uint8_t* data = Store::Get().Take(size);
  if (!data) return nullptr;
  AVBufferRef* buf = av_buffer_create(data, size, GiveBack, reinterpret_cast<void*>(size), 0);
  if (!buf) Store::Get().Give(data, size);
  return buf;
}

}  // namespace

size_t IdleFrameBufferBytes() { return Store::Get().Bytes(); }

DecoderBuffers::~DecoderBuffers() {
  for (AVBufferPool*& p : pools_) av_buffer_pool_uninit(&p);  // frees once its last frame is gone
}

void DecoderBuffers::Attach(AVCodecContext* ctx) {
  if (!ctx->codec || !(ctx->codec->capabilities & AV_CODEC_CAP_DR1) || ctx->codec_type != AVMEDIA_TYPE_VIDEO) return;
  ctx->opaque = this;
  ctx->get_buffer2 = GetBuffer;
#if LIBAVCODEC_VERSION_MAJOR < 60  // FFmpeg 5.x asks frame-threaded decoders' callbacks to say so
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  ctx->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
}

int DecoderBuffers::GetBuffer(AVCodecContext* ctx, AVFrame* frame, int flags) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  if (ctx->hw_frames_ctx || frame->hw_frames_ctx || !desc ||
      (desc->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_PAL)) || frame->format != ctx->pix_fmt ||
      frame->width <= 0 || frame->height <= 0)
    return avcodec_default_get_buffer2(ctx, frame, flags);
  return static_cast<DecoderBuffers*>(ctx->opaque)->Fill(ctx, frame);
}

// The layout libavcodec's default gives (update_frame_pool): the dimensions aligned for the
// codec, lines widened until every plane's is aligned, one buffer per plane.
int DecoderBuffers::Fill(AVCodecContext* ctx, AVFrame* frame) {
  std::lock_guard<std::mutex> lock(m_);
  if (frame->format != format_ || frame->width != width_ || frame->height != height_) {
    for (AVBufferPool*& p : pools_) av_buffer_pool_uninit(&p);
    auto fmt = static_cast<AVPixelFormat>(frame->format);
    int w = frame->width, h = frame->height;
    int align[AV_NUM_DATA_POINTERS];
    avcodec_align_dimensions2(ctx, &w, &h, align);
    int linesize[4] = {0, 0, 0, 0};
    for (;;) {
      int ret = av_image_fill_linesizes(linesize, fmt, w);
      if (ret < 0) return ret;
      w += w & ~(w - 1);
      int unaligned = 0;
      for (int i = 0; i < 4; i++) unaligned |= linesize[i] % align[i];
      if (!unaligned) break;
    }
    ptrdiff_t lines[4];
    for (int i = 0; i < 4; i++) lines[i] = linesize[i];
    size_t sizes[4];
    int ret = av_image_fill_plane_sizes(sizes, fmt, h, lines);
    if (ret < 0) return ret;
    for (int i = 0; i < 4; i++) {
      linesize_[i] = linesize[i];
      if (sizes[i] == 0) continue;
      pools_[i] = av_buffer_pool_init2(sizes[i] + kPlanePadding, nullptr, Allocate, nullptr);
      if (!pools_[i]) return AVERROR(ENOMEM);
    }
    format_ = frame->format;
    width_ = frame->width;
    height_ = frame->height;
  }
  for (int i = 0; i < 4 && pools_[i]; i++) {
    frame->buf[i] = av_buffer_pool_get(pools_[i]);
    if (!frame->buf[i]) {
      for (int j = 0; j < i; j++) av_buffer_unref(&frame->buf[j]);
      return AVERROR(ENOMEM);
    }
    frame->data[i] = frame->buf[i]->data;
    frame->linesize[i] = linesize_[i];
  }
  frame->extended_data = frame->data;
  return 0;
}

}  // namespace avf::pipeline
