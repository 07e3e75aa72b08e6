/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The client side of RFC 4976 AUTH (relay_auth.h), driven by scripted
 * relay answers as wire bytes: 401 → Digest → 200 with Use-Path; 423 →
 * retry with Min-/Max-Expires on the same nonce; 403; a wrong password; a
 * stale nonce; out of attempts; answers to other transactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/auth.h>
#include <msrp/parser.h>
#include <msrp/relay_auth.h>

#define RELAY "msrp://127.0.0.1:9000;tcp"
#define LOCAL "msrp://127.0.0.1:4444/me;tcp"

static msrp_uri relay, local;
static msrp_relay_auth *A;
static msrp_chunk *last; /* the AUTH most recently written */

static int setup(void **state) {
  (void)state;
  relay = (msrp_uri)MSRP_URI_INIT;
  local = (msrp_uri)MSRP_URI_INIT;
  assert_int_equal(msrp_uri_parse(&relay, RELAY, strlen(RELAY)), 0);
  assert_int_equal(msrp_uri_parse(&local, LOCAL, strlen(LOCAL)), 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  msrp_relay_auth_free(A);
  A = NULL;
  msrp_chunk_free(last);
  last = NULL;
  msrp_uri_clear(&relay);
  msrp_uri_clear(&local);
  return 0;
}

static void start(const char *user, const char *pass, uint32_t expires) {
  msrp_relay_auth_config c = {.relay = &relay,
                              .local = &local,
                              .username = user,
                              .password = pass,
                              .expires = expires};
  assert_int_equal(msrp_relay_auth_new(&A, &c), 0);
}

/* The next AUTH, written as the wire would carry it and parsed back. */
static msrp_chunk *next_auth(void) {
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_SEND);
  msrp_chunk *c;
  assert_int_equal(msrp_relay_auth_request(A, &c), 0);
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_WAIT);
  assert_string_equal(msrp_relay_auth_tid(A), msrp_chunk_transaction_id(c));
  assert_string_equal(msrp_chunk_method(c), "AUTH");
  assert_string_equal(msrp_chunk_header_by_id(c, MSRP_HDR_TO_PATH), RELAY);
  assert_string_equal(msrp_chunk_header_by_id(c, MSRP_HDR_FROM_PATH), LOCAL);
  msrp_chunk_free(last);
  last = c;
  return c;
}

/* Feed the relay's answer `status_line` + `headers` to the machine, as
 * bytes through the parser; returns what msrp_relay_auth_response said. */
static int answer_tid(const char *tid, const char *status_line,
                      const char *headers) {
  char wire[2048];
  int n = snprintf(wire, sizeof wire,
                   "MSRP %s %s\r\nTo-Path: " LOCAL "\r\nFrom-Path: " RELAY
                   "\r\n%s-------%s$\r\n",
                   tid, status_line, headers, tid);
  assert_true(n > 0 && (size_t)n < sizeof wire);
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  const uint8_t *d = (const uint8_t *)wire;
  size_t left = (size_t)n;
  int rc = -1;
  for (;;) { /* the parser may hold the end-line's event past the input */
    size_t used;
    msrp_event ev;
    assert_int_equal(msrp_parser_execute(p, d, left, &used, &ev), 0);
    d += used;
    left -= used;
    if (ev.type == MSRP_EVENT_END)
      rc = msrp_relay_auth_response(A, ev.chunk);
    if (ev.type == MSRP_EVENT_NONE && left == 0)
      break;
  }
  msrp_parser_free(p);
  return rc;
}

static int answer(const char *status_line, const char *headers) {
  return answer_tid(msrp_chunk_transaction_id(last), status_line, headers);
}

#define CHALLENGE(nonce, extra)                                                \
  "WWW-Authenticate: Digest realm=\"relay\", nonce=\"" nonce                   \
  "\", qop=\"auth\"" extra "\r\n"

/* The Authorization a client must send for `nonce` and `nc`, with the
 * cnonce the machine chose. */
static void assert_answers(const msrp_chunk *c, const char *nonce,
                           unsigned nc) {
  const char *auth = msrp_chunk_header_by_id(c, MSRP_HDR_AUTHORIZATION);
  assert_non_null(auth);
  const char *cn = strstr(auth, "cnonce=\"");
  assert_non_null(cn);
  char cnonce[64];
  assert_int_equal(sscanf(cn, "cnonce=\"%63[^\"]", cnonce), 1);
  char chal[256];
  snprintf(chal, sizeof chal,
           "Digest realm=\"relay\", nonce=\"%s\", qop=\"auth\"", nonce);
  msrp_digest_challenge ch;
  assert_int_equal(msrp_digest_parse_challenge(chal, &ch), 0);
  char want[1024];
  msrp_digest_authorization(&ch, "alice", "secret", "AUTH", RELAY, cnonce, nc,
                            want, sizeof want);
  assert_string_equal(auth, want);
}

static void test_401_then_200(void **state) {
  (void)state;
  start("alice", "secret", 600);
  msrp_chunk *a1 = next_auth();
  assert_string_equal(msrp_chunk_header_by_id(a1, MSRP_HDR_EXPIRES), "600");
  assert_null(msrp_chunk_header_by_id(a1, MSRP_HDR_AUTHORIZATION));
  assert_int_equal(answer("401 Unauthorized", CHALLENGE("n1", "")), 1);
  msrp_chunk *a2 = next_auth();
  assert_answers(a2, "n1", 1);
  assert_string_equal(msrp_chunk_header_by_id(a2, MSRP_HDR_EXPIRES), "600");
  assert_int_equal(answer("200 OK", "Use-Path: msrp://127.0.0.1:9000/s7;tcp"
                                    "\r\nExpires: 300\r\n"),
                   1);
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_DONE);
  char text[128];
  msrp_path_format(msrp_relay_auth_use_path(A), text, sizeof text);
  assert_string_equal(text, "msrp://127.0.0.1:9000/s7;tcp");
  assert_int_equal(msrp_relay_auth_granted(A), 300);
  assert_int_equal(msrp_relay_auth_code(A), 200);
  /* a refresh: a new round, a 200 without Use-Path keeps the path */
  msrp_relay_auth_restart(A, 0);
  msrp_chunk *a3 = next_auth();
  assert_null(msrp_chunk_header_by_id(a3, MSRP_HDR_AUTHORIZATION));
  assert_int_equal(answer("401 Unauthorized", CHALLENGE("n2", "")), 1);
  assert_answers(next_auth(), "n2", 1);
  assert_int_equal(answer("200 OK", "Expires: 280\r\n"), 1);
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_DONE);
  msrp_path_format(msrp_relay_auth_use_path(A), text, sizeof text);
  assert_string_equal(text, "msrp://127.0.0.1:9000/s7;tcp");
  assert_int_equal(msrp_relay_auth_granted(A), 280);
}

/* 423 with Min-Expires, then with Max-Expires: each retry asks for the
 * relay's bound, on the same nonce with the next count. */
static void test_423_retries(void **state) {
  (void)state;
  start("alice", "secret", 30);
  next_auth();
  answer("401 Unauthorized", CHALLENGE("n1", ""));
  assert_answers(next_auth(), "n1", 1);
  assert_int_equal(answer("423 Interval Out-of-Bounds", "Min-Expires: 60\r\n"),
                   1);
  msrp_chunk *a3 = next_auth();
  assert_string_equal(msrp_chunk_header_by_id(a3, MSRP_HDR_EXPIRES), "60");
  assert_answers(a3, "n1", 2);
  assert_int_equal(answer("200 OK", "Use-Path: " RELAY "\r\n"), 1);
  assert_int_equal(msrp_relay_auth_granted(A), 60);

  msrp_relay_auth_restart(A, 7200);
  msrp_chunk *b1 = next_auth();
  assert_string_equal(msrp_chunk_header_by_id(b1, MSRP_HDR_EXPIRES), "7200");
  answer("401 Unauthorized", CHALLENGE("n2", ""));
  next_auth();
  answer("423 Interval Out-of-Bounds", "Max-Expires: 3600\r\n");
  msrp_chunk *b3 = next_auth();
  assert_string_equal(msrp_chunk_header_by_id(b3, MSRP_HDR_EXPIRES), "3600");
  assert_answers(b3, "n2", 2);
  /* a 423 whose bounds would not change anything ends the round */
  answer("423 Interval Out-of-Bounds", "Max-Expires: 3600\r\n");
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  assert_int_equal(msrp_relay_auth_code(A), 423);
  assert_string_equal(msrp_errname(msrp_relay_auth_error(A)),
                      "MSRP_ERR_RELAY_AUTH");
}

static void test_403(void **state) {
  (void)state;
  start("alice", "secret", 0);
  msrp_chunk *a1 = next_auth();
  assert_null(msrp_chunk_header_by_id(a1, MSRP_HDR_EXPIRES));
  assert_int_equal(answer("403 Forbidden", ""), 1);
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  assert_int_equal(msrp_relay_auth_code(A), 403);
  assert_null(msrp_relay_auth_use_path(A));
  assert_int_equal(msrp_relay_auth_request(A, &a1), MSRP_ERR_BUSY);
}

/* A second 401 after our answer: a wrong password fails at once; a stale
 * nonce is answered again, up to the attempts allowed. */
static void test_second_401(void **state) {
  (void)state;
  start("alice", "wrong", 600);
  next_auth();
  answer("401 Unauthorized", CHALLENGE("n1", ""));
  next_auth();
  answer("401 Unauthorized", CHALLENGE("n2", ""));
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  assert_int_equal(msrp_relay_auth_code(A), 401);

  msrp_relay_auth_free(A);
  start("alice", "secret", 600);
  next_auth();
  answer("401 Unauthorized", CHALLENGE("n1", ""));
  next_auth();
  answer("401 Unauthorized", CHALLENGE("n2", ", stale=true"));
  assert_answers(next_auth(), "n2", 1);
  answer("401 Unauthorized", CHALLENGE("n3", ", stale=true"));
  assert_answers(next_auth(), "n3", 1);
  /* the fourth AUTH was the last one allowed */
  answer("401 Unauthorized", CHALLENGE("n4", ", stale=true"));
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
}

/* No credentials, a challenge we cannot answer, answers that are not
 * ours. */
static void test_cannot_answer(void **state) {
  (void)state;
  start(NULL, NULL, 600);
  next_auth();
  answer("401 Unauthorized", CHALLENGE("n1", ""));
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  assert_string_equal(msrp_errname(msrp_relay_auth_error(A)),
                      "MSRP_ERR_RELAY_AUTH");
  msrp_relay_auth_free(A);

  start("alice", "secret", 600);
  next_auth();
  assert_int_equal(answer_tid("someoneelse", "200 OK", ""), 0);
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_WAIT);
  answer("401 Unauthorized",
         "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", "
         "algorithm=SHA-512-256\r\n");
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  assert_string_equal(msrp_errname(msrp_relay_auth_error(A)),
                      "MSRP_ERR_NOT_SUPPORTED");
  msrp_relay_auth_free(A);

  start("alice", "secret", 600);
  next_auth();
  answer("401 Unauthorized", "WWW-Authenticate: Basic realm=\"x\"\r\n");
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  msrp_relay_auth_free(A);

  /* a 200 to a first AUTH without Use-Path reserves nothing */
  start("alice", "secret", 600);
  next_auth();
  answer("200 OK", "Expires: 600\r\n");
  assert_int_equal(msrp_relay_auth_state_of(A), MSRP_RELAY_AUTH_FAILED);
  assert_int_equal(msrp_relay_auth_code(A), 200);
}

/* RFC 4976 section 6: our path is the Use-Path then us; what we send goes
 * to the Use-Path then the remote's whole path. */
static void test_path_algebra(void **state) {
  (void)state;
  msrp_path use = MSRP_PATH_INIT, remote = MSRP_PATH_INIT, out = MSRP_PATH_INIT;
  const char *u = "msrp://127.0.0.1:9000/a1;tcp msrp://127.0.0.1:9001/a2;tcp";
  const char *r = "msrp://10.0.0.1:9000/b1;tcp msrp://10.0.0.9:7777/bob;tcp";
  assert_int_equal(msrp_path_parse(&use, u, strlen(u), 0), 0);
  assert_int_equal(msrp_path_parse(&remote, r, strlen(r), 0), 0);
  char text[512];
  assert_int_equal(msrp_relay_local_path(&out, &use, &local), 0);
  msrp_path_format(&out, text, sizeof text);
  assert_string_equal(text, "msrp://127.0.0.1:9000/a1;tcp "
                            "msrp://127.0.0.1:9001/a2;tcp " LOCAL);
  assert_int_equal(msrp_relay_to_path(&out, &use, &remote), 0);
  msrp_path_format(&out, text, sizeof text);
  assert_string_equal(text, "msrp://127.0.0.1:9000/a1;tcp "
                            "msrp://127.0.0.1:9001/a2;tcp "
                            "msrp://10.0.0.1:9000/b1;tcp "
                            "msrp://10.0.0.9:7777/bob;tcp");
  assert_int_equal(msrp_relay_to_path(&out, &use, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(out.count, 4); /* untouched on failure */
  msrp_path_clear(&use);
  msrp_path_clear(&remote);
  msrp_path_clear(&out);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_401_then_200), T(test_423_retries),   T(test_403),
      T(test_second_401),   T(test_cannot_answer), T(test_path_algebra),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
