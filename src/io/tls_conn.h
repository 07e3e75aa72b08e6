/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* One TLS endpoint on memory buffers (OpenSSL memory BIOs): the layer a
 * transport puts between its socket and its parser. Ciphertext from the
 * socket goes in with feed(); plaintext comes out of read(); plaintext to
 * send goes in with write(), and the ciphertext for the socket comes out of
 * take_output(). It does no I/O itself. Not part of the API. */
#ifndef MSRP_IO_TLS_CONN_H
#define MSRP_IO_TLS_CONN_H

#include <openssl/ssl.h>

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct msrp__tls_conn msrp__tls_conn;

/* A client checks the server against `verify_name` (a host name or an IP
 * address) unless `fingerprint` pins its certificate instead (32 bytes of
 * SHA-256); a server checks nothing here (msrp__tls_conn_fingerprint_is
 * tells later). MSRP_ERR_NOMEM. */
int msrp__tls_conn_new(msrp__tls_conn **out, SSL_CTX *ctx, int server,
                       const char *verify_name,
                       const unsigned char *fingerprint);
void msrp__tls_conn_free(msrp__tls_conn *c);

/* Ciphertext from the socket. */
int msrp__tls_conn_feed(msrp__tls_conn *c, const void *data, size_t len);

/* Advance the handshake: 1 when it is done (and a pinned fingerprint
 * matched), 0 when it needs more input, or MSRP_ERR_TLS_VERIFY,
 * MSRP_ERR_TLS_FINGERPRINT, MSRP_ERR_TLS_HANDSHAKE with the reason in
 * `why`. */
int msrp__tls_conn_handshake(msrp__tls_conn *c, char *why, size_t size);

/* Plaintext: > 0 bytes, 0 when more input is needed,
 * MSRP_ERR_CONNECTION_CLOSED after the peer's close_notify, MSRP_ERR_IO. */
ssize_t msrp__tls_conn_read(msrp__tls_conn *c, void *buf, size_t size);

/* Encrypt every byte of `iov` (for take_output). MSRP_ERR_IO. */
int msrp__tls_conn_write(msrp__tls_conn *c, const struct iovec *iov, int n);

/* Say close_notify, once: 1 when it was produced now (take_output has it),
 * 0 when it had been. */
int msrp__tls_conn_close(msrp__tls_conn *c);

/* Bytes waiting for the socket, and a malloc'd copy of them (*out NULL
 * when none). MSRP_ERR_NOMEM. */
size_t msrp__tls_conn_pending(const msrp__tls_conn *c);
int msrp__tls_conn_take_output(msrp__tls_conn *c, char **out, size_t *len);

/* 0 when the peer presented a certificate with this SHA-256 digest, else
 * MSRP_ERR_TLS_FINGERPRINT. */
int msrp__tls_conn_fingerprint_is(msrp__tls_conn *c,
                                  const unsigned char fp[32]);

/* "TLSv1.3", for the log. */
const char *msrp__tls_conn_version(const msrp__tls_conn *c);

#endif
