/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* RFC 7701 in the core: nicknames prepared and compared as RFC 8266 says,
 * the Use-Nickname value, a room's check of NICKNAME, and a=chatroom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/chatroom.h>
#include <msrp/chunk.h>
#include <msrp/parser.h>
#include <msrp/sdp.h>

static void prep(const char *in, const char *want) {
  char out[MSRP_NICKNAME_MAX + 1];
  int n = msrp_nickname_prepare(in, strlen(in), out, sizeof out);
  if (!want) {
    if (n != MSRP_ERR_INVALID_ARGUMENT)
      fail_msg("\"%s\" was taken as \"%s\"", in, out);
    return;
  }
  assert_int_equal(n, (int)strlen(want));
  assert_string_equal(out, want);
}

static void test_prepare(void **state) {
  (void)state;
  prep("Alice", "Alice");
  prep("  Alice   the\xc2\xa0great  ", "Alice the great"); /* NBSP */
  prep("\xe3\x80\x80"
       "Bob",
       "Bob");                                         /* ideographic */
  prep("\xef\xbd\x82\xef\xbd\x8f\xef\xbd\x82", "bob"); /* fullwidth */
  prep("\xe2\x85\xa8", "IX");                          /* ROMAN NINE */
  prep("A\xcc\x8a", "\xc3\x85");                       /* A + ring: NFKC */
  prep("", NULL);
  prep("   ", NULL);
  prep("a\x01"
       "b",
       NULL); /* a control */
  prep("a\xc2\x85"
       "b",
       NULL);                 /* C1 control */
  prep("\xff\xfe", NULL);     /* not UTF-8 */
  prep("\xed\xa0\x80", NULL); /* a surrogate */
  prep("a\xcd\xb8", NULL);    /* unassigned (U+0378) */
  char longname[MSRP_NICKNAME_MAX + 2];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  prep(longname, NULL);
  longname[MSRP_NICKNAME_MAX] = '\0';
  prep(longname, longname);
  char small[4];
  assert_int_equal(msrp_nickname_prepare("Alice", 5, small, sizeof small),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static void test_equal(void **state) {
  (void)state;
  assert_int_equal(msrp_nickname_equal("Alice", "aLICE"), 1);
  assert_int_equal(msrp_nickname_equal(" Alice  B ", "alice b"), 1);
  assert_int_equal(msrp_nickname_equal("\xef\xbc\xa1lice", "alice"), 1);
  assert_int_equal(msrp_nickname_equal("\xc3\x85sa", "a\xcc\x8a"
                                                     "SA"),
                   1);
  assert_int_equal(msrp_nickname_equal("Stra\xc3\x9f"
                                       "e",
                                       "STRASSE"),
                   1);
  assert_int_equal(msrp_nickname_equal("Alice", "Alicia"), 0);
  assert_int_equal(msrp_nickname_equal("Alice", ""), MSRP_ERR_INVALID_ARGUMENT);
}

static void test_quote(void **state) {
  (void)state;
  char b[64];
  assert_int_equal(msrp_nickname_quote("Al \"x\" \\", b, sizeof b), 13);
  assert_string_equal(b, "\"Al \\\"x\\\" \\\\\"");
  assert_int_equal(msrp_nickname_quote("  a  ", b, sizeof b), 3);
  assert_string_equal(b, "\"a\"");
  assert_int_equal(msrp_nickname_quote("abcdef", b, 6),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_nickname_quote("a\nb", b, sizeof b),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static msrp_chunk *request(const char *text) {
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  msrp_chunk *c = NULL;
  msrp_event ev;
  size_t off = 0, len = strlen(text);
  while (off < len) {
    size_t n = 0;
    assert_int_equal(
        msrp_parser_execute(p, (const uint8_t *)text + off, len - off, &n, &ev),
        0);
    off += n;
    if (ev.type == MSRP_EVENT_HEADERS)
      assert_int_equal(msrp_chunk_dup(&c, ev.chunk), 0);
    if (ev.type == MSRP_EVENT_NONE)
      break;
  }
  msrp_parser_free(p);
  assert_non_null(c);
  return c;
}

#define NICK_HEAD                                                              \
  "MSRP t1 NICKNAME\r\nTo-Path: msrp://a.example.com:2855/r1;tcp\r\n"          \
  "From-Path: msrp://b.example.com:2855/s1;tcp\r\n"

static int check(const char *text, char *out) {
  msrp_chunk *c = request(text);
  int code = msrp_nickname_check(c, out, MSRP_NICKNAME_MAX + 1);
  msrp_chunk_free(c);
  return code;
}

static void test_check(void **state) {
  (void)state;
  char n[MSRP_NICKNAME_MAX + 1];
  assert_int_equal(
      check(NICK_HEAD "Use-Nickname: \"Alice the great\"\r\n-------t1$\r\n", n),
      200);
  assert_string_equal(n, "Alice the great");
  assert_int_equal(
      check(NICK_HEAD "Use-Nickname: \"a\\\"b\"\r\n-------t1$\r\n", n), 200);
  assert_string_equal(n, "a\"b");
  assert_int_equal(check(NICK_HEAD "Use-Nickname: bare\r\n-------t1$\r\n", n),
                   200);
  assert_string_equal(n, "bare");
  assert_int_equal(check(NICK_HEAD "-------t1$\r\n", n), 400);
  assert_int_equal(check(NICK_HEAD "Use-Nickname: \"a\"\r\n"
                                   "Use-Nickname: \"b\"\r\n-------t1$\r\n",
                         n),
                   400);
  assert_int_equal(check(NICK_HEAD "Use-Nickname: \"a\r\n-------t1$\r\n", n),
                   424);
  assert_int_equal(
      check(NICK_HEAD "Use-Nickname: \"a\" b\r\n-------t1$\r\n", n), 424);
  assert_int_equal(check(NICK_HEAD "Use-Nickname: \"  \"\r\n-------t1$\r\n", n),
                   424);
  assert_int_equal(check(NICK_HEAD "Use-Nickname: \"\\\"\r\n-------t1$\r\n", n),
                   424);
  msrp_chunk *send = request("MSRP t2 SEND\r\nTo-Path: msrp://a:1/x;tcp\r\n"
                             "From-Path: msrp://b:1/y;tcp\r\n-------t2$\r\n");
  assert_int_equal(msrp_nickname_check(send, n, sizeof n),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_chunk_free(send);
}

static void test_sdp_chatroom(void **state) {
  (void)state;
  msrp_sdp_media *m;
  const char *sdp = "m=message 2855 TCP/MSRP *\r\n"
                    "c=IN IP4 10.0.0.1\r\n"
                    "a=accept-types:message/cpim\r\n"
                    "a=path:msrp://10.0.0.1:2855/abc;tcp\r\n";
  assert_int_equal(msrp_sdp_media_parse(&m, sdp, strlen(sdp), 0, NULL), 0);
  assert_int_equal(msrp_sdp_media_chatroom(m), MSRP_ERR_NOT_FOUND);
  assert_int_equal(
      msrp_sdp_media_set_chatroom(m, MSRP_CHATROOM_NICKNAME |
                                         MSRP_CHATROOM_PRIVATE_MESSAGES),
      0);
  char buf[512];
  assert_true(msrp_sdp_media_format(m, buf, sizeof buf) > 0);
  assert_non_null(strstr(buf, "a=chatroom:nickname private-messages\r\n"));
  assert_int_equal(msrp_sdp_media_chatroom(m),
                   MSRP_CHATROOM_NICKNAME | MSRP_CHATROOM_PRIVATE_MESSAGES);
  assert_int_equal(msrp_sdp_media_set_chatroom(m, 8),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_sdp_media_free(m);
  const char *room = "m=message 2855 TCP/MSRP *\r\n"
                     "c=IN IP4 10.0.0.1\r\n"
                     "a=accept-types:message/cpim\r\n"
                     "a=path:msrp://10.0.0.1:2855/abc;tcp\r\n"
                     "a=chatroom:com.example.x nickname\r\n";
  assert_int_equal(msrp_sdp_media_parse(&m, room, strlen(room), 0, NULL), 0);
  assert_int_equal(msrp_sdp_media_chatroom(m), MSRP_CHATROOM_NICKNAME);
  msrp_sdp_media_free(m);
  const char *bare = "m=message 2855 TCP/MSRP *\r\n"
                     "c=IN IP4 10.0.0.1\r\n"
                     "a=accept-types:message/cpim\r\n"
                     "a=path:msrp://10.0.0.1:2855/abc;tcp\r\n"
                     "a=chatroom\r\n";
  assert_int_equal(msrp_sdp_media_parse(&m, bare, strlen(bare), 0, NULL), 0);
  assert_int_equal(msrp_sdp_media_chatroom(m), 0);
  msrp_sdp_media_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prepare),      cmocka_unit_test(test_equal),
      cmocka_unit_test(test_quote),        cmocka_unit_test(test_check),
      cmocka_unit_test(test_sdp_chatroom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
