/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Message/CPIM (RFC 3862): the RFC's example, building and rendering with
 * exact bytes, reading back, typed views, malformed input and limits.
 * Inputs are parsed from heap copies of their exact size, so that ASan
 * sees any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/cpim.h>

/* Errors compare by name, so that a failure says which error it was. */
#define assert_err(got, want)                                                  \
  assert_string_equal(msrp_errname(got), msrp_errname(want))

static int untouched_storage;
#define UNTOUCHED ((msrp_cpim *)(void *)&untouched_storage)

/* RFC 3862's example message (the part after the MSRP Content-Type). */
#define RFC_HEADERS                                                            \
  "From: MR SANDERS <im:piglet@100akerwood.com>\r\n"                           \
  "To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"                       \
  "DateTime: 2000-12-13T13:40:00-08:00\r\n"                                    \
  "Subject: the weather will be fine today\r\n"                                \
  "Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"                     \
  "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"                        \
  "Require: MyFeatures.VitalMessageOption\r\n"                                 \
  "MyFeatures.VitalMessageOption: Confirmation-requested\r\n"                  \
  "MyFeatures.WackyMessageOption: Use-silly-font\r\n"                          \
  "\r\n"
#define RFC_MIME                                                               \
  "Content-type: text/xml; charset=utf-8\r\n"                                  \
  "Content-ID: <1234567890@foo.com>\r\n"                                       \
  "\r\n"
#define RFC_BODY                                                               \
  "<body>\r\n"                                                                 \
  "Here is the text of my message.\r\n"                                        \
  "</body>\r\n"
#define RFC_EXAMPLE RFC_HEADERS RFC_MIME RFC_BODY

/* 2000-12-13T13:40:00-08:00 */
#define RFC_TIME INT64_C(976743600)

/* Parse `len` bytes from an exact-size heap copy. */
static int parse_n(msrp_cpim **out, const void *data, size_t len) {
  void *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  if (len)
    memcpy(copy, data, len);
  int rc = msrp_cpim_parse(out, copy, len);
  free(copy);
  return rc;
}

static int parse_s(msrp_cpim **out, const char *s) {
  return parse_n(out, s, strlen(s));
}

static msrp_cpim *must_parse(const char *s) {
  msrp_cpim *m = NULL;
  assert_int_equal(parse_s(&m, s), 0);
  assert_non_null(m);
  return m;
}

/* to_bytes gives exactly `want` (`len` bytes) and a NUL after it. */
static void assert_wire_n(const msrp_cpim *m, const char *want, size_t len) {
  char *s = NULL;
  size_t n = 0;
  assert_int_equal(msrp_cpim_to_bytes(m, &s, &n), 0);
  if (strlen(want) == len && strlen(s) == n)
    assert_string_equal(s, want); /* readable diff on failure */
  assert_int_equal(n, len);
  assert_memory_equal(s, want, len);
  assert_int_equal(s[n], '\0');
  free(s);
}

static void assert_wire(const msrp_cpim *m, const char *want) {
  assert_wire_n(m, want, strlen(want));
}

static void assert_header(const msrp_cpim_header *h, const char *name,
                          const char *params, const char *value) {
  assert_non_null(h);
  assert_string_equal(h->name, name);
  assert_int_equal(h->name_len, strlen(name));
  assert_string_equal(h->params, params);
  assert_int_equal(h->params_len, strlen(params));
  assert_string_equal(h->value, value);
  assert_int_equal(h->value_len, strlen(value));
}

static void assert_content(const msrp_cpim *m, const void *want, size_t len) {
  size_t n = 99;
  const uint8_t *c = msrp_cpim_content(m, &n);
  assert_int_equal(n, len);
  if (len)
    assert_memory_equal(c, want, len);
  else
    assert_null(c);
}

/* The address of a value: display (NULL for none) and URI. */
static void assert_addr(const char *value, const char *display,
                        const char *uri) {
  msrp_cpim_address a = {0};
  size_t n = strlen(value);
  char *copy = malloc(n ? n : 1);
  memcpy(copy, value, n);
  int rc = msrp_cpim_address_parse(copy, n, &a);
  free(copy);
  if (rc)
    fail_msg("address %s: %s", value, msrp_errname(rc));
  if (display) {
    assert_non_null(a.display_name);
    assert_string_equal(a.display_name, display);
  } else {
    assert_null(a.display_name);
  }
  assert_string_equal(a.uri, uri);
  msrp_cpim_address_clear(&a);
  assert_null(a.display_name);
  assert_null(a.uri);
}

static void assert_bad_addr(const char *value) {
  msrp_cpim_address a = {(char *)"keep", (char *)"me"};
  int rc = msrp_cpim_address_parse(value, strlen(value), &a);
  if (rc != MSRP_ERR_CPIM_SYNTAX)
    fail_msg("address %s: %s", value, msrp_errname(rc));
  assert_string_equal(a.display_name, "keep"); /* untouched */
  assert_string_equal(a.uri, "me");
}

static void assert_next_addr(const msrp_cpim *m, const char *name, size_t *pos,
                             const char *display, const char *uri) {
  msrp_cpim_address a = {0};
  assert_int_equal(msrp_cpim_next_address(m, name, pos, &a), 0);
  if (display)
    assert_string_equal(a.display_name, display);
  else
    assert_null(a.display_name);
  assert_string_equal(a.uri, uri);
  msrp_cpim_address_clear(&a);
}

/* ---- RFC 3862 example ---------------------------------------------------- */

static void test_rfc_example_parse(void **state) {
  (void)state;
  msrp_cpim *m = must_parse(RFC_EXAMPLE);

  assert_int_equal(msrp_cpim_header_count(m), 9);
  assert_header(msrp_cpim_header_at(m, 0), "From", "",
                "MR SANDERS <im:piglet@100akerwood.com>");
  assert_header(msrp_cpim_header_at(m, 1), "To", "",
                "Depressed Donkey <im:eeyore@100akerwood.com>");
  assert_header(msrp_cpim_header_at(m, 2), "DateTime", "",
                "2000-12-13T13:40:00-08:00");
  assert_header(msrp_cpim_header_at(m, 3), "Subject", "",
                "the weather will be fine today");
  assert_header(msrp_cpim_header_at(m, 4), "Subject", ";lang=fr",
                "beau temps prevu pour aujourd'hui");
  assert_header(msrp_cpim_header_at(m, 5), "NS", "",
                "MyFeatures <mid:MessageFeatures@id.foo.com>");
  assert_header(msrp_cpim_header_at(m, 6), "Require", "",
                "MyFeatures.VitalMessageOption");
  assert_header(msrp_cpim_header_at(m, 7), "MyFeatures.VitalMessageOption", "",
                "Confirmation-requested");
  assert_header(msrp_cpim_header_at(m, 8), "MyFeatures.WackyMessageOption", "",
                "Use-silly-font");
  assert_null(msrp_cpim_header_at(m, 9));

  assert_int_equal(msrp_cpim_mime_header_count(m), 2);
  assert_header(msrp_cpim_mime_header_at(m, 0), "Content-type", "",
                "text/xml; charset=utf-8");
  assert_header(msrp_cpim_mime_header_at(m, 1), "Content-ID", "",
                "<1234567890@foo.com>");
  assert_null(msrp_cpim_mime_header_at(m, 2));
  assert_string_equal(msrp_cpim_content_type(m), "text/xml; charset=utf-8");
  assert_content(m, RFC_BODY, strlen(RFC_BODY));

  /* typed views */
  size_t pos = 0;
  assert_next_addr(m, "From", &pos, "MR SANDERS", "im:piglet@100akerwood.com");
  msrp_cpim_address a = {0};
  assert_err(msrp_cpim_next_address(m, "From", &pos, &a), MSRP_ERR_NOT_FOUND);
  assert_next_addr(m, "To", NULL, "Depressed Donkey",
                   "im:eeyore@100akerwood.com");

  msrp_cpim_time t;
  assert_int_equal(msrp_cpim_datetime(m, &t), 0);
  assert_int_equal(t.seconds, RFC_TIME);
  assert_int_equal(t.nanoseconds, 0);
  assert_int_equal(t.offset_minutes, -480);
  assert_int_equal(t.text_len, 25);
  assert_memory_equal(t.text, "2000-12-13T13:40:00-08:00", 25);

  const char *text;
  size_t len;
  assert_int_equal(msrp_cpim_subject(m, NULL, &text, &len), 0);
  assert_string_equal(text, "the weather will be fine today");
  assert_int_equal(len, 30);
  assert_int_equal(msrp_cpim_subject(m, "fr", &text, NULL), 0);
  assert_string_equal(text, "beau temps prevu pour aujourd'hui");
  assert_int_equal(msrp_cpim_subject(m, "FR", &text, &len), 0);
  assert_string_equal(text, "beau temps prevu pour aujourd'hui");
  assert_err(msrp_cpim_subject(m, "de", &text, &len), MSRP_ERR_NOT_FOUND);

  const char *uri;
  assert_int_equal(msrp_cpim_namespace(m, "MyFeatures", &uri, &len), 0);
  assert_int_equal(len, strlen("mid:MessageFeatures@id.foo.com"));
  assert_memory_equal(uri, "mid:MessageFeatures@id.foo.com", len);
  assert_int_equal(msrp_cpim_namespace(m, "myfeatures", &uri, &len), 0);
  assert_err(msrp_cpim_namespace(m, "Other", &uri, &len), MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_cpim_namespace(m, NULL, &uri, &len), 0);
  assert_int_equal(len, strlen(MSRP_CPIM_DEFAULT_NS));
  assert_memory_equal(uri, MSRP_CPIM_DEFAULT_NS, len);

  /* a Require names a prefixed header, which is found by its full name */
  const msrp_cpim_header *req = msrp_cpim_header_find(m, "Require", NULL);
  const msrp_cpim_header *opt = msrp_cpim_header_find(m, req->value, NULL);
  assert_header(opt, "MyFeatures.VitalMessageOption", "",
                "Confirmation-requested");

  /* and the message renders back to the very same bytes */
  assert_wire(m, RFC_EXAMPLE);
  msrp_cpim_free(m);
}

static void test_rfc_example_build(void **state) {
  (void)state;
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(
      msrp_cpim_set_from(m, "MR SANDERS", "im:piglet@100akerwood.com"), 0);
  assert_int_equal(
      msrp_cpim_add_to(m, "Depressed Donkey", "im:eeyore@100akerwood.com"), 0);
  assert_int_equal(
      msrp_cpim_add_header(m, "DateTime", NULL, "2000-12-13T13:40:00-08:00"),
      0);
  assert_int_equal(
      msrp_cpim_add_subject(m, NULL, "the weather will be fine today"), 0);
  assert_int_equal(
      msrp_cpim_add_subject(m, "fr", "beau temps prevu pour aujourd'hui"), 0);
  assert_int_equal(
      msrp_cpim_add_ns(m, "MyFeatures", "mid:MessageFeatures@id.foo.com"), 0);
  assert_int_equal(
      msrp_cpim_add_header(m, "Require", NULL, "MyFeatures.VitalMessageOption"),
      0);
  assert_int_equal(msrp_cpim_add_header(m, "MyFeatures.VitalMessageOption", "",
                                        "Confirmation-requested"),
                   0);
  assert_int_equal(msrp_cpim_add_header(m, "MyFeatures.WackyMessageOption",
                                        NULL, "Use-silly-font"),
                   0);
  /* the example spells it "Content-type": set_content keeps that name */
  assert_int_equal(msrp_cpim_add_mime_header(m, "Content-type", "text/plain"),
                   0);
  assert_int_equal(
      msrp_cpim_add_mime_header(m, "Content-ID", "<1234567890@foo.com>"), 0);
  assert_int_equal(msrp_cpim_set_content(m, "text/xml; charset=utf-8", RFC_BODY,
                                         strlen(RFC_BODY)),
                   0);
  assert_wire(m, RFC_EXAMPLE);

  /* a NULL content type leaves the MIME headers be */
  assert_int_equal(msrp_cpim_set_content(m, NULL, "x", 1), 0);
  assert_wire(m, RFC_HEADERS RFC_MIME "x");
  msrp_cpim_free(m);
}

/* Every prefix of the example is refused until both empty lines are in;
 * from there on each one is read with the rest as content. */
static void test_rfc_example_prefixes(void **state) {
  (void)state;
  const char *full = RFC_EXAMPLE;
  size_t n = strlen(full), need = strlen(RFC_HEADERS RFC_MIME);
  for (size_t i = 0; i <= n; i++) {
    msrp_cpim *m = UNTOUCHED;
    int rc = parse_n(&m, full, i);
    if (i < need) {
      assert_err(rc, MSRP_ERR_CPIM_SYNTAX);
      assert_ptr_equal(m, UNTOUCHED);
    } else {
      assert_int_equal(rc, 0);
      assert_int_equal(msrp_cpim_header_count(m), 9);
      assert_int_equal(msrp_cpim_mime_header_count(m), 2);
      assert_content(m, full + need, i - need);
      msrp_cpim_free(m);
    }
  }
}

/* ---- UTF-8 round trip ---------------------------------------------------- */

static void test_utf8_round_trip(void **state) {
  (void)state;
  static const char text[] = "Gr\xc3\xbc\xc3\x9f"
                             "e, \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x91\x8b";
  static const char subject[] = "\xc3\x9c"
                                "ber \"Gr\xc3\xbc\xc3\x9f"
                                "e\"";
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_from(m, "J\xc3\xbcrgen M\xc3\xbcller",
                                      "sip:juergen@example.de"),
                   0);
  assert_int_equal(msrp_cpim_add_to(m, "\xe4\xb8\x96\xe7\x95\x8c \"Welt\"",
                                    "sip:welt@example.cn"),
                   0);
  assert_int_equal(msrp_cpim_set_datetime(m, INT64_C(1709208000)), 0);
  assert_int_equal(msrp_cpim_add_subject(m, "de", subject), 0);
  assert_int_equal(
      msrp_cpim_set_content(m, "text/plain; charset=utf-8", text, strlen(text)),
      0);
  const char *wire =
      "From: J\xc3\xbcrgen M\xc3\xbcller <sip:juergen@example.de>\r\n"
      "To: \"\xe4\xb8\x96\xe7\x95\x8c \\\"Welt\\\"\"<sip:welt@example.cn>\r\n"
      "DateTime: 2024-02-29T12:00:00Z\r\n"
      "Subject:;lang=de \xc3\x9c"
      "ber \"Gr\xc3\xbc\xc3\x9f"
      "e\"\r\n"
      "\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Gr\xc3\xbc\xc3\x9f"
      "e, \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x91\x8b";
  assert_wire(m, wire);

  char *bytes;
  size_t len;
  assert_int_equal(msrp_cpim_to_bytes(m, &bytes, &len), 0);
  msrp_cpim *r = NULL;
  assert_int_equal(parse_n(&r, bytes, len), 0);
  free(bytes);

  assert_int_equal(msrp_cpim_header_count(r), msrp_cpim_header_count(m));
  for (size_t i = 0; i < msrp_cpim_header_count(m); i++) {
    const msrp_cpim_header *a = msrp_cpim_header_at(m, i);
    assert_header(msrp_cpim_header_at(r, i), a->name, a->params, a->value);
  }
  assert_int_equal(msrp_cpim_mime_header_count(r), 1);
  assert_string_equal(msrp_cpim_content_type(r), "text/plain; charset=utf-8");
  assert_next_addr(r, "From", NULL, "J\xc3\xbcrgen M\xc3\xbcller",
                   "sip:juergen@example.de");
  assert_next_addr(r, "to", NULL, "\xe4\xb8\x96\xe7\x95\x8c \"Welt\"",
                   "sip:welt@example.cn");
  msrp_cpim_time t;
  assert_int_equal(msrp_cpim_datetime(r, &t), 0);
  assert_int_equal(t.seconds, 1709208000);
  assert_int_equal(t.offset_minutes, 0);
  const char *s;
  assert_int_equal(msrp_cpim_subject(r, "de", &s, &len), 0);
  assert_string_equal(s, subject);
  assert_int_equal(len, strlen(subject));
  assert_err(msrp_cpim_subject(r, NULL, &s, &len), MSRP_ERR_NOT_FOUND);
  assert_content(r, text, strlen(text));
  assert_wire(r, wire);
  msrp_cpim_free(r);
  msrp_cpim_free(m);
}

/* ---- addresses ----------------------------------------------------------- */

static void test_address_parse(void **state) {
  (void)state;
  assert_addr("MR SANDERS <im:piglet@100akerwood.com>", "MR SANDERS",
              "im:piglet@100akerwood.com");
  assert_addr("<im:tigger@100akerwood.com>", NULL, "im:tigger@100akerwood.com");
  assert_addr("  \t<im:t@x>\t ", NULL, "im:t@x");
  assert_addr("Winnie the Pooh  <im:pooh@x>", "Winnie the Pooh", "im:pooh@x");
  assert_addr("\"MR SANDERS\"<im:piglet@x>", "MR SANDERS", "im:piglet@x");
  assert_addr("\"MR SANDERS\" <im:piglet@x>", "MR SANDERS", "im:piglet@x");
  assert_addr("\"\" <sip:a@b>", "", "sip:a@b");
  assert_addr("\"Winnie \\\"the\\\" Pooh\" <im:pooh@x>", "Winnie \"the\" Pooh",
              "im:pooh@x");
  assert_addr("\"back\\\\slash \\'q\\'\"<im:b@x>", "back\\slash 'q'", "im:b@x");
  assert_addr("\"a\\tb\\nc\\rd\\be\"<im:c@x>", "a\tb\nc\rd\be", "im:c@x");
  assert_addr("\"\\x\\<\"<im:c@x>", "x<", "im:c@x"); /* lenient escapes */
  assert_addr("\"\\u00e9t\\u00E9 \\u4e16\"<im:c@x>",
              "\xc3\xa9t\xc3\xa9 \xe4\xb8\x96", "im:c@x");
  assert_addr("\"hi \\ud83d\\udc4b\"<im:c@x>", "hi \xf0\x9f\x91\x8b", "im:c@x");
  assert_addr("Jos\xc3\xa9 \xc3\x91"
              "and\xc3\xba <sip:jose@example.es>",
              "Jos\xc3\xa9 \xc3\x91"
              "and\xc3\xba",
              "sip:jose@example.es");
  assert_addr("\"\xe4\xb8\x96\xe7\x95\x8c, \xf0\x9f\x91\x8b\" <sip:w@x>",
              "\xe4\xb8\x96\xe7\x95\x8c, \xf0\x9f\x91\x8b", "sip:w@x");
  assert_addr("\"<not the uri>\" <sip:real@x>", "<not the uri>", "sip:real@x");
  assert_addr("<sip:a@b;transport=tcp?x=y>", NULL, "sip:a@b;transport=tcp?x=y");

  static const char *const bad[] = {
      "",
      "   ",
      "sip:a@b", /* no angle brackets */
      "Name sip:a@b",
      "<>", /* empty URI */
      "Name <>",
      "<sip:a@b",       /* unterminated */
      "Name <sip:a b>", /* space in URI */
      "<sip:<a@b>",
      "<sip:a@b> trailing",
      "<sip:a@b>>",
      "\"unterminated <sip:a@b>",
      "\"x\" y <sip:a@b>", /* text between string and '<' */
      "\"x\"",
      "Na\"me <sip:a@b>", /* quote in a bare name */
      "Na>me <sip:a@b>",
      "\"\\u12\"<sip:a@b>", /* short \u */
      "\"\\u12g4\"<sip:a@b>",
      "\"\\u0000\"<sip:a@b>",
      "\"\\ud83d\"<sip:a@b>", /* lone high surrogate */
      "\"\\ud83d\\u0041\"<sip:a@b>",
      "\"\\udc4b\"<sip:a@b>", /* lone low surrogate */
      "\"a\\",
      "\"a\x01\"<sip:a@b>",
      "Name\x7f <sip:a@b>",
      "<sip:a@b\x01>",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_bad_addr(bad[i]);

  /* a raw NUL is refused too (inputs are lengths, not strings) */
  msrp_cpim_address a = {0};
  static const char nul1[] = "\"a\0b\"<s:x>", nul2[] = "<s:\0>";
  assert_err(msrp_cpim_address_parse(nul1, sizeof nul1 - 1, &a),
             MSRP_ERR_CPIM_SYNTAX);
  assert_err(msrp_cpim_address_parse(nul2, sizeof nul2 - 1, &a),
             MSRP_ERR_CPIM_SYNTAX);
  assert_err(msrp_cpim_address_parse(NULL, 3, &a), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_address_parse("<s:x>", 5, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_address_parse(NULL, 0, &a), MSRP_ERR_CPIM_SYNTAX);
  msrp_cpim_address_clear(NULL);
}

/* What the builder writes for a display name, and that it reads back. */
static void assert_display_wire(const char *display, const char *want) {
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_from(m, display, "im:a@b"), 0);
  const msrp_cpim_header *h = msrp_cpim_header_at(m, 0);
  assert_string_equal(h->value, want);
  msrp_cpim_address a = {0};
  assert_int_equal(msrp_cpim_address_parse(h->value, h->value_len, &a), 0);
  if (display && *display)
    assert_string_equal(a.display_name, display);
  else
    assert_null(a.display_name);
  assert_string_equal(a.uri, "im:a@b");
  msrp_cpim_address_clear(&a);
  msrp_cpim_free(m);
}

static void test_address_build(void **state) {
  (void)state;
  assert_display_wire(NULL, "<im:a@b>");
  assert_display_wire("", "<im:a@b>");
  assert_display_wire("MR SANDERS", "MR SANDERS <im:a@b>");
  assert_display_wire("Pooh", "Pooh <im:a@b>");
  assert_display_wire("J.R.R. O'Neil-Smith", "J.R.R. O'Neil-Smith <im:a@b>");
  assert_display_wire("\xc3\x9c\xc3\xb1\xc3\xaf \xe4\xb8\x96",
                      "\xc3\x9c\xc3\xb1\xc3\xaf \xe4\xb8\x96 <im:a@b>");
  /* anything else is a quoted string */
  assert_display_wire("Winnie \"the\" Pooh",
                      "\"Winnie \\\"the\\\" Pooh\"<im:a@b>");
  assert_display_wire("back\\slash", "\"back\\\\slash\"<im:a@b>");
  assert_display_wire("two  spaces", "\"two  spaces\"<im:a@b>");
  assert_display_wire(" lead", "\" lead\"<im:a@b>");
  assert_display_wire("trail ", "\"trail \"<im:a@b>");
  assert_display_wire("Smith, John", "\"Smith, John\"<im:a@b>");
  assert_display_wire("Bob <work>", "\"Bob <work>\"<im:a@b>");
  assert_display_wire("tab\there", "\"tab\\there\"<im:a@b>");

  /* set_from replaces the first From, keeping its place */
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_from(m, "A", "im:a@x"), 0);
  assert_int_equal(msrp_cpim_add_to(m, NULL, "im:b@x"), 0);
  assert_int_equal(msrp_cpim_set_from(m, NULL, "im:c@x"), 0);
  assert_int_equal(msrp_cpim_header_count(m), 2);
  assert_header(msrp_cpim_header_at(m, 0), "From", "", "<im:c@x>");
  assert_header(msrp_cpim_header_at(m, 1), "To", "", "<im:b@x>");
  msrp_cpim_free(m);
}

/* ---- several To and cc -----------------------------------------------------
 */

static void test_several_recipients(void **state) {
  (void)state;
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_from(m, "Alice", "sip:alice@a.example"), 0);
  assert_int_equal(msrp_cpim_add_to(m, "Bob", "sip:bob@b.example"), 0);
  assert_int_equal(msrp_cpim_add_cc(m, NULL, "sip:carol@c.example"), 0);
  assert_int_equal(msrp_cpim_add_to(m, NULL, "sip:dave@d.example"), 0);
  assert_int_equal(msrp_cpim_add_to(m, "E\xc3\xa9, \"Jr\"", "sip:e@e.example"),
                   0);
  assert_int_equal(msrp_cpim_add_cc(m, "Frank", "sip:frank@f.example"), 0);
  assert_int_equal(msrp_cpim_set_content(m, "text/plain", "hi", 2), 0);
  const char *wire = "From: Alice <sip:alice@a.example>\r\n"
                     "To: Bob <sip:bob@b.example>\r\n"
                     "cc: <sip:carol@c.example>\r\n"
                     "To: <sip:dave@d.example>\r\n"
                     "To: \"E\xc3\xa9, \\\"Jr\\\"\"<sip:e@e.example>\r\n"
                     "cc: Frank <sip:frank@f.example>\r\n"
                     "\r\n"
                     "Content-Type: text/plain\r\n"
                     "\r\n"
                     "hi";
  assert_wire(m, wire);
  msrp_cpim_free(m);

  m = must_parse(wire);
  size_t pos = 0;
  assert_next_addr(m, "To", &pos, "Bob", "sip:bob@b.example");
  assert_int_equal(pos, 2);
  assert_next_addr(m, "To", &pos, NULL, "sip:dave@d.example");
  assert_next_addr(m, "To", &pos, "E\xc3\xa9, \"Jr\"", "sip:e@e.example");
  msrp_cpim_address a = {0};
  assert_err(msrp_cpim_next_address(m, "To", &pos, &a), MSRP_ERR_NOT_FOUND);
  pos = 0;
  assert_next_addr(m, "CC", &pos, NULL, "sip:carol@c.example");
  assert_next_addr(m, "cc", &pos, "Frank", "sip:frank@f.example");
  assert_err(msrp_cpim_next_address(m, "cc", &pos, &a), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_cpim_next_address(m, "Bcc", NULL, &a), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_cpim_next_address(NULL, "To", NULL, &a),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_next_address(m, "To", NULL, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  msrp_cpim_free(m);

  /* a bad To among good ones: reported, and stepped over */
  m = must_parse("To: <sip:a@x>\r\nTo: garbage\r\nTo: <sip:c@x>\r\n\r\n"
                 "Content-Type: text/plain\r\n\r\n");
  pos = 0;
  assert_next_addr(m, "To", &pos, NULL, "sip:a@x");
  assert_err(msrp_cpim_next_address(m, "To", &pos, &a), MSRP_ERR_CPIM_SYNTAX);
  assert_null(a.uri);
  assert_next_addr(m, "To", &pos, NULL, "sip:c@x");
  msrp_cpim_free(m);
}

/* ---- DateTime ------------------------------------------------------------ */

static void assert_time(const char *s, int64_t secs, uint32_t ns, int off) {
  msrp_cpim_time t;
  int rc = msrp_cpim_time_parse(s, strlen(s), &t);
  if (rc)
    fail_msg("%s: %s", s, msrp_errname(rc));
  if (t.seconds != secs)
    fail_msg("%s: %lld, not %lld", s, (long long)t.seconds, (long long)secs);
  assert_int_equal(t.nanoseconds, ns);
  assert_int_equal(t.offset_minutes, off);
}

static void test_datetime_parse(void **state) {
  (void)state;
  assert_time("2000-12-13T13:40:00-08:00", RFC_TIME, 0, -480);
  assert_time("2000-12-13T21:40:00Z", RFC_TIME, 0, 0);
  assert_time("2000-12-13t21:40:00z", RFC_TIME, 0, 0);
  assert_time("2000-12-13T21:40:00+00:00", RFC_TIME, 0, 0);
  assert_time("2000-12-13T21:40:00-00:00", RFC_TIME, 0, 0);
  assert_time("2000-12-14T03:10:00+05:30", RFC_TIME, 0, 330);
  assert_time("2000-12-13T21:40:00.5Z", RFC_TIME, 500000000, 0);
  assert_time("2000-12-13T21:40:00.123456789Z", RFC_TIME, 123456789, 0);
  assert_time("2000-12-13T21:40:00.1234567891234Z", RFC_TIME, 123456789, 0);
  assert_time("2000-12-13T13:40:00.000001-08:00", RFC_TIME, 1000, -480);
  assert_time("1970-01-01T00:00:00Z", 0, 0, 0);
  assert_time("1969-12-31T23:59:59Z", -1, 0, 0);
  assert_time("1970-01-01T00:00:00+23:59", -86340, 0, 1439);
  assert_time("2024-02-29T12:00:00Z", 1709208000, 0, 0);
  assert_time("2000-02-29T00:00:00Z", 951782400, 0, 0);
  assert_time("2016-12-31T23:59:60Z", 1483228800, 0, 0); /* leap second */
  assert_time("9999-12-31T23:59:59Z", INT64_C(253402300799), 0, 0);
  assert_time("0000-01-01T00:00:00Z", INT64_C(-62167219200), 0, 0);
  assert_time(" \t2000-12-13T21:40:00Z  ", RFC_TIME, 0, 0);

  /* text: as given, without the spaces around it */
  msrp_cpim_time t;
  const char *s = "  2000-12-13T21:40:00Z ";
  assert_int_equal(msrp_cpim_time_parse(s, strlen(s), &t), 0);
  assert_ptr_equal(t.text, s + 2);
  assert_int_equal(t.text_len, 20);

  static const char *const bad[] = {
      "",
      "2000-12-13",
      "2000-12-13T21:40:00",  /* no offset */
      "2000-12-13T21:40Z",    /* no seconds */
      "2000-12-13 21:40:00Z", /* space for T */
      "2000-13-01T00:00:00Z",
      "2000-00-01T00:00:00Z",
      "2000-12-00T00:00:00Z",
      "2000-12-32T00:00:00Z",
      "2000-04-31T00:00:00Z",
      "1900-02-29T00:00:00Z", /* not a leap year */
      "2023-02-29T00:00:00Z",
      "2000-12-13T24:00:00Z",
      "2000-12-13T23:60:00Z",
      "2000-12-13T23:59:61Z",
      "2000-12-13T21:40:00+24:00",
      "2000-12-13T21:40:00+05:60",
      "2000-12-13T21:40:00+0530",
      "2000-12-13T21:40:00+05",
      "2000-12-13T21:40:00.Z",
      "2000-12-13T21:40:00,5Z",
      "2000-12-13T21:40:00ZZ",
      "2000-12-13T21:40:00Z junk",
      "2000-1-13T21:40:00Z",
      "+2000-12-13T21:40:00Z",
      "20000-12-13T21:40:00Z",
      "2000-12-13T21:40:0xZ",
      "2000-12-13T-1:40:00Z",
      "2000/12/13T21:40:00Z",
      "yesterday",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = msrp_cpim_time_parse(bad[i], strlen(bad[i]), &t);
    if (rc != MSRP_ERR_CPIM_SYNTAX)
      fail_msg("\"%s\": %s", bad[i], msrp_errname(rc));
  }
  assert_err(msrp_cpim_time_parse(NULL, 0, &t), MSRP_ERR_CPIM_SYNTAX);
  assert_err(msrp_cpim_time_parse(NULL, 3, &t), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_time_parse("x", 1, NULL), MSRP_ERR_INVALID_ARGUMENT);

  /* a bad DateTime in a message does not stop the message being read */
  msrp_cpim *m = must_parse("DateTime: tomorrow\r\n\r\n\r\n");
  assert_err(msrp_cpim_datetime(m, &t), MSRP_ERR_CPIM_SYNTAX);
  msrp_cpim_free(m);
  m = must_parse("\r\n\r\n");
  assert_err(msrp_cpim_datetime(m, &t), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_cpim_datetime(m, NULL), MSRP_ERR_INVALID_ARGUMENT);
  msrp_cpim_free(m);
}

static void assert_format(int64_t secs, const char *want) {
  char buf[MSRP_CPIM_TIME_LEN + 1];
  assert_int_equal(msrp_cpim_time_format(secs, buf, sizeof buf),
                   MSRP_CPIM_TIME_LEN);
  assert_string_equal(buf, want);
  msrp_cpim_time t;
  assert_int_equal(msrp_cpim_time_parse(buf, strlen(buf), &t), 0);
  assert_int_equal(t.seconds, secs);
}

static void test_datetime_format(void **state) {
  (void)state;
  assert_format(0, "1970-01-01T00:00:00Z");
  assert_format(-1, "1969-12-31T23:59:59Z");
  assert_format(RFC_TIME, "2000-12-13T21:40:00Z");
  assert_format(951782400, "2000-02-29T00:00:00Z");
  assert_format(1709208000, "2024-02-29T12:00:00Z");
  assert_format(INT64_C(4102444800), "2100-01-01T00:00:00Z");
  assert_format(INT64_C(253402300799), "9999-12-31T23:59:59Z");
  assert_format(INT64_C(-62167219200), "0000-01-01T00:00:00Z");
  /* every day of four centuries around the epoch reads back */
  for (int64_t s = INT64_C(-6311433600); s < INT64_C(6311433600);
       s += 86400 + 3661) {
    char buf[MSRP_CPIM_TIME_LEN + 1];
    assert_int_equal(msrp_cpim_time_format(s, buf, sizeof buf), 20);
    msrp_cpim_time t;
    assert_int_equal(msrp_cpim_time_parse(buf, 20, &t), 0);
    assert_int_equal(t.seconds, s);
  }

  char buf[64];
  assert_err(msrp_cpim_time_format(INT64_C(253402300800), buf, sizeof buf),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_time_format(INT64_C(-62167219201), buf, sizeof buf),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_time_format(INT64_MAX, buf, sizeof buf),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_time_format(INT64_MIN, buf, sizeof buf),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_time_format(0, buf, MSRP_CPIM_TIME_LEN),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_time_format(0, NULL, 64), MSRP_ERR_INVALID_ARGUMENT);

  /* set_datetime writes it, and replaces an earlier one in place */
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_datetime(m, 0), 0);
  assert_int_equal(msrp_cpim_add_to(m, NULL, "im:a@b"), 0);
  assert_int_equal(msrp_cpim_set_datetime(m, RFC_TIME), 0);
  assert_err(msrp_cpim_set_datetime(m, INT64_MAX), MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_cpim_header_count(m), 2);
  assert_header(msrp_cpim_header_at(m, 0), "DateTime", "",
                "2000-12-13T21:40:00Z");
  msrp_cpim_time t;
  assert_int_equal(msrp_cpim_datetime(m, &t), 0);
  assert_int_equal(t.seconds, RFC_TIME);
  msrp_cpim_free(m);
}

/* ---- content ------------------------------------------------------------- */

static void test_binary_content(void **state) {
  (void)state;
  uint8_t data[600];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(i * 7);
  /* NULs, CRLFs, an empty line, lone CR and LF, a CPIM-looking line */
  static const char tricky[] = "\0\0\r\n\r\n\r\rx\n\nFrom: <sip:x@y>\r\n\r\n\0";
  memcpy(data + 100, tricky, sizeof tricky);
  data[0] = 0;
  data[sizeof data - 1] = '\r';

  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_from(m, NULL, "sip:a@b"), 0);
  assert_int_equal(
      msrp_cpim_set_content(m, "application/octet-stream", data, sizeof data),
      0);
  assert_int_equal(
      msrp_cpim_add_mime_header(m, "Content-Disposition", "attachment"), 0);
  const char head[] = "From: <sip:a@b>\r\n\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      "Content-Disposition: attachment\r\n\r\n";
  char want[sizeof head - 1 + sizeof data];
  memcpy(want, head, sizeof head - 1);
  memcpy(want + sizeof head - 1, data, sizeof data);
  assert_wire_n(m, want, sizeof want);

  msrp_cpim *r = NULL;
  assert_int_equal(parse_n(&r, want, sizeof want), 0);
  assert_content(r, data, sizeof data);
  assert_int_equal(msrp_cpim_mime_header_count(r), 2);
  assert_wire_n(r, want, sizeof want);
  msrp_cpim_free(r);

  /* empty content, and content replaced */
  assert_int_equal(msrp_cpim_set_content(m, NULL, NULL, 0), 0);
  assert_content(m, NULL, 0);
  assert_wire(m, head);
  r = must_parse(head);
  assert_content(r, NULL, 0);
  msrp_cpim_free(r);
  assert_err(msrp_cpim_set_content(m, NULL, NULL, 1),
             MSRP_ERR_INVALID_ARGUMENT);
  msrp_cpim_free(m);
}

static void test_sections(void **state) {
  (void)state;
  /* no message headers at all, and no MIME headers */
  msrp_cpim *m = must_parse("\r\nContent-Type: text/plain\r\n\r\nhi");
  assert_int_equal(msrp_cpim_header_count(m), 0);
  assert_string_equal(msrp_cpim_content_type(m), "text/plain");
  assert_content(m, "hi", 2);
  msrp_cpim_free(m);
  m = must_parse("From: <im:a@b>\r\n\r\n\r\nbody\r\n");
  assert_int_equal(msrp_cpim_mime_header_count(m), 0);
  assert_null(msrp_cpim_content_type(m));
  assert_content(m, "body\r\n", 6);
  /* and without a Content-Type it cannot be written */
  char *s = NULL;
  assert_err(msrp_cpim_to_bytes(m, &s, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_null(s);
  msrp_cpim_free(m);

  /* leniency: no SP after the colon, more than one, trailing spaces */
  m = must_parse("From:<im:a@b>\r\nSubject:  two\t \r\nX:;a=b\r\n"
                 "Empty:\r\nE2: \r\n\r\n"
                 "Content-Type:text/plain\r\nContent-ID: \t <x@y> \r\n\r\n");
  assert_header(msrp_cpim_header_at(m, 0), "From", "", "<im:a@b>");
  assert_header(msrp_cpim_header_at(m, 1), "Subject", "", " two\t ");
  assert_header(msrp_cpim_header_at(m, 2), "X", ";a=b", "");
  assert_header(msrp_cpim_header_at(m, 3), "Empty", "", "");
  assert_header(msrp_cpim_header_at(m, 4), "E2", "", "");
  assert_header(msrp_cpim_mime_header_at(m, 0), "Content-Type", "",
                "text/plain");
  assert_header(msrp_cpim_mime_header_at(m, 1), "Content-ID", "", "<x@y> ");
  assert_next_addr(m, "From", NULL, NULL, "im:a@b");
  /* rendered the RFC way */
  assert_wire(m, "From: <im:a@b>\r\nSubject:  two\t \r\nX:;a=b \r\n"
                 "Empty: \r\nE2: \r\n\r\n"
                 "Content-Type: text/plain\r\nContent-ID: <x@y> \r\n\r\n");
  msrp_cpim_free(m);

  /* a folded MIME header is unfolded */
  m = must_parse("\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\n"
                 "X-Long: a\r\n b\r\n  c\r\n\r\nz");
  assert_int_equal(msrp_cpim_mime_header_count(m), 2);
  assert_header(msrp_cpim_mime_header_at(m, 0), "Content-Type", "",
                "text/plain;\tcharset=utf-8");
  assert_header(msrp_cpim_mime_header_at(m, 1), "X-Long", "", "a b  c");
  assert_content(m, "z", 1);
  msrp_cpim_free(m);

  /* parameters: several, quoted with ';' and spaces inside, UTF-8 */
  m = must_parse("X.Y:;a=1;b;c=\"x; \\\"y\\\" z\";lang=en-GB v w\r\n"
                 "Z:;n=\xc3\xa9t\xc3\xa9 v\r\n\r\n\r\n");
  const msrp_cpim_header *h = msrp_cpim_header_at(m, 0);
  assert_header(h, "X.Y", ";a=1;b;c=\"x; \\\"y\\\" z\";lang=en-GB", "v w");
  const char *v;
  size_t n;
  assert_int_equal(msrp_cpim_header_param(h, "a", &v, &n), 0);
  assert_int_equal(n, 1);
  assert_memory_equal(v, "1", 1);
  assert_int_equal(msrp_cpim_header_param(h, "B", &v, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(msrp_cpim_header_param(h, "c", &v, &n), 0);
  assert_int_equal(n, strlen("\"x; \\\"y\\\" z\""));
  assert_memory_equal(v, "\"x; \\\"y\\\" z\"", n);
  assert_int_equal(msrp_cpim_header_param(h, "lang", &v, NULL), 0);
  assert_memory_equal(v, "en-GB", 5);
  assert_err(msrp_cpim_header_param(h, "d", &v, &n), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_cpim_header_param(h, "", &v, &n), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_cpim_header_param(NULL, "a", &v, &n), MSRP_ERR_NOT_FOUND);
  assert_int_equal(
      msrp_cpim_header_param(msrp_cpim_header_at(m, 1), "n", &v, &n), 0);
  assert_int_equal(n, 5);
  msrp_cpim_free(m);
}

/* ---- lookup -------------------------------------------------------------- */

static void test_lookup(void **state) {
  (void)state;
  msrp_cpim *m = must_parse(RFC_EXAMPLE);
  assert_ptr_equal(msrp_cpim_header_find(m, "from", NULL),
                   msrp_cpim_header_at(m, 0));
  assert_ptr_equal(msrp_cpim_header_find(m, "DATETIME", NULL),
                   msrp_cpim_header_at(m, 2));
  assert_ptr_equal(
      msrp_cpim_header_find(m, "myfeatures.wackymessageoption", NULL),
      msrp_cpim_header_at(m, 8));
  assert_null(msrp_cpim_header_find(m, "WackyMessageOption", NULL));
  assert_null(msrp_cpim_header_find(m, "Content-Type", NULL));
  assert_null(msrp_cpim_header_find(m, NULL, NULL));
  assert_null(msrp_cpim_header_find(NULL, "From", NULL));

  /* every Subject, in order */
  size_t pos = 0, seen = 0;
  const msrp_cpim_header *h;
  while ((h = msrp_cpim_header_find(m, "subject", &pos))) {
    assert_ptr_equal(h, msrp_cpim_header_at(m, 3 + seen));
    assert_int_equal(pos, 4 + seen);
    seen++;
  }
  assert_int_equal(seen, 2);
  assert_int_equal(pos, 5); /* a miss leaves pos alone */
  pos = 100;
  assert_null(msrp_cpim_header_find(m, "From", &pos));

  /* iteration in order */
  static const char *const names[] = {"From",
                                      "To",
                                      "DateTime",
                                      "Subject",
                                      "Subject",
                                      "NS",
                                      "Require",
                                      "MyFeatures.VitalMessageOption",
                                      "MyFeatures.WackyMessageOption"};
  for (size_t i = 0; i < msrp_cpim_header_count(m); i++)
    assert_string_equal(msrp_cpim_header_at(m, i)->name, names[i]);

  assert_ptr_equal(msrp_cpim_mime_header_find(m, "content-id", NULL),
                   msrp_cpim_mime_header_at(m, 1));
  pos = 0;
  assert_ptr_equal(msrp_cpim_mime_header_find(m, "CONTENT-TYPE", &pos),
                   msrp_cpim_mime_header_at(m, 0));
  assert_null(msrp_cpim_mime_header_find(m, "Content-Type", &pos));
  assert_null(msrp_cpim_mime_header_find(m, "From", NULL));
  assert_null(msrp_cpim_mime_header_at(NULL, 0));
  assert_int_equal(msrp_cpim_mime_header_count(NULL), 0);
  assert_int_equal(msrp_cpim_header_count(NULL), 0);
  assert_null(msrp_cpim_content_type(NULL));
  size_t n = 7;
  assert_null(msrp_cpim_content(NULL, &n));
  assert_int_equal(n, 0);

  const char *s;
  assert_err(msrp_cpim_subject(NULL, NULL, &s, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_subject(m, NULL, NULL, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_namespace(m, NULL, NULL, &n), MSRP_ERR_INVALID_ARGUMENT);
  msrp_cpim_free(m);

  /* Subject by language among several; the first wins */
  m = must_parse("Subject:;lang=en-US Hello\r\nSubject:;lang=de Hallo\r\n"
                 "Subject: Plain\r\nSubject:;lang=de Servus\r\n"
                 "Subject:;x=1 Other\r\n\r\n\r\n");
  assert_int_equal(msrp_cpim_subject(m, "de", &s, &n), 0);
  assert_string_equal(s, "Hallo");
  assert_int_equal(msrp_cpim_subject(m, "EN-us", &s, &n), 0);
  assert_string_equal(s, "Hello");
  assert_int_equal(msrp_cpim_subject(m, NULL, &s, &n), 0);
  assert_string_equal(s, "Plain");
  assert_err(msrp_cpim_subject(m, "en", &s, &n), MSRP_ERR_NOT_FOUND);
  msrp_cpim_free(m);

  /* namespaces: default rebound, first wins, malformed skipped */
  m = must_parse("NS: <urn:x:default>\r\nNS: Bad\r\nNS: A <urn:a:1>\r\n"
                 "NS: A <urn:a:2>\r\nNS:   B\t <urn:b>  \r\nNS: C <>\r\n"
                 "\r\n\r\n");
  const char *uri;
  assert_int_equal(msrp_cpim_namespace(m, "", &uri, &n), 0);
  assert_int_equal(n, 13);
  assert_memory_equal(uri, "urn:x:default", n);
  assert_int_equal(msrp_cpim_namespace(m, "A", &uri, &n), 0);
  assert_memory_equal(uri, "urn:a:1", n);
  assert_int_equal(msrp_cpim_namespace(m, "b", &uri, &n), 0);
  assert_int_equal(n, 5);
  assert_memory_equal(uri, "urn:b", 5);
  assert_err(msrp_cpim_namespace(m, "C", &uri, &n), MSRP_ERR_NOT_FOUND);
  assert_err(msrp_cpim_namespace(m, "Bad", &uri, &n), MSRP_ERR_NOT_FOUND);
  msrp_cpim_free(m);
}

/* ---- malformed input ----------------------------------------------------- */

static void test_malformed(void **state) {
  (void)state;
#define B(lit)                                                                 \
  { lit, sizeof lit - 1 }
  static const struct {
    const char *in;
    size_t len;
  } bad[] = {
      B(""),
      B("From: <im:a@b>\r\n"), /* no empty line */
      B("From: <im:a@b>\r\n\r\nContent-Type: text/plain\r\n"), /* one only */
      B("From: <im:a@b>\r\n\r\nContent-Type: text/plain"),
      B("\r\n"),
      B("\r\n\r"),
      B("From <im:a@b>\r\n\r\n\r\n"),           /* no ':' */
      B("\r\nContent-Type text/plain\r\n\r\n"), /* no ':' (MIME) */
      B(": value\r\n\r\n\r\n"),                 /* empty name */
      B("\r\n: value\r\n\r\n"),
      B("Bad Name: x\r\n\r\n\r\n"),
      B("Bad(Name): x\r\n\r\n\r\n"),
      B("a.b.c: x\r\n\r\n\r\n"),
      B(".b: x\r\n\r\n\r\n"),
      B("a.: x\r\n\r\n\r\n"),
      B(" From: <im:a@b>\r\n\r\n\r\n"), /* folding not allowed */
      B("From: <im:a@b>\r\n <im:c@d>\r\n\r\n\r\n"),
      B("\r\n continued\r\n\r\n"), /* nothing to continue */
      B("\r\nBad Name: x\r\n\r\n"),
      B("\r\nN\x80: x\r\n\r\n"),
      B("X:;\r\n\r\n\r\n"), /* bad parameters */
      B("X:;=a v\r\n\r\n\r\n"),
      B("X:;a= v\r\n\r\n\r\n"),
      B("X:;a=\"open v\r\n\r\n\r\n"),
      B("X:;a=\"x\\\r\n\r\n\r\n"),
      B("X:;a=b,c v\r\n\r\n\r\n"),
      B("X:;a.b=c v\r\n\r\n\r\n"),
      B("X:;a=b\tv\r\n\r\n\r\n"),
      B("From: <im:a@b>\n\r\n\r\n"), /* bare LF */
      B("From: <im:a@b>\r\n\n\r\n"),
      B("\r\nContent-Type: x\n\r\n"),
      B("\n\n"),
      B("From: <im:a@b>\r\r\n\r\n\r\n"), /* CR not before LF */
      B("From: <im:a\rb>\r\n\r\n\r\n"),
      B("\r\nContent-Type: x\r\r\n\r\n"),
      B("\r\n\r\r\n"),
      B("From: <im:a@b>\r"),
      B("Subject: a\x01z\r\n\r\n\r\n"), /* control characters */
      B("Subject: a\x7fz\r\n\r\n\r\n"),
      B("\r\nContent-Type: a\x1b[0m\r\n\r\n"),
      B("Subject: a\0z\r\n\r\n\r\n"), /* NUL in a header */
      B("Subj\0ect: x\r\n\r\n\r\n"),
      B("\r\nContent-Type: te\0xt\r\n\r\n"),
  };
#undef B
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t len = bad[i].len;
    msrp_cpim *m = UNTOUCHED;
    int rc = parse_n(&m, bad[i].in, len);
    if (rc != MSRP_ERR_CPIM_SYNTAX)
      fail_msg("case %zu: %s", i, msrp_errname(rc));
    assert_ptr_equal(m, UNTOUCHED);
  }

  /* a NUL in the content is content */
  msrp_cpim *m = NULL;
  assert_int_equal(parse_n(&m, "\r\n\r\n\0\r\n", 7), 0);
  assert_content(m, "\0\r\n", 3);
  msrp_cpim_free(m);

  assert_err(msrp_cpim_parse(NULL, "\r\n\r\n", 4), MSRP_ERR_INVALID_ARGUMENT);
  m = UNTOUCHED;
  assert_err(msrp_cpim_parse(&m, NULL, 4), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_parse(&m, NULL, 0), MSRP_ERR_CPIM_SYNTAX);
  assert_ptr_equal(m, UNTOUCHED);
}

/* Every byte value in every place of a small message: never a crash or an
 * over-read (ASan), and either a result or PARSE_HEADER. */
static void test_mutations(void **state) {
  (void)state;
  const char base[] = "From: A <im:a@b>\r\nX:;p=\"q\" v\r\n\r\n"
                      "Content-Type: t/p\r\n x\r\n\r\nhi";
  size_t n = sizeof base - 1;
  char *buf = malloc(n);
  assert_non_null(buf);
  for (size_t i = 0; i < n; i++) {
    for (int c = 0; c < 256; c++) {
      memcpy(buf, base, n);
      buf[i] = (char)c;
      msrp_cpim *m = NULL;
      int rc = msrp_cpim_parse(&m, buf, n);
      if (rc) {
        assert_err(rc, MSRP_ERR_CPIM_SYNTAX);
        continue;
      }
      msrp_cpim_address a;
      if (msrp_cpim_next_address(m, "From", NULL, &a) == 0)
        msrp_cpim_address_clear(&a);
      char *out;
      if (msrp_cpim_to_bytes(m, &out, NULL) == 0)
        free(out);
      msrp_cpim_free(m);
    }
  }
  free(buf);
}

/* ---- header injection ---------------------------------------------------- */

static void test_injection_refused(void **state) {
  (void)state;
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_set_content(m, "text/plain", "ok", 2), 0);
  const char *evil[] = {"x\r\nTo: <sip:eve@x>",
                        "x\nTo: <sip:eve@x>",
                        "x\rTo: <sip:eve@x>",
                        "x\r\n",
                        "\r\n\r\nbody",
                        "x\x01",
                        "x\x7f",
                        "bad utf-8 \xc3",
                        "\xc0\xaf",
                        "\xed\xa0\x80" /* surrogate */};
  for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
    const char *e = evil[i];
    assert_err(msrp_cpim_set_from(m, e, "sip:a@b"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_set_from(m, NULL, e), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_to(m, e, "sip:a@b"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_to(m, "A", e), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_cc(m, e, "sip:a@b"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_cc(m, NULL, e), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_subject(m, NULL, e), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_subject(m, e, "x"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_ns(m, e, "urn:x"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_ns(m, "P", e), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_header(m, "X", NULL, e),
               MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_header(m, e, NULL, "v"),
               MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_header(m, "X", e, "v"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_mime_header(m, "X", e), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_mime_header(m, e, "v"), MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_set_content(m, e, "x", 1), MSRP_ERR_INVALID_ARGUMENT);
  }
  /* quoted parameters: no way out either */
  assert_err(msrp_cpim_add_header(m, "X", ";a=\"\r\n\"", "v"),
             MSRP_ERR_INVALID_ARGUMENT);

  /* other refusals: names, parameters, language tags, URIs */
  static const char *const bad_names[] = {"",     "A B", "A:B",     "a.b.c",
                                          ".a",   "a.",  "A;B",     "A<B",
                                          "A\"B", "A,B", "\xc3\xa9"};
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
    assert_err(msrp_cpim_add_header(m, bad_names[i], NULL, "v"),
               MSRP_ERR_INVALID_ARGUMENT);
  static const char *const bad_params[] = {
      ";",      "lang=fr", ";lang=", ";=x",   ";a=b ",
      ";a=\"x", ";a=b;",   ";a b",   ";a=b c"};
  for (size_t i = 0; i < sizeof bad_params / sizeof bad_params[0]; i++)
    assert_err(msrp_cpim_add_header(m, "X", bad_params[i], "v"),
               MSRP_ERR_INVALID_ARGUMENT);
  static const char *const bad_langs[] = {"",          "f r",          "fr-",
                                          "-fr",       "fr--CA",       "1fr",
                                          "abcdefghi", "fr-abcdefghi", "fr_CA"};
  for (size_t i = 0; i < sizeof bad_langs / sizeof bad_langs[0]; i++)
    assert_err(msrp_cpim_add_subject(m, bad_langs[i], "x"),
               MSRP_ERR_INVALID_ARGUMENT);
  static const char *const bad_uris[] = {"", "sip:a b", "sip:<a>", "sip:a>",
                                         "sip:\ta"};
  for (size_t i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++) {
    assert_err(msrp_cpim_set_from(m, "A", bad_uris[i]),
               MSRP_ERR_INVALID_ARGUMENT);
    assert_err(msrp_cpim_add_ns(m, NULL, bad_uris[i]),
               MSRP_ERR_INVALID_ARGUMENT);
  }
  assert_err(msrp_cpim_add_ns(m, "a.b", "urn:x"), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_ns(m, "a b", "urn:x"), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_mime_header(m, "A B", "v"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_mime_header(m, "A:B", "v"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_mime_header(m, "", "v"), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_set_content(m, "", "x", 1), MSRP_ERR_INVALID_ARGUMENT);

  /* NULLs */
  assert_err(msrp_cpim_set_from(NULL, NULL, "sip:a@b"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_set_from(m, "A", NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_subject(m, NULL, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_header(m, NULL, NULL, "v"),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_header(m, "X", NULL, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_add_ns(m, NULL, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_set_datetime(NULL, 0), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_to_bytes(m, NULL, NULL), MSRP_ERR_INVALID_ARGUMENT);
  assert_err(msrp_cpim_new(NULL), MSRP_ERR_INVALID_ARGUMENT);

  /* nothing got in: the message is as it was */
  assert_int_equal(msrp_cpim_header_count(m), 0);
  assert_int_equal(msrp_cpim_mime_header_count(m), 1);
  assert_wire(m, "\r\nContent-Type: text/plain\r\n\r\nok");

  /* good values with tabs and parameters */
  assert_int_equal(msrp_cpim_add_header(m, "X", ";a=b;c;d=\"e f\"", "v\tw"), 0);
  assert_int_equal(msrp_cpim_add_subject(m, "zh-Hant-TW", "t\tab"), 0);
  assert_int_equal(msrp_cpim_add_ns(m, NULL, "urn:x:y"), 0);
  assert_int_equal(msrp_cpim_add_header(m, "E", "", ""), 0);
  assert_wire(m, "X:;a=b;c;d=\"e f\" v\tw\r\n"
                 "Subject:;lang=zh-Hant-TW t\tab\r\n"
                 "NS: <urn:x:y>\r\n"
                 "E: \r\n"
                 "\r\nContent-Type: text/plain\r\n\r\nok");
  msrp_cpim_free(m);
}

/* ---- limits -------------------------------------------------------------- */

/* A message of `msg` message headers and `mime` MIME headers (the first
 * being Content-Type), padded with a filler header so that everything
 * before the content is exactly `bytes` long when bytes is not 0. */
static char *make_message(size_t msg, size_t mime, size_t bytes, size_t *len) {
  size_t cap = bytes + 4096 + (msg + mime) * 32;
  char *s = malloc(cap);
  assert_non_null(s);
  size_t n = 0;
  for (size_t i = 0; i < msg; i++)
    n += (size_t)sprintf(s + n, "X%zu: v\r\n", i);
  if (bytes) {
    /* "Pad: " + padding + CRLF, then the rest */
    size_t rest = 2;
    for (size_t i = 0; i < mime; i++)
      rest += (size_t)snprintf(NULL, 0, "M%zu: v\r\n", i);
    rest += 2;
    size_t pad = bytes - n - rest - 7;
    memcpy(s + n, "Pad: ", 5);
    memset(s + n + 5, 'p', pad);
    n += 5 + pad;
    memcpy(s + n, "\r\n", 2);
    n += 2;
  }
  n += (size_t)sprintf(s + n, "\r\n");
  for (size_t i = 0; i < mime; i++)
    n += (size_t)sprintf(s + n, "M%zu: v\r\n", i);
  n += (size_t)sprintf(s + n, "\r\n");
  if (bytes)
    assert_int_equal(n, bytes);
  memcpy(s + n, "content", 7);
  *len = n + 7;
  return s;
}

static void test_limits(void **state) {
  (void)state;
  size_t len;
  msrp_cpim *m = NULL;

  /* 100 headers in all are fine, 101 are not, however they are split */
  char *s = make_message(100, 0, 0, &len);
  assert_int_equal(parse_n(&m, s, len), 0);
  assert_int_equal(msrp_cpim_header_count(m), 100);
  msrp_cpim_free(m);
  free(s);
  s = make_message(60, 40, 0, &len);
  assert_int_equal(parse_n(&m, s, len), 0);
  assert_int_equal(msrp_cpim_mime_header_count(m), 40);
  msrp_cpim_free(m);
  free(s);
  s = make_message(101, 0, 0, &len);
  assert_err(parse_n(&m, s, len), MSRP_ERR_CPIM_LIMIT);
  free(s);
  s = make_message(0, 101, 0, &len);
  assert_err(parse_n(&m, s, len), MSRP_ERR_CPIM_LIMIT);
  free(s);
  s = make_message(50, 51, 0, &len);
  assert_err(parse_n(&m, s, len), MSRP_ERR_CPIM_LIMIT);
  free(s);
  /* folded lines are not more headers */
  {
    char buf[4096];
    size_t n = (size_t)sprintf(buf, "\r\nM: a\r\n");
    for (int i = 0; i < 150; i++)
      n += (size_t)sprintf(buf + n, " b\r\n");
    n += (size_t)sprintf(buf + n, "\r\n");
    assert_int_equal(parse_n(&m, buf, n), 0);
    assert_int_equal(msrp_cpim_mime_header_at(m, 0)->value_len, 1 + 150 * 2);
    msrp_cpim_free(m);
  }

  /* thousands of folded lines up to the limit: one header, read in one
   * pass */
  {
    size_t lines = (MSRP_CPIM_MAX_HEADER_BYTES - 10) / 4;
    char *buf = malloc(MSRP_CPIM_MAX_HEADER_BYTES);
    assert_non_null(buf);
    size_t n = (size_t)sprintf(buf, "\r\nM: a\r\n");
    for (size_t i = 0; i < lines; i++) {
      memcpy(buf + n, " b\r\n", 4);
      n += 4;
    }
    memcpy(buf + n, "\r\n", 2);
    n += 2;
    assert_true(n <= MSRP_CPIM_MAX_HEADER_BYTES);
    assert_int_equal(parse_n(&m, buf, n), 0);
    assert_int_equal(msrp_cpim_mime_header_count(m), 1);
    assert_int_equal(msrp_cpim_mime_header_at(m, 0)->value_len, 1 + 2 * lines);
    msrp_cpim_free(m);
    free(buf);
  }

  /* 64 KiB before the content: fine; one more byte: too much */
  s = make_message(3, 2, MSRP_CPIM_MAX_HEADER_BYTES, &len);
  assert_int_equal(parse_n(&m, s, len), 0);
  assert_content(m, "content", 7);
  msrp_cpim_free(m);
  free(s);
  s = make_message(3, 2, MSRP_CPIM_MAX_HEADER_BYTES + 1, &len);
  assert_err(parse_n(&m, s, len), MSRP_ERR_CPIM_LIMIT);
  free(s);
  /* also when the input ends right after the limit, or much later */
  s = make_message(0, 0, MSRP_CPIM_MAX_HEADER_BYTES + 1, &len);
  assert_err(parse_n(&m, s, MSRP_CPIM_MAX_HEADER_BYTES + 1),
             MSRP_ERR_CPIM_LIMIT);
  assert_err(parse_n(&m, s, len), MSRP_ERR_CPIM_LIMIT);
  free(s);

  /* one endless line: refused at the limit, not searched to its end */
  size_t big = 1 << 20;
  s = malloc(big);
  assert_non_null(s);
  memset(s, 'a', big);
  memcpy(s, "X: ", 3);
  assert_err(parse_n(&m, s, big), MSRP_ERR_CPIM_LIMIT);
  /* but one below the limit is merely unterminated */
  assert_err(parse_n(&m, s, MSRP_CPIM_MAX_HEADER_BYTES), MSRP_ERR_CPIM_SYNTAX);
  /* the content itself has no limit */
  memcpy(s, "\r\nContent-Type: a/b\r\n\r\n", 23);
  assert_int_equal(parse_n(&m, s, big), 0);
  size_t n;
  assert_non_null(msrp_cpim_content(m, &n));
  assert_int_equal(n, big - 23);
  msrp_cpim_free(m);
  free(s);
}

static void test_free_null(void **state) {
  (void)state;
  msrp_cpim_free(NULL);
  msrp_cpim *m = NULL;
  assert_int_equal(msrp_cpim_new(&m), 0);
  assert_int_equal(msrp_cpim_header_count(m), 0);
  assert_int_equal(msrp_cpim_mime_header_count(m), 0);
  assert_content(m, NULL, 0);
  char *s = NULL;
  assert_err(msrp_cpim_to_bytes(m, &s, NULL), MSRP_ERR_INVALID_ARGUMENT);
  msrp_cpim_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc_example_parse),
      cmocka_unit_test(test_rfc_example_build),
      cmocka_unit_test(test_rfc_example_prefixes),
      cmocka_unit_test(test_utf8_round_trip),
      cmocka_unit_test(test_address_parse),
      cmocka_unit_test(test_address_build),
      cmocka_unit_test(test_several_recipients),
      cmocka_unit_test(test_datetime_parse),
      cmocka_unit_test(test_datetime_format),
      cmocka_unit_test(test_binary_content),
      cmocka_unit_test(test_sections),
      cmocka_unit_test(test_lookup),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_mutations),
      cmocka_unit_test(test_injection_refused),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_free_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
