/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Hostile peers, over loopback sockets, each scripted in a thread
 * (peer.h): one that sends and never reads our answers, one session's peer
 * binding another session, whatever reaches an acceptor's port first, a
 * message cut into too many pieces, a 1xx response, and TLS peers with the
 * wrong certificate. Each would once have crashed nothing but cost a
 * session, memory without bound, or another session's data. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <msrp/connect.h>
#include <msrp/session.h>
#include <msrp/tls.h>

#include "loop.h"
#include "peer.h"

#define CERT(name) MSRP_CERT_DIR "/" name

static void failed(tthread *t, tpeer *p, const char *what) {
  snprintf(t->error, sizeof t->error, "%s: %s", what, p->error);
  t->result = -1;
}

/* Bind to `to` as `from` with an empty SEND and expect `code` back (and,
 * unless 200, the connection to close). */
static int bind_as(tpeer *p, const char *tid, const char *to, const char *from,
                   int code) {
  char send[1024], want[64], chunk[2048];
  snprintf(send, sizeof send,
           "MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
           "Message-ID: %s\r\nByte-Range: 1-0/0\r\n-------%s$\r\n",
           tid, to, from, tid, tid);
  snprintf(want, sizeof want, "-------%s$\r\n", tid);
  if (tp_writes(p, send) || tp_read_until(p, want, chunk, sizeof chunk))
    return -1;
  char start[64];
  snprintf(start, sizeof start, "MSRP %s %d ", tid, code);
  if (strncmp(chunk, start, strlen(start)) != 0) {
    snprintf(p->error, sizeof p->error, "wanted %d, got \"%.80s\"", code,
             chunk);
    return -1;
  }
  if (code != 200 && tp_read_close(p) != 1) {
    snprintf(p->error, sizeof p->error, "not closed after %d", code);
    return -1;
  }
  return 0;
}

/* ---- 1. a peer that never reads --------------------------------------- */

static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, rss = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &rss) != 2)
      rss = 0;
    fclose(f);
  }
  return rss * (size_t)sysconf(_SC_PAGESIZE);
}

typedef struct flood {
  int port;
  char to[256], from[128];
  atomic_bool blocked;   /* our writes stopped going through */
  atomic_ullong written; /* bytes of SENDs written */
} flood;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bind, then write small SENDs with Success-Report yes (each costs the
 * server a 200 and a REPORT) and never read: for at most 3 s, or until
 * the server has stopped reading for a whole second. */
static void flood_script(tthread *t) {
  flood *f = t->arg;
  tpeer p;
  t->result = -1;
  if (tp_connect(&p, f->port) || bind_as(&p, "fb1", f->to, f->from, 200)) {
    failed(t, &p, "binding");
    goto out;
  }
  struct timeval tv = {0, 200000};
  setsockopt(p.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  char batch[65536];
  size_t n = 0;
  unsigned long k = 0;
  double start = now_s(), stuck_since = 0;
  while (now_s() - start < 3.0) {
    n = 0;
    while (n + 512 < sizeof batch) {
      n += (size_t)snprintf(batch + n, sizeof batch - n,
                            "MSRP f%lu SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                            "Message-ID: fm%lu\r\nByte-Range: 1-1/1\r\n"
                            "Success-Report: yes\r\nContent-Type: text/plain"
                            "\r\n\r\nx\r\n-------f%lu$\r\n",
                            k, f->to, f->from, k, k);
      k++;
    }
    size_t off = 0;
    while (off < n && now_s() - start < 3.0) {
      ssize_t w = send(p.fd, batch + off, n - off, MSG_NOSIGNAL);
      if (w > 0) {
        off += (size_t)w;
        atomic_fetch_add(&f->written, (unsigned long long)w);
        stuck_since = 0;
        continue;
      }
      if (!stuck_since)
        stuck_since = now_s();
      else if (now_s() - stuck_since > 1.0 && !atomic_load(&f->blocked)) {
        atomic_store(&f->blocked, true);
        tt_notify(t);
      }
    }
    if (atomic_load(&f->blocked))
      break;
  }
  if (!atomic_load(&f->blocked)) {
    snprintf(t->error, sizeof t->error,
             "the server read everything for 3 s (%llu bytes)",
             (unsigned long long)atomic_load(&f->written));
    goto out;
  }
  /* held back: wait until the test has looked, then go */
  t->result = tt_wait_step(t, 1);
  if (t->result)
    snprintf(t->error, sizeof t->error, "never told to finish");
out:
  tt_notify(t);
  tp_close(&p);
}

typedef struct counted {
  int messages;
  int read_end;
} counted;

static void count_message(msrp_session *s, const msrp_message_info *m,
                          const uint8_t *body, size_t len, void *ud) {
  (void)s;
  (void)m;
  (void)body;
  (void)len;
  ((counted *)ud)->messages++;
}

static void on_server_done(msrp_server *s, int status, msrp_transport *t,
                           void *ud) {
  (void)s;
  result *r = ud;
  r->done = true;
  r->status = status;
  r->t = t;
}

typedef struct done_or_script {
  const bool *flag;
  const tthread *t;
} done_or_script;

static bool flag_or_script(const void *p) {
  const done_or_script *d = p;
  return *d->flag || tt_is_done(d->t);
}

/* Run the loop until *flag, or the script ended (then it failed: say
 * why). */
static void wait_done_or_script(const bool *flag, tthread *t) {
  done_or_script d = {flag, t};
  wait_until(flag_or_script, &d);
  if (!*flag) {
    tt_join(t, 5);
    fail_msg("peer script ended first: %s", t->error);
  }
}

static bool blocked_or_done(const void *p) {
  const tthread *t = p;
  const flood *f = t->arg;
  return atomic_load(&f->blocked) || tt_is_done(t);
}

/* RSS, sampled while the flood runs. */
static size_t rss_peak;
static void on_sample(uv_timer_t *h) {
  (void)h;
  size_t r = rss_bytes();
  if (r > rss_peak)
    rss_peak = r;
}

static const msrp_session_callbacks count_cbs = {.on_message = count_message};

static void test_peer_never_reads(void **state) {
  (void)state;
  msrp_server *srv;
  assert_int_equal(msrp_server_new(&srv, &loop, NULL), 0);
  msrp_uri ua = MSRP_URI_INIT, ub = MSRP_URI_INIT, atk = MSRP_URI_INIT,
           cb = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&ua, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &ua, NULL), 0);
  assert_int_equal(msrp_uri_init(&atk, 0, "127.0.0.1", 9, "attacker", NULL), 0);
  msrp_path apath = {1, &atk};
  result ra = {0}, rb = {0}, cr = {0}, cp;
  assert_int_equal(msrp_server_complete(srv, &apath, on_server_done, &ra), 0);
  /* session B: a well-behaved peer on the same server */
  assert_int_equal(msrp_uri_init(&ub, 0, "127.0.0.1", ua.port, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &ub, NULL), 0);
  msrp_connector *con;
  assert_int_equal(msrp_get_connector(&con, &loop, NULL), 0);
  assert_int_equal(msrp_uri_init(&cb, 0, "127.0.0.1", 0, NULL, NULL), 0);
  prepare(con, &cb, &cp);
  assert_int_equal(msrp_server_complete(srv, &cp.path, on_server_done, &rb), 0);
  msrp_path bpath = {1, &ub};
  assert_int_equal(msrp_connector_complete(con, &bpath, on_completed, &cr), 0);
  wait_for(&rb.done);
  wait_for(&cr.done);
  assert_int_equal(rb.status, 0);
  assert_int_equal(cr.status, 0);
  counted cb_in = {0}, b_in = {0}, a_in = {0};
  msrp_session *sb, *sc, *sa;
  assert_int_equal(msrp_session_new(&sb, rb.t, NULL, &count_cbs, &b_in), 0);
  assert_int_equal(msrp_session_new(&sc, cr.t, NULL, &count_cbs, &cb_in), 0);

  static flood f;
  memset(&f, 0, sizeof f);
  f.port = ua.port;
  msrp_uri_format(&ua, f.to, sizeof f.to);
  msrp_uri_format(&atk, f.from, sizeof f.from);
  size_t before = rss_bytes();
  rss_peak = before;
  static uv_timer_t sampler;
  uv_timer_init(&loop, &sampler);
  uv_timer_start(&sampler, on_sample, 20, 20);
  static tthread th;
  tt_start(&th, flood_script, &f);
  wait_for(&ra.done);
  assert_int_equal(ra.status, 0);
  assert_int_equal(msrp_session_new(&sa, ra.t, NULL, &count_cbs, &a_in), 0);
  wait_until_for(blocked_or_done, &th, 20);
  if (!atomic_load(&f.blocked)) {
    tt_join(&th, 5);
    fail_msg("peer script: %s", th.error);
  }
  /* the abuser is held back by TCP; session B still works */
  msrp_message_params mp = {
      .content_type = "text/plain", .data = "still here", .len = 10};
  assert_int_equal(msrp_session_send_message(sc, &mp, NULL, NULL, NULL), 0);
  const int *v[2] = {&b_in.messages, &(int){1}};
  (void)v;
  while (b_in.messages < 1 && !expired)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(b_in.messages, 1);
  on_sample(NULL);
  size_t queued = msrp_engine_queued_bytes(msrp_session_engine(sa));
  fprintf(stderr,
          "never-reading peer: wrote %.1f MB of SENDs (%d taken); RSS %.1f "
          "MiB before, peak %.1f MiB; answers queued %zu bytes\n",
          (double)atomic_load(&f.written) / 1e6, a_in.messages,
          (double)before / 1048576.0, (double)rss_peak / 1048576.0, queued);
  assert_true(queued <= 4 * (256u << 10));
#if !defined(__SANITIZE_ADDRESS__)
  /* the answers' bound (256 KiB by default) plus buffers: a few MiB */
  assert_true(rss_peak < before + (16u << 20));
#endif
  tt_grant(&th, 1);
  tt_join(&th, 20);
  assert_script(&th);
  uv_close((uv_handle_t *)&sampler, NULL);
  msrp_session_free(sa);
  msrp_session_free(sb);
  msrp_session_free(sc);
  msrp_connector_free(con);
  msrp_server_free(srv);
  msrp_path_clear(&cp.path);
  msrp_uri_clear(&ua);
  msrp_uri_clear(&ub);
  msrp_uri_clear(&atk);
  msrp_uri_clear(&cb);
}

/* ---- 2. one session's peer binding another ----------------------------- */

typedef struct hijack {
  int port;
  char a[256], b[256], pa[128], pb[128];
} hijack;

static void hijack_script(tthread *t) {
  hijack *h = t->arg;
  tpeer p;
  t->result = -1;
  /* B's genuine peer knows A's remote path (it travels in SDP) and binds
   * B's URI with it */
  if (tp_connect(&p, h->port) || bind_as(&p, "hj1", h->b, h->pa, 481)) {
    failed(t, &p, "the hijack");
    goto out;
  }
  tp_close(&p);
  /* A's real peer binds A; B's binds B */
  if (tp_connect(&p, h->port) || bind_as(&p, "ra1", h->a, h->pa, 200)) {
    failed(t, &p, "A's peer");
    goto out;
  }
  tpeer q;
  if (tp_connect(&q, h->port) || bind_as(&q, "rb1", h->b, h->pb, 200)) {
    failed(t, &q, "B's peer");
    tp_close(&q);
    goto out;
  }
  /* a URI binds once: the same binding again is refused */
  tpeer again;
  if (tp_connect(&again, h->port) || bind_as(&again, "ra2", h->a, h->pa, 481)) {
    failed(t, &again, "binding A twice");
    tp_close(&again);
    tp_close(&q);
    goto out;
  }
  tp_close(&again);
  /* the server's cap on unbound connections (2 here): two silent ones
   * wait, a third is closed at once */
  tpeer quiet[2], third;
  for (int i = 0; i < 2; i++)
    if (tp_connect(&quiet[i], h->port)) {
      failed(t, &quiet[i], "a silent connection");
      tp_close(&q);
      goto out;
    }
  if (tp_connect(&third, h->port) || tp_read_close(&third) != 1) {
    failed(t, &third, "over the server's cap");
    tp_close(&q);
    goto out;
  }
  tp_close(&third);
  tp_close(&quiet[0]);
  tp_close(&quiet[1]);
  t->result = tt_wait_step(t, 1);
  tp_close(&q);
out:
  tp_close(&p);
}

static void test_server_hijack(void **state) {
  (void)state;
  msrp_server *srv;
  msrp_connect_config cfg = {.max_unbound = 2, .logger = test_logger()};
  assert_int_equal(msrp_server_new(&srv, &loop, &cfg), 0);
  msrp_uri ua = MSRP_URI_INIT, ub = MSRP_URI_INIT, pa = MSRP_URI_INIT,
           pb = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&ua, 0, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &ua, NULL), 0);
  assert_int_equal(msrp_uri_init(&ub, 0, "127.0.0.1", ua.port, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &ub, NULL), 0);
  assert_int_equal(msrp_uri_init(&pa, 0, "127.0.0.1", 7, "peer-of-a", NULL), 0);
  assert_int_equal(msrp_uri_init(&pb, 0, "127.0.0.1", 8, "peer-of-b", NULL), 0);
  msrp_path rpa = {1, &pa}, rpb = {1, &pb};
  result ra = {0}, rb = {0};
  /* which session is which cannot be guessed any more */
  assert_int_equal(msrp_server_complete(srv, &rpa, on_server_done, &ra),
                   MSRP_ERR_INVALID_ARGUMENT);
  assert_int_equal(
      msrp_server_complete_uri(srv, &ua, &rpa, NULL, on_server_done, &ra), 0);
  assert_int_equal(
      msrp_server_complete_uri(srv, &ub, &rpb, NULL, on_server_done, &rb), 0);
  assert_int_equal(
      msrp_server_complete_uri(srv, &ub, &rpb, NULL, on_server_done, &rb),
      MSRP_ERR_BUSY);
  static hijack h;
  h.port = ua.port;
  msrp_uri_format(&ua, h.a, sizeof h.a);
  msrp_uri_format(&ub, h.b, sizeof h.b);
  msrp_uri_format(&pa, h.pa, sizeof h.pa);
  msrp_uri_format(&pb, h.pb, sizeof h.pb);
  static tthread th;
  tt_start(&th, hijack_script, &h);
  wait_for(&ra.done);
  wait_for(&rb.done);
  assert_int_equal(ra.status, 0);
  assert_int_equal(rb.status, 0);
  /* each transport is its own session's, both ways */
  assert_true(msrp_uri_equal(&msrp_transport_local_path(ra.t)->uris[0], &ua));
  assert_true(msrp_path_equal(msrp_transport_remote_path(ra.t), &rpa));
  assert_true(msrp_uri_equal(&msrp_transport_local_path(rb.t)->uris[0], &ub));
  assert_true(msrp_path_equal(msrp_transport_remote_path(rb.t), &rpb));
  tt_grant(&th, 1);
  tt_join(&th, 20);
  assert_script(&th);
  msrp_transport_free(ra.t);
  msrp_transport_free(rb.t);
  msrp_server_free(srv);
  msrp_uri_clear(&ua);
  msrp_uri_clear(&ub);
  msrp_uri_clear(&pa);
  msrp_uri_clear(&pb);
}

/* ---- 3. whatever reaches an acceptor's port first ---------------------- */

typedef struct knock {
  int port;
  char acc[256], peer[128], tls;
  const char *cert, *key; /* the TLS client's certificate, per step */
} knock;

/* Garbage on a connection, which must then be closed. */
static int send_garbage(tpeer *p) {
  return tp_writes(p, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") ||
                 tp_read_close(p) != 1
             ? -1
             : 0;
}

static void knock_script(tthread *t) {
  knock *k = t->arg;
  tpeer silent, more[2], extra, scan, garbage, wrong, real;
  t->result = -1;
  /* a silent connection, and two more: the cap (3 here) is reached, and a
   * fourth connection is closed at once */
  if (tp_connect(&silent, k->port)) {
    failed(t, &silent, "silent");
    return;
  }
  for (int i = 0; i < 2; i++)
    if (tp_connect(&more[i], k->port)) {
      failed(t, &more[i], "filling the cap");
      goto out;
    }
  if (tp_connect(&extra, k->port) || tp_read_close(&extra) != 1) {
    failed(t, &extra, "over the cap");
    goto out;
  }
  tp_close(&extra);
  /* the two talk garbage: closed, their places free again */
  for (int i = 0; i < 2; i++) {
    if (send_garbage(&more[i])) {
      failed(t, &more[i], "garbage");
      goto out;
    }
    tp_close(&more[i]);
  }
  /* a port scan: connect, close */
  if (tp_connect(&scan, k->port)) {
    failed(t, &scan, "scan");
    goto out;
  }
  tp_close(&scan);
  if (tp_connect(&garbage, k->port) || send_garbage(&garbage)) {
    failed(t, &garbage, "garbage");
    goto out;
  }
  tp_close(&garbage);
  /* a binding with another From-Path */
  if (tp_connect(&wrong, k->port) ||
      bind_as(&wrong, "wr1", k->acc, "msrp://127.0.0.1:9/intruder;tcp", 481)) {
    failed(t, &wrong, "wrong From-Path");
    tp_close(&wrong);
    goto out;
  }
  tp_close(&wrong);
  /* the real peer still binds */
  if (tp_connect(&real, k->port) ||
      bind_as(&real, "ok1", k->acc, k->peer, 200)) {
    failed(t, &real, "the real peer");
    tp_close(&real);
    goto out;
  }
  /* and the silent one is let go */
  if (tp_read_close(&silent) != 1) {
    failed(t, &silent, "the silent one after the bind");
    tp_close(&real);
    goto out;
  }
  t->result = tt_wait_step(t, 1);
  tp_close(&real);
out:
  tp_close(&silent);
}

static void test_acceptor_survives_first_comers(void **state) {
  (void)state;
  msrp_connect_config cfg = {.logger = test_logger(), .max_unbound = 3};
  msrp_connector *acc;
  assert_int_equal(msrp_get_acceptor(&acc, &loop, &cfg), 0);
  msrp_uri au = MSRP_URI_INIT, pu = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&au, 0, "127.0.0.1", 0, "acc", NULL), 0);
  result ap, ar = {0};
  prepare(acc, &au, &ap);
  assert_int_equal(msrp_uri_init(&pu, 0, "127.0.0.1", 9, "realpeer", NULL), 0);
  msrp_path pp = {1, &pu};
  assert_int_equal(msrp_connector_complete(acc, &pp, on_completed, &ar), 0);
  static knock k;
  memset(&k, 0, sizeof k);
  k.port = au.port;
  msrp_uri_format(&au, k.acc, sizeof k.acc);
  msrp_uri_format(&pu, k.peer, sizeof k.peer);
  static tthread th;
  tt_start(&th, knock_script, &k);
  wait_done_or_script(&ar.done, &th);
  assert_int_equal(ar.status, 0);
  assert_non_null(ar.t);
  tt_grant(&th, 1);
  tt_join(&th, 20);
  assert_script(&th);
  msrp_transport_free(ar.t);
  msrp_connector_free(acc);
  msrp_path_clear(&ap.path);
  msrp_uri_clear(&au);
  msrp_uri_clear(&pu);
}

/* ---- a bound pair: our session on an acceptor, a scripted peer --------- */

typedef struct bound {
  int port;
  char acc[256], peer[128];
  int tls; /* 1: TLS with `cert` (NULL: none) as the client's certificate */
  const char *cert, *key;
  void (*then)(tthread *t, tpeer *p); /* after binding */
} bound;

static void bound_script(tthread *t) {
  bound *b = t->arg;
  tpeer p;
  t->result = -1;
  if (tp_connect(&p, b->port) ||
      (b->tls && tp_tls_client(&p, b->cert, b->key)) ||
      bind_as(&p, "bd1", b->acc, b->peer, 200)) {
    failed(t, &p, "binding");
    tp_close(&p);
    return;
  }
  t->result = 0;
  b->then(t, &p);
  tp_close(&p);
}

typedef struct pair_acc {
  msrp_connector *acc;
  msrp_uri au, pu;
  result ap, ar;
} pair_acc;

static void acceptor_for(pair_acc *pa, int tls, bound *b) {
  static const msrp_tls_config server_tls = {.cert_file = CERT("server.pem"),
                                             .key_file = CERT("server.key")};
  msrp_connect_config cfg = {.logger = test_logger(),
                             .tls = tls ? &server_tls : NULL};
  memset(pa, 0, sizeof *pa);
  assert_int_equal(msrp_get_acceptor(&pa->acc, &loop, &cfg), 0);
  pa->au = (msrp_uri)MSRP_URI_INIT;
  pa->pu = (msrp_uri)MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&pa->au, tls, "127.0.0.1", 0, "acc", NULL), 0);
  prepare(pa->acc, &pa->au, &pa->ap);
  assert_int_equal(
      msrp_uri_init(&pa->pu, tls, "127.0.0.1", 9, "scripted", NULL), 0);
  b->port = pa->au.port;
  b->tls = tls;
  msrp_uri_format(&pa->au, b->acc, sizeof b->acc);
  msrp_uri_format(&pa->pu, b->peer, sizeof b->peer);
}

static void acceptor_complete(pair_acc *pa) {
  msrp_path pp = {1, &pa->pu};
  assert_int_equal(msrp_connector_complete(pa->acc, &pp, on_completed, &pa->ar),
                   0);
}

static void acceptor_end(pair_acc *pa) {
  msrp_connector_free(pa->acc);
  msrp_path_clear(&pa->ap.path);
  msrp_uri_clear(&pa->au);
  msrp_uri_clear(&pa->pu);
}

/* An acceptor, and a scripted peer that binds to it and then runs `then`;
 * returns once bound (the transport is pa->ar.t). */
static void bind_scripted(pair_acc *pa, bound *b, tthread *th,
                          void (*then)(tthread *t, tpeer *p)) {
  memset(b, 0, sizeof *b);
  acceptor_for(pa, 0, b);
  acceptor_complete(pa);
  b->then = then;
  tt_start(th, bound_script, b);
  wait_done_or_script(&pa->ar.done, th);
  assert_int_equal(pa->ar.status, 0);
}

/* ---- 4. a message cut into more pieces than are tracked ---------------- */

/* 4097 one-byte chunks of one message, with a gap after each, so that no
 * two merge: the first 4096 get 200, the next 413 (not 200 and a silent
 * drop), and so does any later chunk of that message. */
static void pieces_then(tthread *t, tpeer *p) {
  bound *b = t->arg;
  static char buf[1 << 16];
  size_t n = 0;
  int first = 0;
  for (int i = 0; i <= 4097; i++) {
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "MSRP pc%d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                          "Message-ID: cut\r\nByte-Range: %d-%d/20000\r\n"
                          "Content-Type: text/plain\r\n\r\nx\r\n"
                          "-------pc%d+\r\n",
                          i, b->acc, b->peer, 2 * i + 1, 2 * i + 1, i);
    if (n < sizeof buf - 1024 && i < 4097)
      continue;
    /* a batch, then its answers, in order: no buffer fills up */
    if (tp_write(p, buf, n)) {
      failed(t, p, "writing");
      return;
    }
    n = 0;
    for (int j = first; j <= i; j++) {
      char want[64], got[1024], start[64];
      snprintf(want, sizeof want, "-------pc%d$\r\n", j);
      snprintf(start, sizeof start, "MSRP pc%d %s", j,
               j < 4096 ? "200 OK\r\n" : "413 ");
      if (tp_read_until(p, want, got, sizeof got)) {
        failed(t, p, "reading answers");
        return;
      }
      if (!strstr(got, start)) {
        snprintf(t->error, sizeof t->error, "wanted \"%s\", got \"%.60s\"",
                 start, got);
        t->result = -1;
        return;
      }
    }
    first = i + 1;
  }
}

static void test_too_many_pieces(void **state) {
  (void)state;
  static bound b;
  static tthread th;
  pair_acc pa;
  bind_scripted(&pa, &b, &th, pieces_then);
  msrp_session *s;
  /* whole messages only up to 16 bytes here: this one is streamed */
  msrp_session_config sc = {.whole_max = 16};
  assert_int_equal(msrp_session_new(&s, pa.ar.t, &sc, NULL, NULL), 0);
  tt_join(&th, 60);
  assert_script(&th);
  msrp_session_free(s);
  acceptor_end(&pa);
}

/* ---- 5. a 1xx response is not a success -------------------------------- */

static void answer_1xx_then(tthread *t, tpeer *p) {
  char chunk[2048], tid[64], ours[256], me[128];
  if (tp_read_until(p, "$\r\n", chunk, sizeof chunk)) {
    failed(t, p, "reading our SEND");
    return;
  }
  tp_tid(chunk, tid, sizeof tid);
  tp_header(chunk, "From-Path", ours, sizeof ours);
  tp_header(chunk, "To-Path", me, sizeof me);
  char out[1024];
  snprintf(out, sizeof out,
           "MSRP %s 100 Trying\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
           "-------%s$\r\n",
           tid, ours, me, tid);
  if (tp_writes(p, out) || tt_wait_step(t, 1))
    failed(t, p, "answering");
}

typedef struct outcome {
  bool done;
  int status, code;
} outcome;

static void on_outcome(msrp_session *s, const char *id, int status, int code,
                       const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)comment;
  outcome *o = ud;
  o->done = true;
  o->status = status;
  o->code = code;
}

static void test_1xx_response(void **state) {
  (void)state;
  static bound b;
  static tthread th;
  pair_acc pa;
  bind_scripted(&pa, &b, &th, answer_1xx_then);
  msrp_session *s;
  assert_int_equal(msrp_session_new(&s, pa.ar.t, NULL, NULL, NULL), 0);
  outcome o = {0};
  msrp_message_params mp = {
      .content_type = "text/plain", .data = "hello", .len = 5};
  assert_int_equal(msrp_session_send_message(s, &mp, on_outcome, &o, NULL), 0);
  wait_done_or_script(&o.done, &th);
  /* reported with its code, as a failure: never "200 OK" */
  assert_int_equal(o.status, 0);
  assert_int_equal(o.code, 100);
  tt_grant(&th, 1);
  tt_join(&th, 20);
  assert_script(&th);
  msrp_session_free(s);
  acceptor_end(&pa);
}

/* ---- 6. TLS both ways: the caller's certificate against the SDP -------- */

typedef struct certs_try {
  int port;
  char acc[256], peer[128];
} certs_try;

/* Three callers: with a certificate the SDP does not name, with none, and
 * with the right one; only the last binds. */
static void certs_script(tthread *t) {
  certs_try *c = t->arg;
  static const struct {
    const char *cert, *key;
    int code;
  } tries[] = {{CERT("rogue.pem"), CERT("rogue.key"), 481},
               {NULL, NULL, 481},
               {CERT("server.pem"), CERT("server.key"), 200}};
  tpeer p[3];
  t->result = -1;
  for (int i = 0; i < 3; i++) {
    char tid[16];
    snprintf(tid, sizeof tid, "ct%d", i);
    if (tp_connect(&p[i], c->port) ||
        tp_tls_client(&p[i], tries[i].cert, tries[i].key) ||
        bind_as(&p[i], tid, c->acc, c->peer, tries[i].code)) {
      char what[32];
      snprintf(what, sizeof what, "caller %d", i);
      failed(t, &p[i], what);
      for (int j = 0; j <= i; j++)
        tp_close(&p[j]);
      return;
    }
  }
  t->result = tt_wait_step(t, 1);
  for (int i = 0; i < 3; i++)
    tp_close(&p[i]);
}

static void test_acceptor_checks_caller_certificate(void **state) {
  (void)state;
  static bound b;
  memset(&b, 0, sizeof b);
  pair_acc pa;
  acceptor_for(&pa, 1, &b);
  char fp[128];
  assert_int_equal(msrp_tls_fingerprint_file(CERT("server.pem"), fp, sizeof fp),
                   0);
  assert_int_equal(msrp_connector_set_peer_fingerprint(pa.acc, fp), 0);
  acceptor_complete(&pa);
  static certs_try c;
  c.port = b.port;
  snprintf(c.acc, sizeof c.acc, "%s", b.acc);
  snprintf(c.peer, sizeof c.peer, "%s", b.peer);
  static tthread th;
  tt_start(&th, certs_script, &c);
  wait_done_or_script(&pa.ar.done, &th);
  assert_int_equal(pa.ar.status, 0);
  tt_grant(&th, 1);
  tt_join(&th, 20);
  assert_script(&th);
  msrp_transport_free(pa.ar.t);
  acceptor_end(&pa);
}

/* The same for an MSRPServer session: complete_uri() with the caller's
 * fingerprint. */
static void test_server_checks_caller_certificate(void **state) {
  (void)state;
  static const msrp_tls_config server_tls = {.cert_file = CERT("server.pem"),
                                             .key_file = CERT("server.key")};
  msrp_connect_config cfg = {.tls = &server_tls, .logger = test_logger()};
  msrp_server *srv;
  assert_int_equal(msrp_server_new(&srv, &loop, &cfg), 0);
  msrp_uri su = MSRP_URI_INIT, pu = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&su, 1, "127.0.0.1", 0, NULL, NULL), 0);
  assert_int_equal(msrp_server_prepare(srv, &su, NULL), 0);
  assert_int_equal(msrp_uri_init(&pu, 1, "127.0.0.1", 9, "caller", NULL), 0);
  msrp_path pp = {1, &pu};
  char fp[128];
  assert_int_equal(msrp_tls_fingerprint_file(CERT("server.pem"), fp, sizeof fp),
                   0);
  result r = {0};
  assert_int_equal(msrp_server_complete_uri(srv, &su, &pp, "sha-256 nonsense",
                                            on_server_done, &r),
                   MSRP_ERR_TLS_CONFIG);
  assert_int_equal(
      msrp_server_complete_uri(srv, &su, &pp, fp, on_server_done, &r), 0);
  static certs_try c;
  c.port = su.port;
  msrp_uri_format(&su, c.acc, sizeof c.acc);
  msrp_uri_format(&pu, c.peer, sizeof c.peer);
  static tthread th;
  tt_start(&th, certs_script, &c);
  wait_done_or_script(&r.done, &th);
  assert_int_equal(r.status, 0);
  tt_grant(&th, 1);
  tt_join(&th, 20);
  assert_script(&th);
  msrp_transport_free(r.t);
  msrp_server_free(srv);
  msrp_uri_clear(&su);
  msrp_uri_clear(&pu);
}

/* ---- 7. closing with the peer's bytes unread ------------------------- */

/* A socket closed with unread input is reset, not closed: the peer may
 * drop what we wrote last with it (a relay that sees the reset before it
 * reads loses our final REPORTs). The peer here sends bytes we never
 * read (no reader is set), then reads our last write and waits for the
 * close: an orderly one, not a reset. */
static atomic_bool unread_sent;

static void unread_then(tthread *t, tpeer *p) {
  if (tp_writes(p, "MSRP un1 SEND\r\nTo-Path: msrp://x/y;tcp\r\n"
                   "From-Path: msrp://z/w;tcp\r\n-------un1$\r\n")) {
    failed(t, p, "writing what is never read");
    return;
  }
  atomic_store(&unread_sent, true);
  tt_notify(t); /* the loop thread waits for that */
  char last[64];
  if (tp_read_until(p, "last words\n", last, sizeof last)) {
    failed(t, p, "reading our last write");
    return;
  }
  /* tp_read_close() takes a reset for a close: look at it here */
  char c;
  errno = 0;
  ssize_t n = p->nin ? 1 : recv(p->fd, &c, 1, 0);
  if (n != 0) {
    snprintf(p->error, sizeof p->error,
             "after our last write: %s, not an orderly close",
             n < 0 ? strerror(errno) : "more bytes");
    failed(t, p, "waiting for the close");
  }
}

static bool unread_arrived(const void *p) {
  (void)p;
  return atomic_load(&unread_sent);
}

static void on_last_written(msrp_transport *t, int status, void *ud) {
  (void)t;
  assert_int_equal(status, 0);
  *(bool *)ud = true;
}

static void test_close_with_unread_input(void **state) {
  (void)state;
  static bound b;
  static tthread th;
  pair_acc pa;
  atomic_store(&unread_sent, false);
  bind_scripted(&pa, &b, &th, unread_then);
  wait_until(unread_arrived, NULL);
  bool written = false;
  assert_int_equal(msrp_transport_write(pa.ar.t, "last words\n", 11,
                                        on_last_written, &written),
                   0);
  wait_done_or_script(&written, &th);
  msrp_transport_free(pa.ar.t);
  tt_join(&th, 20);
  assert_script(&th);
  acceptor_end(&pa);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, loop_setup, loop_teardown)
  const struct CMUnitTest tests[] = {
      T(test_peer_never_reads),
      T(test_server_hijack),
      T(test_acceptor_survives_first_comers),
      T(test_too_many_pieces),
      T(test_1xx_response),
      T(test_acceptor_checks_caller_certificate),
      T(test_server_checks_caller_certificate),
      T(test_close_with_unread_input),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
