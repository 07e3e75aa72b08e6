/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — TLS settings for msrps: connections (OpenSSL 3).
 *
 * Zero-initialise and set what you need. A client verifies the server by
 * default: against `ca_file` (or the system's store when it is NULL) and
 * the host of the URI it connects to; or, when `fingerprint` is set, only
 * by that fingerprint (what SDP a=fingerprint carries, RFC 4572/8122).
 */
#ifndef MSRP_TLS_H
#define MSRP_TLS_H

#include <msrp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_tls_config {
  const char *cert_file; /**< PEM certificate (chain); required to accept */
  const char *key_file;  /**< PEM private key of cert_file */
  const char *ca_file;   /**< PEM trust anchors; NULL: the system store */
  /** "sha-256 AB:CD:..." or just the hex pairs; when set, the peer is
   * accepted if and only if its certificate has this SHA-256 digest. */
  const char *fingerprint;
  /** Name to check the certificate against; NULL: the host of the URI. */
  const char *server_name;
  /** Accept any certificate (tests only). */
  int insecure_no_verify;
} msrp_tls_config;

/** The SHA-256 fingerprint of the first certificate in a PEM file, as SDP
 * writes it: "sha-256 AB:CD:..." (103 characters + NUL; `size` >= 104).
 * Errors: MSRP_ERR_TLS_CONFIG, MSRP_ERR_INVALID_ARGUMENT. */
MSRP_API int msrp_tls_fingerprint_file(const char *cert_file, char *out,
                                       size_t size);

#ifdef __cplusplus
}
#endif
#endif
