/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* MSRPServer: listening sockets shared by many sessions. A connection is
 * matched to its session by the binding SEND's paths, never by its source
 * address (peers advertise ports they do not connect from): the To-Path
 * names the session (a URI prepare() made), and the From-Path must be the
 * remote path that session's complete() gave (RFC 4975 section 5.4), so
 * that the peer of one session cannot bind another. */
#include "io/io_internal.h"

#include "core/idmap.h"
#include "core/util.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

typedef struct listener listener;
typedef struct expected expected;
typedef struct pending pending;
typedef struct incoming incoming;

struct listener {
  uv_tcp_t tcp; /* first: the handle's memory is the listener's */
  msrp_server *s;
  struct sockaddr_storage addr;
  bool use_tls;
  int nexpected;
  listener *next;
};

struct expected {
  msrp_uri uri;
  msrp_logger logger;
  bool has_logger;
  listener *l;
  pending *p; /* its complete(), once called */
  bool bound; /* a URI binds once */
  expected *next;
};

struct pending {    /* a complete() waiting for its binding */
  uv_timer_t timer; /* first */
  msrp_server *s;
  expected *e; /* the session it completes */
  msrp_path remote;
  unsigned char fp[32]; /* the peer's certificate, when pinned */
  bool has_fp;
  bool claimed; /* a connection is binding for it */
  msrp_server_complete_cb cb;
  void *ud;
  bool done;
  pending *next;
};

struct incoming {   /* a connection not bound yet */
  uv_timer_t timer; /* first: bounds how long it may stay unbound */
  msrp_server *s;
  msrp_transport *t;
  expected *target; /* parked: the URI it binds to */
  msrp_path from;   /* parked: its From-Path */
  pending *claimed; /* the complete() it is binding for */
  incoming *next;
};

struct msrp_server {
  uv_loop_t *loop;
  msrp_logger logger;
  msrp__tls_ctx *ctx;
  uint64_t bind_timeout_ms;
  size_t max_unbound, nincoming;
  listener *listeners;
  expected *expected;
  msrp__idmap by_session; /* the expected URIs by session id: a binding
                             finds its session in O(1) among thousands */
  pending *pending;
  incoming *incoming;
  int open_handles;
  bool freeing;
};

static const char *expected_key(const void *item);

static void maybe_release(msrp_server *s) {
  if (!s->freeing || s->open_handles > 0)
    return;
  msrp__tls_ctx_free(s->ctx);
  free(s);
}

/* ---- lists ------------------------------------------------------------- */

#define UNLINK(head, type, item)                                               \
  do {                                                                         \
    for (type **pp_ = &(head); *pp_; pp_ = &(*pp_)->next)                      \
      if (*pp_ == (item)) {                                                    \
        *pp_ = (item)->next;                                                   \
        break;                                                                 \
      }                                                                        \
  } while (0)

/* ---- closing things ---------------------------------------------------- */

static void on_listener_closed(uv_handle_t *h) {
  listener *l = (listener *)h;
  msrp_server *s = l->s;
  free(l);
  s->open_handles--;
  maybe_release(s);
}

static void close_listener(listener *l) {
  UNLINK(l->s->listeners, listener, l);
  uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
}

static void on_pending_closed(uv_handle_t *h) {
  pending *p = (pending *)h;
  msrp_server *s = p->s;
  if (!p->done)
    p->cb(s, MSRP_ERR_CANCELLED, NULL, p->ud);
  msrp_path_clear(&p->remote);
  free(p);
  s->open_handles--;
  maybe_release(s);
}

/* Finish a complete(): its callback runs now unless status is CANCELLED,
 * which runs it from the close (the server is going away). */
static void finish_pending(pending *p, int status, msrp_transport *t) {
  msrp_server *s = p->s;
  UNLINK(s->pending, pending, p);
  if (p->e) {
    p->e->p = NULL;
    if (!status)
      p->e->bound = true;
    p->e = NULL;
  }
  uv_timer_stop(&p->timer);
  if (status != MSRP_ERR_CANCELLED) {
    p->done = true;
    p->cb(s, status, t, p->ud);
  }
  uv_close((uv_handle_t *)&p->timer, on_pending_closed);
}

static void on_incoming_closed(uv_handle_t *h) {
  incoming *in = (incoming *)h;
  msrp_server *s = in->s;
  msrp_path_clear(&in->from);
  free(in);
  s->open_handles--;
  maybe_release(s);
}

/* Drop an unbound connection (closing it unless it was handed over). */
static void drop_incoming(incoming *in, bool close_transport) {
  UNLINK(in->s->incoming, incoming, in);
  in->s->nincoming--;
  if (in->claimed)
    in->claimed->claimed = false; /* free for another connection */
  in->claimed = NULL;
  uv_timer_stop(&in->timer);
  if (close_transport && in->t) {
    msrp__transport_discard(in->t);
  }
  in->t = NULL;
  uv_close((uv_handle_t *)&in->timer, on_incoming_closed);
}

/* ---- creation ---------------------------------------------------------- */

static int server_new(msrp_server **out, uv_loop_t *loop,
                      const msrp_connect_config *cfg) {
  if (!out || !loop)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_server *s = calloc(1, sizeof *s);
  if (s)
    msrp__idmap_init(&s->by_session, expected_key);
  if (!s)
    return MSRP_ERR_NOMEM;
  s->loop = loop;
  s->bind_timeout_ms = MSRP_BIND_TIMEOUT_MS;
  s->max_unbound = MSRP_SERVER_MAX_UNBOUND;
  if (cfg) {
    if (cfg->max_unbound)
      s->max_unbound = cfg->max_unbound;
    if (cfg->logger)
      s->logger = *cfg->logger;
    if (cfg->bind_timeout_ms)
      s->bind_timeout_ms = cfg->bind_timeout_ms;
    if (cfg->tls && cfg->tls->cert_file && cfg->tls->key_file) {
      int rc = msrp__tls_ctx_new(cfg->tls, 1, &s->logger, &s->ctx);
      if (rc) {
        free(s);
        return rc;
      }
    }
  }
  *out = s;
  return 0;
}

int msrp_server_new_sized(msrp_server **out, uv_loop_t *loop,
                          const msrp_connect_config *config, size_t config_size,
                          size_t relay_size, size_t tls_size) {
  msrp__connect_in in;
  int rc =
      msrp__connect_in_init(&in, config, config_size, relay_size, tls_size);
  if (!rc)
    rc = server_new(out, loop, config ? &in.cfg : NULL);
  msrp__connect_in_clear(&in);
  return rc;
}

void msrp_server_free(msrp_server *s) {
  if (!s || s->freeing)
    return;
  s->freeing = true;
  while (s->listeners)
    close_listener(s->listeners);
  while (s->incoming)
    drop_incoming(s->incoming, true);
  while (s->pending)
    finish_pending(s->pending, MSRP_ERR_CANCELLED, NULL);
  while (s->expected) {
    expected *e = s->expected;
    s->expected = e->next;
    msrp__idmap_remove(&s->by_session, e);
    msrp_uri_clear(&e->uri);
    free(e);
  }
  msrp__idmap_clear(&s->by_session);
  maybe_release(s);
}

/* ---- binding ----------------------------------------------------------- */

static const char *expected_key(const void *item) {
  return ((const expected *)item)->uri.session_id;
}

static expected *find_expected(msrp_server *s, const msrp_uri *uri) {
  expected *e = uri->session_id
                    ? msrp__idmap_find(&s->by_session, uri->session_id)
                    : NULL;
  return e && msrp_uri_equal(&e->uri, uri) ? e : NULL;
}

/* Whether a connection whose binding SEND has From-Path `from` may bind the
 * session `e`, whose complete() has come: 0 (and the connection is claimed
 * for it), or 481. */
static int match(incoming *in, expected *e, const msrp_path *from) {
  pending *p = e->p;
  const char *peer = msrp_transport_peer(in->t);
  if (p->claimed) {
    msrp__log(&in->s->logger, MSRP_LOG_WARNING,
              "%s: binding for a session another connection is binding", peer);
    return MSRP_STATUS_NO_SESSION;
  }
  if (!msrp_path_equal(&p->remote, from)) {
    msrp__log(&in->s->logger, MSRP_LOG_WARNING,
              "%s: binding SEND's From-Path is not the remote path of the "
              "session its To-Path names",
              peer);
    return MSRP_STATUS_NO_SESSION;
  }
  if (p->has_fp && msrp__transport_check_fingerprint(in->t, p->fp)) {
    msrp__log(&in->s->logger, MSRP_LOG_WARNING,
              "%s: the peer's certificate is not the one its SDP names", peer);
    return MSRP_STATUS_NO_SESSION;
  }
  msrp_path local = {1, &e->uri};
  if (msrp__transport_set_paths(in->t, &local, &p->remote))
    return MSRP_STATUS_NO_SESSION;
  if (e->has_logger)
    msrp__transport_set_logger(in->t, &e->logger);
  in->claimed = p;
  p->claimed = true;
  return 0;
}

static int decide(msrp_transport *t, const msrp_chunk *c, void *ud) {
  (void)t;
  incoming *in = ud;
  const msrp_path *to = msrp_chunk_to_path(c), *from = msrp_chunk_from_path(c);
  expected *e = find_expected(in->s, &to->uris[to->count - 1]);
  if (!e || e->bound) {
    msrp__log(&in->s->logger, MSRP_LOG_WARNING,
              "%s: binding SEND for a session this server does not expect",
              msrp_transport_peer(in->t));
    return MSRP_STATUS_NO_SESSION;
  }
  if (e->p)
    return match(in, e, from);
  /* the session is expected but complete() has not come yet: wait for it,
   * within the bind timeout that already runs */
  if (msrp_path_copy(&in->from, from))
    return MSRP_STATUS_NO_SESSION;
  in->target = e;
  return 1;
}

static void on_bound(msrp_transport *t, int status, void *ud) {
  incoming *in = ud;
  pending *p = in->claimed;
  if (status) {
    /* refused or failed: the connection goes; a claimed complete() waits
     * again for a good one */
    drop_incoming(in, true);
    return;
  }
  in->claimed = NULL;
  p->claimed = false;
  in->t = NULL;
  drop_incoming(in, false);
  finish_pending(p, 0, t);
}

static void on_unbound_timeout(uv_timer_t *h) {
  incoming *in = (incoming *)h;
  msrp__log(&in->s->logger, MSRP_LOG_WARNING,
            "%s: no binding within the bind timeout; closing",
            msrp_transport_peer(in->t));
  drop_incoming(in, true);
}

static void on_ready(msrp_transport *t, int status, void *ud) {
  incoming *in = ud;
  if (status) {
    drop_incoming(in, true);
    return;
  }
  if (msrp__bind_passive(t, decide, on_bound, in))
    drop_incoming(in, true);
}

static void on_connection(uv_stream_t *server, int status) {
  listener *l = (listener *)server;
  msrp_server *s = l->s;
  if (status || s->freeing)
    return;
  if (s->nincoming >= s->max_unbound) {
    msrp__log(&s->logger, MSRP_LOG_WARNING,
              "%zu connections wait to bind already: one more refused",
              s->nincoming);
    msrp__refuse_connection(server);
    return;
  }
  incoming *in = calloc(1, sizeof *in);
  if (!in)
    return;
  in->s = s;
  if (msrp__transport_new(&in->t, s->loop, &s->logger)) {
    free(in);
    return;
  }
  if (uv_accept(server, (uv_stream_t *)msrp__transport_tcp(in->t))) {
    msrp__transport_discard(in->t);
    free(in);
    return;
  }
  uv_timer_init(s->loop, &in->timer);
  s->open_handles++;
  s->nincoming++;
  in->next = s->incoming;
  s->incoming = in;
  uv_timer_start(&in->timer, on_unbound_timeout, s->bind_timeout_ms, 0);
  msrp__transport_start(in->t, l->use_tls ? s->ctx : NULL, 1, NULL, NULL,
                        on_ready, in);
}

/* ---- prepare / complete / cleanup ------------------------------------- */

static listener *find_listener(msrp_server *s, const struct sockaddr *sa) {
  for (listener *l = s->listeners; l; l = l->next) {
    if (l->addr.ss_family != sa->sa_family)
      continue;
    if (sa->sa_family == AF_INET6) {
      const struct sockaddr_in6 *a = (const void *)&l->addr,
                                *b = (const void *)sa;
      if (a->sin6_port == b->sin6_port &&
          memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0)
        return l;
    } else {
      const struct sockaddr_in *a = (const void *)&l->addr,
                               *b = (const void *)sa;
      if (a->sin_port == b->sin_port &&
          a->sin_addr.s_addr == b->sin_addr.s_addr)
        return l;
    }
  }
  return NULL;
}

static int new_listener(msrp_server *s, const struct sockaddr *sa, bool use_tls,
                        listener **out) {
  listener *l = calloc(1, sizeof *l);
  if (!l)
    return MSRP_ERR_NOMEM;
  l->s = s;
  l->use_tls = use_tls;
  uv_tcp_init(s->loop, &l->tcp);
  s->open_handles++;
  l->next = s->listeners;
  s->listeners = l;
  int rc = uv_tcp_bind(&l->tcp, sa, 0);
  if (!rc)
    /* the kernel's own limit: many sessions bind at once, and a full
     * backlog drops SYNs that come back only a second later */
    rc = uv_listen((uv_stream_t *)&l->tcp, SOMAXCONN, on_connection);
  int len = sizeof l->addr;
  if (!rc)
    rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&l->addr, &len);
  if (rc) {
    close_listener(l);
    return msrp__uv_err(rc);
  }
  *out = l;
  return 0;
}

int msrp_server_prepare(msrp_server *s, msrp_uri *local_uri,
                        const msrp_logger *logger) {
  if (!s || !local_uri || !local_uri->host)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (s->freeing)
    return MSRP_ERR_CLOSED;
  if (local_uri->use_tls && !s->ctx)
    return MSRP_ERR_TLS_CONFIG;
  int rc;
  if (!local_uri->session_id) {
    char sid[21];
    if ((rc = msrp__secret_token(sid, 20)) ||
        (rc = msrp_uri_set_session_id(local_uri, sid)))
      return rc;
  }
  struct sockaddr_storage ss;
  if ((rc = msrp__uri_sockaddr(local_uri, local_uri->port, &ss)))
    return rc;
  listener *l =
      local_uri->port ? find_listener(s, (struct sockaddr *)&ss) : NULL;
  if (l && l->use_tls != (local_uri->use_tls != 0))
    return MSRP_ERR_INVALID_ARGUMENT;
  bool fresh = !l;
  if (fresh && (rc = new_listener(s, (struct sockaddr *)&ss,
                                  local_uri->use_tls != 0, &l)))
    return rc;
  local_uri->port = ntohs(l->addr.ss_family == AF_INET6
                              ? ((struct sockaddr_in6 *)&l->addr)->sin6_port
                              : ((struct sockaddr_in *)&l->addr)->sin_port);
  /* a session id names one session here, whatever the host and port */
  if (local_uri->session_id &&
      msrp__idmap_find(&s->by_session, local_uri->session_id)) {
    rc = MSRP_ERR_INVALID_ARGUMENT;
    goto fail;
  }
  expected *e = calloc(1, sizeof *e);
  if (!e || (rc = msrp_uri_copy(&e->uri, local_uri)) ||
      msrp__idmap_add(&s->by_session, e)) {
    if (e)
      msrp_uri_clear(&e->uri);
    free(e);
    rc = MSRP_ERR_NOMEM;
    goto fail;
  }
  if (logger) {
    e->logger = *logger;
    e->has_logger = true;
  }
  e->l = l;
  l->nexpected++;
  e->next = s->expected;
  s->expected = e;
  if (fresh)
    msrp__log(&s->logger, MSRP_LOG_INFO, "listening on %s:%d", local_uri->host,
              local_uri->port);
  return 0;
fail:
  if (fresh)
    close_listener(l);
  return rc;
}

static void on_pending_timeout(uv_timer_t *h) {
  pending *p = (pending *)h;
  msrp__log(&p->s->logger, MSRP_LOG_WARNING, "%s",
            msrp_strerror(MSRP_ERR_BIND_TIMEOUT));
  finish_pending(p, MSRP_ERR_BIND_TIMEOUT, NULL);
}

int msrp_server_complete_uri(msrp_server *s, const msrp_uri *local_uri,
                             const msrp_path *full_remote_path,
                             const char *peer_fingerprint,
                             msrp_server_complete_cb cb, void *ud) {
  if (!s || !local_uri || !full_remote_path || full_remote_path->count == 0 ||
      !cb)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (s->freeing)
    return MSRP_ERR_CLOSED;
  expected *e = find_expected(s, local_uri);
  if (!e)
    return MSRP_ERR_NOT_FOUND;
  if (e->p || e->bound)
    return MSRP_ERR_BUSY;
  pending *p = calloc(1, sizeof *p);
  if (!p)
    return MSRP_ERR_NOMEM;
  if (peer_fingerprint) {
    if (msrp__parse_fingerprint(peer_fingerprint, p->fp)) {
      free(p);
      return MSRP_ERR_TLS_CONFIG;
    }
    p->has_fp = true;
  }
  int rc = msrp_path_copy(&p->remote, full_remote_path);
  if (rc) {
    free(p);
    return rc;
  }
  p->s = s;
  p->e = e;
  p->cb = cb;
  p->ud = ud;
  e->p = p;
  uv_timer_init(s->loop, &p->timer);
  s->open_handles++;
  p->next = s->pending;
  s->pending = p;
  uv_timer_start(&p->timer, on_pending_timeout, s->bind_timeout_ms, 0);
  /* connections may already wait for this complete(): the one with the
   * session's remote path binds, the others are refused */
  for (incoming *in = s->incoming, *next; in; in = next) {
    next = in->next;
    if (in->target != e || in->claimed)
      continue;
    in->target = NULL;
    msrp__bind_resolve(in->t, match(in, e, &in->from));
  }
  return 0;
}

int msrp_server_complete(msrp_server *s, const msrp_path *full_remote_path,
                         msrp_server_complete_cb cb, void *ud) {
  if (!s)
    return MSRP_ERR_INVALID_ARGUMENT;
  expected *only = NULL;
  for (expected *e = s->expected; e; e = e->next) {
    if (e->p || e->bound)
      continue;
    if (only)
      return MSRP_ERR_INVALID_ARGUMENT; /* which session? */
    only = e;
  }
  if (!only)
    return MSRP_ERR_INVALID_ARGUMENT;
  return msrp_server_complete_uri(s, &only->uri, full_remote_path, NULL, cb,
                                  ud);
}

typedef struct wait_state {
  bool done;
  int status;
  msrp_transport *t;
} wait_state;

static void on_complete_wait(msrp_server *s, int status, msrp_transport *t,
                             void *ud) {
  (void)s;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
  w->t = t;
}

int msrp_server_complete_wait(msrp_server *s, const msrp_path *remote,
                              msrp_transport **out) {
  wait_state w = {0};
  int rc = msrp_server_complete(s, remote, on_complete_wait, &w);
  if (rc)
    return rc;
  rc = msrp__run_until(s->loop, &w.done);
  if (rc)
    return rc;
  if (!w.status)
    *out = w.t;
  return w.status;
}

int msrp_server_cleanup(msrp_server *s, const msrp_uri *local_uri) {
  if (!s || !local_uri)
    return MSRP_ERR_INVALID_ARGUMENT;
  expected *e = find_expected(s, local_uri);
  if (!e)
    return MSRP_ERR_NOT_FOUND;
  UNLINK(s->expected, expected, e);
  msrp__idmap_remove(&s->by_session, e);
  /* connections parked or binding for it are refused; its complete()
   * is cancelled */
  for (incoming *in = s->incoming, *next; in; in = next) {
    next = in->next;
    if (in->target == e && !in->claimed) {
      in->target = NULL;
      msrp__bind_resolve(in->t, MSRP_STATUS_NO_SESSION);
    } else if (in->claimed && in->claimed == e->p) {
      drop_incoming(in, true);
    }
  }
  if (e->p)
    finish_pending(e->p, MSRP_ERR_CANCELLED, NULL);
  if (--e->l->nexpected == 0)
    close_listener(e->l);
  msrp_uri_clear(&e->uri);
  free(e);
  return 0;
}
