/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The session engine: one MSRP session's protocol state (RFC 4975 section
 * 7), with no I/O and no clock. See engine.h for the contract. This file
 * has the object, its queues and its input; the protocol rules are in
 * transactions.c, outgoing.c, reports.c, incoming.c and relay_keep.c. */
#include "core/engine_internal.h"
#include "core/wire.h"

#include "core/chunk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void msrp__engine_log(msrp_engine *e, const char *fmt, ...) {
  if (!e->cb.on_log)
    return;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  e->cb.on_log(e, buf, e->ud);
}

/* The path headers of every chunk we send, and of every 200 we answer
 * (to the previous hop, from us: RFC 4975 section 7.2), rendered once. */
static int render_paths(msrp_engine *e) {
  msrp_path prev = {1, &e->remote.uris[0]};
  msrp_path us = {1, &e->local.uris[e->local.count - 1]};
  e->paths = msrp__wire_paths(&e->remote, &e->local);
  e->answer_paths = msrp__wire_paths(&prev, &us);
  if (!e->paths || !e->answer_paths)
    return MSRP_ERR_NOMEM;
  e->answer_paths_len = strlen(e->answer_paths);
  e->paths_len = strlen(e->paths);
  /* "To-Path: " remote "\r\nFrom-Path: " ... and the same with us */
  e->expect_from = e->paths + 9;
  e->expect_from_len = (size_t)(strstr(e->paths, "\r\n") - e->expect_from);
  e->expect_to = strstr(e->answer_paths, "\r\nFrom-Path: ") + 13;
  e->expect_to_len = strlen(e->expect_to) - 2;
  return 0;
}

static const char *outmsg_key(const void *m) {
  return ((const outmsg *)m)->id;
}

static const char *tx_key(const void *t) {
  return ((const tx *)t)->tid;
}

static int engine_new(msrp_engine **out, const msrp_engine_config *cfg,
                      const msrp_engine_callbacks *cbs, void *ud) {
  if (!out || !cfg || !cfg->local_path || !cfg->remote_path ||
      cfg->local_path->count == 0 || cfg->remote_path->count == 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_engine *e = calloc(1, sizeof *e);
  if (!e)
    return MSRP_ERR_NOMEM;
  e->iov = e->iov4;
  if (cbs)
    e->cb = *cbs;
  e->ud = ud;
  e->timeout = cfg->response_timeout_ms ? cfg->response_timeout_ms
                                        : MSRP_RESPONSE_TIMEOUT_MS;
  e->chunk_size = cfg->chunk_size ? cfg->chunk_size : 65536;
  e->max_queue = cfg->max_queue_bytes ? cfg->max_queue_bytes : 4u << 20;
  e->whole_max = cfg->whole_max ? cfg->whole_max : 65536;
  e->max_incoming = cfg->max_incoming ? cfg->max_incoming : 32;
  e->report_timeout =
      cfg->report_timeout_ms ? cfg->report_timeout_ms : MSRP_REPORT_TIMEOUT_MS;
  e->incoming_idle =
      cfg->incoming_idle_ms ? cfg->incoming_idle_ms : MSRP_INCOMING_IDLE_MS;
  e->report_every = cfg->report_every;
  e->max_unanswered = cfg->max_unanswered_bytes;
  e->by_session_id = cfg->match_session_id_only != 0;
  e->max_unreported =
      cfg->max_unreported_bytes ? cfg->max_unreported_bytes : 16u << 20;
  e->max_answer = cfg->max_answer_bytes ? cfg->max_answer_bytes : 256u << 10;
  msrp__idmap_init(&e->txmap, tx_key);
  msrp__idmap_init(&e->sent, outmsg_key);
  const char *acc = cfg->accept_types ? cfg->accept_types : "*";
  if (cfg->limits)
    e->limits = *cfg->limits;
  int rc = msrp_media_types_parse(&e->accept, acc);
  if (rc) {
    if (rc != MSRP_ERR_NOMEM)
      rc = MSRP_ERR_INVALID_ARGUMENT;
    goto fail;
  }
  rc = MSRP_ERR_NOMEM;
  /* an end-line is "\r\n-------" tid (12) flag "\r\n": room for any */
  if (msrp__buf_reserve(&e->tail, 64))
    goto fail;
  if ((rc = msrp_path_copy(&e->local, cfg->local_path)) ||
      (rc = msrp_path_copy(&e->remote, cfg->remote_path)) ||
      (rc = render_paths(e)))
    goto fail;
  *out = e;
  return 0;
fail:
  free(e->paths);
  free(e->answer_paths);
  msrp_path_clear(&e->local);
  msrp_path_clear(&e->remote);
  free(e->pbuf);
  msrp__buf_free(&e->tail);
  msrp_media_types_clear(&e->accept);
  free(e);
  return rc;
}

void *msrp_engine_user_data(const msrp_engine *e) {
  return e->ud;
}

void msrp__outmsg_free(outmsg *m) {
  if (!m)
    return;
  free(m->content_type);
  if (m->headers)
    for (char **h = m->headers; *h; h++)
      free(*h);
  free(m->headers);
  msrp__ranges_free(&m->reported);
  free(m);
}

void msrp__inmsg_free(inmsg *m) {
  free(m->content_type);
  free(m->body);
  msrp__ranges_free(&m->got);
  msrp_chunk_free(m->first);
  free(m);
}

void msrp__item_free(item *it) {
  free(it->bytes);
  msrp_chunk_free(it->chunk);
  free(it);
}

void msrp__msg_info(const inmsg *m, const msrp_chunk *c,
                    msrp_message_info *info) {
  info->message_id = m->id;
  info->content_type = m->content_type;
  info->total = m->total;
  info->chunk = c ? c : m->first;
}

void msrp_engine_free(msrp_engine *e) {
  if (!e)
    return;
  /* lent bytes the step still holds: given back before any callback */
  msrp__give_back(e);
  /* transactions written or being written: each callback once, cancelled */
  for (size_t i = 0; i < e->txmap.cap; i++) {
    tx *t = e->txmap.slots[i];
    if (!t)
      continue;
    if (t->cb)
      t->cb(e, MSRP_ERR_CANCELLED, NULL, t->ud);
    if (e->step_item && e->step_item->t == t)
      e->step_item->t = NULL;
    free(t);
  }
  msrp__idmap_clear(&e->txmap);
  e->cur_tx = NULL;
  for (item *it = e->prio, *n; it; it = n) {
    n = it->next;
    if (it->t) {
      if (it->t->cb)
        it->t->cb(e, MSRP_ERR_CANCELLED, NULL, it->t->ud);
      free(it->t);
    }
    msrp__item_free(it);
  }
  if (e->step == STEP_ITEM && e->step_item) {
    if (e->step_item->t) {
      if (e->step_item->t->cb)
        e->step_item->t->cb(e, MSRP_ERR_CANCELLED, NULL, e->step_item->t->ud);
      free(e->step_item->t);
    }
    msrp__item_free(e->step_item);
  }
  /* messages being sent: their callbacks once, cancelled */
  for (outmsg *m = e->live; m; m = m->live_next)
    if (m->state != OUT_DONE) {
      m->state = OUT_DONE;
      if (m->cb)
        m->cb(e, m->id, MSRP_ERR_CANCELLED, 0, NULL, m->ud);
    }
  while (e->live)
    msrp__release_message(e, e->live);
  msrp__idmap_clear(&e->sent);
  /* incoming messages in progress end, cancelled */
  for (inmsg *m = e->msgs, *n; m; m = n) {
    n = m->next;
    if (e->cb.on_message_end) {
      msrp_message_info info;
      msrp__msg_info(m, NULL, &info);
      e->cb.on_message_end(e, &info, MSRP_ERR_CANCELLED, e->ud);
    }
    msrp__inmsg_free(m);
  }
  msrp_parser_free(e->parser);
  msrp_path_clear(&e->local);
  msrp_path_clear(&e->remote);
  msrp__buf_free(&e->head);
  msrp__buf_free(&e->scratch);
  msrp_relay_auth_free(e->keep.auth);
  free(e->single);
  free(e->refused);
  msrp__drop_step_ext(e);
  free(e->paths);
  free(e->answer_paths);
  msrp__buf_free(&e->tail);
  free(e->pbuf);
  msrp_media_types_clear(&e->accept);
  free(e);
}

void msrp__want_output(msrp_engine *e) {
  if (e->cb.on_output)
    e->cb.on_output(e, e->ud);
}

void msrp__push_item(msrp_engine *e, item *it) {
  it->next = NULL;
  if (e->prio_tail)
    e->prio_tail->next = it;
  else
    e->prio = it;
  e->prio_tail = it;
  e->queued += it->len;
  msrp__want_output(e);
}

/* An answer of our own: counted against max_answer. A peer that sends
 * requests and never reads their answers is held back (input pauses), and
 * one that is fed past four times the bound anyway ends the engine. */
/* Answers waiting one after another join into one item of up to this
 * many bytes: one allocation and one output step for many 200s. */
#define ANSWER_BLOCK 16384

static bool answer_too_many(msrp_engine *e, size_t len) {
  if (e->answer_bytes + len <= e->max_answer * 4)
    return false;
  e->fatal = MSRP_ERR_OUTPUT_FULL;
  msrp__engine_log(e, "%s", msrp_strerror(e->fatal));
  return true;
}

static void count_answer(msrp_engine *e, size_t len) {
  e->answer_bytes += len;
  if (e->answer_bytes > e->max_answer)
    e->out_full = true;
}

/* The last waiting item, if it is an answer of ours that `len` more bytes
 * can join. */
static item *joinable(msrp_engine *e, size_t len) {
  item *last = e->prio_tail;
  if (!last || !last->own || last->len + len > ANSWER_BLOCK)
    return NULL;
  if (last->cap - last->len < len) {
    size_t cap =
        last->cap * 2 > last->len + len ? last->cap * 2 : last->len + len;
    if (cap > ANSWER_BLOCK)
      cap = ANSWER_BLOCK;
    char *b = realloc(last->bytes, cap);
    if (!b)
      return NULL;
    last->bytes = b;
    last->cap = cap;
  }
  return last;
}

/* An answer's bytes: joined to the last waiting answer when they fit,
 * else a new item holding `owned` (if not NULL: a heap copy of `bytes`
 * that becomes the item's) or a copy made here. */
static void add_answer(msrp_engine *e, char *owned, const char *bytes,
                       size_t len) {
  item *it = NULL;
  if (e->fatal || answer_too_many(e, len))
    goto drop;
  if ((it = joinable(e, len))) {
    memcpy(it->bytes + it->len, bytes, len);
    it->len += len;
    e->queued += len;
    count_answer(e, len);
    goto drop;
  }
  size_t cap = owned || len > 1024 ? len : 1024;
  if (!(it = calloc(1, sizeof *it)) || (!owned && !(owned = malloc(cap)))) {
    free(it);
    goto drop;
  }
  if (owned != bytes)
    memcpy(owned, bytes, len);
  it->bytes = owned;
  it->len = len;
  it->cap = cap;
  it->own = true;
  count_answer(e, len);
  msrp__push_item(e, it);
  return;
drop:
  free(owned);
}

void msrp__push_answer_copy(msrp_engine *e, const char *bytes, size_t len) {
  add_answer(e, NULL, bytes, len);
}

void msrp__push_answer(msrp_engine *e, char *bytes, size_t len) {
  add_answer(e, bytes, bytes, len);
}

uint64_t msrp_engine_next_expiry(const msrp_engine *e) {
  uint64_t t = e->txs ? e->txs->deadline : MSRP_NO_EXPIRY;
  if (e->keep.auth && e->keep.at && !e->keep.waiting && e->keep.at < t)
    t = e->keep.at;
  if (e->await && e->await->report_deadline < t)
    t = e->await->report_deadline;
  for (const inmsg *m = e->msgs; m; m = m->next)
    if (m->idle_deadline < t)
      t = m->idle_deadline;
  return t;
}

void msrp_engine_handle_expiry(msrp_engine *e, uint64_t now) {
  e->now = now;
  if (e->keep.auth && e->keep.at && !e->keep.waiting && e->keep.at <= now)
    msrp__refresh_now(e);
  while (e->await && e->await->report_deadline <= now)
    msrp__report_expired(e, e->await);
  msrp__expire_incoming(e, now);
  while (e->txs && e->txs->deadline <= now) {
    tx *t = e->txs;
    msrp__tx_remove(e, t);
    /* RFC 4975 7.1: no response in time means 408 when failures were
     * asked for, success otherwise */
    msrp__answer_locally(e, t,
                         t->fr == MSRP_REPORT_YES || t->fr == MSRP_REPORT_ABSENT
                             ? MSRP_STATUS_TIMEOUT
                             : MSRP_STATUS_OK);
  }
}

size_t msrp_engine_queued_bytes(const msrp_engine *e) {
  return e->queued;
}

void msrp_engine_shutdown(msrp_engine *e) {
  e->shut = true;
}

int msrp_engine_idle(const msrp_engine *e) {
  return !e->prio && !e->mq && !e->cur && e->step == STEP_NONE &&
         e->txmap.n == 0;
}

void msrp_engine_recv_event(msrp_engine *e, const msrp_event *ev,
                            uint64_t now) {
  e->now = now;
  switch (ev->type) {
  case MSRP_EVENT_HEADERS:
    msrp__incoming_headers(e, ev->chunk);
    break;
  case MSRP_EVENT_BODY:
    msrp__incoming_body(e, ev);
    break;
  case MSRP_EVENT_END:
    msrp__incoming_end(e, ev);
    break;
  default:
    break;
  }
}

ssize_t msrp_engine_recv(msrp_engine *e, const uint8_t *data, size_t len,
                         uint64_t now) {
  if (!e->parser && msrp_parser_new(&e->parser, &e->limits))
    return MSRP_ERR_NOMEM;
  size_t done = 0;
  while (!msrp_engine_paused(e)) {
    size_t used;
    msrp_event ev;
    int rc =
        msrp_parser_execute(e->parser, data + done, len - done, &used, &ev);
    done += used;
    if (rc)
      return rc;
    if (ev.type == MSRP_EVENT_NONE)
      break;
    msrp_engine_recv_event(e, &ev, now);
    if (e->fatal)
      return e->fatal;
  }
  return (ssize_t)done;
}

void msrp_engine_pause(msrp_engine *e) {
  e->paused = true;
}

void msrp_engine_resume(msrp_engine *e) {
  e->paused = false;
}

int msrp_engine_paused(const msrp_engine *e) {
  return e->paused || e->out_full;
}

int msrp_engine_status(const msrp_engine *e) {
  return e->fatal;
}

int msrp_engine_new_sized(msrp_engine **out, const msrp_engine_config *config,
                          const msrp_engine_callbacks *cbs, void *ud,
                          size_t config_size, size_t callbacks_size,
                          size_t limits_size) {
  msrp_engine_config c;
  msrp_engine_callbacks k;
  msrp_parser_limits l;
  const msrp_engine_config *pc =
      msrp__abi_in(&c, sizeof c, config, config_size);
  if (pc)
    c.limits = msrp__abi_in(&l, sizeof l, c.limits, limits_size);
  return engine_new(out, pc, msrp__abi_in(&k, sizeof k, cbs, callbacks_size),
                    ud);
}
