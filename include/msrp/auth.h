/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — HTTP Digest for MSRP relays (RFC 4976 section 5, RFC 2617).
 *
 * A relay answers an AUTH with 401 and a challenge in WWW-Authenticate;
 * the client answers with an Authorization computed over the method "AUTH"
 * and the relay's URI. MD5, with qop "auth" or without qop.
 */
#ifndef MSRP_AUTH_H
#define MSRP_AUTH_H

#include <msrp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_digest_challenge {
  char realm[256];
  char nonce[256];
  char opaque[256]; /**< empty when absent */
  int qop_auth;     /**< 1: qop "auth" offered; 0: no qop (RFC 2069 form) */
  int stale;        /**< stale=true: the nonce expired, not the password */
} msrp_digest_challenge;

/** Parse a WWW-Authenticate value: `Digest realm="...", nonce="...", ...`.
 * Errors: MSRP_ERR_NOT_SUPPORTED (not Digest, an algorithm other than MD5,
 * or a qop without "auth"), MSRP_ERR_DIGEST_SYNTAX (malformed, or no realm
 * or nonce, or a value too long). */
MSRP_API int msrp_digest_parse_challenge(const char *value,
                                         msrp_digest_challenge *out);

/** The Authorization value answering `ch` for `method` on `uri`:
 *
 *     Digest username="...", realm="...", nonce="...", uri="...",
 *     response="...", algorithm=MD5[, cnonce="...", nc=..., qop=auth]
 *     [, opaque="..."]
 *
 * `cnonce` NULL draws a random one; `nc` is the nonce
 * count (1 for the first use of a nonce). snprintf-style: returns the
 * length needed (without NUL) or a negative error (MSRP_ERR_INVALID_ARGUMENT
 * for a username or uri with a quote, backslash or control character). */
MSRP_API int msrp_digest_authorization(const msrp_digest_challenge *ch,
                                       const char *username,
                                       const char *password, const char *method,
                                       const char *uri, const char *cnonce,
                                       unsigned nc, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
