/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — binding a connection to a session (RFC 4975 sections 5.4 and
 * 7.1, the seed's bind), both sides, as a state machine with no I/O: it
 * takes parser events of what the peer sent and gives the bytes to write
 * back; the caller moves the bytes and arms the bind timeout.
 *
 * Active (the side that connects): it writes the empty SEND from the full
 * local path to the full remote path and waits for its 200, which must
 * come back to us from the first hop. RFC 4975 puts no order between that
 * 200 and the peer's own requests, and widely used peers send theirs first:
 * requests with this session's paths are kept (up to 64 of them and 256 KiB
 * of body) for the session, msrp_binding_take_held(); a request with other
 * paths gets 481 and fails the binding (MSRP_ERR_BIND_PATH), so does a
 * failure answer (MSRP_ERR_BIND_REFUSED) or a response to something else.
 *
 * Passive (the side that accepts): the first request decides. A request
 * that is not a SEND gets 481, one the parser flagged 400, a response
 * fails; a SEND's headers put the machine in MSRP_BINDING_DECIDE, where the
 * owner looks its paths up (msrp_binding_request()) and calls
 * msrp_binding_decide(): refused, it gets the code (481) and the binding
 * fails; accepted, an empty SEND is answered 200 at its end-line, and a
 * SEND with a body binds at once: that chunk is the session's first
 * (msrp_binding_bound_on_data()).
 */
#ifndef MSRP_BINDING_H
#define MSRP_BINDING_H

#include <msrp/chunk.h>
#include <msrp/common.h>
#include <msrp/parser.h>
#include <msrp/uri.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_binding msrp_binding;

typedef enum msrp_binding_state {
  MSRP_BINDING_WAIT = 1, /**< more input is needed */
  MSRP_BINDING_DECIDE,   /**< passive: msrp_binding_decide() is awaited */
  MSRP_BINDING_BOUND,    /**< bound: write what output is left, then go on */
  MSRP_BINDING_FAILED    /**< msrp_binding_error(); write what output is
                            left (a 481 or 400), then close */
} msrp_binding_state;

/** The full paths are copied. Errors: MSRP_ERR_INVALID_ARGUMENT (an empty
 * path), MSRP_ERR_NOMEM. The binding SEND is the first output. */
MSRP_API int msrp_binding_new_active(msrp_binding **out, const msrp_path *local,
                                     const msrp_path *remote);
MSRP_API int msrp_binding_new_passive(msrp_binding **out);
MSRP_API void msrp_binding_free(msrp_binding *b);

MSRP_API msrp_binding_state msrp_binding_state_of(const msrp_binding *b);
/** RFC 6714 CEMA: paths are matched by their session ids alone (a
 * middlebox may stand between the endpoints). Before the first event. */
MSRP_API void msrp_binding_match_session_id_only(msrp_binding *b, int on);
/** After FAILED: MSRP_ERR_BIND_PATH, MSRP_ERR_BIND_REFUSED,
 * MSRP_ERR_BIND_BACKLOG or MSRP_ERR_NOMEM. */
MSRP_API int msrp_binding_error(const msrp_binding *b);

/** One event of the streaming parser reading the peer; the new state. */
MSRP_API msrp_binding_state msrp_binding_event(msrp_binding *b,
                                               const msrp_event *ev);

/** Bytes to write now: 1 and *data, *len (valid until
 * msrp_binding_output_done), or 0 when there are none. */
MSRP_API int msrp_binding_output(msrp_binding *b, const char **data,
                                 size_t *len);
MSRP_API void msrp_binding_output_done(msrp_binding *b);

/** Passive, in DECIDE: the binding request's headers. */
MSRP_API const msrp_chunk *msrp_binding_request(const msrp_binding *b);
/** Passive, in DECIDE: 0 accepts (the answer goes from the request's
 * To-Path back along its From-Path), a status code refuses with it.
 * MSRP_ERR_BUSY when not in DECIDE. */
MSRP_API int msrp_binding_decide(msrp_binding *b, int code);
/** Passive, bound: 1 when a SEND with a body bound, whose events (its
 * headers again, then its body) belong to the session. */
MSRP_API int msrp_binding_bound_on_data(const msrp_binding *b);

/** Active, bound: the requests kept before the 200, oldest first. Each is
 * the caller's (free the chunk and the body). 1 when one was taken. */
typedef struct msrp_held_request {
  msrp_chunk *chunk; /**< its headers */
  uint8_t *body;     /**< malloc'd, or NULL when empty */
  size_t len;
  char flag;             /**< its end-line flag */
  msrp_byte_range range; /**< as the parser's END event gave it */
} msrp_held_request;
MSRP_API int msrp_binding_take_held(msrp_binding *b, msrp_held_request *out);

#ifdef __cplusplus
}
#endif
#endif
