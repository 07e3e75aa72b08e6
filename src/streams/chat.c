/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* Instant messaging over MSRP: sipsimple's MSRPChat on libmsrp's
 * connectors, sessions, SDP and CPIM, speaking through the notification
 * centre. */
#include <msrp/chat.h>

#include <msrp/chatroom.h>
#include <msrp/engine.h>
#include <msrp/imdn.h>
#include <msrp/sdp.h>
#include <msrp/session.h>

#include "core/util.h"
#include "io/io_internal.h"
#include "streams/stream.h"

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

/* A message that asked for disposition notifications (RFC 5438): ours,
 * waiting for them, or the remote's, waiting for us to send them. */
typedef struct imdn_entry {
  char id[128];      /* its imdn.Message-ID */
  char datetime[64]; /* its DateTime (received ones) */
  char *peer_uri;    /* the CPIM From of a received one: who gets them */
  char *our_uri;     /* its CPIM To: the recipient it named */
  unsigned asked;    /* MSRP_IMDN_ flags */
  unsigned done;     /* kinds sent or received (1 << msrp_imdn_kind) */
  struct imdn_entry *next;
} imdn_entry;

/* How many requests are remembered each way. */
#define IMDN_KEEP 1024

/* A message waiting for start, or sent and waiting for its outcome. */
typedef struct chat_msg {
  char id[40];
  uint8_t *content;
  size_t len;
  char *content_type;
  char *to_uri;
  time_t dt;
  unsigned notify; /* IMDN asked for (MSRP_IMDN_ flags) */
  bool queued;     /* not sent yet */
  bool delivered;  /* a REPORT said so */
  bool settled;    /* its outcome was posted */
  bool sent;       /* its transactions are over (200) */
  struct chat_msg *next;
} chat_msg;

struct msrp_chat {
  uv_loop_t *loop;
  msrp_notification_center *nc;
  msrp__account acct;
  char *remote_uri;
  int sounds;
  char **accept, **wrapped;
  size_t naccept, nwrapped;
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
  /* RFC 3994: the remote's composing state, and when its refresh lapses */
  msrp_composing_receiver composing;
  uv_timer_t composing_timer;
  bool composing_timer_open;
  /* end() waits for the outcomes of the messages sent, then shuts down */
  bool end_waits;
  /* DidStart is being posted: what observers send then waits behind the
   * messages queued before start */
  bool announcing;
  /* connector callbacks still owed to us: a freed connector runs them
   * (cancelled) from the loop, so the chat's memory outlives them */
  int con_pending;
  /* RFC 5438: requests for notifications, both ways, remembered (at most
   * IMDN_KEEP each, the oldest forgotten first) */
  imdn_entry *imdn_out; /* our messages that asked */
  imdn_entry *imdn_in;  /* received messages that asked */
  size_t nimdn_out, nimdn_in;
  bool auto_delivery; /* answer positive-delivery by ourselves */
  /* RFC 7701: the room we host (a=chatroom), and who decides nicknames */
  unsigned room_flags;
  bool hosts_room;
  msrp_chat_nickname_cb room_cb;
  void *room_ud;
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

static int copy_list(char ***out, size_t *n, const char *const *in,
                     size_t count) {
  *out = calloc(count ? count : 1, sizeof **out);
  if (!*out)
    return MSRP_ERR_NOMEM;
  *n = count;
  for (size_t i = 0; i < count; i++)
    if (!((*out)[i] = msrp__strdup_or_null(in[i])))
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
  if (!out || !loop || !nc || !a || !remote_uri)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_chat *c = calloc(1, sizeof *c);
  if (!c)
    return MSRP_ERR_NOMEM;
  int rc = msrp__account_copy(&c->acct, a);
  if (rc) {
    free(c);
    return rc;
  }
  c->loop = loop;
  c->nc = nc;
  c->outgoing = outgoing;
  c->connects = outgoing && a->offer_setup != MSRP_SDP_SETUP_PASSIVE;
  c->local_setup = c->connects ? MSRP_SDP_SETUP_ACTIVE : MSRP_SDP_SETUP_PASSIVE;
  c->sounds = a->sounds;
  c->auto_delivery = true;
  c->local_uri = (msrp_uri)MSRP_URI_INIT;
  if (!(c->remote_uri = msrp__strdup_or_null(remote_uri)))
    rc = MSRP_ERR_NOMEM;
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
  uv_timer_init(loop, &c->composing_timer);
  c->composing_timer.data = c;
  c->composing_timer_open = true;
  *out = c;
  return 0;
}

static void free_imdn(imdn_entry *e) {
  while (e) {
    imdn_entry *n = e->next;
    free(e->peer_uri);
    free(e->our_uri);
    free(e);
    e = n;
  }
}

static void release(msrp_chat *c) {
  free_imdn(c->imdn_out);
  free_imdn(c->imdn_in);
  msrp__account_clear(&c->acct);
  free(c->remote_uri);
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
  if (c->freeing && !c->timer_open && !c->composing_timer_open &&
      c->con_pending == 0)
    release(c);
}

static void on_timer_closed(uv_handle_t *h) {
  msrp_chat *c = h->data;
  if (h == (uv_handle_t *)&c->composing_timer)
    c->composing_timer_open = false;
  else
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
  if (c->composing_timer_open) {
    uv_timer_stop(&c->composing_timer);
    uv_close((uv_handle_t *)&c->composing_timer, on_timer_closed);
  }
  if (c->timer_open) {
    uv_timer_stop(&c->end_timer);
    uv_close((uv_handle_t *)&c->end_timer, on_timer_closed);
  } else {
    maybe_release(c);
  }
}

/* ---- initialize ------------------------------------------------------------
 */

static int build_sdp(msrp_chat *c, const msrp_path *path) {
  msrp_sdp_media *m;
  int rc =
      msrp_sdp_media_new(&m, path, (const char *const *)c->accept, c->naccept);
  if (rc)
    return rc;
  if (c->nwrapped)
    rc = msrp_sdp_media_set_accept_wrapped_types(
        m, (const char *const *)c->wrapped, c->nwrapped);
  if (!rc && c->hosts_room)
    rc = msrp_sdp_media_set_chatroom(m, c->room_flags);
  if (rc) {
    msrp_sdp_media_free(m);
    return rc;
  }
  return msrp__keep_local_media(m, &c->acct, path, c->local_setup, &c->sdp,
                                &c->local_media);
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
  int rc = msrp__stream_prepare(c->loop, &c->acct, c->connects, &c->con,
                                &c->local_uri, on_prepared, c, &c->con_pending);
  if (!rc)
    c->state = CHAT_INITIALIZING;
  return rc;
}

/* ---- messages -------------------------------------------------------------
 */

static chat_msg *find_msg(msrp_chat *c, const char *id) {
  for (chat_msg *m = c->msgs; m; m = m->next)
    if (strcmp(m->id, id) == 0)
      return m;
  return NULL;
}

/* What goes in a Message/CPIM wrapper besides From and the content. */
typedef struct wrapping {
  const char *to;      /* the To URI */
  const char *imdn_id; /* imdn.Message-ID (with the imdn NS), or NULL */
  time_t dt;           /* DateTime, or 0 */
  unsigned notify;     /* imdn.Disposition-Notification, or 0 */
  bool notification;   /* Content-Disposition: notification (RFC 5438) */
} wrapping;

/* The content of `type`, wrapped: *body malloc'd, *blen its length. */
static int wrap_cpim(const msrp_chat *c, const wrapping *w, const char *type,
                     const void *data, size_t len, char **body, size_t *blen) {
  msrp_cpim *cp;
  int rc = msrp_cpim_new(&cp);
  if (rc)
    return rc;
  rc = msrp_cpim_set_from(cp, c->acct.display_name, c->acct.uri);
  if (!rc)
    rc = msrp_cpim_add_to(cp, NULL, w->to);
  if (!rc && w->imdn_id)
    rc = msrp_cpim_add_ns(cp, MSRP_IMDN_CPIM_PREFIX, MSRP_IMDN_CPIM_NS);
  if (!rc && w->imdn_id)
    rc = msrp_cpim_add_header(cp, "imdn.Message-ID", NULL, w->imdn_id);
  if (!rc && w->dt)
    rc = msrp_cpim_set_datetime(cp, (int64_t)w->dt);
  if (!rc && w->notify) {
    char v[64];
    rc = msrp_imdn_disposition_format(w->notify, v, sizeof v);
    if (rc >= 0)
      rc = msrp_cpim_add_header(cp, "imdn.Disposition-Notification", NULL, v);
  }
  if (!rc)
    rc = msrp_cpim_set_content(cp, type, data, len);
  if (!rc && w->notification)
    rc = msrp_cpim_add_mime_header(cp, "Content-Disposition", "notification");
  if (!rc)
    rc = msrp_cpim_to_bytes(cp, body, blen);
  msrp_cpim_free(cp);
  return rc;
}

/* ---- disposition notifications (RFC 5438) ------------------------------- */

static imdn_entry *imdn_find(imdn_entry *e, const char *id) {
  for (; e; e = e->next)
    if (!strcmp(e->id, id))
      return e;
  return NULL;
}

/* Remember a request at the head of `list`; past IMDN_KEEP the oldest is
 * forgotten (a peer that asks for more than that, unanswered, loses the
 * oldest answers, never our memory). */
static int imdn_remember(imdn_entry **list, size_t *n, const char *id,
                         const char *datetime, const char *peer_uri,
                         const char *our_uri, unsigned asked) {
  if (strlen(id) >= sizeof((imdn_entry *)0)->id)
    return MSRP_ERR_INVALID_ARGUMENT;
  imdn_entry *e = calloc(1, sizeof *e);
  if (!e)
    return MSRP_ERR_NOMEM;
  snprintf(e->id, sizeof e->id, "%s", id);
  snprintf(e->datetime, sizeof e->datetime, "%s", datetime ? datetime : "");
  e->peer_uri = msrp__strdup_or_null(peer_uri);
  e->our_uri = msrp__strdup_or_null(our_uri);
  if ((peer_uri && !e->peer_uri) || (our_uri && !e->our_uri)) {
    free_imdn(e);
    return MSRP_ERR_NOMEM;
  }
  e->asked = asked;
  e->next = *list;
  *list = e;
  if (++*n > IMDN_KEEP) {
    imdn_entry *p = *list;
    while (p->next && p->next->next)
      p = p->next;
    free_imdn(p->next);
    p->next = NULL;
    --*n;
  }
  return 0;
}

/* The request flag a notification of this kind and status answers. */
static unsigned imdn_need(msrp_imdn_kind kind, msrp_imdn_status status) {
  switch (kind) {
  case MSRP_IMDN_KIND_DELIVERY:
    return status == MSRP_IMDN_DELIVERED ? MSRP_IMDN_POSITIVE_DELIVERY
                                         : MSRP_IMDN_NEGATIVE_DELIVERY;
  case MSRP_IMDN_KIND_DISPLAY:
    return MSRP_IMDN_DISPLAY;
  default:
    return MSRP_IMDN_PROCESSING;
  }
}

/* The body of a message sent with no reports (is-composing, a
 * notification), kept until its transaction is over. */
static void on_body_sent(msrp_session *s, const char *id, int status, int code,
                         const char *comment, void *ud) {
  (void)s;
  (void)id;
  (void)status;
  (void)code;
  (void)comment;
  free(ud);
}

/* Send a body that is not a message: no REPORT and no response asked for,
 * as deployed clients send is-composing and notifications. Takes `body`. */
static int send_control(msrp_chat *c, char *body, size_t len, const char *ct) {
  msrp_message_params p = {.content_type = ct,
                           .data = body,
                           .len = len,
                           .success_report = MSRP_REPORT_NO,
                           .failure_report = MSRP_REPORT_NO};
  int rc = msrp_session_send_message(c->s, &p, on_body_sent, body, NULL);
  if (rc)
    free(body);
  return rc;
}

/* Whether the chat can send something now. */
static int can_send(const msrp_chat *c) {
  if (c->state == CHAT_ENDED || c->ending)
    return MSRP_ERR_CLOSED;
  if (c->state != CHAT_STARTED || !c->s)
    return MSRP_ERR_BUSY;
  return 0;
}

int msrp_chat_send_notification(msrp_chat *c, const char *message_id,
                                msrp_imdn_kind kind, msrp_imdn_status status) {
  if (!c || !message_id)
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = can_send(c);
  if (rc)
    return rc;
  int fits = msrp_imdn_status_kind(status);
  if ((unsigned)kind > MSRP_IMDN_KIND_PROCESSING ||
      !msrp_imdn_status_name(status) || (fits >= 0 && fits != (int)kind))
    return MSRP_ERR_INVALID_ARGUMENT;
  imdn_entry *e = imdn_find(c->imdn_in, message_id);
  if (!e || !(e->asked & imdn_need(kind, status)) || (e->done & (1u << kind)))
    return MSRP_ERR_NOT_FOUND;
  /* displayed before the automatic delivered (from a GotMessage
   * observer): delivered goes first, as it happened */
  if (kind != MSRP_IMDN_KIND_DELIVERY && c->auto_delivery &&
      (e->asked & MSRP_IMDN_POSITIVE_DELIVERY) &&
      !(e->done & (1u << MSRP_IMDN_KIND_DELIVERY)) &&
      (rc = msrp_chat_send_notification(c, message_id, MSRP_IMDN_KIND_DELIVERY,
                                        MSRP_IMDN_DELIVERED)))
    return rc;
  msrp_sdp_send_mode mode;
  rc = msrp_sdp_media_send_mode(c->remote_media, MSRP_IMDN_TYPE, 1, &mode);
  if (rc || mode != MSRP_SDP_SEND_CPIM)
    return MSRP_ERR_CHAT_TYPE;
  msrp_imdn doc;
  memset(&doc, 0, sizeof doc);
  snprintf(doc.message_id, sizeof doc.message_id, "%s", e->id);
  snprintf(doc.datetime, sizeof doc.datetime, "%s", e->datetime);
  snprintf(doc.recipient_uri, sizeof doc.recipient_uri, "%s", c->acct.uri);
  snprintf(doc.original_recipient_uri, sizeof doc.original_recipient_uri, "%s",
           e->our_uri ? e->our_uri : c->acct.uri);
  doc.kind = kind;
  doc.status = status;
  char *xml = NULL, *body = NULL, id[17];
  size_t xlen = 0, blen = 0;
  if ((rc = msrp_imdn_build(&doc, &xml, &xlen)))
    return rc;
  rc = msrp__random_token(id, 16);
  wrapping w = {.to = e->peer_uri ? e->peer_uri : c->remote_uri,
                .imdn_id = id,
                .dt = time(NULL),
                .notification = true};
  if (!rc)
    rc = wrap_cpim(c, &w, MSRP_IMDN_TYPE, xml, xlen, &body, &blen);
  free(xml);
  if (!rc)
    rc = send_control(c, body, blen, "message/cpim");
  if (!rc)
    e->done |= 1u << kind;
  return rc;
}

int msrp_chat_send_displayed(msrp_chat *c, const char *message_id) {
  return msrp_chat_send_notification(c, message_id, MSRP_IMDN_KIND_DISPLAY,
                                     MSRP_IMDN_DISPLAYED);
}

void msrp_chat_set_auto_delivery(msrp_chat *c, int on) {
  if (c)
    c->auto_delivery = on != 0;
}

/* The remote's notification about one of our messages: posted when that
 * message asked for it and none of its kind came before; else dropped. */
static void took_notification(msrp_chat *c, const msrp_cpim *cp,
                              const uint8_t *body, size_t len) {
  msrp_imdn doc;
  if (msrp_imdn_parse(body, len, &doc)) {
    if (c->acct.has_logger)
      msrp__log(&c->acct.logger, MSRP_LOG_WARNING,
                "a malformed disposition notification was dropped");
    return;
  }
  imdn_entry *e = imdn_find(c->imdn_out, doc.message_id);
  if (!e || !(e->asked & imdn_need(doc.kind, doc.status)) ||
      (e->done & (1u << doc.kind))) {
    if (c->acct.has_logger)
      msrp__log(&c->acct.logger, MSRP_LOG_WARNING,
                "a disposition notification nobody asked for was dropped");
    return;
  }
  e->done |= 1u << doc.kind;
  msrp_cpim_time t;
  char when[64] = "";
  if (msrp_cpim_datetime(cp, &t) == 0 && t.text_len < sizeof when)
    snprintf(when, sizeof when, "%.*s", (int)t.text_len, t.text);
  msrp_chat_disposition d = {doc.message_id,
                             doc.kind,
                             doc.status,
                             msrp_imdn_status_name(doc.status),
                             when,
                             doc.recipient_uri,
                             &doc};
  post(c, MSRP_CHAT_GOT_DISPOSITION_NOTIFICATION, "msrp_chat_disposition", &d);
}

/* A received message asks for notifications: remember who gets them. */
static void took_request(msrp_chat *c, const msrp_cpim *cp, unsigned *flags,
                         char *id, size_t id_size) {
  char dt[64];
  *flags = 0;
  if (msrp_imdn_request(cp, flags, id, id_size, dt)) {
    *flags = 0;
    return;
  }
  msrp_cpim_address from = {0}, to = {0};
  size_t pos = 0;
  int has_from = msrp_cpim_next_address(cp, "From", &pos, &from) == 0;
  pos = 0;
  int has_to = msrp_cpim_next_address(cp, "To", &pos, &to) == 0;
  if (imdn_remember(&c->imdn_in, &c->nimdn_in, id, dt,
                    has_from ? from.uri : NULL, has_to ? to.uri : NULL, *flags))
    *flags = 0;
  msrp_cpim_address_clear(&from);
  msrp_cpim_address_clear(&to);
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
  bool wants_cpim = private_to || m->dt || m->notify;
  msrp_sdp_send_mode mode;
  int rc = msrp_sdp_media_send_mode(c->remote_media, type, wants_cpim, &mode);
  if (rc)
    return rc == MSRP_ERR_NOT_SUPPORTED ? MSRP_ERR_CHAT_TYPE : rc;
  /* RFC 7701: to another participant only in a room that allows it */
  int room = msrp_sdp_media_chatroom(c->remote_media);
  if (private_to && (mode != MSRP_SDP_SEND_CPIM || room < 0 ||
                     !(room & MSRP_CHATROOM_PRIVATE_MESSAGES)))
    return MSRP_ERR_CHAT_PRIVATE;
  /* RFC 5438: notifications are asked for in CPIM headers */
  if (m->notify && mode != MSRP_SDP_SEND_CPIM)
    return MSRP_ERR_CHAT_TYPE;
  char *body = NULL;
  size_t blen = 0;
  const char *ct = type;
  if (mode == MSRP_SDP_SEND_CPIM) {
    /* a request for notifications names the message by id and time */
    wrapping w = {.to = m->to_uri ? m->to_uri : c->remote_uri,
                  .imdn_id = m->notify ? m->id : NULL,
                  .dt = m->dt       ? m->dt
                        : m->notify ? time(NULL)
                                    : 0,
                  .notify = m->notify};
    if ((rc = wrap_cpim(c, &w, type, m->content, m->len, &body, &blen)))
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
  if (!rc && m->notify &&
      imdn_remember(&c->imdn_out, &c->nimdn_out, m->id, NULL, NULL, NULL,
                    m->notify) != 0 &&
      c->acct.has_logger)
    msrp__log(&c->acct.logger, MSRP_LOG_WARNING,
              "out of memory: notifications for %s will be dropped", m->id);
  if (!rc) {
    m->queued = false;
    play(c, 1);
  }
  return rc;
}

int msrp_chat_send_composing(msrp_chat *c, msrp_composing_state state,
                             uint32_t refresh, int64_t last_active) {
  if (!c)
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = can_send(c);
  if (rc)
    return rc;
  msrp_iscomposing doc = {
      .state = state, .refresh = refresh, .last_active = last_active};
  snprintf(doc.content_type, sizeof doc.content_type, "text/plain");
  char *xml = NULL, *body = NULL;
  size_t xlen = 0, blen = 0;
  rc = msrp_iscomposing_build(&doc, &xml, &xlen);
  msrp_sdp_send_mode mode = MSRP_SDP_SEND_RAW;
  if (!rc) {
    rc = msrp_sdp_media_send_mode(c->remote_media, MSRP_ISCOMPOSING_TYPE, 0,
                                  &mode);
    if (rc == MSRP_ERR_NOT_SUPPORTED)
      rc = MSRP_ERR_CHAT_TYPE;
  }
  const char *ct = MSRP_ISCOMPOSING_TYPE;
  if (!rc && mode == MSRP_SDP_SEND_CPIM) {
    wrapping w = {.to = c->remote_uri};
    rc = wrap_cpim(c, &w, MSRP_ISCOMPOSING_TYPE, xml, xlen, &body, &blen);
    ct = "message/cpim";
    free(xml);
    xml = NULL;
  } else if (!rc) {
    body = xml;
    blen = xlen;
    xml = NULL;
  }
  if (!rc)
    return send_control(c, body, blen, ct);
  free(xml);
  free(body);
  return rc;
}

int msrp_chat_send_message(msrp_chat *c, const void *content, size_t len,
                           const char *content_type, const char *to_uri,
                           time_t dt, const char **message_id) {
  return msrp_chat_send_message_ex(c, content, len, content_type, to_uri, dt, 0,
                                   message_id);
}

int msrp_chat_send_message_ex(msrp_chat *c, const void *content, size_t len,
                              const char *content_type, const char *to_uri,
                              time_t dt, unsigned notify,
                              const char **message_id) {
  if (!c || (len && !content) ||
      (notify &
       ~(unsigned)(MSRP_IMDN_POSITIVE_DELIVERY | MSRP_IMDN_NEGATIVE_DELIVERY |
                   MSRP_IMDN_DISPLAY | MSRP_IMDN_PROCESSING)))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->state == CHAT_ENDED || c->ending)
    return MSRP_ERR_CLOSED;
  chat_msg *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  int rc = msrp__random_token(m->id, 16);
  m->content = malloc(len ? len : 1);
  m->content_type =
      msrp__strdup_or_null(content_type ? content_type : "text/plain");
  m->to_uri = msrp__strdup_or_null(to_uri);
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
  m->notify = notify;
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

/* ---- chat rooms (RFC 7701) ------------------------------------------------
 */

int msrp_chat_host_room(msrp_chat *c, unsigned flags, msrp_chat_nickname_cb cb,
                        void *ud) {
  if (!c || (flags & ~(unsigned)(MSRP_CHATROOM_NICKNAME |
                                 MSRP_CHATROOM_PRIVATE_MESSAGES)))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->state != CHAT_NEW)
    return MSRP_ERR_BUSY;
  c->hosts_room = true;
  c->room_flags = flags;
  c->room_cb = cb;
  c->room_ud = ud;
  return 0;
}

/* A checked NICKNAME for the room we host: the application decides. */
static int on_room_nickname(msrp_session *s, const msrp_chunk *request,
                            const char *nickname, void *ud) {
  (void)s;
  (void)request;
  msrp_chat *c = ud;
  return c->room_cb(c, nickname, c->room_ud);
}

typedef struct nick_req {
  msrp_chat *chat;
  char nickname[MSRP_NICKNAME_MAX + 1];
} nick_req;

static void on_nickname_answer(msrp_session *s, int status,
                               const msrp_chunk *response, void *ud) {
  (void)s;
  nick_req *r = ud;
  msrp_chat *c = r->chat;
  if (!c->freeing) {
    int code = response ? msrp_chunk_code(response) : 0;
    const char *reason = response && msrp_chunk_comment(response)
                             ? msrp_chunk_comment(response)
                         : status ? msrp_strerror(status)
                                  : msrp_status_comment(code);
    msrp_chat_nickname_result res = {r->nickname, code, reason};
    post(c,
         !status && code == MSRP_STATUS_OK ? MSRP_CHAT_DID_SET_NICKNAME
                                           : MSRP_CHAT_DID_NOT_SET_NICKNAME,
         "msrp_chat_nickname_result", &res);
  }
  free(r);
}

int msrp_chat_set_nickname(msrp_chat *c, const char *nickname) {
  if (!c || !nickname)
    return MSRP_ERR_INVALID_ARGUMENT;
  int rc = can_send(c);
  if (rc)
    return rc;
  int room = msrp_sdp_media_chatroom(c->remote_media);
  if (room < 0 || !(room & MSRP_CHATROOM_NICKNAME))
    return MSRP_ERR_NOT_SUPPORTED;
  char quoted[2 * MSRP_NICKNAME_MAX + 3];
  if (msrp_nickname_quote(nickname, quoted, sizeof quoted) < 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  nick_req *r = calloc(1, sizeof *r);
  if (!r)
    return MSRP_ERR_NOMEM;
  r->chat = c;
  msrp_nickname_prepare(nickname, strlen(nickname), r->nickname,
                        sizeof r->nickname);
  msrp_chunk *ch = NULL;
  msrp_chunk_params p = {.method = "NICKNAME"};
  rc = msrp_transport_make_chunk(&ch, msrp_session_transport(c->s), &p);
  if (!rc)
    rc = msrp_chunk_add_header(ch, "Use-Nickname", quoted);
  if (!rc)
    rc = msrp_session_send_chunk(c->s, ch, on_nickname_answer, r);
  if (rc) {
    msrp_chunk_free(ch);
    free(r);
  }
  return rc;
}

/* ---- incoming --------------------------------------------------------------
 */

/* `type` is `want`, its parameters aside. */
static bool is_type(const char *type, const char *want) {
  return type && msrp__ieq(type, strcspn(type, "; \t"), want, strlen(want));
}

static void post_composing(msrp_chat *c, const msrp_iscomposing *doc) {
  msrp_chat_composing_indication i = {
      doc ? doc->state : MSRP_COMPOSING_IDLE, doc ? doc->refresh : 0,
      doc ? doc->content_type : "", doc ? doc->last_active : -1};
  post(c, MSRP_CHAT_GOT_COMPOSING_INDICATION, "msrp_chat_composing_indication",
       &i);
}

/* The remote's "active" lapsed without a refresh: idle. */
static void on_composing_timer(uv_timer_t *h) {
  msrp_chat *c = h->data;
  if (msrp_composing_receiver_tick(&c->composing, uv_now(c->loop)))
    post_composing(c, NULL);
}

/* An is-composing document: an indication, never a message. A malformed
 * one is said in the log and dropped. */
static void took_composing(msrp_chat *c, const uint8_t *body, size_t len) {
  msrp_iscomposing doc;
  if (msrp_iscomposing_parse(body, len, &doc)) {
    if (c->acct.has_logger)
      msrp__log(&c->acct.logger, MSRP_LOG_WARNING,
                "a malformed is-composing document was dropped");
    return;
  }
  uint64_t now = uv_now(c->loop);
  msrp_composing_received(&c->composing, &doc, now);
  uint64_t due = msrp_composing_receiver_deadline(&c->composing);
  if (due != UINT64_MAX)
    uv_timer_start(&c->composing_timer, on_composing_timer, due - now, 0);
  else
    uv_timer_stop(&c->composing_timer);
  post_composing(c, &doc);
}

static void on_message(msrp_session *s, const msrp_message_info *info,
                       const uint8_t *body, size_t len, void *ud) {
  (void)s;
  msrp_chat *c = ud;
  msrp_chat_got_message g = {body, len, info->content_type, NULL, info->chunk,
                             0,    NULL};
  msrp_cpim *cp = NULL;
  if (is_type(info->content_type, "message/cpim")) {
    if (msrp_cpim_parse(&cp, body, len) == 0) {
      g.content = msrp_cpim_content(cp, &g.len);
      g.content_type = msrp_cpim_content_type(cp);
      g.cpim = cp;
    }
  }
  if (!g.content_type)
    g.content_type = "text/plain";
  if (is_type(g.content_type, MSRP_ISCOMPOSING_TYPE)) {
    took_composing(c, g.content, g.len);
    msrp_cpim_free(cp);
    return;
  }
  if (is_type(g.content_type, MSRP_IMDN_TYPE)) {
    /* a notification is never a message; unwrapped it names no sender
     * and cannot be one (RFC 5438 carries it in CPIM) */
    if (cp)
      took_notification(c, cp, g.content, g.len);
    msrp_cpim_free(cp);
    return;
  }
  char imdn_id[128] = "";
  if (cp)
    took_request(c, cp, &g.notify, imdn_id, sizeof imdn_id);
  g.imdn_message_id = g.notify ? imdn_id : NULL;
  /* a message from the remote: it is no longer composing (RFC 3994) */
  if (c->composing.state == MSRP_COMPOSING_ACTIVE) {
    msrp_composing_got_message(&c->composing);
    uv_timer_stop(&c->composing_timer);
    post_composing(c, NULL);
  }
  post(c, MSRP_CHAT_GOT_MESSAGE, "msrp_chat_got_message", &g);
  msrp_cpim_free(cp);
  play(c, 0);
  /* delivered, unless the application answered otherwise meanwhile */
  if (c->auto_delivery && (g.notify & MSRP_IMDN_POSITIVE_DELIVERY) &&
      !c->freeing && can_send(c) == 0)
    msrp_chat_send_notification(c, imdn_id, MSRP_IMDN_KIND_DELIVERY,
                                MSRP_IMDN_DELIVERED);
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
    sc.response_timeout_ms = c->acct.response_timeout_ms;
    /* a chat message's REPORT has the time its transaction had */
    sc.report_timeout_ms = c->acct.response_timeout_ms;
    sc.whole_max = 1u << 20;
    sc.on_read_end = on_read_end;
    /* our session checks what the SDP said we take */
    char *accept = NULL;
    status = msrp__join_types(&accept, c->accept, c->naccept);
    sc.accept_types = accept;
    msrp_session_callbacks cbs = {.on_message = on_message,
                                  .on_message_start = on_message_start,
                                  .on_report = on_report,
                                  .on_nickname =
                                      c->room_cb ? on_room_nickname : NULL};
    if (!status)
      status = msrp_session_new(&c->s, t, &sc, &cbs, c);
    free(accept);
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

int msrp_chat_new_sized(msrp_chat **out, uv_loop_t *loop,
                        msrp_notification_center *center,
                        const msrp_account *account, const char *remote_uri,
                        int outgoing, size_t account_size, size_t relay_size,
                        size_t tls_size) {
  msrp__account_in in;
  int rc =
      msrp__account_in_init(&in, account, account_size, relay_size, tls_size);
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
  int rc = msrp__parse_remote_media(offer_sdp, false, &offer);
  if (rc)
    return rc;
  /* RFC 6135: an offer that waits (passive), or lets us choose (actpass),
   * is answered active, and we connect: the answerer behind a NAT can
   * always reach out; an active or RFC 4975 offer is answered passive */
  bool connects = false;
  msrp_sdp_setup result;
  rc = msrp__answer_setup(offer, &connects, &result);
  msrp_sdp_media_free(offer);
  msrp_chat *c = NULL;
  if (!rc)
    rc = msrp_chat_new_sized(&c, loop, center, account, remote_uri, 0,
                             account_size, relay_size, tls_size);
  if (rc)
    return rc;
  c->connects = connects;
  c->local_setup = result;
  *out = c;
  return 0;
}

int msrp_chat_start(msrp_chat *c, const char *remote_sdp) {
  if (!c || !remote_sdp)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (c->state != CHAT_INITIALIZED || c->ending)
    return MSRP_ERR_BUSY;
  msrp_sdp_media *remote = NULL;
  int rc = msrp__parse_remote_media(remote_sdp, false, &remote);
  /* RFC 6135 / RFC 4975: who connects must match what we prepared */
  if (!rc)
    rc = msrp__check_setup(c->outgoing, c->connects, c->local_media, remote);
  if (!rc)
    rc = msrp__before_complete(c->con, &c->acct, c->local_media, remote,
                               c->connects);
  if (rc) {
    msrp_sdp_media_free(remote);
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
  uv_timer_stop(&c->composing_timer); /* no indication after the end */
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
