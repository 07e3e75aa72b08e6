/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* One TLS endpoint on OpenSSL memory BIOs; see tls_conn.h. */
#include "io/tls_conn.h"

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
};

int msrp__tls_conn_new(msrp__tls_conn **out, SSL_CTX *ctx, int server,
                       const char *verify_name,
                       const unsigned char *fingerprint) {
  msrp__tls_conn *c = calloc(1, sizeof *c);
  if (!c)
    return MSRP_ERR_NOMEM;
  c->ssl = SSL_new(ctx);
  c->net_in = BIO_new(BIO_s_mem());
  c->net_out = BIO_new(BIO_s_mem());
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

int msrp__tls_conn_write(msrp__tls_conn *c, const struct iovec *iov, int n) {
  /* SSL_write_ex may stop after a record (partial writes are on): go on
   * until each buffer is wholly encrypted */
  for (int i = 0; i < n; i++) {
    const char *p = iov[i].iov_base;
    size_t left = iov[i].iov_len;
    while (left > 0) {
      size_t done = 0;
      if (SSL_write_ex(c->ssl, p, left, &done) != 1 || done == 0) {
        ERR_clear_error();
        return MSRP_ERR_IO;
      }
      p += done;
      left -= done;
    }
  }
  return 0;
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
  return BIO_ctrl_pending(c->net_out);
}

int msrp__tls_conn_take_output(msrp__tls_conn *c, char **out, size_t *len) {
  size_t pending = BIO_ctrl_pending(c->net_out);
  *out = NULL;
  *len = 0;
  if (!pending)
    return 0;
  char *b = malloc(pending);
  if (!b)
    return MSRP_ERR_NOMEM;
  *len = (size_t)BIO_read(c->net_out, b, (int)pending);
  *out = b;
  return 0;
}

const char *msrp__tls_conn_version(const msrp__tls_conn *c) {
  return SSL_get_version(c->ssl);
}
