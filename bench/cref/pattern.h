// The synthetic pictures every encode contender feeds: a window of WxH that pans (a triangle
// wave of PAN frames) across a texture of (W+PAN)x(H+PAN), copied row by row into the frame.
// bench/workloads/pattern.ts computes the same bytes (integer math that JS reproduces exactly).
#ifndef BENCH_PATTERN_H
#define BENCH_PATTERN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAN 32

typedef struct {
  int w, h;       // the picture
  int tw, th;     // the luma texture
  uint8_t *y, *u, *v;
} Texture;

static uint8_t luma_at(int x, int y) {
  uint32_t hash = ((uint32_t)x * 73856093u) ^ ((uint32_t)y * 19349663u);
  return (uint8_t)((((x * x + 2 * y * y) >> 7) + ((x ^ y) & 31) + ((hash >> 16) & 15)) & 255);
}

static Texture texture_make(int w, int h) {
  Texture t = {w, h, w + PAN, h + PAN, NULL, NULL, NULL};
  int cw = t.tw / 2, ch = t.th / 2;
  t.y = malloc((size_t)t.tw * t.th);
  t.u = malloc((size_t)cw * ch);
  t.v = malloc((size_t)cw * ch);
  for (int y = 0; y < t.th; y++)
    for (int x = 0; x < t.tw; x++) t.y[y * t.tw + x] = luma_at(x, y);
  for (int y = 0; y < ch; y++)
    for (int x = 0; x < cw; x++) {
      t.u[y * cw + x] = (uint8_t)((128 + ((3 * x + y) >> 3)) & 255);
      t.v[y * cw + x] = (uint8_t)(((x + 4096 - 2 * y) >> 3) & 255);
    }
  return t;
}

static void texture_free(Texture* t) {
  free(t->y);
  free(t->u);
  free(t->v);
}

/* The pan offset of picture i (even, so chroma stays aligned). */
static int pan_offset(int i) {
  int k = i % (2 * PAN);
  int o = k < PAN ? k : 2 * PAN - k;
  return o & ~1;
}

static void texture_fill(const Texture* t, uint8_t* const data[], const int linesize[], int i) {
  int o = pan_offset(i), co = o / 2, cw = t->tw / 2;
  for (int y = 0; y < t->h; y++) memcpy(data[0] + (size_t)y * linesize[0], t->y + (size_t)(y + o) * t->tw + o, t->w);
  for (int y = 0; y < t->h / 2; y++) {
    memcpy(data[1] + (size_t)y * linesize[1], t->u + (size_t)(y + co) * cw + co, t->w / 2);
    memcpy(data[2] + (size_t)y * linesize[2], t->v + (size_t)(y + co) * cw + co, t->w / 2);
  }
}

#endif
