// encode: libx264 (preset veryfast, yuv420p, WxH at 60 fps) from synthetic frames: one AVFrame
// allocated once, av_frame_make_writable + a fill before each avcodec_send_frame, as an
// avforge user does with Frame.alloc + makeWritable. The pictures pan across a fixed texture
// (pattern.h), so the encoder has real motion to search; every contender encodes the same
// pictures (`--dump` writes them as raw yuv420p for the ffmpeg CLI).
// CODEC and PRESET default to libx264 veryfast (libx265 gets x265-params log-level=error).
// Usage: encode W H FRAMES [THREADS] [CODEC] [PRESET]   |   encode W H FRAMES --dump FILE
#include "common.h"
#include "pattern.h"

#include <libavutil/imgutils.h>

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s W H FRAMES [THREADS | --dump FILE]\n", argv[0]);
    return 2;
  }
  int w = atoi(argv[1]), h = atoi(argv[2]), n = atoi(argv[3]);
  av_log_set_level(AV_LOG_ERROR);
  Texture tex = texture_make(w, h);
  AVFrame* frame = av_frame_alloc();
  frame->width = w;
  frame->height = h;
  frame->format = AV_PIX_FMT_YUV420P;
  CHECK(av_frame_get_buffer(frame, 0));

  if (argc > 5 && strcmp(argv[4], "--dump") == 0) {  // the same pictures, packed, for the CLI
    FILE* out = fopen(argv[5], "wb");
    if (!out) return 1;
    int size = av_image_get_buffer_size(AV_PIX_FMT_YUV420P, w, h, 1);
    uint8_t* buf = malloc(size);
    for (int i = 0; i < n; i++) {
      texture_fill(&tex, frame->data, frame->linesize, i);
      av_image_copy_to_buffer(buf, size, (const uint8_t* const*)frame->data, frame->linesize, AV_PIX_FMT_YUV420P, w, h, 1);
      fwrite(buf, 1, size, out);
    }
    fclose(out);
    return 0;
  }

  int threads = argc > 4 ? atoi(argv[4]) : 0;
  double t0 = now_s();
  const char* codec_name = argc > 5 ? argv[5] : "libx264";
  const char* preset = argc > 6 ? argv[6] : "veryfast";
  const AVCodec* codec = avcodec_find_encoder_by_name(codec_name);
  if (!codec) die("avcodec_find_encoder_by_name", AVERROR_ENCODER_NOT_FOUND);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  ctx->width = w;
  ctx->height = h;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->framerate = (AVRational){60, 1};
  ctx->time_base = (AVRational){1, 60};
  ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // as avforge does by default
  ctx->thread_count = threads;
  AVDictionary* opts = NULL;
  av_dict_set(&opts, "preset", preset, 0);
  if (strcmp(codec_name, "libx265") == 0) av_dict_set(&opts, "x265-params", "log-level=error", 0);
  CHECK(avcodec_open2(ctx, codec, &opts));
  av_dict_free(&opts);
  double t1 = now_s(), c1 = cpu_s();
  AVPacket* pkt = av_packet_alloc();
  long packets = 0;
  long long bytes = 0;
  double writable_s = 0, fill_s = 0;
  for (int i = 0; i <= n; i++) {
    if (i < n) {
      double a = now_s();
      CHECK(av_frame_make_writable(frame));
      double b = now_s();
      texture_fill(&tex, frame->data, frame->linesize, i);
      fill_s += now_s() - b;
      writable_s += b - a;
      frame->pts = i;
      CHECK(avcodec_send_frame(ctx, frame));
    } else {
      CHECK(avcodec_send_frame(ctx, NULL));
    }
    int ret;
    while ((ret = avcodec_receive_packet(ctx, pkt)) >= 0) {
      packets++;
      bytes += pkt->size;
      av_packet_unref(pkt);
    }
    if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) die("avcodec_receive_packet", ret);
  }
  double t2 = now_s(), c2 = cpu_s();
  av_packet_free(&pkt);
  av_frame_free(&frame);
  avcodec_free_context(&ctx);
  texture_free(&tex);
  printf("{\"frames\":%d,\"packets\":%ld,\"bytes\":%lld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"openSeconds\":%.6f,\"makeWritableSeconds\":%.6f,\"fillSeconds\":%.6f,\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n",
         n, packets, bytes, t2 - t1, c2 - c1, t1 - t0, writable_s, fill_s, vmhwm_kib(), av_version_info());
  return 0;
}
