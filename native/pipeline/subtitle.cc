// Converted subtitle streams (mov_text -> ass, subrip -> webvtt...): one thread per stream
// decodes and encodes again. Both codecs open at set-up, so the output stream is known
// before the first packet.
#include <cstring>

#include "pipeline/runtime.h"
#include "steps/codec_context.h"

namespace avf::pipeline {

// The encoder named, or the container's default; text and bitmap subtitles do not convert.
const AVCodec* Runtime::SubtitleEncoder(const StreamPlan& sp, const AVCodec* decoder, int index) const {
  const AVCodec* codec = nullptr;
  if (sp.codec.empty()) {
    const AVFormatContext* fmt = outputs_[static_cast<size_t>(sp.output)]->fmt;
    AVCodecID id = fmt ? av_guess_codec(fmt->oformat, nullptr, plan_.outputs[sp.output].url.c_str(), nullptr,
                                        AVMEDIA_TYPE_SUBTITLE)
                       : AV_CODEC_ID_NONE;
    if (id == AV_CODEC_ID_NONE)
      throw WithStream(
          AvException("EINVAL", "The output format takes no subtitles", "subtitle", plan_.outputs[sp.output].url),
          index);
    codec = FindCodec(true, "", id);
  } else {
    codec = FindCodec(true, sp.codec, AV_CODEC_ID_NONE);
  }
  const AVCodecDescriptor* from = avcodec_descriptor_get(decoder->id);
  const AVCodecDescriptor* to = avcodec_descriptor_get(codec->id);
  if (codec->type != AVMEDIA_TYPE_SUBTITLE || !from || !to ||
      ((from->props & AV_CODEC_PROP_BITMAP_SUB) != (to->props & AV_CODEC_PROP_BITMAP_SUB)))
    throw WithStream(AvException("EINVAL",
                                 std::string("Cannot convert ") + decoder->name + " subtitles to " + codec->name +
                                     " (text and bitmap subtitles do not convert)",
                                 "subtitle", plan_.outputs[sp.output].url),
                     index);
  return codec;
}

void Runtime::SetupSubtitle(size_t o, AVStream* st) {
  StreamPlan& sp = plan_.streams[o];
  int index = static_cast<int>(o);
  auto dec = std::make_unique<CodecState>();
  dec->strict = plan_.strict;
  const AVCodec* dcodec = FindCodec(false, "", st->codecpar->codec_id);
  Dict none;
  NewDecoderContext(*dec, dcodec, st->codecpar, st->time_base, none);
  OpenCodec(*dec, dcodec, 1, none);
  const AVCodec* ecodec = SubtitleEncoder(sp, dcodec, index);
  auto enc = std::make_unique<CodecState>();
  Dict options;
  av_dict_copy(options.ptr(), *sp.options.ptr(), 0);
  OpenEncoder(*enc, ecodec, {0, OutputOf(o).global_header, 1}, options, [&](AVCodecContext* ctx) {
    ctx->time_base = AV_TIME_BASE_Q;
    ctx->width = dec->ctx->width;
    ctx->height = dec->ctx->height;
    if (dec->ctx->subtitle_header) {  // ASS styles travel from the decoder to the encoder
      ctx->subtitle_header = static_cast<uint8_t*>(av_mallocz(dec->ctx->subtitle_header_size + 1));
      if (!ctx->subtitle_header) throw AvException(AVERROR(ENOMEM), "av_mallocz");
      memcpy(ctx->subtitle_header, dec->ctx->subtitle_header, dec->ctx->subtitle_header_size);
      ctx->subtitle_header_size = dec->ctx->subtitle_header_size;
    }
  });
  subtitles_.resize(plan_.streams.size());
  subtitles_[o].decoder = std::move(dec);
  subtitles_[o].encoder = std::move(enc);
  subtitles_[o].queue = std::make_unique<Queue>(64);
  routes_[sp.input][sp.stream].push_back({subtitles_[o].queue.get(), index});
}

namespace {

struct SubtitleFree {
  AVSubtitle* s;
  ~SubtitleFree() { avsubtitle_free(s); }
};

// One encoded subtitle as a packet on the AV_TIME_BASE timeline.
PacketPtr SubtitlePacket(const uint8_t* data, int size, int64_t pts, const AVSubtitle& sub) {
  PacketPtr pkt(av_packet_alloc());
  if (!pkt) throw AvException(AVERROR(ENOMEM), "av_packet_alloc");
  Check(av_new_packet(pkt.get(), size), "av_new_packet");
  memcpy(pkt->data, data, size);
  pkt->pts = pkt->dts = pts;
  pkt->duration = av_rescale_q(sub.end_display_time, AVRational{1, 1000}, AV_TIME_BASE_Q);
  pkt->time_base = AV_TIME_BASE_Q;
  return pkt;
}

}  // namespace

void Runtime::Subtitle(size_t o) {
  SubtitleStage& stage = subtitles_[o];
  CodecState& dec = *stage.decoder;
  CodecState& enc = *stage.encoder;
  const StreamPlan& sp = plan_.streams[o];
  AVRational tb = inputs_[sp.input].fmt->streams[sp.stream]->time_base;
  std::vector<uint8_t> buffer(1 << 20);
  bool finished = false;
  Item item;
  while (stage.queue->Pop(item)) {
    if (item.kind != Item::kPacket) break;
    if (finished) continue;
    AVSubtitle sub{};
    int got = 0;
    t_media_time = Seconds(item.packet->pts, tb);
    int ret = avcodec_decode_subtitle2(dec.ctx.get(), &sub, &got, item.packet.get());
    if (ret < 0) {
      SkipDamaged(dec, ret, "avcodec_decode_subtitle2");
      continue;
    }
    if (!got) continue;
    SubtitleFree guard{&sub};
    // As the CLI: the display window moves into pts, which the output timeline runs on.
    int64_t pts = item.packet->pts != AV_NOPTS_VALUE ? av_rescale_q(item.packet->pts, tb, AV_TIME_BASE_Q) : sub.pts;
    if (pts == AV_NOPTS_VALUE) continue;
    pts += av_rescale_q(sub.start_display_time, AVRational{1, 1000}, AV_TIME_BASE_Q);
    sub.end_display_time -= sub.start_display_time;
    sub.start_display_time = 0;
    sub.pts = pts;
    if (Limit() != AV_NOPTS_VALUE && pts >= Limit()) {
      finished = true;
      StreamFinished(o);
      continue;
    }
    int size = avcodec_encode_subtitle(enc.ctx.get(), buffer.data(), static_cast<int>(buffer.size()), &sub);
    if (size < 0) throw AvException(size, "avcodec_encode_subtitle", enc.name);
    stats_.frames[o]++;
    Item out;
    out.kind = Item::kPacket;
    out.port = static_cast<int>(o);
    out.packet = SubtitlePacket(buffer.data(), size, pts, sub);
    if (!OutputOf(o).queue->Push(std::move(out))) return;
  }
  if (control_.halted) return;
  Item end;
  end.port = static_cast<int>(o);
  OutputOf(o).queue->Push(std::move(end));
}

}  // namespace avf::pipeline
