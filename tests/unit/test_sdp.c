/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Unit tests for the MSRP media description of SDP (src/core/sdp.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <msrp/sdp.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FP_SHA256                                                              \
  "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"                           \
  "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
#define FP_SHA1 "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void path_of(msrp_path *p, const char *text) {
  *p = (msrp_path)MSRP_PATH_INIT;
  assert_int_equal(msrp_path_parse(p, text, strlen(text), 0), 0);
}

/* The formatted text, malloc'd; also checks the snprintf contract. */
static char *format(const msrp_sdp_media *m) {
  int n = msrp_sdp_media_format(m, NULL, 0);
  assert_true(n > 0);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(msrp_sdp_media_format(m, s, (size_t)n + 1), n);
  assert_int_equal(strlen(s), (size_t)n);
  /* a short buffer gets a NUL-terminated prefix and the full length */
  char small[8];
  assert_int_equal(msrp_sdp_media_format(m, small, sizeof small), n);
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, s, sizeof small - 1);
  return s;
}

/* Parse from a heap copy with no NUL after it, so that ASan catches a read
 * past the end. */
static int parse_exact(msrp_sdp_media **out, const char *text, size_t index,
                       msrp_sdp_where *where) {
  size_t len = strlen(text);
  char *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  memcpy(copy, text, len);
  int rc = msrp_sdp_media_parse(out, copy, len, index, where);
  free(copy);
  return rc;
}

static msrp_sdp_media *parse_ok(const char *text, size_t index) {
  msrp_sdp_media *m = NULL;
  msrp_sdp_where w = {MSRP_SDP_FIELD_LINE, 99};
  int rc = parse_exact(&m, text, index, &w);
  if (rc)
    fail_msg("parse failed: %s (field %d, line %zu)", msrp_errname(rc),
             (int)w.field, w.line);
  assert_int_equal(w.field, MSRP_SDP_FIELD_NONE);
  assert_int_equal(w.line, 0);
  assert_non_null(m);
  return m;
}

/* The types as one space-separated string (static buffer). */
static const char *joined(const msrp_media_types *t) {
  static char buf[512];
  buf[0] = '\0';
  for (size_t i = 0; i < t->count; i++) {
    if (i)
      strcat(buf, " ");
    strcat(buf, t->types[i]);
  }
  return buf;
}

static void check_types(const msrp_media_types *t, const char *want) {
  assert_string_equal(joined(t), want);
}

static void check_path(const msrp_sdp_media *m, const char *want) {
  char buf[512];
  int n = msrp_path_format(msrp_sdp_media_path(m), buf, sizeof buf);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  assert_string_equal(buf, want);
}

static void assert_media_equal(const msrp_sdp_media *a,
                               const msrp_sdp_media *b) {
  assert_true(msrp_path_equal(msrp_sdp_media_path(a), msrp_sdp_media_path(b)));
  assert_int_equal(msrp_sdp_media_use_tls(a), msrp_sdp_media_use_tls(b));
  assert_int_equal(msrp_sdp_media_port(a), msrp_sdp_media_port(b));
  int a6 = -1, b6 = -2;
  const char *aa = msrp_sdp_media_address(a, &a6);
  const char *ba = msrp_sdp_media_address(b, &b6);
  if (aa == NULL || ba == NULL)
    assert_ptr_equal(aa, ba);
  else
    assert_string_equal(aa, ba);
  assert_int_equal(a6, b6);
  assert_string_equal(joined(msrp_sdp_media_accept_types(a)),
                      joined(msrp_sdp_media_accept_types(b)));
  char tmp[512];
  strcpy(tmp, joined(msrp_sdp_media_accept_wrapped_types(a)));
  assert_string_equal(tmp, joined(msrp_sdp_media_accept_wrapped_types(b)));
  uint64_t am = 1, bm = 2;
  int arc = msrp_sdp_media_max_size(a, &am);
  assert_int_equal(arc, msrp_sdp_media_max_size(b, &bm));
  if (arc == 0)
    assert_int_equal(am, bm);
  assert_int_equal(msrp_sdp_media_setup(a), msrp_sdp_media_setup(b));
  assert_int_equal(msrp_sdp_media_connection(a), msrp_sdp_media_connection(b));
  assert_int_equal(msrp_sdp_media_fingerprint_count(a),
                   msrp_sdp_media_fingerprint_count(b));
  for (size_t i = 0; i < msrp_sdp_media_fingerprint_count(a); i++) {
    const char *ah, *av, *bh, *bv;
    assert_int_equal(msrp_sdp_media_fingerprint(a, i, &ah, &av), 0);
    assert_int_equal(msrp_sdp_media_fingerprint(b, i, &bh, &bv), 0);
    assert_string_equal(ah, bh);
    assert_string_equal(av, bv);
  }
  assert_int_equal(msrp_sdp_media_attribute_count(a),
                   msrp_sdp_media_attribute_count(b));
  for (size_t i = 0; i < msrp_sdp_media_attribute_count(a); i++)
    assert_string_equal(msrp_sdp_media_attribute(a, i),
                        msrp_sdp_media_attribute(b, i));
}

/* Format, parse back, compare values, and format again to the same bytes. */
static void check_round_trip(const msrp_sdp_media *m, const char *want) {
  char *text = format(m);
  assert_string_equal(text, want);
  msrp_sdp_media *back = parse_ok(text, 0);
  assert_media_equal(m, back);
  char *again = format(back);
  assert_string_equal(again, text);
  free(again);
  free(text);
  msrp_sdp_media_free(back);
}

static msrp_sdp_media *build(const char *path_text, const char *const *types,
                             size_t ntypes) {
  msrp_path p;
  path_of(&p, path_text);
  msrp_sdp_media *m = NULL;
  assert_int_equal(msrp_sdp_media_new(&m, &p, types, ntypes), 0);
  msrp_path_clear(&p);
  return m;
}

static const char *const chat_types[] = {"message/cpim", "text/plain"};
static const char *const chat_wrapped[] = {"text/plain",
                                           "application/im-iscomposing+xml"};

/* ------------------------------------------------------------------ */
/* Building                                                            */

static void test_build_offer_tcp_ipv4(void **state) {
  (void)state;
  msrp_sdp_media *m =
      build("msrp://192.0.2.1:7654/jshA7weztas;tcp", chat_types, 2);
  assert_int_equal(msrp_sdp_media_set_accept_wrapped_types(m, chat_wrapped, 2),
                   0);
  msrp_sdp_media_set_max_size(m, 131072);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_ACTPASS), 0);
  assert_int_equal(msrp_sdp_media_set_connection(m, MSRP_SDP_CONNECTION_NEW),
                   0);
  assert_int_equal(msrp_sdp_media_add_attribute(m, "sendrecv"), 0);
  check_round_trip(m, "m=message 7654 TCP/MSRP *\r\n"
                      "c=IN IP4 192.0.2.1\r\n"
                      "a=path:msrp://192.0.2.1:7654/jshA7weztas;tcp\r\n"
                      "a=accept-types:message/cpim text/plain\r\n"
                      "a=accept-wrapped-types:text/plain "
                      "application/im-iscomposing+xml\r\n"
                      "a=max-size:131072\r\n"
                      "a=setup:actpass\r\n"
                      "a=connection:new\r\n"
                      "a=sendrecv\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_answer_tcp_ipv4_minimal(void **state) {
  (void)state;
  static const char *const plain[] = {"text/plain"};
  msrp_sdp_media *m =
      build("msrp://192.0.2.2:12763/kjhd37s2s20w2a;tcp", plain, 1);
  /* only what new() sets: no wrapped types, max-size, setup, ... */
  check_round_trip(m, "m=message 12763 TCP/MSRP *\r\n"
                      "c=IN IP4 192.0.2.2\r\n"
                      "a=path:msrp://192.0.2.2:12763/kjhd37s2s20w2a;tcp\r\n"
                      "a=accept-types:text/plain\r\n");
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_PASSIVE), 0);
  check_round_trip(m, "m=message 12763 TCP/MSRP *\r\n"
                      "c=IN IP4 192.0.2.2\r\n"
                      "a=path:msrp://192.0.2.2:12763/kjhd37s2s20w2a;tcp\r\n"
                      "a=accept-types:text/plain\r\n"
                      "a=setup:passive\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_offer_tls_ipv4_fingerprint(void **state) {
  (void)state;
  msrp_sdp_media *m =
      build("msrps://192.0.2.1:2855/9di4eae923wzd;tcp", chat_types, 2);
  static const char *const star[] = {"*"};
  assert_int_equal(msrp_sdp_media_set_accept_wrapped_types(m, star, 1), 0);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_ACTPASS), 0);
  assert_int_equal(msrp_sdp_media_set_connection(m, MSRP_SDP_CONNECTION_NEW),
                   0);
  assert_int_equal(msrp_sdp_media_add_fingerprint(m, "sha-256", FP_SHA256), 0);
  assert_int_equal(msrp_sdp_media_use_tls(m), 1);
  check_round_trip(m, "m=message 2855 TCP/TLS/MSRP *\r\n"
                      "c=IN IP4 192.0.2.1\r\n"
                      "a=path:msrps://192.0.2.1:2855/9di4eae923wzd;tcp\r\n"
                      "a=accept-types:message/cpim text/plain\r\n"
                      "a=accept-wrapped-types:*\r\n"
                      "a=setup:actpass\r\n"
                      "a=connection:new\r\n"
                      "a=fingerprint:sha-256 " FP_SHA256 "\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_answer_tls_ipv4_fingerprint(void **state) {
  (void)state;
  msrp_sdp_media *m =
      build("msrps://192.0.2.2:49152/s93kd8;tcp", chat_types, 2);
  assert_int_equal(msrp_sdp_media_set_accept_wrapped_types(m, chat_wrapped, 2),
                   0);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_ACTIVE), 0);
  assert_int_equal(msrp_sdp_media_set_connection(m, MSRP_SDP_CONNECTION_NEW),
                   0);
  assert_int_equal(msrp_sdp_media_add_fingerprint(m, "sha-256", FP_SHA256), 0);
  assert_int_equal(msrp_sdp_media_add_fingerprint(m, "sha-1", FP_SHA1), 0);
  check_round_trip(m, "m=message 49152 TCP/TLS/MSRP *\r\n"
                      "c=IN IP4 192.0.2.2\r\n"
                      "a=path:msrps://192.0.2.2:49152/s93kd8;tcp\r\n"
                      "a=accept-types:message/cpim text/plain\r\n"
                      "a=accept-wrapped-types:text/plain "
                      "application/im-iscomposing+xml\r\n"
                      "a=setup:active\r\n"
                      "a=connection:new\r\n"
                      "a=fingerprint:sha-256 " FP_SHA256 "\r\n"
                      "a=fingerprint:sha-1 " FP_SHA1 "\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_offer_tcp_ipv6(void **state) {
  (void)state;
  msrp_sdp_media *m = build("msrp://[::1]:2855/abcd1234;tcp", chat_types, 2);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_ACTPASS), 0);
  int ipv6 = 0;
  assert_string_equal(msrp_sdp_media_address(m, &ipv6), "::1");
  assert_int_equal(ipv6, 1);
  check_round_trip(m, "m=message 2855 TCP/MSRP *\r\n"
                      "c=IN IP6 ::1\r\n"
                      "a=path:msrp://[::1]:2855/abcd1234;tcp\r\n"
                      "a=accept-types:message/cpim text/plain\r\n"
                      "a=setup:actpass\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_answer_tls_ipv6(void **state) {
  (void)state;
  msrp_sdp_media *m =
      build("msrps://[2001:db8::1]:12763/kjhd37s2s20w2a;tcp", chat_types, 2);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_PASSIVE), 0);
  assert_int_equal(msrp_sdp_media_add_fingerprint(m, "SHA-1", FP_SHA1), 0);
  check_round_trip(m,
                   "m=message 12763 TCP/TLS/MSRP *\r\n"
                   "c=IN IP6 2001:db8::1\r\n"
                   "a=path:msrps://[2001:db8::1]:12763/kjhd37s2s20w2a;tcp\r\n"
                   "a=accept-types:message/cpim text/plain\r\n"
                   "a=setup:passive\r\n"
                   "a=fingerprint:SHA-1 " FP_SHA1 "\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_relay_path_and_host_name(void **state) {
  (void)state;
  /* the m-line and c-line name the first URI: the relay we are reached at */
  static const char *const plain[] = {"text/plain"};
  msrp_sdp_media *m = build("msrps://relay.example.com:9000/kjfjan;tcp "
                            "msrps://alice.example.com:1234/9s9s99;tcp",
                            plain, 1);
  check_round_trip(m, "m=message 9000 TCP/TLS/MSRP *\r\n"
                      "c=IN IP4 relay.example.com\r\n"
                      "a=path:msrps://relay.example.com:9000/kjfjan;tcp "
                      "msrps://alice.example.com:1234/9s9s99;tcp\r\n"
                      "a=accept-types:text/plain\r\n");
  msrp_sdp_media_free(m);
  /* no port in the URI: the MSRP default */
  m = build("msrp://alice.example.com/s1;tcp", plain, 1);
  assert_int_equal(msrp_sdp_media_port(m), MSRP_DEFAULT_PORT);
  check_round_trip(m, "m=message 2855 TCP/MSRP *\r\n"
                      "c=IN IP4 alice.example.com\r\n"
                      "a=path:msrp://alice.example.com/s1;tcp\r\n"
                      "a=accept-types:text/plain\r\n");
  msrp_sdp_media_free(m);
}

static void test_build_setters(void **state) {
  (void)state;
  msrp_sdp_media *m = build("msrp://192.0.2.1:1/s;tcp", chat_types, 2);
  static const char *const one[] = {"*"};
  assert_int_equal(msrp_sdp_media_set_accept_types(m, one, 1), 0);
  assert_int_equal(msrp_sdp_media_set_accept_wrapped_types(m, chat_wrapped, 2),
                   0);
  /* count 0 removes the wrapped types; max-size comes and goes */
  assert_int_equal(msrp_sdp_media_set_accept_wrapped_types(m, NULL, 0), 0);
  msrp_sdp_media_set_max_size(m, 0);
  uint64_t v = 7;
  assert_int_equal(msrp_sdp_media_max_size(m, &v), 0);
  assert_int_equal(v, 0);
  msrp_sdp_media_remove_max_size(m);
  assert_int_equal(msrp_sdp_media_max_size(m, &v), MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_HOLDCONN), 0);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_ABSENT), 0);
  assert_int_equal(
      msrp_sdp_media_set_connection(m, MSRP_SDP_CONNECTION_EXISTING), 0);
  assert_int_equal(msrp_sdp_media_add_attribute(m, "file-selector:name:\"a b\""
                                                   " size:12"),
                   0);
  check_round_trip(m, "m=message 1 TCP/MSRP *\r\n"
                      "c=IN IP4 192.0.2.1\r\n"
                      "a=path:msrp://192.0.2.1:1/s;tcp\r\n"
                      "a=accept-types:*\r\n"
                      "a=connection:existing\r\n"
                      "a=file-selector:name:\"a b\" size:12\r\n");
  assert_string_equal(msrp_sdp_media_find_attribute(m, "FILE-SELECTOR"),
                      "name:\"a b\" size:12");
  assert_null(msrp_sdp_media_find_attribute(m, "sendrecv"));
  msrp_sdp_media_free(m);
}

static void test_build_errors(void **state) {
  (void)state;
  msrp_path p, empty = MSRP_PATH_INIT;
  path_of(&p, "msrp://192.0.2.1:1/s;tcp");
  msrp_sdp_media *m = (msrp_sdp_media *)&p; /* must stay untouched */
  msrp_sdp_media *const sentinel = m;
  assert_int_equal(msrp_sdp_media_new(NULL, &p, chat_types, 2),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_new(&m, NULL, chat_types, 2),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_new(&m, &empty, chat_types, 2),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_new(&m, &p, chat_types, 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_new(&m, &p, NULL, 1),
                   MSRP_ERR_INVALID_ARGUMENT);
  static const char *const bad_types[] = {"text",
                                          "text/",
                                          "/plain",
                                          "te xt/plain",
                                          "text/plain;charset=utf-8",
                                          "",
                                          "text/pl\tain"};
  for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++)
    assert_int_equal(msrp_sdp_media_new(&m, &p, &bad_types[i], 1),
                     MSRP_ERR_INVALID_ARGUMENT);
  static const char *const null_type[] = {NULL};
  assert_int_equal(msrp_sdp_media_new(&m, &p, null_type, 1),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(m, sentinel);

  assert_int_equal(msrp_sdp_media_new(&m, &p, chat_types, 2), 0);
  assert_int_equal(msrp_sdp_media_set_accept_types(m, NULL, 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_set_accept_types(m, &bad_types[0], 1),
                   MSRP_ERR_INVALID_ARGUMENT);
  /* a failed setter leaves the value as it was */
  check_types(msrp_sdp_media_accept_types(m), "message/cpim text/plain");
  assert_int_equal(msrp_sdp_media_set_accept_wrapped_types(m, bad_types, 2),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_set_setup(m, (msrp_sdp_setup)99),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_set_connection(m, (msrp_sdp_connection)-1),
                   MSRP_ERR_INVALID_ARGUMENT);
  static const char *const bad_attrs[] = {"",
                                          ":x",
                                          "a b",
                                          "path:msrp://x/y;tcp",
                                          "Accept-Types:*",
                                          "setup:active",
                                          "connection:new",
                                          "fingerprint:sha-1 AB",
                                          "max-size:1",
                                          "accept-wrapped-types:*",
                                          "x:line\r\nbreak",
                                          "x:\x01"};
  for (size_t i = 0; i < sizeof bad_attrs / sizeof bad_attrs[0]; i++)
    assert_int_equal(msrp_sdp_media_add_attribute(m, bad_attrs[i]),
                     MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_add_attribute(m, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  static const char *const bad_fps[][2] = {
      {"sha-256", "AB:CD"}, /* too short for sha-256 */
      {"sha-1", FP_SHA256}, /* too long for sha-1 */
      {"sha-256", ""},      /* empty */
      {"sha 256", "AB:CD"}, /* hash not a token */
      {"", "AB:CD"},        /* no hash */
      {"x-hash", "AB:C"},   /* odd digits */
      {"x-hash", "ABCD"},   /* no colon */
      {"x-hash", "AB:CD:"}, /* trailing colon */
      {"x-hash", "GG:00"},  /* not hex */
      {"x-hash", "AB-CD"}}; /* wrong separator */
  for (size_t i = 0; i < sizeof bad_fps / sizeof bad_fps[0]; i++)
    assert_int_equal(
        msrp_sdp_media_add_fingerprint(m, bad_fps[i][0], bad_fps[i][1]),
        MSRP_ERR_INVALID_ARGUMENT);
  /* an unknown hash is not length-checked; lower-case hex is taken */
  assert_int_equal(msrp_sdp_media_add_fingerprint(m, "x-hash", "ab:cd"), 0);
  assert_int_equal(msrp_sdp_media_fingerprint_count(m), 1);
  assert_int_equal(msrp_sdp_media_fingerprint(m, 1, NULL, NULL),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_sdp_media_format(m, NULL, 5),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_format(NULL, NULL, 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_sdp_media_free(m);
  msrp_sdp_media_free(NULL);
  msrp_path_clear(&p);
}

/* ------------------------------------------------------------------ */
/* Parsing realistic SDP                                               */

static void test_parse_rfc4975_example(void **state) {
  (void)state;
  /* RFC 4975's example offer: c= at the session level, before m= */
  msrp_sdp_media *m =
      parse_ok("c=IN IP4 atlanta.example.com\r\n"
               "m=message 7654 TCP/MSRP *\r\n"
               "a=accept-types:text/plain\r\n"
               "a=path:msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n",
               0);
  assert_int_equal(msrp_sdp_media_port(m), 7654);
  assert_int_equal(msrp_sdp_media_use_tls(m), 0);
  int ipv6 = 9;
  assert_string_equal(msrp_sdp_media_address(m, &ipv6), "atlanta.example.com");
  assert_int_equal(ipv6, 0);
  check_path(m, "msrp://atlanta.example.com:7654/jshA7weztas;tcp");
  check_types(msrp_sdp_media_accept_types(m), "text/plain");
  assert_int_equal(msrp_sdp_media_accept_wrapped_types(m)->count, 0);
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_ABSENT);
  assert_int_equal(msrp_sdp_media_connection(m), MSRP_SDP_CONNECTION_ABSENT);
  assert_int_equal(msrp_sdp_media_fingerprint_count(m), 0);
  assert_int_equal(msrp_sdp_media_attribute_count(m), 0);
  msrp_sdp_media_free(m);
}

static void test_parse_rcs_session(void **state) {
  (void)state;
  /* a whole session description as RCS clients send it */
  msrp_sdp_media *m =
      parse_ok("v=0\r\n"
               "o=- 3600492772 3600492772 IN IP4 10.29.67.37\r\n"
               "s=-\r\n"
               "c=IN IP4 10.29.67.37\r\n"
               "t=0 0\r\n"
               "m=message 20000 TCP/MSRP *\r\n"
               "a=path:msrp://10.29.67.37:20000/1391503972255;tcp\r\n"
               "a=setup:actpass\r\n"
               "a=accept-types:message/cpim application/im-iscomposing+xml\r\n"
               "a=accept-wrapped-types:text/plain message/imdn+xml "
               "application/vnd.gsma.rcspushlocation+xml\r\n"
               "a=sendrecv\r\n",
               0);
  assert_int_equal(msrp_sdp_media_port(m), 20000);
  assert_string_equal(msrp_sdp_media_address(m, NULL), "10.29.67.37");
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_ACTPASS);
  check_types(msrp_sdp_media_accept_types(m),
              "message/cpim application/im-iscomposing+xml");
  check_types(msrp_sdp_media_accept_wrapped_types(m),
              "text/plain message/imdn+xml "
              "application/vnd.gsma.rcspushlocation+xml");
  assert_int_equal(msrp_sdp_media_attribute_count(m), 1);
  assert_string_equal(msrp_sdp_media_attribute(m, 0), "sendrecv");
  assert_string_equal(msrp_sdp_media_find_attribute(m, "sendrecv"), "");
  assert_null(msrp_sdp_media_attribute(m, 1));
  msrp_sdp_media_free(m);
}

static void test_parse_tls_with_extras_bare_lf(void **state) {
  (void)state;
  /* bare LF, b=/i= lines, extra a= lines, upper-case hash name, trailing
   * blanks, no end on the last line */
  msrp_sdp_media *m =
      parse_ok("m=message 2856 TCP/TLS/MSRP *\n"
               "i=chat\n"
               "c=IN IP4 198.51.100.7\n"
               "b=AS:64\n"
               "a=accept-types:message/cpim text/plain "
               "application/im-iscomposing+xml\n"
               "a=accept-wrapped-types:*\n"
               "a=path:msrps://198.51.100.7:2856/a9s8df7;tcp  \n"
               "a=msrp-cema\n"
               "a=setup:ACTIVE\n"
               "a=connection:new\n"
               "a=fingerprint:SHA-256 " FP_SHA256 "\n"
               "a=chatroom:nickname private-messages\n"
               "a=max-size:1048576\n"
               "\n"
               "a=sendrecv",
               0);
  assert_int_equal(msrp_sdp_media_use_tls(m), 1);
  assert_int_equal(msrp_sdp_media_port(m), 2856);
  check_path(m, "msrps://198.51.100.7:2856/a9s8df7;tcp");
  check_types(msrp_sdp_media_accept_wrapped_types(m), "*");
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_ACTIVE);
  assert_int_equal(msrp_sdp_media_connection(m), MSRP_SDP_CONNECTION_NEW);
  uint64_t max = 0;
  assert_int_equal(msrp_sdp_media_max_size(m, &max), 0);
  assert_int_equal(max, 1048576);
  const char *hash, *value;
  assert_int_equal(msrp_sdp_media_fingerprint(m, 0, &hash, &value), 0);
  assert_string_equal(hash, "SHA-256");
  assert_string_equal(value, FP_SHA256);
  assert_int_equal(msrp_sdp_media_attribute_count(m), 3);
  assert_string_equal(msrp_sdp_media_attribute(m, 0), "msrp-cema");
  assert_string_equal(msrp_sdp_media_attribute(m, 1),
                      "chatroom:nickname private-messages");
  assert_string_equal(msrp_sdp_media_attribute(m, 2), "sendrecv");
  assert_string_equal(msrp_sdp_media_find_attribute(m, "chatroom"),
                      "nickname private-messages");
  /* formatted back in the fixed order */
  char *text = format(m);
  assert_string_equal(text, "m=message 2856 TCP/TLS/MSRP *\r\n"
                            "c=IN IP4 198.51.100.7\r\n"
                            "a=path:msrps://198.51.100.7:2856/a9s8df7;tcp\r\n"
                            "a=accept-types:message/cpim text/plain "
                            "application/im-iscomposing+xml\r\n"
                            "a=accept-wrapped-types:*\r\n"
                            "a=max-size:1048576\r\n"
                            "a=setup:active\r\n"
                            "a=connection:new\r\n"
                            "a=fingerprint:SHA-256 " FP_SHA256 "\r\n"
                            "a=msrp-cema\r\n"
                            "a=chatroom:nickname private-messages\r\n"
                            "a=sendrecv\r\n");
  free(text);
  msrp_sdp_media_free(m);
}

static void test_parse_relay_path(void **state) {
  (void)state;
  /* RFC 4976: Alice reached through her relay */
  msrp_sdp_media *m =
      parse_ok("m=message 1234 TCP/TLS/MSRP *\r\n"
               "c=IN IP4 alice.example.com\r\n"
               "a=accept-types:message/cpim text/plain text/html\r\n"
               "a=path:msrps://a.example.org:9000/kjfjan;tcp "
               "msrps://alice.example.com:1234/9s9s99;tcp\r\n",
               0);
  const msrp_path *p = msrp_sdp_media_path(m);
  assert_int_equal(p->count, 2);
  assert_string_equal(p->uris[0].host, "a.example.org");
  assert_int_equal(p->uris[0].port, 9000);
  assert_string_equal(p->uris[1].session_id, "9s9s99");
  /* lenient: the m-line port need not be the first URI's */
  assert_int_equal(msrp_sdp_media_port(m), 1234);
  msrp_sdp_media_free(m);
}

static void test_parse_ipv6(void **state) {
  (void)state;
  msrp_sdp_media *m = parse_ok("m=message 2855 TCP/MSRP *\r\n"
                               "c=IN IP6 ::1\r\n"
                               "a=path:msrp://[::1]:2855/x8dk2;tcp\r\n"
                               "a=accept-types:text/plain\r\n",
                               0);
  int ipv6 = 0;
  assert_string_equal(msrp_sdp_media_address(m, &ipv6), "::1");
  assert_int_equal(ipv6, 1);
  const msrp_path *p = msrp_sdp_media_path(m);
  assert_int_equal(p->count, 1);
  assert_int_equal(p->uris[0].host_type, MSRP_HOST_IPV6);
  assert_string_equal(p->uris[0].host, "::1");
  msrp_sdp_media_free(m);
}

static void test_parse_media_index_and_session_level(void **state) {
  (void)state;
  static const char sdp[] = "v=0\r\n"
                            "o=alice 2890844526 2890844527 IN IP4 192.0.2.9\r\n"
                            "s=-\r\n"
                            "c=IN IP4 192.0.2.9\r\n"
                            "t=0 0\r\n"
                            "a=setup:actpass\r\n"
                            "a=fingerprint:sha-1 " FP_SHA1 "\r\n"
                            "m=audio 49170 RTP/AVP 0\r\n"
                            "a=rtpmap:0 PCMU/8000\r\n"
                            "a=path:not even a uri\r\n"
                            "m=message 2855 TCP/TLS/MSRP *\r\n"
                            "a=path:msrps://192.0.2.9:2855/abc;tcp\r\n"
                            "a=accept-types:*\r\n"
                            "m=message 2856 TCP/TLS/MSRP *\r\n"
                            "c=IN IP6 2001:db8::9\r\n"
                            "a=path:msrps://[2001:db8::9]:2856/def;tcp\r\n"
                            "a=accept-types:text/plain\r\n"
                            "a=setup:passive\r\n"
                            "a=fingerprint:sha-256 " FP_SHA256 "\r\n"
                            "a=sendonly\r\n";
  msrp_sdp_media *m = NULL;
  msrp_sdp_where w;
  /* the audio section is not MSRP; its a=path is not looked at */
  assert_int_equal(parse_exact(&m, sdp, 0, &w), MSRP_ERR_NOT_SUPPORTED);
  assert_int_equal(w.field, MSRP_SDP_FIELD_MEDIA);
  assert_int_equal(w.line, 8);
  assert_null(m);
  assert_int_equal(parse_exact(&m, sdp, 3, &w), MSRP_ERR_NOT_FOUND);
  assert_int_equal(w.field, MSRP_SDP_FIELD_MEDIA);
  assert_int_equal(w.line, 0);

  /* section 1 takes the session's c=, setup and fingerprint */
  m = parse_ok(sdp, 1);
  assert_int_equal(msrp_sdp_media_port(m), 2855);
  assert_string_equal(msrp_sdp_media_address(m, NULL), "192.0.2.9");
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_ACTPASS);
  assert_int_equal(msrp_sdp_media_fingerprint_count(m), 1);
  const char *hash;
  assert_int_equal(msrp_sdp_media_fingerprint(m, 0, &hash, NULL), 0);
  assert_string_equal(hash, "sha-1");
  assert_int_equal(msrp_sdp_media_attribute_count(m), 0); /* stops at m= */
  msrp_sdp_media_free(m);

  /* section 2 has its own, which win */
  m = parse_ok(sdp, 2);
  int ipv6 = 0;
  assert_string_equal(msrp_sdp_media_address(m, &ipv6), "2001:db8::9");
  assert_int_equal(ipv6, 1);
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_PASSIVE);
  assert_int_equal(msrp_sdp_media_fingerprint_count(m), 1);
  assert_int_equal(msrp_sdp_media_fingerprint(m, 0, &hash, NULL), 0);
  assert_string_equal(hash, "sha-256");
  assert_string_equal(msrp_sdp_media_attribute(m, 0), "sendonly");
  msrp_sdp_media_free(m);
}

static void test_parse_lenient(void **state) {
  (void)state;
  /* no c= at all, a format list other than "*", upper-case names and
   * values, blanks around values */
  msrp_sdp_media *m = parse_ok("m=message 0 tcp/msrp foo\r\n"
                               "A=x\r\n"
                               "a=PATH: msrp://h.example.com/s;tcp\r\n"
                               "a=Accept-Types:  text/plain   text/html \r\n"
                               "a=SETUP: holdconn\r\n"
                               "a=connection:EXISTING\r\n"
                               "a=max-size:007\r\n",
                               0);
  assert_null(msrp_sdp_media_address(m, NULL));
  assert_int_equal(msrp_sdp_media_port(m), 0);
  check_types(msrp_sdp_media_accept_types(m), "text/plain text/html");
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_HOLDCONN);
  assert_int_equal(msrp_sdp_media_connection(m), MSRP_SDP_CONNECTION_EXISTING);
  uint64_t max = 0;
  assert_int_equal(msrp_sdp_media_max_size(m, &max), 0);
  assert_int_equal(max, 7);
  /* without c= the text has no c-line */
  char *text = format(m);
  assert_string_equal(text, "m=message 0 TCP/MSRP *\r\n"
                            "a=path:msrp://h.example.com/s;tcp\r\n"
                            "a=accept-types:text/plain text/html\r\n"
                            "a=max-size:7\r\n"
                            "a=setup:holdconn\r\n"
                            "a=connection:existing\r\n");
  free(text);
  msrp_sdp_media_free(m);
}

/* ------------------------------------------------------------------ */
/* Parsing malformed SDP: each case its error, field and line          */

#define M_OK "m=message 2855 TCP/MSRP *\r\n"
#define P_OK "a=path:msrp://192.0.2.1:2855/s1;tcp\r\n"
#define T_OK "a=accept-types:text/plain\r\n"

typedef struct bad_case {
  const char *text;
  int rc;
  msrp_sdp_field field;
  size_t line;
} bad_case;

static const bad_case bad_cases[] = {
    /* missing or invalid m= line */
    {"", MSRP_ERR_NOT_FOUND, MSRP_SDP_FIELD_MEDIA, 0},
    {"c=IN IP4 192.0.2.1\r\n" P_OK T_OK, MSRP_ERR_NOT_FOUND,
     MSRP_SDP_FIELD_MEDIA, 0},
    {"m=message\r\n" P_OK T_OK, MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message 2855 TCP/MSRP\r\n" P_OK T_OK, MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message 70000 TCP/MSRP *\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message 2855/2 TCP/MSRP *\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message x TCP/MSRP *\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_MEDIA,
     1},
    {"m=\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_MEDIA, 1},
    /* an m= line that is not message over MSRP */
    {"m=audio 49170 RTP/AVP 0\r\n" P_OK T_OK, MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message 2855 TCP/BFCP *\r\n" P_OK T_OK, MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message 2855 UDP/MSRP *\r\n", MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=message 2855 TCP/WS/MSRP *\r\n", MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_MEDIA, 1},
    {"m=video 2855 TCP/MSRP *\r\n", MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_MEDIA, 1},
    /* missing a=path, a=accept-types */
    {M_OK T_OK, MSRP_ERR_NOT_FOUND, MSRP_SDP_FIELD_PATH, 0},
    {M_OK T_OK "m=message 2856 TCP/MSRP *\r\n" P_OK, MSRP_ERR_NOT_FOUND,
     MSRP_SDP_FIELD_PATH, 0},
    {M_OK P_OK, MSRP_ERR_NOT_FOUND, MSRP_SDP_FIELD_ACCEPT_TYPES, 0},
    /* a malformed path */
    {M_OK "a=path:http://192.0.2.1/s;tcp\r\n" T_OK, MSRP_ERR_SDP_PATH,
     MSRP_SDP_FIELD_PATH, 2},
    {M_OK "a=path:msrp://192.0.2.1:99999/s;tcp\r\n", MSRP_ERR_SDP_PATH,
     MSRP_SDP_FIELD_PATH, 2},
    {M_OK "a=path:msrp://192.0.2.1/s\r\n", MSRP_ERR_SDP_PATH,
     MSRP_SDP_FIELD_PATH, 2},
    {M_OK "a=path:msrp://192.0.2.1/s;tcp msrp://[::1/x;tcp\r\n",
     MSRP_ERR_SDP_PATH, MSRP_SDP_FIELD_PATH, 2},
    {M_OK "a=path:\r\n", MSRP_ERR_SDP_PATH, MSRP_SDP_FIELD_PATH, 2},
    {M_OK "a=path\r\n", MSRP_ERR_SDP_PATH, MSRP_SDP_FIELD_PATH, 2},
    {M_OK "a=path:msrp://a b/s;tcp\r\n", MSRP_ERR_SDP_PATH, MSRP_SDP_FIELD_PATH,
     2},
    /* a bad setup or connection */
    {M_OK P_OK T_OK "a=setup:server\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_SETUP, 4},
    {M_OK P_OK T_OK "a=setup:\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_SETUP,
     4},
    {M_OK P_OK T_OK "a=setup\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_SETUP,
     4},
    {M_OK P_OK T_OK "a=setup:active passive\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_SETUP, 4},
    {"a=setup:bogus\r\n" M_OK P_OK T_OK, MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_SETUP, 1},
    {M_OK P_OK T_OK "a=connection:old\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_CONNECTION, 4},
    /* a bad fingerprint */
    {M_OK P_OK T_OK "a=fingerprint:sha-256 AB:CD\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_FINGERPRINT, 4},
    {M_OK P_OK T_OK "a=fingerprint:sha-256\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_FINGERPRINT, 4},
    {M_OK P_OK T_OK "a=fingerprint:sha-1 " FP_SHA1 " extra\r\n",
     MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_FINGERPRINT, 4},
    {M_OK P_OK T_OK "a=fingerprint:sha-1 "
                    "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:"
                    "AG\r\n",
     MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_FINGERPRINT, 4},
    {M_OK P_OK T_OK "a=fingerprint:x-hash AB:CD:E\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_FINGERPRINT, 4},
    {M_OK P_OK T_OK "a=fingerprint:x-hash ABCD\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_FINGERPRINT, 4},
    {"a=fingerprint:md5 AB\r\n" M_OK P_OK T_OK, MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_FINGERPRINT, 1},
    /* bad type lists and max-size */
    {M_OK P_OK "a=accept-types:\r\n", MSRP_ERR_MEDIA_TYPE,
     MSRP_SDP_FIELD_ACCEPT_TYPES, 3},
    {M_OK P_OK "a=accept-types:text\r\n", MSRP_ERR_MEDIA_TYPE,
     MSRP_SDP_FIELD_ACCEPT_TYPES, 3},
    {M_OK P_OK "a=accept-types:text/plain;charset=utf-8\r\n",
     MSRP_ERR_MEDIA_TYPE, MSRP_SDP_FIELD_ACCEPT_TYPES, 3},
    {M_OK P_OK T_OK "a=accept-wrapped-types:text/plain foo\r\n",
     MSRP_ERR_MEDIA_TYPE, MSRP_SDP_FIELD_WRAPPED_TYPES, 4},
    {M_OK P_OK T_OK "a=max-size:12k\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MAX_SIZE, 4},
    {M_OK P_OK T_OK "a=max-size:-1\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MAX_SIZE, 4},
    {M_OK P_OK T_OK "a=max-size:99999999999999999999\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MAX_SIZE, 4},
    {M_OK P_OK T_OK "a=max-size:\r\n", MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_MAX_SIZE, 4},
    /* bad c= lines */
    {M_OK "c=IN IP4\r\n" P_OK T_OK, MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_CONNECTION_DATA, 2},
    {M_OK "c=IN IP4 192.0.2.1 x\r\n" P_OK T_OK, MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_CONNECTION_DATA, 2},
    {M_OK "c=ATM NSAP 47.0091\r\n" P_OK T_OK, MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_CONNECTION_DATA, 2},
    {M_OK "c=IN IP5 x\r\n" P_OK T_OK, MSRP_ERR_NOT_SUPPORTED,
     MSRP_SDP_FIELD_CONNECTION_DATA, 2},
    /* a single-valued line twice at one level */
    {M_OK P_OK P_OK T_OK, MSRP_ERR_SDP_DUPLICATE, MSRP_SDP_FIELD_PATH, 3},
    {M_OK P_OK T_OK T_OK, MSRP_ERR_SDP_DUPLICATE, MSRP_SDP_FIELD_ACCEPT_TYPES,
     4},
    {M_OK "c=IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.2\r\n" P_OK T_OK,
     MSRP_ERR_SDP_DUPLICATE, MSRP_SDP_FIELD_CONNECTION_DATA, 3},
    {M_OK P_OK T_OK "a=setup:active\r\na=setup:active\r\n",
     MSRP_ERR_SDP_DUPLICATE, MSRP_SDP_FIELD_SETUP, 5},
    {M_OK P_OK T_OK "a=max-size:1\r\na=max-size:1\r\n", MSRP_ERR_SDP_DUPLICATE,
     MSRP_SDP_FIELD_MAX_SIZE, 5},
    {M_OK P_OK T_OK "a=connection:new\r\na=connection:new\r\n",
     MSRP_ERR_SDP_DUPLICATE, MSRP_SDP_FIELD_CONNECTION, 5},
    {M_OK P_OK T_OK "a=accept-wrapped-types:*\r\na=accept-wrapped-types:*\r\n",
     MSRP_ERR_SDP_DUPLICATE, MSRP_SDP_FIELD_WRAPPED_TYPES, 5},
    /* other a= lines and lines that are not SDP */
    {M_OK P_OK T_OK "a=\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_ATTRIBUTE, 4},
    {M_OK P_OK T_OK "a=:x\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_ATTRIBUTE,
     4},
    {M_OK "garbage\r\n" P_OK T_OK, MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE, 2},
    {M_OK " a=sendrecv\r\n" P_OK T_OK, MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE,
     2},
    {M_OK "=x\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE, 2},
    {M_OK "1=x\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE, 2},
    {M_OK "a\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE, 2},
    {M_OK "a=sendrecv\rx\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE, 2},
    {M_OK "a=x\x01y\r\n", MSRP_ERR_SDP_SYNTAX, MSRP_SDP_FIELD_LINE, 2},
    {"v=0\r\ns=\x7f\r\n" M_OK P_OK T_OK, MSRP_ERR_SDP_SYNTAX,
     MSRP_SDP_FIELD_LINE, 2},
};

static void test_parse_malformed(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const bad_case *c = &bad_cases[i];
    msrp_sdp_media *const sentinel = (msrp_sdp_media *)&bad_cases;
    msrp_sdp_media *m = sentinel;
    msrp_sdp_where w = {MSRP_SDP_FIELD_NONE, 12345};
    int rc = parse_exact(&m, c->text, 0, &w);
    if (rc != c->rc || w.field != c->field || w.line != c->line)
      fail_msg("case %zu: got %s field %d line %zu, want %s field %d line "
               "%zu",
               i, msrp_errname(rc), (int)w.field, w.line, msrp_errname(c->rc),
               (int)c->field, c->line);
    assert_ptr_equal(m, sentinel);
    /* and the same without asking where */
    assert_int_equal(parse_exact(&m, c->text, 0, NULL), c->rc);
  }
}

static void test_parse_embedded_nul(void **state) {
  (void)state;
  static const char text[] = M_OK "a=x\0y\r\n" P_OK T_OK;
  msrp_sdp_media *m = NULL;
  msrp_sdp_where w;
  assert_int_equal(msrp_sdp_media_parse(&m, text, sizeof text - 1, 0, &w),
                   MSRP_ERR_SDP_SYNTAX);
  assert_int_equal(w.field, MSRP_SDP_FIELD_LINE);
  assert_int_equal(w.line, 2);
  /* the length counts, not a NUL: the text cut short before a=path */
  static const char cut[] = M_OK T_OK P_OK;
  assert_int_equal(msrp_sdp_media_parse(&m, cut, strlen(M_OK T_OK), 0, &w),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(w.field, MSRP_SDP_FIELD_PATH);
  assert_int_equal(msrp_sdp_media_parse(NULL, cut, 3, 0, &w),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_parse(&m, NULL, 0, 0, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_null(m);
}

/* ------------------------------------------------------------------ */
/* Offer and answer: who connects                                      */

typedef struct setup_case {
  msrp_sdp_role role;
  msrp_sdp_setup local;
  msrp_sdp_setup remote;
  int rc;
  msrp_sdp_action action;
  msrp_sdp_setup result;
} setup_case;

#define ANS MSRP_SDP_ANSWERER
#define OFF MSRP_SDP_OFFERER
#define S_NO MSRP_SDP_SETUP_ABSENT
#define S_ACT MSRP_SDP_SETUP_ACTIVE
#define S_PAS MSRP_SDP_SETUP_PASSIVE
#define S_AP MSRP_SDP_SETUP_ACTPASS
#define S_HOLD MSRP_SDP_SETUP_HOLDCONN
#define CONNECT MSRP_SDP_CONNECT
#define ACCEPT MSRP_SDP_ACCEPT
#define HOLD MSRP_SDP_HOLD
#define NOPE MSRP_ERR_NOT_SUPPORTED

static const setup_case setup_cases[] = {
    /* we answer: the offer's a=setup decides, actpass leaves it to us */
    {ANS, S_NO, S_AP, 0, CONNECT, S_ACT},
    {ANS, S_ACT, S_AP, 0, CONNECT, S_ACT},
    {ANS, S_PAS, S_AP, 0, ACCEPT, S_PAS},
    {ANS, S_NO, S_ACT, 0, ACCEPT, S_PAS},
    {ANS, S_ACT, S_ACT, 0, ACCEPT, S_PAS}, /* a preference, not a demand */
    {ANS, S_NO, S_PAS, 0, CONNECT, S_ACT},
    {ANS, S_PAS, S_PAS, 0, CONNECT, S_ACT},
    {ANS, S_NO, S_NO, 0, ACCEPT, S_PAS}, /* RFC 4975: the offerer connects */
    {ANS, S_ACT, S_NO, 0, ACCEPT, S_PAS},
    {ANS, S_NO, S_HOLD, 0, HOLD, S_HOLD},
    {ANS, S_HOLD, S_AP, 0, HOLD, S_HOLD},
    /* we offered actpass */
    {OFF, S_AP, S_ACT, 0, ACCEPT, S_PAS},
    {OFF, S_AP, S_PAS, 0, CONNECT, S_ACT},
    {OFF, S_AP, S_NO, 0, CONNECT, S_ACT},
    {OFF, S_AP, S_HOLD, 0, HOLD, S_HOLD},
    {OFF, S_AP, S_AP, NOPE, 0, 0}, /* actpass is no answer */
    /* we offered active, or nothing (RFC 4975: we connect) */
    {OFF, S_ACT, S_PAS, 0, CONNECT, S_ACT},
    {OFF, S_ACT, S_NO, 0, CONNECT, S_ACT},
    {OFF, S_ACT, S_ACT, NOPE, 0, 0},
    {OFF, S_NO, S_NO, 0, CONNECT, S_ACT},
    {OFF, S_NO, S_PAS, 0, CONNECT, S_ACT},
    {OFF, S_NO, S_ACT, NOPE, 0, 0},
    /* we offered passive */
    {OFF, S_PAS, S_ACT, 0, ACCEPT, S_PAS},
    {OFF, S_PAS, S_PAS, NOPE, 0, 0},
    {OFF, S_PAS, S_NO, 0, CONNECT, S_ACT}, /* an RFC 4975 peer waits */
    {OFF, S_PAS, S_HOLD, 0, HOLD, S_HOLD},
    /* we offered holdconn */
    {OFF, S_HOLD, S_NO, 0, HOLD, S_HOLD},
    {OFF, S_HOLD, S_ACT, 0, HOLD, S_HOLD},
};

static void test_setup_matrix(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof setup_cases / sizeof setup_cases[0]; i++) {
    const setup_case *c = &setup_cases[i];
    msrp_sdp_action action = (msrp_sdp_action)0;
    msrp_sdp_setup result = (msrp_sdp_setup)77;
    int rc = msrp_sdp_setup_negotiate(c->role, c->local, c->remote, &action,
                                      &result);
    if (rc != c->rc)
      fail_msg("case %zu: got %s, want %s", i, msrp_errname(rc),
               msrp_errname(c->rc));
    if (rc == 0) {
      if (action != c->action || result != c->result)
        fail_msg("case %zu: got action %d setup %d, want %d %d", i, (int)action,
                 (int)result, (int)c->action, (int)c->result);
    } else {
      /* outputs untouched on failure */
      assert_int_equal(action, 0);
      assert_int_equal(result, 77);
    }
  }
  msrp_sdp_action a;
  msrp_sdp_setup r;
  assert_int_equal(msrp_sdp_setup_negotiate(OFF, S_AP, S_PAS, NULL, &r),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_setup_negotiate(OFF, S_AP, S_PAS, &a, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      msrp_sdp_setup_negotiate((msrp_sdp_role)5, S_AP, S_PAS, &a, &r),
      MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      msrp_sdp_setup_negotiate(OFF, (msrp_sdp_setup)9, S_PAS, &a, &r),
      MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      msrp_sdp_setup_negotiate(ANS, S_NO, (msrp_sdp_setup)-1, &a, &r),
      MSRP_ERR_INVALID_ARGUMENT);
}

static void test_setup_from_parsed_sdp(void **state) {
  (void)state;
  /* an offer with actpass parsed, answered, and the answer parsed back by
   * the offerer: the two sides agree that exactly one connects */
  msrp_sdp_media *offer = build("msrp://192.0.2.1:2855/o1;tcp", chat_types, 2);
  assert_int_equal(msrp_sdp_media_set_setup(offer, MSRP_SDP_SETUP_ACTPASS), 0);
  char *offer_text = format(offer);
  msrp_sdp_media *offer_seen = parse_ok(offer_text, 0);
  msrp_sdp_action answerer_action, offerer_action;
  msrp_sdp_setup answer_setup, offerer_setup;
  assert_int_equal(msrp_sdp_setup_negotiate(ANS, S_NO,
                                            msrp_sdp_media_setup(offer_seen),
                                            &answerer_action, &answer_setup),
                   0);
  msrp_sdp_media *answer = build("msrp://192.0.2.2:2855/a1;tcp", chat_types, 2);
  assert_int_equal(msrp_sdp_media_set_setup(answer, answer_setup), 0);
  char *answer_text = format(answer);
  msrp_sdp_media *answer_seen = parse_ok(answer_text, 0);
  assert_int_equal(msrp_sdp_setup_negotiate(OFF, msrp_sdp_media_setup(offer),
                                            msrp_sdp_media_setup(answer_seen),
                                            &offerer_action, &offerer_setup),
                   0);
  assert_int_equal(answerer_action, MSRP_SDP_CONNECT);
  assert_int_equal(offerer_action, MSRP_SDP_ACCEPT);
  assert_int_equal(offerer_setup, MSRP_SDP_SETUP_PASSIVE);
  free(offer_text);
  free(answer_text);
  msrp_sdp_media_free(offer);
  msrp_sdp_media_free(offer_seen);
  msrp_sdp_media_free(answer);
  msrp_sdp_media_free(answer_seen);
}

static void test_setup_names(void **state) {
  (void)state;
  assert_null(msrp_sdp_setup_name(MSRP_SDP_SETUP_ABSENT));
  assert_string_equal(msrp_sdp_setup_name(MSRP_SDP_SETUP_ACTIVE), "active");
  assert_string_equal(msrp_sdp_setup_name(MSRP_SDP_SETUP_PASSIVE), "passive");
  assert_string_equal(msrp_sdp_setup_name(MSRP_SDP_SETUP_ACTPASS), "actpass");
  assert_string_equal(msrp_sdp_setup_name(MSRP_SDP_SETUP_HOLDCONN), "holdconn");
  assert_null(msrp_sdp_setup_name((msrp_sdp_setup)5));
  assert_null(msrp_sdp_setup_name((msrp_sdp_setup)-1));
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

/* A list from a space-separated string (for tests only). */
static void types_of(msrp_media_types *t, const char *text) {
  *t = (msrp_media_types)MSRP_MEDIA_TYPES_INIT;
  char *copy = strdup(text);
  assert_non_null(copy);
  char *save = NULL;
  for (char *tok = strtok_r(copy, " ", &save); tok;
       tok = strtok_r(NULL, " ", &save)) {
    t->types = realloc(t->types, (t->count + 1) * sizeof(char *));
    assert_non_null(t->types);
    t->types[t->count] = strdup(tok);
    assert_non_null(t->types[t->count]);
    t->count++;
  }
  free(copy);
}

static void test_types_parse(void **state) {
  (void)state;
  msrp_media_types t;
  assert_int_equal(msrp_media_types_parse(&t, "  text/*   message/cpim "), 0);
  assert_int_equal(t.count, 2);
  assert_string_equal(t.types[0], "text/*");
  assert_string_equal(t.types[1], "message/cpim");
  msrp_media_types_clear(&t);
  assert_int_equal(msrp_media_types_parse(&t, " "), 0);
  assert_int_equal(t.count, 0);
  assert_int_equal(msrp_media_types_contain(&t, "text/plain"), 0);
  assert_int_equal(msrp_media_types_parse(&t, "text/plain text"),
                   MSRP_ERR_MEDIA_TYPE);
  assert_int_equal(t.count, 0);
  assert_null(t.types);
  assert_int_equal(msrp_media_types_parse(&t, NULL), MSRP_ERR_INVALID_ARGUMENT);
}

static void test_types_contain(void **state) {
  (void)state;
  msrp_media_types t;
  types_of(&t, "text/* message/cpim");
  assert_int_equal(msrp_media_types_contain(&t, "text/plain"), 1);
  assert_int_equal(msrp_media_types_contain(&t, "TEXT/HTML; charset=utf-8"), 1);
  assert_int_equal(msrp_media_types_contain(&t, "message/CPIM"), 1);
  assert_int_equal(msrp_media_types_contain(&t, "image/png"), 0);
  assert_int_equal(msrp_media_types_contain(&t, "message/imdn+xml"), 0);
  assert_int_equal(msrp_media_types_contain(&t, "text"), 0);
  assert_int_equal(msrp_media_types_contain(&t, "text/*"), 0);
  assert_int_equal(msrp_media_types_contain(&t, "*"), 0);
  assert_int_equal(msrp_media_types_contain(&t, NULL), 0);
  assert_int_equal(msrp_media_types_contain(NULL, "text/plain"), 0);
  msrp_media_types_clear(&t);
  types_of(&t, "*");
  assert_int_equal(msrp_media_types_contain(&t, "image/png"), 1);
  msrp_media_types_clear(&t);
  types_of(&t, "*/*");
  assert_int_equal(msrp_media_types_contain(&t, "application/x-y"), 1);
  msrp_media_types_clear(&t);
  assert_int_equal(msrp_media_types_contain(&t, "text/plain"), 0);
  msrp_media_types_clear(&t);
  msrp_media_types_clear(NULL);
}

static const char *const intersect_cases[][3] = {
    /* ours, theirs, both */
    {"message/cpim text/plain",
     "message/cpim text/plain application/im-iscomposing+xml",
     "message/cpim text/plain"},
    {"*", "text/plain image/png", "text/plain image/png"},
    {"text/plain image/png", "*", "text/plain image/png"},
    {"text/*", "text/plain text/html image/png", "text/plain text/html"},
    {"text/plain text/html image/png", "text/*", "text/plain text/html"},
    {"text/*", "text/*", "text/*"},
    {"text/*", "image/*", ""},
    {"*", "*", "*"},
    {"*/*", "text/plain", "text/plain"},
    {"*/*", "*", "*"},
    {"text/plain *", "text/*", "text/*"},
    {"text/plain text/*", "*", "text/*"},
    {"TEXT/PLAIN", "text/plain", "text/plain"},
    {"text/plain text/plain", "text/plain", "text/plain"},
    {"message/cpim", "text/plain", ""},
    {"message/cpim text/* image/* application/im-iscomposing+xml",
     "message/cpim text/plain application/im-iscomposing+xml",
     "message/cpim text/plain application/im-iscomposing+xml"},
    {"", "text/plain", ""},
    {"text/plain", "", ""},
};

static void test_types_intersect(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof intersect_cases / sizeof intersect_cases[0];
       i++) {
    msrp_media_types a, b, out = {99, NULL};
    types_of(&a, intersect_cases[i][0]);
    types_of(&b, intersect_cases[i][1]);
    assert_int_equal(msrp_media_types_intersect(&out, &a, &b), 0);
    if (strcmp(joined(&out), intersect_cases[i][2]) != 0)
      fail_msg("case %zu: got \"%s\", want \"%s\"", i, joined(&out),
               intersect_cases[i][2]);
    msrp_media_types_clear(&out);
    msrp_media_types_clear(&a);
    msrp_media_types_clear(&b);
  }
  msrp_media_types a = MSRP_MEDIA_TYPES_INIT;
  assert_int_equal(msrp_media_types_intersect(NULL, &a, &a),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_media_types out;
  assert_int_equal(msrp_media_types_intersect(&out, NULL, &a),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static msrp_sdp_media *remote_of(const char *types, const char *wrapped) {
  char text[1024];
  int n = snprintf(text, sizeof text,
                   "m=message 2855 TCP/MSRP *\r\n"
                   "c=IN IP4 192.0.2.7\r\n"
                   "a=path:msrp://192.0.2.7:2855/r1;tcp\r\n"
                   "a=accept-types:%s\r\n"
                   "%s%s%s",
                   types, wrapped ? "a=accept-wrapped-types:" : "",
                   wrapped ? wrapped : "", wrapped ? "\r\n" : "");
  assert_true(n > 0 && (size_t)n < sizeof text);
  return parse_ok(text, 0);
}

static void test_common_types(void **state) {
  (void)state;
  /* sipsimple's chat stream against a typical RCS client */
  static const char *const ours[] = {"message/cpim", "text/*", "image/*",
                                     "application/im-iscomposing+xml"};
  static const char *const ours_wrapped[] = {"text/*", "image/*",
                                             "application/im-iscomposing+xml"};
  msrp_sdp_media *local = build("msrp://192.0.2.1:2855/l1;tcp", ours, 4);
  assert_int_equal(
      msrp_sdp_media_set_accept_wrapped_types(local, ours_wrapped, 3), 0);
  msrp_sdp_media *remote =
      remote_of("message/cpim text/plain application/im-iscomposing+xml", "*");
  msrp_sdp_common_types c = MSRP_SDP_COMMON_TYPES_INIT;
  assert_int_equal(msrp_sdp_common_types_compute(&c, local, remote), 0);
  check_types(&c.types,
              "message/cpim text/plain application/im-iscomposing+xml");
  assert_int_equal(c.remote_cpim, 1);
  assert_int_equal(c.cpim, 1);
  check_types(&c.wrapped_types,
              "text/* image/* application/im-iscomposing+xml");
  msrp_sdp_common_types_clear(&c);
  assert_int_equal(c.types.count, 0);
  assert_int_equal(c.cpim, 0);
  msrp_sdp_media_free(remote);

  /* a remote without CPIM */
  remote = remote_of("text/plain text/html", NULL);
  assert_int_equal(msrp_sdp_common_types_compute(&c, local, remote), 0);
  check_types(&c.types, "text/plain text/html");
  assert_int_equal(c.remote_cpim, 0);
  assert_int_equal(c.cpim, 0);
  assert_int_equal(c.wrapped_types.count, 0);
  msrp_sdp_common_types_clear(&c);

  /* the remote takes CPIM ("*") but we do not */
  static const char *const plain[] = {"text/plain"};
  msrp_sdp_media *local2 = build("msrp://192.0.2.1:2855/l2;tcp", plain, 1);
  msrp_sdp_media_free(remote);
  remote = remote_of("*", "*");
  assert_int_equal(msrp_sdp_common_types_compute(&c, local2, remote), 0);
  check_types(&c.types, "text/plain");
  assert_int_equal(c.remote_cpim, 1);
  assert_int_equal(c.cpim, 0);
  assert_int_equal(c.wrapped_types.count, 0);
  msrp_sdp_common_types_clear(&c);
  msrp_sdp_common_types_clear(NULL);

  assert_int_equal(msrp_sdp_common_types_compute(&c, NULL, remote),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_accepts(remote, "image/png"), 1);
  assert_int_equal(msrp_sdp_media_accepts_wrapped(remote, "image/png"), 1);
  assert_int_equal(msrp_sdp_media_accepts_wrapped(local2, "text/plain"), 0);
  msrp_sdp_media_free(local);
  msrp_sdp_media_free(local2);
  msrp_sdp_media_free(remote);
}

/* ------------------------------------------------------------------ */
/* Raw or CPIM                                                         */

static int mode_of(const msrp_sdp_media *remote, const char *type,
                   int prefer_cpim) {
  msrp_sdp_send_mode mode = (msrp_sdp_send_mode)0;
  int rc = msrp_sdp_media_send_mode(remote, type, prefer_cpim, &mode);
  if (rc) {
    assert_int_equal(mode, 0);
    return rc;
  }
  return (int)mode;
}

#define RAW MSRP_SDP_SEND_RAW
#define CPIM MSRP_SDP_SEND_CPIM

static void test_send_mode_only_cpim(void **state) {
  (void)state;
  msrp_sdp_media *r = remote_of("message/cpim", "text/plain");
  assert_int_equal(mode_of(r, "text/plain", 0), CPIM);
  assert_int_equal(mode_of(r, "text/plain", 1), CPIM);
  assert_int_equal(mode_of(r, "Text/Plain;charset=UTF-8", 0), CPIM);
  assert_int_equal(mode_of(r, "text/html", 0), NOPE);
  assert_int_equal(mode_of(r, "image/png", 1), NOPE);
  /* a message already in CPIM goes as it is */
  assert_int_equal(mode_of(r, "message/cpim", 1), RAW);
  msrp_sdp_media_free(r);
  /* CPIM admitted but no wrapped types: nothing can go inside */
  r = remote_of("message/cpim", NULL);
  assert_int_equal(mode_of(r, "text/plain", 0), NOPE);
  msrp_sdp_media_free(r);
  /* "*" among the wrapped types admits all */
  r = remote_of("message/cpim", "*");
  assert_int_equal(mode_of(r, "image/png", 0), CPIM);
  assert_int_equal(mode_of(r, "message/cpim", 1), RAW); /* never twice */
  msrp_sdp_media_free(r);
}

static void test_send_mode_only_plain(void **state) {
  (void)state;
  msrp_sdp_media *r = remote_of("text/plain", NULL);
  assert_int_equal(mode_of(r, "text/plain", 0), RAW);
  assert_int_equal(mode_of(r, "text/plain", 1), RAW);
  assert_int_equal(mode_of(r, "text/plain; charset=utf-8", 1), RAW);
  assert_int_equal(mode_of(r, "text/html", 0), NOPE);
  assert_int_equal(mode_of(r, "message/cpim", 0), NOPE);
  msrp_sdp_media_free(r);
  /* wrapped types without message/cpim do not make CPIM possible */
  r = remote_of("text/plain", "*");
  assert_int_equal(mode_of(r, "image/png", 0), NOPE);
  msrp_sdp_media_free(r);
}

static void test_send_mode_both(void **state) {
  (void)state;
  msrp_sdp_media *r = remote_of(
      "message/cpim text/plain application/im-iscomposing+xml", "text/plain");
  assert_int_equal(mode_of(r, "text/plain", 0), RAW);
  assert_int_equal(mode_of(r, "text/plain", 1), CPIM);
  /* only raw is open to is-composing, whatever we prefer */
  assert_int_equal(mode_of(r, "application/im-iscomposing+xml", 1), RAW);
  assert_int_equal(mode_of(r, "text/html", 1), NOPE);
  msrp_sdp_media_free(r);
  /* wildcards on both lists */
  r = remote_of("message/* text/*", "image/*");
  assert_int_equal(mode_of(r, "text/html", 0), RAW);
  assert_int_equal(mode_of(r, "image/gif", 0), CPIM);
  assert_int_equal(mode_of(r, "image/gif", 1), CPIM);
  msrp_sdp_media_free(r);
}

/* A whole SDP body with other media: the MSRP sections are found by
 * number, a turned-down one (port 0) and other protocols are skipped. */
/* Desktop sharing as deployed clients speak it (PEERS.md): m=application,
 * accept-types application/x-rfb, a=rfbsetup for the RFB role beside the
 * MSRP a=setup; an older offer with the role in a=setup only; no role at
 * all means active. Byte-exact when we write it. */
static void test_desktop_sharing_media(void **state) {
  (void)state;
  msrp_path p;
  path_of(&p, "msrps://192.0.2.7:7655/ds1;tcp");
  const char *types[] = {"application/x-rfb"};
  msrp_sdp_media *m;
  assert_int_equal(msrp_sdp_media_new(&m, &p, types, 1), 0);
  assert_int_equal(msrp_sdp_media_set_application(m, 1), 0);
  assert_int_equal(msrp_sdp_media_set_setup(m, MSRP_SDP_SETUP_ACTPASS), 0);
  assert_int_equal(msrp_sdp_media_set_rfb_role(m, MSRP_RFB_PASSIVE), 0);
  char buf[512];
  assert_true(msrp_sdp_media_format(m, buf, sizeof buf) > 0);
  assert_string_equal(buf, "m=application 7655 TCP/TLS/MSRP *\r\n"
                           "c=IN IP4 192.0.2.7\r\n"
                           "a=path:msrps://192.0.2.7:7655/ds1;tcp\r\n"
                           "a=accept-types:application/x-rfb\r\n"
                           "a=setup:actpass\r\n"
                           "a=rfbsetup:passive\r\n");
  msrp_sdp_media_free(m);
  assert_int_equal(msrp_sdp_media_set_rfb_role(NULL, MSRP_RFB_ACTIVE),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_path_clear(&p);
  /* an answer from a viewer: the RFB role apart from the TCP role */
  m = parse_ok("m=application 2855 TCP/MSRP *\r\nc=IN IP4 192.0.2.8\r\n"
               "a=path:msrp://192.0.2.8:2855/v1;tcp\r\n"
               "a=accept-types:application/x-rfb\r\n"
               "a=setup:passive\r\na=rfbsetup:active\r\n",
               0);
  assert_int_equal(msrp_sdp_media_application(m), 1);
  assert_int_equal(msrp_sdp_media_setup(m), MSRP_SDP_SETUP_PASSIVE);
  assert_int_equal(msrp_sdp_media_rfb_role(m), MSRP_RFB_ACTIVE);
  msrp_sdp_media_free(m);
  /* an older client: the role in a=setup only */
  m = parse_ok("m=application 2855 TCP/MSRP *\r\nc=IN IP4 192.0.2.8\r\n"
               "a=path:msrp://192.0.2.8:2855/v2;tcp\r\n"
               "a=accept-types:application/x-rfb\r\na=setup:passive\r\n",
               0);
  assert_int_equal(msrp_sdp_media_rfb_role(m), MSRP_RFB_PASSIVE);
  msrp_sdp_media_free(m);
  /* no role at all: the remote is active (it runs the viewer) */
  m = parse_ok("m=application 2855 TCP/MSRP *\r\nc=IN IP4 192.0.2.8\r\n"
               "a=path:msrp://192.0.2.8:2855/v3;tcp\r\n"
               "a=accept-types:application/x-rfb\r\n",
               0);
  assert_int_equal(msrp_sdp_media_rfb_role(m), MSRP_RFB_ACTIVE);
  /* a chat's section stays m=message */
  assert_int_equal(msrp_sdp_media_set_application(m, 0), 0);
  assert_true(msrp_sdp_media_format(m, buf, sizeof buf) > 0);
  assert_memory_equal(buf, "m=message 2855 TCP/MSRP *\r\n", 27);
  msrp_sdp_media_free(m);
  /* found among other media in a whole body */
  static const char body[] = "v=0\r\nm=audio 49170 RTP/AVP 0\r\n"
                             "m=application 9 TCP/BFCP *\r\n"
                             "m=application 7656 TCP/MSRP *\r\n"
                             "a=path:msrp://192.0.2.9:7656/x;tcp\r\n"
                             "a=accept-types:application/x-rfb\r\n";
  size_t i = 99;
  assert_int_equal(msrp_sdp_find_msrp_media(body, sizeof body - 1, 0, &i), 0);
  assert_int_equal(i, 2);
}

static void test_find_msrp_media(void **state) {
  (void)state;
  static const char body[] =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
      "c=IN IP4 192.0.2.1\r\n"
      "m=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
      "m=message 0 TCP/MSRP *\r\n"
      "m=message 9 UDP/MSRP *\r\n"
      "m=message 7654 TCP/TLS/MSRP *\r\n"
      "a=path:msrps://192.0.2.1:7654/abc;tcp\r\na=accept-types:text/plain\r\n"
      "m=video 51372 RTP/AVP 31\r\n"
      "m=message 2855 TCP/MSRP *\r\n"
      "a=path:msrp://192.0.2.1:2855/def;tcp\r\na=accept-types:*\r\n";
  size_t len = sizeof body - 1, i = 99;
  assert_int_equal(msrp_sdp_find_msrp_media(body, len, 0, &i), 0);
  assert_int_equal(i, 3);
  msrp_sdp_media *m;
  assert_int_equal(msrp_sdp_media_parse(&m, body, len, i, NULL), 0);
  assert_int_equal(msrp_sdp_media_use_tls(m), 1);
  assert_string_equal(msrp_sdp_media_path(m)->uris[0].session_id, "abc");
  assert_string_equal(msrp_sdp_media_address(m, NULL), "192.0.2.1");
  msrp_sdp_media_free(m);
  assert_int_equal(msrp_sdp_find_msrp_media(body, len, i + 1, &i), 0);
  assert_int_equal(i, 5);
  assert_int_equal(msrp_sdp_media_parse(&m, body, len, i, NULL), 0);
  assert_string_equal(msrp_sdp_media_path(m)->uris[0].session_id, "def");
  msrp_sdp_media_free(m);
  i = 42;
  assert_int_equal(msrp_sdp_find_msrp_media(body, len, 6, &i),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(i, 42);
  static const char audio_only[] = "v=0\r\nm=audio 49170 RTP/AVP 0\r\n";
  assert_int_equal(
      msrp_sdp_find_msrp_media(audio_only, sizeof audio_only - 1, 0, &i),
      MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_sdp_find_msrp_media(NULL, 0, 0, &i),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_find_msrp_media(body, len, 0, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static void test_send_mode_errors(void **state) {
  (void)state;
  msrp_sdp_media *r = remote_of("*", NULL);
  msrp_sdp_send_mode mode;
  assert_int_equal(mode_of(r, "text/*", 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(mode_of(r, "*", 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(mode_of(r, "text", 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(mode_of(r, "", 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_send_mode(r, NULL, 0, &mode),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_send_mode(r, "text/plain", 0, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_sdp_media_send_mode(NULL, "text/plain", 0, &mode),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(mode_of(r, "video/mp4", 1), RAW);
  msrp_sdp_media_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_offer_tcp_ipv4),
      cmocka_unit_test(test_build_answer_tcp_ipv4_minimal),
      cmocka_unit_test(test_build_offer_tls_ipv4_fingerprint),
      cmocka_unit_test(test_build_answer_tls_ipv4_fingerprint),
      cmocka_unit_test(test_build_offer_tcp_ipv6),
      cmocka_unit_test(test_build_answer_tls_ipv6),
      cmocka_unit_test(test_build_relay_path_and_host_name),
      cmocka_unit_test(test_build_setters),
      cmocka_unit_test(test_build_errors),
      cmocka_unit_test(test_parse_rfc4975_example),
      cmocka_unit_test(test_parse_rcs_session),
      cmocka_unit_test(test_parse_tls_with_extras_bare_lf),
      cmocka_unit_test(test_parse_relay_path),
      cmocka_unit_test(test_parse_ipv6),
      cmocka_unit_test(test_parse_media_index_and_session_level),
      cmocka_unit_test(test_parse_lenient),
      cmocka_unit_test(test_parse_malformed),
      cmocka_unit_test(test_parse_embedded_nul),
      cmocka_unit_test(test_setup_matrix),
      cmocka_unit_test(test_setup_from_parsed_sdp),
      cmocka_unit_test(test_setup_names),
      cmocka_unit_test(test_types_parse),
      cmocka_unit_test(test_types_contain),
      cmocka_unit_test(test_types_intersect),
      cmocka_unit_test(test_common_types),
      cmocka_unit_test(test_send_mode_only_cpim),
      cmocka_unit_test(test_send_mode_only_plain),
      cmocka_unit_test(test_send_mode_both),
      cmocka_unit_test(test_send_mode_errors),
      cmocka_unit_test(test_find_msrp_media),
      cmocka_unit_test(test_desktop_sharing_media),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
