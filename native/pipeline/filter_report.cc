#include "pipeline/filter_report.h"

#include <cstdio>
#include <cstring>

#include "common/lavfi.h"

namespace avf::pipeline {

void AddFrameMetadata(FilterReport& report, int stream, const AVFrame* frame, AVRational time_base) {
  if (!frame->metadata || av_dict_count(frame->metadata) == 0) return;
  if (report.frames.size() >= kMaxMetadataFrames) {
    report.truncated = true;
    return;
  }
  FrameMetadata m{stream, frame->pts == AV_NOPTS_VALUE ? -1 : frame->pts * av_q2d(time_base), {}};
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(frame->metadata, "", e, AV_DICT_IGNORE_SUFFIX))) m.values.emplace_back(e->key, e->value);
  report.frames.push_back(std::move(m));
}

void FilterLogCapture::Watch(AVFilterGraph* graph) {
  filters_.clear();
  for (unsigned i = 0; graph && i < graph->nb_filters; i++) {
    AVFilterContext* ctx = graph->filters[i];
    bool quiet = false;
    int64_t format = -1;
    // loudnorm's print_format: 0 is none (its constants are none, json, summary)
    if (std::strcmp(ctx->filter->name, "loudnorm") == 0 &&
        av_opt_get_int(ctx, "print_format", AV_OPT_SEARCH_CHILDREN, &format) >= 0 && format == 0)
      quiet = av_opt_set(ctx, "print_format", "json", AV_OPT_SEARCH_CHILDREN) >= 0;
    filters_.push_back({ctx, quiet, {ctx->filter->name, ctx->name ? ctx->name : "", ""}});
  }
}

bool FilterLogCapture::See(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_INFO || !avcl) return false;
  for (Watched& w : filters_) {
    if (w.ctx != avcl) continue;
    char piece[1024];
    vsnprintf(piece, sizeof(piece), fmt, vl);
    w.log.text += piece;
    // the newest text is kept: the summaries come last (ebur128 logs every 100 ms before its own)
    if (w.log.text.size() > 2 * kMaxFilterLog) w.log.text.erase(0, w.log.text.size() - kMaxFilterLog);
    return w.quiet;
  }
  return false;
}

std::vector<FilterLog> FilterLogCapture::Take() {
  std::vector<FilterLog> out;
  for (Watched& w : filters_)
    if (!w.log.text.empty()) out.push_back(std::move(w.log));
  filters_.clear();
  return out;
}

}  // namespace avf::pipeline
