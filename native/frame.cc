#include "frame.h"

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/executor.h"
#include "common/instance.h"
#include "common/options.h"
#include "common/views.h"
#include "hw.h"

namespace avf {

const napi_type_tag Frame::kTag = {0x6176666f72676501ULL, 0x6672616d650001ULL};
const napi_type_tag FrameList::kTag = {0x6176666f72676501ULL, 0x66726d6c69737401ULL};

FramePtr RefFrame(const AVFrame* src) {
  FramePtr f(av_frame_alloc());
  if (!f) throw AvException(AVERROR(ENOMEM), "av_frame_alloc");
  if (!src->buf[0] && !src->data[0])
    throw AvException("EINVAL", "The frame is empty: allocate it first", "av_frame_ref");
  Check(av_frame_ref(f.get(), src), "av_frame_ref");
  return f;
}

namespace {

bool IsVideo(const AVFrame* f) { return f->width > 0 && f->height > 0; }

int PlaneCount(const AVFrame* f) {
  if (IsVideo(f)) return av_pix_fmt_count_planes(static_cast<AVPixelFormat>(f->format));
  if (f->nb_samples <= 0) return 0;
  return av_sample_fmt_is_planar(static_cast<AVSampleFormat>(f->format)) ? f->ch_layout.nb_channels : 1;
}

int PlaneRows(const AVFrame* f, int plane) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
  if (!d) return 0;
  bool chroma = (plane == 1 || plane == 2) && !(d->flags & AV_PIX_FMT_FLAG_RGB);
  return chroma ? AV_CEIL_RSHIFT(f->height, d->log2_chroma_h) : f->height;
}

std::string ChannelLayoutName(const AVChannelLayout* layout) {
  char buf[128] = {0};
  if (layout->nb_channels <= 0 || av_channel_layout_describe(layout, buf, sizeof(buf)) < 0) return {};
  return buf;
}

}  // namespace

// Like av_frame_make_writable, but references held by this process's own views of the frame
// do not count: writing through `planes` into a frame nobody else holds needs no copy. (The
// views see the new contents: they are views of this frame's memory.)
int MakeWritableInPlace(AVFrame* f) {
  for (int i = 0; i < AV_NUM_DATA_POINTERS && f->buf[i]; i++) {
    if (av_buffer_get_ref_count(f->buf[i]) > 1 + ViewReferences(f->buf[i]->buffer)) return av_frame_make_writable(f);
  }
  return 0;
}

size_t PlaneSize(const AVFrame* f, int plane) {
  if (IsVideo(f)) {
    if (f->linesize[plane] <= 0) return 0;  // negative (bottom-up) strides are not exposed
    return static_cast<size_t>(f->linesize[plane]) * PlaneRows(f, plane);
  }
  auto fmt = static_cast<AVSampleFormat>(f->format);
  int channels = av_sample_fmt_is_planar(fmt) ? 1 : f->ch_layout.nb_channels;
  return static_cast<size_t>(f->nb_samples) * av_get_bytes_per_sample(fmt) * channels;
}

Napi::Function Frame::Init(Napi::Env env) {
  return DefineClass(env, "Frame",
                     {
                         Property<&Frame::GetPts, &Frame::SetPts>("pts"),
                         Property<&Frame::IsClosed>("closed"),
                         Method<&Frame::Info>("info"),
                         Method<&Frame::Update>("update"),
                         Method<&Frame::Allocate>("allocate"),
                         Method<&Frame::Planes>("planeViews"),
                         Method<&Frame::Linesizes>("linesizes"),
                         Method<&Frame::Metadata>("metadata"),
                         Method<&Frame::ToBuffer>("toBuffer"),
                         Method<&Frame::CopyFrom>("copyFrom"),
                         Method<&Frame::MakeWritable>("makeWritable"),
                         Method<&Frame::Clone>("clone"),
                         Method<&Frame::Download>("download"),
                         Method<&Frame::Close>("close"),
                     });
}

Napi::Object Frame::Wrap(Napi::Env env, FramePtr frame) {
  Napi::Object obj = GetInstance(env).frameClass.New({Napi::External<AVFrame>::New(env, frame.get())});
  frame.release();
  Frame::Unwrap(obj)->Account(env);
  return obj;
}

Napi::Array Frame::WrapAll(Napi::Env env, std::vector<FramePtr>& frames) {
  Napi::Array out = Napi::Array::New(env, frames.size());
  for (size_t i = 0; i < frames.size(); i++) out.Set(i, Wrap(env, std::move(frames[i])));
  return out;
}

Frame::Frame(const Napi::CallbackInfo& info) : Wrapped<Frame>(info) {
  Tag(info);
  if (info.Length() > 0 && info[0].IsExternal())
    frame_.reset(info[0].As<Napi::External<AVFrame>>().Data());
  else
    frame_.reset(av_frame_alloc());
  if (!frame_) throw AvException(AVERROR(ENOMEM), "av_frame_alloc").ToJs(info.Env());
}

Frame::~Frame() {
  if (reported_) ReportExternalMemory(Env(), -reported_);
}

void Frame::Account(Napi::Env env) {
  int64_t bytes = 0;
  for (int i = 0; frame_ && i < AV_NUM_DATA_POINTERS && frame_->buf[i]; i++) bytes += frame_->buf[i]->size;
  if (bytes != reported_) ReportExternalMemory(env, bytes - reported_);
  reported_ = bytes;
}

AVFrame* Frame::get(const char* op) {
  if (!frame_) ThrowClosed("Frame", op);
  return frame_.get();
}

Napi::Value Frame::GetPts(const Napi::CallbackInfo& info) { return FromTimestamp(info.Env(), get("pts")->pts); }
void Frame::SetPts(const Napi::CallbackInfo&, const Napi::Value& v) { get("pts")->pts = ToTimestamp(v); }
Napi::Value Frame::IsClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !frame_); }

// All the scalar fields at once: one crossing instead of one per field.
Napi::Value Frame::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AVFrame* f = get("info");
  Napi::Object o = Napi::Object::New(env);
  o.Set("pts", FromTimestamp(env, f->pts));
  o.Set("pktDts", FromTimestamp(env, f->pkt_dts));
  o.Set("bestEffortTimestamp", FromTimestamp(env, f->best_effort_timestamp));
  o.Set("duration", static_cast<double>(compat::FrameDuration(f)));
  o.Set("timeBase", FromRational(env, f->time_base));
  o.Set("keyFrame", compat::FrameIsKey(f));
  o.Set("format", f->format);
  o.Set("flags", f->flags);
  o.Set("hardware", IsHwFrame(f));
  if (IsVideo(f)) {
    o.Set("kind", "video");
    o.Set("width", f->width);
    o.Set("height", f->height);
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
    o.Set("pixelFormat", name ? name : "none");
    o.Set("pictType", std::string(1, av_get_picture_type_char(f->pict_type)));
    o.Set("interlaced", compat::FrameIsInterlaced(f));
    o.Set("sampleAspectRatio", FromRational(env, f->sample_aspect_ratio));
    o.Set("colorRange", av_color_range_name(f->color_range));
    o.Set("colorSpace", av_color_space_name(f->colorspace));
    o.Set("colorPrimaries", av_color_primaries_name(f->color_primaries));
    o.Set("colorTransfer", av_color_transfer_name(f->color_trc));
  } else if (f->nb_samples > 0 || f->sample_rate > 0) {
    o.Set("kind", "audio");
    o.Set("sampleRate", f->sample_rate);
    o.Set("nbSamples", f->nb_samples);
    o.Set("channels", f->ch_layout.nb_channels);
    o.Set("channelLayout", ChannelLayoutName(&f->ch_layout));
    const char* name = av_get_sample_fmt_name(static_cast<AVSampleFormat>(f->format));
    o.Set("sampleFormat", name ? name : "none");
  } else {
    o.Set("kind", "empty");
  }
  return o;
}

// Sets the fields given in an object (only those present).
Napi::Value Frame::Update(const Napi::CallbackInfo& info) {
  AVFrame* f = get("update");
  Napi::Object o = info[0].As<Napi::Object>();
  if (o.Has("pts")) f->pts = ToTimestamp(o.Get("pts"));
  if (Has(o, "duration")) compat::FrameSetDuration(f, GetInt(o, "duration", 0));
  if (Has(o, "timeBase")) f->time_base = ToRational(o.Get("timeBase"));
  if (Has(o, "keyFrame")) compat::FrameSetKey(f, GetBool(o, "keyFrame", false));
  if (Has(o, "pictType")) {
    std::string t = GetString(o, "pictType");
    f->pict_type = t == "I"   ? AV_PICTURE_TYPE_I
                   : t == "P" ? AV_PICTURE_TYPE_P
                   : t == "B" ? AV_PICTURE_TYPE_B
                              : AV_PICTURE_TYPE_NONE;
  }
  if (Has(o, "sampleAspectRatio")) f->sample_aspect_ratio = ToRational(o.Get("sampleAspectRatio"));
  return info.This();
}

// Sets the layout of an empty frame and gives it fresh, writable buffers.
Napi::Value Frame::Allocate(const Napi::CallbackInfo& info) {
  AVFrame* f = get("allocate");
  Napi::Object o = info[0].As<Napi::Object>();
  av_frame_unref(f);
  if (Has(o, "pixelFormat")) {
    f->width = static_cast<int>(GetInt(o, "width", 0));
    f->height = static_cast<int>(GetInt(o, "height", 0));
    f->format = av_get_pix_fmt(GetString(o, "pixelFormat").c_str());
    if (f->format == AV_PIX_FMT_NONE)
      throw AvException("EINVAL", "Unknown pixel format: " + GetString(o, "pixelFormat"), "allocate");
  } else {
    f->format = av_get_sample_fmt(GetString(o, "sampleFormat").c_str());
    if (f->format == AV_SAMPLE_FMT_NONE)
      throw AvException("EINVAL", "Unknown sample format: " + GetString(o, "sampleFormat"), "allocate");
    f->sample_rate = static_cast<int>(GetInt(o, "sampleRate", 0));
    f->nb_samples = static_cast<int>(GetInt(o, "nbSamples", 0));
    std::string layout = GetString(o, "channelLayout");
    if (!layout.empty()) {
      if (av_channel_layout_from_string(&f->ch_layout, layout.c_str()) < 0)
        throw AvException("EINVAL", "Unknown channel layout: " + layout, "allocate");
    } else {
      av_channel_layout_default(&f->ch_layout, static_cast<int>(GetInt(o, "channels", 2)));
    }
  }
  Check(av_frame_get_buffer(f, static_cast<int>(GetInt(o, "align", 0))), "av_frame_get_buffer");
  Account(info.Env());
  return info.This();
}

// One zero-copy Uint8Array per plane; planes that share one AVBuffer share one ArrayBuffer.
Napi::Value Frame::Planes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AVFrame* f = software("planes");
  int n = PlaneCount(f);
  Napi::Array out = Napi::Array::New(env, n);
  std::vector<const AVBuffer*> owners_of;  // planar audio may have more planes than data[]
  std::vector<Napi::ArrayBuffer> owners;
  for (int i = 0; i < n; i++) {
    uint8_t* data = f->extended_data[i];
    AVBufferRef* buf = av_frame_get_plane_buffer(f, i);
    if (!data || !buf) {
      out.Set(i, Napi::Uint8Array::New(env, 0));
      continue;
    }
    size_t k = 0;
    while (k < owners_of.size() && owners_of[k] != buf->buffer) k++;
    if (k == owners_of.size()) {
      owners_of.push_back(buf->buffer);
      owners.push_back(WrapBuffer(env, buf));
    }
    out.Set(i, ViewInto(env, owners[k], buf, data, PlaneSize(f, i)));
  }
  return out;
}

Napi::Value Frame::Linesizes(const Napi::CallbackInfo& info) {
  AVFrame* f = get("linesizes");
  int n = IsVideo(f) ? PlaneCount(f) : PlaneCount(f) > 0 ? 1 : 0;
  Napi::Array out = Napi::Array::New(info.Env(), n);
  for (int i = 0; i < n; i++) out.Set(i, f->linesize[i]);
  return out;
}

// What filters attached to the frame (lavfi.scene_score, lavfi.r128.M...), as key -> value.
Napi::Value Frame::Metadata(const Napi::CallbackInfo& info) {
  AVFrame* f = get("metadata");
  Napi::Object out = Napi::Object::New(info.Env());
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(f->metadata, "", e, AV_DICT_IGNORE_SUFFIX))) out.Set(e->key, e->value);
  return out;
}

// The payload packed with no row padding: the bytes `ffmpeg -f framemd5` hashes for video.
// Audio planes are laid end to end.
Napi::Value Frame::ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AVFrame* f = software("toBuffer");
  if (IsVideo(f)) {
    auto fmt = static_cast<AVPixelFormat>(f->format);
    int size = Check(av_image_get_buffer_size(fmt, f->width, f->height, 1), "av_image_get_buffer_size");
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, size);
    Check(av_image_copy_to_buffer(out.Data(), size, f->data, f->linesize, fmt, f->width, f->height, 1),
          "av_image_copy_to_buffer");
    return out;
  }
  int planes = PlaneCount(f);
  size_t plane = PlaneSize(f, 0);
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, plane * planes);
  for (int i = 0; i < planes; i++) memcpy(out.Data() + i * plane, f->extended_data[i], plane);
  return out;
}

// The inverse of toBuffer: fills the frame's (allocated) planes from packed bytes.
Napi::Value Frame::CopyFrom(const Napi::CallbackInfo& info) {
  AVFrame* f = software("copyFrom");
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  if (!f->buf[0]) throw AvException("EINVAL", "Frame has no buffers: allocate it first", "copyFrom");
  Check(MakeWritableInPlace(f), "av_frame_make_writable");
  if (IsVideo(f)) {
    auto fmt = static_cast<AVPixelFormat>(f->format);
    int need = Check(av_image_get_buffer_size(fmt, f->width, f->height, 1), "av_image_get_buffer_size");
    if (src.ByteLength() < static_cast<size_t>(need))
      throw AvException("EINVAL", "Need " + std::to_string(need) + " bytes, got " + std::to_string(src.ByteLength()),
                        "copyFrom");
    const uint8_t* src_data[4] = {nullptr};
    int src_linesize[4] = {0};
    Check(av_image_fill_arrays(const_cast<uint8_t**>(src_data), src_linesize, src.Data(), fmt, f->width, f->height, 1),
          "av_image_fill_arrays");
    av_image_copy(f->data, f->linesize, src_data, src_linesize, fmt, f->width, f->height);
  } else {
    int planes = PlaneCount(f);
    size_t plane = PlaneSize(f, 0);
    if (src.ByteLength() < plane * planes)
      throw AvException("EINVAL", "Need " + std::to_string(plane * planes) + " bytes", "copyFrom");
    for (int i = 0; i < planes; i++) memcpy(f->extended_data[i], src.Data() + i * plane, plane);
  }
  Account(info.Env());
  return info.This();
}

// makeWritable() -> whether the buffers were replaced (views taken before then are stale).
Napi::Value Frame::MakeWritable(const Napi::CallbackInfo& info) {
  AVFrame* f = software("makeWritable");
  const AVBufferRef* before = f->buf[0];
  Check(MakeWritableInPlace(f), "av_frame_make_writable");
  Account(info.Env());
  return Napi::Boolean::New(info.Env(), f->buf[0] != before);
}

Napi::Value Frame::Clone(const Napi::CallbackInfo& info) { return Wrap(info.Env(), RefFrame(get("clone"))); }

Napi::Value Frame::Close(const Napi::CallbackInfo& info) {
  frame_.reset();
  Account(info.Env());
  return info.Env().Undefined();
}

}  // namespace avf

namespace avf {

AVFrame* Frame::software(const char* op) {
  AVFrame* f = get(op);
  if (IsHwFrame(f)) throw AvException("EINVAL", "A hardware frame has no pixels in memory: download() it first", op);
  return f;
}

// download() -> a new software Frame with this hardware frame's pixels (a reference to this
// one when it is in memory already). The copy runs off the JS thread.
Napi::Value Frame::Download(const Napi::CallbackInfo& info) {
  FramePtr ref = RefFrame(get("download"));
  auto shared = std::make_shared<FramePtr>(std::move(ref));
  return Schedule(
      info.Env(), info.This(), std::make_shared<Strand>(),
      [shared] { return std::make_shared<FramePtr>(DownloadFrame(shared->get())); },
      [](Napi::Env env, std::shared_ptr<FramePtr>& out) -> Napi::Value { return Wrap(env, std::move(*out)); });
}

}  // namespace avf

namespace avf {

namespace {
int64_t BufferBytes(const AVFrame* f) {
  int64_t bytes = 0;
  for (int i = 0; f && i < AV_NUM_DATA_POINTERS && f->buf[i]; i++) bytes += f->buf[i]->size;
  return bytes;
}
}  // namespace

Napi::Function FrameList::Init(Napi::Env env) {
  return DefineClass(env, "FrameList",
                     {
                         Method<&FrameList::Take>("take"),
                         Method<&FrameList::Close>("close"),
                         Property<&FrameList::Count>("count"),
                     });
}

Napi::Object FrameList::Wrap(Napi::Env env, std::vector<FramePtr> frames) {
  Napi::Object obj = GetInstance(env).frameListClass.New({});
  FrameList* list = FrameList::Unwrap(obj);
  int64_t bytes = 0;
  for (const FramePtr& f : frames) bytes += BufferBytes(f.get());
  list->frames_ = std::move(frames);
  list->Account(env, bytes);
  return obj;
}

FrameList::FrameList(const Napi::CallbackInfo& info) : Wrapped<FrameList>(info) { Tag(info); }

FrameList::~FrameList() {
  if (reported_) ReportExternalMemory(Env(), -reported_);
}

void FrameList::Account(Napi::Env env, int64_t bytes) {
  if (bytes != reported_) ReportExternalMemory(env, bytes - reported_);
  reported_ = bytes;
}

// take(index) -> frame `index` as a Frame of its own; ERR_CLOSED when it was taken or freed.
Napi::Value FrameList::Take(const Napi::CallbackInfo& info) {
  uint32_t index = info[0].ToNumber().Uint32Value();
  if (index >= frames_.size() || !frames_[index]) ThrowClosed("Frame", "take");
  Account(info.Env(), reported_ - BufferBytes(frames_[index].get()));
  return Frame::Wrap(info.Env(), std::move(frames_[index]));
}

Napi::Value FrameList::Count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(frames_.size()));
}

Napi::Value FrameList::Close(const Napi::CallbackInfo& info) {
  frames_.clear();
  Account(info.Env(), 0);
  return info.Env().Undefined();
}

}  // namespace avf
