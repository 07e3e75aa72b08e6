/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* RFC 5547 in SDP (file_selector.h): the selector as widely deployed
 * clients write it, escapes, hostile names, every attribute parsed and
 * written byte-exact, and the offer/answer mirror. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/chunk.h>
#include <msrp/file_selector.h>
#include <msrp/sdp.h>

/* as a widely deployed client offers it: quoted name with spaces, upper-case
 * colon-separated SHA-1 */
#define DEPLOYED                                                               \
  "name:\"My cool picture.jpg\" type:image/jpeg size:32349 "                   \
  "hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E"

static const uint8_t deployed_sha1[20] = {
    0x72, 0x24, 0x5F, 0xE8, 0x65, 0x3D, 0xDA, 0xF3, 0x71, 0x36,
    0x2F, 0x86, 0xD4, 0x71, 0x91, 0x3E, 0xE4, 0xA2, 0xCE, 0x2E};

static int parse(msrp_file_selector *s, const char *text) {
  *s = (msrp_file_selector)MSRP_FILE_SELECTOR_INIT;
  /* from a heap copy with nothing after it, so that ASan sees overreads */
  size_t n = strlen(text);
  char *copy = malloc(n ? n : 1);
  memcpy(copy, text, n);
  int rc = msrp_file_selector_parse(s, copy, n);
  free(copy);
  return rc;
}

static char *format(const msrp_file_selector *s) {
  int n = msrp_file_selector_format(s, NULL, 0);
  assert_true(n >= 0);
  char *out = malloc((size_t)n + 1);
  assert_int_equal(msrp_file_selector_format(s, out, (size_t)n + 1), n);
  /* a short buffer: a NUL-terminated prefix, and the whole length */
  char small[6];
  assert_int_equal(msrp_file_selector_format(s, small, sizeof small), n);
  assert_int_equal(strlen(small), n < 5 ? n : 5);
  return out;
}

static void test_deployed_selector(void **state) {
  (void)state;
  msrp_file_selector s;
  assert_int_equal(parse(&s, DEPLOYED), 0);
  assert_string_equal(s.name, "My cool picture.jpg");
  assert_int_equal(s.name_len, 19);
  assert_string_equal(s.type, "image/jpeg");
  assert_true(s.has_size);
  assert_int_equal(s.size, 32349);
  assert_true(s.has_sha1);
  assert_memory_equal(s.sha1, deployed_sha1, 20);
  char *text = format(&s);
  assert_string_equal(text, DEPLOYED);
  free(text);
  msrp_file_selector_clear(&s);
}

/* Lower-case hex and "sha1" are taken; we always write upper-case sha-1.
 * The order of selectors does not matter; several spaces separate too. */
static void test_lenient_input(void **state) {
  (void)state;
  msrp_file_selector s;
  assert_int_equal(
      parse(&s, "hash:sha1:72:24:5f:e8:65:3d:da:f3:71:36:2f:86:d4:71:91:3e:"
                "e4:a2:ce:2e  size:5 name:\"a.txt\""),
      0);
  assert_memory_equal(s.sha1, deployed_sha1, 20);
  char *text = format(&s);
  assert_string_equal(
      text, "name:\"a.txt\" size:5 hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:"
            "36:2F:86:D4:71:91:3E:E4:A2:CE:2E");
  free(text);
  msrp_file_selector_clear(&s);
  /* another algorithm: skipped, not an error; a later extension: skipped */
  assert_int_equal(parse(&s, "name:\"b\" hash:sha-256:AB:CD foo:\"x y\" z"), 0);
  assert_false(s.has_sha1);
  assert_string_equal(s.name, "b");
  msrp_file_selector_clear(&s);
  /* only a name and a hash, as a pull asks */
  assert_int_equal(parse(&s, "name:\"b\""), 0);
  assert_false(s.has_size);
  assert_null(s.type);
  msrp_file_selector_clear(&s);
  /* a type with a quoted parameter holding a space */
  assert_int_equal(parse(&s, "type:text/plain;charset=\"utf 8\" size:1"), 0);
  assert_string_equal(s.type, "text/plain;charset=\"utf 8\"");
  msrp_file_selector_clear(&s);
}

/* Quotes, percent signs, UTF-8 and control characters in names: decoded
 * on input, escaped on output, round trip exact. */
static void test_name_escapes(void **state) {
  (void)state;
  msrp_file_selector s;
  assert_int_equal(parse(&s, "name:\"say %22hi%22 100%25 na\xc3\xafve "
                             "r\xc3\xa9sum\xc3\xa9.txt\""),
                   0);
  assert_string_equal(s.name,
                      "say \"hi\" 100% na\xc3\xafve r\xc3\xa9sum\xc3\xa9.txt");
  char *text = format(&s);
  assert_string_equal(text, "name:\"say %22hi%22 100%25 na\xc3\xafve "
                            "r\xc3\xa9sum\xc3\xa9.txt\"");
  free(text);
  msrp_file_selector_clear(&s);
  /* a NUL and a line end, escaped: kept as bytes, written back escaped */
  assert_int_equal(parse(&s, "name:\"a%00b%0D%0Ac\""), 0);
  assert_int_equal(s.name_len, 6);
  assert_memory_equal(s.name, "a\0b\r\nc", 6);
  text = format(&s);
  assert_string_equal(text, "name:\"a%00b%0D%0Ac\"");
  free(text);
  msrp_file_selector_clear(&s);
}

static void test_malformed(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int err;
  } bad[] = {
      {"name:\"unterminated", MSRP_ERR_SDP_SYNTAX},
      {"name:\"\"", MSRP_ERR_SDP_SYNTAX},
      {"name:noquotes", MSRP_ERR_SDP_SYNTAX},
      {"name:\"bad %G1 escape\"", MSRP_ERR_SDP_SYNTAX},
      {"name:\"cut %4\"", MSRP_ERR_SDP_SYNTAX},
      {"name:\"a\"size:1", MSRP_ERR_SDP_SYNTAX},
      {"size:12a", MSRP_ERR_SDP_SYNTAX},
      {"size:", MSRP_ERR_SDP_SYNTAX},
      {"size:99999999999999999999999", MSRP_ERR_SDP_SYNTAX},
      {"type:image", MSRP_ERR_SDP_SYNTAX},
      {"type:/jpeg", MSRP_ERR_SDP_SYNTAX},
      {"type:im@ge/jpeg", MSRP_ERR_SDP_SYNTAX},
      {"hash:sha-1:7", MSRP_ERR_SDP_SYNTAX},
      {"hash:sha-1:72:24", MSRP_ERR_SDP_SYNTAX}, /* not 20 bytes */
      {"hash:sha-1:7224", MSRP_ERR_SDP_SYNTAX},
      {"hash:sha-1:", MSRP_ERR_SDP_SYNTAX},
      {"hash:sha-1", MSRP_ERR_SDP_SYNTAX},
      {"foo:\"unterminated", MSRP_ERR_SDP_SYNTAX},
      {"name:\"a\" name:\"b\"", MSRP_ERR_SDP_DUPLICATE},
      {"size:1 size:2", MSRP_ERR_SDP_DUPLICATE},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msrp_file_selector s;
    int rc = parse(&s, bad[i].text);
    if (rc != bad[i].err)
      fail_msg("\"%s\": %d, not %d", bad[i].text, rc, bad[i].err);
    assert_null(s.name);
    assert_null(s.type);
  }
  /* a NUL or a line end inside the value */
  msrp_file_selector s = MSRP_FILE_SELECTOR_INIT;
  assert_int_equal(msrp_file_selector_parse(&s, "size:1\0", 7),
                   MSRP_ERR_SDP_SYNTAX);
  assert_int_equal(msrp_file_selector_parse(&s, "size:1\r\n", 8),
                   MSRP_ERR_SDP_SYNTAX);
  assert_int_equal(msrp_file_selector_parse(NULL, "", 0),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_file_selector_parse(&s, "", 0), 0); /* all optional */
}

static void test_sanitize(void **state) {
  (void)state;
  static const struct {
    const char *name;
    size_t len;
    const char *out;
  } cases[] = {
      {"../../x", 7, "x"},
      {"/etc/passwd", 11, "passwd"},
      {"..\\..\\boot.ini", 14, "boot.ini"},
      {"a\0b", 3, "a_b"},
      {"tab\there\x7f", 9, "tab_here_"},
      {"..", 2, "file"},
      {".", 1, "file"},
      {"dir/", 4, "file"},
      {"", 0, "file"},
      {"na\xc3\xafve.txt", 10, "na\xc3\xafve.txt"},
  };
  char out[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n =
        msrp_file_name_sanitize(cases[i].name, cases[i].len, out, sizeof out);
    assert_string_equal(out, cases[i].out);
    assert_int_equal(n, strlen(cases[i].out));
  }
  /* cut to the room, not inside a UTF-8 character */
  size_t n = msrp_file_name_sanitize("abcdef\xc3\xa9", 8, out, 8);
  assert_string_equal(out, "abcdef");
  assert_int_equal(n, 6);
}

static void test_matches(void **state) {
  (void)state;
  msrp_file_selector have, want;
  assert_int_equal(parse(&have, DEPLOYED), 0);
  assert_int_equal(
      parse(&want, "name:\"My cool picture.jpg\" hash:sha-1:72:24:5F:E8:65:3D:"
                   "DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E"),
      0);
  assert_true(msrp_file_selector_matches(&want, &have));
  msrp_file_selector_clear(&want);
  assert_int_equal(parse(&want, "type:IMAGE/JPEG;x=\"1\""), 0);
  assert_true(msrp_file_selector_matches(&want, &have));
  msrp_file_selector_clear(&want);
  assert_int_equal(parse(&want, "name:\"my cool picture.jpg\""), 0);
  assert_false(msrp_file_selector_matches(&want, &have)); /* names: exact */
  msrp_file_selector_clear(&want);
  assert_int_equal(parse(&want, "size:32348"), 0);
  assert_false(msrp_file_selector_matches(&want, &have));
  msrp_file_selector_clear(&want);
  assert_int_equal(parse(&want, ""), 0);
  assert_false(msrp_file_selector_matches(&want, &have)); /* asks nothing */
  msrp_file_selector_clear(&have);
}

/* ---- the whole media section -------------------------------------------- */

#define MEDIA_HEAD                                                             \
  "m=message 7654 TCP/MSRP *\r\n"                                              \
  "c=IN IP4 192.0.2.1\r\n"                                                     \
  "a=path:msrp://192.0.2.1:7654/jshA7we;tcp\r\n"                               \
  "a=accept-types:*\r\n"

#define FILE_ATTRS                                                             \
  "a=sendonly\r\n"                                                             \
  "a=file-selector:" DEPLOYED "\r\n"                                           \
  "a=file-transfer-id:vBnG916bdberum2fFEABR1FR3ExZMUrd\r\n"                    \
  "a=file-disposition:render\r\n"                                              \
  "a=file-date:creation:\"Mon, 15 May 2006 15:01:31 +0300\" "                  \
  "modification:\"Tue, 16 May 2006 10:00:00 +0300\"\r\n"                       \
  "a=file-icon:cid:id2@alicepc.example.com\r\n"                                \
  "a=file-range:1001-*\r\n"

static msrp_sdp_media *media(const char *text) {
  msrp_sdp_media *m;
  msrp_sdp_where w;
  int rc = msrp_sdp_media_parse(&m, text, strlen(text), 0, &w);
  if (rc)
    fail_msg("the media does not parse: %d at line %zu", rc, w.line);
  return m;
}

static void test_description_round_trip(void **state) {
  (void)state;
  msrp_sdp_media *m = media(MEDIA_HEAD FILE_ATTRS);
  msrp_file_description d = MSRP_FILE_DESCRIPTION_INIT;
  assert_int_equal(msrp_file_description_from_media(&d, m), 0);
  assert_true(d.has_selector);
  assert_int_equal(d.direction, MSRP_SDP_SENDONLY);
  assert_string_equal(d.selector.name, "My cool picture.jpg");
  assert_string_equal(d.transfer_id, "vBnG916bdberum2fFEABR1FR3ExZMUrd");
  assert_string_equal(d.disposition, "render");
  assert_string_equal(d.date_creation, "Mon, 15 May 2006 15:01:31 +0300");
  assert_string_equal(d.date_modification, "Tue, 16 May 2006 10:00:00 +0300");
  assert_null(d.date_read);
  assert_string_equal(d.icon, "cid:id2@alicepc.example.com");
  assert_true(d.has_range);
  assert_int_equal(d.range_start, 1001);
  assert_true(d.range_stop == MSRP_BYTE_RANGE_UNKNOWN);
  msrp_sdp_media_free(m);

  /* written into a fresh media: the same lines, in the same order */
  m = media(MEDIA_HEAD);
  assert_int_equal(msrp_file_description_to_media(&d, m), 0);
  int n = msrp_sdp_media_format(m, NULL, 0);
  char *text = malloc((size_t)n + 1);
  msrp_sdp_media_format(m, text, (size_t)n + 1);
  assert_non_null(strstr(text, FILE_ATTRS));
  free(text);
  msrp_sdp_media_free(m);

  /* the answer: recvonly, the same selector and transfer id */
  msrp_file_description a = MSRP_FILE_DESCRIPTION_INIT;
  assert_int_equal(msrp_file_description_answer(&a, &d), 0);
  assert_int_equal(a.direction, MSRP_SDP_RECVONLY);
  assert_string_equal(a.transfer_id, d.transfer_id);
  assert_true(msrp_file_selector_matches(&d.selector, &a.selector));
  msrp_file_description_clear(&a);
  d.direction = MSRP_SDP_SENDRECV;
  assert_int_equal(msrp_file_description_answer(&a, &d),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_file_description_clear(&d);
}

static void test_description_malformed(void **state) {
  (void)state;
  static const struct {
    const char *attrs;
    int err;
  } bad[] = {
      {"a=file-range:0-*\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-range:5-3\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-range:a-*\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-range:1-\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-range:1-*\r\na=file-range:1-*\r\n", MSRP_ERR_SDP_DUPLICATE},
      {"a=file-transfer-id:has space\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-transfer-id:\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-transfer-id:a\r\na=file-transfer-id:b\r\n",
       MSRP_ERR_SDP_DUPLICATE},
      {"a=file-date:creation:Mon\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-date:birth:\"Mon\"\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-date:read:\"a\" read:\"b\"\r\n", MSRP_ERR_SDP_DUPLICATE},
      {"a=sendonly\r\na=recvonly\r\n", MSRP_ERR_SDP_DUPLICATE},
      {"a=file-selector:size:x\r\n", MSRP_ERR_SDP_SYNTAX},
      {"a=file-selector:size:1\r\na=file-selector:size:1\r\n",
       MSRP_ERR_SDP_DUPLICATE},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[1024];
    snprintf(text, sizeof text, "%s%s", MEDIA_HEAD, bad[i].attrs);
    msrp_sdp_media *m = media(text);
    msrp_file_description d = MSRP_FILE_DESCRIPTION_INIT;
    int rc = msrp_file_description_from_media(&d, m);
    if (rc != bad[i].err)
      fail_msg("%s: %d, not %d", bad[i].attrs, rc, bad[i].err);
    assert_null(d.transfer_id);
    assert_false(d.has_selector);
    msrp_sdp_media_free(m);
  }
  /* what cannot be written */
  msrp_sdp_media *m = media(MEDIA_HEAD);
  msrp_file_description d = MSRP_FILE_DESCRIPTION_INIT;
  d.transfer_id = "not a token";
  assert_int_equal(msrp_file_description_to_media(&d, m),
                   MSRP_ERR_INVALID_ARGUMENT);
  d.transfer_id = NULL;
  d.date_read = "with \"quote\"";
  assert_int_equal(msrp_file_description_to_media(&d, m),
                   MSRP_ERR_INVALID_ARGUMENT);
  d.date_read = NULL;
  d.has_range = 1;
  d.range_start = 0;
  assert_int_equal(msrp_file_description_to_media(&d, m),
                   MSRP_ERR_INVALID_ARGUMENT);
  msrp_sdp_media_free(m);
  /* no file attributes: not a file transfer, no error */
  m = media(MEDIA_HEAD);
  msrp_file_description e = MSRP_FILE_DESCRIPTION_INIT;
  assert_int_equal(msrp_file_description_from_media(&e, m), 0);
  assert_false(e.has_selector);
  assert_int_equal(e.direction, MSRP_SDP_DIRECTION_ABSENT);
  msrp_sdp_media_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deployed_selector),
      cmocka_unit_test(test_lenient_input),
      cmocka_unit_test(test_name_escapes),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_sanitize),
      cmocka_unit_test(test_matches),
      cmocka_unit_test(test_description_round_trip),
      cmocka_unit_test(test_description_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
