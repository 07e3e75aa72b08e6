/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The engine's incoming requests: each answered as RFC 4975 prescribes
 * (200, 400, 413, 415, 481, 501, by the Failure-Report rules), messages
 * reassembled by Message-ID and Byte-Range, bodies checked against their
 * ranges, incomplete messages expired. */
#include <msrp/chatroom.h>

#include "core/engine_internal.h"
#include "core/wire.h"

#include "core/chunk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inmsg *message_for(msrp_engine *e, const msrp_chunk *c, int *code,
                          bool allow_single);
static bool contradicts(const inmsg *m, uint64_t at, const uint8_t *data,
                        size_t n);

static void queue_bytes(msrp_engine *e, msrp_chunk *c) {
  char *bytes;
  size_t len;
  if (msrp_chunk_to_bytes(c, &bytes, &len) == 0)
    msrp__push_answer(e, bytes, len);
  msrp_chunk_free(c);
}

/* The transaction response to request `c`, by the Failure-Report rules. */
static void respond(msrp_engine *e, const msrp_chunk *c, int code) {
  if (!msrp_chunk_wants_response(c, code))
    return;
  if (code == 200 && msrp__chunk_path_count(c, MSRP_HDR_TO_PATH) == 1) {
    /* the common answer, rendered without building a chunk: its paths
     * were checked against ours (msrp__incoming_headers) */
    const char *tid = msrp_chunk_transaction_id(c);
    size_t tl = msrp__chunk_tid_len(c);
    msrp__buf *b = &e->scratch; /* kept while busy: no allocation each */
    b->len = 0;
    if (!msrp__wire_response_line(b, tid, tl, 200, "OK") &&
        !msrp__buf_append(b, e->answer_paths, e->answer_paths_len) &&
        !msrp__wire_end_line(b, false, tid, tl, MSRP_FLAG_END))
      msrp__push_answer_copy(e, b->data, b->len);
    return;
  }
  msrp_chunk *resp;
  if (msrp_chunk_make_response(&resp, c, code, NULL) == 0)
    queue_bytes(e, resp);
}

/* The code later chunks of a refused message get (413, or 400 for one
 * whose bytes could not be trusted), or 0. */
static int refused_code(const msrp_engine *e, const char *id) {
  for (size_t i = 0; e->refused && i < REFUSED_MAX; i++)
    if (e->refused[i].code && strcmp(e->refused[i].id, id) == 0)
      return e->refused[i].code;
  return 0;
}

static void remember_refused(msrp_engine *e, const char *id, int code) {
  if (refused_code(e, id))
    return;
  if (!e->refused && !(e->refused = calloc(REFUSED_MAX, sizeof *e->refused)))
    return; /* later chunks are refused again as they come */
  snprintf(e->refused[e->refused_next].id, sizeof e->refused[0].id, "%s", id);
  e->refused[e->refused_next].code = code;
  e->refused_next = (e->refused_next + 1) % REFUSED_MAX;
}

static inmsg *find_in(msrp_engine *e, const char *id) {
  for (inmsg *m = e->msgs; m; m = m->next)
    if (strcmp(m->id, id) == 0)
      return m;
  return NULL;
}

static void drop_in(msrp_engine *e, inmsg *m) {
  for (inmsg **pp = &e->msgs; *pp; pp = &(*pp)->next)
    if (*pp == m) {
      *pp = m->next;
      break;
    }
  e->nmsgs--;
  if (e->in.msg == m)
    e->in.msg = NULL;
  msrp__inmsg_free(m);
}

static void end_in(msrp_engine *e, inmsg *m, const msrp_chunk *c, int status) {
  if (e->cb.on_message_end) {
    msrp_message_info info;
    msrp__msg_info(m, c, &info);
    e->cb.on_message_end(e, &info, status, e->ud);
  }
  drop_in(e, m);
}

/* The message a SEND belongs to: found, or begun. NULL with *code set when
 * it cannot be taken. */
static inmsg *message_for(msrp_engine *e, const msrp_chunk *c, int *code,
                          bool allow_single) {
  const char *id = msrp_chunk_message_id(c);
  if (!id || !*id || strlen(id) > 256) {
    *code = MSRP_STATUS_BAD_REQUEST;
    return NULL;
  }
  if ((*code = refused_code(e, id)))
    return NULL;
  inmsg *m = find_in(e, id);
  msrp_byte_range r = {1, MSRP_BYTE_RANGE_UNKNOWN, MSRP_BYTE_RANGE_UNKNOWN};
  msrp_chunk_byte_range(c, &r);
  if (allow_single && !m && r.start == 1 && r.end == r.total &&
      r.total <= e->whole_max) {
    /* the whole message in one chunk, the usual case for chat: it is
     * collected in one buffer, with no per-message state */
    /* as large as the largest such message yet, not whole_max: an idle
     * chat session keeps a few hundred bytes, not 64 KiB */
    size_t need = r.total ? (size_t)r.total : 1;
    if (need > e->single_cap) {
      uint8_t *grown = realloc(e->single, need);
      if (!grown) {
        *code = MSRP_STATUS_BAD_REQUEST;
        return NULL;
      }
      e->single = grown;
      e->single_cap = need;
    }
    e->in.single = true;
    e->in.single_total = r.total;
    return NULL;
  }
  if (m) {
    if (m->total == MSRP_BYTE_RANGE_UNKNOWN)
      m->total = r.total;
    m->idle_deadline = e->now + e->incoming_idle;
    return m;
  }
  if (e->nmsgs >= e->max_incoming) {
    *code = MSRP_STATUS_STOP_SENDING;
    return NULL;
  }
  m = calloc(1, sizeof *m);
  if (!m || msrp_chunk_dup(&m->first, c)) {
    free(m);
    *code = MSRP_STATUS_BAD_REQUEST;
    return NULL;
  }
  memcpy(m->id, id, strlen(id) + 1);
  const char *ct = msrp_chunk_content_type(c);
  if (ct)
    m->content_type = msrp__strndup(ct, strlen(ct));
  m->total = r.total;
  m->whole = m->total != MSRP_BYTE_RANGE_UNKNOWN && m->total <= e->whole_max;
  if (m->whole && m->total && !(m->body = malloc((size_t)m->total))) {
    msrp__inmsg_free(m);
    *code = MSRP_STATUS_BAD_REQUEST;
    return NULL;
  }
  m->idle_deadline = e->now + e->incoming_idle;
  m->next = e->msgs;
  e->msgs = m;
  e->nmsgs++;
  if (!m->whole && e->cb.on_message_start) {
    msrp_message_info info;
    msrp__msg_info(m, c, &info);
    e->cb.on_message_start(e, &info, e->ud);
  }
  return m;
}

int msrp_engine_refuse_message(msrp_engine *e, const char *id) {
  inmsg *m = id ? find_in(e, id) : NULL;
  if (!m)
    return MSRP_ERR_NOT_FOUND;
  m->refused = true;
  remember_refused(e, id, MSRP_STATUS_STOP_SENDING);
  return 0;
}

int msrp_engine_message_have(msrp_engine *e, const char *id, uint64_t bytes) {
  inmsg *m = id ? find_in(e, id) : NULL;
  if (!m)
    return MSRP_ERR_NOT_FOUND;
  if (m->whole || (m->total != MSRP_BYTE_RANGE_UNKNOWN && bytes > m->total))
    return MSRP_ERR_INVALID_ARGUMENT;
  return bytes ? msrp__ranges_add(&m->got, 0, bytes) : 0;
}

void msrp__incoming_headers(msrp_engine *e, const msrp_chunk *c) {
  incoming *in = &e->in;
  memset(in, 0, sizeof *in);
  in->request = msrp_chunk_is_request(c);
  if (!in->request)
    return;
  msrp_method method = msrp_chunk_method_id(c);
  /* the paths a peer sends are, nearly always, the very bytes we expect:
   * then they are good and ours without parsing a URI */
  bool ours = msrp__chunk_paths_are(c, e->expect_to, e->expect_to_len,
                                    e->expect_from, e->expect_from_len);
  if (msrp_chunk_error(c)) {
    in->code = MSRP_STATUS_BAD_REQUEST;
    msrp__engine_log(e, "bad request %s: %s", msrp_chunk_transaction_id(c),
                     msrp_strerror(msrp_chunk_error(c)));
    return;
  }
  bool nickname = method == MSRP_METHOD_NICKNAME && e->cb.on_nickname;
  if (method != MSRP_METHOD_SEND && method != MSRP_METHOD_REPORT && !nickname) {
    in->code = MSRP_STATUS_UNKNOWN_METHOD;
    return;
  }
  /* RFC 4975 7.3: the last To-Path URI is us; From-Path the session's */
  if (!ours && (in->code = msrp_chunk_check_session_mode(
                    c, &e->local, &e->remote, e->by_session_id)))
    return;
  if (method == MSRP_METHOD_REPORT)
    return;
  if (nickname) { /* checked and answered at its end-line */
    in->nickname = true;
    return;
  }
  const char *ct = msrp_chunk_content_type(c);
  if (ct && !msrp_media_types_contain(&e->accept, ct)) {
    in->code = MSRP_STATUS_UNSUPPORTED_MEDIA;
    return;
  }
  msrp_byte_range r = {1, 0, 0};
  bool has_range = msrp_chunk_byte_range(c, &r) == 0;
  if (!msrp_chunk_has_content(c) && r.total == 0)
    return; /* an empty SEND (keep-alive, binding): just 200 */
  if (!has_range)
    r = (msrp_byte_range){1, MSRP_BYTE_RANGE_UNKNOWN, MSRP_BYTE_RANGE_UNKNOWN};
  in->range = r;
  in->msg = message_for(e, c, &in->code, true);
  in->off = r.start - 1;
  if (in->msg && in->msg->refused)
    in->code = MSRP_STATUS_STOP_SENDING;
}

/* Whether the bytes [at, at + n) contradict what earlier chunks of `m`
 * brought. A message held whole is compared byte for byte; the bytes of a
 * streamed one went to the application and cannot be compared, so any
 * overlap with them is refused. */
static bool contradicts(const inmsg *m, uint64_t at, const uint8_t *data,
                        size_t n) {
  for (size_t i = 0; i < m->got.n; i++) {
    uint64_t lo = m->got.iv[i][0], hi = m->got.iv[i][1];
    if (hi <= at || lo >= at + n)
      continue;
    if (!m->whole)
      return true;
    uint64_t a = lo > at ? lo : at, b = hi < at + n ? hi : at + n;
    if (b > m->total)
      b = m->total;
    if (a < b && memcmp(m->body + a, data + (a - at), (size_t)(b - a)) != 0)
      return true;
  }
  return false;
}

void msrp__incoming_body(msrp_engine *e, const msrp_event *ev) {
  incoming *in = &e->in;
  inmsg *m = in->msg;
  in->len = ev->offset + ev->len;
  if (in->code || in->corrupt)
    return;
  if (in->single) {
    /* bytes past the range's end are caught at the end-line */
    if (ev->offset < in->single_total) {
      size_t n = ev->len;
      if (ev->offset + n > in->single_total)
        n = (size_t)(in->single_total - ev->offset);
      memcpy(e->single + ev->offset, ev->data, n);
    }
    return;
  }
  if (!m)
    return;
  uint64_t at = in->off + ev->offset;
  if (contradicts(m, at, ev->data, ev->len)) {
    in->corrupt = true;
    return;
  }
  if (m->whole) {
    /* bytes beyond the announced total: the chunk is refused at its end */
    if (at < m->total) {
      size_t n = ev->len;
      if (at + n > m->total)
        n = (size_t)(m->total - at);
      memcpy(m->body + at, ev->data, n);
    }
  } else if (e->cb.on_message_data) {
    msrp_message_info info;
    msrp__msg_info(m, ev->chunk, &info);
    e->cb.on_message_data(e, &info, at, ev->data, ev->len, e->ud);
  }
  if (m->refused)
    in->code = MSRP_STATUS_STOP_SENDING;
}

/* A chunk of a message we cannot trust: 400, and the message is never
 * confirmed or delivered (its later chunks get 400 too). */
static void refuse_corrupt(msrp_engine *e, const msrp_chunk *c, inmsg *m) {
  const char *id = msrp_chunk_message_id(c);
  msrp__engine_log(
      e,
      "chunk %s of message %s: body disagrees with its Byte-Range or "
      "earlier chunks: 400",
      msrp_chunk_transaction_id(c), id ? id : "");
  respond(e, c, MSRP_STATUS_BAD_REQUEST);
  if (id)
    remember_refused(e, id, MSRP_STATUS_BAD_REQUEST);
  if (m)
    end_in(e, m, c, MSRP_ERR_MESSAGE_CORRUPT);
  else if (e->in.single && e->cb.on_message_end) {
    msrp_message_info info = {id, msrp_chunk_content_type(c),
                              e->in.single_total, c};
    e->cb.on_message_end(e, &info, MSRP_ERR_MESSAGE_CORRUPT, e->ud);
  }
}

/* Whether a chunk's body length agrees with its Byte-Range: an end that is
 * not "*" names the chunk's last byte (RFC 4975 section 7.1.1), and no byte
 * lies past a known total. A chunk cut short by '#' is exempt: its message
 * ends there anyway. */
static bool length_agrees(const incoming *in, char flag) {
  const msrp_byte_range *r = &in->range;
  if (flag == MSRP_FLAG_ABORT)
    return true;
  if (r->end != MSRP_BYTE_RANGE_UNKNOWN && in->len != r->end - r->start + 1)
    return false;
  return r->total == MSRP_BYTE_RANGE_UNKNOWN || in->off + in->len <= r->total;
}

/* The run of bytes come since the last REPORT, reported. */
static void flush_report(msrp_engine *e, inmsg *m) {
  if (m->rep_hi == m->rep_lo)
    return;
  msrp__send_success_report(e, m->id, m->rep_lo + 1, m->rep_hi, m->total);
  m->rep_lo = m->rep_hi;
}

/* RFC 7701: a room's answer to NICKNAME. The request is checked first
 * (400, 424); a good one is the application's to decide. A body makes it
 * malformed whatever its headers say. */
static void answer_nickname(msrp_engine *e, const msrp_chunk *c) {
  char nick[MSRP_NICKNAME_MAX + 1];
  int code = e->in.len ? MSRP_STATUS_BAD_REQUEST
                       : msrp_nickname_check(c, nick, sizeof nick);
  if (code == MSRP_STATUS_OK) {
    code = e->cb.on_nickname(e, c, nick, e->ud);
    if (code < 200 || code > 699)
      code = MSRP_STATUS_FORBIDDEN;
  }
  respond(e, c, code);
}

void msrp__incoming_end(msrp_engine *e, const msrp_event *ev) {
  incoming *in = &e->in;
  const msrp_chunk *c = ev->chunk;
  if (!in->request) {
    tx *t = msrp__tx_take(e, msrp_chunk_transaction_id(c));
    if (!t) {
      /* late (after our timeout made one up) or duplicated: drop it */
      msrp__engine_log(e, "response %d for unknown transaction %s ignored",
                       msrp_chunk_code(c), msrp_chunk_transaction_id(c));
      return;
    }
    msrp__deliver_response(e, t, c);
    return;
  }
  msrp_method method = msrp_chunk_method_id(c);
  if (in->code == 0 && method == MSRP_METHOD_REPORT) {
    msrp__handle_report(e, c);
    return;
  }
  if (in->code == 0 && in->nickname) {
    answer_nickname(e, c);
    return;
  }
  inmsg *m = in->msg;
  if (!in->code && (in->single || m) &&
      (in->corrupt || !length_agrees(in, ev->flag))) {
    refuse_corrupt(e, c, m);
    return;
  }
  /* RFC 4975 10.5: a message cut finer than we keep track of gets 413
   * before it is answered 200, and is remembered as refused */
  if (!in->code && m && ev->flag != MSRP_FLAG_ABORT &&
      msrp__ranges_full(&m->got, in->off, in->off + in->len)) {
    m->refused = true;
    in->code = MSRP_STATUS_STOP_SENDING;
  }
  if (in->code) {
    if (in->code == MSRP_STATUS_UNKNOWN_METHOD && e->cb.on_request)
      e->cb.on_request(e, c, in->code, e->ud);
    respond(e, c, in->code);
    if (in->code == MSRP_STATUS_STOP_SENDING && m) {
      remember_refused(e, m->id, MSRP_STATUS_STOP_SENDING);
      end_in(e, m, c, MSRP_ERR_MESSAGE_REFUSED);
    }
    return;
  }
  respond(e, c, 200);
  if (in->single) {
    msrp_message_info info = {msrp_chunk_message_id(c),
                              msrp_chunk_content_type(c), in->single_total, c};
    if (ev->flag == MSRP_FLAG_ABORT) {
      if (e->cb.on_message_end)
        e->cb.on_message_end(e, &info, MSRP_ERR_MESSAGE_ABORTED, e->ud);
      return;
    }
    if (ev->flag == MSRP_FLAG_END) {
      /* the REPORT is queued first: a callback that shuts the session
       * down finds it there, and it goes out before the close */
      if (msrp_chunk_success_report(c) == MSRP_REPORT_YES)
        msrp__send_success_report(e, info.message_id, 1, in->single_total,
                                  in->single_total);
      if (e->cb.on_message)
        e->cb.on_message(e, &info, e->single, (size_t)in->single_total, e->ud);
      return;
    }
    /* '+' on a chunk that holds the whole body: the peer still owes the
     * end of the message; keep what came and wait for it like any other */
    int code = 0;
    in->single = false;
    m = message_for(e, c, &code, false);
    if (!m)
      return;
    if (m->whole && m->body)
      memcpy(m->body, e->single, (size_t)in->len);
  }
  if (!m)
    return;
  if (ev->flag == MSRP_FLAG_ABORT) {
    end_in(e, m, c, MSRP_ERR_MESSAGE_ABORTED);
    return;
  }
  if (msrp__ranges_add(&m->got, in->off, in->off + in->len)) {
    end_in(e, m, c, MSRP_ERR_NOMEM);
    return;
  }
  bool wants_report = msrp_chunk_success_report(m->first) == MSRP_REPORT_YES ||
                      msrp_chunk_success_report(c) == MSRP_REPORT_YES;
  /* report_every: REPORTs for runs of adjacent bytes as they come, each
   * once report_every bytes have come since the last */
  if (e->report_every && in->len && wants_report) {
    if (m->rep_hi != m->rep_lo && in->off != m->rep_hi)
      flush_report(e, m);
    if (m->rep_hi == m->rep_lo)
      m->rep_lo = m->rep_hi = in->off;
    m->rep_hi += in->len;
    if (m->rep_hi - m->rep_lo >= e->report_every)
      flush_report(e, m);
  }
  if (ev->flag == MSRP_FLAG_END) {
    m->last_seen = true;
    if (m->total == MSRP_BYTE_RANGE_UNKNOWN)
      m->total = in->off + in->len;
  }
  if (!m->last_seen || !msrp__ranges_cover(&m->got, m->total))
    return;
  /* the whole message is in (its REPORT queued first, as above): one
   * REPORT for all of it, or for what was not reported yet */
  if (wants_report && !e->report_every)
    msrp__send_success_report(e, m->id, 1, m->total, m->total);
  else if (wants_report)
    flush_report(e, m);
  if (m->whole) {
    if (e->cb.on_message) {
      msrp_message_info info;
      msrp__msg_info(m, c, &info);
      e->cb.on_message(e, &info, m->body, (size_t)m->total, e->ud);
    }
  } else if (e->cb.on_message_end) {
    msrp_message_info info;
    msrp__msg_info(m, c, &info);
    e->cb.on_message_end(e, &info, 0, e->ud);
  }
  drop_in(e, m);
}

/* Incomplete incoming messages that saw no chunk for the idle time. */
void msrp__expire_incoming(msrp_engine *e, uint64_t now) {
  for (inmsg *m = e->msgs, *next; m; m = next) {
    next = m->next;
    if (m->idle_deadline <= now && m == e->in.msg) {
      /* a chunk of it is coming in right now: it is not idle (and a
       * deadline left in the past would be due again at once) */
      m->idle_deadline = now + e->incoming_idle;
    } else if (m->idle_deadline <= now) {
      msrp__engine_log(e, "incoming message %s: no chunk for %llu ms, dropped",
                       m->id, (unsigned long long)e->incoming_idle);
      end_in(e, m, NULL, MSRP_ERR_MESSAGE_EXPIRED);
    }
  }
}
