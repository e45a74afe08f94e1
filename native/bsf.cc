#include "bsf.h"

extern "C" {
#include <libavcodec/bsf.h>
}

#include <string>
#include <utility>
#include <vector>

#include "codec_parameters.h"
#include "common/options.h"
#include "common/tree.h"
#include "packet.h"
#include "steps/drain.h"

namespace avf {

const napi_type_tag BitstreamFilter::kTag = {0x6176666f72676501ULL, 0x6273660000000001ULL};

Napi::Function BitstreamFilter::Init(Napi::Env env) {
  return DefineClass(env, "BitstreamFilter",
                     {
                         Method<&BitstreamFilter::Open>("open"),
                         Method<&BitstreamFilter::Filter>("filter"),
                         Method<&BitstreamFilter::Close>("close"),
                         InstanceAccessor("closed", &BitstreamFilter::IsClosed, nullptr),
                     });
}

BitstreamFilter::BitstreamFilter(const Napi::CallbackInfo& info)
    : AsyncWrapped<BitstreamFilter, BitstreamFilterState>(info) {
  Tag(info);
}

// open(name, codecParameters, timeBase, options) -> { codecParameters, timeBase } of the output
Napi::Value BitstreamFilter::Open(const Napi::CallbackInfo& info) {
  std::string name = ToText(info[0], "name");
  CodecParametersPtr par = CodecParameters::From(info[1])->Copy();
  AVRational time_base = ToRational(info[2], {1, 1000000});
  Dict options(ToDictionary(info[3]));
  return Run(
      info, "open",
      [name, par = std::move(par), time_base, options = std::move(options)](BitstreamFilterState& s) mutable {
        if (s.bsf) throw AvException("EINVAL", "BitstreamFilter is already open", "open");
        const AVBitStreamFilter* filter = av_bsf_get_by_name(name.c_str());
        if (!filter) throw AvException(AVERROR_BSF_NOT_FOUND, "av_bsf_get_by_name", name);
        s.name = name;
        AVBSFContext* bsf = nullptr;
        Check(av_bsf_alloc(filter, &bsf), "av_bsf_alloc", name);
        s.bsf.reset(bsf);
        Check(avcodec_parameters_copy(bsf->par_in, par.get()), "avcodec_parameters_copy", name);
        bsf->time_base_in = time_base;
        if (bsf->priv_data && *options.ptr())
          Check(av_opt_set_dict(bsf->priv_data, options.ptr()), "av_opt_set_dict", name);
        CheckAllConsumed(options, "av_bsf_init", name);
        Check(av_bsf_init(bsf), "av_bsf_init", name);
        Tree t = Tree::Object();
        t.Set("codecParameters", Tree::Params(s.bsf->par_out)).Set("timeBase", Tree::Rational(s.bsf->time_base_out));
        return t;
      },
      [](Napi::Env env, Tree& t) { return t.ToJs(env); });
}

// filter(Packet[], flush) -> Packet[]: sends each packet and drains; flush ends the stream
// (and resets the filter, so it can be used again).
Napi::Value BitstreamFilter::Filter(const Napi::CallbackInfo& info) {
  Napi::Array list = info[0].As<Napi::Array>();
  bool flush = info[1].ToBoolean();
  std::vector<PacketPtr> packets;
  for (uint32_t i = 0; i < list.Length(); i++) packets.push_back(RefPacket(Packet::From(list.Get(i))->get("filter")));
  return Run(
      info, "filter",
      [packets = std::move(packets), flush](BitstreamFilterState& s) mutable {
        if (!s.bsf) throw AvException("EINVAL", "BitstreamFilter is not open", "filter");
        std::vector<PacketPtr> out;
        AVBSFContext* bsf = s.bsf.get();
        for (auto& p : packets) {
          Check(av_bsf_send_packet(bsf, p.get()), "av_bsf_send_packet", s.name);
          ReceiveBsfPackets(bsf, out, s.name);
        }
        if (flush) {
          Check(av_bsf_send_packet(bsf, nullptr), "av_bsf_send_packet", s.name);
          ReceiveBsfPackets(bsf, out, s.name);
          av_bsf_flush(bsf);
        }
        return out;
      },
      [](Napi::Env env, std::vector<PacketPtr>& out) { return Packet::WrapAll(env, out); });
}

}  // namespace avf
