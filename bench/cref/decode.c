// decode: demux + avcodec_send_packet / avcodec_receive_frame of the best video stream,
// with thread_count = THREADS (0: FFmpeg picks), counting frames (the flush included).
// TYPE audio decodes the best audio stream instead.
// Usage: decode FILE [THREADS] [video|audio]
#include "common.h"

static long drain(AVCodecContext* ctx, AVFrame* frame) {
  long n = 0;
  for (;;) {
    int ret = avcodec_receive_frame(ctx, frame);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return n;
    if (ret < 0) die("avcodec_receive_frame", ret);
    n++;
    av_frame_unref(frame);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [THREADS]\n", argv[0]);
    return 2;
  }
  int threads = argc > 2 ? atoi(argv[2]) : 0;
  enum AVMediaType type = argc > 3 && strcmp(argv[3], "audio") == 0 ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO;
  av_log_set_level(AV_LOG_ERROR);
  double t0 = now_s();
  AVFormatContext* fmt = NULL;
  CHECK(avformat_open_input(&fmt, argv[1], NULL, NULL));
  CHECK(avformat_find_stream_info(fmt, NULL));
  const AVCodec* codec = NULL;
  int index = av_find_best_stream(fmt, type, -1, -1, &codec, 0);
  if (index < 0) die("av_find_best_stream", index);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  CHECK(avcodec_parameters_to_context(ctx, fmt->streams[index]->codecpar));
  ctx->pkt_timebase = fmt->streams[index]->time_base;
  ctx->thread_count = threads;
  CHECK(avcodec_open2(ctx, codec, NULL));
  double t1 = now_s(), c1 = cpu_s();
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  long frames = 0, packets = 0;
  int ret;
  while ((ret = av_read_frame(fmt, pkt)) >= 0) {
    if (pkt->stream_index == index) {
      packets++;
      CHECK(avcodec_send_packet(ctx, pkt));
      frames += drain(ctx, frame);
    }
    av_packet_unref(pkt);
  }
  if (ret != AVERROR_EOF) die("av_read_frame", ret);
  CHECK(avcodec_send_packet(ctx, NULL));
  frames += drain(ctx, frame);
  double t2 = now_s(), c2 = cpu_s();
  int used_threads = ctx->thread_count;
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  avformat_close_input(&fmt);
  printf("{\"frames\":%ld,\"packets\":%ld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"openSeconds\":%.6f,\"threads\":%d,\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n",
         frames, packets, t2 - t1, c2 - c1, t1 - t0, used_threads, vmhwm_kib(), av_version_info());
  return 0;
}
