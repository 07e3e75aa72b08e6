/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Is-composing (RFC 3994): the document byte for byte, read back through
 * libxml2; RFC 3994's own example parsed; malformed documents refused; the
 * sender's and receiver's state machines on a clock the test moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/iscomposing.h>

static void test_build_exact(void **state) {
  (void)state;
  msrp_iscomposing d = {.state = MSRP_COMPOSING_ACTIVE,
                        .refresh = 90,
                        .last_active = 1043664180}; /* 2003-01-27T10:43:00Z */
  snprintf(d.content_type, sizeof d.content_type, "text/plain");
  char *x;
  size_t n;
  assert_int_equal(msrp_iscomposing_build(&d, &x, &n), 0);
  assert_string_equal(
      x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\n"
         "  <state>active</state>\n"
         "  <lastactive>2003-01-27T10:43:00Z</lastactive>\n"
         "  <contenttype>text/plain</contenttype>\n"
         "  <refresh>90</refresh>\n"
         "</isComposing>\n");
  assert_int_equal(n, strlen(x));
  /* and back */
  msrp_iscomposing back;
  assert_int_equal(msrp_iscomposing_parse(x, n, &back), 0);
  assert_int_equal(back.state, MSRP_COMPOSING_ACTIVE);
  assert_int_equal(back.refresh, 90);
  assert_int_equal(back.last_active, 1043664180);
  assert_string_equal(back.content_type, "text/plain");
  free(x);
  /* idle, nothing else */
  msrp_iscomposing idle = {.state = MSRP_COMPOSING_IDLE, .last_active = -1};
  assert_int_equal(msrp_iscomposing_build(&idle, &x, &n), 0);
  assert_string_equal(
      x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\n"
         "  <state>idle</state>\n"
         "</isComposing>\n");
  assert_int_equal(msrp_iscomposing_parse(x, n, &back), 0);
  assert_int_equal(back.state, MSRP_COMPOSING_IDLE);
  assert_int_equal(back.refresh, 0);
  assert_int_equal(back.last_active, -1);
  assert_string_equal(back.content_type, "");
  free(x);
  /* a content type with a control character is refused */
  snprintf(d.content_type, sizeof d.content_type, "text/\nplain");
  assert_int_equal(msrp_iscomposing_build(&d, &x, &n),
                   MSRP_ERR_INVALID_ARGUMENT);
}

/* RFC 3994 section 6's example, as written there (schema location and
 * all), and an extension element beside the known ones. */
static void test_parse_rfc_example(void **state) {
  (void)state;
  static const char ex[] =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"\n"
      "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
      "  xsi:schemaLocation=\"urn:ietf:params:xml:ns:im-composing "
      "iscomposing.xsd\">\n"
      "  <state>active</state>\n"
      "  <contenttype>text/plain</contenttype>\n"
      "  <refresh>90</refresh>\n"
      "  <x:mood xmlns:x=\"urn:example\">happy</x:mood>\n"
      "</isComposing>\n";
  msrp_iscomposing d;
  assert_int_equal(msrp_iscomposing_parse(ex, sizeof ex - 1, &d), 0);
  assert_int_equal(d.state, MSRP_COMPOSING_ACTIVE);
  assert_int_equal(d.refresh, 90);
  assert_string_equal(d.content_type, "text/plain");
  assert_int_equal(d.last_active, -1);
  /* a last-active time with an offset */
  static const char off[] =
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>idle</state><lastactive>2003-01-27T11:43:00+01:00</lastactive>"
      "</isComposing>";
  assert_int_equal(msrp_iscomposing_parse(off, sizeof off - 1, &d), 0);
  assert_int_equal(d.last_active, 1043664180);
}

static void test_parse_malformed(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "not xml",
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>active</state>",                            /* not closed */
      "<isComposing><state>active</state></isComposing>", /* no namespace */
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<refresh>90</refresh></isComposing>", /* no state */
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>typing</state></isComposing>",
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>active</state><refresh>-5</refresh></isComposing>",
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>active</state><refresh>0</refresh></isComposing>",
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>active</state><lastactive>yesterday</lastactive>"
      "</isComposing>",
      "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"/>", /* another document */
      /* an entity: not expanded, and no file is read */
      "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
      "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
      "<state>&e;</state></isComposing>",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msrp_iscomposing d;
    if (msrp_iscomposing_parse(bad[i], strlen(bad[i]), &d) != MSRP_ERR_XML)
      fail_msg("case %zu was taken: %s", i, bad[i]);
  }
  msrp_iscomposing d;
  assert_int_equal(msrp_iscomposing_parse(NULL, 0, &d),
                   MSRP_ERR_INVALID_ARGUMENT);
}

/* The sender on a fake clock: active at the first keystroke, nothing for
 * the next ones, active again at each refresh while typing goes on, idle
 * after the silence; a message ends it without an idle document. */
static void test_sender(void **state) {
  (void)state;
  msrp_composing_sender s = {.idle_ms = 15000, .refresh_ms = 60000};
  assert_int_equal(msrp_composing_sender_deadline(&s), UINT64_MAX);
  assert_int_equal(msrp_composing_sender_tick(&s, 0),
                   MSRP_COMPOSING_SEND_NOTHING);
  assert_int_equal(msrp_composing_typed(&s, 1000), MSRP_COMPOSING_SEND_ACTIVE);
  assert_int_equal(msrp_composing_typed(&s, 2000), MSRP_COMPOSING_SEND_NOTHING);
  assert_int_equal(msrp_composing_sender_deadline(&s), 17000);
  assert_int_equal(msrp_composing_sender_tick(&s, 16999),
                   MSRP_COMPOSING_SEND_NOTHING);
  /* keeps typing every 10 s: refresh at 61 s, then idle 15 s after the
   * last key */
  uint64_t t;
  int actives = 0;
  for (t = 12000; t <= 72000; t += 10000) {
    assert_int_equal(msrp_composing_typed(&s, t), MSRP_COMPOSING_SEND_NOTHING);
    if (msrp_composing_sender_tick(&s, t + 1) == MSRP_COMPOSING_SEND_ACTIVE)
      actives++;
  }
  assert_int_equal(actives, 1); /* at 62001: the refresh */
  assert_int_equal(msrp_composing_sender_refresh(&s), 60);
  assert_int_equal(msrp_composing_sender_deadline(&s), 72000 + 15000);
  assert_int_equal(msrp_composing_sender_tick(&s, 86999),
                   MSRP_COMPOSING_SEND_NOTHING);
  assert_int_equal(msrp_composing_sender_tick(&s, 87000),
                   MSRP_COMPOSING_SEND_IDLE);
  assert_int_equal(msrp_composing_sender_tick(&s, 90000),
                   MSRP_COMPOSING_SEND_NOTHING);
  /* typing again, then a message: idle, nothing to send */
  assert_int_equal(msrp_composing_typed(&s, 100000),
                   MSRP_COMPOSING_SEND_ACTIVE);
  msrp_composing_sent_message(&s);
  assert_int_equal(msrp_composing_sender_tick(&s, 200000),
                   MSRP_COMPOSING_SEND_NOTHING);
  assert_int_equal(msrp_composing_sender_deadline(&s), UINT64_MAX);
  /* defaults: 15 s idle, 90 s refresh */
  msrp_composing_sender d = {0};
  msrp_composing_typed(&d, 0);
  assert_int_equal(msrp_composing_sender_deadline(&d), 15000);
  assert_int_equal(msrp_composing_sender_refresh(&d), 90);
}

/* The receiver: active for the refresh the document gives (120 s when it
 * gives none), renewed by the next active, idle at an idle document, a
 * message, or the refresh lapsing. */
static void test_receiver(void **state) {
  (void)state;
  msrp_composing_receiver r = {0};
  msrp_iscomposing act = {.state = MSRP_COMPOSING_ACTIVE, .refresh = 60};
  msrp_iscomposing idle = {.state = MSRP_COMPOSING_IDLE};
  assert_int_equal(msrp_composing_received(&r, &act, 1000),
                   MSRP_COMPOSING_ACTIVE);
  assert_int_equal(msrp_composing_receiver_deadline(&r), 61000);
  assert_int_equal(msrp_composing_receiver_tick(&r, 60999), 0);
  assert_int_equal(msrp_composing_received(&r, &act, 50000),
                   MSRP_COMPOSING_ACTIVE); /* refreshed */
  assert_int_equal(msrp_composing_receiver_tick(&r, 61000), 0);
  assert_int_equal(msrp_composing_receiver_tick(&r, 110000), 1); /* lapsed */
  assert_int_equal(r.state, MSRP_COMPOSING_IDLE);
  assert_int_equal(msrp_composing_receiver_tick(&r, 200000), 0);
  /* no refresh given: 120 s */
  msrp_iscomposing bare = {.state = MSRP_COMPOSING_ACTIVE};
  msrp_composing_received(&r, &bare, 0);
  assert_int_equal(msrp_composing_receiver_deadline(&r), 120000);
  /* an idle document, a message */
  assert_int_equal(msrp_composing_received(&r, &idle, 1), MSRP_COMPOSING_IDLE);
  assert_int_equal(msrp_composing_receiver_deadline(&r), UINT64_MAX);
  msrp_composing_received(&r, &act, 2);
  msrp_composing_got_message(&r);
  assert_int_equal(r.state, MSRP_COMPOSING_IDLE);
  assert_int_equal(msrp_composing_receiver_tick(&r, 1000000), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_exact),
      cmocka_unit_test(test_parse_rfc_example),
      cmocka_unit_test(test_parse_malformed),
      cmocka_unit_test(test_sender),
      cmocka_unit_test(test_receiver),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
