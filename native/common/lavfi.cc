#include "common/lavfi.h"

#include <dlfcn.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "common/error.h"

#if AVF_FFMPEG_STATIC
// Debian's codec archives (x264, x265, libvpx, LAME, opus) are compiled for executables (PIE):
// they read stderr as the executable's own variable, which code in a shared object cannot.
// static.sh renames their stderr to this one, which the addon defines and fills at load.
extern "C" __attribute__((visibility("hidden"))) FILE* avf_static_stderr;
FILE* avf_static_stderr = stderr;
#endif

namespace avf {

namespace {

Lavfi g_lavfi;
std::string g_error;  // NOLINT(runtime/string): set once, under the loader's once_flag

#define AVF_STRING2(x) #x
#define AVF_STRING(x) AVF_STRING2(x)

void Load() {
#if AVF_FFMPEG_STATIC
  // FFmpeg is linked in (the self-contained build): libavfilter is already in this addon, its
  // symbols hidden from the process (--exclude-libs), so the table takes their addresses.
#define AVF_RESOLVE(fn) g_lavfi.fn = &::fn;
#else
  std::string name = FFmpegLibraryName("avfilter", LIBAVFILTER_VERSION_MAJOR);
  void* lib = OpenFFmpegLibrary(name, &g_error);
  if (!lib) return;
#define AVF_RESOLVE(fn)                                                 \
  g_lavfi.fn = reinterpret_cast<decltype(g_lavfi.fn)>(dlsym(lib, #fn)); \
  if (!g_lavfi.fn) {                                                    \
    g_error = name + " has no " #fn;                                    \
    return;                                                             \
  }
#endif
  AVF_RESOLVE(avfilter_get_by_name)
  AVF_RESOLVE(avfilter_graph_alloc)
  AVF_RESOLVE(avfilter_graph_create_filter)
  AVF_RESOLVE(avfilter_graph_alloc_filter)
  AVF_RESOLVE(avfilter_init_str)
  AVF_RESOLVE(avfilter_graph_parse_ptr)
  AVF_RESOLVE(avfilter_graph_parse2)
  AVF_RESOLVE(avfilter_pad_get_type)
  AVF_RESOLVE(avfilter_graph_config)
  AVF_RESOLVE(avfilter_graph_free)
  AVF_RESOLVE(avfilter_link)
  AVF_RESOLVE(avfilter_inout_alloc)
  AVF_RESOLVE(avfilter_inout_free)
  AVF_RESOLVE(av_buffersrc_add_frame_flags)
  AVF_RESOLVE(av_buffersrc_parameters_alloc)
  AVF_RESOLVE(av_buffersrc_parameters_set)
  AVF_RESOLVE(av_buffersink_get_frame)
  AVF_RESOLVE(av_buffersink_get_type)
  AVF_RESOLVE(av_buffersink_get_time_base)
  AVF_RESOLVE(av_buffersink_get_format)
  AVF_RESOLVE(av_buffersink_get_w)
  AVF_RESOLVE(av_buffersink_get_h)
  AVF_RESOLVE(av_buffersink_get_frame_rate)
  AVF_RESOLVE(av_buffersink_get_sample_aspect_ratio)
  AVF_RESOLVE(av_buffersink_get_sample_rate)
  AVF_RESOLVE(av_buffersink_get_ch_layout)
  AVF_RESOLVE(av_filter_iterate)
  AVF_RESOLVE(avfilter_filter_pad_count)
  AVF_RESOLVE(avfilter_pad_get_name)
#if AVF_LAVFI_GRAPH_SEGMENT
  AVF_RESOLVE(avfilter_graph_segment_parse)
  AVF_RESOLVE(avfilter_graph_segment_create_filters)
  AVF_RESOLVE(avfilter_graph_segment_apply)
  AVF_RESOLVE(avfilter_graph_segment_free)
#endif
#undef AVF_RESOLVE
}

}  // namespace

std::string FFmpegLibraryName(const char* base, int major) {
#ifdef __APPLE__
  return "lib" + std::string(base) + "." + std::to_string(major) + ".dylib";
#else
  return "lib" + std::string(base) + ".so." + std::to_string(major);
#endif
}

void* OpenFFmpegLibrary(const std::string& name, std::string* error) {
#if AVF_FFMPEG_STATIC
  // The self-contained build must not load a system FFmpeg's library beside its own.
  *error = name + " is not part of this build (FFmpeg is linked in statically, without it)";
  return nullptr;
#else
  void* lib = nullptr;
#ifdef AVF_LAVFI_DIR
  // Where pkg-config found FFmpeg at build time first (Homebrew's lib folder is not searched
  // by default), then the loader's own search path.
  lib = dlopen((std::string(AVF_STRING(AVF_LAVFI_DIR)) + "/" + name).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib) lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    *error = "cannot load " + name + (why ? std::string(": ") + why : std::string());
  }
  return lib;
#endif
}

const Lavfi& lavfi() {
  static std::once_flag once;
  std::call_once(once, Load);
  if (!g_error.empty()) throw AvException("ENOSYS", g_error, "dlopen");
  return g_lavfi;
}

}  // namespace avf
