/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/* TLS contexts and fingerprints (OpenSSL 3). The per-connection TLS state
 * lives in transport.c, on memory BIOs. */
#include "io/io_internal.h"

#include "core/util.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int accept_any_certificate(int preverify_ok, X509_STORE_CTX *x) {
  (void)preverify_ok;
  (void)x;
  return 1;
}

void msrp__tls_ctx_free(msrp__tls_ctx *ctx) {
  SSL_CTX_free(ctx);
}

/* Why a TLS file could not be used: which file, and OpenSSL's reason. */
static void config_failed(const msrp_logger *lg, const char *what,
                          const char *file) {
  char reason[256] = "no reason given";
  unsigned long e = ERR_peek_last_error();
  if (e)
    ERR_error_string_n(e, reason, sizeof reason);
  msrp__log(lg, MSRP_LOG_ERROR, "TLS: cannot use the %s%s%s: %s", what,
            file ? " " : "", file ? file : "", reason);
}

int msrp__tls_ctx_new(const msrp_tls_config *cfg, int server,
                      const msrp_logger *lg, msrp__tls_ctx **out) {
  SSL_CTX *ctx =
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx)
    return MSRP_ERR_NOMEM;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  msrp_tls_config none = {0};
  if (!cfg)
    cfg = &none;
  int rc = MSRP_ERR_TLS_CONFIG;
  if (cfg->cert_file &&
      SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
    config_failed(lg, "certificate file", cfg->cert_file);
    goto fail;
  }
  if (cfg->key_file &&
      (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
       SSL_CTX_check_private_key(ctx) != 1)) {
    config_failed(lg, "key file", cfg->key_file);
    goto fail;
  }
  if (server) {
    if (!cfg->cert_file || !cfg->key_file) {
      msrp__log(lg, MSRP_LOG_ERROR,
                "TLS: accepting needs a certificate and a key file");
      goto fail;
    }
    /* ask the connecting endpoint for its certificate: it is checked
     * against the fingerprint its SDP gives (RFC 4572/8122, RFC 4975
     * section 14.4), not against a CA, and a client without one may still
     * connect where no fingerprint is pinned */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
                       accept_any_certificate);
  } else if (cfg->insecure_no_verify || cfg->fingerprint) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (cfg->ca_file ? SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(ctx)) {
      /* loaded */
    } else {
      config_failed(lg, cfg->ca_file ? "CA file" : "system's trust anchors",
                    cfg->ca_file);
      goto fail;
    }
  }
  *out = ctx;
  return 0;
fail:
  ERR_clear_error();
  SSL_CTX_free(ctx);
  return rc;
}

int msrp__parse_fingerprint(const char *text, unsigned char out[32]) {
  if (!text)
    return MSRP_ERR_INVALID_ARGUMENT;
  while (*text == ' ')
    text++;
  if (strncasecmp(text, "sha-256", 7) == 0) {
    text += 7;
    while (*text == ' ')
      text++;
  }
  for (int i = 0; i < 32; i++) {
    int hi = msrp__hex_value((unsigned char)text[0]);
    int lo = hi < 0 ? -1 : msrp__hex_value((unsigned char)text[1]);
    if (hi < 0 || lo < 0)
      return MSRP_ERR_INVALID_ARGUMENT;
    out[i] = (unsigned char)(hi * 16 + lo);
    text += 2;
    if (i < 31) {
      if (*text != ':')
        return MSRP_ERR_INVALID_ARGUMENT;
      text++;
    }
  }
  while (*text == ' ')
    text++;
  return *text ? MSRP_ERR_INVALID_ARGUMENT : 0;
}

int msrp_tls_fingerprint_file(const char *cert_file, char *out, size_t size) {
  if (!cert_file || !out || size < 104)
    return MSRP_ERR_INVALID_ARGUMENT;
  FILE *f = fopen(cert_file, "r");
  if (!f)
    return MSRP_ERR_TLS_CONFIG;
  X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
  fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  int ok = cert && X509_digest(cert, EVP_sha256(), md, &n) && n == 32;
  X509_free(cert);
  ERR_clear_error();
  if (!ok)
    return MSRP_ERR_TLS_CONFIG;
  int k = snprintf(out, size, "sha-256 ");
  for (unsigned i = 0; i < 32; i++)
    k += snprintf(out + k, size - (size_t)k, i ? ":%02X" : "%02X", md[i]);
  return 0;
}
