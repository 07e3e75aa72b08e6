/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Every object may be freed from inside its own callbacks (docs/design.md):
 * the transport, the session, the connector, the server and the chat, each
 * freed by the callback it is running, over loopback. Run under ASan by the
 * suite, so a use after such a free is a failure. */
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
#include <msrp/connect.h>
#include <msrp/session.h>

#include "loop.h"

/* ---- the transport --------------------------------------------------------
 */

static void free_on_event(msrp_transport *t, int status, const msrp_event *ev,
                          void *ud) {
  (void)status;
  (void)ev;
  msrp_transport_free(t);
  *(bool *)ud = true;
}

static void free_on_write(msrp_transport *t, int status, void *ud) {
  (void)status;
  msrp_transport_free(t);
  *(bool *)ud = true;
}

static void test_transport(void **state) {
  (void)state;
  bound_pair p;
  bound_pair_open(&p, NULL);
  /* B frees itself from its reader when A's bytes arrive; A from the
   * completion of its write */
  bool reader = false, writer = false;
  assert_int_equal(msrp_transport_read_start(p.ar.t, free_on_event, &reader),
                   0);
  msrp_chunk *c;
  assert_int_equal(msrp_transport_make_chunk(&c, p.cr.t, NULL), 0);
  assert_int_equal(
      msrp_transport_write_chunk(p.cr.t, c, free_on_write, &writer), 0);
  msrp_chunk_free(c);
  wait_for(&reader);
  wait_for(&writer);
  bound_pair_close(&p);
}

/* ---- the session ----------------------------------------------------------
 */

typedef enum where {
  ON_MESSAGE,
  ON_SENT,
  ON_REPORT,
  ON_READ_END,
  ON_CLOSED,
  ON_RECEIVED
} where;

typedef struct sess {
  msrp_session *s;
  where at;
  bool done;
} sess;

static void free_it(sess *x) {
  msrp_session_free(x->s);
  x->s = NULL;
  x->done = true;
}

static void s_message(msrp_session *s, const msrp_message_info *m,
                      const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  (void)body;
  (void)len;
  sess *x = ud;
  if (x->at == ON_MESSAGE && x->s)
    free_it(x);
}

static void s_report(msrp_session *s, const msrp_report_info *r, void *ud) {
  (void)s;
  (void)r;
  sess *x = ud;
  if (x->at == ON_REPORT && x->s)
    free_it(x);
}

static void s_sent(msrp_session *s, const char *id, int status, int code,
                   const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)status;
  (void)code;
  (void)comment;
  sess *x = ud;
  if (x->at == ON_SENT && x->s)
    free_it(x);
}

static void s_read_end(msrp_session *s, int status, void *ud) {
  (void)s;
  (void)status;
  sess *x = ud;
  if (x->at == ON_READ_END && x->s)
    free_it(x);
}

static void s_closed(msrp_session *s, void *ud) {
  (void)s;
  sess *x = ud;
  if (x->at == ON_CLOSED && x->s)
    free_it(x);
}

static void s_received(msrp_session *s, int status, msrp_chunk *c, void *ud) {
  (void)s;
  (void)status;
  msrp_chunk_free(c);
  sess *x = ud;
  if (x->at == ON_RECEIVED && x->s)
    free_it(x);
}

static const msrp_session_callbacks s_cbs = {.on_message = s_message,
                                             .on_report = s_report};

static void session_case(where at) {
  bound_pair p;
  bound_pair_open(&p, NULL);
  static sess a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.at = b.at = at;
  msrp_session_config ca = {.on_read_end = s_read_end};
  msrp_session_config cb = ca;
  cb.queue_incoming = at == ON_RECEIVED;
  assert_int_equal(msrp_session_new(&a.s, p.cr.t, &ca, &s_cbs, &a), 0);
  assert_int_equal(msrp_session_new(&b.s, p.ar.t, &cb, &s_cbs, &b), 0);
  if (at == ON_RECEIVED)
    assert_int_equal(msrp_session_receive_message(b.s, s_received, &b), 0);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "hello",
                            .len = 5,
                            .success_report = MSRP_REPORT_YES};
  for (int i = 0; i < 3; i++)
    assert_int_equal(msrp_session_send_message(a.s, &mp, s_sent, &a, NULL), 0);
  sess *dies = at == ON_MESSAGE || at == ON_RECEIVED ? &b : &a;
  if (at == ON_READ_END) {
    dies = &a;
    msrp_session_free(b.s); /* A's reading ends */
    b.s = NULL;
  } else if (at == ON_CLOSED) {
    assert_int_equal(msrp_session_shutdown(a.s, s_closed, &a), 0);
  }
  wait_for(&dies->done);
  assert_null(dies->s);
  msrp_session_free(a.s);
  msrp_session_free(b.s);
  bound_pair_close(&p);
}

static void test_session_on_message(void **state) {
  (void)state;
  session_case(ON_MESSAGE);
}
static void test_session_on_sent(void **state) {
  (void)state;
  session_case(ON_SENT);
}
static void test_session_on_report(void **state) {
  (void)state;
  session_case(ON_REPORT);
}
static void test_session_on_read_end(void **state) {
  (void)state;
  session_case(ON_READ_END);
}
static void test_session_on_closed(void **state) {
  (void)state;
  session_case(ON_CLOSED);
}
static void test_session_on_received(void **state) {
  (void)state;
  session_case(ON_RECEIVED);
}

/* ---- the connector and the server ------------------------------------------
 */

static void free_connector_on_complete(msrp_connector *c, int status,
                                       msrp_transport *t, void *ud) {
  (void)status;
  msrp_transport_free(t);
  msrp_connector_free(c);
  *(bool *)ud = true;
}

static void free_connector_on_prepare(msrp_connector *c, int status,
                                      const msrp_path *p, void *ud) {
  (void)status;
  (void)p;
  msrp_connector_free(c);
  *(bool *)ud = true;
}

static void test_connector(void **state) {
  (void)state;
  msrp_connector *acc, *con, *third;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  assert_int_equal(msrp_get_connector(&third, &loop, NULL), 0);
  msrp_uri au = MSRP_URI_INIT, cu = MSRP_URI_INIT, tu = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&au, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_uri_init(&cu, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_uri_init(&tu, 0, "127.0.0.1", 0, NULL, NULL), 0);
  result ap, cp;
  prepare(acc, &au, &ap);
  prepare(con, &cu, &cp);
  bool third_done = false;
  assert_int_equal(msrp_connector_prepare(third, &tu, free_connector_on_prepare,
                                          &third_done),
                   0);
  bool a = false, c = false;
  assert_int_equal(
      msrp_connector_complete(acc, &cp.path, free_connector_on_complete, &a),
      0);
  assert_int_equal(
      msrp_connector_complete(con, &ap.path, free_connector_on_complete, &c),
      0);
  wait_for(&a);
  wait_for(&c);
  wait_for(&third_done);
  msrp_path_clear(&ap.path);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&au);
  msrp_uri_clear(&cu);
  msrp_uri_clear(&tu);
}

static void on_completed_server_ignored(msrp_server *s, int status,
                                        msrp_transport *t, void *ud) {
  (void)s;
  result *r = ud;
  r->done = true;
  r->status = status;
  msrp_transport_free(t);
}

static void free_server_on_complete(msrp_server *s, int status,
                                    msrp_transport *t, void *ud) {
  (void)status;
  msrp_transport_free(t);
  msrp_server_free(s);
  *(bool *)ud = true;
}

static void test_server(void **state) {
  (void)state;
  msrp_server *srv;
  assert_int_equal(msrp_server_new(&srv, &loop, NULL), 0);
  msrp_uri su = MSRP_URI_INIT, cu = MSRP_URI_INIT, other = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&su, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &su, NULL), 0);
  /* a second session waits too: the free cancels it from inside */
  assert_int_equal(msrp_uri_init(&other, 0, "127.0.0.1", su.port, NULL, NULL),
                   0);
  assert_int_equal(msrp_server_prepare(srv, &other, NULL), 0);
  msrp_connector *con;
  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  assert_int_equal(msrp_uri_init(&cu, 0, "127.0.0.1", 0, NULL, NULL), 0);
  result cp, cr = {0}, lr = {0};
  prepare(con, &cu, &cp);
  bool done = false;
  msrp_path op = {1, &cu};
  assert_int_equal(msrp_server_complete_uri(srv, &other, &op, NULL,
                                            on_completed_server_ignored, &lr),
                   0);
  assert_int_equal(msrp_server_complete_uri(srv, &su, &cp.path, NULL,
                                            free_server_on_complete, &done),
                   0);
  msrp_path sp = {1, &su};
  assert_int_equal(msrp_connector_complete(con, &sp, on_completed, &cr), 0);
  wait_for(&done);
  wait_for(&cr.done);
  wait_for(&lr.done);
  assert_int_equal(lr.status, MSRP_ERR_CANCELLED);
  msrp_transport_free(cr.t);
  msrp_connector_free(con);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&su);
  msrp_uri_clear(&cu);
  msrp_uri_clear(&other);
}

/* ---- the chat ---------------------------------------------------------------
 */

typedef struct chatter {
  msrp_chat *chat;
  char *sdp;
  const char *free_on; /* the notification whose observer frees the chat */
  bool initialized, started, freed;
} chatter;

static msrp_notification_center *nc;

static void chat_observe(msrp_notification_center *center,
                         const msrp_notification *n, void *ud) {
  (void)center;
  chatter *p = ud;
  if (!strcmp(n->name, MSRP_CHAT_DID_INITIALIZE)) {
    const msrp_chat_did_initialize *d = n->payload;
    free(p->sdp);
    p->sdp = strdup(d->sdp);
    p->initialized = true;
  } else if (!strcmp(n->name, MSRP_CHAT_DID_START)) {
    p->started = true;
  }
  if (p->free_on && !strcmp(n->name, p->free_on) && p->chat) {
    msrp_chat_free(p->chat);
    p->chat = NULL;
    p->freed = true;
  }
}

static void chat_make(chatter *p, int outgoing, const char *free_on) {
  memset(p, 0, sizeof *p);
  p->free_on = free_on;
  msrp_account a = {.uri = outgoing ? "sip:a@example.com" : "sip:b@example.com",
                    .local_host = "127.0.0.1",
                    .logger = test_logger(),
                    .response_timeout_ms = 2000};
  assert_int_equal(
      msrp_chat_new(&p->chat, &loop, nc, &a,
                    outgoing ? "sip:b@example.com" : "sip:a@example.com",
                    outgoing),
      0);
  assert_int_equal(msrp_notification_center_add_observer(nc, NULL, p->chat,
                                                         chat_observe, p, NULL),
                   0);
  assert_int_equal(msrp_chat_initialize(p->chat), 0);
  wait_for(&p->initialized);
}

/* Alice frees her chat when it starts; Bob frees his when the message
 * Alice sent on start arrives, or when he is told the chat ended. */
static void chat_case(const char *alice_frees_on, const char *bob_frees_on) {
  assert_int_equal(msrp_notification_center_new(&nc), 0);
  static chatter alice, bob;
  chat_make(&alice, 1, alice_frees_on);
  chat_make(&bob, 0, bob_frees_on);
  assert_int_equal(msrp_chat_start(bob.chat, alice.sdp), 0);
  assert_int_equal(msrp_chat_start(alice.chat, bob.sdp), 0);
  wait_for(&alice.started);
  if (alice.chat)
    assert_int_equal(
        msrp_chat_send_message(alice.chat, "hi", 2, NULL, NULL, 0, NULL), 0);
  if (alice.chat && bob_frees_on && !strcmp(bob_frees_on, MSRP_CHAT_DID_END))
    assert_int_equal(msrp_chat_end(bob.chat), 0);
  chatter *dies = alice_frees_on ? &alice : &bob;
  wait_for(&dies->freed);
  msrp_chat_free(alice.chat);
  msrp_chat_free(bob.chat);
  alice.chat = bob.chat = NULL;
  /* what the chats close runs out before the centre goes */
  for (int i = 0; i < 100 && uv_run(&loop, UV_RUN_NOWAIT); i++)
    ;
  free(alice.sdp);
  free(bob.sdp);
  msrp_notification_center_free(nc);
}

static void test_chat_on_start(void **state) {
  (void)state;
  chat_case(MSRP_CHAT_DID_START, NULL);
}

static void test_chat_on_message(void **state) {
  (void)state;
  chat_case(NULL, MSRP_CHAT_GOT_MESSAGE);
}

static void test_chat_on_end(void **state) {
  (void)state;
  chat_case(NULL, MSRP_CHAT_DID_END);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, loop_setup, loop_teardown)
  const struct CMUnitTest tests[] = {
      T(test_transport),
      T(test_session_on_message),
      T(test_session_on_sent),
      T(test_session_on_report),
      T(test_session_on_read_end),
      T(test_session_on_closed),
      T(test_session_on_received),
      T(test_connector),
      T(test_server),
      T(test_chat_on_start),
      T(test_chat_on_message),
      T(test_chat_on_end),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
