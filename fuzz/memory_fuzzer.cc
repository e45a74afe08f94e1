// libFuzzer harness: the input as a seekable memory channel (what a Buffer becomes); FFmpeg
// opens it, reads packets and decodes them, seeking to random places on the way (as
// Demuxer.seek does). Byte 0 seeds the seek targets.
#include "common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::QuietOnce();
  if (size < 1) return 0;
  fuzz::Rng rng{0x2545f4914f6cdd1dull ^ (uint64_t(data[0]) << 7)};
  data++;
  size--;

  auto channel = std::make_shared<avf::IoChannel>();
  channel->in_memory = true;
  channel->seekable = true;
  channel->memory.assign(data, data + size);
  channel->size = static_cast<int64_t>(size);
  std::atomic<bool> aborted{false};
  AVIOContext* io = avf::OpenIo(channel, &aborted);
  int seeks = 0;
  fuzz::DemuxAndDecode(io, [&](AVFormatContext* fmt, fuzz::Decoders& decoders) {
    if (seeks >= 4 || rng.Next() % 32 != 0) return;
    seeks++;
    int stream = fmt->nb_streams ? static_cast<int>(rng.Next() % (fmt->nb_streams + 1)) - 1 : -1;
    int64_t ts = static_cast<int64_t>(rng.Next() % 5000000);  // 0..5 s in AV_TIME_BASE
    if (stream >= 0) ts = av_rescale_q(ts, AV_TIME_BASE_Q, fmt->streams[stream]->time_base);
    int flags = rng.Next() % 2 ? AVSEEK_FLAG_BACKWARD : 0;
    if (rng.Next() % 8 == 0) flags |= AVSEEK_FLAG_BYTE, ts = rng.Next() % (size + 1);
    if (av_seek_frame(fmt, stream, ts, flags) >= 0)
      for (auto* c : decoders.ctx)
        if (c) avcodec_flush_buffers(c);
  });
  avf::FreeIo(&io);
  return 0;
}
