/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Config structs across versions (docs/design.md, Compatibility): the
 * `_sized` functions read no more of a struct than the program's headers
 * gave it, treat the rest as defaults, and write no more than that into a
 * struct they fill; arrays are walked at the program's stride. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/chunk.h>
#include <msrp/parser.h>

#include "core/util.h"

/* "REPORT" is 6 characters: a parser limited to 5 refuses it */
static int parse_method(const msrp_parser_limits *l, size_t size) {
  static const char req[] =
      "MSRP a786hjs2 REPORT\r\n"
      "To-Path: msrp://a.example.com:7777/iau39;tcp\r\n"
      "From-Path: msrp://b.example.com:8888/9di4ea;tcp\r\n"
      "-------a786hjs2$\r\n";
  msrp_parser *p;
  assert_int_equal(msrp_parser_new_sized(&p, l, size), 0);
  msrp_event ev;
  size_t used = 0;
  int rc = 0;
  do {
    size_t n = 0;
    rc = msrp_parser_execute(p, (const uint8_t *)req + used,
                             sizeof req - 1 - used, &n, &ev);
    used += n;
  } while (rc == 0 && ev.type != MSRP_EVENT_END && used < sizeof req - 1);
  msrp_parser_free(p);
  return rc;
}

static void test_parser_limits_older(void **state) {
  (void)state;
  msrp_parser_limits l = {0};
  l.max_method_length = 5;
  /* today's program: its limit holds */
  assert_int_equal(parse_method(&l, sizeof l), MSRP_ERR_LIMIT_METHOD_LENGTH);
  /* a program whose struct ends before max_method_length: the default */
  assert_int_equal(
      parse_method(&l, offsetof(msrp_parser_limits, max_method_length)), 0);
}

static void test_defaults_fill_no_more(void **state) {
  (void)state;
  msrp_parser_limits l;
  memset(&l, 0xab, sizeof l);
  msrp_parser_limits_default_sized(
      &l, offsetof(msrp_parser_limits, max_method_length));
  assert_int_equal(l.max_header_bytes, 16384);
  assert_int_equal(l.max_tid_length, 64);
  size_t untouched;
  memset(&untouched, 0xab, sizeof untouched);
  assert_memory_equal(&l.max_method_length, &untouched, sizeof untouched);
  msrp_parser_limits_default(&l);
  assert_int_equal(l.max_method_length, 32);
}

/* An array from a program whose element is larger (a newer one) or
 * smaller (an older one) than ours: each element is found at the
 * program's stride. */
typedef struct newer_item {
  uint32_t a, b;
  uint64_t added_later;
} newer_item;
typedef struct our_item {
  uint32_t a, b;
} our_item;

static void test_array_stride(void **state) {
  (void)state;
  newer_item theirs[3] = {{1, 2, 99}, {3, 4, 99}, {5, 6, 99}};
  our_item *ours;
  assert_int_equal(msrp__abi_in_array((void **)&ours, sizeof *ours, theirs,
                                      sizeof *theirs, 3),
                   0);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(ours[i].a, theirs[i].a);
    assert_int_equal(ours[i].b, theirs[i].b);
  }
  free(ours);
  /* older: only `a` known; `b` is its default, zero */
  uint32_t older[3] = {7, 8, 9};
  assert_int_equal(msrp__abi_in_array((void **)&ours, sizeof *ours, older,
                                      sizeof older[0], 3),
                   0);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(ours[i].a, older[i]);
    assert_int_equal(ours[i].b, 0);
  }
  free(ours);
  assert_int_equal(msrp__abi_in_array((void **)&ours, sizeof *ours, NULL, 8, 3),
                   0);
  assert_null(ours);
  assert_int_equal(
      msrp__abi_in_array((void **)&ours, sizeof *ours, older, 0, 3),
      MSRP_ERR_INVALID_ARGUMENT);
}

/* msrp_chunk_make from an older program: fields past its size are unset
 * (here message_id, which would otherwise be used). */
static void test_chunk_params_older(void **state) {
  (void)state;
  msrp_chunk_params p = {.method = "REPORT", .message_id = "kept-if-known"};
  msrp_chunk *c;
  assert_int_equal(msrp_chunk_make_sized(&c, &p, sizeof p), 0);
  assert_string_equal(msrp_chunk_message_id(c), "kept-if-known");
  msrp_chunk_free(c);
  assert_int_equal(
      msrp_chunk_make_sized(&c, &p, offsetof(msrp_chunk_params, message_id)),
      0);
  assert_null(msrp_chunk_message_id(c)); /* a REPORT without one */
  msrp_chunk_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parser_limits_older),
      cmocka_unit_test(test_defaults_fill_no_more),
      cmocka_unit_test(test_array_stride),
      cmocka_unit_test(test_chunk_params_older),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
