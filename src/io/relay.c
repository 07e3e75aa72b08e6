/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Reserving a session at an MSRP relay (RFC 4976 section 5): connect to
 * the first relay that answers and run the AUTH state machine of the core
 * (relay_auth.h: Digest, 423, Use-Path) over that connection. Relays are
 * tried in order; one that cannot be reached or refuses hands over to the
 * next. */
#include "io/io_internal.h"

#include "core/srv.h"
#include "core/util.h"

#include <msrp/relay_auth.h>

#include "core/websocket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msrp__relay {
  uv_loop_t *loop;
  const msrp__relay_list *list;
  size_t idx;
  msrp__tls_ctx *ctx;
  const unsigned char *fingerprint;
  msrp_logger logger;
  uint64_t timeout_ms;
  msrp_uri *local_uri;
  msrp__relay_cb cb;
  void *ud;

  msrp_uri relay_uri;
  /* RFC 7977: the relay is a WebSocket server at this URL */
  bool ws;
  msrp__ws_url wsurl;
  msrp_transport *t;
  uv_timer_t timer;
  unsigned gen; /* which attempt is current */
  int pending;  /* connect requests not yet called back */
  bool timer_open;
  bool cancelled;
  bool done;
  msrp_relay_auth *auth; /* the AUTH rounds with the relay being tried */
  int last_error;
  /* the addresses of the relay being tried, in order (a name's, or its
   * SRV targets'), and the one being connected to */
  msrp__dns *dns;
  struct sockaddr_storage addrs[MSRP__RELAY_ADDRS];
  size_t naddrs, aidx;
};

static void try_next(msrp__relay *r, int status);

static const msrp__relay_entry *entry(const msrp__relay *r) {
  return &r->list->entries[r->idx];
}

static void drop(msrp__relay *r) {
  if (r->t) {
    msrp__transport_discard(r->t);
    r->t = NULL;
  }
  msrp_relay_auth_free(r->auth);
  r->auth = NULL;
  msrp_uri_clear(&r->relay_uri);
  msrp__dns_cancel(r->dns);
  r->dns = NULL;
  r->naddrs = r->aidx = 0;
}

typedef struct attempt {
  uv_connect_t req;
  msrp__relay *r;
  unsigned gen;
} attempt;

/* The memory goes when the timer is closed and no connect request of any
 * attempt is still to be called back. */
static void maybe_free(msrp__relay *r) {
  if ((r->done || r->cancelled) && !r->timer_open && r->pending == 0)
    free(r);
}

static void on_timer_closed(uv_handle_t *h) {
  msrp__relay *r = h->data;
  r->timer_open = false;
  maybe_free(r);
}

static void finish(msrp__relay *r, int status, const msrp_path *use_path,
                   size_t max_chunk) {
  uv_timer_stop(&r->timer);
  msrp_transport *t = NULL;
  if (!status) {
    t = r->t;
    r->t = NULL;
  }
  drop(r);
  r->done = true;
  if (!r->cancelled)
    r->cb(r, status, t, use_path, max_chunk, r->ud);
  uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

void msrp__relay_cancel(msrp__relay *r) {
  if (!r || r->cancelled || r->done)
    return;
  r->cancelled = true;
  uv_timer_stop(&r->timer);
  if (r->t)
    msrp__transport_detach(r->t);
  drop(r);
  uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

static void next_addr(msrp__relay *r, int status);

static void on_timeout(uv_timer_t *h) {
  msrp__relay *r = h->data;
  msrp__log(&r->logger, MSRP_LOG_WARNING, "relay %s: no answer in time",
            entry(r)->uri);
  next_addr(r, MSRP_ERR_TIMEOUT);
}

/* ---- AUTH --------------------------------------------------------------- */

static void on_auth_response(msrp_transport *t, int status, msrp_chunk *c,
                             unsigned segment, void *ud);

static int send_auth(msrp__relay *r) {
  msrp_chunk *c;
  int rc = msrp_relay_auth_request(r->auth, &c);
  if (rc)
    return rc;
  rc = msrp__transport_send_chunk(r->t, c, NULL, NULL);
  msrp_chunk_free(c);
  if (rc)
    return rc;
  return msrp_transport_read_chunk(r->t, MSRP_READ_WHOLE, on_auth_response, r);
}

static void on_auth_response(msrp_transport *t, int status, msrp_chunk *c,
                             unsigned segment, void *ud) {
  (void)t;
  (void)segment;
  msrp__relay *r = ud;
  if (status) {
    try_next(r, status);
    return;
  }
  const msrp__relay_entry *e = entry(r);
  int rc = 0;
  if (!msrp_relay_auth_response(r->auth, c)) {
    /* not the answer to our AUTH: wait for it */
    rc = msrp_transport_read_chunk(r->t, MSRP_READ_WHOLE, on_auth_response, r);
  } else {
    switch (msrp_relay_auth_state_of(r->auth)) {
    case MSRP_RELAY_AUTH_SEND:
      rc = send_auth(r);
      break;
    case MSRP_RELAY_AUTH_DONE: {
      const msrp_path *use = msrp_relay_auth_use_path(r->auth);
      uint32_t granted = msrp_relay_auth_granted(r->auth);
      char text[512];
      msrp_path_format(use, text, sizeof text);
      msrp__log(&r->logger, MSRP_LOG_INFO,
                "relay %s: reserved, Use-Path %s, expires in %u s", e->uri,
                text, (unsigned)granted);
      msrp_path copy = MSRP_PATH_INIT;
      rc = msrp_path_copy(&copy, use);
      if (!rc)
        rc = msrp__transport_set_relay(r->t, &r->relay_uri, e->username,
                                       e->password, e->expires ? granted : 0,
                                       granted);
      msrp_chunk_free(c);
      if (rc) {
        msrp_path_clear(&copy);
        try_next(r, rc);
        return;
      }
      finish(r, 0, &copy, e->max_chunk_size ? e->max_chunk_size : 8192);
      msrp_path_clear(&copy);
      return;
    }
    default:
      msrp__log(&r->logger, MSRP_LOG_WARNING, "relay %s refused AUTH: %d %s",
                e->uri, msrp_relay_auth_code(r->auth),
                msrp_chunk_comment(c) ? msrp_chunk_comment(c) : "");
      rc = MSRP_ERR_RELAY_AUTH;
    }
  }
  msrp_chunk_free(c);
  if (rc)
    try_next(r, rc);
}

/* ---- connecting --------------------------------------------------------- */

static void on_ready(msrp_transport *t, int status, void *ud) {
  msrp__relay *r = ud;
  if (status) {
    try_next(r, status);
    return;
  }
  /* our URI names the real address of this connection (the relay may
   * route by it), with the relay's scheme */
  struct sockaddr_storage ss;
  int len = sizeof ss;
  char ip[64];
  if (uv_tcp_getsockname(msrp__transport_tcp(t), (struct sockaddr *)&ss,
                         &len)) {
    try_next(r, MSRP_ERR_IO);
    return;
  }
  int port;
  if (ss.ss_family == AF_INET6) {
    uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
    port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  } else {
    uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  }
  msrp_uri fresh = MSRP_URI_INIT;
  int rc;
  if (r->ws) {
    msrp_uri_clear(&fresh);
    rc = msrp__ws_local_uri(r->relay_uri.use_tls, r->local_uri->session_id,
                            &fresh);
  } else {
    rc = msrp_uri_init(&fresh, r->relay_uri.use_tls, ip, port,
                       r->local_uri->session_id, NULL);
  }
  if (!rc && !fresh.session_id) {
    char sid[21];
    if (!(rc = msrp__secret_token(sid, 20)))
      rc = msrp_uri_set_session_id(&fresh, sid);
  }
  if (rc) {
    msrp_uri_clear(&fresh);
    try_next(r, rc);
    return;
  }
  msrp_uri_clear(r->local_uri);
  *r->local_uri = fresh;
  msrp_path local = {1, r->local_uri}, relay = {1, &r->relay_uri};
  rc = msrp__transport_set_paths(t, &local, &relay);
  const msrp__relay_entry *e = entry(r);
  msrp_relay_auth_free(r->auth);
  r->auth = NULL;
  if (!rc)
    rc = msrp_relay_auth_new(&r->auth,
                             &(msrp_relay_auth_config){.relay = &r->relay_uri,
                                                       .local = r->local_uri,
                                                       .username = e->username,
                                                       .password = e->password,
                                                       .expires = e->expires});
  if (!rc)
    rc = send_auth(r);
  if (rc)
    try_next(r, rc);
}

static int connect_addr(msrp__relay *r);

/* The address being tried failed: the relay's next address (another SRV
 * target, or another address of its name), or the next relay. */
static void next_addr(msrp__relay *r, int status) {
  if (++r->aidx < r->naddrs) {
    uv_timer_stop(&r->timer);
    msrp__transport_detach(r->t);
    msrp__transport_discard(r->t);
    r->t = NULL;
    msrp_relay_auth_free(r->auth);
    r->auth = NULL;
    if (!connect_addr(r))
      return;
  }
  try_next(r, status);
}

static void on_connected(uv_connect_t *req, int status) {
  attempt *a = (attempt *)req;
  msrp__relay *r = a->r;
  bool current = a->gen == r->gen;
  free(a);
  r->pending--;
  if (r->cancelled || r->done || !current || !r->t) {
    maybe_free(r); /* timed out, moved on, or cancelled */
    return;
  }
  if (status) {
    char at[64];
    msrp__format_addr((struct sockaddr *)&r->addrs[r->aidx], at, sizeof at);
    msrp__log(&r->logger, MSRP_LOG_WARNING, "relay %s unreachable at %s: %s",
              entry(r)->uri, at, uv_strerror(status));
    next_addr(r, MSRP_ERR_CONNECT);
    return;
  }
  msrp__ws_target ws = {r->wsurl.host, r->wsurl.port, r->wsurl.path};
  msrp__transport_start_ws(r->t, r->relay_uri.use_tls ? r->ctx : NULL, 0,
                           r->relay_uri.host, r->fingerprint,
                           r->ws ? &ws : NULL, on_ready, r);
}

/* Connect to the relay being tried, at `sa`. */
static int connect_to(msrp__relay *r, const struct sockaddr *sa) {
  int rc;
  if ((rc = msrp__transport_new(&r->t, r->loop, &r->logger)))
    return rc;
  attempt *a = calloc(1, sizeof *a);
  if (!a)
    return MSRP_ERR_NOMEM;
  a->r = r;
  a->gen = ++r->gen;
  if ((rc = uv_tcp_connect(&a->req, msrp__transport_tcp(r->t), sa,
                           on_connected))) {
    free(a);
    return msrp__uv_err(rc);
  }
  r->pending++;
  return 0;
}

/* Connect to the relay's address number r->aidx, with the whole timeout
 * for this address. */
static int connect_addr(msrp__relay *r) {
  char at[64];
  msrp__format_addr((struct sockaddr *)&r->addrs[r->aidx], at, sizeof at);
  msrp__log(&r->logger, MSRP_LOG_INFO, "connecting to relay %s at %s",
            entry(r)->uri, at);
  int rc = connect_to(r, (struct sockaddr *)&r->addrs[r->aidx]);
  if (!rc)
    uv_timer_start(&r->timer, on_timeout, r->timeout_ms, 0);
  return rc;
}

/* A relay found through DNS SRV: its addresses, in the order to try. */
static void on_relay_dns(msrp__dns *q, int status,
                         const struct sockaddr_storage *addrs, size_t n,
                         void *ud) {
  (void)q;
  msrp__relay *r = ud;
  r->dns = NULL;
  if (status) {
    try_next(r, MSRP_ERR_RESOLVE);
    return;
  }
  r->naddrs = n < MSRP__RELAY_ADDRS ? n : MSRP__RELAY_ADDRS;
  memcpy(r->addrs, addrs, r->naddrs * sizeof *addrs);
  r->aidx = 0;
  int rc = connect_addr(r);
  if (rc)
    try_next(r, rc);
}

/* A relay named by a host name, resolved in libuv's thread pool. */
typedef struct resolving {
  uv_getaddrinfo_t req;
  msrp__relay *r;
  unsigned gen;
} resolving;

static void on_relay_resolved(uv_getaddrinfo_t *req, int status,
                              struct addrinfo *res) {
  resolving *q = (resolving *)req;
  msrp__relay *r = q->r;
  bool current = q->gen == r->gen;
  free(q);
  r->pending--;
  if (r->cancelled || r->done || !current) {
    uv_freeaddrinfo(res);
    maybe_free(r); /* timed out, moved on, or cancelled */
    return;
  }
  if (status || !res) {
    msrp__log(&r->logger, MSRP_LOG_WARNING, "cannot resolve relay %s: %s",
              entry(r)->uri, uv_strerror(status ? status : UV_EAI_NONAME));
    uv_freeaddrinfo(res);
    try_next(r, MSRP_ERR_RESOLVE);
    return;
  }
  r->naddrs = r->aidx = 0;
  for (struct addrinfo *a = res; a && r->naddrs < MSRP__RELAY_ADDRS;
       a = a->ai_next)
    if (a->ai_addrlen <= sizeof r->addrs[0])
      memcpy(&r->addrs[r->naddrs++], a->ai_addr, a->ai_addrlen);
  uv_freeaddrinfo(res);
  int rc = r->naddrs ? connect_addr(r) : MSRP_ERR_RESOLVE;
  if (rc)
    try_next(r, rc);
}

/* Try relay number r->idx. */
static int try_relay(msrp__relay *r) {
  const msrp__relay_entry *e = entry(r);
  int rc;
  r->ws = msrp__ws_is_url(e->uri);
  if (r->ws) {
    /* RFC 7977: the relay's MSRP URI for AUTH names the ws transport */
    rc = msrp__ws_url_parse(e->uri, &r->wsurl);
    if (!rc) {
      msrp_uri_clear(&r->relay_uri);
      rc = msrp__ws_relay_uri(&r->wsurl, &r->relay_uri);
    }
  } else {
    rc = msrp_uri_parse(&r->relay_uri, e->uri, strlen(e->uri));
  }
  if (rc)
    return rc;
  if (r->relay_uri.use_tls && !r->ctx)
    return MSRP_ERR_TLS_CONFIG;
  if (msrp__srv_applies(&r->relay_uri)) {
    /* a name without a port: DNS SRV (RFC 4976 section 6.3) */
    int family = r->local_uri->host_type == MSRP_HOST_IPV6 ? AF_INET6 : AF_INET;
    if ((rc = msrp__dns_relay(&r->dns, r->loop, r->list->dns_servers,
                              &r->relay_uri, family, &r->logger, on_relay_dns,
                              r)))
      return rc;
  } else if (r->relay_uri.host_type == MSRP_HOST_NAME) {
    resolving *q = calloc(1, sizeof *q);
    if (!q)
      return MSRP_ERR_NOMEM;
    q->r = r;
    q->gen = ++r->gen;
    if ((rc = msrp__resolve_uri(
             r->loop, &q->req, on_relay_resolved, &r->relay_uri,
             r->local_uri->host_type == MSRP_HOST_IPV6 ? AF_INET6 : AF_INET))) {
      free(q);
      return rc;
    }
    r->pending++;
  } else {
    struct sockaddr_storage ss;
    if ((rc = msrp__uri_sockaddr(&r->relay_uri,
                                 msrp_uri_effective_port(&r->relay_uri), &ss)))
      return MSRP_ERR_RESOLVE;
    r->addrs[0] = ss;
    r->naddrs = 1;
    r->aidx = 0;
    if ((rc = connect_addr(r)))
      return rc;
    return 0;
  }
  /* the lookup has the whole timeout too */
  uv_timer_start(&r->timer, on_timeout, r->timeout_ms, 0);
  msrp__log(&r->logger, MSRP_LOG_INFO, "resolving relay %s", e->uri);
  return 0;
}

static void try_next(msrp__relay *r, int status) {
  uv_timer_stop(&r->timer);
  r->last_error = status;
  if (r->t)
    msrp__transport_detach(r->t);
  drop(r);
  while (++r->idx < r->list->n) {
    int rc = try_relay(r);
    if (!rc)
      return;
    drop(r);
    r->last_error = rc;
  }
  finish(r, r->last_error, NULL, 0);
}

int msrp__relay_reserve(msrp__relay **out, uv_loop_t *loop,
                        const msrp__relay_list *list, msrp__tls_ctx *ctx,
                        const unsigned char *fingerprint, const msrp_logger *lg,
                        uint64_t timeout_ms, msrp_uri *local_uri,
                        msrp__relay_cb cb, void *ud) {
  if (!list || list->n == 0 || !local_uri || !cb)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__relay *r = calloc(1, sizeof *r);
  if (!r)
    return MSRP_ERR_NOMEM;
  r->loop = loop;
  r->list = list;
  r->ctx = ctx;
  r->fingerprint = fingerprint;
  if (lg)
    r->logger = *lg;
  r->timeout_ms = timeout_ms;
  r->local_uri = local_uri;
  r->cb = cb;
  r->ud = ud;
  uv_timer_init(loop, &r->timer);
  r->timer.data = r;
  r->timer_open = true;
  int rc = try_relay(r);
  while (rc && ++r->idx < list->n) {
    drop(r);
    rc = try_relay(r);
  }
  if (rc) {
    drop(r);
    r->cancelled = true;
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
    return rc;
  }
  /* the first attempt may be running already: *out is set before any
   * callback can run (they all come from the loop) */
  *out = r;
  return 0;
}
