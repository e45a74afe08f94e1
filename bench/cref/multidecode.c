// multidecode: JOBS independent decodes of FILE's best video stream, each in its own pthread
// with thread_count 1 (all at once: the C side of "20 concurrent small jobs"), frames counted.
// Usage: multidecode FILE JOBS
#include "common.h"

#include <pthread.h>

typedef struct {
  const char* file;
  long frames;
} Job;

static void* run(void* arg) {
  Job* j = arg;
  AVFormatContext* fmt = NULL;
  CHECK(avformat_open_input(&fmt, j->file, NULL, NULL));
  CHECK(avformat_find_stream_info(fmt, NULL));
  const AVCodec* codec = NULL;
  int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (index < 0) die("av_find_best_stream", index);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  CHECK(avcodec_parameters_to_context(ctx, fmt->streams[index]->codecpar));
  ctx->pkt_timebase = fmt->streams[index]->time_base;
  ctx->thread_count = 1;
  CHECK(avcodec_open2(ctx, codec, NULL));
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  int ret;
  for (int flushing = 0; !flushing;) {
    ret = av_read_frame(fmt, pkt);
    if (ret == AVERROR_EOF) flushing = 1;
    else if (ret < 0) die("av_read_frame", ret);
    else if (pkt->stream_index != index) {
      av_packet_unref(pkt);
      continue;
    }
    CHECK(avcodec_send_packet(ctx, flushing ? NULL : pkt));
    av_packet_unref(pkt);
    while ((ret = avcodec_receive_frame(ctx, frame)) >= 0) {
      j->frames++;
      av_frame_unref(frame);
    }
    if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) die("avcodec_receive_frame", ret);
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  avformat_close_input(&fmt);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s FILE JOBS\n", argv[0]);
    return 2;
  }
  int jobs = atoi(argv[2]);
  av_log_set_level(AV_LOG_ERROR);
  Job* js = calloc(jobs, sizeof(Job));
  pthread_t* th = calloc(jobs, sizeof(pthread_t));
  double t0 = now_s(), c0 = cpu_s();
  for (int i = 0; i < jobs; i++) {
    js[i] = (Job){argv[1], 0};
    pthread_create(&th[i], NULL, run, &js[i]);
  }
  long frames = 0;
  for (int i = 0; i < jobs; i++) {
    pthread_join(th[i], NULL);
    frames += js[i].frames;
  }
  double t1 = now_s(), c1 = cpu_s();
  printf("{\"frames\":%ld,\"jobs\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"window\":[%.6f,%.6f],\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n", frames, jobs, t1 - t0, c1 - c0, t0, t1,
         vmhwm_kib(), av_version_info());
  return 0;
}
