/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The error enum: every code has its own name and sentence, and
 * msrp_is_fatal() draws the documented line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/common.h>

static void test_names_and_texts(void **state) {
  (void)state;
  int seen = 0;
  for (int code = -1; code > -200; code--) {
    const char *name = msrp_errname(code);
    if (!strcmp(name, "MSRP_ERR_UNKNOWN"))
      continue;
    seen++;
    assert_true(strncmp(name, "MSRP_ERR_", 9) == 0);
    assert_string_not_equal(msrp_strerror(code), "unknown error");
    for (int other = code - 1; other > -200; other--)
      if (strcmp(msrp_errname(other), "MSRP_ERR_UNKNOWN"))
        assert_string_not_equal(msrp_strerror(code), msrp_strerror(other));
  }
  assert_true(seen > 60);
  assert_string_equal(msrp_errname(MSRP_ERR_SDP_SYNTAX), "MSRP_ERR_SDP_SYNTAX");
  assert_string_equal(msrp_errname(MSRP_ERR_CPIM_SYNTAX),
                      "MSRP_ERR_CPIM_SYNTAX");
  assert_string_equal(msrp_errname(MSRP_ERR_DIGEST_SYNTAX),
                      "MSRP_ERR_DIGEST_SYNTAX");
}

static void test_fatal(void **state) {
  (void)state;
  static const int fatal[] = {MSRP_ERR_NOMEM,
                              MSRP_ERR_PARSE_START_LINE,
                              MSRP_ERR_PARSE_END_LINE_FLAG,
                              MSRP_ERR_LIMIT_HEADER_BYTES,
                              MSRP_ERR_PARSER_FAILED,
                              MSRP_ERR_CONNECTION_CLOSED,
                              MSRP_ERR_CLOSED_MID_CHUNK,
                              MSRP_ERR_IO,
                              MSRP_ERR_TLS_HANDSHAKE,
                              MSRP_ERR_OUTPUT_FULL};
  static const int not_fatal[] = {
      0,
      MSRP_ERR_INVALID_ARGUMENT,
      MSRP_ERR_WOULD_BLOCK,
      MSRP_ERR_MESSAGE_REFUSED,
      MSRP_ERR_TRANSACTION,
      MSRP_ERR_NO_REPORT,
      MSRP_ERR_PARSE_BYTE_RANGE, /* recorded on a chunk: answered 400 */
      MSRP_ERR_SDP_SYNTAX,
      MSRP_ERR_CPIM_SYNTAX,
      MSRP_ERR_BIND_TIMEOUT,
      MSRP_ERR_CANCELLED};
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
    assert_true(msrp_is_fatal(fatal[i]));
  for (size_t i = 0; i < sizeof not_fatal / sizeof not_fatal[0]; i++)
    assert_false(msrp_is_fatal(not_fatal[i]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names_and_texts),
      cmocka_unit_test(test_fatal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
