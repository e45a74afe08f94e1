// Taking what a filter has ready: the loops the BitstreamFilter and FilterGraph classes and
// the pipeline's mux and filter stages share.
#pragma once
#include <string>
#include <vector>

#include "common/owned.h"

struct AVFilterContext;

namespace avf {

// Every packet a bitstream filter has ready (until EAGAIN, or EOF after a flush), in its
// output time base. https://ffmpeg.org/doxygen/trunk/group__lavc__bsf.html
void ReceiveBsfPackets(AVBSFContext* bsf, std::vector<PacketPtr>& out, const std::string& name, int stream = -1);

// The next frame a buffer sink has ready, in the sink's time base; null at EAGAIN or EOF.
// https://ffmpeg.org/doxygen/trunk/group__lavfi__buffersink.html
// `ended`, when given, is set once the sink has given its last frame (a trim reached its end).
FramePtr ReceiveSinkFrame(AVFilterContext* sink, const std::string& graph, bool* ended = nullptr);

}  // namespace avf
