// callback: ITEMS calls through a C function pointer, one item each (the floor for a callback
// per item: a frame tap, a custom I/O read or write). The pointer is read through a volatile
// so the compiler cannot inline the call; the callee does what a trivial callback does (counts
// the item and its bytes).
// Usage: callback ITEMS
#include "common.h"

typedef void (*item_fn)(void* opaque, const uint8_t* data, int size);

struct counts {
  long long items, bytes;
};

__attribute__((noinline)) static void count_item(void* opaque, const uint8_t* data, int size) {
  struct counts* c = opaque;
  c->items++;
  c->bytes += size + data[0];
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ITEMS\n", argv[0]);
    return 2;
  }
  long long items = atoll(argv[1]);
  if (items <= 0) die("ITEMS", AVERROR(EINVAL));
  uint8_t buf[64] = {1};
  struct counts c = {0, 0};
  item_fn volatile fn = count_item;
  double t0 = now_s(), c0 = cpu_s();
  for (long long i = 0; i < items; i++) fn(&c, buf, (int)(i & 63));
  double t1 = now_s(), c1 = cpu_s();
  printf("{\"items\":%lld,\"bytes\":%lld,\"seconds\":%f,\"cpuSeconds\":%f,\"nsPerItem\":%f,\"vmhwmKiB\":%ld}\n", c.items,
         c.bytes, t1 - t0, c1 - c0, (t1 - t0) * 1e9 / (double)items, vmhwm_kib());
  return 0;
}
