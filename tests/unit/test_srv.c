/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* DNS SRV for relays (core/srv.c): when it applies, the name asked for, and
 * the RFC 2782 order of the answers, with a seeded generator so that the
 * weighted order is checked by its frequencies, reproducibly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/srv.h"

static msrp_uri uri(const char *text) {
  msrp_uri u = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_parse(&u, text, strlen(text)), 0);
  return u;
}

static void test_applies(void **state) {
  (void)state;
  static const struct {
    const char *uri;
    bool srv;
  } cases[] = {
      {"msrps://relays.example.com;tcp", true},
      {"msrp://relays.example.com;tcp", true},
      {"msrps://relays.example.com:2855;tcp", false}, /* a port: as it is */
      {"msrps://192.0.2.1;tcp", false},               /* an address */
      {"msrps://[2001:db8::1];tcp", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    msrp_uri u = uri(cases[i].uri);
    assert_int_equal(msrp__srv_applies(&u), cases[i].srv);
    msrp_uri_clear(&u);
  }
  assert_false(msrp__srv_applies(NULL));
}

static void test_name(void **state) {
  (void)state;
  char name[256];
  msrp_uri u = uri("msrps://relays.example.com;tcp");
  assert_int_equal(msrp__srv_name(&u, name, sizeof name), 0);
  assert_string_equal(name, "_msrps._tcp.relays.example.com");
  msrp_uri_clear(&u);
  u = uri("msrp://Relays.Example.com;tcp");
  assert_int_equal(msrp__srv_name(&u, name, sizeof name), 0);
  assert_string_equal(name, "_msrp._tcp.Relays.Example.com");
  /* too small a buffer, and a name past DNS's 253 characters */
  assert_int_equal(msrp__srv_name(&u, name, 10), MSRP_ERR_INVALID_ARGUMENT);
  msrp_uri_clear(&u);
  char longname[300] = "msrps://";
  for (int i = 0; i < 25; i++)
    strcat(longname, "abcdefghi.");
  strcat(longname, "com;tcp");
  u = uri(longname);
  assert_int_equal(msrp__srv_name(&u, name, sizeof name),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_uri_clear(&u);
}

/* xorshift32, seeded: the same sequence every run */
static uint32_t next_random(void *ud) {
  uint32_t *x = ud;
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

static void test_priority_first(void **state) {
  (void)state;
  uint32_t seed = 1;
  msrp__srv s[] = {{"c.example", 30, 5, 1},
                   {"a.example", 10, 0, 2},
                   {"b.example", 20, 100, 3}};
  assert_int_equal(msrp__srv_order(s, 3, next_random, &seed), 3);
  assert_string_equal(s[0].target, "a.example");
  assert_int_equal(s[0].port, 2);
  assert_string_equal(s[1].target, "b.example");
  assert_string_equal(s[2].target, "c.example");
}

/* Within one priority, by weight (RFC 2782): a number is picked uniformly
 * in [0, total], and the first answer whose running sum of weights reaches
 * it goes first. Weights 1 and 3: sums 1 and 4, so the light one when the
 * pick is 0 or 1 (2 in 5), the heavy one 3 times in 5. Weight 0 (placed
 * first) against 10: only a pick of 0, 1 in 11. */
static void test_weights(void **state) {
  (void)state;
  uint32_t seed = 2463534242u;
  int heavy_first = 0, zero_first = 0;
  const int runs = 20000;
  for (int i = 0; i < runs; i++) {
    msrp__srv s[] = {{"light", 10, 1, 1}, {"heavy", 10, 3, 2}};
    assert_int_equal(msrp__srv_order(s, 2, next_random, &seed), 2);
    heavy_first += !strcmp(s[0].target, "heavy");
    assert_string_not_equal(s[0].target, s[1].target);
    msrp__srv z[] = {{"weighted", 10, 10, 1}, {"zero", 10, 0, 2}};
    assert_int_equal(msrp__srv_order(z, 2, next_random, &seed), 2);
    zero_first += !strcmp(z[0].target, "zero");
  }
  assert_in_range(heavy_first, runs * 55 / 100, runs * 65 / 100);
  assert_in_range(zero_first, runs * 6 / 100, runs * 12 / 100);
}

static void test_not_available(void **state) {
  (void)state;
  uint32_t seed = 7;
  msrp__srv dot[] = {{".", 0, 0, 0}};
  assert_int_equal(msrp__srv_order(dot, 1, next_random, &seed), 0);
  /* a "." among real answers is skipped, the rest kept */
  msrp__srv mixed[] = {{".", 0, 0, 0}, {"relay.example", 5, 0, 2855}};
  assert_int_equal(msrp__srv_order(mixed, 2, next_random, &seed), 1);
  assert_string_equal(mixed[0].target, "relay.example");
  assert_int_equal(msrp__srv_order(mixed, 0, next_random, &seed), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_applies),        cmocka_unit_test(test_name),
      cmocka_unit_test(test_priority_first), cmocka_unit_test(test_weights),
      cmocka_unit_test(test_not_available),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
