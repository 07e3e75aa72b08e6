/* The session engine: one MSRP session's protocol state (RFC 4975 section
 * 7), with no I/O and no clock. See engine.h for the contract. */
#include <msrp/engine.h>

#include "core/chunk_internal.h"
#include "core/idmap.h"
#include "core/util.h"

#include <msrp/mediatype.h>
#include <msrp/relay_auth.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLICE_MAX 65536 /* body bytes handed out per output step */
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

/* Whether adding [lo, hi) would need one interval more than allowed. */
static bool ranges_full(const ranges *r, uint64_t lo, uint64_t hi) {
  if (r->n < RANGES_MAX)
    return false;
  for (size_t i = 0; i < r->n; i++)
    if (r->iv[i][0] <= hi && r->iv[i][1] >= lo)
      return false; /* it merges with one that is there */
  return true;
}

static bool ranges_cover(const ranges *r, uint64_t total) {
  return total == 0 || (r->n == 1 && r->iv[0][0] == 0 && r->iv[0][1] >= total);
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

  uint64_t sent;    /* body bytes handed out so far */
  bool eof;         /* the provider said the body ended */
  bool all_emitted; /* the last chunk's end-line is out */
  bool stopped;     /* a failure, 413 or abort: no more chunks */
  bool abort;       /* end the chunk in progress with '#' */
  bool abort_chunk; /* the '#' still has to go out, in a chunk of its own */
  bool done;        /* callback ran */
  bool in_queue;
  int pending_tx; /* chunks waiting for their response */
  struct tx *txs; /* ... those transactions (tx.msg_next) */
  int status, code;
  bool failed; /* a failure response: code and comment say which */
  char comment[80];
  ranges reported; /* bytes success REPORTs confirmed */
  bool report_complete;
  bool report_over;         /* no success REPORT is awaited any more */
  uint64_t report_deadline; /* awaiting: when to give up (0: not yet) */
  size_t cost;              /* bytes this message holds while remembered */
  bool unqueued;            /* its unsent body no longer counts as queued */
  struct outmsg *next;      /* message queue */
  struct outmsg *live_prev, *live_next;   /* every message not yet freed */
  struct outmsg *await_prev, *await_next; /* awaiting a REPORT, by deadline */
} outmsg;

typedef struct tx {
  char tid[72];
  uint64_t deadline; /* 0 until the request is written */
  msrp_report_mode fr;
  msrp_response_cb cb;
  void *ud;
  outmsg *msg;            /* a chunk of a message */
  struct tx *msg_next;    /* the message's other transactions */
  struct tx *prev, *next; /* written: in the order of their deadlines */
} tx;

/* Bytes the engine wrote itself (responses, REPORTs) or a user's chunk. */
typedef struct item {
  char *bytes;
  size_t len;
  bool own;          /* an answer the engine wrote (bounded: max_answer) */
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
  uint64_t idle_deadline; /* dropped when no chunk came by then */
  ranges got;
  msrp_chunk *first; /* headers of its first chunk, for callbacks */
  struct inmsg *next;
} inmsg;

/* What the chunk being received is about. */
typedef struct incoming {
  bool request;
  bool single; /* a whole small message in this one chunk: no bookkeeping */
  uint64_t single_total;
  int code;     /* the response it will get (0: 200 if all goes well) */
  bool corrupt; /* its bytes contradict its range or earlier chunks: 400 */
  msrp_byte_range range; /* its Byte-Range (end/total may be unknown) */
  inmsg *msg;            /* SEND of a message we accept */
  uint64_t off;          /* its first byte's offset in the message */
  uint64_t len;          /* body bytes so far */
} incoming;

struct msrp_engine {
  msrp_engine_callbacks cb;
  void *ud;
  msrp_path local, remote;
  uint64_t timeout, report_timeout, incoming_idle;
  size_t chunk_size, max_queue, whole_max, max_incoming;
  size_t max_unreported, max_answer;
  msrp_media_types accept; /* what incoming SENDs may carry */
  msrp_parser *parser;     /* msrp_engine_recv's, made on first use: a session
                              feeds events from its connection's parser */
  msrp_parser_limits limits;

  /* output */
  item *prio, *prio_tail;
  outmsg *mq, *mq_tail;
  outmsg *cur;        /* message whose chunk is open on the wire */
  uint64_t cur_chunk; /* body bytes in the open chunk */
  bool cur_exact;     /* its Byte-Range names the end: no interrupting */
  char cur_tid[16];
  msrp__buf head;     /* the open chunk's head, rendered */
  char *paths;        /* "To-Path: ...\r\nFrom-Path: ...\r\n" of ours */
  char *answer_paths; /* the same for a 200 to the peer's requests */
  tx *cur_tx;
  step_kind step;
  item *step_item;
  size_t step_body; /* body bytes in the current step */
  bool step_tail;   /* the step ends the chunk */
  char step_flag;   /* ... with this flag */
  char tail[128];
  uint8_t *pbuf; /* provider bytes for the current step */
  struct iovec iov[4];
  int niov;
  size_t queued;
  size_t answer_bytes; /* queued answers of our own (item.own) */
  size_t live_bytes;   /* what messages not yet released hold */
  bool blocked;
  bool shut;
  bool out_full; /* answers passed max_answer: input waits */
  int fatal;     /* MSRP_ERR_OUTPUT_FULL once the hard limit passed */

  msrp__idmap txmap;  /* every transaction written or being written */
  tx *txs, *txs_tail; /* written: in the order their deadlines were set */
  outmsg *live;
  msrp__idmap sent;           /* live messages by Message-ID */
  outmsg *await, *await_tail; /* awaiting a REPORT, by deadline */

  /* input */
  incoming in;
  uint8_t *single; /* whole_max bytes: the body of a one-chunk message */
  inmsg *msgs;
  size_t nmsgs;
  struct {
    char id[257];
    int code;
  } refused[REFUSED_MAX];
  size_t refused_next;
  bool paused;
  uint64_t now;

  /* keeping a relay reservation (relay_auth.h has the AUTH rules) */
  struct {
    msrp_relay_auth *auth;
    bool waiting; /* an AUTH round is under way */
    uint64_t at;  /* when to AUTH next (0: not scheduled) */
  } keep;
};

static void logf_(msrp_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void maybe_writable(msrp_engine *e);

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

static const char *outmsg_key(const void *m) {
  return ((const outmsg *)m)->id;
}

static const char *tx_key(const void *t) {
  return ((const tx *)t)->tid;
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
  e->report_timeout =
      cfg->report_timeout_ms ? cfg->report_timeout_ms : MSRP_REPORT_TIMEOUT_MS;
  e->incoming_idle =
      cfg->incoming_idle_ms ? cfg->incoming_idle_ms : MSRP_INCOMING_IDLE_MS;
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
  size_t slice = e->chunk_size < SLICE_MAX ? e->chunk_size : SLICE_MAX;
  if (!(e->pbuf = malloc(slice)))
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
  msrp_media_types_clear(&e->accept);
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

static void release(msrp_engine *e, outmsg *m) {
  await_unlink(e, m);
  msrp__idmap_remove(&e->sent, m);
  e->live_bytes -= m->cost;
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
    item_free(it);
  }
  if (e->step == STEP_ITEM && e->step_item) {
    if (e->step_item->t) {
      if (e->step_item->t->cb)
        e->step_item->t->cb(e, MSRP_ERR_CANCELLED, NULL, e->step_item->t->ud);
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
  msrp__idmap_clear(&e->sent);
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
  msrp_relay_auth_free(e->keep.auth);
  free(e->single);
  free(e->paths);
  free(e->answer_paths);
  free(e->pbuf);
  msrp_media_types_clear(&e->accept);
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

/* An answer of our own: counted against max_answer. A peer that sends
 * requests and never reads their answers is held back (input pauses), and
 * one that is fed past four times the bound anyway ends the engine. */
static void push_answer(msrp_engine *e, char *bytes, size_t len) {
  item *it = NULL;
  if (e->fatal || !(it = calloc(1, sizeof *it))) {
    free(bytes);
    return;
  }
  if (e->answer_bytes + len > e->max_answer * 4) {
    e->fatal = MSRP_ERR_OUTPUT_FULL;
    logf_(e, "%s", msrp_strerror(e->fatal));
    free(it);
    free(bytes);
    return;
  }
  it->bytes = bytes;
  it->len = len;
  it->own = true;
  e->answer_bytes += len;
  if (e->answer_bytes > e->max_answer)
    e->out_full = true;
  push_item(e, it);
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

/* Keep a message findable by its Message-ID for as long as answers or
 * REPORTs about it may come. */
static int remember(msrp_engine *e, outmsg *m) {
  int rc = msrp__idmap_add(&e->sent, m);
  if (rc)
    return rc;
  m->live_next = e->live;
  if (e->live)
    e->live->live_prev = m;
  e->live = m;
  e->live_bytes += m->cost;
  return 0;
}

static outmsg *find_sent(msrp_engine *e, const char *id) {
  return msrp__idmap_find(&e->sent, id);
}

/* Whether a success REPORT about `m` may still be worth waiting for. */
static bool awaits_report(const outmsg *m) {
  return m->sr == MSRP_REPORT_YES && !m->report_over && !m->status &&
         !m->failed;
}

/* Its last chunk is out: the report clock starts. */
static void await_report(msrp_engine *e, outmsg *m) {
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
static void maybe_forget(msrp_engine *e, outmsg *m) {
  if (m->done && !awaits_report(m)) {
    release(e, m);
    maybe_writable(e);
  }
}

/* ---- transactions ------------------------------------------------------- */

/* Take transaction `t` out of every table (it is about to be answered). */
static void tx_remove(msrp_engine *e, tx *t) {
  msrp__idmap_remove(&e->txmap, t);
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

static tx *tx_take(msrp_engine *e, const char *tid) {
  tx *t = msrp__idmap_find(&e->txmap, tid);
  if (t)
    tx_remove(e, t);
  return t;
}

/* A request is going out: its answer can be matched from now on. A
 * transaction id we already wait on (a caller's chunk reusing one) cannot
 * be told apart: NOMEM-like failure, answered locally. */
static int tx_unsent(msrp_engine *e, tx *t) {
  t->deadline = 0;
  t->prev = t->next = NULL;
  if (msrp__idmap_find(&e->txmap, t->tid))
    return MSRP_ERR_INVALID_ARGUMENT;
  return msrp__idmap_add(&e->txmap, t);
}

/* Its last byte is written: the response clock starts. */
static void tx_start(msrp_engine *e, tx *t, uint64_t now) {
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

static void finish_msg(msrp_engine *e, outmsg *m);

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
  /* only 2xx is success: MSRP has no 1xx class (RFC 4975 section 10) */
  if ((code < 200 || code >= 300) && !m->stopped) {
    m->stopped = true;
    m->code = code;
    m->failed = true;
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
  /* in the queue still: its '#' chunk has yet to go out */
  if (m->done || m->pending_tx > 0 || e->cur == m || m->in_queue ||
      (!m->all_emitted && !m->stopped))
    return;
  m->done = true;
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
  maybe_forget(e, m);
}

/* Success REPORTs cover the whole message: with Failure-Report partial no
 * 200 will come (RFC 4975 section 7.1.1), so the REPORT settles its
 * transactions now instead of at the response timeout. */
static void settle_by_report(msrp_engine *e, outmsg *m) {
  while (m->txs) {
    tx *t = m->txs;
    bool last = !t->msg_next;
    tx_remove(e, t);
    free(t);
    msg_answered(e, m, 200, "OK"); /* the last one may release `m` */
    if (last)
      break;
  }
}

static void deliver_response(msrp_engine *e, tx *t, const msrp_chunk *resp) {
  if (t->msg)
    msg_answered(e, t->msg, msrp_chunk_code(resp), msrp_chunk_comment(resp));
  else if (t->cb)
    t->cb(e, 0, resp, t->ud);
  free(t);
}

static void refresh_now(msrp_engine *e);

/* Complete `t` (out of every table) with a response made up here. */
static void answer_locally(msrp_engine *e, tx *t, int code) {
  msrp_chunk *resp;
  const char *comment = msrp_status_comment(code);
  if (msrp__chunk_new(&resp, t->tid, strlen(t->tid), NULL, 0, code, comment,
                      strlen(comment)) == 0) {
    deliver_response(e, t, resp);
    msrp_chunk_free(resp);
  } else {
    if (t->msg)
      msg_answered(e, t->msg, code, comment);
    free(t);
  }
}

static void expire_incoming(msrp_engine *e, uint64_t now);

/* The report timeout of `m` passed: say so, and forget it once done. */
static void report_expired(msrp_engine *e, outmsg *m) {
  await_unlink(e, m);
  m->report_over = true;
  if (e->cb.on_report) {
    msrp_report_info info = {0};
    info.message_id = m->id;
    info.status = MSRP_ERR_NO_REPORT;
    info.range = (msrp_byte_range){1, m->sent, m->sent};
    e->cb.on_report(e, &info, e->ud);
  }
  maybe_forget(e, m);
}

void msrp_engine_handle_expiry(msrp_engine *e, uint64_t now) {
  e->now = now;
  if (e->keep.auth && e->keep.at && !e->keep.waiting && e->keep.at <= now)
    refresh_now(e);
  while (e->await && e->await->report_deadline <= now)
    report_expired(e, e->await);
  expire_incoming(e, now);
  while (e->txs && e->txs->deadline <= now) {
    tx *t = e->txs;
    tx_remove(e, t);
    /* RFC 4975 7.1: no response in time means 408 when failures were
     * asked for, success otherwise */
    answer_locally(e, t,
                   t->fr == MSRP_REPORT_YES || t->fr == MSRP_REPORT_ABSENT
                       ? MSRP_STATUS_TIMEOUT
                       : MSRP_STATUS_OK);
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
    if ((rc = tx_unsent(e, t))) {
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
  bool ended =
      m->eof || (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->sent + n >= m->size);
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
    } else if (m && !e->cur_exact && (e->prio || e->mq) && e->cur_chunk > 0) {
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
      int n = 1;
      if (it->chunk)
        n = msrp_chunk_serialize(it->chunk, e->iov);
      else
        e->iov[0] = (struct iovec){it->bytes, it->len};
      if (n > 0 && it->t && tx_unsent(e, it->t) < 0)
        n = MSRP_ERR_INVALID_ARGUMENT; /* its tid is already waiting */
      if (n < 0) {
        /* cannot be written: answer it locally as a failure */
        e->step = STEP_NONE;
        e->step_item = NULL;
        logf_(e, "cannot send a chunk: %s", msrp_strerror(n));
        if (it->t)
          answer_locally(e, it->t, MSRP_STATUS_BAD_REQUEST);
        it->t = NULL;
        e->queued -= it->len;
        item_free(it);
        return msrp_engine_output(e, iov, max);
      }
      e->niov = n;
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
    item_free(it);
    if (t && t->fr == MSRP_REPORT_NO) {
      /* no response can come (a REPORT, or Failure-Report no): settled
       * as soon as it is written */
      tx_remove(e, t);
      answer_locally(e, t, MSRP_STATUS_OK);
    } else if (t) {
      tx_start(e, t, now);
    }
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
      bool ended =
          m->eof || (m->size != MSRP_BYTE_RANGE_UNKNOWN && m->sent >= m->size);
      if (m->abort && e->step_flag != MSRP_FLAG_ABORT) {
        /* the abort came while this step ended the chunk another way */
        m->abort = false;
        m->abort_chunk = true;
        drop_unsent(e, m);
        push_msg_front(e, m);
        want_output(e);
      } else if (m->abort) {
        m->stopped = true;
        if (!m->status && !(m->failed && m->code == MSRP_STATUS_STOP_SENDING))
          m->status = MSRP_ERR_MESSAGE_ABORTED;
        drop_unsent(e, m);
      } else if (m->stopped) {
        drop_unsent(e, m);
      } else if (ended) {
        m->all_emitted = true;
        await_report(e, m);
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
      (p->content_type &&
       (!*p->content_type ||
        msrp__has_ctl(p->content_type, strlen(p->content_type)))))
    return MSRP_ERR_INVALID_ARGUMENT;
  if (e->shut)
    return MSRP_ERR_CLOSED;
  size_t cost = p->provider ? 0 : p->len;
  if ((cost && e->queued + cost > e->max_queue && e->queued > 0) ||
      e->live_bytes > e->max_unreported) {
    e->blocked = true;
    return MSRP_ERR_WOULD_BLOCK;
  }
  outmsg *m = calloc(1, sizeof *m);
  if (!m)
    return MSRP_ERR_NOMEM;
  int rc = 0;
  if (p->message_id) {
    size_t n = strlen(p->message_id);
    if (!msrp__valid_message_id(p->message_id, n) ||
        find_sent(e, p->message_id))
      rc = MSRP_ERR_INVALID_ARGUMENT; /* REPORTs could not tell them apart */
    else
      memcpy(m->id, p->message_id, n + 1);
  } else {
    do
      rc = msrp__random_token(m->id, 16);
    while (!rc && find_sent(e, m->id));
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
  m->cost = sizeof *m + (m->content_type ? strlen(m->content_type) + 1 : 0);
  for (char **h = m->headers; h && *h; h++)
    m->cost += sizeof *h + strlen(*h) + 1;
  if ((rc = remember(e, m))) {
    outmsg_free(m);
    return rc;
  }
  e->queued += cost;
  push_msg(e, m);
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
  return !e->prio && !e->mq && !e->cur && e->step == STEP_NONE &&
         e->txmap.n == 0;
}

/* ---- input: answering --------------------------------------------------- */

static void queue_bytes(msrp_engine *e, msrp_chunk *c) {
  char *bytes;
  size_t len;
  if (msrp_chunk_to_bytes(c, &bytes, &len) == 0)
    push_answer(e, bytes, len);
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
    char *bytes = malloc(n);
    if (!bytes)
      return;
    size_t len =
        (size_t)snprintf(bytes, n, "MSRP %s 200 OK\r\n%s-------%s$\r\n", tid,
                         e->answer_paths, tid);
    push_answer(e, bytes, len);
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
  if (rc) {
    msrp__buf_free(&b);
    return;
  }
  push_answer(e, b.data, b.len);
}

/* The code later chunks of a refused message get (413, or 400 for one
 * whose bytes could not be trusted), or 0. */
static int refused_code(const msrp_engine *e, const char *id) {
  for (size_t i = 0; i < REFUSED_MAX; i++)
    if (e->refused[i].code && strcmp(e->refused[i].id, id) == 0)
      return e->refused[i].code;
  return 0;
}

static void remember_refused(msrp_engine *e, const char *id, int code) {
  if (refused_code(e, id))
    return;
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
  inmsg_free(m);
}

static void end_in(msrp_engine *e, inmsg *m, const msrp_chunk *c, int status) {
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
  if ((*code = refused_code(e, id)))
    return NULL;
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
    inmsg_free(m);
    *code = MSRP_STATUS_BAD_REQUEST;
    return NULL;
  }
  m->idle_deadline = e->now + e->incoming_idle;
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
  remember_refused(e, id, MSRP_STATUS_STOP_SENDING);
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

static void on_body(msrp_engine *e, const msrp_event *ev) {
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
  bool success = st.code >= 200 && st.code < 300;
  if (success && info.range.end != MSRP_BYTE_RANGE_UNKNOWN &&
      ranges_add(&m->reported, info.range.start - 1, info.range.end) != 0)
    logf_(e, "REPORT ranges for %s too fragmented: ignored", m->id);
  uint64_t total = m->size != MSRP_BYTE_RANGE_UNKNOWN ? m->size : m->sent;
  if (success && !m->report_complete && (m->all_emitted || m->eof) &&
      ranges_cover(&m->reported, total)) {
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
    maybe_forget(e, m);
}

/* A chunk of a message we cannot trust: 400, and the message is never
 * confirmed or delivered (its later chunks get 400 too). */
static void refuse_corrupt(msrp_engine *e, const msrp_chunk *c, inmsg *m) {
  const char *id = msrp_chunk_message_id(c);
  logf_(e,
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
  inmsg *m = in->msg;
  if (!in->code && (in->single || m) &&
      (in->corrupt || !length_agrees(in, ev->flag))) {
    refuse_corrupt(e, c, m);
    return;
  }
  /* RFC 4975 10.5: a message cut finer than we keep track of gets 413
   * before it is answered 200, and is remembered as refused */
  if (!in->code && m && ev->flag != MSRP_FLAG_ABORT &&
      ranges_full(&m->got, in->off, in->off + in->len)) {
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
        send_report(e, info.message_id, in->single_total);
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
  if (ranges_add(&m->got, in->off, in->off + in->len)) {
    end_in(e, m, c, MSRP_ERR_NOMEM);
    return;
  }
  if (ev->flag == MSRP_FLAG_END) {
    m->last_seen = true;
    if (m->total == MSRP_BYTE_RANGE_UNKNOWN)
      m->total = in->off + in->len;
  }
  if (!m->last_seen || !ranges_cover(&m->got, m->total))
    return;
  /* the whole message is in (its REPORT queued first, as above) */
  if (msrp_chunk_success_report(m->first) == MSRP_REPORT_YES ||
      msrp_chunk_success_report(c) == MSRP_REPORT_YES)
    send_report(e, m->id, m->total);
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
  drop_in(e, m);
}

/* Incomplete incoming messages that saw no chunk for the idle time. */
static void expire_incoming(msrp_engine *e, uint64_t now) {
  for (inmsg *m = e->msgs, *next; m; m = next) {
    next = m->next;
    if (m->idle_deadline <= now && m != e->in.msg) {
      logf_(e, "incoming message %s: no chunk for %llu ms, dropped", m->id,
            (unsigned long long)e->incoming_idle);
      end_in(e, m, NULL, MSRP_ERR_MESSAGE_EXPIRED);
    }
  }
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
  if (e->cb.on_relay_refresh)
    e->cb.on_relay_refresh(e, status, code, granted, e->ud);
}

static int send_auth(msrp_engine *e);

static void on_auth_answer(msrp_engine *e, int status, const msrp_chunk *resp,
                           void *ud) {
  (void)ud;
  if (status)
    return; /* the engine is going away */
  msrp_relay_auth *a = e->keep.auth;
  msrp_relay_auth_response(a, resp);
  switch (msrp_relay_auth_state_of(a)) {
  case MSRP_RELAY_AUTH_SEND: {
    int rc = send_auth(e);
    if (rc) {
      logf_(e, "relay refresh: %s", msrp_strerror(rc));
      refresh_done(e, rc, 0, 0);
    }
    return;
  }
  case MSRP_RELAY_AUTH_DONE:
    schedule_refresh(e, msrp_relay_auth_granted(a));
    refresh_done(e, 0, 200, msrp_relay_auth_granted(a));
    return;
  default:
    logf_(e, "relay refresh failed: %d %s", msrp_relay_auth_code(a),
          msrp_chunk_comment(resp) ? msrp_chunk_comment(resp) : "");
    refresh_done(e, MSRP_ERR_RELAY_AUTH, msrp_relay_auth_code(a), 0);
  }
}

static int send_auth(msrp_engine *e) {
  msrp_chunk *c;
  int rc = msrp_relay_auth_request(e->keep.auth, &c);
  if (rc)
    return rc;
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
  msrp_relay_auth_restart(e->keep.auth, 0);
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
  msrp_relay_auth *a;
  int rc =
      msrp_relay_auth_new(&a, &(msrp_relay_auth_config){.relay = r->relay,
                                                        .local = r->local,
                                                        .username = r->username,
                                                        .password = r->password,
                                                        .expires = r->expires});
  if (rc)
    return rc;
  msrp_relay_auth_free(e->keep.auth);
  e->keep.auth = a;
  e->keep.waiting = false;
  e->now = now;
  schedule_refresh(e, r->granted ? r->granted : r->expires);
  return 0;
}
