/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The session engine, driven by hand with a fake clock (a number the tests
 * advance; nothing sleeps).
 *
 * Two set-ups. Single engine: engine A, and the test plays the peer B with
 * hand-written wire bytes fed through msrp_engine_recv() and reads A's
 * output bytes to compare them exactly. Pair: engines A and B wired back to
 * back in memory by pump(). Every byte an engine writes also goes through a
 * parser of its own (the wire), so that tests can look at the chunks it
 * wrote; every callback goes into an event log the tests assert on.
 *
 * A is msrp://127.0.0.1:1001/aaaa;tcp, B is msrp://127.0.0.1:2002/bbbb;tcp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <msrp/auth.h>
#include <msrp/chatroom.h>
#include <msrp/engine.h>

#define URI_A "msrp://127.0.0.1:1001/aaaa;tcp"
#define URI_B "msrp://127.0.0.1:2002/bbbb;tcp"
#define URI_Z "msrp://127.0.0.1:2002/zzzz;tcp"
#define TO_A "To-Path: " URI_A "\r\n"
#define TO_B "To-Path: " URI_B "\r\n"
#define FROM_A "From-Path: " URI_A "\r\n"
#define FROM_B "From-Path: " URI_B "\r\n"

/* Errors compare by name, so that a failure says which error it was. */
#define assert_err(got, want)                                                  \
  assert_string_equal(msrp_errname((int)(got)), msrp_errname(want))

#define T0 1000 /* the fake clock starts here */

/* ---- growing buffers --------------------------------------------------- */

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

static void buf_add(buf *b, const void *d, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (b->n + n + 1 > cap)
      cap *= 2;
    b->p = realloc(b->p, cap);
    assert_non_null(b->p);
    b->cap = cap;
  }
  if (n)
    memcpy(b->p + b->n, d, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void buf_free(buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

static char *xstrdup(const char *s) {
  if (!s)
    return NULL;
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  assert_non_null(d);
  memcpy(d, s, n + 1);
  return d;
}

static char *xmemdup(const void *s, size_t n) {
  char *d = malloc(n + 1);
  assert_non_null(d);
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* ---- the wire: what an engine wrote, parsed into chunks ---------------- */

typedef struct out_chunk {
  msrp_chunk *c; /* start line and headers */
  buf raw;       /* its exact bytes, end-line included (once ended) */
  buf body;
  char flag; /* 0 while the chunk is still being written */
  int answered;
} out_chunk;

typedef struct wire {
  msrp_parser *p;
  out_chunk *ch;
  size_t n;
  buf cur; /* raw bytes of the chunk being written */
  buf all; /* every byte */
} wire;

static void wire_feed(wire *w, const uint8_t *d, size_t len) {
  buf_add(&w->all, d, len);
  for (;;) {
    size_t used;
    msrp_event ev;
    int rc = msrp_parser_execute(w->p, d, len, &used, &ev);
    if (rc < 0)
      fail_msg("engine output does not parse: %s at byte %llu of:\n%s",
               msrp_errname(rc), (unsigned long long)msrp_parser_position(w->p),
               w->all.p);
    buf_add(&w->cur, d, used);
    d += used;
    len -= used;
    if (ev.type == MSRP_EVENT_NONE) {
      assert_int_equal(len, 0);
      break;
    }
    if (ev.type == MSRP_EVENT_HEADERS) {
      w->ch = realloc(w->ch, (w->n + 1) * sizeof *w->ch);
      assert_non_null(w->ch);
      memset(&w->ch[w->n], 0, sizeof w->ch[w->n]);
      w->ch[w->n].c = msrp_parser_take_chunk(w->p);
      assert_non_null(w->ch[w->n].c);
      w->n++;
    } else if (ev.type == MSRP_EVENT_BODY) {
      buf_add(&w->ch[w->n - 1].body, ev.data, ev.len);
    } else if (ev.type == MSRP_EVENT_END) {
      out_chunk *oc = &w->ch[w->n - 1];
      oc->flag = ev.flag;
      oc->raw = w->cur;
      memset(&w->cur, 0, sizeof w->cur);
    }
  }
}

static void wire_free(wire *w) {
  for (size_t i = 0; i < w->n; i++) {
    msrp_chunk_free(w->ch[i].c);
    buf_free(&w->ch[i].raw);
    buf_free(&w->ch[i].body);
  }
  free(w->ch);
  buf_free(&w->cur);
  buf_free(&w->all);
  msrp_parser_free(w->p);
  memset(w, 0, sizeof *w);
}

/* ---- the event log ----------------------------------------------------- */

enum {
  EV_MESSAGE = 1, /* on_message */
  EV_START,       /* on_message_start */
  EV_DATA,        /* on_message_data */
  EV_END,         /* on_message_end */
  EV_REPORT,      /* on_report */
  EV_REQUEST,     /* on_request */
  EV_WRITABLE,    /* on_writable */
  EV_LOG,         /* on_log */
  EV_RESPONSE,    /* a send_chunk response callback */
  EV_MSGCB        /* a send_message callback */
};

typedef struct ev {
  int type;
  int who; /* 0: A, 1: B */
  char *id;
  char *ctype;
  uint64_t total;
  uint64_t offset;
  char *data;
  size_t len;
  int status;
  int code; /* -1: no response chunk */
  char *comment;
  char *tid;
  msrp_byte_range range;
  int complete;
  intptr_t tag;
} ev;

typedef struct prov {
  uint64_t size;
  size_t calls;
  size_t max_len;
} prov;

typedef struct peer {
  int id;
  msrp_engine *e;
  wire w;
  int outputs; /* on_output calls */
  /* behaviour, set by a test */
  int pause_on_message; /* pause from the next N on_message calls */
  int pause_on_data;    /* ... on_message_data calls */
  int refuse_on_start;
  int64_t refuse_at_offset; /* refuse from on_message_data at offset >= */
  int refuse_rc;
  size_t max_queued; /* most msrp_engine_queued_bytes seen by pump */
} peer;

static struct world {
  uint64_t now;
  int bytewise; /* feed engines one byte at a time */
  int pieces;   /* what step() offers msrp_engine_output (0: 4) */
  int steps;    /* steps step() has taken */
  peer p[2];
  ev *evs;
  size_t nev;
  msrp_path path_a, path_b, path_z;
  uint8_t *big; /* a large body, freed by teardown */
} W;

#define A (&W.p[0])
#define B (&W.p[1])

static int who_of(msrp_engine *e) {
  if (e == W.p[0].e)
    return 0;
  if (e == W.p[1].e)
    return 1;
  return -1;
}

static ev *ev_push(int type, msrp_engine *e) {
  W.evs = realloc(W.evs, (W.nev + 1) * sizeof *W.evs);
  assert_non_null(W.evs);
  ev *x = &W.evs[W.nev++];
  memset(x, 0, sizeof *x);
  x->type = type;
  x->who = who_of(e);
  x->code = -1;
  return x;
}

static void ev_clear(void) {
  for (size_t i = 0; i < W.nev; i++) {
    free(W.evs[i].id);
    free(W.evs[i].ctype);
    free(W.evs[i].data);
    free(W.evs[i].comment);
    free(W.evs[i].tid);
  }
  free(W.evs);
  W.evs = NULL;
  W.nev = 0;
}

static size_t ev_count(int who, int type) {
  size_t n = 0;
  for (size_t i = 0; i < W.nev; i++)
    if (W.evs[i].who == who && W.evs[i].type == type)
      n++;
  return n;
}

/* The k-th event of this type (from 0), or NULL. */
static ev *ev_nth(int who, int type, size_t k) {
  for (size_t i = 0; i < W.nev; i++)
    if (W.evs[i].who == who && W.evs[i].type == type && k-- == 0)
      return &W.evs[i];
  return NULL;
}

static ev *ev_get(int who, int type, size_t k) {
  ev *x = ev_nth(who, type, k);
  if (!x)
    fail_msg("no event %d number %zu for %c", type, k, who ? 'B' : 'A');
  return x;
}

static const char *ev_name(int type) {
  switch (type) {
  case EV_MESSAGE:
    return "msg";
  case EV_START:
    return "start";
  case EV_DATA:
    return "data";
  case EV_END:
    return "end";
  case EV_REPORT:
    return "report";
  case EV_REQUEST:
    return "request";
  case EV_WRITABLE:
    return "writable";
  case EV_LOG:
    return "log";
  case EV_RESPONSE:
    return "resp";
  case EV_MSGCB:
    return "msgcb";
  default:
    return "?";
  }
}

/* The events of one engine as "start data end" (on_log left out, adjacent
 * data pieces shown once since their cut depends on how input is split). */
static const char *ev_seq(int who) {
  static char s[4096];
  s[0] = '\0';
  int last = 0;
  for (size_t i = 0; i < W.nev; i++) {
    const ev *x = &W.evs[i];
    if (x->who != who || x->type == EV_LOG)
      continue;
    if (x->type == EV_DATA && last == EV_DATA)
      continue;
    if (s[0])
      strncat(s, " ", sizeof s - strlen(s) - 1);
    strncat(s, ev_name(x->type), sizeof s - strlen(s) - 1);
    last = x->type;
  }
  return s;
}

/* The pieces of a large message put together by their offsets: asserts
 * that no byte comes twice; returns how many bytes came (malloc'd *out,
 * `total` bytes, zero where none came). */
static size_t ev_assemble(int who, const char *id, uint64_t total, char **out) {
  char *b = calloc(total + 1, 1);
  char *seen = calloc(total + 1, 1);
  assert_non_null(b);
  assert_non_null(seen);
  size_t got = 0;
  for (size_t i = 0; i < W.nev; i++) {
    const ev *x = &W.evs[i];
    if (x->who != who || x->type != EV_DATA || strcmp(x->id, id) != 0)
      continue;
    assert_true(x->offset + x->len <= total);
    for (size_t k = 0; k < x->len; k++) {
      if (seen[x->offset + k])
        fail_msg("byte %llu of %s delivered twice",
                 (unsigned long long)(x->offset + k), id);
      seen[x->offset + k] = 1;
      b[x->offset + k] = x->data[k];
    }
    got += x->len;
  }
  free(seen);
  *out = b;
  return got;
}

/* ---- callbacks --------------------------------------------------------- */

static void on_message(msrp_engine *e, const msrp_message_info *m,
                       const uint8_t *body, size_t len, void *ud) {
  peer *P = ud;
  ev *x = ev_push(EV_MESSAGE, e);
  x->id = xstrdup(m->message_id);
  x->ctype = xstrdup(m->content_type);
  x->total = m->total;
  x->data = xmemdup(body, len);
  x->len = len;
  if (P->pause_on_message > 0) {
    P->pause_on_message--;
    msrp_engine_pause(e);
  }
}

static void on_message_start(msrp_engine *e, const msrp_message_info *m,
                             void *ud) {
  peer *P = ud;
  ev *x = ev_push(EV_START, e);
  x->id = xstrdup(m->message_id);
  x->ctype = xstrdup(m->content_type);
  x->total = m->total;
  if (P->refuse_on_start)
    P->refuse_rc = msrp_engine_refuse_message(e, m->message_id);
}

static void on_message_data(msrp_engine *e, const msrp_message_info *m,
                            uint64_t offset, const uint8_t *data, size_t len,
                            void *ud) {
  peer *P = ud;
  ev *x = ev_push(EV_DATA, e);
  x->id = xstrdup(m->message_id);
  x->total = m->total;
  x->offset = offset;
  x->data = xmemdup(data, len);
  x->len = len;
  if (P->pause_on_data > 0) {
    P->pause_on_data--;
    msrp_engine_pause(e);
  }
  if (P->refuse_at_offset >= 0 && offset >= (uint64_t)P->refuse_at_offset) {
    P->refuse_at_offset = -1;
    P->refuse_rc = msrp_engine_refuse_message(e, m->message_id);
  }
}

static void on_message_end(msrp_engine *e, const msrp_message_info *m,
                           int status, void *ud) {
  (void)ud;
  ev *x = ev_push(EV_END, e);
  x->id = xstrdup(m->message_id);
  x->total = m->total;
  x->status = status;
}

static void on_report(msrp_engine *e, const msrp_report_info *r, void *ud) {
  (void)ud;
  ev *x = ev_push(EV_REPORT, e);
  x->id = xstrdup(r->message_id);
  x->code = r->code;
  x->comment = xstrdup(r->comment);
  x->range = r->range;
  x->complete = r->complete;
  x->status = r->status;
}

static void on_request(msrp_engine *e, const msrp_chunk *request, int code,
                       void *ud) {
  (void)ud;
  ev *x = ev_push(EV_REQUEST, e);
  x->data = xstrdup(msrp_chunk_method(request));
  x->tid = xstrdup(msrp_chunk_transaction_id(request));
  x->code = code;
}

static void on_output(msrp_engine *e, void *ud) {
  (void)e;
  peer *P = ud;
  P->outputs++;
}

static void on_writable(msrp_engine *e, void *ud) {
  (void)ud;
  ev_push(EV_WRITABLE, e);
}

static void on_log(msrp_engine *e, const char *message, void *ud) {
  (void)ud;
  ev *x = ev_push(EV_LOG, e);
  x->comment = xstrdup(message);
}

static void response_cb(msrp_engine *e, int status, const msrp_chunk *response,
                        void *ud) {
  ev *x = ev_push(EV_RESPONSE, e);
  x->status = status;
  x->tag = (intptr_t)ud;
  if (response) {
    x->code = msrp_chunk_code(response);
    x->comment = xstrdup(msrp_chunk_comment(response));
    x->tid = xstrdup(msrp_chunk_transaction_id(response));
  }
}

static void message_cb(msrp_engine *e, const char *message_id, int status,
                       int code, const char *comment, void *ud) {
  ev *x = ev_push(EV_MSGCB, e);
  x->id = xstrdup(message_id);
  x->status = status;
  x->code = code;
  x->comment = xstrdup(comment);
  x->tag = (intptr_t)ud;
}

/* Relay refreshes, recorded apart from the event log. */
static struct {
  int calls, status, code;
  uint32_t granted;
} refreshes;

static void on_relay_refresh(msrp_engine *e, int status, int code,
                             uint32_t granted, void *ud) {
  (void)e;
  (void)ud;
  refreshes.calls++;
  refreshes.status = status;
  refreshes.code = code;
  refreshes.granted = granted;
}

static const msrp_engine_callbacks callbacks = {
    .on_relay_refresh = on_relay_refresh,
    .on_message = on_message,
    .on_message_start = on_message_start,
    .on_message_data = on_message_data,
    .on_message_end = on_message_end,
    .on_report = on_report,
    .on_request = on_request,
    .on_output = on_output,
    .on_writable = on_writable,
    .on_log = on_log,
};

#define TAG(n) ((void *)(intptr_t)(n))

/* ---- set-up ------------------------------------------------------------ */

static void parse_path(msrp_path *p, const char *text) {
  *p = (msrp_path)MSRP_PATH_INIT;
  assert_int_equal(msrp_path_parse(p, text, strlen(text), 0), 0);
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  W.now = T0;
  parse_path(&W.path_a, URI_A);
  parse_path(&W.path_b, URI_B);
  parse_path(&W.path_z, URI_Z);
  for (int i = 0; i < 2; i++) {
    W.p[i].id = i;
    W.p[i].refuse_at_offset = -1;
  }
  return 0;
}

static void stop(peer *P) {
  msrp_engine_free(P->e);
  P->e = NULL;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < 2; i++) {
    stop(&W.p[i]);
    wire_free(&W.p[i].w);
  }
  ev_clear();
  free(W.big);
  W.big = NULL;
  msrp_path_clear(&W.path_a);
  msrp_path_clear(&W.path_b);
  msrp_path_clear(&W.path_z);
  return 0;
}

/* A's or B's configuration: its own path, the other's as remote. */
static msrp_engine_config cfg(peer *P) {
  msrp_engine_config c;
  memset(&c, 0, sizeof c);
  c.local_path = P->id == 0 ? &W.path_a : &W.path_b;
  c.remote_path = P->id == 0 ? &W.path_b : &W.path_a;
  return c;
}

static void start(peer *P, const msrp_engine_config *c) {
  msrp_engine_config d;
  if (!c) {
    d = cfg(P);
    c = &d;
  }
  assert_null(P->e);
  assert_int_equal(msrp_engine_new(&P->e, c, &callbacks, P), 0);
  assert_non_null(P->e);
  if (!P->w.p)
    assert_int_equal(msrp_parser_new(&P->w.p, NULL), 0);
}

/* ---- moving bytes ------------------------------------------------------ */

/* Give bytes to an engine (whole, or one at a time when W.bytewise); all
 * must be taken. */
static void deliver(peer *P, const void *data, size_t len) {
  const uint8_t *d = data;
  if (W.bytewise) {
    for (size_t i = 0; i < len; i++) {
      ssize_t rc = msrp_engine_recv(P->e, d + i, 1, W.now);
      if (rc != 1)
        fail_msg("recv of byte %zu gave %zd (%s)", i, rc,
                 msrp_errname((int)rc));
    }
  } else if (len) {
    ssize_t rc = msrp_engine_recv(P->e, d, len, W.now);
    if (rc < 0 || (size_t)rc != len)
      fail_msg("recv of %zu bytes gave %zd (%s)", len, rc,
               rc < 0 ? msrp_errname((int)rc) : "fewer");
  }
}

static void feed(peer *P, const char *s) {
  deliver(P, s, strlen(s));
}

/* One output step of P: its pieces go to its wire and to the other engine,
 * if there is one. 1 if there was output. */
static int step(peer *P) {
  peer *Q = &W.p[1 - P->id];
  struct iovec iov[64];
  int max = W.pieces ? W.pieces : 4;
  int n = msrp_engine_output(P->e, iov, max);
  assert_true(n >= 0 && n <= max);
  if (n == 0)
    return 0;
  W.steps++;
  for (int i = 0; i < n; i++) {
    wire_feed(&P->w, iov[i].iov_base, iov[i].iov_len);
    if (Q->e)
      deliver(Q, iov[i].iov_base, iov[i].iov_len);
  }
  msrp_engine_output_done(P->e, W.now);
  size_t q = msrp_engine_queued_bytes(P->e);
  if (q > P->max_queued)
    P->max_queued = q;
  return 1;
}

/* All of P's output now. */
static void drain(peer *P) {
  int i;
  for (i = 0; i < 100000 && step(P); i++)
    ;
  assert_true(i < 100000);
}

/* A and B talk until neither has anything to say. */
static void pump(void) {
  int i;
  for (i = 0; i < 100000; i++) {
    int a = A->e ? step(A) : 0;
    int b = B->e ? step(B) : 0;
    if (!a && !b)
      break;
  }
  assert_true(i < 100000);
}

/* What P wrote since `mark` (a value of P->w.all.n). */
static const char *out_since(peer *P, size_t mark) {
  return P->w.all.p ? P->w.all.p + mark : "";
}

/* ---- hand-written peer bytes ------------------------------------------- */

/* A SEND from B to A. `extra` goes after Byte-Range (may be ""); a NULL
 * `ctype` writes no Content-Type and no body. */
static const char *mk_send(char *out, size_t cap, const char *tid,
                           const char *to, const char *from, const char *extra,
                           const char *mid, const char *range,
                           const char *ctype, const char *body, char flag) {
  int n;
  if (ctype)
    n = snprintf(out, cap,
                 "MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                 "Message-ID: %s\r\nByte-Range: %s\r\n%sContent-Type: %s\r\n"
                 "\r\n%s\r\n-------%s%c\r\n",
                 tid, to, from, mid, range, extra, ctype, body, tid, flag);
  else
    n = snprintf(out, cap,
                 "MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                 "Message-ID: %s\r\nByte-Range: %s\r\n%s-------%s%c\r\n",
                 tid, to, from, mid, range, extra, tid, flag);
  assert_true(n > 0 && (size_t)n < cap);
  return out;
}

#define SEND_BA(out, tid, extra, mid, range, ctype, body, flag)                \
  mk_send(out, sizeof out, tid, URI_A, URI_B, extra, mid, range, ctype, body,  \
          flag)

/* A response as A must write it to a request from B (or B to A's). */
static const char *mk_resp(char *out, size_t cap, const char *tid, int code,
                           const char *comment, const char *to,
                           const char *from) {
  int n = snprintf(out, cap,
                   "MSRP %s %d %s\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                   "-------%s$\r\n",
                   tid, code, comment, to, from, tid);
  assert_true(n > 0 && (size_t)n < cap);
  return out;
}

/* A's response to B's request. */
#define RESP_AB(out, tid, code, comment)                                       \
  mk_resp(out, sizeof out, tid, code, comment, URI_B, URI_A)
/* B's response to A's request. */
#define RESP_BA(out, tid, code, comment)                                       \
  mk_resp(out, sizeof out, tid, code, comment, URI_A, URI_B)

/* The raw bytes of a chunk A wrote, its transaction id written "TID";
 * *len (if not NULL) gets their length. */
static char *normalized_n(const out_chunk *oc, size_t *len) {
  const char *tid = msrp_chunk_transaction_id(oc->c);
  size_t tl = strlen(tid);
  buf b = {0};
  const char *s = oc->raw.p ? oc->raw.p : "";
  size_t n = oc->raw.n;
  for (size_t i = 0; i < n;) {
    if (i + tl <= n && memcmp(s + i, tid, tl) == 0) {
      buf_add(&b, "TID", 3);
      i += tl;
    } else {
      buf_add(&b, s + i, 1);
      i++;
    }
  }
  if (!b.p)
    buf_add(&b, "", 0);
  if (len)
    *len = b.n;
  return b.p;
}

static char *normalized(const out_chunk *oc) {
  return normalized_n(oc, NULL);
}

static void assert_chunk_norm(const out_chunk *oc, const char *want) {
  char *got = normalized(oc);
  assert_string_equal(got, want);
  free(got);
}

static int is_method(const out_chunk *oc, msrp_method m) {
  return msrp_chunk_method_id(oc->c) == m;
}

static size_t count_method(peer *P, msrp_method m, size_t from) {
  size_t n = 0;
  for (size_t i = from; i < P->w.n; i++)
    if (is_method(&P->w.ch[i], m))
      n++;
  return n;
}

/* The k-th chunk P wrote with this method (from 0). */
static out_chunk *nth_method(peer *P, msrp_method m, size_t k) {
  for (size_t i = 0; i < P->w.n; i++)
    if (is_method(&P->w.ch[i], m) && k-- == 0)
      return &P->w.ch[i];
  fail_msg("no %d chunk number %zu", (int)m, k);
  return NULL;
}

/* B answers `code` to one SEND A wrote. */
static void answer(out_chunk *oc, int code, const char *comment) {
  char r[512];
  assert_int_equal(oc->answered, 0);
  assert_true(oc->flag != 0);
  oc->answered = 1;
  feed(A, RESP_BA(r, msrp_chunk_transaction_id(oc->c), code, comment));
}

/* Playing B: drain A and answer every SEND it wrote with 200, until it
 * writes nothing more. */
static void serve(void) {
  for (int round = 0; round < 1000; round++) {
    drain(A);
    int any = 0;
    for (size_t i = 0; i < A->w.n; i++) {
      out_chunk *oc = &A->w.ch[i];
      if (oc->flag && !oc->answered && is_method(oc, MSRP_METHOD_SEND)) {
        answer(oc, 200, "OK");
        any = 1;
      }
    }
    if (!any)
      return;
  }
  fail_msg("serve does not end");
}

static msrp_chunk *make_send(const char *tid, const msrp_path *to,
                             const msrp_path *from, const char *body) {
  msrp_chunk *c = NULL;
  msrp_chunk_params p = {.transaction_id = tid,
                         .to_path = to,
                         .from_path = from,
                         .data = body,
                         .data_len = strlen(body),
                         .content_type = "text/plain",
                         .message_id = "msg1"};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  return c;
}

static char *chunk_bytes(msrp_chunk *c) {
  char *s;
  size_t n;
  assert_int_equal(msrp_chunk_to_bytes(c, &s, &n), 0);
  return s;
}

/* ========================================================================
 * construction
 * ===================================================================== */

/* Queue a message with the given id, type and body on P; the default
 * report settings; message_cb gets `tag`. */
static void send_msg(peer *P, const char *id, const char *type,
                     const void *data, size_t len, void *tag) {
  msrp_message_params mp = {
      .content_type = type, .data = data, .len = len, .message_id = id};
  assert_int_equal(msrp_engine_send_message(P->e, &mp, message_cb, tag, NULL),
                   0);
}

static void test_new_errors(void **state) {
  (void)state;
  msrp_engine *e = (msrp_engine *)(void *)&W; /* must stay untouched */
  msrp_engine_config c;
  memset(&c, 0, sizeof c);
  assert_err(msrp_engine_new(&e, &c, &callbacks, A), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(e, (void *)&W);
  c.local_path = &W.path_a;
  assert_err(msrp_engine_new(&e, &c, &callbacks, A), MSRP_ERR_INVALID_ARGUMENT);
  assert_ptr_equal(e, (void *)&W);
  msrp_engine_free(NULL);

  start(A, NULL);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
  assert_int_equal(msrp_engine_paused(A->e), 0);
  struct iovec iov[4];
  assert_int_equal(msrp_engine_output(A->e, iov, 4), 0);
}

/* ========================================================================
 * 1. send_chunk and transactions
 * ===================================================================== */

/* The chunk goes out as serialize gives it; with no response, the timeout
 * makes up a 408, once; a late response is logged and dropped. */
static void test_send_chunk_timeout_408(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *c = make_send("tid00001", &W.path_b, &W.path_a, "hello");
  char *want = chunk_bytes(c);
  assert_string_equal(want, "MSRP tid00001 SEND\r\n" TO_B FROM_A
                            "Message-ID: msg1\r\n"
                            "Byte-Range: 1-5/5\r\n"
                            "Content-Type: text/plain\r\n"
                            "\r\n"
                            "hello\r\n"
                            "-------tid00001$\r\n");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(7)), 0);
  assert_true(A->outputs > 0);
  /* the timeout starts when the chunk is written, not before */
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  W.now = T0 + 500;
  drain(A);
  assert_string_equal(out_since(A, 0), want);
  free(want);
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 500 + 30000);

  msrp_engine_handle_expiry(A->e, T0 + 500 + 29999);
  assert_int_equal(ev_count(0, EV_RESPONSE), 0);
  msrp_engine_handle_expiry(A->e, T0 + 500 + 30000);
  assert_string_equal(ev_seq(0), "resp");
  ev *x = ev_get(0, EV_RESPONSE, 0);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 408);
  assert_int_equal(x->tag, 7);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  msrp_engine_handle_expiry(A->e, T0 + 100000);
  assert_int_equal(ev_count(0, EV_RESPONSE), 1);

  /* the real response, too late: logged, not handed over */
  size_t logs = ev_count(0, EV_LOG);
  size_t mark = A->w.all.n;
  char r[512];
  feed(A, RESP_BA(r, "tid00001", 200, "OK"));
  assert_int_equal(ev_count(0, EV_RESPONSE), 1);
  assert_true(ev_count(0, EV_LOG) > logs);
  drain(A);
  assert_string_equal(out_since(A, mark), ""); /* nothing written */
  stop(A);
  assert_int_equal(ev_count(0, EV_RESPONSE), 1);
}

/* The made-up response follows Failure-Report: 408 for yes or absent, 200
 * for partial after the timeout, which comes from the configuration; 200
 * for no as soon as the chunk is written, since no response can come. */
static void test_send_chunk_timeout_modes(void **state) {
  (void)state;
  static const struct {
    const char *fr; /* NULL: no header */
    int code;
  } cases[] = {{NULL, 408}, {"yes", 408}, {"partial", 200}, {"no", 200}};
  msrp_engine_config c = cfg(A);
  c.response_timeout_ms = 5000;
  start(A, &c);
  for (size_t i = 0; i < 4; i++) {
    char tid[16];
    snprintf(tid, sizeof tid, "tidm%04zu", i);
    msrp_chunk *ch = make_send(tid, &W.path_b, &W.path_a, "hi");
    if (cases[i].fr)
      assert_int_equal(msrp_chunk_set_header(ch, "Failure-Report", cases[i].fr),
                       0);
    assert_int_equal(
        msrp_engine_send_chunk(A->e, ch, response_cb, TAG(100 + (int)i)), 0);
    W.now = T0 + 10 * i;
    drain(A);
    if (i == 3) {
      assert_int_equal(ev_count(0, EV_RESPONSE), i + 1);
      assert_int_equal(ev_get(0, EV_RESPONSE, i)->code, 200);
      assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
      continue;
    }
    assert_int_equal(msrp_engine_next_expiry(A->e), W.now + 5000);
    msrp_engine_handle_expiry(A->e, W.now + 4999);
    assert_int_equal(ev_count(0, EV_RESPONSE), i);
    msrp_engine_handle_expiry(A->e, W.now + 5000);
    assert_int_equal(ev_count(0, EV_RESPONSE), i + 1);
    ev *x = ev_get(0, EV_RESPONSE, i);
    assert_int_equal(x->status, 0);
    assert_int_equal(x->code, cases[i].code);
    assert_int_equal(x->tag, 100 + (int)i);
    assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  }
}

/* A response before the timeout: handed over once, as received; the
 * deadline is gone. */
static void test_send_chunk_response(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *c = make_send("tid00002", &W.path_b, &W.path_a, "hello");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(3)), 0);
  drain(A);
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 30000);
  W.now = T0 + 20;
  char r[512];
  feed(A, RESP_BA(r, "tid00002", 415, "Unsupported Media Type"));
  assert_string_equal(ev_seq(0), "resp");
  ev *x = ev_get(0, EV_RESPONSE, 0);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 415);
  assert_string_equal(x->comment, "Unsupported Media Type");
  assert_string_equal(x->tid, "tid00002");
  assert_int_equal(x->tag, 3);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  msrp_engine_handle_expiry(A->e, T0 + 1000000);
  /* a second copy of the response changes nothing */
  feed(A, r);
  assert_string_equal(ev_seq(0), "resp");

  /* a NULL callback is allowed */
  c = make_send("tid00003", &W.path_b, &W.path_a, "x");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, NULL, NULL), 0);
  drain(A);
  feed(A, RESP_BA(r, "tid00003", 200, "OK"));
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  assert_string_equal(ev_seq(0), "resp");
}

static void test_send_chunk_invalid(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *c = NULL;
  msrp_chunk_params p = {.transaction_id = "resp0001",
                         .code = 200,
                         .comment = "OK",
                         .to_path = &W.path_b,
                         .from_path = &W.path_a};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_err(msrp_engine_send_chunk(A->e, c, response_cb, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  msrp_chunk_free(c); /* still ours */
  drain(A);
  assert_int_equal(A->w.all.n, 0);
  assert_int_equal(W.nev, 0);
}

/* A chunk whose transaction id is already waiting for its response cannot
 * be told apart from it: it is answered here (400) and never written; the
 * first one's response still finds the first one. */
static void test_send_chunk_tid_in_use(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *c1 = make_send("tid00001", &W.path_b, &W.path_a, "one");
  msrp_chunk *c2 = make_send("tid00001", &W.path_b, &W.path_a, "two");
  char *want = chunk_bytes(c1);
  assert_int_equal(msrp_engine_send_chunk(A->e, c1, response_cb, TAG(1)), 0);
  drain(A);
  assert_string_equal(out_since(A, 0), want);
  free(want);
  size_t mark = A->w.all.n;
  assert_int_equal(msrp_engine_send_chunk(A->e, c2, response_cb, TAG(2)), 0);
  drain(A);
  assert_string_equal(out_since(A, mark), "");
  assert_int_equal(ev_count(0, EV_RESPONSE), 1);
  ev *x = ev_get(0, EV_RESPONSE, 0);
  assert_int_equal(x->tag, 2);
  assert_int_equal(x->code, 400);
  char r[512];
  feed(A, RESP_BA(r, "tid00001", 200, "OK"));
  assert_int_equal(ev_count(0, EV_RESPONSE), 2);
  x = ev_get(0, EV_RESPONSE, 1);
  assert_int_equal(x->tag, 1);
  assert_int_equal(x->code, 200);
  stop(A);
}

/* What a message carries goes verbatim on the wire: headers and a content
 * type that would break the framing, or headers the engine writes itself,
 * are refused and nothing is written. */
static void test_send_message_invalid(void **state) {
  (void)state;
  start(A, NULL);
  static const char *const crlf[] = {"X-Note", "a\r\n-------x$", NULL};
  static const char *const ours[] = {"Message-ID", "m1", NULL};
  static const char *const byte_range[] = {"byte-range", "1-1/1", NULL};
  static const char *const odd[] = {"X-Note", NULL};
  static const char *const bad_name[] = {"X Note", "v", NULL};
  const char *const *lists[] = {crlf, ours, byte_range, odd, bad_name};
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    msrp_message_params mp = {.content_type = "text/plain",
                              .data = "hi",
                              .len = 2,
                              .headers = lists[i]};
    assert_err(msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL),
               MSRP_ERR_INVALID_ARGUMENT);
  }
  msrp_message_params mp = {
      .content_type = "text/plain\r\nTo-Path: x", .data = "hi", .len = 2};
  assert_err(msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  mp.content_type = "text/plain";
  mp.message_id = "bad id";
  assert_err(msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  drain(A);
  assert_int_equal(A->w.all.n, 0);
  assert_int_equal(W.nev, 0);
  /* a good extra header goes out on the chunk */
  static const char *const good[] = {"X-Note", "fine", NULL};
  mp.message_id = "good1";
  mp.headers = good;
  assert_int_equal(msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL),
                   0);
  drain(A);
  out_chunk *s0 = nth_method(A, MSRP_METHOD_SEND, 0);
  assert_non_null(s0);
  assert_string_equal(msrp_chunk_header(s0->c, "X-Note"), "fine");
  /* a Message-ID still in use (its 200 has not come) is refused: REPORTs
   * could not tell the two apart; nothing more is written */
  size_t mark = A->w.all.n;
  assert_err(msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL),
             MSRP_ERR_INVALID_ARGUMENT);
  drain(A);
  assert_int_equal(A->w.all.n, mark);
  mp.message_id = "good2";
  assert_int_equal(msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL),
                   0);
  drain(A);
  out_chunk *s1 = nth_method(A, MSRP_METHOD_SEND, 1);
  assert_non_null(s1);
  assert_string_equal(msrp_chunk_message_id(s1->c), "good2");
}

/* Freeing the engine: every pending callback once with CANCELLED. */
static void test_free_cancels(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *c = make_send("tidfree1", &W.path_b, &W.path_a, "hello");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(1)), 0);
  drain(A); /* written, waiting for its response */
  c = make_send("tidfree2", &W.path_b, &W.path_a, "queued");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(2)), 0);
  /* not written yet */
  send_msg(A, "mfree", "text/plain", "message", 7, TAG(3));
  /* an incoming message half received */
  char s[1024];
  feed(A,
       SEND_BA(s, "in000001", "", "m9", "1-5/10", "text/plain", "01234", '+'));
  assert_int_equal(W.nev, 0);
  stop(A);
  assert_int_equal(ev_count(0, EV_RESPONSE), 2);
  for (size_t i = 0; i < 2; i++) {
    ev *x = ev_get(0, EV_RESPONSE, i);
    assert_err(x->status, MSRP_ERR_CANCELLED);
    assert_int_equal(x->code, -1); /* response NULL */
  }
  assert_true((ev_get(0, EV_RESPONSE, 0)->tag == 1 &&
               ev_get(0, EV_RESPONSE, 1)->tag == 2) ||
              (ev_get(0, EV_RESPONSE, 0)->tag == 2 &&
               ev_get(0, EV_RESPONSE, 1)->tag == 1));
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
  ev *m = ev_get(0, EV_MSGCB, 0);
  assert_err(m->status, MSRP_ERR_CANCELLED);
  assert_string_equal(m->id, "mfree");
  assert_int_equal(m->tag, 3);
  assert_int_equal(ev_count(0, EV_END), 1);
  ev *end = ev_get(0, EV_END, 0);
  assert_string_equal(end->id, "m9");
  assert_err(end->status, MSRP_ERR_CANCELLED);
  assert_int_equal(ev_count(0, EV_MESSAGE), 0);
}

/* ========================================================================
 * 2. incoming requests
 * ===================================================================== */

/* A SEND for this session: 200 after its end-line, not before. */
static void test_incoming_send_200(void **state) {
  (void)state;
  start(A, NULL);
  char s[1024], r[512];
  SEND_BA(s, "t1aa", "", "m1", "1-5/5", "text/plain", "hello", '$');
  size_t len = strlen(s);
  size_t endline = strlen("-------t1aa$\r\n");
  /* everything but the end-line: no response, no message yet */
  deliver(A, s, len - endline);
  drain(A);
  assert_int_equal(A->w.all.n, 0);
  assert_int_equal(ev_count(0, EV_MESSAGE), 0);
  /* all but its last byte */
  deliver(A, s + len - endline, endline - 1);
  drain(A);
  assert_int_equal(A->w.all.n, 0);
  deliver(A, s + len - 1, 1);
  drain(A);
  assert_string_equal(out_since(A, 0), RESP_AB(r, "t1aa", 200, "OK"));
  assert_string_equal(ev_seq(0), "msg");
  ev *x = ev_get(0, EV_MESSAGE, 0);
  assert_string_equal(x->id, "m1");
  assert_string_equal(x->ctype, "text/plain");
  assert_int_equal(x->total, 5);
  assert_int_equal(x->len, 5);
  assert_memory_equal(x->data, "hello", 5);
  /* no transaction of A's own waits */
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
}

/* Whole or one byte at a time: the same output and the same events. */
static void test_incoming_bytewise(void **state) {
  (void)state;
  char in[4096], s[1024];
  in[0] = '\0';
  strcat(in,
         SEND_BA(s, "bw01", "", "mb1", "1-5/10", "text/plain", "01234", '+'));
  strcat(in,
         SEND_BA(s, "bw02", "", "mb1", "6-10/10", "text/plain", "56789", '$'));
  strcat(in, SEND_BA(s, "bw03", "", "mb2", "1-3/3", "image/png", "png", '$'));
  strcat(in, "MSRP bw04 NICKNAME\r\n" TO_A FROM_B
             "Use-Nickname: \"alice\"\r\n-------bw04$\r\n");
  strcat(in, SEND_BA(s, "bw05", "", "mb3", "1-x/3", "text/plain", "abc", '$'));
  char *outs[2], *seqs[2];
  for (int pass = 0; pass < 2; pass++) {
    msrp_engine_config c = cfg(A);
    c.accept_types = "text/*";
    start(A, &c);
    W.bytewise = pass;
    deliver(A, in, strlen(in));
    W.bytewise = 0;
    drain(A);
    outs[pass] = xstrdup(out_since(A, 0));
    seqs[pass] = xstrdup(ev_seq(0));
    if (pass == 0) {
      ev *x = ev_get(0, EV_MESSAGE, 0);
      assert_string_equal(x->id, "mb1");
      assert_int_equal(x->len, 10);
      assert_memory_equal(x->data, "0123456789", 10);
    }
    stop(A);
    wire_free(&A->w);
    ev_clear();
  }
  char want[4096], r[512];
  want[0] = '\0';
  strcat(want, RESP_AB(r, "bw01", 200, "OK"));
  strcat(want, RESP_AB(r, "bw02", 200, "OK"));
  strcat(want, RESP_AB(r, "bw03", 415, "Unsupported Media Type"));
  strcat(want, RESP_AB(r, "bw04", 501, "Unknown Method"));
  strcat(want, RESP_AB(r, "bw05", 400, "Bad Request"));
  assert_string_equal(outs[0], want);
  assert_string_equal(outs[1], want);
  assert_string_equal(seqs[0], "msg request");
  assert_string_equal(seqs[1], seqs[0]);
  for (int i = 0; i < 2; i++) {
    free(outs[i]);
    free(seqs[i]);
  }
}

/* Failure-Report: no gets no response at all; partial only failures. */
static void test_incoming_failure_report(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.accept_types = "text/plain";
  start(A, &c);
  char s[1024], r[512];
  feed(A, SEND_BA(s, "fr01", "Failure-Report: no\r\n", "f1", "1-2/2",
                  "text/plain", "ok", '$'));
  feed(A, SEND_BA(s, "fr02", "Failure-Report: no\r\n", "f2", "1-2/2",
                  "image/png", "no", '$'));
  feed(A, SEND_BA(s, "fr03", "Failure-Report: partial\r\n", "f3", "1-2/2",
                  "text/plain", "ok", '$'));
  drain(A);
  assert_int_equal(A->w.all.n, 0);
  feed(A, SEND_BA(s, "fr04", "Failure-Report: partial\r\n", "f4", "1-2/2",
                  "image/png", "no", '$'));
  feed(A, SEND_BA(s, "fr05", "Failure-Report: yes\r\n", "f5", "1-2/2",
                  "text/plain", "ok", '$'));
  drain(A);
  char want[1024];
  strcpy(want, RESP_AB(r, "fr04", 415, "Unsupported Media Type"));
  strcat(want, RESP_AB(r, "fr05", 200, "OK"));
  assert_string_equal(out_since(A, 0), want);
  /* the acceptable ones arrive all the same */
  assert_string_equal(ev_seq(0), "msg msg msg");
  assert_string_equal(ev_get(0, EV_MESSAGE, 0)->id, "f1");
  assert_string_equal(ev_get(0, EV_MESSAGE, 1)->id, "f3");
  assert_string_equal(ev_get(0, EV_MESSAGE, 2)->id, "f5");
}

/* 481 when To-Path does not end at our URI or From-Path is not the remote
 * path. */
static void test_incoming_481(void **state) {
  (void)state;
  start(A, NULL);
  char s[1024], r[512], want[4096];
  /* To-Path: another session of the same host */
  feed(A, mk_send(s, sizeof s, "p481a", "msrp://127.0.0.1:1001/zzzz;tcp", URI_B,
                  "", "x1", "1-2/2", "text/plain", "hi", '$'));
  /* From-Path: not the remote path */
  feed(A, mk_send(s, sizeof s, "p481b", URI_A, "msrp://127.0.0.1:2002/cccc;tcp",
                  "", "x2", "1-2/2", "text/plain", "hi", '$'));
  /* To-Path whose last URI is ours is fine */
  feed(A,
       mk_send(s, sizeof s, "p200c", "msrp://relay.example:2855/r1;tcp " URI_A,
               URI_B, "", "x3", "1-2/2", "text/plain", "hi", '$'));
  /* To-Path whose first URI is ours but not its last is not */
  feed(A,
       mk_send(s, sizeof s, "p481d", URI_A " msrp://relay.example:2855/r1;tcp",
               URI_B, "", "x4", "1-2/2", "text/plain", "hi", '$'));
  /* paths written otherwise than we write them: compared as URIs (scheme,
   * host and transport case-insensitively, the session id exactly) */
  feed(A, mk_send(s, sizeof s, "p200e", "MSRP://127.0.0.1:1001/aaaa;TCP",
                  "msrp://127.0.0.1:2002/bbbb;Tcp", "", "x5", "1-2/2",
                  "text/plain", "hi", '$'));
  feed(A, mk_send(s, sizeof s, "p481f", "msrp://127.0.0.1:1001/AAAA;tcp", URI_B,
                  "", "x6", "1-2/2", "text/plain", "hi", '$'));
  /* a From-Path that is not a path at all: 400, not 481 */
  feed(A, mk_send(s, sizeof s, "p400g", URI_A, "msrp://127.0.0.1:2002/bbbb", "",
                  "x7", "1-2/2", "text/plain", "hi", '$'));
  drain(A);
  strcpy(want, mk_resp(r, sizeof r, "p481a", 481, "Session Does Not Exist",
                       URI_B, "msrp://127.0.0.1:1001/zzzz;tcp"));
  strcat(want, mk_resp(r, sizeof r, "p481b", 481, "Session Does Not Exist",
                       "msrp://127.0.0.1:2002/cccc;tcp", URI_A));
  strcat(want, mk_resp(r, sizeof r, "p200c", 200, "OK", URI_B,
                       "msrp://relay.example:2855/r1;tcp"));
  strcat(want, mk_resp(r, sizeof r, "p481d", 481, "Session Does Not Exist",
                       URI_B, URI_A));
  /* (our 200 writes the same URIs our way) */
  strcat(want, mk_resp(r, sizeof r, "p200e", 200, "OK", URI_B, URI_A));
  strcat(want, mk_resp(r, sizeof r, "p481f", 481, "Session Does Not Exist",
                       URI_B, "msrp://127.0.0.1:1001/AAAA;tcp"));
  strcat(want, "MSRP p400g 400 Bad Request\r\nFrom-Path: " URI_A
               "\r\n-------p400g$\r\n");
  assert_string_equal(out_since(A, 0), want);
  assert_string_equal(ev_seq(0), "msg msg");
  assert_string_equal(ev_get(0, EV_MESSAGE, 0)->id, "x3");
  assert_string_equal(ev_get(0, EV_MESSAGE, 1)->id, "x5");
}

/* 415 for a Content-Type outside accept_types. */
static void test_incoming_415(void **state) {
  (void)state;
  static const struct {
    const char *accept;
    const char *ctype;
    int code;
  } cases[] = {
      {"text/plain message/cpim", "text/plain", 200},
      {"text/plain message/cpim", "message/cpim", 200},
      {"text/plain message/cpim", "text/html", 415},
      {"text/plain message/cpim", "image/png", 415},
      {"text/*", "text/html", 200},
      {"text/*", "text/plain", 200},
      {"text/*", "image/png", 415},
      {"*", "image/png", 200},
      {NULL, "application/octet-stream", 200},
      {NULL, "image/png", 200},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    msrp_engine_config c = cfg(A);
    c.accept_types = cases[i].accept;
    start(A, &c);
    char s[1024], r[512];
    feed(A,
         SEND_BA(s, "ct415", "", "mct", "1-4/4", cases[i].ctype, "body", '$'));
    drain(A);
    const char *want =
        RESP_AB(r, "ct415", cases[i].code, msrp_status_comment(cases[i].code));
    if (strcmp(out_since(A, 0), want) != 0)
      fail_msg("accept \"%s\", type %s: wrote\n%s\nwant\n%s",
               cases[i].accept ? cases[i].accept : "(NULL)", cases[i].ctype,
               out_since(A, 0), want);
    assert_int_equal(ev_count(0, EV_MESSAGE), cases[i].code == 200);
    stop(A);
    wire_free(&A->w);
    ev_clear();
  }
}

/* A room (RFC 7701): on_nickname decides for checked requests; the engine
 * answers bad ones itself (400, 424) and foreign paths 481, without
 * asking. */
static char nick_seen[8][MSRP_NICKNAME_MAX + 1];
static int nick_count;

static int room_nickname(msrp_engine *e, const msrp_chunk *c,
                         const char *nickname, void *ud) {
  (void)e;
  (void)ud;
  assert_int_equal(msrp_chunk_method_id(c), MSRP_METHOD_NICKNAME);
  snprintf(nick_seen[nick_count++ % 8], sizeof nick_seen[0], "%s", nickname);
  return msrp_nickname_equal(nickname, "Taken") == 1
             ? MSRP_STATUS_NICKNAME_IN_USE
             : MSRP_STATUS_OK;
}

static void test_incoming_nickname_room(void **state) {
  (void)state;
  msrp_engine_callbacks cbs = callbacks;
  cbs.on_nickname = room_nickname;
  msrp_engine_config c = cfg(A);
  assert_int_equal(msrp_engine_new(&A->e, &c, &cbs, A), 0);
  assert_int_equal(msrp_parser_new(&A->w.p, NULL), 0);
  nick_count = 0;
  char r[512], want[2048];
  feed(A, "MSRP n1 NICKNAME\r\n" TO_A FROM_B
          "Use-Nickname: \"  Alice \\\"A\\\"\"\r\n-------n1$\r\n");
  feed(A, "MSRP n2 NICKNAME\r\n" TO_A FROM_B
          "Use-Nickname: \"TAKEN\"\r\n-------n2$\r\n");
  feed(A, "MSRP n3 NICKNAME\r\n" TO_A FROM_B "-------n3$\r\n");
  feed(A, "MSRP n4 NICKNAME\r\n" TO_A FROM_B
          "Use-Nickname: \"open\r\n-------n4$\r\n");
  feed(A, "MSRP n5 NICKNAME\r\n" TO_A FROM_B
          "Use-Nickname: \"a\"\r\nUse-Nickname: \"b\"\r\n-------n5$\r\n");
  feed(A, "MSRP n6 NICKNAME\r\n" TO_A "From-Path: " URI_Z "\r\n"
          "Use-Nickname: \"bob\"\r\n-------n6$\r\n");
  feed(A, "MSRP n7 NICKNAME\r\n" TO_A FROM_B
          "Use-Nickname: bare name\r\n-------n7$\r\n");
  drain(A);
  strcpy(want, RESP_AB(r, "n1", 200, "OK"));
  strcat(want, RESP_AB(r, "n2", 425, "Nickname Reserved or Already in Use"));
  strcat(want, RESP_AB(r, "n3", 400, "Bad Request"));
  strcat(want, RESP_AB(r, "n4", 424, "Malformed Nickname"));
  strcat(want, RESP_AB(r, "n5", 400, "Bad Request"));
  /* a stranger's From-Path: 481, to the stranger */
  strcat(want, "MSRP n6 481 Session Does Not Exist\r\n"
               "To-Path: " URI_Z "\r\nFrom-Path: " URI_A "\r\n-------n6$\r\n");
  strcat(want, RESP_AB(r, "n7", 200, "OK"));
  assert_string_equal(out_since(A, 0), want);
  assert_int_equal(nick_count, 3);
  assert_string_equal(nick_seen[0], "Alice \"A\"");
  assert_string_equal(nick_seen[1], "TAKEN");
  assert_string_equal(nick_seen[2], "bare name");
  assert_int_equal(ev_count(0, EV_REQUEST), 0);
}

/* NICKNAME and unknown methods: 501, and on_request. */
static void test_incoming_501(void **state) {
  (void)state;
  start(A, NULL);
  char r[512], want[1024];
  feed(A, "MSRP nick1 NICKNAME\r\n" TO_A FROM_B
          "Use-Nickname: \"alice\"\r\n-------nick1$\r\n");
  feed(A, "MSRP foo22 FOO\r\n" TO_A FROM_B "-------foo22$\r\n");
  /* one widely used client's resume request: not RFC 4975 method syntax,
   * still a request to answer 501, and the session goes on */
  feed(A, "MSRP off33 FILE_OFFSET\r\n" TO_A FROM_B "-------off33$\r\n");
  drain(A);
  strcpy(want, RESP_AB(r, "nick1", 501, "Unknown Method"));
  strcat(want, RESP_AB(r, "foo22", 501, "Unknown Method"));
  strcat(want, RESP_AB(r, "off33", 501, "Unknown Method"));
  assert_string_equal(out_since(A, 0), want);
  assert_string_equal(ev_seq(0), "request request request");
  ev *x = ev_get(0, EV_REQUEST, 0);
  assert_string_equal(x->data, "NICKNAME");
  assert_string_equal(x->tid, "nick1");
  assert_int_equal(x->code, 501);
  x = ev_get(0, EV_REQUEST, 1);
  assert_string_equal(x->data, "FOO");
  assert_int_equal(x->code, 501);
  x = ev_get(0, EV_REQUEST, 2);
  assert_string_equal(x->data, "FILE_OFFSET");
  assert_int_equal(x->code, 501);
}

/* A REPORT never gets a response: good, about nothing, for another session,
 * or not understood. */
static void test_incoming_report_no_response(void **state) {
  (void)state;
  start(A, NULL);
  feed(A, "MSRP rep1 REPORT\r\n" TO_A FROM_B
          "Message-ID: unknown1\r\nByte-Range: 1-5/5\r\n"
          "Status: 000 200 OK\r\n-------rep1$\r\n");
  feed(A, "MSRP rep2 REPORT\r\nTo-Path: " URI_Z "\r\n" FROM_B
          "Message-ID: unknown2\r\nByte-Range: 1-5/5\r\n"
          "Status: 000 200 OK\r\n-------rep2$\r\n");
  feed(A, "MSRP rep3 REPORT\r\n" TO_A FROM_B
          "Message-ID: unknown3\r\nByte-Range: x\r\n"
          "Status: 000 200 OK\r\n-------rep3$\r\n");
  feed(A, "MSRP rep4 REPORT\r\n" TO_A FROM_B
          "Message-ID: unknown4\r\nByte-Range: 1-5/5\r\n"
          "Status: 000 413 Stop\r\n-------rep4$\r\n");
  drain(A);
  assert_int_equal(A->w.all.n, 0);
  assert_int_equal(ev_count(0, EV_REPORT), 0);
  assert_int_equal(ev_count(0, EV_MESSAGE), 0);
}

/* A request the parser flagged: 400. */
static void test_incoming_400(void **state) {
  (void)state;
  start(A, NULL);
  char s[1024], r[512], want[1024];
  SEND_BA(s, "bad1", "", "mbad", "x", "text/plain", "hello", '$');
  feed(A, s);
  /* a duplicate Message-ID, also a chunk error */
  feed(A, "MSRP bad2 SEND\r\n" TO_A FROM_B
          "Message-ID: d1\r\nMessage-ID: d2\r\nByte-Range: 1-2/2\r\n"
          "Content-Type: text/plain\r\n\r\nhi\r\n-------bad2$\r\n");
  drain(A);
  strcpy(want, RESP_AB(r, "bad1", 400, "Bad Request"));
  strcat(want, RESP_AB(r, "bad2", 400, "Bad Request"));
  assert_string_equal(out_since(A, 0), want);
  assert_int_equal(ev_count(0, EV_MESSAGE), 0);
  assert_int_equal(ev_count(0, EV_START), 0);
  /* and the session goes on */
  feed(A, SEND_BA(s, "good1", "", "mgood", "1-2/2", "text/plain", "ok", '$'));
  drain(A);
  strcat(want, RESP_AB(r, "good1", 200, "OK"));
  assert_string_equal(out_since(A, 0), want);
  assert_string_equal(ev_seq(0), "msg");
}

/* ========================================================================
 * 3. messages out
 * ===================================================================== */

static void test_send_message_single(void **state) {
  (void)state;
  start(A, NULL);
  const char *id = NULL;
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "hello",
                            .len = 5,
                            .message_id = "m1"};
  int outputs = A->outputs;
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(11), &id), 0);
  assert_string_equal(id, "m1");
  assert_true(A->outputs > outputs);
  assert_true(msrp_engine_queued_bytes(A->e) >= 5);
  drain(A);
  assert_int_equal(A->w.n, 1);
  out_chunk *oc = &A->w.ch[0];
  assert_chunk_norm(oc, "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: m1\r\n"
                        "Byte-Range: 1-5/5\r\n"
                        "Content-Type: text/plain\r\n"
                        "\r\n"
                        "hello\r\n"
                        "-------TID$\r\n");
  assert_int_equal(ev_count(0, EV_MSGCB), 0);
  answer(oc, 200, "OK");
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_string_equal(x->id, "m1");
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 200);
  assert_string_equal(x->comment, "OK");
  assert_int_equal(x->tag, 11);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);

  /* reports and extra headers, in their place; a random Message-ID */
  static const char *const hdrs[] = {"X-Foo", "bar", "X-Other", "1 2", NULL};
  msrp_message_params mq = {.content_type = "message/cpim",
                            .data = "body",
                            .len = 4,
                            .success_report = MSRP_REPORT_YES,
                            .failure_report = MSRP_REPORT_PARTIAL,
                            .headers = hdrs};
  id = NULL;
  assert_int_equal(
      msrp_engine_send_message(A->e, &mq, message_cb, TAG(12), &id), 0);
  assert_non_null(id);
  char *id2 = xstrdup(id);
  drain(A);
  assert_int_equal(A->w.n, 2);
  char want[1024];
  snprintf(want, sizeof want,
           "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: %s\r\n"
           "Byte-Range: 1-4/4\r\n"
           "Success-Report: yes\r\n"
           "Failure-Report: partial\r\n"
           "X-Foo: bar\r\n"
           "X-Other: 1 2\r\n"
           "Content-Type: message/cpim\r\n"
           "\r\n"
           "body\r\n"
           "-------TID$\r\n",
           id2);
  assert_chunk_norm(&A->w.ch[1], want);
  free(id2);

  /* Failure-Report no */
  msrp_message_params mr = {.content_type = "text/plain",
                            .data = "z",
                            .len = 1,
                            .message_id = "m3",
                            .success_report = MSRP_REPORT_NO,
                            .failure_report = MSRP_REPORT_NO};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mr, message_cb, TAG(13), NULL), 0);
  drain(A);
  assert_int_equal(A->w.n, 3);
  assert_chunk_norm(&A->w.ch[2],
                    "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: m3\r\n"
                    "Byte-Range: 1-1/1\r\n"
                    "Success-Report: no\r\n"
                    "Failure-Report: no\r\n"
                    "Content-Type: text/plain\r\n"
                    "\r\n"
                    "z\r\n"
                    "-------TID$\r\n");
}

static const char body25[] = "abcdefghijklmnopqrstuvwxy";

/* 25 bytes, chunk_size 10: three SENDs with "start-*" ranges. */
static void test_send_message_chunks(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  send_msg(A, "m2", "text/plain", body25, 25, TAG(21));
  /* answer each chunk as it comes; the callback waits for the last */
  for (int k = 0; k < 100 && ev_count(0, EV_MSGCB) == 0; k++) {
    drain(A);
    int any = 0;
    for (size_t i = 0; i < A->w.n; i++)
      if (A->w.ch[i].flag && !A->w.ch[i].answered) {
        assert_int_equal(ev_count(0, EV_MSGCB), 0);
        answer(&A->w.ch[i], 200, "OK");
        any = 1;
      }
    if (!any)
      break;
  }
  assert_int_equal(A->w.n, 3);
  assert_chunk_norm(&A->w.ch[0],
                    "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: m2\r\n"
                    "Byte-Range: 1-*/25\r\n"
                    "Content-Type: text/plain\r\n"
                    "\r\n"
                    "abcdefghij\r\n"
                    "-------TID+\r\n");
  assert_chunk_norm(&A->w.ch[1],
                    "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: m2\r\n"
                    "Byte-Range: 11-*/25\r\n"
                    "Content-Type: text/plain\r\n"
                    "\r\n"
                    "klmnopqrst\r\n"
                    "-------TID+\r\n");
  assert_chunk_norm(&A->w.ch[2],
                    "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: m2\r\n"
                    "Byte-Range: 21-*/25\r\n"
                    "Content-Type: text/plain\r\n"
                    "\r\n"
                    "uvwxy\r\n"
                    "-------TID$\r\n");
  /* three transactions */
  const char *t0 = msrp_chunk_transaction_id(A->w.ch[0].c);
  const char *t1 = msrp_chunk_transaction_id(A->w.ch[1].c);
  const char *t2 = msrp_chunk_transaction_id(A->w.ch[2].c);
  assert_string_not_equal(t0, t1);
  assert_string_not_equal(t1, t2);
  assert_string_not_equal(t0, t2);
  buf all = {0};
  for (size_t i = 0; i < 3; i++) {
    assert_true(A->w.ch[i].body.n <= 10);
    buf_add(&all, A->w.ch[i].body.p, A->w.ch[i].body.n);
  }
  assert_int_equal(all.n, 25);
  assert_memory_equal(all.p, body25, 25);
  buf_free(&all);
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_string_equal(x->id, "m2");
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 200);
  assert_int_equal(x->tag, 21);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
}

/* Failure-Report partial or no: nobody answers; the callback gets 200
 * once the last chunk's timeout has passed. */
static void test_send_message_partial_timeouts(void **state) {
  (void)state;
  static const msrp_report_mode modes[] = {MSRP_REPORT_PARTIAL, MSRP_REPORT_NO};
  for (size_t m = 0; m < 2; m++) {
    msrp_engine_config c = cfg(A);
    c.chunk_size = 10;
    start(A, &c);
    W.now = T0;
    msrp_message_params mp = {.content_type = "text/plain",
                              .data = body25,
                              .len = 25,
                              .message_id = "mp",
                              .failure_report = modes[m]};
    assert_int_equal(
        msrp_engine_send_message(A->e, &mp, message_cb, TAG(31), NULL), 0);
    drain(A);
    assert_int_equal(A->w.n, 3);
    assert_true(strstr(A->w.ch[0].raw.p, modes[m] == MSRP_REPORT_NO
                                             ? "Failure-Report: no\r\n"
                                             : "Failure-Report: partial\r\n"));
    uint64_t exp = msrp_engine_next_expiry(A->e);
    if (modes[m] == MSRP_REPORT_NO) {
      /* no response can come: settled as soon as the last chunk is out */
      assert_true(exp == MSRP_NO_EXPIRY);
      assert_string_equal(ev_seq(0), "msgcb");
    } else {
      /* only failures are answered: silence until the timeout is success */
      assert_true(exp == T0 + 30000);
      assert_int_equal(ev_count(0, EV_MSGCB), 0);
      msrp_engine_handle_expiry(A->e, T0 + 29999);
      assert_int_equal(ev_count(0, EV_MSGCB), 0);
      msrp_engine_handle_expiry(A->e, T0 + 30000);
      assert_string_equal(ev_seq(0), "msgcb");
    }
    ev *x = ev_get(0, EV_MSGCB, 0);
    assert_int_equal(x->status, 0);
    assert_int_equal(x->code, 200);
    assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
    stop(A);
    assert_int_equal(ev_count(0, EV_MSGCB), 1);
    wire_free(&A->w);
    ev_clear();
  }
}

/* Step A's output until it has written the end-line of its n-th SEND. */
static out_chunk *step_until_send_ended(size_t k) {
  for (int i = 0; i < 1000; i++) {
    size_t seen = 0;
    for (size_t j = 0; j < A->w.n; j++)
      if (is_method(&A->w.ch[j], MSRP_METHOD_SEND) && seen++ == k &&
          A->w.ch[j].flag)
        return &A->w.ch[j];
    if (!step(A))
      break;
  }
  fail_msg("A never finished SEND number %zu", k);
  return NULL;
}

/* A failure response stops the message: no more chunks, and its code goes
 * to the callback. */
/* Returns msrp_engine_queued_bytes() at the end (checked by the caller once
 * every case has run). */
static size_t check_message_failure(int code, const char *comment,
                                    size_t fail_at) {
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  send_msg(A, "mf", "text/plain", body25, 25, TAG(41));
  for (size_t k = 0; k < fail_at; k++)
    answer(step_until_send_ended(k), 200, "OK");
  out_chunk *oc = step_until_send_ended(fail_at);
  size_t before = A->w.n;
  answer(oc, code, comment);
  drain(A);
  /* nothing new begins after the failure */
  assert_int_equal(A->w.n, before);
  for (size_t i = 0; i < A->w.n; i++)
    if (!A->w.ch[i].answered && A->w.ch[i].flag)
      answer(&A->w.ch[i], 200, "OK"); /* a chunk already on its way */
  msrp_engine_handle_expiry(A->e, W.now + 100000);
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), before);
  assert_true(before < 3);
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_string_equal(x->id, "mf");
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, code);
  assert_string_equal(x->comment, comment);
  size_t queued = msrp_engine_queued_bytes(A->e);
  stop(A);
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
  wire_free(&A->w);
  ev_clear();
  return queued;
}

/* The body of a stopped message is not queued any more. */
static void assert_none_queued(const int *codes, const size_t *queued,
                               size_t n) {
  char msg[512] = "";
  for (size_t i = 0; i < n; i++)
    if (queued[i])
      snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " after %d: %zu;",
               codes[i], queued[i]);
  if (msg[0])
    fail_msg("queued_bytes not 0 once the message stopped:%s", msg);
}

static void test_send_message_failure(void **state) {
  (void)state;
  static const int codes[] = {415, 481, 481};
  size_t q[3];
  q[0] = check_message_failure(415, "Unsupported Media Type", 0);
  q[1] = check_message_failure(481, "Session Does Not Exist", 0);
  q[2] = check_message_failure(481, "Session Does Not Exist", 1);
  assert_none_queued(codes, q, 3);
}

static void test_send_message_413(void **state) {
  (void)state;
  static const int codes[] = {413, 413};
  size_t q[2];
  q[0] = check_message_failure(413, "Stop Sending Message", 1);
  q[1] = check_message_failure(413, "Stop Sending Message", 0);
  assert_none_queued(codes, q, 2);
}

/* abort_message: the chunk in progress (if any) ends with '#', nothing
 * more goes out, the callback gets MSRP_ERR_MESSAGE_ABORTED. */
static void test_abort_message(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  send_msg(A, "mab", "text/plain", body25, 25, TAG(51));
  assert_err(msrp_engine_abort_message(A->e, "nosuch"), MSRP_ERR_NOT_FOUND);
  /* one output step, then abort wherever that left the message */
  assert_int_equal(step(A), 1);
  int mid_chunk = !msrp_parser_between_chunks(A->w.p);
  size_t before = A->w.n;
  assert_int_equal(before, 1);
  assert_int_equal(msrp_engine_abort_message(A->e, "mab"), 0);
  drain(A);
  /* mid-chunk: that chunk ends with '#'. Between chunks: one more chunk,
   * empty, ends the message with '#' (RFC 4975 7.1.1); nothing after it */
  assert_int_equal(A->w.n, mid_chunk ? before : before + 1);
  assert_true(msrp_parser_between_chunks(A->w.p));
  if (!mid_chunk) {
    out_chunk *ab = &A->w.ch[1];
    assert_chunk_norm(ab, "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: mab\r\n"
                          "Byte-Range: 11-*/25\r\n"
                          "Content-Type: text/plain\r\n"
                          "\r\n"
                          "\r\n"
                          "-------TID#\r\n");
    assert_int_equal(ab->flag, '#');
    answer(ab, 200, "OK");
    before++;
  }
  out_chunk *oc = &A->w.ch[0];
  char want[1024];
  if (mid_chunk) {
    /* the body written so far, then '#' */
    snprintf(want, sizeof want,
             "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: mab\r\n"
             "Byte-Range: 1-*/25\r\n"
             "Content-Type: text/plain\r\n"
             "\r\n"
             "%.*s\r\n"
             "-------TID#\r\n",
             (int)oc->body.n, body25);
    assert_int_equal(oc->flag, '#');
  } else {
    strcpy(want, "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: mab\r\n"
                 "Byte-Range: 1-*/25\r\n"
                 "Content-Type: text/plain\r\n"
                 "\r\n"
                 "abcdefghij\r\n"
                 "-------TID+\r\n");
  }
  assert_chunk_norm(oc, want);
  answer(oc, 200, "OK");
  drain(A);
  assert_int_equal(A->w.n, before);
  msrp_engine_handle_expiry(A->e, W.now + 100000);
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_string_equal(x->id, "mab");
  assert_err(x->status, MSRP_ERR_MESSAGE_ABORTED);
  assert_int_equal(x->tag, 51);
  assert_err(msrp_engine_abort_message(A->e, "mab"), MSRP_ERR_NOT_FOUND);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
  stop(A);
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
}

/* ========================================================================
 * 4. messages in
 * ===================================================================== */

static void test_recv_whole(void **state) {
  (void)state;
  start(A, NULL);
  char s[1024], r[512], want[2048];
  /* one chunk */
  feed(A, SEND_BA(s, "w001", "", "mw1", "1-10/10", "text/plain", "0123456789",
                  '$'));
  /* two chunks, in order */
  feed(A, SEND_BA(s, "w002", "", "mw2", "1-5/10", "text/plain", "abcde", '+'));
  assert_int_equal(ev_count(0, EV_MESSAGE), 1);
  feed(A, SEND_BA(s, "w003", "", "mw2", "6-10/10", "text/plain", "fghij", '$'));
  /* two chunks, the second first */
  feed(A, SEND_BA(s, "w004", "", "mw3", "6-10/10", "text/plain", "FGHIJ", '$'));
  assert_int_equal(ev_count(0, EV_MESSAGE), 2);
  feed(A, SEND_BA(s, "w005", "", "mw3", "1-5/10", "text/plain", "ABCDE", '+'));
  drain(A);
  strcpy(want, RESP_AB(r, "w001", 200, "OK"));
  strcat(want, RESP_AB(r, "w002", 200, "OK"));
  strcat(want, RESP_AB(r, "w003", 200, "OK"));
  strcat(want, RESP_AB(r, "w004", 200, "OK"));
  strcat(want, RESP_AB(r, "w005", 200, "OK"));
  assert_string_equal(out_since(A, 0), want);
  assert_string_equal(ev_seq(0), "msg msg msg");
  static const char *const ids[] = {"mw1", "mw2", "mw3"};
  static const char *const bodies[] = {"0123456789", "abcdefghij",
                                       "ABCDEFGHIJ"};
  for (size_t i = 0; i < 3; i++) {
    ev *x = ev_get(0, EV_MESSAGE, i);
    assert_string_equal(x->id, ids[i]);
    assert_string_equal(x->ctype, "text/plain");
    assert_int_equal(x->total, 10);
    assert_int_equal(x->len, 10);
    assert_memory_equal(x->data, bodies[i], 10);
  }
}

/* Two messages with their chunks alternating stay apart. */
static void test_recv_interleaved(void **state) {
  (void)state;
  start(A, NULL);
  char s[1024];
  feed(A, SEND_BA(s, "il01", "", "M1", "1-5/10", "text/plain", "aaaaa", '+'));
  feed(A, SEND_BA(s, "il02", "", "M2", "1-4/8", "text/html", "bbbb", '+'));
  feed(A, SEND_BA(s, "il03", "", "M1", "6-10/10", "text/plain", "AAAAA", '$'));
  feed(A, SEND_BA(s, "il04", "", "M2", "5-8/8", "text/html", "BBBB", '$'));
  assert_string_equal(ev_seq(0), "msg msg");
  ev *x = ev_get(0, EV_MESSAGE, 0);
  assert_string_equal(x->id, "M1");
  assert_string_equal(x->ctype, "text/plain");
  assert_int_equal(x->len, 10);
  assert_memory_equal(x->data, "aaaaaAAAAA", 10);
  x = ev_get(0, EV_MESSAGE, 1);
  assert_string_equal(x->id, "M2");
  assert_string_equal(x->ctype, "text/html");
  assert_int_equal(x->total, 8);
  assert_int_equal(x->len, 8);
  assert_memory_equal(x->data, "bbbbBBBB", 8);
}

/* Larger than whole_max: start, data at offsets, end; never on_message. */
static void test_recv_large(void **state) {
  (void)state;
  for (int pass = 0; pass < 2; pass++) {
    msrp_engine_config c = cfg(A);
    c.whole_max = 8;
    start(A, &c);
    W.bytewise = pass;
    char s[1024], r[512], want[2048];
    /* in order, two chunks */
    feed(A, SEND_BA(s, "lg01", "", "L1", "1-5/10", "text/plain", "01234", '+'));
    feed(A,
         SEND_BA(s, "lg02", "", "L1", "6-10/10", "text/plain", "56789", '$'));
    /* one chunk of 20 bytes */
    feed(A, SEND_BA(s, "lg03", "", "L2", "1-20/20", "text/plain",
                    "abcdefghijklmnopqrst", '$'));
    /* out of order */
    feed(A,
         SEND_BA(s, "lg04", "", "L3", "6-10/10", "text/plain", "FGHIJ", '+'));
    feed(A, SEND_BA(s, "lg05", "", "L3", "1-5/10", "text/plain", "ABCDE", '$'));
    /* exactly whole_max: whole */
    feed(A,
         SEND_BA(s, "lg06", "", "L4", "1-8/8", "text/plain", "12345678", '$'));
    W.bytewise = 0;
    drain(A);
    want[0] = '\0';
    static const char *const tids[] = {"lg01", "lg02", "lg03",
                                       "lg04", "lg05", "lg06"};
    for (size_t i = 0; i < 6; i++)
      strcat(want, RESP_AB(r, tids[i], 200, "OK"));
    assert_string_equal(out_since(A, 0), want);
    assert_string_equal(ev_seq(0),
                        "start data end start data end start data end msg");
    static const char *const ids[] = {"L1", "L2", "L3"};
    static const char *const bodies[] = {"0123456789", "abcdefghijklmnopqrst",
                                         "ABCDEFGHIJ"};
    for (size_t i = 0; i < 3; i++) {
      ev *st = ev_get(0, EV_START, i);
      assert_string_equal(st->id, ids[i]);
      assert_string_equal(st->ctype, "text/plain");
      assert_int_equal(st->total, strlen(bodies[i]));
      ev *end = ev_get(0, EV_END, i);
      assert_string_equal(end->id, ids[i]);
      assert_int_equal(end->status, 0);
      char *got;
      size_t n = ev_assemble(0, ids[i], strlen(bodies[i]), &got);
      assert_int_equal(n, strlen(bodies[i]));
      assert_string_equal(got, bodies[i]);
      free(got);
    }
    /* L3's pieces come in arrival order: offset 5 first */
    size_t k;
    for (k = 0; k < W.nev; k++)
      if (W.evs[k].type == EV_DATA && strcmp(W.evs[k].id, "L3") == 0)
        break;
    assert_true(k < W.nev);
    assert_int_equal(W.evs[k].offset, 5);
    ev *m = ev_get(0, EV_MESSAGE, 0);
    assert_string_equal(m->id, "L4");
    assert_int_equal(m->len, 8);
    stop(A);
    wire_free(&A->w);
    ev_clear();
  }
}

/* '#': the partial message is discarded. */
static void test_recv_abort_hash(void **state) {
  (void)state;
  for (int large = 0; large < 2; large++) {
    msrp_engine_config c = cfg(A);
    if (large)
      c.whole_max = 8;
    start(A, &c);
    char s[1024];
    feed(A, SEND_BA(s, "ab01", "", "MA", "1-5/10", "text/plain", "01234", '+'));
    feed(A, SEND_BA(s, "ab02", "", "MA", "6-*/10", "text/plain", "56", '#'));
    assert_string_equal(ev_seq(0), large ? "start data end" : "end");
    ev *x = ev_get(0, EV_END, 0);
    assert_string_equal(x->id, "MA");
    assert_err(x->status, MSRP_ERR_MESSAGE_ABORTED);
    /* a new message after it is fine */
    feed(A, SEND_BA(s, "ab03", "", "MB", "1-3/3", "text/plain", "new", '$'));
    assert_int_equal(ev_count(0, EV_MESSAGE), 1);
    assert_string_equal(ev_get(0, EV_MESSAGE, 0)->id, "MB");
    stop(A);
    assert_int_equal(ev_count(0, EV_END), 1);
    wire_free(&A->w);
    ev_clear();
  }
}

/* refuse_message from on_message_start / on_message_data: 413 for the
 * chunk arriving and every later one; on_message_end REFUSED. */
static void test_refuse(void **state) {
  (void)state;
  for (int from_data = 0; from_data < 2; from_data++) {
    msrp_engine_config c = cfg(A);
    c.whole_max = 8;
    start(A, &c);
    if (from_data)
      A->refuse_at_offset = 10;
    else
      A->refuse_on_start = 1;
    A->refuse_rc = 12345;
    char s[1024], r[512], want[2048];
    feed(A, SEND_BA(s, "rf01", "", "MR", "1-10/30", "text/plain", "0123456789",
                    '+'));
    feed(A, SEND_BA(s, "rf02", "", "MR", "11-20/30", "text/plain", "abcdefghij",
                    '+'));
    A->refuse_on_start = 0;
    feed(A, SEND_BA(s, "rf03", "", "MR", "21-30/30", "text/plain", "ABCDEFGHIJ",
                    '$'));
    drain(A);
    assert_int_equal(A->refuse_rc, 0);
    if (from_data)
      strcpy(want, RESP_AB(r, "rf01", 200, "OK"));
    else
      strcpy(want, RESP_AB(r, "rf01", 413, "Stop Sending Message"));
    strcat(want, RESP_AB(r, "rf02", 413, "Stop Sending Message"));
    strcat(want, RESP_AB(r, "rf03", 413, "Stop Sending Message"));
    assert_string_equal(out_since(A, 0), want);
    assert_string_equal(ev_seq(0), from_data ? "start data end" : "start end");
    ev *x = ev_get(0, EV_END, 0);
    assert_string_equal(x->id, "MR");
    assert_err(x->status, MSRP_ERR_MESSAGE_REFUSED);
    assert_err(msrp_engine_refuse_message(A->e, "MR"), MSRP_ERR_NOT_FOUND);
    assert_err(msrp_engine_refuse_message(A->e, "nosuch"), MSRP_ERR_NOT_FOUND);
    stop(A);
    assert_int_equal(ev_count(0, EV_END), 1);
    wire_free(&A->w);
    ev_clear();
  }
}

/* ========================================================================
 * 5. reports
 * ===================================================================== */

static void test_success_report_sent(void **state) {
  (void)state;
  start(A, NULL);
  char s[1024];
  /* one chunk */
  feed(A, SEND_BA(s, "sr01", "Success-Report: yes\r\n", "ms1", "1-5/5",
                  "text/plain", "hello", '$'));
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_REPORT, 0), 1);
  assert_chunk_norm(nth_method(A, MSRP_METHOD_REPORT, 0),
                    "MSRP TID REPORT\r\n" TO_B FROM_A "Message-ID: ms1\r\n"
                    "Byte-Range: 1-5/5\r\n"
                    "Status: 000 200 OK\r\n"
                    "-------TID$\r\n");
  assert_int_equal(count_method(A, MSRP_METHOD_NONE, 0), 1); /* the 200 */
  /* two chunks: one REPORT, once the whole message is in */
  size_t n0 = A->w.n;
  feed(A, SEND_BA(s, "sr02", "Success-Report: yes\r\n", "ms2", "1-5/10",
                  "text/plain", "01234", '+'));
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_REPORT, n0), 0);
  feed(A, SEND_BA(s, "sr03", "Success-Report: yes\r\n", "ms2", "6-10/10",
                  "text/plain", "56789", '$'));
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_REPORT, n0), 1);
  assert_chunk_norm(nth_method(A, MSRP_METHOD_REPORT, 1),
                    "MSRP TID REPORT\r\n" TO_B FROM_A "Message-ID: ms2\r\n"
                    "Byte-Range: 1-10/10\r\n"
                    "Status: 000 200 OK\r\n"
                    "-------TID$\r\n");
  /* Success-Report no or absent: none */
  n0 = A->w.n;
  feed(A, SEND_BA(s, "sr04", "Success-Report: no\r\n", "ms3", "1-2/2",
                  "text/plain", "no", '$'));
  feed(A, SEND_BA(s, "sr05", "", "ms4", "1-2/2", "text/plain", "no", '$'));
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_REPORT, n0), 0);
  assert_int_equal(A->w.n - n0, 2);
  /* a large message too */
  stop(A);
  msrp_engine_config c = cfg(A);
  c.whole_max = 4;
  start(A, &c);
  n0 = A->w.n;
  feed(A, SEND_BA(s, "sr06", "Success-Report: yes\r\n", "ms5", "1-6/12",
                  "text/plain", "abcdef", '+'));
  feed(A, SEND_BA(s, "sr07", "Success-Report: yes\r\n", "ms5", "7-12/12",
                  "text/plain", "ghijkl", '$'));
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_REPORT, n0), 1);
  assert_chunk_norm(nth_method(A, MSRP_METHOD_REPORT, 2),
                    "MSRP TID REPORT\r\n" TO_B FROM_A "Message-ID: ms5\r\n"
                    "Byte-Range: 1-12/12\r\n"
                    "Status: 000 200 OK\r\n"
                    "-------TID$\r\n");
  /* REPORTs are not transactions: nothing waits */
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

/* REPORTs about a message A sent, one per chunk. */
static void test_report_received(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = body25,
                            .len = 25,
                            .message_id = "mrep",
                            .success_report = MSRP_REPORT_YES};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(61), NULL), 0);
  serve();
  assert_int_equal(A->w.n, 3);
  assert_chunk_norm(&A->w.ch[0],
                    "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: mrep\r\n"
                    "Byte-Range: 1-*/25\r\n"
                    "Success-Report: yes\r\n"
                    "Content-Type: text/plain\r\n"
                    "\r\n"
                    "abcdefghij\r\n"
                    "-------TID+\r\n");
  assert_string_equal(ev_seq(0), "msgcb");
  size_t mark = A->w.all.n;
  static const struct {
    const char *range;
    uint64_t s, e;
    int complete;
  } reps[] = {
      {"1-10/25", 1, 10, 0}, {"11-20/25", 11, 20, 0}, {"21-25/25", 21, 25, 1}};
  for (size_t i = 0; i < 3; i++) {
    char rep[1024];
    snprintf(rep, sizeof rep,
             "MSRP rr%02zu REPORT\r\n" TO_A FROM_B
             "Message-ID: mrep\r\nByte-Range: %s\r\n"
             "Status: 000 200 OK\r\n-------rr%02zu$\r\n",
             i, reps[i].range, i);
    feed(A, rep);
    assert_int_equal(ev_count(0, EV_REPORT), i + 1);
    ev *x = ev_get(0, EV_REPORT, i);
    assert_string_equal(x->id, "mrep");
    assert_int_equal(x->code, 200);
    assert_string_equal(x->comment, "OK");
    assert_int_equal(x->range.start, reps[i].s);
    assert_int_equal(x->range.end, reps[i].e);
    assert_int_equal(x->range.total, 25);
    assert_int_equal(x->complete, reps[i].complete);
  }
  /* covered: the message is forgotten, a REPORT after that is ignored */
  feed(A, "MSRP rr08 REPORT\r\n" TO_A FROM_B
          "Message-ID: mrep\r\nByte-Range: 1-25/25\r\n"
          "Status: 000 200 OK\r\n-------rr08$\r\n");
  assert_int_equal(ev_count(0, EV_REPORT), 3);
  /* a failure REPORT, about a message still remembered */
  mp.message_id = "mrep2";
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(62), NULL), 0);
  serve();
  mark = A->w.all.n;
  feed(A, "MSRP rr09 REPORT\r\n" TO_A FROM_B
          "Message-ID: mrep2\r\nByte-Range: 1-25/25\r\n"
          "Status: 000 413 Too much\r\n-------rr09$\r\n");
  ev *f = ev_get(0, EV_REPORT, 3);
  assert_string_equal(f->id, "mrep2");
  assert_int_equal(f->code, 413);
  assert_string_equal(f->comment, "Too much");
  assert_int_equal(f->range.start, 1);
  assert_int_equal(f->range.end, 25);
  drain(A);
  assert_int_equal(A->w.all.n, mark); /* no response to a REPORT */
  assert_string_equal(ev_seq(0), "msgcb report report report msgcb report");
}

/* ========================================================================
 * 6. backpressure
 * ===================================================================== */

static void test_backpressure(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.max_queue_bytes = 100;
  start(A, &c);
  char body[60];
  memset(body, 'x', sizeof body);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = body,
                            .len = sizeof body,
                            .message_id = "bp1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(71), NULL), 0);
  size_t q = msrp_engine_queued_bytes(A->e);
  assert_true(q >= 60);
  mp.message_id = "bp2";
  const char *id = "untouched";
  assert_err(msrp_engine_send_message(A->e, &mp, message_cb, TAG(72), &id),
             MSRP_ERR_WOULD_BLOCK);
  assert_int_equal(msrp_engine_queued_bytes(A->e), q);
  assert_int_equal(ev_count(0, EV_WRITABLE), 0);
  drain(A);
  assert_int_equal(A->w.n, 1); /* only the first was queued */
  assert_string_equal(msrp_chunk_message_id(A->w.ch[0].c), "bp1");
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
  assert_int_equal(ev_count(0, EV_WRITABLE), 1);
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(72), NULL), 0);
  serve();
  assert_int_equal(A->w.n, 2);
  assert_string_equal(msrp_chunk_message_id(A->w.ch[1].c), "bp2");
  assert_string_equal(ev_seq(0), "writable msgcb msgcb");
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->tag, 71);
  assert_int_equal(ev_get(0, EV_MSGCB, 1)->tag, 72);
  assert_int_equal(ev_get(0, EV_MSGCB, 1)->code, 200);
}

/* ========================================================================
 * 7. pause
 * ===================================================================== */

static void test_pause_on_message(void **state) {
  (void)state;
  start(A, NULL);
  char s1[1024], s2[1024], in[2048], r[512], want[1024];
  SEND_BA(s1, "pa01", "", "P1", "1-5/5", "text/plain", "hello", '$');
  SEND_BA(s2, "pa02", "", "P2", "1-5/5", "text/plain", "world", '$');
  strcpy(in, s1);
  strcat(in, s2);
  size_t len = strlen(in);
  A->pause_on_message = 1;
  ssize_t rc = msrp_engine_recv(A->e, (const uint8_t *)in, len, W.now);
  assert_true(rc > 0 && (size_t)rc < len);
  assert_int_equal(rc, strlen(s1));
  assert_int_equal(msrp_engine_paused(A->e), 1);
  assert_string_equal(ev_seq(0), "msg");
  msrp_engine_resume(A->e);
  assert_int_equal(msrp_engine_paused(A->e), 0);
  deliver(A, in + rc, len - (size_t)rc);
  drain(A);
  strcpy(want, RESP_AB(r, "pa01", 200, "OK"));
  strcat(want, RESP_AB(r, "pa02", 200, "OK"));
  assert_string_equal(out_since(A, 0), want);
  assert_string_equal(ev_seq(0), "msg msg");
  assert_string_equal(ev_get(0, EV_MESSAGE, 0)->data, "hello");
  assert_string_equal(ev_get(0, EV_MESSAGE, 1)->data, "world");
}

static void test_pause_on_data(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.whole_max = 8;
  start(A, &c);
  char s1[1024], s2[1024], in[2048], r[512], want[1024];
  static const char big[] = "abcdefghijklmnopqrst";
  SEND_BA(s1, "pd01", "", "PD1", "1-20/20", "text/plain", big, '$');
  SEND_BA(s2, "pd02", "", "PD2", "1-5/5", "text/plain", "world", '$');
  strcpy(in, s1);
  strcat(in, s2);
  size_t len = strlen(in);
  /* feed in two pieces, so that the body comes as two slices; pause on the
   * first */
  size_t cut = strlen(s1) - 30; /* inside the body */
  A->pause_on_data = 1;
  ssize_t rc = msrp_engine_recv(A->e, (const uint8_t *)in, cut, W.now);
  assert_true(rc >= 0 && (size_t)rc <= cut);
  assert_int_equal(msrp_engine_paused(A->e), 1);
  size_t taken = (size_t)rc;
  assert_int_equal(ev_count(0, EV_DATA), 1);
  msrp_engine_resume(A->e);
  for (int i = 0; i < 100 && taken < len; i++) {
    rc =
        msrp_engine_recv(A->e, (const uint8_t *)in + taken, len - taken, W.now);
    assert_true(rc >= 0);
    taken += (size_t)rc;
    if (msrp_engine_paused(A->e))
      msrp_engine_resume(A->e);
  }
  assert_int_equal(taken, len);
  drain(A);
  strcpy(want, RESP_AB(r, "pd01", 200, "OK"));
  strcat(want, RESP_AB(r, "pd02", 200, "OK"));
  assert_string_equal(out_since(A, 0), want);
  assert_string_equal(ev_seq(0), "start data end msg");
  char *got;
  assert_int_equal(ev_assemble(0, "PD1", 20, &got), 20);
  assert_string_equal(got, big);
  free(got);
  /* pieces in order, each starting where the last ended */
  uint64_t next = 0;
  for (size_t i = 0; i < W.nev; i++)
    if (W.evs[i].type == EV_DATA) {
      assert_int_equal(W.evs[i].offset, next);
      next += W.evs[i].len;
    }
  assert_int_equal(next, 20);
  assert_string_equal(ev_get(0, EV_MESSAGE, 0)->data, "world");
}

/* ========================================================================
 * 8. provider bodies (pair)
 * ===================================================================== */

static uint8_t gen_byte(uint64_t off) {
  return (uint8_t)((off * 131u) ^ (off >> 7) ^ 0x5a);
}

static ssize_t provider(uint64_t offset, uint8_t *buf_, size_t len, void *ud) {
  prov *p = ud;
  p->calls++;
  if (len > p->max_len)
    p->max_len = len;
  if (offset >= p->size)
    return 0;
  size_t n = p->size - offset < len ? (size_t)(p->size - offset) : len;
  for (size_t i = 0; i < n; i++)
    buf_[i] = gen_byte(offset + i);
  return (ssize_t)n;
}

/* A body of n generated bytes, kept until the test ends (a body in memory
 * is borrowed until the message callback runs). */
static uint8_t *gen_body(size_t n) {
  free(W.big);
  W.big = malloc(n);
  assert_non_null(W.big);
  for (size_t i = 0; i < n; i++)
    W.big[i] = gen_byte(i);
  return W.big;
}

static void test_provider(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 16384;
  start(A, &c);
  start(B, NULL);
  prov pv = {.size = 100000};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = provider,
                            .provider_ud = &pv,
                            .size = 100000,
                            .message_id = "big1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(81), NULL), 0);
  assert_true(msrp_engine_queued_bytes(A->e) <= 70000);
  pump();
  assert_true(A->max_queued <= 70000);
  assert_true(pv.calls > 0);
  /* A: seven SENDs of at most 16384 body bytes */
  size_t nsend = count_method(A, MSRP_METHOD_SEND, 0);
  assert_int_equal(nsend, 7);
  uint64_t off = 0;
  for (size_t i = 0; i < nsend; i++) {
    out_chunk *oc = nth_method(A, MSRP_METHOD_SEND, i);
    msrp_byte_range br;
    assert_int_equal(msrp_chunk_byte_range(oc->c, &br), 0);
    assert_int_equal(br.start, off + 1);
    assert_int_equal(br.total, 100000);
    assert_true(oc->body.n <= 16384);
    assert_int_equal(oc->flag, i + 1 == nsend ? '$' : '+');
    off += oc->body.n;
  }
  assert_int_equal(off, 100000);
  /* B: the large-message path */
  assert_string_equal(ev_seq(1), "start data end");
  ev *st = ev_get(1, EV_START, 0);
  assert_string_equal(st->id, "big1");
  assert_string_equal(st->ctype, "application/octet-stream");
  assert_int_equal(st->total, 100000);
  assert_int_equal(ev_get(1, EV_END, 0)->status, 0);
  char *got;
  assert_int_equal(ev_assemble(1, "big1", 100000, &got), 100000);
  for (uint64_t i = 0; i < 100000; i++)
    if ((uint8_t)got[i] != gen_byte(i))
      fail_msg("byte %llu differs", (unsigned long long)i);
  free(got);
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 200);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
}

/* ========================================================================
 * 9. shutdown, 10. garbage
 * ===================================================================== */

static void test_shutdown(void **state) {
  (void)state;
  start(A, NULL);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "bye",
                            .len = 3,
                            .message_id = "sd1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(91), NULL), 0);
  msrp_engine_shutdown(A->e);
  mp.message_id = "sd2";
  assert_err(msrp_engine_send_message(A->e, &mp, message_cb, TAG(92), NULL),
             MSRP_ERR_CLOSED);
  msrp_chunk *c = make_send("tidshut1", &W.path_b, &W.path_a, "x");
  assert_err(msrp_engine_send_chunk(A->e, c, response_cb, NULL),
             MSRP_ERR_CLOSED);
  msrp_chunk_free(c); /* still ours */
  assert_int_equal(msrp_engine_idle(A->e), 0);
  drain(A); /* what was queued still goes out */
  assert_int_equal(A->w.n, 1);
  assert_string_equal(msrp_chunk_message_id(A->w.ch[0].c), "sd1");
  assert_int_equal(msrp_engine_idle(A->e), 0); /* its response is due */
  answer(&A->w.ch[0], 200, "OK");
  drain(A);
  assert_int_equal(msrp_engine_idle(A->e), 1);
  assert_string_equal(ev_seq(0), "msgcb");
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->tag, 91);
}

static void test_shutdown_timeout_idle(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *c = make_send("tidshut2", &W.path_b, &W.path_a, "x");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(93)), 0);
  msrp_engine_shutdown(A->e);
  drain(A);
  assert_int_equal(msrp_engine_idle(A->e), 0);
  msrp_engine_handle_expiry(A->e, msrp_engine_next_expiry(A->e));
  assert_int_equal(ev_get(0, EV_RESPONSE, 0)->code, 408);
  assert_int_equal(msrp_engine_idle(A->e), 1);
}

static void test_garbage(void **state) {
  (void)state;
  start(A, NULL);
  static const char http[] = "GET / HTTP/1.1\r\n";
  ssize_t rc =
      msrp_engine_recv(A->e, (const uint8_t *)http, strlen(http), W.now);
  assert_true(rc < 0);
  if (strncmp(msrp_errname((int)rc), "MSRP_ERR_PARSE_", 15) != 0)
    fail_msg("recv gave %s", msrp_errname((int)rc));
  assert_int_equal(W.nev, 0);
}

/* ========================================================================
 * pairs: two engines back to back
 * ===================================================================== */

static void pair_message(int bytewise) {
  start(A, NULL);
  start(B, NULL);
  W.bytewise = bytewise;
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "Hi Bob, are you there?",
                            .len = 22,
                            .message_id = "pm1",
                            .success_report = MSRP_REPORT_YES};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  mp.data = "Yes";
  mp.len = 3;
  mp.message_id = "pm2";
  mp.success_report = MSRP_REPORT_ABSENT;
  assert_int_equal(
      msrp_engine_send_message(B->e, &mp, message_cb, TAG(2), NULL), 0);
  pump();
  assert_string_equal(ev_seq(1), "msg msgcb");
  ev *x = ev_get(1, EV_MESSAGE, 0);
  assert_string_equal(x->id, "pm1");
  assert_string_equal(x->data, "Hi Bob, are you there?");
  assert_int_equal(ev_get(1, EV_MSGCB, 0)->code, 200);
  /* A: its callback, the REPORT, and B's message, in some order */
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
  assert_int_equal(ev_count(0, EV_REPORT), 1);
  ev *rp = ev_get(0, EV_REPORT, 0);
  assert_string_equal(rp->id, "pm1");
  assert_int_equal(rp->code, 200);
  assert_int_equal(rp->range.start, 1);
  assert_int_equal(rp->range.end, 22);
  assert_int_equal(rp->range.total, 22);
  assert_int_equal(rp->complete, 1);
  assert_int_equal(ev_count(0, EV_MESSAGE), 1);
  assert_string_equal(ev_get(0, EV_MESSAGE, 0)->data, "Yes");
  assert_int_equal(strlen(ev_seq(0)), strlen("msgcb report msg"));
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  assert_true(msrp_engine_next_expiry(B->e) == MSRP_NO_EXPIRY);
  assert_int_equal(msrp_engine_idle(A->e), 1);
  assert_int_equal(msrp_engine_idle(B->e), 1);
}

static void test_pair_message(void **state) {
  (void)state;
  pair_message(0);
}

static void test_pair_message_bytewise(void **state) {
  (void)state;
  pair_message(1);
}

static void test_pair_chunked(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  start(B, NULL);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = body25,
                            .len = 25,
                            .message_id = "pc1",
                            .success_report = MSRP_REPORT_YES};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  pump();
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 3);
  assert_int_equal(count_method(B, MSRP_METHOD_NONE, 0), 3);
  assert_int_equal(count_method(B, MSRP_METHOD_REPORT, 0), 1);
  assert_string_equal(ev_seq(1), "msg");
  ev *x = ev_get(1, EV_MESSAGE, 0);
  assert_int_equal(x->len, 25);
  assert_memory_equal(x->data, body25, 25);
  assert_int_equal(x->total, 25);
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
  assert_int_equal(ev_count(0, EV_REPORT), 1);
  ev *rp = ev_get(0, EV_REPORT, 0);
  assert_int_equal(rp->range.start, 1);
  assert_int_equal(rp->range.end, 25);
  assert_int_equal(rp->complete, 1);
}

static void test_pair_nickname_and_481(void **state) {
  (void)state;
  start(A, NULL);
  start(B, NULL);
  msrp_chunk *c = NULL;
  msrp_chunk_params p = {.transaction_id = "nick0001",
                         .method = "NICKNAME",
                         .to_path = &W.path_b,
                         .from_path = &W.path_a};
  assert_int_equal(msrp_chunk_make(&c, &p), 0);
  assert_int_equal(msrp_chunk_set_header(c, "Use-Nickname", "\"alice\""), 0);
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(1)), 0);
  /* a SEND for a session B is not */
  c = make_send("wrong001", &W.path_z, &W.path_a, "hello");
  assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(2)), 0);
  pump();
  assert_string_equal(ev_seq(0), "resp resp");
  ev *x = ev_get(0, EV_RESPONSE, 0);
  assert_int_equal(x->tag, 1);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 501);
  assert_string_equal(x->comment, "Unknown Method");
  x = ev_get(0, EV_RESPONSE, 1);
  assert_int_equal(x->tag, 2);
  assert_int_equal(x->code, 481);
  assert_string_equal(x->comment, "Session Does Not Exist");
  assert_string_equal(ev_seq(1), "request");
  x = ev_get(1, EV_REQUEST, 0);
  assert_string_equal(x->data, "NICKNAME");
  assert_int_equal(x->code, 501);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

static void test_pair_refuse(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  c = cfg(B);
  c.whole_max = 8;
  start(B, &c);
  B->refuse_on_start = 1;
  send_msg(A, "pr1", "text/plain", body25, 25, TAG(1));
  pump();
  msrp_engine_handle_expiry(A->e, W.now + 100000);
  assert_int_equal(B->refuse_rc, 0);
  assert_true(count_method(A, MSRP_METHOD_SEND, 0) < 3);
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 413);
  assert_string_equal(ev_seq(1), "start end");
  assert_err(ev_get(1, EV_END, 0)->status, MSRP_ERR_MESSAGE_REFUSED);
}

/* ========================================================================
 * large chunks, several transactions, providers, edge cases
 * ===================================================================== */

/* A body much larger than one output step, in one chunk: abort while the
 * chunk is half written and it ends with '#'. (An engine that writes every
 * chunk in one step has no such moment; the test says so and checks the
 * rest.) */
static void test_abort_mid_chunk(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 1u << 20;
  start(A, &c);
  size_t n = 300000;
  uint8_t *big = gen_body(n);
  send_msg(A, "mbig", "application/octet-stream", big, n, TAG(52));
  int mid = 0;
  for (int i = 0; i < 1000 && step(A); i++)
    if (A->w.n > 0 && !msrp_parser_between_chunks(A->w.p)) {
      mid = 1;
      break;
    }
  if (!mid) {
    print_message("engine wrote the whole chunk at once: '#' not reached\n");
    return;
  }
  assert_int_equal(A->w.n, 1);
  size_t sofar = A->w.ch[0].body.n;
  assert_true(sofar < n);
  assert_int_equal(msrp_engine_abort_message(A->e, "mbig"), 0);
  drain(A);
  assert_int_equal(A->w.n, 1); /* nothing after it */
  out_chunk *oc = &A->w.ch[0];
  assert_int_equal(oc->flag, '#');
  assert_int_equal(oc->body.n, sofar); /* the end-line came next */
  assert_memory_equal(oc->body.p, big, sofar);
  size_t normlen;
  char *norm = normalized_n(oc, &normlen);
  /* one chunk could hold all of it (chunk_size is larger), but it takes
   * several steps: its end is left to the end-line, "*" */
  static const char head[] =
      "MSRP TID SEND\r\n" TO_B FROM_A "Message-ID: mbig\r\n"
      "Byte-Range: 1-*/300000\r\n"
      "Content-Type: application/octet-stream\r\n"
      "\r\n";
  static const char tail[] = "\r\n-------TID#\r\n";
  size_t hl = strlen(head), tl = strlen(tail);
  assert_int_equal(normlen, hl + sofar + tl);
  assert_memory_equal(norm, head, hl);
  assert_memory_equal(norm + hl + sofar, tail, tl);
  free(norm);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
  answer(oc, 200, "OK");
  msrp_engine_handle_expiry(A->e, W.now + 100000);
  assert_string_equal(ev_seq(0), "msgcb");
  assert_err(ev_get(0, EV_MSGCB, 0)->status, MSRP_ERR_MESSAGE_ABORTED);
}

/* A failure response to chunk 1 arriving while chunk 2 is being written:
 * chunk 3 never begins; the callback has the failure's code. */
static size_t check_failure_mid_chunk(int code, const char *comment) {
  msrp_engine_config c = cfg(A);
  c.chunk_size = 100000;
  start(A, &c);
  size_t n = 300000;
  uint8_t *big = gen_body(n);
  send_msg(A, "mfm", "application/octet-stream", big, n, TAG(53));
  out_chunk *first = step_until_send_ended(0);
  (void)first;
  /* into chunk 2, if the engine writes it in several steps */
  for (int i = 0; i < 1000 && A->w.n < 2; i++)
    if (!step(A))
      break;
  assert_int_equal(A->w.n, 2);
  answer(&A->w.ch[0], code, comment);
  drain(A);
  assert_int_equal(A->w.n, 2); /* chunk 3 never begins */
  assert_true(A->w.ch[1].flag != 0);
  assert_true(A->w.ch[1].flag != '$');
  answer(&A->w.ch[1], 200, "OK");
  msrp_engine_handle_expiry(A->e, W.now + 100000);
  assert_string_equal(ev_seq(0), "msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, code);
  assert_string_equal(x->comment, comment);
  size_t queued = msrp_engine_queued_bytes(A->e);
  stop(A);
  wire_free(&A->w);
  ev_clear();
  return queued;
}

static void test_failure_mid_chunk(void **state) {
  (void)state;
  static const int codes[] = {413, 415};
  size_t q[2];
  q[0] = check_failure_mid_chunk(413, "Stop Sending Message");
  q[1] = check_failure_mid_chunk(415, "Unsupported Media Type");
  assert_none_queued(codes, q, 2);
}

/* A chunk in progress is cut short with '+' when other traffic waits, and
 * the message goes on in a new chunk where it stopped: the big message's
 * first chunk says "1-* /300000" and ends after one step; the small message
 * goes next; the big one continues at byte 65537. B gets both intact. */
static void test_interrupted_chunk(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 1u << 20; /* one chunk could hold all of it */
  start(A, &c);
  start(B, NULL);
  size_t n = 300000;
  uint8_t *big = gen_body(n);
  send_msg(A, "ic-big", "application/octet-stream", big, n, TAG(1));
  msrp_message_params small = {.content_type = "text/plain",
                               .data = "cutting in",
                               .len = 10,
                               .message_id = "ic-small"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &small, message_cb, TAG(2), NULL), 0);
  pump();
  /* A's SENDs, in wire order */
  out_chunk *s0 = nth_method(A, MSRP_METHOD_SEND, 0);
  out_chunk *s1 = nth_method(A, MSRP_METHOD_SEND, 1);
  out_chunk *s2 = nth_method(A, MSRP_METHOD_SEND, 2);
  assert_non_null(s0);
  assert_non_null(s1);
  assert_non_null(s2);
  assert_string_equal(msrp_chunk_message_id(s0->c), "ic-big");
  assert_string_equal(msrp_chunk_header_by_id(s0->c, MSRP_HDR_BYTE_RANGE),
                      "1-*/300000");
  assert_int_equal(s0->flag, '+');
  assert_int_equal(s0->body.n, 65536);
  assert_string_equal(msrp_chunk_message_id(s1->c), "ic-small");
  assert_int_equal(s1->flag, '$');
  assert_string_equal(msrp_chunk_message_id(s2->c), "ic-big");
  assert_string_equal(msrp_chunk_header_by_id(s2->c, MSRP_HDR_BYTE_RANGE),
                      "65537-*/300000");
  /* B: both messages whole and intact */
  char *got;
  assert_int_equal(ev_assemble(1, "ic-big", n, &got), n);
  assert_memory_equal(got, big, n);
  free(got);
  assert_int_equal(ev_count(1, EV_MESSAGE), 1);
  assert_int_equal(ev_count(0, EV_MSGCB), 2);
  stop(A);
  stop(B);
  ev_clear();
}

/* A large message in big chunks while the other side talks too: responses
 * and other messages get through without breaking the chunks (every byte
 * A writes parses), and everything arrives intact. */
static void test_pair_interleave_large(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 1u << 20;
  start(A, &c);
  start(B, NULL);
  size_t n = 300000;
  uint8_t *big = gen_body(n);
  send_msg(A, "il-big", "application/octet-stream", big, n, TAG(1));
  msrp_message_params small = {.content_type = "text/plain",
                               .data = "small one",
                               .len = 9,
                               .message_id = "il-a"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &small, message_cb, TAG(2), NULL), 0);
  static const char *const bids[] = {"il-b1", "il-b2", "il-b3"};
  for (int i = 0; i < 3; i++) {
    send_msg(B, bids[i], "text/plain", "from B", 6, TAG(10 + i));
  }
  pump();
  /* B: the large one in pieces, the small one whole */
  assert_int_equal(ev_count(1, EV_START), 1);
  assert_int_equal(ev_count(1, EV_END), 1);
  assert_int_equal(ev_get(1, EV_END, 0)->status, 0);
  char *got;
  assert_int_equal(ev_assemble(1, "il-big", n, &got), n);
  assert_memory_equal(got, big, n);
  free(got);
  assert_int_equal(ev_count(1, EV_MESSAGE), 1);
  assert_string_equal(ev_get(1, EV_MESSAGE, 0)->data, "small one");
  /* A: B's three */
  assert_int_equal(ev_count(0, EV_MESSAGE), 3);
  for (size_t i = 0; i < 3; i++)
    assert_string_equal(ev_get(0, EV_MESSAGE, i)->id, bids[i]);
  /* every callback once, with 200 */
  assert_int_equal(ev_count(0, EV_MSGCB), 2);
  assert_int_equal(ev_count(1, EV_MSGCB), 3);
  for (size_t i = 0; i < W.nev; i++)
    if (W.evs[i].type == EV_MSGCB) {
      assert_int_equal(W.evs[i].status, 0);
      assert_int_equal(W.evs[i].code, 200);
    }
  assert_int_equal(msrp_engine_idle(A->e), 1);
  assert_int_equal(msrp_engine_idle(B->e), 1);
}

/* Several transactions: the earliest deadline first, each timing out on
 * its own, a response removing only its own. */
static void test_expiry_order(void **state) {
  (void)state;
  start(A, NULL);
  char r[512];
  static const char *const tids[] = {"ord00001", "ord00002", "ord00003"};
  for (int i = 0; i < 3; i++) {
    msrp_chunk *c = make_send(tids[i], &W.path_b, &W.path_a, "x");
    assert_int_equal(msrp_engine_send_chunk(A->e, c, response_cb, TAG(i)), 0);
    W.now = T0 + 1000 * (uint64_t)i;
    drain(A);
  }
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 30000);
  /* the second answered: the first still sets the deadline */
  feed(A, RESP_BA(r, "ord00002", 200, "OK"));
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 30000);
  msrp_engine_handle_expiry(A->e, T0 + 30000);
  assert_int_equal(ev_count(0, EV_RESPONSE), 2);
  assert_int_equal(ev_get(0, EV_RESPONSE, 1)->tag, 0);
  assert_int_equal(ev_get(0, EV_RESPONSE, 1)->code, 408);
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 2000 + 30000);
  msrp_engine_handle_expiry(A->e, T0 + 100000);
  assert_int_equal(ev_count(0, EV_RESPONSE), 3);
  assert_int_equal(ev_get(0, EV_RESPONSE, 2)->tag, 2);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

/* Two large messages with alternating chunks stay apart. */
static void test_recv_large_interleaved(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.whole_max = 8;
  start(A, &c);
  char s[1024];
  feed(A, SEND_BA(s, "li01", "", "LA", "1-5/10", "text/plain", "aaaaa", '+'));
  feed(A, SEND_BA(s, "li02", "", "LB", "1-6/12", "text/html", "bbbbbb", '+'));
  feed(A, SEND_BA(s, "li03", "", "LA", "6-10/10", "text/plain", "AAAAA", '$'));
  feed(A, SEND_BA(s, "li04", "", "LB", "7-12/12", "text/html", "BBBBBB", '$'));
  assert_string_equal(ev_seq(0), "start data start data end data end");
  assert_string_equal(ev_get(0, EV_START, 0)->id, "LA");
  assert_string_equal(ev_get(0, EV_START, 1)->id, "LB");
  assert_string_equal(ev_get(0, EV_START, 1)->ctype, "text/html");
  assert_string_equal(ev_get(0, EV_END, 0)->id, "LA");
  assert_string_equal(ev_get(0, EV_END, 1)->id, "LB");
  char *got;
  assert_int_equal(ev_assemble(0, "LA", 10, &got), 10);
  assert_string_equal(got, "aaaaaAAAAA");
  free(got);
  assert_int_equal(ev_assemble(0, "LB", 12, &got), 12);
  assert_string_equal(got, "bbbbbbBBBBBB");
  free(got);
}

/* Aborting a message still waiting in the queue: nothing of it is
 * written. */
static void test_abort_queued(void **state) {
  (void)state;
  start(A, NULL);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "first",
                            .len = 5,
                            .message_id = "q1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  mp.data = "second";
  mp.len = 6;
  mp.message_id = "q2";
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(2), NULL), 0);
  assert_int_equal(msrp_engine_abort_message(A->e, "q2"), 0);
  serve();
  assert_int_equal(A->w.n, 1);
  assert_string_equal(msrp_chunk_message_id(A->w.ch[0].c), "q1");
  assert_int_equal(ev_count(0, EV_MSGCB), 2);
  ev *x = ev_get(0, EV_MSGCB, 0);
  ev *y = ev_get(0, EV_MSGCB, 1);
  if (strcmp(x->id, "q2") != 0) {
    ev *t = x;
    x = y;
    y = t;
  }
  assert_string_equal(x->id, "q2");
  assert_err(x->status, MSRP_ERR_MESSAGE_ABORTED);
  assert_int_equal(y->status, 0);
  assert_int_equal(y->code, 200);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
}

/* B's success REPORTs, in order, have exactly these Byte-Ranges. */
static void assert_b_reports(const char *const *ranges, size_t n) {
  assert_int_equal(count_method(B, MSRP_METHOD_REPORT, 0), n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(
        msrp_chunk_header(nth_method(B, MSRP_METHOD_REPORT, i)->c,
                          "Byte-Range"),
        ranges[i]);
}

/* A sends chunks of 10, B streams what comes and REPORTs every
 * `report_every` bytes. */
static void start_streaming_pair(uint64_t report_every) {
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  msrp_engine_config d = cfg(B);
  d.report_every = report_every;
  d.whole_max = 1; /* streamed, as file transfer takes it */
  start(B, &d);
}

/* Resuming (RFC 5547 file-range): A sends bytes 11..25 of a 25-byte body
 * (offset 10), from the provider at offset 10 on; B reports each chunk
 * (report_every 1), and the REPORTs that cover 11..25 complete A's message:
 * the first 10 bytes count as the peer's already. */
static void test_provider_offset_and_chunk_reports(void **state) {
  (void)state;
  start_streaming_pair(1);
  prov pv = {.size = 25};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = provider,
                            .provider_ud = &pv,
                            .size = 25,
                            .offset = 10,
                            .success_report = MSRP_REPORT_YES,
                            .failure_report = MSRP_REPORT_YES,
                            .message_id = "resumed"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(82), NULL), 0);
  pump();
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 2);
  static const char *const ranges[] = {"11-*/25", "21-*/25"};
  for (size_t i = 0; i < 2; i++) {
    out_chunk *oc = nth_method(A, MSRP_METHOD_SEND, i);
    assert_string_equal(msrp_chunk_header(oc->c, "Byte-Range"), ranges[i]);
    for (size_t k = 0; k < oc->body.n; k++)
      assert_int_equal((uint8_t)oc->body.p[k], gen_byte(10 + i * 10 + k));
  }
  /* B: the data at its offsets in the message, one REPORT per chunk */
  assert_int_equal(ev_get(1, EV_DATA, 0)->offset, 10);
  assert_int_equal(ev_get(1, EV_DATA, 1)->offset, 20);
  static const char *const reports[] = {"11-20/25", "21-25/25"};
  assert_b_reports(reports, 2);
  /* A: two REPORTs, the second completes the message */
  assert_int_equal(ev_count(0, EV_REPORT), 2);
  assert_false(ev_get(0, EV_REPORT, 0)->complete);
  assert_true(ev_get(0, EV_REPORT, 1)->complete);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->status, 0);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
  /* an offset needs a provider of known size, and less than it */
  mp.offset = 25;
  assert_int_equal(msrp_engine_send_message(A->e, &mp, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  mp.offset = 1;
  mp.size = MSRP_BYTE_RANGE_UNKNOWN;
  assert_int_equal(msrp_engine_send_message(A->e, &mp, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
}

/* A caller that takes enough pieces gets several whole chunks of a pulled
 * body in one step (one write): 95 bytes in chunks of 10 with 64 pieces is
 * two steps (sixteen chunks at most in one), each chunk its own
 * transaction, answered and reported as ever; with the window of
 * unanswered bytes (a relay's), a step stops at it. */
static void test_provider_many_chunks_per_step(void **state) {
  (void)state;
  start_streaming_pair(0);
  W.pieces = 64;
  prov pv = {.size = 195};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = provider,
                            .provider_ud = &pv,
                            .size = 195,
                            .success_report = MSRP_REPORT_YES,
                            .failure_report = MSRP_REPORT_YES,
                            .message_id = "many"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(84), NULL), 0);
  W.steps = 0;
  drain(A);
  assert_int_equal(W.steps, 2); /* 16 chunks, then 4 */
  pump();
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 20);
  for (size_t i = 0; i < 20; i++) {
    out_chunk *oc = nth_method(A, MSRP_METHOD_SEND, i);
    char want[32];
    snprintf(want, sizeof want, "%zu-*/195", i * 10 + 1);
    assert_string_equal(msrp_chunk_header(oc->c, "Byte-Range"), want);
    assert_int_equal(oc->body.n, i < 19 ? 10 : 5);
    assert_int_equal(oc->flag, i < 19 ? '+' : '$');
    for (size_t k = 0; k < oc->body.n; k++)
      assert_int_equal((uint8_t)oc->body.p[k], gen_byte(i * 10 + k));
  }
  /* every chunk answered, the message reported whole and done */
  int answered = 0; /* start lines "MSRP tid 200 OK", not REPORT Status */
  for (const char *o = out_since(B, 0); (o = strstr(o, "MSRP ")); o++) {
    const char *sp = strchr(o + 5, ' ');
    answered += sp && !strncmp(sp, " 200 OK\r\n", 9);
  }
  assert_int_equal(answered, 20);
  assert_int_equal(ev_count(1, EV_END), 1);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->status, 0);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
  assert_true(ev_get(0, EV_REPORT, ev_count(0, EV_REPORT) - 1)->complete);
  W.pieces = 0;
}

/* A lender: the body's bytes live in `body`; each loan is remembered
 * until given back. */
typedef struct lender_state {
  const uint8_t *body;
  uint64_t size;
  size_t piece; /* lends at most this much at once (0: as asked) */
  int lent, given_back, max_out;
  int msg_done_with_out; /* loans still out when the message callback ran */
  uint8_t refs[64];      /* 1 while the loan whose ref is &refs[i] is out */
  size_t next_ref;
} lender_state;

static ssize_t lend_bytes(uint64_t offset, size_t len, const uint8_t **data,
                          void **ref, void *ud) {
  lender_state *l = ud;
  if (offset >= l->size)
    return 0;
  size_t n = l->size - offset < len ? (size_t)(l->size - offset) : len;
  if (l->piece && n > l->piece)
    n = l->piece;
  *data = l->body + offset;
  assert_true(l->next_ref < sizeof l->refs);
  l->refs[l->next_ref] = 1;
  *ref = &l->refs[l->next_ref++];
  l->lent++;
  if (l->lent - l->given_back > l->max_out)
    l->max_out = l->lent - l->given_back;
  return (ssize_t)n;
}

static void give_back_bytes(void *ref, void *ud) {
  lender_state *l = ud;
  uint8_t *r = ref;
  assert_true(r >= l->refs && r < l->refs + sizeof l->refs);
  assert_int_equal(*r, 1); /* each loan given back once */
  *r = 0;
  l->given_back++;
}

static lender_state *W_lender;
static void lender_message_cb(msrp_engine *e, const char *message_id,
                              int status, int code, const char *comment,
                              void *ud) {
  W_lender->msg_done_with_out = W_lender->lent - W_lender->given_back;
  message_cb(e, message_id, status, code, comment, ud);
}

/* A lender's bytes go out where they are (the pieces point into its
 * memory: no copy), each loan is given back once, when its step is
 * written, and before the message's callback; the peer gets every byte. */
static void test_lender_zero_copy(void **state) {
  (void)state;
  start_streaming_pair(0);
  W.pieces = 64;
  uint8_t *body = gen_body(195);
  lender_state l = {.body = body, .size = 195};
  W_lender = &l;
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .lender = lend_bytes,
                            .release = give_back_bytes,
                            .provider_ud = &l,
                            .size = 195,
                            .failure_report = MSRP_REPORT_NO,
                            .message_id = "lent"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, lender_message_cb, TAG(86), NULL), 0);
  /* the first step: sixteen chunks of 10, each body a piece of `body` */
  struct iovec iov[64];
  int n = msrp_engine_output(A->e, iov, 64);
  assert_int_equal(n, 48);
  for (int i = 0; i < 16; i++) {
    assert_ptr_equal(iov[3 * i + 1].iov_base, body + 10 * i);
    assert_int_equal(iov[3 * i + 1].iov_len, 10);
  }
  assert_int_equal(l.lent, 16);
  assert_int_equal(l.given_back, 0); /* not before they are written */
  for (int i = 0; i < n; i++) {
    wire_feed(&A->w, iov[i].iov_base, iov[i].iov_len);
    deliver(B, iov[i].iov_base, iov[i].iov_len);
  }
  msrp_engine_output_done(A->e, W.now);
  assert_int_equal(l.given_back, 16);
  /* the rest; the message is done when its last chunk is written
   * (Failure-Report no), and by then every loan is back */
  drain(A);
  assert_int_equal(l.lent, 20);
  assert_int_equal(l.given_back, 20);
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
  assert_int_equal(l.msg_done_with_out, 0);
  assert_int_equal(ev_count(1, EV_END), 1);
  for (size_t i = 0; i < 20; i++) {
    out_chunk *oc = nth_method(A, MSRP_METHOD_SEND, i);
    assert_int_equal(oc->body.n, i < 19 ? 10 : 5);
    assert_memory_equal(oc->body.p, body + 10 * i, oc->body.n);
  }
  W.pieces = 0;
}

/* Loans of a step never written are given back when the engine goes,
 * before the message's (cancelled) callback; a short loan is fine; a
 * lender needs its release, and is neither a provider nor a body too. */
static void test_lender_given_back(void **state) {
  (void)state;
  start_streaming_pair(0);
  W.pieces = 64;
  uint8_t *body = gen_body(100);
  lender_state l = {.body = body, .size = 100, .piece = 7};
  W_lender = &l;
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .lender = lend_bytes,
                            .release = give_back_bytes,
                            .provider_ud = &l,
                            .size = 100,
                            .message_id = "held"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, lender_message_cb, TAG(87), NULL), 0);
  struct iovec iov[64];
  int n = msrp_engine_output(A->e, iov, 64);
  assert_true(n >= 2);
  assert_ptr_equal(iov[1].iov_base, body);
  assert_int_equal(iov[1].iov_len, 7); /* a short loan: fine */
  assert_true(l.lent >= 1);
  int lent = l.lent;
  msrp_engine_free(A->e);
  A->e = NULL;
  assert_int_equal(l.given_back, lent);
  assert_int_equal(l.msg_done_with_out, 0);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->status, MSRP_ERR_CANCELLED);

  /* the arguments */
  start(A, NULL);
  mp.release = NULL;
  assert_int_equal(msrp_engine_send_message(A->e, &mp, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  mp.release = give_back_bytes;
  mp.provider = provider;
  assert_int_equal(msrp_engine_send_message(A->e, &mp, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  mp.provider = NULL;
  mp.data = body;
  assert_int_equal(msrp_engine_send_message(A->e, &mp, NULL, NULL, NULL),
                   MSRP_ERR_INVALID_ARGUMENT);
  W.pieces = 0;
}

/* The window of unanswered bytes (a relay's) bounds such a step too: with
 * 35 bytes, four chunks of 10 go out, then nothing until answers come. */
static void test_many_chunks_per_step_window(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  c.max_unanswered_bytes = 35;
  start(A, &c);
  W.pieces = 64;
  prov pv = {.size = 100};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = provider,
                            .provider_ud = &pv,
                            .size = 100,
                            .message_id = "window"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(85), NULL), 0);
  W.steps = 0;
  drain(A);
  assert_int_equal(W.steps, 1);
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 4);
  serve(); /* B answers: the rest goes, window by window */
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 10);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->status, 0);
  W.pieces = 0;
}

/* report_every 15 with chunks of 10: a REPORT for the run 1-20 once 15
 * bytes have come, the rest (21-25) when the message is whole; and A's
 * message completes on them. */
static void test_reports_every(void **state) {
  (void)state;
  start_streaming_pair(15);
  prov pv = {.size = 25};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = provider,
                            .provider_ud = &pv,
                            .size = 25,
                            .success_report = MSRP_REPORT_YES,
                            .message_id = "every"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(83), NULL), 0);
  pump();
  static const char *const reports[] = {"1-20/25", "21-25/25"};
  assert_b_reports(reports, 2);
  assert_int_equal(ev_count(0, EV_REPORT), 2);
  assert_true(ev_get(0, EV_REPORT, 1)->complete);
  assert_int_equal(ev_get(1, EV_END, 0)->status, 0);
}

/* An incoming message whose chunk is coming in when its idle time has
 * passed is not idle: its deadline moves on, rather than staying in the
 * past (due again at once, the loop would spin on it). */
static void test_idle_deadline_while_receiving(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.whole_max = 1;
  start(A, &c);
  char s[512];
  SEND_BA(s, "tidle1", "", "slow", "1-*/100", "text/plain", "", '+');
  /* the headers and 10 body bytes of a chunk, not its end */
  char *body = strstr(s, "\r\n\r\n") + 4;
  size_t head = (size_t)(body - s);
  deliver(A, s, head);
  deliver(A, "0123456789", 10);
  W.now += MSRP_INCOMING_IDLE_MS + 1;
  msrp_engine_handle_expiry(A->e, W.now);
  assert_true(msrp_engine_next_expiry(A->e) > W.now);
  assert_int_equal(ev_count(0, EV_END), 0); /* not dropped */
}

/* max_unanswered_bytes 20, chunks of 10: two chunks go out, the third
 * waits until a response comes; answers still go while it waits. */
static void test_unanswered_window(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  c.max_unanswered_bytes = 20;
  start(A, &c);
  send_msg(A, "win", "text/plain", "abcdefghijklmnopqrstuvwxyzABCD", 30,
           TAG(84));
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 2);
  /* a request from the peer is answered meanwhile */
  char s[512];
  feed(A, SEND_BA(s, "peer1", "", "pm", "1-2/2", "text/plain", "hi", '$'));
  size_t mark = A->w.all.n;
  drain(A);
  assert_non_null(strstr(out_since(A, mark), "MSRP peer1 200 OK"));
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 2);
  /* one answer: room for one more chunk */
  answer(&A->w.ch[0], 200, "OK");
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 3);
  for (size_t i = 0; i < A->w.n; i++)
    if (A->w.ch[i].flag && !A->w.ch[i].answered &&
        msrp_chunk_method_id(A->w.ch[i].c) == MSRP_METHOD_SEND)
      answer(&A->w.ch[i], 200, "OK");
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 3);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
}

/* A provider that fails: the chunk it was filling ends with '#', the
 * message is aborted. */
static ssize_t failing_provider(uint64_t offset, uint8_t *buf_, size_t len,
                                void *ud) {
  prov *p = ud;
  p->calls++;
  if (offset >= 16384)
    return -1;
  return provider(offset, buf_, len, ud);
}

static void test_provider_fails(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 16384;
  start(A, &c);
  prov pv = {.size = 50000};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = failing_provider,
                            .provider_ud = &pv,
                            .size = 50000,
                            .message_id = "pf1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  serve();
  msrp_engine_handle_expiry(A->e, W.now + 100000);
  assert_int_equal(A->w.n, 2);
  assert_int_equal(A->w.ch[0].flag, '+');
  assert_int_equal(A->w.ch[0].body.n, 16384);
  assert_int_equal(A->w.ch[1].flag, '#');
  assert_string_equal(ev_seq(0), "msgcb");
  assert_err(ev_get(0, EV_MSGCB, 0)->status, MSRP_ERR_MESSAGE_ABORTED);
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
}

#define SLICE 65536 /* the body bytes of one output step (SLICE_MAX) */

/* A provider with nothing yet (a read from disk under way) says
 * MSRP_ERR_WOULD_BLOCK: from `hold_at` on until the test lets it go. */
typedef struct slow_prov {
  prov p;
  uint64_t hold_at;
  int held;       /* said MSRP_ERR_WOULD_BLOCK */
  uint64_t asked; /* the offset it was last asked for */
} slow_prov;

static ssize_t slow_provider(uint64_t offset, uint8_t *buf_, size_t len,
                             void *ud) {
  slow_prov *sp = ud;
  sp->asked = offset;
  if (offset >= sp->hold_at) {
    sp->held = 1;
    return MSRP_ERR_WOULD_BLOCK;
  }
  return provider(offset, buf_, len, &sp->p);
}

/* No head goes out before the body's first bytes are there; once they
 * are, msrp_engine_provider_ready() asks again and the message goes. */
static void test_provider_waits_before_first_chunk(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 16384;
  start(A, &c);
  start(B, NULL);
  slow_prov sp = {.p = {.size = 100000}, .hold_at = 0};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = slow_provider,
                            .provider_ud = &sp,
                            .size = 100000,
                            .message_id = "w1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  pump();
  assert_true(sp.held);
  assert_int_equal(sp.asked, 0);
  assert_int_equal(A->w.all.n, 0); /* not even a head */
  int outputs = A->outputs;
  sp.hold_at = UINT64_MAX;
  msrp_engine_provider_ready(A->e);
  assert_int_equal(A->outputs, outputs + 1);
  pump();
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), 7);
  assert_string_equal(ev_seq(1), "start data end");
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
}

/* A provider that waits in the middle of a chunk: other traffic does not
 * wait behind it (the chunk ends with '+'), and the message goes on from
 * the same offset once the provider is ready. */
static void test_provider_waits_mid_chunk(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 1u << 20; /* several output steps per chunk */
  start(A, &c);
  start(B, NULL);
  slow_prov sp = {.p = {.size = 150000}, .hold_at = SLICE};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = slow_provider,
                            .provider_ud = &sp,
                            .size = 150000,
                            .message_id = "w2"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  pump();
  assert_true(sp.held);
  assert_int_equal(sp.asked, SLICE);
  assert_int_equal(A->w.n, 1);
  assert_int_equal(A->w.ch[0].flag, 0); /* open: nothing to let through */
  send_msg(A, "t1", "text/plain", "hi", 2, TAG(2));
  pump();
  /* the open chunk ended with '+' for the text message */
  assert_int_equal(A->w.n, 2);
  assert_int_equal(A->w.ch[0].flag, '+');
  assert_int_equal(A->w.ch[0].body.n, SLICE);
  assert_string_equal(msrp_chunk_message_id(A->w.ch[1].c), "t1");
  assert_int_equal(A->w.ch[1].flag, '$');
  sp.hold_at = UINT64_MAX;
  msrp_engine_provider_ready(A->e);
  pump();
  assert_int_equal(sp.asked, 2 * SLICE);
  out_chunk *next = nth_method(A, MSRP_METHOD_SEND, 2);
  msrp_byte_range br;
  assert_int_equal(msrp_chunk_byte_range(next->c, &br), 0);
  assert_int_equal(br.start, SLICE + 1);
  assert_int_equal(next->flag, '$');
  assert_int_equal(next->body.n, 150000 - SLICE);
  /* B has the whole body, every byte once, and the text message */
  char *body = NULL;
  assert_int_equal(ev_assemble(1, "w2", 150000, &body), 150000);
  for (uint64_t k = 0; k < 150000; k++)
    if ((uint8_t)body[k] != gen_byte(k))
      fail_msg("byte %llu differs", (unsigned long long)k);
  free(body);
  assert_non_null(ev_get(1, EV_MESSAGE, 0));
  assert_string_equal(ev_get(1, EV_MESSAGE, 0)->id, "t1");
  assert_int_equal(ev_count(0, EV_MSGCB), 2);
}

/* A provider body of unknown size, ending when the provider says so; the
 * peer gets every byte. */
static void check_unknown_size(uint64_t size) {
  msrp_engine_config c = cfg(A);
  c.chunk_size = 16384;
  start(A, &c);
  start(B, NULL);
  prov pv = {.size = size};
  msrp_message_params mp = {.content_type = "application/octet-stream",
                            .provider = provider,
                            .provider_ud = &pv,
                            .size = MSRP_BYTE_RANGE_UNKNOWN,
                            .message_id = "unk1"};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  pump();
  assert_string_equal(ev_seq(0), "msgcb");
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
  /* B: whole or in pieces, every byte once */
  char *got;
  size_t n;
  if (ev_count(1, EV_MESSAGE)) {
    assert_string_equal(ev_seq(1), "msg");
    ev *x = ev_get(1, EV_MESSAGE, 0);
    n = x->len;
    got = xmemdup(x->data, x->len);
  } else {
    assert_string_equal(ev_seq(1), "start data end");
    assert_int_equal(ev_get(1, EV_END, 0)->status, 0);
    n = ev_assemble(1, "unk1", size, &got);
  }
  if (n != size)
    fail_msg("size %llu: B got %zu bytes", (unsigned long long)size, n);
  for (uint64_t i = 0; i < size; i++)
    if ((uint8_t)got[i] != gen_byte(i))
      fail_msg("byte %llu differs", (unsigned long long)i);
  free(got);
  /* the last chunk A wrote ends with '$'; all others with '+' */
  for (size_t i = 0; i < A->w.n; i++)
    if (is_method(&A->w.ch[i], MSRP_METHOD_SEND))
      assert_int_equal(A->w.ch[i].flag, i + 1 == A->w.n ? '$' : '+');
  stop(A);
  stop(B);
  wire_free(&A->w);
  wire_free(&B->w);
  ev_clear();
}

static void test_provider_unknown_size(void **state) {
  (void)state;
  check_unknown_size(40000);
  check_unknown_size(32768); /* a multiple of the chunk size */
  check_unknown_size(100000);
}

/* A message stopped by a failure response leaves the queue: the rest of
 * its body no longer counts, a blocked sender hears on_writable. */
static void test_backpressure_after_failure(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.max_queue_bytes = 100;
  c.chunk_size = 10;
  start(A, &c);
  char body[90];
  memset(body, 'y', sizeof body);
  send_msg(A, "bf1", "text/plain", body, sizeof body, TAG(1));
  out_chunk *oc = step_until_send_ended(0);
  msrp_message_params mq = {.content_type = "text/plain",
                            .data = "0123456789012345678901234567890",
                            .len = 30,
                            .message_id = "bf2"};
  assert_err(msrp_engine_send_message(A->e, &mq, message_cb, TAG(2), NULL),
             MSRP_ERR_WOULD_BLOCK);
  answer(oc, 415, "Unsupported Media Type");
  drain(A);
  assert_int_equal(ev_count(0, EV_MSGCB), 1);
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 415);
  if (ev_count(0, EV_WRITABLE) != 1)
    fail_msg("on_writable ran %zu times (want 1); queued_bytes %zu",
             ev_count(0, EV_WRITABLE), msrp_engine_queued_bytes(A->e));
  assert_int_equal(msrp_engine_queued_bytes(A->e), 0);
  assert_int_equal(
      msrp_engine_send_message(A->e, &mq, message_cb, TAG(2), NULL), 0);
}

/* Keeping a relay reservation (RFC 4976 section 5), on the fake clock:
 * AUTH at three quarters of the time granted, the Digest challenge
 * answered, the new Expires taken; 423 adjusts the interval; silence is a
 * 408 failure. */
#define RELAY "msrp://127.0.0.1:9000;tcp"

static const char *last_auth(peer *P, size_t k) {
  out_chunk *oc = nth_method(P, MSRP_METHOD_AUTH, k);
  assert_non_null(oc);
  assert_int_equal(oc->flag, '$');
  return msrp_chunk_transaction_id(oc->c);
}

static void feed_resp(peer *P, const char *tid, const char *status_line,
                      const char *headers) {
  char msg[1024];
  snprintf(msg, sizeof msg,
           "MSRP %s %s\r\nTo-Path: " URI_A "\r\nFrom-Path: " RELAY
           "\r\n%s-------%s$\r\n",
           tid, status_line, headers, tid);
  feed(P, msg);
}

static void test_relay_refresh(void **state) {
  (void)state;
  start(A, NULL);
  memset(&refreshes, 0, sizeof refreshes);
  msrp_uri relay = MSRP_URI_INIT, local = MSRP_URI_INIT;
  assert_int_equal(msrp_uri_parse(&relay, RELAY, strlen(RELAY)), 0);
  assert_int_equal(msrp_uri_parse(&local, URI_A, strlen(URI_A)), 0);
  msrp_relay_refresh r = {.relay = &relay,
                          .local = &local,
                          .username = "alice",
                          .password = "secret",
                          .expires = 600,
                          .granted = 600};
  W.now = T0;
  assert_int_equal(msrp_engine_keep_relay(A->e, &r, T0), 0);
  assert_true(msrp_engine_next_expiry(A->e) == T0 + 450000);
  msrp_engine_handle_expiry(A->e, T0 + 449999);
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_AUTH, 0), 0);

  /* the round: AUTH, 401, AUTH with the answer, 200 */
  W.now = T0 + 450000;
  msrp_engine_handle_expiry(A->e, W.now);
  drain(A);
  out_chunk *a1 = nth_method(A, MSRP_METHOD_AUTH, 0);
  assert_non_null(a1);
  assert_string_equal(msrp_chunk_header_by_id(a1->c, MSRP_HDR_TO_PATH), RELAY);
  assert_string_equal(msrp_chunk_header_by_id(a1->c, MSRP_HDR_FROM_PATH),
                      URI_A);
  assert_string_equal(msrp_chunk_header_by_id(a1->c, MSRP_HDR_EXPIRES), "600");
  assert_null(msrp_chunk_header_by_id(a1->c, MSRP_HDR_AUTHORIZATION));
  feed_resp(A, last_auth(A, 0), "401 Unauthorized",
            "WWW-Authenticate: Digest realm=\"relay\", nonce=\"n0nce\", "
            "qop=\"auth\"\r\n");
  drain(A);
  out_chunk *a2 = nth_method(A, MSRP_METHOD_AUTH, 1);
  assert_non_null(a2);
  const char *auth = msrp_chunk_header_by_id(a2->c, MSRP_HDR_AUTHORIZATION);
  assert_non_null(auth);
  /* the answer is right: recompute it with the cnonce it chose */
  const char *cn = strstr(auth, "cnonce=\"");
  assert_non_null(cn);
  char cnonce[64];
  assert_int_equal(sscanf(cn, "cnonce=\"%63[^\"]", cnonce), 1);
  msrp_digest_challenge ch;
  assert_int_equal(
      msrp_digest_parse_challenge(
          "Digest realm=\"relay\", nonce=\"n0nce\", qop=\"auth\"", &ch),
      0);
  char want[1024];
  msrp_digest_authorization(&ch, "alice", "secret", "AUTH", RELAY, cnonce, 1,
                            want, sizeof want);
  assert_string_equal(auth, want);
  assert_int_equal(refreshes.calls, 0);
  feed_resp(A, last_auth(A, 1), "200 OK",
            "Use-Path: msrp://127.0.0.1:9000/s1;tcp\r\nExpires: 300\r\n");
  assert_int_equal(refreshes.calls, 1);
  assert_int_equal(refreshes.status, 0);
  assert_int_equal(refreshes.code, 200);
  assert_int_equal(refreshes.granted, 300);
  assert_true(msrp_engine_next_expiry(A->e) == W.now + 225000);

  /* next round: 423 asks for at least 900; the retry asks for 900, with
   * the same nonce (the next count): the rule of the first reservation
   * too, one state machine for both (relay_auth.h) */
  W.now += 225000;
  msrp_engine_handle_expiry(A->e, W.now);
  drain(A);
  feed_resp(A, last_auth(A, 2), "401 Unauthorized",
            "WWW-Authenticate: Digest realm=\"relay\", nonce=\"n2\"\r\n");
  drain(A);
  feed_resp(A, last_auth(A, 3), "423 Interval Out-of-Bounds",
            "Min-Expires: 900\r\n");
  drain(A);
  out_chunk *a5 = nth_method(A, MSRP_METHOD_AUTH, 4);
  assert_non_null(a5);
  assert_string_equal(msrp_chunk_header_by_id(a5->c, MSRP_HDR_EXPIRES), "900");
  const char *auth5 = msrp_chunk_header_by_id(a5->c, MSRP_HDR_AUTHORIZATION);
  assert_non_null(auth5);
  assert_non_null(strstr(auth5, "nonce=\"n2\""));
  feed_resp(A, last_auth(A, 4), "200 OK", "Expires: 900\r\n");
  assert_int_equal(refreshes.calls, 2);
  assert_int_equal(refreshes.granted, 900);
  assert_true(msrp_engine_next_expiry(A->e) == W.now + 675000);

  /* a relay that says nothing: 408 after the response timeout */
  W.now += 675000;
  msrp_engine_handle_expiry(A->e, W.now);
  drain(A);
  assert_non_null(nth_method(A, MSRP_METHOD_AUTH, 5));
  W.now += 30000;
  msrp_engine_handle_expiry(A->e, W.now);
  assert_int_equal(refreshes.calls, 3);
  assert_int_equal(refreshes.status, MSRP_ERR_RELAY_AUTH);
  assert_int_equal(refreshes.code, 408);
  msrp_uri_clear(&relay);
  msrp_uri_clear(&local);
  stop(A);
}

/* ========================================================================
 * delivery you can trust (REPORT memory, Byte-Range consistency) and
 * hostile peers (bounded answers, 413 before 200, 1xx, idle messages)
 * ===================================================================== */

/* A REPORT from B about A's message `id` for `range`, with `status`. */
static void feed_report(const char *tid, const char *id, const char *range,
                        const char *status) {
  char r[1024];
  int n = snprintf(r, sizeof r,
                   "MSRP %s REPORT\r\n" TO_A FROM_B
                   "Message-ID: %s\r\nByte-Range: %s\r\nStatus: %s\r\n"
                   "-------%s$\r\n",
                   tid, id, range, status, tid);
  assert_true(n > 0 && (size_t)n < sizeof r);
  feed(A, r);
}

/* 10,000 messages with Success-Report yes in one pipeline, answered and
 * reported by a real engine B: every one is confirmed (the old 64-message
 * history lost all but the last 64). */
static void test_reports_pipelined_10000(void **state) {
  (void)state;
  enum { N = 10000 };
  start(A, NULL);
  /* the pair hands B all of A's output before B writes: let B's answers
   * pile up (test_answers_bounded is about that bound) */
  msrp_engine_config cb = cfg(B);
  cb.max_answer_bytes = 64u << 20;
  start(B, &cb);
  static char ids[N][16];
  for (int i = 0; i < N; i++) {
    snprintf(ids[i], sizeof ids[i], "p%05d", i);
    msrp_message_params mp = {.content_type = "text/plain",
                              .data = "hello",
                              .len = 5,
                              .message_id = ids[i],
                              .success_report = MSRP_REPORT_YES};
    assert_int_equal(
        msrp_engine_send_message(A->e, &mp, message_cb, TAG(i), NULL), 0);
  }
  /* everything goes out before anything comes back */
  drain(A);
  assert_int_equal(count_method(A, MSRP_METHOD_SEND, 0), N);
  pump();
  size_t reports = 0, complete = 0, msgcbs = 0;
  for (size_t i = 0; i < W.nev; i++) {
    const ev *x = &W.evs[i];
    if (x->who != 0)
      continue;
    if (x->type == EV_REPORT) {
      reports++;
      if (x->complete && x->code == 200 && x->status == 0)
        complete++;
    } else if (x->type == EV_MSGCB) {
      msgcbs++;
      assert_int_equal(x->code, 200);
    } else if (x->type == EV_LOG) {
      fail_msg("A logged: %s", x->comment);
    }
  }
  assert_int_equal(msgcbs, N);
  assert_int_equal(reports, N);
  assert_int_equal(complete, N);
  /* nothing is left to wait for */
  assert_true(msrp_engine_idle(A->e));
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

/* REPORTs per chunk, out of order between messages and within one, and
 * one long after the 200: all matched, each message complete once. */
static void test_reports_out_of_order_and_late(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  const char *ids[] = {"ra", "rb", "rc"};
  for (int i = 0; i < 3; i++) {
    msrp_message_params mp = {.content_type = "text/plain",
                              .data = body25,
                              .len = 25,
                              .message_id = ids[i],
                              .success_report = MSRP_REPORT_YES};
    assert_int_equal(
        msrp_engine_send_message(A->e, &mp, message_cb, TAG(i), NULL), 0);
  }
  serve();
  assert_int_equal(ev_count(0, EV_MSGCB), 3);
  feed_report("q1", "rc", "21-25/25", "000 200 OK");
  feed_report("q2", "ra", "11-20/25", "000 200 OK");
  feed_report("q3", "rb", "1-25/25", "000 200 OK");
  feed_report("q4", "rc", "1-10/25", "000 200 OK");
  feed_report("q5", "ra", "21-25/25", "000 200 OK");
  feed_report("q6", "ra", "1-10/25", "000 200 OK");
  /* rc's last REPORT comes 100 s later, inside the report timeout */
  W.now += 100000;
  msrp_engine_handle_expiry(A->e, W.now);
  feed_report("q7", "rc", "11-20/25", "000 200 OK");
  static const struct {
    const char *id;
    int complete;
  } want[] = {{"rc", 0}, {"ra", 0}, {"rb", 1}, {"rc", 0},
              {"ra", 0}, {"ra", 1}, {"rc", 1}};
  assert_int_equal(ev_count(0, EV_REPORT), 7);
  for (size_t i = 0; i < 7; i++) {
    ev *x = ev_get(0, EV_REPORT, i);
    assert_string_equal(x->id, want[i].id);
    assert_int_equal(x->complete, want[i].complete);
    assert_int_equal(x->status, 0);
  }
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

/* No REPORT within the report timeout is said as what it is, once, and a
 * REPORT after that is ignored. */
static void test_report_timeout(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.report_timeout_ms = 7000;
  start(A, &c);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "hi",
                            .len = 2,
                            .message_id = "rt",
                            .success_report = MSRP_REPORT_YES};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  serve();
  assert_string_equal(ev_seq(0), "msgcb");
  assert_int_equal(ev_get(0, EV_MSGCB, 0)->code, 200);
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 7000);
  msrp_engine_handle_expiry(A->e, T0 + 6999);
  assert_int_equal(ev_count(0, EV_REPORT), 0);
  msrp_engine_handle_expiry(A->e, T0 + 7000);
  assert_string_equal(ev_seq(0), "msgcb report");
  ev *x = ev_get(0, EV_REPORT, 0);
  assert_string_equal(x->id, "rt");
  assert_err(x->status, MSRP_ERR_NO_REPORT);
  assert_int_equal(x->code, 0);
  assert_int_equal(x->complete, 0);
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
  feed_report("late", "rt", "1-2/2", "000 200 OK");
  assert_int_equal(ev_count(0, EV_REPORT), 1);
}

/* Failure-Report partial: the peer sends no 200; the success REPORT
 * settles the transaction at once, so a shutdown need not wait 30 s. */
static void test_partial_settled_by_report(void **state) {
  (void)state;
  start(A, NULL);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = body25,
                            .len = 25,
                            .message_id = "pr",
                            .success_report = MSRP_REPORT_YES,
                            .failure_report = MSRP_REPORT_PARTIAL};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  drain(A);
  msrp_engine_shutdown(A->e);
  assert_false(msrp_engine_idle(A->e));
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 30000);
  feed_report("s1", "pr", "1-25/25", "000 200 OK");
  assert_string_equal(ev_seq(0), "report msgcb");
  ev *x = ev_get(0, EV_MSGCB, 0);
  assert_int_equal(x->status, 0);
  assert_int_equal(x->code, 200);
  assert_true(msrp_engine_idle(A->e));
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

/* A REPORT written with send_chunk needs no response: it is settled when
 * written, and a shutdown after it is idle at once. */
static void test_sent_report_settles_on_write(void **state) {
  (void)state;
  start(A, NULL);
  msrp_chunk *r;
  assert_int_equal(msrp_chunk_new_request(&r, "rep1", "REPORT"), 0);
  assert_int_equal(msrp_chunk_set_to_path(r, &W.path_b), 0);
  assert_int_equal(msrp_chunk_set_from_path(r, &W.path_a), 0);
  assert_int_equal(msrp_chunk_set_header(r, "Message-ID", "x1"), 0);
  assert_int_equal(msrp_chunk_set_header(r, "Status", "000 200 OK"), 0);
  assert_int_equal(msrp_engine_send_chunk(A->e, r, response_cb, TAG(5)), 0);
  msrp_engine_shutdown(A->e);
  drain(A);
  assert_string_equal(ev_seq(0), "resp");
  assert_true(msrp_engine_idle(A->e));
  assert_true(msrp_engine_next_expiry(A->e) == MSRP_NO_EXPIRY);
}

/* The memory of messages awaiting REPORTs is bounded: past it, sending
 * waits, and REPORTs that release them let it go on. */
static void test_unreported_bound(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.max_unreported_bytes = 4096;
  start(A, &c);
  int sent = 0, rc = 0;
  char ids[64][16];
  while (sent < 64) {
    snprintf(ids[sent], sizeof ids[sent], "u%02d", sent);
    msrp_message_params mp = {.content_type = "text/plain",
                              .data = "x",
                              .len = 1,
                              .message_id = ids[sent],
                              .success_report = MSRP_REPORT_YES};
    rc = msrp_engine_send_message(A->e, &mp, message_cb, NULL, NULL);
    if (rc)
      break;
    sent++;
  }
  assert_err(rc, MSRP_ERR_WOULD_BLOCK);
  assert_true(sent > 1 && sent < 64);
  serve();
  assert_int_equal(ev_count(0, EV_WRITABLE), 0); /* answered, not reported */
  for (int i = 0; i < sent; i++) {
    char tid[16];
    snprintf(tid, sizeof tid, "rep%02d", i);
    feed_report(tid, ids[i], "1-1/1", "000 200 OK");
  }
  assert_int_equal(ev_count(0, EV_WRITABLE), 1);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = "x",
                            .len = 1,
                            .success_report = MSRP_REPORT_YES};
  assert_int_equal(msrp_engine_send_message(A->e, &mp, NULL, NULL, NULL), 0);
}

/* A chunk whose body disagrees with its Byte-Range gets 400 and its message
 * is never delivered or reported: body longer, body shorter, bytes past
 * the total, and a chunk overlapping an earlier one with other bytes. */
static void test_range_body_mismatch(void **state) {
  (void)state;
  static const struct {
    const char *range;
    size_t len;
  } cases[] = {
      {"1-10/10", 12}, /* longer */
      {"1-10/10", 8},  /* shorter */
      {"1-2048/4000", 3584},
      {"1-*/6", 9}, /* past the total */
  };
  start(A, NULL);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char body[4096], tid[16], mid[16];
    memset(body, 'a' + (int)i, cases[i].len);
    body[cases[i].len] = '\0';
    snprintf(tid, sizeof tid, "bad%zu", i);
    snprintf(mid, sizeof mid, "mm%zu", i);
    char *s = malloc(8192);
    mk_send(s, 8192, tid, URI_A, URI_B, "Success-Report: yes\r\n", mid,
            cases[i].range, "text/plain", body, '$');
    size_t mark = A->w.all.n;
    feed(A, s);
    free(s);
    drain(A);
    char want[512];
    snprintf(want, sizeof want,
             "MSRP %s 400 Bad Request\r\nTo-Path: " URI_B
             "\r\nFrom-Path: " URI_A "\r\n-------%s$\r\n",
             tid, tid);
    assert_string_equal(out_since(A, mark), want);
  }
  assert_int_equal(ev_count(0, EV_MESSAGE), 0);
  /* overlap: bytes 1-5 "hello", then 3-7 claiming "XYlo!" */
  char s1[1024], s2[1024];
  feed(A, SEND_BA(s1, "ov1", "", "mo", "1-5/7", "text/plain", "hello", '+'));
  size_t mark = A->w.all.n;
  feed(A, SEND_BA(s2, "ov2", "", "mo", "3-7/7", "text/plain", "XYlo!", '$'));
  drain(A);
  assert_true(strstr(out_since(A, mark), "MSRP ov2 400 Bad Request\r\n"));
  assert_int_equal(ev_count(0, EV_MESSAGE), 0);
  ev *x = ev_get(0, EV_END, ev_count(0, EV_END) - 1);
  assert_string_equal(x->id, "mo");
  assert_err(x->status, MSRP_ERR_MESSAGE_CORRUPT);
  /* its later chunks get 400 too */
  mark = A->w.all.n;
  feed(A, SEND_BA(s2, "ov3", "", "mo", "6-7/7", "text/plain", "!!", '$'));
  drain(A);
  assert_true(strstr(out_since(A, mark), "MSRP ov3 400 Bad Request\r\n"));
  /* the same bytes again are fine: a retransmission */
  feed(A, SEND_BA(s1, "ok1", "", "mk", "1-5/7", "text/plain", "hello", '+'));
  feed(A, SEND_BA(s2, "ok2", "", "mk", "4-7/7", "text/plain", "lo!!", '$'));
  assert_int_equal(ev_count(0, EV_MESSAGE), 1);
  assert_string_equal(ev_get(0, EV_MESSAGE, 0)->data, "hello!!");
  /* no REPORT for anything refused */
  assert_null(strstr(A->w.all.p, " REPORT\r\n"));
}

/* A message cut finer than the engine tracks: the chunk that would
 * overflow gets 413 instead of 200, and so does every later chunk. */
static void test_too_many_pieces_413(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.whole_max = 16; /* streamed, not buffered */
  start(A, &c);
  char s[1024], range[64], tid[16];
  size_t mark = 0;
  for (int i = 0; i <= 4096; i++) {
    snprintf(range, sizeof range, "%d-%d/20000", 2 * i + 1, 2 * i + 1);
    snprintf(tid, sizeof tid, "pc%04d", i);
    if (i == 4096)
      mark = A->w.all.n;
    feed(A, SEND_BA(s, tid, "", "mp", range, "text/plain", "x", '+'));
    drain(A);
  }
  assert_true(strstr(out_since(A, mark), "MSRP pc4096 413 "));
  assert_int_equal(ev_count(0, EV_END), 1);
  assert_err(ev_get(0, EV_END, 0)->status, MSRP_ERR_MESSAGE_REFUSED);
  mark = A->w.all.n;
  feed(A, SEND_BA(s, "pcmore", "", "mp", "9001-9001/20000", "text/plain", "x",
                  '+'));
  drain(A);
  assert_true(strstr(out_since(A, mark), "MSRP pcmore 413 "));
  assert_int_equal(ev_count(0, EV_START), 1);
}

/* MSRP has no 1xx class: a 1xx (or 000) response is a failure. */
static void test_1xx_is_not_success(void **state) {
  (void)state;
  static const int codes[] = {100, 199, 0};
  for (size_t i = 0; i < 3; i++) {
    start(A, NULL);
    send_msg(A, "m1", "text/plain", "hi", 2, TAG(1));
    drain(A);
    char r[512];
    const char *tid = msrp_chunk_transaction_id(A->w.ch[0].c);
    snprintf(r, sizeof r, "MSRP %s %03d Odd\r\n" TO_A FROM_B "-------%s$\r\n",
             tid, codes[i], tid);
    feed(A, r);
    ev *x = ev_get(0, EV_MSGCB, 0);
    assert_int_equal(x->status, 0);
    assert_int_equal(x->code, codes[i]);
    stop(A);
    wire_free(&A->w);
    ev_clear();
  }
}

/* A peer that never reads our answers: the engine stops taking input when
 * its answers pass the bound and takes the rest once they are written;
 * fed past four times the bound anyway, it fails. */
static void test_answers_bounded(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.max_answer_bytes = 2048;
  start(A, &c);
  buf in = {0};
  for (int i = 0; i < 200; i++) {
    char s[1024], tid[16];
    snprintf(tid, sizeof tid, "ab%03d", i);
    SEND_BA(s, tid, "Success-Report: yes\r\n", tid, "1-2/2", "text/plain", "hi",
            '$');
    buf_add(&in, s, strlen(s));
  }
  size_t off = 0;
  int rounds = 0;
  while (off < in.n) {
    ssize_t n =
        msrp_engine_recv(A->e, (uint8_t *)in.p + off, in.n - off, W.now);
    assert_true(n >= 0);
    off += (size_t)n;
    if (off < in.n) {
      assert_true(msrp_engine_paused(A->e));
      assert_true(msrp_engine_queued_bytes(A->e) <= 2048 + 1024);
      rounds++;
      drain(A);
      assert_false(msrp_engine_paused(A->e));
    }
  }
  assert_true(rounds > 10);
  drain(A);
  assert_int_equal(ev_count(0, EV_MESSAGE), 200);
  assert_int_equal(count_method(A, MSRP_METHOD_REPORT, 0), 200);
  assert_int_equal(msrp_engine_status(A->e), 0);
  /* a caller that ignores the pause (events fed one by one) */
  msrp_parser *p;
  assert_int_equal(msrp_parser_new(&p, NULL), 0);
  size_t at = 0;
  while (at < in.n && !msrp_engine_status(A->e)) {
    size_t used;
    msrp_event pev;
    assert_int_equal(
        msrp_parser_execute(p, (uint8_t *)in.p + at, in.n - at, &used, &pev),
        0);
    at += used;
    if (pev.type != MSRP_EVENT_NONE)
      msrp_engine_recv_event(A->e, &pev, W.now);
  }
  assert_err(msrp_engine_status(A->e), MSRP_ERR_OUTPUT_FULL);
  assert_true(msrp_engine_queued_bytes(A->e) <= 4 * 2048);
  msrp_parser_free(p);
  buf_free(&in);
}

/* An incomplete incoming message is dropped after the idle time, so that a
 * broken peer's leftovers do not fill the table for good. */
static void test_incoming_idle_expiry(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.incoming_idle_ms = 5000;
  c.max_incoming = 2;
  start(A, &c);
  char s[1024];
  feed(A, SEND_BA(s, "i1", "", "ia", "1-3/6", "text/plain", "abc", '+'));
  W.now += 1000;
  feed(A, SEND_BA(s, "i2", "", "ib", "1-3/6", "text/plain", "abc", '+'));
  assert_int_equal(msrp_engine_next_expiry(A->e), T0 + 5000);
  /* the table is full: a third message is refused */
  size_t mark = A->w.all.n;
  feed(A, SEND_BA(s, "i3", "", "ic", "1-3/6", "text/plain", "abc", '+'));
  drain(A);
  assert_true(strstr(out_since(A, mark), "MSRP i3 413 "));
  msrp_engine_handle_expiry(A->e, T0 + 5000);
  assert_int_equal(ev_count(0, EV_END), 1);
  ev *x = ev_get(0, EV_END, 0);
  assert_string_equal(x->id, "ia");
  assert_err(x->status, MSRP_ERR_MESSAGE_EXPIRED);
  /* room again */
  mark = A->w.all.n;
  feed(A, SEND_BA(s, "i4", "", "id", "1-3/6", "text/plain", "abc", '+'));
  drain(A);
  assert_true(strstr(out_since(A, mark), "MSRP i4 200 OK"));
}

/* An abort that comes while the step ending a chunk with '+' is being
 * written: the '#' chunk still has to go out, so the message is not done
 * (nor forgotten) before it has. */
static void test_abort_during_plus_step(void **state) {
  (void)state;
  msrp_engine_config c = cfg(A);
  c.chunk_size = 10;
  start(A, &c);
  msrp_message_params mp = {.content_type = "text/plain",
                            .data = body25,
                            .len = 25,
                            .message_id = "ab",
                            .failure_report = MSRP_REPORT_NO};
  assert_int_equal(
      msrp_engine_send_message(A->e, &mp, message_cb, TAG(1), NULL), 0);
  struct iovec iov[4];
  int n = msrp_engine_output(A->e, iov, 4);
  assert_true(n > 0);
  assert_int_equal(msrp_engine_abort_message(A->e, "ab"), 0);
  for (int i = 0; i < n; i++)
    wire_feed(&A->w, iov[i].iov_base, iov[i].iov_len);
  msrp_engine_output_done(A->e, W.now);
  assert_int_equal(ev_count(0, EV_MSGCB), 0);
  drain(A);
  assert_int_equal(A->w.n, 2);
  assert_int_equal(A->w.ch[0].flag, '+');
  assert_int_equal(A->w.ch[1].flag, '#');
  assert_string_equal(ev_seq(0), "msgcb");
  assert_err(ev_get(0, EV_MSGCB, 0)->status, MSRP_ERR_MESSAGE_ABORTED);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_new_errors),
      T(test_reports_pipelined_10000),
      T(test_reports_out_of_order_and_late),
      T(test_report_timeout),
      T(test_partial_settled_by_report),
      T(test_sent_report_settles_on_write),
      T(test_unreported_bound),
      T(test_range_body_mismatch),
      T(test_too_many_pieces_413),
      T(test_1xx_is_not_success),
      T(test_answers_bounded),
      T(test_incoming_idle_expiry),
      T(test_abort_during_plus_step),
      T(test_send_chunk_timeout_408),
      T(test_send_chunk_tid_in_use),
      T(test_send_chunk_timeout_modes),
      T(test_send_chunk_response),
      T(test_send_chunk_invalid),
      T(test_send_message_invalid),
      T(test_free_cancels),
      T(test_incoming_send_200),
      T(test_incoming_bytewise),
      T(test_incoming_failure_report),
      T(test_incoming_481),
      T(test_incoming_415),
      T(test_incoming_501),
      T(test_incoming_report_no_response),
      T(test_incoming_400),
      T(test_send_message_single),
      T(test_send_message_chunks),
      T(test_send_message_partial_timeouts),
      T(test_send_message_failure),
      T(test_send_message_413),
      T(test_abort_message),
      T(test_recv_whole),
      T(test_recv_interleaved),
      T(test_recv_large),
      T(test_recv_abort_hash),
      T(test_refuse),
      T(test_success_report_sent),
      T(test_report_received),
      T(test_backpressure),
      T(test_pause_on_message),
      T(test_pause_on_data),
      T(test_provider),
      T(test_shutdown),
      T(test_shutdown_timeout_idle),
      T(test_garbage),
      T(test_pair_message),
      T(test_pair_message_bytewise),
      T(test_pair_chunked),
      T(test_pair_nickname_and_481),
      T(test_incoming_nickname_room),
      T(test_pair_refuse),
      T(test_abort_mid_chunk),
      T(test_failure_mid_chunk),
      T(test_pair_interleave_large),
      T(test_interrupted_chunk),
      T(test_relay_refresh),
      T(test_expiry_order),
      T(test_recv_large_interleaved),
      T(test_abort_queued),
      T(test_provider_offset_and_chunk_reports),
      T(test_provider_many_chunks_per_step),
      T(test_lender_zero_copy),
      T(test_lender_given_back),
      T(test_many_chunks_per_step_window),
      T(test_reports_every),
      T(test_idle_deadline_while_receiving),
      T(test_unanswered_window),
      T(test_provider_fails),
      T(test_provider_waits_before_first_chunk),
      T(test_provider_waits_mid_chunk),
      T(test_provider_unknown_size),
      T(test_backpressure_after_failure),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
