/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Binding (binding.h), both sides, driven by scripted wire bytes: the
 * exact bytes each side writes, requests before the 200 kept in order,
 * and every way a binding fails (481, 400, a failure answer, wrong paths,
 * too much before the answer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/binding.h>

#define US "msrp://127.0.0.1:1001/us;tcp"
#define PEER "msrp://127.0.0.1:2002/peer;tcp"

#define assert_err(got, want)                                                  \
  assert_string_equal(msrp_errname((int)(got)), msrp_errname(want))

static msrp_path us, peer;
static msrp_binding *B;
static int decide_with; /* the owner's answer in DECIDE */
static int decisions;

static int setup(void **state) {
  (void)state;
  us = (msrp_path)MSRP_PATH_INIT;
  peer = (msrp_path)MSRP_PATH_INIT;
  assert_int_equal(msrp_path_parse(&us, US, strlen(US), 0), 0);
  assert_int_equal(msrp_path_parse(&peer, PEER, strlen(PEER), 0), 0);
  decide_with = 0;
  decisions = 0;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  msrp_binding_free(B);
  B = NULL;
  msrp_path_clear(&us);
  msrp_path_clear(&peer);
  return 0;
}

/* Feed wire bytes, one byte at a time, deciding as the owner would the
 * moment the machine asks. */
static void feed(const char *wire) {
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  const uint8_t *d = (const uint8_t *)wire;
  size_t left = strlen(wire);
  for (;;) {
    size_t used;
    msrp_event ev;
    assert_int_equal(msrp_parser_execute(p, d, left ? 1 : 0, &used, &ev), 0);
    d += used;
    left -= used;
    if (ev.type != MSRP_EVENT_NONE &&
        msrp_binding_event(B, &ev) == MSRP_BINDING_DECIDE) {
      decisions++;
      assert_int_equal(msrp_binding_decide(B, decide_with), 0);
    }
    if (ev.type == MSRP_EVENT_NONE && left == 0)
      break;
  }
  msrp_parser_free(p);
}

/* What the machine has to write ("" when nothing), taken. */
static char *output(void) {
  static char out[4096];
  const char *data;
  size_t len;
  out[0] = '\0';
  if (msrp_binding_output(B, &data, &len)) {
    assert_true(len < sizeof out);
    memcpy(out, data, len);
    out[len] = '\0';
    msrp_binding_output_done(B);
  }
  return out;
}

static void tid_of(const char *wire, char *tid, size_t size) {
  assert_int_equal(strncmp(wire, "MSRP ", 5), 0);
  size_t n = strcspn(wire + 5, " ");
  assert_true(n < size);
  memcpy(tid, wire + 5, n);
  tid[n] = '\0';
}

/* ---- active ------------------------------------------------------------ */

static char our_tid[64];

static void start_active(void) {
  assert_int_equal(msrp_binding_new_active(&B, &us, &peer), 0);
  char *send = output();
  tid_of(send, our_tid, sizeof our_tid);
  char mid[64];
  const char *m = strstr(send, "Message-ID: ");
  assert_non_null(m);
  assert_int_equal(sscanf(m, "Message-ID: %63s", mid), 1);
  char exact[600];
  snprintf(exact, sizeof exact,
           "MSRP %s SEND\r\nTo-Path: " PEER "\r\nFrom-Path: " US
           "\r\nMessage-ID: %s\r\nByte-Range: 1-0/0\r\n-------%s$\r\n",
           our_tid, mid, our_tid);
  assert_string_equal(send, exact);
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_WAIT);
}

static void answer_ours(const char *status, const char *to, const char *from) {
  char wire[512];
  snprintf(wire, sizeof wire,
           "MSRP %s %s\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n",
           our_tid, status, to, from, our_tid);
  feed(wire);
}

static void test_active_ok(void **state) {
  (void)state;
  start_active();
  answer_ours("200 OK", US, PEER);
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_BOUND);
  assert_string_equal(output(), "");
  msrp_held_request h;
  assert_int_equal(msrp_binding_take_held(B, &h), 0);
}

/* RFC 6714 CEMA: an answer whose paths name other hosts and ports (a
 * middlebox's view) with the same session ids binds when sessions are
 * matched by id, and only then. */
static void test_active_session_id_only(void **state) {
  (void)state;
  start_active();
  msrp_binding_match_session_id_only(B, 1);
  answer_ours("200 OK", "msrp://192.0.2.1:9/us;tcp",
              "msrp://sbc.example.net:2855/peer;tcp");
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_BOUND);
  msrp_binding_free(B);
  start_active();
  answer_ours("200 OK", "msrp://192.0.2.1:9/us;tcp",
              "msrp://sbc.example.net:2855/peer;tcp");
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_FAILED);
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  msrp_binding_free(B);
  start_active();
  msrp_binding_match_session_id_only(B, 1);
  answer_ours("200 OK", "msrp://127.0.0.1:1001/them;tcp", PEER);
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_FAILED);
}

/* Three SENDs before the 200: kept, in order, with their bodies. */
static void test_active_requests_first(void **state) {
  (void)state;
  start_active();
  feed("MSRP s1 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m1\r\nByte-Range: 1-3/3\r\nContent-Type: text/plain"
       "\r\n\r\none\r\n-------s1$\r\n"
       "MSRP s2 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m2\r\nByte-Range: 1-3/3\r\nContent-Type: text/plain"
       "\r\n\r\ntwo\r\n-------s2$\r\n"
       "MSRP s3 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m3\r\nByte-Range: 1-*/5\r\nContent-Type: text/plain"
       "\r\n\r\nthr\r\n-------s3+\r\n");
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_WAIT);
  answer_ours("200 OK", US, PEER);
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_BOUND);
  static const char *const want[] = {"one", "two", "thr"};
  static const char flags[] = {'$', '$', '+'};
  for (int i = 0; i < 3; i++) {
    msrp_held_request h;
    assert_int_equal(msrp_binding_take_held(B, &h), 1);
    char tid[8];
    snprintf(tid, sizeof tid, "s%d", i + 1);
    assert_string_equal(msrp_chunk_transaction_id(h.chunk), tid);
    assert_int_equal(h.len, 3);
    assert_memory_equal(h.body, want[i], 3);
    assert_int_equal(h.flag, flags[i]);
    msrp_chunk_free(h.chunk);
    free(h.body);
  }
  msrp_held_request h;
  assert_int_equal(msrp_binding_take_held(B, &h), 0);
  assert_string_equal(output(), "");
}

/* A request for another session before the 200: 481, and the binding
 * fails on its paths. */
static void test_active_wrong_request(void **state) {
  (void)state;
  start_active();
  feed("MSRP w1 SEND\r\nTo-Path: msrp://127.0.0.1:1001/other;tcp\r\n"
       "From-Path: " PEER "\r\nMessage-ID: m1\r\nByte-Range: 1-0/0\r\n"
       "-------w1$\r\n");
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_FAILED);
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  assert_string_equal(output(), "MSRP w1 481 Session Does Not Exist\r\n"
                                "To-Path: " PEER "\r\n"
                                "From-Path: msrp://127.0.0.1:1001/other;tcp"
                                "\r\n-------w1$\r\n");
}

static void test_active_failures(void **state) {
  (void)state;
  /* a failure answer */
  start_active();
  answer_ours("403 Forbidden", US, PEER);
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_REFUSED);
  assert_string_equal(output(), "");
  msrp_binding_free(B);
  /* a 200 that does not come back to us */
  start_active();
  answer_ours("200 OK", "msrp://127.0.0.1:1001/else;tcp", PEER);
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  msrp_binding_free(B);
  start_active();
  answer_ours("200 OK", US, "msrp://127.0.0.1:2002/else;tcp");
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  msrp_binding_free(B);
  /* a response to something we never sent */
  start_active();
  feed("MSRP zz99 200 OK\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\n-------zz99$\r\n");
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_REFUSED);
  msrp_binding_free(B);
  /* more than is kept before the answer */
  start_active();
  for (int i = 0; i < 65 && msrp_binding_state_of(B) == MSRP_BINDING_WAIT;
       i++) {
    char wire[512];
    snprintf(wire, sizeof wire,
             "MSRP k%d SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
             "\r\nMessage-ID: k%d\r\nByte-Range: 1-0/0\r\n-------k%d$\r\n",
             i, i, i);
    feed(wire);
  }
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_BACKLOG);
}

/* ---- passive ----------------------------------------------------------- */

static void test_passive_empty_send(void **state) {
  (void)state;
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  assert_string_equal(output(), "");
  feed("MSRP b1 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m1\r\nByte-Range: 1-0/0\r\n-------b1$\r\n");
  assert_int_equal(decisions, 1);
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_BOUND);
  assert_int_equal(msrp_binding_bound_on_data(B), 0);
  assert_string_equal(output(), "MSRP b1 200 OK\r\nTo-Path: " PEER
                                "\r\nFrom-Path: " US "\r\n-------b1$\r\n");
}

static void test_passive_refused(void **state) {
  (void)state;
  decide_with = 481;
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  feed("MSRP b2 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m1\r\nByte-Range: 1-0/0\r\n-------b2$\r\n");
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_FAILED);
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  assert_string_equal(output(), "MSRP b2 481 Session Does Not Exist\r\n"
                                "To-Path: " PEER "\r\nFrom-Path: " US
                                "\r\n-------b2$\r\n");
}

/* The request the owner decides on, and a SEND with a body that binds. */
static void test_passive_data_send(void **state) {
  (void)state;
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  const char *wire = "MSRP d1 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
                     "\r\nMessage-ID: m1\r\nByte-Range: 1-5/5\r\n"
                     "Content-Type: text/plain\r\n\r\nfirst\r\n-------d1$\r\n";
  size_t used;
  msrp_event ev;
  assert_int_equal(
      msrp_parser_execute(p, (const uint8_t *)wire, strlen(wire), &used, &ev),
      0);
  assert_int_equal(ev.type, MSRP_EVENT_HEADERS);
  assert_int_equal(msrp_binding_event(B, &ev), MSRP_BINDING_DECIDE);
  const msrp_chunk *req = msrp_binding_request(B);
  assert_non_null(req);
  assert_string_equal(msrp_chunk_transaction_id(req), "d1");
  assert_int_equal(msrp_binding_decide(B, 0), 0);
  assert_int_equal(msrp_binding_state_of(B), MSRP_BINDING_BOUND);
  assert_int_equal(msrp_binding_bound_on_data(B), 1);
  assert_string_equal(output(), ""); /* answering data is the session's */
  assert_int_equal(msrp_binding_decide(B, 0), MSRP_ERR_BUSY);
  msrp_parser_free(p);
}

static void test_passive_not_a_send(void **state) {
  (void)state;
  /* a REPORT first: 481 */
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  feed("MSRP r1 REPORT\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m1\r\nStatus: 000 200 OK\r\n-------r1$\r\n");
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  assert_int_equal(decisions, 0);
  assert_string_equal(output(), ""); /* a REPORT gets no response */
  msrp_binding_free(B);
  /* NICKNAME first: 481 */
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  feed("MSRP n1 NICKNAME\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nUse-Nickname: \"x\"\r\n-------n1$\r\n");
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  assert_true(strstr(output(), "MSRP n1 481 ") != NULL);
  msrp_binding_free(B);
  /* a malformed SEND: 400, without asking the owner */
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  feed("MSRP m1 SEND\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\nMessage-ID: m1\r\nByte-Range: 1-x/0\r\n-------m1$\r\n");
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  assert_int_equal(decisions, 0);
  assert_true(strstr(output(), "MSRP m1 400 Bad Request\r\n") != NULL);
  msrp_binding_free(B);
  /* a response before any request */
  assert_int_equal(msrp_binding_new_passive(&B), 0);
  feed("MSRP q1 200 OK\r\nTo-Path: " US "\r\nFrom-Path: " PEER
       "\r\n-------q1$\r\n");
  assert_err(msrp_binding_error(B), MSRP_ERR_BIND_PATH);
  assert_string_equal(output(), "");
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_active_ok),
      T(test_active_session_id_only),
      T(test_active_requests_first),
      T(test_active_wrong_request),
      T(test_active_failures),
      T(test_passive_empty_send),
      T(test_passive_refused),
      T(test_passive_data_send),
      T(test_passive_not_a_send),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
