/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Connections over real loopback sockets: ConnectorDirect with
 * AcceptorDirect and with MSRPServer, over TCP and TLS, on 127.0.0.1 and
 * [::1]; binding checked in both directions; chunks both ways; the ways
 * binding and reading fail. Nothing sleeps: every wait runs the loop until
 * the awaited callback has run, bounded by a watchdog timer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/connect.h>
#include <msrp/session.h>

#include "io/io_internal.h"
#include "loop.h"

#ifndef MSRP_CERT_DIR
#error MSRP_CERT_DIR must name the directory make_certs.sh filled
#endif
#define CERT(name) MSRP_CERT_DIR "/" name

/* ---- logging into a buffer, to assert on what was said --------------- */

static char logbuf[8192];

static void log_to_buf(msrp_log_level level, const char *msg, void *ud) {
  (void)ud;
  (void)level;
  size_t n = strlen(logbuf);
  snprintf(logbuf + n, sizeof logbuf - n, "%s\n", msg);
}

static msrp_logger buf_logger(void) {
  msrp_logger lg = {0};
  lg.log = log_to_buf;
  return lg;
}

/* ---- one endpoint's result -------------------------------------------- */

static void on_server_completed(msrp_server *s, int status, msrp_transport *t,
                                void *ud) {
  (void)s;
  result *r = ud;
  r->done = true;
  r->status = status;
  r->t = t;
}

/* ---- exchanging chunks ------------------------------------------------ */

static void send_text(msrp_transport *t, const char *text) {
  msrp_chunk *c;
  assert_int_equal(msrp_transport_make_chunk(
                       &c, t,
                       &(msrp_chunk_params){.data = text,
                                            .data_len = strlen(text),
                                            .content_type = "text/plain"}),
                   0);
  assert_int_equal(msrp_transport_write_chunk_wait(t, c), 0);
  msrp_chunk_free(c);
}

/* The next chunk on `t` is a SEND carrying `text`, from the peer's path to
 * ours, and it passes check_incoming_SEND. */
static void expect_text(msrp_transport *t, const char *text) {
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_transport_read_chunk_wait(t, MSRP_READ_WHOLE, &c, NULL),
                   0);
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_SEND);
  size_t len;
  const uint8_t *body = msrp_chunk_body(c, &len);
  assert_int_equal(len, strlen(text));
  assert_memory_equal(body, text, len);
  assert_int_equal(msrp_transport_check_incoming_send(t, c, NULL), 0);
  assert_true(
      msrp_path_equal(msrp_chunk_from_path(c), msrp_transport_remote_path(t)));
  msrp_chunk_free(c);
}

/* ---- read buffers held past their event (a relay's zero copy) -------- */

#define HELD_CHUNKS 3
#define HELD_BODY 300000
#define HELD_MAX 256

static uint8_t held_byte(int chunk, size_t off) {
  return (uint8_t)('a' + (off * 7 + (size_t)chunk * 3) % 26);
}

typedef struct held {
  int ends, status, nheld, chunk;
  uint64_t got;
  struct {
    const uint8_t *p;
    size_t len, off;
    int chunk;
    msrp__rhold *h;
  } slice[HELD_MAX];
} held;

static void on_held_event(msrp_transport *t, int status, const msrp_event *ev,
                          void *ud) {
  held *h = ud;
  if (status) {
    h->status = status;
    return;
  }
  if (ev->type == MSRP_EVENT_BODY) {
    msrp__rhold *k = msrp__transport_hold(t, ev->data, ev->len, NULL);
    if (k && h->nheld < HELD_MAX) {
      h->slice[h->nheld].p = ev->data;
      h->slice[h->nheld].len = ev->len;
      h->slice[h->nheld].off = ev->offset;
      h->slice[h->nheld].chunk = h->chunk;
      h->slice[h->nheld++].h = k;
    } else {
      msrp__rhold_release(k);
    }
    h->got += ev->len;
  } else if (ev->type == MSRP_EVENT_END) {
    h->chunk++;
    if (++h->ends == HELD_CHUNKS)
      msrp_transport_read_stop(t);
  }
}

static bool held_done(const void *p) {
  const held *h = p;
  return h->ends == HELD_CHUNKS || h->status;
}

/* Body bytes held past their event stay as they came while the transport
 * reads on (into other buffers: over TLS it would decrypt the next bytes
 * into the same one), and are freed when the last holder lets go. */
static void held_bodies(msrp_transport *a, msrp_transport *b) {
  held h = {0};
  assert_int_equal(msrp_transport_read_start(b, on_held_event, &h), 0);
  uint8_t *body = malloc(HELD_BODY);
  assert_non_null(body);
  for (int c = 0; c < HELD_CHUNKS; c++) {
    for (size_t i = 0; i < HELD_BODY; i++)
      body[i] = held_byte(c, i);
    msrp_chunk *ch;
    assert_int_equal(msrp_transport_make_chunk(
                         &ch, a,
                         &(msrp_chunk_params){.data = body,
                                              .data_len = HELD_BODY,
                                              .content_type = "text/plain"}),
                     0);
    assert_int_equal(msrp_transport_write_chunk_wait(a, ch), 0);
    msrp_chunk_free(ch);
  }
  free(body);
  wait_until(held_done, &h);
  assert_int_equal(h.status, 0);
  assert_int_equal(h.got, (uint64_t)HELD_CHUNKS * HELD_BODY);
  /* most of it came in slices that could be held */
  assert_true(h.nheld >= HELD_CHUNKS);
  /* reads that fill what they are offered grow (TLS is offered half of
   * its buffer, for the ciphertext) */
  if (msrp__transport_read_peak(b) <= 64 * 1024)
    fail_msg("the reads of %d KB stayed at %zu bytes",
             HELD_CHUNKS * HELD_BODY / 1000, msrp__transport_read_peak(b));
  for (int i = 0; i < h.nheld; i++) {
    for (size_t k = 0; k < h.slice[i].len; k++)
      if (h.slice[i].p[k] != held_byte(h.slice[i].chunk, h.slice[i].off + k))
        fail_msg("held slice %d (chunk %d, bytes %zu-%zu): byte %zu changed", i,
                 h.slice[i].chunk, h.slice[i].off,
                 h.slice[i].off + h.slice[i].len, k);
    msrp__rhold_release(h.slice[i].h);
  }
}

/* ---- a large message through sessions --------------------------------- */

#define BIG_MSG (1u << 20)

typedef struct big_rx {
  bool ended, sent;
  int status;
  uint64_t got;
  bool intact;
} big_rx;

static void big_data(msrp_session *s, const msrp_message_info *m, uint64_t off,
                     const uint8_t *d, size_t n, void *ud) {
  (void)s;
  (void)m;
  big_rx *r = ud;
  for (size_t i = 0; i < n; i++)
    r->intact &= d[i] == held_byte(7, off + i);
  r->got += n;
}

static void big_end(msrp_session *s, const msrp_message_info *m, int status,
                    void *ud) {
  (void)s;
  (void)m;
  big_rx *r = ud;
  r->ended = true;
  r->status = status;
}

static void big_sent(msrp_session *s, const char *id, int status, int code,
                     const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)comment;
  big_rx *r = ud;
  r->sent = true;
  r->status = status ? status : code == 200 ? 0 : code;
}

/* The body is lent (pulled: a step may carry many of its chunks). */
static ssize_t big_lend(uint64_t off, size_t len, const uint8_t **data,
                        void **ref, void *ud) {
  *data = (const uint8_t *)ud + off;
  *ref = NULL;
  return (ssize_t)(off + len > BIG_MSG ? BIG_MSG - off : len);
}

static void big_given_back(void *ref, void *ud) {
  (void)ref;
  (void)ud;
}

static bool big_done(const void *p) {
  const big_rx *r = p;
  return r->ended && r->sent;
}

/* A 1 MiB message from `a` to `b` (sessions made on them; both freed
 * here). The first steps of a transfer are a chunk each (64 KiB), over TCP
 * and TLS alike, so the peer reads one while the next is written (over
 * TLS, encrypted): 1 MiB goes in at least 16 writes, not in one. */
static void big_message(msrp_transport *a, msrp_transport *b, int tls) {
  big_rx r = {.intact = true};
  msrp_session_callbacks cb = {.on_message_data = big_data,
                               .on_message_end = big_end};
  msrp_session *sa, *sb;
  assert_int_equal(msrp_session_new(&sa, a, NULL, NULL, NULL), 0);
  assert_int_equal(msrp_session_new(&sb, b, NULL, &cb, &r), 0);
  uint8_t *body = malloc(BIG_MSG);
  assert_non_null(body);
  for (size_t i = 0; i < BIG_MSG; i++)
    body[i] = held_byte(7, i);
  uint64_t before = msrp__transport_writes(a);
  assert_int_equal(msrp_session_send_message(
                       sa,
                       &(msrp_message_params){.lender = big_lend,
                                              .release = big_given_back,
                                              .provider_ud = body,
                                              .size = BIG_MSG,
                                              .content_type = "text/plain"},
                       big_sent, &r, NULL),
                   0);
  wait_until(big_done, &r);
  free(body);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.got, BIG_MSG);
  assert_true(r.intact);
  uint64_t writes = msrp__transport_writes(a) - before;
  if (writes < BIG_MSG / 65536)
    fail_msg("1 MiB over %s went in %llu writes", tls ? "TLS" : "TCP",
             (unsigned long long)writes);
  msrp_session_free(sa);
  msrp_session_free(sb);
}

/* Both directions over a bound pair. */
static void exchange(msrp_transport *a, msrp_transport *b) {
  send_text(a, "hello from the connecting side");
  expect_text(b, "hello from the connecting side");
  send_text(b, "and back from the accepting side");
  expect_text(a, "and back from the accepting side");
  /* a body of many TLS records (16 KiB each at most) arrives whole */
  size_t n = 100000;
  char *big = malloc(n + 1);
  assert_non_null(big);
  for (size_t i = 0; i < n; i++)
    big[i] = (char)('a' + i % 26);
  big[n] = '\0';
  send_text(a, big);
  expect_text(b, big);
  free(big);
}

/* ---- ConnectorDirect <-> AcceptorDirect ------------------------------- */

static const msrp_tls_config server_tls = {.cert_file = CERT("server.pem"),
                                           .key_file = CERT("server.key")};
static const msrp_tls_config client_tls = {.ca_file = CERT("ca.pem")};

/* complete() both sides of a prepared pair (acceptor and connector, each
 * given the other's path) and wait until both are bound. */
static void complete_both(msrp_connector *acc, msrp_connector *con,
                          const result *ap, const result *cp, result *ar,
                          result *cr) {
  memset(ar, 0, sizeof *ar);
  memset(cr, 0, sizeof *cr);
  assert_int_equal(msrp_connector_complete(acc, &cp->path, on_completed, ar),
                   0);
  assert_int_equal(msrp_connector_complete(con, &ap->path, on_completed, cr),
                   0);
  wait_for(&ar->done);
  wait_for(&cr->done);
  assert_int_equal(ar->status, 0);
  assert_int_equal(cr->status, 0);
}

static void direct_pair(const char *host, int tls) {
  msrp_connect_config acfg = {.tls = tls ? &server_tls : NULL,
                              .logger = test_logger()};
  msrp_connect_config ccfg = {.tls = tls ? &client_tls : NULL,
                              .logger = test_logger()};
  msrp_connector *acc, *con;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, &acfg), 0);
  assert_int_equal(msrp_get_connector(&con, &loop, &ccfg), 0);
  assert_int_equal(msrp_connector_get_kind(acc), MSRP_ACCEPTOR_DIRECT);
  assert_int_equal(msrp_connector_get_kind(con), MSRP_CONNECTOR_DIRECT);

  msrp_uri auri = MSRP_URI_INIT, curi = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, tls, host, 0, NULL, NULL), 0);
  assert_int_equal(msrp_uri_init(&curi, tls, host, 0, NULL, NULL), 0);
  result ap, cp, ar, cr;
  prepare(acc, &auri, &ap);
  prepare(con, &curi, &cp);
  /* prepare() filled in the real ports and fresh session-ids in place */
  assert_true(auri.port > 0);
  assert_true(curi.port > 0);
  assert_non_null(auri.session_id);
  assert_int_equal(strlen(curi.session_id), 20);
  assert_int_equal(ap.path.count, 1);
  assert_true(msrp_uri_equal(&ap.path.uris[0], &auri));

  complete_both(acc, con, &ap, &cp, &ar, &cr);
  assert_int_equal(msrp_transport_use_tls(ar.t), tls);
  assert_int_equal(msrp_transport_use_tls(cr.t), tls);
  /* binding: each side's paths are the other's, mirrored */
  assert_true(msrp_path_equal(msrp_transport_local_path(cr.t), &cp.path));
  assert_true(msrp_path_equal(msrp_transport_remote_path(cr.t), &ap.path));
  assert_true(msrp_path_equal(msrp_transport_local_path(ar.t), &ap.path));
  assert_true(msrp_path_equal(msrp_transport_remote_path(ar.t), &cp.path));
  /* the connecting socket really comes from the port in its URI */
  char want[80];
  snprintf(want, sizeof want, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
           curi.port);
  assert_string_equal(msrp_transport_peer(ar.t), want);

  exchange(cr.t, ar.t);
  held_bodies(cr.t, ar.t);
  big_message(cr.t, ar.t, tls); /* (frees both) */

  msrp_connector_free(acc);
  msrp_connector_free(con);
  msrp_path_clear(&ap.path);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&curi);
}

static void test_direct_tcp_ipv4(void **state) {
  (void)state;
  direct_pair("127.0.0.1", 0);
}

static void test_direct_tcp_ipv6(void **state) {
  (void)state;
  direct_pair("::1", 0);
}

static void test_direct_tls_ipv4(void **state) {
  (void)state;
  direct_pair("127.0.0.1", 1);
}

static void test_direct_tls_ipv6(void **state) {
  (void)state;
  direct_pair("::1", 1);
}

/* ---- ConnectorDirect <-> MSRPServer ------------------------------------ */

static void server_pair(const char *host, int tls) {
  msrp_connect_config scfg = {.tls = tls ? &server_tls : NULL};
  msrp_connect_config ccfg = {.tls = tls ? &client_tls : NULL};
  msrp_server *srv;
  assert_int_equal(msrp_server_new(&srv, &loop, &scfg), 0);
  msrp_uri suri = MSRP_URI_INIT, curi = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&suri, tls, host, 0, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &suri, NULL), 0);
  assert_true(suri.port > 0);
  assert_non_null(suri.session_id);

  msrp_connector *con;
  assert_int_equal(msrp_get_connector(&con, &loop, &ccfg), 0);
  assert_int_equal(msrp_uri_init(&curi, tls, host, 0, NULL, NULL), 0);
  result cp, sr = {0}, cr = {0};
  prepare(con, &curi, &cp);
  msrp_path spath = {1, &suri};
  assert_int_equal(
      msrp_server_complete(srv, &cp.path, on_server_completed, &sr), 0);
  assert_int_equal(msrp_connector_complete(con, &spath, on_completed, &cr), 0);
  wait_for(&sr.done);
  wait_for(&cr.done);
  assert_int_equal(sr.status, 0);
  assert_int_equal(cr.status, 0);
  assert_true(msrp_path_equal(msrp_transport_local_path(sr.t), &spath));
  assert_true(msrp_path_equal(msrp_transport_remote_path(sr.t), &cp.path));
  exchange(cr.t, sr.t);

  assert_int_equal(msrp_server_cleanup(srv, &suri), 0);
  assert_int_equal(msrp_server_cleanup(srv, &suri), MSRP_ERR_NOT_FOUND);
  msrp_transport_free(sr.t);
  msrp_transport_free(cr.t);
  msrp_connector_free(con);
  msrp_server_free(srv);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&suri);
  msrp_uri_clear(&curi);
}

static void test_server_tcp_ipv4(void **state) {
  (void)state;
  server_pair("127.0.0.1", 0);
}

static void test_server_tcp_ipv6(void **state) {
  (void)state;
  server_pair("::1", 0);
}

static void test_server_tls_ipv4(void **state) {
  (void)state;
  server_pair("127.0.0.1", 1);
}

static void test_server_tls_ipv6(void **state) {
  (void)state;
  server_pair("::1", 1);
}

/* ---- many sessions on one port ---------------------------------------- */

#define NSESS 200

typedef struct session {
  msrp_connector *con;
  msrp_uri suri, curi;
  result cp, sr, cr;
} session;

static void test_server_200_sessions(void **state) {
  (void)state;
  static session ss[NSESS];
  memset(ss, 0, sizeof ss);
  msrp_connect_config scfg = {.bind_timeout_ms = 1500,
                              .max_unbound = NSESS + 1};
  msrp_server *srv;
  assert_int_equal(msrp_server_new(&srv, &loop, &scfg), 0);

  /* the first prepare picks the port; the others share it */
  int port = 0;
  for (int i = 0; i < NSESS; i++) {
    session *s = &ss[i];
    s->suri = (msrp_uri)MSRP_URI_INIT;
    s->curi = (msrp_uri)MSRP_URI_INIT;
    assert_int_equal(msrp_uri_init(&s->suri, 0, "127.0.0.1", port, NULL, NULL),
                     0);
    assert_int_equal(msrp_server_prepare(srv, &s->suri, NULL), 0);
    port = s->suri.port;
    assert_int_equal(msrp_get_connector(&s->con, &loop, NULL), 0);
    assert_int_equal(msrp_uri_init(&s->curi, 0, "127.0.0.1", 0, NULL, NULL), 0);
    prepare(s->con, &s->curi, &s->cp);
  }
  /* one more session is expected but nobody ever binds it */
  msrp_uri lonely = MSRP_URI_INIT, ghost = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&lonely, 0, "127.0.0.1", port, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &lonely, NULL), 0);
  assert_int_equal(msrp_uri_init(&ghost, 0, "127.0.0.1", 9, "ghost", NULL), 0);
  msrp_path ghost_path = {1, &ghost};
  result lr = {0};
  assert_int_equal(msrp_server_complete_uri(srv, &lonely, &ghost_path, NULL,
                                            on_server_completed, &lr),
                   0);

  for (int i = 0; i < NSESS; i++) {
    session *s = &ss[i];
    msrp_path sp = {1, &s->suri};
    assert_int_equal(msrp_server_complete_uri(srv, &s->suri, &s->cp.path, NULL,
                                              on_server_completed, &s->sr),
                     0);
    assert_int_equal(msrp_connector_complete(s->con, &sp, on_completed, &s->cr),
                     0);
  }
  for (int i = 0; i < NSESS; i++) {
    wait_for(&ss[i].sr.done);
    wait_for(&ss[i].cr.done);
    assert_int_equal(ss[i].sr.status, 0);
    assert_int_equal(ss[i].cr.status, 0);
  }
  /* every session sends its own payload and gets only its peer's */
  for (int i = 0; i < NSESS; i++) {
    char msg[64];
    snprintf(msg, sizeof msg, "payload of session %d", i);
    send_text(ss[i].cr.t, msg);
    snprintf(msg, sizeof msg, "reply to session %d", i);
    send_text(ss[i].sr.t, msg);
  }
  for (int i = NSESS - 1; i >= 0; i--) {
    char msg[64];
    snprintf(msg, sizeof msg, "payload of session %d", i);
    expect_text(ss[i].sr.t, msg);
    snprintf(msg, sizeof msg, "reply to session %d", i);
    expect_text(ss[i].cr.t, msg);
  }
  /* the one that never bound times out on its own */
  wait_for(&lr.done);
  assert_int_equal(lr.status, MSRP_ERR_BIND_TIMEOUT);
  assert_null(lr.t);

  for (int i = 0; i < NSESS; i++) {
    msrp_transport_free(ss[i].sr.t);
    msrp_transport_free(ss[i].cr.t);
    msrp_connector_free(ss[i].con);
    msrp_path_clear(&ss[i].cp.path);
    msrp_uri_clear(&ss[i].suri);
    msrp_uri_clear(&ss[i].curi);
  }
  msrp_server_free(srv);
  msrp_uri_clear(&lonely);
  msrp_uri_clear(&ghost);
}

/* ---- a raw peer that writes whatever a test wants ---------------------- */

typedef struct raw_peer {
  uv_tcp_t tcp;
  uv_connect_t req;
  bool connected;
  bool closed;
  char got[4096];
  size_t got_len;
  size_t want; /* have_want turns true once this many bytes came */
  bool have_want;
  bool eof;
} raw_peer;

static void raw_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf) {
  (void)n;
  raw_peer *p = h->data;
  *buf = uv_buf_init(p->got + p->got_len,
                     (unsigned)(sizeof p->got - 1 - p->got_len));
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  raw_peer *p = s->data;
  if (n > 0) {
    p->got_len += (size_t)n;
    p->got[p->got_len] = '\0';
    if (p->want && p->got_len >= p->want)
      p->have_want = true;
  } else if (n < 0) {
    p->eof = true;
    uv_read_stop(s);
  }
}

static void raw_connected(uv_connect_t *req, int status) {
  raw_peer *p = req->data;
  assert_int_equal(status, 0);
  p->connected = true;
  uv_read_start((uv_stream_t *)&p->tcp, raw_alloc, raw_read);
}

static void raw_connect(raw_peer *p, const msrp_uri *to) {
  memset(p, 0, sizeof *p);
  uv_tcp_init(&loop, &p->tcp);
  p->tcp.data = p;
  p->req.data = p;
  struct sockaddr_in sa;
  uv_ip4_addr(to->host, to->port, &sa);
  assert_int_equal(
      uv_tcp_connect(&p->req, &p->tcp, (struct sockaddr *)&sa, raw_connected),
      0);
  wait_for(&p->connected);
}

static void raw_write(raw_peer *p, const char *data) {
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)strlen(data));
  assert_int_equal(uv_try_write((uv_stream_t *)&p->tcp, &b, 1),
                   (int)strlen(data));
}

static void raw_closed(uv_handle_t *h) {
  ((raw_peer *)h->data)->closed = true;
}

static void raw_close(raw_peer *p) {
  uv_close((uv_handle_t *)&p->tcp, raw_closed);
  wait_for(&p->closed);
}

/* An acceptor whose peer is a raw socket: prepare, complete with `remote`,
 * connect the raw peer. */
typedef struct raw_session {
  msrp_connector *acc;
  msrp_uri auri, ruri;
  msrp_path rpath;
  result ap, ar;
  raw_peer peer;
} raw_session;

static void raw_session_start(raw_session *rs) {
  memset(rs, 0, sizeof *rs);
  msrp_logger lg = buf_logger();
  msrp_connect_config cfg = {.logger = &lg, .bind_timeout_ms = 5000};
  assert_int_equal(msrp_get_acceptor(&rs->acc, &loop, &cfg), 0);
  assert_int_equal(msrp_uri_init(&rs->auri, 0, "127.0.0.1", 0, "acc1", NULL),
                   0);
  prepare(rs->acc, &rs->auri, &rs->ap);
  assert_int_equal(msrp_uri_init(&rs->ruri, 0, "127.0.0.1", 2855, "raw1", NULL),
                   0);
  rs->rpath = (msrp_path){1, &rs->ruri};
  assert_int_equal(
      msrp_connector_complete(rs->acc, &rs->rpath, on_completed, &rs->ar), 0);
  raw_connect(&rs->peer, &rs->auri);
}

static void raw_session_end(raw_session *rs) {
  if (!rs->peer.closed)
    raw_close(&rs->peer);
  msrp_transport_free(rs->ar.t);
  msrp_connector_free(rs->acc);
  wait_for(&rs->ar.done); /* a complete() still waiting is cancelled */
  msrp_path_clear(&rs->ap.path);
  msrp_uri_clear(&rs->auri);
  msrp_uri_clear(&rs->ruri);
}

#define TO_ACC "To-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n"
#define FROM_RAW "From-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"

/* A binding SEND to a session that is not ours: 481 and that connection
 * closes; the acceptor goes on waiting for its peer. */
static void test_bind_wrong_to_path(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  raw_write(&rs.peer,
            "MSRP b1nd SEND\r\n"
            "To-Path: msrp://127.0.0.1:1/not-this-one;tcp\r\n" FROM_RAW
            "Message-ID: m1\r\nByte-Range: 1-0/0\r\n"
            "-------b1nd$\r\n");
  /* the peer got exactly the 481 and then the connection closed */
  wait_for(&rs.peer.eof);
  assert_false(rs.ar.done);
  assert_string_equal(rs.peer.got,
                      "MSRP b1nd 481 Session Does Not Exist\r\n"
                      "To-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"
                      "From-Path: msrp://127.0.0.1:1/not-this-one;tcp\r\n"
                      "-------b1nd$\r\n");
  raw_session_end(&rs);
}

/* A malformed binding SEND gets a 400 and no transport, also when it lacks
 * the To-Path the binding would be decided on (this crashed before). */
static void test_bind_malformed(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  char s[512];
  snprintf(s, sizeof s,
           "MSRP b4d SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m1\r\nByte-Range: 1-x/0\r\n"
           "-------b4d$\r\n",
           rs.auri.port);
  raw_write(&rs.peer, s);
  wait_for(&rs.peer.eof);
  assert_false(rs.ar.done);
  snprintf(s, sizeof s,
           "MSRP b4d 400 Bad Request\r\n"
           "To-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"
           "From-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n"
           "-------b4d$\r\n",
           rs.auri.port);
  assert_string_equal(rs.peer.got, s);
  raw_session_end(&rs);

  raw_session_start(&rs);
  raw_write(&rs.peer, "MSRP n0to SEND\r\n" FROM_RAW
                      "Message-ID: m1\r\nByte-Range: 1-0/0\r\n"
                      "-------n0to$\r\n");
  wait_for(&rs.peer.eof);
  assert_false(rs.ar.done);
  /* answered as the core answers any request it cannot parse: back to the
   * sender's path, with no From-Path to give */
  assert_string_equal(rs.peer.got, "MSRP n0to 400 Bad Request\r\n"
                                   "To-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"
                                   "-------n0to$\r\n");
  raw_session_end(&rs);
}

/* The right paths from a raw peer bind, and the 200 has the exact bytes. */
static void test_bind_raw_ok(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  char msg[512];
  snprintf(msg, sizeof msg,
           "MSRP b2nd SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m1\r\nByte-Range: 1-0/0\r\n-------b2nd$\r\n",
           rs.auri.port);
  raw_write(&rs.peer, msg);
  wait_for(&rs.ar.done);
  assert_int_equal(rs.ar.status, 0);
  /* the 200 goes To-Path the raw peer, From-Path the acceptor */
  char want[512];
  snprintf(want, sizeof want,
           "MSRP b2nd 200 OK\r\nTo-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"
           "From-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n-------b2nd$\r\n",
           rs.auri.port);
  rs.peer.want = strlen(want);
  wait_for(&rs.peer.have_want);
  assert_string_equal(rs.peer.got, want);
  raw_session_end(&rs);
}

/* The binding SEND and two messages in one read (a relay forwards what
 * queued up at once): both messages reach a session, in order. */
typedef struct two_rx {
  int n;
  char got[2][16];
} two_rx;

static void two_message(msrp_session *s, const msrp_message_info *m,
                        const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  two_rx *r = ud;
  if (r->n < 2 && len < sizeof r->got[0])
    memcpy(r->got[r->n], body, len);
  r->n++;
}

static bool report_for_m4(const void *p) {
  const char *got = ((const raw_peer *)p)->got;
  const char *r = strstr(got, "REPORT\r\n");
  return r && strstr(r, "Message-ID: m4\r\n");
}

static bool two_came(const void *p) {
  return ((const two_rx *)p)->n >= 2;
}

static void test_bind_and_two_messages_at_once(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  char msg[1536];
  snprintf(msg, sizeof msg,
           "MSRP b3nd SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m1\r\nByte-Range: 1-0/0\r\n-------b3nd$\r\n"
           "MSRP d5 SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m3\r\nByte-Range: 1-5/5\r\nSuccess-Report: yes\r\n"
           "Failure-Report: partial\r\n"
           "Content-Type: text/plain\r\n\r\nfirst\r\n-------d5$\r\n"
           "MSRP d6 SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m4\r\nByte-Range: 1-6/6\r\nSuccess-Report: yes\r\n"
           "Failure-Report: partial\r\n"
           "Content-Type: text/plain\r\n\r\nsecond\r\n-------d6$\r\n",
           rs.auri.port, rs.auri.port, rs.auri.port);
  raw_write(&rs.peer, msg);
  wait_for(&rs.ar.done);
  assert_int_equal(rs.ar.status, 0);
  two_rx r = {0};
  msrp_session *s;
  assert_int_equal(
      msrp_session_new(&s, rs.ar.t, NULL,
                       &(msrp_session_callbacks){.on_message = two_message},
                       &r),
      0);
  wait_until(two_came, &r);
  assert_int_equal(r.n, 2);
  assert_string_equal(r.got[0], "first");
  assert_string_equal(r.got[1], "second");
  /* the 200 of the binding SEND, then a success REPORT for each */
  wait_until(report_for_m4, &rs.peer);
  assert_non_null(strstr(rs.peer.got, "Message-ID: m3\r\n"));
  assert_true(strstr(rs.peer.got, "Message-ID: m3\r\n") <
              strstr(rs.peer.got, "Message-ID: m4\r\n"));
  msrp_session_free(s);
  rs.ar.t = NULL;
  raw_session_end(&rs);
}

/* Garbage after binding: the connection closes, the reader learns why. */
typedef struct reader_result {
  bool done;
  int status;
  int events;
} reader_result;

static void on_events(msrp_transport *t, int status, const msrp_event *ev,
                      void *ud) {
  (void)t;
  reader_result *r = ud;
  if (status) {
    r->done = true;
    r->status = status;
    assert_null(ev);
    return;
  }
  r->events++;
}

static void bind_raw(raw_session *rs) {
  char msg[512];
  snprintf(msg, sizeof msg,
           "MSRP b3nd SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m1\r\nByte-Range: 1-0/0\r\n-------b3nd$\r\n",
           rs->auri.port);
  raw_write(&rs->peer, msg);
  wait_for(&rs->ar.done);
  assert_int_equal(rs->ar.status, 0);
  /* read the 200 (a socket closed with unread data sends a reset) */
  char ok[512];
  snprintf(ok, sizeof ok,
           "MSRP b3nd 200 OK\r\nTo-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"
           "From-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n-------b3nd$\r\n",
           rs->auri.port);
  rs->peer.want = strlen(ok);
  wait_for(&rs->peer.have_want);
  assert_string_equal(rs->peer.got, ok);
}

static void test_garbage_closes(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  bind_raw(&rs);
  reader_result rr = {0};
  assert_int_equal(msrp_transport_read_start(rs.ar.t, on_events, &rr), 0);
  raw_write(&rs.peer, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  wait_for(&rr.done);
  assert_int_equal(rr.status, MSRP_ERR_PARSE_START_LINE);
  assert_int_equal(rr.events, 0);
  /* the library closed the connection */
  wait_for(&rs.peer.eof);
  /* and writing now is refused */
  assert_int_equal(msrp_transport_write(rs.ar.t, "x", 1, NULL, NULL),
                   MSRP_ERR_CLOSED);
  raw_session_end(&rs);
}

static void test_disconnect_mid_chunk(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  bind_raw(&rs);
  reader_result rr = {0};
  assert_int_equal(msrp_transport_read_start(rs.ar.t, on_events, &rr), 0);
  char msg[512];
  snprintf(msg, sizeof msg,
           "MSRP c4 SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m2\r\nByte-Range: 1-100/100\r\n"
           "Content-Type: text/plain\r\n\r\nonly part of the bo",
           rs.auri.port);
  raw_write(&rs.peer, msg);
  raw_close(&rs.peer);
  wait_for(&rr.done);
  assert_int_equal(rr.status, MSRP_ERR_CLOSED_MID_CHUNK);
  assert_int_equal(rr.events, 2); /* HEADERS and the body slice */
  raw_session_end(&rs);
}

static void test_disconnect_between_chunks(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  bind_raw(&rs);
  reader_result rr = {0};
  assert_int_equal(msrp_transport_read_start(rs.ar.t, on_events, &rr), 0);
  raw_close(&rs.peer);
  wait_for(&rr.done);
  assert_int_equal(rr.status, MSRP_ERR_CONNECTION_CLOSED);
  raw_session_end(&rs);
}

/* A binding SEND that carries a body binds, and its chunk is the first
 * one the reader gets. */
static void test_bind_with_body(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  char msg[512];
  snprintf(msg, sizeof msg,
           "MSRP d5 SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m3\r\nByte-Range: 1-5/5\r\n"
           "Content-Type: text/plain\r\n\r\nfirst\r\n-------d5$\r\n",
           rs.auri.port);
  raw_write(&rs.peer, msg);
  wait_for(&rs.ar.done);
  assert_int_equal(rs.ar.status, 0);
  msrp_chunk *c;
  assert_int_equal(
      msrp_transport_read_chunk_wait(rs.ar.t, MSRP_READ_WHOLE, &c, NULL), 0);
  size_t len;
  const uint8_t *b = msrp_chunk_body(c, &len);
  assert_int_equal(len, 5);
  assert_memory_equal(b, "first", 5);
  assert_string_equal(msrp_chunk_transaction_id(c), "d5");
  msrp_chunk_free(c);
  /* no 200 was written by the binder: answering data is the session's */
  assert_int_equal(rs.peer.got_len, 0);
  raw_session_end(&rs);
}

/* read_chunk(size): virtual chunks of a long body. */
static void test_read_chunk_segments(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  bind_raw(&rs);
  char msg[512];
  snprintf(msg, sizeof msg,
           "MSRP e6 SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m4\r\nByte-Range: 1-10/10\r\n"
           "Content-Type: text/plain\r\n\r\n0123456789\r\n-------e6$\r\n",
           rs.auri.port);
  raw_write(&rs.peer, msg);
  static const struct {
    const char *body;
    unsigned segment;
    uint64_t start, end;
    char flag;
  } want[] = {
      {"0123", 1, 1, 4, '+'}, {"4567", 2, 5, 8, '+'}, {"89", 3, 9, 10, '$'}};
  for (int i = 0; i < 3; i++) {
    msrp_chunk *c;
    unsigned seg;
    assert_int_equal(msrp_transport_read_chunk_wait(rs.ar.t, 4, &c, &seg), 0);
    size_t len;
    const uint8_t *b = msrp_chunk_body(c, &len);
    assert_int_equal(len, strlen(want[i].body));
    assert_memory_equal(b, want[i].body, len);
    assert_int_equal(seg, want[i].segment);
    assert_int_equal(msrp_chunk_flag(c), want[i].flag);
    msrp_byte_range r;
    assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
    assert_int_equal(r.start, want[i].start);
    assert_int_equal(r.end, want[i].end);
    assert_int_equal(r.total, 10);
    msrp_chunk_free(c);
  }
  raw_session_end(&rs);
}

/* ---- TLS failures ------------------------------------------------------ */

static int tls_connect(const msrp_tls_config *server,
                       const msrp_tls_config *client) {
  msrp_connect_config acfg = {.tls = server}, ccfg = {.tls = client};
  msrp_connector *acc, *con;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, &acfg), 0);
  assert_int_equal(msrp_get_connector(&con, &loop, &ccfg), 0);
  msrp_uri auri = MSRP_URI_INIT, curi = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, 1, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_uri_init(&curi, 1, "127.0.0.1", 0, NULL, NULL), 0);
  result ap, cp, ar = {0}, cr = {0};
  prepare(acc, &auri, &ap);
  prepare(con, &curi, &cp);
  assert_int_equal(msrp_connector_complete(acc, &cp.path, on_completed, &ar),
                   0);
  assert_int_equal(msrp_connector_complete(con, &ap.path, on_completed, &cr),
                   0);
  wait_for(&cr.done);
  int status = cr.status;
  if (status == 0) {
    wait_for(&ar.done);
    assert_int_equal(ar.status, 0);
    msrp_transport_free(ar.t);
    msrp_transport_free(cr.t);
  }
  msrp_connector_free(acc);
  msrp_connector_free(con);
  uv_run(&loop, UV_RUN_NOWAIT);
  if (status == 0) {
    assert_true(ar.done);
  } else {
    /* the acceptor's completion still runs exactly once */
    wait_for(&ar.done);
    assert_int_not_equal(ar.status, 0);
  }
  msrp_path_clear(&ap.path);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&curi);
  return status;
}

static void test_tls_verify_and_fingerprint(void **state) {
  (void)state;
  static const msrp_tls_config rogue = {.cert_file = CERT("rogue.pem"),
                                        .key_file = CERT("rogue.key")};
  /* a certificate signed by our CA verifies */
  assert_int_equal(tls_connect(&server_tls, &client_tls), 0);
  /* one nobody signed does not */
  logbuf[0] = '\0';
  assert_int_equal(tls_connect(&rogue, &client_tls), MSRP_ERR_TLS_VERIFY);

  /* pinning: the right fingerprint is accepted even for the self-signed
   * certificate; a wrong one is refused with its own error */
  char fp[128];
  assert_int_equal(msrp_tls_fingerprint_file(CERT("rogue.pem"), fp, sizeof fp),
                   0);
  assert_int_equal(strlen(fp), 103);
  assert_memory_equal(fp, "sha-256 ", 8);
  msrp_tls_config pin = {.fingerprint = fp};
  assert_int_equal(tls_connect(&rogue, &pin), 0);
  char other[128];
  assert_int_equal(
      msrp_tls_fingerprint_file(CERT("server.pem"), other, sizeof other), 0);
  msrp_tls_config wrong = {.fingerprint = other};
  assert_int_equal(tls_connect(&rogue, &wrong), MSRP_ERR_TLS_FINGERPRINT);
}

/* ---- timeouts and refusals on the connecting side ---------------------- */

static void test_connect_refused(void **state) {
  (void)state;
  msrp_connector *con;
  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  msrp_uri curi = MSRP_URI_INIT, nobody = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&curi, 0, "127.0.0.1", 0, NULL, NULL), 0);
  result cp, cr = {0};
  prepare(con, &curi, &cp);
  /* a port nothing listens on: take one and close it */
  uv_tcp_t probe;
  uv_tcp_init(&loop, &probe);
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  assert_int_equal(uv_tcp_bind(&probe, (struct sockaddr *)&sa, 0), 0);
  int len = sizeof sa;
  uv_tcp_getsockname(&probe, (struct sockaddr *)&sa, &len);
  uv_close((uv_handle_t *)&probe, NULL);
  assert_int_equal(
      msrp_uri_init(&nobody, 0, "127.0.0.1", ntohs(sa.sin_port), "x1", NULL),
      0);
  msrp_path np = {1, &nobody};
  assert_int_equal(msrp_connector_complete(con, &np, on_completed, &cr), 0);
  wait_for(&cr.done);
  assert_int_equal(cr.status, MSRP_ERR_CONNECT);
  msrp_connector_free(con);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&curi);
  msrp_uri_clear(&nobody);
}

/* The acceptor's bind timeout when the peer connects but never binds, and
 * a pending complete() cancelled by freeing its connector. */
static void test_acceptor_bind_timeout_and_cancel(void **state) {
  (void)state;
  msrp_connect_config cfg = {.bind_timeout_ms = 200};
  msrp_connector *acc;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, &cfg), 0);
  msrp_uri auri = MSRP_URI_INIT, ruri = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, 0, "127.0.0.1", 0, "acc1", NULL), 0);
  result ap, ar = {0};
  prepare(acc, &auri, &ap);
  assert_int_equal(msrp_uri_init(&ruri, 0, "127.0.0.1", 2855, "raw1", NULL), 0);
  msrp_path rp = {1, &ruri};
  assert_int_equal(msrp_connector_complete(acc, &rp, on_completed, &ar), 0);
  raw_peer peer;
  raw_connect(&peer, &auri);
  wait_for(&ar.done);
  assert_int_equal(ar.status, MSRP_ERR_BIND_TIMEOUT);
  wait_for(&peer.eof); /* the unbound connection was closed */
  raw_close(&peer);
  msrp_connector_free(acc);
  msrp_path_clear(&ap.path);
  msrp_uri_clear(&auri);

  /* cancelled: the callback runs once, with MSRP_ERR_CANCELLED */
  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(msrp_uri_init(&auri, 0, "127.0.0.1", 0, "acc2", NULL), 0);
  prepare(acc, &auri, &ap);
  memset(&ar, 0, sizeof ar);
  assert_int_equal(msrp_connector_complete(acc, &rp, on_completed, &ar), 0);
  msrp_connector_free(acc);
  assert_false(ar.done); /* never from inside free() */
  wait_for(&ar.done);
  assert_int_equal(ar.status, MSRP_ERR_CANCELLED);
  msrp_path_clear(&ap.path);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&ruri);
}

/* A write still queued when the transport is freed completes, cancelled. */
static void on_write_done(msrp_transport *t, int status, void *ud) {
  (void)t;
  result *r = ud;
  r->done = true;
  r->status = status;
}

static void test_free_cancels_reader(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  bind_raw(&rs);
  reader_result rr = {0};
  assert_int_equal(msrp_transport_read_start(rs.ar.t, on_events, &rr), 0);
  result wr = {0};
  assert_int_equal(msrp_transport_write(rs.ar.t, "x", 1, on_write_done, &wr),
                   0);
  msrp_transport_free(rs.ar.t);
  rs.ar.t = NULL;
  assert_false(rr.done);
  wait_for(&rr.done);
  assert_int_equal(rr.status, MSRP_ERR_CANCELLED);
  wait_for(&wr.done);
  assert_true(wr.status == 0 || wr.status == MSRP_ERR_CANCELLED);
  raw_session_end(&rs);
}

/* ---- the traffic log ---------------------------------------------------- */

static char tracebuf[8192];

static void trace_to_buf(msrp_trace_dir dir, const char *peer, const char *data,
                         size_t len, void *ud) {
  (void)ud;
  (void)peer;
  size_t n = strlen(tracebuf);
  snprintf(tracebuf + n, sizeof tracebuf - n, "%s%.*s",
           dir == MSRP_TRACE_IN ? "<" : ">", (int)len, data);
}

/* The wire trace shows text bodies and elides binary ones; the state log
 * says what happened to the connection. */
static void test_traffic_log(void **state) {
  (void)state;
  msrp_logger lg = {0};
  lg.log = log_to_buf;
  lg.trace = trace_to_buf;
  msrp_connect_config cfg = {.logger = &lg};
  msrp_connector *acc, *con;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, &cfg), 0);
  assert_int_equal(msrp_get_connector(&con, &loop, &cfg), 0);
  msrp_uri auri = MSRP_URI_INIT, curi = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, 0, "127.0.0.1", 0, "bob1", NULL), 0);
  assert_int_equal(msrp_uri_init(&curi, 0, "127.0.0.1", 0, "alice1", NULL), 0);
  result ap, cp, ar = {0}, cr = {0};
  prepare(acc, &auri, &ap);
  prepare(con, &curi, &cp);
  logbuf[0] = tracebuf[0] = '\0';
  assert_int_equal(msrp_connector_complete(acc, &cp.path, on_completed, &ar),
                   0);
  assert_int_equal(msrp_connector_complete(con, &ap.path, on_completed, &cr),
                   0);
  wait_for(&ar.done);
  wait_for(&cr.done);
  assert_int_equal(cr.status, 0);
  assert_non_null(strstr(logbuf, "session bound"));
  assert_non_null(strstr(logbuf, "connecting to 127.0.0.1:"));

  tracebuf[0] = '\0';
  msrp_chunk *c;
  static const unsigned char bin[5] = {0, 1, 2, 3, 255};
  assert_int_equal(
      msrp_transport_make_chunk(
          &c, cr.t,
          &(msrp_chunk_params){.transaction_id = "tr4c3",
                               .message_id = "bin1",
                               .data = bin,
                               .data_len = sizeof bin,
                               .content_type = "application/octet-stream"}),
      0);
  assert_int_equal(msrp_transport_write_chunk_wait(cr.t, c), 0);
  msrp_chunk_free(c);
  msrp_chunk *got;
  assert_int_equal(
      msrp_transport_read_chunk_wait(ar.t, MSRP_READ_WHOLE, &got, NULL), 0);
  msrp_chunk_free(got);
  char head[512];
  int n = snprintf(head, sizeof head,
                   "MSRP tr4c3 SEND\r\nTo-Path: msrp://127.0.0.1:%d/bob1;tcp"
                   "\r\nFrom-Path: msrp://127.0.0.1:%d/alice1;tcp\r\n"
                   "Message-ID: bin1\r\nByte-Range: 1-5/5\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n",
                   auri.port, curi.port);
  char want[2048];
  snprintf(want, sizeof want,
           ">%s>[5 bytes of application/octet-stream]>\r\n-------tr4c3$\r\n"
           "<%s<[5 bytes of application/octet-stream]\r\n-------tr4c3$\r\n",
           head, head);
  (void)n;
  assert_string_equal(tracebuf, want);

  /* text is shown as it is */
  tracebuf[0] = '\0';
  assert_int_equal(msrp_transport_make_chunk(
                       &c, cr.t,
                       &(msrp_chunk_params){.transaction_id = "tr4c4",
                                            .message_id = "txt1",
                                            .data = "hi",
                                            .data_len = 2,
                                            .content_type = "text/plain"}),
                   0);
  assert_int_equal(msrp_transport_write_chunk_wait(cr.t, c), 0);
  msrp_chunk_free(c);
  assert_int_equal(
      msrp_transport_read_chunk_wait(ar.t, MSRP_READ_WHOLE, &got, NULL), 0);
  msrp_chunk_free(got);
  assert_non_null(strstr(tracebuf, ">hi>\r\n-------tr4c4$\r\n"));
  assert_non_null(strstr(tracebuf, "<hi<\r\n-------tr4c4$\r\n"));

  msrp_transport_free(ar.t);
  msrp_transport_free(cr.t);
  msrp_connector_free(acc);
  msrp_connector_free(con);
  msrp_path_clear(&ap.path);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&curi);
}

/* Host names are resolved off the loop: "localhost" reaches the acceptor
 * (which then refuses the binding, as its own URI names 127.0.0.1, not
 * localhost); a name that does not exist fails with MSRP_ERR_RESOLVE. */
static void test_resolve_names(void **state) {
  (void)state;
  msrp_connector *acc, *con;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  msrp_uri auri = MSRP_URI_INIT, curi = MSRP_URI_INIT, named = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, 0, "127.0.0.1", 0, "bob2", NULL), 0);
  assert_int_equal(msrp_uri_init(&curi, 0, "127.0.0.1", 0, NULL, NULL), 0);
  result ap, cp, ar = {0}, cr = {0};
  prepare(acc, &auri, &ap);
  prepare(con, &curi, &cp);
  assert_int_equal(
      msrp_uri_init(&named, 0, "localhost", auri.port, "bob2", NULL), 0);
  msrp_path np = {1, &named};
  assert_int_equal(msrp_connector_complete(acc, &cp.path, on_completed, &ar),
                   0);
  assert_int_equal(msrp_connector_complete(con, &np, on_completed, &cr), 0);
  wait_for(&cr.done);
  assert_int_equal(cr.status, MSRP_ERR_BIND_REFUSED);
  /* the acceptor refused that connection and waits for its real peer */
  assert_false(ar.done);
  msrp_connector_free(acc);
  wait_for(&ar.done);
  assert_int_equal(ar.status, MSRP_ERR_CANCELLED);
  msrp_connector_free(con);
  msrp_path_clear(&ap.path);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&named);

  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  msrp_uri_clear(&curi);
  assert_int_equal(msrp_uri_init(&curi, 0, "127.0.0.1", 0, NULL, NULL), 0);
  prepare(con, &curi, &cp);
  assert_int_equal(
      msrp_uri_init(&named, 0, "no-such-host.invalid", 2855, "x", NULL), 0);
  memset(&cr, 0, sizeof cr);
  assert_int_equal(msrp_connector_complete(con, &np, on_completed, &cr), 0);
  wait_for(&cr.done);
  assert_int_equal(cr.status, MSRP_ERR_RESOLVE);
  msrp_connector_free(con);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&named);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&curi);
}

/* A local host name: both ends prepare with "localhost" (resolved off the
 * loop), their paths keep the name, and they bind; an unknown local name
 * fails prepare() with MSRP_ERR_RESOLVE; a free while the name resolves
 * cancels. */
static void test_local_host_name(void **state) {
  (void)state;
  msrp_connector *acc, *con;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  msrp_uri auri = MSRP_URI_INIT, curi = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&auri, 0, "localhost", 0, NULL, NULL), 0);
  assert_int_equal(msrp_uri_init(&curi, 0, "localhost", 0, NULL, NULL), 0);
  result ap, cp, ar = {0}, cr = {0};
  prepare(acc, &auri, &ap);
  prepare(con, &curi, &cp);
  assert_int_equal(ap.status, 0);
  assert_int_equal(cp.status, 0);
  assert_string_equal(ap.path.uris[0].host, "localhost");
  assert_string_equal(cp.path.uris[0].host, "localhost");
  assert_true(ap.path.uris[0].port > 0);
  complete_both(acc, con, &ap, &cp, &ar, &cr);
  msrp_transport_free(cr.t);
  msrp_transport_free(ar.t);
  msrp_connector_free(acc);
  msrp_connector_free(con);
  msrp_path_clear(&ap.path);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&auri);
  msrp_uri_clear(&curi);

  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(
      msrp_uri_init(&auri, 0, "no-such-host.invalid", 0, NULL, NULL), 0);
  memset(&ap, 0, sizeof ap);
  assert_int_equal(msrp_connector_prepare(acc, &auri, on_prepared, &ap), 0);
  wait_for(&ap.done);
  assert_int_equal(ap.status, MSRP_ERR_RESOLVE);
  msrp_connector_free(acc);
  msrp_uri_clear(&auri);

  assert_int_equal(msrp_get_acceptor(&acc, &loop, NULL), 0);
  assert_int_equal(msrp_uri_init(&auri, 0, "localhost", 0, NULL, NULL), 0);
  memset(&ap, 0, sizeof ap);
  assert_int_equal(msrp_connector_prepare(acc, &auri, on_prepared, &ap), 0);
  msrp_connector_free(acc);
  wait_for(&ap.done);
  assert_int_equal(ap.status, MSRP_ERR_CANCELLED);
  msrp_uri_clear(&auri);
}

/* A program built before msrp_connect_config.advertise_host existed
 * passes the size its headers gave the struct: what lies past it is not
 * read (here a host that would otherwise be advertised), and the field has
 * its default (the bound host). The same struct at today's size is
 * advertised. (docs/design.md, Compatibility) */
static void test_older_config_struct(void **state) {
  (void)state;
  msrp_connect_config cfg = {.advertise_host = "198.51.100.7"};
  static const size_t older = offsetof(msrp_connect_config, advertise_host);
  const size_t sizes[2] = {older, sizeof cfg};
  const char *const hosts[2] = {"127.0.0.1", "198.51.100.7"};
  for (int i = 0; i < 2; i++) {
    msrp_connector *c;
    assert_int_equal(msrp_get_acceptor_sized(&c, &loop, &cfg, sizes[i],
                                             sizeof(msrp_relay_config),
                                             sizeof(msrp_tls_config)),
                     0);
    msrp_uri u = MSRP_URI_INIT;
    assert_int_equal(msrp_uri_init(&u, 0, "127.0.0.1", 0, NULL, NULL), 0);
    result r;
    prepare(c, &u, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.path.uris[0].host, hosts[i]);
    msrp_connector_free(c);
    msrp_path_clear(&r.path);
    msrp_uri_clear(&u);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_older_config_struct, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_local_host_name, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_direct_tcp_ipv4, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_direct_tcp_ipv6, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_direct_tls_ipv4, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_direct_tls_ipv6, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_server_tcp_ipv4, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_server_tcp_ipv6, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_server_tls_ipv4, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_server_tls_ipv6, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_server_200_sessions, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_bind_wrong_to_path, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_bind_malformed, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_bind_raw_ok, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_bind_and_two_messages_at_once,
                                      loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_garbage_closes, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_disconnect_mid_chunk, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_disconnect_between_chunks,
                                      loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_bind_with_body, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_read_chunk_segments, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_tls_verify_and_fingerprint,
                                      loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_connect_refused, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_acceptor_bind_timeout_and_cancel,
                                      loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_free_cancels_reader, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_traffic_log, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_resolve_names, loop_setup,
                                      loop_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
