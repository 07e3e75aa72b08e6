/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* An MSRP session on a transport: the engine's output is written to the
 * socket one step at a time, the transport's parser events go into the
 * engine, and a timer follows the engine's next deadline. */
#include <msrp/session.h>

#include "io/io_internal.h"
#include "io/layer.h"

#include "core/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct queued {
  msrp_chunk *chunk;
  struct queued *next;
} queued;

struct msrp_session {
  msrp_engine *e;
  msrp_transport *t;
  uv_loop_t *loop;
  uv_timer_t timer;
  bool kicked; /* the timer runs at once: to write what API calls queued,
                  from the loop (one timer for that and the engine's
                  deadlines: an idle session keeps one handle, not two) */
  int api;     /* inside an API call: its completions wait for the loop */
  msrp_session_callbacks user;
  void *ud;
  msrp_session_config cfg;

  bool writing;
  bool batch_write; /* the write in flight is from `batch` */
  int ramp;         /* large steps since the engine was last dry */
  bool pumping;
  uint8_t *batch; /* small steps gathered into one write (made when there
                     are some, dropped when nothing is in flight) */
  size_t batch_len;
  bool user_paused, queue_paused;
  bool reading; /* the transport is read */
  int read_status;
  bool freeing;
  int depth;       /* calls into the engine under way (its callbacks may
                      free the session: that waits until they return) */
  bool free_asked; /* msrp_session_free() came inside one */
  int holds; /* timers open + write in flight: the memory waits for them */

  /* GreenMSRPSession */
  queued *q, *q_tail;
  size_t nq;
  msrp_receive_cb recv_cb;
  void *recv_ud;

  /* shutdown */
  bool shutting;
  bool closing_transport;
  msrp_session_closed_cb closed_cb;
  void *closed_ud;
};

static void pump(msrp_session *s);
static void rearm(msrp_session *s);
static void destroy(msrp_session *s);

/* Around every path that may run the user's callbacks: a free asked for
 * inside them happens when the outermost one returns (as hiredis does).
 * leave() says whether the session is gone. */
static void enter(msrp_session *s) {
  s->depth++;
}

static bool leave(msrp_session *s) {
  if (--s->depth == 0 && s->free_asked && !s->freeing) {
    destroy(s);
    return true;
  }
  return s->freeing;
}
static void update_reading(msrp_session *s);

static uint64_t now(const msrp_session *s) {
  return uv_now(s->loop);
}

#define BATCH 65536      /* bytes gathered into one write */
#define SMALL_STEP 16384 /* steps up to this size are copied into it */

static void maybe_release(msrp_session *s) {
  if (s->freeing && s->holds == 0) {
    free(s->batch);
    free(s);
  }
}

/* ---- engine callbacks: forwarded, with the session's own work ---------- */

static void fwd_message(msrp_engine *e, const msrp_message_info *m,
                        const uint8_t *body, size_t len, void *ud);

static void fwd_start(msrp_engine *e, const msrp_message_info *m, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_message_start)
    s->user.on_message_start(s, m, s->ud);
}

static void fwd_data(msrp_engine *e, const msrp_message_info *m, uint64_t off,
                     const uint8_t *d, size_t n, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_message_data)
    s->user.on_message_data(s, m, off, d, n, s->ud);
}

static void fwd_end(msrp_engine *e, const msrp_message_info *m, int status,
                    void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_message_end)
    s->user.on_message_end(s, m, status, s->ud);
}

static void fwd_report(msrp_engine *e, const msrp_report_info *r, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_report)
    s->user.on_report(s, r, s->ud);
}

static void fwd_request(msrp_engine *e, const msrp_chunk *c, int code,
                        void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_request)
    s->user.on_request(s, c, code, s->ud);
}

static int fwd_nickname(msrp_engine *e, const msrp_chunk *c, const char *nick,
                        void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return MSRP_STATUS_FORBIDDEN; /* freed from a callback */
  return s->user.on_nickname(s, c, nick, s->ud);
}

static void fwd_writable(msrp_engine *e, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_writable)
    s->user.on_writable(s, s->ud);
}

static void fwd_refresh(msrp_engine *e, int status, int code, uint32_t granted,
                        void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_relay_refresh)
    s->user.on_relay_refresh(s, status, code, granted, s->ud);
}

static void fwd_log(msrp_engine *e, const char *msg, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return; /* freed from a callback: nothing more */
  if (s->user.on_log)
    s->user.on_log(s, msg, s->ud);
}

static void deliver_queued(msrp_session *s);

static void on_timer(uv_timer_t *h);

/* Output queued by an API call is written from the loop, so that nothing
 * completes inside the call that started it (a chunk with Failure-Report
 * no is settled as soon as it is written). */
static void schedule_pump(msrp_session *s) {
  if (!s->freeing && !s->free_asked && !s->kicked) {
    s->kicked = true;
    uv_timer_start(&s->timer, on_timer, 0, 0);
  }
}

static void on_output(msrp_engine *e, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->api)
    schedule_pump(s);
  else
    pump(s);
}

/* ---- writing ----------------------------------------------------------- */

static void check_shutdown(msrp_session *s);

static void written(msrp_session *s, int status);

static void on_written(msrp_transport *t, int status, void *ud) {
  (void)t;
  msrp_session *s = ud;
  s->writing = false;
  s->holds--;
  if (s->freeing) {
    maybe_release(s);
    return;
  }
  enter(s);
  written(s, status);
  leave(s);
}

static void written(msrp_session *s, int status) {
  if (status) {
    /* the connection is gone; reading will say why */
    if (!s->read_status)
      s->read_status = status;
    return;
  }
  if (!s->batch_write)
    msrp_engine_output_done(s->e, now(s));
  if (s->free_asked)
    return;
  rearm(s);
  pump(s);
  /* answers written: a peer held back for not reading may go on */
  if (!s->freeing)
    update_reading(s);
}

/* A transfer's first RAMP_STEPS large steps are one chunk each, so that
 * the peer reads (and decodes) one while we write the next; after them,
 * steps of many chunks (fewer writes for a long transfer). Over TLS or
 * WebSocket a write is encoded whole before any of it goes, and one step
 * of 1 MiB kept the peer waiting for all of it (a 1 MiB message over TLS:
 * 1.5 times as fast in steps). Plain TCP gains too, though the kernel
 * sends a write's first bytes before it has copied its last: 1 MiB went
 * at 2.2-2.9 GB/s in one writev and at 3.1-3.4 GB/s in chunk steps
 * (bench_session, runs of each alternated). */
#define RAMP_STEPS 16

static int step_pieces(const msrp_session *s) {
  if (s->ramp >= RAMP_STEPS)
    return MSRP__LAYER_PIECES;
  return 4; /* one chunk: its head, body and end-line, and a spare */
}

/* Write what the engine has. Small steps (responses, REPORTs, short
 * messages) are copied into one buffer and go out in one write, so that a
 * busy session does not pay a system call for each; a large step (a slice
 * of a big body) is written as it is, without a copy. One write is in
 * flight at a time. */
static void pump(msrp_session *s) {
  if (s->writing || s->pumping || s->freeing || s->closing_transport)
    return;
  s->pumping = true; /* callbacks from output_done may queue more */
  s->batch_len = 0;
  uint64_t t = now(s);
  for (;;) {
    /* room for a step of several chunks: one write for up to 1 MiB */
    struct iovec iov[MSRP__LAYER_PIECES];
    int n = msrp_engine_output(s->e, iov, step_pieces(s));
    if (n <= 0) {
      s->ramp = 0; /* dry: the next transfer starts small */
      break;
    }
    size_t size = 0;
    for (int i = 0; i < n; i++)
      size += iov[i].iov_len;
    if (size <= SMALL_STEP && s->batch_len + size <= BATCH &&
        (s->batch || (s->batch = malloc(BATCH)))) {
      for (int i = 0; i < n; i++) {
        memcpy(s->batch + s->batch_len, iov[i].iov_base, iov[i].iov_len);
        s->batch_len += iov[i].iov_len;
      }
      msrp_engine_output_done(s->e, t);
      if (s->free_asked) {
        s->pumping = false;
        return;
      }
      continue;
    }
    if (s->batch_len == 0 &&
        msrp_transport_writev(s->t, iov, n, on_written, s) == 0) {
      s->writing = true;
      s->batch_write = false;
      s->holds++;
      if (s->ramp < RAMP_STEPS)
        s->ramp++;
    }
    /* else: the large step waits for the batch to go first */
    break;
  }
  if (s->batch_len && !s->writing) {
    struct iovec one = {s->batch, s->batch_len};
    if (msrp_transport_writev(s->t, &one, 1, on_written, s) == 0) {
      s->writing = true;
      s->batch_write = true;
      s->holds++;
    }
  }
  s->pumping = false;
  /* nothing in flight: an idle session keeps no batch buffer */
  if (!s->writing) {
    free(s->batch);
    s->batch = NULL;
  }
  rearm(s);
  if (!s->writing)
    check_shutdown(s);
}

/* ---- time -------------------------------------------------------------- */

/* A deadline of the engine, or a kick: whatever is due, then what waits
 * to be written, then (a kick) messages a receive_message() waits for. */
static void on_timer(uv_timer_t *h) {
  msrp_session *s = h->data;
  bool kicked = s->kicked;
  s->kicked = false;
  enter(s);
  msrp_engine_handle_expiry(s->e, now(s));
  if (!s->free_asked) {
    rearm(s);
    pump(s);
  }
  if (kicked && !s->free_asked)
    deliver_queued(s); /* a receive_message() that has its message */
  leave(s);
}

static void rearm(msrp_session *s) {
  if (s->freeing || s->kicked) /* a kick runs first and rearms */
    return;
  uint64_t exp = msrp_engine_next_expiry(s->e);
  if (exp == MSRP_NO_EXPIRY) {
    uv_timer_stop(&s->timer);
    return;
  }
  uint64_t t = now(s);
  uv_timer_start(&s->timer, on_timer, exp > t ? exp - t : 0, 0);
}

/* ---- reading ----------------------------------------------------------- */

static void event(msrp_session *s, int status, const msrp_event *ev);

static void on_event(msrp_transport *t, int status, const msrp_event *ev,
                     void *ud) {
  (void)t;
  msrp_session *s = ud;
  enter(s);
  event(s, status, ev);
  leave(s);
}

static void event(msrp_session *s, int status, const msrp_event *ev) {
  if (status) {
    s->read_status = status;
    s->reading = false;
    if (s->cfg.on_read_end)
      s->cfg.on_read_end(s, status, s->ud);
    if (s->free_asked)
      return;
    deliver_queued(s);
    check_shutdown(s);
    return;
  }
  msrp_engine_recv_event(s->e, ev, now(s));
  if (s->free_asked) {
    msrp_transport_read_stop(s->t);
    return;
  }
  int fatal = msrp_engine_status(s->e);
  if (fatal) {
    /* the peer sends and never reads: close, and say why */
    msrp__transport_fail(s->t, fatal);
    return;
  }
  rearm(s);
  if (msrp_engine_paused(s->e))
    update_reading(s);
  /* the last response may be what a shutdown was waiting for */
  check_shutdown(s);
}

/* Read while nobody holds input back: the user, a full incoming queue, or
 * the engine, whose answers wait for a peer that does not read them (TCP
 * then holds that peer back in turn). */
static void update_reading(msrp_session *s) {
  if (s->user_paused || s->queue_paused)
    msrp_engine_pause(s->e);
  else
    msrp_engine_resume(s->e);
  if (msrp_engine_paused(s->e) || s->read_status) {
    if (s->reading)
      msrp_transport_read_stop(s->t);
    s->reading = false;
  } else if (!s->reading) {
    s->reading = msrp_transport_read_start(s->t, on_event, s) == 0;
  }
}

void msrp_session_pause(msrp_session *s) {
  s->user_paused = true;
  update_reading(s);
}

void msrp_session_resume(msrp_session *s) {
  s->user_paused = false;
  update_reading(s);
}

void msrp_session_provider_ready(msrp_session *s) {
  if (s && !s->freeing && !s->free_asked)
    schedule_pump(s);
}

int msrp_session_read_status(const msrp_session *s) {
  return s->read_status;
}

/* ---- GreenMSRPSession: a queue of whole messages ------------------------ */

static void deliver_queued(msrp_session *s) {
  while (s->recv_cb && (s->q || s->read_status)) {
    msrp_receive_cb cb = s->recv_cb;
    s->recv_cb = NULL;
    if (s->q) {
      queued *q = s->q;
      s->q = q->next;
      if (!s->q)
        s->q_tail = NULL;
      s->nq--;
      msrp_chunk *c = q->chunk;
      free(q);
      if (s->queue_paused && s->nq < s->cfg.max_queued_messages) {
        s->queue_paused = false;
        update_reading(s);
      }
      cb(s, 0, c, s->recv_ud);
    } else {
      cb(s, s->read_status, NULL, s->recv_ud);
    }
  }
}

static void fwd_message(msrp_engine *e, const msrp_message_info *m,
                        const uint8_t *body, size_t len, void *ud) {
  (void)e;
  msrp_session *s = ud;
  if (s->free_asked)
    return;
  if (!s->cfg.queue_incoming) {
    if (s->user.on_message)
      s->user.on_message(s, m, body, len, s->ud);
    return;
  }
  /* the message as one chunk: its last chunk's headers, the whole body */
  msrp_chunk *c;
  queued *q = malloc(sizeof *q);
  if (!q || msrp_chunk_dup(&c, m->chunk)) {
    free(q);
    return;
  }
  msrp_chunk_set_body(c, body, len);
  msrp_chunk_set_byte_range(c, 1, len, len);
  msrp_chunk_set_flag(c, MSRP_FLAG_END);
  q->chunk = c;
  q->next = NULL;
  if (s->q_tail)
    s->q_tail->next = q;
  else
    s->q = q;
  s->q_tail = q;
  if (++s->nq >= s->cfg.max_queued_messages && !s->queue_paused) {
    s->queue_paused = true; /* nobody is taking them: hold the peer */
    update_reading(s);
  }
  deliver_queued(s);
}

int msrp_session_receive_message(msrp_session *s, msrp_receive_cb cb,
                                 void *ud) {
  if (!s || !cb || !s->cfg.queue_incoming)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (s->recv_cb)
    return MSRP_ERR_BUSY;
  s->recv_cb = cb;
  s->recv_ud = ud;
  if (s->q || s->read_status)
    schedule_pump(s); /* from the loop, never inside this call */
  return 0;
}

typedef struct wait_state {
  bool done;
  int status;
  int code;
  msrp_chunk *chunk;
} wait_state;

static void on_receive_wait(msrp_session *s, int status, msrp_chunk *c,
                            void *ud) {
  (void)s;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
  w->chunk = c;
}

int msrp_session_receive_message_wait(msrp_session *s, msrp_chunk **out) {
  wait_state w = {0};
  int rc = msrp_session_receive_message(s, on_receive_wait, &w);
  if (rc)
    return rc;
  if ((rc = msrp__run_until(s->loop, &w.done)))
    return rc;
  if (!w.status)
    *out = w.chunk;
  return w.status;
}

/* ---- lifetime ---------------------------------------------------------- */

static int session_new(msrp_session **out, msrp_transport *t,
                       const msrp_session_config *cfg,
                       const msrp_session_callbacks *cbs, void *ud) {
  if (!out || !t)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_session *s = calloc(1, sizeof *s);
  if (!s)
    return MSRP_ERR_NOMEM;
  if (cfg)
    s->cfg = *cfg;
  if (!s->cfg.max_queued_messages)
    s->cfg.max_queued_messages = 64;
  if (cbs)
    s->user = *cbs;
  s->ud = ud;
  s->t = t;
  s->loop = msrp_transport_loop(t);
  /* a relay on the way may allow smaller chunks than asked for */
  size_t chunk = s->cfg.chunk_size ? s->cfg.chunk_size : 65536;
  size_t limit = msrp_transport_chunk_limit(t);
  if (limit && limit < chunk)
    chunk = limit;
  msrp_engine_config ec = {
      .local_path = msrp_transport_local_path(t),
      .remote_path = msrp_transport_remote_path(t),
      .response_timeout_ms = s->cfg.response_timeout_ms,
      .chunk_size = chunk,
      .max_queue_bytes = s->cfg.max_queue_bytes,
      .whole_max = s->cfg.whole_max,
      .accept_types = s->cfg.accept_types,
      .report_timeout_ms = s->cfg.report_timeout_ms,
      .max_unreported_bytes = s->cfg.max_unreported_bytes,
      .max_answer_bytes = s->cfg.max_answer_bytes,
      .incoming_idle_ms = s->cfg.incoming_idle_ms,
      .limits = s->cfg.limits,
      .report_every = s->cfg.report_every,
      /* through a relay, a window of unanswered bytes: the relay may not
       * have flow control of its own */
      .max_unanswered_bytes = s->cfg.max_unanswered_bytes == UINT64_MAX ? 0
                              : s->cfg.max_unanswered_bytes
                                  ? s->cfg.max_unanswered_bytes
                              : limit ? 512u << 10
                                      : 0,
  };
  ec.match_session_id_only = msrp__transport_session_id_only(t);
  msrp_engine_callbacks mine = {
      .on_message = fwd_message,
      .on_message_start = fwd_start,
      .on_message_data = fwd_data,
      .on_message_end = fwd_end,
      .on_report = fwd_report,
      .on_request = fwd_request,
      .on_output = on_output,
      .on_writable = fwd_writable,
      .on_log = fwd_log,
      .on_relay_refresh = fwd_refresh,
      .on_nickname = s->user.on_nickname ? fwd_nickname : NULL,
  };
  /* one parser per connection: the transport's, with the session's
   * limits; the engine takes its events */
  int rc = s->cfg.limits ? msrp__transport_set_limits(t, s->cfg.limits) : 0;
  if (!rc)
    rc = msrp_engine_new(&s->e, &ec, &mine, s);
  s->cfg.limits = NULL; /* taken: not kept past this call */
  /* a relay reservation with an Expires is kept alive for the session */
  const msrp__relay_info *ri = msrp__transport_relay(t);
  if (!rc && ri && ri->expires && ri->username && ri->password) {
    const msrp_path *lp = msrp_transport_local_path(t);
    msrp_relay_refresh keep = {.relay = &ri->relay,
                               .local = &lp->uris[lp->count - 1],
                               .username = ri->username,
                               .password = ri->password,
                               .expires = ri->expires,
                               .granted = ri->granted};
    rc = msrp_engine_keep_relay(s->e, &keep, uv_now(s->loop));
  }
  if (!rc)
    rc = msrp_transport_read_start(t, on_event, s);
  s->reading = rc == 0;
  if (rc) {
    msrp_engine_free(s->e);
    free(s->batch);
    free(s);
    return rc;
  }
  uv_timer_init(s->loop, &s->timer);
  s->timer.data = s;
  s->holds = 1;
  rearm(s); /* a relay refresh may be due one day */
  *out = s;
  return 0;
}

msrp_session *msrp_session_from_engine(const msrp_engine *e) {
  return msrp_engine_user_data(e); /* a session's engine has it as ud */
}

msrp_engine *msrp_session_engine(msrp_session *s) {
  return s->e;
}

msrp_transport *msrp_session_transport(msrp_session *s) {
  return s->t;
}

static void on_timer_closed(uv_handle_t *h) {
  msrp_session *s = h->data;
  s->holds--;
  maybe_release(s);
}

void msrp_session_free(msrp_session *s) {
  if (!s || s->freeing || s->free_asked)
    return;
  if (s->depth > 0) {
    s->free_asked = true; /* from inside a callback: when it returns */
    return;
  }
  destroy(s);
}

static void destroy(msrp_session *s) {
  s->freeing = true;
  msrp_engine_free(s->e);
  s->e = NULL;
  while (s->q) {
    queued *q = s->q;
    s->q = q->next;
    msrp_chunk_free(q->chunk);
    free(q);
  }
  if (s->recv_cb) {
    msrp_receive_cb cb = s->recv_cb;
    s->recv_cb = NULL;
    cb(s, MSRP_ERR_CANCELLED, NULL, s->recv_ud);
  }
  if (s->closed_cb) { /* a shutdown under way ends here */
    msrp_session_closed_cb cb = s->closed_cb;
    s->closed_cb = NULL;
    cb(s, s->closed_ud);
  }
  /* the session is the transport's reader: it needs no cancellation */
  msrp_transport_read_stop(s->t);
  msrp_transport_free(s->t);
  uv_timer_stop(&s->timer);
  uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}

/* ---- sending ----------------------------------------------------------- */

/* The seed's MSRPSessionError: nothing can be sent once the connection is
 * gone or the session is shutting down. */
static int can_send(const msrp_session *s) {
  return !s || s->freeing || s->free_asked || s->read_status ||
                 s->closing_transport
             ? MSRP_ERR_CLOSED
             : 0;
}

/* A completion the user gave: it gets the session, not the engine. */
typedef struct completion {
  msrp_session *s;
  union {
    msrp_session_response_cb response;
    msrp_session_message_cb message;
  } cb;
  void *ud;
} completion;

static void response_done(msrp_engine *e, int status, const msrp_chunk *resp,
                          void *ud) {
  (void)e;
  completion *c = ud;
  c->cb.response(c->s, status, resp, c->ud);
  free(c);
}

static void message_done(msrp_engine *e, const char *id, int status, int code,
                         const char *comment, void *ud) {
  (void)e;
  completion *c = ud;
  c->cb.message(c->s, id, status, code, comment, c->ud);
  free(c);
}

int msrp_session_send_chunk(msrp_session *s, msrp_chunk *chunk,
                            msrp_session_response_cb cb, void *ud) {
  int rc = can_send(s);
  if (rc)
    return rc;
  completion *c = NULL;
  if (cb && !(c = malloc(sizeof *c)))
    return MSRP_ERR_NOMEM;
  if (c)
    *c = (completion){.s = s, .cb.response = cb, .ud = ud};
  s->api++;
  rc = msrp_engine_send_chunk(s->e, chunk, c ? response_done : NULL, c);
  s->api--;
  if (rc)
    free(c);
  else
    schedule_pump(s);
  return rc;
}

static int send_message(msrp_session *s, const msrp_message_params *p,
                        msrp_session_message_cb cb, void *ud,
                        const char **message_id) {
  int rc = can_send(s);
  if (rc)
    return rc;
  completion *c = NULL;
  if (cb && !(c = malloc(sizeof *c)))
    return MSRP_ERR_NOMEM;
  if (c)
    *c = (completion){.s = s, .cb.message = cb, .ud = ud};
  s->api++;
  rc =
      msrp_engine_send_message(s->e, p, c ? message_done : NULL, c, message_id);
  s->api--;
  if (rc)
    free(c);
  return rc;
}

int msrp_session_abort_message(msrp_session *s, const char *id) {
  if (!s || s->freeing || s->free_asked)
    return MSRP_ERR_CLOSED;
  /* the abort completes a message that never went out at once: its
   * callback runs here, and may free the session */
  enter(s);
  s->api++;
  int rc = msrp_engine_abort_message(s->e, id);
  s->api--;
  schedule_pump(s);
  leave(s);
  return rc;
}

int msrp_session_message_have(msrp_session *s, const char *id, uint64_t bytes) {
  return msrp_engine_message_have(s->e, id, bytes);
}

int msrp_session_refuse_message(msrp_session *s, const char *id) {
  return msrp_engine_refuse_message(s->e, id);
}

/* deliver_chunk on send_chunk: the engine holds the Failure-Report rules
 * (engine.h): with "no", the transaction settles as soon as the chunk is
 * written, and the made-up answer is not passed on. */
typedef struct deliver {
  msrp_session *s;
  msrp_deliver_cb cb;
  void *ud;
  bool no_response; /* Failure-Report: no */
} deliver;

static void on_deliver_response(msrp_session *s, int status,
                                const msrp_chunk *resp, void *ud) {
  (void)s;
  deliver *d = ud;
  if (d->no_response)
    d->cb(d->s, status, NULL, d->ud);
  else {
    int code = resp ? msrp_chunk_code(resp) : 0;
    d->cb(d->s,
          status ? status
                 : (code >= 200 && code < 300 ? 0 : MSRP_ERR_TRANSACTION),
          resp, d->ud);
  }
  free(d);
}

int msrp_session_deliver_chunk(msrp_session *s, msrp_chunk *chunk,
                               msrp_deliver_cb cb, void *ud) {
  if (!s || !chunk || !cb)
    return MSRP_ERR_INVALID_ARGUMENT;
  deliver *d = calloc(1, sizeof *d);
  if (!d)
    return MSRP_ERR_NOMEM;
  d->s = s;
  d->cb = cb;
  d->ud = ud;
  d->no_response = msrp_chunk_failure_report(chunk) == MSRP_REPORT_NO;
  int rc = msrp_session_send_chunk(s, chunk, on_deliver_response, d);
  if (rc)
    free(d);
  return rc;
}

static void on_deliver_wait(msrp_session *s, int status, const msrp_chunk *resp,
                            void *ud) {
  (void)s;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
  w->code = resp ? msrp_chunk_code(resp) : 0;
}

int msrp_session_deliver_chunk_wait(msrp_session *s, msrp_chunk *chunk,
                                    int *code) {
  wait_state w = {0};
  int rc = msrp_session_deliver_chunk(s, chunk, on_deliver_wait, &w);
  if (rc)
    return rc;
  if ((rc = msrp__run_until(s->loop, &w.done)))
    return rc;
  if (code)
    *code = w.code;
  return w.status;
}

/* ---- shutdown ---------------------------------------------------------- */

static void on_transport_shut(msrp_transport *t, int status, void *ud) {
  (void)t;
  (void)status;
  msrp_session *s = ud;
  s->holds--;
  if (s->freeing) {
    maybe_release(s); /* its callback ran when the session was freed */
    return;
  }
  msrp_session_closed_cb cb = s->closed_cb;
  s->closed_cb = NULL;
  if (cb)
    cb(s, s->closed_ud);
}

static void check_shutdown(msrp_session *s) {
  if (!s->shutting || s->closing_transport || s->writing)
    return;
  /* everything is written and answered (or the peer is gone) */
  if (!msrp_engine_idle(s->e) && !s->read_status)
    return;
  s->closing_transport = true;
  s->holds++; /* the shutdown request refers to the session */
  if (msrp_transport_shutdown(s->t, on_transport_shut, s) != 0)
    on_transport_shut(s->t, 0, s);
}

int msrp_session_shutdown(msrp_session *s, msrp_session_closed_cb cb,
                          void *ud) {
  if (!s || s->freeing || s->free_asked)
    return MSRP_ERR_CLOSED;
  if (s->shutting)
    return MSRP_ERR_BUSY;
  s->shutting = true;
  s->closed_cb = cb;
  s->closed_ud = ud;
  msrp_engine_shutdown(s->e);
  schedule_pump(s);
  check_shutdown(s);
  return 0;
}

static void on_closed_wait(msrp_session *s, void *ud) {
  (void)s;
  *(bool *)ud = true;
}

int msrp_session_shutdown_wait(msrp_session *s) {
  bool done = false;
  int rc = msrp_session_shutdown(s, on_closed_wait, &done);
  if (rc)
    return rc;
  return msrp__run_until(s->loop, &done);
}

int msrp_session_new_sized(msrp_session **out, msrp_transport *t,
                           const msrp_session_config *config,
                           const msrp_session_callbacks *callbacks, void *ud,
                           size_t config_size, size_t callbacks_size,
                           size_t limits_size) {
  msrp_session_config c;
  msrp_session_callbacks k;
  msrp_parser_limits l;
  const msrp_session_config *pc =
      msrp__abi_in(&c, sizeof c, config, config_size);
  if (pc)
    c.limits = msrp__abi_in(&l, sizeof l, c.limits, limits_size);
  return session_new(out, t, pc,
                     msrp__abi_in(&k, sizeof k, callbacks, callbacks_size), ud);
}

int msrp_session_send_message_sized(msrp_session *s,
                                    const msrp_message_params *p,
                                    msrp_session_message_cb cb, void *ud,
                                    const char **message_id,
                                    size_t params_size) {
  msrp_message_params q;
  return send_message(s, msrp__abi_in(&q, sizeof q, p, params_size), cb, ud,
                      message_id);
}
