// demux-only: avformat_open_input + avformat_find_stream_info, then av_read_frame to the end,
// `passes` times (seeking back to the start between passes), counting packets.
// Usage: demux FILE [PASSES]
#include "common.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [PASSES]\n", argv[0]);
    return 2;
  }
  int passes = argc > 2 ? atoi(argv[2]) : 1;
  av_log_set_level(AV_LOG_ERROR);
  double t0 = now_s();
  AVFormatContext* fmt = NULL;
  CHECK(avformat_open_input(&fmt, argv[1], NULL, NULL));
  CHECK(avformat_find_stream_info(fmt, NULL));
  double t1 = now_s(), c1 = cpu_s();
  AVPacket* pkt = av_packet_alloc();
  long packets = 0;
  long long bytes = 0;
  for (int p = 0; p < passes; p++) {
    if (p > 0) CHECK(avformat_seek_file(fmt, -1, INT64_MIN, 0, INT64_MAX, 0));
    int ret;
    while ((ret = av_read_frame(fmt, pkt)) >= 0) {
      packets++;
      bytes += pkt->size;
      av_packet_unref(pkt);
    }
    if (ret != AVERROR_EOF) die("av_read_frame", ret);
  }
  double t2 = now_s(), c2 = cpu_s();
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
  printf("{\"packets\":%ld,\"bytes\":%lld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"openSeconds\":%.6f,\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n",
         packets, bytes, t2 - t1, c2 - c1, t1 - t0, vmhwm_kib(), av_version_info());
  return 0;
}
