/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Relay discovery through DNS SRV (RFC 4976 section 6.3, RFC 2782), with
 * c-ares on the loop: c-ares owns its sockets and says through its socket
 * state callback which ones to watch; a uv_poll_t watches each, and a
 * uv_timer_t drives c-ares's retransmissions and timeouts. Which name to
 * ask for and the order of the answers are the core's (core/srv.c).
 *
 * A query ends once: its result is handed over from a libuv callback after
 * c-ares has returned (never from inside c-ares, which must not see its
 * channel destroyed under it), then the handles close and the memory goes
 * when the last one has. */
#include "io/io_internal.h"

#include "core/srv.h"
#include "core/util.h"

#include <sys/select.h> /* ares.h uses fd_set and struct timeval */
#include <sys/time.h>

#include <ares.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS 8 /* SRV answers tried, at most */
/* addresses of one target tried, at most */
#define MAX_ADDRS_PER_TARGET (MSRP__RELAY_ADDRS / MAX_TARGETS)

typedef struct poller {
  uv_poll_t h;
  ares_socket_t fd;
  struct msrp__dns *q;
  struct poller *next;
} poller;

typedef struct target {
  struct msrp__dns *q;
  char *host;
  uint16_t port;
  struct sockaddr_storage addrs[MAX_ADDRS_PER_TARGET];
  size_t n;
} target;

struct msrp__dns {
  uv_loop_t *loop;
  ares_channel ch;
  bool ch_open;
  uv_timer_t timer;
  bool timer_open;
  poller *pollers;
  int open_polls;
  msrp_logger logger;
  int family;
  char *uri;     /* for the log */
  char *host;    /* the relay's domain, and its port when it has no SRV */
  uint16_t port; /* records (RFC 4976: the default) */
  msrp__dns_cb cb;
  void *ud;

  target targets[MAX_TARGETS];
  size_t ntargets;
  size_t pending; /* address lookups not answered yet */
  bool finished;  /* the result is known, not yet handed over */
  bool delivered; /* handed over (or cancelled): no callback any more */
  int status;
};

static void after_c_ares(msrp__dns *q);
static void destroy_channel(msrp__dns *q);

static void maybe_free(msrp__dns *q) {
  if (!q->delivered || q->timer_open || q->open_polls)
    return;
  for (size_t i = 0; i < q->ntargets; i++)
    free(q->targets[i].host);
  free(q->uri);
  free(q->host);
  free(q);
}

static void on_timer_closed(uv_handle_t *h) {
  msrp__dns *q = h->data;
  q->timer_open = false;
  maybe_free(q);
}

static void on_poll_closed(uv_handle_t *h) {
  poller *p = h->data;
  msrp__dns *q = p->q;
  free(p);
  q->open_polls--;
  maybe_free(q);
}

static void on_poll(uv_poll_t *h, int status, int events);

/* c-ares says which of its sockets to watch, and for what. */
static void on_sock_state(void *data, ares_socket_t fd, int readable,
                          int writable) {
  msrp__dns *q = data;
  poller **pp = &q->pollers, *p;
  while ((p = *pp) && p->fd != fd)
    pp = &p->next;
  if (!readable && !writable) {
    if (p) {
      *pp = p->next;
      uv_poll_stop(&p->h);
      uv_close((uv_handle_t *)&p->h, on_poll_closed);
    }
    return;
  }
  if (!p) {
    if (!(p = calloc(1, sizeof *p)))
      return; /* c-ares times the query out */
    if (uv_poll_init_socket(q->loop, &p->h, fd)) {
      free(p);
      return;
    }
    p->fd = fd;
    p->q = q;
    p->h.data = p;
    p->next = q->pollers;
    q->pollers = p;
    q->open_polls++;
  }
  uv_poll_start(&p->h,
                (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
                on_poll);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  poller *p = h->data;
  msrp__dns *q = p->q;
  ares_socket_t fd = p->fd;
  /* on an error, let c-ares read and write to find out */
  ares_process_fd(q->ch,
                  status < 0 || (events & UV_READABLE) ? fd : ARES_SOCKET_BAD,
                  status < 0 || (events & UV_WRITABLE) ? fd : ARES_SOCKET_BAD);
  after_c_ares(q);
}

static void on_timer(uv_timer_t *h) {
  msrp__dns *q = h->data;
  if (!q->finished)
    ares_process_fd(q->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  after_c_ares(q);
}

/* Once c-ares has returned: hand over a result, or wait as long as c-ares
 * says it may. */
static void after_c_ares(msrp__dns *q) {
  if (q->delivered)
    return;
  if (!q->finished) {
    struct timeval tv, *tvp = ares_timeout(q->ch, NULL, &tv);
    if (tvp)
      uv_timer_start(&q->timer, on_timer,
                     (uint64_t)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000,
                     0);
    return;
  }
  q->delivered = true;
  uv_timer_stop(&q->timer);
  destroy_channel(q);
  struct sockaddr_storage all[MAX_TARGETS * MAX_ADDRS_PER_TARGET];
  size_t n = 0;
  for (size_t i = 0; i < q->ntargets; i++)
    for (size_t j = 0; j < q->targets[i].n; j++)
      all[n++] = q->targets[i].addrs[j];
  int status = q->status ? q->status : n ? 0 : MSRP_ERR_RESOLVE;
  q->cb(q, status, all, n, q->ud);
  uv_close((uv_handle_t *)&q->timer, on_timer_closed);
}

/* Destroy the channel; c-ares says to stop watching each of its sockets as
 * it closes them, and any poller left is closed here. */
static void destroy_channel(msrp__dns *q) {
  if (q->ch_open) {
    q->ch_open = false;
    ares_destroy(q->ch);
  }
  while (q->pollers) {
    poller *p = q->pollers;
    q->pollers = p->next;
    uv_poll_stop(&p->h);
    uv_close((uv_handle_t *)&p->h, on_poll_closed);
  }
}

static void finish(msrp__dns *q, int status) {
  q->finished = true;
  if (!q->status)
    q->status = status;
}

static uint32_t random_u32(void *ud) {
  (void)ud;
  uint32_t v = 0;
  if (uv_random(NULL, NULL, &v, sizeof v, 0, NULL))
    v = (uint32_t)uv_hrtime();
  return v;
}

static void on_addrinfo(void *arg, int status, int timeouts,
                        struct ares_addrinfo *res) {
  (void)timeouts;
  target *t = arg;
  msrp__dns *q = t->q;
  if (status == ARES_EDESTRUCTION || q->finished) {
    if (res)
      ares_freeaddrinfo(res);
    return;
  }
  if (status != ARES_SUCCESS)
    msrp__log(&q->logger, MSRP_LOG_WARNING, "relay %s: cannot resolve %s: %s",
              q->uri, t->host, ares_strerror(status));
  for (struct ares_addrinfo_node *a = res ? res->nodes : NULL;
       a && t->n < MAX_ADDRS_PER_TARGET; a = a->ai_next) {
    if (a->ai_family != q->family || a->ai_addrlen > sizeof t->addrs[0])
      continue;
    memcpy(&t->addrs[t->n], a->ai_addr, a->ai_addrlen);
    if (a->ai_family == AF_INET6)
      ((struct sockaddr_in6 *)&t->addrs[t->n])->sin6_port = htons(t->port);
    else
      ((struct sockaddr_in *)&t->addrs[t->n])->sin_port = htons(t->port);
    t->n++;
  }
  if (res)
    ares_freeaddrinfo(res);
  if (--q->pending == 0)
    finish(q, 0);
}

static int add_target(msrp__dns *q, const char *host, uint16_t port) {
  target *t = &q->targets[q->ntargets];
  if (!(t->host = msrp__strndup(host, strlen(host))))
    return MSRP_ERR_NOMEM;
  t->q = q;
  t->port = port;
  q->ntargets++;
  return 0;
}

/* Look up the addresses of every target, in parallel; the order of the
 * result is the targets' order. */
static void resolve_targets(msrp__dns *q) {
  q->pending = q->ntargets;
  for (size_t i = 0; i < q->ntargets; i++) {
    struct ares_addrinfo_hints hints = {.ai_family = q->family,
                                        .ai_socktype = SOCK_STREAM};
    ares_getaddrinfo(q->ch, q->targets[i].host, NULL, &hints, on_addrinfo,
                     &q->targets[i]);
  }
}

static void on_srv(void *arg, int status, int timeouts, unsigned char *abuf,
                   int alen) {
  (void)timeouts;
  msrp__dns *q = arg;
  if (status == ARES_EDESTRUCTION || q->finished)
    return;
  struct ares_srv_reply *reply = NULL;
  if (status == ARES_SUCCESS)
    status = ares_parse_srv_reply(abuf, alen, &reply);
  if (status == ARES_ENODATA || status == ARES_ENOTFOUND) {
    /* no SRV records: the name itself, on the default port (RFC 4976) */
    msrp__log(&q->logger, MSRP_LOG_INFO,
              "relay %s: no SRV records, trying its address records", q->uri);
    int rc = add_target(q, q->host, q->port);
    if (rc)
      finish(q, rc);
    else
      resolve_targets(q);
    return;
  }
  if (status != ARES_SUCCESS) {
    msrp__log(&q->logger, MSRP_LOG_WARNING, "relay %s: SRV lookup failed: %s",
              q->uri, ares_strerror(status));
    finish(q, MSRP_ERR_RESOLVE);
    return;
  }
  msrp__srv srv[MAX_TARGETS];
  size_t n = 0;
  for (struct ares_srv_reply *s = reply; s && n < MAX_TARGETS; s = s->next)
    srv[n++] = (msrp__srv){s->host, s->priority, s->weight, s->port};
  n = msrp__srv_order(srv, n, random_u32, NULL);
  int rc = 0;
  char text[512];
  size_t used = 0;
  text[0] = 0;
  for (size_t i = 0; !rc && i < n; i++) {
    rc = add_target(q, srv[i].target, srv[i].port);
    int w = snprintf(text + used, sizeof text - used, "%s%s:%u", i ? ", " : "",
                     srv[i].target, srv[i].port);
    if (w > 0 && (size_t)w < sizeof text - used)
      used += (size_t)w;
  }
  ares_free_data(reply);
  if (rc) {
    finish(q, rc);
    return;
  }
  if (n == 0) {
    msrp__log(&q->logger, MSRP_LOG_WARNING,
              "relay %s: SRV says the service is not available there", q->uri);
    finish(q, MSRP_ERR_RESOLVE);
    return;
  }
  msrp__log(&q->logger, MSRP_LOG_INFO, "relay %s: SRV gives %s", q->uri, text);
  resolve_targets(q);
}

static void init_library(void) {
  ares_library_init(ARES_LIB_INIT_ALL);
}

int msrp__dns_relay(msrp__dns **out, uv_loop_t *loop, const char *servers,
                    const msrp_uri *relay, int family, const msrp_logger *lg,
                    msrp__dns_cb cb, void *ud) {
  static uv_once_t once = UV_ONCE_INIT;
  char name[256];
  char uri[512];
  if (!msrp__srv_applies(relay) || !cb ||
      msrp__srv_name(relay, name, sizeof name) ||
      msrp_uri_format(relay, uri, sizeof uri) < 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  uv_once(&once, init_library);
  msrp__dns *q = calloc(1, sizeof *q);
  if (!q)
    return MSRP_ERR_NOMEM;
  q->loop = loop;
  q->family = family;
  q->cb = cb;
  q->ud = ud;
  if (lg)
    q->logger = *lg;
  q->port = (uint16_t)msrp_uri_effective_port(relay);
  if (!(q->uri = msrp__strdup_or_null(uri)) ||
      !(q->host = msrp__strdup_or_null(relay->host))) {
    free(q->uri);
    free(q);
    return MSRP_ERR_NOMEM;
  }
  struct ares_options opts = {0};
  opts.sock_state_cb = on_sock_state;
  opts.sock_state_cb_data = q;
  opts.timeout = 2000; /* ms per try */
  opts.tries = 2;
  int rc = ares_init_options(&q->ch, &opts,
                             ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
                                 ARES_OPT_TRIES);
  if (rc == ARES_SUCCESS && servers && *servers)
    rc = ares_set_servers_ports_csv(q->ch, servers);
  if (rc != ARES_SUCCESS) {
    msrp__log(&q->logger, MSRP_LOG_ERROR, "relay %s: DNS resolver: %s%s%s", uri,
              ares_strerror(rc), servers ? " with servers " : "",
              servers ? servers : "");
    if (q->ch)
      ares_destroy(q->ch);
    free(q->uri);
    free(q->host);
    free(q);
    return rc == ARES_ENOMEM ? MSRP_ERR_NOMEM : MSRP_ERR_RESOLVE;
  }
  q->ch_open = true;
  uv_timer_init(loop, &q->timer);
  q->timer.data = q;
  q->timer_open = true;
  msrp__log(&q->logger, MSRP_LOG_INFO, "relay %s: looking up SRV %s", uri,
            name);
  ares_query(q->ch, name, 1 /* C_IN */, 33 /* T_SRV */, on_srv, q);
  /* c-ares may have answered already (an error, the hosts file): the
   * result is handed over from the loop, after *out is set */
  if (q->finished)
    uv_timer_start(&q->timer, on_timer, 0, 0);
  else
    after_c_ares(q);
  *out = q;
  return 0;
}

void msrp__dns_cancel(msrp__dns *q) {
  if (!q || q->delivered)
    return;
  q->delivered = true;
  q->finished = true; /* the callbacks c-ares runs now do nothing */
  uv_timer_stop(&q->timer);
  destroy_channel(q);
  uv_close((uv_handle_t *)&q->timer, on_timer_closed);
}
