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

#include <stdint.h>

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

/* ---- the relay's side ---------------------------------------------------
 */

/** An Authorization value, parsed (`Digest username="...", ...`). */
typedef struct msrp_digest_credentials {
  char username[256];
  char realm[256];
  char nonce[256];
  char uri[512];
  char response[33];
  char cnonce[256];
  char nc[16];
  char opaque[256];
  int qop_auth; /**< qop=auth (cnonce and nc present) */
} msrp_digest_credentials;

/** Errors: MSRP_ERR_NOT_SUPPORTED (not Digest, not MD5, a qop other than
 * auth), MSRP_ERR_DIGEST_SYNTAX (malformed, a value too long, username,
 * realm, nonce, uri or a 32-digit response missing). */
MSRP_API int msrp_digest_parse_authorization(const char *value,
                                             msrp_digest_credentials *out);

/** HA1 = hex MD5(username ":" realm ":" password), as credentials files
 * and Kamailio's subscriber table keep it. */
MSRP_API int msrp_digest_ha1(const char *username, const char *realm,
                             const char *password, char out[33]);

/** A stateless nonce: the time it was made and an HMAC-SHA-256 (under
 * `key`) of that time and `bound` (the peer's address, so a nonce cannot
 * be carried to another connection's peer). 48 characters and a NUL. */
#define MSRP_DIGEST_NONCE_SIZE 49
MSRP_API int msrp_digest_make_nonce(const uint8_t key[32], uint64_t now_s,
                                    const char *bound,
                                    char out[MSRP_DIGEST_NONCE_SIZE]);
/** 0: ours, for `bound`, at most `lifetime_s` old; MSRP_ERR_DIGEST_STALE:
 * ours but too old (challenge again with stale=true); MSRP_ERR_RELAY_AUTH:
 * not ours. */
MSRP_API int msrp_digest_check_nonce(const uint8_t key[32], const char *nonce,
                                     uint64_t now_s, uint64_t lifetime_s,
                                     const char *bound);
/** 0 when the response is the one `ha1` gives for `method` (constant
 * time), MSRP_ERR_RELAY_AUTH otherwise. */
MSRP_API int msrp_digest_check_response(const msrp_digest_credentials *c,
                                        const char *ha1, const char *method);

#ifdef __cplusplus
}
#endif
#endif
