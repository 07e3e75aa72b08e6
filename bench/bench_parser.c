/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Parser benchmark: the parser side by side with a plain memchr scan of the
 * same bytes (the least any framing code must do). A stream of pipelined
 * SEND chunks with bodies of 100 B, 4 KiB, 64 KiB and 1 MiB (about
 * MiB-per-size MiB of each), then one large body; all fed in 64 KiB reads.
 * Checks that every chunk and every body byte was parsed (or prints why
 * and exits 1, with no figure). Five interleaved rounds of the parser and
 * memchr: prints medians of MiB/s and chunks/s, the parser's min-max, and
 * the median (min-max) of the per-round ratios; asserts nothing.
 *
 *   bench_parser [MiB-of-large-body] [MiB-per-size]
 */
#include <msrp/parser.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

static volatile size_t sink;

/* Baseline: find every '\r' in the input, in the same piece sizes. */
static double run_memchr(const uint8_t *buf, size_t len, size_t piece) {
  double t = now_s();
  size_t hits = 0;
  for (size_t off = 0; off < len; off += piece) {
    size_t n = len - off < piece ? len - off : piece;
    const uint8_t *p = buf + off, *end = p + n;
    while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
      hits++;
      p++;
    }
  }
  sink = hits;
  return now_s() - t;
}

static double run_parser(const uint8_t *buf, size_t len, size_t piece,
                         size_t *chunks, size_t *body_bytes) {
  msrp_parser *p;
  if (msrp_parser_new(&p, NULL))
    exit(1);
  double t = now_s();
  size_t ends = 0, body = 0;
  for (size_t off = 0; off < len; off += piece) {
    size_t n = len - off < piece ? len - off : piece;
    const uint8_t *in = buf + off;
    for (;;) {
      size_t used;
      msrp_event ev;
      int rc = msrp_parser_execute(p, in, n, &used, &ev);
      if (rc) {
        fprintf(stderr, "parse error %s\n", msrp_strerror(rc));
        exit(1);
      }
      in += used;
      n -= used;
      if (ev.type == MSRP_EVENT_NONE)
        break;
      if (ev.type == MSRP_EVENT_BODY)
        body += ev.len;
      if (ev.type == MSRP_EVENT_END)
        ends++;
    }
  }
  double el = now_s() - t;
  msrp_parser_free(p);
  sink = body;
  *chunks = ends;
  *body_bytes = body;
  return el;
}

static const char head_fmt[] =
    "MSRP %08zx SEND\r\n"
    "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
    "From-Path: msrp://alice.example.com:7777/iau39soe2843z;tcp\r\n"
    "Message-ID: m%08zx\r\n"
    "Byte-Range: 1-%zu/%zu\r\n"
    "Content-Type: %s\r\n\r\n";

static size_t put_chunk(uint8_t *out, size_t i, const uint8_t *body,
                        size_t blen, const char *type) {
  int h = sprintf((char *)out, head_fmt, i, i, blen, blen, type);
  memcpy(out + h, body, blen);
  int t = sprintf((char *)out + h + blen, "\r\n-------%08zx$\r\n", i);
  return (size_t)h + blen + (size_t)t;
}

#define REPS                                                                   \
  11 /* short rounds, interleaved: a disturbance spoils a few, not the median  \
      */

/* REPS interleaved timings of the parser and of memchr over the same
 * bytes: medians (MiB/s, chunks/s), the parser's min-max, and the median
 * of the per-round ratios. */
static void report(const char *name, size_t bytes, size_t chunks,
                   const double *tp, const double *tb) {
  double mb = (double)bytes / (1024.0 * 1024.0);
  double p[REPS], m[REPS], r[REPS];
  for (int i = 0; i < REPS; i++) {
    p[i] = mb / tp[i];
    m[i] = mb / tb[i];
    r[i] = tb[i] / tp[i];
  }
  stat3 ps = stats(p, REPS), ms = stats(m, REPS), rs = stats(r, REPS);
  double per = (double)chunks / mb; /* chunks per MiB */
  printf("%-26s parser %8.1f MiB/s (%.0f-%.0f) %9.0f chunks/s | memchr "
         "%8.1f MiB/s | ratio %.2f (%.2f-%.2f)\n",
         name, ps.med, ps.min, ps.max, ps.med * per, ms.med, rs.med, rs.min,
         rs.max);
  /* the table: chunks/s for the small ones, MiB/s for the rest */
  bool small = per > 1000;
  stat3 cs = {ps.med * per, ps.min * per, ps.max * per};
  stat3 mc = {ms.med * per, ms.min * per, ms.max * per};
  char fig[80];
  snprintf(fig, sizeof fig, "parser, %s", name);
  bench_row(fig, small ? cs : ps, small ? "chunks/s" : "MiB/s",
            "memchr over the same bytes", small ? &mc : &ms, &rs,
            strstr(name, "100 B") ? ">= 3M chunks/s" : NULL);
}

static uint8_t *random_bytes(size_t len) {
  uint8_t *b = malloc(len);
  if (b == NULL)
    exit(1);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b[i] = (uint8_t)x;
  }
  return b;
}

/* Parse `count` pipelined chunks carrying `blen` bytes of `body` each. */
static void run_stream(const char *name, const uint8_t *body, size_t blen,
                       size_t count, const char *type) {
  size_t cap = count * (blen + 512);
  uint8_t *buf = malloc(cap);
  if (buf == NULL)
    exit(1);
  size_t len = 0;
  for (size_t i = 0; i < count; i++)
    len += put_chunk(buf + len, i, body, blen, type);
  size_t chunks, bytes;
  double tp[REPS], tb[REPS];
  for (int i = 0; i < REPS; i++) {
    tp[i] = run_parser(buf, len, 65536, &chunks, &bytes);
    tb[i] = run_memchr(buf, len, 65536);
    /* what was parsed is what was put there, or there is no figure */
    if (chunks != count || bytes != count * blen) {
      fprintf(stderr, "%s: parsed %zu chunks of %zu, %zu body bytes of %zu\n",
              name, chunks, count, bytes, count * blen);
      exit(1);
    }
  }
  report(name, len, chunks, tp, tb);
  free(buf);
}

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 256;
  size_t per = argc > 2 ? (size_t)atol(argv[2]) : 64;
  if (mib == 0 || per == 0) {
    fprintf(stderr, "usage: bench_parser [MiB-of-large-body] [MiB-per-size]\n");
    return 2;
  }

  bench_pin(1); /* a receiver's work: on the receiving side's core */
  /* text for the small bodies, random bytes ('\r' 1 in 256) for the rest */
  uint8_t text[100];
  memset(text, 'a', sizeof text);
  size_t blen = mib << 20;
  uint8_t *body = random_bytes(blen > (1u << 20) ? blen : (1u << 20));

  static const struct {
    const char *name;
    size_t size;
  } sizes[] = {
      {"100 B", 100}, {"4 KiB", 4096}, {"64 KiB", 65536}, {"1 MiB", 1 << 20}};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t sz = sizes[k].size;
    /* the header is ~200 bytes: count so the stream is about `per` MiB */
    size_t count = (per << 20) / (sz + 200);
    if (count == 0)
      count = 1;
    char name[64];
    snprintf(name, sizeof name, "%zu x %s SENDs", count, sizes[k].name);
    run_stream(name, sz == 100 ? text : body, sz, count,
               sz == 100 ? "text/plain" : "application/octet-stream");
  }

  /* one large body: the streaming case, never held whole by the parser */
  uint8_t *big = malloc(blen + 1024);
  if (big == NULL)
    exit(1);
  size_t big_len = put_chunk(big, 1, body, blen, "application/octet-stream");
  size_t chunks, bytes;
  double tp[REPS], tb[REPS];
  for (int i = 0; i < REPS; i++) {
    tp[i] = run_parser(big, big_len, 65536, &chunks, &bytes);
    tb[i] = run_memchr(big, big_len, 65536);
    if (chunks != 1 || bytes != blen) {
      fprintf(stderr, "large body: parsed %zu chunks, %zu body bytes of %zu\n",
              chunks, bytes, blen);
      exit(1);
    }
  }
  char name[64];
  snprintf(name, sizeof name, "1 x %zu MiB body", mib);
  report(name, big_len, chunks, tp, tb);

  free(body);
  free(big);
  return 0;
}
