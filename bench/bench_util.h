/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What every benchmark needs: a clock, and whole reads and writes on the
 * pipes its two processes talk through (any failure ends the process). */
#ifndef MSRP_BENCH_UTIL_H
#define MSRP_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void write_all(int fd, const void *p, size_t n) {
  if (write(fd, p, n) != (ssize_t)n)
    exit(1);
}

static inline void read_all(int fd, void *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)p + got, n - got);
    if (r <= 0)
      exit(1);
    got += (size_t)r;
  }
}

#endif
