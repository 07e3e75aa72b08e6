/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The chunk model, builder and serializer: every case asserts the exact
 * bytes a chunk puts on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <ctype.h>

#include <msrp/chunk.h>

#include "core/chunk_internal.h"
#include "core/util.h"
#include "harness.h"

#define BOB "msrp://bob.example.com:8888/9di4eae923wzd;tcp"
#define ALICE "msrp://alice.example.com:7777/iau39soe2843z;tcp"
#define RELAY1 "msrps://relay1.example.com:2855/r1a2b3;tcp"
#define RELAY2 "msrps://relay2.example.net:9000/r9x8y7;tcp"
#define TO "To-Path: " BOB "\r\n"
#define FROM "From-Path: " ALICE "\r\n"
#define CT "Content-Type: text/plain\r\n\r\n"

/* Errors compare by name, so that a failure says which error it was. */
#define assert_err(got, want)                                                  \
  assert_string_equal(msrp_errname(got), msrp_errname(want))

/* A pointer that no constructor returns: *out must keep it on failure. */
static int untouched_storage;
#define UNTOUCHED ((msrp_chunk *)(void *)&untouched_storage)

static void parse_path(msrp_path *p, const char *text) {
  *p = (msrp_path)MSRP_PATH_INIT;
  assert_int_equal(msrp_path_parse(p, text, strlen(text), 0), 0);
}

static int is_alnum_str(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return 0;
  }
  return 1;
}

/* serialize()'s pieces glued together (malloc'd, NUL-terminated). */
static char *concat_iov(msrp_chunk *c, size_t *len, int *npieces) {
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  int n = msrp_chunk_serialize(c, iov);
  assert_true(n == 2 || n == 3);
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += iov[i].iov_len;
  char *s = malloc(total + 1);
  assert_non_null(s);
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    memcpy(s + off, iov[i].iov_base, iov[i].iov_len);
    off += iov[i].iov_len;
  }
  s[total] = '\0';
  *len = total;
  if (npieces)
    *npieces = n;
  return s;
}

/* The whole chunk is exactly `want` (`len` bytes), through both
 * msrp_chunk_to_bytes() and msrp_chunk_serialize(). */
static void assert_bytes_n(msrp_chunk *c, const char *want, size_t len) {
  char *s;
  size_t n;
  assert_int_equal(msrp_chunk_to_bytes(c, &s, &n), 0);
  if (strlen(want) == len)
    assert_string_equal(s, want); /* readable diff on failure */
  assert_int_equal(n, len);
  assert_memory_equal(s, want, len);
  assert_int_equal(s[n], '\0');
  free(s);
  s = concat_iov(c, &n, NULL);
  assert_int_equal(n, len);
  assert_memory_equal(s, want, len);
  free(s);
}

static void assert_bytes(msrp_chunk *c, const char *want) {
  assert_bytes_n(c, want, strlen(want));
}

static void assert_iov(const struct iovec *v, const char *want) {
  assert_int_equal(v->iov_len, strlen(want));
  assert_memory_equal(v->iov_base, want, v->iov_len);
}

/* A SEND as make_chunk builds it, with fixed ids so the bytes are known. */
static msrp_chunk *make_send(const char *tid, const char *body) {
  msrp_path to, from;
  parse_path(&to, BOB);
  parse_path(&from, ALICE);
  msrp_chunk_params p = {.transaction_id = tid,
                         .to_path = &to,
                         .from_path = &from,
                         .data = body,
                         .data_len = body ? strlen(body) : 0,
                         .content_type = body ? "text/plain" : NULL,
                         .message_id = "87652491"};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  msrp_path_clear(&to);
  msrp_path_clear(&from);
  return c;
}

#define SEND_HEAD(tid, range)                                                  \
  "MSRP " tid " SEND\r\n" TO FROM "Message-ID: 87652491\r\n"                   \
  "Byte-Range: " range "\r\n"

/* ---- construction ------------------------------------------------------ */

static void test_new_request(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "a786hjs2", "SEND"), 0);
  assert_non_null(c);
  assert_true(msrp_chunk_is_request(c));
  assert_string_equal(msrp_chunk_transaction_id(c), "a786hjs2");
  assert_string_equal(msrp_chunk_method(c), "SEND");
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_SEND);
  assert_int_equal(msrp_chunk_code(c), 0);
  assert_null(msrp_chunk_comment(c));
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_int_equal(msrp_chunk_header_count(c), 0);
  assert_false(msrp_chunk_has_content(c));
  size_t len = 99;
  assert_null(msrp_chunk_body(c, &len));
  assert_int_equal(len, 0);
  assert_null(msrp_chunk_to_path(c));
  assert_null(msrp_chunk_from_path(c));
  assert_null(msrp_chunk_use_path(c));
  assert_null(msrp_chunk_message_id(c));
  assert_null(msrp_chunk_content_type(c));
  assert_bytes(c, "MSRP a786hjs2 SEND\r\n-------a786hjs2$\r\n");
  msrp_chunk_free(c);

  static const struct {
    const char *name;
    msrp_method id;
  } methods[] = {{"REPORT", MSRP_METHOD_REPORT},
                 {"AUTH", MSRP_METHOD_AUTH},
                 {"NICKNAME", MSRP_METHOD_NICKNAME},
                 {"FOO", MSRP_METHOD_OTHER},
                 {"SENDX", MSRP_METHOD_OTHER}};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    assert_int_equal(msrp_chunk_new_request(&c, "t1xx", methods[i].name), 0);
    assert_string_equal(msrp_chunk_method(c), methods[i].name);
    assert_int_equal(msrp_chunk_method_id(c), methods[i].id);
    msrp_chunk_free(c);
  }

  /* every ident-char after the first ALPHANUM */
  assert_int_equal(msrp_chunk_new_request(&c, "a.b-c+d%e=f9", "AUTH"), 0);
  assert_bytes(c, "MSRP a.b-c+d%e=f9 AUTH\r\n-------a.b-c+d%e=f9$\r\n");
  msrp_chunk_free(c);
}

static void test_new_request_random_tid(void **state) {
  (void)state;
  msrp_chunk *a = NULL, *b = NULL;
  assert_int_equal(msrp_chunk_new_request(&a, NULL, "SEND"), 0);
  assert_int_equal(msrp_chunk_new_request(&b, NULL, "SEND"), 0);
  const char *ta = msrp_chunk_transaction_id(a);
  const char *tb = msrp_chunk_transaction_id(b);
  assert_int_equal(strlen(ta), 12);
  assert_int_equal(strlen(tb), 12);
  assert_true(is_alnum_str(ta, 12));
  assert_true(is_alnum_str(tb, 12));
  assert_string_not_equal(ta, tb);

  char want[128];
  snprintf(want, sizeof want, "MSRP %s SEND\r\n-------%s$\r\n", ta, ta);
  assert_bytes(a, want);
  msrp_chunk_free(a);
  msrp_chunk_free(b);
}

static void test_new_request_errors(void **state) {
  (void)state;
  msrp_chunk *c = UNTOUCHED;
  /* an RFC 4975 ident: ALPHANUM then 3 to 31 ident-chars */
  static const char *const bad_tids[] = {
      "",         "-abc",    ".abc",
      "ab cd",    "ab/cd",   "ab_cd",
      "ab\r\ncd", "a",       "e1",
      "abc",      "ab\x01d", "abcdefghijklmnopqrstuvwxyz0123456" /* 33 */};
  for (size_t i = 0; i < sizeof bad_tids / sizeof bad_tids[0]; i++) {
    assert_err(msrp_chunk_new_request(&c, bad_tids[i], "SEND"),
               MSRP_ERR_PARSE_TRANSACTION_ID);
    assert_ptr_equal(c, UNTOUCHED);
  }
  static const char *const bad_methods[] = {"send",  "SE ND",    "",
                                            "SEND1", "SEND\r\n", "Send"};
  for (size_t i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++) {
    assert_err(msrp_chunk_new_request(&c, "tid1", bad_methods[i]),
               MSRP_ERR_PARSE_METHOD);
    assert_ptr_equal(c, UNTOUCHED);
  }
  assert_err(msrp_chunk_new_request(&c, "tid1", NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_new_request(NULL, "tid1", "SEND"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
}

static void test_new_response(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_response(&c, "x1y2", 200, "OK"), 0);
  assert_false(msrp_chunk_is_request(c));
  assert_null(msrp_chunk_method(c));
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_NONE);
  assert_int_equal(msrp_chunk_code(c), 200);
  assert_string_equal(msrp_chunk_comment(c), "OK");
  assert_string_equal(msrp_chunk_transaction_id(c), "x1y2");
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, "MSRP x1y2 200 OK\r\n-------x1y2$\r\n");
  msrp_chunk_free(c);

  /* NULL comment: none on the start line */
  assert_int_equal(msrp_chunk_new_response(&c, "x1y2", 408, NULL), 0);
  assert_null(msrp_chunk_comment(c));
  assert_bytes(c, "MSRP x1y2 408\r\n-------x1y2$\r\n");
  msrp_chunk_free(c);

  /* the bounds of the code, and a comment with spaces */
  assert_int_equal(msrp_chunk_new_response(&c, "x1y2", 100, NULL), 0);
  assert_bytes(c, "MSRP x1y2 100\r\n-------x1y2$\r\n");
  msrp_chunk_free(c);
  assert_int_equal(msrp_chunk_new_response(&c, "x1y2", 999, "Not In Any RFC"),
                   0);
  assert_bytes(c, "MSRP x1y2 999 Not In Any RFC\r\n-------x1y2$\r\n");
  msrp_chunk_free(c);

  /* a random tid */
  assert_int_equal(msrp_chunk_new_response(&c, NULL, 200, "OK"), 0);
  assert_int_equal(strlen(msrp_chunk_transaction_id(c)), 12);
  assert_true(is_alnum_str(msrp_chunk_transaction_id(c), 12));
  msrp_chunk_free(c);
}

static void test_new_response_errors(void **state) {
  (void)state;
  msrp_chunk *c = UNTOUCHED;
  static const int bad_codes[] = {99, 1000, 0, -200, 2000};
  for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
    assert_err(msrp_chunk_new_response(&c, "x1y2", bad_codes[i], "OK"),
               MSRP_ERR_INVALID_ARGUMENT);
    assert_ptr_equal(c, UNTOUCHED);
  }
  assert_err(msrp_chunk_new_response(&c, "x y", 200, "OK"),
             MSRP_ERR_PARSE_TRANSACTION_ID);
  assert_err(msrp_chunk_new_response(&c, "", 200, NULL),
             MSRP_ERR_PARSE_TRANSACTION_ID);
  /* a comment may not break the start line */
  assert_err(msrp_chunk_new_response(&c, "x1y2", 200, "OK\r\nTo-Path: x"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_new_response(&c, "x1y2", 200, "OK\n"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_new_response(NULL, "x1y2", 200, "OK"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
}

/* ---- msrp_chunk_make ----------------------------------------------------- */

static void test_make_send(void **state) {
  (void)state;
  char body[] = "hello";
  msrp_path to, from;
  parse_path(&to, BOB);
  parse_path(&from, ALICE);
  msrp_chunk_params p = {.transaction_id = "a786hjs2",
                         .to_path = &to,
                         .from_path = &from,
                         .data = body,
                         .data_len = 5,
                         .content_type = "text/plain",
                         .message_id = "87652491"};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  /* the body and the paths were copied */
  body[0] = 'J';
  msrp_path_clear(&to);
  msrp_path_clear(&from);

  const char *want = "MSRP a786hjs2 SEND\r\n"
                     "To-Path: " BOB "\r\n"
                     "From-Path: " ALICE "\r\n"
                     "Message-ID: 87652491\r\n"
                     "Byte-Range: 1-5/5\r\n"
                     "Content-Type: text/plain\r\n"
                     "\r\n"
                     "hello\r\n"
                     "-------a786hjs2$\r\n";
  assert_bytes(c, want);

  assert_int_equal(msrp_chunk_header_count(c), 5);
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_true(msrp_chunk_has_content(c));
  assert_string_equal(msrp_chunk_message_id(c), "87652491");
  assert_string_equal(msrp_chunk_content_type(c), "text/plain");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 1);
  assert_int_equal(r.end, 5);
  assert_int_equal(r.total, 5);
  const msrp_path *tp = msrp_chunk_to_path(c);
  assert_non_null(tp);
  assert_int_equal(tp->count, 1);
  assert_string_equal(tp->uris[0].host, "bob.example.com");
  assert_int_equal(tp->uris[0].port, 8888);
  assert_string_equal(msrp_chunk_from_path(c)->uris[0].session_id,
                      "iau39soe2843z");
  size_t len;
  const uint8_t *b = msrp_chunk_body(c, &len);
  assert_int_equal(len, 5);
  assert_memory_equal(b, "hello", 5);
  assert_ptr_not_equal(b, body);

  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  assert_int_equal(msrp_chunk_serialize(c, iov), 3);
  assert_iov(&iov[0], SEND_HEAD("a786hjs2", "1-5/5") CT);
  assert_iov(&iov[1], "hello");
  assert_iov(&iov[2], "\r\n-------a786hjs2$\r\n");
  msrp_chunk_free(c);
}

static void test_make_send_binary_body(void **state) {
  (void)state;
  static const unsigned char body[] = {0x00, 'a', '\r', '\n', 0xff, 0x00};
  msrp_chunk_params p = {.transaction_id = "bin1",
                         .data = body,
                         .data_len = sizeof body,
                         .content_type = "application/octet-stream",
                         .message_id = "m1"};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  static const char want[] = "MSRP bin1 SEND\r\n"
                             "Message-ID: m1\r\n"
                             "Byte-Range: 1-6/6\r\n"
                             "Content-Type: application/octet-stream\r\n"
                             "\r\n"
                             "\0a\r\n\xff\0"
                             "\r\n-------bin1$\r\n";
  assert_bytes_n(c, want, sizeof want - 1);
  msrp_chunk_free(c);
}

static void test_make_empty_send(void **state) {
  (void)state;
  msrp_chunk *c = make_send("b1nd", NULL);
  assert_false(msrp_chunk_has_content(c));
  assert_null(msrp_chunk_content_type(c));
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, SEND_HEAD("b1nd", "1-0/0") "-------b1nd$\r\n");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 1);
  assert_int_equal(r.end, 0);
  assert_int_equal(r.total, 0);
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  assert_int_equal(msrp_chunk_serialize(c, iov), 2);
  assert_iov(&iov[0], SEND_HEAD("b1nd", "1-0/0"));
  assert_iov(&iov[1], "-------b1nd$\r\n");
  msrp_chunk_free(c);
}

static void test_make_partial(void **state) {
  (void)state;
  msrp_path to, from;
  parse_path(&to, BOB);
  parse_path(&from, ALICE);
  msrp_chunk_params p = {.transaction_id = "p1xx",
                         .to_path = &to,
                         .from_path = &from,
                         .data = "hello",
                         .data_len = 5,
                         .content_type = "text/plain",
                         .start = 1,
                         .length = 10,
                         .message_id = "87652491"};
  msrp_chunk *c = NULL;

  /* the range ends before the total: '+' */
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '+');
  assert_bytes(c, SEND_HEAD("p1xx", "1-5/10") CT "hello\r\n-------p1xx+\r\n");
  msrp_chunk_free(c);

  /* total unknown: "*" and '$' */
  p.length = MSRP_BYTE_RANGE_UNKNOWN;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, SEND_HEAD("p1xx", "1-5/*") CT "hello\r\n-------p1xx$\r\n");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 1);
  assert_int_equal(r.end, 5);
  assert_true(r.total == MSRP_BYTE_RANGE_UNKNOWN);
  msrp_chunk_free(c);

  /* end and total unknown */
  p.end = MSRP_BYTE_RANGE_UNKNOWN;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, SEND_HEAD("p1xx", "1-*/*") CT "hello\r\n-------p1xx$\r\n");
  msrp_chunk_free(c);
  p.end = 0;

  /* an explicit contflag wins */
  p.length = 10;
  p.contflag = '#';
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '#');
  assert_bytes(c, SEND_HEAD("p1xx", "1-5/10") CT "hello\r\n-------p1xx#\r\n");
  msrp_chunk_free(c);
  p.contflag = '+';
  p.length = 0;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '+');
  assert_bytes(c, SEND_HEAD("p1xx", "1-5/5") CT "hello\r\n-------p1xx+\r\n");
  msrp_chunk_free(c);
  p.contflag = '$';
  p.length = 10;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  msrp_chunk_free(c);

  /* the last chunk of the message: start 6, total 10, '$' */
  p.contflag = 0;
  p.data = "world";
  p.start = 6;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, SEND_HEAD("p1xx", "6-10/10") CT "world\r\n-------p1xx$\r\n");
  msrp_chunk_free(c);
  /* total defaulting to start - 1 + data_len */
  p.length = 0;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, SEND_HEAD("p1xx", "6-10/10") CT "world\r\n-------p1xx$\r\n");
  msrp_chunk_free(c);

  /* a bad contflag */
  p.contflag = 'x';
  c = UNTOUCHED;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);

  msrp_path_clear(&to);
  msrp_path_clear(&from);
}

static void test_make_random_ids(void **state) {
  (void)state;
  msrp_chunk_params p = {
      .data = "hi", .data_len = 2, .content_type = "text/plain"};
  msrp_chunk *a = NULL, *b = NULL;
  assert_int_equal(msrp_chunk_make(&a, &p), 0);
  assert_int_equal(msrp_chunk_make(&b, &p), 0);
  const char *ma = msrp_chunk_message_id(a), *mb = msrp_chunk_message_id(b);
  assert_non_null(ma);
  assert_non_null(mb);
  assert_int_equal(strlen(ma), 16);
  assert_int_equal(strlen(mb), 16);
  assert_true(is_alnum_str(ma, 16));
  assert_true(is_alnum_str(mb, 16));
  assert_string_not_equal(ma, mb);
  const char *ta = msrp_chunk_transaction_id(a);
  assert_int_equal(strlen(ta), 12);
  assert_true(is_alnum_str(ta, 12));
  assert_string_not_equal(ta, msrp_chunk_transaction_id(b));
  /* method NULL means SEND; no paths given: no path headers */
  assert_string_equal(msrp_chunk_method(a), "SEND");
  assert_null(msrp_chunk_to_path(a));
  assert_null(msrp_chunk_from_path(a));

  char want[256];
  snprintf(want, sizeof want,
           "MSRP %s SEND\r\nMessage-ID: %s\r\nByte-Range: 1-2/2\r\n"
           "Content-Type: text/plain\r\n\r\nhi\r\n-------%s$\r\n",
           ta, ma, ta);
  assert_bytes(a, want);
  msrp_chunk_free(a);
  msrp_chunk_free(b);
}

/* A forked child does not draw the identifiers its parent draws next. */
static void test_random_ids_after_fork(void **state) {
  (void)state;
  msrp_chunk_params p = {
      .data = "hi", .data_len = 2, .content_type = "text/plain"};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0); /* the generator is seeded */
  msrp_chunk_free(c);
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    msrp_chunk *k = NULL;
    int ok = msrp_chunk_make(&k, &p) == 0;
    const char *id = ok ? msrp_chunk_message_id(k) : "";
    ssize_t w = write(fds[1], id, strlen(id) + 1);
    _exit(ok && w > 0 ? 0 : 1);
  }
  close(fds[1]);
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  char child[64] = "";
  size_t got = 0;
  ssize_t r;
  while (got < sizeof child - 1 &&
         (r = read(fds[0], child + got, sizeof child - 1 - got)) > 0)
    got += (size_t)r;
  close(fds[0]);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  assert_int_equal(strlen(child), 16);
  assert_string_not_equal(child, msrp_chunk_message_id(c));
  msrp_chunk_free(c);
}

static void test_make_report(void **state) {
  (void)state;
  msrp_path to, from;
  parse_path(&to, ALICE);
  parse_path(&from, BOB);
  msrp_chunk_params p = {.transaction_id = "dkei38sd",
                         .method = "REPORT",
                         .to_path = &to,
                         .from_path = &from};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  msrp_path_clear(&to);
  msrp_path_clear(&from);
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_REPORT);
  assert_int_equal(msrp_chunk_header_count(c), 2);
  assert_null(msrp_chunk_message_id(c));
  msrp_byte_range r;
  assert_err(msrp_chunk_byte_range(c, &r), MSRP_ERR_NOT_FOUND);
  assert_false(msrp_chunk_has_content(c));
  assert_bytes(c, "MSRP dkei38sd REPORT\r\n"
                  "To-Path: " ALICE "\r\n"
                  "From-Path: " BOB "\r\n"
                  "-------dkei38sd$\r\n");

  /* the caller adds what a REPORT carries (RFC 4975 section 7.1.2) */
  assert_int_equal(msrp_chunk_set_header(c, "Message-ID", "12339sdqwer"), 0);
  assert_int_equal(msrp_chunk_set_byte_range(c, 1, 106, 106), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Status", "000 200 OK"), 0);
  assert_bytes(c, "MSRP dkei38sd REPORT\r\n"
                  "To-Path: " ALICE "\r\n"
                  "From-Path: " BOB "\r\n"
                  "Message-ID: 12339sdqwer\r\n"
                  "Byte-Range: 1-106/106\r\n"
                  "Status: 000 200 OK\r\n"
                  "-------dkei38sd$\r\n");
  msrp_chunk_free(c);

  /* other methods are not SEND either */
  p.method = "NICKNAME";
  p.to_path = NULL;
  p.from_path = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_bytes(c, "MSRP dkei38sd NICKNAME\r\n-------dkei38sd$\r\n");
  msrp_chunk_free(c);
}

static void test_make_response(void **state) {
  (void)state;
  msrp_path to, from;
  parse_path(&to, ALICE);
  parse_path(&from, BOB);
  msrp_chunk_params p = {.transaction_id = "a786hjs2",
                         .code = 200,
                         .comment = "OK",
                         .method = "SEND", /* ignored for a response */
                         .message_id = "ignored",
                         .to_path = &to,
                         .from_path = &from};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_false(msrp_chunk_is_request(c));
  assert_int_equal(msrp_chunk_code(c), 200);
  assert_string_equal(msrp_chunk_comment(c), "OK");
  assert_bytes(c, "MSRP a786hjs2 200 OK\r\n"
                  "To-Path: " ALICE "\r\n"
                  "From-Path: " BOB "\r\n"
                  "-------a786hjs2$\r\n");
  msrp_chunk_free(c);

  p.comment = NULL;
  p.code = 408;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_null(msrp_chunk_comment(c));
  assert_bytes(c, "MSRP a786hjs2 408\r\n"
                  "To-Path: " ALICE "\r\n"
                  "From-Path: " BOB "\r\n"
                  "-------a786hjs2$\r\n");
  msrp_chunk_free(c);

  c = UNTOUCHED;
  p.code = 99;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p.code = 1000;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
  msrp_path_clear(&to);
  msrp_path_clear(&from);
}

static void test_make_content_type_no_body(void **state) {
  (void)state;
  msrp_chunk_params p = {.transaction_id = "ct0x",
                         .content_type = "text/plain",
                         .message_id = "m0"};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_true(msrp_chunk_has_content(c));
  assert_bytes(c, "MSRP ct0x SEND\r\nMessage-ID: m0\r\nByte-Range: 1-0/0\r\n"
                  "Content-Type: text/plain\r\n\r\n\r\n-------ct0x$\r\n");
  msrp_chunk_free(c);
}

static void test_make_errors(void **state) {
  (void)state;
  msrp_chunk *c = UNTOUCHED;
  msrp_chunk_params p = {
      .transaction_id = "e1xx", .data = "hello", .data_len = 5};
  /* a body needs a content type */
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* data_len without data */
  p = (msrp_chunk_params){
      .transaction_id = "e1xx", .data_len = 3, .content_type = "text/plain"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_make(&c, NULL), MSRP_ERR_INVALID_ARGUMENT);
  p = (msrp_chunk_params){.transaction_id = "e1xx"};
  assert_err(msrp_chunk_make(NULL, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* start-line errors pass through */
  p = (msrp_chunk_params){.transaction_id = "e 1"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_PARSE_TRANSACTION_ID);
  p = (msrp_chunk_params){.transaction_id = "e1xx", .method = "send"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_PARSE_METHOD);
  /* an empty path */
  msrp_path empty = MSRP_PATH_INIT;
  p = (msrp_chunk_params){.transaction_id = "e1xx", .to_path = &empty};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* no header injection through the params */
  p = (msrp_chunk_params){.transaction_id = "e1xx",
                          .data = "x",
                          .data_len = 1,
                          .content_type = "text/plain\r\nX-Evil: 1"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p = (msrp_chunk_params){.transaction_id = "e1xx",
                          .message_id = "m1\r\nX-Evil: 1"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p = (msrp_chunk_params){
      .transaction_id = "e1xx", .code = 200, .comment = "OK\r\nX-Evil: 1"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
}

/* chunk.h: msrp_chunk_make() gives MSRP_ERR_INVALID_ARGUMENT for an "end
 * before start - 1". */
static void test_make_end_before_start(void **state) {
  (void)state;
  msrp_chunk *c = UNTOUCHED;
  msrp_chunk_params p = {.transaction_id = "e1xx",
                         .message_id = "m1",
                         .start = 5,
                         .end = 2,
                         .length = 10};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
}

/* ---- msrp_chunk_make_response -------------------------------------------- */

static msrp_chunk *relayed_request(void) {
  /* as relay2 receives it from relay1 on the way from Alice to Bob */
  msrp_path to, from;
  parse_path(&to, RELAY2 " " BOB);
  parse_path(&from, RELAY1 " " ALICE);
  msrp_chunk_params p = {.transaction_id = "r3l4y9",
                         .to_path = &to,
                         .from_path = &from,
                         .data = "hi",
                         .data_len = 2,
                         .content_type = "text/plain",
                         .message_id = "mid77"};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  msrp_path_clear(&to);
  msrp_path_clear(&from);
  assert_bytes(c, "MSRP r3l4y9 SEND\r\n"
                  "To-Path: " RELAY2 " " BOB "\r\n"
                  "From-Path: " RELAY1 " " ALICE "\r\n"
                  "Message-ID: mid77\r\n"
                  "Byte-Range: 1-2/2\r\n"
                  "Content-Type: text/plain\r\n"
                  "\r\n"
                  "hi\r\n"
                  "-------r3l4y9$\r\n");
  return c;
}

static void test_make_response_relayed(void **state) {
  (void)state;
  msrp_chunk *req = relayed_request();
  msrp_chunk *c = NULL;

  assert_int_equal(msrp_chunk_make_response(&c, req, 481, NULL), 0);
  assert_false(msrp_chunk_is_request(c));
  assert_string_equal(msrp_chunk_transaction_id(c), "r3l4y9");
  assert_int_equal(msrp_chunk_code(c), 481);
  assert_string_equal(msrp_chunk_comment(c), "Session Does Not Exist");
  assert_int_equal(msrp_chunk_header_count(c), 2);
  assert_false(msrp_chunk_has_content(c));
  assert_bytes(c, "MSRP r3l4y9 481 Session Does Not Exist\r\n"
                  "To-Path: " RELAY1 "\r\n"
                  "From-Path: " RELAY2 "\r\n"
                  "-------r3l4y9$\r\n");
  msrp_path want = MSRP_PATH_INIT;
  parse_path(&want, RELAY1);
  assert_true(msrp_path_equal(msrp_chunk_to_path(c), &want));
  msrp_path_clear(&want);
  parse_path(&want, RELAY2);
  assert_true(msrp_path_equal(msrp_chunk_from_path(c), &want));
  msrp_path_clear(&want);
  msrp_chunk_free(c);

  assert_int_equal(msrp_chunk_make_response(&c, req, 200, NULL), 0);
  assert_bytes(c, "MSRP r3l4y9 200 OK\r\n"
                  "To-Path: " RELAY1 "\r\n"
                  "From-Path: " RELAY2 "\r\n"
                  "-------r3l4y9$\r\n");
  msrp_chunk_free(c);

  assert_int_equal(msrp_chunk_make_response(&c, req, 403, "Go Away"), 0);
  assert_bytes(c, "MSRP r3l4y9 403 Go Away\r\n"
                  "To-Path: " RELAY1 "\r\n"
                  "From-Path: " RELAY2 "\r\n"
                  "-------r3l4y9$\r\n");
  msrp_chunk_free(c);

  /* a code RFC 4975 does not name */
  assert_int_equal(msrp_chunk_make_response(&c, req, 299, NULL), 0);
  assert_string_equal(msrp_chunk_comment(c), msrp_status_comment(299));
  assert_string_equal(msrp_chunk_comment(c), "Unknown");
  msrp_chunk_free(c);

  /* errors */
  c = UNTOUCHED;
  assert_err(msrp_chunk_make_response(&c, req, 99, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_make_response(&c, req, 200, "OK\r\n"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_make_response(&c, NULL, 200, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_make_response(NULL, req, 200, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  msrp_chunk *resp = NULL;
  assert_int_equal(msrp_chunk_new_response(&resp, "x1y2", 200, "OK"), 0);
  assert_err(msrp_chunk_make_response(&c, resp, 200, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
  msrp_chunk_free(resp);

  /* the request itself is unchanged */
  assert_bytes(req, "MSRP r3l4y9 SEND\r\n"
                    "To-Path: " RELAY2 " " BOB "\r\n"
                    "From-Path: " RELAY1 " " ALICE "\r\n"
                    "Message-ID: mid77\r\n"
                    "Byte-Range: 1-2/2\r\n"
                    "Content-Type: text/plain\r\n"
                    "\r\n"
                    "hi\r\n"
                    "-------r3l4y9$\r\n");
  msrp_chunk_free(req);
}

/* ---- headers ----------------------------------------------------------- */

static void test_set_header_replaces_in_place(void **state) {
  (void)state;
  msrp_chunk *c = make_send("s1xx", "hello");
  const char *before =
      SEND_HEAD("s1xx", "1-5/5") CT "hello\r\n-------s1xx$\r\n";
  assert_bytes(c, before);

  /* a different spelling of the name finds the header; the spelling on the
   * wire stays the one first written */
  assert_int_equal(msrp_chunk_set_header(c, "message-id", "abc123"), 0);
  assert_int_equal(msrp_chunk_header_count(c), 5);
  assert_string_equal(msrp_chunk_message_id(c), "abc123");
  assert_string_equal(msrp_chunk_header(c, "MESSAGE-ID"), "abc123");
  assert_bytes(c, "MSRP s1xx SEND\r\n" TO FROM "Message-ID: abc123\r\n"
                  "Byte-Range: 1-5/5\r\n"
                  "Content-Type: text/plain\r\n\r\nhello\r\n-------s1xx$\r\n");

  /* the first header is replaced, To-Path stays first */
  assert_int_equal(msrp_chunk_set_header(c, "TO-PATH", ALICE), 0);
  assert_int_equal(msrp_chunk_header_count(c), 5);
  assert_string_equal(msrp_chunk_to_path(c)->uris[0].host, "alice.example.com");
  assert_bytes(c, "MSRP s1xx SEND\r\n"
                  "To-Path: " ALICE "\r\n" FROM "Message-ID: abc123\r\n"
                  "Byte-Range: 1-5/5\r\n"
                  "Content-Type: text/plain\r\n\r\nhello\r\n-------s1xx$\r\n");

  /* a new name is added, spelled as given, before Content-Type: that
   * stays the last header */
  assert_int_equal(msrp_chunk_set_header(c, "x-Custom", "v 1"), 0);
  assert_int_equal(msrp_chunk_header_count(c), 6);
  assert_int_equal(msrp_chunk_set_header(c, "X-CUSTOM", "v 2"), 0);
  assert_int_equal(msrp_chunk_header_count(c), 6);
  assert_string_equal(msrp_chunk_header(c, "x-custom"), "v 2");
  assert_bytes(c, "MSRP s1xx SEND\r\n"
                  "To-Path: " ALICE "\r\n" FROM "Message-ID: abc123\r\n"
                  "Byte-Range: 1-5/5\r\n"
                  "x-Custom: v 2\r\n"
                  "Content-Type: text/plain\r\n"
                  "\r\nhello\r\n-------s1xx$\r\n");

  /* an empty value is allowed for an extension header */
  assert_int_equal(msrp_chunk_set_header(c, "X-Empty", ""), 0);
  assert_string_equal(msrp_chunk_header(c, "X-Empty"), "");
  assert_null(msrp_chunk_header(c, "X-Absent"));
  msrp_chunk_free(c);
}

static void test_add_header(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_response(&c, "au1x", 401, "Unauthorized"), 0);
  assert_int_equal(msrp_chunk_add_header(c, "To-Path", ALICE), 0);
  assert_int_equal(msrp_chunk_add_header(c, "From-Path", BOB), 0);
  assert_int_equal(msrp_chunk_add_header(c, "WWW-Authenticate",
                                         "Digest realm=\"a\", nonce=\"1\""),
                   0);
  assert_int_equal(msrp_chunk_add_header(c, "www-authenticate",
                                         "Digest realm=\"b\", nonce=\"2\""),
                   0);
  assert_int_equal(msrp_chunk_header_count(c), 4);
  /* the first of the name */
  assert_string_equal(msrp_chunk_header_by_id(c, MSRP_HDR_WWW_AUTHENTICATE),
                      "Digest realm=\"a\", nonce=\"1\"");
  assert_bytes(c, "MSRP au1x 401 Unauthorized\r\n"
                  "To-Path: " ALICE "\r\n"
                  "From-Path: " BOB "\r\n"
                  "WWW-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"
                  "www-authenticate: Digest realm=\"b\", nonce=\"2\"\r\n"
                  "-------au1x$\r\n");

  /* single-valued known headers may not repeat, in any spelling */
  assert_err(msrp_chunk_add_header(c, "To-Path", BOB),
             MSRP_ERR_PARSE_DUPLICATE_HEADER);
  assert_err(msrp_chunk_add_header(c, "from-path", ALICE),
             MSRP_ERR_PARSE_DUPLICATE_HEADER);
  assert_int_equal(msrp_chunk_header_count(c), 4);
  assert_string_equal(msrp_chunk_to_path(c)->uris[0].host, "alice.example.com");

  /* extension headers may repeat */
  assert_int_equal(msrp_chunk_add_header(c, "X-Trace", "one"), 0);
  assert_int_equal(msrp_chunk_add_header(c, "X-Trace", "two"), 0);
  assert_string_equal(msrp_chunk_header(c, "x-trace"), "one");
  assert_int_equal(msrp_chunk_header_count(c), 6);

  /* every other known header once only */
  assert_int_equal(msrp_chunk_add_header(c, "Expires", "60"), 0);
  assert_err(msrp_chunk_add_header(c, "Expires", "70"),
             MSRP_ERR_PARSE_DUPLICATE_HEADER);
  uint32_t e = 0;
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e), 0);
  assert_int_equal(e, 60);

  assert_err(msrp_chunk_add_header(NULL, "X-A", "b"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_add_header(c, NULL, "b"), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_add_header(c, "X-A", NULL), MSRP_ERR_INVALID_ARGUMENT);
  msrp_chunk_free(c);
}

static void test_remove_header(void **state) {
  (void)state;
  msrp_chunk *c = make_send("rm1x", "hello");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);

  assert_int_equal(msrp_chunk_remove_header(c, "byte-range"), 0);
  assert_err(msrp_chunk_byte_range(c, &r), MSRP_ERR_NOT_FOUND);
  assert_null(msrp_chunk_header_by_id(c, MSRP_HDR_BYTE_RANGE));
  assert_int_equal(msrp_chunk_header_count(c), 4);
  assert_bytes(c, "MSRP rm1x SEND\r\n" TO FROM "Message-ID: 87652491\r\n"
                  "Content-Type: text/plain\r\n\r\nhello\r\n-------rm1x$\r\n");
  assert_err(msrp_chunk_remove_header(c, "Byte-Range"), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_chunk_remove_header(c, "X-Never"), MSRP_ERR_NOT_FOUND);

  /* setting it again adds it before Content-Type, with a fresh typed view */
  assert_int_equal(msrp_chunk_set_byte_range(c, 1, 5, 5), 0);
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.end, 5);
  assert_bytes(c, "MSRP rm1x SEND\r\n" TO FROM "Message-ID: 87652491\r\n"
                  "Byte-Range: 1-5/5\r\n"
                  "Content-Type: text/plain\r\n\r\nhello\r\n-------rm1x$\r\n");

  /* removing the paths */
  assert_int_equal(msrp_chunk_remove_header(c, "To-Path"), 0);
  assert_null(msrp_chunk_to_path(c));
  assert_non_null(msrp_chunk_from_path(c));
  assert_int_equal(msrp_chunk_remove_header(c, "FROM-PATH"), 0);
  assert_null(msrp_chunk_from_path(c));

  /* every header of the name goes */
  assert_int_equal(msrp_chunk_add_header(c, "WWW-Authenticate", "a"), 0);
  assert_int_equal(msrp_chunk_add_header(c, "X-Keep", "k"), 0);
  assert_int_equal(msrp_chunk_add_header(c, "WWW-AUTHENTICATE", "b"), 0);
  assert_int_equal(msrp_chunk_remove_header(c, "www-authenticate"), 0);
  assert_null(msrp_chunk_header(c, "WWW-Authenticate"));
  assert_bytes(c, "MSRP rm1x SEND\r\n"
                  "Message-ID: 87652491\r\n"
                  "Byte-Range: 1-5/5\r\n"
                  "X-Keep: k\r\n"
                  "Content-Type: text/plain\r\n\r\nhello\r\n-------rm1x$\r\n");

  /* the other typed views */
  assert_int_equal(msrp_chunk_set_header(c, "Status", "000 200 OK"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Success-Report", "yes"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "partial"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Expires", "30"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Min-Expires", "10"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Max-Expires", "90"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Use-Path", RELAY1), 0);
  assert_int_equal(msrp_chunk_remove_header(c, "Status"), 0);
  assert_int_equal(msrp_chunk_remove_header(c, "Success-Report"), 0);
  assert_int_equal(msrp_chunk_remove_header(c, "Failure-Report"), 0);
  assert_int_equal(msrp_chunk_remove_header(c, "Expires"), 0);
  assert_int_equal(msrp_chunk_remove_header(c, "Use-Path"), 0);
  msrp_status_header st;
  assert_err(msrp_chunk_status(c, &st), MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_ABSENT);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_ABSENT);
  assert_null(msrp_chunk_use_path(c));
  uint32_t e = 0;
  assert_err(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e), MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MIN_EXPIRES, &e), 0);
  assert_int_equal(e, 10);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MAX_EXPIRES, &e), 0);
  assert_int_equal(e, 90);

  /* without Content-Type and body there is no content any more */
  assert_int_equal(msrp_chunk_remove_header(c, "Content-Type"), 0);
  assert_int_equal(msrp_chunk_set_body(c, NULL, 0), 0);
  assert_false(msrp_chunk_has_content(c));
  assert_bytes(c, "MSRP rm1x SEND\r\n"
                  "Message-ID: 87652491\r\n"
                  "Byte-Range: 1-5/5\r\n"
                  "X-Keep: k\r\n"
                  "Min-Expires: 10\r\n"
                  "Max-Expires: 90\r\n"
                  "-------rm1x$\r\n");
  assert_err(msrp_chunk_remove_header(NULL, "X-Keep"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_remove_header(c, NULL), MSRP_ERR_INVALID_ARGUMENT);
  msrp_chunk_free(c);
}

/* Set (and add) must fail with `err` and leave the chunk as it was. */
static void expect_set_fails(msrp_chunk *c, const char *name, const char *value,
                             int err) {
  char *before;
  size_t blen;
  assert_int_equal(msrp_chunk_to_bytes(c, &before, &blen), 0);
  size_t count = msrp_chunk_header_count(c);
  assert_err(msrp_chunk_set_header(c, name, value), err);
  char *after;
  size_t alen;
  assert_int_equal(msrp_chunk_to_bytes(c, &after, &alen), 0);
  assert_string_equal(after, before);
  assert_int_equal(msrp_chunk_header_count(c), count);
  free(after);
  int add_err = msrp_chunk_add_header(c, name, value);
  /* add may find the duplicate first; either way nothing changes */
  if (add_err != MSRP_ERR_PARSE_DUPLICATE_HEADER)
    assert_err(add_err, err);
  assert_int_equal(msrp_chunk_to_bytes(c, &after, &alen), 0);
  assert_string_equal(after, before);
  assert_int_equal(msrp_chunk_header_count(c), count);
  free(after);
  free(before);
}

static void test_set_header_invalid(void **state) {
  (void)state;
  msrp_chunk *c = make_send("inv1", "hello");
  assert_int_equal(msrp_chunk_set_header(c, "Status", "000 200 OK"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Success-Report", "yes"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "no"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Expires", "60"), 0);

  expect_set_fails(c, "Byte-Range", "x", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "0-5/5", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "5-3/10", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "1-11/10", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "1-5", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "byte-range", "1/5-5", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "*-5/5", MSRP_ERR_PARSE_BYTE_RANGE);
  /* a start after a known total, with the end unknown */
  expect_set_fails(c, "Byte-Range", "6-*/5", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Byte-Range", "1-*/0", MSRP_ERR_PARSE_BYTE_RANGE);
  expect_set_fails(c, "Status", "200", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_set_fails(c, "Status", "00 200", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_set_fails(c, "Status", "000 20", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_set_fails(c, "Status", "000 2000", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_set_fails(c, "Status", "abc 200 OK", MSRP_ERR_PARSE_STATUS_HEADER);
  expect_set_fails(c, "Success-Report", "maybe", MSRP_ERR_PARSE_REPORT_HEADER);
  expect_set_fails(c, "Success-Report", "partial",
                   MSRP_ERR_PARSE_REPORT_HEADER);
  expect_set_fails(c, "Failure-Report", "maybe", MSRP_ERR_PARSE_REPORT_HEADER);
  expect_set_fails(c, "Failure-Report", "", MSRP_ERR_PARSE_REPORT_HEADER);
  expect_set_fails(c, "Expires", "-1", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_set_fails(c, "Expires", "", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_set_fails(c, "Min-Expires", "ten", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_set_fails(c, "Max-Expires", "1 2", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_set_fails(c, "Max-Expires", "+5", MSRP_ERR_PARSE_NUMBER_HEADER);
  expect_set_fails(c, "To-Path", "nonsense", MSRP_ERR_PARSE_PATH);
  expect_set_fails(c, "To-Path", "", MSRP_ERR_PARSE_PATH);
  expect_set_fails(c, "From-Path", "http://example.com/", MSRP_ERR_PARSE_PATH);
  expect_set_fails(c, "Use-Path", BOB " nonsense", MSRP_ERR_PARSE_PATH);

  /* header names are tokens */
  expect_set_fails(c, "X Foo", "v", MSRP_ERR_PARSE_HEADER);
  expect_set_fails(c, "", "v", MSRP_ERR_PARSE_HEADER);
  expect_set_fails(c, "X-Foo:", "v", MSRP_ERR_PARSE_HEADER);
  expect_set_fails(c, "X-Foo\r\nX-Evil", "v", MSRP_ERR_PARSE_HEADER);

  /* no header injection through a value, known header or not */
  expect_set_fails(c, "X-Foo", "a\r\nX-Evil: 1", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "X-Foo", "a\nb", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "X-Foo", "a\rb", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "Message-ID", "m\r\n\r\n-------inv1$\r\n",
                   MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "Content-Type", "text/plain\n",
                   MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "To-Path", BOB "\r\n", MSRP_ERR_INVALID_ARGUMENT);
  /* nor any other control character: the parser would refuse it */
  expect_set_fails(c, "X-Foo", "a\x01b", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "X-Foo", "a\x1f", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "X-Foo", "\x7f", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "X-Foo", "\x1b[31m", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "Status", "000 200 O\bK", MSRP_ERR_INVALID_ARGUMENT);

  /* a Message-ID we send is 1 to 256 ident-chars */
  expect_set_fails(c, "Message-ID", "", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "Message-ID", "a b", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "Message-ID", "m@x", MSRP_ERR_INVALID_ARGUMENT);
  expect_set_fails(c, "message-id", "m_1", MSRP_ERR_INVALID_ARGUMENT);
  char long_id[258];
  memset(long_id, 'm', 257);
  long_id[257] = '\0';
  expect_set_fails(c, "Message-ID", long_id, MSRP_ERR_INVALID_ARGUMENT);

  /* the typed views are as they were */
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 1);
  assert_int_equal(r.end, 5);
  assert_int_equal(r.total, 5);
  msrp_status_header st;
  assert_int_equal(msrp_chunk_status(c, &st), 0);
  assert_int_equal(st.code, 200);
  assert_string_equal(st.reason, "OK");
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_YES);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_NO);
  uint32_t e = 0;
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e), 0);
  assert_int_equal(e, 60);
  assert_string_equal(msrp_chunk_to_path(c)->uris[0].host, "bob.example.com");
  assert_null(msrp_chunk_use_path(c));
  assert_null(msrp_chunk_header(c, "X-Foo"));
  assert_bytes(c, SEND_HEAD("inv1", "1-5/5") "Status: 000 200 OK\r\n"
                                             "Success-Report: yes\r\n"
                                             "Failure-Report: no\r\n"
                                             "Expires: 60\r\n"
                                             "Content-Type: text/plain\r\n"
                                             "\r\nhello\r\n-------inv1$\r\n");
  assert_int_equal(msrp_chunk_error(c), 0);

  assert_err(msrp_chunk_set_header(NULL, "X-A", "b"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_set_header(c, NULL, "b"), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_set_header(c, "X-A", NULL), MSRP_ERR_INVALID_ARGUMENT);
  msrp_chunk_free(c);
}

static void test_header_iteration(void **state) {
  (void)state;
  msrp_chunk *c = make_send("it1x", "hello");
  assert_int_equal(msrp_chunk_add_header(c, "X-Extra", "e"), 0);
  static const struct {
    msrp_header_id id;
    const char *name;
    const char *value;
  } want[] = {{MSRP_HDR_TO_PATH, "To-Path", BOB},
              {MSRP_HDR_FROM_PATH, "From-Path", ALICE},
              {MSRP_HDR_MESSAGE_ID, "Message-ID", "87652491"},
              {MSRP_HDR_BYTE_RANGE, "Byte-Range", "1-5/5"},
              {MSRP_HDR_OTHER, "X-Extra", "e"},
              {MSRP_HDR_CONTENT_TYPE, "Content-Type", "text/plain"}};
  size_t n = sizeof want / sizeof want[0];
  assert_int_equal(msrp_chunk_header_count(c), n);
  for (size_t i = 0; i < n; i++) {
    msrp_header_id id = (msrp_header_id)-1;
    const char *name = NULL, *value = NULL;
    assert_int_equal(msrp_chunk_header_at(c, i, &id, &name, &value), 0);
    assert_int_equal(id, want[i].id);
    assert_string_equal(name, want[i].name);
    assert_string_equal(value, want[i].value);
    if (want[i].id != MSRP_HDR_OTHER)
      assert_ptr_equal(msrp_chunk_header_by_id(c, want[i].id), value);
    assert_ptr_equal(msrp_chunk_header(c, want[i].name), value);
  }
  /* any output may be NULL */
  assert_int_equal(msrp_chunk_header_at(c, 2, NULL, NULL, NULL), 0);
  const char *v = NULL;
  assert_int_equal(msrp_chunk_header_at(c, 3, NULL, NULL, &v), 0);
  assert_string_equal(v, "1-5/5");
  /* past the end */
  const char *untouched = "untouched";
  v = untouched;
  assert_err(msrp_chunk_header_at(c, n, NULL, NULL, &v), MSRP_ERR_NOT_FOUND);
  assert_ptr_equal(v, untouched);
  assert_err(msrp_chunk_header_at(c, (size_t)-1, NULL, NULL, NULL),
             MSRP_ERR_NOT_FOUND);

  assert_null(msrp_chunk_header_by_id(c, MSRP_HDR_OTHER));
  assert_null(msrp_chunk_header_by_id(c, MSRP_HDR_STATUS));
  assert_null(msrp_chunk_header_by_id(c, MSRP_HDR_USE_NICKNAME));
  msrp_chunk_free(c);
}

static void test_header_names(void **state) {
  (void)state;
  static const char *const names[] = {
      [MSRP_HDR_TO_PATH] = "To-Path",
      [MSRP_HDR_FROM_PATH] = "From-Path",
      [MSRP_HDR_MESSAGE_ID] = "Message-ID",
      [MSRP_HDR_BYTE_RANGE] = "Byte-Range",
      [MSRP_HDR_CONTENT_TYPE] = "Content-Type",
      [MSRP_HDR_SUCCESS_REPORT] = "Success-Report",
      [MSRP_HDR_FAILURE_REPORT] = "Failure-Report",
      [MSRP_HDR_STATUS] = "Status",
      [MSRP_HDR_USE_PATH] = "Use-Path",
      [MSRP_HDR_EXPIRES] = "Expires",
      [MSRP_HDR_MIN_EXPIRES] = "Min-Expires",
      [MSRP_HDR_MAX_EXPIRES] = "Max-Expires",
      [MSRP_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
      [MSRP_HDR_AUTHORIZATION] = "Authorization",
      [MSRP_HDR_AUTHENTICATION_INFO] = "Authentication-Info",
      [MSRP_HDR_USE_NICKNAME] = "Use-Nickname",
  };
  assert_int_equal(sizeof names / sizeof names[0], MSRP_HDR_USE_NICKNAME + 1);
  assert_null(msrp_header_name(MSRP_HDR_OTHER));
  for (int id = MSRP_HDR_TO_PATH; id <= MSRP_HDR_USE_NICKNAME; id++) {
    const char *name = msrp_header_name((msrp_header_id)id);
    assert_non_null(name);
    assert_string_equal(name, names[id]);
    assert_int_equal(msrp_header_lookup(name, strlen(name)), id);
    char upper[64], lower[64];
    size_t len = strlen(name);
    assert_true(len < sizeof upper);
    for (size_t i = 0; i <= len; i++) {
      char ch = name[i];
      upper[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
      lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    assert_int_equal(msrp_header_lookup(upper, len), id);
    assert_int_equal(msrp_header_lookup(lower, len), id);
    /* a prefix or a longer name is another header */
    assert_int_equal(msrp_header_lookup(name, len - 1), MSRP_HDR_OTHER);
    char longer[80];
    snprintf(longer, sizeof longer, "%sX", name);
    assert_int_equal(msrp_header_lookup(longer, len + 1), MSRP_HDR_OTHER);
  }
  /* the length bounds the name; no NUL needed */
  assert_int_equal(msrp_header_lookup("To-Path: msrp://x", 7),
                   MSRP_HDR_TO_PATH);
  assert_int_equal(msrp_header_lookup("X-Foo", 5), MSRP_HDR_OTHER);
  assert_int_equal(msrp_header_lookup("", 0), MSRP_HDR_OTHER);
  assert_int_equal(msrp_header_lookup("Path", 4), MSRP_HDR_OTHER);
  assert_null(msrp_header_name((msrp_header_id)(MSRP_HDR_USE_NICKNAME + 1)));
  assert_null(msrp_header_name((msrp_header_id)1000));
}

/* ---- typed access ------------------------------------------------------ */

static void test_typed_byte_range(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "br1x", "SEND"), 0);
  msrp_byte_range r = {0, 0, 0};
  assert_err(msrp_chunk_byte_range(c, &r), MSRP_ERR_NOT_FOUND);

  assert_int_equal(msrp_chunk_set_header(c, "Byte-Range", "1-*/*"), 0);
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 1);
  assert_true(r.end == MSRP_BYTE_RANGE_UNKNOWN);
  assert_true(r.total == MSRP_BYTE_RANGE_UNKNOWN);

  assert_int_equal(msrp_chunk_set_header(c, "Byte-Range", "3-7/10"), 0);
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 3);
  assert_int_equal(r.end, 7);
  assert_int_equal(r.total, 10);

  assert_int_equal(msrp_chunk_set_header(c, "Byte-Range", "11-*/100"), 0);
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 11);
  assert_true(r.end == MSRP_BYTE_RANGE_UNKNOWN);
  assert_int_equal(r.total, 100);

  /* an empty range (end = start - 1) is allowed */
  assert_int_equal(msrp_chunk_set_header(c, "Byte-Range", "4-3/10"), 0);
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 4);
  assert_int_equal(r.end, 3);

  /* the setter writes "*" for unknown */
  assert_int_equal(msrp_chunk_set_byte_range(c, 1, MSRP_BYTE_RANGE_UNKNOWN,
                                             MSRP_BYTE_RANGE_UNKNOWN),
                   0);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"), "1-*/*");
  assert_int_equal(msrp_chunk_set_byte_range(c, 6, 10, MSRP_BYTE_RANGE_UNKNOWN),
                   0);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"), "6-10/*");
  assert_int_equal(msrp_chunk_set_byte_range(c, 1, 18446744073709551614u,
                                             18446744073709551614u),
                   0);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"),
                      "1-18446744073709551614/18446744073709551614");
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_true(r.total == 18446744073709551614u);
  assert_int_equal(msrp_chunk_header_count(c), 1);
  assert_bytes(c, "MSRP br1x SEND\r\n"
                  "Byte-Range: 1-18446744073709551614/18446744073709551614\r\n"
                  "-------br1x$\r\n");

  /* errors leave it as it was */
  assert_err(msrp_chunk_set_byte_range(c, MSRP_BYTE_RANGE_UNKNOWN, 1, 1),
             MSRP_ERR_PARSE_BYTE_RANGE);
  assert_err(msrp_chunk_set_byte_range(c, 0, 5, 5), MSRP_ERR_PARSE_BYTE_RANGE);
  assert_err(msrp_chunk_set_byte_range(c, 1, 11, 10),
             MSRP_ERR_PARSE_BYTE_RANGE);
  assert_err(msrp_chunk_set_header(c, "Byte-Range", "1-18446744073709551615/*"),
             MSRP_ERR_PARSE_BYTE_RANGE);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"),
                      "1-18446744073709551614/18446744073709551614");
  msrp_chunk_free(c);
}

static void test_typed_status(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "st1x", "REPORT"), 0);
  msrp_status_header st = {-1, -1, "x"};
  assert_err(msrp_chunk_status(c, &st), MSRP_ERR_NOT_FOUND);

  assert_int_equal(msrp_chunk_set_header(c, "Status", "000 200 OK"), 0);
  assert_int_equal(msrp_chunk_status(c, &st), 0);
  assert_int_equal(st.ns, 0);
  assert_int_equal(st.code, 200);
  assert_non_null(st.reason);
  assert_string_equal(st.reason, "OK");
  /* the reason points into the chunk's copy of the value */
  const char *value = msrp_chunk_header(c, "Status");
  assert_ptr_equal(st.reason, value + 8);

  assert_int_equal(msrp_chunk_set_header(c, "status", "000 408"), 0);
  assert_int_equal(msrp_chunk_status(c, &st), 0);
  assert_int_equal(st.code, 408);
  assert_null(st.reason);

  assert_int_equal(
      msrp_chunk_set_header(c, "Status", "001 413 Stop Sending Message"), 0);
  assert_int_equal(msrp_chunk_status(c, &st), 0);
  assert_int_equal(st.ns, 1);
  assert_int_equal(st.code, 413);
  assert_string_equal(st.reason, "Stop Sending Message");
  assert_int_equal(msrp_chunk_header_count(c), 1);
  assert_bytes(c, "MSRP st1x REPORT\r\n"
                  "Status: 001 413 Stop Sending Message\r\n"
                  "-------st1x$\r\n");
  msrp_chunk_free(c);
}

static void test_typed_reports(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "rp1x", "SEND"), 0);
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_ABSENT);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_ABSENT);

  assert_int_equal(msrp_chunk_set_header(c, "Success-Report", "yes"), 0);
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_YES);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_ABSENT);
  assert_int_equal(msrp_chunk_set_header(c, "Success-Report", "no"), 0);
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_NO);

  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "yes"), 0);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_YES);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "no"), 0);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_NO);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "partial"), 0);
  assert_int_equal(msrp_chunk_failure_report(c), MSRP_REPORT_PARTIAL);
  assert_int_equal(msrp_chunk_success_report(c), MSRP_REPORT_NO);

  assert_bytes(c, "MSRP rp1x SEND\r\n"
                  "Success-Report: no\r\n"
                  "Failure-Report: partial\r\n"
                  "-------rp1x$\r\n");
  msrp_chunk_free(c);
}

static void test_typed_expiry(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_response(&c, "ex1x", 423, NULL), 0);
  uint32_t e = 7;
  assert_err(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_chunk_expiry(c, MSRP_HDR_MIN_EXPIRES, &e),
             MSRP_ERR_NOT_FOUND);
  assert_err(msrp_chunk_expiry(c, MSRP_HDR_MAX_EXPIRES, &e),
             MSRP_ERR_NOT_FOUND);
  assert_int_equal(e, 7);

  assert_int_equal(msrp_chunk_set_header(c, "Expires", "600"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Min-Expires", "0"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Max-Expires", "4294967295"), 0);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e), 0);
  assert_int_equal(e, 600);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MIN_EXPIRES, &e), 0);
  assert_int_equal(e, 0);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MAX_EXPIRES, &e), 0);
  assert_int_equal(e, 4294967295u);

  assert_err(msrp_chunk_expiry(c, MSRP_HDR_TO_PATH, &e),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_expiry(c, MSRP_HDR_OTHER, &e),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_expiry(c, MSRP_HDR_STATUS, &e),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_bytes(c, "MSRP ex1x 423\r\n"
                  "Expires: 600\r\n"
                  "Min-Expires: 0\r\n"
                  "Max-Expires: 4294967295\r\n"
                  "-------ex1x$\r\n");
  msrp_chunk_free(c);
}

static void test_set_paths(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "pa1x", "SEND"), 0);
  msrp_path two, one;
  parse_path(&two, RELAY1 "   " BOB); /* several spaces in the input */
  parse_path(&one, ALICE);

  /* From-Path set first stays first */
  assert_int_equal(msrp_chunk_set_from_path(c, &one), 0);
  assert_int_equal(msrp_chunk_set_to_path(c, &two), 0);
  assert_bytes(c, "MSRP pa1x SEND\r\n"
                  "From-Path: " ALICE "\r\n"
                  "To-Path: " RELAY1 " " BOB "\r\n"
                  "-------pa1x$\r\n");
  assert_true(msrp_path_equal(msrp_chunk_to_path(c), &two));
  assert_true(msrp_path_equal(msrp_chunk_from_path(c), &one));
  assert_int_equal(msrp_chunk_to_path(c)->count, 2);
  assert_int_equal(msrp_chunk_to_path(c)->uris[0].use_tls, 1);
  /* the chunk holds its own copy */
  assert_ptr_not_equal(msrp_chunk_to_path(c)->uris, two.uris);

  /* replacing keeps the place */
  assert_int_equal(msrp_chunk_set_from_path(c, &two), 0);
  assert_int_equal(msrp_chunk_set_to_path(c, &one), 0);
  assert_bytes(c, "MSRP pa1x SEND\r\n"
                  "From-Path: " RELAY1 " " BOB "\r\n"
                  "To-Path: " ALICE "\r\n"
                  "-------pa1x$\r\n");
  assert_int_equal(msrp_chunk_from_path(c)->count, 2);

  /* Use-Path through set_header */
  assert_int_equal(msrp_chunk_set_header(c, "Use-Path", RELAY1 " " RELAY2), 0);
  assert_int_equal(msrp_chunk_use_path(c)->count, 2);
  assert_string_equal(msrp_chunk_use_path(c)->uris[1].host,
                      "relay2.example.net");

  msrp_path empty = MSRP_PATH_INIT;
  assert_err(msrp_chunk_set_to_path(c, &empty), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_set_to_path(c, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_set_from_path(c, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_string_equal(msrp_chunk_header(c, "To-Path"), ALICE);
  msrp_path_clear(&two);
  msrp_path_clear(&one);
  msrp_chunk_free(c);
}

/* ---- body, flag, serialization ----------------------------------------- */

static void test_set_body_copies(void **state) {
  (void)state;
  msrp_chunk *c = make_send("bd1x", NULL);
  assert_int_equal(msrp_chunk_set_header(c, "Content-Type", "text/plain"), 0);
  char src[] = "abcde";
  assert_int_equal(msrp_chunk_set_body(c, src, 5), 0);
  memcpy(src, "XXXXX", 5);
  size_t len = 0;
  const uint8_t *b = msrp_chunk_body(c, &len);
  assert_ptr_not_equal(b, src);
  assert_int_equal(len, 5);
  assert_memory_equal(b, "abcde", 5);
  assert_bytes(c, SEND_HEAD("bd1x", "1-0/0") CT "abcde\r\n-------bd1x$\r\n");
  /* len may be NULL */
  assert_ptr_equal(msrp_chunk_body(c, NULL), b);

  /* replacing the body, then emptying it */
  assert_int_equal(msrp_chunk_set_body(c, "xyz", 3), 0);
  assert_bytes(c, SEND_HEAD("bd1x", "1-0/0") CT "xyz\r\n-------bd1x$\r\n");
  assert_int_equal(msrp_chunk_set_body(c, NULL, 0), 0);
  assert_null(msrp_chunk_body(c, &len));
  assert_int_equal(len, 0);
  assert_bytes(c, SEND_HEAD("bd1x", "1-0/0") CT "\r\n-------bd1x$\r\n");
  msrp_chunk_free(c);
}

static void test_set_body_ref_zero_copy(void **state) {
  (void)state;
  msrp_chunk *c = make_send("zc1x", NULL);
  assert_int_equal(msrp_chunk_remove_header(c, "Byte-Range"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Content-Type", "text/plain"), 0);
  static const char data[] = "zero copy body";
  msrp_chunk_set_body_ref(c, data, 14);
  size_t len = 0;
  assert_ptr_equal(msrp_chunk_body(c, &len), data);
  assert_int_equal(len, 14);

  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  assert_int_equal(msrp_chunk_serialize(c, iov), 3);
  assert_ptr_equal(iov[1].iov_base, data);
  assert_int_equal(iov[1].iov_len, 14);
  assert_iov(&iov[0], "MSRP zc1x SEND\r\n" TO FROM "Message-ID: 87652491\r\n"
                      "Content-Type: text/plain\r\n\r\n");
  assert_iov(&iov[2], "\r\n-------zc1x$\r\n");

  /* a ref replacing an owned body, and an owned body replacing a ref */
  assert_int_equal(msrp_chunk_set_body(c, "own", 3), 0);
  assert_ptr_not_equal(msrp_chunk_body(c, NULL), data);
  msrp_chunk_set_body_ref(c, data, 4);
  assert_int_equal(msrp_chunk_serialize(c, iov), 3);
  assert_ptr_equal(iov[1].iov_base, data);
  assert_iov(&iov[1], "zero");

  /* no body: two pieces, the body piece left out */
  msrp_chunk_set_body_ref(c, NULL, 0);
  assert_null(msrp_chunk_body(c, &len));
  assert_int_equal(len, 0);
  assert_int_equal(msrp_chunk_remove_header(c, "Content-Type"), 0);
  assert_int_equal(msrp_chunk_serialize(c, iov), 2);
  assert_iov(&iov[0], "MSRP zc1x SEND\r\n" TO FROM "Message-ID: 87652491\r\n");
  assert_iov(&iov[1], "-------zc1x$\r\n");
  msrp_chunk_free(c);
}

static void test_content_type_empty_body(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "ce1x", "SEND"), 0);
  assert_false(msrp_chunk_has_content(c));
  assert_int_equal(msrp_chunk_set_header(c, "Content-Type", "text/plain"), 0);
  assert_true(msrp_chunk_has_content(c));
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  assert_int_equal(msrp_chunk_serialize(c, iov), 2);
  assert_iov(&iov[0], "MSRP ce1x SEND\r\nContent-Type: text/plain\r\n\r\n");
  assert_iov(&iov[1], "\r\n-------ce1x$\r\n");
  assert_bytes(c, "MSRP ce1x SEND\r\nContent-Type: text/plain\r\n"
                  "\r\n"
                  "\r\n-------ce1x$\r\n");

  /* a body alone makes content too (and no Content-Type appears) */
  assert_int_equal(msrp_chunk_remove_header(c, "Content-Type"), 0);
  assert_false(msrp_chunk_has_content(c));
  assert_int_equal(msrp_chunk_set_body(c, "b", 1), 0);
  assert_true(msrp_chunk_has_content(c));
  assert_bytes(c, "MSRP ce1x SEND\r\n\r\nb\r\n-------ce1x$\r\n");
  msrp_chunk_free(c);
}

static void test_serialize_head_tail(void **state) {
  (void)state;
  msrp_chunk *c = make_send("ht1x", "hello");
  const char *head = SEND_HEAD("ht1x", "1-5/5") CT;
  struct iovec h, t;
  assert_int_equal(msrp_chunk_serialize_head(c, &h), 0);
  assert_iov(&h, head);
  assert_int_equal(msrp_chunk_serialize_tail(c, '+', &t), 0);
  assert_iov(&t, "\r\n-------ht1x+\r\n");
  assert_int_equal(msrp_chunk_serialize_tail(c, '#', &t), 0);
  assert_iov(&t, "\r\n-------ht1x#\r\n");
  assert_int_equal(msrp_chunk_serialize_tail(c, '$', &t), 0);
  assert_iov(&t, "\r\n-------ht1x$\r\n");
  struct iovec keep = t;
  assert_err(msrp_chunk_serialize_tail(c, 'x', &t), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_serialize_tail(c, 0, &t), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(t.iov_base, keep.iov_base);
  /* the tail's flag is not the chunk's */
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_bytes(c, SEND_HEAD("ht1x", "1-5/5") CT "hello\r\n-------ht1x$\r\n");
  msrp_chunk_free(c);

  /* without content there is no CRLF before the end-line */
  assert_int_equal(msrp_chunk_new_response(&c, "ht2x", 200, "OK"), 0);
  assert_int_equal(msrp_chunk_serialize_head(c, &h), 0);
  assert_iov(&h, "MSRP ht2x 200 OK\r\n");
  assert_int_equal(msrp_chunk_serialize_tail(c, '#', &t), 0);
  assert_iov(&t, "-------ht2x#\r\n");
  msrp_chunk_free(c);
}

static void test_set_flag(void **state) {
  (void)state;
  msrp_chunk *c = make_send("fl1x", "hello");
  assert_int_equal(msrp_chunk_flag(c), MSRP_FLAG_END);
  assert_int_equal(msrp_chunk_set_flag(c, MSRP_FLAG_MORE), 0);
  assert_int_equal(msrp_chunk_flag(c), '+');
  assert_bytes(c, SEND_HEAD("fl1x", "1-5/5") CT "hello\r\n-------fl1x+\r\n");
  assert_int_equal(msrp_chunk_set_flag(c, MSRP_FLAG_ABORT), 0);
  assert_bytes(c, SEND_HEAD("fl1x", "1-5/5") CT "hello\r\n-------fl1x#\r\n");
  assert_err(msrp_chunk_set_flag(c, 'x'), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_set_flag(c, 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_set_flag(c, '-'), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_chunk_flag(c), '#');
  assert_int_equal(msrp_chunk_set_flag(c, MSRP_FLAG_END), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  msrp_chunk_free(c);
}

/* ---- dup, to_bytes, free ----------------------------------------------- */

static void test_dup(void **state) {
  (void)state;
  msrp_chunk *c = make_send("dp1x", "hello");
  assert_int_equal(msrp_chunk_add_header(c, "WWW-Authenticate", "a"), 0);
  assert_int_equal(msrp_chunk_add_header(c, "WWW-Authenticate", "b"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Status", "000 200 OK"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "partial"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Max-Expires", "90"), 0);
  assert_int_equal(msrp_chunk_set_flag(c, '+'), 0);
  char *want;
  size_t want_len;
  assert_int_equal(msrp_chunk_to_bytes(c, &want, &want_len), 0);

  msrp_chunk *d = NULL;
  assert_int_equal(msrp_chunk_dup(&d, c), 0);
  assert_ptr_not_equal(d, c);
  assert_int_equal(msrp_chunk_header_count(d), msrp_chunk_header_count(c));
  assert_int_equal(msrp_chunk_flag(d), '+');
  assert_ptr_not_equal(msrp_chunk_body(d, NULL), msrp_chunk_body(c, NULL));

  /* changing the copy leaves the original */
  assert_int_equal(msrp_chunk_set_header(d, "Message-ID", "other"), 0);
  assert_string_equal(msrp_chunk_message_id(c), "87652491");
  assert_bytes(c, want);
  assert_int_equal(msrp_chunk_set_header(d, "Message-ID", "87652491"), 0);

  /* the copy stands alone: free the original first */
  msrp_chunk_free(c);
  assert_bytes_n(d, want, want_len);
  msrp_status_header st;
  assert_int_equal(msrp_chunk_status(d, &st), 0);
  assert_string_equal(st.reason, "OK");
  assert_int_equal(msrp_chunk_failure_report(d), MSRP_REPORT_PARTIAL);
  uint32_t e = 0;
  assert_int_equal(msrp_chunk_expiry(d, MSRP_HDR_MAX_EXPIRES, &e), 0);
  assert_int_equal(e, 90);
  assert_string_equal(msrp_chunk_to_path(d)->uris[0].host, "bob.example.com");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(d, &r), 0);
  assert_int_equal(r.total, 5);
  msrp_chunk_free(d);
  free(want);

  /* a response */
  assert_int_equal(msrp_chunk_new_response(&c, "dp2x", 481, NULL), 0);
  assert_int_equal(msrp_chunk_dup(&d, c), 0);
  msrp_chunk_free(c);
  assert_false(msrp_chunk_is_request(d));
  assert_null(msrp_chunk_comment(d));
  assert_bytes(d, "MSRP dp2x 481\r\n-------dp2x$\r\n");
  msrp_chunk_free(d);

  d = UNTOUCHED;
  assert_err(msrp_chunk_dup(&d, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(d, UNTOUCHED);
}

static void test_dup_owns_ref_body(void **state) {
  (void)state;
  msrp_chunk *c = make_send("dr1x", NULL);
  assert_int_equal(msrp_chunk_remove_header(c, "Byte-Range"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Content-Type", "text/plain"), 0);
  char *buf = malloc(6);
  assert_non_null(buf);
  memcpy(buf, "borrow", 6);
  msrp_chunk_set_body_ref(c, buf, 6);

  msrp_chunk *d = NULL;
  assert_int_equal(msrp_chunk_dup(&d, c), 0);
  assert_ptr_not_equal(msrp_chunk_body(d, NULL), buf);
  /* the original chunk and buffer go; the copy must not read either */
  msrp_chunk_free(c);
  free(buf);
  assert_bytes(d, "MSRP dr1x SEND\r\n" TO FROM "Message-ID: 87652491\r\n"
                  "Content-Type: text/plain\r\n"
                  "\r\nborrow\r\n-------dr1x$\r\n");
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  assert_int_equal(msrp_chunk_serialize(d, iov), 3);
  assert_ptr_equal(iov[1].iov_base, msrp_chunk_body(d, NULL));
  msrp_chunk_free(d);
}

static void test_to_bytes_matches_iov(void **state) {
  (void)state;
  msrp_chunk *chunks[4];
  chunks[0] = make_send("tb1x", "some text");
  chunks[1] = make_send("tb2x", NULL);
  assert_int_equal(msrp_chunk_new_response(&chunks[2], "tb3x", 200, "OK"), 0);
  assert_int_equal(msrp_chunk_new_request(&chunks[3], "tb4x", "SEND"), 0);
  assert_int_equal(
      msrp_chunk_set_header(chunks[3], "Content-Type", "text/plain"), 0);
  static const int pieces[] = {3, 2, 2, 2};
  for (size_t i = 0; i < 4; i++) {
    size_t n1, n2;
    int np;
    char *a = concat_iov(chunks[i], &n1, &np);
    assert_int_equal(np, pieces[i]);
    char *b;
    assert_int_equal(msrp_chunk_to_bytes(chunks[i], &b, &n2), 0);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    assert_int_equal(b[n2], '\0');
    free(b);
    /* len may be NULL */
    assert_int_equal(msrp_chunk_to_bytes(chunks[i], &b, NULL), 0);
    assert_string_equal(a, b);
    free(b);
    free(a);
    msrp_chunk_free(chunks[i]);
  }
}

/* What the builder writes the parser reads back to the same bytes. */
static void test_parser_reads_built_chunks(void **state) {
  (void)state;
  msrp_chunk *chunks[3];
  chunks[0] = make_send("pr1x", "hello");
  chunks[1] = relayed_request();
  assert_int_equal(msrp_chunk_make_response(&chunks[2], chunks[1], 200, NULL),
                   0);
  for (size_t i = 0; i < 3; i++) {
    char *s;
    size_t n;
    assert_int_equal(msrp_chunk_to_bytes(chunks[i], &s, &n), 0);
    recording r;
    parse_both(s, n, NULL, &r);
    assert_int_equal(r.err, 0);
    assert_int_equal(r.nchunks, 1);
    size_t n2;
    char *again = reserialize(&r, &n2);
    assert_int_equal(n2, n);
    assert_memory_equal(again, s, n);
    assert_int_equal(msrp_chunk_header_count(r.chunks[0]),
                     msrp_chunk_header_count(chunks[i]));
    free(again);
    recording_free(&r);
    free(s);
    msrp_chunk_free(chunks[i]);
  }
}

/* ---- the rules for what we send ---------------------------------------- */

static void test_tid_lengths(void **state) {
  (void)state;
  static const char *const good[] = {"abcd", "a.-+", "9%=x",
                                     "abcdefghijklmnopqrstuvwxyz012345"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    msrp_chunk *c = NULL;
    assert_int_equal(msrp_chunk_new_request(&c, good[i], "SEND"), 0);
    assert_string_equal(msrp_chunk_transaction_id(c), good[i]);
    msrp_chunk_free(c);
    assert_int_equal(msrp_chunk_new_response(&c, good[i], 200, NULL), 0);
    msrp_chunk_free(c);
    msrp_chunk_params p = {.transaction_id = good[i]};
    assert_int_equal(msrp_chunk_make(&c, &p), 0);
    msrp_chunk_free(c);
  }
  static const char *const bad[] = {"abc", "e1", "a",
                                    "abcdefghijklmnopqrstuvwxyz0123456"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msrp_chunk *c = UNTOUCHED;
    assert_err(msrp_chunk_new_response(&c, bad[i], 200, "OK"),
               MSRP_ERR_PARSE_TRANSACTION_ID);
    msrp_chunk_params p = {.transaction_id = bad[i]};
    assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_PARSE_TRANSACTION_ID);
    p.code = 200;
    assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_PARSE_TRANSACTION_ID);
    assert_ptr_equal(c, UNTOUCHED);
  }
}

/* The response echoes a received transaction id, whatever its length. */
static void test_make_response_short_tid(void **state) {
  (void)state;
  static const char msg[] = "MSRP e1 SEND\r\n" TO FROM "-------e1$\r\n";
  recording r;
  parse_both(msg, sizeof msg - 1, NULL, &r);
  assert_int_equal(r.err, 0);
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make_response(&c, r.chunks[0], 200, NULL), 0);
  assert_bytes(c, "MSRP e1 200 OK\r\nTo-Path: " ALICE "\r\nFrom-Path: " BOB
                  "\r\n-------e1$\r\n");
  msrp_chunk_free(c);
  recording_free(&r);
}

static void test_make_response_report(void **state) {
  (void)state;
  msrp_chunk_params p = {.transaction_id = "rep1",
                         .method = "REPORT",
                         .message_id = "m1",
                         .start = 1,
                         .end = 5,
                         .length = 5};
  msrp_chunk *report = NULL, *c = UNTOUCHED;
  assert_int_equal(msrp_chunk_make(&report, &p), 0);
  assert_int_equal(msrp_chunk_set_header(report, "Status", "000 200 OK"), 0);
  /* RFC 4975 section 7.1.2: REPORT requests are not answered */
  assert_err(msrp_chunk_make_response(&c, report, 200, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_chunk_make_response(&c, report, 400, "Bad Request"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
  msrp_chunk_free(report);
  /* other methods are */
  p.method = "NICKNAME";
  assert_int_equal(msrp_chunk_make(&report, &p), 0);
  assert_int_equal(msrp_chunk_make_response(&c, report, 200, NULL), 0);
  msrp_chunk_free(c);
  msrp_chunk_free(report);
}

static void test_control_characters(void **state) {
  (void)state;
  msrp_chunk *c = UNTOUCHED;
  static const char *const bad[] = {"O\x01K", "OK\x7f", "\x1b[1m",
                                    "O\0K",   "OK\r",   "OK\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    /* "O\0K" is "O" as a C string: fine */
    int want = i == 3 ? 0 : MSRP_ERR_INVALID_ARGUMENT;
    assert_err(msrp_chunk_new_response(&c, "cc01", 200, bad[i]), want);
    if (want == 0) {
      assert_string_equal(msrp_chunk_comment(c), "O");
      msrp_chunk_free(c);
      c = UNTOUCHED;
    }
    msrp_chunk_params p = {
        .transaction_id = "cc01", .code = 200, .comment = bad[i]};
    assert_err(msrp_chunk_make(&c, &p), want);
    if (want == 0) {
      msrp_chunk_free(c);
      c = UNTOUCHED;
    }
  }
  assert_ptr_equal(c, UNTOUCHED);
  msrp_chunk *req = relayed_request();
  assert_err(msrp_chunk_make_response(&c, req, 400, "Bad\x02"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);

  /* HTAB and UTF-8 are text */
  assert_int_equal(
      msrp_chunk_new_response(&c, "cc01", 200, "Tr\xc3\xa8s\tbien"), 0);
  assert_bytes(c, "MSRP cc01 200 Tr\xc3\xa8s\tbien\r\n-------cc01$\r\n");
  assert_int_equal(msrp_chunk_set_header(c, "X-Name", "J\xc3\xbcrgen\there"),
                   0);
  assert_int_equal(msrp_chunk_add_header(c, "X-Name", "\xe2\x9c\x93"), 0);
  assert_bytes(c, "MSRP cc01 200 Tr\xc3\xa8s\tbien\r\n"
                  "X-Name: J\xc3\xbcrgen\there\r\n"
                  "X-Name: \xe2\x9c\x93\r\n"
                  "-------cc01$\r\n");
  msrp_chunk_free(c);
  msrp_chunk_free(req);
}

static void test_expires_clamped(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_response(&c, "exp1", 200, NULL), 0);
  uint32_t e = 0;
  /* RFC 4976 puts no bound on 1*DIGIT: a larger value reads as the largest */
  assert_int_equal(msrp_chunk_set_header(c, "Expires", "4294967296"), 0);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_EXPIRES, &e), 0);
  assert_int_equal(e, UINT32_MAX);
  assert_int_equal(msrp_chunk_set_header(c, "Min-Expires",
                                         "99999999999999999999999999999999"),
                   0);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MIN_EXPIRES, &e), 0);
  assert_int_equal(e, UINT32_MAX);
  assert_int_equal(
      msrp_chunk_set_header(c, "Max-Expires", "0000000000000000000000042"), 0);
  assert_int_equal(msrp_chunk_expiry(c, MSRP_HDR_MAX_EXPIRES, &e), 0);
  assert_int_equal(e, 42);
  /* the text is kept as written */
  assert_bytes(c, "MSRP exp1 200\r\n"
                  "Expires: 4294967296\r\n"
                  "Min-Expires: 99999999999999999999999999999999\r\n"
                  "Max-Expires: 0000000000000000000000042\r\n"
                  "-------exp1$\r\n");
  msrp_chunk_free(c);
}

/* A body that holds its chunk's end-line would end the chunk early. */
static void test_serialize_body_end_line(void **state) {
  (void)state;
  msrp_chunk *c = make_send("bel1", "hello");
  static const char *const bad[] = {
      "x\r\n-------bel1$\r\ny", "x\r\n-------bel1+", "\r\n-------bel1#",
      "-------bel1$\r\n",       "-------bel1+abc",   "a\r\r\n-------bel1$",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(msrp_chunk_set_body(c, bad[i], strlen(bad[i])), 0);
    struct iovec iov[MSRP_CHUNK_IOV_MAX];
    assert_err(msrp_chunk_serialize(c, iov), MSRP_ERR_BODY_HAS_END_LINE);
    char *s = NULL;
    assert_err(msrp_chunk_to_bytes(c, &s, NULL), MSRP_ERR_BODY_HAS_END_LINE);
    assert_null(s);
    /* a borrowed body is checked too */
    msrp_chunk_set_body_ref(c, bad[i], strlen(bad[i]));
    assert_err(msrp_chunk_serialize(c, iov), MSRP_ERR_BODY_HAS_END_LINE);
    /* the head alone is fine: a streamed body is the caller's to check */
    assert_int_equal(msrp_chunk_serialize_head(c, iov), 0);
  }
  static const char *const good[] = {
      "x\r\n-------bel1", "x\r\n-------bel1x$", "x\r\n-------bel2$",
      "x\n-------bel1$",  "x\r-------bel1$",    "x-------bel1$",
      "x\r\n------bel1$", "\r\n-------bel",     "-------bel1",
      " -------bel1$",    "\r\n-------BEL1$",   "\r",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    assert_int_equal(msrp_chunk_set_body(c, good[i], strlen(good[i])), 0);
    char want[256];
    snprintf(want, sizeof want,
             SEND_HEAD("bel1", "1-5/5") CT "%s\r\n-------bel1$\r\n", good[i]);
    assert_bytes(c, want);
  }
  msrp_chunk_free(c);

  /* a chunk the builder makes with a given tid may not hold it */
  msrp_chunk_params p = {.transaction_id = "bel1",
                         .data = "a\r\n-------bel1$\r\n",
                         .data_len = 16,
                         .content_type = "text/plain"};
  c = UNTOUCHED;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
  p.transaction_id = "bel2";
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  msrp_chunk_free(c);
}

/* Random transaction ids from a script, for msrp__chunk_make(). */
static const char *const *scripted_ids;
static size_t scripted_next;

static int scripted_random(char *out, size_t len) {
  const char *id = scripted_ids[scripted_next];
  if (!id)
    return MSRP_ERR_RANDOM;
  if (scripted_ids[scripted_next + 1])
    scripted_next++;
  assert_int_equal(strlen(id), len);
  memcpy(out, id, len + 1);
  return 0;
}

static void test_make_random_tid_avoids_body(void **state) {
  (void)state;
  static const char body[] = "see\r\n-------aaaaaaaaaaaa$\r\nthere";
  msrp_chunk_params p = {.data = body,
                         .data_len = sizeof body - 1,
                         .content_type = "text/plain",
                         .message_id = "m1"};
  /* the first id is in the body: another is drawn */
  static const char *const two[] = {"aaaaaaaaaaaa", "bbbbbbbbbbbb", NULL};
  scripted_ids = two;
  scripted_next = 0;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp__chunk_make(&c, &p, scripted_random), 0);
  assert_string_equal(msrp_chunk_transaction_id(c), "bbbbbbbbbbbb");
  char *s;
  assert_int_equal(msrp_chunk_to_bytes(c, &s, NULL), 0);
  free(s);
  msrp_chunk_free(c);

  /* a generator that keeps giving the same id is broken */
  static const char *const same[] = {"aaaaaaaaaaaa", NULL};
  scripted_ids = same;
  scripted_next = 0;
  c = UNTOUCHED;
  assert_err(msrp__chunk_make(&c, &p, scripted_random), MSRP_ERR_RANDOM);
  /* and one that fails passes its error on */
  static const char *const none[] = {NULL};
  scripted_ids = none;
  scripted_next = 0;
  assert_err(msrp__chunk_make(&c, &p, scripted_random), MSRP_ERR_RANDOM);
  assert_ptr_equal(c, UNTOUCHED);
  /* no body: the first id is taken */
  p = (msrp_chunk_params){.message_id = "m1"};
  scripted_ids = two;
  scripted_next = 0;
  assert_int_equal(msrp__chunk_make(&c, &p, scripted_random), 0);
  assert_string_equal(msrp_chunk_transaction_id(c), "aaaaaaaaaaaa");
  msrp_chunk_free(c);
}

static void test_make_other_methods(void **state) {
  (void)state;
  msrp_path to, from;
  parse_path(&to, ALICE);
  parse_path(&from, BOB);
  /* a REPORT carries the reported message's id and range; its flag is '$'
   * whatever the range says */
  msrp_chunk_params p = {.transaction_id = "dkei38sd",
                         .method = "REPORT",
                         .to_path = &to,
                         .from_path = &from,
                         .message_id = "12339sdqwer",
                         .start = 1,
                         .end = 106,
                         .length = 212};
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '$');
  assert_int_equal(msrp_chunk_set_header(c, "Status", "000 200 OK"), 0);
  assert_bytes(c, "MSRP dkei38sd REPORT\r\n"
                  "To-Path: " ALICE "\r\n"
                  "From-Path: " BOB "\r\n"
                  "Message-ID: 12339sdqwer\r\n"
                  "Byte-Range: 1-106/212\r\n"
                  "Status: 000 200 OK\r\n"
                  "-------dkei38sd$\r\n");
  msrp_chunk_free(c);

  /* only what is given: a Message-ID alone, a range alone */
  p = (msrp_chunk_params){
      .transaction_id = "nick1", .method = "NICKNAME", .message_id = "n1"};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_bytes(c, "MSRP nick1 NICKNAME\r\nMessage-ID: n1\r\n-------nick1$\r\n");
  msrp_chunk_free(c);
  p = (msrp_chunk_params){
      .transaction_id = "rep2", .method = "REPORT", .length = 10};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_bytes(c, "MSRP rep2 REPORT\r\nByte-Range: 1-0/10\r\n-------rep2$\r\n");
  msrp_chunk_free(c);
  p = (msrp_chunk_params){
      .transaction_id = "rep2", .method = "REPORT", .start = 3};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_bytes(c, "MSRP rep2 REPORT\r\nByte-Range: 3-2/2\r\n-------rep2$\r\n");
  msrp_chunk_free(c);
  p = (msrp_chunk_params){.transaction_id = "rep2",
                          .method = "REPORT",
                          .end = MSRP_BYTE_RANGE_UNKNOWN,
                          .length = MSRP_BYTE_RANGE_UNKNOWN};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_bytes(c, "MSRP rep2 REPORT\r\nByte-Range: 1-*/*\r\n-------rep2$\r\n");
  msrp_chunk_free(c);
  /* "1-*" of a total of 0 (the default) starts after it */
  c = UNTOUCHED;
  p.length = 0;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* a bad Message-ID */
  c = UNTOUCHED;
  p = (msrp_chunk_params){
      .transaction_id = "rep2", .method = "REPORT", .message_id = "a b"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p.method = NULL;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);
  msrp_path_clear(&to);
  msrp_path_clear(&from);
}

static void test_make_range_checks(void **state) {
  (void)state;
  msrp_chunk *c = UNTOUCHED;
  /* a response has no body, and no Content-Type either */
  msrp_chunk_params p = {.transaction_id = "rng1",
                         .code = 200,
                         .data = "x",
                         .data_len = 1,
                         .content_type = "text/plain"};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p.data = NULL;
  p.data_len = 0;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);

  /* an explicit end must match the body it comes with */
  p = (msrp_chunk_params){.transaction_id = "rng1",
                          .message_id = "m1",
                          .data = "hello",
                          .data_len = 5,
                          .content_type = "text/plain",
                          .start = 1,
                          .end = 4,
                          .length = 10};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p.end = 6;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  p.start = 3;
  p.end = 6;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* a start after a known total, with the end unknown */
  p = (msrp_chunk_params){.transaction_id = "rng1",
                          .message_id = "m1",
                          .start = 6,
                          .end = MSRP_BYTE_RANGE_UNKNOWN,
                          .length = 5};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* start "*" */
  p.start = MSRP_BYTE_RANGE_UNKNOWN;
  p.length = 0;
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  /* a range past what 64 bits hold */
  p = (msrp_chunk_params){.transaction_id = "rng1",
                          .data = "hello",
                          .data_len = 5,
                          .content_type = "text/plain",
                          .start = UINT64_MAX - 3};
  assert_err(msrp_chunk_make(&c, &p), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(c, UNTOUCHED);

  /* matching ends are fine */
  p = (msrp_chunk_params){.transaction_id = "rng1",
                          .message_id = "m1",
                          .data = "hello",
                          .data_len = 5,
                          .content_type = "text/plain",
                          .start = 3,
                          .end = 7,
                          .length = 10};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_flag(c), '+');
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"), "3-7/10");
  msrp_chunk_free(c);
  /* no data yet: the body will be streamed after the head */
  p.data = NULL;
  p.data_len = 0;
  p.end = 10;
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"), "3-10/10");
  struct iovec head;
  assert_int_equal(msrp_chunk_serialize_head(c, &head), 0);
  assert_iov(&head, "MSRP rng1 SEND\r\nMessage-ID: m1\r\n"
                    "Byte-Range: 3-10/10\r\nContent-Type: text/plain\r\n\r\n");
  msrp_chunk_free(c);
}

static void test_byte_range_bounds(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "brb1", "SEND"), 0);
  static const char *const good[] = {"1-0/0", "4-3/3", "1-*/1", "3-*/3",
                                     "3-3/3", "1-*/*", "9-*/*", "9-8/*"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_int_equal(msrp_chunk_set_header(c, "Byte-Range", good[i]), 0);
  static const char *const bad[] = {"4-*/3", "1-*/0", "5-4/3", "5-3/3",
                                    "2-0/0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_err(msrp_chunk_set_header(c, "Byte-Range", bad[i]),
               MSRP_ERR_PARSE_BYTE_RANGE);
  assert_err(msrp_chunk_set_byte_range(c, 4, MSRP_BYTE_RANGE_UNKNOWN, 3),
             MSRP_ERR_PARSE_BYTE_RANGE);
  assert_string_equal(msrp_chunk_header(c, "Byte-Range"), "9-8/*");
  msrp_chunk_free(c);
}

static void test_content_type_stays_last(void **state) {
  (void)state;
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_chunk_new_request(&c, "ctl1", "SEND"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Content-Type", "text/plain"), 0);
  assert_int_equal(msrp_chunk_set_to_path(c, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_chunk_set_header(c, "To-Path", BOB), 0);
  assert_int_equal(msrp_chunk_add_header(c, "WWW-Authenticate", "a"), 0);
  assert_int_equal(msrp_chunk_add_header(c, "WWW-Authenticate", "b"), 0);
  assert_int_equal(msrp_chunk_set_byte_range(c, 1, 1, 1), 0);
  /* replacing keeps the place, Content-Type's too */
  assert_int_equal(msrp_chunk_set_header(c, "content-type", "text/html"), 0);
  assert_int_equal(msrp_chunk_set_header(c, "To-Path", ALICE), 0);
  assert_int_equal(msrp_chunk_set_body(c, "x", 1), 0);
  assert_bytes(c, "MSRP ctl1 SEND\r\n"
                  "To-Path: " ALICE "\r\n"
                  "WWW-Authenticate: a\r\n"
                  "WWW-Authenticate: b\r\n"
                  "Byte-Range: 1-1/1\r\n"
                  "Content-Type: text/html\r\n"
                  "\r\nx\r\n-------ctl1$\r\n");
  assert_string_equal(msrp_chunk_to_path(c)->uris[0].host, "alice.example.com");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.total, 1);
  msrp_chunk_free(c);
}

/* A received chunk with a bad header copies as received, error and all. */
static void test_dup_received_errors(void **state) {
  (void)state;
  static const char msg[] =
      "MSRP dup1 SEND\r\n" TO "Byte-Range: 1-x/5\r\n"
      "Content-Type: text/plain\r\n"
      "X-After: 1\r\n"
      "Message-ID: m@1\r\n" FROM TO "\r\n\r\n-------dup1$\r\n";
  recording r;
  parse_both(msg, sizeof msg - 1, NULL, &r);
  assert_int_equal(r.err, 0);
  msrp_chunk *src = r.chunks[0];
  assert_err(msrp_chunk_error(src), MSRP_ERR_PARSE_BYTE_RANGE);
  msrp_chunk *d = NULL;
  assert_int_equal(msrp_chunk_dup(&d, src), 0);
  assert_err(msrp_chunk_error(d), MSRP_ERR_PARSE_BYTE_RANGE);
  assert_int_equal(msrp_chunk_header_count(d), 7);
  msrp_byte_range br;
  assert_err(msrp_chunk_byte_range(d, &br), MSRP_ERR_NOT_FOUND);
  assert_string_equal(msrp_chunk_header(d, "Byte-Range"), "1-x/5");
  assert_string_equal(msrp_chunk_message_id(d), "m@1");
  assert_string_equal(msrp_chunk_to_path(d)->uris[0].host, "bob.example.com");
  assert_bytes(d, "MSRP dup1 SEND\r\n" TO "Byte-Range: 1-x/5\r\n"
                  "Content-Type: text/plain\r\nX-After: 1\r\n"
                  "Message-ID: m@1\r\n" FROM TO "\r\n\r\n-------dup1$\r\n");
  /* setting a good value gives the typed view; the error stays what was
   * received */
  assert_int_equal(msrp_chunk_set_byte_range(d, 1, 5, 5), 0);
  assert_int_equal(msrp_chunk_byte_range(d, &br), 0);
  assert_int_equal(br.end, 5);
  assert_err(msrp_chunk_error(d), MSRP_ERR_PARSE_BYTE_RANGE);
  msrp_chunk_free(d);
  recording_free(&r);

  /* a chunk built here has none */
  d = make_send("dup2", "hi");
  assert_int_equal(msrp_chunk_error(d), 0);
  msrp_chunk *e = NULL;
  assert_int_equal(msrp_chunk_dup(&e, d), 0);
  assert_int_equal(msrp_chunk_error(e), 0);
  msrp_chunk_free(e);
  msrp_chunk_free(d);
}

static void test_free_null(void **state) {
  (void)state;
  msrp_chunk_free(NULL);
}

/* Who gets a response (RFC 4975 7.2) and whose session a request is
 * (7.3): the one rule the engine and the transports share. */
static void test_wants_response_and_session(void **state) {
  (void)state;
  msrp_chunk *c = make_send("wr01", "hi");
  assert_int_equal(msrp_chunk_wants_response(c, 200), 1);
  assert_int_equal(msrp_chunk_wants_response(c, 481), 1);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "partial"), 0);
  assert_int_equal(msrp_chunk_wants_response(c, 200), 0);
  assert_int_equal(msrp_chunk_wants_response(c, 415), 1);
  assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", "no"), 0);
  assert_int_equal(msrp_chunk_wants_response(c, 400), 0);

  msrp_path bob, alice, other;
  parse_path(&bob, BOB);
  parse_path(&alice, ALICE);
  parse_path(&other, "msrp://127.0.0.9:1/zz;tcp");
  /* we are Bob (the To-Path), the peer Alice (the From-Path) */
  assert_int_equal(msrp_chunk_check_session(c, &bob, &alice), 0);
  assert_int_equal(msrp_chunk_check_session(c, &other, &alice), 481);
  assert_int_equal(msrp_chunk_check_session(c, &bob, &other), 481);
  /* RFC 6714 CEMA: the same session ids under other hosts and ports are
   * the same session; other ids are not */
  msrp_path bob_elsewhere, alice_elsewhere;
  char text[256];
  snprintf(text, sizeof text, "msrp://192.0.2.7:9/%s;tcp",
           bob.uris[0].session_id);
  parse_path(&bob_elsewhere, text);
  snprintf(text, sizeof text, "msrp://sbc.example.net:2855/%s;tcp",
           alice.uris[0].session_id);
  parse_path(&alice_elsewhere, text);
  assert_int_equal(msrp_chunk_check_session(c, &bob_elsewhere, &alice), 481);
  assert_int_equal(
      msrp_chunk_check_session_mode(c, &bob_elsewhere, &alice_elsewhere, 1), 0);
  assert_int_equal(msrp_chunk_check_session_mode(c, &other, &alice, 1), 481);
  assert_int_equal(msrp_chunk_check_session_mode(c, &bob, &other, 1), 481);
  assert_int_equal(msrp_chunk_check_session_mode(c, &bob, &alice, 0), 0);
  msrp_path_clear(&bob_elsewhere);
  msrp_path_clear(&alice_elsewhere);
  msrp_chunk *r;
  assert_int_equal(msrp_chunk_make_response(&r, c, 200, NULL), 0);
  assert_int_equal(msrp_chunk_wants_response(r, 200), 0);
  assert_int_equal(msrp_chunk_check_session(r, &bob, &alice), 400);
  msrp_chunk_free(r);
  msrp_path_clear(&bob);
  msrp_path_clear(&alice);
  msrp_path_clear(&other);
  msrp_chunk_free(c);
}

/* Control characters are refused wherever they stand in a value (the check
 * runs eight bytes at a time: every position of a word is tried), while a
 * tab and UTF-8 are fine. */
static void test_ctl_every_position(void **state) {
  (void)state;
  msrp_chunk *c;
  assert_int_equal(msrp_chunk_new_request(&c, "ctl1", "SEND"), 0);
  static const unsigned char bad[] = {0x00 + 1, 0x1f, 0x7f, '\r', '\n'};
  for (size_t pos = 0; pos < 21; pos++) {
    char v[32];
    for (size_t b = 0; b < sizeof bad; b++) {
      memset(v, 'a', 21);
      v[21] = '\0';
      v[pos] = (char)bad[b];
      assert_int_equal(msrp_chunk_set_header(c, "X-Test", v),
                       MSRP_ERR_INVALID_ARGUMENT);
    }
    memset(v, 'a', 21);
    v[21] = '\0';
    v[pos] = '\t';
    assert_int_equal(msrp_chunk_set_header(c, "X-Test", v), 0);
    memcpy(v + (pos < 19 ? pos : 19), "\xc3\xa9", 2); /* é */
    assert_int_equal(msrp_chunk_set_header(c, "X-Test", v), 0);
  }
  msrp_chunk_free(c);
}

/* The character classes' table against the grammar's own lists, for
 * every byte value (and values outside a byte). */
static bool in_set(int c, const char *set) {
  return c > 0 && c < 256 && strchr(set, c) != NULL;
}

static void test_character_classes(void **state) {
  (void)state;
  static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int c = -2; c < 258; c++) {
    bool al = in_set(c, alnum);
    assert_int_equal(msrp__is_alnum(c), al);
    assert_int_equal(msrp__is_upalpha(c), in_set(c, upper));
    assert_int_equal(msrp__is_digit(c), in_set(c, "0123456789"));
    assert_int_equal(msrp__is_ident_char(c), al || in_set(c, ".-+%="));
    assert_int_equal(msrp__is_unreserved(c), al || in_set(c, "-._~"));
    assert_int_equal(msrp__is_token_char(c), al || in_set(c, "-.!%*_+`'~"));
  }
  /* case-insensitive equality: letters only fold (not '@' and '`', nor
   * '[' and '{', which also differ by 0x20) */
  assert_true(msrp__ieq("To-Path", 7, "tO-pATH", 7));
  assert_false(msrp__ieq("@", 1, "`", 1));
  assert_false(msrp__ieq("[", 1, "{", 1));
  assert_false(msrp__ieq("a", 1, "ab", 2));
  assert_true(msrp__ieq("", 0, "", 0));
  for (int x = 0; x < 256; x++)
    for (int y = 0; y < 256; y++) {
      char a = (char)x, b = (char)y;
      bool want = x == y || (x < 128 && y < 128 && isalpha(x) &&
                             tolower(x) == tolower(y));
      assert_int_equal(msrp__ieq(&a, 1, &b, 1), want);
    }
}

/* Random tokens: letters and digits only, each of the 62 about equally
 * often (62,000 symbols: every count within 30 % of 1,000; a generator
 * that favoured or never made some would be far outside), and not the
 * same twice. */
static void test_random_token_symbols(void **state) {
  (void)state;
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789";
  int count[256] = {0};
  char tok[32], prev[32] = "";
  for (int i = 0; i < 2000; i++) {
    assert_int_equal(msrp__random_token(tok, 31), 0);
    assert_int_equal(strlen(tok), 31);
    assert_string_not_equal(tok, prev);
    for (int k = 0; k < 31; k++)
      count[(unsigned char)tok[k]]++;
    memcpy(prev, tok, sizeof tok);
  }
  for (int c = 0; c < 256; c++) {
    if (c > 0 && strchr(alnum, c)) {
      assert_in_range(count[c], 700, 1300);
    } else {
      assert_int_equal(count[c], 0);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_token_symbols),
      cmocka_unit_test(test_character_classes),
      cmocka_unit_test(test_ctl_every_position),
      cmocka_unit_test(test_new_request),
      cmocka_unit_test(test_new_request_random_tid),
      cmocka_unit_test(test_new_request_errors),
      cmocka_unit_test(test_new_response),
      cmocka_unit_test(test_new_response_errors),
      cmocka_unit_test(test_make_send),
      cmocka_unit_test(test_make_send_binary_body),
      cmocka_unit_test(test_make_empty_send),
      cmocka_unit_test(test_make_partial),
      cmocka_unit_test(test_make_random_ids),
      cmocka_unit_test(test_random_ids_after_fork),
      cmocka_unit_test(test_make_report),
      cmocka_unit_test(test_make_response),
      cmocka_unit_test(test_make_content_type_no_body),
      cmocka_unit_test(test_make_errors),
      cmocka_unit_test(test_make_end_before_start),
      cmocka_unit_test(test_make_response_relayed),
      cmocka_unit_test(test_set_header_replaces_in_place),
      cmocka_unit_test(test_add_header),
      cmocka_unit_test(test_remove_header),
      cmocka_unit_test(test_set_header_invalid),
      cmocka_unit_test(test_header_iteration),
      cmocka_unit_test(test_header_names),
      cmocka_unit_test(test_typed_byte_range),
      cmocka_unit_test(test_typed_status),
      cmocka_unit_test(test_typed_reports),
      cmocka_unit_test(test_typed_expiry),
      cmocka_unit_test(test_set_paths),
      cmocka_unit_test(test_set_body_copies),
      cmocka_unit_test(test_set_body_ref_zero_copy),
      cmocka_unit_test(test_content_type_empty_body),
      cmocka_unit_test(test_serialize_head_tail),
      cmocka_unit_test(test_set_flag),
      cmocka_unit_test(test_dup),
      cmocka_unit_test(test_dup_owns_ref_body),
      cmocka_unit_test(test_to_bytes_matches_iov),
      cmocka_unit_test(test_parser_reads_built_chunks),
      cmocka_unit_test(test_tid_lengths),
      cmocka_unit_test(test_make_response_short_tid),
      cmocka_unit_test(test_make_response_report),
      cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_expires_clamped),
      cmocka_unit_test(test_serialize_body_end_line),
      cmocka_unit_test(test_make_random_tid_avoids_body),
      cmocka_unit_test(test_make_other_methods),
      cmocka_unit_test(test_make_range_checks),
      cmocka_unit_test(test_byte_range_bounds),
      cmocka_unit_test(test_content_type_stays_last),
      cmocka_unit_test(test_dup_received_errors),
      cmocka_unit_test(test_free_null),
      cmocka_unit_test(test_wants_response_and_session),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
