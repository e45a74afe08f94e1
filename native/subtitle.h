// Decoded subtitles (AVSubtitle): https://ffmpeg.org/doxygen/trunk/structAVSubtitle.html
// Each AVSubtitle is copied out on the decoder's strand and freed there at once, so JS gets
// plain objects and no native memory outlives the decode call.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "codec.h"

namespace avf {

struct SubtitleRect {
  int type = SUBTITLE_NONE;
  int x = 0, y = 0, width = 0, height = 0, colors = 0, linesize = 0;
  bool forced = false;
  std::string text, ass;
  std::vector<uint8_t> data;     // palettized bitmap: height rows of linesize bytes
  std::vector<uint8_t> palette;  // colors entries of R, G, B, A bytes
};

struct DecodedSubtitle {
  int format = 0;                     // 0 graphics, 1 text
  int64_t pts = AV_NOPTS_VALUE;       // AV_TIME_BASE units
  uint32_t start_ms = 0, end_ms = 0;  // display window after pts, in ms
  std::vector<SubtitleRect> rects;
};

// Sends one packet (null: the end of the stream) to a subtitle decoder; a subtitle it gives
// is appended to `out` and true returned. The AVSubtitle is freed exactly once, here. A damaged
// packet is skipped with a warning, or thrown when strict.
bool DecodeSubtitle(CodecState& s, AVPacket* pkt, std::vector<DecodedSubtitle>& out);

Napi::Array SubtitlesToJs(Napi::Env env, const std::vector<DecodedSubtitle>& subs);

}  // namespace avf
