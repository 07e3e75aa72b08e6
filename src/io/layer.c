/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The layers a transport can have: plain TCP, TLS, and WebSocket over
 * either; see layer.h. */
#include "io/layer.h"

#include "core/websocket.h"
#include "io/tls_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- plain TCP ----------------------------------------------------------- */

static uv_buf_t plain_read_into(msrp__layer *l, uint8_t *rbuf, size_t size) {
  (void)l;
  return uv_buf_init((char *)rbuf, (unsigned)size); /* straight in */
}

static int plain_received(msrp__layer *l, const char *data, size_t n,
                          size_t *plain) {
  (void)l;
  (void)data;
  *plain = n;
  return 0;
}

static int plain_handshake(msrp__layer *l, char *why, size_t size) {
  (void)l;
  (void)why;
  (void)size;
  return 1;
}

static ssize_t plain_refill(msrp__layer *l, uint8_t *rbuf, size_t size) {
  (void)l;
  (void)rbuf;
  (void)size;
  return 0;
}

static int plain_encode(msrp__layer *l, const struct iovec *iov, int n,
                        uv_buf_t *bufs, int *nbufs, char **owned) {
  (void)l;
  *owned = NULL;
  *nbufs = 0;
  for (int i = 0; i < n && i < MSRP__LAYER_PIECES; i++)
    bufs[(*nbufs)++] = uv_buf_init(iov[i].iov_base, (unsigned)iov[i].iov_len);
  return 0;
}

static size_t plain_pending(const msrp__layer *l) {
  (void)l;
  return 0;
}

static int plain_close(msrp__layer *l) {
  (void)l;
  return 0;
}

static int plain_fingerprint_is(msrp__layer *l, const unsigned char fp[32]) {
  (void)l;
  (void)fp;
  return MSRP_ERR_TLS_FINGERPRINT; /* no certificate at all */
}

static const char *plain_version(const msrp__layer *l) {
  (void)l;
  return "TCP";
}

static void plain_free(msrp__layer *l) {
  (void)l;
}

const msrp__layer_ops msrp__plain_layer = {
    .name = "TCP",
    .transforms_writes = false,
    .read_into = plain_read_into,
    .received = plain_received,
    .handshake = plain_handshake,
    .refill = plain_refill,
    .encode = plain_encode,
    .pending = plain_pending,
    .close = plain_close,
    .fingerprint_is = plain_fingerprint_is,
    .version = plain_version,
    .free = plain_free,
};

/* ---- TLS ------------------------------------------------------------------
 */

/* The layer state is the TLS connection itself. */
#define TLS(l) ((msrp__tls_conn *)(void *)(l))

int msrp__tls_layer_new(msrp__layer **out, msrp__tls_ctx *ctx, int server,
                        const char *verify_name,
                        const unsigned char *fingerprint) {
  msrp__tls_conn *c;
  int rc = msrp__tls_conn_new(&c, ctx, server, verify_name, fingerprint);
  if (!rc)
    *out = (msrp__layer *)(void *)c;
  return rc;
}

static uv_buf_t tls_read_into(msrp__layer *l, uint8_t *rbuf, size_t size) {
  (void)l;
  /* ciphertext lands in the upper half and goes into the BIO at once; the
   * lower half takes plaintext (refill) */
  return uv_buf_init((char *)rbuf + size / 2, (unsigned)(size / 2));
}

static int tls_received(msrp__layer *l, const char *data, size_t n,
                        size_t *plain) {
  *plain = 0;
  return msrp__tls_conn_feed(TLS(l), data, n);
}

static int tls_handshake(msrp__layer *l, char *why, size_t size) {
  return msrp__tls_conn_handshake(TLS(l), why, size);
}

static ssize_t tls_refill(msrp__layer *l, uint8_t *rbuf, size_t size) {
  return msrp__tls_conn_read(TLS(l), rbuf, size / 2);
}

static int tls_encode(msrp__layer *l, const struct iovec *iov, int n,
                      uv_buf_t *bufs, int *nbufs, char **owned) {
  size_t len;
  int rc = msrp__tls_conn_write(TLS(l), iov, n);
  if (!rc)
    rc = msrp__tls_conn_take_output(TLS(l), owned, &len);
  if (rc)
    return rc;
  bufs[0] = uv_buf_init(*owned ? *owned : (char *)"", (unsigned)len);
  *nbufs = 1;
  return 0;
}

static size_t tls_pending(const msrp__layer *l) {
  return msrp__tls_conn_pending((const msrp__tls_conn *)(const void *)l);
}

static int tls_close(msrp__layer *l) {
  return msrp__tls_conn_close(TLS(l));
}

static int tls_fingerprint_is(msrp__layer *l, const unsigned char fp[32]) {
  return msrp__tls_conn_fingerprint_is(TLS(l), fp);
}

static const char *tls_version(const msrp__layer *l) {
  return msrp__tls_conn_version((const msrp__tls_conn *)(const void *)l);
}

static void tls_free(msrp__layer *l) {
  msrp__tls_conn_free(TLS(l));
}

const msrp__layer_ops msrp__tls_layer = {
    .name = "TLS",
    .transforms_writes = true,
    .read_into = tls_read_into,
    .received = tls_received,
    .handshake = tls_handshake,
    .refill = tls_refill,
    .encode = tls_encode,
    .pending = tls_pending,
    .close = tls_close,
    .fingerprint_is = tls_fingerprint_is,
    .version = tls_version,
    .free = tls_free,
};

/* ---- WebSocket (RFC 7977) over plain TCP or TLS ---------------------------
 */

/* The WebSocket codec of the core over an inner layer: socket bytes go to
 * the inner layer, its plaintext to the codec, the codec's MSRP bytes to
 * the transport; our MSRP bytes go to the codec, its frames through the
 * inner layer. */
typedef struct ws_layer {
  const msrp__layer_ops *inner_ops;
  msrp__layer *inner;
  msrp__ws *ws;
  uint8_t *rbuf; /* the transport's read buffer, from read_into */
  /* the inner layer's plaintext, on its way in (a read buffer as the
   * transport gives one: TLS takes its lower half) */
  uint8_t scratch[32768];
  bool inner_ready;
  bool inner_eof; /* the inner layer said goodbye (close_notify) */
  int fail;       /* the codec failed: said on the next refill */
  char why[200];
} ws_layer;

#define WS(l) ((ws_layer *)(void *)(l))

int msrp__ws_layer_new(msrp__layer **out, const msrp__layer_ops *inner_ops,
                       msrp__layer *inner, const char *host, int port,
                       const char *path, int secure) {
  ws_layer *w = calloc(1, sizeof *w);
  if (!w)
    return MSRP_ERR_NOMEM;
  int rc = msrp__ws_client_new(&w->ws, host, port, path, secure);
  if (rc) {
    free(w);
    return rc;
  }
  w->inner_ops = inner_ops;
  w->inner = inner;
  *out = (msrp__layer *)(void *)w;
  return 0;
}

static uv_buf_t ws_read_into(msrp__layer *l, uint8_t *rbuf, size_t size) {
  ws_layer *w = WS(l);
  w->rbuf = rbuf;
  return w->inner_ops->read_into(w->inner, rbuf, size);
}

/* Plaintext of the inner layer into the codec. */
static int ws_take(ws_layer *w, const uint8_t *data, size_t n) {
  int rc = msrp__ws_feed(w->ws, data, n);
  if (rc && !w->fail) {
    w->fail = rc;
    snprintf(w->why, sizeof w->why, "%s", msrp__ws_error(w->ws));
  }
  return rc;
}

/* Whatever plaintext the inner layer holds, into the codec. */
static int ws_drain_inner(ws_layer *w) {
  for (;;) {
    ssize_t n = w->inner_ops->refill(w->inner, w->scratch, sizeof w->scratch);
    if (n == MSRP_ERR_CONNECTION_CLOSED) {
      w->inner_eof = true;
      return 0;
    }
    if (n < 0)
      return (int)n;
    if (n == 0)
      return 0;
    int rc = ws_take(w, w->scratch, (size_t)n);
    if (rc)
      return rc;
  }
}

static int ws_received(msrp__layer *l, const char *data, size_t n,
                       size_t *plain) {
  ws_layer *w = WS(l);
  size_t p = 0;
  int rc = w->inner_ops->received(w->inner, data, n, &p);
  *plain = 0; /* what the transport reads comes from refill */
  if (rc)
    return rc;
  if (p) /* plain TCP: the bytes are at the start of the read buffer */
    ws_take(w, w->rbuf, p);
  return 0;
}

static int ws_handshake(msrp__layer *l, char *why, size_t size) {
  ws_layer *w = WS(l);
  if (!w->inner_ready) {
    int rc = w->inner_ops->handshake(w->inner, why, size);
    if (rc != 1)
      return rc;
    w->inner_ready = true;
  }
  int rc = ws_drain_inner(w);
  if (!rc && w->fail)
    rc = w->fail;
  if (rc) {
    snprintf(why, size, "%s", w->fail ? w->why : msrp_strerror(rc));
    return MSRP_ERR_WEBSOCKET;
  }
  if (msrp__ws_open(w->ws))
    return 1;
  if (w->inner_eof) {
    snprintf(why, size, "the server closed before the WebSocket upgrade");
    return MSRP_ERR_WEBSOCKET;
  }
  return 0;
}

static ssize_t ws_refill(msrp__layer *l, uint8_t *rbuf, size_t size) {
  ws_layer *w = WS(l);
  size_t n = msrp__ws_read(w->ws, rbuf, size);
  if (n)
    return (ssize_t)n;
  int rc = ws_drain_inner(w);
  if (rc && rc != MSRP_ERR_WEBSOCKET)
    return rc;
  n = msrp__ws_read(w->ws, rbuf, size);
  if (n)
    return (ssize_t)n;
  if (w->fail)
    return MSRP_ERR_WEBSOCKET;
  if (msrp__ws_closed(w->ws, NULL) || w->inner_eof)
    return MSRP_ERR_CONNECTION_CLOSED;
  return 0;
}

static int ws_encode(msrp__layer *l, const struct iovec *iov, int n,
                     uv_buf_t *bufs, int *nbufs, char **owned) {
  ws_layer *w = WS(l);
  *owned = NULL;
  *nbufs = 0;
  int rc = n ? msrp__ws_write(w->ws, iov, n) : 0;
  char *frames = NULL;
  size_t len = 0;
  /* nothing of ours (the upgrade request first) before TLS is up */
  if (!rc && w->inner_ready)
    rc = msrp__ws_take_output(w->ws, &frames, &len);
  if (rc)
    return rc;
  struct iovec piece = {frames, len};
  if (!w->inner_ops->transforms_writes) {
    /* plain TCP: the frames themselves go out, owned by the write */
    *owned = frames;
    bufs[0] = uv_buf_init(frames ? frames : (char *)"", (unsigned)len);
    *nbufs = 1;
    return 0;
  }
  rc = w->inner_ops->encode(w->inner, &piece, len ? 1 : 0, bufs, nbufs, owned);
  free(frames);
  return rc;
}

static size_t ws_pending(const msrp__layer *l) {
  const ws_layer *w = (const ws_layer *)(const void *)l;
  return (w->inner_ready ? msrp__ws_pending(w->ws) : 0) +
         w->inner_ops->pending(w->inner);
}

static int ws_close(msrp__layer *l) {
  ws_layer *w = WS(l);
  int a = msrp__ws_close(w->ws);
  int b = w->inner_ops->close(w->inner);
  return a || b;
}

static int ws_fingerprint_is(msrp__layer *l, const unsigned char fp[32]) {
  ws_layer *w = WS(l);
  return w->inner_ops->fingerprint_is(w->inner, fp);
}

static const char *ws_version(const msrp__layer *l) {
  const ws_layer *w = (const ws_layer *)(const void *)l;
  return w->inner_ops == &msrp__tls_layer ? "WebSocket over TLS" : "WebSocket";
}

static const char *ws_reason(const msrp__layer *l) {
  const ws_layer *w = (const ws_layer *)(const void *)l;
  return w->why[0] ? w->why : NULL;
}

static void ws_free(msrp__layer *l) {
  ws_layer *w = WS(l);
  w->inner_ops->free(w->inner);
  msrp__ws_free(w->ws);
  free(w);
}

const msrp__layer_ops msrp__ws_layer = {
    .name = "WebSocket",
    .transforms_writes = true,
    .read_into = ws_read_into,
    .received = ws_received,
    .handshake = ws_handshake,
    .refill = ws_refill,
    .encode = ws_encode,
    .pending = ws_pending,
    .close = ws_close,
    .fingerprint_is = ws_fingerprint_is,
    .version = ws_version,
    .reason = ws_reason,
    .free = ws_free,
};
