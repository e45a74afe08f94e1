// What the linked FFmpeg has, as data: the codec, format, filter, pixel and sample format
// registries that `ffmpeg -codecs/-formats/-filters/-pix_fmts/-sample_fmts` print. Each walk
// reads static tables (no I/O, no contexts), so it runs on the JS thread.
#pragma once
#include <napi.h>

namespace avf {

// Sets listCodecs, listFormats, listFilters, listPixelFormats and listSampleFormats on exports.
void InitListings(Napi::Env env, Napi::Object exports);

}  // namespace avf
