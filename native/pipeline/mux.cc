// The mux stage: one thread per output file (or, for a plain remux, the demux thread itself);
// several outputs share the decoders and graphs that feed them. Streams are set
// up once every encoder has opened (their parameters come from the first frame); packets that
// come before that wait here. Copied streams pass their bitstream filters on the way.
#include <algorithm>
#include <cinttypes>

#include "common/log.h"
#include "muxer.h"
#include "pipeline/runtime.h"
#include "steps/drain.h"

namespace avf::pipeline {

void Runtime::SetupOutputs() {
  for (OutputPlan& op : plan_.outputs) {
    outputs_.push_back(std::make_unique<Output>(op));
    Output& out = *outputs_.back();
    if (op.collect) continue;
    if (!op.format.empty() && !av_guess_format(op.format.c_str(), nullptr, nullptr)) {
      AvException e(AVERROR_MUXER_NOT_FOUND, "av_guess_format", op.url);
      e.message = "No muxer named '" + op.format + "'";
      throw e;
    }
    Check(avformat_alloc_output_context2(&out.fmt, nullptr, op.format.empty() ? nullptr : op.format.c_str(),
                                         op.channel ? nullptr : op.url.c_str()),
          "avformat_alloc_output_context2", op.url);
    out.fmt->interrupt_callback = {Halted, &control_};
    // The CLI's -muxdelay default (0.7 s): MPEG-TS and MPEG-PS start their clocks after it, so
    // their timestamps match the CLI's files; a max_delay in the muxer options still wins.
    out.fmt->max_delay = 700000;
    out.global_header = out.fmt->oformat->flags & AVFMT_GLOBALHEADER;
  }
  for (size_t o = 0; o < plan_.streams.size(); o++) OutputOf(o).streams.push_back(o);
  for (size_t k = 0; k < outputs_.size(); k++)
    if (outputs_[k]->streams.empty())
      throw AvException("EINVAL", "The output has no streams", "pipeline", outputs_[k]->Name());
}

// A copied stream goes from its demuxer to the muxer, through its bitstream filters if any.
void Runtime::SetupCopy(size_t o) {
  StreamPlan& sp = plan_.streams[o];
  AVStream* st = InputStream(sp.input, sp.stream, "copy");
  routes_[sp.input][sp.stream].push_back({nullptr, static_cast<int>(o)});  // to the muxer
  if (sp.bsf.empty()) return;
  AVBSFContext* bsf = nullptr;
  Check(av_bsf_list_parse_str(sp.bsf.c_str(), &bsf), "av_bsf_list_parse_str", sp.bsf, static_cast<int>(o));
  bsfs_[o].reset(bsf);
  Check(avcodec_parameters_copy(bsf->par_in, st->codecpar), "avcodec_parameters_copy", sp.bsf);
  bsf->time_base_in = st->time_base;
  Check(av_bsf_init(bsf), "av_bsf_init", sp.bsf, static_cast<int>(o));
}

void Runtime::Mux(Output& out) {
  MuxStart(out);
  Item item;
  while (out.mx.ended < out.streams.size() && out.queue->Pop(item)) MuxHandle(out, item);
  MuxFinish(out);
}

// Copies and converted subtitles are known at once; encoded streams when their encoder opens.
void Runtime::MuxStart(Output& out) {
  size_t n = plan_.streams.size();
  MuxState& mx = out.mx;
  mx.state.assign(n, MuxState::kUnused);
  mx.params.resize(n);
  mx.tbs.resize(n);
  mx.rates.resize(n);
  mx.index.assign(n, -1);
  mx.last_dts.assign(n, AV_NOPTS_VALUE);
  mx.done.assign(n, false);
  mx.held.resize(n);
  mx.closed.assign(n, true);  // streams of other outputs never hold this one's packets
  mx.reached.assign(n, AV_NOPTS_VALUE);
  for (size_t o : out.streams) {
    mx.state[o] = MuxState::kPending;
    mx.closed[o] = false;
    const StreamPlan& sp = plan_.streams[o];
    if (!sp.subtitle && !sp.copy) continue;
    mx.params[o].reset(avcodec_parameters_alloc());
    if (!mx.params[o]) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
    mx.state[o] = MuxState::kReady;
    if (sp.subtitle) {
      Check(avcodec_parameters_from_context(mx.params[o].get(), subtitles_[o].encoder->ctx.get()),
            "avcodec_parameters_from_context");
      mx.tbs[o] = AV_TIME_BASE_Q;
      continue;
    }
    AVStream* st = inputs_[sp.input].fmt->streams[sp.stream];
    AVBSFContext* bsf = bsfs_[o].get();
    Check(avcodec_parameters_copy(mx.params[o].get(), bsf ? bsf->par_out : st->codecpar), "avcodec_parameters_copy");
    mx.tbs[o] = bsf ? bsf->time_base_out : st->time_base;
    mx.rates[o] = st->avg_frame_rate;
  }
}

void Runtime::MuxTryHeader(Output& out) {
  for (int s : out.mx.state)
    if (s == MuxState::kPending) return;
  WriteHeader(out);
  out.mx.header = true;
}

void Runtime::MuxWriteEarly(Output& out) {
  if (!out.mx.header) return;
  for (auto& e : out.mx.early) {
    if (out.plan.shortest)
      MuxHold(out, static_cast<size_t>(e.port), std::move(e.packet));
    else
      MuxWrite(out, static_cast<size_t>(e.port), std::move(e.packet));
  }
  out.mx.early.clear();
}

void Runtime::MuxWrite(Output& out, size_t o, PacketPtr pkt) {
  const StreamPlan& sp = plan_.streams[o];
  if (sp.copy) {
    AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : out.mx.tbs[o];
    if (out.mx.done[o]) return;
    // the CLI ends a copy at -t by decode time: B-frames reordered past it still come along
    int64_t t = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (Limit() != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE && av_rescale_q(t, tb, AV_TIME_BASE_Q) >= Limit()) {
      out.mx.done[o] = true;
      StreamFinished(o);
      return;
    }
    stats_.frames[o]++;
  }
  if (bsfs_[o]) {
    Check(av_bsf_send_packet(bsfs_[o].get(), pkt.get()), "av_bsf_send_packet", sp.bsf, static_cast<int>(o));
    MuxDrainBsf(out, o);
    return;
  }
  WritePacket(out, o, std::move(pkt), out.mx.tbs[o]);
}

void Runtime::MuxDrainBsf(Output& out, size_t o) {
  ReceiveBsfPackets(bsfs_[o].get(), out.mx.filtered, plan_.streams[o].bsf, static_cast<int>(o));
  for (auto& p : out.mx.filtered) WritePacket(out, o, std::move(p), out.mx.tbs[o]);
  out.mx.filtered.clear();
}

void Runtime::MuxHandle(Output& out, Item& item) {
  size_t o = static_cast<size_t>(item.port);
  switch (item.kind) {
    case Item::kReady:
      out.mx.params[o] = std::move(item.params);
      out.mx.tbs[o] = item.time_base;
      out.mx.rates[o] = item.rate;
      out.mx.state[o] = MuxState::kReady;
      MuxTryHeader(out);
      MuxWriteEarly(out);
      break;
    case Item::kUnused:
      out.mx.closed[o] = true;
      out.mx.state[o] = MuxState::kUnused;
      stats_.times[o] = PipelineStats::kEnded;
      out.mx.ended++;
      MuxTryHeader(out);
      MuxWriteEarly(out);
      break;
    case Item::kPacket:
      if (out.plan.shortest) MuxReached(out, o, item.packet.get());
      if (!out.mx.header) MuxTryHeader(out);
      if (!out.mx.header) {
        out.mx.early.push_back(std::move(item));
        break;
      }
      if (out.plan.shortest)
        MuxHold(out, o, std::move(item.packet));
      else
        MuxWrite(out, o, std::move(item.packet));
      break;
    default:  // kEnd
      if (out.plan.shortest) MuxShortestEnd(out, o);
      stats_.times[o] = PipelineStats::kEnded;
      if (bsfs_[o]) {
        Check(av_bsf_send_packet(bsfs_[o].get(), nullptr), "av_bsf_send_packet", plan_.streams[o].bsf);
        if (!out.mx.header) MuxTryHeader(out);
        MuxDrainBsf(out, o);
      }
      out.mx.ended++;
      break;
  }
}

// A packet's time (AV_TIME_BASE), for -shortest: its presentation, else decode time.
int64_t Runtime::MuxTime(const Output& out, size_t o, const AVPacket* pkt) const {
  AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : out.mx.tbs[o];
  int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  return t == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(t, tb, AV_TIME_BASE_Q);
}

// How far a stream has come: where its latest packet ends (written, held or early).
void Runtime::MuxReached(Output& out, size_t o, const AVPacket* pkt) {
  int64_t t = MuxTime(out, o, pkt);
  if (t == AV_NOPTS_VALUE) return;
  AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : out.mx.tbs[o];
  int64_t end = t + av_rescale_q(std::max<int64_t>(pkt->duration, 0), tb, AV_TIME_BASE_Q);
  if (out.mx.reached[o] == AV_NOPTS_VALUE || end > out.mx.reached[o]) out.mx.reached[o] = end;
}

void Runtime::MuxHold(Output& out, size_t o, PacketPtr pkt) {
  int64_t t = MuxTime(out, o, pkt.get());
  if (Limit() != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE && t >= Limit()) return;  // past the first end
  out.mx.held[o].push_back(std::move(pkt));
  out.mx.held_count++;
  MuxRelease(out, false);
}

// Writes held packets, earliest first, while every open stream has one waiting (all: the end).
void Runtime::MuxRelease(Output& out, bool all) {
  for (;;) {
    size_t best = out.mx.held.size();
    int64_t best_t = INT64_MAX;
    for (size_t o = 0; o < out.mx.held.size(); o++) {
      if (out.mx.held[o].empty()) {
        // this stream may still come with an earlier packet; past the bound, memory comes first
        if (!all && !out.mx.closed[o] && out.mx.held_count < kMaxHeldPackets) return;
        continue;
      }
      int64_t t = MuxTime(out, o, out.mx.held[o].front().get());
      if (best == out.mx.held.size() || (t != AV_NOPTS_VALUE && t < best_t)) {
        best = o;
        best_t = t == AV_NOPTS_VALUE ? INT64_MIN : t;
      }
    }
    if (best == out.mx.held.size()) return;
    PacketPtr pkt = std::move(out.mx.held[best].front());
    out.mx.held[best].pop_front();
    out.mx.held_count--;
    MuxWrite(out, best, std::move(pkt));
  }
}

// -shortest: the first stream to end ends the output where its last packet ends.
void Runtime::MuxShortestEnd(Output& out, size_t o) {
  out.mx.closed[o] = true;
  if (Limit() == AV_NOPTS_VALUE || out.mx.reached[o] < Limit()) {
    EndAt(out.mx.reached[o] != AV_NOPTS_VALUE ? out.mx.reached[o] : 0);  // an empty stream ends it at once
    StreamFinished(o);  // it ended by itself; the others finish as they pass its end
    int64_t cut = Limit();
    for (size_t s = 0; s < out.mx.held.size(); s++)
      while (!out.mx.held[s].empty() && cut != AV_NOPTS_VALUE && MuxTime(out, s, out.mx.held[s].back().get()) >= cut) {
        out.mx.held[s].pop_back();
        out.mx.held_count--;
      }
  }
  MuxRelease(out, false);
}

void Runtime::MuxFinish(Output& out) {
  if (control_.halted) return;
  if (!out.mx.header) MuxTryHeader(out);
  MuxWriteEarly(out);
  MuxRelease(out, true);
  OutputResult& r = out.result;
  if (out.fmt) {
    Check(av_write_trailer(out.fmt), "av_write_trailer", out.Name());
    if (out.fmt->pb) CountBytes(out, avio_tell(out.fmt->pb));
    int64_t size = CommitOutput(out.fmt, out.io, out.Name(), out.partial);
    out.committed = true;
    if (size >= 0) CountBytes(out, size);  // faststart rewrites the file: its size, not the last position
  }
  PayloadSizes& sizes = r.sizes;
  for (size_t o : out.streams)
    if (!plan_.streams[o].copy && out.mx.params[o]) sizes.global_headers += out.mx.params[o]->extradata_size;
  int64_t payload = sizes.video + sizes.audio + sizes.subtitle + sizes.other;
  if (out.fmt && r.bytes >= payload) sizes.overhead = r.bytes - payload;
}

// The output's size so far; the job's bytes are every output's.
void Runtime::CountBytes(Output& out, int64_t bytes) {
  stats_.bytes += bytes - out.result.bytes;
  out.result.bytes = bytes;
}

// A packet's payload, in the sizes of its kind of stream (after any bitstream filter: what is written).
void Runtime::CountPayload(Output& out, size_t o, int size) {
  const AVCodecParameters* par = out.mx.params[o].get();
  PayloadSizes& sizes = out.result.sizes;
  switch (par ? par->codec_type : AVMEDIA_TYPE_UNKNOWN) {
    case AVMEDIA_TYPE_VIDEO: sizes.video += size; break;
    case AVMEDIA_TYPE_AUDIO: sizes.audio += size; break;
    case AVMEDIA_TYPE_SUBTITLE: sizes.subtitle += size; break;
    default: sizes.other += size; break;
  }
}

// As the CLI does before it muxes (strict: the muxer refuses instead): a decode timestamp past
// its presentation, or one that goes back (the next file of a concat input, whose AAC priming
// starts before the previous file ended), is moved up to the last one written, with a warning.
void Runtime::KeepDtsMonotonic(Output& out, size_t o, const AVStream* st, AVPacket* pkt) {
  if (out.fmt->oformat->flags & AVFMT_NOTIMESTAMPS) return;
  int64_t& last = out.mx.last_dts[o];
  if (pkt->dts != AV_NOPTS_VALUE && pkt->pts != AV_NOPTS_VALUE && pkt->dts > pkt->pts) {
    // the middle one of pts, dts and the next after the last (the smaller of the two at first)
    int64_t next = last == AV_NOPTS_VALUE ? INT64_MIN : last + 1;
    pkt->pts = pkt->dts = last == AV_NOPTS_VALUE ? std::min(pkt->pts, pkt->dts)
                                                 : pkt->pts + pkt->dts + next - std::min({pkt->pts, pkt->dts, next}) -
                                                       std::max({pkt->pts, pkt->dts, next});
  }
  AVMediaType type = st->codecpar->codec_type;
  if ((type == AVMEDIA_TYPE_AUDIO || type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_SUBTITLE) &&
      pkt->dts != AV_NOPTS_VALUE && last != AV_NOPTS_VALUE) {
    int64_t max = last + !(out.fmt->oformat->flags & AVFMT_TS_NONSTRICT);
    if (pkt->dts < max) {
      if (max - pkt->dts > 2 || type == AVMEDIA_TYPE_VIDEO)
        LogWarning("mux",
                   "%s: non-monotonic DTS in output stream %d; previous: %" PRId64 ", current: %" PRId64
                   "; changing to %" PRId64,
                   out.Name().c_str(), st->index, last, pkt->dts, max);
      if (pkt->pts >= pkt->dts) pkt->pts = std::max(pkt->pts, max);
      pkt->dts = max;
    }
  }
  last = pkt->dts;
}

void Runtime::WritePacket(Output& out, size_t o, PacketPtr pkt, AVRational tb) {
  AVRational from = pkt->time_base.num > 0 ? pkt->time_base : tb;
  t_media_time = Seconds(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, from);
  int64_t end = pkt->pts != AV_NOPTS_VALUE ? pkt->pts + std::max<int64_t>(pkt->duration, 0) : AV_NOPTS_VALUE;
  if (end != AV_NOPTS_VALUE) {
    int64_t t = av_rescale_q(end, from, AV_TIME_BASE_Q);
    if (stats_.out_time == AV_NOPTS_VALUE || t > stats_.out_time) stats_.out_time = t;
    if (out.result.duration == AV_NOPTS_VALUE || t > out.result.duration) out.result.duration = t;
    int64_t now = stats_.times[o];
    if (now != PipelineStats::kEnded && (now == AV_NOPTS_VALUE || t > now)) stats_.times[o] = t;
  }
  if (out.plan.collect) {
    CountPayload(out, o, pkt->size);
    pkt->time_base = from;
    result_.collected[o].push_back({std::move(pkt), from});
    return;
  }
  int i = out.mx.index[o];
  if (i < 0) return;
  CountPayload(out, o, pkt->size);
  AVStream* st = out.fmt->streams[i];
  av_packet_rescale_ts(pkt.get(), from, st->time_base);
  pkt->time_base = st->time_base;
  pkt->stream_index = i;
  pkt->pos = -1;
  if (!plan_.strict) KeepDtsMonotonic(out, o, st, pkt.get());
  Check(av_interleaved_write_frame(out.fmt, pkt.get()), "av_interleaved_write_frame", out.Name(), i);
  if (out.fmt->pb) CountBytes(out, avio_tell(out.fmt->pb));
}

void Runtime::WriteHeader(Output& out) {
  if (!out.fmt) return;  // collecting: nothing to set up
  AddStreams(out);
  if (out.fmt->nb_streams == 0) {
    if (control_.stop)  // stopped before a single frame: there is no file to finish
      throw AvException("ABORT_ERR", "The job was stopped before anything was encoded", "mux", out.Name());
    throw AvException("EINVAL", "Nothing was encoded: every output stream was empty", "mux", out.Name());
  }
  WriteMetadataAndChapters(out);
  OpenOutput(out);
  OutputPlan& op = out.plan;
  WriteOutputHeader(out.fmt, op.options, out.Name(), out.partial);
  CheckAllConsumed(op.options, "avformat_write_header", out.Name());
}

namespace {

// ffmpeg's -disposition over `from`: 'default+forced' (exactly these), '+forced-default' (changes),
// '0' or a number.
int Disposition(const std::string& text, int from, int stream) {
  int value = text[0] == '+' || text[0] == '-' ? from : 0;
  size_t i = 0;
  while (i < text.size()) {
    char sign = text[i] == '-' ? '-' : '+';
    if (text[i] == '+' || text[i] == '-') i++;
    size_t end = text.find_first_of("+-", i);
    std::string name = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
    i = end == std::string::npos ? text.size() : end;
    int flag = 0;
    if (!name.empty() && name.size() < 10 && name.find_first_not_of("0123456789") == std::string::npos)
      flag = static_cast<int>(strtol(name.c_str(), nullptr, 10));
    else if ((flag = av_disposition_from_string(name.c_str())) < 0)
      throw WithStream(AvException("EINVAL", "Unknown disposition '" + name + "' in '" + text + "'", "disposition"),
                       stream);
    value = sign == '+' ? value | flag : value & ~flag;
  }
  return value;
}

}  // namespace

// An AVStream per ready output stream, with its source's metadata and disposition.
void Runtime::AddStreams(Output& out) {
  for (size_t o = 0; o < out.mx.state.size(); o++) {
    if (out.mx.state[o] != MuxState::kReady) continue;
    const StreamPlan& sp = plan_.streams[o];
    AVStream* st = avformat_new_stream(out.fmt, nullptr);
    if (!st) throw AvException(AVERROR(ENOMEM), "avformat_new_stream", out.Name());
    Check(avcodec_parameters_copy(st->codecpar, out.mx.params[o].get()), "avcodec_parameters_copy", out.Name());
    // The source's or encoder's tag stays where the container knows it (rawvideo's pixel
    // format lives there), as the CLI decides; else the muxer picks its own.
    uint32_t tag = st->codecpar->codec_tag, known = 0;
    const AVCodecTag* const* tags = out.fmt->oformat->codec_tag;
    if (tags && av_codec_get_id(tags, tag) != st->codecpar->codec_id &&
        av_codec_get_tag2(tags, st->codecpar->codec_id, &known))
      st->codecpar->codec_tag = 0;
    if (!sp.tag.empty()) {  // -tag:v hvc1: the container writes this fourcc (space-padded, as the CLI's)
      std::string t = sp.tag + std::string(4 - sp.tag.size(), ' ');
      st->codecpar->codec_tag = MKTAG(t[0], t[1], t[2], t[3]);
    }
    st->time_base = out.mx.tbs[o];
    if (out.mx.rates[o].num > 0) st->avg_frame_rate = out.mx.rates[o];
    const AVStream* src = sp.input >= 0 && sp.stream >= 0 ? inputs_[sp.input].fmt->streams[sp.stream] : nullptr;
    if (src) {
      // -map_metadata -1 (metadataFrom -1) copies no stream's tags either, as in the CLI
      if (out.plan.metadata_from >= 0) av_dict_copy(&st->metadata, src->metadata, 0);
      if (!sp.copy) av_dict_set(&st->metadata, "encoder", nullptr, 0);
      st->disposition = src->disposition;
      if (sp.copy) {
        st->sample_aspect_ratio = src->sample_aspect_ratio;
        st->r_frame_rate = src->r_frame_rate;
      }
      // The stream's side data goes with a copy (FFmpeg 6.1+ copies it with the parameters), and
      // the display matrix with an encoded picture that was not turned upright (autorotate off).
      for (int i = 0; i < compat::StreamSideDataCount(src); i++) {
        AVPacketSideDataType type = compat::StreamSideDataType(src, i);
        if (!(sp.copy && !compat::StreamSideData(st, type, nullptr)) &&
            !(sp.display_matrix && type == AV_PKT_DATA_DISPLAYMATRIX))
          continue;
        size_t size = 0;
        const uint8_t* data = compat::StreamSideData(src, type, &size);
        if (data) Check(compat::AddStreamSideData(st, type, data, size), "av_stream_new_side_data", out.Name());
      }
    }
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(*const_cast<Dict&>(sp.metadata).ptr(), "", e, AV_DICT_IGNORE_SUFFIX)))
      av_dict_set(&st->metadata, e->key, e->value[0] ? e->value : nullptr, 0);
    if (!sp.disposition.empty()) st->disposition = Disposition(sp.disposition, st->disposition, static_cast<int>(o));
    out.mx.index[o] = static_cast<int>(st->index);
  }
}

void Runtime::WriteMetadataAndChapters(Output& out) {
  OutputPlan& op = out.plan;
  if (op.metadata_from >= 0 && op.metadata_from < static_cast<int>(inputs_.size()))
    av_dict_copy(&out.fmt->metadata, inputs_[op.metadata_from].fmt->metadata, 0);
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(*op.metadata.ptr(), "", e, AV_DICT_IGNORE_SUFFIX)))
    av_dict_set(&out.fmt->metadata, e->key, e->value[0] ? e->value : nullptr, 0);
  if (!op.chapters.empty())
    WriteChapters(out, op.chapters);
  else if (op.chapters_from >= 0 && op.chapters_from < static_cast<int>(inputs_.size()))
    CopyChapters(out, op.chapters_from);
}

void Runtime::OpenOutput(Output& out) {
  const OutputPlan& op = out.plan;
  if (op.channel) {
    out.io = OpenIo(op.channel, &control_.halted);
    out.fmt->pb = out.io;
    out.fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  } else {
    OpenOutputFile(out.fmt, op.url, &out.partial);
  }
}

void Runtime::AddChapter(Output& out, int64_t id, AVRational tb, int64_t start, int64_t end,
                         const AVDictionary* metadata, const char* title) {
  auto* ch = static_cast<AVChapter*>(av_mallocz(sizeof(AVChapter)));
  if (!ch) throw AvException(AVERROR(ENOMEM), "av_mallocz");
  ch->id = id;
  ch->time_base = tb;
  ch->start = start;
  ch->end = end;
  if (metadata) av_dict_copy(&ch->metadata, metadata, 0);
  if (title) av_dict_set(&ch->metadata, "title", title, 0);
  if (av_dynarray_add_nofree(&out.fmt->chapters, reinterpret_cast<int*>(&out.fmt->nb_chapters), ch) < 0) {
    av_dict_free(&ch->metadata);
    av_free(ch);
    throw AvException(AVERROR(ENOMEM), "av_dynarray_add");
  }
}

void Runtime::WriteChapters(Output& out, const std::vector<ChapterPlan>& chapters) {
  int64_t id = 0;
  for (const ChapterPlan& c : chapters)
    AddChapter(out, id++, AV_TIME_BASE_Q, c.start, c.end, nullptr, c.title.empty() ? nullptr : c.title.c_str());
}

void Runtime::CopyChapters(Output& out, int input) {
  const AVFormatContext* in = inputs_[input].fmt;
  int64_t offset = offsets_[input];
  for (unsigned i = 0; i < in->nb_chapters; i++) {
    const AVChapter* ch = in->chapters[i];
    int64_t shift = av_rescale_q(offset, AV_TIME_BASE_Q, ch->time_base);
    int64_t start = ch->start - shift, end = ch->end - shift;
    if (end <= 0) continue;
    if (plan_.duration != AV_NOPTS_VALUE && av_rescale_q(start, ch->time_base, AV_TIME_BASE_Q) >= plan_.duration) break;
    if (plan_.duration != AV_NOPTS_VALUE)
      end = std::min(end, av_rescale_q(plan_.duration, AV_TIME_BASE_Q, ch->time_base));
    AddChapter(out, ch->id, ch->time_base, std::max<int64_t>(0, start), end, ch->metadata, nullptr);
  }
}

}  // namespace avf::pipeline
