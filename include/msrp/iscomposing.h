/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — is-composing indications (RFC 3994), sans I/O: the
 * application/im-iscomposing+xml document (built and parsed with libxml2)
 * and the two state machines, the sender's and the receiver's, on a clock
 * the caller gives (milliseconds), so they can be driven by a loop or by a
 * test.
 *
 * The sender: msrp_composing_typed() whenever the user types; it says when
 * to send "active" (the first keystroke, and every refresh interval while
 * typing goes on) and, after `idle_ms` without a keystroke, "idle". A
 * message sent ends composing without an "idle" document (the message says
 * it). The receiver: an "active" document holds for its refresh interval
 * (120 s when it names none), then the remote is idle again; an "idle"
 * document or a message makes it idle at once.
 */
#ifndef MSRP_ISCOMPOSING_H
#define MSRP_ISCOMPOSING_H

#include <msrp/common.h>

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MSRP_ISCOMPOSING_TYPE "application/im-iscomposing+xml"

typedef enum msrp_composing_state {
  MSRP_COMPOSING_IDLE = 0,
  MSRP_COMPOSING_ACTIVE = 1
} msrp_composing_state;

/** One document. */
typedef struct msrp_iscomposing {
  msrp_composing_state state;
  char content_type[128]; /**< what is being composed; "" when absent */
  uint32_t refresh;       /**< seconds; 0 when absent */
  int64_t last_active;    /**< seconds since the epoch; -1 when absent */
} msrp_iscomposing;

/** The document as RFC 3994 section 4 writes it (UTF-8 XML); *out is
 * malloc'd (NUL-terminated, `*len` without it). Errors:
 * MSRP_ERR_INVALID_ARGUMENT (a content type with control characters),
 * MSRP_ERR_NOMEM. */
MSRP_API int msrp_iscomposing_build(const msrp_iscomposing *doc, char **out,
                                    size_t *len);

/** Parse a document: the isComposing element in its namespace, a state of
 * "active" or "idle"; contenttype, refresh and lastactive optional (a
 * lastactive before 1970 is taken as absent).
 * Errors: MSRP_ERR_XML (not well-formed, not this document, a bad
 * value), MSRP_ERR_INVALID_ARGUMENT. No network access and no entity
 * expansion happens while parsing. */
MSRP_API int msrp_iscomposing_parse(const void *data, size_t len,
                                    msrp_iscomposing *out);

/* ---- the sender ---------------------------------------------------------- */

typedef struct msrp_composing_sender {
  uint64_t idle_ms;    /**< keystroke silence before "idle"; 0: 15000 */
  uint64_t refresh_ms; /**< "active" again this often; 0: 90000 */
  /* state (the caller zero-initialises and leaves it alone) */
  msrp_composing_state state;
  uint64_t last_key, next_refresh;
} msrp_composing_sender;

typedef enum msrp_composing_action {
  MSRP_COMPOSING_SEND_NOTHING = 0,
  MSRP_COMPOSING_SEND_ACTIVE = 1, /**< send an "active" document now */
  MSRP_COMPOSING_SEND_IDLE = 2    /**< send an "idle" document now */
} msrp_composing_action;

/** A keystroke at `now`. */
MSRP_API msrp_composing_action msrp_composing_typed(msrp_composing_sender *s,
                                                    uint64_t now);
/** Time passed: "idle" after the silence, "active" again when the refresh
 * is due. */
MSRP_API msrp_composing_action
msrp_composing_sender_tick(msrp_composing_sender *s, uint64_t now);
/** A message went out: idle, and nothing to send for it. */
MSRP_API void msrp_composing_sent_message(msrp_composing_sender *s);
/** When to call msrp_composing_sender_tick() next; UINT64_MAX when idle. */
MSRP_API uint64_t
msrp_composing_sender_deadline(const msrp_composing_sender *s);
/** The refresh interval to write in "active" documents, in seconds. */
MSRP_API uint32_t msrp_composing_sender_refresh(const msrp_composing_sender *s);

/* ---- the receiver -------------------------------------------------------- */

typedef struct msrp_composing_receiver {
  msrp_composing_state state;
  uint64_t until; /* active until then */
} msrp_composing_receiver;

/** A document came at `now`: returns the remote's state. */
MSRP_API msrp_composing_state msrp_composing_received(
    msrp_composing_receiver *r, const msrp_iscomposing *doc, uint64_t now);
/** A message came: the remote is idle. */
MSRP_API void msrp_composing_got_message(msrp_composing_receiver *r);
/** Time passed: 1 when the remote just went idle (its refresh lapsed). */
MSRP_API int msrp_composing_receiver_tick(msrp_composing_receiver *r,
                                          uint64_t now);
/** When to call msrp_composing_receiver_tick() next; UINT64_MAX when idle. */
MSRP_API uint64_t
msrp_composing_receiver_deadline(const msrp_composing_receiver *r);

#ifdef __cplusplus
}
#endif
#endif
