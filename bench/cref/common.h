// Shared by the C reference programs: a monotonic clock, the process's own peak RSS, and the
// one JSON line each program prints. Kept minimal: these are the baseline avforge is measured against.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmHWM of this process in KiB (a cross-check of what the runner measures from outside). */
static long vmhwm_kib(void) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) {
      v = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

static void die(const char* what, int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  fprintf(stderr, "%s: %s\n", what, buf);
  exit(1);
}

#define CHECK(call)                   \
  do {                                \
    int ret_ = (call);                \
    if (ret_ < 0) die(#call, ret_);   \
  } while (0)

#endif
