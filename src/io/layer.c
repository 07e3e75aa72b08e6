/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* The two layers a transport can have: plain TCP and TLS; see layer.h. */
#include "io/layer.h"

#include "io/tls_conn.h"

#include <stdlib.h>

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
  for (int i = 0; i < n && i < 8; i++)
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
