// The mux stage: one thread (or, for a plain remux, the demux thread itself). Streams are set
// up once every encoder has opened (their parameters come from the first frame); packets that
// come before that wait here. Copied streams pass their bitstream filters on the way.
#include <algorithm>
#include <cinttypes>

#include "common/log.h"
#include "muxer.h"
#include "pipeline/runtime.h"
#include "steps/drain.h"

namespace avf::pipeline {

void Runtime::SetupOutput() {
  const OutputPlan& op = plan_.output;
  if (!op.collect) {
    if (!op.format.empty() && !av_guess_format(op.format.c_str(), nullptr, nullptr)) {
      AvException e(AVERROR_MUXER_NOT_FOUND, "av_guess_format", op.url);
      e.message = "No muxer named '" + op.format + "'";
      throw e;
    }
    Check(avformat_alloc_output_context2(&out_, nullptr, op.format.empty() ? nullptr : op.format.c_str(),
                                         op.channel ? nullptr : op.url.c_str()),
          "avformat_alloc_output_context2", op.url);
    out_->interrupt_callback = {Halted, &control_};
    // The CLI's -muxdelay default (0.7 s): MPEG-TS and MPEG-PS start their clocks after it, so
    // their timestamps match the CLI's files; a max_delay in the muxer options still wins.
    out_->max_delay = 700000;
  }
  global_header_ = out_ && (out_->oformat->flags & AVFMT_GLOBALHEADER);
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

void Runtime::Mux() {
  MuxStart();
  Item item;
  while (mx_.ended < plan_.streams.size() && mux_q_->Pop(item)) MuxHandle(item);
  MuxFinish();
}

// Copies and converted subtitles are known at once; encoded streams when their encoder opens.
void Runtime::MuxStart() {
  size_t n = plan_.streams.size();
  mx_.state.assign(n, MuxState::kPending);
  mx_.params.resize(n);
  mx_.tbs.resize(n);
  mx_.rates.resize(n);
  mx_.index.assign(n, -1);
  mx_.last_dts.assign(n, AV_NOPTS_VALUE);
  mx_.done.assign(n, false);
  mx_.held.resize(n);
  mx_.closed.assign(n, false);
  mx_.reached.assign(n, AV_NOPTS_VALUE);
  for (size_t o = 0; o < n; o++) {
    const StreamPlan& sp = plan_.streams[o];
    if (!sp.subtitle && !sp.copy) continue;
    mx_.params[o].reset(avcodec_parameters_alloc());
    if (!mx_.params[o]) throw AvException(AVERROR(ENOMEM), "avcodec_parameters_alloc");
    mx_.state[o] = MuxState::kReady;
    if (sp.subtitle) {
      Check(avcodec_parameters_from_context(mx_.params[o].get(), subtitles_[o].encoder->ctx.get()),
            "avcodec_parameters_from_context");
      mx_.tbs[o] = AV_TIME_BASE_Q;
      continue;
    }
    AVStream* st = inputs_[sp.input].fmt->streams[sp.stream];
    AVBSFContext* bsf = bsfs_[o].get();
    Check(avcodec_parameters_copy(mx_.params[o].get(), bsf ? bsf->par_out : st->codecpar), "avcodec_parameters_copy");
    mx_.tbs[o] = bsf ? bsf->time_base_out : st->time_base;
    mx_.rates[o] = st->avg_frame_rate;
  }
}

void Runtime::MuxTryHeader() {
  for (int s : mx_.state)
    if (s == MuxState::kPending) return;
  WriteHeader();
  mx_.header = true;
}

void Runtime::MuxWriteEarly() {
  if (!mx_.header) return;
  for (auto& e : mx_.early) {
    if (plan_.output.shortest)
      MuxHold(static_cast<size_t>(e.port), std::move(e.packet));
    else
      MuxWrite(static_cast<size_t>(e.port), std::move(e.packet));
  }
  mx_.early.clear();
}

void Runtime::MuxWrite(size_t o, PacketPtr pkt) {
  const StreamPlan& sp = plan_.streams[o];
  if (sp.copy) {
    AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : mx_.tbs[o];
    if (mx_.done[o]) return;
    // the CLI ends a copy at -t by decode time: B-frames reordered past it still come along
    int64_t t = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (Limit() != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE && av_rescale_q(t, tb, AV_TIME_BASE_Q) >= Limit()) {
      mx_.done[o] = true;
      StreamFinished();
      return;
    }
    stats_.frames[o]++;
  }
  if (bsfs_[o]) {
    Check(av_bsf_send_packet(bsfs_[o].get(), pkt.get()), "av_bsf_send_packet", sp.bsf, static_cast<int>(o));
    MuxDrainBsf(o);
    return;
  }
  WritePacket(o, std::move(pkt), mx_.tbs[o], mx_.index);
}

void Runtime::MuxDrainBsf(size_t o) {
  ReceiveBsfPackets(bsfs_[o].get(), mx_.filtered, plan_.streams[o].bsf, static_cast<int>(o));
  for (auto& p : mx_.filtered) WritePacket(o, std::move(p), mx_.tbs[o], mx_.index);
  mx_.filtered.clear();
}

void Runtime::MuxHandle(Item& item) {
  size_t o = static_cast<size_t>(item.port);
  switch (item.kind) {
    case Item::kReady:
      mx_.params[o] = std::move(item.params);
      mx_.tbs[o] = item.time_base;
      mx_.rates[o] = item.rate;
      mx_.state[o] = MuxState::kReady;
      MuxTryHeader();
      MuxWriteEarly();
      break;
    case Item::kUnused:
      mx_.closed[o] = true;
      mx_.state[o] = MuxState::kUnused;
      stats_.times[o] = PipelineStats::kEnded;
      mx_.ended++;
      MuxTryHeader();
      MuxWriteEarly();
      break;
    case Item::kPacket:
      if (plan_.output.shortest) MuxReached(o, item.packet.get());
      if (!mx_.header) MuxTryHeader();
      if (!mx_.header) {
        mx_.early.push_back(std::move(item));
        break;
      }
      if (plan_.output.shortest)
        MuxHold(o, std::move(item.packet));
      else
        MuxWrite(o, std::move(item.packet));
      break;
    default:  // kEnd
      if (plan_.output.shortest) MuxShortestEnd(o);
      stats_.times[o] = PipelineStats::kEnded;
      if (bsfs_[o]) {
        Check(av_bsf_send_packet(bsfs_[o].get(), nullptr), "av_bsf_send_packet", plan_.streams[o].bsf);
        if (!mx_.header) MuxTryHeader();
        MuxDrainBsf(o);
      }
      mx_.ended++;
      break;
  }
}

// A packet's time (AV_TIME_BASE), for -shortest: its presentation, else decode time.
int64_t Runtime::MuxTime(size_t o, const AVPacket* pkt) const {
  AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : mx_.tbs[o];
  int64_t t = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  return t == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(t, tb, AV_TIME_BASE_Q);
}

// How far a stream has come: where its latest packet ends (written, held or early).
void Runtime::MuxReached(size_t o, const AVPacket* pkt) {
  int64_t t = MuxTime(o, pkt);
  if (t == AV_NOPTS_VALUE) return;
  AVRational tb = pkt->time_base.num > 0 ? pkt->time_base : mx_.tbs[o];
  int64_t end = t + av_rescale_q(std::max<int64_t>(pkt->duration, 0), tb, AV_TIME_BASE_Q);
  if (mx_.reached[o] == AV_NOPTS_VALUE || end > mx_.reached[o]) mx_.reached[o] = end;
}

void Runtime::MuxHold(size_t o, PacketPtr pkt) {
  int64_t t = MuxTime(o, pkt.get());
  if (Limit() != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE && t >= Limit()) return;  // past the first end
  mx_.held[o].push_back(std::move(pkt));
  mx_.held_count++;
  MuxRelease(false);
}

// Writes held packets, earliest first, while every open stream has one waiting (all: the end).
void Runtime::MuxRelease(bool all) {
  for (;;) {
    size_t best = mx_.held.size();
    int64_t best_t = INT64_MAX;
    for (size_t o = 0; o < mx_.held.size(); o++) {
      if (mx_.held[o].empty()) {
        // this stream may still come with an earlier packet; past the bound, memory comes first
        if (!all && !mx_.closed[o] && mx_.held_count < kMaxHeldPackets) return;
        continue;
      }
      int64_t t = MuxTime(o, mx_.held[o].front().get());
      if (best == mx_.held.size() || (t != AV_NOPTS_VALUE && t < best_t)) {
        best = o;
        best_t = t == AV_NOPTS_VALUE ? INT64_MIN : t;
      }
    }
    if (best == mx_.held.size()) return;
    PacketPtr pkt = std::move(mx_.held[best].front());
    mx_.held[best].pop_front();
    mx_.held_count--;
    MuxWrite(best, std::move(pkt));
  }
}

// -shortest: the first stream to end ends the output where its last packet ends.
void Runtime::MuxShortestEnd(size_t o) {
  mx_.closed[o] = true;
  if (Limit() == AV_NOPTS_VALUE || mx_.reached[o] < Limit()) {
    EndAt(mx_.reached[o] != AV_NOPTS_VALUE ? mx_.reached[o] : 0);  // an empty stream ends it at once
    StreamFinished();  // it ended by itself; the others finish as they pass its end
    int64_t cut = Limit();
    for (size_t s = 0; s < mx_.held.size(); s++)
      while (!mx_.held[s].empty() && cut != AV_NOPTS_VALUE && MuxTime(s, mx_.held[s].back().get()) >= cut) {
        mx_.held[s].pop_back();
        mx_.held_count--;
      }
  }
  MuxRelease(false);
}

void Runtime::MuxFinish() {
  if (control_.halted) return;
  if (!mx_.header) MuxTryHeader();
  MuxWriteEarly();
  MuxRelease(true);
  if (out_) {
    Check(av_write_trailer(out_), "av_write_trailer", OutputName());
    if (out_->pb) stats_.bytes = avio_tell(out_->pb);
    int64_t size = CommitOutput(out_, out_io_, OutputName(), partial_);
    committed_ = true;
    if (size >= 0) stats_.bytes = size;  // faststart rewrites the file: its size, not the last position
    result_.bytes = stats_.bytes;
  }
  result_.duration = stats_.out_time;
  PayloadSizes& sizes = result_.sizes;
  for (size_t o = 0; o < plan_.streams.size(); o++)
    if (!plan_.streams[o].copy && mx_.params[o]) sizes.global_headers += mx_.params[o]->extradata_size;
  int64_t payload = sizes.video + sizes.audio + sizes.subtitle + sizes.other;
  if (out_ && result_.bytes >= payload) sizes.overhead = result_.bytes - payload;
}

// A packet's payload, in the sizes of its kind of stream (after any bitstream filter: what is written).
void Runtime::CountPayload(size_t o, int size) {
  const AVCodecParameters* par = mx_.params[o].get();
  PayloadSizes& sizes = result_.sizes;
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
void Runtime::KeepDtsMonotonic(size_t o, const AVStream* st, AVPacket* pkt) {
  if (out_->oformat->flags & AVFMT_NOTIMESTAMPS) return;
  int64_t& last = mx_.last_dts[o];
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
    int64_t max = last + !(out_->oformat->flags & AVFMT_TS_NONSTRICT);
    if (pkt->dts < max) {
      if (max - pkt->dts > 2 || type == AVMEDIA_TYPE_VIDEO)
        LogWarning("mux",
                   "%s: non-monotonic DTS in output stream %d; previous: %" PRId64 ", current: %" PRId64
                   "; changing to %" PRId64,
                   OutputName().c_str(), st->index, last, pkt->dts, max);
      if (pkt->pts >= pkt->dts) pkt->pts = std::max(pkt->pts, max);
      pkt->dts = max;
    }
  }
  last = pkt->dts;
}

void Runtime::WritePacket(size_t o, PacketPtr pkt, AVRational tb, const std::vector<int>& index) {
  AVRational from = pkt->time_base.num > 0 ? pkt->time_base : tb;
  t_media_time = Seconds(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts, from);
  int64_t end = pkt->pts != AV_NOPTS_VALUE ? pkt->pts + std::max<int64_t>(pkt->duration, 0) : AV_NOPTS_VALUE;
  if (end != AV_NOPTS_VALUE) {
    int64_t t = av_rescale_q(end, from, AV_TIME_BASE_Q);
    if (stats_.out_time == AV_NOPTS_VALUE || t > stats_.out_time) stats_.out_time = t;
    int64_t now = stats_.times[o];
    if (now != PipelineStats::kEnded && (now == AV_NOPTS_VALUE || t > now)) stats_.times[o] = t;
  }
  if (plan_.output.collect) {
    CountPayload(o, pkt->size);
    pkt->time_base = from;
    result_.collected[o].push_back({std::move(pkt), from});
    return;
  }
  int i = index[o];
  if (i < 0) return;
  CountPayload(o, pkt->size);
  AVStream* st = out_->streams[i];
  av_packet_rescale_ts(pkt.get(), from, st->time_base);
  pkt->time_base = st->time_base;
  pkt->stream_index = i;
  pkt->pos = -1;
  if (!plan_.strict) KeepDtsMonotonic(o, st, pkt.get());
  Check(av_interleaved_write_frame(out_, pkt.get()), "av_interleaved_write_frame", OutputName(), i);
  if (out_->pb) stats_.bytes = avio_tell(out_->pb);
}

void Runtime::WriteHeader() {
  if (!out_) return;  // collecting: nothing to set up
  AddStreams();
  if (out_->nb_streams == 0) {
    if (control_.stop)  // stopped before a single frame: there is no file to finish
      throw AvException("ABORT_ERR", "The job was stopped before anything was encoded", "mux", OutputName());
    throw AvException("EINVAL", "Nothing was encoded: every output stream was empty", "mux", OutputName());
  }
  WriteMetadataAndChapters();
  OpenOutput();
  OutputPlan& op = plan_.output;
  WriteOutputHeader(out_, op.options, OutputName(), partial_);
  CheckAllConsumed(op.options, "avformat_write_header", OutputName());
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
void Runtime::AddStreams() {
  for (size_t o = 0; o < mx_.state.size(); o++) {
    if (mx_.state[o] != MuxState::kReady) continue;
    const StreamPlan& sp = plan_.streams[o];
    AVStream* st = avformat_new_stream(out_, nullptr);
    if (!st) throw AvException(AVERROR(ENOMEM), "avformat_new_stream", OutputName());
    Check(avcodec_parameters_copy(st->codecpar, mx_.params[o].get()), "avcodec_parameters_copy", OutputName());
    // The source's or encoder's tag stays where the container knows it (rawvideo's pixel
    // format lives there), as the CLI decides; else the muxer picks its own.
    uint32_t tag = st->codecpar->codec_tag, known = 0;
    const AVCodecTag* const* tags = out_->oformat->codec_tag;
    if (tags && av_codec_get_id(tags, tag) != st->codecpar->codec_id &&
        av_codec_get_tag2(tags, st->codecpar->codec_id, &known))
      st->codecpar->codec_tag = 0;
    if (!sp.tag.empty()) {  // -tag:v hvc1: the container writes this fourcc (space-padded, as the CLI's)
      std::string t = sp.tag + std::string(4 - sp.tag.size(), ' ');
      st->codecpar->codec_tag = MKTAG(t[0], t[1], t[2], t[3]);
    }
    st->time_base = mx_.tbs[o];
    if (mx_.rates[o].num > 0) st->avg_frame_rate = mx_.rates[o];
    const AVStream* src = sp.input >= 0 && sp.stream >= 0 ? inputs_[sp.input].fmt->streams[sp.stream] : nullptr;
    if (src) {
      // -map_metadata -1 (metadataFrom -1) copies no stream's tags either, as in the CLI
      if (plan_.output.metadata_from >= 0) av_dict_copy(&st->metadata, src->metadata, 0);
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
        if (data) Check(compat::AddStreamSideData(st, type, data, size), "av_stream_new_side_data", OutputName());
      }
    }
    const AVDictionaryEntry* e = nullptr;
    while ((e = av_dict_get(*const_cast<Dict&>(sp.metadata).ptr(), "", e, AV_DICT_IGNORE_SUFFIX)))
      av_dict_set(&st->metadata, e->key, e->value[0] ? e->value : nullptr, 0);
    if (!sp.disposition.empty()) st->disposition = Disposition(sp.disposition, st->disposition, static_cast<int>(o));
    mx_.index[o] = static_cast<int>(st->index);
  }
}

void Runtime::WriteMetadataAndChapters() {
  OutputPlan& op = plan_.output;
  if (op.metadata_from >= 0 && op.metadata_from < static_cast<int>(inputs_.size()))
    av_dict_copy(&out_->metadata, inputs_[op.metadata_from].fmt->metadata, 0);
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(*op.metadata.ptr(), "", e, AV_DICT_IGNORE_SUFFIX)))
    av_dict_set(&out_->metadata, e->key, e->value[0] ? e->value : nullptr, 0);
  if (!op.chapters.empty())
    WriteChapters(op.chapters);
  else if (op.chapters_from >= 0 && op.chapters_from < static_cast<int>(inputs_.size()))
    CopyChapters(op.chapters_from);
}

void Runtime::OpenOutput() {
  const OutputPlan& op = plan_.output;
  if (op.channel) {
    out_io_ = OpenIo(op.channel, &control_.halted);
    out_->pb = out_io_;
    out_->flags |= AVFMT_FLAG_CUSTOM_IO;
  } else {
    OpenOutputFile(out_, op.url, &partial_);
  }
}

void Runtime::AddChapter(int64_t id, AVRational tb, int64_t start, int64_t end, const AVDictionary* metadata,
                         const char* title) {
  auto* out = static_cast<AVChapter*>(av_mallocz(sizeof(AVChapter)));
  if (!out) throw AvException(AVERROR(ENOMEM), "av_mallocz");
  out->id = id;
  out->time_base = tb;
  out->start = start;
  out->end = end;
  if (metadata) av_dict_copy(&out->metadata, metadata, 0);
  if (title) av_dict_set(&out->metadata, "title", title, 0);
  if (av_dynarray_add_nofree(&out_->chapters, reinterpret_cast<int*>(&out_->nb_chapters), out) < 0) {
    av_dict_free(&out->metadata);
    av_free(out);
    throw AvException(AVERROR(ENOMEM), "av_dynarray_add");
  }
}

void Runtime::WriteChapters(const std::vector<ChapterPlan>& chapters) {
  int64_t id = 0;
  for (const ChapterPlan& c : chapters)
    AddChapter(id++, AV_TIME_BASE_Q, c.start, c.end, nullptr, c.title.empty() ? nullptr : c.title.c_str());
}

void Runtime::CopyChapters(int input) {
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
    AddChapter(ch->id, ch->time_base, std::max<int64_t>(0, start), end, ch->metadata, nullptr);
  }
}

}  // namespace avf::pipeline
