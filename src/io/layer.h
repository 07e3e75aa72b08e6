/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* What lies between a transport's socket and its parser: plain TCP, or
 * TLS. The transport reads the socket where its layer says, hands it the
 * bytes, takes plaintext from it and gives it plaintext to send; it never
 * asks which layer it has (curl's connection filters are the model).
 * WebSocket (RFC 7977) wraps either. Not part of the API. */
#ifndef MSRP_IO_LAYER_H
#define MSRP_IO_LAYER_H

#include "io/io_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct msrp__layer msrp__layer; /* one connection's layer state */

/* The most pieces one write may have (a session's step of several chunks:
 * three pieces each). */
#define MSRP__LAYER_PIECES 64

typedef struct msrp__layer_ops {
  const char *name; /* for the log: "TCP", "TLS" */
  /* Writes are transformed at once (encrypted): the caller's bytes need
   * no copy to outlive the call. */
  bool transforms_writes;
  /* Where the socket's next bytes land, in the transport's read buffer
   * `rbuf` of `size` bytes. */
  uv_buf_t (*read_into)(msrp__layer *l, uint8_t *rbuf, size_t size);
  /* `n` socket bytes arrived at `data`: *plain gets how many plaintext
   * bytes now begin `rbuf` (the rest comes from refill). MSRP_ERR_NOMEM. */
  int (*received)(msrp__layer *l, const char *data, size_t n, size_t *plain);
  /* Advance the handshake: 1 done, 0 more input needed, or an
   * MSRP_ERR_TLS_* error with the reason in `why`. */
  int (*handshake)(msrp__layer *l, char *why, size_t size);
  /* More plaintext into `rbuf` (`size` bytes): > 0 bytes, 0 none yet,
   * MSRP_ERR_CONNECTION_CLOSED when the peer said goodbye, MSRP_ERR_IO. */
  ssize_t (*refill)(msrp__layer *l, uint8_t *rbuf, size_t size);
  /* What to write on the socket for plaintext `iov` (n may be 0: only what
   * the layer has of its own): up to MSRP__LAYER_PIECES `bufs`, pointing at
   * `iov` or at *owned, a malloc'd buffer the write then owns. */
  int (*encode)(msrp__layer *l, const struct iovec *iov, int n, uv_buf_t *bufs,
                int *nbufs, char **owned);
  /* Bytes the layer has to send of its own (handshake, alerts, goodbye). */
  size_t (*pending)(const msrp__layer *l);
  /* Say goodbye once (close_notify): 1 when that produced bytes to send. */
  int (*close)(msrp__layer *l);
  /* 0 when the peer's certificate has this SHA-256 digest. */
  int (*fingerprint_is)(msrp__layer *l, const unsigned char fp[32]);
  /* The protocol version, for the log. */
  const char *(*version)(const msrp__layer *l);
  /* Why the last failure happened, for the log, or NULL (may be NULL). */
  const char *(*reason)(const msrp__layer *l);
  void (*free)(msrp__layer *l);
} msrp__layer_ops;

/* Plain TCP: plaintext goes straight to and from the socket. */
extern const msrp__layer_ops msrp__plain_layer;

/* TLS on OpenSSL memory BIOs (tls_conn.c): a client checks the server's
 * name, or a pinned fingerprint; a server asks for the client's
 * certificate. MSRP_ERR_NOMEM. */
extern const msrp__layer_ops msrp__tls_layer;
int msrp__tls_layer_new(msrp__layer **out, msrp__tls_ctx *ctx, int server,
                        const char *verify_name,
                        const unsigned char *fingerprint);

/* MSRP over WebSocket (RFC 7977), the client side, over `inner` (plain
 * or TLS; taken over): the handshake is the inner one's, then the HTTP
 * upgrade to ws[s]://host:port/path with the msrp subprotocol. Errors:
 * MSRP_ERR_NOMEM, MSRP_ERR_RANDOM, MSRP_ERR_INVALID_ARGUMENT (the inner
 * layer is then still the caller's). */
extern const msrp__layer_ops msrp__ws_layer;
int msrp__ws_layer_new(msrp__layer **out, const msrp__layer_ops *inner_ops,
                       msrp__layer *inner, const char *host, int port,
                       const char *path, int secure);

#endif
