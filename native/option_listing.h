// The AVOptions of the linked FFmpeg's classes, as data: what `ffmpeg -h encoder=libx264`,
// `-h muxer=mp4`, `-h filter=scale` or `-h full` print, and which layer the ffmpeg CLI would hand
// an option name to. Each walk reads a class's static option table (no contexts, no I/O), so it
// runs on the JS thread, as the other listings do.
#pragma once
#include <napi.h>

namespace avf {

// Sets listOptions(kind, name) and routeOption(option, context) on exports.
void InitOptionListing(Napi::Env env, Napi::Object exports);

}  // namespace avf
