/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* HTTP Digest for AUTH, with fixed vectors: RFC 2617 section 3.5's own
 * example, and AUTH over an MSRP relay URI with and without qop (computed
 * independently with Python's hashlib). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/auth.h>

static void test_rfc2617_vector(void **state) {
  (void)state;
  msrp_digest_challenge ch;
  assert_int_equal(
      msrp_digest_parse_challenge(
          "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
          "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
          "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
          &ch),
      0);
  assert_string_equal(ch.realm, "testrealm@host.com");
  assert_string_equal(ch.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  assert_string_equal(ch.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  assert_int_equal(ch.qop_auth, 1);
  char out[512];
  int n = msrp_digest_authorization(&ch, "Mufasa", "Circle Of Life", "GET",
                                    "/dir/index.html", "0a4f113b", 1, out,
                                    sizeof out);
  assert_true(n > 0);
  assert_string_equal(
      out, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
           "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
           "uri=\"/dir/index.html\", "
           "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, "
           "cnonce=\"0a4f113b\", nc=00000001, qop=auth, "
           "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  assert_int_equal(n, (int)strlen(out));
}

/* What an MSRP relay (Kamailio) sends, answered for method AUTH. */
static void test_auth_method_vectors(void **state) {
  (void)state;
  msrp_digest_challenge ch;
  assert_int_equal(msrp_digest_parse_challenge(
                       "Digest realm=\"msrp-relay\", nonce=\"abc123nonce\", "
                       "qop=\"auth\"",
                       &ch),
                   0);
  char out[512];
  assert_true(msrp_digest_authorization(&ch, "msrpuser", "msrppass", "AUTH",
                                        "msrp://127.0.0.1:2855;tcp", "deadbeef",
                                        1, out, sizeof out) > 0);
  assert_non_null(strstr(out, "response=\"52374c889dde17705bbb574ae166b861\""));
  assert_non_null(strstr(out, "qop=auth"));
  /* without qop: response = MD5(HA1:nonce:HA2), no cnonce or nc */
  assert_int_equal(msrp_digest_parse_challenge(
                       "Digest realm=\"msrp-relay\",nonce=abc123nonce", &ch),
                   0);
  assert_int_equal(ch.qop_auth, 0);
  assert_true(msrp_digest_authorization(&ch, "msrpuser", "msrppass", "AUTH",
                                        "msrp://127.0.0.1:2855;tcp", NULL, 1,
                                        out, sizeof out) > 0);
  assert_string_equal(
      out, "Digest username=\"msrpuser\", realm=\"msrp-relay\", "
           "nonce=\"abc123nonce\", uri=\"msrp://127.0.0.1:2855;tcp\", "
           "response=\"991398b47fd8d0778c1b6e6642082427\", algorithm=MD5");
  /* a random cnonce differs each time */
  assert_int_equal(msrp_digest_parse_challenge(
                       "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"", &ch),
                   0);
  char a[512], b[512];
  msrp_digest_authorization(&ch, "u", "p", "AUTH", "msrp://x;tcp", NULL, 1, a,
                            sizeof a);
  msrp_digest_authorization(&ch, "u", "p", "AUTH", "msrp://x;tcp", NULL, 1, b,
                            sizeof b);
  assert_string_not_equal(a, b);
}

static void test_challenge_errors(void **state) {
  (void)state;
  msrp_digest_challenge ch;
  assert_int_equal(msrp_digest_parse_challenge("Basic realm=\"x\"", &ch),
                   MSRP_ERR_NOT_SUPPORTED);
  assert_int_equal(
      msrp_digest_parse_challenge(
          "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-256", &ch),
      MSRP_ERR_NOT_SUPPORTED);
  assert_int_equal(
      msrp_digest_parse_challenge(
          "Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"", &ch),
      MSRP_ERR_NOT_SUPPORTED);
  assert_int_equal(msrp_digest_parse_challenge("Digest nonce=\"n\"", &ch),
                   MSRP_ERR_DIGEST_SYNTAX);
  assert_int_equal(msrp_digest_parse_challenge("Digest realm=\"x", &ch),
                   MSRP_ERR_DIGEST_SYNTAX);
  assert_int_equal(msrp_digest_parse_challenge("Digest realm", &ch),
                   MSRP_ERR_DIGEST_SYNTAX);
  char longv[600];
  memset(longv, 'n', sizeof longv);
  longv[sizeof longv - 1] = '\0';
  char hdr[700];
  snprintf(hdr, sizeof hdr, "Digest realm=\"x\", nonce=\"%s\"", longv);
  assert_int_equal(msrp_digest_parse_challenge(hdr, &ch),
                   MSRP_ERR_DIGEST_SYNTAX);
  /* stale, escaped quote, extra parameters */
  assert_int_equal(msrp_digest_parse_challenge(
                       "digest realm=\"a\\\"b\", domain=\"x\", nonce=\"n\", "
                       "stale=TRUE",
                       &ch),
                   0);
  assert_string_equal(ch.realm, "a\"b");
  assert_int_equal(ch.stale, 1);
  /* a realm with a quote cannot be answered safely */
  char out[256];
  assert_int_equal(msrp_digest_authorization(&ch, "u", "p", "AUTH", "x", NULL,
                                             1, out, sizeof out),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static void test_truncation(void **state) {
  (void)state;
  msrp_digest_challenge ch;
  assert_int_equal(msrp_digest_parse_challenge(
                       "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", "
                       "opaque=\"o\"",
                       &ch),
                   0);
  char full[512], small[20];
  int n = msrp_digest_authorization(&ch, "u", "p", "AUTH", "msrp://x;tcp", "c",
                                    1, full, sizeof full);
  int m = msrp_digest_authorization(&ch, "u", "p", "AUTH", "msrp://x;tcp", "c",
                                    1, small, sizeof small);
  assert_int_equal(n, m);
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, full, sizeof small - 1);
  assert_int_equal(msrp_digest_authorization(&ch, "u", "p", "AUTH",
                                             "msrp://x;tcp", "c", 1, NULL, 0),
                   n);
}

/* The relay's side: RFC 2617's example Authorization verified with its
 * HA1; the same with a wrong password or another method fails; HA1 of
 * RFC 2617's user (computed independently with Python's hashlib). */
static void test_relay_verifies_rfc2617(void **state) {
  (void)state;
  char ha1[33];
  assert_int_equal(
      msrp_digest_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", ha1),
      0);
  assert_string_equal(ha1, "939e7578ed9e3c518a452acee763bce9");
  msrp_digest_credentials c;
  assert_int_equal(
      msrp_digest_parse_authorization(
          "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
          "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
          "uri=\"/dir/index.html\", qop=auth, nc=00000001, "
          "cnonce=\"0a4f113b\", "
          "response=\"6629fae49393a05397450978507c4ef1\", "
          "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
          &c),
      0);
  assert_string_equal(c.username, "Mufasa");
  assert_string_equal(c.uri, "/dir/index.html");
  assert_int_equal(c.qop_auth, 1);
  assert_int_equal(msrp_digest_check_response(&c, ha1, "GET"), 0);
  assert_int_equal(msrp_digest_check_response(&c, ha1, "AUTH"),
                   MSRP_ERR_RELAY_AUTH);
  char other[33];
  assert_int_equal(
      msrp_digest_ha1("Mufasa", "testrealm@host.com", "circle of life", other),
      0);
  assert_int_equal(msrp_digest_check_response(&c, other, "GET"),
                   MSRP_ERR_RELAY_AUTH);
  /* what our own client writes verifies */
  msrp_digest_challenge ch = {.qop_auth = 1};
  snprintf(ch.realm, sizeof ch.realm, "relay.test");
  snprintf(ch.nonce, sizeof ch.nonce, "abc");
  char auth[1024];
  assert_true(msrp_digest_authorization(&ch, "u", "p", "AUTH",
                                        "msrp://relay.test:2855;tcp", NULL, 1,
                                        auth, sizeof auth) > 0);
  assert_int_equal(msrp_digest_parse_authorization(auth, &c), 0);
  assert_int_equal(msrp_digest_ha1("u", "relay.test", "p", ha1), 0);
  assert_int_equal(msrp_digest_check_response(&c, ha1, "AUTH"), 0);
  /* malformed */
  assert_int_equal(msrp_digest_parse_authorization("Basic abc", &c),
                   MSRP_ERR_NOT_SUPPORTED);
  assert_int_equal(msrp_digest_parse_authorization(
                       "Digest username=\"u\", realm=\"r\", nonce=\"n\"", &c),
                   MSRP_ERR_DIGEST_SYNTAX);
  assert_int_equal(
      msrp_digest_parse_authorization("Digest username=\"u, realm=\"r\"", &c),
      MSRP_ERR_DIGEST_SYNTAX);
}

/* Stateless nonces: good within their lifetime, stale after it, refused
 * for another peer or with a changed byte. */
static void test_nonces(void **state) {
  (void)state;
  uint8_t key[32];
  memset(key, 7, sizeof key);
  char n[MSRP_DIGEST_NONCE_SIZE];
  assert_int_equal(msrp_digest_make_nonce(key, 1000, "127.0.0.1:5000", n), 0);
  assert_int_equal(strlen(n), MSRP_DIGEST_NONCE_SIZE - 1);
  assert_int_equal(msrp_digest_check_nonce(key, n, 1000, 30, "127.0.0.1:5000"),
                   0);
  assert_int_equal(msrp_digest_check_nonce(key, n, 1030, 30, "127.0.0.1:5000"),
                   0);
  assert_int_equal(msrp_digest_check_nonce(key, n, 1031, 30, "127.0.0.1:5000"),
                   MSRP_ERR_DIGEST_STALE);
  assert_int_equal(msrp_digest_check_nonce(key, n, 1000, 30, "127.0.0.1:5001"),
                   MSRP_ERR_RELAY_AUTH);
  n[20] = n[20] == 'a' ? 'b' : 'a';
  assert_int_equal(msrp_digest_check_nonce(key, n, 1000, 30, "127.0.0.1:5000"),
                   MSRP_ERR_RELAY_AUTH);
  assert_int_equal(msrp_digest_check_nonce(key, "short", 1000, 30, NULL),
                   MSRP_ERR_RELAY_AUTH);
  uint8_t key2[32];
  memset(key2, 8, sizeof key2);
  assert_int_equal(msrp_digest_make_nonce(key, 1000, NULL, n), 0);
  assert_int_equal(msrp_digest_check_nonce(key2, n, 1000, 30, NULL),
                   MSRP_ERR_RELAY_AUTH);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc2617_vector),
      cmocka_unit_test(test_auth_method_vectors),
      cmocka_unit_test(test_challenge_errors),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_relay_verifies_rfc2617),
      cmocka_unit_test(test_nonces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
