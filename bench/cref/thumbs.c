// thumbs: JOBS sequential small jobs, each: open FILE, seek to T = ((i % 4) + 1) s (backward, to
// a keyframe), decode (thread_count THREADS, default 1) until a frame of the best video stream
// comes out, sws_scale it to 160x90 yuvj420p, encode it with the mjpeg encoder, close everything.
// MODE first (default): the first frame decoded after the seek (the keyframe at or before T),
// scaled bicubic + accurate_rnd + full_chr_h_int (avforge's Scaler defaults).
// MODE accurate: the first frame at or after T (what avforge's thumbnails({ times: [T] })
// returns: its select filter passes the first frame with t >= T), scaled plain bicubic (what
// libavfilter's scale filter uses when given no flags).
// Usage: thumbs FILE JOBS [first|accurate] [THREADS]
#include "common.h"

#include <libswscale/swscale.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s FILE JOBS\n", argv[0]);
    return 2;
  }
  int jobs = atoi(argv[2]);
  int accurate = argc > 3 && strcmp(argv[3], "accurate") == 0;
  int threads = argc > 4 ? atoi(argv[4]) : 1;
  av_log_set_level(AV_LOG_ERROR);
  long long bytes = 0;
  long thumbs = 0;
  double t0 = now_s(), c0 = cpu_s();
  for (int i = 0; i < jobs; i++) {
    AVFormatContext* fmt = NULL;
    CHECK(avformat_open_input(&fmt, argv[1], NULL, NULL));
    CHECK(avformat_find_stream_info(fmt, NULL));
    const AVCodec* codec = NULL;
    int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (index < 0) die("av_find_best_stream", index);
    AVCodecContext* dec = avcodec_alloc_context3(codec);
    CHECK(avcodec_parameters_to_context(dec, fmt->streams[index]->codecpar));
    dec->pkt_timebase = fmt->streams[index]->time_base;
    dec->thread_count = threads;
    CHECK(avcodec_open2(dec, codec, NULL));
    int64_t ts = (int64_t)((i % 4) + 1) * AV_TIME_BASE;
    int64_t start = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0;
    CHECK(avformat_seek_file(fmt, -1, INT64_MIN, start + ts, start + ts, 0));
    // accurate: the first frame whose timestamp is at or after T
    int64_t target = av_rescale_q(start + ts, AV_TIME_BASE_Q, fmt->streams[index]->time_base);
    AVPacket* pkt = av_packet_alloc();
    AVFrame* frame = av_frame_alloc();
    int got = 0, flushing = 0, ret;
    while (!got) {
      if (!flushing) {
        ret = av_read_frame(fmt, pkt);
        if (ret < 0) {
          flushing = 1;
          CHECK(avcodec_send_packet(dec, NULL));
        } else if (pkt->stream_index != index) {
          av_packet_unref(pkt);
          continue;
        } else {
          CHECK(avcodec_send_packet(dec, pkt));
          av_packet_unref(pkt);
        }
      }
      while (!got && (ret = avcodec_receive_frame(dec, frame)) >= 0) {
        if (!accurate || frame->best_effort_timestamp == AV_NOPTS_VALUE || frame->best_effort_timestamp >= target) got = 1;
        else av_frame_unref(frame);
      }
      if (!got && ret != AVERROR(EAGAIN)) die(ret == AVERROR_EOF ? "no frame at or after the time" : "avcodec_receive_frame", ret);
    }
    int flags = accurate ? SWS_BICUBIC : SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
    struct SwsContext* sws = sws_getContext(frame->width, frame->height, frame->format, 160, 90, AV_PIX_FMT_YUVJ420P, flags, NULL, NULL, NULL);
    AVFrame* small = av_frame_alloc();
    small->width = 160;
    small->height = 90;
    small->format = AV_PIX_FMT_YUVJ420P;
    CHECK(av_frame_get_buffer(small, 0));
    sws_scale(sws, (const uint8_t* const*)frame->data, frame->linesize, 0, frame->height, small->data, small->linesize);
    small->pts = 0;
    const AVCodec* mj = avcodec_find_encoder_by_name("mjpeg");
    AVCodecContext* enc = avcodec_alloc_context3(mj);
    enc->width = 160;
    enc->height = 90;
    enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
    enc->time_base = (AVRational){1, 25};
    CHECK(avcodec_open2(enc, mj, NULL));
    CHECK(avcodec_send_frame(enc, small));
    CHECK(avcodec_send_frame(enc, NULL));
    while ((ret = avcodec_receive_packet(enc, pkt)) >= 0) {
      bytes += pkt->size;
      av_packet_unref(pkt);
    }
    thumbs++;
    avcodec_free_context(&enc);
    av_frame_free(&small);
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
  }
  double t1 = now_s(), c1 = cpu_s();
  printf("{\"thumbs\":%ld,\"bytes\":%lld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"window\":[%.6f,%.6f],\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n", thumbs, bytes, t1 - t0, c1 - c0, t0, t1,
         vmhwm_kib(), av_version_info());
  return 0;
}
