#include "codec.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "common/codec_quirks.h"
#include "common/log.h"
#include "common/process_exit.h"

namespace avf {

namespace {

// Far more than any encoder takes to close; after it, the closing thread is left to finish alone.
constexpr auto kCloseWait = std::chrono::seconds(10);

void CloseOnOwnThread(CodecContextPtr ctx, const std::string& name, bool feed_blank_frame) {
  struct Closing {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
  };
  auto closing = std::make_shared<Closing>();
  try {
    // The thread owns the context: nothing of the caller's is touched if it ends late.
    std::thread([ctx = std::move(ctx), closing, feed_blank_frame]() mutable {
      NativeWork work;
      if (feed_blank_frame) FeedBlankFrame(ctx.get());
      ctx.reset();
      std::lock_guard<std::mutex> lock(closing->m);
      closing->done = true;
      closing->cv.notify_all();
    }).detach();
  } catch (const std::system_error&) {
    return;  // no thread to be had: the context closed here, with the function that held it
  }
  std::unique_lock<std::mutex> lock(closing->m);
  if (!closing->cv.wait_for(lock, kCloseWait, [&] { return closing->done; }))
    LogWarning(name.c_str(), "the encoder did not close within %d s; it is left to close on its own",
               static_cast<int>(kCloseWait.count()));
}

}  // namespace

void CodecState::Release() {
  if (!ctx) return;
  bool empty_hangs = frames_sent == 0 && EmptyStreamHangs(ctx.get());
  if (!empty_hangs && (drained || !av_codec_is_encoder(ctx->codec))) {
    ctx.reset();
    return;
  }
  CloseOnOwnThread(std::move(ctx), name, empty_hangs);
}

const AVCodec* FindCodec(bool encoder, const std::string& name, AVCodecID id) {
  const AVCodec* codec = nullptr;
  if (!name.empty()) {
    codec = encoder ? avcodec_find_encoder_by_name(name.c_str()) : avcodec_find_decoder_by_name(name.c_str());
    if (!codec) {  // a codec name ("hevc") rather than an implementation name ("libx265")
      const AVCodecDescriptor* desc = avcodec_descriptor_get_by_name(name.c_str());
      if (desc) codec = encoder ? avcodec_find_encoder(desc->id) : avcodec_find_decoder(desc->id);
    }
  } else {
    codec = encoder ? avcodec_find_encoder(id) : avcodec_find_decoder(id);
  }
  if (!codec) {
    std::string what = name.empty() ? avcodec_get_name(id) : name;
    throw AvException(encoder ? AVERROR_ENCODER_NOT_FOUND : AVERROR_DECODER_NOT_FOUND,
                      encoder ? "avcodec_find_encoder" : "avcodec_find_decoder", what);
  }
  return codec;
}

void OpenCodec(CodecState& s, const AVCodec* codec, int threads, Dict& options) {
  s.ctx->thread_count = threads;
  {
    auto lock = LockCodecLibraryToOpen(codec);
    Check(avcodec_open2(s.ctx.get(), codec, options.ptr()), "avcodec_open2", s.name);
  }
  CheckAllConsumed(options, "avcodec_open2", s.name);
}

int SendFrame(CodecState& s, AVFrame* f) {
  if (s.drained) return AVERROR_EOF;
  if (!f && s.frames_sent == 0 && EmptyStreamHangs(s.ctx.get())) {
    s.drained = true;
    return 0;
  }
  int ret = avcodec_send_frame(s.ctx.get(), f);
  if (f && ret >= 0) s.frames_sent++;
  return ret;
}

Tree DescribeCodecContext(const AVCodecContext* ctx) {
  Tree t = Tree::Object();
  t.Set("codecName", ctx->codec ? ctx->codec->name : "unknown");
  t.Set("timeBase", Tree::Rational(ctx->time_base));
  t.Set("threads", ctx->thread_count);
  const char* type = av_get_media_type_string(ctx->codec_type);
  t.Set("mediaType", type ? type : "unknown");
  if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
    const char* pix = av_get_pix_fmt_name(ctx->pix_fmt);
    t.Set("width", ctx->width).Set("height", ctx->height).Set("pixelFormat", pix ? Tree(pix) : Tree());
    t.Set("frameRate", Tree::Rational(ctx->framerate));
  } else if (ctx->codec_type == AVMEDIA_TYPE_AUDIO) {
    const char* fmt = av_get_sample_fmt_name(ctx->sample_fmt);
    char layout[128] = {0};
    av_channel_layout_describe(&ctx->ch_layout, layout, sizeof(layout));
    t.Set("sampleRate", ctx->sample_rate).Set("sampleFormat", fmt ? Tree(fmt) : Tree());
    t.Set("channels", ctx->ch_layout.nb_channels).Set("channelLayout", layout);
    t.Set("frameSize", ctx->frame_size);
  } else if (ctx->codec_type == AVMEDIA_TYPE_SUBTITLE && ctx->subtitle_header) {
    // The ASS header (styles, play size) that the ass fields of text subtitles refer to.
    t.Set("subtitleHeader", std::string(reinterpret_cast<const char*>(ctx->subtitle_header),
                                        static_cast<size_t>(ctx->subtitle_header_size)));
  }
  AVCodecParameters* par = avcodec_parameters_alloc();
  if (par && avcodec_parameters_from_context(par, ctx) >= 0) t.Set("codecParameters", Tree::Params(par));
  avcodec_parameters_free(&par);
  return t;
}

}  // namespace avf
