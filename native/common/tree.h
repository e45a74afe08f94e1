// A small JSON-like value built on a worker thread and turned into JS on the JS thread,
// so descriptions of a context are snapshots, never reads racing with queued work.
#pragma once
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/owned.h"

namespace avf {

class Tree {
 public:
  Tree() = default;  // null
  // Implicit on purpose: t.Set("width", 320) takes plain values.
  Tree(double n) : kind_(kNumber), num_(n) {}                            // NOLINT(runtime/explicit)
  Tree(int n) : kind_(kNumber), num_(n) {}                               // NOLINT(runtime/explicit)
  Tree(int64_t n) : kind_(kNumber), num_(static_cast<double>(n)) {}      // NOLINT(runtime/explicit)
  Tree(bool b) : kind_(kBool), num_(b ? 1 : 0) {}                        // NOLINT(runtime/explicit)
  Tree(const char* s) : kind_(s ? kString : kNull), str_(s ? s : "") {}  // NOLINT(runtime/explicit)
  Tree(std::string s) : kind_(kString), str_(std::move(s)) {}            // NOLINT(runtime/explicit)
  static Tree Object() {
    Tree t;
    t.kind_ = kObject;
    return t;
  }
  static Tree Array() {
    Tree t;
    t.kind_ = kArray;
    return t;
  }
  static Tree Rational(AVRational r);
  static Tree Timestamp(int64_t ts);  // null for AV_NOPTS_VALUE
  static Tree Dictionary(const AVDictionary* dict);
  static Tree Params(const AVCodecParameters* par);  // a native CodecParameters handle

  Tree& Set(std::string key, Tree value) {
    fields_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  Tree& Push(Tree value) {
    items_.push_back(std::move(value));
    return *this;
  }
  Napi::Value ToJs(Napi::Env env) const;

 private:
  enum Kind { kNull, kNumber, kBool, kString, kObject, kArray, kParams };
  Kind kind_ = kNull;
  double num_ = 0;
  std::string str_;
  std::vector<std::pair<std::string, Tree>> fields_;
  std::vector<Tree> items_;
  std::shared_ptr<AVCodecParameters> params_;
};

// Describes codec parameters: codec, profile, level, dimensions, formats, layout, colors.
Tree DescribeCodecParameters(const AVCodecParameters* par);
// Describes a demuxed or muxed stream, codec parameters included (as a native handle).
Tree DescribeStream(const AVStream* st);

}  // namespace avf
