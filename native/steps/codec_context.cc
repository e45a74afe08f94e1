#include "steps/codec_context.h"

#include "hw.h"

namespace avf {

void NewDecoderContext(CodecState& s, const AVCodec* codec, const AVCodecParameters* par, AVRational pkt_timebase,
                       Dict& options) {
  s.name = codec->name;
  s.ctx.reset(avcodec_alloc_context3(codec));
  if (!s.ctx) throw AvException(AVERROR(ENOMEM), "avcodec_alloc_context3", s.name);
  if (par) Check(avcodec_parameters_to_context(s.ctx.get(), par), "avcodec_parameters_to_context", s.name);
  // A count without a layout (a WAV without a channel mask) gets the default layout for that
  // count, as the CLI guesses it: filters such as aformat take layouts, not bare counts.
  AVChannelLayout& layout = s.ctx->ch_layout;
  if (codec->type == AVMEDIA_TYPE_AUDIO && layout.order == AV_CHANNEL_ORDER_UNSPEC && layout.nb_channels > 0) {
    int channels = layout.nb_channels;
    av_channel_layout_uninit(&layout);
    av_channel_layout_default(&layout, channels);
  }
  s.ctx->pkt_timebase = pkt_timebase;
  if (!av_dict_get(*options.ptr(), "max_pixels", nullptr, 0)) s.ctx->max_pixels = kMaxDecodePixels;
}

std::string UseHwDecoder(AVCodecContext* ctx, const AVCodec* codec, AVBufferRef* device) {
  auto type = reinterpret_cast<AVHWDeviceContext*>(device->data)->type;
  AVPixelFormat hw = HwDecodeFormat(codec, type);
  if (hw == AV_PIX_FMT_NONE)
    return std::string(codec->name) + " cannot decode on a " + av_hwdevice_get_type_name(type) + " device";
  AttachHwDecoder(ctx, device, hw);
  return "";
}

void OpenEncoder(CodecState& s, const AVCodec* codec, const EncoderCommon& common, Dict& options,
                 const std::function<void(AVCodecContext*)>& configure) {
  s.name = codec->name;
  s.ctx.reset(avcodec_alloc_context3(codec));
  if (!s.ctx) throw AvException(AVERROR(ENOMEM), "avcodec_alloc_context3", s.name);
  configure(s.ctx.get());
  if (common.bit_rate > 0) s.ctx->bit_rate = common.bit_rate;
  if (common.global_header) s.ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  OpenCodec(s, codec, common.threads, options);
}

}  // namespace avf
