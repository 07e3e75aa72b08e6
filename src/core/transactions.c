/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The engine's transactions: a request waits for its response, matched by
 * transaction id; none within the response timeout makes one up (408, or
 * 200 by the Failure-Report rules, RFC 4975 section 7.1.1). */
#include "core/engine_internal.h"

#include "core/chunk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Take transaction `t` out of every table but the map of ids. */
static void tx_unlink(msrp_engine *e, tx *t) {
  if (t->bytes) {
    /* answered (or given up on): its bytes leave the window */
    e->unanswered -= t->bytes;
    t->bytes = 0;
    if (e->window_full && e->unanswered < e->max_unanswered) {
      e->window_full = false;
      msrp__want_output(e);
    }
  }
  if (t->deadline) {
    if (t->prev)
      t->prev->next = t->next;
    else
      e->txs = t->next;
    if (t->next)
      t->next->prev = t->prev;
    else
      e->txs_tail = t->prev;
  } else {
    /* answered before our write completed: forget the write's claim */
    if (e->cur_tx == t)
      e->cur_tx = NULL;
    for (int i = 0; i < e->npend; i++)
      if (e->x->pend_tx[i] == t)
        e->x->pend_tx[i] = NULL;
    if (e->step_item && e->step_item->t == t)
      e->step_item->t = NULL;
  }
  if (t->msg)
    for (tx **pp = &t->msg->txs; *pp; pp = &(*pp)->msg_next)
      if (*pp == t) {
        *pp = t->msg_next;
        break;
      }
}

/* Take transaction `t` out of every table (it is about to be answered). */
void msrp__tx_remove(msrp_engine *e, tx *t) {
  msrp__idmap_remove(&e->txmap, t);
  tx_unlink(e, t);
}

tx *msrp__tx_take(msrp_engine *e, const char *tid) {
  tx *t = msrp__idmap_take(&e->txmap, tid);
  if (t)
    tx_unlink(e, t);
  return t;
}

/* A request is going out: its answer can be matched from now on. A
 * transaction id we already wait on (a caller's chunk reusing one) cannot
 * be told apart: NOMEM-like failure, answered locally. */
int msrp__tx_unsent(msrp_engine *e, tx *t) {
  t->deadline = 0;
  t->prev = t->next = NULL;
  int rc = msrp__idmap_add_new(&e->txmap, t);
  return rc == MSRP_ERR_BUSY ? MSRP_ERR_INVALID_ARGUMENT : rc;
}

/* Its last byte is written: the response clock starts. */
void msrp__tx_start(msrp_engine *e, tx *t, uint64_t now) {
  t->deadline = now + e->timeout;
  if (!t->deadline)
    t->deadline = 1;
  t->next = NULL;
  t->prev = e->txs_tail;
  if (e->txs_tail)
    e->txs_tail->next = t;
  else
    e->txs = t;
  e->txs_tail = t;
}

void msrp__deliver_response(msrp_engine *e, tx *t, const msrp_chunk *resp) {
  if (t->msg)
    msrp__msg_answered(e, t->msg, msrp_chunk_code(resp),
                       msrp_chunk_comment(resp));
  else if (t->cb)
    t->cb(e, 0, resp, t->ud);
  free(t);
}

/* Complete `t` (out of every table) with a response made up here. */
void msrp__answer_locally(msrp_engine *e, tx *t, int code) {
  msrp_chunk *resp;
  const char *comment = msrp_status_comment(code);
  if (msrp__chunk_new(&resp, t->tid, strlen(t->tid), NULL, 0, code, comment,
                      strlen(comment)) == 0) {
    msrp__deliver_response(e, t, resp);
    msrp_chunk_free(resp);
  } else {
    if (t->msg)
      msrp__msg_answered(e, t->msg, code, comment);
    free(t);
  }
}
