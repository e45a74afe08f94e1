// The decode stage: one thread per decoded input stream, packets in, frames out to the graphs
// that read it. Its decoder opens at set-up (on the job's device when asked and possible).
#include <algorithm>
#include <cmath>

#include "hw.h"
#include "pipeline/frame_buffers.h"
#include "pipeline/runtime.h"
#include "steps/codec_context.h"

namespace avf::pipeline {

// The job's hardware device: a decoder that cannot have it falls back to software (and says
// so); a graph that needs it (hwupload for a hardware encoder) cannot.
void Runtime::SetupHardware() {
  if (plan_.hw_type.empty()) return;
  try {
    hw_device_ = OpenHwDevice(plan_.hw_type, plan_.hw_device, plan_.hw_options);
  } catch (const AvException& e) {
    hw_device_error_ = e.message;
    for (const GraphPlan& gp : plan_.graphs)
      if (gp.hardware) throw;
  }
}

// A decoder asked to run on the job's device: there when it can, else in software; the
// result says which and why.
void Runtime::UseDevice(CodecState& c, const AVCodec* codec, int stream) {
  HardwareUse use{"decode", stream, plan_.hw_type, "software", ""};
  use.reason = hw_device_ ? UseHwDecoder(c.ctx.get(), codec, hw_device_.get()) : hw_device_error_;
  if (use.reason.empty()) use.used = plan_.hw_type;
  result_.hardware.push_back(use);
}

void Runtime::SetupDecoders() {
  for (size_t d = 0; d < plan_.decoders.size(); d++) {
    DecodePlan& dp = plan_.decoders[d];
    AVStream* st = InputStream(dp.input, dp.stream, "decode");
    auto c = std::make_unique<CodecState>();
    c->strict = plan_.strict;
    const AVCodec* codec = FindCodec(false, "", st->codecpar->codec_id);
    Dict none;
    try {
      NewDecoderContext(*c, codec, st->codecpar, st->time_base, none);
      c->ctx->framerate = av_guess_frame_rate(inputs_[dp.input].fmt, st, nullptr);
      if (dp.keyframes_only) c->ctx->skip_frame = AVDISCARD_NONKEY;
      // a decoder on a device keeps libavcodec's buffers (its get_format has the context's opaque)
      if (dp.hardware && !plan_.hw_type.empty()) {
        UseDevice(*c, codec, dp.stream);
      } else {
        decoder_buffers_.push_back(std::make_unique<DecoderBuffers>());
        decoder_buffers_.back()->Attach(c->ctx.get());
      }
      OpenCodec(*c, codec, dp.threads, none);
    } catch (AvException& e) {
      e.stream = dp.stream;
      e.stage = "decode";
      throw;
    }
    decode_q_.push_back(std::make_unique<Queue>(kQueueSize));
    routes_[dp.input][dp.stream].push_back({decode_q_.back().get(), 0});
    decoders_.push_back(std::move(c));
  }
  decoder_out_.resize(decoders_.size());
}

void Runtime::Decode(size_t d) {
  CodecState& c = *decoders_[d];
  const DecodePlan& dp = plan_.decoders[d];
  AVRational tb = inputs_[dp.input].fmt->streams[dp.stream]->time_base;
  bool trim = dp.input < static_cast<int>(plan_.start.size()) && plan_.start[dp.input] != AV_NOPTS_VALUE;
  const auto& to = decoder_out_[d];
  std::vector<FramePtr> frames;
  // Thumbnails at given times: once a frame at or past the last time has gone to the graph, no
  // frame after it is wanted, so the decoder stops there (no flush) and its input stops reading.
  // The test is the select filter's own (its t >= T, in the same doubles), so no image is lost.
  double last_target = NAN;
  if (d == 0 && dp.input == 0 && !plan_.targets.empty())
    last_target = static_cast<double>(*std::max_element(plan_.targets.begin(), plan_.targets.end())) / AV_TIME_BASE;
  bool reached = false;
  // To every graph input the stream feeds; an accurate -ss drops what decodes before the
  // start point (it only fed the references).
  auto deliver = [&]() -> bool {
    for (auto& f : frames) {
      if (reached) break;
      if (trim && f->pts != AV_NOPTS_VALUE) {
        int64_t end = f->pts + (f->nb_samples > 0 ? av_rescale_q(f->nb_samples, AVRational{1, f->sample_rate}, tb) : 1);
        if (end <= 0 || (f->nb_samples == 0 && f->pts < 0)) continue;
      }
      stats_.frames_decoded++;
      if (dp.download && IsHwFrame(f.get())) f = DownloadFrame(f.get());  // for software filters
      if (!std::isnan(last_target) && f->pts != AV_NOPTS_VALUE && f->time_base.num > 0 &&
          static_cast<double>(f->pts) * av_q2d(f->time_base) >= last_target)
        reached = true;
      for (size_t k = 0; k < to.size(); k++) {
        Item item;
        item.kind = Item::kFrame;
        item.port = to[k].port;
        item.frame = k + 1 < to.size() ? RefFrame(f.get()) : std::move(f);
        if (!to[k].queue->Push(std::move(item))) return false;
      }
    }
    frames.clear();
    return true;
  };
  // The end of this stream to every graph input it feeds.
  auto end = [&]() {
    for (const Route& r : to) {
      Item end;
      end.port = r.port;
      if (!r.queue->Push(std::move(end))) return;
    }
  };
  Item item;
  while (decode_q_[d]->Pop(item)) {
    if (item.kind == Item::kPacket) {
      t_media_time = Seconds(item.packet->pts, tb);
      int ret = avcodec_send_packet(c.ctx.get(), item.packet.get());
      if (ret == AVERROR(EAGAIN)) {
        ReceiveFrames(c, frames);
        if (!deliver()) return;
        ret = reached ? 0 : avcodec_send_packet(c.ctx.get(), item.packet.get());
      }
      if (ret < 0 && ret != AVERROR_EOF) SkipDamaged(c, ret, "avcodec_send_packet");
      if (!reached) ReceiveFrames(c, frames);
      if (!deliver()) return;
      if (reached) {
        decode_q_[d]->Abort();  // the demuxer's next packet for it fails: it stops reading
        end();
        return;
      }
      continue;
    }
    int ret = avcodec_send_packet(c.ctx.get(), nullptr);
    if (ret < 0 && ret != AVERROR_EOF) SkipDamaged(c, ret, "avcodec_send_packet");
    ReceiveFrames(c, frames);
    if (!deliver()) return;
    end();
    return;
  }
}

}  // namespace avf::pipeline
