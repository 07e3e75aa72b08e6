/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* REPORTs (RFC 4975 section 7.1.2): the success REPORTs we send for whole
 * messages, and the REPORTs about ours, matched to messages remembered
 * until they are covered or the report timeout passes. */
#include "core/engine_internal.h"
#include "core/wire.h"

#include "core/chunk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void await_unlink(msrp_engine *e, outmsg *m) {
  if (!m->report_deadline)
    return;
  if (m->await_prev)
    m->await_prev->await_next = m->await_next;
  else
    e->await = m->await_next;
  if (m->await_next)
    m->await_next->await_prev = m->await_prev;
  else
    e->await_tail = m->await_prev;
  m->await_prev = m->await_next = NULL;
  m->report_deadline = 0;
}

void msrp__release_message(msrp_engine *e, outmsg *m) {
  await_unlink(e, m);
  msrp__idmap_remove(&e->sent, m);
  e->live_bytes -= m->cost;
  if (m->live_prev)
    m->live_prev->live_next = m->live_next;
  else
    e->live = m->live_next;
  if (m->live_next)
    m->live_next->live_prev = m->live_prev;
  msrp__outmsg_free(m);
}

/* Keep a message findable by its Message-ID for as long as answers or
 * REPORTs about it may come: MSRP_ERR_BUSY if one with its id is. */
int msrp__remember_sent(msrp_engine *e, outmsg *m) {
  int rc = msrp__idmap_add_new(&e->sent, m);
  if (rc)
    return rc;
  m->live_next = e->live;
  if (e->live)
    e->live->live_prev = m;
  e->live = m;
  e->live_bytes += m->cost;
  return 0;
}

outmsg *msrp__find_sent(msrp_engine *e, const char *id) {
  return msrp__idmap_find(&e->sent, id);
}

/* Whether a success REPORT about `m` may still be worth waiting for. */
static bool awaits_report(const outmsg *m) {
  return m->sr == MSRP_REPORT_YES && !m->report_over && !m->status &&
         !m->failed;
}

/* Its last chunk is out: the report clock starts. */
void msrp__await_report(msrp_engine *e, outmsg *m) {
  if (!awaits_report(m) || m->report_deadline)
    return;
  m->report_deadline = e->now + e->report_timeout;
  if (!m->report_deadline)
    m->report_deadline = 1;
  m->await_prev = e->await_tail;
  m->await_next = NULL;
  if (e->await_tail)
    e->await_tail->await_next = m;
  else
    e->await = m;
  e->await_tail = m;
}

/* Nothing more can come about `m` once its callback ran and no REPORT is
 * awaited. */
void msrp__maybe_forget(msrp_engine *e, outmsg *m) {
  if (m->state == OUT_DONE && !awaits_report(m)) {
    msrp__release_message(e, m);
    msrp__maybe_writable(e);
  }
}

/* Success REPORTs cover the whole message: with Failure-Report partial no
 * 200 will come (RFC 4975 section 7.1.1), so the REPORT settles its
 * transactions now instead of at the response timeout. */
static void settle_by_report(msrp_engine *e, outmsg *m) {
  while (m->txs) {
    tx *t = m->txs;
    bool last = !t->msg_next;
    msrp__tx_remove(e, t);
    free(t);
    msrp__msg_answered(e, m, 200,
                       "OK"); /* the last one may msrp__release_message `m` */
    if (last)
      break;
  }
}

/* The report timeout of `m` passed: say so, and forget it once done. */
void msrp__report_expired(msrp_engine *e, outmsg *m) {
  await_unlink(e, m);
  m->report_over = true;
  if (e->cb.on_report) {
    msrp_report_info info = {0};
    info.message_id = m->id;
    info.status = MSRP_ERR_NO_REPORT;
    info.range = (msrp_byte_range){1, m->sent, m->sent};
    e->cb.on_report(e, &info, e->ud);
  }
  msrp__maybe_forget(e, m);
}

/* A success REPORT for a whole message (RFC 4975 section 7.1.2), back
 * along the SEND's From-Path, which msrp__incoming_headers found to be the
 * remote path: the path headers are the ones every chunk of ours carries. The
 * Message-ID passed the parser's checks (no control characters). */
void msrp__send_success_report(msrp_engine *e, const char *id, uint64_t start,
                               uint64_t end, uint64_t total) {
  char tid[16];
  if (msrp__random_token(tid, 12))
    return;
  msrp__buf b = {0};
  int rc = msrp__wire_request_line(&b, tid, strlen(tid), "REPORT");
  rc |= msrp__buf_append(&b, e->paths, e->paths_len);
  rc |= msrp__wire_header(&b, "Message-ID", id);
  rc |= msrp__wire_byte_range(&b, start, end, total);
  rc |= msrp__wire_header(&b, "Status", "000 200 OK");
  rc |= msrp__wire_end_line(&b, false, tid, strlen(tid), MSRP_FLAG_END);
  if (rc) {
    msrp__buf_free(&b);
    return;
  }
  msrp__push_answer(e, b.data, b.len);
}

void msrp__handle_report(msrp_engine *e, const msrp_chunk *c) {
  const char *id = msrp_chunk_message_id(c);
  outmsg *m = id ? msrp__find_sent(e, id) : NULL;
  msrp_status_header st;
  if (!m || msrp_chunk_status(c, &st) != 0) {
    msrp__engine_log(
        e, "REPORT for an unknown message or without Status: ignored");
    return;
  }
  msrp_report_info info = {0};
  info.message_id = m->id;
  info.code = st.code;
  info.comment = st.reason;
  info.chunk = c;
  if (msrp_chunk_byte_range(c, &info.range) != 0)
    info.range = (msrp_byte_range){1, m->sent, m->sent};
  bool success = st.code >= 200 && st.code < 300;
  if (success && info.range.end != MSRP_BYTE_RANGE_UNKNOWN &&
      msrp__ranges_add(&m->reported, info.range.start - 1, info.range.end) != 0)
    msrp__engine_log(e, "REPORT msrp__ranges for %s too fragmented: ignored",
                     m->id);
  uint64_t total = m->size != MSRP_BYTE_RANGE_UNKNOWN ? m->size : m->sent;
  if (success && !m->report_complete && (m->all_emitted || m->eof) &&
      msrp__ranges_cover(&m->reported, total)) {
    m->report_complete = true;
    m->report_over = true;
    info.complete = 1;
  }
  if (!success)
    m->report_over = true; /* a failure: no success will follow */
  if (m->report_over)
    await_unlink(e, m);
  if (e->cb.on_report)
    e->cb.on_report(e, &info, e->ud);
  if (info.complete && m->fr == MSRP_REPORT_PARTIAL && m->txs)
    settle_by_report(e, m);
  else
    msrp__maybe_forget(e, m);
}
