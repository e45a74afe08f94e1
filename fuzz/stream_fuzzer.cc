// libFuzzer harness: the input is fed through avforge's IoChannel as a stream source (what a
// Readable or an upload becomes), in random chunk sizes, by a harness thread that plays the JS
// side through the `ask` hook; FFmpeg opens it, reads packets and decodes them.
// Byte 0: bit 0 = seekable callbacks (the harness answers seeks), bits 1..7 = chunk-size seed.
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "common.h"

namespace {

struct Peer {
  std::mutex m;
  std::condition_variable cv;
  std::deque<avf::IoRequest*> requests;
  bool stop = false;
};

bool Ask(avf::IoChannel& c, avf::IoRequest* r) {  // with c.m held
  auto* p = static_cast<Peer*>(c.peer);
  std::lock_guard<std::mutex> lock(p->m);
  if (p->stop) return false;
  p->requests.push_back(r);
  p->cv.notify_one();
  return true;
}

void Release(avf::IoChannel& c) {  // with c.m held
  auto* p = static_cast<Peer*>(c.peer);
  std::lock_guard<std::mutex> lock(p->m);
  p->stop = true;
  p->cv.notify_one();
}

// The "JS" side: answers reads with chunks from `data`, seeks by moving its position.
void Serve(avf::IoChannel& c, Peer& p, const uint8_t* data, size_t size, fuzz::Rng rng) {
  size_t next = 0;
  for (;;) {
    avf::IoRequest* r;
    {
      std::unique_lock<std::mutex> lock(p.m);
      p.cv.wait(lock, [&] { return p.stop || !p.requests.empty(); });
      if (p.requests.empty()) return;
      r = p.requests.front();
      p.requests.pop_front();
    }
    std::unique_ptr<avf::IoRequest> owned(r);
    if (std::strcmp(r->kind, "seek") == 0) {
      int64_t target = r->position;
      if (target > static_cast<int64_t>(size)) target = static_cast<int64_t>(size);
      next = static_cast<size_t>(target);
      avf::AnswerSeek(c, r->generation, target);
    } else if (std::strcmp(r->kind, "read") == 0) {
      if (next >= size) {
        avf::EndInput(c, true, r->generation);
        continue;
      }
      size_t n = 1 + rng.Next() % 8192;
      if (rng.Next() % 4 == 0) n = 1 + rng.Next() % 16;
      n = std::min(n, size - next);
      avf::PushChunk(c, data + next, n, r->generation);
      next += n;
      if (next >= size) avf::EndInput(c, true, r->generation);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::QuietOnce();
  if (size < 1) return 0;
  bool seekable = data[0] & 1;
  fuzz::Rng rng{0x9e3779b97f4a7c15ull ^ data[0]};
  data++;
  size--;

  auto channel = std::make_shared<avf::IoChannel>();
  channel->seekable = seekable;
  channel->size = seekable ? static_cast<int64_t>(size) : -1;
  channel->high_water = 1 << 16;
  channel->timeout_ms = 5000;
  Peer peer;
  channel->ask = Ask;
  channel->release = Release;
  channel->peer = &peer;
  std::thread js(Serve, std::ref(*channel), std::ref(peer), data, size, rng);

  std::atomic<bool> aborted{false};
  AVIOContext* io = avf::OpenIo(channel, &aborted);
  fuzz::DemuxAndDecode(io, [](AVFormatContext*, fuzz::Decoders&) {});
  avf::FreeIo(&io);  // closes the channel: releases the peer
  {
    std::lock_guard<std::mutex> lock(peer.m);
    peer.stop = true;
    peer.cv.notify_one();
  }
  js.join();
  for (auto* r : peer.requests) delete r;
  return 0;
}
