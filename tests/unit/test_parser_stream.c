/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* A 1 GiB body, generated on the fly and never stored, streams through the
 * parser; every body byte arrives intact and in order, and the parser's own
 * heap use (counted by wrapping malloc and friends at link time) stays
 * under 64 KiB the whole time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/parser.h>

/* ---- heap accounting (linked with -Wl,--wrap=malloc,...) --------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

#define HDR 16
static size_t heap_now, heap_peak;

static void *account(unsigned char *raw, size_t n) {
  if (!raw)
    return NULL;
  memcpy(raw, &n, sizeof n);
  heap_now += n;
  if (heap_now > heap_peak)
    heap_peak = heap_now;
  return raw + HDR;
}

void *__wrap_malloc(size_t n) {
  return account(__real_malloc(n + HDR), n);
}

void *__wrap_calloc(size_t n, size_t m) {
  void *p = __wrap_malloc(n * m);
  if (p)
    memset(p, 0, n * m);
  return p;
}

void __wrap_free(void *p) {
  if (!p)
    return;
  unsigned char *raw = (unsigned char *)p - HDR;
  size_t n;
  memcpy(&n, raw, sizeof n);
  heap_now -= n;
  __real_free(raw);
}

void *__wrap_realloc(void *p, size_t n) {
  if (!p)
    return __wrap_malloc(n);
  unsigned char *raw = (unsigned char *)p - HDR;
  size_t old;
  memcpy(&old, raw, sizeof old);
  unsigned char *nr = __real_realloc(raw, n + HDR);
  if (!nr)
    return NULL;
  heap_now -= old;
  return account(nr, n);
}

/* ---- the body: deterministic, with traps for the end-line finder ------- */

#define TID "streamtid1"
#define BODY_SIZE (1ull << 30)
#define PIECE 65536

static uint8_t pattern[65536];

static void make_pattern(void) {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < sizeof pattern; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    pattern[i] = (uint8_t)x;
  }
}

/* Every MiB, at offset 1000 within it, a prefix of the real end-line that
 * is not one: CRLF "-------" tid, then 'X'. */
static const char trap[] = "\r\n-------" TID "X";
#define TRAP_AT 1000

static void gen(uint64_t off, uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    uint64_t o = off + i;
    uint64_t in_mib = o & ((1u << 20) - 1);
    if (in_mib >= TRAP_AT && in_mib < TRAP_AT + sizeof trap - 1)
      out[i] = (uint8_t)trap[in_mib - TRAP_AT];
    else
      out[i] = (uint8_t)(pattern[o & 0xffff] + (uint8_t)(o >> 16));
  }
}

static void test_1gib_body(void **state) {
  (void)state;
  make_pattern();
  char head[512];
  int hlen = snprintf(head, sizeof head,
                      "MSRP " TID " SEND\r\n"
                      "To-Path: msrp://b.example.com:1/s;tcp\r\n"
                      "From-Path: msrp://a.example.com:2/t;tcp\r\n"
                      "Message-ID: big\r\n"
                      "Byte-Range: 1-%llu/%llu\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n",
                      BODY_SIZE, BODY_SIZE);
  static const char tail[] = "\r\n-------" TID "$\r\n";
  uint64_t total = (uint64_t)hlen + BODY_SIZE + sizeof tail - 1;

  uint8_t *piece = malloc(PIECE);
  uint8_t *expect = malloc(PIECE + 64);
  size_t base_heap = heap_now;
  heap_peak = heap_now;

  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  uint64_t sent = 0, body_seen = 0;
  int headers = 0, ends = 0;
  while (sent < total) {
    size_t n = total - sent < PIECE ? (size_t)(total - sent) : PIECE;
    /* build the next piece of the stream */
    for (size_t i = 0; i < n;) {
      uint64_t at = sent + i;
      if (at < (uint64_t)hlen) {
        size_t k = (size_t)hlen - (size_t)at < n - i ? (size_t)hlen - (size_t)at
                                                     : n - i;
        memcpy(piece + i, head + at, k);
        i += k;
      } else if (at < (uint64_t)hlen + BODY_SIZE) {
        uint64_t bo = at - (uint64_t)hlen;
        size_t k = BODY_SIZE - bo < n - i ? (size_t)(BODY_SIZE - bo) : n - i;
        gen(bo, piece + i, k);
        i += k;
      } else {
        size_t to = (size_t)(at - (uint64_t)hlen - BODY_SIZE);
        piece[i++] = (uint8_t)tail[to];
      }
    }
    const uint8_t *in = piece;
    size_t left = n;
    for (;;) {
      size_t used;
      msrp_event ev;
      int rc = msrp_parser_execute(p, in, left, &used, &ev);
      if (rc)
        fail_msg("parser error %s at %llu", msrp_errname(rc),
                 (unsigned long long)msrp_parser_position(p));
      in += used;
      left -= used;
      if (ev.type == MSRP_EVENT_NONE)
        break;
      if (ev.type == MSRP_EVENT_HEADERS)
        headers++;
      if (ev.type == MSRP_EVENT_END) {
        ends++;
        assert_int_equal(ev.flag, '$');
      }
      if (ev.type == MSRP_EVENT_BODY) {
        assert_int_equal(ev.offset, body_seen);
        assert_true(ev.len <= PIECE + 64);
        gen(ev.offset, expect, ev.len);
        if (memcmp(expect, ev.data, ev.len) != 0)
          fail_msg("body differs near offset %llu",
                   (unsigned long long)ev.offset);
        body_seen += ev.len;
      }
    }
    sent += n;
  }
  size_t parser_peak = heap_peak - base_heap;
  msrp_parser_free(p);
  free(piece);
  free(expect);
  print_message("1 GiB body: %llu body bytes, parser heap peak %zu bytes\n",
                (unsigned long long)body_seen, parser_peak);
  assert_int_equal(headers, 1);
  assert_int_equal(ends, 1);
  assert_true(body_seen == BODY_SIZE);
  assert_true(parser_peak < 64 * 1024);
  /* everything the parser and the buffers held is given back */
  assert_int_equal(heap_now, base_heap - (PIECE + PIECE + 64));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_1gib_body),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
