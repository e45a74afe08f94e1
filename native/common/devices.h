// libavdevice, loaded on first need: the lavfi input format (`-f lavfi -i testsrc2`) and the
// capture devices this FFmpeg build has (v4l2, alsa, pulse, x11grab...). It is not linked: its
// development files are often missing where the runtime library is there beside the CLI.
#pragma once
extern "C" {
#include <libavformat/avformat.h>
}

#include <string>

namespace avf {

// An input format by name, libavdevice's included once it is loaded; nullptr if none.
const AVInputFormat* FindInputFormat(const std::string& name);

// Whether a format is a device (lavfi, v4l2...): those open what their "URL" names (a filter
// graph, /dev/video0), so only a trusted input may use one.
bool IsDeviceFormat(const AVInputFormat* format);

}  // namespace avf
