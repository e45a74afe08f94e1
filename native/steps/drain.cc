#include "steps/drain.h"

#include <utility>

#include "common/error.h"
#include "common/lavfi.h"

namespace avf {

void ReceiveBsfPackets(AVBSFContext* bsf, std::vector<PacketPtr>& out, const std::string& name, int stream) {
  for (;;) {
    PacketPtr p(av_packet_alloc());
    if (!p) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    int ret = av_bsf_receive_packet(bsf, p.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    Check(ret, "av_bsf_receive_packet", name, stream);
    p->time_base = bsf->time_base_out;
    out.push_back(std::move(p));
  }
}

FramePtr ReceiveSinkFrame(AVFilterContext* sink, const std::string& graph, bool* ended) {
  const Lavfi& L = lavfi();
  FramePtr f(av_frame_alloc());
  if (!f) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
  int ret = L.av_buffersink_get_frame(sink, f.get());
  if (ret == AVERROR_EOF && ended) *ended = true;
  if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return nullptr;
  Check(ret, "av_buffersink_get_frame", graph);
  f->time_base = L.av_buffersink_get_time_base(sink);
  return f;
}

}  // namespace avf
