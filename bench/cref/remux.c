// remux: every stream of IN copied into OUT (FORMAT: matroska, mp4...; MOVFLAGS for mp4, e.g.
// frag_keyframe+empty_moov for fragmented MP4), timestamps rescaled, av_interleaved_write_frame,
// PASSES times (a new output each pass), packets counted.
// Usage: remux IN OUT FORMAT [PASSES] [MOVFLAGS]
#include "common.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s IN OUT FORMAT [PASSES] [MOVFLAGS]\n", argv[0]);
    return 2;
  }
  int passes = argc > 4 ? atoi(argv[4]) : 1;
  const char* movflags = argc > 5 ? argv[5] : NULL;
  av_log_set_level(AV_LOG_ERROR);
  long packets = 0;
  long long bytes = 0;
  double t0 = now_s(), c0 = cpu_s();
  for (int p = 0; p < passes; p++) {
    AVFormatContext* in = NULL;
    CHECK(avformat_open_input(&in, argv[1], NULL, NULL));
    CHECK(avformat_find_stream_info(in, NULL));
    AVFormatContext* out = NULL;
    CHECK(avformat_alloc_output_context2(&out, NULL, argv[3], argv[2]));
    for (unsigned i = 0; i < in->nb_streams; i++) {
      AVStream* os = avformat_new_stream(out, NULL);
      CHECK(avcodec_parameters_copy(os->codecpar, in->streams[i]->codecpar));
      os->codecpar->codec_tag = 0;
      os->time_base = in->streams[i]->time_base;
    }
    CHECK(avio_open(&out->pb, argv[2], AVIO_FLAG_WRITE));
    AVDictionary* opts = NULL;
    if (movflags && *movflags) av_dict_set(&opts, "movflags", movflags, 0);
    CHECK(avformat_write_header(out, &opts));
    av_dict_free(&opts);
    AVPacket* pkt = av_packet_alloc();
    int ret;
    while ((ret = av_read_frame(in, pkt)) >= 0) {
      packets++;
      bytes += pkt->size;
      av_packet_rescale_ts(pkt, in->streams[pkt->stream_index]->time_base, out->streams[pkt->stream_index]->time_base);
      pkt->pos = -1;
      CHECK(av_interleaved_write_frame(out, pkt));
    }
    if (ret != AVERROR_EOF) die("av_read_frame", ret);
    CHECK(av_write_trailer(out));
    av_packet_free(&pkt);
    avio_closep(&out->pb);
    avformat_free_context(out);
    avformat_close_input(&in);
  }
  double t1 = now_s(), c1 = cpu_s();
  printf("{\"packets\":%ld,\"bytes\":%lld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"window\":[%.6f,%.6f],\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n", packets, bytes, t1 - t0, c1 - c0, t0, t1,
         vmhwm_kib(), av_version_info());
  return 0;
}
