#include "resampler.h"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/options.h"
#include "frame.h"

namespace avf {

const napi_type_tag Resampler::kTag = {0x6176666f72676501ULL, 0x726573616d700001ULL};

namespace {

using Frames = std::vector<FramePtr>;

// (Re)creates the context when the input's format differs from what it was set up for.
void Configure(ResamplerState& s, const AVFrame* in) {
  bool same = s.swr && s.in_rate == in->sample_rate && s.in_format == in->format &&
              av_channel_layout_compare(&s.in_layout, &in->ch_layout) == 0;
  if (same) return;
  if (s.fifo && av_audio_fifo_size(s.fifo.get()) > 0)
    throw AvException("ENOSYS", "The input format changed with samples still buffered: flush first", "swr_init");
  s.swr.reset();
  s.fifo.reset();
  s.out_rate = s.rate > 0 ? s.rate : in->sample_rate;
  s.out_format = s.format != AV_SAMPLE_FMT_NONE ? s.format : static_cast<AVSampleFormat>(in->format);
  av_channel_layout_uninit(&s.out_layout);
  Check(av_channel_layout_copy(&s.out_layout, s.layout.order != AV_CHANNEL_ORDER_UNSPEC || s.layout.nb_channels > 0
                                                  ? &s.layout
                                                  : &in->ch_layout),
        "av_channel_layout_copy");
  // FFmpeg 5.1 takes the input layout as non-const.
  SwrContext* swr = nullptr;
  Check(swr_alloc_set_opts2(&swr, &s.out_layout, s.out_format, s.out_rate, const_cast<AVChannelLayout*>(&in->ch_layout),
                            static_cast<AVSampleFormat>(in->format), in->sample_rate, 0, nullptr),
        "swr_alloc_set_opts2");
  s.swr.reset(swr);
  Check(swr_init(swr), "swr_init");
  s.fifo.reset(av_audio_fifo_alloc(s.out_format, s.out_layout.nb_channels, 1024));
  if (!s.fifo) throw AvException(AVERROR(ENOMEM), "av_audio_fifo_alloc");
  s.in_rate = in->sample_rate;
  s.in_format = in->format;
  av_channel_layout_uninit(&s.in_layout);
  Check(av_channel_layout_copy(&s.in_layout, &in->ch_layout), "av_channel_layout_copy");
}

// Converts `in` (or drains the context when null) into the FIFO.
void Convert(ResamplerState& s, const AVFrame* in) {
  int count = swr_get_out_samples(s.swr.get(), in ? in->nb_samples : 0);
  if (count <= 0) return;
  uint8_t** buffers = nullptr;
  Check(av_samples_alloc_array_and_samples(&buffers, nullptr, s.out_layout.nb_channels, count, s.out_format, 0),
        "av_samples_alloc");
  int n = swr_convert(s.swr.get(), buffers, count, in ? const_cast<const uint8_t**>(in->extended_data) : nullptr,
                      in ? in->nb_samples : 0);
  int ret = n < 0 ? n : av_audio_fifo_write(s.fifo.get(), reinterpret_cast<void**>(buffers), n);
  av_freep(&buffers[0]);
  av_freep(&buffers);
  Check(ret, "swr_convert");
}

// Takes frames of frame_size samples from the FIFO (all of it when frame_size is 0 or at the end).
void Emit(ResamplerState& s, Frames& out, bool all) {
  for (;;) {
    int available = av_audio_fifo_size(s.fifo.get());
    int n = s.frame_size > 0 ? std::min(s.frame_size, available) : available;
    if (n <= 0 || (s.frame_size > 0 && n < s.frame_size && !all)) return;
    FramePtr f(av_frame_alloc());
    if (!f) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
    f->nb_samples = n;
    f->format = s.out_format;
    f->sample_rate = s.out_rate;
    Check(av_channel_layout_copy(&f->ch_layout, &s.out_layout), "av_channel_layout_copy");
    Check(av_frame_get_buffer(f.get(), 0), "av_frame_get_buffer");
    Check(av_audio_fifo_read(s.fifo.get(), reinterpret_cast<void**>(f->extended_data), n), "av_audio_fifo_read");
    f->time_base = AVRational{1, s.out_rate};
    f->pts = s.next_pts;
    if (s.next_pts != AV_NOPTS_VALUE) s.next_pts += n;
    out.push_back(std::move(f));
    if (s.frame_size == 0) return;
  }
}

}  // namespace

void ResamplerState::Release() {
  swr.reset();
  fifo.reset();
  av_channel_layout_uninit(&layout);
  av_channel_layout_uninit(&in_layout);
  av_channel_layout_uninit(&out_layout);
}

Napi::Function Resampler::Init(Napi::Env env) {
  return DefineClass(env, "Resampler",
                     {
                         Method<&Resampler::Resample>("resample"),
                         Method<&Resampler::Close>("close"),
                         InstanceAccessor("closed", &Resampler::IsClosed, nullptr),
                     });
}

// new Resampler({ sampleRate?, sampleFormat?, channelLayout?, frameSize? })
Resampler::Resampler(const Napi::CallbackInfo& info) : AsyncWrapped<Resampler, ResamplerState>(info) {
  Tag(info);
  Napi::Object o = info[0].As<Napi::Object>();
  state_->rate = static_cast<int>(GetInt(o, "sampleRate", 0));
  state_->frame_size = static_cast<int>(GetInt(o, "frameSize", 0));
  std::string format = GetString(o, "sampleFormat");
  if (!format.empty() && (state_->format = av_get_sample_fmt(format.c_str())) == AV_SAMPLE_FMT_NONE)
    throw AvException("EINVAL", "Unknown sample format: " + format, "Resampler").ToJs(info.Env());
  std::string layout = GetString(o, "channelLayout");
  if (!layout.empty() && av_channel_layout_from_string(&state_->layout, layout.c_str()) < 0)
    throw AvException("EINVAL", "Unknown channel layout: " + layout, "Resampler").ToJs(info.Env());
}

// resample(Frame[], flush) -> Frame[] timed in 1/sampleRate from the first input's pts.
Napi::Value Resampler::Resample(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  bool flush = info[1].ToBoolean();
  std::vector<FramePtr> frames;
  for (uint32_t i = 0; i < list.Length(); i++) frames.push_back(RefFrame(Frame::From(list.Get(i))->get("resample")));
  return Run(
      info, "resample",
      [frames = std::move(frames), flush](ResamplerState& s) mutable {
        Frames out;
        for (auto& in : frames) {
          if (in->nb_samples <= 0 || in->sample_rate <= 0)
            throw AvException("EINVAL", "Not an audio frame", "swr_convert");
          Configure(s, in.get());
          if (s.next_pts == AV_NOPTS_VALUE && in->pts != AV_NOPTS_VALUE) {
            AVRational tb = in->time_base.num > 0 ? in->time_base : AVRational{1, in->sample_rate};
            s.next_pts = av_rescale_q(in->pts, tb, AVRational{1, s.out_rate}) - av_audio_fifo_size(s.fifo.get());
          }
          Convert(s, in.get());
          Emit(s, out, false);
        }
        if (flush && s.swr) {
          Convert(s, nullptr);
          Emit(s, out, true);
          s.next_pts = AV_NOPTS_VALUE;
        }
        return out;
      },
      [](Napi::Env env, Frames& out) { return Frame::WrapAll(env, out); });
}

}  // namespace avf
