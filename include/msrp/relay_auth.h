/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — reserving a session at a relay (RFC 4976 section 5), the
 * client side, as a state machine with no I/O: it writes AUTH requests and
 * reads their answers; the caller moves the bytes. One machine serves the
 * first reservation and every refresh of it.
 *
 *     msrp_relay_auth *a;
 *     msrp_relay_auth_new(&a, &(msrp_relay_auth_config){relay, local, user,
 *                                                       password, 600});
 *     while (msrp_relay_auth_state(a) == MSRP_RELAY_AUTH_SEND) {
 *       msrp_chunk *req;
 *       msrp_relay_auth_request(a, &req);   // write it, free it
 *       ... read the response with the same transaction id ...
 *       msrp_relay_auth_response(a, resp);
 *     }
 *     // DONE: msrp_relay_auth_use_path(a), msrp_relay_auth_granted(a)
 *     // FAILED: msrp_relay_auth_code(a) (the relay's answer, or 0)
 *
 * The rules, in this one place: 401 → answer the Digest challenge (MD5,
 * qop auth or none) with the relay's URI as digest-uri; a 401 after an
 * answer takes the new challenge (a stale nonce) while attempts last; 423
 * → ask again for the relay's Min-Expires or Max-Expires, with the same
 * nonce and the next nonce count; 200 → the Use-Path (required the first
 * time, kept when a refresh leaves it out) and the Expires granted;
 * anything else (403, ...) fails. At most `max_attempts` AUTHs a round.
 */
#ifndef MSRP_RELAY_AUTH_H
#define MSRP_RELAY_AUTH_H

#include <msrp/chunk.h>
#include <msrp/common.h>
#include <msrp/uri.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_relay_auth msrp_relay_auth;

typedef struct msrp_relay_auth_config {
  const msrp_uri *relay; /**< the relay (To-Path of the AUTH); copied */
  const msrp_uri *local; /**< us (From-Path); copied */
  const char *username;  /**< NULL: none (a 401 then fails) */
  const char *password;
  uint32_t expires; /**< seconds to ask for; 0: no Expires header */
  int max_attempts; /**< AUTHs in one round at most; 0: 4 */
} msrp_relay_auth_config;

typedef enum msrp_relay_auth_state {
  MSRP_RELAY_AUTH_SEND = 1, /**< an AUTH is ready: msrp_relay_auth_request */
  MSRP_RELAY_AUTH_WAIT,     /**< its answer is awaited */
  MSRP_RELAY_AUTH_DONE,     /**< reserved: Use-Path and Expires known */
  MSRP_RELAY_AUTH_FAILED    /**< refused, or out of attempts */
} msrp_relay_auth_state;

/** Errors: MSRP_ERR_INVALID_ARGUMENT (no relay or local URI),
 * MSRP_ERR_NOMEM. The machine starts in MSRP_RELAY_AUTH_SEND. */
MSRP_API int msrp_relay_auth_new_sized(msrp_relay_auth **out,
                                       const msrp_relay_auth_config *config,
                                       size_t config_size);
/** msrp_relay_auth_new_sized() with this program's struct size (@ref
 * sized). */
#define msrp_relay_auth_new(...)                                               \
  msrp_relay_auth_new_sized(__VA_ARGS__, sizeof(msrp_relay_auth_config))
MSRP_API void msrp_relay_auth_free(msrp_relay_auth *a);

MSRP_API msrp_relay_auth_state
msrp_relay_auth_state_of(const msrp_relay_auth *a);

/** The AUTH to send now (the caller frees it); the state becomes WAIT.
 * MSRP_ERR_BUSY when the state is not SEND, MSRP_ERR_NOMEM. */
MSRP_API int msrp_relay_auth_request(msrp_relay_auth *a, msrp_chunk **out);

/** The transaction id of the AUTH awaiting its answer ("" when none). */
MSRP_API const char *msrp_relay_auth_tid(const msrp_relay_auth *a);

/** A response that came: 1 when it answers our AUTH (and the state moved
 * on), 0 when it is not ours (ignored). */
MSRP_API int msrp_relay_auth_response(msrp_relay_auth *a,
                                      const msrp_chunk *response);

/** After DONE: the relay's Use-Path (valid until the next round or the
 * free) and the Expires it granted (what was asked for when it said
 * none). */
MSRP_API const msrp_path *msrp_relay_auth_use_path(const msrp_relay_auth *a);
MSRP_API uint32_t msrp_relay_auth_granted(const msrp_relay_auth *a);
/** After FAILED: the relay's final code (403, 401, 423, ...), or 0 when
 * the machine gave up on its own; and why, as an error:
 * MSRP_ERR_RELAY_AUTH, or MSRP_ERR_DIGEST_SYNTAX / MSRP_ERR_NOT_SUPPORTED
 * for a challenge it cannot answer. */
MSRP_API int msrp_relay_auth_code(const msrp_relay_auth *a);
MSRP_API int msrp_relay_auth_error(const msrp_relay_auth *a);

/** A new round on the same reservation (a refresh), asking for `expires`
 * (0: what was asked last): back to SEND, attempts counted afresh; the
 * Digest answer is computed anew at the next 401. */
MSRP_API void msrp_relay_auth_restart(msrp_relay_auth *a, uint32_t expires);

/* ---- the path algebra of RFC 4976 section 6 ---------------------------- */

/** Our full local path through a relay: its Use-Path, then our URI (what
 * SDP a=path carries). `*out` is replaced. Errors: MSRP_ERR_INVALID_ARGUMENT,
 * MSRP_ERR_NOMEM (`*out` untouched). */
MSRP_API int msrp_relay_local_path(msrp_path *out, const msrp_path *use_path,
                                   const msrp_uri *local);

/** The To-Path of what we send through our relay: its Use-Path, then the
 * remote's full path (which starts with the remote's relays); what comes
 * back has that as its From-Path. `*out` is replaced. Errors as above. */
MSRP_API int msrp_relay_to_path(msrp_path *out, const msrp_path *use_path,
                                const msrp_path *remote);

#ifdef __cplusplus
}
#endif
#endif
