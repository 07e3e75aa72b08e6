/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What every benchmark needs: a clock, and whole reads and writes on the
 * pipes its two processes talk through (any failure ends the process). */
#ifndef MSRP_BENCH_UTIL_H
#define MSRP_BENCH_UTIL_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The two processes of a measurement each on a core of its own, the same
 * for ours and the baselines (the sending side on CPU 0, the receiving
 * side on CPU 1), when the machine has two and BENCH_PIN is not 0: the
 * scheduler moving them about is most of the noise on a small machine. */
static inline int bench_cpu(int side) {
  const char *pin = getenv("BENCH_PIN");
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if ((pin && !strcmp(pin, "0")) || n < 2)
    return -1;
  return side % (int)n;
}

static inline void bench_pin(int side) {
  int cpu = bench_cpu(side);
  if (cpu < 0)
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

/* Median, least and most of n figures (n <= 64). */
typedef struct stat3 {
  double med, min, max;
} stat3;

static inline int bench_cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static inline stat3 stats(const double *v, int n) {
  double s[64];
  memcpy(s, v, (size_t)n * sizeof *v);
  qsort(s, (size_t)n, sizeof *s, bench_cmp_d);
  stat3 r = {n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, s[0], s[n - 1]};
  return r;
}

/* One row of bench/run.sh's table, appended to the file $BENCH_ROWS names
 * (nothing without it): the figure, ours (median, min-max), the baseline
 * and its median (NULL: none), the ratio of ours to it (median of the
 * per-round ratios, min-max; NULL: none) and the aim. Fields are separated
 * by '|'. */
static inline void bench_row(const char *figure, stat3 ours, const char *unit,
                             const char *baseline, const stat3 *base,
                             const stat3 *ratio, const char *aim) {
  const char *path = getenv("BENCH_ROWS");
  FILE *f = path && *path ? fopen(path, "a") : NULL;
  if (!f)
    return;
  fprintf(f, "%s|%.4g|%.4g|%.4g|%s|%s|", figure, ours.med, ours.min, ours.max,
          unit, baseline ? baseline : "");
  if (base)
    fprintf(f, "%.4g", base->med);
  fprintf(f, "|");
  if (ratio)
    fprintf(f, "%.3f|%.3f|%.3f", ratio->med, ratio->min, ratio->max);
  else
    fprintf(f, "||");
  fprintf(f, "|%s\n", aim ? aim : "");
  fclose(f);
}

#endif
