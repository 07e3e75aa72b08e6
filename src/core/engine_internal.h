/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What the session engine's files share: its state and the functions one
 * part calls in another. engine.c has the object and its glue;
 * transactions.c, outgoing.c, reports.c, incoming.c and relay_keep.c one
 * concept each. Not part of the API. */
#ifndef MSRP_CORE_ENGINE_INTERNAL_H
#define MSRP_CORE_ENGINE_INTERNAL_H

#include <msrp/engine.h>
#include <msrp/mediatype.h>
#include <msrp/relay_auth.h>

#include "core/idmap.h"
#include "core/ranges.h"
#include "core/util.h"

#include <stdbool.h>
#include <stdint.h>

#define SLICE_MAX 65536 /* body bytes handed out per output step */
/* A caller that takes enough pieces gets up to this many whole chunks of a
 * pulled body in one step (one write): 1 MiB with 64 KiB chunks. */
#define STEP_SLOTS 16
#define REFUSED_MAX 16 /* incoming message ids refused, remembered */

/* ---- outgoing ----------------------------------------------------------- */

/* Where an outgoing message is. */
typedef enum out_state {
  OUT_ACTIVE = 0,   /* sending: chunks queued or one open (e->cur), or all
                       out (all_emitted) and answers still awaited */
  OUT_ABORT_OPEN,   /* its open chunk (it is e->cur) ends with '#' */
  OUT_ABORT_QUEUED, /* a chunk of its own ending in '#' waits at the head
                       of the queue (RFC 4975 section 7.1.1) */
  OUT_STOPPED,      /* sends no more: a failure, 413, abort or a provider
                       that failed (status, code say which) */
  OUT_DONE          /* its callback ran */
} out_state;

typedef struct outmsg {
  char id[257];
  const uint8_t *data;
  msrp_data_provider provider;
  msrp_data_lender lender; /* or this, with release */
  msrp_data_release release;
  void *provider_ud;
  uint64_t size; /* MSRP_BYTE_RANGE_UNKNOWN for a provider of unknown size */
  char *content_type;
  char **headers; /* name, value, ..., NULL */
  msrp_report_mode sr, fr;
  msrp_message_cb cb;
  void *ud;

  uint64_t sent;  /* body bytes handed out so far (from `first` on) */
  uint64_t first; /* the bytes the peer had before (params.offset) */
  bool eof;       /* the provider said the body ended */
  out_state state;
  bool all_emitted; /* the last chunk's end-line is out */
  bool in_queue;
  int pending_tx; /* chunks waiting for their response */
  struct tx *txs; /* ... those transactions (tx.msg_next) */
  int status, code;
  bool failed; /* a failure response: code and comment say which */
  char comment[80];
  msrp__ranges reported; /* bytes success REPORTs confirmed */
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
  uint64_t bytes;         /* its body bytes written, not yet answered */
  struct tx *msg_next;    /* the message's other transactions */
  struct tx *prev, *next; /* written: in the order of their deadlines */
} tx;

/* Bytes the engine wrote itself (responses, REPORTs) or a user's chunk. */
typedef struct item {
  char *bytes;
  size_t len;
  size_t cap;        /* own answers: what `bytes` holds (later ones join) */
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
  msrp__ranges got;
  /* report_every: the run of adjacent bytes come since the last REPORT,
   * [rep_lo, rep_hi) (empty when equal) */
  uint64_t rep_lo, rep_hi;
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
  bool nickname;         /* a NICKNAME for on_nickname (RFC 7701) */
} incoming;

/* What a step of several chunks of a pulled body needs beyond an ordinary
 * step: made when a body is first pulled, dropped when the engine is idle,
 * so that an idle session keeps only what it uses. */
struct lent {
  msrp_data_release release;
  void *ref, *ud;
};
typedef struct step_ext {
  /* what lenders lent to the step (and its prefetch): given back when it
   * is written or given up */
  struct lent lent[STEP_SLOTS + 1];
  struct iovec iov[4 + 3 * (STEP_SLOTS - 1)];
  /* the heads and end-lines of the step's further chunks, and their
   * transactions, started when the step is written */
  msrp__buf xhead[STEP_SLOTS - 1], xtail[STEP_SLOTS - 1];
  struct tx *pend_tx[STEP_SLOTS - 1];
} step_ext;

struct msrp_engine {
  msrp_engine_callbacks cb;
  void *ud;
  msrp_path local, remote;
  uint64_t timeout, report_timeout, incoming_idle;
  uint64_t report_every; /* success REPORTs every so many bytes (0: one) */
  /* message body bytes written whose chunks are not answered yet, and the
   * most there may be before the next chunk waits (0: no limit) */
  uint64_t unanswered, max_unanswered;
  bool window_full;   /* a chunk waits for answers */
  bool by_session_id; /* RFC 6714: paths matched by session id alone */
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
  msrp__buf head;    /* the open chunk's head, rendered */
  msrp__buf scratch; /* our 200s, rendered (dropped when idle) */
  char *paths;       /* "To-Path: ...\r\nFrom-Path: ...\r\n" of ours */
  size_t paths_len;
  char *answer_paths; /* the same for a 200 to the peer's requests */
  size_t answer_paths_len;
  /* what the peer's requests say, as we would write it: To-Path our own
   * URI, From-Path the peer's path (both point into the strings above) */
  const char *expect_to, *expect_from;
  size_t expect_to_len, expect_from_len;
  tx *cur_tx;
  step_kind step;
  item *step_item;
  size_t step_body;     /* body bytes in the current step */
  bool step_tail;       /* the step ends the chunk */
  char step_flag;       /* ... with this flag */
  msrp__buf tail;       /* the open chunk's end-line */
  int nlent;            /* x->lent in use */
  const uint8_t *pdata; /* the prefetched bytes: pbuf, or lent */
  uint8_t *pbuf;        /* provider bytes for the current step (made on the
                         first pull, dropped when the engine is idle) */
  bool has_prefetch;    /* pbuf holds the next step's body already: */
  ssize_t prefetched;   /* ... what the provider said */
  struct iovec *iov;    /* the step's pieces: iov4, or x->iov */
  struct iovec iov4[4]; /* enough for any step but one of several chunks */
  struct step_ext *x;   /* made with the first pull, dropped when idle */
  int npend;
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
  uint8_t *single;   /* the body of a one-chunk message (at most whole_max) */
  size_t single_cap; /* its size: the largest such message yet */
  inmsg *msgs;
  size_t nmsgs;
  /* incoming messages refused, remembered (made on the first refusal:
   * most sessions never refuse one) */
  struct refused_id {
    char id[257];
    int code;
  } * refused;
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

/* ---- engine.c: lifetime, queues, input ---- */

void msrp__engine_log(msrp_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void msrp__outmsg_free(outmsg *m);
void msrp__inmsg_free(inmsg *m);
void msrp__item_free(item *it);
void msrp__msg_info(const inmsg *m, const msrp_chunk *c,
                    msrp_message_info *info);
void msrp__want_output(msrp_engine *e);
void msrp__push_item(msrp_engine *e, item *it);
void msrp__push_answer(msrp_engine *e, char *bytes, size_t len);
/* The same with bytes the caller keeps. */
void msrp__push_answer_copy(msrp_engine *e, const char *bytes, size_t len);

/* ---- transactions.c: requests waiting for their responses ---- */

void msrp__tx_remove(msrp_engine *e, tx *t);
tx *msrp__tx_take(msrp_engine *e, const char *tid);
int msrp__tx_unsent(msrp_engine *e, tx *t);
void msrp__tx_start(msrp_engine *e, tx *t, uint64_t now);
void msrp__deliver_response(msrp_engine *e, tx *t, const msrp_chunk *resp);
void msrp__answer_locally(msrp_engine *e, tx *t, int code);

/* ---- outgoing.c: messages cut into chunks ---- */

void msrp__msg_answered(msrp_engine *e, outmsg *m, int code,
                        const char *comment);
void msrp__maybe_writable(msrp_engine *e);
/* Give back every piece lenders lent to the step (it is written, or given
 * up). */
void msrp__give_back(msrp_engine *e);
/* Free the larger step state (idle, or the engine going). */
void msrp__drop_step_ext(msrp_engine *e);

/* ---- reports.c: REPORTs, both ways ---- */

void msrp__release_message(msrp_engine *e, outmsg *m);
int msrp__remember_sent(msrp_engine *e, outmsg *m);
outmsg *msrp__find_sent(msrp_engine *e, const char *id);
void msrp__await_report(msrp_engine *e, outmsg *m);
void msrp__maybe_forget(msrp_engine *e, outmsg *m);
void msrp__report_expired(msrp_engine *e, outmsg *m);
/* A success REPORT for bytes start..end of a message of `total`. */
void msrp__send_success_report(msrp_engine *e, const char *id, uint64_t start,
                               uint64_t end, uint64_t total);
void msrp__handle_report(msrp_engine *e, const msrp_chunk *c);

/* ---- incoming.c: requests answered, messages reassembled ---- */

void msrp__incoming_headers(msrp_engine *e, const msrp_chunk *c);
void msrp__incoming_body(msrp_engine *e, const msrp_event *ev);
void msrp__incoming_end(msrp_engine *e, const msrp_event *ev);
void msrp__expire_incoming(msrp_engine *e, uint64_t now);

/* ---- relay_keep.c: keeping a relay reservation ---- */

void msrp__refresh_now(msrp_engine *e);

#endif
