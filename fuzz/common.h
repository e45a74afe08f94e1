// Shared by the fuzz harnesses: open an AVFormatContext over an avforge IoChannel (as the
// Demuxer does, protocol_whitelist 'none'), read packets and decode them with a small max_pixels.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "common/io_channel.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
}

namespace fuzz {

constexpr int kMaxPackets = 400;
constexpr int64_t kMaxPixels = 1 << 20;

struct Decoders {
  AVCodecContext* ctx[16] = {};
  ~Decoders() {
    for (auto*& c : ctx) avcodec_free_context(&c);
  }
  void Open(AVFormatContext* fmt) {
    for (unsigned i = 0; i < fmt->nb_streams && i < 16; i++) {
      const AVCodecParameters* par = fmt->streams[i]->codecpar;
      const AVCodec* codec = avcodec_find_decoder(par->codec_id);
      if (!codec) continue;
      AVCodecContext* c = avcodec_alloc_context3(codec);
      if (!c) continue;
      if (avcodec_parameters_to_context(c, par) < 0) {
        avcodec_free_context(&c);
        continue;
      }
      c->max_pixels = kMaxPixels;
      c->thread_count = 1;
      c->max_samples = 1 << 20;
      if (avcodec_open2(c, codec, nullptr) < 0) {
        avcodec_free_context(&c);
        continue;
      }
      ctx[i] = c;
    }
  }
  void Decode(AVPacket* pkt, AVFrame* frame) {
    if (pkt->stream_index < 0 || pkt->stream_index >= 16 || !ctx[pkt->stream_index]) return;
    AVCodecContext* c = ctx[pkt->stream_index];
    if (avcodec_send_packet(c, pkt) < 0) return;
    while (avcodec_receive_frame(c, frame) >= 0) av_frame_unref(frame);
  }
  void Flush(AVFrame* frame) {
    for (auto* c : ctx) {
      if (!c) continue;
      avcodec_send_packet(c, nullptr);
      while (avcodec_receive_frame(c, frame) >= 0) av_frame_unref(frame);
    }
  }
};

// Opens `io` as an input; returns nullptr (and frees nothing of io) when it cannot.
inline AVFormatContext* OpenInput(AVIOContext* io) {
  AVFormatContext* fmt = avformat_alloc_context();
  if (!fmt) return nullptr;
  fmt->pb = io;
  fmt->probesize = 1 << 16;
  fmt->max_analyze_duration = 500000;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", "none", 0);
  int r = avformat_open_input(&fmt, "<fuzz>", nullptr, &opts);  // frees fmt on failure
  av_dict_free(&opts);
  if (r < 0) return nullptr;
  if (avformat_find_stream_info(fmt, nullptr) < 0) { /* keep going, as the CLI does */
  }
  return fmt;
}

// Opens `io`, reads up to kMaxPackets packets and decodes them, calling after(fmt, decoders)
// after each one (a harness's seeks), then flushes and closes. `io` stays the caller's.
template <class After>
void DemuxAndDecode(AVIOContext* io, After after) {
  AVFormatContext* fmt = OpenInput(io);
  if (!fmt) return;
  Decoders decoders;
  decoders.Open(fmt);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  for (int i = 0; i < kMaxPackets && av_read_frame(fmt, pkt) >= 0; i++) {
    decoders.Decode(pkt, frame);
    av_packet_unref(pkt);
    after(fmt, decoders);
  }
  decoders.Flush(frame);
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
}

inline void QuietOnce() {
  static bool done = [] {
    av_log_set_level(AV_LOG_QUIET);
    return true;
  }();
  (void)done;
}

// A tiny PRNG for chunk sizes and seek targets, seeded from the input.
struct Rng {
  uint64_t s;
  uint32_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<uint32_t>(s);
  }
};

}  // namespace fuzz
