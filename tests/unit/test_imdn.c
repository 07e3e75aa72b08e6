/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* IMDN (RFC 5438): each kind of document byte for byte and back through
 * libxml2; RFC 5438's example parsed; the Disposition-Notification list;
 * the request read from CPIM headers under any prefix; malformed, hostile
 * and oversized documents refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/imdn.h>

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define OPEN "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"

static msrp_imdn doc(msrp_imdn_kind kind, msrp_imdn_status status) {
  msrp_imdn d;
  memset(&d, 0, sizeof d);
  snprintf(d.message_id, sizeof d.message_id, "34jk324j");
  snprintf(d.datetime, sizeof d.datetime, "2008-04-04T12:16:49-05:00");
  d.kind = kind;
  d.status = status;
  return d;
}

static void roundtrip(const msrp_imdn *d, const char *want) {
  char *x;
  size_t n;
  assert_int_equal(msrp_imdn_build(d, &x, &n), 0);
  assert_string_equal(x, want);
  assert_int_equal(n, strlen(want));
  msrp_imdn back;
  assert_int_equal(msrp_imdn_parse(x, n, &back), 0);
  assert_memory_equal(&back, d, sizeof back);
  free(x);
}

static void test_build_each_kind(void **state) {
  (void)state;
  msrp_imdn d = doc(MSRP_IMDN_KIND_DELIVERY, MSRP_IMDN_DELIVERED);
  snprintf(d.recipient_uri, sizeof d.recipient_uri, "im:bob@example.com");
  snprintf(d.original_recipient_uri, sizeof d.original_recipient_uri,
           "im:bob@example.com");
  roundtrip(&d,
            HEAD OPEN "  <message-id>34jk324j</message-id>\n"
                      "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
                      "  <recipient-uri>im:bob@example.com</recipient-uri>\n"
                      "  <original-recipient-uri>im:bob@example.com"
                      "</original-recipient-uri>\n"
                      "  <delivery-notification>\n"
                      "    <status>\n"
                      "      <delivered/>\n"
                      "    </status>\n"
                      "  </delivery-notification>\n"
                      "</imdn>\n");
  d = doc(MSRP_IMDN_KIND_DELIVERY, MSRP_IMDN_FAILED);
  roundtrip(&d, HEAD OPEN "  <message-id>34jk324j</message-id>\n"
                          "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
                          "  <delivery-notification>\n"
                          "    <status>\n"
                          "      <failed/>\n"
                          "    </status>\n"
                          "  </delivery-notification>\n"
                          "</imdn>\n");
  d = doc(MSRP_IMDN_KIND_DISPLAY, MSRP_IMDN_DISPLAYED);
  snprintf(d.subject, sizeof d.subject, "a <b> & c");
  roundtrip(&d, HEAD OPEN "  <message-id>34jk324j</message-id>\n"
                          "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
                          "  <subject>a &lt;b&gt; &amp; c</subject>\n"
                          "  <display-notification>\n"
                          "    <status>\n"
                          "      <displayed/>\n"
                          "    </status>\n"
                          "  </display-notification>\n"
                          "</imdn>\n");
  d = doc(MSRP_IMDN_KIND_PROCESSING, MSRP_IMDN_STORED);
  roundtrip(&d, HEAD OPEN "  <message-id>34jk324j</message-id>\n"
                          "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
                          "  <processing-notification>\n"
                          "    <status>\n"
                          "      <stored/>\n"
                          "    </status>\n"
                          "  </processing-notification>\n"
                          "</imdn>\n");
  d = doc(MSRP_IMDN_KIND_DISPLAY, MSRP_IMDN_FORBIDDEN);
  roundtrip(&d, HEAD OPEN "  <message-id>34jk324j</message-id>\n"
                          "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
                          "  <display-notification>\n"
                          "    <status>\n"
                          "      <forbidden/>\n"
                          "    </status>\n"
                          "  </display-notification>\n"
                          "</imdn>\n");
}

static void test_build_refuses(void **state) {
  (void)state;
  char *x;
  size_t n;
  msrp_imdn d = doc(MSRP_IMDN_KIND_DISPLAY, MSRP_IMDN_DELIVERED);
  assert_int_equal(msrp_imdn_build(&d, &x, &n), MSRP_ERR_INVALID_ARGUMENT);
  d = doc(MSRP_IMDN_KIND_DELIVERY, MSRP_IMDN_STORED);
  assert_int_equal(msrp_imdn_build(&d, &x, &n), MSRP_ERR_INVALID_ARGUMENT);
  d = doc(MSRP_IMDN_KIND_DELIVERY, MSRP_IMDN_DELIVERED);
  d.message_id[0] = '\0';
  assert_int_equal(msrp_imdn_build(&d, &x, &n), MSRP_ERR_INVALID_ARGUMENT);
  d = doc(MSRP_IMDN_KIND_DELIVERY, MSRP_IMDN_DELIVERED);
  snprintf(d.datetime, sizeof d.datetime, "yesterday");
  assert_int_equal(msrp_imdn_build(&d, &x, &n), MSRP_ERR_INVALID_ARGUMENT);
  d = doc(MSRP_IMDN_KIND_DELIVERY, MSRP_IMDN_DELIVERED);
  snprintf(d.recipient_uri, sizeof d.recipient_uri, "im:a\r\nb");
  assert_int_equal(msrp_imdn_build(&d, &x, &n), MSRP_ERR_INVALID_ARGUMENT);
}

/* RFC 5438's display notification, as a peer would lay it out. */
static void test_parse_rfc_example(void **state) {
  (void)state;
  const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                  "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"\r\n"
                  "      xmlns:x=\"urn:example:ext\">\r\n"
                  "  <message-id> 34jk324j </message-id>\r\n"
                  "  <datetime>2008-04-04T12:16:49-05:00</datetime>\r\n"
                  "  <recipient-uri>im:bob@example.com</recipient-uri>\r\n"
                  "  <original-recipient-uri>im:bob@example.com"
                  "</original-recipient-uri>\r\n"
                  "  <x:extension>ignored</x:extension>\r\n"
                  "  <display-notification>\r\n"
                  "    <status>\r\n"
                  "      <displayed/>\r\n"
                  "    </status>\r\n"
                  "  </display-notification>\r\n"
                  "</imdn>\r\n";
  msrp_imdn d;
  assert_int_equal(msrp_imdn_parse(x, strlen(x), &d), 0);
  assert_string_equal(d.message_id, "34jk324j");
  assert_string_equal(d.datetime, "2008-04-04T12:16:49-05:00");
  assert_string_equal(d.recipient_uri, "im:bob@example.com");
  assert_string_equal(d.original_recipient_uri, "im:bob@example.com");
  assert_string_equal(d.subject, "");
  assert_int_equal(d.kind, MSRP_IMDN_KIND_DISPLAY);
  assert_int_equal(d.status, MSRP_IMDN_DISPLAYED);
  /* nothing of the spaces trimmed stays behind a value: the struct is
   * what one made from the values alone (fuzz_xml found this) */
  msrp_imdn want = doc(MSRP_IMDN_KIND_DISPLAY, MSRP_IMDN_DISPLAYED);
  snprintf(want.recipient_uri, sizeof want.recipient_uri, "im:bob@example.com");
  snprintf(want.original_recipient_uri, sizeof want.original_recipient_uri,
           "im:bob@example.com");
  assert_memory_equal(&d, &want, sizeof d);
}

#define MID                                                                    \
  "<message-id>1</message-id><datetime>2008-04-04T12:16:49Z</datetime>"
#define DELIVERED                                                              \
  "<delivery-notification><status><delivered/></status>"                       \
  "</delivery-notification>"
#define IMDN(inner)                                                            \
  "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">" inner "</imdn>"

static void test_parse_malformed(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">" MID DELIVERED, /* cut */
      "<imdn>" MID DELIVERED "</imdn>", /* no namespace */
      "<imdn xmlns=\"urn:ietf:params:xml:ns:imdnx\">" MID DELIVERED "</imdn>",
      IMDN(DELIVERED),                              /* no ids */
      IMDN("<message-id>1</message-id>" DELIVERED), /* no datetime */
      IMDN("<message-id>1</message-id><datetime>soon</datetime>" DELIVERED),
      IMDN(MID),                     /* no status */
      IMDN(MID DELIVERED DELIVERED), /* two */
      IMDN(MID "<delivery-notification><status><displayed/></status>"
               "</delivery-notification>"), /* wrong kind */
      IMDN(MID "<delivery-notification><status><delivered/><failed/>"
               "</status></delivery-notification>"),
      IMDN(MID "<delivery-notification><status/></delivery-notification>"),
      IMDN(MID "<message-id>2</message-id>" DELIVERED), /* twice */
      IMDN("<message-id><b>1</b></message-id>"
           "<datetime>2008-04-04T12:16:49Z</datetime>" DELIVERED),
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>idle</state></isComposing>",
      /* entities: an external one (no file is read) and the "billion
       * laughs" (no expansion): a DOCTYPE is refused outright */
      "<!DOCTYPE imdn [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" IMDN(
          "<message-id>&e;</message-id>"
          "<datetime>2008-04-04T12:16:49Z</datetime>" DELIVERED),
      "<!DOCTYPE imdn [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
      "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
      "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
      "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">]>" IMDN(
          "<message-id>&f;</message-id>"
          "<datetime>2008-04-04T12:16:49Z</datetime>" DELIVERED),
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msrp_imdn d;
    if (msrp_imdn_parse(bad[i], strlen(bad[i]), &d) != MSRP_ERR_XML)
      fail_msg("case %zu was taken: %s", i, bad[i]);
  }
  /* a value longer than its field */
  char big[2000];
  char id[600];
  memset(id, 'a', sizeof id - 1);
  id[sizeof id - 1] = '\0';
  snprintf(big, sizeof big,
           IMDN("<message-id>%s</message-id>"
                "<datetime>2008-04-04T12:16:49Z</datetime>" DELIVERED),
           id);
  msrp_imdn d;
  assert_int_equal(msrp_imdn_parse(big, strlen(big), &d), MSRP_ERR_XML);
  /* a huge document is refused before it is parsed */
  size_t hn = 1u << 20;
  char *huge = malloc(hn + 1000);
  assert_non_null(huge);
  int off = snprintf(huge, 200,
                     "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">"
                     "<subject>");
  memset(huge + off, 'x', hn);
  strcpy(huge + off + hn, "</subject>" MID DELIVERED "</imdn>");
  assert_int_equal(msrp_imdn_parse(huge, strlen(huge), &d), MSRP_ERR_XML);
  free(huge);
  /* deep nesting inside an extension */
  char deep[16000];
  size_t k = 0;
  k +=
      (size_t)sprintf(deep + k, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">");
  for (int i = 0; i < 1000; i++)
    k += (size_t)sprintf(deep + k, "<x>");
  for (int i = 0; i < 1000; i++)
    k += (size_t)sprintf(deep + k, "</x>");
  k += (size_t)sprintf(deep + k, MID DELIVERED "</imdn>");
  assert_int_equal(msrp_imdn_parse(deep, k, &d), MSRP_ERR_XML);
  assert_int_equal(msrp_imdn_parse(NULL, 0, &d), MSRP_ERR_INVALID_ARGUMENT);
}

static void test_disposition(void **state) {
  (void)state;
  const char *v = "positive-delivery, Negative-Delivery ,display,x-new";
  assert_int_equal(msrp_imdn_disposition_parse(v, strlen(v)),
                   MSRP_IMDN_POSITIVE_DELIVERY | MSRP_IMDN_NEGATIVE_DELIVERY |
                       MSRP_IMDN_DISPLAY);
  assert_int_equal(msrp_imdn_disposition_parse("processing", 10),
                   MSRP_IMDN_PROCESSING);
  assert_int_equal(msrp_imdn_disposition_parse("x, y", 4), 0);
  assert_int_equal(msrp_imdn_disposition_parse("display", 3), 0);
  char b[64];
  assert_int_equal(msrp_imdn_disposition_format(MSRP_IMDN_POSITIVE_DELIVERY |
                                                    MSRP_IMDN_DISPLAY,
                                                b, sizeof b),
                   (int)strlen("positive-delivery, display"));
  assert_string_equal(b, "positive-delivery, display");
  assert_int_equal(msrp_imdn_disposition_format(0, b, sizeof b),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_imdn_disposition_format(MSRP_IMDN_DISPLAY, b, 5),
                   MSRP_ERR_INVALID_ARGUMENT);
}

static msrp_cpim *cpim_of(const char *text) {
  msrp_cpim *c;
  assert_int_equal(msrp_cpim_parse(&c, text, strlen(text)), 0);
  return c;
}

static void test_request_from_cpim(void **state) {
  (void)state;
  msrp_cpim *c = cpim_of("From: <im:alice@example.com>\r\n"
                         "To: <im:bob@example.com>\r\n"
                         "NS: imdn <urn:ietf:params:imdn>\r\n"
                         "imdn.Message-ID: 34jk324j\r\n"
                         "DateTime: 2008-04-04T12:16:49-05:00\r\n"
                         "imdn.Disposition-Notification: positive-delivery, "
                         "display\r\n"
                         "\r\n"
                         "Content-Type: text/plain\r\n"
                         "\r\n"
                         "hi");
  unsigned f = 0;
  char id[64], dt[64];
  assert_int_equal(msrp_imdn_request(c, &f, id, sizeof id, dt), 0);
  assert_int_equal(f, MSRP_IMDN_POSITIVE_DELIVERY | MSRP_IMDN_DISPLAY);
  assert_string_equal(id, "34jk324j");
  assert_string_equal(dt, "2008-04-04T12:16:49-05:00");
  assert_false(msrp_imdn_is_notification(c));
  /* an id that does not fit */
  assert_int_equal(msrp_imdn_request(c, &f, id, 8, dt), MSRP_ERR_NOT_FOUND);
  msrp_cpim_free(c);
  /* another prefix for the same namespace */
  c = cpim_of("NS: n <urn:ietf:params:imdn>\r\n"
              "n.Message-ID: x1\r\n"
              "DateTime: 2008-04-04T12:16:49Z\r\n"
              "n.Disposition-Notification: negative-delivery\r\n"
              "\r\n"
              "Content-Type: text/plain\r\n\r\nhi");
  assert_int_equal(msrp_imdn_request(c, &f, id, sizeof id, dt), 0);
  assert_int_equal(f, MSRP_IMDN_NEGATIVE_DELIVERY);
  assert_string_equal(id, "x1");
  msrp_cpim_free(c);
  /* "imdn." without its NS, no DateTime, no Message-ID: no request */
  static const char *const none[] = {
      "imdn.Message-ID: x1\r\nDateTime: 2008-04-04T12:16:49Z\r\n"
      "imdn.Disposition-Notification: display\r\n\r\n"
      "Content-Type: text/plain\r\n\r\nhi",
      "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: x1\r\n"
      "imdn.Disposition-Notification: display\r\n\r\n"
      "Content-Type: text/plain\r\n\r\nhi",
      "NS: imdn <urn:ietf:params:imdn>\r\nDateTime: 2008-04-04T12:16:49Z\r\n"
      "imdn.Disposition-Notification: display\r\n\r\n"
      "Content-Type: text/plain\r\n\r\nhi",
      "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: x1\r\n"
      "DateTime: 2008-04-04T12:16:49Z\r\n\r\n"
      "Content-Type: text/plain\r\n\r\nhi",
  };
  for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
    c = cpim_of(none[i]);
    if (msrp_imdn_request(c, &f, id, sizeof id, dt) != MSRP_ERR_NOT_FOUND)
      fail_msg("case %zu asked for a notification", i);
    msrp_cpim_free(c);
  }
  c = cpim_of("NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: n1\r\n"
              "DateTime: 2008-04-04T12:16:49Z\r\n\r\n"
              "Content-Type: message/imdn+xml\r\n"
              "Content-Disposition: notification\r\n\r\n<imdn/>");
  assert_true(msrp_imdn_is_notification(c));
  msrp_cpim_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_each_kind),
      cmocka_unit_test(test_build_refuses),
      cmocka_unit_test(test_parse_rfc_example),
      cmocka_unit_test(test_parse_malformed),
      cmocka_unit_test(test_disposition),
      cmocka_unit_test(test_request_from_cpim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
