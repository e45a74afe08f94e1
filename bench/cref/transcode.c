// transcode: decode the best video stream of FILE and encode it with ENCODER (libx265
// ultrafast by default) to nowhere (packets counted, not muxed), MAXFRAMES frames at most
// (0: all). JOBS > 1 runs that many identical transcodes at once in pthreads (the C side of
// "4 concurrent transcodes"). Decoder thread_count 0, encoder threads 0 (what avforge uses).
// Built twice: `transcode` (no libavfilter: decoded frames go straight to the encoder) and,
// with -DWITH_LAVFI, `transcode_lavfi`: every frame goes through the graph avforge's
// transcode() pipeline inserts for a plain transcode, buffer -> null -> format=pix_fmts=<the
// encoder's formats> -> buffersink, set up from the first decoded frame (as the pipeline does).
// Usage: transcode FILE [ENCODER] [PRESET] [MAXFRAMES] [JOBS]
#include "common.h"

#include <pthread.h>
#ifdef WITH_LAVFI
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>
#endif

typedef struct {
  const char *file, *encoder, *preset;
  long max_frames;
  long frames, packets;
  long long bytes;
} Job;

static void drain_enc(AVCodecContext* enc, AVPacket* out, Job* j) {
  int ret;
  while ((ret = avcodec_receive_packet(enc, out)) >= 0) {
    j->packets++;
    j->bytes += out->size;
    av_packet_unref(out);
  }
  if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) die("avcodec_receive_packet", ret);
}

#ifdef WITH_LAVFI
typedef struct {
  AVFilterGraph* graph;
  AVFilterContext *src, *sink;
  AVFrame* out;
} Graph;

/* buffer (from the first frame) -> null -> format=pix_fmts=<enc's list> -> buffersink */
static void graph_open(Graph* g, const AVFrame* f, AVRational tb, AVRational rate, const AVCodec* enc) {
  g->graph = avfilter_graph_alloc();
  char args[256];
  snprintf(args, sizeof args, "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d:frame_rate=%d/%d", f->width, f->height,
           f->format, tb.num, tb.den, f->sample_aspect_ratio.num, f->sample_aspect_ratio.den > 0 ? f->sample_aspect_ratio.den : 1,
           rate.num, rate.den > 0 ? rate.den : 1);
  CHECK(avfilter_graph_create_filter(&g->src, avfilter_get_by_name("buffer"), "src", args, NULL, g->graph));
  CHECK(avfilter_graph_create_filter(&g->sink, avfilter_get_by_name("buffersink"), "sink", NULL, NULL, g->graph));
  char fmts[1024] = "pix_fmts=";
  for (const enum AVPixelFormat* p = enc->pix_fmts; p && *p != AV_PIX_FMT_NONE; p++) {
    if (p != enc->pix_fmts) strncat(fmts, "|", sizeof fmts - strlen(fmts) - 1);
    strncat(fmts, av_get_pix_fmt_name(*p), sizeof fmts - strlen(fmts) - 1);
  }
  AVFilterContext* format = NULL;
  CHECK(avfilter_graph_create_filter(&format, avfilter_get_by_name("format"), "format", fmts, NULL, g->graph));
  CHECK(avfilter_link(format, 0, g->sink, 0));
  AVFilterInOut* outputs = avfilter_inout_alloc();
  AVFilterInOut* inputs = avfilter_inout_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = g->src;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = format;
  CHECK(avfilter_graph_parse_ptr(g->graph, "null", &inputs, &outputs, NULL));
  avfilter_inout_free(&inputs);
  avfilter_inout_free(&outputs);
  CHECK(avfilter_graph_config(g->graph, NULL));
  g->out = av_frame_alloc();
}
#endif

static void* run(void* arg) {
  Job* j = arg;
  AVFormatContext* fmt = NULL;
  CHECK(avformat_open_input(&fmt, j->file, NULL, NULL));
  CHECK(avformat_find_stream_info(fmt, NULL));
  const AVCodec* dcodec = NULL;
  int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &dcodec, 0);
  if (index < 0) die("av_find_best_stream", index);
  AVStream* st = fmt->streams[index];
  AVCodecContext* dec = avcodec_alloc_context3(dcodec);
  CHECK(avcodec_parameters_to_context(dec, st->codecpar));
  dec->pkt_timebase = st->time_base;
  dec->thread_count = 0;
  CHECK(avcodec_open2(dec, dcodec, NULL));
  const AVCodec* ecodec = avcodec_find_encoder_by_name(j->encoder);
  if (!ecodec) die("avcodec_find_encoder_by_name", AVERROR_ENCODER_NOT_FOUND);
  AVCodecContext* enc = avcodec_alloc_context3(ecodec);
  enc->width = dec->width;
  enc->height = dec->height;
  enc->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->time_base = st->time_base;
  enc->framerate = st->avg_frame_rate;
  enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  enc->thread_count = 0;
  AVDictionary* opts = NULL;
  av_dict_set(&opts, "preset", j->preset, 0);
  if (strcmp(j->encoder, "libx265") == 0) av_dict_set(&opts, "x265-params", "log-level=error", 0);
  CHECK(avcodec_open2(enc, ecodec, &opts));
  av_dict_free(&opts);
  AVPacket* pkt = av_packet_alloc();
  AVPacket* out = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  int ret, done = 0;
#ifdef WITH_LAVFI
  Graph g = {0};
  /* frame (NULL: the end) -> the graph -> the encoder, at most max_frames of them */
#define ENCODE(f)                                                                                    \
  do {                                                                                               \
    if (!g.graph) graph_open(&g, (f), st->time_base, st->avg_frame_rate, ecodec);                    \
    CHECK(av_buffersrc_add_frame_flags(g.src, (f), 0));                                              \
    int r_;                                                                                          \
    while ((r_ = av_buffersink_get_frame(g.sink, g.out)) >= 0) {                                     \
      g.out->pict_type = AV_PICTURE_TYPE_NONE;                                                       \
      if (j->max_frames <= 0 || j->frames < j->max_frames) {                                         \
        CHECK(avcodec_send_frame(enc, g.out));                                                       \
        j->frames++;                                                                                 \
        drain_enc(enc, out, j);                                                                      \
      }                                                                                              \
      av_frame_unref(g.out);                                                                         \
    }                                                                                                \
    if (r_ != AVERROR(EAGAIN) && r_ != AVERROR_EOF) die("av_buffersink_get_frame", r_);              \
  } while (0)
#else
#define ENCODE(f)                                                                                    \
  do {                                                                                               \
    if (j->max_frames <= 0 || j->frames < j->max_frames) {                                           \
      CHECK(avcodec_send_frame(enc, (f)));                                                           \
      j->frames++;                                                                                   \
      drain_enc(enc, out, j);                                                                        \
    }                                                                                                \
  } while (0)
#endif
  while (!done && (ret = av_read_frame(fmt, pkt)) >= 0) {
    if (pkt->stream_index == index) {
      CHECK(avcodec_send_packet(dec, pkt));
      while ((ret = avcodec_receive_frame(dec, frame)) >= 0) {
        frame->pts = frame->best_effort_timestamp;
        frame->pict_type = AV_PICTURE_TYPE_NONE;
        if (!done) ENCODE(frame);
        av_frame_unref(frame);
        if (j->max_frames > 0 && j->frames >= j->max_frames) done = 1;
      }
      if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) die("avcodec_receive_frame", ret);
    }
    av_packet_unref(pkt);
  }
  if (!done) {
    CHECK(avcodec_send_packet(dec, NULL));
    while ((ret = avcodec_receive_frame(dec, frame)) >= 0) {
      frame->pts = frame->best_effort_timestamp;
      frame->pict_type = AV_PICTURE_TYPE_NONE;
      ENCODE(frame);
      av_frame_unref(frame);
    }
  }
#ifdef WITH_LAVFI
  if (g.graph) ENCODE(NULL); /* the graph's end: what it still holds */
  av_frame_free(&g.out);
  avfilter_graph_free(&g.graph);
#endif
  CHECK(avcodec_send_frame(enc, NULL));
  drain_enc(enc, out, j);
  av_frame_free(&frame);
  av_packet_free(&pkt);
  av_packet_free(&out);
  avcodec_free_context(&dec);
  avcodec_free_context(&enc);
  avformat_close_input(&fmt);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [ENCODER] [PRESET] [MAXFRAMES] [JOBS]\n", argv[0]);
    return 2;
  }
  int jobs = argc > 5 ? atoi(argv[5]) : 1;
  if (jobs < 1) jobs = 1;
  av_log_set_level(AV_LOG_ERROR);
  Job* js = calloc(jobs, sizeof(Job));
  pthread_t* th = calloc(jobs, sizeof(pthread_t));
  double t0 = now_s(), c0 = cpu_s();
  for (int i = 0; i < jobs; i++) {
    js[i] = (Job){argv[1], argc > 2 ? argv[2] : "libx265", argc > 3 ? argv[3] : "ultrafast", argc > 4 ? atol(argv[4]) : 0, 0, 0, 0};
    if (jobs == 1) run(&js[i]);
    else pthread_create(&th[i], NULL, run, &js[i]);
  }
  if (jobs > 1)
    for (int i = 0; i < jobs; i++) pthread_join(th[i], NULL);
  double t1 = now_s(), c1 = cpu_s();
  long frames = 0, packets = 0;
  long long bytes = 0;
  for (int i = 0; i < jobs; i++) frames += js[i].frames, packets += js[i].packets, bytes += js[i].bytes;
  // open is inside the timed region here (each job opens its own input and codecs)
  printf("{\"frames\":%ld,\"packets\":%ld,\"bytes\":%lld,\"jobs\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"window\":[%.6f,%.6f],\"vmhwmKiB\":%ld,\"ffmpeg\":\"%s\"}\n",
         frames, packets, bytes, jobs, t1 - t0, c1 - c0, t0, t1, vmhwm_kib(), av_version_info());
  return 0;
}
