// Shared by the C reference programs: a monotonic clock, the process's own peak RSS, and the
// one JSON line each program prints. Kept minimal: these are the baseline avforge is measured against.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process (every thread), user + system, in seconds. The programs print
 * what their timed loop used ("cpuSeconds"): on a shared machine, a steadier measure of the work
 * than wall time. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
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
