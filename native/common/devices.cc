#include "common/devices.h"

#include <dlfcn.h>

#include <mutex>

#include "common/lavfi.h"

namespace avf {

namespace {

// Registers libavdevice's formats with libavformat once; false where it cannot be loaded.
bool RegisterDevices() {
  static std::once_flag once;
  static bool registered = false;
  std::call_once(once, [] {
    std::string error;
    // libavdevice's major version is libavformat's (they are released together)
    void* lib = OpenFFmpegLibrary(FFmpegLibraryName("avdevice", LIBAVFORMAT_VERSION_MAJOR), &error);
    if (!lib) return;
    auto register_all = reinterpret_cast<void (*)()>(dlsym(lib, "avdevice_register_all"));
    if (!register_all) return;
    register_all();
    registered = true;
  });
  return registered;
}

}  // namespace

const AVInputFormat* FindInputFormat(const std::string& name) {
  const AVInputFormat* f = av_find_input_format(name.c_str());
  if (!f && RegisterDevices()) f = av_find_input_format(name.c_str());
  return f;
}

bool IsDeviceFormat(const AVInputFormat* format) {
  if (!format || !format->priv_class) return false;
  AVClassCategory c = format->priv_class->category;
  return c == AV_CLASS_CATEGORY_DEVICE_INPUT || c == AV_CLASS_CATEGORY_DEVICE_VIDEO_INPUT ||
         c == AV_CLASS_CATEGORY_DEVICE_AUDIO_INPUT;
}

}  // namespace avf
