/* The session engine: one MSRP session's protocol state (RFC 4975 section
 * 7), with no I/O and no clock. See engine.h for the contract. */
#include <msrp/engine.h>

#include "core/chunk_internal.h"
#include "core/util.h"

#include <msrp/auth.h>
#include <msrp/sdp.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLICE_MAX 65536 /* body bytes handed out per output step */
#define HISTORY 64      /* sent messages remembered for late REPORTs */
#define REFUSED_MAX 16  /* incoming message ids refused, remembered */

/* ---- byte ranges ------------------------------------------------------- */

/* Sorted, disjoint [lo, hi) intervals: which bytes of a message are in. */
typedef struct ranges {
  uint64_t (*iv)[2];
  size_t n, cap;
} ranges;

#define RANGES_MAX 4096 /* a peer cutting a message finer is refused */

static int ranges_add(ranges *r, uint64_t lo, uint64_t hi) {
  if (hi <= lo)
    return 0;
  if (r->n >= RANGES_MAX)
    return MSRP_ERR_NOMEM;
  if (r->n == r->cap) {
    void *p = msrp__grow_array(r->iv, &r->cap, sizeof *r->iv, 4);
    if (!p)
      return MSRP_ERR_NOMEM;
    r->iv = p;
  }
  size_t i = 0;
  while (i < r->n && r->iv[i][1] < lo)
    i++;
  /* merge every interval that touches [lo, hi) */
  size_t j = i;
  while (j < r->n && r->iv[j][0] <= hi) {
    if (r->iv[j][0] < lo)
      lo = r->iv[j][0];
    if (r->iv[j][1] > hi)
      hi = r->iv[j][1];
    j++;
  }
  if (j == i) {
    memmove(&r->iv[i + 1], &r->iv[i], (r->n - i) * sizeof *r->iv);
    r->n++;
  } else {
    memmove(&r->iv[i + 1], &r->iv[j], (r->n - j) * sizeof *r->iv);
    r->n -= j - i - 1;
  }
  r->iv[i][0] = lo;
  r->iv[i][1] = hi;
  return 0;
}

static bool ranges_cover(const ranges *r, uint64_t total) {
  return total == 0 ||
         (r->n == 1 && r->iv[0][0] == 0 && r->iv[0][1] >= total);
}

static void ranges_free(ranges *r) {
  free(r->iv);
  memset(r, 0, sizeof *r);
}

/* ---- outgoing ----------------------------------------------------------- */

typedef struct outmsg {
  char id[257];
  const uint8_t *data;
  msrp_data_provider provider;
  void *provider_ud;
  uint64_t size; /* MSRP_BYTE_RANGE_UNKNOWN for a provider of unknown size */
  char *content_type;
  char **headers; /* name, value, ..., NULL */
  msrp_report_mode sr, fr;
  msrp_message_cb cb;
  void *ud;

  uint64_t sent;     /* body bytes handed out so far */
  bool eof;          /* the provider said the body ended */
  bool all_emitted;  /* the last chunk's end-line is out */
  bool stopped;      /* a failure, 413 or abort: no more chunks */
  bool abort;        /* end the chunk in progress with '#' */
  bool abort_chunk;  /* the '#' still has to go out, in a chunk of its own */
  bool done;         /* callback ran */
  bool in_queue;
  int pending_tx;    /* chunks waiting for their response */
  int status, code;
  char comment[80];
  ranges reported;   /* bytes success REPORTs confirmed */
  bool report_complete;
  bool evicted;      /* out of the REPORT history: free once done */
  bool unqueued;     /* its unsent body no longer counts as queued */
  struct outmsg *next; /* message queue */
  struct outmsg *live_prev, *live_next; /* every message not yet freed */
} outmsg;

typedef struct tx {
  char tid[72];
  uint64_t deadline; /* 0 until the request is written */
  msrp_report_mode fr;
  msrp_response_cb cb;
  void *ud;
  outmsg *msg; /* a chunk of a message */
  struct tx *next;
} tx;

/* Bytes the engine wrote itself (responses, REPORTs) or a user's chunk. */
typedef struct item {
  char *bytes;
  size_t len;
  msrp_chunk *chunk; /* send_chunk: serialized on output */
  tx *t;
  struct item *next;
} item;

typedef enum step_kind { STEP_NONE, STEP_ITEM, STEP_CHUNK } step_kind;

/* ---- incoming ----------------------------------------------------------- */

typedef struct inmsg {
  char id[257];
  char *content_type;
  uint64_t total; /* MSRP_BYTE_RANGE_UNKNOWN until known */
  bool whole;     /* buffered and delivered in one piece */
  uint8_t *body;
  bool last_seen; /* the chunk with '$' arrived */
  bool refused;
  ranges got;
  msrp_chunk *first; /* headers of its first chunk, for callbacks */
  struct inmsg *next;
} inmsg;

/* What the chunk being received is about. */
typedef struct incoming {
  bool request;
  bool single;  /* a whole small message in this one chunk: no bookkeeping */
  uint64_t single_total;
  int code;     /* the response it will get (0: 200 if all goes well) */
  inmsg *msg;   /* SEND of a message we accept */
  uint64_t off; /* its first byte's offset in the message */
  uint64_t len; /* body bytes so far */
} incoming;

struct msrp_engine {
  msrp_engine_callbacks cb;
  void *ud;
  msrp_path local, remote;
  uint64_t timeout;
  size_t chunk_size, max_queue, whole_max, max_incoming;
  msrp_sdp_types accept; /* what incoming SENDs may carry */
  msrp_parser *parser;

  /* output */
  item *prio, *prio_tail;
  outmsg *mq, *mq_tail;
  outmsg *cur;        /* message whose chunk is open on the wire */
  uint64_t cur_chunk; /* body bytes in the open chunk */
  bool cur_exact;     /* its Byte-Range names the end: no interrupting */
  char cur_tid[16];
  msrp__buf head;       /* the open chunk's head, rendered */
  char *paths;          /* "To-Path: ...\r\nFrom-Path: ...\r\n" of ours */
  char *answer_paths;   /* the same for a 200 to the peer's requests */
  tx *cur_tx;
  step_kind step;
  item *step_item;
  size_t step_body;  /* body bytes in the current step */
  bool step_tail;    /* the step ends the chunk */
  char step_flag;    /* ... with this flag */
  char tail[128];
  uint8_t *pbuf; /* provider bytes for the current step */
  struct iovec iov[4];
  int niov;
  size_t queued;
  bool blocked;
  bool shut;

  tx *txs;     /* written: in the order their deadlines were set */
  tx *unsent;  /* being written: an answer may beat the write callback */
  outmsg *live;
  outmsg *history[HISTORY];
  size_t hist_next;

  /* input */
  incoming in;
  uint8_t *single; /* whole_max bytes: the body of a one-chunk message */
  inmsg *msgs;
  size_t nmsgs;
  char refused[REFUSED_MAX][257];
  size_t refused_next;
  bool paused;
  uint64_t now;

  /* keeping a relay reservation */
  struct {
    bool on;
    bool waiting; /* an AUTH is out */
    msrp_uri relay, local;
    char *user, *pass;
    uint32_t expires;
    uint64_t at; /* when to AUTH next (0: not scheduled) */
    int auths;   /* in this round */
    char authorization[1024];
  } keep;
};

static void logf_(msrp_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void logf_(msrp_engine *e, const char *fmt, ...) {
  if (!e->cb.on_log)
    return;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  e->cb.on_log(e, buf, e->ud);
}

/* ---- lifetime ----------------------------------------------------------- */

/* "To-Path: <to>\r\nFrom-Path: <from>\r\n" */
static char *paths_text(const msrp_path *to, const msrp_path *from) {
  int a = msrp_path_format(to, NULL, 0), b = msrp_path_format(from, NULL, 0);
  if (a < 0 || b < 0)
    return NULL;
  size_t n = (size_t)a + (size_t)b + 32;
  char *s = malloc(n);
  if (!s)
    return NULL;
  size_t k = (size_t)snprintf(s, n, "To-Path: ");
  msrp_path_format(to, s + k, n - k);
  k += (size_t)a;
  k += (size_t)snprintf(s + k, n - k, "\r\nFrom-Path: ");
  msrp_path_format(from, s + k, n - k);
  k += (size_t)b;
  snprintf(s + k, n - k, "\r\n");
  return s;
}

/* The path headers of every chunk we send, and of every 200 we answer
 * (to the previous hop, from us: RFC 4975 section 7.2), rendered once. */
static int render_paths(msrp_engine *e) {
  msrp_path prev = {1, &e->remote.uris[0]};
  msrp_path us = {1, &e->local.uris[e->local.count - 1]};
  e->paths = paths_text(&e->remote, &e->local);
  e->answer_paths = paths_text(&prev, &us);
  return e->paths && e->answer_paths ? 0 : MSRP_ERR_NOMEM;
}

int msrp_engine_new(msrp_engine **out, const msrp_engine_config *cfg,
                    const msrp_engine_callbacks *cbs, void *ud) {
  if (!out || !cfg || !cfg->local_path || !cfg->remote_path ||
      cfg->local_path->count == 0 || cfg->remote_path->count == 0)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_engine *e = calloc(1, sizeof *e);
  if (!e)
    return MSRP_ERR_NOMEM;
  if (cbs)
    e->cb = *cbs;
  e->ud = ud;
  e->timeout = cfg->response_timeout_ms ? cfg->response_timeout_ms
                                        : MSRP_RESPONSE_TIMEOUT_MS;
  e->chunk_size = cfg->chunk_size ? cfg->chunk_size : 65536;
  e->max_queue = cfg->max_queue_bytes ? cfg->max_queue_bytes : 4u << 20;
  e->whole_max = cfg->whole_max ? cfg->whole_max : 65536;
  e->max_incoming = cfg->max_incoming ? cfg->max_incoming : 32;
  const char *acc = cfg->accept_types ? cfg->accept_types : "*";
  int rc = msrp_sdp_types_parse(&e->accept, acc);
  if (rc) {
    if (rc != MSRP_ERR_NOMEM)
      rc = MSRP_ERR_INVALID_ARGUMENT;
    goto fail;
  }
  rc = MSRP_ERR_NOMEM;
  size_t slice = e->chunk_size < SLICE_MAX ? e->chunk_size : SLICE_MAX;
  if (!(e->pbuf = malloc(slice)))
    goto fail;
  if ((rc = msrp_path_copy(&e->local, cfg->local_path)) ||
      (rc = msrp_path_copy(&e->remote, cfg->remote_path)) ||
      (rc = msrp_parser_new(&e->parser, cfg->limits)) ||
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
  msrp_sdp_types_clear(&e->accept);
  free(e);
  return rc;
}

void *msrp_engine_user_data(const msrp_engine *e) {
  return e->ud;
}

static void outmsg_free(outmsg *m) {
  if (!m)
    return;
  free(m->content_type);
  if (m->headers)
    for (char **h = m->headers; *h; h++)
      free(*h);
  free(m->headers);
  ranges_free(&m->reported);
  free(m);
}

static void release(msrp_engine *e, outmsg *m) {
  if (m->live_prev)
    m->live_prev->live_next = m->live_next;
  else
    e->live = m->live_next;
  if (m->live_next)
    m->live_next->live_prev = m->live_prev;
  outmsg_free(m);
}

static void inmsg_free(inmsg *m) {
  free(m->content_type);
  free(m->body);
  ranges_free(&m->got);
  msrp_chunk_free(m->first);
  free(m);
}

static void item_free(item *it) {
  free(it->bytes);
  msrp_chunk_free(it->chunk);
  free(it);
}

static void msg_info(const inmsg *m, const msrp_chunk *c,
                     msrp_message_info *info) {
  info->message_id = m->id;
  info->content_type = m->content_type;
  info->total = m->total;
  info->chunk = c ? c : m->first;
}

void msrp_engine_free(msrp_engine *e) {
  if (!e)
    return;
  /* transactions: each callback once, cancelled */
  for (tx *t = e->txs, *n; t; t = n) {
    n = t->next;
    if (t->cb)
      t->cb(e, MSRP_ERR_CANCELLED, NULL, t->ud);
    free(t);
  }
  for (tx *t = e->unsent, *n; t; t = n) {
    n = t->next;
    if (t->cb)
      t->cb(e, MSRP_ERR_CANCELLED, NULL, t->ud);
    if (e->step_item && e->step_item->t == t)
      e->step_item->t = NULL;
    free(t);
  }
  e->cur_tx = NULL;
  for (item *it = e->prio, *n; it; it = n) {
    n = it->next;
    if (it->t) {
      if (it->t->cb)
        it->t->cb(e, MSRP_ERR_CANCELLED, NULL, it->t->ud);
      free(it->t);
    }
    item_free(it);
  }
  if (e->step == STEP_ITEM && e->step_item) {
    if (e->step_item->t) {
      if (e->step_item->t->cb)
        e->step_item->t->cb(e, MSRP_ERR_CANCELLED, NULL,
                            e->step_item->t->ud);
      free(e->step_item->t);
    }
    item_free(e->step_item);
  }
  /* messages being sent: their callbacks once, cancelled */
  for (outmsg *m = e->live; m; m = m->live_next)
    if (!m->done) {
      m->done = true;
      if (m->cb)
        m->cb(e, m->id, MSRP_ERR_CANCELLED, 0, NULL, m->ud);
    }
  while (e->live)
    release(e, e->live);
  /* incoming messages in progress end, cancelled */
  for (inmsg *m = e->msgs, *n; m; m = n) {
    n = m->next;
    if (e->cb.on_message_end) {
      msrp_message_info info;
      msg_info(m, NULL, &info);
      e->cb.on_message_end(e, &info, MSRP_ERR_CANCELLED, e->ud);
    }
    inmsg_free(m);
  }
  msrp_parser_free(e->parser);
  msrp_path_clear(&e->local);
  msrp_path_clear(&e->remote);
  msrp__buf_free(&e->head);
  msrp_uri_clear(&e->keep.relay);
  msrp_uri_clear(&e->keep.local);
  free(e->keep.user);
  free(e->keep.pass);
  free(e->single);
  free(e->paths);
  free(e->answer_paths);
  free(e->pbuf);
  msrp_sdp_types_clear(&e->accept);
  free(e);
}

/* ---- queues ------------------------------------------------------------- */

static void want_output(msrp_engine *e) {
  if (e->cb.on_output)
    e->cb.on_output(e, e->ud);
}

static void push_item(msrp_engine *e, item *it) {
  it->next = NULL;
  if (e->prio_tail)
    e->prio_tail->next = it;
  else
    e->prio = it;
  e->prio_tail = it;
  e->queued += it->len;
  want_output(e);
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

/* Keep the last HISTORY messages findable for REPORTs that come late. */
static void remember(msrp_engine *e, outmsg *m) {
  m->live_next = e->live;
  if (e->live)
    e->live->live_prev = m;
  e->live = m;
  outmsg *old = e->history[e->hist_next];
  if (old) {
    old->evicted = true;
    if (old->done)
      release(e, old);
  }
  e->history[e->hist_next] = m;
  e->hist_next = (e->hist_next + 1) % HISTORY;
}

static outmsg *find_sent(msrp_engine *e, const char *id) {
  for (size_t i = 0; i < HISTORY; i++)
    if (e->history[i] && strcmp(e->history[i]->id, id) == 0)
      return e->history[i];
  return NULL;
}

/* ---- transactions ------------------------------------------------------- */

static void tx_append(msrp_engine *e, tx *t) {
  t->next = NULL;
  tx **pp = &e->txs;
  while (*pp)
    pp = &(*pp)->next;
  *pp = t;
}

static tx *take_from(tx **head, const char *tid) {
  for (tx **pp = head; *pp; pp = &(*pp)->next)
    if (strcmp((*pp)->tid, tid) == 0) {
      tx *t = *pp;
      *pp = t->next;
      return t;
    }
  return NULL;
}

static tx *tx_take(msrp_engine *e, const char *tid) {
  tx *t = take_from(&e->txs, tid);
  if (!t && (t = take_from(&e->unsent, tid))) {
    /* answered before our write completed: forget the write's claim */
    if (e->cur_tx == t)
      e->cur_tx = NULL;
    if (e->step_item && e->step_item->t == t)
      e->step_item->t = NULL;
  }
  return t;
}

/* A request is going out: its answer can be matched from now on. */
static void tx_unsent(msrp_engine *e, tx *t) {
  t->next = e->unsent;
  e->unsent = t;
}

/* Its last byte is written: the response clock starts. */
static void tx_start(msrp_engine *e, tx *t, uint64_t now) {
  for (tx **pp = &e->unsent; *pp; pp = &(*pp)->next)
    if (*pp == t) {
      *pp = t->next;
      break;
    }
  t->deadline = now + e->timeout;
  tx_append(e, t);
}

uint64_t msrp_engine_next_expiry(const msrp_engine *e) {
  uint64_t t = e->txs ? e->txs->deadline : MSRP_NO_EXPIRY;
  if (e->keep.on && e->keep.at && !e->keep.waiting && e->keep.at < t)
    t = e->keep.at;
  return t;
}

static void finish_msg(msrp_engine *e, outmsg *m);
static void maybe_writable(msrp_engine *e);

/* A stopped message will send no more: its unsent body leaves the queue. */
static void drop_unsent(msrp_engine *e, outmsg *m) {
  if (m->unqueued)
    return;
  m->unqueued = true;
  if (!m->provider && m->size != MSRP_BYTE_RANGE_UNKNOWN)
    e->queued -= m->size - m->sent;
  maybe_writable(e);
}

/* A chunk of message `m` has its answer (real or made up). */
static void msg_answered(msrp_engine *e, outmsg *m, int code,
                         const char *comment) {
  m->pending_tx--;
  if (code >= 300 && !m->stopped) {
    m->stopped = true;
    m->code = code;
    snprintf(m->comment, sizeof m->comment, "%s", comment ? comment : "");
    if (e->cur == m)
      m->abort = code == MSRP_STATUS_STOP_SENDING; /* 413: end it now */
    if (m->in_queue)
      unlink_msg(e, m);
    if (e->cur != m)
      drop_unsent(e, m);
  }
  finish_msg(e, m);
}

/* Run the message callback once everything about it is settled. */
static void finish_msg(msrp_engine *e, outmsg *m) {
  if (m->done || m->pending_tx > 0 || e->cur == m ||
      (!m->all_emitted && !m->stopped))
    return;
  m->done = true;
  if (m->cb) {
    if (m->status)
      m->cb(e, m->id, m->status, 0, NULL, m->ud);
    else
      m->cb(e, m->id, 0, m->code ? m->code : 200,
            m->code ? m->comment : "OK", m->ud);
  }
  /* the body in memory is the caller's again */
  m->data = NULL;
  m->provider = NULL;
  if (m->evicted)
    release(e, m);
}

static void deliver_response(msrp_engine *e, tx *t, const msrp_chunk *resp) {
  if (t->msg)
    msg_answered(e, t->msg, msrp_chunk_code(resp), msrp_chunk_comment(resp));
  else if (t->cb)
    t->cb(e, 0, resp, t->ud);
  free(t);
}

static void refresh_now(msrp_engine *e);

void msrp_engine_handle_expiry(msrp_engine *e, uint64_t now) {
  e->now = now;
  if (e->keep.on && e->keep.at && !e->keep.waiting && e->keep.at <= now)
    refresh_now(e);
  while (e->txs && e->txs->deadline && e->txs->deadline <= now) {
    tx *t = e->txs;
    e->txs = t->next;
    /* RFC 4975 7.1: no response in time means 408 when failures were
     * asked for, success otherwise */
    int code = t->fr == MSRP_REPORT_YES || t->fr == MSRP_REPORT_ABSENT ? 408
                                                                       : 200;
    msrp_chunk *resp;
    const char *comment = msrp_status_comment(code);
    if (msrp__chunk_new(&resp, t->tid, strlen(t->tid), NULL, 0, code, comment,
                        strlen(comment)) == 0) {
      deliver_response(e, t, resp);
      msrp_chunk_free(resp);
    } else {
      free(t);
    }
  }
}

/* ---- output ------------------------------------------------------------- */

static size_t slice_max(const msrp_engine *e) {
  return e->chunk_size < SLICE_MAX ? e->chunk_size : SLICE_MAX;
}

/* Open a chunk for message `m`: render its head (the headers were checked
 * when the message was queued, the paths when the engine was made). */
static int open_chunk(msrp_engine *e, outmsg *m) {
  uint64_t start = m->sent + 1;
  /* The exact end goes in the Byte-Range only when the whole body leaves
   * in one step; a body that takes several steps gets "*", so that the
   * chunk can be cut short with '+' to let other traffic through. */
  bool single = m->sent == 0 && m->size != MSRP_BYTE_RANGE_UNKNOWN &&
                m->size <= e->chunk_size && m->size <= slice_max(e);
  int rc = msrp__random_token(e->cur_tid, 12);
  if (rc)
    return rc;
  msrp__buf *b = &e->head;
  static const char *const rep[] = {NULL, "yes", "no", "partial"};
  b->len = 0;
  rc = msrp__buf_append_str(b, "MSRP ");
  rc |= msrp__buf_append_str(b, e->cur_tid);
  rc |= msrp__buf_append_str(b, " SEND\r\n");
  rc |= msrp__buf_append_str(b, e->paths);
  rc |= msrp__buf_append_str(b, "Message-ID: ");
  rc |= msrp__buf_append_str(b, m->id);
  rc |= msrp__buf_append_str(b, "\r\nByte-Range: ");
  rc |= msrp__buf_append_u64(b, start);
  rc |= msrp__buf_append_str(b, "-");
  if (single)
    rc |= msrp__buf_append_u64(b, m->size);
  else
    rc |= msrp__buf_append_str(b, "*");
  rc |= msrp__buf_append_str(b, "/");
  if (m->size == MSRP_BYTE_RANGE_UNKNOWN)
    rc |= msrp__buf_append_str(b, "*");
  else
    rc |= msrp__buf_append_u64(b, m->size);
  rc |= msrp__buf_append_str(b, "\r\n");
  if (m->sr != MSRP_REPORT_ABSENT) {
    rc |= msrp__buf_append_str(b, "Success-Report: ");
    rc |= msrp__buf_append_str(b, rep[m->sr]);
    rc |= msrp__buf_append_str(b, "\r\n");
  }
  if (m->fr != MSRP_REPORT_ABSENT) {
    rc |= msrp__buf_append_str(b, "Failure-Report: ");
    rc |= msrp__buf_append_str(b, rep[m->fr]);
    rc |= msrp__buf_append_str(b, "\r\n");
  }
  for (char **h = m->headers; h && *h; h += 2) {
    rc |= msrp__buf_append_str(b, h[0]);
    rc |= msrp__buf_append_str(b, ": ");
    rc |= msrp__buf_append_str(b, h[1]);
    rc |= msrp__buf_append_str(b, "\r\n");
  }
  if (m->content_type) {
    rc |= msrp__buf_append_str(b, "Content-Type: ");
    rc |= msrp__buf_append_str(b, m->content_type);
    rc |= msrp__buf_append_str(b, "\r\n\r\n");
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
    t->msg = m;
    e->cur_tx = t;
    tx_unsent(e, t);
    m->pending_tx++;
  }
  e->cur = m;
  e->cur_chunk = 0;
  e->cur_exact = single;
  e->iov[e->niov++] = (struct iovec){b->data, b->len};
  return 0;
}

/* The end-line of the open chunk, with `flag`. */
static void add_tail(msrp_engine *e, char flag) {
  /* a chunk without Content-Type (an empty body) has no CRLF before it */
  snprintf(e->tail, sizeof e->tail, "%s-------%s%c\r\n",
           e->cur->content_type ? "\r\n" : "", e->cur_tid, flag);
  e->iov[e->niov++] = (struct iovec){e->tail, strlen(e->tail)};
  e->step_tail = true;
  e->step_flag = flag;
}

/* Next body bytes of the open chunk into the step; sets step_tail when the
 * chunk ends. Returns < 0 when the provider failed. */
static int add_body(msrp_engine *e) {
  outmsg *m = e->cur;
  size_t room = e->chunk_size - e->cur_chunk;
  if (room > slice_max(e))
    room = slice_max(e);
  size_t n = 0;
  if (m->provider) {
    if (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->size - m->sent < room)
      room = (size_t)(m->size - m->sent);
    if (room > 0 && !m->eof) {
      ssize_t got = m->provider(m->provider_ud, m->sent, e->pbuf, room);
      if (got < 0)
        return -1;
      if (got == 0)
        m->eof = true;
      n = (size_t)got;
    }
    if (n)
      e->iov[e->niov++] = (struct iovec){e->pbuf, n};
  } else {
    uint64_t left = m->size - m->sent;
    n = left < room ? (size_t)left : room;
    if (n)
      e->iov[e->niov++] = (struct iovec){(void *)(m->data + m->sent), n};
  }
  e->step_body = n;
  bool ended = m->eof || (m->size != MSRP_BYTE_RANGE_UNKNOWN &&
                          m->sent + n >= m->size);
  if (ended)
    add_tail(e, MSRP_FLAG_END);
  else if (e->cur_chunk + n >= e->chunk_size)
    add_tail(e, MSRP_FLAG_MORE);
  return 0;
}

int msrp_engine_output(msrp_engine *e, struct iovec *iov, int max) {
  if (max < 4)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (e->step == STEP_NONE) {
    e->niov = 0;
    e->step_body = 0;
    e->step_tail = false;
    outmsg *m = e->cur;
    if (m && m->abort) {
      /* '#': the open chunk ends here, and so does the message */
      add_tail(e, MSRP_FLAG_ABORT);
      e->step = STEP_CHUNK;
    } else if (m && !e->cur_exact && (e->prio || e->mq) &&
               e->cur_chunk > 0) {
      /* let other traffic through: end this chunk with '+' and carry on
       * with the message later (its Byte-Range end is '*') */
      add_tail(e, MSRP_FLAG_MORE);
      e->step = STEP_CHUNK;
    } else if (m) {
      if (add_body(e) < 0) {
        m->abort = true;
        m->stopped = true;
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
      if (it->chunk) {
        int n = msrp_chunk_serialize(it->chunk, e->iov);
        if (n < 0) {
          /* cannot be written: answer it locally as a failure */
          e->step = STEP_NONE;
          e->step_item = NULL;
          logf_(e, "cannot serialize a chunk: %s", msrp_strerror(n));
          if (it->t) {
            msrp_chunk *resp;
            if (msrp_chunk_new_response(&resp, NULL, 400, "Bad Request") ==
                0) {
              deliver_response(e, it->t, resp);
              msrp_chunk_free(resp);
            } else {
              free(it->t);
            }
            it->t = NULL;
          }
          e->queued -= it->len;
          item_free(it);
          return msrp_engine_output(e, iov, max);
        }
        e->niov = n;
      } else {
        e->iov[0] = (struct iovec){it->bytes, it->len};
        e->niov = 1;
      }
      if (it->t)
        tx_unsent(e, it->t);
    } else if (e->mq && e->mq->abort_chunk) {
      /* RFC 4975 7.1.1: a chunk of its own, ending in '#', tells the
       * receiver the message will not be completed */
      outmsg *next = pop_msg(e);
      next->abort_chunk = false;
      next->abort = true;
      int rc = open_chunk(e, next);
      if (rc) {
        drop_unsent(e, next); /* its bytes leave the queue's count */
        finish_msg(e, next);
        return rc;
      }
      add_tail(e, MSRP_FLAG_ABORT);
      e->step = STEP_CHUNK;
    } else if (e->mq) {
      outmsg *next = pop_msg(e);
      int rc = open_chunk(e, next);
      if (rc) {
        next->stopped = true;
        next->status = rc;
        drop_unsent(e, next);
        finish_msg(e, next);
        return rc;
      }
      if (add_body(e) < 0) {
        next->abort = true;
        next->stopped = true;
        next->status = MSRP_ERR_MESSAGE_ABORTED;
        e->niov = 1; /* keep the head */
        add_tail(e, MSRP_FLAG_ABORT);
      }
      e->step = STEP_CHUNK;
    } else {
      return 0;
    }
  }
  for (int i = 0; i < e->niov; i++)
    iov[i] = e->iov[i];
  return e->niov;
}

static void maybe_writable(msrp_engine *e) {
  if (e->blocked && e->queued <= e->max_queue / 2) {
    e->blocked = false;
    if (e->cb.on_writable)
      e->cb.on_writable(e, e->ud);
  }
}

void msrp_engine_output_done(msrp_engine *e, uint64_t now) {
  e->now = now;
  step_kind kind = e->step;
  e->step = STEP_NONE;
  if (kind == STEP_ITEM) {
    item *it = e->step_item;
    e->step_item = NULL;
    e->queued -= it->len;
    if (it->t) {
      tx_start(e, it->t, now);
      it->t = NULL;
    }
    item_free(it);
  } else if (kind == STEP_CHUNK) {
    outmsg *m = e->cur;
    m->sent += e->step_body;
    e->cur_chunk += e->step_body;
    if (!m->provider)
      e->queued -= e->step_body;
    if (e->step_tail) {
      /* the chunk is out: its transaction's clock starts now */
      if (e->cur_tx) {
        tx_start(e, e->cur_tx, now);
        e->cur_tx = NULL;
      }
      e->cur = NULL;
      bool ended = m->eof || (m->size != MSRP_BYTE_RANGE_UNKNOWN &&
                              m->sent >= m->size);
      if (m->abort && e->step_flag != MSRP_FLAG_ABORT) {
        /* the abort came while this step ended the chunk another way */
        m->abort = false;
        m->abort_chunk = true;
        drop_unsent(e, m);
        push_msg_front(e, m);
        want_output(e);
      } else if (m->abort) {
        m->stopped = true;
        if (!m->status && m->code != MSRP_STATUS_STOP_SENDING)
          m->status = MSRP_ERR_MESSAGE_ABORTED;
        drop_unsent(e, m);
      } else if (m->stopped) {
        drop_unsent(e, m);
      } else if (ended) {
        m->all_emitted = true;
      } else {
        push_msg(e, m); /* round robin with other messages */
      }
      finish_msg(e, m);
    }
  }
  maybe_writable(e);
}

size_t msrp_engine_queued_bytes(const msrp_engine *e) {
  return e->queued;
}

/* ---- sending ------------------------------------------------------------ */

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
  push_item(e, it);
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

int msrp_engine_send_message(msrp_engine *e, const msrp_message_params *p,
                             msrp_message_cb cb, void *ud,
                             const char **message_id) {
  if (!e || !p || (p->len && !p->data) || (p->provider && p->data))
    return MSRP_ERR_INVALID_ARGUMENT;
  uint64_t size = p->provider ? p->size : p->len;
  if ((size && !p->content_type) ||
      (p->content_type && (!*p->content_type ||
                           msrp__has_ctl(p->content_type,
                                         strlen(p->content_type)))))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (e->shut)
    return MSRP_ERR_CLOSED;
  size_t cost = p->provider ? 0 : p->len;
  if (cost && e->queued + cost > e->max_queue && e->queued > 0) {
    e->blocked = true;
    return MSRP_ERR_WOULD_BLOCK;
  }
  outmsg *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  int rc = 0;
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
    outmsg_free(m);
    return rc;
  }
  m->data = p->data;
  m->provider = p->provider;
  m->provider_ud = p->provider_ud;
  m->size = size;
  m->sr = p->success_report;
  m->fr = p->failure_report;
  m->cb = cb;
  m->ud = ud;
  e->queued += cost;
  push_msg(e, m);
  remember(e, m);
  if (message_id)
    *message_id = m->id;
  want_output(e);
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
  if (!m || m->done || m->stopped)
    return MSRP_ERR_NOT_FOUND;
  m->stopped = true;
  m->status = MSRP_ERR_MESSAGE_ABORTED;
  if (e->cur == m) {
    m->abort = true; /* the open chunk ends with '#' */
    want_output(e);
  } else if (m->sent > 0) {
    /* between its chunks: one more chunk, empty, ends it with '#' */
    unlink_msg(e, m);
    drop_unsent(e, m);
    m->abort_chunk = true;
    push_msg_front(e, m);
    want_output(e);
  } else {
    unlink_msg(e, m); /* nothing of it went out: nothing to tell */
    drop_unsent(e, m);
    finish_msg(e, m);
  }
  return 0;
}

void msrp_engine_shutdown(msrp_engine *e) {
  e->shut = true;
}

int msrp_engine_idle(const msrp_engine *e) {
  return !e->prio && !e->mq && !e->cur && e->step == STEP_NONE && !e->txs &&
         !e->unsent;
}

/* ---- input: answering --------------------------------------------------- */

static void queue_bytes(msrp_engine *e, msrp_chunk *c) {
  char *bytes;
  size_t len;
  if (msrp_chunk_to_bytes(c, &bytes, &len) == 0) {
    item *it = calloc(1, sizeof *it);
    if (it) {
      it->bytes = bytes;
      it->len = len;
      push_item(e, it);
    } else {
      free(bytes);
    }
  }
  msrp_chunk_free(c);
}

/* The transaction response to request `c`, by the Failure-Report rules. */
static void respond(msrp_engine *e, const msrp_chunk *c, int code) {
  if (!msrp_chunk_wants_response(c, code))
    return;
  if (code == 200 && msrp_chunk_to_path(c)->count == 1) {
    /* the common answer, rendered without building a chunk: its paths
     * were checked against ours (on_headers) */
    const char *tid = msrp_chunk_transaction_id(c);
    size_t n = strlen(tid) * 2 + strlen(e->answer_paths) + 40;
    item *it = calloc(1, sizeof *it);
    char *bytes = malloc(n);
    if (!it || !bytes) {
      free(it);
      free(bytes);
      return;
    }
    it->len = (size_t)snprintf(bytes, n, "MSRP %s 200 OK\r\n%s-------%s$\r\n",
                               tid, e->answer_paths, tid);
    it->bytes = bytes;
    push_item(e, it);
    return;
  }
  msrp_chunk *resp;
  if (msrp_chunk_make_response(&resp, c, code, NULL) == 0)
    queue_bytes(e, resp);
}

/* A success REPORT for a whole message (RFC 4975 section 7.1.2), back
 * along the SEND's From-Path, which on_headers found to be the remote path:
 * the path headers are the ones every chunk of ours carries. The
 * Message-ID passed the parser's checks (no control characters). */
static void send_report(msrp_engine *e, const char *id, uint64_t total) {
  char tid[16];
  if (msrp__random_token(tid, 12))
    return;
  msrp__buf b = {0};
  int rc = msrp__buf_append_str(&b, "MSRP ");
  rc |= msrp__buf_append_str(&b, tid);
  rc |= msrp__buf_append_str(&b, " REPORT\r\n");
  rc |= msrp__buf_append_str(&b, e->paths);
  rc |= msrp__buf_append_str(&b, "Message-ID: ");
  rc |= msrp__buf_append_str(&b, id);
  rc |= msrp__buf_append_str(&b, "\r\nByte-Range: 1-");
  rc |= msrp__buf_append_u64(&b, total);
  rc |= msrp__buf_append_str(&b, "/");
  rc |= msrp__buf_append_u64(&b, total);
  rc |= msrp__buf_append_str(&b, "\r\nStatus: 000 200 OK\r\n-------");
  rc |= msrp__buf_append_str(&b, tid);
  rc |= msrp__buf_append_str(&b, "$\r\n");
  item *it = rc ? NULL : calloc(1, sizeof *it);
  if (!it) {
    msrp__buf_free(&b);
    return;
  }
  it->bytes = b.data;
  it->len = b.len;
  push_item(e, it);
}

/* Whether `type` is acceptable: a list of type/subtype, "*" and "type/" "*". */
static bool refused_id(const msrp_engine *e, const char *id) {
  for (size_t i = 0; i < REFUSED_MAX; i++)
    if (strcmp(e->refused[i], id) == 0)
      return true;
  return false;
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
  inmsg_free(m);
}

static void end_in(msrp_engine *e, inmsg *m, const msrp_chunk *c,
                   int status) {
  if (e->cb.on_message_end) {
    msrp_message_info info;
    msg_info(m, c, &info);
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
  if (refused_id(e, id)) {
    *code = MSRP_STATUS_STOP_SENDING;
    return NULL;
  }
  inmsg *m = find_in(e, id);
  msrp_byte_range r = {1, MSRP_BYTE_RANGE_UNKNOWN, MSRP_BYTE_RANGE_UNKNOWN};
  msrp_chunk_byte_range(c, &r);
  if (allow_single && !m && r.start == 1 && r.end == r.total &&
      r.total <= e->whole_max) {
    /* the whole message in one chunk, the usual case for chat: it is
     * collected in one buffer, with no per-message state */
    if (!e->single && !(e->single = malloc(e->whole_max ? e->whole_max : 1))) {
      *code = MSRP_STATUS_BAD_REQUEST;
      return NULL;
    }
    e->in.single = true;
    e->in.single_total = r.total;
    return NULL;
  }
  if (m) {
    if (m->total == MSRP_BYTE_RANGE_UNKNOWN)
      m->total = r.total;
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
    inmsg_free(m);
    *code = MSRP_STATUS_BAD_REQUEST;
    return NULL;
  }
  m->next = e->msgs;
  e->msgs = m;
  e->nmsgs++;
  if (!m->whole && e->cb.on_message_start) {
    msrp_message_info info;
    msg_info(m, c, &info);
    e->cb.on_message_start(e, &info, e->ud);
  }
  return m;
}

int msrp_engine_refuse_message(msrp_engine *e, const char *id) {
  inmsg *m = id ? find_in(e, id) : NULL;
  if (!m)
    return MSRP_ERR_NOT_FOUND;
  m->refused = true;
  snprintf(e->refused[e->refused_next], sizeof e->refused[0], "%s", id);
  e->refused_next = (e->refused_next + 1) % REFUSED_MAX;
  return 0;
}

/* ---- input: events ------------------------------------------------------ */

static void on_headers(msrp_engine *e, const msrp_chunk *c) {
  incoming *in = &e->in;
  memset(in, 0, sizeof *in);
  in->request = msrp_chunk_is_request(c);
  if (!in->request)
    return;
  msrp_method method = msrp_chunk_method_id(c);
  if (msrp_chunk_error(c)) {
    in->code = MSRP_STATUS_BAD_REQUEST;
    logf_(e, "bad request %s: %s", msrp_chunk_transaction_id(c),
          msrp_strerror(msrp_chunk_error(c)));
    return;
  }
  if (method != MSRP_METHOD_SEND && method != MSRP_METHOD_REPORT) {
    in->code = MSRP_STATUS_UNKNOWN_METHOD;
    return;
  }
  /* RFC 4975 7.3: the last To-Path URI is us; From-Path the session's */
  if ((in->code = msrp_chunk_check_session(c, &e->local, &e->remote)))
    return;
  if (method == MSRP_METHOD_REPORT)
    return;
  const char *ct = msrp_chunk_content_type(c);
  if (ct && !msrp_sdp_types_contain(&e->accept, ct)) {
    in->code = MSRP_STATUS_UNSUPPORTED_MEDIA;
    return;
  }
  msrp_byte_range r = {1, 0, 0};
  msrp_chunk_byte_range(c, &r);
  if (!msrp_chunk_has_content(c) && r.total == 0)
    return; /* an empty SEND (keep-alive, binding): just 200 */
  in->msg = message_for(e, c, &in->code, true);
  in->off = r.start - 1;
  if (in->msg && in->msg->refused)
    in->code = MSRP_STATUS_STOP_SENDING;
}

static void on_body(msrp_engine *e, const msrp_event *ev) {
  incoming *in = &e->in;
  inmsg *m = in->msg;
  if (in->single && !in->code) {
    if (ev->offset < in->single_total) {
      size_t n = ev->len;
      if (ev->offset + n > in->single_total)
        n = (size_t)(in->single_total - ev->offset);
      memcpy(e->single + ev->offset, ev->data, n);
    }
    in->len = ev->offset + ev->len;
    return;
  }
  if (!m || in->code)
    return;
  uint64_t at = in->off + ev->offset;
  in->len = ev->offset + ev->len;
  if (m->whole) {
    /* bytes beyond the announced total are a broken peer: drop them */
    if (at < m->total) {
      size_t n = ev->len;
      if (at + n > m->total)
        n = (size_t)(m->total - at);
      memcpy(m->body + at, ev->data, n);
    }
  } else if (e->cb.on_message_data) {
    msrp_message_info info;
    msg_info(m, ev->chunk, &info);
    e->cb.on_message_data(e, &info, at, ev->data, ev->len, e->ud);
  }
  if (m->refused)
    in->code = MSRP_STATUS_STOP_SENDING;
}

static void handle_report(msrp_engine *e, const msrp_chunk *c) {
  const char *id = msrp_chunk_message_id(c);
  outmsg *m = id ? find_sent(e, id) : NULL;
  msrp_status_header st;
  if (!m || msrp_chunk_status(c, &st) != 0) {
    logf_(e, "REPORT for an unknown message or without Status: ignored");
    return;
  }
  msrp_report_info info = {0};
  info.message_id = m->id;
  info.code = st.code;
  info.comment = st.reason;
  info.chunk = c;
  if (msrp_chunk_byte_range(c, &info.range) != 0)
    info.range = (msrp_byte_range){1, m->sent, m->sent};
  if (st.code == 200 && info.range.end != MSRP_BYTE_RANGE_UNKNOWN)
    ranges_add(&m->reported, info.range.start - 1, info.range.end);
  uint64_t total = m->size != MSRP_BYTE_RANGE_UNKNOWN ? m->size : m->sent;
  if (st.code == 200 && !m->report_complete && (m->all_emitted || m->eof) &&
      ranges_cover(&m->reported, total)) {
    m->report_complete = true;
    info.complete = 1;
  }
  if (e->cb.on_report)
    e->cb.on_report(e, &info, e->ud);
}

static void on_end(msrp_engine *e, const msrp_event *ev) {
  incoming *in = &e->in;
  const msrp_chunk *c = ev->chunk;
  if (!in->request) {
    tx *t = tx_take(e, msrp_chunk_transaction_id(c));
    if (!t) {
      /* late (after our timeout made one up) or duplicated: drop it */
      logf_(e, "response %d for unknown transaction %s ignored",
            msrp_chunk_code(c), msrp_chunk_transaction_id(c));
      return;
    }
    deliver_response(e, t, c);
    return;
  }
  msrp_method method = msrp_chunk_method_id(c);
  if (in->code == 0 && method == MSRP_METHOD_REPORT) {
    handle_report(e, c);
    return;
  }
  if (in->code) {
    if (in->code == MSRP_STATUS_UNKNOWN_METHOD && e->cb.on_request)
      e->cb.on_request(e, c, in->code, e->ud);
    respond(e, c, in->code);
    if (in->code == MSRP_STATUS_STOP_SENDING && in->msg)
      end_in(e, in->msg, c, MSRP_ERR_MESSAGE_REFUSED);
    return;
  }
  inmsg *m = in->msg;
  respond(e, c, 200);
  if (in->single) {
    msrp_message_info info = {msrp_chunk_message_id(c),
                              msrp_chunk_content_type(c), in->single_total, c};
    if (ev->flag == MSRP_FLAG_END && in->len == in->single_total) {
      if (e->cb.on_message)
        e->cb.on_message(e, &info, e->single, (size_t)in->single_total,
                         e->ud);
      if (msrp_chunk_success_report(c) == MSRP_REPORT_YES)
        send_report(e, info.message_id, in->single_total);
    } else if (ev->flag == MSRP_FLAG_ABORT) {
      if (e->cb.on_message_end)
        e->cb.on_message_end(e, &info, MSRP_ERR_MESSAGE_ABORTED, e->ud);
    } else {
      /* cut short after all ('+', or fewer bytes than its range said):
       * keep what came and wait for the rest like any message */
      int code = 0;
      in->single = false;
      m = message_for(e, c, &code, false);
      if (!m)
        return;
      if (m->whole && m->body)
        memcpy(m->body, e->single,
               (size_t)(in->len < m->total ? in->len : m->total));
      if (ranges_add(&m->got, 0, in->len < m->total ? in->len : m->total))
        end_in(e, m, c, MSRP_ERR_MESSAGE_REFUSED);
    }
    return;
  }
  if (!m)
    return;
  if (ev->flag == MSRP_FLAG_ABORT) {
    end_in(e, m, c, MSRP_ERR_MESSAGE_ABORTED);
    return;
  }
  if (ranges_add(&m->got, in->off, in->off + in->len)) {
    end_in(e, m, c, MSRP_ERR_MESSAGE_REFUSED);
    return;
  }
  if (ev->flag == MSRP_FLAG_END) {
    m->last_seen = true;
    if (m->total == MSRP_BYTE_RANGE_UNKNOWN)
      m->total = in->off + in->len;
  }
  if (!m->last_seen || !ranges_cover(&m->got, m->total))
    return;
  /* the whole message is in */
  if (m->whole) {
    if (e->cb.on_message) {
      msrp_message_info info;
      msg_info(m, c, &info);
      e->cb.on_message(e, &info, m->body, (size_t)m->total, e->ud);
    }
  } else if (e->cb.on_message_end) {
    msrp_message_info info;
    msg_info(m, c, &info);
    e->cb.on_message_end(e, &info, 0, e->ud);
  }
  if (msrp_chunk_success_report(m->first) == MSRP_REPORT_YES ||
      msrp_chunk_success_report(c) == MSRP_REPORT_YES)
    send_report(e, m->id, m->total);
  drop_in(e, m);
}

void msrp_engine_recv_event(msrp_engine *e, const msrp_event *ev,
                            uint64_t now) {
  e->now = now;
  switch (ev->type) {
  case MSRP_EVENT_HEADERS:
    on_headers(e, ev->chunk);
    break;
  case MSRP_EVENT_BODY:
    on_body(e, ev);
    break;
  case MSRP_EVENT_END:
    on_end(e, ev);
    break;
  default:
    break;
  }
}

ssize_t msrp_engine_recv(msrp_engine *e, const uint8_t *data, size_t len,
                         uint64_t now) {
  size_t done = 0;
  while (!e->paused) {
    size_t used;
    msrp_event ev;
    int rc = msrp_parser_execute(e->parser, data + done, len - done, &used,
                                 &ev);
    done += used;
    if (rc)
      return rc;
    if (ev.type == MSRP_EVENT_NONE)
      break;
    msrp_engine_recv_event(e, &ev, now);
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
  return e->paused;
}

/* ---- keeping a relay reservation ----------------------------------------- */

static void schedule_refresh(msrp_engine *e, uint32_t granted) {
  /* at three quarters of the time granted, and no later than 5 s before
   * it lapses */
  uint64_t ms = (uint64_t)granted * 1000;
  uint64_t at = ms * 3 / 4;
  if (ms > 5000 && ms - at < 5000)
    at = ms - 5000;
  e->keep.at = e->now + (at ? at : 1);
}

static void refresh_done(msrp_engine *e, int status, int code,
                         uint32_t granted) {
  e->keep.waiting = false;
  e->keep.auths = 0;
  e->keep.authorization[0] = '\0';
  if (e->cb.on_relay_refresh)
    e->cb.on_relay_refresh(e, status, code, granted, e->ud);
}

static int send_auth(msrp_engine *e);

static void on_auth_answer(msrp_engine *e, int status, const msrp_chunk *resp,
                           void *ud) {
  (void)ud;
  if (status)
    return; /* the engine is going away */
  int code = msrp_chunk_code(resp);
  if (code == 401 && !e->keep.authorization[0]) {
    msrp_digest_challenge ch;
    const char *www = msrp_chunk_header_by_id(resp, MSRP_HDR_WWW_AUTHENTICATE);
    char uri[512];
    msrp_uri_format(&e->keep.relay, uri, sizeof uri);
    int n = www && msrp_digest_parse_challenge(www, &ch) == 0
                ? msrp_digest_authorization(
                      &ch, e->keep.user, e->keep.pass, "AUTH", uri, NULL, 1,
                      e->keep.authorization, sizeof e->keep.authorization)
                : -1;
    if (n > 0 && (size_t)n < sizeof e->keep.authorization &&
        send_auth(e) == 0)
      return;
  } else if (code == 423) {
    uint32_t v;
    if ((msrp_chunk_expiry(resp, MSRP_HDR_MIN_EXPIRES, &v) == 0 &&
         v > e->keep.expires) ||
        (msrp_chunk_expiry(resp, MSRP_HDR_MAX_EXPIRES, &v) == 0 &&
         v < e->keep.expires)) {
      e->keep.expires = v;
      e->keep.authorization[0] = '\0'; /* a fresh challenge for the retry */
      if (send_auth(e) == 0)
        return;
    }
  } else if (code == 200) {
    uint32_t granted = e->keep.expires;
    msrp_chunk_expiry(resp, MSRP_HDR_EXPIRES, &granted);
    schedule_refresh(e, granted);
    refresh_done(e, 0, 200, granted);
    return;
  }
  logf_(e, "relay refresh failed: %d %s", code,
        msrp_chunk_comment(resp) ? msrp_chunk_comment(resp) : "");
  refresh_done(e, MSRP_ERR_RELAY_AUTH, code, 0);
}

static int send_auth(msrp_engine *e) {
  if (++e->keep.auths > 4)
    return MSRP_ERR_RELAY_AUTH;
  msrp_chunk *c;
  int rc = msrp_chunk_new_request(&c, NULL, "AUTH");
  if (rc)
    return rc;
  msrp_path to = {1, &e->keep.relay}, from = {1, &e->keep.local};
  char num[16];
  snprintf(num, sizeof num, "%u", (unsigned)e->keep.expires);
  if ((rc = msrp_chunk_set_to_path(c, &to)) ||
      (rc = msrp_chunk_set_from_path(c, &from)) ||
      (rc = msrp_chunk_set_header(c, "Expires", num)) ||
      (e->keep.authorization[0] &&
       (rc = msrp_chunk_set_header(c, "Authorization",
                                   e->keep.authorization)))) {
    msrp_chunk_free(c);
    return rc;
  }
  bool shut = e->shut;
  e->shut = false; /* keeping the reservation is not new traffic */
  rc = msrp_engine_send_chunk(e, c, on_auth_answer, NULL);
  e->shut = shut;
  if (rc)
    msrp_chunk_free(c);
  return rc;
}

static void refresh_now(msrp_engine *e) {
  e->keep.waiting = true;
  e->keep.at = 0;
  e->keep.auths = 0;
  e->keep.authorization[0] = '\0';
  int rc = send_auth(e);
  if (rc) {
    logf_(e, "relay refresh: %s", msrp_strerror(rc));
    refresh_done(e, rc, 0, 0);
  }
}

int msrp_engine_keep_relay(msrp_engine *e, const msrp_relay_refresh *r,
                           uint64_t now) {
  if (!e || !r || !r->relay || !r->local || !r->username || !r->password ||
      !r->expires)
    return MSRP_ERR_INVALID_ARGUMENT;
  msrp_uri relay = MSRP_URI_INIT, local = MSRP_URI_INIT;
  char *user = msrp__strndup(r->username, strlen(r->username));
  char *pass = msrp__strndup(r->password, strlen(r->password));
  int rc = !user || !pass ? MSRP_ERR_NOMEM : msrp_uri_copy(&relay, r->relay);
  if (!rc)
    rc = msrp_uri_copy(&local, r->local);
  if (rc) {
    free(user);
    free(pass);
    msrp_uri_clear(&relay);
    return rc;
  }
  msrp_uri_clear(&e->keep.relay);
  msrp_uri_clear(&e->keep.local);
  free(e->keep.user);
  free(e->keep.pass);
  e->keep.relay = relay;
  e->keep.local = local;
  e->keep.user = user;
  e->keep.pass = pass;
  e->keep.expires = r->expires;
  e->keep.on = true;
  e->keep.waiting = false;
  e->now = now;
  schedule_refresh(e, r->granted ? r->granted : r->expires);
  return 0;
}
