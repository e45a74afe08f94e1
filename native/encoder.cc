#include "encoder.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "frame.h"
#include "packet.h"
#include "steps/codec_context.h"

namespace avf {

const napi_type_tag Encoder::kTag = {0x6176666f72676501ULL, 0x656e636f64650001ULL};

using Packets = std::vector<PacketPtr>;

// Receives every packet the encoder has ready: until EAGAIN, or EOF when flushing.
void ReceivePackets(CodecState& s, Packets& out) {
  for (;;) {
    PacketPtr pkt(av_packet_alloc());
    if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
    int ret = avcodec_receive_packet(s.ctx.get(), pkt.get());
    if (ret == AVERROR_EOF) s.drained = true;
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    Check(ret, "avcodec_receive_packet", s.name);
    pkt->time_base = s.ctx->time_base;
    // Encoders with delay (libx264, libx265) leave durations unset before FFmpeg 6; a muxer
    // then gives the last packet none and the file ends one frame short.
    if (pkt->duration <= 0 && s.ctx->codec_type == AVMEDIA_TYPE_VIDEO && s.ctx->framerate.num > 0 &&
        s.ctx->framerate.den > 0)
      pkt->duration = av_rescale_q(1, av_inv_q(s.ctx->framerate), s.ctx->time_base);
    out.push_back(std::move(pkt));
  }
}

int64_t NonFiniteSamples(AVFrame* f, bool zero) {
  auto fmt = static_cast<AVSampleFormat>(f->format);
  AVSampleFormat packed = av_get_packed_sample_fmt(fmt);
  if (f->nb_samples <= 0 || (packed != AV_SAMPLE_FMT_FLT && packed != AV_SAMPLE_FMT_DBL)) return 0;
  bool planar = av_sample_fmt_is_planar(fmt);
  int planes = planar ? f->ch_layout.nb_channels : 1;
  int64_t n = static_cast<int64_t>(f->nb_samples) * (planar ? 1 : f->ch_layout.nb_channels), bad = 0;
  for (int p = 0; p < planes; p++) {
    if (packed == AV_SAMPLE_FMT_FLT) {
      auto* d = reinterpret_cast<float*>(f->extended_data[p]);
      for (int64_t i = 0; i < n; i++)
        if (!std::isfinite(d[i])) {
          bad++;
          if (zero) d[i] = 0;
        }
    } else {
      auto* d = reinterpret_cast<double*>(f->extended_data[p]);
      for (int64_t i = 0; i < n; i++)
        if (!std::isfinite(d[i])) {
          bad++;
          if (zero) d[i] = 0;
        }
    }
  }
  return bad;
}

// FFmpeg 5.1 does not check a frame against the encoder: a wrong size or format reads past
// the frame's buffers. Refuse it here.
void CheckFrame(const AVCodecContext* ctx, const AVFrame* f, const std::string& name) {
  auto fail = [&](const std::string& what) { throw AvException("EINVAL", what, "avcodec_send_frame", name); };
  if (ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
    if (f->width <= 0 || f->height <= 0) fail("Not a video frame");
    if (f->width != ctx->width || f->height != ctx->height || f->format != ctx->pix_fmt) {
      const char* have = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
      const char* want = av_get_pix_fmt_name(ctx->pix_fmt);
      fail("The frame is " + std::to_string(f->width) + "x" + std::to_string(f->height) + " " + (have ? have : "?") +
           ", the encoder takes " + std::to_string(ctx->width) + "x" + std::to_string(ctx->height) + " " +
           (want ? want : "?") + " (convert it with a Scaler)");
    }
  } else if (ctx->codec_type == AVMEDIA_TYPE_AUDIO) {
    if (f->nb_samples <= 0 || f->width > 0) fail("Not an audio frame");
    if (f->format != ctx->sample_fmt || f->sample_rate != ctx->sample_rate ||
        f->ch_layout.nb_channels != ctx->ch_layout.nb_channels) {
      const char* have = av_get_sample_fmt_name(static_cast<AVSampleFormat>(f->format));
      const char* want = av_get_sample_fmt_name(ctx->sample_fmt);
      fail(std::string("The frame is ") + (have ? have : "?") + " " + std::to_string(f->sample_rate) + " Hz " +
           std::to_string(f->ch_layout.nb_channels) + " ch, the encoder takes " + (want ? want : "?") + " " +
           std::to_string(ctx->sample_rate) + " Hz " + std::to_string(ctx->ch_layout.nb_channels) +
           " ch (convert it with a Resampler)");
    }
    // libmp3lame asserts (aborts the process) on a NaN; no encoder does anything useful with one
    if (NonFiniteSamples(const_cast<AVFrame*>(f), false) > 0) fail("The frame has samples that are NaN or infinite");
    if (ctx->frame_size > 0 && !(ctx->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) &&
        f->nb_samples > ctx->frame_size)
      fail("The frame has " + std::to_string(f->nb_samples) + " samples, the encoder takes " +
           std::to_string(ctx->frame_size) + " per frame (a Resampler with frameSize cuts them)");
  }
}

namespace {

struct VideoSettings {
  int width, height;
  std::string pixel_format, color_range, color_space, color_primaries, color_transfer;
  AVRational frame_rate, sample_aspect_ratio;
  int gop_size, max_b_frames;
};

struct AudioSettings {
  int sample_rate, channels;
  std::string sample_format, channel_layout;
};

struct Settings {
  std::string codec;
  AVRational time_base;
  int64_t bit_rate;
  int threads;
  bool global_header;
  VideoSettings video;
  AudioSettings audio;
};

Settings ReadSettings(Napi::Object o) {
  Settings s;
  s.codec = GetString(o, "codec");
  s.time_base = ToRational(o.Get("timeBase"), {0, 1});
  s.bit_rate = GetInt(o, "bitRate", 0);
  s.threads = static_cast<int>(GetInt(o, "threads", 0));
  s.global_header = GetBool(o, "globalHeader", true);
  s.video = VideoSettings{static_cast<int>(GetInt(o, "width", 0)),
                          static_cast<int>(GetInt(o, "height", 0)),
                          GetString(o, "pixelFormat"),
                          GetString(o, "colorRange"),
                          GetString(o, "colorSpace"),
                          GetString(o, "colorPrimaries"),
                          GetString(o, "colorTransfer"),
                          ToRational(o.Get("frameRate"), {0, 1}),
                          ToRational(o.Get("sampleAspectRatio"), {0, 1}),
                          static_cast<int>(GetInt(o, "gopSize", -1)),
                          static_cast<int>(GetInt(o, "maxBFrames", -1))};
  s.audio = AudioSettings{static_cast<int>(GetInt(o, "sampleRate", 0)), static_cast<int>(GetInt(o, "channels", 0)),
                          GetString(o, "sampleFormat"), GetString(o, "channelLayout")};
  return s;
}

void ApplyVideo(AVCodecContext* ctx, const AVCodec* codec, const VideoSettings& v, const std::string& name) {
  ctx->width = v.width;
  ctx->height = v.height;
  if (!v.pixel_format.empty()) {
    ctx->pix_fmt = av_get_pix_fmt(v.pixel_format.c_str());
    if (ctx->pix_fmt == AV_PIX_FMT_NONE)
      throw AvException("EINVAL", "Unknown pixel format: " + v.pixel_format, "open", name);
  } else if (const AVPixelFormat* fmts = compat::CodecPixelFormats(codec)) {
    ctx->pix_fmt = fmts[0];
  } else {
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  }
  ctx->framerate = v.frame_rate;
  if (ctx->time_base.num <= 0 && v.frame_rate.num > 0) ctx->time_base = av_inv_q(v.frame_rate);
  if (v.sample_aspect_ratio.num > 0) ctx->sample_aspect_ratio = v.sample_aspect_ratio;
  if (v.gop_size >= 0) ctx->gop_size = v.gop_size;
  if (v.max_b_frames >= 0) ctx->max_b_frames = v.max_b_frames;
  if (!v.color_range.empty())
    ctx->color_range = static_cast<AVColorRange>(av_color_range_from_name(v.color_range.c_str()));
  if (!v.color_space.empty())
    ctx->colorspace = static_cast<AVColorSpace>(av_color_space_from_name(v.color_space.c_str()));
  if (!v.color_primaries.empty())
    ctx->color_primaries = static_cast<AVColorPrimaries>(av_color_primaries_from_name(v.color_primaries.c_str()));
  if (!v.color_transfer.empty())
    ctx->color_trc = static_cast<AVColorTransferCharacteristic>(av_color_transfer_from_name(v.color_transfer.c_str()));
}

void ApplyAudio(AVCodecContext* ctx, const AVCodec* codec, const AudioSettings& a, const std::string& name) {
  ctx->sample_rate = a.sample_rate;
  if (!a.sample_format.empty()) {
    ctx->sample_fmt = av_get_sample_fmt(a.sample_format.c_str());
    if (ctx->sample_fmt == AV_SAMPLE_FMT_NONE)
      throw AvException("EINVAL", "Unknown sample format: " + a.sample_format, "open", name);
  } else if (const AVSampleFormat* fmts = compat::CodecSampleFormats(codec)) {
    ctx->sample_fmt = fmts[0];
  }
  if (!a.channel_layout.empty()) {
    if (av_channel_layout_from_string(&ctx->ch_layout, a.channel_layout.c_str()) < 0)
      throw AvException("EINVAL", "Unknown channel layout: " + a.channel_layout, "open", name);
  } else {
    av_channel_layout_default(&ctx->ch_layout, a.channels > 0 ? a.channels : 2);
  }
  if (ctx->time_base.num <= 0 && a.sample_rate > 0) ctx->time_base = AVRational{1, a.sample_rate};
}

}  // namespace

Napi::Function Encoder::Init(Napi::Env env) {
  return DefineClass(env, "Encoder",
                     {
                         Method<&Encoder::Open>("open"),
                         Method<&Encoder::Encode>("encode"),
                         Method<&Encoder::Close>("close"),
                         InstanceAccessor("closed", &Encoder::IsClosed, nullptr),
                     });
}

Encoder::Encoder(const Napi::CallbackInfo& info) : AsyncWrapped<Encoder, CodecState>(info) { Tag(info); }

// open({ codec, width/height/pixelFormat/frameRate | sampleRate/sampleFormat/channelLayout,
//        timeBase?, bitRate?, threads?, globalHeader?, options? }) -> context description
Napi::Value Encoder::Open(const Napi::CallbackInfo& info) {
  Napi::Object opts = info[0].As<Napi::Object>();
  Settings settings = ReadSettings(opts);
  Dict options(ToDictionary(opts.Get("options")));
  return Run(
      info, "open",
      [settings, options = std::move(options)](CodecState& s) mutable {
        if (s.ctx) throw AvException("EINVAL", "Encoder is already open", "open");
        const AVCodec* codec = FindCodec(true, settings.codec, AV_CODEC_ID_NONE);
        // Containers such as MP4 and Matroska want codec headers in extradata, not in-band.
        EncoderCommon common{settings.bit_rate, settings.global_header, settings.threads};
        OpenEncoder(s, codec, common, options, [&](AVCodecContext* ctx) {
          ctx->time_base = settings.time_base;
          if (codec->type == AVMEDIA_TYPE_VIDEO)
            ApplyVideo(ctx, codec, settings.video, s.name);
          else if (codec->type == AVMEDIA_TYPE_AUDIO)
            ApplyAudio(ctx, codec, settings.audio, s.name);
          if (ctx->time_base.num <= 0)
            throw AvException("EINVAL", "Encoder needs a timeBase (or a frameRate / sampleRate)", "open", s.name);
        });
        AVCodecContext* ctx = s.ctx.get();
        return DescribeCodecContext(ctx);
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// encode(Frame[], flush, keepTypes, frameOptions?) -> Packet[] in the encoder's time base. A
// frame with a time base other than the encoder's is rescaled; decoded picture types are not
// carried over (as in the CLI), so the encoder places its own keyframes. frameOptions[i]
// (AVOptions, the encoder's private ones included) is set just before frame i is sent: the
// wrappers that re-read an option per frame (libx264's crf) apply it from that frame.
Napi::Value Encoder::Encode(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  bool flush = info[1].ToBoolean();
  bool keep_types = info[2].ToBoolean();
  std::vector<FramePtr> frames;
  std::vector<Dict> frame_options;
  frames.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) frames.push_back(RefFrame(Frame::From(list.Get(i))->get("encode")));
  if (info.Length() > 3 && info[3].IsArray()) {
    Napi::Array per_frame = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) frame_options.emplace_back(ToDictionary(per_frame.Get(i)));
  }
  return Run(
      info, "encode",
      [frames = std::move(frames), frame_options = std::move(frame_options), flush, keep_types](CodecState& s) mutable {
        if (!s.ctx) throw AvException("EINVAL", "Encoder is not open", "encode");
        Packets out;
        for (size_t i = 0; i < frames.size(); i++) {
          auto& frame = frames[i];
          CheckFrame(s.ctx.get(), frame.get(), s.name);
          if (i < frame_options.size() && *frame_options[i].ptr()) {
            Check(av_opt_set_dict2(s.ctx.get(), frame_options[i].ptr(), AV_OPT_SEARCH_CHILDREN), "av_opt_set_dict2",
                  s.name);
            CheckAllConsumed(frame_options[i], "encode");
          }
          if (frame->time_base.num > 0 && av_cmp_q(frame->time_base, s.ctx->time_base) != 0 &&
              frame->pts != AV_NOPTS_VALUE)
            frame->pts = av_rescale_q(frame->pts, frame->time_base, s.ctx->time_base);
          frame->time_base = s.ctx->time_base;
          if (!keep_types) frame->pict_type = AV_PICTURE_TYPE_NONE;
          Check(SendFrame(s, frame.get()), "avcodec_send_frame", s.name);
          ReceivePackets(s, out);
        }
        if (flush) {
          int ret = SendFrame(s, nullptr);
          if (ret < 0 && ret != AVERROR_EOF) throw AvException(ret, "avcodec_send_frame", s.name);
          ReceivePackets(s, out);
        }
        return out;
      },
      [](Napi::Env env, Packets& packets) { return Packet::WrapAll(env, packets); });
}

}  // namespace avf
