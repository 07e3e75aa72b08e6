/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Every example message of RFC 4975 and RFC 4976 we hold as wire bytes
 * (tests/data/rfc, listed in its MANIFEST) parses, whole and one byte at a
 * time with identical events, has the transaction id, method or code, flag
 * and body length the MANIFEST states, and serializes back byte-identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define DIR MSRP_TEST_DATA "/rfc/"

/* RFC 4975 section 5.1 illustrates chunking with To-Path and From-Path left
 * out. The framing of those two figures is intact, so they parse to their
 * end-lines, but the chunks carry MSRP_ERR_PARSE_MISSING_TO_PATH (the paths
 * are mandatory); with the paths put back they carry no error. */
static const char *const paths =
    "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
    "From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n";

static char *with_paths(const char *msg, size_t len, size_t *out_len) {
  const char *eol = strstr(msg, "\r\n");
  assert_non_null(eol);
  size_t first = (size_t)(eol - msg) + 2;
  *out_len = len + strlen(paths);
  char *s = malloc(*out_len + 1);
  memcpy(s, msg, first);
  memcpy(s + first, paths, strlen(paths));
  memcpy(s + first + strlen(paths), msg + first, len - first + 1);
  return s;
}

static void check_one(const char *file, const char *tid, const char *what,
                      char flag, size_t body_len) {
  char path[512];
  snprintf(path, sizeof path, DIR "%s", file);
  size_t len;
  char *msg = read_file(path, &len);

  int fragment = strstr(file, "rfc4975-5.1-") == file;
  recording r;
  parse_both(msg, len, NULL, &r);
  if (r.err)
    fail_msg("%s: %s at byte %llu", file, msrp_errname(r.err),
             (unsigned long long)r.err_pos);
  assert_int_equal(r.nchunks, 1);
  msrp_chunk *c = r.chunks[0];
  assert_string_equal(
      msrp_errname(msrp_chunk_error(c)),
      msrp_errname(fragment ? MSRP_ERR_PARSE_MISSING_TO_PATH : 0));
  if (fragment) {
    size_t n;
    char *fixed = with_paths(msg, len, &n);
    recording with;
    parse_both(fixed, n, NULL, &with);
    assert_int_equal(with.err, 0);
    assert_int_equal(msrp_chunk_error(with.chunks[0]), 0);
    recording_free(&with);
    free(fixed);
  }
  assert_string_equal(msrp_chunk_transaction_id(c), tid);
  if (msrp_chunk_is_request(c))
    assert_string_equal(msrp_chunk_method(c), what);
  else
    assert_int_equal(msrp_chunk_code(c), atoi(what));
  assert_int_equal(msrp_chunk_flag(c), flag);
  size_t blen;
  free(recording_body(&r, 0, &blen));
  assert_int_equal(blen, body_len);

  size_t n;
  char *again = reserialize(&r, &n);
  if (n != len || memcmp(again, msg, n) != 0)
    fail_msg("%s does not re-serialize byte-identical", file);
  free(again);
  recording_free(&r);
  free(msg);
}

static void test_rfc_examples(void **state) {
  (void)state;
  FILE *f = fopen(DIR "MANIFEST", "r");
  assert_non_null(f);
  char file[256], tid[64], what[32], flag[4];
  size_t body_len;
  int count = 0;
  while (fscanf(f, "%255s %63s %31s %3s %zu", file, tid, what, flag,
                &body_len) == 5) {
    check_one(file, tid, what, flag[0], body_len);
    count++;
  }
  fclose(f);
  print_message("%d RFC example messages checked\n", count);
  assert_true(count >= 12);
}

/* The section 5.1 figures without paths: the chunk is parsed to its end
 * and carries the error, from its HEADERS event on. */
static void test_fragments_need_paths(void **state) {
  (void)state;
  size_t len;
  char *msg = read_file(DIR "rfc4975-5.1-a-send.msrp", &len);
  recording r;
  parse_both(msg, len, NULL, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.ev[0].type, MSRP_EVENT_HEADERS);
  assert_int_equal(r.ev[0].chunk_err, MSRP_ERR_PARSE_MISSING_TO_PATH);
  assert_int_equal(r.ev[r.n - 1].type, MSRP_EVENT_END);
  assert_int_equal(r.ev[r.n - 1].flag, '+');
  recording_free(&r);
  free(msg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc_examples),
      cmocka_unit_test(test_fragments_need_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
