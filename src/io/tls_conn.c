/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* One TLS endpoint on OpenSSL memory BIOs; see tls_conn.h. */
#include "io/tls_conn.h"

#include "core/util.h"

#include <msrp/common.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msrp__tls_conn {
  SSL *ssl;
  BIO *net_in, *net_out; /* owned by ssl */
  unsigned char fingerprint[32];
  bool pinned;
  /* ciphertext written by OpenSSL, not yet taken: the write BIO puts it
   * straight here, and msrp__tls_conn_take_output hands this very buffer
   * over (no second copy through a memory BIO) */
  msrp__buf out;
};

/* ---- the write BIO: OpenSSL's records go into c->out ------------------- */

static int out_write_ex(BIO *b, const char *data, size_t len, size_t *done) {
  msrp__tls_conn *c = BIO_get_data(b);
  if (msrp__buf_append(&c->out, data, len))
    return 0;
  *done = len;
  return 1;
}

static long out_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)num;
  (void)ptr;
  msrp__tls_conn *c = BIO_get_data(b);
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  case BIO_CTRL_WPENDING:
    return (long)c->out.len;
  default:
    return 0;
  }
}

static int out_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static CRYPTO_ONCE out_once = CRYPTO_ONCE_STATIC_INIT;
static BIO_METHOD *out_method;

static void make_out_method(void) {
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                               "msrp ciphertext out");
  if (m && BIO_meth_set_write_ex(m, out_write_ex) &&
      BIO_meth_set_ctrl(m, out_ctrl) && BIO_meth_set_create(m, out_create))
    out_method = m;
  else
    BIO_meth_free(m);
}

int msrp__tls_conn_new(msrp__tls_conn **out, SSL_CTX *ctx, int server,
                       const char *verify_name,
                       const unsigned char *fingerprint) {
  msrp__tls_conn *c = calloc(1, sizeof *c);
  if (!c)
    return MSRP_ERR_NOMEM;
  c->ssl = SSL_new(ctx);
  c->net_in = BIO_new(BIO_s_mem());
  c->net_out = CRYPTO_THREAD_run_once(&out_once, make_out_method) && out_method
                   ? BIO_new(out_method)
                   : NULL;
  if (c->net_out)
    BIO_set_data(c->net_out, c);
  if (!c->ssl || !c->net_in || !c->net_out) {
    BIO_free(c->net_in);
    BIO_free(c->net_out);
    SSL_free(c->ssl);
    free(c);
    ERR_clear_error();
    return MSRP_ERR_NOMEM;
  }
  /* an empty input BIO means "more to come", not the end */
  BIO_set_mem_eof_return(c->net_in, -1);
  SSL_set_bio(c->ssl, c->net_in, c->net_out);
  if (server) {
    SSL_set_accept_state(c->ssl);
  } else {
    SSL_set_connect_state(c->ssl);
    if (fingerprint) {
      memcpy(c->fingerprint, fingerprint, 32);
      c->pinned = true;
      SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    } else if (verify_name) {
      unsigned char tmp[16];
      if (inet_pton(AF_INET, verify_name, tmp) == 1 ||
          inet_pton(AF_INET6, verify_name, tmp) == 1) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), verify_name);
      } else {
        SSL_set_tlsext_host_name(c->ssl, verify_name);
        SSL_set1_host(c->ssl, verify_name);
      }
    }
  }
  *out = c;
  return 0;
}

void msrp__tls_conn_free(msrp__tls_conn *c) {
  if (!c)
    return;
  SSL_free(c->ssl); /* and both BIOs */
  msrp__buf_free(&c->out);
  free(c);
}

int msrp__tls_conn_feed(msrp__tls_conn *c, const void *data, size_t len) {
  return len && BIO_write(c->net_in, data, (int)len) != (int)len
             ? MSRP_ERR_NOMEM
             : 0;
}

int msrp__tls_conn_fingerprint_is(msrp__tls_conn *c,
                                  const unsigned char fp[32]) {
  X509 *cert = SSL_get1_peer_certificate(c->ssl);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  bool ok = cert && X509_digest(cert, EVP_sha256(), md, &n) && n == 32 &&
            CRYPTO_memcmp(md, fp, 32) == 0;
  X509_free(cert);
  return ok ? 0 : MSRP_ERR_TLS_FINGERPRINT;
}

int msrp__tls_conn_handshake(msrp__tls_conn *c, char *why, size_t size) {
  ERR_clear_error();
  int rc = SSL_do_handshake(c->ssl);
  if (rc == 1) {
    if (c->pinned && msrp__tls_conn_fingerprint_is(c, c->fingerprint)) {
      snprintf(why, size, "certificate fingerprint does not match");
      return MSRP_ERR_TLS_FINGERPRINT;
    }
    return 1;
  }
  if (SSL_get_error(c->ssl, rc) == SSL_ERROR_WANT_READ)
    return 0;
  long vr = SSL_get_verify_result(c->ssl);
  unsigned long e = ERR_peek_last_error();
  char buf[256] = "";
  if (e)
    ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  if (vr != X509_V_OK) {
    snprintf(why, size, "certificate not trusted: %s",
             X509_verify_cert_error_string(vr));
    return MSRP_ERR_TLS_VERIFY;
  }
  snprintf(why, size, "%s", buf[0] ? buf : "connection closed");
  return MSRP_ERR_TLS_HANDSHAKE;
}

ssize_t msrp__tls_conn_read(msrp__tls_conn *c, void *buf, size_t size) {
  ERR_clear_error();
  int n = SSL_read(c->ssl, buf, size > INT32_MAX ? INT32_MAX : (int)size);
  if (n > 0)
    return n;
  int err = SSL_get_error(c->ssl, n);
  ERR_clear_error();
  if (err == SSL_ERROR_WANT_READ)
    return 0;
  if (err == SSL_ERROR_ZERO_RETURN)
    return MSRP_ERR_CONNECTION_CLOSED; /* close_notify */
  return MSRP_ERR_IO;
}

/* Encrypt all `len` bytes (SSL_write_ex may stop after a record: partial
 * writes are on). */
static int write_all(msrp__tls_conn *c, const char *p, size_t len) {
  while (len > 0) {
    size_t done = 0;
    if (SSL_write_ex(c->ssl, p, len, &done) != 1 || done == 0) {
      ERR_clear_error();
      return MSRP_ERR_IO;
    }
    p += done;
    len -= done;
  }
  return 0;
}

int msrp__tls_conn_write(msrp__tls_conn *c, const struct iovec *iov, int n) {
  /* Full records (16 KiB, TLS's largest) wherever the pieces allow: a
   * chunk's head and end-line, and the ends of bodies, are gathered with
   * what follows them into one record instead of a small record each;
   * whole records of a body are encrypted from where they are. */
  enum { RECORD = 16384, RECORD_COST = 5 + 1 + 16 }; /* header, type, tag */
  char stage[RECORD];
  size_t staged = 0, total = 0;
  for (int i = 0; i < n; i++)
    total += iov[i].iov_len;
  if (msrp__buf_reserve(&c->out,
                        total + (total / RECORD + n + 1) * RECORD_COST))
    return MSRP_ERR_NOMEM;
  for (int i = 0; i < n; i++) {
    const char *p = iov[i].iov_base;
    size_t left = iov[i].iov_len;
    while (left > 0) {
      if (staged == 0 && left >= RECORD) {
        size_t whole = left - left % RECORD;
        if (write_all(c, p, whole))
          return MSRP_ERR_IO;
        p += whole;
        left -= whole;
        continue;
      }
      size_t k = RECORD - staged < left ? RECORD - staged : left;
      memcpy(stage + staged, p, k);
      staged += k;
      p += k;
      left -= k;
      if (staged == RECORD) {
        if (write_all(c, stage, RECORD))
          return MSRP_ERR_IO;
        staged = 0;
      }
    }
  }
  return staged ? write_all(c, stage, staged) : 0;
}

int msrp__tls_conn_close(msrp__tls_conn *c) {
  if (SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)
    return 0;
  ERR_clear_error();
  SSL_shutdown(c->ssl);
  ERR_clear_error();
  return 1;
}

size_t msrp__tls_conn_pending(const msrp__tls_conn *c) {
  return c->out.len;
}

int msrp__tls_conn_take_output(msrp__tls_conn *c, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (!c->out.len)
    return 0;
  /* the buffer itself changes hands; the next ciphertext gets a new one */
  *out = c->out.data;
  *len = c->out.len;
  c->out = (msrp__buf){0};
  return 0;
}

const char *msrp__tls_conn_version(const msrp__tls_conn *c) {
  return SSL_get_version(c->ssl);
}
