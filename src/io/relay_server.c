/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* An MSRP relay (RFC 4976).
 *
 * Connections are read as parser events. A request's head decides where
 * it goes (section 6): AUTH is the relay's own (section 5); anything else
 * names one of our reservations first in its To-Path. From the client that
 * holds the reservation it goes out to the next URI (another of our
 * reservations, or a connection to another relay or endpoint); from
 * anyone else it goes to that client, and only if the rest of the To-Path
 * is exactly the client's URI. The head is written to the next hop with
 * our URI taken off the To-Path and put first on the From-Path, a
 * transaction id of our own and a Byte-Range ending in "*"; the body
 * follows as it arrives; the relay answers the previous hop itself once
 * the chunk has been passed on, and turns a failure further on (an error
 * response, or none in time) into a REPORT back to the sender when its
 * Failure-Report asks for it.
 *
 * One chunk at a time is written to a connection. Another sender waits
 * (its reading paused) and the relay's own answers wait in a queue; when
 * either is waiting the chunk being streamed is cut with '+' after the
 * bytes written so far and continued later in a new chunk, so nothing
 * stands behind a long chunk. A connection whose output passes
 * max_queue_bytes stops the reading of whoever feeds it, including itself
 * (a peer that sends requests and does not read the answers). */
#include <msrp/relay_server.h>

#include <msrp/auth.h>
#include <msrp/chunk.h>
#include <msrp/transport.h>
#include <msrp/uri.h>

#include "core/idmap.h"
#include "core/util.h"
#include "core/wire.h"
#include "io/io_internal.h"
#include "io/layer.h"
#include "io/relay_db.h"

#include <openssl/rand.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#define TICK_MS 250
#define SESSION_ID_LEN 20

typedef struct listener listener;
typedef struct rconn rconn;
typedef struct rres rres;
typedef struct ftx ftx;
typedef struct item item;

struct listener {
  uv_tcp_t tcp; /* first */
  msrp_relay_server *r;
  bool use_tls;
  struct sockaddr_storage addr;
  char host[64]; /* as written in the Use-Path */
  int port;
  listener *next;
};

/* A reservation (section 5): our URI for it, the client's connection and
 * URI, until when. */
struct rres {
  char id[SESSION_ID_LEN + 1];
  char *uri_text;
  msrp_uri uri;
  msrp_uri client;
  rconn *c;
  uint64_t expires_at;
  rres *next_in_conn;
};

/* A body's bytes left where they were read: written after obuf's first
 * `at` bytes (and the refs before it). */
typedef struct oref {
  size_t at;
  const uint8_t *p;
  size_t len;
  msrp__rhold *h;
} oref;
/* A body slice is written from where it was read when it is this big and
 * at least a quarter of the buffer it keeps; at most this many slices go
 * into one write (each between two runs of our own bytes). */
#define REF_MIN 4096
#define REFS_MAX ((MSRP__LAYER_PIECES - 1) / 2)

/* Bytes of our own (answers, REPORTs) for a connection that is busy. */
struct item {
  item *next;
  size_t len;
  char data[];
};

/* A request we passed on and await the answer to. */
struct ftx {
  char tid[20];
  rconn *down, *up;
  uint64_t at;
  char *report;     /* a failure REPORT's paths, Message-ID and Byte-Range */
  bool partial;     /* Failure-Report partial: errors, not timeouts */
  ftx *prev, *next; /* all of them, oldest first */
};

typedef enum { IN_NONE, IN_STREAM, IN_DROP } in_state;

/* An AUTH waiting for the database. */
typedef struct auth_wait {
  rconn *c;
  msrp_chunk *req;
  msrp_digest_credentials cr;
} auth_wait;

struct rconn {
  msrp_relay_server *r;
  msrp_transport *t;
  char peer[80];
  char ip[80];
  bool ready, dead, outgoing, reading, valid;
  int writes;  /* write callbacks to come */
  int holds;   /* our callbacks running on it: not freed under them */
  char *key;   /* outgoing: "tls host port" */
  listener *l; /* accepted on it */
  uint64_t born, last;
  int auth_failures;
  auth_wait *auth_wait; /* its AUTH waits for the database */
  rres *res;

  /* the chunk being read */
  struct {
    in_state st;
    rconn *to;
    const msrp_chunk *orig; /* what came: the parser's, until its end */
    char *hdr;              /* our head's header lines but Byte-Range and
                               Content-Type: paths rewritten */
    char *ctype;            /* its Content-Type, or NULL (no body) */
    char method[32];
    uint64_t start;    /* its Byte-Range start */
    uint64_t total;    /* ... and total */
    uint64_t done;     /* body bytes passed on */
    bool piece_open;   /* a piece of it is open at the next hop ... */
    uint64_t piece;    /* ... with this many body bytes */
    char tid[20];      /* ... under our transaction id */
    bool waiting_turn; /* queued behind another writer of `to` */
  } in;

  /* writing to this connection */
  rconn *writer;   /* streaming a chunk into it */
  rconn **waiters; /* waiting to stream into it, in order */
  size_t nwaiters, capwaiters;
  item *prio, *prio_tail; /* our own bytes waiting for the writer */
  /* what this turn of the loop wrote to it (and, until it is up, all
   * of it): one write when the turn ends */
  char *obuf;
  size_t olen, ocap;
  /* ... and, between those bytes, bodies written on from the read buffers
   * they came in (no copy) */
  oref *refs;
  size_t nrefs, refbytes;
  bool dirty;
  rconn *next_dirty;
  msrp__idmap sent; /* ftx by our transaction id */

  rconn *prev, *next;
};

struct msrp_relay_server {
  uv_loop_t *loop;
  uint64_t (*clock)(void *);
  void *clock_ud;
  msrp_logger logger;
  msrp__tls_ctx *server_ctx, *client_ctx;
  listener *listeners;
  uv_timer_t tick;
  int open_handles;
  bool freeing, draining;
  void (*drain_cb)(msrp_relay_server *, void *);
  void *drain_ud;

  char *host, *realm, *users_file;
  msrp__relay_db *db; /* credentials in PostgreSQL, or NULL */
  char **users;       /* "user:realm:HA1" lines */
  size_t nusers;
  uint8_t key[32];
  uint32_t exp_def, exp_min, exp_max, nonce_life;
  unsigned max_auth_failures;
  uint64_t unauth_ms, idle_ms, resp_ms;
  size_t max_conns, max_per_addr, max_queue;

  rconn *conns;
  size_t nconns;
  rconn *dirty; /* connections with bytes to write at the end of the turn */
  uv_check_t flusher;
  msrp__idmap res; /* rres by id */
  ftx *ftx_head, *ftx_tail;
  msrp_relay_server_stats st;
};

static const char *res_key(const void *p) {
  return ((const rres *)p)->id;
}

static const char *ftx_key(const void *p) {
  return ((const ftx *)p)->tid;
}

#define LOG(r, lvl, ...) msrp__log(&(r)->logger, (lvl), __VA_ARGS__)

static uint64_t now_ms(const msrp_relay_server *r) {
  return r->clock ? r->clock(r->clock_ud) : uv_now(r->loop);
}

/* ---- queues and writing ------------------------------------------------- */

static void conn_close(rconn *c, const char *why);
static void update_reading(rconn *c);
static void next_writer(rconn *d);

static size_t queued(const rconn *c) {
  return c->olen + c->refbytes +
         (c->t && c->ready ? msrp_transport_write_queue_size(c->t) : 0);
}

static bool over(const rconn *c) {
  return queued(c) > c->r->max_queue;
}

static void maybe_release(rconn *c) {
  if (!c->dead || c->writes || c->dirty || c->holds)
    return;
  free(c->waiters);
  free(c->key);
  free(c->obuf);
  free(c);
}

static void refs_release(oref *refs, size_t n) {
  for (size_t i = 0; i < n; i++)
    msrp__rhold_release(refs[i].h);
  free(refs);
}

/* What one write took: freed, and the read buffers given back, when it is
 * done. */
typedef struct wdone {
  rconn *c;
  char *buf;
  oref *refs;
  size_t nrefs;
} wdone;

static void on_written(msrp_transport *t, int status, void *ud) {
  (void)t;
  wdone *w = ud;
  rconn *c = w->c;
  free(w->buf);
  refs_release(w->refs, w->nrefs);
  free(w);
  c->writes--;
  if (c->dead) {
    maybe_release(c);
    return;
  }
  if (status) {
    conn_close(c, msrp_strerror(status));
    return;
  }
  if (queued(c) <= c->r->max_queue / 2) {
    /* it took what was waiting: whoever feeds it may go on */
    if (c->writer)
      update_reading(c->writer);
    update_reading(c);
  }
}

/* The turn's bytes for `c` go out, in one write (no copy: the buffer is
 * the write's until it is done). Never closes `c` itself (it runs inside
 * conn_close too): a failure is returned for the caller to act on. */
static int flush(rconn *c) {
  if (c->dead || !c->ready || (!c->olen && !c->nrefs))
    return 0;
  wdone *w = malloc(sizeof *w);
  if (!w)
    return MSRP_ERR_NOMEM;
  *w = (wdone){c, c->obuf, c->refs, c->nrefs};
  struct iovec iov[MSRP__LAYER_PIECES];
  int n = 0;
  size_t at = 0;
  for (size_t i = 0; i < c->nrefs; i++) {
    if (c->refs[i].at > at)
      iov[n++] = (struct iovec){c->obuf + at, c->refs[i].at - at};
    at = c->refs[i].at;
    iov[n++] = (struct iovec){(void *)c->refs[i].p, c->refs[i].len};
  }
  if (c->olen > at)
    iov[n++] = (struct iovec){c->obuf + at, c->olen - at};
  c->obuf = NULL;
  c->olen = c->ocap = 0;
  c->refs = NULL;
  c->nrefs = c->refbytes = 0;
  if (msrp_transport_writev(c->t, iov, n, on_written, w)) {
    free(w->buf);
    refs_release(w->refs, w->nrefs);
    free(w);
    return MSRP_ERR_IO;
  }
  c->writes++;
  return 0;
}

static void on_flush(uv_check_t *h) {
  msrp_relay_server *r = h->data;
  while (r->dirty) {
    rconn *c = r->dirty;
    r->dirty = c->next_dirty;
    c->dirty = false;
    c->next_dirty = NULL;
    if (flush(c))
      conn_close(c, "write failed");
    maybe_release(c);
  }
}

static item *item_new(const void *data, size_t len) {
  item *it = malloc(sizeof *it + len);
  if (it) {
    it->next = NULL;
    it->len = len;
    memcpy(it->data, data, len);
  }
  return it;
}

/* `c` has bytes for the end of the turn. */
static void queue_turn(rconn *c) {
  if (!c->dirty && c->ready) {
    c->dirty = true;
    c->next_dirty = c->r->dirty;
    c->r->dirty = c;
  }
  if (queued(c) > 4 * c->r->max_queue)
    conn_close(c, "it does not read what is sent to it");
}

/* Bytes onto the connection (copied), written when the loop's turn ends
 * (or, for a connection not up yet, when it is up). */
static void put(rconn *c, const void *data, size_t len) {
  if (c->dead || !len)
    return;
  if (c->olen + len > c->ocap) {
    size_t cap = c->ocap ? c->ocap : 4096;
    while (cap < c->olen + len)
      cap *= 2;
    char *n = realloc(c->obuf, cap);
    if (!n) {
      conn_close(c, "out of memory");
      return;
    }
    c->obuf = n;
    c->ocap = cap;
  }
  memcpy(c->obuf + c->olen, data, len);
  c->olen += len;
  queue_turn(c);
}

/* A body's bytes onto the connection: from where `from` read them when
 * that is worth it (and `c` is up), else copied. */
static void put_body(rconn *c, rconn *from, const uint8_t *data, size_t len) {
  if (c->dead || !len)
    return;
  size_t cap;
  msrp__rhold *h = NULL;
  if (len >= REF_MIN && c->ready && c->nrefs < REFS_MAX &&
      (h = msrp__transport_hold(from->t, data, len, &cap)) && len < cap / 4) {
    msrp__rhold_release(h);
    h = NULL;
  }
  if (!h) {
    put(c, data, len);
    return;
  }
  if (!c->refs && !(c->refs = malloc(REFS_MAX * sizeof *c->refs))) {
    msrp__rhold_release(h);
    conn_close(c, "out of memory");
    return;
  }
  c->refs[c->nrefs++] = (oref){c->olen, data, len, h};
  c->refbytes += len;
  c->r->st.forwarded_in_place += len;
  queue_turn(c);
}

/* The open piece of `w`'s chunk at its next hop ends with `flag`. */
static void close_piece(rconn *w, char flag) {
  msrp__buf b = {0};
  if (!msrp__wire_end_line(&b, w->in.ctype != NULL, w->in.tid,
                           strlen(w->in.tid), flag))
    put(w->in.to, b.data, b.len);
  msrp__buf_free(&b);
  w->in.piece_open = false;
}

static void flush_prio(rconn *d) {
  while (d->prio && !d->dead) {
    item *it = d->prio;
    d->prio = it->next;
    if (!d->prio)
      d->prio_tail = NULL;
    put(d, it->data, it->len);
    free(it);
  }
}

/* Someone waits for `d` while `w` streams into it: cut w's chunk here
 * (when a piece has body bytes) and let the others go first. */
static void maybe_interrupt(rconn *d) {
  rconn *w = d->writer;
  if (!w || !w->in.piece_open || w->in.piece == 0 || (!d->prio && !d->nwaiters))
    return;
  close_piece(w, '+');
  flush_prio(d);
  if (d->nwaiters) {
    /* w takes its turn again after the others */
    d->writer = NULL;
    w->in.waiting_turn = true;
    if (d->nwaiters == d->capwaiters) {
      size_t cap = d->capwaiters ? 2 * d->capwaiters : 4;
      rconn **n = realloc(d->waiters, cap * sizeof *n);
      if (!n) {
        conn_close(w, "out of memory");
        return;
      }
      d->waiters = n;
      d->capwaiters = cap;
    }
    d->waiters[d->nwaiters++] = w;
    update_reading(w);
    next_writer(d);
  }
}

/* Our own bytes (an answer, a REPORT) for `d`: now when nobody streams
 * into it, else after the piece being written. */
static void emit(rconn *d, const void *data, size_t len) {
  if (d->dead)
    return;
  if (!d->writer) {
    put(d, data, len);
    return;
  }
  item *it = item_new(data, len);
  if (!it) {
    conn_close(d, "out of memory");
    return;
  }
  if (d->prio_tail)
    d->prio_tail->next = it;
  else
    d->prio = it;
  d->prio_tail = it;
  maybe_interrupt(d);
}

/* ---- reading ------------------------------------------------------------ */

static void on_read(msrp_transport *t, int status, const msrp_event *ev,
                    void *ud);

static void update_reading(rconn *c) {
  if (c->dead || !c->ready)
    return;
  bool want = !c->in.waiting_turn && !c->auth_wait && !over(c) &&
              !(c->in.st == IN_STREAM && c->in.to && over(c->in.to));
  if (want == c->reading)
    return;
  c->reading = want;
  if (want)
    msrp_transport_read_start(c->t, on_read, c);
  else
    msrp_transport_read_stop(c->t);
}

/* ---- answers ------------------------------------------------------------ */

/* The first URI of a path header's value, as written. */
static size_t first_uri(const char *v) {
  return v ? strcspn(v, " ") : 0;
}

/* "Name: " and the first `n` bytes of `v` (one URI of a path), CRLF. */
static int path_line(msrp__buf *b, const char *name, const char *v, size_t n) {
  int rc = msrp__buf_append_str(b, name);
  rc |= msrp__buf_append_str(b, ": ");
  rc |= msrp__buf_append(b, v, n);
  rc |= msrp__buf_append_str(b, "\r\n");
  return rc;
}

/* A response to `req` (which came from `c`), with extra header pairs:
 * hop by hop, back to the previous hop (the first From-Path URI), from
 * the URI it addressed (the first To-Path URI). */
static void respond(rconn *c, const msrp_chunk *req, int code,
                    const char *comment, const char *const *hdrs) {
  if (!msrp_chunk_wants_response(req, code))
    return;
  const char *to = msrp_chunk_header_by_id(req, MSRP_HDR_TO_PATH);
  const char *from = msrp_chunk_header_by_id(req, MSRP_HDR_FROM_PATH);
  size_t tn = first_uri(to), fn = first_uri(from);
  if (!tn || !fn)
    return;
  const char *tid = msrp_chunk_transaction_id(req);
  msrp__buf b = {0};
  int rc = msrp__wire_response_line(&b, tid, strlen(tid), code, comment);
  rc |= path_line(&b, "To-Path", from, fn);
  rc |= path_line(&b, "From-Path", to, tn);
  for (size_t i = 0; hdrs && hdrs[i]; i += 2)
    rc |= msrp__wire_header(&b, hdrs[i], hdrs[i + 1]);
  rc |= msrp__wire_end_line(&b, false, tid, strlen(tid), '$');
  if (!rc)
    emit(c, b.data, b.len);
  msrp__buf_free(&b);
  if (code == 481)
    c->r->st.refused_481++;
}

/* ---- reservations ------------------------------------------------------- */

static bool same_host(const char *a, const char *b) {
  return msrp__ieq(a, strlen(a), b, strlen(b));
}

static listener *listener_of(msrp_relay_server *r, const msrp_uri *u) {
  for (listener *l = r->listeners; l; l = l->next) {
    if (u->use_tls != l->use_tls || msrp_uri_effective_port(u) != l->port)
      continue;
    if (same_host(u->host, l->host) || (r->host && same_host(u->host, r->host)))
      return l;
  }
  return NULL;
}

/* The live reservation `u` names, or NULL. */
static rres *reservation_of(msrp_relay_server *r, const msrp_uri *u) {
  if (!u->session_id || !listener_of(r, u))
    return NULL;
  rres *x = msrp__idmap_find(&r->res, u->session_id);
  if (!x || x->expires_at <= now_ms(r))
    return NULL;
  return x;
}

static void res_free(msrp_relay_server *r, rres *x) {
  msrp__idmap_remove(&r->res, x);
  msrp_uri_clear(&x->uri);
  msrp_uri_clear(&x->client);
  free(x->uri_text);
  free(x);
}

/* ---- AUTH (section 5) --------------------------------------------------- */

static const char *ha1_of(msrp_relay_server *r, const char *user,
                          const char *realm) {
  size_t ul = strlen(user), rl = strlen(realm);
  for (size_t i = 0; i < r->nusers; i++) {
    const char *l = r->users[i];
    if (!strncmp(l, user, ul) && l[ul] == ':' &&
        !strncmp(l + ul + 1, realm, rl) && l[ul + 1 + rl] == ':' &&
        strlen(l + ul + rl + 2) == 32)
      return l + ul + rl + 2;
  }
  return NULL;
}

static void challenge(rconn *c, const msrp_chunk *req, bool stale) {
  msrp_relay_server *r = c->r;
  char nonce[MSRP_DIGEST_NONCE_SIZE], www[400];
  if (msrp_digest_make_nonce(r->key, now_ms(r) / 1000, c->ip, nonce))
    return;
  snprintf(www, sizeof www,
           "Digest realm=\"%s\", nonce=\"%s\", qop=\"auth\", algorithm=MD5%s",
           r->realm, nonce, stale ? ", stale=true" : "");
  const char *h[] = {"WWW-Authenticate", www, NULL};
  respond(c, req, 401, "Unauthorized", h);
}

static void auth_failed(rconn *c, const msrp_chunk *req, const char *why) {
  msrp_relay_server *r = c->r;
  r->st.auth_failed++;
  LOG(r, MSRP_LOG_WARNING, "%s: AUTH refused: %s", c->peer, why);
  respond(c, req, 403, "Forbidden", NULL);
  if (++c->auth_failures >= (int)r->max_auth_failures)
    conn_close(c, "too many failed AUTHs");
}

static void auth_finish(rconn *c, const msrp_chunk *req,
                        const msrp_digest_credentials *cr, int status,
                        const char *ha1);

/* The database answered an AUTH that waited for it. */
static void on_ha1(void *ud, int status, const char *ha1) {
  auth_wait *w = ud;
  rconn *c = w->c;
  c->auth_wait = NULL;
  c->holds++;
  auth_finish(c, w->req, &w->cr, status, ha1);
  msrp_chunk_free(w->req);
  free(w);
  update_reading(c);
  c->holds--;
  maybe_release(c);
}

static void handle_auth(rconn *c, const msrp_chunk *req) {
  msrp_relay_server *r = c->r;
  const msrp_path *to = msrp_chunk_to_path(req);
  const msrp_path *from = msrp_chunk_from_path(req);
  if (to->count != 1 || from->count != 1) {
    respond(c, req, 400, "AUTH goes to the relay alone", NULL);
    return;
  }
  /* the relay itself, by any name and port (clients find it through SRV,
   * under a domain, or through a port forward); the Use-Path names the
   * listener the client came in on */
  const msrp_uri *at = &to->uris[0];
  listener *l = c->l;
  if (!l || at->session_id || at->use_tls != l->use_tls) {
    respond(c, req, 403, "Not this relay", NULL);
    return;
  }
  const char *authz = msrp_chunk_header_by_id(req, MSRP_HDR_AUTHORIZATION);
  if (!authz) {
    challenge(c, req, false);
    return;
  }
  msrp_digest_credentials cr;
  int rc = msrp_digest_parse_authorization(authz, &cr);
  if (rc) {
    auth_failed(c, req, msrp_strerror(rc));
    return;
  }
  if (strcmp(cr.realm, r->realm)) {
    auth_failed(c, req, "another realm");
    return;
  }
  rc = msrp_digest_check_nonce(r->key, cr.nonce, now_ms(r) / 1000,
                               r->nonce_life, c->ip);
  if (rc == MSRP_ERR_DIGEST_STALE) {
    challenge(c, req, true); /* not a failure of the password */
    return;
  }
  if (rc) {
    auth_failed(c, req, "a nonce that is not ours");
    return;
  }
  char auri[512];
  if (msrp_uri_format(&to->uris[0], auri, sizeof auri) < 0 ||
      strcmp(auri, cr.uri)) {
    auth_failed(c, req, "a Digest uri that is not the To-Path");
    return;
  }
  const char *ha1 = ha1_of(r, cr.username, cr.realm);
  char got[33];
  int st = ha1 ? 0 : MSRP_ERR_NOT_FOUND;
  if (!ha1 && r->db) {
    st = msrp__relay_db_cached(r->db, cr.username, cr.realm, got);
    if (st == MSRP_ERR_WOULD_BLOCK) {
      /* ask the database; this connection waits (not read) meanwhile */
      auth_wait *w = calloc(1, sizeof *w);
      if (!w || msrp_chunk_dup(&w->req, req)) {
        free(w);
        respond(c, req, 500, "Server Internal Error", NULL);
        return;
      }
      w->c = c;
      w->cr = cr;
      c->auth_wait = w;
      update_reading(c);
      msrp__relay_db_lookup(r->db, cr.username, cr.realm, on_ha1, w);
      return;
    }
    ha1 = st ? NULL : got;
  }
  auth_finish(c, req, &cr, st, ha1);
}

/* The credentials' HA1 is known (or not): the AUTH's answer. */
static void auth_finish(rconn *c, const msrp_chunk *req,
                        const msrp_digest_credentials *crp, int status,
                        const char *ha1) {
  msrp_relay_server *r = c->r;
  msrp_digest_credentials cr = *crp;
  listener *l = c->l;
  const msrp_path *from = msrp_chunk_from_path(req);
  if (status == MSRP_ERR_IO) {
    /* the database cannot be asked: said, and nothing held against the
     * client */
    LOG(r, MSRP_LOG_WARNING,
        "%s: AUTH of %s: the credentials database is "
        "unavailable",
        c->peer, cr.username);
    respond(c, req, 500, "Credentials database unavailable", NULL);
    return;
  }
  if (!ha1 || msrp_digest_check_response(&cr, ha1, "AUTH")) {
    auth_failed(c, req, ha1 ? "wrong password" : "unknown user");
    return;
  }
  /* Expires (section 5.1): within our bounds, or 423 naming them */
  uint32_t want = r->exp_def;
  if (msrp_chunk_expiry(req, MSRP_HDR_EXPIRES, &want) == 0 &&
      (want < r->exp_min || want > r->exp_max)) {
    char v[16];
    bool low = want < r->exp_min;
    snprintf(v, sizeof v, "%u", low ? r->exp_min : r->exp_max);
    const char *h[] = {low ? "Min-Expires" : "Max-Expires", v, NULL};
    respond(c, req, 423, "Interval Out-of-Bounds", h);
    return;
  }
  /* a refresh on the connection that holds the reservation renews it */
  rres *x = NULL;
  for (rres *y = c->res; y; y = y->next_in_conn)
    if (msrp_uri_equal(&y->client, &from->uris[0]))
      x = y;
  if (!x) {
    x = calloc(1, sizeof *x);
    char url[300];
    if (!x || msrp__secret_token(x->id, SESSION_ID_LEN)) {
      free(x);
      respond(c, req, 500, "Server Internal Error", NULL);
      return;
    }
    const char *host = r->host ? r->host : l->host;
    bool v6 = strchr(host, ':') != NULL;
    snprintf(url, sizeof url, "%s://%s%s%s:%d/%s;tcp",
             l->use_tls ? "msrps" : "msrp", v6 ? "[" : "", host, v6 ? "]" : "",
             l->port, x->id);
    x->uri = (msrp_uri)MSRP_URI_INIT;
    x->client = (msrp_uri)MSRP_URI_INIT;
    if (!(x->uri_text = strdup(url)) ||
        msrp_uri_parse(&x->uri, url, strlen(url)) ||
        msrp_uri_copy(&x->client, &from->uris[0]) ||
        msrp__idmap_add(&r->res, x)) {
      msrp_uri_clear(&x->uri);
      msrp_uri_clear(&x->client);
      free(x->uri_text);
      free(x);
      respond(c, req, 500, "Server Internal Error", NULL);
      return;
    }
    x->c = c;
    x->next_in_conn = c->res;
    c->res = x;
  }
  x->expires_at = now_ms(r) + (uint64_t)want * 1000;
  c->valid = true;
  r->st.auth_ok++;
  char v[16];
  snprintf(v, sizeof v, "%u", want);
  const char *h[] = {"Use-Path", x->uri_text, "Expires", v, NULL};
  LOG(r, MSRP_LOG_INFO, "%s: %s reserved %s for %u s", c->peer, cr.username,
      x->uri_text, want);
  respond(c, req, 200, "OK", h);
}

/* ---- the next hop ------------------------------------------------------- */

static rconn *conn_new(msrp_relay_server *r);
static void conn_ready(msrp_transport *t, int status, void *ud);

typedef struct dial {
  uv_connect_t req;
  rconn *c;
  bool tls;
  char host[256];
} dial;

static void on_dialed(uv_connect_t *req, int status) {
  dial *d = (dial *)req;
  rconn *c = d->c;
  c->writes--;
  bool tls = d->tls;
  char host[256];
  snprintf(host, sizeof host, "%s", d->host);
  free(d);
  if (c->dead) {
    maybe_release(c);
    return;
  }
  if (status) {
    conn_close(c, uv_strerror(status));
    return;
  }
  msrp__transport_set_peer(c->t);
  snprintf(c->peer, sizeof c->peer, "%s", msrp_transport_peer(c->t));
  msrp__transport_start(c->t, tls ? c->r->client_ctx : NULL, 0,
                        tls ? host : NULL, NULL, conn_ready, c);
}

/* Connections are reused by the address a hop's URI names: ours to it,
 * or the one its requests came over. */
static void hop_key(const msrp_uri *u, char *key, size_t size) {
  snprintf(key, size, "%d %s %d", u->use_tls, u->host,
           msrp_uri_effective_port(u));
}

/* A connection to `u` (reused, or a new one). */
static rconn *next_hop(msrp_relay_server *r, const msrp_uri *u) {
  char key[320];
  hop_key(u, key, sizeof key);
  for (rconn *c = r->conns; c; c = c->next)
    if (c->key && !c->dead && !strcmp(c->key, key))
      return c;
  if ((u->use_tls && !r->client_ctx) || r->nconns >= r->max_conns)
    return NULL;
  struct sockaddr_storage sa;
  if (msrp__uri_sockaddr(u, msrp_uri_effective_port(u), &sa))
    return NULL; /* names are not looked up: peers put addresses in paths */
  rconn *c = conn_new(r);
  dial *d = c ? calloc(1, sizeof *d) : NULL;
  if (!d || !(c->key = strdup(key))) {
    free(d);
    if (c)
      conn_close(c, "out of memory");
    return NULL;
  }
  c->outgoing = true;
  c->valid = true;
  d->c = c;
  d->tls = u->use_tls;
  snprintf(d->host, sizeof d->host, "%s", u->host);
  snprintf(c->peer, sizeof c->peer, "%s:%d", u->host,
           msrp_uri_effective_port(u));
  if (uv_tcp_connect(&d->req, msrp__transport_tcp(c->t),
                     (const struct sockaddr *)&sa, on_dialed)) {
    free(d);
    conn_close(c, "cannot connect");
    return NULL;
  }
  c->writes++; /* the connect callback keeps it */
  return c;
}

/* ---- forwarding (sections 6 and 7) -------------------------------------- */

/* Where `req` (from `c`) goes: the next hop's connection, how many of
 * the To-Path's URIs are ours (taken off), and our URIs it passes (put on
 * the From-Path); or a status code to refuse it with. */
static int route(rconn *c, const msrp_chunk *req, rconn **dest, size_t *skip,
                 rres **via, rres **via2) {
  msrp_relay_server *r = c->r;
  const msrp_path *to = msrp_chunk_to_path(req);
  const msrp_path *from = msrp_chunk_from_path(req);
  if (to->count < 2)
    return 481; /* nothing after us: not a session of ours */
  rres *x = reservation_of(r, &to->uris[0]);
  if (!x)
    return 481;
  *skip = 1;
  *via = x;
  *via2 = NULL;
  if (x->c == c) {
    /* from the client that holds it: its own URI only on the From-Path
     * (no other session's client can send as this one) */
    if (from->count != 1 || !msrp_uri_equal(&from->uris[0], &x->client))
      return 403;
    rres *y = reservation_of(r, &to->uris[1]);
    if (y) {
      /* the peer is on this relay too: straight to its client */
      if (to->count != 3 || !msrp_uri_equal(&to->uris[2], &y->client))
        return 481;
      *dest = y->c;
      *via2 = y;
      *skip = 2;
    } else if (listener_of(r, &to->uris[1])) {
      return 481; /* one of ours, but no such reservation */
    } else {
      *dest = next_hop(r, &to->uris[1]);
      if (!*dest)
        return 503;
    }
  } else {
    /* towards our client: the rest of the path is its URI, exactly */
    if (to->count != 2 || !msrp_uri_equal(&to->uris[1], &x->client))
      return 481;
    *dest = x->c;
    /* what comes back to the previous hop goes over this connection */
    if (!c->key && from->count) {
      char key[320];
      hop_key(&from->uris[0], key, sizeof key);
      c->key = strdup(key);
    }
  }
  return 0;
}

/* Our head's header lines for `req`, but Byte-Range (when it has a body:
 * written per piece) and Content-Type (last): the To-Path without our
 * URIs, the From-Path with them in front, every other header as it came. */
static char *rewrite_head(const msrp_chunk *req, size_t skip, const rres *via,
                          const rres *via2, bool body) {
  msrp__buf b = {0};
  const char *to = msrp_chunk_header_by_id(req, MSRP_HDR_TO_PATH);
  const char *from = msrp_chunk_header_by_id(req, MSRP_HDR_FROM_PATH);
  for (size_t i = 0; i < skip && to; i++) {
    to = strchr(to, ' ');
    while (to && *to == ' ')
      to++;
  }
  int rc = !to || !*to || !from;
  rc |= msrp__buf_append_str(&b, "To-Path: ");
  rc |= msrp__buf_append_str(&b, to ? to : "");
  rc |= msrp__buf_append_str(&b, "\r\nFrom-Path: ");
  if (via2) {
    rc |= msrp__buf_append_str(&b, via2->uri_text);
    rc |= msrp__buf_append_str(&b, " ");
  }
  rc |= msrp__buf_append_str(&b, via->uri_text);
  rc |= msrp__buf_append_str(&b, " ");
  rc |= msrp__buf_append_str(&b, from ? from : "");
  rc |= msrp__buf_append_str(&b, "\r\n");
  msrp_header_id id;
  const char *name, *value;
  for (size_t i = 0;
       !rc && msrp_chunk_header_at(req, i, &id, &name, &value) == 0; i++) {
    if (id == MSRP_HDR_TO_PATH || id == MSRP_HDR_FROM_PATH ||
        id == MSRP_HDR_CONTENT_TYPE || (body && id == MSRP_HDR_BYTE_RANGE))
      continue;
    rc |= msrp__buf_append_str(&b, name);
    rc |= msrp__buf_append_str(&b, ": ");
    rc |= msrp__buf_append_str(&b, value);
    rc |= msrp__buf_append_str(&b, "\r\n");
  }
  rc |= msrp__buf_append(&b, "", 1); /* NUL */
  if (rc) {
    msrp__buf_free(&b);
    return NULL;
  }
  return (char *)b.data;
}

/* Open a piece of c's chunk at its next hop: a fresh transaction id, our
 * head, and the Byte-Range from where it stands ("*" for the end: the
 * piece may be cut). */
static int open_piece(rconn *c) {
  rconn *d = c->in.to;
  if (msrp__random_token(c->in.tid, 12))
    return MSRP_ERR_RANDOM;
  msrp__buf b = {0};
  int rc =
      msrp__wire_request_line(&b, c->in.tid, strlen(c->in.tid), c->in.method);
  rc |= msrp__buf_append_str(&b, c->in.hdr);
  if (c->in.start)
    rc |= msrp__wire_byte_range(&b, c->in.start + c->in.done,
                                MSRP_BYTE_RANGE_UNKNOWN, c->in.total);
  if (c->in.ctype) {
    rc |= msrp__wire_header(&b, "Content-Type", c->in.ctype);
    rc |= msrp__buf_append_str(&b, "\r\n");
  }
  if (!rc)
    put(d, b.data, b.len);
  msrp__buf_free(&b);
  if (rc)
    return MSRP_ERR_NOMEM;
  c->in.piece_open = true;
  c->in.piece = 0;
  return 0;
}

/* A piece ended with `flag` at the next hop: its answer is awaited. */
static void await_answer(rconn *c, char flag) {
  msrp_relay_server *r = c->r;
  const msrp_chunk *o = c->in.orig;
  if (msrp_chunk_method_id(o) == MSRP_METHOD_REPORT ||
      msrp_chunk_failure_report(o) == MSRP_REPORT_NO) {
    (void)flag;
    return; /* no answer comes */
  }
  ftx *f = calloc(1, sizeof *f);
  if (!f)
    return;
  snprintf(f->tid, sizeof f->tid, "%s", c->in.tid);
  f->down = c->in.to;
  f->up = c;
  f->at = now_ms(r);
  f->partial = msrp_chunk_failure_report(o) == MSRP_REPORT_PARTIAL;
  /* what a failure REPORT would say, while we still have the request:
   * back along its From-Path, from the URI it addressed */
  const char *mid = msrp_chunk_message_id(o);
  const char *from = msrp_chunk_header_by_id(o, MSRP_HDR_FROM_PATH);
  const char *to = msrp_chunk_header_by_id(o, MSRP_HDR_TO_PATH);
  msrp_byte_range br;
  if (mid && from && to && msrp_chunk_method_id(o) == MSRP_METHOD_SEND &&
      msrp_chunk_byte_range(o, &br) == 0) {
    msrp__buf b = {0};
    int rc = msrp__wire_header(&b, "To-Path", from);
    rc |= path_line(&b, "From-Path", to, first_uri(to));
    rc |= msrp__wire_header(&b, "Message-ID", mid);
    rc |= msrp__wire_byte_range(&b, br.start, br.start + c->in.done - 1,
                                br.total);
    rc |= msrp__buf_append(&b, "", 1); /* NUL */
    if (rc)
      msrp__buf_free(&b);
    else
      f->report = b.data;
  }
  if (msrp__idmap_add(&f->down->sent, f)) {
    free(f->report);
    free(f);
    return;
  }
  f->prev = r->ftx_tail;
  if (r->ftx_tail)
    r->ftx_tail->next = f;
  else
    r->ftx_head = f;
  r->ftx_tail = f;
}

static void ftx_free(msrp_relay_server *r, ftx *f) {
  if (f->down)
    msrp__idmap_remove(&f->down->sent, f);
  if (f->prev)
    f->prev->next = f->next;
  else
    r->ftx_head = f->next;
  if (f->next)
    f->next->prev = f->prev;
  else
    r->ftx_tail = f->prev;
  free(f->report);
  free(f);
}

/* A forwarded request failed further on with `code`: the sender hears of
 * it in a REPORT (RFC 4975 section 7.1.2), when it asked for one. */
static void failed_on(msrp_relay_server *r, ftx *f, int code,
                      const char *comment, bool timeout) {
  if (f->report && f->up && !f->up->dead && !(timeout && f->partial)) {
    char tid[16], status[128];
    snprintf(status, sizeof status, "000 %03d %.80s", code,
             comment ? comment : "");
    msrp__buf b = {0};
    int rc = msrp__random_token(tid, 12);
    rc |= msrp__wire_request_line(&b, tid, 12, "REPORT");
    rc |= msrp__buf_append_str(&b, f->report);
    rc |= msrp__wire_header(&b, "Status", status);
    rc |= msrp__wire_end_line(&b, false, tid, 12, '$');
    if (!rc)
      emit(f->up, b.data, b.len);
    msrp__buf_free(&b);
  }
  ftx_free(r, f);
}

static void in_reset(rconn *c) {
  free(c->in.hdr);
  free(c->in.ctype);
  memset(&c->in, 0, sizeof c->in);
}

/* c's chunk ended (or c is gone): its next hop is free for the next. */
static void release_dest(rconn *c) {
  rconn *d = c->in.to;
  if (!d)
    return;
  if (d->writer == c) {
    d->writer = NULL;
    flush_prio(d);
    next_writer(d);
  } else {
    for (size_t i = 0; i < d->nwaiters; i++)
      if (d->waiters[i] == c) {
        memmove(d->waiters + i, d->waiters + i + 1,
                (d->nwaiters - i - 1) * sizeof *d->waiters);
        d->nwaiters--;
        break;
      }
  }
}

/* `d` is free: the first waiter streams into it now. */
static void next_writer(rconn *d) {
  while (!d->writer && d->nwaiters && !d->dead) {
    rconn *w = d->waiters[0];
    memmove(d->waiters, d->waiters + 1, (d->nwaiters - 1) * sizeof *d->waiters);
    d->nwaiters--;
    d->writer = w;
    w->in.waiting_turn = false;
    if (!w->in.piece_open && open_piece(w)) {
      conn_close(w, "cannot write a chunk head");
      continue;
    }
    update_reading(w);
  }
}

static void begin_forward(rconn *c, const msrp_chunk *req) {
  msrp_relay_server *r = c->r;
  rconn *d = NULL;
  size_t skip = 0;
  rres *via = NULL, *via2 = NULL;
  int code = route(c, req, &d, &skip, &via, &via2);
  msrp_byte_range br;
  const char *ct = msrp_chunk_content_type(req);
  bool body = ct && msrp_chunk_byte_range(req, &br) == 0;
  if (!code) {
    c->in.hdr = rewrite_head(req, skip, via, via2, body);
    c->in.ctype = ct ? strdup(ct) : NULL;
    if (!c->in.hdr || (ct && !c->in.ctype))
      code = 500;
  }
  if (code) {
    LOG(r, MSRP_LOG_INFO, "%s: %s %s refused: %d", c->peer,
        msrp_chunk_method(req), msrp_chunk_transaction_id(req), code);
    respond(c, req, code, code == 481 ? "No Such Session" : "Refused", NULL);
    in_reset(c);
    c->in.st = IN_DROP;
    return;
  }
  c->valid = true;
  c->in.st = IN_STREAM;
  c->in.to = d;
  c->in.orig = req;
  snprintf(c->in.method, sizeof c->in.method, "%s", msrp_chunk_method(req));
  if (body) {
    c->in.start = br.start;
    c->in.total = br.total;
  }
  r->st.forwarded_chunks++;
  if (d->writer && d->writer != c) {
    /* another chunk is on its way to d: wait for it (reading paused) */
    c->in.waiting_turn = true;
    if (d->nwaiters == d->capwaiters) {
      size_t cap = d->capwaiters ? 2 * d->capwaiters : 4;
      rconn **n = realloc(d->waiters, cap * sizeof *n);
      if (!n) {
        conn_close(c, "out of memory");
        return;
      }
      d->waiters = n;
      d->capwaiters = cap;
    }
    d->waiters[d->nwaiters++] = c;
    update_reading(c);
    maybe_interrupt(d);
    return;
  }
  d->writer = c;
  if (open_piece(c))
    conn_close(c, "cannot write a chunk head");
  update_reading(c);
}

static void forward_body(rconn *c, const uint8_t *data, size_t len) {
  rconn *d = c->in.to;
  if (!c->in.piece_open && open_piece(c)) {
    conn_close(c, "cannot write a chunk head");
    return;
  }
  put_body(d, c, data, len);
  c->in.done += len;
  c->in.piece += len;
  c->r->st.forwarded_bytes += len;
  maybe_interrupt(d);
  update_reading(c);
}

static void end_forward(rconn *c, char flag) {
  rconn *d = c->in.to;
  if (!c->in.piece_open && open_piece(c)) {
    conn_close(c, "cannot write a chunk head");
    return;
  }
  close_piece(c, flag);
  await_answer(c, flag);
  /* hop by hop: the previous hop hears from us that it is passed on */
  respond(c, c->in.orig, 200, "OK", NULL);
  (void)d;
  release_dest(c);
  in_reset(c);
  update_reading(c);
}

static void handle_response(rconn *c, const msrp_chunk *resp) {
  msrp_relay_server *r = c->r;
  ftx *f = msrp__idmap_find(&c->sent, msrp_chunk_transaction_id(resp));
  if (!f)
    return; /* not ours: dropped */
  int code = msrp_chunk_code(resp);
  if (code >= 200 && code < 300)
    ftx_free(r, f);
  else
    failed_on(r, f, code, msrp_chunk_comment(resp), false);
}

static void on_event(rconn *c, const msrp_event *ev);

static void on_read(msrp_transport *t, int status, const msrp_event *ev,
                    void *ud) {
  (void)t;
  rconn *c = ud;
  msrp_relay_server *r = c->r;
  if (status) {
    conn_close(c, status == MSRP_ERR_CONNECTION_CLOSED ? "closed"
                                                       : msrp_strerror(status));
    return;
  }
  c->last = now_ms(r);
  c->holds++; /* (a close in here frees it only at the end) */
  on_event(c, ev);
  c->holds--;
  maybe_release(c);
}

static void on_event(rconn *c, const msrp_event *ev) {
  switch (ev->type) {
  case MSRP_EVENT_HEADERS: {
    const msrp_chunk *ch = ev->chunk;
    in_reset(c);
    if (msrp_chunk_error(ch)) {
      if (msrp_chunk_is_request(ch))
        respond(c, ch, 400, msrp_strerror(msrp_chunk_error(ch)), NULL);
      c->in.st = IN_DROP;
    } else if (!msrp_chunk_is_request(ch)) {
      handle_response(c, ch);
      c->in.st = IN_DROP;
    } else if (msrp_chunk_method_id(ch) == MSRP_METHOD_AUTH) {
      handle_auth(c, ch);
      c->in.st = IN_DROP;
    } else if (msrp_chunk_method_id(ch) == MSRP_METHOD_SEND ||
               msrp_chunk_method_id(ch) == MSRP_METHOD_REPORT ||
               msrp_chunk_method_id(ch) == MSRP_METHOD_NICKNAME) {
      begin_forward(c, ch);
    } else {
      respond(c, ch, 501, "Not Implemented", NULL);
      c->in.st = IN_DROP;
    }
    break;
  }
  case MSRP_EVENT_BODY:
    if (c->in.st == IN_STREAM)
      forward_body(c, ev->data, ev->len);
    break;
  case MSRP_EVENT_END:
    if (c->in.st == IN_STREAM)
      end_forward(c, ev->flag);
    else
      in_reset(c);
    break;
  default:
    break;
  }
}

/* ---- connections -------------------------------------------------------- */

static rconn *conn_new(msrp_relay_server *r) {
  rconn *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->r = r;
  if (msrp__transport_new(&c->t, r->loop, &r->logger)) {
    free(c);
    return NULL;
  }
  msrp__idmap_init(&c->sent, ftx_key);
  c->born = c->last = now_ms(r);
  c->next = r->conns;
  if (r->conns)
    r->conns->prev = c;
  r->conns = c;
  r->nconns++;
  return c;
}

static void conn_ready(msrp_transport *t, int status, void *ud) {
  (void)t;
  rconn *c = ud;
  if (status) {
    conn_close(c, msrp_strerror(status));
    return;
  }
  c->ready = true;
  if (flush(c)) { /* what waited for it */
    conn_close(c, "write failed");
    return;
  }
  update_reading(c);
}

static void check_drained(msrp_relay_server *r);

static void conn_close(rconn *c, const char *why) {
  if (c->dead)
    return;
  msrp_relay_server *r = c->r;
  (void)flush(c); /* a last answer (403) still goes out, if it can */
  c->dead = true;
  LOG(r, MSRP_LOG_INFO, "%s: connection closed: %s", c->peer, why);
  /* whoever streams into it, or waits to, stops: their chunks go nowhere */
  if (c->writer) {
    rconn *w = c->writer;
    c->writer = NULL;
    w->in.st = IN_DROP;
    w->in.to = NULL;
    w->in.piece_open = false;
    update_reading(w);
  }
  for (size_t i = 0; i < c->nwaiters; i++) {
    rconn *w = c->waiters[i];
    w->in.st = IN_DROP;
    w->in.to = NULL;
    w->in.waiting_turn = false;
    update_reading(w);
  }
  c->nwaiters = 0;
  /* its own chunk in flight: the next hop's piece ends with '#' */
  if (c->in.st == IN_STREAM && c->in.to) {
    if (c->in.to->writer == c && c->in.piece_open)
      close_piece(c, '#');
    release_dest(c);
  }
  in_reset(c);
  /* what it was sent and not answered: failed on */
  ftx *f = r->ftx_head;
  while (f) {
    ftx *n = f->next;
    if (f->up == c)
      f->up = NULL;
    if (f->down == c) {
      f->down = NULL; /* its map goes below */
      failed_on(r, f, 408, "Request Timeout", true);
    }
    f = n;
  }
  msrp__idmap_clear(&c->sent);
  if (c->auth_wait) {
    msrp__relay_db_forget(r->db, c->auth_wait);
    msrp_chunk_free(c->auth_wait->req);
    free(c->auth_wait);
    c->auth_wait = NULL;
  }
  while (c->res) {
    rres *x = c->res;
    c->res = x->next_in_conn;
    res_free(r, x);
  }
  for (item *it = c->prio, *n; it; it = n) {
    n = it->next;
    free(it);
  }
  c->prio = NULL;
  c->olen = 0;
  refs_release(c->refs, c->nrefs);
  c->refs = NULL;
  c->nrefs = c->refbytes = 0;
  if (c->prev)
    c->prev->next = c->next;
  else
    r->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  r->nconns--;
  msrp__transport_discard(c->t);
  c->t = NULL;
  maybe_release(c);
  check_drained(r);
}

static size_t from_address(msrp_relay_server *r, const char *ip) {
  size_t n = 0;
  for (rconn *c = r->conns; c; c = c->next)
    if (!c->outgoing && !strcmp(c->ip, ip))
      n++;
  return n;
}

static void on_connection(uv_stream_t *server, int status) {
  listener *l = (listener *)server;
  msrp_relay_server *r = l->r;
  if (status || r->freeing)
    return;
  if (r->draining || r->nconns >= r->max_conns) {
    LOG(r, MSRP_LOG_WARNING, "%s: a connection refused",
        r->draining ? "draining" : "too many connections");
    msrp__refuse_connection(server);
    return;
  }
  rconn *c = conn_new(r);
  if (!c) {
    msrp__refuse_connection(server);
    return;
  }
  c->l = l;
  if (uv_accept(server, (uv_stream_t *)msrp__transport_tcp(c->t))) {
    conn_close(c, "accept failed");
    return;
  }
  msrp__transport_set_peer(c->t);
  snprintf(c->peer, sizeof c->peer, "%s", msrp_transport_peer(c->t));
  snprintf(c->ip, sizeof c->ip, "%s", c->peer);
  char *colon = strrchr(c->ip, ':');
  if (colon)
    *colon = '\0';
  if (from_address(r, c->ip) > r->max_per_addr) {
    conn_close(c, "too many connections from its address");
    return;
  }
  msrp__transport_start(c->t, l->use_tls ? r->server_ctx : NULL, 1, NULL, NULL,
                        conn_ready, c);
}

/* ---- time --------------------------------------------------------------- */

static void on_tick(uv_timer_t *h) {
  msrp_relay_server *r = h->data;
  uint64_t now = now_ms(r);
  /* reservations that lapsed are gone */
  for (rconn *c = r->conns; c; c = c->next)
    for (rres **pp = &c->res; *pp;) {
      rres *x = *pp;
      if (x->expires_at <= now) {
        LOG(r, MSRP_LOG_INFO, "%s: reservation %s lapsed", c->peer,
            x->uri_text);
        *pp = x->next_in_conn;
        res_free(r, x);
      } else {
        pp = &x->next_in_conn;
      }
    }
  /* answers that did not come */
  while (r->ftx_head && now - r->ftx_head->at >= r->resp_ms)
    failed_on(r, r->ftx_head, 408, "Request Timeout", true);
  /* connections with nothing to do here */
  rconn *c = r->conns;
  while (c) {
    rconn *n = c->next;
    if (!c->res && !c->writer && !c->nwaiters && c->in.st == IN_NONE) {
      if (!c->valid && now - c->born >= r->unauth_ms)
        conn_close(c, "no session reserved or used in time");
      else if (now - c->last >= r->idle_ms)
        conn_close(c, "idle");
    }
    c = n;
  }
  check_drained(r);
}

static void check_drained(msrp_relay_server *r) {
  if (!r->draining || r->freeing || !r->drain_cb)
    return;
  for (rconn *c = r->conns; c; c = c->next)
    if (c->res)
      return;
  void (*cb)(msrp_relay_server *, void *) = r->drain_cb;
  r->drain_cb = NULL;
  cb(r, r->drain_ud);
}

/* ---- users -------------------------------------------------------------- */

static void users_free(char **u, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(u[i]);
  free(u);
}

static int load_users(msrp_relay_server *r) {
  if (!r->users_file)
    return 0;
  FILE *f = fopen(r->users_file, "r");
  if (!f) {
    LOG(r, MSRP_LOG_ERROR, "%s: %s", r->users_file, strerror(errno));
    return MSRP_ERR_FILE_IO;
  }
  char **u = NULL;
  size_t n = 0, cap = 0;
  char line[1024];
  int rc = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0] || line[0] == '#')
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      char **m = realloc(u, cap * sizeof *m);
      if (!m) {
        rc = MSRP_ERR_NOMEM;
        break;
      }
      u = m;
    }
    if (!(u[n] = strdup(line))) {
      rc = MSRP_ERR_NOMEM;
      break;
    }
    n++;
  }
  fclose(f);
  if (rc) {
    users_free(u, n);
    return rc;
  }
  users_free(r->users, r->nusers);
  r->users = u;
  r->nusers = n;
  LOG(r, MSRP_LOG_INFO, "%s: %zu users", r->users_file, n);
  return 0;
}

int msrp_relay_server_reload_users(msrp_relay_server *r) {
  return r ? load_users(r) : MSRP_ERR_INVALID_ARGUMENT;
}

/* ---- life --------------------------------------------------------------- */

/* One of the server's handles is closed: the last one frees it. */
static void handle_gone(msrp_relay_server *r) {
  if (--r->open_handles)
    return;
  users_free(r->users, r->nusers);
  msrp__idmap_clear(&r->res);
  msrp__tls_ctx_free(r->server_ctx);
  msrp__tls_ctx_free(r->client_ctx);
  free(r->host);
  free(r->realm);
  free(r->users_file);
  free(r);
}

static void on_tick_closed(uv_handle_t *h) {
  handle_gone(h->data);
}

static int add_listener(msrp_relay_server *r, const char *text) {
  /* port 0 (any free port) is no URI port: parsed as 1, bound as 0 */
  char buf[300];
  const char *zero = strstr(text, ":0;");
  bool any = zero && zero[-1] != ':' && strlen(text) < sizeof buf;
  if (any) {
    snprintf(buf, sizeof buf, "%.*s:1%s", (int)(zero - text), text, zero + 2);
    text = buf;
  }
  msrp_uri u = MSRP_URI_INIT;
  int rc = msrp_uri_parse(&u, text, strlen(text));
  if (rc)
    return MSRP_ERR_INVALID_ARGUMENT;
  struct sockaddr_storage sa;
  if (msrp__uri_sockaddr(&u, any ? 0 : msrp_uri_effective_port(&u), &sa) ||
      (u.use_tls && !r->server_ctx)) {
    msrp_uri_clear(&u);
    return MSRP_ERR_INVALID_ARGUMENT;
  }
  listener *l = calloc(1, sizeof *l);
  if (!l) {
    msrp_uri_clear(&u);
    return MSRP_ERR_NOMEM;
  }
  l->r = r;
  l->use_tls = u.use_tls;
  snprintf(l->host, sizeof l->host, "%s", u.host);
  msrp_uri_clear(&u);
  uv_tcp_init(r->loop, &l->tcp);
  l->tcp.data = r;
  r->open_handles++;
  l->next = r->listeners;
  r->listeners = l;
  rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&sa, 0);
  if (!rc)
    rc = uv_listen((uv_stream_t *)&l->tcp, SOMAXCONN, on_connection);
  int len = sizeof l->addr;
  if (!rc)
    rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&l->addr, &len);
  if (rc)
    return msrp__uv_err(rc);
  l->port = ntohs(l->addr.ss_family == AF_INET6
                      ? ((struct sockaddr_in6 *)&l->addr)->sin6_port
                      : ((struct sockaddr_in *)&l->addr)->sin_port);
  return 0;
}

static void on_listener_closed(uv_handle_t *h) {
  listener *l = (listener *)h;
  msrp_relay_server *r = l->r;
  free(l);
  handle_gone(r);
}

int msrp_relay_server_new_sized(msrp_relay_server **out, uv_loop_t *loop,
                                const msrp_relay_server_config *config,
                                size_t config_size) {
  msrp_relay_server_config cfg;
  const msrp_relay_server_config *c =
      msrp__abi_in(&cfg, sizeof cfg, config, config_size);
  if (!out || !loop || !c || !c->listen || !c->nlisten)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_relay_server *r = calloc(1, sizeof *r);
  if (!r)
    return MSRP_ERR_NOMEM;
  r->loop = loop;
  r->clock = c->clock_ms;
  r->clock_ud = c->clock_ud;
  if (c->logger)
    r->logger = *c->logger;
  r->exp_def = c->expires_default ? c->expires_default : 1800;
  r->exp_min = c->expires_min ? c->expires_min : 60;
  r->exp_max = c->expires_max ? c->expires_max : 7200;
  r->nonce_life = c->nonce_lifetime_s ? c->nonce_lifetime_s : 60;
  r->max_auth_failures = c->max_auth_failures ? c->max_auth_failures : 3;
  r->unauth_ms = c->unauth_timeout_ms ? c->unauth_timeout_ms : 10000;
  r->idle_ms = c->idle_timeout_ms ? c->idle_timeout_ms : 600000;
  r->resp_ms = c->response_timeout_ms ? c->response_timeout_ms : 30000;
  r->max_conns = c->max_connections ? c->max_connections : 10000;
  r->max_per_addr = c->max_per_address ? c->max_per_address : 1000;
  r->max_queue = c->max_queue_bytes ? c->max_queue_bytes : 1u << 20;
  msrp__idmap_init(&r->res, res_key);
  uv_timer_init(loop, &r->tick);
  r->tick.data = r;
  uv_check_init(loop, &r->flusher);
  r->flusher.data = r;
  uv_check_start(&r->flusher, on_flush);
  uv_unref((uv_handle_t *)&r->flusher);
  r->open_handles = 2;
  int rc = 0;
  if (RAND_bytes(r->key, sizeof r->key) != 1)
    rc = MSRP_ERR_RANDOM;
  if (!rc && c->host && !(r->host = strdup(c->host)))
    rc = MSRP_ERR_NOMEM;
  if (!rc && c->users_file && !(r->users_file = strdup(c->users_file)))
    rc = MSRP_ERR_NOMEM;
  if (!rc && c->tls && c->tls->cert_file)
    rc = msrp__tls_ctx_new(c->tls, 1, &r->logger, &r->server_ctx);
  if (!rc) {
    msrp_tls_config cl = {0};
    if (c->tls) {
      cl.ca_file = c->tls->ca_file;
      cl.insecure_no_verify = c->tls->insecure_no_verify;
    }
    rc = msrp__tls_ctx_new(&cl, 0, &r->logger, &r->client_ctx);
  }
  for (size_t i = 0; !rc && i < c->nlisten; i++)
    rc = c->listen[i] ? add_listener(r, c->listen[i])
                      : MSRP_ERR_INVALID_ARGUMENT;
  if (!rc) {
    const char *h = r->host ? r->host : r->listeners->host;
    if (!(r->realm = strdup(c->realm ? c->realm : h)))
      rc = MSRP_ERR_NOMEM;
  }
  if (!rc)
    rc = load_users(r);
  if (!rc && c->db_conninfo)
    rc = msrp__relay_db_new(&r->db, loop, c->db_conninfo, c->db_query,
                            &r->logger);
  if (!rc && !r->users_file && !r->db)
    rc = MSRP_ERR_INVALID_ARGUMENT; /* nobody could AUTH */
  if (rc) {
    msrp_relay_server_free(r);
    return rc;
  }
  uv_timer_start(&r->tick, on_tick, TICK_MS, TICK_MS);
  *out = r;
  return 0;
}

int msrp_relay_server_uri(const msrp_relay_server *r, size_t i, char *buf,
                          size_t size) {
  if (!r)
    return MSRP_ERR_INVALID_ARGUMENT;
  /* listeners are kept newest first: count from the end */
  size_t n = 0;
  for (const listener *l = r->listeners; l; l = l->next)
    n++;
  if (i >= n)
    return MSRP_ERR_NOT_FOUND;
  const listener *l = r->listeners;
  for (size_t k = 0; k < n - 1 - i; k++)
    l = l->next;
  bool v6 = strchr(l->host, ':') != NULL;
  return snprintf(buf, size, "%s://%s%s%s:%d;tcp",
                  l->use_tls ? "msrps" : "msrp", v6 ? "[" : "", l->host,
                  v6 ? "]" : "", l->port);
}

void msrp_relay_server_stats_get_sized(const msrp_relay_server *r,
                                       msrp_relay_server_stats *out,
                                       size_t size) {
  if (!r || !out)
    return;
  msrp_relay_server_stats st = r->st;
  st.connections = r->nconns;
  st.reservations = r->res.n;
  st.queued_bytes = 0;
  st.held_back = 0;
  for (const rconn *c = r->conns; c; c = c->next) {
    st.queued_bytes += queued(c);
    st.held_back += c->ready && !c->reading;
  }
  msrp__abi_out(out, size, &st, sizeof st);
}

static void close_listeners(msrp_relay_server *r) {
  while (r->listeners) {
    listener *l = r->listeners;
    r->listeners = l->next;
    uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
  }
}

void msrp_relay_server_drain(msrp_relay_server *r,
                             void (*cb)(msrp_relay_server *, void *),
                             void *ud) {
  if (!r || r->freeing)
    return;
  r->draining = true;
  r->drain_cb = cb;
  r->drain_ud = ud;
  close_listeners(r);
  check_drained(r);
}

void msrp_relay_server_free(msrp_relay_server *r) {
  if (!r || r->freeing)
    return;
  r->freeing = true;
  r->drain_cb = NULL;
  while (r->conns)
    conn_close(r->conns, "the relay stops");
  msrp__relay_db_free(r->db);
  r->db = NULL;
  on_flush(&r->flusher); /* lets go of the closed ones still listed */
  while (r->ftx_head)
    ftx_free(r, r->ftx_head);
  close_listeners(r);
  uv_close((uv_handle_t *)&r->tick, on_tick_closed);
  uv_close((uv_handle_t *)&r->flusher, on_tick_closed);
}
