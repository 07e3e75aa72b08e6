/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Instant messaging over MSRP: sipsimple's MSRPChat on libmsrp's
 * connectors, sessions, SDP and CPIM, speaking through the notification
 * centre. */
#include <msrp/chat.h>

#include <msrp/engine.h>
#include <msrp/sdp.h>
#include <msrp/session.h>

#include "core/util.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum chat_state {
  CHAT_NEW,
  CHAT_INITIALIZING,
  CHAT_INITIALIZED,
  CHAT_STARTING,
  CHAT_STARTED,
  CHAT_ENDED
} chat_state;

/* A message waiting for start, or sent and waiting for its outcome. */
typedef struct chat_msg {
  char id[40];
  uint8_t *content;
  size_t len;
  char *content_type;
  char *to_uri;
  time_t dt;
  bool queued;    /* not sent yet */
  bool delivered; /* a REPORT said so */
  bool settled;   /* its outcome was posted */
  bool sent;      /* its transactions are over (200) */
  struct chat_msg *next;
} chat_msg;

struct msrp_chat {
  uv_loop_t *loop;
  msrp_notification_center *nc;
  char *display_name, *uri, *local_host, *remote_uri;
  char *advertised_host; /* NULL: local_host */
  char *dns_servers;     /* NULL: the system's */
  int use_tls;
  msrp_tls_config tls;
  char *tls_strings[5];
  bool has_tls;
  msrp_relay_config *relays;
  size_t nrelays;
  msrp_logger logger;
  bool has_logger;
  int sounds;
  char **accept, **wrapped;
  size_t naccept, nwrapped;
  uint64_t response_timeout_ms;
  int outgoing;
  /* RFC 6135: whether we open the TCP connection (a connector) or the peer
   * does (an acceptor), and the a=setup our SDP says */
  bool connects;
  msrp_sdp_setup local_setup;

  chat_state state;
  msrp_connector *con;
  msrp_uri local_uri;
  msrp_sdp_media *local_media, *remote_media;
  char *sdp;
  msrp_session *s;

  chat_msg *msgs, *msgs_tail;
  msrp_chat_sound_cb sound;
  void *sound_ud;
  bool sound_hooked;
  void *canberra;     /* dlopen handle */
  void *canberra_ctx; /* ca_context * */

  uv_timer_t end_timer; /* DidEnd is posted from the loop */
  bool timer_open, ending, freeing;
  /* end() waits for the outcomes of the messages sent, then shuts down */
  bool end_waits;
  /* DidStart is being posted: what observers send then waits behind the
   * messages queued before start */
  bool announcing;
  /* connector callbacks still owed to us: a freed connector runs them
   * (cancelled) from the loop, so the chat's memory outlives them */
  int con_pending;
};

static const char *const default_accept[] = {"message/cpim", "text/*",
                                             "application/im-iscomposing+xml"};
static const char *const default_wrapped[] = {"*"};

/* ---- notifications ------------------------------------------------------- */

static void post(msrp_chat *c, const char *name, const char *type,
                 const void *payload) {
  msrp_notification_center_post(c->nc, name, c, type, payload);
}

static void post_fail(msrp_chat *c, const char *context, int failure) {
  char reason[200];
  snprintf(reason, sizeof reason, "%s", msrp_strerror(failure));
  msrp_chat_did_fail f = {context, reason, failure};
  post(c, MSRP_CHAT_DID_FAIL, "msrp_chat_did_fail", &f);
}

static void post_delivery(msrp_chat *c, chat_msg *m, bool ok, int code,
                          const char *reason, const msrp_chunk *chunk) {
  if (m->settled)
    return;
  m->settled = true;
  msrp_chat_delivery d = {m->id, code, reason, chunk};
  post(c,
       ok ? MSRP_CHAT_DID_DELIVER_MESSAGE : MSRP_CHAT_DID_NOT_DELIVER_MESSAGE,
       "msrp_chat_delivery", &d);
}

/* ---- sounds: the freedesktop events through libcanberra, if present ------ */

typedef int (*ca_create_fn)(void **);
typedef int (*ca_play_fn)(void *, uint32_t, ...);

static void play(msrp_chat *c, int sent) {
  if (c->sound_hooked) {
    if (c->sound)
      c->sound(c, sent, c->sound_ud);
    return;
  }
  if (!c->sounds)
    return;
  if (!c->canberra) {
    c->canberra = dlopen("libcanberra.so.0", RTLD_NOW | RTLD_LOCAL);
    ca_create_fn create =
        c->canberra ? (ca_create_fn)dlsym(c->canberra, "ca_context_create")
                    : NULL;
    if (!create || create(&c->canberra_ctx) != 0) {
      c->sounds = 0; /* not installed: stay quiet */
      return;
    }
  }
  ca_play_fn play_fn = (ca_play_fn)dlsym(c->canberra, "ca_context_play");
  if (play_fn && c->canberra_ctx)
    play_fn(c->canberra_ctx, 0, "event.id",
            sent ? "message-sent-instant" : "message-new-instant", NULL);
}

void msrp_chat_set_sound_hook(msrp_chat *c, msrp_chat_sound_cb cb, void *ud) {
  c->sound = cb;
  c->sound_ud = ud;
  c->sound_hooked = true;
}

/* ---- life ------------------------------------------------------------------
 */

static char *dup_s(const char *s) {
  return s ? msrp__strndup(s, strlen(s)) : NULL;
}

static int copy_list(char ***out, size_t *n, const char *const *in,
                     size_t count) {
  *out = calloc(count ? count : 1, sizeof **out);
  if (!*out)
    return MSRP_ERR_NOMEM;
  *n = count;
  for (size_t i = 0; i < count; i++)
    if (!((*out)[i] = dup_s(in[i])))
      return MSRP_ERR_NOMEM;
  return 0;
}

static void free_list(char **l, size_t n) {
  for (size_t i = 0; l && i < n; i++)
    free(l[i]);
  free(l);
}

static void free_msgs(msrp_chat *c) {
  for (chat_msg *m = c->msgs, *n; m; m = n) {
    n = m->next;
    free(m->content);
    free(m->content_type);
    free(m->to_uri);
    free(m);
  }
  c->msgs = c->msgs_tail = NULL;
}

static int chat_new(msrp_chat **out, uv_loop_t *loop,
                    msrp_notification_center *nc, const msrp_account *a,
                    const char *remote_uri, int outgoing) {
  if (!out || !loop || !nc || !a || !a->uri || !a->local_host || !remote_uri ||
      (a->offer_setup != MSRP_SDP_SETUP_ABSENT &&
       a->offer_setup != MSRP_SDP_SETUP_ACTIVE &&
       a->offer_setup != MSRP_SDP_SETUP_PASSIVE))
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_chat *c = calloc(1, sizeof *c);
  if (!c)
    return MSRP_ERR_NOMEM;
  c->loop = loop;
  c->nc = nc;
  c->outgoing = outgoing;
  c->connects = outgoing && a->offer_setup != MSRP_SDP_SETUP_PASSIVE;
  c->local_setup = c->connects ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  c->use_tls = a->use_tls;
  c->sounds = a->sounds;
  c->response_timeout_ms = a->response_timeout_ms;
  c->local_uri = (msrp_uri)MSRP_URI_INIT;
  int rc = 0;
  c->display_name = dup_s(a->display_name);
  c->uri = dup_s(a->uri);
  c->local_host = dup_s(a->local_host);
  c->remote_uri = dup_s(remote_uri);
  c->advertised_host = dup_s(a->advertised_host);
  c->dns_servers = dup_s(a->dns_servers);
  if (!c->uri || !c->local_host || !c->remote_uri ||
      (a->display_name && !c->display_name) ||
      (a->advertised_host && !c->advertised_host) ||
      (a->dns_servers && !c->dns_servers))
    rc = MSRP_ERR_NOMEM;
  if (!rc && a->tls) {
    c->has_tls = true;
    c->tls = *a->tls;
    const char **f[] = {&c->tls.cert_file, &c->tls.key_file, &c->tls.ca_file,
                        &c->tls.fingerprint, &c->tls.server_name};
    for (int i = 0; i < 5 && !rc; i++) {
      c->tls_strings[i] = dup_s(*f[i]);
      if (*f[i] && !c->tls_strings[i])
        rc = MSRP_ERR_NOMEM;
      *f[i] = c->tls_strings[i];
    }
  }
  if (!rc && a->nrelays) {
    c->relays = calloc(a->nrelays, sizeof *c->relays);
    c->nrelays = a->nrelays;
    if (!c->relays)
      rc = MSRP_ERR_NOMEM;
    for (size_t i = 0; !rc && i < a->nrelays; i++) {
      c->relays[i] = a->relays[i];
      c->relays[i].uri = dup_s(a->relays[i].uri);
      c->relays[i].username = dup_s(a->relays[i].username);
      c->relays[i].password = dup_s(a->relays[i].password);
      if (!c->relays[i].uri)
        rc = MSRP_ERR_NOMEM;
    }
  }
  if (!rc && a->logger) {
    c->logger = *a->logger;
    c->has_logger = true;
  }
  if (!rc)
    rc = a->naccept_types
             ? copy_list(&c->accept, &c->naccept, a->accept_types,
                         a->naccept_types)
             : copy_list(&c->accept, &c->naccept, default_accept, 3);
  if (!rc)
    rc = a->accept_wrapped_types
             ? copy_list(&c->wrapped, &c->nwrapped, a->accept_wrapped_types,
                         a->naccept_wrapped_types)
             : copy_list(&c->wrapped, &c->nwrapped, default_wrapped, 1);
  if (rc) {
    msrp_chat_free(c);
    return rc;
  }
  uv_timer_init(loop, &c->end_timer);
  c->end_timer.data = c;
  c->timer_open = true;
  *out = c;
  return 0;
}

static void release(msrp_chat *c) {
  free(c->display_name);
  free(c->uri);
  free(c->local_host);
  free(c->advertised_host);
  free(c->dns_servers);
  free(c->remote_uri);
  for (int i = 0; i < 5; i++)
    free(c->tls_strings[i]);
  for (size_t i = 0; c->relays && i < c->nrelays; i++) {
    free((char *)c->relays[i].uri);
    free((char *)c->relays[i].username);
    free((char *)c->relays[i].password);
  }
  free(c->relays);
  free_list(c->accept, c->naccept);
  free_list(c->wrapped, c->nwrapped);
  msrp_uri_clear(&c->local_uri);
  msrp_sdp_media_free(c->local_media);
  msrp_sdp_media_free(c->remote_media);
  free(c->sdp);
  free_msgs(c);
  if (c->canberra)
    dlclose(c->canberra);
  free(c);
}

/* The memory goes once the timer is closed and no callback is owed. */
static void maybe_release(msrp_chat *c) {
  if (c->freeing && !c->timer_open && c->con_pending == 0)
    release(c);
}

static void on_timer_closed(uv_handle_t *h) {
  msrp_chat *c = h->data;
  c->timer_open = false;
  maybe_release(c);
}

/* Entering a connector callback: false when the chat is being freed (and
 * released here if this was the last thing it waited for). */
static bool connector_returned(msrp_chat *c) {
  c->con_pending--;
  if (!c->freeing)
    return true;
  maybe_release(c);
  return false;
}

static void close_down(msrp_chat *c) {
  msrp_session *s = c->s;
  c->s = NULL; /* a shutdown's closed callback may run inside the free */
  msrp_session_free(s);
  msrp_connector_free(c->con);
  c->con = NULL;
}

void msrp_chat_free(msrp_chat *c) {
  if (!c || c->freeing)
    return;
  c->freeing = true;
  close_down(c);
  if (c->timer_open) {
    uv_timer_stop(&c->end_timer);
    uv_close((uv_handle_t *)&c->end_timer, on_timer_closed);
  } else {
    maybe_release(c);
  }
}

/* ---- initialize ------------------------------------------------------------
 */

static msrp_connect_config connect_config(msrp_chat *c) {
  msrp_connect_config cfg = {0};
  cfg.tls = c->has_tls ? &c->tls : NULL;
  cfg.logger = c->has_logger ? &c->logger : NULL;
  cfg.relays = c->relays;
  cfg.nrelays = c->nrelays;
  cfg.advertise_host = c->advertised_host;
  cfg.dns_servers = c->dns_servers;
  return cfg;
}

static int build_sdp(msrp_chat *c, const msrp_path *path) {
  msrp_sdp_media *m;
  int rc =
      msrp_sdp_media_new(&m, path, (const char *const *)c->accept, c->naccept);
  if (rc)
    return rc;
  if (c->nwrapped)
    rc = msrp_sdp_media_set_accept_wrapped_types(
        m, (const char *const *)c->wrapped, c->nwrapped);
  /* RFC 6135: the side that connects says active; the other passive */
  if (!rc)
    rc = msrp_sdp_media_set_setup(m, c->local_setup);
  if (!rc && path->uris[path->count - 1].use_tls && c->has_tls &&
      c->tls.cert_file) {
    char fp[128];
    rc = msrp_tls_fingerprint_file(c->tls.cert_file, fp, sizeof fp);
    if (!rc)
      rc = msrp_sdp_media_add_fingerprint(m, "sha-256", fp + 8);
  }
  int n = rc ? rc : msrp_sdp_media_format(m, NULL, 0);
  if (n < 0) {
    msrp_sdp_media_free(m);
    return n;
  }
  free(c->sdp);
  c->sdp = malloc((size_t)n + 1);
  if (!c->sdp) {
    msrp_sdp_media_free(m);
    return MSRP_ERR_NOMEM;
  }
  msrp_sdp_media_format(m, c->sdp, (size_t)n + 1);
  msrp_sdp_media_free(c->local_media);
  c->local_media = m;
  return 0;
}

static void on_prepared(msrp_connector *con, int status, const msrp_path *p,
                        void *ud) {
  (void)con;
  msrp_chat *c = ud;
  if (!connector_returned(c) || c->state != CHAT_INITIALIZING)
    return;
  if (!status)
    status = build_sdp(c, p);
  if (status) {
    c->state = CHAT_NEW;
    post_fail(c, "initialize", status);
    return;
  }
  c->state = CHAT_INITIALIZED;
  msrp_chat_did_initialize d = {c->sdp};
  post(c, MSRP_CHAT_DID_INITIALIZE, "msrp_chat_did_initialize", &d);
}

int msrp_chat_initialize(msrp_chat *c) {
  if (!c)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->state != CHAT_NEW || c->ending)
    return MSRP_ERR_BUSY;
  msrp_connect_config cfg = connect_config(c);
  int rc = c->connects ? msrp_get_connector(&c->con, c->loop, &cfg)
                       : msrp_get_acceptor(&c->con, c->loop, &cfg);
  if (!rc)
    rc = msrp_uri_init(&c->local_uri, c->use_tls, c->local_host, 0, NULL, NULL);
  if (!rc) {
    c->con_pending++;
    rc = msrp_connector_prepare(c->con, &c->local_uri, on_prepared, c);
    if (rc)
      c->con_pending--;
  }
  if (rc) {
    msrp_connector_free(c->con);
    c->con = NULL;
    return rc;
  }
  c->state = CHAT_INITIALIZING;
  return 0;
}

/* ---- messages -------------------------------------------------------------
 */

static chat_msg *find_msg(msrp_chat *c, const char *id) {
  for (chat_msg *m = c->msgs; m; m = m->next)
    if (strcmp(m->id, id) == 0)
      return m;
  return NULL;
}

static void forget(msrp_chat *c, chat_msg *m) {
  chat_msg **pp = &c->msgs;
  c->msgs_tail = NULL;
  while (*pp) {
    if (*pp == m) {
      *pp = m->next;
    } else {
      c->msgs_tail = *pp;
      pp = &(*pp)->next;
    }
  }
  free(m->content);
  free(m->content_type);
  free(m->to_uri);
  free(m);
}

static void shutdown_session(msrp_chat *c);

/* A message that went out and whose outcome is not known yet. */
static bool outcomes_pending(const msrp_chat *c) {
  for (const chat_msg *m = c->msgs; m; m = m->next)
    if (!m->queued && !m->settled)
      return true;
  return false;
}

/* The last outcome end() waited for has come: close now. */
static void outcome_came(msrp_chat *c) {
  if (c->end_waits && c->s && !c->freeing && !outcomes_pending(c))
    shutdown_session(c);
}

/* The session's verdict on a message's transactions. A failure ends it;
 * a success says the next hop took it, and whether the message arrived
 * only its REPORT says (on_report: a success, a failure, or none within
 * the report timeout). */
static void on_sent(msrp_session *s, const char *id, int status, int code,
                    const char *comment, void *ud) {
  (void)s;
  msrp_chat *c = ud;
  chat_msg *m = find_msg(c, id);
  if (!m)
    return;
  if (status == MSRP_ERR_CANCELLED && c->freeing) {
    forget(c, m);
    return;
  }
  if (status)
    post_delivery(c, m, false, 0, msrp_strerror(status), NULL);
  else if (code < 200 || code >= 300)
    post_delivery(c, m, false, code, comment, NULL);
  m->sent = true;
  if (m->settled)
    forget(c, m);
  outcome_came(c);
}

static void on_report(msrp_session *s, const msrp_report_info *r, void *ud) {
  (void)s;
  msrp_chat *c = ud;
  chat_msg *m = find_msg(c, r->message_id);
  if (!m)
    return;
  if (r->status) {
    post_delivery(c, m, false, 0, msrp_strerror(r->status), NULL);
  } else if (r->code < 200 || r->code >= 300) {
    post_delivery(c, m, false, r->code, r->comment, r->chunk);
  } else if (r->complete) {
    m->delivered = true;
    post_delivery(c, m, true, r->code, r->comment ? r->comment : "OK",
                  r->chunk);
  }
  if (m->settled && m->sent)
    forget(c, m);
  outcome_came(c);
}

/* Wrap or not, and send. Returns an error for a message that cannot go. */
static int send_now(msrp_chat *c, chat_msg *m) {
  const char *type = m->content_type;
  bool private_to = m->to_uri && strcmp(m->to_uri, c->remote_uri) != 0;
  bool wants_cpim = private_to || m->dt;
  msrp_sdp_send_mode mode;
  int rc = msrp_sdp_media_send_mode(c->remote_media, type, wants_cpim, &mode);
  if (rc)
    return rc == MSRP_ERR_NOT_SUPPORTED ? MSRP_ERR_CHAT_TYPE : rc;
  if (private_to && mode != MSRP_SDP_SEND_CPIM)
    return MSRP_ERR_CHAT_PRIVATE;
  char *body = NULL;
  size_t blen = 0;
  const char *ct = type;
  if (mode == MSRP_SDP_SEND_CPIM) {
    msrp_cpim *cp;
    if ((rc = msrp_cpim_new(&cp)))
      return rc;
    rc = msrp_cpim_set_from(cp, c->display_name, c->uri);
    if (!rc)
      rc = msrp_cpim_add_to(cp, NULL, m->to_uri ? m->to_uri : c->remote_uri);
    if (!rc && m->dt)
      rc = msrp_cpim_set_datetime(cp, (int64_t)m->dt);
    if (!rc)
      rc = msrp_cpim_set_content(cp, type, m->content, m->len);
    if (!rc)
      rc = msrp_cpim_to_bytes(cp, &body, &blen);
    msrp_cpim_free(cp);
    if (rc)
      return rc;
    ct = "message/cpim";
  }
  msrp_message_params p = {.content_type = ct,
                           .data = body ? (const void *)body : m->content,
                           .len = body ? blen : m->len,
                           .success_report = MSRP_REPORT_YES,
                           .failure_report = MSRP_REPORT_PARTIAL,
                           .message_id = m->id};
  rc = msrp_session_send_message(c->s, &p, on_sent, c, NULL);
  if (!rc && body) {
    /* the engine borrows the body until it is sent: keep the copy */
    free(m->content);
    m->content = (uint8_t *)body;
    m->len = blen;
  } else {
    free(body);
  }
  if (!rc) {
    m->queued = false;
    play(c, 1);
  }
  return rc;
}

int msrp_chat_send_message(msrp_chat *c, const void *content, size_t len,
                           const char *content_type, const char *to_uri,
                           time_t dt, const char **message_id) {
  if (!c || (len && !content))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->state == CHAT_ENDED || c->ending)
    return MSRP_ERR_CLOSED;
  chat_msg *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  int rc = msrp__random_token(m->id, 16);
  m->content = malloc(len ? len : 1);
  m->content_type = dup_s(content_type ? content_type : "text/plain");
  m->to_uri = dup_s(to_uri);
  if (!rc && (!m->content || !m->content_type || (to_uri && !m->to_uri)))
    rc = MSRP_ERR_NOMEM;
  if (rc) {
    free(m->content);
    free(m->content_type);
    free(m->to_uri);
    free(m);
    return rc;
  }
  if (len)
    memcpy(m->content, content, len);
  m->len = len;
  m->dt = dt;
  m->queued = true;
  if (c->msgs_tail)
    c->msgs_tail->next = m;
  else
    c->msgs = m;
  c->msgs_tail = m;
  if (c->state == CHAT_STARTED && !c->announcing && (rc = send_now(c, m))) {
    forget(c, m);
    return rc;
  }
  if (message_id)
    *message_id = m->id;
  return 0;
}

/* On start: what waited goes out, in order. One that cannot go is
 * reported as not delivered. */
static void flush_queue(msrp_chat *c) {
  for (chat_msg *m = c->msgs, *next; m; m = next) {
    next = m->next;
    if (!m->queued)
      continue;
    int rc = send_now(c, m);
    if (rc) {
      int code = rc == MSRP_ERR_CHAT_TYPE || rc == MSRP_ERR_CHAT_PRIVATE
                     ? MSRP_STATUS_UNSUPPORTED_MEDIA
                     : 0;
      post_delivery(c, m, false, code, msrp_strerror(rc), NULL);
      forget(c, m);
    }
  }
}

/* ---- incoming --------------------------------------------------------------
 */

static bool is_cpim(const char *type) {
  return type && msrp__ieq(type, strcspn(type, "; \t"), "message/cpim", 12);
}

static void on_message(msrp_session *s, const msrp_message_info *info,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  msrp_chat *c = ud;
  msrp_chat_got_message g = {body, len, info->content_type, NULL, info->chunk};
  msrp_cpim *cp = NULL;
  if (is_cpim(info->content_type)) {
    if (msrp_cpim_parse(&cp, body, len) == 0) {
      g.content = msrp_cpim_content(cp, &g.len);
      g.content_type = msrp_cpim_content_type(cp);
      g.cpim = cp;
    }
  }
  if (!g.content_type)
    g.content_type = "text/plain";
  post(c, MSRP_CHAT_GOT_MESSAGE, "msrp_chat_got_message", &g);
  msrp_cpim_free(cp);
  play(c, 0);
}

/* A chat message too large to take whole is refused (413). */
static void on_message_start(msrp_session *s, const msrp_message_info *info,
                             void *ud) {
  (void)s;
  msrp_chat *c = ud;
  msrp_session_refuse_message(c->s, info->message_id);
}

static void on_read_end(msrp_session *s, int status, void *ud) {
  (void)s;
  msrp_chat *c = ud;
  if (c->state == CHAT_STARTED && !c->ending)
    post_fail(c, "reading", status);
  else if (c->end_waits && c->s) /* nothing more can come: close now */
    shutdown_session(c);
}

/* ---- start ------------------------------------------------------------------
 */

static void on_completed(msrp_connector *con, int status, msrp_transport *t,
                         void *ud) {
  (void)con;
  msrp_chat *c = ud;
  if (c->state != CHAT_STARTING || c->freeing) {
    msrp_transport_free(t);
    connector_returned(c);
    return;
  }
  c->con_pending--;
  if (!status) {
    msrp_session_config sc = {0};
    sc.response_timeout_ms = c->response_timeout_ms;
    /* a chat message's REPORT has the time its transaction had */
    sc.report_timeout_ms = c->response_timeout_ms;
    sc.whole_max = 1u << 20;
    sc.on_read_end = on_read_end;
    /* our session checks what the SDP said we take */
    msrp__buf accept = {0};
    for (size_t i = 0; !status && i < c->naccept; i++) {
      status = msrp__buf_append_str(&accept, i ? " " : "");
      if (!status)
        status = msrp__buf_append_str(&accept, c->accept[i]);
    }
    sc.accept_types = accept.data ? accept.data : "";
    msrp_session_callbacks cbs = {.on_message = on_message,
                                  .on_message_start = on_message_start,
                                  .on_report = on_report};
    if (!status)
      status = msrp_session_new(&c->s, t, &sc, &cbs, c);
    msrp__buf_free(&accept);
    if (status)
      msrp_transport_free(t);
  }
  if (status) {
    c->state = CHAT_INITIALIZED;
    post_fail(c, "start", status);
    return;
  }
  c->state = CHAT_STARTED;
  c->announcing = true;
  post(c, MSRP_CHAT_DID_START, NULL, NULL);
  c->announcing = false;
  flush_queue(c);
}

/* Straight between the endpoints over TLS, the remote certificate is the
 * one its SDP names (RFC 4572/8122, RFC 4975 section 14.4): commonly
 * self-signed, so the a=fingerprint is what authenticates it, both ways:
 * the connecting side checks the server it reaches, the accepting side
 * asks the connecting one for its certificate and binds only that one. A
 * fingerprint set in the account's TLS settings wins; with a relay on
 * either side (our relays, or a remote path longer than the endpoint
 * itself) the TLS peer is a relay, not the endpoint, and nothing is
 * pinned. Only SHA-256 is checked; without one, the usual certificate
 * verification applies (connecting), or none (accepting). */
static int pin_remote_certificate(msrp_chat *c, msrp_sdp_media *remote) {
  const msrp_path *path = msrp_sdp_media_path(remote);
  if (c->nrelays || (c->has_tls && c->tls.fingerprint) || !path ||
      path->count != 1 || !path->uris[0].use_tls)
    return 0;
  for (size_t i = 0; i < msrp_sdp_media_fingerprint_count(remote); i++) {
    const char *hash, *value;
    if (msrp_sdp_media_fingerprint(remote, i, &hash, &value) == 0 &&
        msrp__ieq_lit(hash, strlen(hash), "sha-256"))
      return msrp_connector_set_peer_fingerprint(c->con, value);
  }
  return 0;
}

/* The remote's MSRP section: a whole SDP body may carry other media first
 * (audio, video); ours is its first MSRP section. */
static int parse_remote(const char *sdp, msrp_sdp_media **out) {
  size_t len = strlen(sdp), index = 0;
  int rc = msrp_sdp_find_msrp_media(sdp, len, 0, &index);
  return rc ? rc : msrp_sdp_media_parse(out, sdp, len, index, NULL);
}

/* The account as the application's headers sized it (and the relays and
 * TLS config it points to), as ours. */
typedef struct account_in {
  msrp_account acc;
  msrp_tls_config tls;
  msrp_relay_config *relays;
} account_in;

static int account_in_init(account_in *in, const msrp_account *a,
                           size_t account_size, size_t relay_size,
                           size_t tls_size) {
  memset(in, 0, sizeof *in);
  if (!a)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp__abi_in(&in->acc, sizeof in->acc, a, account_size);
  in->acc.tls = msrp__abi_in(&in->tls, sizeof in->tls, in->acc.tls, tls_size);
  int rc = msrp__abi_in_array((void **)&in->relays, sizeof *in->relays,
                              in->acc.relays, relay_size, in->acc.nrelays);
  in->acc.relays = in->relays;
  return rc;
}

int msrp_chat_new_sized(msrp_chat **out, uv_loop_t *loop,
                        msrp_notification_center *center,
                        const msrp_account *account, const char *remote_uri,
                        int outgoing, size_t account_size, size_t relay_size,
                        size_t tls_size) {
  account_in in;
  int rc = account_in_init(&in, account, account_size, relay_size, tls_size);
  if (!rc)
    rc = chat_new(out, loop, center, &in.acc, remote_uri, outgoing);
  free(in.relays);
  return rc;
}

int msrp_chat_new_from_sdp_sized(msrp_chat **out, uv_loop_t *loop,
                                 msrp_notification_center *center,
                                 const msrp_account *account,
                                 const char *remote_uri, const char *offer_sdp,
                                 size_t account_size, size_t relay_size,
                                 size_t tls_size) {
  if (!out || !offer_sdp)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_sdp_media *offer;
  int rc = parse_remote(offer_sdp, &offer);
  if (rc)
    return rc;
  /* RFC 6135: an offer that waits (passive), or lets us choose (actpass),
   * is answered active, and we connect: the answerer behind a NAT can
   * always reach out; an active or RFC 4975 offer is answered passive */
  msrp_sdp_action action;
  msrp_sdp_setup result;
  rc = msrp_sdp_setup_negotiate(MSRP_SDP_ANSWERER, MSRP_SDP_SETUP_ACTIVE,
                                msrp_sdp_media_setup(offer), &action, &result);
  msrp_sdp_media_free(offer);
  if (!rc && action == MSRP_SDP_HOLD)
    rc = MSRP_ERR_NOT_SUPPORTED; /* holdconn: nothing to chat over */
  msrp_chat *c = NULL;
  if (!rc)
    rc = msrp_chat_new_sized(&c, loop, center, account, remote_uri, 0,
                             account_size, relay_size, tls_size);
  if (rc)
    return rc;
  c->connects = action == MSRP_SDP_CONNECT;
  c->local_setup = result;
  *out = c;
  return 0;
}

int msrp_chat_start(msrp_chat *c, const char *remote_sdp) {
  if (!c || !remote_sdp)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->state != CHAT_INITIALIZED || c->ending)
    return MSRP_ERR_BUSY;
  msrp_sdp_media *remote;
  int rc = parse_remote(remote_sdp, &remote);
  if (!rc) {
    /* RFC 6135 / RFC 4975: who connects must match what we prepared */
    msrp_sdp_action action;
    msrp_sdp_setup result;
    rc = msrp_sdp_setup_negotiate(
        c->outgoing ? MSRP_SDP_OFFERER : MSRP_SDP_ANSWERER,
        msrp_sdp_media_setup(c->local_media), msrp_sdp_media_setup(remote),
        &action, &result);
    if (!rc && action != (c->connects ? MSRP_SDP_CONNECT : MSRP_SDP_ACCEPT))
      rc = MSRP_ERR_NOT_SUPPORTED;
    if (rc)
      msrp_sdp_media_free(remote);
  }
  if (!rc)
    rc = pin_remote_certificate(c, remote);
  if (rc) {
    post_fail(c, "sdp_negotiation", rc);
    return 0; /* the failure is the notification */
  }
  msrp_sdp_media_free(c->remote_media);
  c->remote_media = remote;
  c->state = CHAT_STARTING;
  c->con_pending++;
  rc = msrp_connector_complete(c->con, msrp_sdp_media_path(remote),
                               on_completed, c);
  if (rc) {
    c->con_pending--;
    c->state = CHAT_INITIALIZED;
    post_fail(c, "start", rc);
  }
  return 0;
}

/* ---- end --------------------------------------------------------------------
 */

/* DidEnd, from the loop: everything is closed by then. */
static void on_end_timer(uv_timer_t *h) {
  msrp_chat *c = h->data;
  c->end_waits = false; /* the grace is over, or the session closed */
  close_down(c);        /* what was in flight is cancelled, and said so */
  /* what never went out (ended before it started) */
  while (c->msgs && !c->freeing) {
    post_delivery(c, c->msgs, false, 0, msrp_strerror(MSRP_ERR_CANCELLED),
                  NULL);
    forget(c, c->msgs);
  }
  c->state = CHAT_ENDED;
  c->ending = false;
  post(c, MSRP_CHAT_DID_END, NULL, NULL);
}

static void on_session_closed(msrp_session *s, void *ud) {
  (void)s;
  msrp_chat *c = ud;
  if (c->s) /* not when we are the ones freeing it */
    uv_timer_start(&c->end_timer, on_end_timer, 0, 0);
}

/* How long end() lets what is queued go out, and the responses and REPORTs
 * come, before it closes anyway. */
#define END_GRACE_MS 2000

static void shutdown_session(msrp_chat *c) {
  c->end_waits = false;
  if (msrp_session_shutdown(c->s, on_session_closed, c) != 0)
    uv_timer_start(&c->end_timer, on_end_timer, 0, 0);
}

int msrp_chat_end(msrp_chat *c) {
  if (!c)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->ending || c->state == CHAT_ENDED)
    return MSRP_ERR_BUSY;
  c->ending = true;
  post(c, MSRP_CHAT_WILL_END, NULL, NULL);
  if (c->s && !msrp_session_read_status(c->s)) {
    /* the grace bounds it all; the chat ends as soon as every message sent
     * has its outcome and the connection is closed */
    uv_timer_start(&c->end_timer, on_end_timer, END_GRACE_MS, 0);
    c->end_waits = true;
    outcome_came(c);
    return 0;
  }
  uv_timer_start(&c->end_timer, on_end_timer, 0, 0);
  return 0;
}
