/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Sessions over real loopback sockets: msrp_session on both ends of a bound
 * pair (ConnectorDirect "A" <-> AcceptorDirect "B" on 127.0.0.1), or on one
 * end with a raw socket peer that speaks MSRP bytes by hand. Messages,
 * reports, deliver_chunk, response timeouts, the GreenMSRPSession queue,
 * backpressure, abort, refusal (413), shutdown and interrupted chunks.
 * Nothing sleeps: every wait runs the loop until the awaited callback has
 * run, bounded by a watchdog timer. MSRP_TEST_LOG=1 logs and traces to
 * stderr; MSRP_TEST_WIRE=1 prints what the wire parser of the abort and
 * interrupted-chunk tests saw. */
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

#include "loop.h"

/* Let callbacks already due (closes, zero timers) run, without blocking. */
static void drain(void) {
  for (int i = 0; i < 100; i++)
    uv_run(&loop, UV_RUN_NOWAIT);
}

/* ---- a bound pair: A connects, B accepts ------------------------------- */

typedef struct pair {
  bound_pair bp;
  msrp_transport *a, *b; /* A: the connecting side, B: the accepting one */
} pair;

/* `a_logger`: the logger of A's connector (NULL: test_logger()). */
static void pair_start(pair *p, const msrp_logger *a_logger) {
  bound_pair_open(&p->bp, a_logger);
  p->a = p->bp.cr.t;
  p->b = p->bp.ar.t;
}

/* After the sessions (which own the transports) are freed. */
static void pair_end(pair *p) {
  bound_pair_close(&p->bp);
}

/* ---- one session's observations ----------------------------------------- */

/* A body pattern that a shifted or misplaced byte breaks, made of letters
 * (so that a wire trace can tell bodies from heads and end-lines). */
static uint8_t pat(uint64_t o) {
  return (uint8_t)('a' + ((o ^ (o >> 8) ^ (o >> 16)) % 26));
}

typedef struct side {
  msrp_session *s;
  /* whole messages (on_message) */
  int n_messages;
  char body[8][128];
  size_t body_len[8];
  char ctype[8][64];
  char mid[8][260];
  uint64_t mtotal[8];
  bool got_messages; /* n_messages >= want_messages */
  int want_messages;
  /* large messages */
  int n_start, n_end, end_status;
  char start_mid[260], end_mid[260];
  uint64_t start_total;
  uint64_t data_bytes; /* body bytes through on_message_data */
  bool data_ok;        /* every byte matched pat(offset) */
  uint64_t want_data;  /* got_data turns true once this many came */
  bool got_data;
  bool got_end;
  bool refuse_on_start;
  int refuse_rc;
  /* reports */
  int n_reports;
  msrp_report_info report; /* the last one (chunk pointer not kept) */
  char report_mid[260];
  bool got_complete_report;
  /* reading ended */
  int n_read_end;
  int read_end_status;
  bool read_ended;
  char order[256]; /* what happened, in order */
} side;

static void note(side *sd, const char *what) {
  size_t n = strlen(sd->order);
  snprintf(sd->order + n, sizeof sd->order - n, "%s%s", n ? " " : "", what);
}

static void on_message(msrp_session *s, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  side *sd = ud;
  assert_ptr_equal(s, sd->s); /* the callbacks receive the session */
  int i = sd->n_messages++;
  assert_true(i < 8);
  assert_true(len < sizeof sd->body[i]);
  memcpy(sd->body[i], body, len);
  sd->body[i][len] = '\0';
  sd->body_len[i] = len;
  snprintf(sd->ctype[i], sizeof sd->ctype[i], "%s",
           m->content_type ? m->content_type : "(none)");
  snprintf(sd->mid[i], sizeof sd->mid[i], "%s", m->message_id);
  sd->mtotal[i] = m->total;
  if (sd->n_messages >= sd->want_messages)
    sd->got_messages = true;
  note(sd, "message");
}

static void on_message_start(msrp_session *s, const msrp_message_info *m,
                             void *ud) {
  side *sd = ud;
  sd->n_start++;
  sd->data_ok = true;
  snprintf(sd->start_mid, sizeof sd->start_mid, "%s", m->message_id);
  sd->start_total = m->total;
  if (sd->refuse_on_start)
    sd->refuse_rc = msrp_session_refuse_message(s, m->message_id);
}

static void on_message_data(msrp_session *s, const msrp_message_info *m,
                            uint64_t off, const uint8_t *data, size_t len,
                            void *ud) {
  (void)s;
  (void)m;
  side *sd = ud;
  for (size_t i = 0; i < len; i++)
    if (data[i] != pat(off + i)) {
      sd->data_ok = false;
      break;
    }
  sd->data_bytes += len;
  if (sd->want_data && sd->data_bytes >= sd->want_data)
    sd->got_data = true;
}

static void on_message_end(msrp_session *s, const msrp_message_info *m,
                           int status, void *ud) {
  (void)s;
  side *sd = ud;
  sd->n_end++;
  sd->end_status = status;
  snprintf(sd->end_mid, sizeof sd->end_mid, "%s", m->message_id);
  sd->got_end = true;
  note(sd, "end");
}

static void on_report(msrp_session *s, const msrp_report_info *r, void *ud) {
  (void)s;
  side *sd = ud;
  sd->n_reports++;
  sd->report = *r;
  sd->report.chunk = NULL;
  sd->report.comment = NULL;
  snprintf(sd->report_mid, sizeof sd->report_mid, "%s", r->message_id);
  if (r->complete)
    sd->got_complete_report = true;
}

static void on_read_end(msrp_session *s, int status, void *ud) {
  side *sd = ud;
  assert_ptr_equal(s, sd->s);
  sd->n_read_end++;
  sd->read_end_status = status;
  sd->read_ended = true;
  note(sd, "read-end");
}

static const msrp_session_callbacks side_cbs = {
    .on_message = on_message,
    .on_message_start = on_message_start,
    .on_message_data = on_message_data,
    .on_message_end = on_message_end,
    .on_report = on_report,
};

static void side_start(side *sd, msrp_transport *t, msrp_session_config *cfg) {
  memset(sd, 0, sizeof *sd);
  msrp_session_config c = {0};
  if (cfg)
    c = *cfg;
  c.on_read_end = on_read_end;
  assert_int_equal(msrp_session_new(&sd->s, t, &c, &side_cbs, sd), 0);
  assert_ptr_equal(msrp_session_transport(sd->s), t);
  assert_int_equal(msrp_session_read_status(sd->s), 0);
}

/* ---- one outgoing message's completion ---------------------------------- */

typedef struct sent {
  bool done;
  int calls;
  int status, code;
  char comment[80];
  char id[260];
  side *owner; /* its order log, if any */
  const char *label;
} sent;

static void on_sent(msrp_session *s, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)s;
  sent *r = ud;
  r->calls++;
  r->done = true;
  r->status = status;
  r->code = code;
  snprintf(r->comment, sizeof r->comment, "%s", comment ? comment : "");
  assert_string_equal(id, r->id);
  if (r->owner)
    note(r->owner, r->label);
}

static void send_text(side *sd, const char *text, msrp_report_mode sr,
                      sent *r) {
  const char *id = NULL;
  assert_int_equal(msrp_session_send_message(sd->s,
                                             &(msrp_message_params){
                                                 .content_type = "text/plain",
                                                 .data = text,
                                                 .len = strlen(text),
                                                 .success_report = sr,
                                             },
                                             on_sent, r, &id),
                   0);
  assert_non_null(id);
  snprintf(r->id, sizeof r->id, "%s", id);
}

/* A body pulled from a provider, counted. */
typedef struct provider {
  uint64_t size;
  uint64_t calls;
  uint64_t bytes;
  uint64_t want_calls; /* reached turns true at this many calls */
  bool reached;
} provider;

static ssize_t provide(uint64_t offset, uint8_t *buf, size_t len, void *ud) {
  provider *p = ud;
  assert_int_equal(offset, p->bytes); /* asked in order, never twice */
  assert_true(len > 0);
  if (offset + len > p->size)
    len = (size_t)(p->size - offset);
  for (size_t i = 0; i < len; i++)
    buf[i] = pat(offset + i);
  p->calls++;
  p->bytes += len;
  if (p->want_calls && p->calls >= p->want_calls)
    p->reached = true;
  return (ssize_t)len;
}

static void send_large(side *sd, provider *pv, uint64_t size, sent *r) {
  memset(pv, 0, sizeof *pv);
  pv->size = size;
  const char *id = NULL;
  assert_int_equal(msrp_session_send_message(sd->s,
                                             &(msrp_message_params){
                                                 .content_type = "text/plain",
                                                 .provider = provide,
                                                 .provider_ud = pv,
                                                 .size = size,
                                             },
                                             on_sent, r, &id),
                   0);
  assert_non_null(id);
  snprintf(r->id, sizeof r->id, "%s", id);
}

/* ---- 1. a small message, with a success REPORT -------------------------- */

static void test_send_message(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, NULL);

  static const char text[] = "Hi Bob, are you there?";
  const size_t n = strlen(text);
  sent r = {0};
  b.want_messages = 1;
  send_text(&a, text, MSRP_REPORT_ABSENT, &r);
  wait_for(&b.got_messages);
  assert_int_equal(b.n_messages, 1);
  assert_int_equal(b.body_len[0], n);
  assert_string_equal(b.body[0], text);
  assert_string_equal(b.ctype[0], "text/plain");
  assert_string_equal(b.mid[0], r.id);
  assert_int_equal(b.mtotal[0], n);
  wait_for(&r.done);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.code, 200);
  assert_string_equal(r.comment, "OK");

  /* Success-Report: yes: a REPORT for the whole message comes back */
  sent r2 = {0};
  static const char text2[] = "and a report, please";
  const size_t n2 = strlen(text2);
  b.want_messages = 2;
  b.got_messages = false;
  send_text(&a, text2, MSRP_REPORT_YES, &r2);
  wait_for(&b.got_messages);
  assert_string_equal(b.body[1], text2);
  assert_string_equal(b.mid[1], r2.id);
  wait_for(&r2.done);
  assert_int_equal(r2.status, 0);
  assert_int_equal(r2.code, 200);
  wait_for(&a.got_complete_report);
  assert_int_equal(a.n_reports, 1);
  assert_string_equal(a.report_mid, r2.id);
  assert_int_equal(a.report.code, 200);
  assert_int_equal(a.report.complete, 1);
  assert_int_equal(a.report.range.start, 1);
  assert_int_equal(a.report.range.end, n2);
  assert_int_equal(a.report.range.total, n2);
  /* nothing went the other way, nothing ended badly */
  assert_int_equal(a.n_messages, 0);
  assert_int_equal(b.n_reports, 0);
  assert_int_equal(b.n_end, 0);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r2.calls, 1);

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  pair_end(&p);
}

/* ---- a raw peer that reads, and answers if told to ---------------------- */

#define RAW_BUF (1 << 20)

typedef struct raw_peer {
  uv_tcp_t tcp;
  uv_connect_t req;
  bool connected;
  bool closed;
  char *got; /* RAW_BUF bytes; what comes after is counted, not kept */
  size_t got_len;
  uint64_t total_read;
  size_t want; /* have_want turns true once this many bytes came */
  bool have_want;
  bool eof;
  /* answering */
  int answer_code; /* 0: say nothing */
  const char *answer_comment;
  size_t scan;  /* where the next request starts in `got` */
  int requests; /* complete requests seen since scanning began */
  int answered;
  int port; /* the session's port, for the answer's From-Path */
} raw_peer;

static void raw_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf) {
  (void)n;
  raw_peer *p = h->data;
  static char sink[65536];
  if (p->got_len + 1 < RAW_BUF)
    *buf =
        uv_buf_init(p->got + p->got_len, (unsigned)(RAW_BUF - 1 - p->got_len));
  else
    *buf = uv_buf_init(sink, sizeof sink);
}

static void raw_write(raw_peer *p, const char *data) {
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)strlen(data));
  assert_int_equal(uv_try_write((uv_stream_t *)&p->tcp, &b, 1),
                   (int)strlen(data));
}

/* Every complete request after `scan`: count it, and answer it. */
static void raw_scan(raw_peer *p) {
  for (;;) {
    char *start = p->got + p->scan;
    if (p->got_len - p->scan < 5)
      return;
    assert_memory_equal(start, "MSRP ", 5);
    char *sp = memchr(start + 5, ' ', p->got_len - p->scan - 5);
    char *eol = strstr(start, "\r\n");
    if (!sp || !eol)
      return;
    char tid[64];
    assert_true(sp - start - 5 < (int)sizeof tid);
    memcpy(tid, start + 5, (size_t)(sp - start - 5));
    tid[sp - start - 5] = '\0';
    char endline[96];
    snprintf(endline, sizeof endline, "-------%s", tid);
    char *end = strstr(eol, endline);
    if (!end || strlen(end) < strlen(endline) + 3)
      return;
    p->scan = (size_t)(end - p->got) + strlen(endline) + 3;
    p->requests++;
    if (p->answer_code) {
      char resp[512];
      snprintf(resp, sizeof resp,
               "MSRP %s %d %s\r\nTo-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n"
               "From-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n-------%s$\r\n",
               tid, p->answer_code, p->answer_comment, p->port, tid);
      raw_write(p, resp);
      p->answered++;
    }
  }
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  raw_peer *p = s->data;
  if (n > 0) {
    p->total_read += (uint64_t)n;
    if (buf->base == p->got + p->got_len) {
      p->got_len += (size_t)n;
      p->got[p->got_len] = '\0';
      if (p->scan || p->answer_code)
        raw_scan(p);
    }
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
  p->got = malloc(RAW_BUF);
  assert_non_null(p->got);
  p->got[0] = '\0';
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

static void raw_closed(uv_handle_t *h) {
  ((raw_peer *)h->data)->closed = true;
}

static void raw_close(raw_peer *p) {
  uv_close((uv_handle_t *)&p->tcp, raw_closed);
  wait_for(&p->closed);
}

/* An acceptor whose peer is a raw socket that binds by hand. */
typedef struct raw_session {
  msrp_connector *acc;
  msrp_uri auri, ruri;
  msrp_path rpath;
  result ap, ar;
  raw_peer peer;
} raw_session;

#define TO_ACC "To-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n"
#define FROM_RAW "From-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"

/* Prepare, complete, connect the raw peer, bind; rs->ar.t is then the
 * session's transport to give to msrp_session_new. */
static void raw_session_start(raw_session *rs) {
  memset(rs, 0, sizeof *rs);
  msrp_connect_config cfg = {.logger = test_logger(), .bind_timeout_ms = 5000};
  assert_int_equal(msrp_get_acceptor(&rs->acc, &loop, &cfg), 0);
  rs->auri = (msrp_uri)MSRP_URI_INIT;
  rs->ruri = (msrp_uri)MSRP_URI_INIT;
  assert_int_equal(msrp_uri_init(&rs->auri, 0, "127.0.0.1", 0, "acc1", NULL),
                   0);
  prepare(rs->acc, &rs->auri, &rs->ap);
  assert_int_equal(msrp_uri_init(&rs->ruri, 0, "127.0.0.1", 2855, "raw1", NULL),
                   0);
  rs->rpath = (msrp_path){1, &rs->ruri};
  assert_int_equal(
      msrp_connector_complete(rs->acc, &rs->rpath, on_completed, &rs->ar), 0);
  raw_connect(&rs->peer, &rs->auri);
  rs->peer.port = rs->auri.port;

  char msg[512];
  snprintf(msg, sizeof msg,
           "MSRP b3nd SEND\r\n" TO_ACC FROM_RAW
           "Message-ID: m1\r\nByte-Range: 1-0/0\r\n-------b3nd$\r\n",
           rs->auri.port);
  raw_write(&rs->peer, msg);
  wait_for(&rs->ar.done);
  assert_int_equal(rs->ar.status, 0);
  char ok[512];
  snprintf(ok, sizeof ok,
           "MSRP b3nd 200 OK\r\nTo-Path: msrp://127.0.0.1:2855/raw1;tcp\r\n"
           "From-Path: msrp://127.0.0.1:%d/acc1;tcp\r\n-------b3nd$\r\n",
           rs->auri.port);
  rs->peer.want = strlen(ok);
  wait_for(&rs->peer.have_want);
  assert_string_equal(rs->peer.got, ok);
  /* what comes next are the session's requests */
  rs->peer.scan = rs->peer.got_len;
}

/* After the session (which owns the transport) is freed. */
static void raw_session_end(raw_session *rs) {
  if (!rs->peer.closed)
    raw_close(&rs->peer);
  free(rs->peer.got);
  msrp_connector_free(rs->acc);
  msrp_path_clear(&rs->ap.path);
  msrp_uri_clear(&rs->auri);
  msrp_uri_clear(&rs->ruri);
}

/* ---- 2. deliver_chunk ---------------------------------------------------- */

static msrp_chunk *make_text_chunk(msrp_session *s, const char *text,
                                   const char *failure_report) {
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_transport_make_chunk(
                       &c, msrp_session_transport(s),
                       &(msrp_chunk_params){.data = text,
                                            .data_len = strlen(text),
                                            .content_type = "text/plain"}),
                   0);
  if (failure_report)
    assert_int_equal(msrp_chunk_set_header(c, "Failure-Report", failure_report),
                     0);
  return c;
}

typedef struct delivered {
  bool done;
  int calls;
  int status;
  int code;
  bool had_response;
  char comment[80];
  char tid[64];
} delivered;

/* What a completion reported: the status and, when there was one, the
 * response (from deliver_chunk, or straight from the engine). */
static void record(delivered *d, int status, const msrp_chunk *resp) {
  d->calls++;
  d->done = true;
  d->status = status;
  d->had_response = resp != NULL;
  d->code = resp ? msrp_chunk_code(resp) : 0;
  snprintf(d->comment, sizeof d->comment, "%s",
           resp && msrp_chunk_comment(resp) ? msrp_chunk_comment(resp) : "");
  snprintf(d->tid, sizeof d->tid, "%s",
           resp ? msrp_chunk_transaction_id(resp) : "");
}

static void on_delivered(msrp_session *s, int status, const msrp_chunk *resp,
                         void *ud) {
  (void)s;
  record(ud, status, resp);
}

static void test_deliver_chunk_to_session(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, NULL);

  /* the blocking form: 0 and 200 */
  int code = -1;
  b.want_messages = 1;
  assert_int_equal(
      msrp_session_deliver_chunk_wait(
          a.s, make_text_chunk(a.s, "delivered, waiting", NULL), &code),
      0);
  assert_int_equal(code, 200);
  wait_for(&b.got_messages);
  assert_string_equal(b.body[0], "delivered, waiting");

  /* the callback form: 0 and the 200 itself */
  delivered d = {0};
  msrp_chunk *c = make_text_chunk(a.s, "delivered, called back", NULL);
  char tid[64];
  snprintf(tid, sizeof tid, "%s", msrp_chunk_transaction_id(c));
  b.want_messages = 2;
  b.got_messages = false;
  assert_int_equal(msrp_session_deliver_chunk(a.s, c, on_delivered, &d), 0);
  wait_for(&d.done);
  assert_int_equal(d.calls, 1);
  assert_int_equal(d.status, 0);
  assert_true(d.had_response);
  assert_int_equal(d.code, 200);
  assert_string_equal(d.tid, tid);
  wait_for(&b.got_messages);
  assert_string_equal(b.body[1], "delivered, called back");

  /* Failure-Report: no: done at once (from the loop), with no response */
  delivered dn = {0};
  b.want_messages = 3;
  b.got_messages = false;
  assert_int_equal(msrp_session_deliver_chunk(
                       a.s, make_text_chunk(a.s, "no answer wanted", "no"),
                       on_delivered, &dn),
                   0);
  assert_false(dn.done); /* never from inside the call */
  wait_for(&dn.done);
  assert_int_equal(dn.calls, 1);
  assert_int_equal(dn.status, 0);
  assert_false(dn.had_response);
  assert_int_equal(dn.code, 0);
  wait_for(&b.got_messages);
  assert_string_equal(b.body[2], "no answer wanted");

  code = -1;
  b.want_messages = 4;
  b.got_messages = false;
  assert_int_equal(
      msrp_session_deliver_chunk_wait(
          a.s, make_text_chunk(a.s, "no answer, waiting", "no"), &code),
      0);
  assert_int_equal(code, 0);
  wait_for(&b.got_messages);
  assert_string_equal(b.body[3], "no answer, waiting");
  assert_int_equal(dn.calls, 1);

  /* freed before the loop completes it: CANCELLED, once, in the free */
  delivered dc = {0};
  assert_int_equal(
      msrp_session_deliver_chunk(a.s, make_text_chunk(a.s, "never mind", "no"),
                                 on_delivered, &dc),
      0);
  msrp_session_free(a.s);
  assert_int_equal(dc.calls, 1);
  assert_int_equal(dc.status, MSRP_ERR_CANCELLED);
  a.s = NULL;

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  pair_end(&p);
}

static void test_deliver_chunk_481(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs);
  rs.peer.answer_code = 481;
  rs.peer.answer_comment = "Session Does Not Exist";
  side a;
  side_start(&a, rs.ar.t, NULL);
  rs.ar.t = NULL; /* the session's now */

  int code = -1;
  assert_int_equal(msrp_session_deliver_chunk_wait(
                       a.s, make_text_chunk(a.s, "to nobody", NULL), &code),
                   MSRP_ERR_TRANSACTION);
  assert_int_equal(code, 481);
  assert_int_equal(rs.peer.answered, 1);

  delivered d = {0};
  msrp_chunk *c = make_text_chunk(a.s, "to nobody, again", NULL);
  char tid[64];
  snprintf(tid, sizeof tid, "%s", msrp_chunk_transaction_id(c));
  assert_int_equal(msrp_session_deliver_chunk(a.s, c, on_delivered, &d), 0);
  wait_for(&d.done);
  assert_int_equal(d.calls, 1);
  assert_int_equal(d.status, MSRP_ERR_TRANSACTION);
  assert_true(d.had_response);
  assert_int_equal(d.code, 481);
  assert_string_equal(d.comment, "Session Does Not Exist");
  assert_string_equal(d.tid, tid);
  assert_int_equal(rs.peer.answered, 2);
  /* the SENDs the peer got were the chunks as made */
  assert_non_null(strstr(rs.peer.got, "\r\n\r\nto nobody\r\n-------"));
  assert_non_null(strstr(rs.peer.got, "\r\n\r\nto nobody, again\r\n-------"));

  msrp_session_free(a.s);
  drain();
  assert_int_equal(d.calls, 1);
  raw_session_end(&rs);
}

/* ---- 3. a peer that never answers ---------------------------------------- */

static void on_answer(msrp_session *s, int status, const msrp_chunk *resp,
                      void *ud) {
  (void)s;
  record(ud, status, resp);
}

static void test_response_timeout(void **state) {
  (void)state;
  raw_session rs;
  raw_session_start(&rs); /* the peer reads and says nothing */
  side a;
  side_start(&a, rs.ar.t, &(msrp_session_config){.response_timeout_ms = 200});
  rs.ar.t = NULL;

  static const struct {
    const char *fr; /* Failure-Report, NULL: none */
    int code;
    const char *comment;
  } cases[] = {
      {NULL, 408, "Request Timeout"},
      {"yes", 408, "Request Timeout"},
      {"partial", 200, "OK"},
      {"no", 200, "OK"},
  };
  enum { N = sizeof cases / sizeof cases[0] };
  delivered r[N];
  char tids[N][64];
  memset(r, 0, sizeof r);
  for (int i = 0; i < N; i++) {
    char text[64];
    snprintf(text, sizeof text, "nobody answers %d", i);
    msrp_chunk *c = make_text_chunk(a.s, text, cases[i].fr);
    snprintf(tids[i], sizeof tids[i], "%s", msrp_chunk_transaction_id(c));
    assert_int_equal(msrp_session_send_chunk(a.s, c, on_answer, &r[i]), 0);
  }
  for (int i = 0; i < N; i++) {
    wait_for(&r[i].done);
    assert_int_equal(r[i].calls, 1);
    assert_int_equal(r[i].status, 0);
    assert_true(r[i].had_response);
    assert_int_equal(r[i].code, cases[i].code);
    assert_string_equal(r[i].comment, cases[i].comment);
    assert_string_equal(r[i].tid, tids[i]);
  }
  /* the peer did get every request, and delivered none */
  assert_int_equal(rs.peer.requests, N);
  assert_int_equal(rs.peer.answered, 0);

  /* one more, still waiting when the session is freed: cancelled, once */
  delivered last = {0};
  assert_int_equal(
      msrp_session_send_chunk(a.s, make_text_chunk(a.s, "cut short", NULL),
                              on_answer, &last),
      0);
  msrp_session_free(a.s);
  drain();
  assert_int_equal(last.calls, 1);
  assert_int_equal(last.status, MSRP_ERR_CANCELLED);
  assert_false(last.had_response);
  for (int i = 0; i < N; i++)
    assert_int_equal(r[i].calls, 1);
  raw_session_end(&rs); /* teardown then checks the loop closes */
}

/* ---- 4. GreenMSRPSession: a queue of whole messages ---------------------- */

static void expect_queued(msrp_chunk *c, const char *text, const char *id) {
  assert_non_null(c);
  size_t len;
  const uint8_t *body = msrp_chunk_body(c, &len);
  assert_int_equal(len, strlen(text));
  assert_memory_equal(body, text, len);
  assert_string_equal(msrp_chunk_message_id(c), id);
  assert_string_equal(msrp_chunk_content_type(c), "text/plain");
  msrp_byte_range r;
  assert_int_equal(msrp_chunk_byte_range(c, &r), 0);
  assert_int_equal(r.start, 1);
  assert_int_equal(r.end, strlen(text));
  assert_int_equal(r.total, strlen(text));
  assert_int_equal(msrp_chunk_flag(c), MSRP_FLAG_END);
  msrp_chunk_free(c);
}

static void test_receive_queue(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, &(msrp_session_config){.queue_incoming = 1});

  sent r1 = {0}, r2 = {0};
  send_text(&a, "first in the queue", MSRP_REPORT_ABSENT, &r1);
  send_text(&a, "second in the queue", MSRP_REPORT_ABSENT, &r2);
  msrp_chunk *c = NULL;
  assert_int_equal(msrp_session_receive_message_wait(b.s, &c), 0);
  expect_queued(c, "first in the queue", r1.id);
  c = NULL;
  assert_int_equal(msrp_session_receive_message_wait(b.s, &c), 0);
  expect_queued(c, "second in the queue", r2.id);
  assert_int_equal(b.n_messages, 0); /* queued, not called back */
  wait_for(&r1.done);
  wait_for(&r2.done);
  assert_int_equal(r1.code, 200);
  assert_int_equal(r2.code, 200);

  /* the peer closes: receiving says so, and keeps saying so */
  msrp_session_free(a.s);
  c = NULL;
  assert_int_equal(msrp_session_receive_message_wait(b.s, &c),
                   MSRP_ERR_CONNECTION_CLOSED);
  assert_null(c);
  assert_int_equal(msrp_session_receive_message_wait(b.s, &c),
                   MSRP_ERR_CONNECTION_CLOSED);
  assert_int_equal(msrp_session_read_status(b.s), MSRP_ERR_CONNECTION_CLOSED);
  assert_int_equal(b.n_read_end, 1);
  assert_int_equal(b.read_end_status, MSRP_ERR_CONNECTION_CLOSED);
  msrp_session_free(b.s);
  pair_end(&p);
}

typedef struct receiving {
  int calls;
  int status;
  msrp_chunk *chunk;
} receiving;

static void on_received(msrp_session *s, int status, msrp_chunk *c, void *ud) {
  (void)s;
  receiving *r = ud;
  r->calls++;
  r->status = status;
  r->chunk = c;
}

static void test_receive_cancelled_by_free(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, &(msrp_session_config){.queue_incoming = 1});
  /* without queue_incoming there is nothing to receive from */
  receiving none = {0};
  assert_int_equal(msrp_session_receive_message(a.s, on_received, &none),
                   MSRP_ERR_INVALID_ARGUMENT);

  receiving r = {0};
  assert_int_equal(msrp_session_receive_message(b.s, on_received, &r), 0);
  assert_int_equal(msrp_session_receive_message(b.s, on_received, &r),
                   MSRP_ERR_BUSY);
  drain();
  assert_int_equal(r.calls, 0); /* nothing came */
  msrp_session_free(b.s);
  drain();
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.status, MSRP_ERR_CANCELLED);
  assert_null(r.chunk);
  msrp_session_free(a.s);
  drain();
  assert_int_equal(r.calls, 1);
  assert_int_equal(none.calls, 0);
  pair_end(&p);
}

/* ---- 5. backpressure on input -------------------------------------------- */

/* Progress watch: every 10 ms, compare the provider's count and A's write
 * queue with the last look; `stalled` once neither moved for `needed`
 * looks in a row. */
typedef struct stall {
  uv_timer_t timer;
  const uint64_t *counter;
  msrp_transport *t;
  uint64_t last;
  size_t last_q;
  int still, needed;
  bool stalled;
  bool closed;
} stall;

static void on_stall_tick(uv_timer_t *h) {
  stall *st = h->data;
  uint64_t now = *st->counter;
  size_t q = msrp_transport_write_queue_size(st->t);
  if (now == st->last && q == st->last_q) {
    if (++st->still >= st->needed) {
      st->stalled = true;
      uv_timer_stop(h);
    }
  } else {
    st->still = 0;
    st->last = now;
    st->last_q = q;
  }
}

static void on_stall_closed(uv_handle_t *h) {
  ((stall *)h->data)->closed = true;
}

static void wait_stalled(stall *st, const uint64_t *counter,
                         msrp_transport *t) {
  memset(st, 0, sizeof *st);
  st->counter = counter;
  st->t = t;
  st->last = *counter;
  st->last_q = msrp_transport_write_queue_size(t);
  st->needed = 30;
  uv_timer_init(&loop, &st->timer);
  st->timer.data = st;
  uv_timer_start(&st->timer, on_stall_tick, 10, 10);
  wait_for(&st->stalled);
  uv_close((uv_handle_t *)&st->timer, on_stall_closed);
  wait_for(&st->closed);
}

#define LARGE (64u << 20)

static void test_backpressure(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, NULL);

  msrp_session_pause(b.s);
  provider pv;
  sent r = {0};
  send_large(&a, &pv, LARGE, &r);
  stall st;
  wait_stalled(&st, &pv.calls, p.a);
  /* A is held back: the provider stopped being asked, the message is far
   * from done, and B has seen none of it */
  uint64_t held = pv.calls;
  assert_true(pv.calls > 0);
  assert_true(pv.bytes < LARGE);
  assert_false(r.done);
  assert_int_equal(b.n_start, 0);
  assert_int_equal(b.data_bytes, 0);
  /* and stays held */
  wait_stalled(&st, &pv.calls, p.a);
  assert_int_equal(pv.calls, held);
  assert_false(r.done);

  msrp_session_resume(b.s);
  wait_for(&b.got_end);
  assert_int_equal(b.n_start, 1);
  assert_int_equal(b.n_end, 1);
  assert_int_equal(b.end_status, 0);
  assert_string_equal(b.end_mid, r.id);
  assert_int_equal(b.start_total, LARGE);
  assert_int_equal(b.data_bytes, LARGE);
  assert_true(b.data_ok);
  wait_for(&r.done);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.code, 200);
  assert_int_equal(pv.bytes, LARGE);
  assert_int_equal(msrp_engine_queued_bytes(msrp_session_engine(a.s)), 0);

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  pair_end(&p);
}

/* ---- 7. refuse (413) ----------------------------------------------------- */

static void test_refuse_message(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, NULL);
  b.refuse_on_start = true;
  b.refuse_rc = -1;

  provider pv;
  sent r = {0};
  send_large(&a, &pv, 8u << 20, &r);
  wait_for(&r.done);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.code, 413);
  assert_int_equal(b.refuse_rc, 0);
  uint64_t stopped_at = pv.calls;
  assert_true(pv.bytes < 8u << 20);

  /* a small message after it goes through; the refused one sent no more */
  sent r2 = {0};
  b.want_messages = 1;
  send_text(&a, "after the refusal", MSRP_REPORT_ABSENT, &r2);
  wait_for(&b.got_messages);
  wait_for(&r2.done);
  assert_int_equal(r2.code, 200);
  assert_string_equal(b.body[0], "after the refusal");
  assert_int_equal(pv.calls, stopped_at);
  assert_int_equal(b.n_start, 1);
  assert_int_equal(b.n_end, 1);
  assert_int_equal(b.end_status, MSRP_ERR_MESSAGE_REFUSED);
  assert_string_equal(b.end_mid, r.id);
  assert_int_equal(r.calls, 1);

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  pair_end(&p);
}

/* ---- 8. shutdown --------------------------------------------------------- */

typedef struct closing {
  bool done;
  int calls;
  int sent_before; /* message callbacks run when the connection closed */
  side *owner;
  sent *r;
} closing;

static void on_closed(msrp_session *s, void *ud) {
  closing *c = ud;
  assert_ptr_equal(s, c->owner->s);
  c->calls++;
  c->done = true;
  c->sent_before = c->r[0].calls + c->r[1].calls + c->r[2].calls;
  note(c->owner, "closed");
}

static void test_shutdown(void **state) {
  (void)state;
  pair p;
  pair_start(&p, NULL);
  side a, b;
  side_start(&a, p.a, NULL);
  side_start(&b, p.b, NULL);

  static const char *const texts[3] = {"one", "two", "three"};
  static const char *const labels[3] = {"sent1", "sent2", "sent3"};
  sent r[3];
  memset(r, 0, sizeof r);
  for (int i = 0; i < 3; i++) {
    r[i].owner = &a;
    r[i].label = labels[i];
    send_text(&a, texts[i], MSRP_REPORT_ABSENT, &r[i]);
  }
  closing cl = {.owner = &a, .r = r};
  b.want_messages = 3;
  assert_int_equal(msrp_session_shutdown(a.s, on_closed, &cl), 0);
  assert_int_equal(msrp_session_shutdown(a.s, on_closed, &cl), MSRP_ERR_BUSY);
  /* nothing new is taken */
  sent late = {0};
  assert_int_equal(msrp_session_send_message(
                       a.s,
                       &(msrp_message_params){.content_type = "text/plain",
                                              .data = "late",
                                              .len = 4},
                       on_sent, &late, NULL),
                   MSRP_ERR_CLOSED);
  /* every message is delivered first ... */
  for (int i = 0; i < 3; i++)
    wait_for(&r[i].done);
  wait_for(&b.got_messages);
  /* ... then, with nothing left to write or to wait for, it closes */
  wait_for(&cl.done);
  assert_int_equal(cl.calls, 1);
  assert_int_equal(cl.sent_before, 3);
  assert_string_equal(a.order, "sent1 sent2 sent3 closed");
  for (int i = 0; i < 3; i++) {
    assert_int_equal(r[i].calls, 1);
    assert_int_equal(r[i].status, 0);
    assert_int_equal(r[i].code, 200);
  }
  wait_for(&b.got_messages);
  wait_for(&b.read_ended);
  assert_int_equal(b.n_messages, 3);
  for (int i = 0; i < 3; i++) {
    assert_string_equal(b.body[i], texts[i]);
    assert_string_equal(b.mid[i], r[i].id);
  }
  assert_int_equal(b.n_read_end, 1);
  assert_int_equal(b.read_end_status, MSRP_ERR_CONNECTION_CLOSED);
  assert_string_equal(b.order, "message message message read-end");
  assert_int_equal(late.calls, 0);

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  assert_int_equal(cl.calls, 1);
  pair_end(&p);
}

/* ---- 9. an interrupted chunk on the wire --------------------------------- */

/* A's outgoing wire, one chunk per entry: its head's fields, the body
 * bytes that followed, and its end-line's flag. The trace gives writes, and
 * a write may hold several chunks (small steps are gathered) or a part of
 * one, so the bytes go through a small parser of their own. It relies on
 * the bodies the tests send holding no CR. */
typedef struct wire_chunk {
  char tid[64];
  char method[16];
  char mid[64];
  char range[64];
  uint64_t body;
  char flag;
} wire_chunk;

static wire_chunk wire[4096];
static int nwire;
static bool wire_overflow, wire_confused;
static enum { W_START, W_HEADERS, W_BODY, W_BODY_CR, W_TAIL } wstate;
static char wline[1024];
static size_t wlen;

static void wire_reset(void) {
  nwire = 0;
  wire_overflow = wire_confused = false;
  wstate = W_START;
  wlen = 0;
}

/* Copy at most size - 1 bytes of `src` (n long) and a NUL. */
static void copy_str(char *dst, size_t size, const char *src, size_t n) {
  if (n >= size)
    n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static void wire_header(wire_chunk *w, const char *line) {
  static const struct {
    const char *name;
    size_t off;
    size_t size;
  } hs[] = {
      {"Message-ID: ", offsetof(wire_chunk, mid), sizeof wire[0].mid},
      {"Byte-Range: ", offsetof(wire_chunk, range), sizeof wire[0].range},
  };
  for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
    if (strncmp(line, hs[i].name, strlen(hs[i].name)) == 0)
      copy_str((char *)w + hs[i].off, hs[i].size, line + strlen(hs[i].name),
               strlen(line + strlen(hs[i].name)));
}

/* An end-line "-------" tid flag: the flag, or 0 if it is not one. */
static char wire_end_flag(const wire_chunk *w, const char *line) {
  size_t n = strlen(w->tid);
  if (strncmp(line, "-------", 7) || strncmp(line + 7, w->tid, n) ||
      strlen(line) != 7 + n + 1)
    return 0;
  return line[7 + n];
}

/* One complete line (CRLF stripped) in a state that reads lines. */
static void wire_line(const char *line) {
  wire_chunk *w = nwire ? &wire[nwire - 1] : NULL;
  switch (wstate) {
  case W_START: {
    if (strncmp(line, "MSRP ", 5)) {
      wire_confused = true;
      return;
    }
    if (nwire == (int)(sizeof wire / sizeof wire[0])) {
      wire_overflow = true;
      return;
    }
    w = &wire[nwire++];
    memset(w, 0, sizeof *w);
    const char *sp = strchr(line + 5, ' ');
    if (!sp) {
      wire_confused = true;
      return;
    }
    copy_str(w->tid, sizeof w->tid, line + 5, (size_t)(sp - line - 5));
    copy_str(w->method, sizeof w->method, sp + 1, strlen(sp + 1));
    wstate = W_HEADERS;
    return;
  }
  case W_HEADERS:
    if (!*line) {
      wstate = W_BODY; /* content-stuff follows */
    } else if ((w->flag = wire_end_flag(w, line))) {
      wstate = W_START; /* a chunk without content */
    } else {
      wire_header(w, line);
    }
    return;
  case W_TAIL:
    /* the CRLF that ends the body came first, then this */
    if (!(w->flag = wire_end_flag(w, line)))
      wire_confused = true;
    wstate = W_START;
    return;
  default:
    wire_confused = true;
  }
}

static void trace_wire(msrp_trace_dir dir, const char *peer, const char *data,
                       size_t len, void *ud) {
  (void)ud;
  (void)peer;
  if (dir != MSRP_TRACE_OUT)
    return;
  for (size_t i = 0; i < len; i++) {
    char ch = data[i];
    if (wstate == W_BODY) {
      if (ch == '\r')
        wstate = W_BODY_CR;
      else
        wire[nwire - 1].body++;
      continue;
    }
    if (wstate == W_BODY_CR) {
      /* the CRLF before the end-line */
      if (ch != '\n')
        wire_confused = true;
      wstate = W_TAIL;
      wlen = 0;
      continue;
    }
    if (wlen < sizeof wline - 1)
      wline[wlen++] = ch;
    if (ch == '\n') {
      if (wlen < 2 || wline[wlen - 2] != '\r') {
        wire_confused = true;
      } else {
        wline[wlen - 2] = '\0';
        wire_line(wline);
      }
      wlen = 0;
    }
  }
}

static void test_interrupted_chunk(void **state) {
  (void)state;
  wire_reset();
  msrp_logger lg = {0};
  lg.trace = trace_wire;
  pair p;
  pair_start(&p, &lg);
  side a, b;
  const size_t chunk_size = 4u << 20;
  const uint64_t size = 12u << 20;
  side_start(&a, p.a, &(msrp_session_config){.chunk_size = chunk_size});
  side_start(&b, p.b, NULL);

  provider pv;
  sent big = {0}, small = {0};
  send_large(&a, &pv, size, &big);
  pv.want_calls = 2; /* some of its first chunk is out */
  wait_for(&pv.reached);
  assert_true(pv.bytes < chunk_size);
  b.want_messages = 1;
  send_text(&a, "a small one, in between", MSRP_REPORT_ABSENT, &small);
  wait_for(&b.got_messages);
  wait_for(&b.got_end);
  wait_for(&small.done);
  wait_for(&big.done);
  assert_false(wire_overflow);
  assert_false(wire_confused);

  /* B got both intact */
  assert_string_equal(b.body[0], "a small one, in between");
  assert_string_equal(b.mid[0], small.id);
  assert_int_equal(b.n_end, 1);
  assert_int_equal(b.end_status, 0);
  assert_int_equal(b.data_bytes, size);
  assert_true(b.data_ok);
  assert_int_equal(small.code, 200);
  assert_int_equal(big.code, 200);

  if (getenv("MSRP_TEST_WIRE"))
    for (int k = 0; k < nwire; k++)
      fprintf(stderr, "wire %d: %s %s mid=%s range=%s body=%llu flag=%c\n", k,
              wire[k].tid, wire[k].method, wire[k].mid, wire[k].range,
              (unsigned long long)wire[k].body, wire[k].flag);
  /* A's wire: the binding SEND, then the big message's first chunk, cut
   * short with '+' ... */
  assert_true(nwire >= 4);
  assert_string_equal(wire[0].range, "1-0/0");
  int i = 1;
  char want[64];
  snprintf(want, sizeof want, "1-*/%llu", (unsigned long long)size);
  assert_string_equal(wire[i].method, "SEND");
  assert_string_equal(wire[i].mid, big.id);
  assert_string_equal(wire[i].range, want);
  assert_int_equal(wire[i].flag, '+');
  assert_true(wire[i].body > 0);
  assert_true(wire[i].body < chunk_size); /* interrupted, not full */
  assert_true(wire[i].body < size);
  uint64_t done = wire[i].body;
  /* ... the small message's SEND, whole ... */
  i++;
  assert_string_equal(wire[i].method, "SEND");
  assert_string_equal(wire[i].mid, small.id);
  snprintf(want, sizeof want, "1-%zu/%zu", strlen("a small one, in between"),
           strlen("a small one, in between"));
  assert_string_equal(wire[i].range, want);
  assert_int_equal(wire[i].body, strlen("a small one, in between"));
  assert_int_equal(wire[i].flag, '$');
  /* ... then the big one goes on where it stopped, to its end */
  for (i++; i < nwire; i++) {
    assert_string_equal(wire[i].method, "SEND");
    assert_string_equal(wire[i].mid, big.id);
    snprintf(want, sizeof want, "%llu-*/%llu", (unsigned long long)done + 1,
             (unsigned long long)size);
    assert_string_equal(wire[i].range, want);
    assert_true(wire[i].body <= chunk_size);
    done += wire[i].body;
    if (done < size)
      assert_int_equal(wire[i].flag, '+');
    else
      break;
  }
  assert_int_equal(done, size);
  assert_true(i < nwire);
  assert_int_equal(wire[i].flag, '$');
  assert_int_equal(i, nwire - 1);

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  pair_end(&p);
}

/* ---- 6. abort (after the wire parser, which it uses too) ----------------- */

/* The last chunk of message `id` on A's wire, or NULL. */
static const wire_chunk *last_wire_chunk_of(const char *id) {
  for (int i = nwire - 1; i >= 0; i--)
    if (strcmp(wire[i].mid, id) == 0)
      return &wire[i];
  return NULL;
}

static void abort_after_some(size_t chunk_size) {
  wire_reset();
  msrp_logger lg = {0};
  lg.trace = trace_wire;
  pair p;
  pair_start(&p, &lg);
  side a, b;
  side_start(&a, p.a, &(msrp_session_config){.chunk_size = chunk_size});
  side_start(&b, p.b, NULL);

  provider pv;
  sent r = {0};
  send_large(&a, &pv, LARGE, &r);
  b.want_data = 1u << 20;
  wait_for(&b.got_data);
  assert_int_equal(b.n_start, 1);
  assert_false(r.done);
  assert_int_equal(msrp_session_abort_message(a.s, r.id), 0);
  wait_for(&r.done);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.status, MSRP_ERR_MESSAGE_ABORTED);
  assert_true(pv.bytes < LARGE);
  /* A's wire: the message's last chunk ended with '#' (RFC 4975 7.1.1),
   * which is all B can learn the abort from */
  assert_false(wire_overflow);
  assert_false(wire_confused);
  const wire_chunk *last = last_wire_chunk_of(r.id);
  assert_non_null(last);
  if (getenv("MSRP_TEST_WIRE"))
    fprintf(stderr, "last chunk of %s: range=%s body=%llu flag=%c\n", r.id,
            last->range, (unsigned long long)last->body, last->flag);
  assert_int_equal(last->flag, MSRP_FLAG_ABORT);
  wait_for(&b.got_end);
  assert_int_equal(b.n_end, 1);
  assert_int_equal(b.end_status, MSRP_ERR_MESSAGE_ABORTED);
  assert_string_equal(b.end_mid, r.id);
  assert_true(b.data_ok);
  /* gone: it cannot be aborted twice */
  assert_int_equal(msrp_session_abort_message(a.s, r.id), MSRP_ERR_NOT_FOUND);

  msrp_session_free(a.s);
  msrp_session_free(b.s);
  assert_int_equal(r.calls, 1);
  pair_end(&p);
}

/* The default chunk size (64 KiB): the abort finds the message between
 * chunks or with a whole chunk in flight. */
static void test_abort_message(void **state) {
  (void)state;
  abort_after_some(0);
}

/* Chunks of 16 MiB: the abort finds a chunk open on the wire. */
static void test_abort_message_mid_chunk(void **state) {
  (void)state;
  abort_after_some(16u << 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_send_message, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_deliver_chunk_to_session, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_deliver_chunk_481, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_response_timeout, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_receive_queue, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_receive_cancelled_by_free,
                                      loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_backpressure, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_abort_message, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_abort_message_mid_chunk, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_refuse_message, loop_setup,
                                      loop_teardown),
      cmocka_unit_test_setup_teardown(test_shutdown, loop_setup, loop_teardown),
      cmocka_unit_test_setup_teardown(test_interrupted_chunk, loop_setup,
                                      loop_teardown),
  };
  apply_test_filter();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
