/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The engine's outgoing messages: queued, cut into chunks of the chunk
 * size ("start-*" while a chunk can still be interrupted with '+'),
 * aborted with '#', bounded in what they queue; each message's callback
 * once its transactions are over. */
#include "core/engine_internal.h"
#include "core/wire.h"

#include "core/chunk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void finish_msg(msrp_engine *e, outmsg *m);

#define TID_LEN 12 /* the transaction ids of our chunks */

/* A body pulled from a provider or a lender, not one in memory. */
static bool pulled(const outmsg *m) {
  return m->provider || m->lender;
}

static void push_msg(msrp_engine *e, outmsg *m) {
  m->next = NULL;
  m->in_queue = true;
  if (e->mq_tail)
    e->mq_tail->next = m;
  else
    e->mq = m;
  e->mq_tail = m;
}

static void push_msg_front(msrp_engine *e, outmsg *m) {
  m->in_queue = true;
  m->next = e->mq;
  e->mq = m;
  if (!e->mq_tail)
    e->mq_tail = m;
}

static outmsg *pop_msg(msrp_engine *e) {
  outmsg *m = e->mq;
  if (m) {
    e->mq = m->next;
    if (!e->mq)
      e->mq_tail = NULL;
    m->in_queue = false;
  }
  return m;
}

static void unlink_msg(msrp_engine *e, outmsg *m) {
  outmsg **pp = &e->mq;
  e->mq_tail = NULL;
  while (*pp) {
    if (*pp == m) {
      *pp = m->next;
      m->in_queue = false;
    } else {
      e->mq_tail = *pp;
      pp = &(*pp)->next;
    }
  }
}

/* A stopped message will send no more: its unsent body leaves the queue. */
static void drop_unsent(msrp_engine *e, outmsg *m) {
  if (m->unqueued)
    return;
  m->unqueued = true;
  if (!pulled(m) && m->size != MSRP_BYTE_RANGE_UNKNOWN)
    e->queued -= m->size - m->sent;
  msrp__maybe_writable(e);
}

/* A chunk of message `m` has its answer (real or made up). */
void msrp__msg_answered(msrp_engine *e, outmsg *m, int code,
                        const char *comment) {
  m->pending_tx--;
  /* only 2xx is success: MSRP has no 1xx class (RFC 4975 section 10) */
  if ((code < 200 || code >= 300) && m->state == OUT_ACTIVE) {
    m->code = code;
    m->failed = true;
    snprintf(m->comment, sizeof m->comment, "%s", comment ? comment : "");
    /* no more chunks; a 413 ends the open one at once */
    m->state = e->cur == m && code == MSRP_STATUS_STOP_SENDING ? OUT_ABORT_OPEN
                                                               : OUT_STOPPED;
    if (m->in_queue)
      unlink_msg(e, m);
    if (e->cur != m)
      drop_unsent(e, m);
  }
  finish_msg(e, m);
}

/* Run the message callback once everything about it is settled. */
static void finish_msg(msrp_engine *e, outmsg *m) {
  /* in the queue still: its '#' chunk has yet to go out */
  if (m->state == OUT_DONE || m->pending_tx > 0 || e->cur == m || m->in_queue ||
      (m->state == OUT_ACTIVE && !m->all_emitted))
    return;
  m->state = OUT_DONE;
  if (m->cb) {
    if (m->status)
      m->cb(e, m->id, m->status, 0, NULL, m->ud);
    else
      m->cb(e, m->id, 0, m->failed ? m->code : 200,
            m->failed ? m->comment : "OK", m->ud);
  }
  /* the body in memory is the caller's again */
  m->data = NULL;
  m->provider = NULL;
  m->lender = NULL;
  msrp__maybe_forget(e, m);
}

static size_t slice_max(const msrp_engine *e) {
  return e->chunk_size < SLICE_MAX ? e->chunk_size : SLICE_MAX;
}

/* Open a chunk for message `m`: render its head into `b` (the headers were
 * checked when the message was queued, the paths when the engine was
 * made). */
static int open_chunk_into(msrp_engine *e, outmsg *m, msrp__buf *b) {
  uint64_t start = m->sent + 1;
  /* The exact end goes in the Byte-Range only when the whole body leaves
   * in one step; a body that takes several steps gets "*", so that the
   * chunk can be cut short with '+' to let other traffic through. */
  bool single = m->sent == 0 && m->size != MSRP_BYTE_RANGE_UNKNOWN &&
                m->size <= e->chunk_size && m->size <= slice_max(e);
  int rc = msrp__random_token(e->cur_tid, TID_LEN);
  if (rc)
    return rc;
  static const char *const rep[] = {NULL, "yes", "no", "partial"};
  b->len = 0;
  rc = msrp__wire_request_line(b, e->cur_tid, TID_LEN, "SEND");
  rc |= msrp__buf_append(b, e->paths, e->paths_len);
  rc |= msrp__wire_header(b, "Message-ID", m->id);
  rc |= msrp__wire_byte_range(
      b, start, single ? m->size : MSRP_BYTE_RANGE_UNKNOWN, m->size);
  if (m->sr != MSRP_REPORT_ABSENT)
    rc |= msrp__wire_header(b, "Success-Report", rep[m->sr]);
  if (m->fr != MSRP_REPORT_ABSENT)
    rc |= msrp__wire_header(b, "Failure-Report", rep[m->fr]);
  for (char **h = m->headers; h && *h; h += 2)
    rc |= msrp__wire_header(b, h[0], h[1]);
  if (m->content_type) {
    rc |= msrp__wire_header(b, "Content-Type", m->content_type);
    rc |= msrp__buf_append(b, "\r\n", 2);
  }
  if (rc)
    return MSRP_ERR_NOMEM;
  /* a transaction waits for this chunk's response, unless Failure-Report
   * no says none will come */
  e->cur_tx = NULL;
  if (m->fr != MSRP_REPORT_NO) {
    tx *t = calloc(1, sizeof *t);
    if (!t)
      return MSRP_ERR_NOMEM;
    memcpy(t->tid, e->cur_tid, sizeof e->cur_tid);
    t->fr = m->fr;
    if ((rc = msrp__tx_unsent(e, t))) {
      free(t);
      return rc;
    }
    t->msg = m;
    t->msg_next = m->txs;
    m->txs = t;
    e->cur_tx = t;
    m->pending_tx++;
  }
  e->cur = m;
  e->cur_chunk = 0;
  e->cur_exact = single;
  e->iov[e->niov++] = (struct iovec){b->data, b->len};
  return 0;
}

static int open_chunk(msrp_engine *e, outmsg *m) {
  return open_chunk_into(e, m, &e->head);
}

/* The end-line of the open chunk, with `flag`, rendered into `t`. */
static void add_tail_into(msrp_engine *e, char flag, msrp__buf *t) {
  /* a chunk without Content-Type (an empty body) has no CRLF before it */
  t->len = 0; /* reserved beforehand: no allocation */
  msrp__wire_end_line(t, e->cur->content_type != NULL, e->cur_tid, TID_LEN,
                      flag);
  e->iov[e->niov++] = (struct iovec){t->data, t->len};
  e->step_tail = true;
  e->step_flag = flag;
}

static void add_tail(msrp_engine *e, char flag) {
  add_tail_into(e, flag, &e->tail);
}

/* Room for the next step's body of message `m`, whose chunk has
 * `in_chunk` bytes already. */
static size_t body_room(const msrp_engine *e, const outmsg *m,
                        size_t in_chunk) {
  size_t room = e->chunk_size - in_chunk;
  if (room > slice_max(e))
    room = slice_max(e);
  if (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->size - m->sent < room)
    room = (size_t)(m->size - m->sent);
  return room;
}

/* A pulled body's steps need the larger step state: made now, the step's
 * pieces so far carried over. */
static int need_step_ext(msrp_engine *e) {
  if (e->x)
    return 0;
  if (!(e->x = calloc(1, sizeof *e->x)))
    return MSRP_ERR_NOMEM;
  memcpy(e->x->iov, e->iov, (size_t)e->niov * sizeof *e->iov);
  e->iov = e->x->iov;
  return 0;
}

void msrp__drop_step_ext(msrp_engine *e) {
  if (!e->x || e->nlent) /* never while lent pieces are recorded there */
    return;
  for (int i = 0; i < STEP_SLOTS - 1; i++) {
    msrp__buf_free(&e->x->xhead[i]);
    msrp__buf_free(&e->x->xtail[i]);
  }
  free(e->x);
  e->x = NULL;
  e->iov = e->iov4;
}

/* The last loan back to its lender (taken off the list first, so that a
 * release that comes back into the engine never sees it twice). */
static void give_back_last(msrp_engine *e) {
  struct lent l = e->x->lent[--e->nlent];
  l.release(l.ref, l.ud);
}

void msrp__give_back(msrp_engine *e) {
  while (e->nlent > 0)
    give_back_last(e);
}

/* Up to `room` bytes of `m`'s body from `at`, for slot `slot` of the step:
 * copied into pbuf by a provider, or lent (and remembered to be given
 * back). Their count (*data says where they are), 0 at the end, < 0 when
 * it failed, MSRP_ERR_WOULD_BLOCK when it has none yet (it says
 * msrp_engine_provider_ready when it has). */
static ssize_t pull(msrp_engine *e, outmsg *m, uint64_t at, size_t room,
                    int slot, const uint8_t **data) {
  ssize_t got;
  if (need_step_ext(e))
    return -1;
  if (m->lender) {
    void *ref = NULL;
    *data = NULL;
    got = m->lender(at, room, data, &ref, m->provider_ud);
    if (got > 0 && (size_t)got <= room && *data &&
        e->nlent < (int)(sizeof e->x->lent / sizeof e->x->lent[0])) {
      e->x->lent[e->nlent++] = (struct lent){m->release, ref, m->provider_ud};
      return got;
    }
    if (got > 0) {
      m->release(ref, m->provider_ud); /* lent wrong: not used */
      return -1;
    }
    return got;
  }
  /* made when a body is pulled, dropped when the engine is idle: room for
   * a step of several chunks */
  if (!e->pbuf && !(e->pbuf = malloc(STEP_SLOTS * slice_max(e))))
    return -1;
  uint8_t *dst = e->pbuf + (size_t)slot * slice_max(e);
  *data = dst;
  got = m->provider(at, dst, room, m->provider_ud);
  return got > 0 && (size_t)got > room ? -1 : got;
}

/* The next bytes for the open chunk of `m`: their count (e->pdata says
 * where), 0 at the end, < 0 as pull() says. */
static ssize_t fetch(msrp_engine *e, outmsg *m, size_t room) {
  if (room == 0 || m->eof)
    return 0;
  ssize_t got = pull(e, m, m->sent, room, 0, &e->pdata);
  if (got == MSRP_ERR_WOULD_BLOCK)
    return got;
  if (got < 0)
    return -1;
  if (got == 0)
    m->eof = true;
  return got;
}

/* Next body bytes of the open chunk into the step; sets step_tail when the
 * chunk ends. Returns < 0 when the provider failed, MSRP_ERR_WOULD_BLOCK
 * (and nothing in the step) when it has no bytes yet. */
static int add_body(msrp_engine *e) {
  outmsg *m = e->cur;
  size_t room = body_room(e, m, e->cur_chunk);
  size_t n = 0;
  if (pulled(m)) {
    ssize_t got = e->has_prefetch ? e->prefetched : fetch(e, m, room);
    e->has_prefetch = false;
    if (got == MSRP_ERR_WOULD_BLOCK)
      return MSRP_ERR_WOULD_BLOCK;
    if (got < 0)
      return -1;
    n = (size_t)got;
    if (n)
      e->iov[e->niov++] = (struct iovec){(void *)e->pdata, n};
  } else {
    uint64_t left = m->size - m->sent;
    n = left < room ? (size_t)left : room;
    if (n)
      e->iov[e->niov++] = (struct iovec){(void *)(m->data + m->sent), n};
  }
  e->step_body = n;
  bool ended =
      m->eof || (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->sent + n >= m->size);
  if (ended)
    add_tail(e, MSRP_FLAG_END);
  else if (e->cur_chunk + n >= e->chunk_size)
    add_tail(e, MSRP_FLAG_MORE);
  return 0;
}

/* The step holds one whole chunk of a pulled body and nothing else waits:
 * add the message's next chunks to it (up to STEP_SLOTS, as the caller's
 * pieces allow), so that one write carries them all. Each further chunk's
 * body is pulled first; only then is the chunk before it counted as
 * written-to-be (its transaction starts when the step is written). */
static void extend_step(msrp_engine *e, int max) {
  outmsg *m = e->cur;
  size_t slice = slice_max(e);
  for (int slot = 0; slot < STEP_SLOTS - 1 && e->niov + 3 <= max; slot++) {
    if (!m || !pulled(m) || m->state != OUT_ACTIVE || !e->step_tail ||
        e->step_flag != MSRP_FLAG_MORE ||
        e->cur_chunk + e->step_body < e->chunk_size || e->prio || e->mq ||
        m->eof ||
        (e->max_unanswered &&
         e->unanswered + e->step_body >= e->max_unanswered))
      return;
    uint64_t at = m->sent + e->step_body;
    if (m->size != MSRP_BYTE_RANGE_UNKNOWN && at >= m->size)
      return;
    size_t room = e->chunk_size < slice ? e->chunk_size : slice;
    if (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->size - at < room)
      room = (size_t)(m->size - at);
    if (!e->x->xtail[slot].data && msrp__buf_reserve(&e->x->xtail[slot], 64))
      return;
    const uint8_t *dst;
    int before_lent = e->nlent;
    ssize_t got = pull(e, m, at, room, slot + 1, &dst);
    if (got == 0)
      m->eof = true; /* the next step ends the message */
    if (got <= 0)
      return; /* not now, or failed: the next step asks again */
    /* the chunk before is whole: count it, open the next */
    tx *before = e->cur_tx;
    char tid[sizeof e->cur_tid];
    memcpy(tid, e->cur_tid, sizeof tid);
    size_t chunk = e->cur_chunk;
    bool exact = e->cur_exact;
    m->sent = at;
    if (open_chunk_into(e, m, &e->x->xhead[slot])) {
      if (e->nlent > before_lent)
        give_back_last(e);         /* not used after all */
      m->sent = at - e->step_body; /* as it was: this step ends here */
      e->cur_tx = before;
      memcpy(e->cur_tid, tid, sizeof tid);
      e->cur_chunk = chunk;
      e->cur_exact = exact;
      return;
    }
    if (before) {
      before->bytes += e->step_body;
      e->unanswered += e->step_body;
      e->x->pend_tx[e->npend++] = before;
    }
    e->iov[e->niov++] = (struct iovec){(void *)dst, (size_t)got};
    e->step_body = (size_t)got;
    e->step_tail = false;
    bool ended =
        m->size != MSRP_BYTE_RANGE_UNKNOWN && at + (uint64_t)got >= m->size;
    if (ended)
      add_tail_into(e, MSRP_FLAG_END, &e->x->xtail[slot]);
    else if ((size_t)got >= e->chunk_size)
      add_tail_into(e, MSRP_FLAG_MORE, &e->x->xtail[slot]);
  }
}

int msrp_engine_output(msrp_engine *e, struct iovec *iov, int max) {
  if (max < 4)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (e->step == STEP_NONE) {
    e->niov = 0;
    e->step_body = 0;
    e->step_tail = false;
    outmsg *m = e->cur;
    if (m && m->state == OUT_ABORT_OPEN) {
      /* '#': the open chunk ends here, and so does the message */
      add_tail(e, MSRP_FLAG_ABORT);
      e->step = STEP_CHUNK;
    } else if (m && !e->cur_exact && (e->prio || e->mq) && e->cur_chunk > 0) {
      /* let other traffic through: end this chunk with '+' and carry on
       * with the message later (its Byte-Range end is '*') */
      add_tail(e, MSRP_FLAG_MORE);
      e->step = STEP_CHUNK;
    } else if (m) {
      int rc = add_body(e);
      if (rc == MSRP_ERR_WOULD_BLOCK)
        return 0; /* the provider says when it has more */
      if (rc < 0) {
        m->state = OUT_ABORT_OPEN;
        m->status = MSRP_ERR_MESSAGE_ABORTED;
        e->niov = 0;
        add_tail(e, MSRP_FLAG_ABORT);
      }
      e->step = STEP_CHUNK;
    } else if (e->prio) {
      item *it = e->prio;
      e->prio = it->next;
      if (!e->prio)
        e->prio_tail = NULL;
      e->step_item = it;
      e->step = STEP_ITEM;
      int n = 1;
      if (it->chunk)
        n = msrp_chunk_serialize(it->chunk, e->iov);
      else
        e->iov[0] = (struct iovec){it->bytes, it->len};
      if (n > 0 && it->t && msrp__tx_unsent(e, it->t) < 0)
        n = MSRP_ERR_INVALID_ARGUMENT; /* its tid is already waiting */
      if (n < 0) {
        /* cannot be written: answer it locally as a failure */
        e->step = STEP_NONE;
        e->step_item = NULL;
        msrp__engine_log(e, "cannot send a chunk: %s", msrp_strerror(n));
        if (it->t)
          msrp__answer_locally(e, it->t, MSRP_STATUS_BAD_REQUEST);
        it->t = NULL;
        e->queued -= it->len;
        msrp__item_free(it);
        return msrp_engine_output(e, iov, max);
      }
      e->niov = n;
    } else if (e->mq && e->mq->state == OUT_ABORT_QUEUED) {
      /* RFC 4975 7.1.1: a chunk of its own, ending in '#', tells the
       * receiver the message will not be completed */
      outmsg *next = pop_msg(e);
      next->state = OUT_ABORT_OPEN;
      int rc = open_chunk(e, next);
      if (rc) {
        next->state = OUT_STOPPED;
        drop_unsent(e, next); /* its bytes leave the queue's count */
        finish_msg(e, next);
        return rc;
      }
      add_tail(e, MSRP_FLAG_ABORT);
      e->step = STEP_CHUNK;
    } else if (e->mq && e->max_unanswered &&
               e->unanswered >= e->max_unanswered) {
      /* enough is on its way without an answer: the next chunk waits
       * (a relay without flow control drops what it cannot queue) */
      e->window_full = true;
      return 0;
    } else if (e->mq) {
      outmsg *next = e->mq;
      if (pulled(next)) {
        /* no head goes out before the first bytes of its body: a chunk is
         * never held open waiting for a provider that has nothing yet */
        e->prefetched = fetch(e, next, body_room(e, next, 0));
        if (e->prefetched == MSRP_ERR_WOULD_BLOCK)
          return 0;
        e->has_prefetch = true;
      }
      pop_msg(e);
      int rc = open_chunk(e, next);
      if (rc) {
        e->has_prefetch = false;
        msrp__give_back(e); /* what was prefetched */
        next->state = OUT_STOPPED;
        next->status = rc;
        drop_unsent(e, next);
        finish_msg(e, next);
        return rc;
      }
      if (add_body(e) < 0) {
        next->state = OUT_ABORT_OPEN;
        next->status = MSRP_ERR_MESSAGE_ABORTED;
        e->niov = 1; /* keep the head */
        add_tail(e, MSRP_FLAG_ABORT);
      }
      e->step = STEP_CHUNK;
    } else {
      /* nothing to send: an idle session keeps no body buffer */
      if (!e->has_prefetch) {
        free(e->pbuf);
        e->pbuf = NULL;
        msrp__drop_step_ext(e);
        msrp__buf_free(&e->scratch);
      }
      return 0;
    }
    if (e->step == STEP_CHUNK)
      extend_step(e, max);
  }
  if (e->niov > max)
    return MSRP_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < e->niov; i++)
    iov[i] = e->iov[i];
  return e->niov;
}

void msrp__maybe_writable(msrp_engine *e) {
  if (e->blocked && e->queued <= e->max_queue / 2 &&
      e->live_bytes <= e->max_unreported / 2) {
    e->blocked = false;
    if (e->cb.on_writable)
      e->cb.on_writable(e, e->ud);
  }
}

void msrp_engine_output_done(msrp_engine *e, uint64_t now) {
  e->now = now;
  step_kind kind = e->step;
  e->step = STEP_NONE;
  /* the lent bytes are written: theirs again, before any callback */
  msrp__give_back(e);
  if (kind == STEP_ITEM) {
    item *it = e->step_item;
    e->step_item = NULL;
    e->queued -= it->len;
    if (it->own) {
      e->answer_bytes -= it->len;
      if (e->out_full && e->answer_bytes <= e->max_answer / 2)
        e->out_full = false;
    }
    tx *t = it->t;
    it->t = NULL;
    msrp__item_free(it);
    if (t && t->fr == MSRP_REPORT_NO) {
      /* no response can come (a REPORT, or Failure-Report no): settled
       * as soon as it is written */
      msrp__tx_remove(e, t);
      msrp__answer_locally(e, t, MSRP_STATUS_OK);
    } else if (t) {
      msrp__tx_start(e, t, now);
    }
  } else if (kind == STEP_CHUNK) {
    /* the step's chunks before its last are out: their clocks start */
    for (int i = 0; i < e->npend; i++)
      if (e->x->pend_tx[i])
        msrp__tx_start(e, e->x->pend_tx[i], now);
    e->npend = 0;
    outmsg *m = e->cur;
    if (e->cur_tx) { /* on its way until its response comes */
      e->cur_tx->bytes += e->step_body;
      e->unanswered += e->step_body;
    }
    m->sent += e->step_body;
    e->cur_chunk += e->step_body;
    if (!pulled(m))
      e->queued -= e->step_body;
    if (e->step_tail) {
      /* the chunk is out: its transaction's clock starts now */
      if (e->cur_tx) {
        msrp__tx_start(e, e->cur_tx, now);
        e->cur_tx = NULL;
      }
      e->cur = NULL;
      bool ended =
          m->eof || (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->sent >= m->size);
      if (m->state == OUT_ABORT_OPEN && e->step_flag != MSRP_FLAG_ABORT) {
        /* the abort came while this step ended the chunk another way */
        m->state = OUT_ABORT_QUEUED;
        drop_unsent(e, m);
        push_msg_front(e, m);
        msrp__want_output(e);
      } else if (m->state == OUT_ABORT_OPEN) {
        m->state = OUT_STOPPED;
        if (!m->status && !(m->failed && m->code == MSRP_STATUS_STOP_SENDING))
          m->status = MSRP_ERR_MESSAGE_ABORTED;
        drop_unsent(e, m);
      } else if (m->state == OUT_STOPPED) {
        drop_unsent(e, m);
      } else if (ended) {
        m->all_emitted = true;
        msrp__await_report(e, m);
      } else {
        push_msg(e, m); /* round robin with other messages */
      }
      finish_msg(e, m);
    }
  }
  msrp__maybe_writable(e);
}

void msrp_engine_provider_ready(msrp_engine *e) {
  if (e)
    msrp__want_output(e);
}

int msrp_engine_send_chunk(msrp_engine *e, msrp_chunk *chunk,
                           msrp_response_cb cb, void *ud) {
  if (!e || !chunk || !msrp_chunk_is_request(chunk))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (e->shut)
    return MSRP_ERR_CLOSED;
  item *it = calloc(1, sizeof *it);
  tx *t = calloc(1, sizeof *t);
  if (!it || !t) {
    free(it);
    free(t);
    return MSRP_ERR_NOMEM;
  }
  snprintf(t->tid, sizeof t->tid, "%s", msrp_chunk_transaction_id(chunk));
  t->fr = msrp_chunk_failure_report(chunk);
  t->cb = cb;
  t->ud = ud;
  it->chunk = chunk;
  it->t = t;
  /* a REPORT has no response: settle it as soon as it is written */
  if (msrp_chunk_method_id(chunk) == MSRP_METHOD_REPORT)
    t->fr = MSRP_REPORT_NO;
  size_t blen;
  msrp_chunk_body(chunk, &blen);
  it->len = blen;
  msrp__push_item(e, it);
  return 0;
}

/* The extra headers of a message, checked: they go verbatim on the wire. */
static int copy_headers(outmsg *m, const char *const *h) {
  size_t n = 0;
  for (; h && h[n]; n += 2) {
    const char *name = h[n], *value = h[n + 1];
    if (!value || !msrp__valid_header_name(name, strlen(name)) ||
        msrp__has_ctl(value, strlen(value)))
      return MSRP_ERR_INVALID_ARGUMENT;
    switch (msrp_header_lookup(name, strlen(name))) {
    case MSRP_HDR_TO_PATH:
    case MSRP_HDR_FROM_PATH:
    case MSRP_HDR_MESSAGE_ID:
    case MSRP_HDR_BYTE_RANGE:
    case MSRP_HDR_SUCCESS_REPORT:
    case MSRP_HDR_FAILURE_REPORT:
    case MSRP_HDR_CONTENT_TYPE:
      return MSRP_ERR_INVALID_ARGUMENT; /* ours to write */
    default:
      break;
    }
  }
  if (!n)
    return 0;
  m->headers = calloc(n + 1, sizeof *m->headers);
  if (!m->headers)
    return MSRP_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    if (!(m->headers[i] = msrp__strndup(h[i], strlen(h[i]))))
      return MSRP_ERR_NOMEM;
  return 0;
}

static int send_message(msrp_engine *e, const msrp_message_params *p,
                        msrp_message_cb cb, void *ud, const char **message_id) {
  if (!e || !p || (p->len && !p->data) || (p->provider && p->data) ||
      (p->lender && (p->data || p->provider)) || (!p->lender != !p->release))
    return MSRP_ERR_INVALID_ARGUMENT;
  bool is_pulled = p->provider || p->lender;
  uint64_t size = is_pulled ? p->size : p->len;
  if ((size && !p->content_type) ||
      (p->content_type &&
       (!*p->content_type ||
        msrp__has_ctl(p->content_type, strlen(p->content_type)))))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (p->offset && (!is_pulled || p->size == MSRP_BYTE_RANGE_UNKNOWN ||
                    p->offset >= p->size))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (e->shut)
    return MSRP_ERR_CLOSED;
  size_t cost = is_pulled ? 0 : p->len;
  if ((cost && e->queued + cost > e->max_queue && e->queued > 0) ||
      e->live_bytes > e->max_unreported) {
    e->blocked = true;
    return MSRP_ERR_WOULD_BLOCK;
  }
  outmsg *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  int rc = 0;
  /* an id already in use is found when the message is remembered */
  if (p->message_id) {
    size_t n = strlen(p->message_id);
    if (!msrp__valid_message_id(p->message_id, n))
      rc = MSRP_ERR_INVALID_ARGUMENT;
    else
      memcpy(m->id, p->message_id, n + 1);
  } else {
    rc = msrp__random_token(m->id, 16);
  }
  if (!rc && p->content_type &&
      !(m->content_type =
            msrp__strndup(p->content_type, strlen(p->content_type))))
    rc = MSRP_ERR_NOMEM;
  if (!rc)
    rc = copy_headers(m, p->headers);
  if (rc) {
    msrp__outmsg_free(m);
    return rc;
  }
  m->data = p->data;
  m->provider = p->provider;
  m->lender = p->lender;
  m->release = p->release;
  m->provider_ud = p->provider_ud;
  m->size = size;
  m->sent = m->first = p->offset;
  m->sr = p->success_report;
  m->fr = p->failure_report;
  m->cb = cb;
  m->ud = ud;
  m->cost = sizeof *m + (m->content_type ? strlen(m->content_type) + 1 : 0);
  for (char **h = m->headers; h && *h; h++)
    m->cost += sizeof *h + strlen(*h) + 1;
  /* what the peer has already counts as reported */
  if (m->first)
    rc = msrp__ranges_add(&m->reported, 0, m->first);
  /* a Message-ID in use: REPORTs could not tell the two apart (ours are
   * drawn again) */
  while (!rc && (rc = msrp__remember_sent(e, m)) == MSRP_ERR_BUSY &&
         !p->message_id)
    rc = msrp__random_token(m->id, 16);
  if (rc) {
    msrp__outmsg_free(m);
    return rc == MSRP_ERR_BUSY ? MSRP_ERR_INVALID_ARGUMENT : rc;
  }
  e->queued += cost;
  push_msg(e, m);
  if (message_id)
    *message_id = m->id;
  msrp__want_output(e);
  return 0;
}

static outmsg *find_sending(msrp_engine *e, const char *id) {
  if (e->cur && strcmp(e->cur->id, id) == 0)
    return e->cur;
  for (outmsg *m = e->mq; m; m = m->next)
    if (strcmp(m->id, id) == 0)
      return m;
  return NULL;
}

int msrp_engine_abort_message(msrp_engine *e, const char *id) {
  outmsg *m = id ? find_sending(e, id) : NULL;
  if (!m || m->state != OUT_ACTIVE)
    return MSRP_ERR_NOT_FOUND;
  m->status = MSRP_ERR_MESSAGE_ABORTED;
  if (e->cur == m) {
    m->state = OUT_ABORT_OPEN; /* the open chunk ends with '#' */
    msrp__want_output(e);
  } else if (m->sent > m->first) {
    /* between its chunks: one more chunk, empty, ends it with '#' */
    unlink_msg(e, m);
    drop_unsent(e, m);
    m->state = OUT_ABORT_QUEUED;
    push_msg_front(e, m);
    msrp__want_output(e);
  } else {
    m->state = OUT_STOPPED;
    unlink_msg(e, m); /* nothing of it went out: nothing to tell */
    drop_unsent(e, m);
    finish_msg(e, m);
  }
  return 0;
}

int msrp_engine_send_message_sized(msrp_engine *e, const msrp_message_params *p,
                                   msrp_message_cb cb, void *ud,
                                   const char **message_id,
                                   size_t params_size) {
  msrp_message_params q;
  return send_message(e, msrp__abi_in(&q, sizeof q, p, params_size), cb, ud,
                      message_id);
}
