/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* One MSRP connection: a TCP socket, optionally with TLS on it through
 * OpenSSL memory BIOs, read through the streaming parser.
 *
 * Reading is pull-based: bytes from the socket (decrypted when TLS) sit in
 * `in` until the parser has taken them, and the socket is read only while
 * someone reads the transport. A reader that stops leaves the rest where
 * it is, which is how backpressure reaches the peer. */
#include "io/io_internal.h"
#include "io/layer.h"

#include <msrp/binding.h>

#include "core/chunk_internal.h"
#include "core/util.h"

#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Reads start at READ_MIN bytes; a read that fills its buffer doubles the
 * next one, up to READ_MAX (a bulk transfer: a quarter as many system calls
 * and wake-ups as 64 KiB reads), and a read of less than an eighth halves
 * it again. The buffer goes whenever a read is used up. */
#define READ_MIN (64 * 1024)
#define READ_MAX (512 * 1024)
#define DEFAULT_MAX_CHUNK (4u << 20)
/* How long a closing TLS connection waits for its close_notify (and what
 * was queued before it) to be written. */
#define LINGER_MS 1000

typedef enum read_mode {
  READ_NONE = 0,
  READ_EVENTS, /* read_start */
  READ_CHUNK,  /* read_chunk */
  READ_BIND    /* the passive binder */
} read_mode;

typedef enum bind_state {
  BIND_NONE = 0,
  BIND_RUNNING, /* the core's binding machine reads (binding.h) */
  BIND_PARKED   /* it waits for the owner's late decision */
} bind_state;

/* A read buffer: its bytes may be held past the event that showed them (a
 * relay writes a body on from where it was read). Counted: the transport
 * is one reference while it reads into it, each holder another; the last
 * one frees it. */
typedef struct rblock {
  size_t refs;
  size_t cap;
  uint8_t data[];
} rblock;
#define RBLOCK(p) ((rblock *)(void *)((p)-offsetof(rblock, data)))

static void drop_rbuf(msrp_transport *t);

struct msrp_transport {
  uv_loop_t *loop;
  size_t rnext;     /* the next read buffer's size */
  size_t roffer;    /* what of it the last socket read was offered */
  size_t rpeak;     /* the largest read buffer yet */
  uint64_t nwrites; /* writes submitted */
  uv_tcp_t tcp;
  uv_timer_t kick;    /* runs deferred work from the loop */
  uv_timer_t *linger; /* bounds the wait for a close_notify to go out (made
                         then: a connection without TLS never needs it) */
  bool lingering;
  int open_handles;
  bool tcp_closed;
  bool freeing;
  bool reading_socket;
  bool eof;       /* the peer closed; deliver once the input is used */
  int fail;       /* terminal read status once known */
  bool fail_told; /* the current reader has been told */

  msrp_logger logger;
  char peer[64];
  msrp_path local_path, remote_path;

  /* the layer between the socket and the parser: plain TCP or TLS */
  const msrp__layer_ops *ops;
  msrp__layer *layer;
  bool layer_ready;   /* its handshake is done */
  bool use_tls;       /* TLS under it (alone, or under WebSocket) */
  bool by_session_id; /* RFC 6714 CEMA: paths matched by session id */
  bool starting;      /* the handshake begins from the loop */
  msrp__ready_cb ready_cb;
  void *ready_ud;

  /* input */
  msrp_parser *parser;
  uint8_t *rbuf; /* socket buffer (TCP) or plaintext buffer (TLS): the
                    data of an rblock, which a relay may hold */
  size_t in_off, in_len;
  bool replay_headers; /* give the current chunk's HEADERS again */
  bool in_chunk_body;  /* wire trace: inside a binary body */
  uint64_t trace_elided;

  read_mode mode;
  msrp_read_cb read_cb;
  void *read_ud;
  /* read_chunk */
  msrp_read_chunk_cb chunk_cb;
  void *chunk_ud;
  size_t chunk_size;
  size_t max_chunk;
  size_t chunk_limit; /* what a relay on this connection accepts */
  msrp__relay_info relay;
  bool has_relay;
  msrp__buf body;

  /* binding */
  bind_state bind;
  msrp__bind_done_cb bind_done;
  msrp__bind_decide_cb bind_decide;
  void *bind_ud;
  msrp_binding *binding;    /* the rules: binding.h; kept for its held
                               requests once bound */
  msrp_held_request replay; /* the held request being handed on */
  bool replay_on;
  int replay_step;                /* of held->: 0 headers, 1 body, 2 end */
  msrp_parser_limits next_limits; /* for the parser once between chunks */
  bool has_next_limits;

  /* shutdown */
  msrp_shutdown_cb shutdown_cb;
  void *shutdown_ud;
  bool free_after_writes;
  size_t writes_pending;
};

typedef struct write_req {
  uv_write_t req;
  msrp_transport *t;
  msrp_write_cb cb;
  void *ud;
  void *copy; /* owned bytes (copied data or ciphertext) */
} write_req;

static void process_input(msrp_transport *t);
static void close_socket(msrp_transport *t);
static void stop_socket(msrp_transport *t);
static void start_socket(msrp_transport *t);
static void handshake_step(msrp_transport *t);

/* ---- small helpers ----------------------------------------------------- */

static void trace(msrp_transport *t, msrp_trace_dir dir, const void *data,
                  size_t len) {
  if (t->logger.trace && len)
    t->logger.trace(dir, t->peer, data, len, t->logger.user_data);
}

static void kick(msrp_transport *t);

static void on_kick(uv_timer_t *h) {
  msrp_transport *t = h->data;
  if (t->starting) {
    t->starting = false;
    start_socket(t);
    handshake_step(t);
    return;
  }
  process_input(t);
}

static void kick(msrp_transport *t) {
  if (!t->freeing)
    uv_timer_start(&t->kick, on_kick, 0, 0);
}

/* ---- lifetime ---------------------------------------------------------- */

static void release(msrp_transport *t) {
  if (t->replay_on) {
    msrp_chunk_free(t->replay.chunk);
    free(t->replay.body);
  }
  msrp_binding_free(t->binding);
  msrp_uri_clear(&t->relay.relay);
  free(t->relay.username);
  free(t->relay.password);
  t->ops->free(t->layer);
  msrp_parser_free(t->parser);
  msrp_path_clear(&t->local_path);
  msrp_path_clear(&t->remote_path);
  msrp__buf_free(&t->body);
  drop_rbuf(t);
  free(t);
}

/* The reader (or the read_chunk caller) learns how reading ended. */
static void tell_reader(msrp_transport *t, int status) {
  read_mode mode = t->mode;
  t->fail_told = true;
  if (mode == READ_EVENTS) {
    t->mode = READ_NONE;
    t->read_cb(t, status, NULL, t->read_ud);
  } else if (mode == READ_CHUNK) {
    t->mode = READ_NONE;
    msrp__buf_free(&t->body);
    t->chunk_cb(t, status, NULL, 0, t->chunk_ud);
  } else if (mode == READ_BIND) {
    t->mode = READ_NONE;
    t->bind = BIND_NONE;
    t->bind_done(t, status, t->bind_ud);
  }
}

static void on_handle_closed(uv_handle_t *h) {
  msrp_transport *t = h->data;
  if (h == (uv_handle_t *)&t->tcp)
    t->tcp_closed = true;
  if (h == (uv_handle_t *)t->linger) {
    free(t->linger);
    t->linger = NULL;
  }
  if (--t->open_handles > 0)
    return;
  /* both handles are closed: owed callbacks run now, then the memory goes */
  if (t->ready_cb && !t->layer_ready) {
    msrp__ready_cb cb = t->ready_cb;
    t->ready_cb = NULL;
    cb(t, MSRP_ERR_CANCELLED, t->ready_ud);
  }
  if (t->mode != READ_NONE)
    tell_reader(t, MSRP_ERR_CANCELLED);
  release(t);
}

static void bind_done_noop(msrp_transport *t, int status, void *ud) {
  (void)t;
  (void)status;
  (void)ud;
}

void msrp__transport_detach(msrp_transport *t) {
  /* the owner wants no more callbacks of any kind from this transport */
  t->ready_cb = NULL;
  t->starting = false;
  t->bind_done = bind_done_noop;
  t->mode = READ_NONE;
}

void msrp__transport_discard(msrp_transport *t) {
  msrp__transport_detach(t);
  if (t->writes_pending && !t->freeing && !t->tcp_closed &&
      !uv_is_closing((uv_handle_t *)&t->tcp)) {
    /* let a last answer (a 481) reach the peer first */
    t->free_after_writes = true;
    t->mode = READ_NONE;
    stop_socket(t);
    return;
  }
  msrp_transport_free(t);
}

void msrp_transport_free(msrp_transport *t) {
  if (!t || t->freeing)
    return;
  t->freeing = true;
  uv_timer_stop(&t->kick);
  uv_close((uv_handle_t *)&t->kick, on_handle_closed);
  if (!t->tcp_closed)
    close_socket(t);
}

/* Input the peer sent that nobody read is dropped before the socket
 * closes: a socket closed with unread input is reset (RST), not closed,
 * and a reset can cost the peer what we wrote last (a relay that sees it
 * before it reads drops our final REPORTs with it). What has come so far,
 * at most DRAIN_MAX bytes, never waiting. */
#define DRAIN_MAX (256 * 1024)

static void drain_unread(msrp_transport *t) {
  uv_os_fd_t fd;
  if (uv_fileno((uv_handle_t *)&t->tcp, &fd) != 0)
    return;
  char sink[4096];
  for (size_t n = 0; n < DRAIN_MAX;) {
    ssize_t r = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (r <= 0)
      break;
    n += (size_t)r;
  }
}

static void finish_close(msrp_transport *t) {
  t->lingering = false;
  drain_unread(t);
  if (t->linger) {
    uv_timer_stop(t->linger);
    uv_close((uv_handle_t *)t->linger, on_handle_closed);
  }
  uv_close((uv_handle_t *)&t->tcp, on_handle_closed);
}

static void on_linger(uv_timer_t *h) {
  msrp_transport *t = h->data;
  msrp__log(&t->logger, MSRP_LOG_INFO,
            "%s: close_notify not written in time; closing", t->peer);
  finish_close(t);
}

static int submit_now(msrp_transport *t, const struct iovec *iov, int n,
                      msrp_write_cb cb, void *ud, void *copy);

/* Close the socket. An established TLS connection says so first
 * (close_notify, RFC 8446 section 6.1), best effort: the socket closes
 * once that is written, or after LINGER_MS. */
static void close_socket(msrp_transport *t) {
  if (t->tcp_closed || t->lingering || uv_is_closing((uv_handle_t *)&t->tcp))
    return;
  if (t->layer_ready && t->ops->close(t->layer)) {
    if (t->ops->pending(t->layer) && !t->linger &&
        (t->linger = malloc(sizeof *t->linger))) {
      uv_timer_init(t->loop, t->linger); /* closed by finish_close */
      t->linger->data = t;
      t->open_handles++;
      if (submit_now(t, NULL, 0, NULL, NULL, NULL) == 0) {
        t->lingering = true;
        stop_socket(t);
        uv_timer_start(t->linger, on_linger, LINGER_MS, 0);
        return;
      }
    }
  }
  finish_close(t);
}

/* Reading is over for good: remember why, close the socket, tell the
 * reader (now, or when one comes). */
static void read_failed(msrp_transport *t, int status) {
  if (t->fail)
    return;
  t->fail = status;
  if (status != MSRP_ERR_CONNECTION_CLOSED)
    msrp__log(&t->logger, MSRP_LOG_WARNING, "%s: %s", t->peer,
              msrp_strerror(status));
  else
    msrp__log(&t->logger, MSRP_LOG_INFO, "%s: connection closed by peer",
              t->peer);
  if (t->reading_socket) {
    uv_read_stop((uv_stream_t *)&t->tcp);
    t->reading_socket = false;
  }
  close_socket(t);
  if (t->mode != READ_NONE)
    tell_reader(t, status);
}

static void on_refused_closed(uv_handle_t *h) {
  free(h);
}

void msrp__refuse_connection(uv_stream_t *listener) {
  uv_tcp_t *tcp = malloc(sizeof *tcp);
  if (!tcp)
    return;
  uv_tcp_init(listener->loop, tcp);
  uv_accept(listener, (uv_stream_t *)tcp);
  uv_close((uv_handle_t *)tcp, on_refused_closed);
}

int msrp__transport_set_limits(msrp_transport *t,
                               const msrp_parser_limits *limits) {
  int rc = msrp_parser_set_limits(t->parser, limits);
  if (rc == MSRP_ERR_BUSY) {
    /* inside a chunk (a binding SEND with a body): from the next one */
    t->next_limits = *limits;
    t->has_next_limits = true;
    rc = 0;
  }
  return rc;
}

void msrp__transport_fail(msrp_transport *t, int status) {
  read_failed(t, status);
}

/* A write to a connection the peer has reset raises SIGPIPE, whose default
 * action ends the process: a hostile peer must not be able to do that. An
 * application's own handler is left alone. */
static void ignore_sigpipe(void) {
  static bool done;
  if (done)
    return;
  done = true;
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
  }
}

int msrp__transport_new(msrp_transport **out, uv_loop_t *loop,
                        const msrp_logger *logger) {
  ignore_sigpipe();
  msrp_transport *t = calloc(1, sizeof *t);
  if (!t)
    return MSRP_ERR_NOMEM;
  /* the read buffer comes with the first read, and goes whenever all it
   * held is used: an idle connection keeps none */
  int rc = msrp_parser_new(&t->parser, NULL);
  if (rc) {
    free(t);
    return rc;
  }
  t->loop = loop;
  t->ops = &msrp__plain_layer; /* TLS, when msrp__transport_start says so */
  t->max_chunk = DEFAULT_MAX_CHUNK;
  t->rnext = READ_MIN;
  if (logger)
    t->logger = *logger;
  snprintf(t->peer, sizeof t->peer, "(unconnected)");
  uv_tcp_init(loop, &t->tcp);
  uv_timer_init(loop, &t->kick);
  t->tcp.data = t->kick.data = t;
  t->open_handles = 2;
  *out = t;
  return 0;
}

uv_tcp_t *msrp__transport_tcp(msrp_transport *t) {
  return &t->tcp;
}

void msrp__transport_set_logger(msrp_transport *t, const msrp_logger *lg) {
  if (lg)
    t->logger = *lg;
}

int msrp__transport_set_paths(msrp_transport *t, const msrp_path *local,
                              const msrp_path *remote) {
  msrp_path l = MSRP_PATH_INIT, r = MSRP_PATH_INIT;
  int rc = msrp_path_copy(&l, local);
  if (!rc && (rc = msrp_path_copy(&r, remote)))
    msrp_path_clear(&l);
  if (rc)
    return rc;
  msrp_path_clear(&t->local_path);
  msrp_path_clear(&t->remote_path);
  t->local_path = l;
  t->remote_path = r;
  return 0;
}

void msrp__transport_set_peer(msrp_transport *t) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getpeername(&t->tcp, (struct sockaddr *)&ss, &len) == 0)
    msrp__format_addr((struct sockaddr *)&ss, t->peer, sizeof t->peer);
}

/* ---- accessors --------------------------------------------------------- */

const msrp_path *msrp_transport_local_path(const msrp_transport *t) {
  return &t->local_path;
}

const msrp_path *msrp_transport_remote_path(const msrp_transport *t) {
  return &t->remote_path;
}

uv_loop_t *msrp_transport_loop(const msrp_transport *t) {
  return t->loop;
}

const char *msrp_transport_peer(const msrp_transport *t) {
  return t->peer;
}

void msrp__transport_match_session_id_only(msrp_transport *t, int on) {
  t->by_session_id = on != 0;
}

int msrp__transport_session_id_only(const msrp_transport *t) {
  return t->by_session_id;
}

int msrp_transport_use_tls(const msrp_transport *t) {
  return t->use_tls;
}

int msrp__transport_set_relay(msrp_transport *t, const msrp_uri *relay,
                              const char *username, const char *password,
                              uint32_t expires, uint32_t granted) {
  msrp__relay_info ri = {
      .relay = MSRP_URI_INIT, .expires = expires, .granted = granted};
  int rc = msrp_uri_copy(&ri.relay, relay);
  if (!rc && username &&
      !(ri.username = msrp__strndup(username, strlen(username))))
    rc = MSRP_ERR_NOMEM;
  if (!rc && password &&
      !(ri.password = msrp__strndup(password, strlen(password))))
    rc = MSRP_ERR_NOMEM;
  if (rc) {
    msrp_uri_clear(&ri.relay);
    free(ri.username);
    return rc;
  }
  msrp_uri_clear(&t->relay.relay);
  free(t->relay.username);
  free(t->relay.password);
  t->relay = ri;
  t->has_relay = true;
  return 0;
}

const msrp__relay_info *msrp__transport_relay(const msrp_transport *t) {
  return t->has_relay ? &t->relay : NULL;
}

void msrp__transport_set_chunk_limit(msrp_transport *t, size_t bytes) {
  t->chunk_limit = bytes;
}

size_t msrp_transport_chunk_limit(const msrp_transport *t) {
  return t->chunk_limit;
}

void msrp_transport_set_max_chunk(msrp_transport *t, size_t bytes) {
  t->max_chunk = bytes ? bytes : DEFAULT_MAX_CHUNK;
}

int msrp_transport_make_chunk_sized(msrp_chunk **out, msrp_transport *t,
                                    const msrp_chunk_params *p,
                                    size_t params_size) {
  msrp_chunk_params q = {0};
  msrp__abi_in(&q, sizeof q, p, params_size);
  q.to_path = &t->remote_path;
  q.from_path = &t->local_path;
  return msrp_chunk_make(out, &q);
}

int msrp_transport_check_incoming_send(const msrp_transport *t,
                                       const msrp_chunk *c,
                                       const char **comment) {
  const char *dummy;
  if (!comment)
    comment = &dummy;
  int code = msrp_chunk_check_session_mode(c, &t->local_path, &t->remote_path,
                                           t->by_session_id);
  *comment = code ? msrp_status_comment(code) : NULL;
  return code;
}

/* ---- writing ----------------------------------------------------------- */

static void on_written(uv_write_t *req, int status) {
  write_req *w = (write_req *)req;
  msrp_transport *t = w->t;
  t->writes_pending--;
  int rc = status == 0              ? 0
           : status == UV_ECANCELED ? MSRP_ERR_CANCELLED
                                    : MSRP_ERR_IO;
  if (rc && rc != MSRP_ERR_CANCELLED)
    msrp__log(&t->logger, MSRP_LOG_WARNING, "%s: write failed: %s", t->peer,
              uv_strerror(status));
  if (w->cb)
    w->cb(t, rc, w->ud);
  free(w->copy);
  free(w);
  if (t->writes_pending == 0) {
    if (t->lingering)
      finish_close(t);
    if (t->free_after_writes)
      msrp_transport_free(t);
  }
}

/* Queue bytes on the socket; through TLS they are encrypted first (the
 * ciphertext is owned by the request). */
static int submit(msrp_transport *t, const struct iovec *iov, int n,
                  msrp_write_cb cb, void *ud, void *copy) {
  if (t->freeing || t->tcp_closed || t->fail || t->lingering ||
      uv_is_closing((uv_handle_t *)&t->tcp)) {
    free(copy);
    return MSRP_ERR_CLOSED;
  }
  t->nwrites++;
  return submit_now(t, iov, n, cb, ud, copy);
}

static int submit_now(msrp_transport *t, const struct iovec *iov, int n,
                      msrp_write_cb cb, void *ud, void *copy) {
  write_req *w = calloc(1, sizeof *w);
  if (!w) {
    free(copy);
    return MSRP_ERR_NOMEM;
  }
  w->t = t;
  w->cb = cb;
  w->ud = ud;
  w->copy = copy;
  uv_buf_t bufs[MSRP__LAYER_PIECES];
  int nb = 0;
  char *owned;
  int rc = t->ops->encode(t->layer, iov, n, bufs, &nb, &owned);
  if (rc || owned) {
    free(w->copy); /* transformed (encrypted): the plaintext can go */
    w->copy = owned;
  }
  if (rc) {
    free(w);
    return rc;
  }
  rc =
      uv_write(&w->req, (uv_stream_t *)&t->tcp, bufs, (unsigned)nb, on_written);
  if (rc) {
    free(w->copy);
    free(w);
    return MSRP_ERR_IO;
  }
  t->writes_pending++;
  return 0;
}

/* What the layer has to send of its own (handshake, alerts). */
static int flush_layer(msrp_transport *t) {
  if (t->ops->pending(t->layer) == 0)
    return 0;
  return submit(t, NULL, 0, NULL, NULL, NULL);
}

int msrp_transport_write(msrp_transport *t, const void *data, size_t len,
                         msrp_write_cb cb, void *ud) {
  if (!t || (!data && len) || len > UINT32_MAX)
    return MSRP_ERR_INVALID_ARGUMENT;
  trace(t, MSRP_TRACE_OUT, data, len);
  if (t->ops->transforms_writes) { /* encrypted right away: no copy */
    struct iovec iov = {(void *)data, len};
    return submit(t, &iov, 1, cb, ud, NULL);
  }
  void *copy = malloc(len ? len : 1);
  if (!copy)
    return MSRP_ERR_NOMEM;
  memcpy(copy, data, len);
  struct iovec iov = {copy, len};
  return submit(t, &iov, 1, cb, ud, copy);
}

int msrp_transport_writev(msrp_transport *t, const struct iovec *iov,
                          int iovcnt, msrp_write_cb cb, void *ud) {
  if (!t || iovcnt < 0 || iovcnt > MSRP__LAYER_PIECES)
    return MSRP_ERR_INVALID_ARGUMENT;
  for (int i = 0; i < iovcnt; i++)
    trace(t, MSRP_TRACE_OUT, iov[i].iov_base, iov[i].iov_len);
  return submit(t, iov, iovcnt, cb, ud, NULL);
}

static void trace_chunk_out(msrp_transport *t, msrp_chunk *c,
                            const struct iovec *iov, int n) {
  if (!t->logger.trace)
    return;
  trace(t, MSRP_TRACE_OUT, iov[0].iov_base, iov[0].iov_len);
  if (n == 3) {
    if (t->logger.trace_binary ||
        msrp__is_text_type(msrp_chunk_content_type(c))) {
      trace(t, MSRP_TRACE_OUT, iov[1].iov_base, iov[1].iov_len);
    } else {
      char note[160];
      int k = snprintf(note, sizeof note, "[%zu bytes of %s]", iov[1].iov_len,
                       msrp_chunk_content_type(c) ? msrp_chunk_content_type(c)
                                                  : "unknown type");
      trace(t, MSRP_TRACE_OUT, note, (size_t)k);
    }
  }
  trace(t, MSRP_TRACE_OUT, iov[n - 1].iov_base, iov[n - 1].iov_len);
}

int msrp_transport_write_chunk(msrp_transport *t, msrp_chunk *c,
                               msrp_write_cb cb, void *ud) {
  if (!t || !c)
    return MSRP_ERR_INVALID_ARGUMENT;
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  int n = msrp_chunk_serialize(c, iov);
  if (n < 0)
    return n;
  trace_chunk_out(t, c, iov, n);
  return submit(t, iov, n, cb, ud, NULL);
}

int msrp__transport_send_chunk(msrp_transport *t, msrp_chunk *c,
                               msrp_write_cb cb, void *ud) {
  struct iovec iov[MSRP_CHUNK_IOV_MAX];
  int n = msrp_chunk_serialize(c, iov);
  if (n < 0)
    return n;
  trace_chunk_out(t, c, iov, n);
  if (t->ops->transforms_writes)
    return submit(t, iov, n, cb, ud, NULL); /* encrypted right away */
  size_t len = 0;
  for (int i = 0; i < n; i++)
    len += iov[i].iov_len;
  char *bytes = malloc(len ? len : 1);
  if (!bytes)
    return MSRP_ERR_NOMEM;
  for (size_t i = 0, off = 0; i < (size_t)n; off += iov[i].iov_len, i++)
    memcpy(bytes + off, iov[i].iov_base, iov[i].iov_len);
  struct iovec one = {bytes, len};
  return submit(t, &one, 1, cb, ud, bytes);
}

typedef struct wait_state {
  bool done;
  int status;
  msrp_chunk *chunk;
  unsigned segment;
} wait_state;

static void on_write_wait(msrp_transport *t, int status, void *ud) {
  (void)t;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
}

int msrp_transport_write_wait(msrp_transport *t, const void *data, size_t len) {
  wait_state w = {0};
  int rc = msrp_transport_write(t, data, len, on_write_wait, &w);
  if (rc)
    return rc;
  rc = msrp__run_until(t->loop, &w.done);
  return rc ? rc : w.status;
}

int msrp_transport_write_chunk_wait(msrp_transport *t, msrp_chunk *c) {
  wait_state w = {0};
  int rc = msrp_transport_write_chunk(t, c, on_write_wait, &w);
  if (rc)
    return rc;
  rc = msrp__run_until(t->loop, &w.done);
  return rc ? rc : w.status;
}

size_t msrp_transport_write_queue_size(const msrp_transport *t) {
  return t->tcp_closed
             ? 0
             : uv_stream_get_write_queue_size((const uv_stream_t *)&t->tcp);
}

/* ---- shutdown ---------------------------------------------------------- */

static void on_shutdown(uv_shutdown_t *req, int status) {
  msrp_transport *t = req->data;
  free(req);
  msrp_shutdown_cb cb = t->shutdown_cb;
  t->shutdown_cb = NULL;
  if (cb)
    cb(t,
       status == 0              ? 0
       : status == UV_ECANCELED ? MSRP_ERR_CANCELLED
                                : MSRP_ERR_IO,
       t->shutdown_ud);
}

int msrp_transport_shutdown(msrp_transport *t, msrp_shutdown_cb cb, void *ud) {
  if (!t)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (t->shutdown_cb)
    return MSRP_ERR_BUSY;
  if (t->freeing || t->tcp_closed || uv_is_closing((uv_handle_t *)&t->tcp))
    return MSRP_ERR_CLOSED;
  if (t->ops->close(t->layer))
    flush_layer(t);
  uv_shutdown_t *req = malloc(sizeof *req);
  if (!req)
    return MSRP_ERR_NOMEM;
  req->data = t;
  t->shutdown_cb = cb;
  t->shutdown_ud = ud;
  if (uv_shutdown(req, (uv_stream_t *)&t->tcp, on_shutdown)) {
    free(req);
    t->shutdown_cb = NULL;
    return MSRP_ERR_IO;
  }
  return 0;
}

/* ---- TLS handshake ----------------------------------------------------- */

int msrp__transport_check_fingerprint(msrp_transport *t,
                                      const unsigned char fp[32]) {
  if (t->layer_ready && t->ops->fingerprint_is(t->layer, fp) == 0)
    return 0;
  msrp__log(&t->logger, MSRP_LOG_WARNING,
            "%s: TLS certificate fingerprint does not match", t->peer);
  return MSRP_ERR_TLS_FINGERPRINT;
}

static void handshake_done(msrp_transport *t, int status) {
  msrp__ready_cb cb = t->ready_cb;
  t->ready_cb = NULL;
  if (status) {
    if (t->reading_socket) {
      uv_read_stop((uv_stream_t *)&t->tcp);
      t->reading_socket = false;
    }
    t->fail = status;
  } else {
    if (t->ops->transforms_writes)
      msrp__log(&t->logger, MSRP_LOG_INFO, "%s: %s established (%s)", t->peer,
                t->ops->name, t->ops->version(t->layer));
  }
  cb(t, status, t->ready_ud);
}

static void handshake_step(msrp_transport *t) {
  char why[300];
  int rc = t->ops->handshake(t->layer, why, sizeof why);
  if (flush_layer(t) && rc != 1) {
    handshake_done(t, MSRP_ERR_IO);
    return;
  }
  if (rc == 0)
    return;
  if (rc == 1) {
    t->layer_ready = true;
    handshake_done(t, 0);
    return;
  }
  msrp__log(&t->logger, MSRP_LOG_WARNING, "%s: %s handshake failed: %s",
            t->peer, t->ops->name, why);
  handshake_done(t, rc);
}

/* ---- reading from the socket ------------------------------------------ */

static uint8_t *read_buffer(msrp_transport *t) {
  if (t->rnext > t->rpeak)
    t->rpeak = t->rnext;
  rblock *b = malloc(sizeof *b + t->rnext);
  if (!b)
    return NULL;
  b->refs = 1;
  b->cap = t->rnext;
  return b->data;
}

static void drop_rbuf(msrp_transport *t) {
  if (!t->rbuf)
    return;
  rblock *b = RBLOCK(t->rbuf);
  t->rbuf = NULL;
  msrp__rhold_release((msrp__rhold *)b);
}

/* The size of the read buffer (there is one). */
static size_t rcap(const msrp_transport *t) {
  return RBLOCK(t->rbuf)->cap;
}

msrp__rhold *msrp__transport_hold(msrp_transport *t, const void *data,
                                  size_t len, size_t *cap) {
  const uint8_t *p = data;
  if (!t || !t->rbuf)
    return NULL;
  rblock *b = RBLOCK(t->rbuf);
  if (p < t->rbuf || len > b->cap || (size_t)(p - t->rbuf) > b->cap - len)
    return NULL; /* not in the read buffer (a request kept while binding) */
  b->refs++;
  if (cap)
    *cap = b->cap;
  return (msrp__rhold *)b;
}

uint64_t msrp__transport_writes(const msrp_transport *t) {
  return t->nwrites;
}

size_t msrp__transport_read_peak(const msrp_transport *t) {
  return t->rpeak;
}

void msrp__rhold_release(msrp__rhold *h) {
  rblock *b = (rblock *)h;
  if (b && !--b->refs)
    free(b);
}

/* The read buffer is about to be written into: one somebody holds is left
 * to them and a new one is made. */
static bool unshared_rbuf(msrp_transport *t) {
  if (t->rbuf && RBLOCK(t->rbuf)->refs > 1)
    drop_rbuf(t);
  return t->rbuf || (t->rbuf = read_buffer(t));
}

/* A read of `n` bytes into the `roffer` bytes the layer offered of a
 * buffer of rcap (TLS reads its ciphertext into half of it): the next
 * buffer's size. */
static void read_size(msrp_transport *t, size_t n) {
  if (n >= t->roffer && t->rnext < READ_MAX)
    t->rnext = rcap(t) * 2;
  else if (n < t->roffer / 8 && t->rnext > READ_MIN)
    t->rnext = rcap(t) / 2;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)hint;
  msrp_transport *t = h->data;
  if (!unshared_rbuf(t)) {
    *buf = uv_buf_init(NULL, 0); /* libuv says UV_ENOBUFS */
    return;
  }
  *buf = t->ops->read_into(t->layer, t->rbuf, rcap(t));
  t->roffer = buf->len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void stop_socket(msrp_transport *t) {
  if (t->reading_socket) {
    uv_read_stop((uv_stream_t *)&t->tcp);
    t->reading_socket = false;
  }
}

static void start_socket(msrp_transport *t) {
  if (!t->reading_socket && !t->eof && !t->fail && !t->tcp_closed &&
      !t->freeing) {
    if (uv_read_start((uv_stream_t *)&t->tcp, on_alloc, on_read) == 0)
      t->reading_socket = true;
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  msrp_transport *t = s->data;
  if (nread == 0)
    return;
  if (nread < 0) {
    stop_socket(t);
    if (!t->layer_ready && t->ready_cb) { /* during the handshake */
      handshake_done(t, nread == UV_EOF ? MSRP_ERR_TLS_HANDSHAKE : MSRP_ERR_IO);
      return;
    }
    if (nread != UV_EOF) {
      msrp__log(&t->logger, MSRP_LOG_WARNING, "%s: read failed: %s", t->peer,
                uv_strerror((int)nread));
      read_failed(t, MSRP_ERR_IO);
      return;
    }
    t->eof = true;
    process_input(t);
    return;
  }
  read_size(t, (size_t)nread);
  size_t plain;
  if (t->ops->received(t->layer, buf->base, (size_t)nread, &plain)) {
    read_failed(t, MSRP_ERR_NOMEM);
    return;
  }
  if (!t->layer_ready) {
    handshake_step(t);
    if (!t->layer_ready)
      return;
  }
  if (plain) {
    t->in_off = 0;
    t->in_len = plain;
  }
  process_input(t);
}

void msrp__transport_start_ws(msrp_transport *t, msrp__tls_ctx *ctx, int server,
                              const char *verify_name,
                              const unsigned char *fingerprint,
                              const msrp__ws_target *ws, msrp__ready_cb cb,
                              void *ud) {
  t->ready_cb = cb;
  t->ready_ud = ud;
  msrp__transport_set_peer(t);
  uv_tcp_nodelay(&t->tcp, 1);
  int rc = 0;
  const msrp__layer_ops *ops = &msrp__plain_layer;
  msrp__layer *l = NULL;
  if (ctx) {
    rc = msrp__tls_layer_new(&l, ctx, server, verify_name,
                             server ? NULL : fingerprint);
    ops = &msrp__tls_layer;
  }
  if (!rc && ws) {
    msrp__layer *w;
    rc = msrp__ws_layer_new(&w, ops, l, ws->host, ws->port, ws->path,
                            ctx != NULL);
    if (rc) {
      ops->free(l);
    } else {
      ops = &msrp__ws_layer;
      l = w;
    }
  }
  if (rc) {
    t->ready_cb = NULL;
    t->fail = rc;
    cb(t, rc, ud);
    return;
  }
  t->ops = ops;
  t->layer = l;
  t->use_tls = ctx != NULL;
  /* the handshake (none for plain TCP) begins from the loop, so that `cb`
   * never runs inside this call */
  t->starting = true;
  kick(t);
}

void msrp__transport_start(msrp_transport *t, msrp__tls_ctx *ctx, int server,
                           const char *verify_name,
                           const unsigned char *fingerprint, msrp__ready_cb cb,
                           void *ud) {
  msrp__transport_start_ws(t, ctx, server, verify_name, fingerprint, NULL, cb,
                           ud);
}

/* Refill `in` from the layer (TLS decrypts what it holds). Returns bytes
 * now available, 0 when it needs more from the socket, <0 on failure. */
static int layer_refill(msrp_transport *t) {
  if (!unshared_rbuf(t))
    return MSRP_ERR_NOMEM;
  ssize_t n = t->ops->refill(t->layer, t->rbuf, rcap(t));
  flush_layer(t); /* post-handshake messages may want answers */
  if (n > 0) {
    t->in_off = 0;
    t->in_len = (size_t)n;
    return (int)n;
  }
  if (n == MSRP_ERR_CONNECTION_CLOSED) {
    t->eof = true; /* close_notify */
    return 0;
  }
  if (n < 0) {
    const char *why = t->ops->reason ? t->ops->reason(t->layer) : NULL;
    msrp__log(&t->logger, MSRP_LOG_WARNING, "%s: %s error while reading%s%s",
              t->peer, t->ops->name, why ? ": " : "", why ? why : "");
  }
  return (int)n;
}

/* ---- the event loop of reading ---------------------------------------- */

static void deliver(msrp_transport *t, const msrp_event *ev);

static void trace_in(msrp_transport *t, const msrp_event *ev) {
  if (!t->logger.trace)
    return;
  if (ev->type == MSRP_EVENT_HEADERS) {
    struct iovec head;
    if (msrp_chunk_serialize_head(ev->chunk, &head) == 0)
      trace(t, MSRP_TRACE_IN, head.iov_base, head.iov_len);
    t->in_chunk_body = !t->logger.trace_binary &&
                       !msrp__is_text_type(msrp_chunk_content_type(ev->chunk));
    t->trace_elided = 0;
  } else if (ev->type == MSRP_EVENT_BODY) {
    if (t->in_chunk_body)
      t->trace_elided += ev->len;
    else
      trace(t, MSRP_TRACE_IN, ev->data, ev->len);
  } else if (ev->type == MSRP_EVENT_END) {
    char line[160];
    int k = 0;
    if (t->in_chunk_body && t->trace_elided)
      k = snprintf(line, sizeof line, "[%llu bytes of %s]",
                   (unsigned long long)t->trace_elided,
                   msrp_chunk_content_type(ev->chunk)
                       ? msrp_chunk_content_type(ev->chunk)
                       : "unknown type");
    k += snprintf(line + k, sizeof line - (size_t)k, "%s-------%s%c\r\n",
                  msrp_chunk_has_content(ev->chunk) ? "\r\n" : "",
                  msrp_chunk_transaction_id(ev->chunk), ev->flag);
    trace(t, MSRP_TRACE_IN, line, (size_t)k);
  }
}

/* Whether a request kept while binding (active side) waits for the reader:
 * it gets them before anything read after them. */
static bool held_waiting(msrp_transport *t) {
  if (t->replay_on)
    return true;
  if (!t->binding || t->mode == READ_BIND ||
      !msrp_binding_take_held(t->binding, &t->replay))
    return false;
  t->replay_on = true;
  t->replay_step = 0;
  return true;
}

/* The next event of that request. */
static void replay_held(msrp_transport *t) {
  msrp_held_request *h = &t->replay;
  msrp_event ev;
  memset(&ev, 0, sizeof ev);
  ev.chunk = h->chunk;
  if (t->replay_step == 0) {
    ev.type = MSRP_EVENT_HEADERS;
    t->replay_step = h->len ? 1 : 2;
    deliver(t, &ev);
    return;
  }
  if (t->replay_step == 1) {
    ev.type = MSRP_EVENT_BODY;
    ev.data = h->body;
    ev.len = h->len;
    t->replay_step = 2;
    deliver(t, &ev);
    return;
  }
  ev.type = MSRP_EVENT_END;
  ev.flag = h->flag;
  ev.range = h->range;
  t->replay_on = false;
  deliver(t, &ev);
  msrp_chunk_free(h->chunk);
  free(h->body);
}

static void process_input(msrp_transport *t) {
  /* requests kept while binding are the reader's even when the peer has
   * gone since */
  while (!t->freeing && t->mode != READ_NONE && (!t->fail || held_waiting(t)) &&
         t->bind != BIND_PARKED) {
    msrp_event ev;
    if (t->replay_headers) {
      /* the binder read these headers; the reader sees them first */
      t->replay_headers = false;
      memset(&ev, 0, sizeof ev);
      ev.type = MSRP_EVENT_HEADERS;
      ev.chunk = msrp_parser_chunk(t->parser);
      deliver(t, &ev);
      continue;
    }
    if (held_waiting(t)) {
      replay_held(t);
      continue;
    }
    if (t->fail)
      break;
    /* the parser may hold an event even when no input is left */
    size_t used;
    int rc = msrp_parser_execute(
        t->parser, t->rbuf ? t->rbuf + t->in_off : (const uint8_t *)"",
        t->in_len - t->in_off, &used, &ev);
    t->in_off += used;
    if (rc) {
      read_failed(t, rc);
      return;
    }
    if (ev.type != MSRP_EVENT_NONE) {
      trace_in(t, &ev);
      deliver(t, &ev);
      if (ev.type == MSRP_EVENT_END && t->has_next_limits &&
          msrp_parser_set_limits(t->parser, &t->next_limits) != MSRP_ERR_BUSY)
        t->has_next_limits = false;
      continue;
    }
    t->in_off = t->in_len = 0; /* all of it was used */
    if (t->layer_ready && !t->eof) {
      int n = layer_refill(t);
      if (n < 0) {
        read_failed(t, n);
        return;
      }
      if (n > 0)
        continue;
    }
    if (t->eof) {
      read_failed(t, msrp_parser_between_chunks(t->parser)
                         ? MSRP_ERR_CONNECTION_CLOSED
                         : MSRP_ERR_CLOSED_MID_CHUNK);
      return;
    }
    /* all of it used: the buffer goes until the next read, and so does
     * what the parser keeps for a next chunk */
    drop_rbuf(t);
    msrp_parser_shrink(t->parser);
    start_socket(t);
    return;
  }
  if (t->mode == READ_NONE || t->bind == BIND_PARKED)
    stop_socket(t);
  if (t->fail && !t->fail_told && t->mode != READ_NONE)
    tell_reader(t, t->fail);
}

/* ---- read modes -------------------------------------------------------- */

int msrp_transport_read_start(msrp_transport *t, msrp_read_cb cb, void *ud) {
  if (!t || !cb)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (t->freeing)
    return MSRP_ERR_CLOSED;
  if (t->mode != READ_NONE && t->mode != READ_EVENTS)
    return MSRP_ERR_BUSY;
  t->mode = READ_EVENTS;
  msrp_parser_set_segment_size(t->parser, MSRP_PARSER_NO_SEGMENTS);
  t->read_cb = cb;
  t->read_ud = ud;
  t->fail_told = false;
  kick(t);
  return 0;
}

int msrp_transport_read_stop(msrp_transport *t) {
  if (!t)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (t->mode == READ_EVENTS)
    t->mode = READ_NONE;
  stop_socket(t);
  return 0;
}

int msrp_transport_read_chunk(msrp_transport *t, size_t size,
                              msrp_read_chunk_cb cb, void *ud) {
  if (!t || !cb)
    return MSRP_ERR_INVALID_ARGUMENT;
  if (t->freeing)
    return MSRP_ERR_CLOSED;
  if (t->mode != READ_NONE)
    return MSRP_ERR_BUSY;
  t->mode = READ_CHUNK;
  t->chunk_cb = cb;
  t->chunk_ud = ud;
  t->chunk_size = size < t->max_chunk ? size : t->max_chunk;
  t->body.len = 0;
  msrp_parser_set_segment_size(t->parser, t->chunk_size);
  t->fail_told = false;
  kick(t);
  return 0;
}

static void on_read_chunk_wait(msrp_transport *t, int status, msrp_chunk *chunk,
                               unsigned segment, void *ud) {
  (void)t;
  wait_state *w = ud;
  w->done = true;
  w->status = status;
  w->chunk = chunk;
  w->segment = segment;
}

int msrp_transport_read_chunk_wait(msrp_transport *t, size_t size,
                                   msrp_chunk **out, unsigned *segment) {
  wait_state w = {0};
  int rc = msrp_transport_read_chunk(t, size, on_read_chunk_wait, &w);
  if (rc)
    return rc;
  rc = msrp__run_until(t->loop, &w.done);
  if (rc)
    return rc;
  if (w.status)
    return w.status;
  *out = w.chunk;
  if (segment)
    *segment = w.segment;
  return 0;
}

/* read_chunk: collect one chunk, or one virtual chunk of it. */
static void chunk_mode_event(msrp_transport *t, const msrp_event *ev) {
  if (ev->type == MSRP_EVENT_HEADERS) {
    t->body.len = 0;
    return;
  }
  if (ev->type == MSRP_EVENT_BODY) {
    if (msrp__buf_append(&t->body, ev->data, ev->len))
      read_failed(t, MSRP_ERR_NOMEM);
    return;
  }
  /* SEGMENT or END: hand over a copy of the head, the collected body (not
   * copied again) and the range */
  msrp_chunk *c;
  int rc = msrp_chunk_dup(&c, ev->chunk);
  if (!rc && t->body.len) {
    msrp__chunk_take_body(c, t->body.data, t->body.len);
    t->body = (msrp__buf){0};
  }
  if (!rc) {
    msrp_chunk_set_flag(c, ev->flag);
    msrp_byte_range r; /* a virtual chunk of one that has a range */
    if (ev->segment && msrp_chunk_byte_range(ev->chunk, &r) == 0)
      rc = msrp_chunk_set_byte_range(c, ev->range.start, ev->range.end,
                                     ev->range.total);
  }
  t->body.len = 0;
  if (rc) {
    read_failed(t, rc);
    return;
  }
  t->mode = READ_NONE;
  t->chunk_cb(t, 0, c, ev->segment, t->chunk_ud);
}

static void bind_event(msrp_transport *t, const msrp_event *ev);

static void deliver(msrp_transport *t, const msrp_event *ev) {
  switch (t->mode) {
  case READ_EVENTS:
    t->read_cb(t, 0, ev, t->read_ud);
    break;
  case READ_CHUNK:
    chunk_mode_event(t, ev);
    break;
  case READ_BIND:
    bind_event(t, ev);
    break;
  case READ_NONE:
    break;
  }
}

/* ---- binding: the core's machine (binding.h) on this connection ------ */

static void bind_finish(msrp_transport *t, int status) {
  t->mode = READ_NONE;
  t->bind = BIND_NONE;
  stop_socket(t);
  t->bind_done(t, status, t->bind_ud);
}

static void on_refusal_written(msrp_transport *t, int status, void *ud) {
  (void)status;
  (void)ud;
  if (!t->freeing)
    close_socket(t);
}

/* Write what the machine has to say (traced); after a refusal the
 * connection closes once it is written. */
static int write_binding_output(msrp_transport *t, bool then_close) {
  const char *data;
  size_t len;
  if (!msrp_binding_output(t->binding, &data, &len))
    return then_close ? MSRP_ERR_CLOSED : 0;
  trace(t, MSRP_TRACE_OUT, data, len);
  char *copy = malloc(len);
  int rc = MSRP_ERR_NOMEM;
  if (copy) {
    memcpy(copy, data, len);
    struct iovec iov = {copy, len};
    rc = submit(t, &iov, 1, then_close ? on_refusal_written : NULL, NULL, copy);
  }
  msrp_binding_output_done(t->binding);
  return rc;
}

/* Act on the machine's state after an event or a decision. */
static void binding_step(msrp_transport *t) {
  msrp_binding *b = t->binding;
  for (;;) {
    msrp_binding_state st = msrp_binding_state_of(b);
    if (st == MSRP_BINDING_DECIDE) {
      int code = t->bind_decide(t, msrp_binding_request(b), t->bind_ud);
      if (code == 1) { /* the owner decides later */
        t->bind = BIND_PARKED;
        stop_socket(t);
        return;
      }
      msrp_binding_decide(b, code);
      continue;
    }
    if (st == MSRP_BINDING_WAIT) {
      write_binding_output(t, false);
      return;
    }
    if (st == MSRP_BINDING_BOUND) {
      int rc = write_binding_output(t, false);
      if (!rc) {
        /* a SEND with data bound: its events go to the next reader */
        t->replay_headers = msrp_binding_bound_on_data(b);
        msrp__log(&t->logger, MSRP_LOG_INFO, "%s: session bound", t->peer);
      }
      bind_finish(t, rc);
      return;
    }
    int err = msrp_binding_error(b);
    msrp__log(&t->logger, MSRP_LOG_WARNING, "%s: binding failed: %s", t->peer,
              msrp_strerror(err));
    stop_socket(t);
    if (write_binding_output(t, true))
      close_socket(t); /* nothing to answer: just close */
    t->fail = err;
    t->fail_told = true;
    bind_finish(t, err);
    return;
  }
}

static void bind_event(msrp_transport *t, const msrp_event *ev) {
  msrp_binding_event(t->binding, ev);
  binding_step(t);
}

static int bind_start(msrp_transport *t, msrp_binding *b,
                      msrp__bind_decide_cb decide, msrp__bind_done_cb done,
                      void *ud) {
  msrp_binding_free(t->binding);
  t->binding = b;
  t->bind_decide = decide;
  t->bind_done = done;
  t->bind_ud = ud;
  int rc = write_binding_output(t, false);
  if (rc)
    return rc;
  msrp_parser_set_segment_size(t->parser, MSRP_PARSER_NO_SEGMENTS);
  t->bind = BIND_RUNNING;
  t->mode = READ_BIND;
  t->fail_told = false;
  kick(t);
  return 0;
}

int msrp__bind_active(msrp_transport *t, msrp__bind_done_cb done, void *ud) {
  if (t->mode != READ_NONE)
    return MSRP_ERR_BUSY;
  msrp_binding *b;
  int rc = msrp_binding_new_active(&b, &t->local_path, &t->remote_path);
  if (!rc)
    msrp_binding_match_session_id_only(b, t->by_session_id);
  return rc ? rc : bind_start(t, b, NULL, done, ud);
}

int msrp__bind_passive(msrp_transport *t, msrp__bind_decide_cb decide,
                       msrp__bind_done_cb done, void *ud) {
  if (t->mode != READ_NONE)
    return MSRP_ERR_BUSY;
  msrp_binding *b;
  int rc = msrp_binding_new_passive(&b);
  return rc ? rc : bind_start(t, b, decide, done, ud);
}

/* The owner's late decision about a parked binding. */
void msrp__bind_resolve(msrp_transport *t, int code) {
  if (t->bind != BIND_PARKED)
    return;
  t->bind = BIND_RUNNING;
  msrp_binding_decide(t->binding, code);
  binding_step(t);
  if (t->bind == BIND_RUNNING)
    kick(t);
}
