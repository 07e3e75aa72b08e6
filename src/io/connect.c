/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* ConnectorDirect, AcceptorDirect, ConnectorRelay and AcceptorRelay (the
 * seed's msrplib.connect), behind the msrp_connector interface. The relay
 * kinds reserve a session at a relay in prepare() (relay.c) and bind over
 * that connection in complete(). */
#include "io/io_internal.h"

#include "core/util.h"

#include <msrp/relay_auth.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AcceptorDirect: a connection accepted, not bound yet. */
typedef struct candidate {
  msrp_connector *c;
  msrp_transport *t;
  bool ready;   /* TLS (if any) is up */
  bool binding; /* complete() came: binding under way */
  struct candidate *next;
} candidate;

struct msrp_connector {
  msrp_connector_kind kind;
  uv_loop_t *loop;
  msrp_logger logger;
  msrp__tls_ctx *ctx; /* client context (connector) or server (acceptor) */
  unsigned char fingerprint[32];
  bool has_fingerprint;
  /* RFC 6714 CEMA: match paths by session id; a connector connects to
   * cema_target (the SDP's c= and m=) when it has one */
  bool cema;
  msrp_uri cema_target;
  char *server_name;
  char *advertise_host; /* what our path says, when not the bound host */
  uint64_t bind_timeout_ms;
  uint64_t connect_timeout_ms;

  uv_timer_t timer;
  uv_tcp_t *listener;
  int open_handles;
  bool freeing;

  msrp_uri *local_uri;
  msrp_path local_path;
  bool prepared;
  msrp_prepare_cb prepare_cb;
  void *prepare_ud;

  msrp_transport *t; /* the connection in the making (connecting kinds) */
  candidate *cands;  /* AcceptorDirect: connections waiting to bind */
  size_t ncands, max_unbound;
  bool t_ready;
  int accept_error;
  uv_connect_t connect_req;
  uv_getaddrinfo_t resolve_req;
  uv_getaddrinfo_t local_req; /* prepare(): a local host name */
  int local_family;           /* of the bound address */
  bool connecting;

  msrp_path remote_path;
  msrp_complete_cb complete_cb;
  void *complete_ud;

  /* relay kinds */
  msrp__relay_list relays;
  msrp__relay *reserving;
  msrp_path use_path;
};

static int prepare_relay(msrp_connector *c, msrp_uri *local_uri,
                         msrp_prepare_cb cb, void *ud);
static int prepare_bound(msrp_connector *c, msrp_uri *local_uri,
                         struct sockaddr_storage ss);
static void on_local_resolved(uv_getaddrinfo_t *req, int status,
                              struct addrinfo *res);

static bool is_relay(const msrp_connector *c) {
  return c->kind == MSRP_CONNECTOR_RELAY || c->kind == MSRP_ACCEPTOR_RELAY;
}

static void free_relays(msrp__relay_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->entries[i].uri);
    free(l->entries[i].username);
    free(l->entries[i].password);
  }
  free(l->entries);
  l->entries = NULL;
  l->n = 0;
  free(l->dns_servers);
  l->dns_servers = NULL;
}

static int copy_relays(msrp__relay_list *l, const msrp_relay_config *r,
                       size_t n) {
  l->entries = calloc(n, sizeof *l->entries);
  if (!l->entries)
    return MSRP_ERR_NOMEM;
  l->n = n;
  for (size_t i = 0; i < n; i++) {
    msrp__relay_entry *e = &l->entries[i];
    if (!r[i].uri)
      return MSRP_ERR_INVALID_ARGUMENT;
    e->uri = msrp__strdup_or_null(r[i].uri);
    e->username = msrp__strdup_or_null(r[i].username);
    e->password = msrp__strdup_or_null(r[i].password);
    e->expires = r[i].expires;
    e->max_chunk_size = r[i].max_chunk_size;
    if (!e->uri || (r[i].username && !e->username) ||
        (r[i].password && !e->password))
      return MSRP_ERR_NOMEM;
  }
  return 0;
}

static void fail_complete(msrp_connector *c, int status);

/* ---- lifetime ---------------------------------------------------------- */

static void maybe_release(msrp_connector *c);

static void on_closed(uv_handle_t *h) {
  msrp_connector *c = h->data;
  if (h != (uv_handle_t *)&c->timer)
    free(h);
  c->open_handles--;
  maybe_release(c);
}

/* Handles and requests in flight (connect, getaddrinfo) each hold the
 * connector; the last one out releases it. */
static void maybe_release(msrp_connector *c) {
  if (c->open_handles > 0 || !c->freeing)
    return;
  /* everything is closed: what is still owed runs, then the memory goes */
  if (c->prepare_cb) {
    msrp_prepare_cb cb = c->prepare_cb;
    c->prepare_cb = NULL;
    cb(c, MSRP_ERR_CANCELLED, NULL, c->prepare_ud);
  }
  if (c->complete_cb) {
    msrp_complete_cb cb = c->complete_cb;
    c->complete_cb = NULL;
    cb(c, MSRP_ERR_CANCELLED, NULL, c->complete_ud);
  }
  msrp__tls_ctx_free(c->ctx);
  msrp_uri_clear(&c->cema_target);
  free(c->server_name);
  free(c->advertise_host);
  free_relays(&c->relays);
  msrp_path_clear(&c->use_path);
  msrp_path_clear(&c->local_path);
  msrp_path_clear(&c->remote_path);
  free(c);
}

static void close_listener(msrp_connector *c) {
  if (c->listener) {
    uv_close((uv_handle_t *)c->listener, on_closed);
    c->listener = NULL;
  }
}

static void drop_transport(msrp_connector *c) {
  if (c->t) {
    msrp__transport_discard(c->t);
    c->t = NULL;
    c->t_ready = false;
  }
}

static void drop_candidate(candidate *k) {
  msrp_connector *c = k->c;
  for (candidate **pp = &c->cands; *pp; pp = &(*pp)->next)
    if (*pp == k) {
      *pp = k->next;
      break;
    }
  c->ncands--;
  if (k->t)
    msrp__transport_discard(k->t); /* a last answer (481) goes out first */
  free(k);
}

static void drop_candidates(msrp_connector *c) {
  while (c->cands)
    drop_candidate(c->cands);
}

void msrp_connector_free(msrp_connector *c) {
  if (!c || c->freeing)
    return;
  c->freeing = true;
  uv_timer_stop(&c->timer);
  msrp__relay_cancel(c->reserving);
  c->reserving = NULL;
  drop_transport(c);
  drop_candidates(c);
  close_listener(c);
  uv_close((uv_handle_t *)&c->timer, on_closed);
}

static int connector_new(msrp_connector **out, msrp_connector_kind kind,
                         uv_loop_t *loop, const msrp_connect_config *cfg) {
  if (!out || !loop)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_connector *c = calloc(1, sizeof *c);
  if (!c)
    return MSRP_ERR_NOMEM;
  c->kind = kind;
  c->loop = loop;
  c->bind_timeout_ms = MSRP_BIND_TIMEOUT_MS;
  c->connect_timeout_ms = 30000;
  c->max_unbound = MSRP_MAX_UNBOUND;
  int rc = 0;
  if (cfg) {
    if (cfg->max_unbound)
      c->max_unbound = cfg->max_unbound;
    if (cfg->logger)
      c->logger = *cfg->logger;
    if (cfg->bind_timeout_ms)
      c->bind_timeout_ms = cfg->bind_timeout_ms;
    if (cfg->connect_timeout_ms)
      c->connect_timeout_ms = cfg->connect_timeout_ms;
    const msrp_tls_config *tls = cfg->tls;
    if (tls && tls->fingerprint) {
      rc = msrp__parse_fingerprint(tls->fingerprint, c->fingerprint);
      c->has_fingerprint = rc == 0;
      if (rc) {
        msrp__log(&c->logger, MSRP_LOG_ERROR,
                  "TLS: the fingerprint \"%s\" is not \"sha-256 "
                  "XX:XX:...\" with 32 bytes",
                  tls->fingerprint);
        rc = MSRP_ERR_TLS_CONFIG;
      }
    }
    if (!rc && cfg->advertise_host &&
        !(c->advertise_host = msrp__strdup_or_null(cfg->advertise_host)))
      rc = MSRP_ERR_NOMEM;
    if (!rc && tls && tls->server_name &&
        !(c->server_name = msrp__strdup_or_null(tls->server_name)))
      rc = MSRP_ERR_NOMEM;
    if (!rc && cfg->nrelays) {
      /* with relays, both kinds connect out to their relay */
      rc = copy_relays(&c->relays, cfg->relays, cfg->nrelays);
      if (!rc && cfg->dns_servers &&
          !(c->relays.dns_servers = msrp__strdup_or_null(cfg->dns_servers)))
        rc = MSRP_ERR_NOMEM;
      c->kind = kind = kind == MSRP_CONNECTOR_DIRECT ? MSRP_CONNECTOR_RELAY
                                                     : MSRP_ACCEPTOR_RELAY;
    }
    /* a relay over TLS needs a client context; plain relays do not (the
     * system's trust store takes tens of milliseconds to load) */
    bool tls_relay = false;
    for (size_t i = 0; i < cfg->nrelays; i++)
      tls_relay |= cfg->relays[i].uri && strlen(cfg->relays[i].uri) >= 6 &&
                   (msrp__ieq(cfg->relays[i].uri, 6, "msrps:", 6) ||
                    msrp__ieq(cfg->relays[i].uri, 6, "wss://", 6));
    /* an acceptor needs its certificate to accept msrps: */
    if (!rc && (tls || tls_relay) &&
        (kind != MSRP_ACCEPTOR_DIRECT || (tls->cert_file && tls->key_file)))
      rc = msrp__tls_ctx_new(tls, kind == MSRP_ACCEPTOR_DIRECT, &c->logger,
                             &c->ctx);
  }
  if (rc) {
    free_relays(&c->relays);
    free(c->server_name);
    free(c->advertise_host);
    free(c);
    return rc;
  }
  uv_timer_init(loop, &c->timer);
  c->timer.data = c;
  c->open_handles = 1;
  *out = c;
  return 0;
}

int msrp__connect_in_init(msrp__connect_in *in, const msrp_connect_config *cfg,
                          size_t cfg_size, size_t relay_size, size_t tls_size) {
  memset(in, 0, sizeof *in);
  if (!cfg)
    return 0;
  msrp__abi_in(&in->cfg, sizeof in->cfg, cfg, cfg_size);
  in->cfg.tls = msrp__abi_in(&in->tls, sizeof in->tls, in->cfg.tls, tls_size);
  int rc = msrp__abi_in_array((void **)&in->relays, sizeof *in->relays,
                              in->cfg.relays, relay_size, in->cfg.nrelays);
  in->cfg.relays = in->relays;
  return rc;
}

void msrp__connect_in_clear(msrp__connect_in *in) {
  free(in->relays);
  in->relays = NULL;
}

static int connector_new_sized(msrp_connector **out, msrp_connector_kind kind,
                               uv_loop_t *loop,
                               const msrp_connect_config *config,
                               size_t config_size, size_t relay_size,
                               size_t tls_size) {
  msrp__connect_in in;
  int rc =
      msrp__connect_in_init(&in, config, config_size, relay_size, tls_size);
  if (!rc)
    rc = connector_new(out, kind, loop, config ? &in.cfg : NULL);
  msrp__connect_in_clear(&in);
  return rc;
}

int msrp_get_connector_sized(msrp_connector **out, uv_loop_t *loop,
                             const msrp_connect_config *config,
                             size_t config_size, size_t relay_size,
                             size_t tls_size) {
  return connector_new_sized(out, MSRP_CONNECTOR_DIRECT, loop, config,
                             config_size, relay_size, tls_size);
}

int msrp_get_acceptor_sized(msrp_connector **out, uv_loop_t *loop,
                            const msrp_connect_config *config,
                            size_t config_size, size_t relay_size,
                            size_t tls_size) {
  return connector_new_sized(out, MSRP_ACCEPTOR_DIRECT, loop, config,
                             config_size, relay_size, tls_size);
}

msrp_connector_kind msrp_connector_get_kind(const msrp_connector *c) {
  return c->kind;
}

/* ---- prepare ----------------------------------------------------------- */

static void on_prepared(uv_timer_t *h) {
  msrp_connector *c = h->data;
  msrp_prepare_cb cb = c->prepare_cb;
  c->prepare_cb = NULL;
  c->prepared = true;
  if (cb)
    cb(c, 0, &c->local_path, c->prepare_ud);
}

static void on_connection(uv_stream_t *server, int status);

/* Bind a socket to the local address `ss`; fill in the URI's real port. */
static int bind_local(msrp_connector *c, uv_tcp_t *tcp, msrp_uri *uri,
                      struct sockaddr_storage ss) {
  c->local_family = ss.ss_family;
  int rc = uv_tcp_bind(tcp, (struct sockaddr *)&ss, 0);
  if (!rc && c->kind == MSRP_ACCEPTOR_DIRECT)
    rc = uv_listen((uv_stream_t *)tcp, 16, on_connection);
  if (rc)
    return msrp__uv_err(rc);
  int len = sizeof ss;
  if (uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len))
    return MSRP_ERR_ADDRESS;
  uri->port =
      ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
  return 0;
}

int msrp_connector_prepare(msrp_connector *c, msrp_uri *local_uri,
                           msrp_prepare_cb cb, void *ud) {
  if (!c || !local_uri || !local_uri->host)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->freeing)
    return MSRP_ERR_CLOSED;
  if (c->prepared || c->prepare_cb || c->t || c->listener || c->reserving)
    return MSRP_ERR_BUSY;
  if (is_relay(c))
    return prepare_relay(c, local_uri, cb, ud);
  if (local_uri->use_tls && c->kind == MSRP_ACCEPTOR_DIRECT && !c->ctx)
    return MSRP_ERR_TLS_CONFIG;
  int rc = 0;
  if (!local_uri->session_id) {
    char sid[21];
    rc = msrp__secret_token(sid, 20);
    if (!rc)
      rc = msrp_uri_set_session_id(local_uri, sid);
    if (rc)
      return rc;
  }
  if (local_uri->host_type == MSRP_HOST_NAME) {
    /* a name: resolved off the loop; the URI keeps the name (peers
     * resolve it too), the socket binds its first address */
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    c->local_req.data = c;
    if (uv_getaddrinfo(c->loop, &c->local_req, on_local_resolved,
                       local_uri->host, "0", &hints))
      return MSRP_ERR_RESOLVE;
    c->open_handles++;
    c->local_uri = local_uri;
    c->prepare_cb = cb;
    c->prepare_ud = ud;
    return 0;
  }
  struct sockaddr_storage ss;
  if ((rc = msrp__uri_sockaddr(local_uri, local_uri->port, &ss)))
    return rc;
  if ((rc = prepare_bound(c, local_uri, ss)))
    return rc;
  c->prepare_cb = cb;
  c->prepare_ud = ud;
  return 0;
}

/* prepare() once the local address is known: listen (AcceptorDirect) or
 * bind the socket to connect from (ConnectorDirect), and say so from the
 * loop. */
static int prepare_bound(msrp_connector *c, msrp_uri *local_uri,
                         struct sockaddr_storage ss) {
  int rc;
  if (c->kind == MSRP_ACCEPTOR_DIRECT) {
    c->listener = malloc(sizeof *c->listener);
    if (!c->listener)
      return MSRP_ERR_NOMEM;
    uv_tcp_init(c->loop, c->listener);
    c->listener->data = c;
    c->open_handles++;
    rc = bind_local(c, c->listener, local_uri, ss);
    if (rc) {
      close_listener(c);
      return rc;
    }
    msrp__log(&c->logger, MSRP_LOG_INFO, "listening on %s:%d", local_uri->host,
              local_uri->port);
  } else {
    /* the connecting socket is bound now, so that the URI in our path
     * names the address the connection really comes from */
    rc = msrp__transport_new(&c->t, c->loop, &c->logger);
    if (rc)
      return rc;
    rc = bind_local(c, msrp__transport_tcp(c->t), local_uri, ss);
    if (rc) {
      drop_transport(c);
      return rc;
    }
  }
  /* behind NAT, or bound to 0.0.0.0 or ::, the path names the address
   * peers reach us at; the port is the one bound */
  if (c->advertise_host &&
      (rc = msrp_uri_set_host(local_uri, c->advertise_host)) != 0) {
    close_listener(c);
    drop_transport(c);
    return rc;
  }
  msrp_path p = {1, local_uri};
  msrp_path_clear(&c->local_path);
  rc = msrp_path_copy(&c->local_path, &p);
  if (rc) {
    close_listener(c);
    drop_transport(c);
    return rc;
  }
  c->local_uri = local_uri;
  uv_timer_start(&c->timer, on_prepared, 0, 0);
  return 0;
}

static void on_local_resolved(uv_getaddrinfo_t *req, int status,
                              struct addrinfo *res) {
  msrp_connector *c = req->data;
  c->open_handles--;
  if (c->freeing) {
    uv_freeaddrinfo(res); /* the prepare callback is owed CANCELLED */
    maybe_release(c);
    return;
  }
  int rc = MSRP_ERR_RESOLVE;
  if (status || !res || res->ai_addrlen > sizeof(struct sockaddr_storage)) {
    msrp__log(&c->logger, MSRP_LOG_ERROR, "cannot resolve local host %s: %s",
              c->local_uri->host, status ? uv_strerror(status) : "no address");
  } else {
    struct sockaddr_storage ss = {0};
    memcpy(&ss, res->ai_addr, res->ai_addrlen);
    uint16_t port = htons((uint16_t)c->local_uri->port);
    if (ss.ss_family == AF_INET6)
      ((struct sockaddr_in6 *)&ss)->sin6_port = port;
    else
      ((struct sockaddr_in *)&ss)->sin_port = port;
    rc = prepare_bound(c, c->local_uri, ss);
  }
  uv_freeaddrinfo(res);
  if (rc) {
    msrp_prepare_cb cb = c->prepare_cb;
    c->prepare_cb = NULL;
    if (cb)
      cb(c, rc, NULL, c->prepare_ud);
  }
}

typedef struct wait_state {
  bool done;
  int status;
  msrp_path *path;
  msrp_transport *t;
} wait_state;

/* ---- the relay kinds ---------------------------------------------------- */

static void on_reserved(msrp__relay *r, int status, msrp_transport *t,
                        const msrp_path *use_path, size_t max_chunk, void *ud) {
  (void)r;
  msrp_connector *c = ud;
  c->reserving = NULL;
  msrp_prepare_cb cb = c->prepare_cb;
  c->prepare_cb = NULL;
  if (!status) {
    /* the full local path: the relay's Use-Path, then us */
    status = msrp_path_copy(&c->use_path, use_path);
    if (!status)
      status = msrp_relay_local_path(&c->local_path, use_path, c->local_uri);
    if (!status) {
      c->t = t;
      c->t_ready = true;
      msrp__transport_set_chunk_limit(t, max_chunk);
      c->prepared = true;
    } else {
      msrp_transport_free(t);
    }
  }
  if (cb)
    cb(c, status, status ? NULL : &c->local_path, c->prepare_ud);
}

static int prepare_relay(msrp_connector *c, msrp_uri *local_uri,
                         msrp_prepare_cb cb, void *ud) {
  c->local_uri = local_uri;
  c->prepare_cb = cb;
  c->prepare_ud = ud;
  int rc = msrp__relay_reserve(&c->reserving, c->loop, &c->relays, c->ctx,
                               c->has_fingerprint ? c->fingerprint : NULL,
                               &c->logger, c->connect_timeout_ms, local_uri,
                               on_reserved, c);
  if (rc)
    c->prepare_cb = NULL;
  return rc;
}

static void on_prepare_wait(msrp_connector *c, int status,
                            const msrp_path *path, void *ud) {
  (void)c;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
  if (!status && w->path)
    w->status = msrp_path_copy(w->path, path);
}

int msrp_connector_prepare_wait(msrp_connector *c, msrp_uri *local_uri,
                                msrp_path *full_local_path) {
  wait_state w = {.path = full_local_path};
  int rc = msrp_connector_prepare(c, local_uri, on_prepare_wait, &w);
  if (rc)
    return rc;
  rc = msrp__run_until(c->loop, &w.done);
  return rc ? rc : w.status;
}

/* ---- complete ---------------------------------------------------------- */

static void succeed(msrp_connector *c) {
  uv_timer_stop(&c->timer);
  msrp_transport *t = c->t;
  c->t = NULL;
  c->t_ready = false;
  msrp_complete_cb cb = c->complete_cb;
  c->complete_cb = NULL;
  cb(c, 0, t, c->complete_ud);
}

static void fail_complete(msrp_connector *c, int status) {
  uv_timer_stop(&c->timer);
  if (c->connecting) {
    /* the connect request still refers to the socket: let it finish */
    msrp__transport_detach(c->t);
  }
  drop_transport(c);
  if (c->kind == MSRP_ACCEPTOR_DIRECT) {
    drop_candidates(c);
    close_listener(c);
  }
  msrp_complete_cb cb = c->complete_cb;
  c->complete_cb = NULL;
  if (cb)
    cb(c, status, NULL, c->complete_ud);
}

static void on_timeout(uv_timer_t *h) {
  msrp_connector *c = h->data;
  int status = c->t_ready || c->kind == MSRP_ACCEPTOR_DIRECT
                   ? MSRP_ERR_BIND_TIMEOUT
                   : MSRP_ERR_TIMEOUT;
  msrp__log(&c->logger, MSRP_LOG_WARNING, "%s", msrp_strerror(status));
  fail_complete(c, status);
}

static void on_bound(msrp_transport *t, int status, void *ud) {
  (void)t;
  msrp_connector *c = ud;
  if (status)
    fail_complete(c, status);
  else
    succeed(c);
}

static int decide(msrp_transport *t, const msrp_chunk *chunk, void *ud) {
  (void)ud;
  return msrp_transport_check_incoming_send(t, chunk, NULL);
}

static void start_binding(msrp_connector *c) {
  /* From-Path is just us: relays put themselves in as they forward */
  msrp_path us = {1, c->local_uri};
  int rc = msrp__transport_set_paths(c->t, is_relay(c) ? &us : &c->local_path,
                                     &c->remote_path);
  if (!rc) {
    uv_timer_start(&c->timer, on_timeout, c->bind_timeout_ms, 0);
    rc = c->kind == MSRP_CONNECTOR_DIRECT || c->kind == MSRP_CONNECTOR_RELAY
             ? msrp__bind_active(c->t, on_bound, c)
             : msrp__bind_passive(c->t, decide, on_bound, c);
  }
  if (rc)
    fail_complete(c, rc);
}

static void on_ready(msrp_transport *t, int status, void *ud) {
  (void)t;
  msrp_connector *c = ud;
  if (status) {
    if (c->complete_cb) {
      fail_complete(c, status);
    } else {
      c->accept_error = status;
      drop_transport(c);
    }
    return;
  }
  c->t_ready = true;
  if (c->complete_cb)
    start_binding(c);
}

static void on_connected(uv_connect_t *req, int status) {
  msrp_connector *c = req->data;
  c->connecting = false;
  c->open_handles--;
  if (c->freeing || !c->t) {
    maybe_release(c);
    return;
  }
  if (status) {
    msrp__log(&c->logger, MSRP_LOG_WARNING, "cannot connect to %s:%d: %s",
              c->remote_path.uris[0].host,
              msrp_uri_effective_port(&c->remote_path.uris[0]),
              uv_strerror(status));
    fail_complete(c, status == UV_ECANCELED ? MSRP_ERR_CANCELLED
                                            : MSRP_ERR_CONNECT);
    return;
  }
  const msrp_uri *first = &c->remote_path.uris[0];
  msrp__tls_ctx *ctx = NULL;
  if (first->use_tls) {
    if (!c->ctx && msrp__tls_ctx_new(NULL, 0, &c->logger, &c->ctx)) {
      fail_complete(c, MSRP_ERR_TLS_CONFIG);
      return;
    }
    ctx = c->ctx;
  }
  msrp__transport_start(
      c->t, ctx, 0, c->server_name ? c->server_name : first->host,
      c->has_fingerprint ? c->fingerprint : NULL, on_ready, c);
}

int msrp_connector_set_cema(msrp_connector *c, const char *host, int port) {
  if (!c || (host && (port <= 0 || port > 65535)))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->kind != MSRP_CONNECTOR_DIRECT && c->kind != MSRP_ACCEPTOR_DIRECT)
    return MSRP_ERR_NOT_SUPPORTED;
  msrp_uri_clear(&c->cema_target);
  if (host && c->kind == MSRP_CONNECTOR_DIRECT) {
    int rc = msrp_uri_init(&c->cema_target, 0, host, port, NULL, NULL);
    if (rc)
      return rc;
  }
  c->cema = true;
  return 0;
}

int msrp_connector_set_peer_fingerprint(msrp_connector *c,
                                        const char *fingerprint) {
  if (!c || !fingerprint)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->kind != MSRP_CONNECTOR_DIRECT && c->kind != MSRP_ACCEPTOR_DIRECT)
    return MSRP_ERR_NOT_SUPPORTED;
  unsigned char fp[32];
  if (msrp__parse_fingerprint(fingerprint, fp))
    return MSRP_ERR_TLS_CONFIG;
  memcpy(c->fingerprint, fp, sizeof fp);
  c->has_fingerprint = true;
  return 0;
}

static int start_connect(msrp_connector *c, const struct sockaddr *sa) {
  c->connect_req.data = c;
  int rc = uv_tcp_connect(&c->connect_req, msrp__transport_tcp(c->t), sa,
                          on_connected);
  if (rc)
    return msrp__uv_err(rc);
  c->connecting = true;
  c->open_handles++;
  char addr[64];
  msrp__format_addr(sa, addr, sizeof addr);
  msrp__log(&c->logger, MSRP_LOG_INFO, "connecting to %s", addr);
  return 0;
}

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  msrp_connector *c = req->data;
  c->open_handles--;
  if (c->freeing || !c->complete_cb || !c->t) {
    uv_freeaddrinfo(res);
    maybe_release(c);
    return;
  }
  int rc = status || !res ? MSRP_ERR_RESOLVE : start_connect(c, res->ai_addr);
  if (status || !res)
    msrp__log(&c->logger, MSRP_LOG_WARNING, "cannot resolve %s: %s",
              c->remote_path.uris[0].host,
              status ? uv_strerror(status) : "no address");
  uv_freeaddrinfo(res);
  if (rc)
    fail_complete(c, rc);
}

/* ---- AcceptorDirect: every connection is a candidate until one binds -- */

static void on_cand_bound(msrp_transport *t, int status, void *ud) {
  candidate *k = ud;
  msrp_connector *c = k->c;
  if (status) {
    /* this connection could not bind (481, garbage, closed): it goes, the
     * session goes on waiting for its peer */
    msrp__log(&c->logger, MSRP_LOG_INFO,
              "%s: not the session's peer (%s); still listening",
              msrp_transport_peer(t), msrp_strerror(status));
    drop_candidate(k);
    return;
  }
  k->t = NULL;
  drop_candidate(k);
  close_listener(c);
  drop_candidates(c); /* the others were not the peer */
  c->t = t;
  succeed(c);
}

/* The binding decision for a candidate: the session's paths, and over TLS
 * with a pinned fingerprint, the certificate the peer presented. */
static int decide_cand(msrp_transport *t, const msrp_chunk *chunk, void *ud) {
  candidate *k = ud;
  int code = msrp_transport_check_incoming_send(t, chunk, NULL);
  if (!code && k->c->has_fingerprint && msrp_transport_use_tls(t) &&
      msrp__transport_check_fingerprint(t, k->c->fingerprint))
    code = MSRP_STATUS_NO_SESSION;
  return code;
}

static void cand_bind(candidate *k) {
  msrp_connector *c = k->c;
  k->binding = true;
  msrp__transport_match_session_id_only(k->t, c->cema);
  int rc = msrp__transport_set_paths(k->t, &c->local_path, &c->remote_path);
  if (!rc)
    rc = msrp__bind_passive(k->t, decide_cand, on_cand_bound, k);
  if (rc)
    drop_candidate(k);
}

static void on_cand_ready(msrp_transport *t, int status, void *ud) {
  (void)t;
  candidate *k = ud;
  if (status) {
    drop_candidate(k);
    return;
  }
  k->ready = true;
  if (k->c->complete_cb)
    cand_bind(k);
}

static void on_connection(uv_stream_t *server, int status) {
  msrp_connector *c = server->data;
  if (status || c->freeing)
    return;
  if (c->ncands >= c->max_unbound) {
    msrp__log(&c->logger, MSRP_LOG_WARNING,
              "%zu connections wait to bind already: one more refused",
              c->ncands);
    msrp__refuse_connection(server);
    return;
  }
  candidate *k = calloc(1, sizeof *k);
  if (!k || msrp__transport_new(&k->t, c->loop, &c->logger)) {
    free(k);
    msrp__refuse_connection(server);
    return;
  }
  k->c = c;
  k->next = c->cands;
  c->cands = k;
  c->ncands++;
  if (uv_accept(server, (uv_stream_t *)msrp__transport_tcp(k->t))) {
    drop_candidate(k);
    return;
  }
  msrp__log(&c->logger, MSRP_LOG_INFO, "accepted a connection");
  msrp__transport_start(k->t, c->local_uri->use_tls ? c->ctx : NULL, 1, NULL,
                        NULL, on_cand_ready, k);
}

static void on_accept_error(uv_timer_t *h) {
  msrp_connector *c = h->data;
  fail_complete(c, c->accept_error);
}

int msrp_connector_complete(msrp_connector *c,
                            const msrp_path *full_remote_path,
                            msrp_complete_cb cb, void *ud) {
  if (!c || !full_remote_path || full_remote_path->count == 0 || !cb)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->freeing)
    return MSRP_ERR_CLOSED;
  if (!c->prepared || c->complete_cb)
    return MSRP_ERR_BUSY;
  msrp_path_clear(&c->remote_path);
  int rc = msrp_path_copy(&c->remote_path, full_remote_path);
  if (rc)
    return rc;
  c->complete_cb = cb;
  c->complete_ud = ud;

  if (is_relay(c)) {
    /* To-Path: our relay's Use-Path, then the remote's full path; what
     * comes in has that as its From-Path (RFC 4976 section 6) */
    rc = c->t ? msrp_relay_to_path(&c->remote_path, &c->use_path,
                                   full_remote_path)
              : MSRP_ERR_CLOSED;
    if (rc) {
      c->complete_cb = NULL;
      return rc;
    }
    start_binding(c);
    return 0;
  }

  if (c->kind == MSRP_ACCEPTOR_DIRECT) {
    if (!c->listener) { /* complete() already ran once */
      c->accept_error = MSRP_ERR_CLOSED;
      uv_timer_start(&c->timer, on_accept_error, 0, 0);
      return 0;
    }
    uv_timer_start(&c->timer, on_timeout, c->bind_timeout_ms, 0);
    for (candidate *k = c->cands, *next; k; k = next) {
      next = k->next;
      if (k->ready && !k->binding)
        cand_bind(k);
    }
    return 0;
  }

  /* ConnectorDirect: connect from the socket prepare() bound */
  if (!c->t) {
    c->complete_cb = NULL;
    return MSRP_ERR_CLOSED; /* complete() already ran once */
  }
  msrp__transport_match_session_id_only(c->t, c->cema);
  /* RFC 6714: to where the SDP's c= and m= say, which a middlebox may
   * have rewritten; the paths stay as a=path says */
  const msrp_uri *first =
      c->cema_target.host ? &c->cema_target : &c->remote_path.uris[0];
  uv_timer_start(&c->timer, on_timeout, c->connect_timeout_ms, 0);
  if (first->host_type == MSRP_HOST_NAME) {
    /* a name: resolve it off the loop, in libuv's thread pool */
    c->resolve_req.data = c;
    rc = msrp__resolve_uri(c->loop, &c->resolve_req, on_resolved, first,
                           c->local_family);
    if (rc) {
      uv_timer_stop(&c->timer);
      c->complete_cb = NULL;
      return rc;
    }
    c->open_handles++;
    return 0;
  }
  struct sockaddr_storage ss;
  rc = msrp__uri_sockaddr(first, msrp_uri_effective_port(first), &ss);
  if (!rc)
    rc = start_connect(c, (struct sockaddr *)&ss);
  if (rc) {
    uv_timer_stop(&c->timer);
    c->complete_cb = NULL;
  }
  return rc;
}

static void on_complete_wait(msrp_connector *c, int status, msrp_transport *t,
                             void *ud) {
  (void)c;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
  w->t = t;
}

int msrp_connector_complete_wait(msrp_connector *c,
                                 const msrp_path *full_remote_path,
                                 msrp_transport **out) {
  wait_state w = {0};
  int rc = msrp_connector_complete(c, full_remote_path, on_complete_wait, &w);
  if (rc)
    return rc;
  rc = msrp__run_until(c->loop, &w.done);
  if (rc)
    return rc;
  if (!w.status)
    *out = w.t;
  return w.status;
}
