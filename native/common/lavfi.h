// libavfilter, loaded on first use. It and its dependencies (libpostproc, libplacebo, Vulkan,
// ...) cost ~11 MiB of RSS and milliseconds of dlopen; a process that never filters should pay
// neither. FilterGraph and the listings call libavfilter only through this table. In the
// self-contained build (AVF_FFMPEG_STATIC, FFmpeg linked in) the table holds the linked functions.
#pragma once
// (C++ needs UINT64_C, which libavutil uses, defined before its headers)
#include <stdint.h>

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
}

#include <string>

#include "common/compat.h"

namespace avf {

struct Lavfi {
#define AVF_LAVFI(name) decltype(&::name) name
  AVF_LAVFI(avfilter_get_by_name);
  AVF_LAVFI(avfilter_graph_alloc);
  AVF_LAVFI(avfilter_graph_create_filter);
  AVF_LAVFI(avfilter_graph_alloc_filter);
  AVF_LAVFI(avfilter_init_str);
  AVF_LAVFI(avfilter_graph_parse_ptr);
  AVF_LAVFI(avfilter_graph_parse2);
  AVF_LAVFI(avfilter_pad_get_type);
  AVF_LAVFI(avfilter_graph_config);
  AVF_LAVFI(avfilter_graph_free);
  AVF_LAVFI(avfilter_link);
  AVF_LAVFI(avfilter_inout_alloc);
  AVF_LAVFI(avfilter_inout_free);
  AVF_LAVFI(av_buffersrc_add_frame_flags);
  AVF_LAVFI(av_buffersrc_parameters_alloc);
  AVF_LAVFI(av_buffersrc_parameters_set);
  AVF_LAVFI(av_buffersink_get_frame);
  AVF_LAVFI(av_buffersink_get_type);
  AVF_LAVFI(av_buffersink_get_time_base);
  AVF_LAVFI(av_buffersink_get_format);
  AVF_LAVFI(av_buffersink_get_w);
  AVF_LAVFI(av_buffersink_get_h);
  AVF_LAVFI(av_buffersink_get_frame_rate);
  AVF_LAVFI(av_buffersink_get_sample_aspect_ratio);
  AVF_LAVFI(av_buffersink_get_sample_rate);
  AVF_LAVFI(av_buffersink_get_ch_layout);
  // The registry walk (native/listings.cc).
  AVF_LAVFI(av_filter_iterate);
  AVF_LAVFI(avfilter_filter_pad_count);
  AVF_LAVFI(avfilter_pad_get_name);
#if AVF_LAVFI_GRAPH_SEGMENT
  AVF_LAVFI(avfilter_graph_segment_parse);
  AVF_LAVFI(avfilter_graph_segment_create_filters);
  AVF_LAVFI(avfilter_graph_segment_apply);
  AVF_LAVFI(avfilter_graph_segment_free);
#endif
#undef AVF_LAVFI
};

// The loaded library; throws AvException (ENOSYS) when it cannot be loaded.
const Lavfi& lavfi();

// One FFmpeg library's file name ("libavdevice.so.59") and its loading, for the libraries
// avforge loads on first need (libavfilter here, libavdevice in devices.cc).
std::string FFmpegLibraryName(const char* base, int major);
void* OpenFFmpegLibrary(const std::string& name, std::string* error);

}  // namespace avf
