/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What real peers do that our own code never does, over loopback sockets
 * against a scripted peer (peer.h): send their requests before the 200
 * that answers our binding SEND, and expect TLS to end with close_notify
 * however we close (free, session free, shutdown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <msrp/connect.h>
#include <msrp/session.h>

#include "loop.h"
#include "peer.h"

#define CERT(name) MSRP_CERT_DIR "/" name

/* The script's verdict: 0, or the failure it describes. */
/* ---- a session that records what it receives --------------------------- */

typedef struct inbox {
  int n;
  char bodies[8][32];
  int read_end;
} inbox;

static void on_message(msrp_session *s, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  inbox *in = ud;
  if (in->n < 8)
    snprintf(in->bodies[in->n], sizeof in->bodies[0], "%.*s", (int)len,
             (const char *)body);
  in->n++;
}

static const msrp_session_callbacks inbox_cbs = {.on_message = on_message};

static bool flag_is_set(const void *p) {
  return *(const bool *)p;
}

static bool three_in(const void *p) {
  return ((const inbox *)p)->n >= 3;
}

/* ---- 1. requests before the 200 ---------------------------------------- */

typedef struct passive_peer {
  int listen_fd, port;
  bool wrong_path; /* the first request names another session */
} passive_peer;

/* The passive side of a widely used client: the binding SEND arrives, its
 * three queued SENDs go out at once, the 200 a moment later. */
static void requests_first(tthread *t) {
  passive_peer *pp = t->arg;
  tpeer p;
  char chunk[4096], ours[512], me[128];
  snprintf(me, sizeof me, "msrp://127.0.0.1:%d/peer1;tcp", pp->port);
  if (tp_accept(&p, pp->listen_fd) ||
      tp_read_until(&p, "$\r\n", chunk, sizeof chunk)) {
    tt_failed(t, &p);
    goto out;
  }
  tp_header(chunk, "From-Path", ours, sizeof ours);
  static const char *const bodies[] = {"one", "two", "three"};
  for (int i = 0; i < 3; i++) {
    char send[1024];
    snprintf(send, sizeof send,
             "MSRP early%d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
             "Message-ID: em%d\r\nByte-Range: 1-%zu/%zu\r\n"
             "Content-Type: text/plain\r\n\r\n%s\r\n-------early%d$\r\n",
             i,
             pp->wrong_path && i == 0 ? "msrp://127.0.0.1:9/other;tcp" : ours,
             me, i, strlen(bodies[i]), strlen(bodies[i]), bodies[i], i);
    tp_writes(&p, send);
  }
  tp_write_200(&p, chunk, ours, me);
  if (pp->wrong_path) {
    /* the request for another session is refused, then the connection */
    if (tp_read_until(&p, "MSRP early0 481 ", NULL, 0) ||
        tp_read_close(&p) != 1)
      tt_failed(t, &p);
    goto out;
  }
  /* each of the three is answered */
  for (int i = 0; i < 3; i++) {
    char end[32];
    snprintf(end, sizeof end, "-------early%d$\r\n", i);
    if (tp_read_until(&p, end, NULL, 0)) {
      tt_failed(t, &p);
      goto out;
    }
  }
out:
  tp_close(&p);
}

static void connect_to_script(passive_peer *pp, tthread *th, result *cr,
                              msrp_connector **con, msrp_uri *curi,
                              result *cp) {
  assert_int_equal(tp_listen(&pp->listen_fd, &pp->port), 0);
  tt_start(th, requests_first, pp);
  assert_int_equal(msrp_get_connector(con, &loop, NULL), 0);
  *curi = (msrp_uri)MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(curi, 0, "127.0.0.1", 0, NULL, NULL), 0);
  prepare(*con, curi, cp);
  msrp_uri ruri = MSRP_URI_INIT;
  assert_int_equal(
      msrp_uri_init(&ruri, 0, "127.0.0.1", pp->port, "peer1", NULL), 0);
  msrp_path rpath = {1, &ruri};
  memset(cr, 0, sizeof *cr);
  assert_int_equal(msrp_connector_complete(*con, &rpath, on_completed, cr), 0);
  wait_for(&cr->done);
  msrp_uri_clear(&ruri);
}

static void test_requests_before_200(void **state) {
  (void)state;
  passive_peer pp = {0};
  tthread th;
  result cr, cp;
  msrp_connector *con;
  msrp_uri curi;
  connect_to_script(&pp, &th, &cr, &con, &curi, &cp);
  assert_int_equal(cr.status, 0);
  inbox in = {0};
  msrp_session *s;
  assert_int_equal(msrp_session_new(&s, cr.t, NULL, &inbox_cbs, &in), 0);
  wait_until(three_in, &in);
  assert_int_equal(in.n, 3);
  assert_string_equal(in.bodies[0], "one");
  assert_string_equal(in.bodies[1], "two");
  assert_string_equal(in.bodies[2], "three");
  tt_join(&th, 20);
  assert_script(&th);
  msrp_session_free(s);
  msrp_connector_free(con);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&curi);
  close(pp.listen_fd);
}

/* A request for another session before the 200: it gets 481, and the
 * binding fails saying why. */
static void test_wrong_request_before_200(void **state) {
  (void)state;
  passive_peer pp = {.wrong_path = true};
  tthread th;
  result cr, cp;
  msrp_connector *con;
  msrp_uri curi;
  connect_to_script(&pp, &th, &cr, &con, &curi, &cp);
  assert_int_equal(cr.status, MSRP_ERR_BIND_PATH);
  assert_null(cr.t);
  tt_join(&th, 20);
  assert_script(&th);
  msrp_connector_free(con);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&curi);
  close(pp.listen_fd);
}

/* ---- 2. close_notify ---------------------------------------------------- */

typedef struct tls_caller {
  int port;
  char acc_uri[256];
} tls_caller;

/* A TLS client that binds, then reports how the connection ended: 1 for
 * a close_notify. */
static void tls_bind_then_wait_close(tthread *t) {
  tls_caller *tc = t->arg;
  tpeer p;
  char send[1024], chunk[2048];
  t->result = -1;
  if (tp_connect(&p, tc->port) || tp_tls_client(&p, NULL, NULL)) {
    tt_failed(t, &p);
    goto out;
  }
  snprintf(send, sizeof send,
           "MSRP bnd1 SEND\r\nTo-Path: %s\r\n"
           "From-Path: msrps://127.0.0.1:2855/caller;tcp\r\n"
           "Message-ID: b1\r\nByte-Range: 1-0/0\r\n-------bnd1$\r\n",
           tc->acc_uri);
  if (tp_writes(&p, send) ||
      tp_read_until(&p, "-------bnd1$\r\n", chunk, sizeof chunk)) {
    tt_failed(t, &p);
    goto out;
  }
  int how = tp_read_close(&p);
  t->result = how == 1 ? 0 : -1;
  if (how != 1)
    snprintf(t->error, sizeof t->error, "the close was %s",
             how == 0 ? "not a close_notify" : "not seen");
out:
  tp_close(&p);
}

static const msrp_tls_config server_tls = {.cert_file = CERT("server.pem"),
                                           .key_file = CERT("server.key")};

typedef enum close_how {
  BY_TRANSPORT_FREE,
  BY_SESSION_FREE,
  BY_SHUTDOWN
} close_how;

static void on_shut(msrp_session *s, void *ud) {
  (void)s;
  *(bool *)ud = true;
}

static void close_notify_case(close_how how) {
  msrp_connect_config cfg = {.tls = &server_tls, .logger = test_logger()};
  msrp_connector *acc;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, &cfg), 0);
  msrp_uri auri = MSRP_URI_INIT, ruri = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, 1, "127.0.0.1", 0, "acc1", NULL), 0);
  result ap, ar = {0};
  prepare(acc, &auri, &ap);
  assert_int_equal(msrp_uri_init(&ruri, 1, "127.0.0.1", 2855, "caller", NULL),
                   0);
  msrp_path rpath = {1, &ruri};
  assert_int_equal(msrp_connector_complete(acc, &rpath, on_completed, &ar), 0);
  tls_caller tc = {.port = auri.port};
  msrp_uri_format(&auri, tc.acc_uri, sizeof tc.acc_uri);
  tthread th;
  tt_start(&th, tls_bind_then_wait_close, &tc);
  wait_for(&ar.done);
  assert_int_equal(ar.status, 0);
  if (how == BY_TRANSPORT_FREE) {
    msrp_transport_free(ar.t);
  } else {
    msrp_session *s;
    assert_int_equal(msrp_session_new(&s, ar.t, NULL, NULL, NULL), 0);
    if (how == BY_SHUTDOWN) {
      bool closed = false;
      assert_int_equal(msrp_session_shutdown(s, on_shut, &closed), 0);
      wait_for(&closed);
    }
    msrp_session_free(s);
  }
  tt_join(&th, 20);
  assert_script(&th);
  msrp_connector_free(acc);
  msrp_path_clear(&ap.path);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&ruri);
}

static void test_close_notify_transport_free(void **state) {
  (void)state;
  close_notify_case(BY_TRANSPORT_FREE);
}

static void test_close_notify_session_free(void **state) {
  (void)state;
  close_notify_case(BY_SESSION_FREE);
}

static void test_close_notify_shutdown(void **state) {
  (void)state;
  close_notify_case(BY_SHUTDOWN);
}

/* ---- 3. thousands of messages in flight -------------------------------- */

/* 10,000 messages with Success-Report yes in one pipeline between two
 * sessions over loopback: every one is confirmed by its REPORT. */
typedef struct tally {
  int sent_ok, complete, other;
} tally;

static void count_sent(msrp_session *s, const char *id, int status, int code,
                       const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)comment;
  tally *t = ud;
  if (!status && code == 200)
    t->sent_ok++;
  else
    t->other++;
}

static void count_report(msrp_session *s, const msrp_report_info *r, void *ud) {
  (void)s;
  tally *t = ud;
  if (!r->status && r->code == 200 && r->complete)
    t->complete++;
  else
    t->other++;
}

static const msrp_session_callbacks tally_cbs = {.on_report = count_report};

#define PIPELINE 10000

static bool all_confirmed(const void *p) {
  const tally *t = p;
  return (t->complete >= PIPELINE && t->sent_ok >= PIPELINE) || t->other;
}

static void test_pipeline_10000_reports(void **state) {
  (void)state;
  bound_pair p;
  bound_pair_open(&p, NULL);
  tally t = {0};
  inbox in = {0};
  msrp_session *a, *b;
  assert_int_equal(msrp_session_new(&a, p.cr.t, NULL, &tally_cbs, &t), 0);
  assert_int_equal(msrp_session_new(&b, p.ar.t, NULL, &inbox_cbs, &in), 0);
  for (int i = 0; i < PIPELINE; i++) {
    msrp_message_params mp = {.content_type = "text/plain",
                              .data = "hello",
                              .len = 5,
                              .success_report = MSRP_REPORT_YES};
    assert_int_equal(msrp_session_send_message(a, &mp, count_sent, &t, NULL),
                     0);
  }
  wait_until(all_confirmed, &t);
  assert_int_equal(t.other, 0);
  assert_int_equal(t.sent_ok, PIPELINE);
  assert_int_equal(t.complete, PIPELINE);
  assert_int_equal(in.n, PIPELINE);
  msrp_session_free(a);
  msrp_session_free(b);
  bound_pair_close(&p);
}

/* ---- 4. the session's limits reach its connection ---------------------- */

typedef struct long_header {
  int port;
  char acc[256];
} long_header;

/* Bind, then send a SEND whose headers are longer than the session's
 * limit; the connection must close. */
static void long_header_script(tthread *t) {
  long_header *lh = t->arg;
  tpeer p;
  char send[4096], chunk[2048];
  const char *from = "msrp://127.0.0.1:2855/caller;tcp";
  t->result = -1;
  snprintf(send, sizeof send,
           "MSRP lh1 SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
           "Message-ID: b1\r\nByte-Range: 1-0/0\r\n-------lh1$\r\n",
           lh->acc, from);
  if (tp_connect(&p, lh->port) || tp_writes(&p, send) ||
      tp_read_until(&p, "-------lh1$\r\n", chunk, sizeof chunk) ||
      tt_wait_step(t, 1))
    goto out;
  char pad[1100];
  memset(pad, 'a', sizeof pad - 1);
  pad[sizeof pad - 1] = '\0';
  snprintf(send, sizeof send,
           "MSRP lh2 SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
           "Message-ID: m2\r\nX-Padding: %s\r\nByte-Range: 1-2/2\r\n"
           "Content-Type: text/plain\r\n\r\nhi\r\n-------lh2$\r\n",
           lh->acc, from, pad);
  if (tp_writes(&p, send) || tp_read_close(&p) != 1)
    goto out;
  t->result = 0;
out:
  if (t->result)
    snprintf(t->error, sizeof t->error, "%s", p.error);
  tp_close(&p);
}

typedef struct ended {
  bool done;
  int status;
} ended;

static void on_read_end_record(msrp_session *s, int status, void *ud) {
  (void)s;
  ended *e = ud;
  e->done = true;
  e->status = status;
}

/* An acceptor on 127.0.0.1 for a script: its URI as text and its port. */
static void accept_script(msrp_connector **acc, msrp_uri *au, result *ap,
                          char *acc_text, size_t size, int *port) {
  assert_int_equal(msrp_get_acceptor(acc, &loop, NULL), 0);
  *au = (msrp_uri)MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(au, 0, "127.0.0.1", 0, "acc2", NULL), 0);
  prepare(*acc, au, ap);
  msrp_uri_format(au, acc_text, size);
  *port = au->port;
}

static void test_session_limits_on_socket(void **state) {
  (void)state;
  msrp_connector *acc;
  msrp_uri au, ru = MSRP_URI_INIT;
  result ap, ar = {0};
  static long_header lh;
  accept_script(&acc, &au, &ap, lh.acc, sizeof lh.acc, &lh.port);
  assert_int_equal(msrp_uri_init(&ru, 0, "127.0.0.1", 2855, "caller", NULL), 0);
  msrp_path rp = {1, &ru};
  assert_int_equal(msrp_connector_complete(acc, &rp, on_completed, &ar), 0);
  static tthread th;
  tt_start(&th, long_header_script, &lh);
  wait_for(&ar.done);
  assert_int_equal(ar.status, 0);
  msrp_parser_limits lim = {.max_header_bytes = 512};
  ended e = {0};
  msrp_session_config sc = {.limits = &lim, .on_read_end = on_read_end_record};
  msrp_session *s;
  assert_int_equal(msrp_session_new(&s, ar.t, &sc, NULL, &e), 0);
  tt_grant(&th, 1);
  wait_for(&e.done);
  assert_string_equal(msrp_errname(e.status), "MSRP_ERR_LIMIT_HEADER_BYTES");
  tt_join(&th, 20);
  assert_script(&th);
  msrp_session_free(s);
  msrp_connector_free(acc);
  msrp_path_clear(&ap.path);
  msrp_uri_clear(&au);
  msrp_uri_clear(&ru);
}

/* ---- 5. a session that sent a REPORT shuts down at once ---------------- */

static void on_closed_flag(msrp_session *s, void *ud) {
  (void)s;
  *(bool *)ud = true;
}

static void test_shutdown_after_report(void **state) {
  (void)state;
  bound_pair p;
  bound_pair_open(&p, NULL);
  inbox in = {0};
  msrp_session *a, *b;
  assert_int_equal(msrp_session_new(&a, p.cr.t, NULL, NULL, NULL), 0);
  assert_int_equal(msrp_session_new(&b, p.ar.t, NULL, &inbox_cbs, &in), 0);
  /* B receives a message with Success-Report yes: it answers with a
   * REPORT of its own making; and it sends one with send_chunk */
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "hello",
                            .len = 5,
                            .success_report = MSRP_REPORT_YES};
  assert_int_equal(msrp_session_send_message(a, &mp, NULL, NULL, NULL), 0);
  const int *v[2] = {&in.n, &(int){1}};
  (void)v;
  while (in.n < 1 && !expired)
    uv_run(&loop, UV_RUN_ONCE);
  msrp_chunk *r;
  msrp_chunk_params rp = {.method = "REPORT", .message_id = "x1"};
  assert_int_equal(
      msrp_transport_make_chunk(&r, msrp_session_transport(b), &rp), 0);
  assert_int_equal(msrp_chunk_set_header(r, "Status", "000 200 OK"), 0);
  assert_int_equal(msrp_session_send_chunk(b, r, NULL, NULL), 0);
  /* nothing can answer a REPORT: the shutdown does not wait for the
   * response timeout (30 s) */
  bool closed = false;
  assert_int_equal(msrp_session_shutdown(b, on_closed_flag, &closed), 0);
  wait_until_for(flag_is_set, &closed, 1);
  msrp_session_free(a);
  msrp_session_free(b);
  bound_pair_close(&p);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, loop_setup, loop_teardown)
  const struct CMUnitTest tests[] = {
      T(test_requests_before_200),         T(test_wrong_request_before_200),
      T(test_close_notify_transport_free), T(test_close_notify_session_free),
      T(test_close_notify_shutdown),       T(test_pipeline_10000_reports),
      T(test_session_limits_on_socket),    T(test_shutdown_after_report),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
