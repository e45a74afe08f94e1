#include "common/owned.h"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "common/codec_quirks.h"
#include "common/lavfi.h"

namespace avf {

void CodecContextFree::operator()(AVCodecContext* c) const {
  auto lock = LockCodecLibraryToClose(c ? c->codec : nullptr);
  avcodec_free_context(&c);
}
void AudioFifoFree::operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
void FilterInOutFree::operator()(AVFilterInOut* io) const { lavfi().avfilter_inout_free(&io); }
void SwrFree::operator()(SwrContext* s) const { swr_free(&s); }
void SwsFree::operator()(SwsContext* s) const { sws_freeContext(s); }

}  // namespace avf
