/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Two msrp_chat instances in one process, over loopback TCP and TLS: the
 * whole lifecycle with every notification in order and its payload; CPIM
 * by accept-types; private messages; messages queued before start; bad
 * SDP; delivery failures (a 415, and a peer that never reports). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/chat.h>

#include "loop.h"
#include "peer.h"

#include <poll.h>
#include <unistd.h>

#define CERT(name) MSRP_CERT_DIR "/" name

/* ---- a chat and what it posted ------------------------------------------- */

typedef struct peer {
  msrp_chat *chat;
  char log[2048]; /* notification names, space-separated */
  char *sdp;
  int initialized, started, ended, failed;
  const char *send_on_start; /* sent from the DidStart observer */
  char fail_context[32];
  int fail_error;
  /* the last message received */
  int got;
  char content[256];
  char content_type[64];
  bool cpim;
  char cpim_from[128], cpim_to[128];
  int64_t cpim_dt;
  char received[8][64]; /* in order */
  /* is-composing indications: how many, the last one */
  int composing;
  msrp_composing_state composing_state;
  uint32_t composing_refresh;
  /* IMDN: what the last message asked for, and its id; notifications
   * received ("delivered displayed ...") and how many */
  unsigned notify;
  char imdn_id[128];
  bool refuse;      /* answer requests for delivery with "forbidden" */
  bool display_now; /* say "displayed" from the GotMessage observer */
  char dispositions[256];
  int disposed;
  char disposed_id[64], disposed_from[128];
  /* nicknames: answers and the last code */
  int nick_answers, nick_code;
  bool nick_set;
  /* deliveries */
  int delivered, not_delivered, last_code;
  char last_id[64];
  char last_reason[128];
} peer;

static void observe(msrp_notification_center *nc, const msrp_notification *n,
                    void *ud) {
  (void)nc;
  peer *p = ud;
  size_t len = strlen(p->log);
  snprintf(p->log + len, sizeof p->log - len, "%s%s", len ? " " : "",
           n->name + strlen("MSRPChat"));
  if (!strcmp(n->name, MSRP_CHAT_DID_INITIALIZE)) {
    const msrp_chat_did_initialize *d = n->payload;
    assert_string_equal(n->payload_type, "msrp_chat_did_initialize");
    free(p->sdp);
    p->sdp = strdup(d->sdp);
    p->initialized++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_START)) {
    p->started++;
    if (p->send_on_start)
      assert_int_equal(msrp_chat_send_message(p->chat, p->send_on_start,
                                              strlen(p->send_on_start), NULL,
                                              NULL, 0, NULL),
                       0);
  } else if (!strcmp(n->name, MSRP_CHAT_DID_END)) {
    p->ended++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_FAIL)) {
    const msrp_chat_did_fail *f = n->payload;
    snprintf(p->fail_context, sizeof p->fail_context, "%s", f->context);
    p->fail_error = f->failure;
    assert_non_null(f->reason);
    p->failed++;
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_MESSAGE)) {
    const msrp_chat_got_message *g = n->payload;
    assert_string_equal(n->payload_type, "msrp_chat_got_message");
    snprintf(p->content, sizeof p->content, "%.*s", (int)g->len,
             (const char *)g->content);
    snprintf(p->content_type, sizeof p->content_type, "%s", g->content_type);
    if (p->got < 8)
      snprintf(p->received[p->got], sizeof p->received[0], "%.63s", p->content);
    p->cpim = g->cpim != NULL;
    p->cpim_from[0] = p->cpim_to[0] = '\0';
    p->cpim_dt = 0;
    if (g->cpim) {
      msrp_cpim_address a;
      size_t pos = 0;
      if (msrp_cpim_next_address(g->cpim, "From", &pos, &a) == 0) {
        snprintf(p->cpim_from, sizeof p->cpim_from, "%s <%s>",
                 a.display_name ? a.display_name : "", a.uri);
        msrp_cpim_address_clear(&a);
      }
      pos = 0;
      if (msrp_cpim_next_address(g->cpim, "To", &pos, &a) == 0) {
        snprintf(p->cpim_to, sizeof p->cpim_to, "%s", a.uri);
        msrp_cpim_address_clear(&a);
      }
      msrp_cpim_time t;
      if (msrp_cpim_datetime(g->cpim, &t) == 0)
        p->cpim_dt = t.seconds;
    }
    assert_non_null(g->message);
    p->notify = g->notify;
    snprintf(p->imdn_id, sizeof p->imdn_id, "%s",
             g->imdn_message_id ? g->imdn_message_id : "");
    if (p->refuse && (g->notify & MSRP_IMDN_NEGATIVE_DELIVERY))
      assert_int_equal(msrp_chat_send_notification(p->chat, g->imdn_message_id,
                                                   MSRP_IMDN_KIND_DELIVERY,
                                                   MSRP_IMDN_FORBIDDEN),
                       0);
    if (p->display_now && (g->notify & MSRP_IMDN_DISPLAY))
      assert_int_equal(msrp_chat_send_displayed(p->chat, g->imdn_message_id),
                       0);
    p->got++;
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_DISPOSITION_NOTIFICATION)) {
    const msrp_chat_disposition *d = n->payload;
    assert_string_equal(n->payload_type, "msrp_chat_disposition");
    size_t l = strlen(p->dispositions);
    snprintf(p->dispositions + l, sizeof p->dispositions - l, "%s%s",
             l ? " " : "", d->status_name);
    snprintf(p->disposed_id, sizeof p->disposed_id, "%s", d->message_id);
    snprintf(p->disposed_from, sizeof p->disposed_from, "%s", d->recipient_uri);
    assert_int_equal(d->imdn->status, d->status);
    assert_int_equal(strlen(d->datetime), 20); /* "YYYY-MM-DDTHH:MM:SSZ" */
    p->disposed++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_SET_NICKNAME) ||
             !strcmp(n->name, MSRP_CHAT_DID_NOT_SET_NICKNAME)) {
    const msrp_chat_nickname_result *r = n->payload;
    assert_string_equal(n->payload_type, "msrp_chat_nickname_result");
    p->nick_code = r->code;
    p->nick_set = !strcmp(n->name, MSRP_CHAT_DID_SET_NICKNAME);
    p->nick_answers++;
  } else if (!strcmp(n->name, MSRP_CHAT_GOT_COMPOSING_INDICATION)) {
    const msrp_chat_composing_indication *i = n->payload;
    assert_string_equal(n->payload_type, "msrp_chat_composing_indication");
    p->composing_state = i->state;
    p->composing_refresh = i->refresh;
    p->composing++;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE) ||
             !strcmp(n->name, MSRP_CHAT_DID_NOT_DELIVER_MESSAGE)) {
    const msrp_chat_delivery *d = n->payload;
    snprintf(p->last_id, sizeof p->last_id, "%s", d->message_id);
    p->last_code = d->code;
    snprintf(p->last_reason, sizeof p->last_reason, "%s",
             d->reason ? d->reason : "");
    if (!strcmp(n->name, MSRP_CHAT_DID_DELIVER_MESSAGE))
      p->delivered++;
    else
      p->not_delivered++;
  }
}

static msrp_notification_center *nc;
static peer alice, bob;

static const msrp_tls_config tls_both = {.cert_file = CERT("server.pem"),
                                         .key_file = CERT("server.key"),
                                         .ca_file = CERT("ca.pem")};

/* Bob's certificate when a test wants another one (reset after each). */
static const msrp_tls_config *bob_tls;
/* Both bind every address and advertise loopback (reset after each). */
static bool bind_any;
/* RFC 6135: Alice offers passive; Bob answers this offer (reset after
 * each). */
static bool alice_passive;
static const char *bob_answers;
/* Alice's wire, watched: the 200 responses she has received (reset after
 * each). */
static bool watch_alice;
static int alice_got_200s;
/* Bob hosts a room with these a=chatroom flags and nickname decider
 * (reset after each). */
static bool bob_room;
static unsigned bob_room_flags;
static msrp_chat_nickname_cb bob_room_cb;
/* RFC 6714: which of the two offer a=msrp-cema (reset after each) */
static bool alice_cema, bob_cema;

static void count_200s(msrp_trace_dir dir, const char *from, const char *data,
                       size_t len, void *ud) {
  (void)from;
  (void)ud;
  if (dir == MSRP_TRACE_IN && len >= 5 && strncmp(data, "MSRP ", 5) == 0 &&
      memchr(data, '\n', len) && strstr(data, " 200 OK\r\n"))
    alice_got_200s++;
}

static const msrp_logger watcher = {.trace = count_200s,
                                    .min_level = MSRP_LOG_ERROR};

static void make(peer *p, const char *me, const char *other, int outgoing,
                 int tls, const char *const *accept, size_t naccept,
                 const char *const *wrapped, size_t nwrapped) {
  free(p->sdp);
  memset(p, 0, sizeof *p);
  msrp_account a = {
      .display_name = outgoing ? "Alice" : "Bob",
      .uri = me,
      .local_host = bind_any ? "0.0.0.0" : "127.0.0.1",
      .advertised_host = bind_any ? "127.0.0.1" : NULL,
      .use_tls = tls,
      .tls = !tls                     ? NULL
             : (p == &bob && bob_tls) ? bob_tls
                                      : &tls_both,
      .logger = p == &alice && watch_alice ? &watcher : test_logger(),
      .accept_types = accept,
      .naccept_types = naccept,
      .accept_wrapped_types = wrapped,
      .naccept_wrapped_types = nwrapped,
      .response_timeout_ms = 2000,
      .offer_setup = p == &alice && alice_passive ? MSRP_SDP_SETUP_PASSIVE
                                                  : MSRP_SDP_SETUP_ABSENT,
      .cema = p == &alice ? alice_cema : bob_cema};
  if (p == &bob && bob_answers)
    assert_int_equal(
        msrp_chat_new_from_sdp(&p->chat, &loop, nc, &a, other, bob_answers), 0);
  else
    assert_int_equal(msrp_chat_new(&p->chat, &loop, nc, &a, other, outgoing),
                     0);
  assert_int_equal(msrp_notification_center_add_observer(nc, NULL, p->chat,
                                                         observe, p, NULL),
                   0);
  if (p == &bob && bob_room)
    assert_int_equal(
        msrp_chat_host_room(p->chat, bob_room_flags, bob_room_cb, NULL), 0);
}

/* Alice (offering) and Bob (answering) with the default account. */
static void make_pair(void) {
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 0, NULL, 0,
       NULL, 0);
}

static int chat_setup(void **state) {
  loop_setup(state);
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  return 0;
}

static int chat_teardown(void **state) {
  msrp_chat_free(alice.chat);
  msrp_chat_free(bob.chat);
  alice.chat = bob.chat = NULL;
  free(alice.sdp);
  free(bob.sdp);
  alice.sdp = bob.sdp = NULL;
  bob_tls = NULL;
  bind_any = false;
  alice_passive = false;
  bob_answers = NULL;
  watch_alice = false;
  alice_got_200s = 0;
  bob_room = false;
  bob_room_flags = 0;
  bob_room_cb = NULL;
  alice_cema = bob_cema = false;
  msrp_notification_center_free(nc);
  return loop_teardown(state);
}

static bool atleast(const void *p) {
  const int *const *v = p;
  return *v[0] >= *v[1];
}

/* Run the loop until *counter >= want. */
static void until(const int *counter, int want) {
  const int *v[2] = {counter, &want};
  wait_until(atleast, v);
}

static void initialize_both(void) {
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  assert_int_equal(msrp_chat_initialize(bob.chat), 0);
  until(&alice.initialized, 1);
  until(&bob.initialized, 1);
}

static void start_both(void) {
  assert_int_equal(msrp_chat_start(bob.chat, alice.sdp), 0);
  assert_int_equal(msrp_chat_start(alice.chat, bob.sdp), 0);
  until(&alice.started, 1);
  until(&bob.started, 1);
}

static void end_both(void) {
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  assert_int_equal(msrp_chat_end(bob.chat), 0);
  until(&alice.ended, 1);
  until(&bob.ended, 1);
}

/* Alice and Bob each send one message; each gets the other's, and each
 * is told its own was delivered. */
static void both_ways(const char *from_alice, const char *from_bob) {
  assert_int_equal(msrp_chat_send_message(alice.chat, from_alice,
                                          strlen(from_alice), NULL, NULL, 0,
                                          NULL),
                   0);
  assert_int_equal(msrp_chat_send_message(bob.chat, from_bob, strlen(from_bob),
                                          NULL, NULL, 0, NULL),
                   0);
  until(&bob.got, 1);
  until(&alice.got, 1);
  until(&alice.delivered, 1);
  until(&bob.delivered, 1);
  assert_string_equal(bob.content, from_alice);
  assert_string_equal(alice.content, from_bob);
}

/* ---- the lifecycle ---------------------------------------------------------
 */

static void lifecycle(int tls) {
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, tls, NULL, 0,
       NULL, 0);
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, tls, NULL, 0,
       NULL, 0);
  initialize_both();
  /* the offer and the answer, as SIP would carry them */
  assert_non_null(strstr(alice.sdp, tls ? "m=message " : "m=message "));
  assert_non_null(strstr(alice.sdp, tls ? "TCP/TLS/MSRP *" : "TCP/MSRP *"));
  assert_non_null(strstr(alice.sdp, "a=setup:active"));
  assert_non_null(strstr(bob.sdp, "a=setup:passive"));
  assert_non_null(strstr(bob.sdp, "a=accept-types:message/cpim text/*"));
  if (tls)
    assert_non_null(strstr(bob.sdp, "a=fingerprint:sha-256 "));
  start_both();

  const char *id;
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "hello Bob", 9, NULL, NULL, 0, &id),
      0);
  char alice_id[64];
  snprintf(alice_id, sizeof alice_id, "%s", id);
  until(&bob.got, 1);
  until(&alice.delivered, 1);
  assert_string_equal(bob.content, "hello Bob");
  assert_string_equal(bob.content_type, "text/plain");
  assert_false(bob.cpim); /* bob takes text/plain raw */
  assert_string_equal(alice.last_id, alice_id);
  assert_int_equal(alice.last_code, 200);

  /* a time to carry: wrapped in CPIM, UTF-8 intact */
  const char *utf8 = "Gr\xc3\xbc\xc3\x9f"
                     "e \xf0\x9f\x91\x8b";
  assert_int_equal(msrp_chat_send_message(bob.chat, utf8, strlen(utf8),
                                          "text/plain", NULL, 1700000000, NULL),
                   0);
  until(&alice.got, 1);
  until(&bob.delivered, 1);
  assert_string_equal(alice.content, utf8);
  assert_string_equal(alice.content_type, "text/plain");
  assert_true(alice.cpim);
  assert_string_equal(alice.cpim_from, "Bob <sip:bob@example.com>");
  assert_string_equal(alice.cpim_to, "sip:alice@example.com");
  assert_int_equal(alice.cpim_dt, 1700000000);

  end_both();
  assert_string_equal(alice.log, "DidInitialize DidStart DidDeliverMessage "
                                 "GotMessage WillEnd DidEnd");
  assert_string_equal(bob.log, "DidInitialize DidStart GotMessage "
                               "DidDeliverMessage WillEnd DidEnd");
}

static void test_lifecycle_tcp(void **state) {
  (void)state;
  lifecycle(0);
}

static void test_lifecycle_tls(void **state) {
  (void)state;
  lifecycle(1);
}

/* Is-composing both ways (RFC 3994): an indication, never a message and
 * never a delivery; a message from the typing side makes it idle first. */
static void test_composing(void **state) {
  (void)state;
  make_pair();
  initialize_both();
  start_both();
  assert_int_equal(
      msrp_chat_send_composing(alice.chat, MSRP_COMPOSING_ACTIVE, 60, -1), 0);
  until(&bob.composing, 1);
  assert_int_equal(bob.composing_state, MSRP_COMPOSING_ACTIVE);
  assert_int_equal(bob.composing_refresh, 60);
  assert_int_equal(
      msrp_chat_send_composing(bob.chat, MSRP_COMPOSING_ACTIVE, 0, 1000), 0);
  until(&alice.composing, 1);
  assert_int_equal(alice.composing_state, MSRP_COMPOSING_ACTIVE);
  assert_int_equal(
      msrp_chat_send_composing(bob.chat, MSRP_COMPOSING_IDLE, 0, -1), 0);
  until(&alice.composing, 2);
  assert_int_equal(alice.composing_state, MSRP_COMPOSING_IDLE);
  /* Alice, typing, sends her message: Bob hears idle, then the message */
  assert_int_equal(msrp_chat_send_message(alice.chat, "done typing", 11, NULL,
                                          NULL, 0, NULL),
                   0);
  until(&bob.got, 1);
  assert_int_equal(bob.composing, 2);
  assert_int_equal(bob.composing_state, MSRP_COMPOSING_IDLE);
  assert_non_null(strstr(bob.log, "GotComposingIndication "
                                  "GotComposingIndication GotMessage"));
  until(&alice.delivered, 1);
  assert_int_equal(alice.delivered, 1); /* the indications are no messages */
  assert_int_equal(bob.delivered + bob.not_delivered, 0);
  assert_int_equal(alice.got + bob.got, 1);
  end_both();
}

/* ---- disposition notifications (RFC 5438) ------------------------------- */

/* Alice asks for delivery and display; Bob's chat answers delivery by
 * itself, Bob's user says displayed later: Alice hears both, in order,
 * apart from the MSRP delivery (the REPORT). */
static void test_imdn_delivered_displayed(void **state) {
  (void)state;
  make_pair();
  initialize_both();
  start_both();
  const char *id;
  assert_int_equal(msrp_chat_send_message_ex(
                       alice.chat, "read me", 7, NULL, NULL, 0,
                       MSRP_IMDN_POSITIVE_DELIVERY |
                           MSRP_IMDN_NEGATIVE_DELIVERY | MSRP_IMDN_DISPLAY,
                       &id),
                   0);
  char sent_id[64];
  snprintf(sent_id, sizeof sent_id, "%s", id);
  until(&bob.got, 1);
  assert_string_equal(bob.content, "read me");
  assert_true(bob.cpim);
  assert_int_equal(bob.notify, MSRP_IMDN_POSITIVE_DELIVERY |
                                   MSRP_IMDN_NEGATIVE_DELIVERY |
                                   MSRP_IMDN_DISPLAY);
  assert_string_equal(bob.imdn_id, sent_id);
  until(&alice.disposed, 1);
  assert_string_equal(alice.dispositions, "delivered");
  assert_string_equal(alice.disposed_id, sent_id);
  assert_string_equal(alice.disposed_from, "sip:bob@example.com");
  /* delivery is answered: a second one is not Bob's to send */
  assert_int_equal(msrp_chat_send_notification(bob.chat, bob.imdn_id,
                                               MSRP_IMDN_KIND_DELIVERY,
                                               MSRP_IMDN_FAILED),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_chat_send_displayed(bob.chat, bob.imdn_id), 0);
  until(&alice.disposed, 2);
  assert_string_equal(alice.dispositions, "delivered displayed");
  assert_int_equal(msrp_chat_send_displayed(bob.chat, bob.imdn_id),
                   MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_chat_send_displayed(bob.chat, "no-such-id"),
                   MSRP_ERR_NOT_FOUND);
  until(&alice.delivered, 1);
  /* notifications are not messages: nothing else reached either side */
  assert_int_equal(bob.got, 1);
  assert_int_equal(alice.got, 0);
  assert_int_equal(bob.delivered + bob.not_delivered, 0);
  end_both();
  assert_non_null(strstr(alice.log, "GotDispositionNotification"));
  assert_null(strstr(bob.log, "GotDispositionNotification"));
}

/* Bob's client shows the message as it comes (displayed from the GotMessage
 * observer, before the chat's own delivered): Alice still hears delivered
 * first. */
static void test_imdn_displayed_at_once(void **state) {
  (void)state;
  make_pair();
  bob.display_now = true;
  initialize_both();
  start_both();
  assert_int_equal(msrp_chat_send_message_ex(
                       alice.chat, "seen", 4, NULL, NULL, 0,
                       MSRP_IMDN_POSITIVE_DELIVERY | MSRP_IMDN_DISPLAY, NULL),
                   0);
  until(&alice.disposed, 2);
  assert_string_equal(alice.dispositions, "delivered displayed");
  end_both();
}

/* Bob's user refuses the message: a negative delivery notification, and
 * no positive one after it. */
static void test_imdn_refused(void **state) {
  (void)state;
  make_pair();
  bob.refuse = true;
  initialize_both();
  start_both();
  assert_int_equal(
      msrp_chat_send_message_ex(
          alice.chat, "spam", 4, NULL, NULL, 0,
          MSRP_IMDN_POSITIVE_DELIVERY | MSRP_IMDN_NEGATIVE_DELIVERY, NULL),
      0);
  until(&alice.disposed, 1);
  assert_string_equal(alice.dispositions, "forbidden");
  /* a second message, not refused: delivered; the first stays refused */
  bob.refuse = false;
  assert_int_equal(msrp_chat_send_message_ex(alice.chat, "ok", 2, NULL, NULL, 0,
                                             MSRP_IMDN_POSITIVE_DELIVERY, NULL),
                   0);
  until(&alice.disposed, 2);
  assert_string_equal(alice.dispositions, "forbidden delivered");
  end_both();
}

/* Only what was asked for is sent, and only by the one asked: a message
 * asking for display alone gets no delivery notification; a message
 * asking for nothing gets none. */
static void test_imdn_only_what_was_asked(void **state) {
  (void)state;
  make_pair();
  initialize_both();
  start_both();
  assert_int_equal(msrp_chat_send_message_ex(alice.chat, "a", 1, NULL, NULL, 0,
                                             MSRP_IMDN_DISPLAY, NULL),
                   0);
  until(&bob.got, 1);
  assert_int_equal(bob.notify, MSRP_IMDN_DISPLAY);
  assert_int_equal(msrp_chat_send_notification(bob.chat, bob.imdn_id,
                                               MSRP_IMDN_KIND_DELIVERY,
                                               MSRP_IMDN_DELIVERED),
                   MSRP_ERR_NOT_FOUND);
  /* a status the kind does not take */
  assert_int_equal(msrp_chat_send_notification(bob.chat, bob.imdn_id,
                                               MSRP_IMDN_KIND_DISPLAY,
                                               MSRP_IMDN_STORED),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(msrp_chat_send_displayed(bob.chat, bob.imdn_id), 0);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "b", 1, NULL, NULL, 0, NULL), 0);
  until(&bob.got, 2);
  assert_int_equal(bob.notify, 0);
  assert_string_equal(bob.imdn_id, "");
  until(&alice.disposed, 1);
  until(&alice.delivered, 2);
  assert_string_equal(alice.dispositions, "displayed");
  /* delivery left to Bob's application: the chat did not answer it (or
   * Bob's answer would be refused as already given) */
  msrp_chat_set_auto_delivery(bob.chat, 0);
  assert_int_equal(msrp_chat_send_message_ex(alice.chat, "c", 1, NULL, NULL, 0,
                                             MSRP_IMDN_POSITIVE_DELIVERY, NULL),
                   0);
  until(&bob.got, 3);
  assert_int_equal(msrp_chat_send_notification(bob.chat, bob.imdn_id,
                                               MSRP_IMDN_KIND_DELIVERY,
                                               MSRP_IMDN_DELIVERED),
                   0);
  until(&alice.disposed, 2);
  assert_string_equal(alice.dispositions, "displayed delivered");
  end_both();
}

/* A hostile remote (a script on a raw socket) answers Alice's request for
 * a delivery notification with forged, malformed, unasked and repeated
 * notifications before the real one: only the real one is posted, and
 * none of them is a message. The request's CPIM headers are checked byte
 * for byte on the wire. */
typedef struct imdn_script {
  int listen_fd, port;
  char request[4096]; /* Alice's SEND, as it came */
  char message_id[64];
} imdn_script;

static void send_cpim(tpeer *p, const char *to, const char *from, int n,
                      const char *ct, const char *body) {
  char cpim[8192], send[9000];
  int len = snprintf(cpim, sizeof cpim,
                     "From: <sip:bob@example.com>\r\n"
                     "To: <sip:alice@example.com>\r\n"
                     "NS: imdn <urn:ietf:params:imdn>\r\n"
                     "imdn.Message-ID: n%d\r\n"
                     "DateTime: 2026-12-07T10:00:00Z\r\n\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Disposition: notification\r\n\r\n%s",
                     n, ct, body);
  snprintf(send, sizeof send,
           "MSRP h%d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
           "Message-ID: hm%d\r\nByte-Range: 1-%d/%d\r\n"
           "Content-Type: message/cpim\r\n\r\n%s\r\n-------h%d$\r\n",
           n, to, from, n, len, len, cpim, n);
  tp_writes(p, send);
}

static void imdn_forger(tthread *t) {
  imdn_script *sc = t->arg;
  tpeer p;
  char chunk[4096], alice_path[512], me[128];
  snprintf(me, sizeof me, "msrp://127.0.0.1:%d/peer1;tcp", sc->port);
  /* the binding SEND, answered */
  if (tp_accept(&p, sc->listen_fd) ||
      tp_read_until(&p, "$\r\n", chunk, sizeof chunk)) {
    tt_failed(t, &p);
    goto out;
  }
  tp_header(chunk, "From-Path", alice_path, sizeof alice_path);
  tp_write_200(&p, chunk, alice_path, me);
  /* Alice's message, asking for a delivery notification */
  if (tp_read_until(&p, "\r\n\r\nhi\r\n-------", sc->request,
                    sizeof sc->request) ||
      tp_read_until(&p, "$\r\n", NULL, 0)) {
    tt_failed(t, &p);
    goto out;
  }
  char *mid = strstr(sc->request, "imdn.Message-ID: ");
  if (mid)
    sscanf(mid, "imdn.Message-ID: %63[^\r]", sc->message_id);
  char doc[4096];
#define IMDN_DOC(id, kind, status)                                             \
  snprintf(doc, sizeof doc,                                                    \
           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                      \
           "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">"                      \
           "<message-id>%s</message-id>"                                       \
           "<datetime>2026-12-07T09:59:59Z</datetime>"                         \
           "<recipient-uri>sip:bob@example.com</recipient-uri>"                \
           "<" kind "><status><" status "/></status></" kind ">"               \
           "</imdn>",                                                          \
           id)
  /* 1: about a message Alice never sent */
  IMDN_DOC("never-sent", "delivery-notification", "delivered");
  send_cpim(&p, alice_path, me, 1, "message/imdn+xml", doc);
  /* 2: cut short */
  IMDN_DOC(sc->message_id, "delivery-notification", "delivered");
  doc[strlen(doc) - 20] = '\0';
  send_cpim(&p, alice_path, me, 2, "message/imdn+xml", doc);
  /* 3: entities that would expand a thousand-fold */
  snprintf(doc, sizeof doc,
           "<!DOCTYPE imdn [<!ENTITY a \"aaaaaaaaaa\">"
           "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
           "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
           "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">"
           "<message-id>%s</message-id>"
           "<datetime>2026-12-07T09:59:59Z</datetime>"
           "<subject>&c;</subject>"
           "<delivery-notification><status><delivered/></status>"
           "</delivery-notification></imdn>",
           sc->message_id);
  send_cpim(&p, alice_path, me, 3, "message/imdn+xml", doc);
  /* 4: the wrong namespace */
  IMDN_DOC(sc->message_id, "delivery-notification", "delivered");
  char *ns = strstr(doc, "ns:imdn");
  memcpy(ns, "ns:imdx", 7);
  send_cpim(&p, alice_path, me, 4, "message/imdn+xml", doc);
  /* 5: display, which was not asked for */
  IMDN_DOC(sc->message_id, "display-notification", "displayed");
  send_cpim(&p, alice_path, me, 5, "message/imdn+xml", doc);
  /* 6: the real one, 7: again */
  IMDN_DOC(sc->message_id, "delivery-notification", "delivered");
  send_cpim(&p, alice_path, me, 6, "message/imdn+xml", doc);
  send_cpim(&p, alice_path, me, 7, "message/imdn+xml", doc);
#undef IMDN_DOC
  /* 8: a message, to say it is over */
  send_cpim(&p, alice_path, me, 8, "text/plain", "the end");
  if (tp_read_until(&p, "-------h8$\r\n", NULL, 0))
    tt_failed(t, &p);
out:
  tp_close(&p);
}

static void test_imdn_hostile_remote(void **state) {
  (void)state;
  imdn_script sc = {0};
  assert_int_equal(tp_listen(&sc.listen_fd, &sc.port), 0);
  tthread th;
  tt_start(&th, imdn_forger, &sc);
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  char sdp[512];
  snprintf(sdp, sizeof sdp,
           "m=message %d TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
           "a=path:msrp://127.0.0.1:%d/peer1;tcp\r\n"
           "a=accept-types:message/cpim text/plain\r\n"
           "a=accept-wrapped-types:*\r\na=setup:passive\r\n",
           sc.port, sc.port);
  assert_int_equal(msrp_chat_start(alice.chat, sdp), 0);
  until(&alice.started, 1);
  const char *id;
  assert_int_equal(msrp_chat_send_message_ex(alice.chat, "hi", 2, NULL, NULL,
                                             1700000000,
                                             MSRP_IMDN_POSITIVE_DELIVERY, &id),
                   0);
  char sent_id[64];
  snprintf(sent_id, sizeof sent_id, "%s", id);
  until(&alice.got, 1);
  tt_join(&th, 20);
  assert_script(&th);
  assert_string_equal(sc.message_id, sent_id);
  char want[1024];
  snprintf(want, sizeof want,
           "From: Alice <sip:alice@example.com>\r\n"
           "To: <sip:bob@example.com>\r\n"
           "NS: imdn <urn:ietf:params:imdn>\r\n"
           "imdn.Message-ID: %s\r\n"
           "DateTime: 2023-11-14T22:13:20Z\r\n"
           "imdn.Disposition-Notification: positive-delivery\r\n"
           "\r\n"
           "Content-Type: text/plain\r\n"
           "\r\n"
           "hi\r\n",
           sent_id);
  if (!strstr(sc.request, want))
    fail_msg("the request's CPIM is not as expected:\n%s", sc.request);
  assert_int_equal(alice.disposed, 1);
  assert_string_equal(alice.dispositions, "delivered");
  assert_string_equal(alice.disposed_id, sent_id);
  assert_int_equal(alice.got, 1);
  assert_string_equal(alice.content, "the end");
  msrp_chat_free(alice.chat);
  alice.chat = NULL;
  close(sc.listen_fd);
}

/* ---- chat rooms (RFC 7701) -------------------------------------------- */

static int room_decides(msrp_chat *chat, const char *nickname, void *ud) {
  (void)chat;
  (void)ud;
  return msrp_nickname_equal(nickname, "Taken") == 1
             ? MSRP_STATUS_NICKNAME_IN_USE
             : MSRP_STATUS_OK;
}

static void test_nickname(void **state) {
  (void)state;
  bob_room = true;
  bob_room_flags = MSRP_CHATROOM_NICKNAME;
  bob_room_cb = room_decides;
  make_pair();
  initialize_both();
  assert_non_null(strstr(bob.sdp, "a=chatroom:nickname\r\n"));
  start_both();
  assert_int_equal(msrp_chat_set_nickname(alice.chat, "  Alice  "), 0);
  until(&alice.nick_answers, 1);
  assert_true(alice.nick_set);
  assert_int_equal(alice.nick_code, 200);
  assert_int_equal(msrp_chat_set_nickname(alice.chat, "TAKEN"), 0);
  until(&alice.nick_answers, 2);
  assert_false(alice.nick_set);
  assert_int_equal(alice.nick_code, 425);
  assert_int_equal(msrp_chat_set_nickname(alice.chat, "a\nb"),
                   MSRP_ERR_INVALID_ARGUMENT);
  /* the room does not allow private messages */
  assert_int_equal(msrp_chat_send_message(alice.chat, "psst", 4, NULL,
                                          "sip:carol@example.com", 0, NULL),
                   MSRP_ERR_CHAT_PRIVATE);
  /* Bob is the room, not a member of one */
  assert_int_equal(msrp_chat_set_nickname(bob.chat, "Bob"),
                   MSRP_ERR_NOT_SUPPORTED);
  end_both();
  assert_non_null(strstr(alice.log, "DidSetNickname DidNotSetNickname"));
}

/* A room that says "nickname" but whose stack does not know NICKNAME:
 * 501, and DidNotSetNickname says so. */
static void test_nickname_unsupported(void **state) {
  (void)state;
  bob_room = true;
  bob_room_flags = MSRP_CHATROOM_NICKNAME | MSRP_CHATROOM_PRIVATE_MESSAGES;
  make_pair();
  initialize_both();
  start_both();
  assert_int_equal(msrp_chat_set_nickname(alice.chat, "Alice"), 0);
  until(&alice.nick_answers, 1);
  assert_false(alice.nick_set);
  assert_int_equal(alice.nick_code, 501);
  end_both();
}

/* ---- CEMA (RFC 6714): an SBC between the endpoints ----------------------
 *
 * The SBC stand-in is a TCP forwarder on the test's loop with a port of
 * its own: each connection it accepts it joins to Bob's real address and
 * passes bytes both ways, untouched. The test rewrites c= and m= in Bob's
 * SDP to the forwarder, as an SBC does, and leaves a=path alone. */

typedef struct fwd_pipe {
  uv_tcp_t a, b; /* accepted, and ours to the target */
  uv_connect_t req;
  int closed;
  struct forwarder *f;
} fwd_pipe;

typedef struct forwarder {
  uv_tcp_t listener;
  int port, target_port;
  int accepted;
  size_t bytes; /* passed, both ways */
  fwd_pipe *pipes[4];
  int npipes;
} forwarder;

static void fwd_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  buf->base = malloc(65536);
  buf->len = buf->base ? 65536 : 0;
}

static void fwd_written(uv_write_t *w, int status) {
  (void)status;
  free(w->data);
  free(w);
}

static void fwd_closed(uv_handle_t *h) {
  fwd_pipe *p = h->data;
  if (++p->closed < 2)
    return;
  for (int i = 0; i < p->f->npipes; i++)
    if (p->f->pipes[i] == p)
      p->f->pipes[i] = NULL;
  free(p);
}

static void fwd_shut(fwd_pipe *p) {
  if (!uv_is_closing((uv_handle_t *)&p->a))
    uv_close((uv_handle_t *)&p->a, fwd_closed);
  if (!uv_is_closing((uv_handle_t *)&p->b))
    uv_close((uv_handle_t *)&p->b, fwd_closed);
}

static void fwd_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  fwd_pipe *p = s->data;
  if (n < 0) {
    free(buf->base);
    fwd_shut(p);
    return;
  }
  if (n == 0) {
    free(buf->base);
    return;
  }
  uv_stream_t *to =
      s == (uv_stream_t *)&p->a ? (uv_stream_t *)&p->b : (uv_stream_t *)&p->a;
  uv_write_t *w = malloc(sizeof *w);
  assert_non_null(w);
  w->data = buf->base;
  uv_buf_t b = uv_buf_init(buf->base, (unsigned)n);
  p->f->bytes += (size_t)n;
  if (uv_write(w, to, &b, 1, fwd_written)) {
    free(buf->base);
    free(w);
  }
}

static void fwd_connected(uv_connect_t *req, int status) {
  fwd_pipe *p = req->data;
  if (status) {
    fwd_shut(p);
    return;
  }
  uv_read_start((uv_stream_t *)&p->a, fwd_alloc, fwd_read);
  uv_read_start((uv_stream_t *)&p->b, fwd_alloc, fwd_read);
}

static void fwd_accept(uv_stream_t *server, int status) {
  forwarder *f = server->data;
  fwd_pipe *p = calloc(1, sizeof *p);
  assert_true(status == 0 && p);
  p->f = f;
  uv_tcp_init(&loop, &p->a);
  uv_tcp_init(&loop, &p->b);
  p->a.data = p->b.data = p->req.data = p;
  assert_int_equal(uv_accept(server, (uv_stream_t *)&p->a), 0);
  f->accepted++;
  if (f->npipes < 4)
    f->pipes[f->npipes++] = p;
  struct sockaddr_in to;
  uv_ip4_addr("127.0.0.1", f->target_port, &to);
  if (uv_tcp_connect(&p->req, &p->b, (struct sockaddr *)&to, fwd_connected))
    fwd_shut(p);
}

static void fwd_start(forwarder *f, int target_port) {
  memset(f, 0, sizeof *f);
  f->target_port = target_port;
  uv_tcp_init(&loop, &f->listener);
  f->listener.data = f;
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", 0, &a);
  assert_int_equal(uv_tcp_bind(&f->listener, (struct sockaddr *)&a, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&f->listener, 8, fwd_accept), 0);
  struct sockaddr_storage ss;
  int len = sizeof ss;
  uv_tcp_getsockname(&f->listener, (struct sockaddr *)&ss, &len);
  f->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void fwd_stop(forwarder *f) {
  for (int i = 0; i < f->npipes; i++)
    if (f->pipes[i])
      fwd_shut(f->pipes[i]);
  uv_close((uv_handle_t *)&f->listener, NULL);
}

/* Bob's SDP as an SBC passes it on: m= and c= name the SBC. */
static char *sbc_rewrite(const char *sdp, int port) {
  char *out = malloc(strlen(sdp) + 64);
  assert_non_null(out);
  out[0] = '\0';
  for (const char *l = sdp; *l;) {
    size_t n = strcspn(l, "\n");
    if (!strncmp(l, "m=message ", 10)) {
      const char *rest = strchr(l + 10, ' ');
      sprintf(out + strlen(out), "m=message %d%.*s\n", port,
              (int)(l + n - rest), rest);
    } else if (!strncmp(l, "c=", 2)) {
      strcat(out, "c=IN IP4 127.0.0.1\r\n");
    } else {
      strncat(out, l, n + (l[n] == '\n'));
    }
    l += n + (l[n] == '\n');
  }
  return out;
}

static int sdp_port(const char *sdp) {
  const char *m = strstr(sdp, "m=message ");
  return m ? atoi(m + 10) : 0;
}

static void cema_case(bool both) {
  alice_cema = true;
  bob_cema = both;
  make_pair();
  initialize_both();
  assert_non_null(strstr(alice.sdp, "a=msrp-cema\r\n"));
  assert_true(!strstr(bob.sdp, "a=msrp-cema\r\n") == !both);
  static forwarder f; /* its handles close from the loop, later */
  fwd_start(&f, sdp_port(bob.sdp));
  char *seen_by_alice = sbc_rewrite(bob.sdp, f.port);
  assert_int_equal(sdp_port(seen_by_alice), f.port);
  assert_int_equal(msrp_chat_start(bob.chat, alice.sdp), 0);
  assert_int_equal(msrp_chat_start(alice.chat, seen_by_alice), 0);
  until(&alice.started, 1);
  until(&bob.started, 1);
  both_ways("through the SBC", "and back through it");
  /* with CEMA on both sides the session went through the SBC; without,
   * Alice went to Bob's a=path as before */
  assert_int_equal(f.accepted, both ? 1 : 0);
  if (both)
    assert_true(f.bytes > 2 * strlen("and back through it"));
  end_both();
  fwd_stop(&f);
  free(seen_by_alice);
}

static void test_cema_through_sbc(void **state) {
  (void)state;
  cema_case(true);
}

static void test_cema_one_side_unchanged(void **state) {
  (void)state;
  cema_case(false);
}

/* ---- whole SDP bodies, as a SIP client has them ------------------------ */

/* Each side's media section inside a whole body, after an audio stream,
 * a turned-down MSRP stream (port 0) and a desktop-sharing MSRP stream
 * (m=application, another stream's): the chat finds its own section. */
static char *whole_body(const char *media) {
  static const char head[] =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=audio 49170 RTP/AVP 0\r\nc=IN IP4 127.0.0.1\r\n"
      "a=rtpmap:0 PCMU/8000\r\n"
      "m=message 0 TCP/MSRP *\r\n"
      "m=application 9 TCP/MSRP *\r\n"
      "a=path:msrp://127.0.0.1:9/desktop;tcp\r\n"
      "a=accept-types:application/x-rfb\r\na=rfbsetup:passive\r\n";
  char *b = malloc(sizeof head + strlen(media) + 64);
  assert_non_null(b);
  sprintf(b, "%s%sm=video 51372 RTP/AVP 31\r\n", head, media);
  return b;
}

static void test_whole_sdp_bodies(void **state) {
  (void)state;
  make_pair();
  initialize_both();
  char *offer = whole_body(alice.sdp), *answer = whole_body(bob.sdp);
  assert_int_equal(msrp_chat_start(bob.chat, offer), 0);
  assert_int_equal(msrp_chat_start(alice.chat, answer), 0);
  free(offer);
  free(answer);
  until(&alice.started, 1);
  until(&bob.started, 1);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "found it", 8, NULL, NULL, 0, NULL),
      0);
  until(&bob.got, 1);
  until(&alice.delivered, 1);
  assert_string_equal(bob.content, "found it");
  end_both();
}

/* Bound to 0.0.0.0, each side advertises 127.0.0.1 in a=path and c=: the
 * peer connects to what is advertised, and the binding's paths match it. */
static void test_advertised_host(void **state) {
  (void)state;
  bind_any = true;
  make_pair();
  initialize_both();
  assert_non_null(strstr(alice.sdp, "a=path:msrp://127.0.0.1:"));
  assert_non_null(strstr(bob.sdp, "a=path:msrp://127.0.0.1:"));
  assert_non_null(strstr(bob.sdp, "c=IN IP4 127.0.0.1\r\n"));
  assert_null(strstr(alice.sdp, "0.0.0.0"));
  assert_null(strstr(bob.sdp, "0.0.0.0"));
  start_both();
  both_ways("via any", "and back");
  end_both();
}

/* RFC 6135 both ways: Alice offers `offer_setup` ("passive", or her
 * passive offer rewritten to "actpass"); Bob, made from the offer, answers
 * "active" and connects to her. */
static void passive_offer(const char *offered) {
  alice_passive = true;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  char *at = strstr(alice.sdp, "a=setup:passive");
  assert_non_null(at);
  char offer[1024];
  snprintf(offer, sizeof offer, "%.*sa=setup:%s%s", (int)(at - alice.sdp),
           alice.sdp, offered, at + strlen("a=setup:passive"));
  bob_answers = offer;
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(bob.chat), 0);
  until(&bob.initialized, 1);
  assert_non_null(strstr(bob.sdp, "a=setup:active"));
  assert_int_equal(msrp_chat_start(bob.chat, offer), 0);
  assert_int_equal(msrp_chat_start(alice.chat, bob.sdp), 0);
  until(&alice.started, 1);
  until(&bob.started, 1);
  both_ways("offered", "answered");
  end_both();
}

static void test_passive_offer(void **state) {
  (void)state;
  passive_offer("passive");
}

static void test_actpass_offer(void **state) {
  (void)state;
  passive_offer("actpass");
}

/* An active offer (RFC 4975's model): the answer made from it is passive
 * and accepts. */
static void test_active_offer_answered_passive(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  bob_answers = alice.sdp;
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(bob.chat), 0);
  until(&bob.initialized, 1);
  assert_non_null(strstr(bob.sdp, "a=setup:passive"));
  start_both();
  end_both();
}

/* ---- messages sent before start go out after it, in order -------------- */

static void test_queued_before_start(void **state) {
  (void)state;
  make_pair();
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "one", 3, NULL, NULL, 0, NULL), 0);
  initialize_both();
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "two", 3, NULL, NULL, 0, NULL), 0);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "three", 5, NULL, NULL, 0, NULL), 0);
  assert_int_equal(bob.got, 0);
  /* sent as DidStart is posted: after what was queued before */
  alice.send_on_start = "four";
  start_both();
  until(&bob.got, 4);
  assert_string_equal(bob.received[0], "one");
  assert_string_equal(bob.received[1], "two");
  assert_string_equal(bob.received[2], "three");
  assert_string_equal(bob.received[3], "four");
  until(&alice.delivered, 4);
  end_both();
}

/* Ended before it started: the waiting message is not delivered, and the
 * chat says so before DidEnd. */
static void test_ended_before_start(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  const char *id;
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "late", 4, NULL, NULL, 0, &id), 0);
  char want[64];
  snprintf(want, sizeof want, "%s", id);
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  until(&alice.ended, 1);
  assert_int_equal(alice.not_delivered, 1);
  assert_string_equal(alice.last_id, want);
  assert_int_equal(alice.last_code, 0);
  assert_string_equal(alice.log, "DidInitialize WillEnd DidNotDeliverMessage "
                                 "DidEnd");
}

/* ---- CPIM by accept-types -------------------------------------------------
 */

static const char *const only_cpim[] = {"message/cpim"};
static const char *const wrapped_text[] = {"text/plain"};
static const char *const only_text[] = {"text/plain"};

static void test_remote_only_cpim(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 0, only_cpim, 1,
       wrapped_text, 1);
  initialize_both();
  start_both();
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "wrapped", 7, NULL, NULL, 0, NULL), 0);
  until(&bob.got, 1);
  assert_true(bob.cpim);
  assert_string_equal(bob.content, "wrapped");
  assert_string_equal(bob.content_type, "text/plain");
  assert_string_equal(bob.cpim_from, "Alice <sip:alice@example.com>");
  /* a type the remote takes neither raw nor wrapped */
  assert_int_equal(msrp_chat_send_message(alice.chat, "{}", 2,
                                          "application/json", NULL, 0, NULL),
                   MSRP_ERR_CHAT_TYPE);
  end_both();
}

static void test_remote_only_text(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 0, only_text, 1,
       NULL, 0);
  initialize_both();
  start_both();
  /* a private message needs CPIM, which bob does not take */
  assert_int_equal(msrp_chat_send_message(alice.chat, "psst", 4, NULL,
                                          "sip:carol@example.com", 0, NULL),
                   MSRP_ERR_CHAT_PRIVATE);
  /* so do notifications (RFC 5438 asks for them in CPIM headers) */
  assert_int_equal(msrp_chat_send_message_ex(alice.chat, "imdn", 4, NULL, NULL,
                                             0, MSRP_IMDN_DISPLAY, NULL),
                   MSRP_ERR_CHAT_TYPE);
  /* to bob himself it goes raw, a time or not */
  assert_int_equal(msrp_chat_send_message(alice.chat, "raw", 3, NULL,
                                          "sip:bob@example.com", 1700000000,
                                          NULL),
                   0);
  until(&bob.got, 1);
  assert_false(bob.cpim);
  assert_string_equal(bob.content, "raw");
  end_both();
}

static void test_remote_both(void **state) {
  (void)state;
  make_pair();
  initialize_both();
  start_both();
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "plain", 5, NULL, NULL, 0, NULL), 0);
  until(&bob.got, 1);
  assert_false(bob.cpim);
  /* Bob takes CPIM but is no room: nobody else to send to (RFC 7701) */
  assert_int_equal(msrp_chat_send_message(alice.chat, "for carol", 9, NULL,
                                          "sip:carol@example.com", 0, NULL),
                   MSRP_ERR_CHAT_PRIVATE);
  end_both();
}

/* A room that allows private messages: wrapped, To the one it is for. */
static void test_room_private(void **state) {
  (void)state;
  bob_room = true;
  bob_room_flags = MSRP_CHATROOM_PRIVATE_MESSAGES;
  make_pair();
  initialize_both();
  assert_non_null(strstr(bob.sdp, "a=chatroom:private-messages\r\n"));
  start_both();
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "plain", 5, NULL, NULL, 0, NULL), 0);
  until(&bob.got, 1);
  /* private: wrapped, To the one it is for */
  assert_int_equal(msrp_chat_send_message(alice.chat, "for carol", 9, NULL,
                                          "sip:carol@example.com", 0, NULL),
                   0);
  until(&bob.got, 2);
  assert_true(bob.cpim);
  assert_string_equal(bob.cpim_to, "sip:carol@example.com");
  assert_string_equal(bob.content, "for carol");
  end_both();
}

/* ---- the remote certificate pinned by the SDP fingerprint ---------------- */

/* Bob's certificate is self-signed: nothing in Alice's trust store (ca.pem)
 * vouches for it, only the a=fingerprint of his SDP. */
static const msrp_tls_config tls_self_signed = {.cert_file = CERT("rogue.pem"),
                                                .key_file = CERT("rogue.key")};

/* Alice calls Bob over TLS; Bob has the self-signed certificate. */
static void initialize_self_signed(void) {
  bob_tls = &tls_self_signed;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 1, NULL, 0,
       NULL, 0);
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 1, NULL, 0,
       NULL, 0);
  initialize_both();
}

static void test_tls_pinned_by_sdp(void **state) {
  (void)state;
  initialize_self_signed();
  char fp[128];
  assert_int_equal(msrp_tls_fingerprint_file(CERT("rogue.pem"), fp, sizeof fp),
                   0);
  assert_non_null(strstr(bob.sdp, fp));
  start_both();
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "pinned", 6, NULL, NULL, 0, NULL), 0);
  until(&bob.got, 1);
  until(&alice.delivered, 1);
  assert_string_equal(bob.content, "pinned");
  end_both();
  assert_int_equal(alice.failed, 0);
}

/* The same, with Bob's SDP naming another certificate: Alice refuses the
 * connection with the fingerprint error, and never starts. */
static void test_tls_fingerprint_mismatch(void **state) {
  (void)state;
  initialize_self_signed();
  char real[128], other[128];
  assert_int_equal(
      msrp_tls_fingerprint_file(CERT("rogue.pem"), real, sizeof real), 0);
  assert_int_equal(
      msrp_tls_fingerprint_file(CERT("server.pem"), other, sizeof other), 0);
  char *at = strstr(bob.sdp, real);
  assert_non_null(at);
  assert_int_equal(strlen(real), strlen(other));
  memcpy(at, other, strlen(other));
  assert_int_equal(msrp_chat_start(bob.chat, alice.sdp), 0);
  assert_int_equal(msrp_chat_start(alice.chat, bob.sdp), 0);
  until(&alice.failed, 1);
  assert_int_equal(alice.fail_error, MSRP_ERR_TLS_FINGERPRINT);
  assert_string_equal(alice.fail_context, "start");
  assert_int_equal(alice.started, 0);
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  until(&alice.ended, 1);
}

/* ---- failures
 * ---------------------------------------------------------------- */

static void test_bad_sdp(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  assert_int_equal(msrp_chat_start(alice.chat, "m=audio 9 RTP/AVP 0\r\n"), 0);
  until(&alice.failed, 1);
  assert_string_equal(alice.fail_context, "sdp_negotiation");
  assert_int_equal(msrp_chat_start(alice.chat, "m=message 2855 TCP/MSRP *\r\n"
                                               "a=accept-types:text/plain\r\n"),
                   0);
  until(&alice.failed, 2);
  assert_string_equal(alice.fail_context, "sdp_negotiation");
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  until(&alice.ended, 1);
  assert_string_equal(alice.log, "DidInitialize DidFail DidFail WillEnd "
                                 "DidEnd");
}

/* Bob's SDP is doctored to say he takes everything; his session takes only
 * text/plain and answers 415: alice is told it was not delivered. */
static void test_not_delivered_415(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  make(&bob, "sip:bob@example.com", "sip:alice@example.com", 0, 0, only_text, 1,
       NULL, 0);
  initialize_both();
  char *doctored = strdup(bob.sdp);
  char *at = strstr(doctored, "a=accept-types:text/plain");
  assert_non_null(at);
  /* the same length: "*" and blanks, which SDP parsing ignores */
  memcpy(at, "a=accept-types:*         ", 25);
  assert_int_equal(msrp_chat_start(bob.chat, alice.sdp), 0);
  assert_int_equal(msrp_chat_start(alice.chat, doctored), 0);
  free(doctored);
  until(&alice.started, 1);
  until(&bob.started, 1);
  const char *id;
  assert_int_equal(msrp_chat_send_message(alice.chat, "{}", 2,
                                          "application/json", NULL, 0, &id),
                   0);
  until(&alice.not_delivered, 1);
  assert_int_equal(alice.last_code, 415);
  assert_int_equal(bob.got, 0);
  end_both();
}

/* The peer binds and then says nothing more: no REPORT ever comes, and
 * once the response timeout has passed the message counts as not
 * delivered (408). */
typedef struct silent {
  uv_tcp_t srv, conn;
  bool accepted;
  char buf[8192];
  size_t len;
  bool answered;
  char alice_uri[256];
  int port;
} silent;

static void silent_alloc(uv_handle_t *h, size_t n, uv_buf_t *b) {
  (void)n;
  silent *s = h->data;
  *b = uv_buf_init(s->buf + s->len, (unsigned)(sizeof s->buf - 1 - s->len));
}

static void silent_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  (void)b;
  silent *s = st->data;
  if (n <= 0)
    return;
  s->len += (size_t)n;
  s->buf[s->len] = '\0';
  if (s->answered || !strstr(s->buf, "$\r\n"))
    return;
  /* answer the binding SEND (and nothing ever after) */
  char tid[64];
  assert_int_equal(sscanf(s->buf, "MSRP %63s SEND", tid), 1);
  static char resp[512];
  int k = snprintf(resp, sizeof resp,
                   "MSRP %s 200 OK\r\nTo-Path: %s\r\n"
                   "From-Path: msrp://127.0.0.1:%d/silent;tcp\r\n"
                   "-------%s$\r\n",
                   tid, s->alice_uri, s->port, tid);
  (void)k;
  uv_buf_t out = uv_buf_init(resp, (unsigned)strlen(resp));
  uv_try_write(st, &out, 1);
  s->answered = true;
}

static void silent_conn(uv_stream_t *srv, int status) {
  silent *s = srv->data;
  assert_int_equal(status, 0);
  uv_tcp_init(&loop, &s->conn);
  s->conn.data = s;
  assert_int_equal(uv_accept(srv, (uv_stream_t *)&s->conn), 0);
  uv_read_start((uv_stream_t *)&s->conn, silent_alloc, silent_read);
  s->accepted = true;
}

static void test_not_delivered_silent(void **state) {
  (void)state;
  make(&alice, "sip:alice@example.com", "sip:bob@example.com", 1, 0, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  static silent s;
  memset(&s, 0, sizeof s);
  uv_tcp_init(&loop, &s.srv);
  s.srv.data = &s;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  assert_int_equal(uv_tcp_bind(&s.srv, (struct sockaddr *)&sa, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&s.srv, 1, silent_conn), 0);
  int len = sizeof sa;
  uv_tcp_getsockname(&s.srv, (struct sockaddr *)&sa, &len);
  s.port = ntohs(sa.sin_port);
  /* alice's URI, for the answer's To-Path */
  const char *p = strstr(alice.sdp, "a=path:");
  assert_non_null(p);
  assert_int_equal(sscanf(p, "a=path:%255s", s.alice_uri), 1);
  char sdp[512];
  snprintf(sdp, sizeof sdp,
           "m=message %d TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
           "a=path:msrp://127.0.0.1:%d/silent;tcp\r\n"
           "a=accept-types:text/plain\r\na=setup:passive\r\n",
           ntohs(sa.sin_port), ntohs(sa.sin_port));
  assert_int_equal(msrp_chat_start(alice.chat, sdp), 0);
  wait_for(&s.accepted);
  until(&alice.started, 1);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "anyone?", 7, NULL, NULL, 0, NULL), 0);
  until(&alice.not_delivered, 1);
  /* no request timed out (Failure-Report partial: silence is success for
   * the transaction); what is missing is the REPORT, and it says so */
  assert_int_equal(alice.last_code, 0);
  assert_string_equal(alice.last_reason, msrp_strerror(MSRP_ERR_NO_REPORT));
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  until(&alice.ended, 1);
  uv_close((uv_handle_t *)&s.conn, NULL);
  uv_close((uv_handle_t *)&s.srv, NULL);
}

/* A TLS peer that answers our message with its REPORT only (Failure-Report
 * partial lets it send no 200), as deployed clients do: the chat says
 * delivered, ends at once (not after the 30 s response timeout, nor after
 * its 2 s grace), and the peer sees TLS end with close_notify. */
typedef struct report_only {
  int listen_fd, port;
  /* the other kind of peer: answers 200, and sends the REPORT only once the
   * test has called msrp_chat_end() and says so on this pipe */
  bool report_after_end;
  int end_called[2];
  /* or a peer that takes the message and hangs up, answering nothing */
  bool hang_up;
} report_only;

/* Wait (10 s at most) for the test to say it called msrp_chat_end(). */
static int wait_end_called(report_only *r, tpeer *p) {
  struct pollfd pfd = {r->end_called[0], POLLIN, 0};
  char x;
  if (poll(&pfd, 1, 10000) == 1 && read(r->end_called[0], &x, 1) == 1)
    return 0;
  snprintf(p->error, sizeof p->error,
           "the test never said msrp_chat_end() was called (waited 10 s)");
  return -1;
}

static void report_only_script(tthread *t) {
  report_only *r = t->arg;
  tpeer p;
  char chunk[4096], ours[512], me[128], id[300], range[64];
  snprintf(me, sizeof me, "msrps://127.0.0.1:%d/ro;tcp", r->port);
  t->result = -1;
  if (tp_accept(&p, r->listen_fd) ||
      tp_tls_server(&p, CERT("server.pem"), CERT("server.key")) ||
      tp_read_until(&p, "$\r\n", chunk, sizeof chunk))
    goto out;
  tp_header(chunk, "From-Path", ours, sizeof ours);
  if (tp_write_200(&p, chunk, ours, me) ||
      tp_read_until(&p, "$\r\n", chunk, sizeof chunk))
    goto out;
  tp_header(chunk, "Message-ID", id, sizeof id);
  tp_header(chunk, "Byte-Range", range, sizeof range);
  if (r->hang_up) {
    t->result = 0;
    goto out;
  }
  if (r->report_after_end &&
      (tp_write_200(&p, chunk, ours, me) || wait_end_called(r, &p)))
    goto out;
  char out[2048];
  snprintf(out, sizeof out,
           "MSRP rep1 REPORT\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
           "Message-ID: %s\r\nByte-Range: %s\r\nStatus: 000 200 OK\r\n"
           "-------rep1$\r\n",
           ours, me, id, range);
  if (tp_writes(&p, out))
    goto out;
  int how = tp_read_close(&p);
  if (how == 1)
    t->result = 0;
  else
    snprintf(p.error, sizeof p.error, "the close was %s",
             how == 0 ? "not a close_notify" : "not seen");
out:
  if (t->result)
    snprintf(t->error, sizeof t->error, "%s", p.error);
  tp_close(&p);
}

/* Alice connects to a scripted TLS peer `r` and the chat starts. */
static void start_with_scripted(report_only *r, tthread *th) {
  make(&alice, "sip:alice@example.com", "sip:ro@example.com", 1, 1, NULL, 0,
       NULL, 0);
  assert_int_equal(msrp_chat_initialize(alice.chat), 0);
  until(&alice.initialized, 1);
  assert_int_equal(tp_listen(&r->listen_fd, &r->port), 0);
  tt_start(th, report_only_script, r);
  char sdp[512];
  snprintf(sdp, sizeof sdp,
           "m=message %d TCP/TLS/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
           "a=path:msrps://127.0.0.1:%d/ro;tcp\r\n"
           "a=accept-types:text/plain\r\na=setup:passive\r\n",
           r->port, r->port);
  assert_int_equal(msrp_chat_start(alice.chat, sdp), 0);
  until(&alice.started, 1);
}

/* The chat ends within a second (not the forced end after the 2 s grace),
 * and the scripted peer `r` saw what it expected. */
static void ended_within_a_second(report_only *r, tthread *th) {
  const int *v[2] = {&alice.ended, &(int){1}};
  wait_until_for(atleast, v, 1);
  tt_join(th, 20);
  if (th->result)
    fail_msg("peer: %s", th->error);
  close(r->listen_fd);
}

static void test_end_with_report_only_peer(void **state) {
  (void)state;
  static report_only r;
  static tthread th;
  memset(&r, 0, sizeof r);
  start_with_scripted(&r, &th);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "hello", 5, NULL, NULL, 0, NULL), 0);
  until(&alice.delivered, 1);
  assert_int_equal(alice.not_delivered, 0);
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  /* nothing is owed any more: the end is not the forced one after the
   * grace (2 s), so it comes well within one second */
  ended_within_a_second(&r, &th);
}

/* end() once the message's 200 came but not its REPORT (the peer sends it
 * only after end() was called): the chat waits for the REPORT and ends as
 * soon as it came, not after the grace, and not by closing before it. */
static void test_end_waits_for_report(void **state) {
  (void)state;
  static report_only r;
  static tthread th;
  memset(&r, 0, sizeof r);
  r.report_after_end = true;
  assert_int_equal(pipe(r.end_called), 0);
  watch_alice = true;
  start_with_scripted(&r, &th);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "hello", 5, NULL, NULL, 0, NULL), 0);
  until(&alice_got_200s, 2); /* the binding's, then the message's */
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  /* let whatever end() set going run (a chat that did not wait would close
   * now), then the peer sends its REPORT */
  for (int i = 0; i < 20; i++)
    uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(write(r.end_called[1], "e", 1), 1);
  ended_within_a_second(&r, &th);
  assert_int_equal(alice.delivered, 1);
  assert_int_equal(alice.not_delivered, 0);
  close(r.end_called[0]);
  close(r.end_called[1]);
}

/* end() right after a send, and the peer hangs up without answering:
 * nothing more can come, so the chat ends at once (not after the grace),
 * the message not delivered. */
static void test_end_peer_hangs_up(void **state) {
  (void)state;
  static report_only r;
  static tthread th;
  memset(&r, 0, sizeof r);
  r.hang_up = true;
  start_with_scripted(&r, &th);
  assert_int_equal(
      msrp_chat_send_message(alice.chat, "hello", 5, NULL, NULL, 0, NULL), 0);
  assert_int_equal(msrp_chat_end(alice.chat), 0);
  ended_within_a_second(&r, &th);
  assert_int_equal(alice.delivered, 0);
  assert_int_equal(alice.not_delivered, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_lifecycle_tcp, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_lifecycle_tls, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_cema_through_sbc, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_cema_one_side_unchanged, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_room_private, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_imdn_delivered_displayed, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_imdn_displayed_at_once, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_imdn_refused, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_imdn_only_what_was_asked, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_imdn_hostile_remote, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_nickname, chat_setup, chat_teardown),
      cmocka_unit_test_setup_teardown(test_nickname_unsupported, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_composing, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_whole_sdp_bodies, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_advertised_host, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_passive_offer, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_actpass_offer, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_active_offer_answered_passive,
                                      chat_setup, chat_teardown),
      cmocka_unit_test_setup_teardown(test_tls_pinned_by_sdp, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_tls_fingerprint_mismatch, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_queued_before_start, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_ended_before_start, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_remote_only_cpim, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_remote_only_text, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_remote_both, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_bad_sdp, chat_setup, chat_teardown),
      cmocka_unit_test_setup_teardown(test_not_delivered_415, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_not_delivered_silent, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_end_with_report_only_peer,
                                      chat_setup, chat_teardown),
      cmocka_unit_test_setup_teardown(test_end_waits_for_report, chat_setup,
                                      chat_teardown),
      cmocka_unit_test_setup_teardown(test_end_peer_hangs_up, chat_setup,
                                      chat_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
