/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The streaming parser: every case runs whole and one byte at a time and
 * must give identical events (parse_both). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/chunk_internal.h"
#include "harness.h"

#define TO "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
#define ALICE "msrp://alice.example.com:7777/iau39soe2843z;tcp"
#define FROM "From-Path: " ALICE "\r\n"
#define PATHS TO FROM

static void parse_str(const char *s, const parse_opts *o, recording *r) {
  parse_both(s, strlen(s), o, r);
}

/* Parse, require success and a byte-identical re-serialization. */
static void roundtrip(const char *s, recording *r) {
  parse_str(s, NULL, r);
  assert_int_equal(r->err, 0);
  size_t n;
  char *again = reserialize(r, &n);
  assert_int_equal(n, strlen(s));
  assert_memory_equal(again, s, n);
  free(again);
}

static void expect_error(const char *s, int err, uint64_t pos) {
  recording r;
  parse_str(s, NULL, &r);
  assert_string_equal(msrp_errname(r.err), msrp_errname(err));
  assert_int_equal(r.err_pos, pos);
  recording_free(&r);
}

static void expect_error_lim(const char *s, const msrp_parser_limits *l,
                             int err) {
  recording r;
  parse_opts o = {.limits = l};
  parse_str(s, &o, &r);
  assert_string_equal(msrp_errname(r.err), msrp_errname(err));
  recording_free(&r);
}

static void assert_body(const recording *r, size_t i, const void *want,
                        size_t len) {
  size_t n;
  char *b = recording_body(r, i, &n);
  assert_int_equal(n, len);
  assert_memory_equal(b, want, len);
  free(b);
}

static void test_send_events(void **state) {
  (void)state;
  const char *head = "MSRP a786hjs2 SEND\r\n" PATHS "Message-ID: 87652491\r\n"
                     "Byte-Range: 1-5/5\r\n"
                     "Content-Type: text/plain\r\n\r\n";
  char msg[512];
  snprintf(msg, sizeof msg, "%shello\r\n-------a786hjs2$\r\n", head);
  recording r;
  roundtrip(msg, &r);
  assert_int_equal(r.n, 3);
  assert_int_equal(r.ev[0].type, MSRP_EVENT_HEADERS);
  assert_string_equal(r.ev[0].text, head);
  assert_int_equal(r.ev[1].type, MSRP_EVENT_BODY);
  assert_string_equal(r.ev[1].text, "hello");
  assert_int_equal(r.ev[1].offset, 0);
  assert_int_equal(r.ev[2].type, MSRP_EVENT_END);
  assert_int_equal(r.ev[2].flag, '$');
  assert_int_equal(r.ev[2].segment, 0);
  assert_int_equal(r.ev[2].range.start, 1);
  assert_int_equal(r.ev[2].range.end, 5);
  assert_int_equal(r.ev[2].range.total, 5);

  msrp_chunk *c = r.chunks[0];
  assert_true(msrp_chunk_is_request(c));
  assert_string_equal(msrp_chunk_transaction_id(c), "a786hjs2");
  assert_string_equal(msrp_chunk_method(c), "SEND");
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_SEND);
  assert_string_equal(msrp_chunk_message_id(c), "87652491");
  assert_string_equal(msrp_chunk_content_type(c), "text/plain");
  assert_int_equal(msrp_chunk_flag(c), '$');
  const msrp_path *to = msrp_chunk_to_path(c);
  assert_int_equal(to->count, 1);
  assert_string_equal(to->uris[0].host, "bob.example.com");
  assert_int_equal(to->uris[0].port, 8888);
  assert_string_equal(to->uris[0].session_id, "9di4eae923wzd");
  assert_string_equal(msrp_chunk_from_path(c)->uris[0].session_id,
                      "iau39soe2843z");
  recording_free(&r);
}

static void test_response_no_body(void **state) {
  (void)state;
  const char *msg = "MSRP a786hjs2 200 OK\r\n" PATHS "-------a786hjs2$\r\n";
  recording r;
  roundtrip(msg, &r);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.ev[0].type, MSRP_EVENT_HEADERS);
  assert_int_equal(r.ev[1].type, MSRP_EVENT_END);
  msrp_chunk *c = r.chunks[0];
  assert_false(msrp_chunk_is_request(c));
  assert_null(msrp_chunk_method(c));
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_NONE);
  assert_int_equal(msrp_chunk_code(c), 200);
  assert_string_equal(msrp_chunk_comment(c), "OK");
  assert_false(msrp_chunk_has_content(c));
  recording_free(&r);

  /* a response without a comment, and one with a longer comment */
  roundtrip("MSRP x1y2 408\r\n" PATHS "-------x1y2$\r\n", &r);
  assert_int_equal(msrp_chunk_code(r.chunks[0]), 408);
  assert_null(msrp_chunk_comment(r.chunks[0]));
  recording_free(&r);
  roundtrip("MSRP x1y2 481 Session Does Not Exist\r\n" PATHS "-------x1y2$\r\n",
            &r);
  assert_string_equal(msrp_chunk_comment(r.chunks[0]),
                      "Session Does Not Exist");
  recording_free(&r);
}

static void test_pipelined(void **state) {
  (void)state;
  const char *msg =
      "MSRP t1aa SEND\r\n" PATHS "Message-ID: m1\r\nByte-Range: 1-3/3\r\n"
      "Content-Type: text/plain\r\n\r\none\r\n-------t1aa$\r\n"
      "MSRP t1aa 200 OK\r\n" PATHS "-------t1aa$\r\n"
      "MSRP t2bb REPORT\r\n" PATHS "Message-ID: m1\r\nByte-Range: 1-3/3\r\n"
      "Status: 000 200 OK\r\n-------t2bb$\r\n"
      "MSRP t3cc SEND\r\n" PATHS "Message-ID: m2\r\nByte-Range: 1-*/*\r\n"
      "Content-Type: text/plain\r\n\r\ntwo\r\n-------t3cc+\r\n";
  recording r;
  roundtrip(msg, &r);
  assert_int_equal(r.nchunks, 4);
  assert_int_equal(msrp_chunk_code(r.chunks[1]), 200);
  assert_int_equal(msrp_chunk_method_id(r.chunks[2]), MSRP_METHOD_REPORT);
  msrp_status_header st;
  assert_int_equal(msrp_chunk_status(r.chunks[2], &st), 0);
  assert_int_equal(st.ns, 0);
  assert_int_equal(st.code, 200);
  assert_string_equal(st.reason, "OK");
  msrp_byte_range br;
  assert_int_equal(msrp_chunk_byte_range(r.chunks[3], &br), 0);
  assert_int_equal(br.start, 1);
  assert_true(br.end == MSRP_BYTE_RANGE_UNKNOWN);
  assert_true(br.total == MSRP_BYTE_RANGE_UNKNOWN);
  assert_int_equal(msrp_chunk_flag(r.chunks[3]), '+');
  assert_body(&r, 0, "one", 3);
  assert_body(&r, 3, "two", 3);
  recording_free(&r);
}

/* Bodies that hold things that look like end-lines are delivered intact. */
static void test_tricky_bodies(void **state) {
  (void)state;
  static const struct {
    const char *body;
    /* it holds CRLF "-------abcd" and a flag: a receiver takes it as body
     * (no CRLF after the flag), but a sender must not write it */
    int unsendable;
  } bodies[] = {
      {"line one\r\nline two\r\n\r\n", 0},
      {"-------abce$", 0},            /* nearly its own end-line */
      {"x\r\n-------other$\r\ny", 0}, /* another chunk's end-line */
      {"x\r\n-------abc$\r\ny", 0},   /* a prefix of the tid */
      {"x\r\n-------abcdX\r\ny", 0},  /* tid followed by a non-flag */
      {"x\r\n-------abcd$X", 1},      /* flag but no CRLF */
      {"x\r\n-------abcd$\rX", 1},    /* flag, CR, no LF */
      {"x\r\n-------abcd$\r", 1},     /* ... and the real end-line follows */
      {"x\r\n-------abcd+\r\r\n-------abcd", 1}, /* restart inside a match */
      {"\r\n-------abc", 0},                     /* starts with a prefix */
      {"\r", 0}, /* a lone CR before the delimiter */
      {"\r\r\r\n\r\n--", 0},
      {"-------abcd", 0},   /* begins like the end-line */
      {"-------abcd#X", 1}, /* ... with a flag after the empty line's CRLF */
      {"-", 0},
  };
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    const char *body = bodies[i].body;
    char msg[1024];
    snprintf(msg, sizeof msg,
             "MSRP abcd SEND\r\n" PATHS
             "Content-Type: application/octet-stream\r\n\r\n"
             "%s\r\n-------abcd$\r\n",
             body);
    recording r;
    if (bodies[i].unsendable) {
      parse_str(msg, NULL, &r);
      assert_int_equal(r.err, 0);
      msrp_chunk_set_body_ref(r.chunks[0], body, strlen(body));
      char *bytes = NULL;
      assert_int_equal(msrp_chunk_to_bytes(r.chunks[0], &bytes, NULL),
                       MSRP_ERR_BODY_HAS_END_LINE);
      msrp_chunk_set_body_ref(r.chunks[0], NULL, 0);
    } else {
      roundtrip(msg, &r);
    }
    assert_int_equal(r.nchunks, 1);
    assert_body(&r, 0, body, strlen(body));
    assert_int_equal(r.ev[r.n - 1].type, MSRP_EVENT_END);
    assert_int_equal(r.ev[r.n - 1].flag, '$');
    recording_free(&r);
  }

  /* NUL bytes */
  static const char nul_msg[] =
      "MSRP abcd SEND\r\n" PATHS "Content-Type: application/octet-stream\r\n"
      "\r\na\0b\0\r\n\0\r\n-------abcd$\r\n";
  recording r;
  parse_both(nul_msg, sizeof nul_msg - 1, NULL, &r);
  assert_int_equal(r.err, 0);
  assert_body(&r, 0, "a\0b\0\r\n\0", 7);
  size_t n;
  char *again = reserialize(&r, &n);
  assert_int_equal(n, sizeof nul_msg - 1);
  assert_memory_equal(again, nul_msg, n);
  free(again);
  recording_free(&r);
}

static void test_empty_bodies(void **state) {
  (void)state;
  recording r;
  /* the regular form: empty line, no data, CRLF, end-line */
  roundtrip("MSRP abcd SEND\r\n" PATHS "Content-Type: text/plain\r\n\r\n"
            "\r\n-------abcd$\r\n",
            &r);
  assert_int_equal(r.n, 2);
  assert_body(&r, 0, "", 0);
  recording_free(&r);
  /* some peers leave out the CRLF before the end-line of an empty body */
  parse_str("MSRP abcd SEND\r\n" PATHS "Content-Type: text/plain\r\n\r\n"
            "-------abcd$\r\n",
            NULL, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.ev[1].type, MSRP_EVENT_END);
  assert_body(&r, 0, "", 0);
  recording_free(&r);
}

static void test_flags_and_methods(void **state) {
  (void)state;
  recording r;
  roundtrip("MSRP abcd SEND\r\n" PATHS "Message-ID: m\r\n"
            "Byte-Range: 1-*/100\r\nContent-Type: text/plain\r\n\r\n"
            "abc\r\n-------abcd#\r\n",
            &r);
  assert_int_equal(r.ev[r.n - 1].flag, '#');
  assert_int_equal(msrp_chunk_flag(r.chunks[0]), '#');
  recording_free(&r);

  roundtrip("MSRP abcd NICKNAME\r\n" PATHS "Use-Nickname: \"Alice\"\r\n"
            "-------abcd$\r\n",
            &r);
  assert_int_equal(msrp_chunk_method_id(r.chunks[0]), MSRP_METHOD_NICKNAME);
  assert_string_equal(
      msrp_chunk_header_by_id(r.chunks[0], MSRP_HDR_USE_NICKNAME), "\"Alice\"");
  recording_free(&r);

  roundtrip("MSRP abcd FROBNICATE\r\n" PATHS "X-Thing: 1\r\n"
            "-------abcd$\r\n",
            &r);
  assert_int_equal(msrp_chunk_method_id(r.chunks[0]), MSRP_METHOD_OTHER);
  assert_string_equal(msrp_chunk_method(r.chunks[0]), "FROBNICATE");
  assert_string_equal(msrp_chunk_header(r.chunks[0], "x-thing"), "1");
  recording_free(&r);
}

static void test_relay_headers(void **state) {
  (void)state;
  recording r;
  roundtrip("MSRP fi93 200 OK\r\n"
            "To-Path: msrps://alice@a.example.org;tcp\r\n"
            "From-Path: msrps://relay.example.net;tcp\r\n"
            "Use-Path: msrps://relay.example.net:2855/aX9;tcp\r\n"
            "Expires: 900\r\n"
            "-------fi93$\r\n",
            &r);
  msrp_chunk *c = r.chunks[0];
  assert_int_equal(msrp_chunk_use_path(c)->count, 1);
  assert_string_equal(msrp_chunk_use_path(c)->uris[0].session_id, "aX9");
  uint32_t v;
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &v), 0);
  assert_int_equal(v, 900);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MIN_EXPIRES, &v),
                   MSRP_ERR_NOT_FOUND);
  recording_free(&r);

  roundtrip("MSRP fi93 401 Unauthorized\r\n" PATHS
            "WWW-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"
            "WWW-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\n"
            "-------fi93$\r\n",
            &r);
  assert_int_equal(msrp_chunk_header_count(r.chunks[0]), 4);
  recording_free(&r);

  roundtrip("MSRP fi93 423 Interval Out-of-Bounds\r\n" PATHS
            "Min-Expires: 60\r\nMax-Expires: 3600\r\n-------fi93$\r\n",
            &r);
  assert_int_equal(msrp_chunk_expiry(r.chunks[0], MSRP_HDR_MAX_EXPIRES, &v), 0);
  assert_int_equal(v, 3600);
  recording_free(&r);
}

static void test_reports(void **state) {
  (void)state;
  recording r;
  roundtrip("MSRP abcd SEND\r\n" PATHS "Success-Report: yes\r\n"
            "Failure-Report: partial\r\n-------abcd$\r\n",
            &r);
  assert_int_equal(msrp_chunk_success_report(r.chunks[0]), MSRP_REPORT_YES);
  assert_int_equal(msrp_chunk_failure_report(r.chunks[0]), MSRP_REPORT_PARTIAL);
  recording_free(&r);
  roundtrip("MSRP abcd SEND\r\n" PATHS "-------abcd$\r\n", &r);
  assert_int_equal(msrp_chunk_success_report(r.chunks[0]), MSRP_REPORT_ABSENT);
  assert_int_equal(msrp_chunk_failure_report(r.chunks[0]), MSRP_REPORT_ABSENT);
  recording_free(&r);
}

/* Virtual chunks (the seed's read_chunk(size)). */
static void test_segments(void **state) {
  (void)state;
  const char *msg = "MSRP abcd SEND\r\n" PATHS "Message-ID: m\r\n"
                    "Byte-Range: 11-20/30\r\nContent-Type: text/plain\r\n\r\n"
                    "0123456789\r\n-------abcd+\r\n";
  recording r;
  parse_opts o = {.segment_size = 4};
  parse_str(msg, &o, &r);
  assert_int_equal(r.err, 0);
  /* HEADERS, BODY, SEG, BODY, SEG, BODY, END */
  assert_int_equal(r.n, 7);
  static const msrp_event_type types[] = {
      MSRP_EVENT_HEADERS, MSRP_EVENT_BODY, MSRP_EVENT_SEGMENT, MSRP_EVENT_BODY,
      MSRP_EVENT_SEGMENT, MSRP_EVENT_BODY, MSRP_EVENT_END};
  for (size_t i = 0; i < 7; i++)
    assert_int_equal(r.ev[i].type, types[i]);
  assert_string_equal(r.ev[1].text, "0123");
  assert_string_equal(r.ev[3].text, "4567");
  assert_string_equal(r.ev[5].text, "89");
  assert_int_equal(r.ev[2].segment, 1);
  assert_int_equal(r.ev[2].flag, '+');
  assert_int_equal(r.ev[2].range.start, 11);
  assert_int_equal(r.ev[2].range.end, 14);
  assert_int_equal(r.ev[2].range.total, 30);
  assert_int_equal(r.ev[4].segment, 2);
  assert_int_equal(r.ev[4].range.start, 15);
  assert_int_equal(r.ev[4].range.end, 18);
  assert_int_equal(r.ev[6].segment, 3);
  assert_int_equal(r.ev[6].flag, '+');
  assert_int_equal(r.ev[6].range.start, 19);
  assert_int_equal(r.ev[6].range.end, 20);
  recording_free(&r);

  /* a body that is an exact multiple: no empty last segment */
  const char *even = "MSRP abcd SEND\r\n" PATHS "Content-Type: text/plain"
                     "\r\n\r\n01234567\r\n-------abcd$\r\n";
  parse_str(even, &o, &r);
  assert_int_equal(r.n, 5);
  assert_int_equal(r.ev[2].type, MSRP_EVENT_SEGMENT);
  assert_int_equal(r.ev[4].type, MSRP_EVENT_END);
  assert_int_equal(r.ev[4].segment, 2);
  assert_int_equal(r.ev[4].range.start, 5);
  assert_int_equal(r.ev[4].range.end, 8);
  assert_true(r.ev[4].range.total == MSRP_BYTE_RANGE_UNKNOWN);
  recording_free(&r);

  /* size 0: a virtual chunk for every piece of data that arrives */
  parse_opts zero = {.segment_zero = 1};
  record_parse(even, strlen(even), 0, &zero, &r);
  assert_int_equal(r.n, 3); /* one BODY, then END: nothing followed it */
  assert_int_equal(r.ev[2].segment, 0); /* and nothing was cut */
  recording_free(&r);
  record_parse(even, strlen(even), 1, &zero, &r);
  size_t segs = 0;
  for (size_t i = 0; i < r.n; i++)
    segs += r.ev[i].type == MSRP_EVENT_SEGMENT;
  assert_int_equal(segs, 7); /* 8 body bytes one at a time */
  assert_int_equal(r.ev[r.n - 1].type, MSRP_EVENT_END);
  assert_int_equal(r.ev[r.n - 1].segment, 8);
  recording_free(&r);
}

/* A chunk that a segment size did not cut reports at END as without a
 * segment size: segment 0 and its own Byte-Range. */
static void test_segments_uncut(void **state) {
  (void)state;
  static const char *const bodies[] = {"0123", "012", ""};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    char msg[512];
    snprintf(msg, sizeof msg,
             "MSRP abcd SEND\r\n" PATHS "Message-ID: m\r\n"
             "Byte-Range: 11-%zu/30\r\nContent-Type: text/plain\r\n\r\n"
             "%s\r\n-------abcd+\r\n",
             10 + strlen(bodies[i]), bodies[i]);
    recording with, without;
    parse_opts o = {.segment_size = 4};
    parse_str(msg, &o, &with);
    parse_str(msg, NULL, &without);
    assert_int_equal(with.err, 0);
    assert_recordings_equal(&with, &without);
    const rec_event *end = &with.ev[with.n - 1];
    assert_int_equal(end->type, MSRP_EVENT_END);
    assert_int_equal(end->segment, 0);
    assert_int_equal(end->flag, '+');
    assert_int_equal(end->range.start, 11);
    assert_int_equal(end->range.end, 10 + strlen(bodies[i]));
    assert_int_equal(end->range.total, 30);
    recording_free(&with);
    recording_free(&without);
  }
  /* no body at all, and no Byte-Range */
  recording r;
  parse_opts o = {.segment_size = 4};
  parse_str("MSRP abcd SEND\r\n" PATHS "-------abcd$\r\n", &o, &r);
  assert_int_equal(r.ev[1].segment, 0);
  assert_int_equal(r.ev[1].range.start, 0);
  recording_free(&r);
  /* one byte more is cut: 1, 2 */
  parse_str("MSRP abcd SEND\r\n" PATHS "Byte-Range: 11-15/30\r\n"
            "Content-Type: a/b\r\n\r\n01234\r\n-------abcd+\r\n",
            &o, &r);
  assert_int_equal(r.ev[r.n - 1].segment, 2);
  assert_int_equal(r.ev[r.n - 1].range.start, 15);
  assert_int_equal(r.ev[r.n - 1].range.end, 15);
  recording_free(&r);
}

/* The fuzzer's property, on inputs chosen to be hard: the events and the
 * error (and where it happened) do not depend on how the input is split. */
static void test_split_independence(void **state) {
  (void)state;
  static const char good_then_bad[] =
      "MSRP abcd SEND\r\n" PATHS "Byte-Range: 1-*/*\r\n"
      "Content-Type: a/b\r\n\r\n"
      "\r\n-------abc\r\n-------abcd\r\n-------abcdX\r\n-------abcd$\r"
      "\r\n-------abcd+\r\n"
      "MSRP efgh SEND\r\n" TO "Status: 9\r\nX: \t\xc3\xa9\r\n"
      "Content-Type: a/b\r\n\r\n-------efgh#\r\n"
      "MSRP ijkl 200 OK\r\n" PATHS "-------ijkl$\r\n"
      "MSRP mnop SEND\r\n" PATHS "X-A: a\x01\r\n";
  static const char nul_comment[] = "MSRP abcd 200 O\0K\r\n";
  static const char end_pending[] = "MSRP abcd SEND\r\n" FROM "-------abcd$\r\n"
                                    "MSRP abce SEND\r\n" PATHS "-x: y\r\n";
  static const char empty_bodies[] =
      "MSRP abcd SEND\r\n" PATHS "Content-Type: a/b\r\n\r\n"
      "-------abcd$\r\n"
      "MSRP abcd SEND\r\n" PATHS "Content-Type: a/b\r\n\r\n\r\n"
      "-------abcd$\r\n"
      "MSRP abcd SEND\r\n" PATHS "Content-Type: a/b\r\n\r\n\r\n\r\n"
      "-------abcd$\r\n";
  char *garbage = malloc(20000);
  assert_non_null(garbage);
  memset(garbage, 'x', 20000);
  memcpy(garbage, "GET / HTTP/1.1", 14);
  msrp_parser_limits tiny = {.max_header_bytes = 3},
                     small = {.max_header_bytes = 150,
                              .max_header_count = 4,
                              .max_tid_length = 4};
  static const char msrpx[] = "MSRPX";
  const struct {
    const char *in;
    size_t len;
    const msrp_parser_limits *limits;
  } inputs[] = {
      {good_then_bad, sizeof good_then_bad - 1, NULL},
      {good_then_bad, sizeof good_then_bad - 1, &small},
      {nul_comment, sizeof nul_comment - 1, NULL},
      {end_pending, sizeof end_pending - 1, NULL},
      {empty_bodies, sizeof empty_bodies - 1, NULL},
      {garbage, 20000, NULL},
      {msrpx, sizeof msrpx - 1, &tiny},
  };
  static const size_t segs[] = {0, 1, 3, 7};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    for (size_t k = 0; k < sizeof segs / sizeof segs[0]; k++) {
      parse_opts o = {.limits = inputs[i].limits, .segment_size = segs[k]};
      recording whole;
      record_parse(inputs[i].in, inputs[i].len, 0, &o, &whole);
      for (uint64_t seed = 1; seed <= 24; seed++) {
        recording split;
        record_parse_random(inputs[i].in, inputs[i].len, 1 + seed % 23, seed,
                            &o, &split);
        assert_recordings_equal(&whole, &split);
        recording_free(&split);
      }
      recording_free(&whole);
    }
  }
  free(garbage);
}

static void test_errors_start_line(void **state) {
  (void)state;
  /* not MSRP at all: refused at the first byte that differs */
  expect_error("HTTP/1.1 200 OK\r\n", MSRP_ERR_PARSE_START_LINE, 0);
  expect_error("MSRQ", MSRP_ERR_PARSE_START_LINE, 3);
  expect_error("MSRP\r\n", MSRP_ERR_PARSE_START_LINE, 4);
  expect_error("MSRP abcd\r\n", MSRP_ERR_PARSE_START_LINE, 11);
  expect_error("MSRP abcd \r\n", MSRP_ERR_PARSE_START_LINE, 12);
  expect_error("MSRP abcd SEND now\r\n", MSRP_ERR_PARSE_START_LINE, 20);
  expect_error("MSRP a_bc SEND\r\n", MSRP_ERR_PARSE_TRANSACTION_ID, 16);
  expect_error("MSRP .abc SEND\r\n", MSRP_ERR_PARSE_TRANSACTION_ID, 16);
  /* a method is framed if it is a token (and answered 501 if unknown) */
  expect_error("MSRP abcd SE@ND\r\n", MSRP_ERR_PARSE_METHOD, 17);
  expect_error("MSRP abcd SE(ND\r\n", MSRP_ERR_PARSE_METHOD, 17);
  expect_error("MSRP abcd 20 OK\r\n", MSRP_ERR_PARSE_STATUS_CODE, 17);
  expect_error("MSRP abcd 2000\r\n", MSRP_ERR_PARSE_STATUS_CODE, 16);
  expect_error("MSRP abcd 2x0 OK\r\n", MSRP_ERR_PARSE_STATUS_CODE, 18);

  /* garbage longer than the header limit, with no LF: refused at its first
   * byte, not for its length, whole or byte by byte */
  char *garbage = malloc(20001);
  assert_non_null(garbage);
  memset(garbage, 'x', 20000);
  memcpy(garbage, "GET / HTTP/1.1", 14);
  garbage[20000] = '\0';
  expect_error(garbage, MSRP_ERR_PARSE_START_LINE, 0);
  memcpy(garbage, "MSRP", 4);
  expect_error(garbage, MSRP_ERR_PARSE_START_LINE, 4);
  free(garbage);
  /* with a limit shorter than "MSRP ", a byte past the limit is refused for
   * the limit even if it would not fit "MSRP " either */
  msrp_parser_limits tiny = {.max_header_bytes = 3};
  parse_opts o = {.limits = &tiny};
  static const struct {
    const char *in;
    int err;
    uint64_t pos;
  } cases[] = {{"MSX", MSRP_ERR_PARSE_START_LINE, 2},
               {"MSRX", MSRP_ERR_LIMIT_HEADER_BYTES, 3},
               {"MSRP abcd SEND", MSRP_ERR_LIMIT_HEADER_BYTES, 3}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    recording r;
    parse_both(cases[i].in, strlen(cases[i].in), &o, &r);
    assert_string_equal(msrp_errname(r.err), msrp_errname(cases[i].err));
    assert_int_equal(r.err_pos, cases[i].pos);
    recording_free(&r);
  }
}

static void expect_error_n(const char *s, size_t len, int err, uint64_t pos) {
  recording r;
  parse_both(s, len, NULL, &r);
  assert_string_equal(msrp_errname(r.err), msrp_errname(err));
  assert_int_equal(r.err_pos, pos);
  recording_free(&r);
}

/* Errors that break the framing: the stream cannot go on. */
static void test_errors_headers(void **state) {
  (void)state;
  const char *sl = "MSRP abcd SEND\r\n"; /* 16 bytes */
  char buf[512];
#define ERR_AFTER(hdrs, err)                                                   \
  do {                                                                         \
    snprintf(buf, sizeof buf, "%s%s", sl, hdrs);                               \
    expect_error(buf, err, strlen(buf));                                       \
  } while (0)
  ERR_AFTER("NoColonHere\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER(": value\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER("Bad Name: x\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER("1Bad: x\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER(PATHS "--x\r\n", MSRP_ERR_PARSE_HEADER);
  /* a line starting with '-' that is not an end-line is a bad header name,
   * paths or not */
  ERR_AFTER("-x: y\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER(PATHS "-x: y\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER("------\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER("To-Path: x\n", MSRP_ERR_PARSE_LINE_ENDING);
  ERR_AFTER("To\rPath: x\r\n", MSRP_ERR_PARSE_LINE_ENDING);
  ERR_AFTER(TO "X-A: a\rb\r\n", MSRP_ERR_PARSE_LINE_ENDING);
  ERR_AFTER(PATHS "-------abce$\r\n", MSRP_ERR_PARSE_END_LINE_TID);
  ERR_AFTER(PATHS "-------abc$\r\n", MSRP_ERR_PARSE_END_LINE_TID);
  ERR_AFTER(PATHS "-------abcdef$\r\n", MSRP_ERR_PARSE_END_LINE_TID);
  ERR_AFTER(PATHS "-------abcd\r\n", MSRP_ERR_PARSE_END_LINE_FLAG);
  ERR_AFTER(PATHS "-------abcd!\r\n", MSRP_ERR_PARSE_END_LINE_FLAG);
  ERR_AFTER(PATHS "-------abcd$$\r\n", MSRP_ERR_PARSE_END_LINE_FLAG);
  /* end-line errors come first even when the paths are missing */
  ERR_AFTER("-------abce$\r\n", MSRP_ERR_PARSE_END_LINE_TID);
  /* control characters in a header value */
  ERR_AFTER(PATHS "X-A: a\x01"
                  "b\r\n",
            MSRP_ERR_PARSE_HEADER);
  ERR_AFTER(PATHS "X-A: \x7f\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER(PATHS "Content-Type: text/plain\x1b\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER(PATHS "Byte-Range: 1-2\x0b/2\r\n", MSRP_ERR_PARSE_HEADER);
  ERR_AFTER("X\x01Y: a\r\n", MSRP_ERR_PARSE_HEADER);
#undef ERR_AFTER
  /* a NUL in a header value is a control character like any other, not an
   * invalid argument */
  static const char nul_value[] = "MSRP abcd SEND\r\n" PATHS "X-A: a\0b\r\n";
  expect_error_n(nul_value, sizeof nul_value - 1, MSRP_ERR_PARSE_HEADER,
                 sizeof nul_value - 1);
  static const char nul_path[] = "MSRP abcd SEND\r\nTo-Path: \0\r\n";
  expect_error_n(nul_path, sizeof nul_path - 1, MSRP_ERR_PARSE_HEADER,
                 sizeof nul_path - 1);
}

/* The framing is intact but the chunk is not understood: parsing goes on
 * to the end-line, and the chunk carries the first error. */
static void expect_chunk_error(const char *hdrs, int err) {
  /* no body */
  char msg[1024];
  snprintf(msg, sizeof msg, "MSRP abcd SEND\r\n%s-------abcd$\r\n", hdrs);
  recording r;
  roundtrip(msg, &r); /* it serializes as it was received */
  assert_int_equal(r.nchunks, 1);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.ev[0].type, MSRP_EVENT_HEADERS);
  assert_string_equal(msrp_errname(r.ev[0].chunk_err), msrp_errname(err));
  assert_string_equal(msrp_errname(msrp_chunk_error(r.chunks[0])),
                      msrp_errname(err));
  assert_int_equal(r.ev[1].type, MSRP_EVENT_END);
  assert_int_equal(r.ev[1].flag, '$');
  recording_free(&r);

  /* with a body, followed by a good chunk */
  snprintf(msg, sizeof msg,
           "MSRP abcd SEND\r\n%sContent-Type: text/plain\r\n\r\n"
           "bo\r\n-------abcX$\r\ndy\r\n-------abcd+\r\n"
           "MSRP efgh 200 OK\r\n" PATHS "-------efgh$\r\n",
           hdrs);
  roundtrip(msg, &r);
  assert_int_equal(r.nchunks, 2);
  assert_string_equal(msrp_errname(r.ev[0].chunk_err), msrp_errname(err));
  static const char body[] = "bo\r\n-------abcX$\r\ndy";
  assert_body(&r, 0, body, sizeof body - 1);
  size_t end = 0;
  while (r.ev[end].type != MSRP_EVENT_END)
    end++;
  assert_int_equal(r.ev[end].flag, '+');
  assert_int_equal(r.ev[end + 1].type, MSRP_EVENT_HEADERS);
  assert_int_equal(r.ev[end + 1].chunk_err, 0);
  assert_int_equal(msrp_chunk_error(r.chunks[1]), 0);
  assert_int_equal(msrp_chunk_code(r.chunks[1]), 200);
  assert_int_equal(r.ev[r.n - 1].type, MSRP_EVENT_END);
  recording_free(&r);
}

static void test_chunk_errors(void **state) {
  (void)state;
  /* paths: a malformed URI, one too few */
  expect_chunk_error("To-Path: http://x.example.com;tcp\r\n" FROM,
                     MSRP_ERR_PARSE_PATH);
  expect_chunk_error("To-Path: msrp://x.example.com\r\n" FROM,
                     MSRP_ERR_PARSE_PATH);
  expect_chunk_error(TO "From-Path: \r\n", MSRP_ERR_PARSE_PATH);
  expect_chunk_error(PATHS "Use-Path: nonsense\r\n", MSRP_ERR_PARSE_PATH);
  expect_chunk_error(FROM, MSRP_ERR_PARSE_MISSING_TO_PATH);
  expect_chunk_error(TO, MSRP_ERR_PARSE_MISSING_FROM_PATH);
  expect_chunk_error("", MSRP_ERR_PARSE_MISSING_TO_PATH);
  expect_chunk_error("X-Other: 1\r\n", MSRP_ERR_PARSE_MISSING_TO_PATH);
  /* a single-valued header twice */
  expect_chunk_error(TO TO FROM, MSRP_ERR_PARSE_DUPLICATE_HEADER);
  expect_chunk_error(PATHS "Message-ID: a\r\nmessage-id: b\r\n",
                     MSRP_ERR_PARSE_DUPLICATE_HEADER);
  expect_chunk_error(PATHS "Expires: 1\r\nExpires: 1\r\n",
                     MSRP_ERR_PARSE_DUPLICATE_HEADER);
  /* Message-ID */
  expect_chunk_error(PATHS "Message-ID: \r\n", MSRP_ERR_PARSE_MESSAGE_ID);
  /* Byte-Range */
  expect_chunk_error(PATHS "Byte-Range: 1-2\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: 0-2/3\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: a-2/3\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: 5-1/9\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: 1-6/5\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: 1-2/3/4\r\n",
                     MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: 1-99999999999999999999/*\r\n",
                     MSRP_ERR_PARSE_BYTE_RANGE);
  /* a start after a known total */
  expect_chunk_error(PATHS "Byte-Range: 5-*/3\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(PATHS "Byte-Range: 1-*/0\r\n", MSRP_ERR_PARSE_BYTE_RANGE);
  /* Status */
  expect_chunk_error(PATHS "Status: 200 OK\r\n", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_chunk_error(PATHS "Status: 000 20\r\n", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_chunk_error(PATHS "Status: 000 200OK\r\n",
                     MSRP_ERR_PARSE_STATUS_HEADER);
  /* reports */
  expect_chunk_error(PATHS "Success-Report: maybe\r\n",
                     MSRP_ERR_PARSE_REPORT_HEADER);
  expect_chunk_error(PATHS "Success-Report: partial\r\n",
                     MSRP_ERR_PARSE_REPORT_HEADER);
  expect_chunk_error(PATHS "Failure-Report: \r\n",
                     MSRP_ERR_PARSE_REPORT_HEADER);
  /* expiry */
  expect_chunk_error(PATHS "Expires: soon\r\n", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_chunk_error(PATHS "Min-Expires: -1\r\n", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_chunk_error(PATHS "Max-Expires: \r\n", MSRP_ERR_PARSE_NUMBER_HEADER);
  /* the first error is the one recorded */
  expect_chunk_error(PATHS "Byte-Range: x\r\nStatus: y\r\n",
                     MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error("Status: y\r\n", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_chunk_error("To-Path: x\r\nTo-Path: y\r\n", MSRP_ERR_PARSE_PATH);
}

/* Received paths are parsed when asked for: the chunk says what parsing
 * on arrival would have said, errors in header order included; paths that
 * match known bytes are vouched for without parsing. */
static void test_lazy_paths(void **state) {
  (void)state;
  /* the first error in header order, whichever was found first */
  expect_chunk_error("To-Path: msrp://x.example.com\r\n" FROM
                     "Byte-Range: x\r\n",
                     MSRP_ERR_PARSE_PATH);
  expect_chunk_error("Byte-Range: x\r\nTo-Path: msrp://x.example.com\r\n" FROM,
                     MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(TO "Byte-Range: x\r\nFrom-Path: nonsense\r\n",
                     MSRP_ERR_PARSE_BYTE_RANGE);
  expect_chunk_error(TO "From-Path: nonsense\r\nFrom-Path: " ALICE "\r\n",
                     MSRP_ERR_PARSE_PATH);

  static const char to[] = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
  static const char from[] = ALICE;
  recording r;
  roundtrip("MSRP abcd SEND\r\n" TO FROM "-------abcd$\r\n", &r);
  msrp_chunk *c = r.chunks[0];
  /* not the same bytes (one byte less, one more, another case) */
  assert_false(
      msrp__chunk_paths_are(c, to, sizeof to - 2, from, sizeof from - 1));
  assert_false(
      msrp__chunk_paths_are(c, to, sizeof to - 1, ALICE " ", sizeof from));
  assert_false(msrp__chunk_paths_are(c,
                                     "MSRP://bob.example.com:8888/"
                                     "9di4eae923wzd;tcp",
                                     sizeof to - 1, from, sizeof from - 1));
  assert_true(
      msrp__chunk_paths_are(c, to, sizeof to - 1, from, sizeof from - 1));
  assert_int_equal(msrp_chunk_error(c), 0);
  assert_int_equal(msrp__chunk_path_count(c, MSRP_HDR_TO_PATH), 1);
  assert_int_equal(msrp__chunk_path_count(c, MSRP_HDR_USE_PATH), 0);
  /* and parsed all the same when asked for */
  const msrp_path *p = msrp_chunk_to_path(c);
  assert_non_null(p);
  assert_int_equal(p->count, 1);
  assert_string_equal(p->uris[0].session_id, "9di4eae923wzd");
  assert_string_equal(msrp_chunk_from_path(c)->uris[0].host,
                      "alice.example.com");
  recording_free(&r);

  /* more URIs than the limit end the stream as parsing them did */
  msrp_parser_limits lim = {0};
  lim.max_path_uris = 2;
  expect_error_lim("MSRP abcd SEND\r\nTo-Path: " ALICE " " ALICE " " ALICE
                   "\r\n",
                   &lim, MSRP_ERR_LIMIT_PATH_LENGTH);
}

/* Shrinking between chunks lets go of the kept chunk; mid-chunk it does
 * nothing; parsing goes on the same either way. */
static void test_shrink(void **state) {
  (void)state;
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  static const char two[] = "MSRP a1 SEND\r\n" PATHS "-------a1$\r\n"
                            "MSRP a2 SEND\r\n" PATHS;
  const uint8_t *in = (const uint8_t *)two;
  size_t len = sizeof two - 1, used;
  msrp_event ev;
  int ends = 0;
  for (;;) {
    assert_int_equal(msrp_parser_execute(p, in, len, &used, &ev), 0);
    in += used;
    len -= used;
    if (ev.type == MSRP_EVENT_NONE)
      break;
    if (ev.type == MSRP_EVENT_END) {
      ends++;
      assert_non_null(msrp_parser_chunk(p));
      msrp_parser_shrink(p); /* between chunks: the chunk goes */
      assert_null(msrp_parser_chunk(p));
    }
  }
  assert_int_equal(ends, 1);
  /* inside a2's headers: nothing changes */
  assert_false(msrp_parser_between_chunks(p));
  assert_non_null(msrp_parser_chunk(p));
  msrp_parser_shrink(p);
  assert_non_null(msrp_parser_chunk(p));
  assert_string_equal(msrp_chunk_transaction_id(msrp_parser_chunk(p)), "a2");
  static const char rest[] = "-------a2$\r\n";
  assert_int_equal(msrp_parser_execute(p, (const uint8_t *)rest,
                                       sizeof rest - 1, &used, &ev),
                   0);
  assert_int_equal(ev.type, MSRP_EVENT_HEADERS);
  assert_int_equal(msrp_parser_execute(p, NULL, 0, &used, &ev), 0);
  assert_int_equal(ev.type, MSRP_EVENT_END);
  msrp_parser_shrink(p);
  msrp_parser_shrink(NULL);
  msrp_parser_free(p);
}

/* A header with a bad value is kept verbatim, without a typed view. */
static void test_chunk_error_views(void **state) {
  (void)state;
  recording r;
  roundtrip("MSRP abcd REPORT\r\n" PATHS "Byte-Range: 1-x/9\r\n"
            "Status: 000 2OO\r\nByte-Range: 1-5/9\r\nExpires: 9x\r\n"
            "Success-Report: sure\r\n-------abcd$\r\n",
            &r);
  msrp_chunk *c = r.chunks[0];
  assert_int_equal(msrp_chunk_error(c), MSRP_ERR_PARSE_BYTE_RANGE);
  msrp_byte_range br;
  /* neither the bad first nor the duplicate second */
  assert_int_equal(msrp_chunk_byte_range(c, &br), MSRP_ERR_NOT_FOUND);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"), "1-x/9");
  msrp_status_header st;
  assert_int_equal(msrp_chunk_status(c, &st), MSRP_ERR_NOT_FOUND);
  assert_string_equal(msrp_chunk_header_by_id(c, MSRP_HDR_STATUS), "000 2OO");
  uint32_t e;
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_ABSENT);
  assert_int_equal(msrp_chunk_header_count(c), 7);
  msrp_header_id id;
  assert_int_equal(msrp_chunk_header_at(c, 2, &id, NULL, NULL), 0);
  assert_int_equal(id, MSRP_HDR_BYTE_RANGE);
  /* END has no range to report */
  assert_int_equal(r.ev[1].range.start, 0);
  assert_int_equal(r.ev[1].range.end, 0);
  recording_free(&r);

  /* a good first header keeps its view when a second one repeats it */
  roundtrip("MSRP abcd SEND\r\n" PATHS "Byte-Range: 1-5/9\r\n"
            "Byte-Range: 1-x/9\r\n-------abcd+\r\n",
            &r);
  assert_int_equal(msrp_chunk_error(r.chunks[0]),
                   MSRP_ERR_PARSE_DUPLICATE_HEADER);
  assert_int_equal(msrp_chunk_byte_range(r.chunks[0], &br), 0);
  assert_int_equal(br.end, 5);
  recording_free(&r);

  /* a bad path: no typed view, so no response paths either */
  roundtrip("MSRP abcd SEND\r\nTo-Path: msrp://x.example.com\r\n" FROM
            "-------abcd$\r\n",
            &r);
  c = r.chunks[0];
  assert_int_equal(msrp_chunk_error(c), MSRP_ERR_PARSE_PATH);
  assert_null(msrp_chunk_to_path(c));
  assert_non_null(msrp_chunk_from_path(c));
  msrp_chunk *resp;
  assert_int_equal(msrp_chunk_make_response(&resp, c, 400, NULL), 0);
  char *bytes;
  assert_int_equal(msrp_chunk_to_bytes(resp, &bytes, NULL), 0);
  assert_string_equal(bytes, "MSRP abcd 400 Bad Request\r\nTo-Path: "
                             "msrp://alice.example.com:7777/iau39soe2843z;tcp"
                             "\r\n-------abcd$\r\n");
  free(bytes);
  msrp_chunk_free(resp);
  recording_free(&r);
}

/* Control characters in a response comment; UTF-8 and HTAB are text. */
static void test_comment_control_characters(void **state) {
  (void)state;
  /* a NUL used to cut the comment short silently */
  static const char nul[] = "MSRP abcd 200 O\0K\r\n";
  expect_error_n(nul, sizeof nul - 1, MSRP_ERR_PARSE_START_LINE,
                 sizeof nul - 1);
  expect_error("MSRP abcd 200 O\x01K\r\n", MSRP_ERR_PARSE_START_LINE, 19);
  expect_error("MSRP abcd 200 \x7f\r\n", MSRP_ERR_PARSE_START_LINE, 17);
  recording r;
  roundtrip("MSRP abcd 200 Tr\xc3\xa8s\tbien\r\n" PATHS
            "X-Name: J\xc3\xbcrgen\t!\r\n-------abcd$\r\n",
            &r);
  assert_string_equal(msrp_chunk_comment(r.chunks[0]), "Tr\xc3\xa8s\tbien");
  assert_string_equal(msrp_chunk_header(r.chunks[0], "X-Name"),
                      "J\xc3\xbcrgen\t!");
  recording_free(&r);
}

/* RFC 4976 puts no bound on 1*DIGIT: a larger value reads as UINT32_MAX. */
static void test_expires_any_digits(void **state) {
  (void)state;
  recording r;
  roundtrip("MSRP abcd 423\r\n" PATHS "Expires: 4294967296\r\n"
            "Min-Expires: 123456789012345678901234567890\r\n"
            "Max-Expires: 00000000000000000000000000000007\r\n"
            "-------abcd$\r\n",
            &r);
  uint32_t v;
  assert_int_equal(msrp_chunk_error(r.chunks[0]), 0);
  assert_int_equal(msrp_chunk_expiry(r.chunks[0], MSRP_HDR_EXPIRES, &v), 0);
  assert_int_equal(v, UINT32_MAX);
  assert_int_equal(msrp_chunk_expiry(r.chunks[0], MSRP_HDR_MIN_EXPIRES, &v), 0);
  assert_int_equal(v, UINT32_MAX);
  assert_int_equal(msrp_chunk_expiry(r.chunks[0], MSRP_HDR_MAX_EXPIRES, &v), 0);
  assert_int_equal(v, 7);
  recording_free(&r);
}

static void test_errors_limits(void **state) {
  (void)state;
  msrp_parser_limits l = {0};
  l.max_header_bytes = 100;
  /* the 101st byte is refused before the line is complete */
  expect_error_lim("MSRP abcd SEND\r\n" TO FROM, &l,
                   MSRP_ERR_LIMIT_HEADER_BYTES);
  msrp_parser_limits l2 = {.max_header_count = 3};
  expect_error_lim("MSRP abcd SEND\r\n" PATHS "A: 1\r\nB: 2\r\n", &l2,
                   MSRP_ERR_LIMIT_HEADER_COUNT);
  msrp_parser_limits l3 = {.max_path_uris = 2};
  expect_error_lim("MSRP abcd SEND\r\nTo-Path: msrp://a.example.com;tcp "
                   "msrp://b.example.com;tcp msrp://c.example.com/s;tcp\r\n",
                   &l3, MSRP_ERR_LIMIT_PATH_LENGTH);
  msrp_parser_limits l4 = {.max_tid_length = 8};
  expect_error_lim("MSRP abcdefghi SEND\r\n", &l4, MSRP_ERR_LIMIT_TID_LENGTH);
  msrp_parser_limits l5 = {.max_method_length = 4};
  expect_error_lim("MSRP abcd REPORT\r\n", &l5, MSRP_ERR_LIMIT_METHOD_LENGTH);

  /* the hold buffer is sized from max_tid_length: a huge one is clamped to
   * MSRP_PARSER_TID_LENGTH_MAX instead of wrapping the size around */
  msrp_parser_limits huge = {.max_tid_length = SIZE_MAX - 8};
  char tid[MSRP_PARSER_TID_LENGTH_MAX + 2];
  memset(tid, 't', sizeof tid - 1);
  tid[sizeof tid - 1] = '\0';
  char big[2048];
  /* a body full of near end-lines, so that the parser holds bytes back */
  int n = snprintf(big, sizeof big,
                   "MSRP %.*s SEND\r\n" PATHS "Content-Type: a/b\r\n\r\n"
                   "x\r\n-------%.*sX\r\n-------%.*s$\r\n",
                   MSRP_PARSER_TID_LENGTH_MAX, tid, MSRP_PARSER_TID_LENGTH_MAX,
                   tid, MSRP_PARSER_TID_LENGTH_MAX, tid);
  parse_opts ho = {.limits = &huge};
  recording r;
  parse_both(big, (size_t)n, &ho, &r);
  assert_int_equal(r.err, 0);
  assert_int_equal(r.ev[r.n - 1].type, MSRP_EVENT_END);
  assert_int_equal(strlen(msrp_chunk_transaction_id(r.chunks[0])),
                   MSRP_PARSER_TID_LENGTH_MAX);
  recording_free(&r);
  n = snprintf(big, sizeof big, "MSRP %s SEND\r\n", tid);
  parse_both(big, (size_t)n, &ho, &r);
  assert_int_equal(r.err, MSRP_ERR_LIMIT_TID_LENGTH);
  recording_free(&r);
  msrp_parser *p = NULL;
  assert_int_equal(msrp_parser_new(&p, &huge), 0);
  msrp_parser_free(p);
  huge.max_tid_length = SIZE_MAX;
  assert_int_equal(msrp_parser_new(&p, &huge), 0);
  msrp_parser_free(p);

  /* a body of any size is fine whatever the header limit */
  msrp_parser_limits small = {.max_header_bytes = 200};
  char body[5000];
  memset(body, 'z', sizeof body);
  char msg[6000];
  n = snprintf(msg, sizeof msg,
               "MSRP abcd SEND\r\n" PATHS "Content-Type: a/b\r\n\r\n"
               "%.*s\r\n-------abcd$\r\n",
               (int)sizeof body, body);
  parse_opts o = {.limits = &small};
  parse_both(msg, (size_t)n, &o, &r);
  assert_int_equal(r.err, 0);
  assert_body(&r, 0, body, sizeof body);
  recording_free(&r);
}

/* Garbage after a good chunk: the good one is delivered, then the error
 * names the exact place. */
static void test_garbage_after_chunk(void **state) {
  (void)state;
  const char *good = "MSRP abcd 200 OK\r\n" PATHS "-------abcd$\r\n";
  char msg[512];
  snprintf(msg, sizeof msg, "%s\x16\x03\x01garbage", good);
  recording r;
  parse_str(msg, NULL, &r);
  assert_int_equal(r.err, MSRP_ERR_PARSE_START_LINE);
  assert_int_equal(r.err_pos, strlen(good));
  assert_int_equal(r.nchunks, 1);
  assert_int_equal(r.ev[r.n - 1].type, MSRP_EVENT_END);
  recording_free(&r);
}

static void test_reset_and_take(void **state) {
  (void)state;
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  size_t used;
  msrp_event ev;
  const char *bad = "GET / HTTP/1.1\r\n";
  assert_int_equal(
      msrp_parser_execute(p, (const uint8_t *)bad, strlen(bad), &used, &ev),
      MSRP_ERR_PARSE_START_LINE);
  assert_int_equal(
      msrp_parser_execute(p, (const uint8_t *)bad, strlen(bad), &used, &ev),
      MSRP_ERR_PARSER_FAILED);
  msrp_parser_reset(p);
  assert_int_equal(msrp_parser_position(p), 0);
  const char *ok = "MSRP abcd 200 OK\r\n" PATHS "-------abcd$\r\n";
  const uint8_t *in = (const uint8_t *)ok;
  size_t left = strlen(ok);
  assert_int_equal(msrp_parser_execute(p, in, left, &used, &ev), 0);
  assert_int_equal(ev.type, MSRP_EVENT_HEADERS);
  /* not taken: the parser keeps it, and later events point at it */
  in += used;
  left -= used;
  assert_int_equal(msrp_parser_execute(p, in, left, &used, &ev), 0);
  assert_int_equal(ev.type, MSRP_EVENT_END);
  assert_int_equal(msrp_chunk_code(ev.chunk), 200);
  assert_int_equal(used, left);
  assert_int_equal(msrp_parser_position(p), strlen(ok));
  /* nothing left: NONE */
  assert_int_equal(msrp_parser_execute(p, NULL, 0, &used, &ev), 0);
  assert_int_equal(ev.type, MSRP_EVENT_NONE);
  /* taken: the parser no longer frees it, even when the next chunk
   * begins; a second take gives NULL */
  in = (const uint8_t *)ok;
  left = strlen(ok);
  assert_int_equal(msrp_parser_execute(p, in, left, &used, &ev), 0);
  assert_int_equal(ev.type, MSRP_EVENT_HEADERS);
  msrp_chunk *mine = msrp_parser_take_chunk(p);
  assert_ptr_equal(mine, ev.chunk);
  assert_null(msrp_parser_take_chunk(p));
  assert_int_equal(msrp_parser_execute(p, in + used, left - used, &used, &ev),
                   0);
  assert_int_equal(ev.type, MSRP_EVENT_END);
  assert_ptr_equal(ev.chunk, mine);
  assert_int_equal(
      msrp_parser_execute(p, (const uint8_t *)ok, left, &used, &ev), 0);
  assert_true(ev.chunk != mine);
  assert_int_equal(msrp_chunk_code(mine), 200);
  msrp_chunk_free(mine);
  msrp_parser_free(p);
  msrp_parser_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_events),
      cmocka_unit_test(test_response_no_body),
      cmocka_unit_test(test_pipelined),
      cmocka_unit_test(test_tricky_bodies),
      cmocka_unit_test(test_empty_bodies),
      cmocka_unit_test(test_flags_and_methods),
      cmocka_unit_test(test_relay_headers),
      cmocka_unit_test(test_reports),
      cmocka_unit_test(test_segments),
      cmocka_unit_test(test_errors_start_line),
      cmocka_unit_test(test_errors_headers),
      cmocka_unit_test(test_chunk_errors),
      cmocka_unit_test(test_chunk_error_views),
      cmocka_unit_test(test_lazy_paths),
      cmocka_unit_test(test_shrink),
      cmocka_unit_test(test_comment_control_characters),
      cmocka_unit_test(test_expires_any_digits),
      cmocka_unit_test(test_segments_uncut),
      cmocka_unit_test(test_split_independence),
      cmocka_unit_test(test_errors_limits),
      cmocka_unit_test(test_garbage_after_chunk),
      cmocka_unit_test(test_reset_and_take),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
