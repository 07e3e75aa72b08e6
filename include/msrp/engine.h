/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — the session engine: one MSRP session's protocol state, with no
 * I/O and no clock (the core of the seed's MSRPSession).
 *
 * Bytes from the peer go in through msrp_engine_recv(); bytes for the peer
 * come out of msrp_engine_output() and are acknowledged with
 * msrp_engine_output_done() once written; time goes in as `now` (any
 * monotonic clock, in milliseconds) and msrp_engine_next_expiry() /
 * msrp_engine_handle_expiry() drive the timeouts. Everything else happens in
 * callbacks, from inside those calls. The io layer (session.h) joins an
 * engine to a transport; tests drive one directly, with a fake clock.
 *
 * What the engine does (RFC 4975 section 7):
 *  - transactions: every request it sends waits for its response; with none
 *    within the response timeout it makes one up: 408 when Failure-Report
 *    is yes or absent, 200 when it is partial or no. A response that comes
 *    after that is logged and dropped: each callback runs exactly once.
 *  - incoming requests get the responses the RFC prescribes: 200; 400 for
 *    an unintelligible request (a chunk the parser flagged); 481 for paths
 *    that are not this session's; 415 for a Content-Type outside
 *    accept_types; 413 for a message the user refused; 501 for methods it
 *    does not know; none for Failure-Report no, only failures for partial,
 *    never any for a REPORT.
 *  - messages: larger than the chunk size, they go out in several chunks
 *    with Byte-Range and '+'/'$'; incoming chunks are reassembled by
 *    Message-ID and Byte-Range, in or out of order; small messages are
 *    delivered whole, large ones as pieces with their offsets.
 *  - reports: Success-Report yes gets a success REPORT once the whole
 *    message is in; REPORTs received are matched to the message they are
 *    about and handed over with status and range.
 *  - '#': aborting a message in progress, and discarding one the peer
 *    aborted; 413 in both directions.
 *  - bounded memory: the outgoing queue is bounded in bytes (callers are
 *    told to wait, then told to go on); large bodies are pulled from a
 *    data provider; incoming reading can be paused.
 */
#ifndef MSRP_ENGINE_H
#define MSRP_ENGINE_H

#include <msrp/chunk.h>
#include <msrp/common.h>
#include <msrp/parser.h>
#include <msrp/uri.h>

#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The seed's RESPONSE_TIMEOUT, in milliseconds. */
#define MSRP_RESPONSE_TIMEOUT_MS 30000
/** How long a REPORT may take after its message has gone out. */
#define MSRP_REPORT_TIMEOUT_MS 120000
/** How long a message in several chunks may wait for its next chunk. */
#define MSRP_INCOMING_IDLE_MS 120000
/** No deadline pending. */
#define MSRP_NO_EXPIRY UINT64_MAX

typedef struct msrp_engine msrp_engine;

/* ---- configuration ----------------------------------------------------- */

typedef struct msrp_engine_config {
  const msrp_path *local_path;  /**< full local path (copied); required */
  const msrp_path *remote_path; /**< full remote path (copied); required */
  uint64_t response_timeout_ms; /**< 0: MSRP_RESPONSE_TIMEOUT_MS */
  size_t chunk_size;      /**< most body bytes in one outgoing chunk; 0: 65536
                             (a relay may need 10240 or less) */
  size_t max_queue_bytes; /**< bound on queued outgoing body bytes; 0: 4 MiB */
  size_t whole_max;       /**< incoming messages up to this many bytes come
                             whole through on_message; 0: 65536 */
  size_t max_incoming;    /**< messages being received at once; 0: 32 */
  /** Accepted Content-Types, space-separated ("text/plain message/cpim");
   * "*" alone accepts everything, and a subtype "*" any subtype of its type
   * (as in a=accept-types, msrp_media_types_parse()); "" accepts nothing.
   * NULL: "*". A malformed entry: MSRP_ERR_INVALID_ARGUMENT. */
  const char *accept_types;
  const msrp_parser_limits *limits; /**< NULL: defaults */
  /** How long after a message with Success-Report yes has gone out its
   * REPORT may still come; then on_report says MSRP_ERR_NO_REPORT and the
   * message is forgotten. 0: MSRP_REPORT_TIMEOUT_MS. */
  uint64_t report_timeout_ms;
  /** Memory that sent messages may hold while they wait for transactions
   * and REPORTs (each costs its bookkeeping, a few hundred bytes; bodies
   * are not kept). Past it, msrp_engine_send_message() says
   * MSRP_ERR_WOULD_BLOCK until REPORTs or timeouts release some.
   * 0: 16 MiB (some 30,000 messages in flight). */
  size_t max_unreported_bytes;
  /** Answers of our own (200s, error responses, REPORTs) waiting to be
   * written. Past this bound the engine stops taking input
   * (msrp_engine_paused() is true) until half of it is written; past four
   * times it, the peer is not reading at all and the engine fails with
   * MSRP_ERR_OUTPUT_FULL. 0: 256 KiB. */
  size_t max_answer_bytes;
  /** An incoming message in several chunks is dropped (on_message_end with
   * MSRP_ERR_MESSAGE_EXPIRED) when no chunk of it came for this long.
   * 0: MSRP_INCOMING_IDLE_MS. */
  uint64_t incoming_idle_ms;
  /** 0: a message asking for success REPORTs gets one, for the whole
   * message, when all of it has come. N: it gets them as it comes, each
   * for a run of adjacent bytes, once N bytes have come since the last
   * (1: a REPORT per chunk), and the rest at its end; the sender sees its
   * progress (as file transfer needs). Through a relay, a REPORT per
   * small chunk doubles the relay's work: 1 MiB is a good value. */
  uint64_t report_every;
  /** Message body bytes written whose chunks have had no response yet, at
   * most: past it, the next chunk of a message waits for responses
   * (answers and REPORTs still go). A relay without flow control (Kamailio
   * drops what does not fit in its queue to the next hop) is not overrun
   * this way. 0: no limit (TCP's flow control alone). */
  uint64_t max_unanswered_bytes;
  /** RFC 6714 CEMA: incoming requests belong to this session when their
   * paths have its session ids, whatever their hosts and ports say
   * (msrp_chunk_check_session_mode()). 0: the whole URIs must match. */
  int match_session_id_only;
} msrp_engine_config;

/* ---- callbacks --------------------------------------------------------- */

/** An incoming message, as its chunks describe it. Valid during the
 * callback it is handed to. */
typedef struct msrp_message_info {
  const char *message_id;
  const char *content_type; /**< of its first chunk; NULL if none */
  uint64_t total;           /**< MSRP_BYTE_RANGE_UNKNOWN while unknown */
  const msrp_chunk *chunk;  /**< the chunk that brought this news */
} msrp_message_info;

/** A REPORT about a message this engine sent, or the news that none came.
 * Messages sent with Success-Report yes are remembered until success
 * REPORTs cover them, a failure REPORT comes, or the report timeout passes;
 * others while their transactions are open. */
typedef struct msrp_report_info {
  const char *message_id;
  int code;                /**< from its Status header: 200, 413, ...; 0 when
                              status is MSRP_ERR_NO_REPORT */
  const char *comment;     /**< the Status reason, or NULL */
  msrp_byte_range range;   /**< the bytes it reports on */
  int complete;            /**< 1 when success REPORTs now cover the whole
                              message (REPORTs may come per chunk) */
  const msrp_chunk *chunk; /**< NULL when status is MSRP_ERR_NO_REPORT */
  int status;              /**< 0: a REPORT came; MSRP_ERR_NO_REPORT: the
                              report timeout passed without one that covers
                              the message */
} msrp_report_info;

typedef struct msrp_engine_callbacks {
  /** A whole message (at most whole_max bytes). */
  void (*on_message)(msrp_engine *e, const msrp_message_info *m,
                     const uint8_t *body, size_t len, void *ud);
  /** A large message begins; its body follows as pieces at offsets (in the
   * order chunks arrive, which need not be the order of the bytes). */
  void (*on_message_start)(msrp_engine *e, const msrp_message_info *m,
                           void *ud);
  void (*on_message_data)(msrp_engine *e, const msrp_message_info *m,
                          uint64_t offset, const uint8_t *data, size_t len,
                          void *ud);
  /** A large message is complete (status 0), or any message ended without
   * completing: MSRP_ERR_MESSAGE_ABORTED (the peer sent '#'),
   * MSRP_ERR_MESSAGE_REFUSED (we answered 413), MSRP_ERR_CANCELLED (the
   * engine was freed). A small message gets this only when it fails. */
  void (*on_message_end)(msrp_engine *e, const msrp_message_info *m, int status,
                         void *ud);
  /** A REPORT about one of our messages. */
  void (*on_report)(msrp_engine *e, const msrp_report_info *r, void *ud);
  /** Any other request this engine answers by itself (NICKNAME gets 501;
   * an unknown method 501); for the user's information. */
  void (*on_request)(msrp_engine *e, const msrp_chunk *request, int code,
                     void *ud);
  /** There is output to write (msrp_engine_output has something). */
  void (*on_output)(msrp_engine *e, void *ud);
  /** The outgoing queue has room again after MSRP_ERR_WOULD_BLOCK. */
  void (*on_writable)(msrp_engine *e, void *ud);
  /** Diagnostics: a late response dropped, a bad request answered. */
  void (*on_log)(msrp_engine *e, const char *message, void *ud);
  /** A relay reservation was refreshed (status 0, `granted` seconds from
   * now) or could not be (MSRP_ERR_RELAY_AUTH, the code the relay answered
   * with, or 408 when it did not answer). See msrp_engine_keep_relay. */
  void (*on_relay_refresh)(msrp_engine *e, int status, int code,
                           uint32_t granted, void *ud);
  /** Set by an application that hosts a chat room (RFC 7701): a NICKNAME
   * request for this session, checked (msrp_nickname_check(): 400 or 424
   * without asking), with its nickname prepared (RFC 8266); return the
   * code to answer: 200, 425 (in use by another participant), 403, ...
   * NULL: NICKNAME gets 501 and on_request. */
  int (*on_nickname)(msrp_engine *e, const msrp_chunk *request,
                     const char *nickname, void *ud);
} msrp_engine_callbacks;

/* ---- lifetime ---------------------------------------------------------- */

/** `cbs` is copied; `ud` is passed to every callback. Errors:
 * MSRP_ERR_INVALID_ARGUMENT (no paths), MSRP_ERR_NOMEM. */
MSRP_API int msrp_engine_new_sized(msrp_engine **out,
                                   const msrp_engine_config *config,
                                   const msrp_engine_callbacks *cbs, void *ud,
                                   size_t config_size, size_t callbacks_size,
                                   size_t limits_size);
/** msrp_engine_new_sized() with this program's struct sizes (@ref sized). */
#define msrp_engine_new(...)                                                   \
  msrp_engine_new_sized(__VA_ARGS__, sizeof(msrp_engine_config),               \
                        sizeof(msrp_engine_callbacks),                         \
                        sizeof(msrp_parser_limits))

/** Every pending callback runs once with MSRP_ERR_CANCELLED (response
 * callbacks, message callbacks, incoming messages in progress), then the
 * engine is gone. Not from inside one of its callbacks. NULL is ignored. */
MSRP_API void msrp_engine_free(msrp_engine *e);

/** The `ud` given to msrp_engine_new(). */
MSRP_API void *msrp_engine_user_data(const msrp_engine *e);

/* ---- time -------------------------------------------------------------- */

/** The earliest deadline, or MSRP_NO_EXPIRY. */
MSRP_API uint64_t msrp_engine_next_expiry(const msrp_engine *e);
/** Act on every deadline at or before `now` (408/200 made up for silent
 * transactions). */
MSRP_API void msrp_engine_handle_expiry(msrp_engine *e, uint64_t now);

/* ---- input ------------------------------------------------------------- */

/** Feed bytes from the peer. Returns how many were taken: all of them, or
 * fewer when the engine paused (msrp_engine_pause from a callback, or its
 * own answers passed max_answer_bytes because the peer does not read
 * them); the caller keeps the rest for when msrp_engine_paused() is false
 * again. A negative return is fatal (MSRP_ERR_PARSE_* for framing the
 * parser cannot follow, MSRP_ERR_OUTPUT_FULL, MSRP_ERR_NOMEM): close the
 * connection. */
MSRP_API ssize_t msrp_engine_recv(msrp_engine *e, const uint8_t *data,
                                  size_t len, uint64_t now);

/** The same for input already parsed (a transport's reader gives events):
 * one event of the streaming parser. A caller that goes on feeding events
 * while msrp_engine_paused() is true finds msrp_engine_status() fatal once
 * the hard output limit is passed. */
MSRP_API void msrp_engine_recv_event(msrp_engine *e, const msrp_event *ev,
                                     uint64_t now);

/** 0, or the fatal error that ended the engine's use (MSRP_ERR_OUTPUT_FULL):
 * the only thing left to do is close the connection and free it. */
MSRP_API int msrp_engine_status(const msrp_engine *e);

/** Stop taking input (the user cannot keep up); msrp_engine_recv returns
 * early. Resume, and feed the rest again. msrp_engine_paused() is also
 * true, without a pause, while our own answers wait beyond
 * max_answer_bytes; it turns false when msrp_engine_output_done() has
 * drained them to half of that. */
MSRP_API void msrp_engine_pause(msrp_engine *e);
MSRP_API void msrp_engine_resume(msrp_engine *e);
MSRP_API int msrp_engine_paused(const msrp_engine *e);

/* ---- output ------------------------------------------------------------ */

/** The next bytes to write, as up to `max` pieces (4 are enough for any
 * step; a caller that offers more gets up to 16 whole chunks of a pulled
 * body in one step, three pieces each, so that one write carries them —
 * when nothing else waits and the window of unanswered bytes allows).
 * Returns the number of pieces, 0 when nothing is ready. The pieces stay
 * valid and unchanged until msrp_engine_output_done(); call that before
 * asking again. */
MSRP_API int msrp_engine_output(msrp_engine *e, struct iovec *iov, int max);
/** The pieces from the last msrp_engine_output() are written. Transactions
 * start their timeout `now`. */
MSRP_API void msrp_engine_output_done(msrp_engine *e, uint64_t now);
/** Bytes queued for output (bodies in memory, heads, responses). */
MSRP_API size_t msrp_engine_queued_bytes(const msrp_engine *e);

/* ---- sending: single chunks (the seed's send_chunk) ------------------- */

/** `response` is the response that came, or one made up locally (timeout:
 * 408 or 200 by the Failure-Report rule), valid during the call; `status`
 * is 0, or MSRP_ERR_CANCELLED (engine freed; `response` NULL). */
typedef void (*msrp_response_cb)(msrp_engine *e, int status,
                                 const msrp_chunk *response, void *ud);

/** Send a request chunk made by the caller (e.g. with msrp_chunk_make); the
 * engine takes it and frees it. `cb` runs exactly once (it may be NULL).
 * The chunk's To-Path/From-Path are used as they are. Errors:
 * MSRP_ERR_INVALID_ARGUMENT (a response, or no transaction id),
 * MSRP_ERR_CLOSED (the engine is shutting down); on error the chunk is
 * still the caller's. */
MSRP_API int msrp_engine_send_chunk(msrp_engine *e, msrp_chunk *chunk,
                                    msrp_response_cb cb, void *ud);

/* ---- sending: messages ------------------------------------------------- */

/** Pull `len` bytes of the body at `offset` into `buf`; return how many
 * were written (0 < n <= len), 0 at the end of a body of unknown size,
 * MSRP_ERR_WOULD_BLOCK when none are ready yet (a read from disk under
 * way: the engine writes other traffic meanwhile, interrupts an open chunk
 * with '+' when there is some, and asks again, for the same offset, after
 * msrp_engine_provider_ready()), or any other negative value to abort the
 * message. A provider that said MSRP_ERR_WOULD_BLOCK must call
 * msrp_engine_provider_ready() (msrp_session_provider_ready() on a
 * session) once it has bytes or an error. */
typedef ssize_t (*msrp_data_provider)(uint64_t offset, uint8_t *buf, size_t len,
                                      void *provider_ud);

/** A provider that lends its own memory instead of copying into ours (zero
 * copy: on a plain connection the bytes go from it to writev). Point
 * `*data` at the body's bytes from `offset` and return how many (0 < n <=
 * len); 0, MSRP_ERR_WOULD_BLOCK and errors mean what they mean for a
 * msrp_data_provider. `*ref` is yours: the engine gives it back to
 * `release` exactly once, when the lent bytes are written
 * (msrp_engine_output_done) or will not be (the step given up, the engine
 * freed) — which may be after the message's callback has run. Until then
 * the bytes must stay where they are, unchanged. */
typedef ssize_t (*msrp_data_lender)(uint64_t offset, size_t len,
                                    const uint8_t **data, void **ref,
                                    void *provider_ud);
/** Gives back what a msrp_data_lender lent (see there). */
typedef void (*msrp_data_release)(void *ref, void *provider_ud);

typedef struct msrp_message_params {
  const char *content_type; /**< required when the body is not empty */
  const void *data;         /**< a body in memory, borrowed until the
                               message callback runs ... */
  size_t len;
  msrp_data_provider provider; /**< ... or a body pulled from here */
  void *provider_ud;
  uint64_t size; /**< the provider's body size, MSRP_BYTE_RANGE_UNKNOWN if
                    not known in advance */
  msrp_report_mode success_report; /**< ABSENT: no header (peer default no) */
  msrp_report_mode failure_report; /**< ABSENT: no header (peer default yes) */
  const char *message_id;          /**< NULL: random */
  const char *const *headers;      /**< extra "Name", "value" pairs, NULL-
                                      terminated; written on every chunk.
                                      Not the headers the engine writes
                                      itself (paths, Message-ID, Byte-Range,
                                      reports, Content-Type); no control
                                      characters in values. */
  /** With a provider of known `size`: the peer has the first `offset`
   * bytes already (a transfer that resumes, RFC 5547 file-range), so the
   * first chunk's Byte-Range starts at offset + 1, the provider is asked
   * from `offset` on, and success REPORTs need to cover only the rest. 0:
   * the whole body. Less than `size`. */
  uint64_t offset;
  /** Instead of `provider`: a body lent from the caller's memory (see
   * msrp_data_lender), with `provider_ud`, `size` and `offset` as for a
   * provider; `release` is required with it. */
  msrp_data_lender lender;
  msrp_data_release release;
} msrp_message_params;

/** A provider that said MSRP_ERR_WOULD_BLOCK has bytes (or an error):
 * the engine asks it again (on_output). */
MSRP_API void msrp_engine_provider_ready(msrp_engine *e);

/** A message's transactions are over: status 0 and the final code (200, or
 * the failure code, e.g. 413 or 408, with its comment; only 2xx is
 * success) — with Failure-Report partial that is when success REPORTs
 * cover the message or the response timeout has passed with no failure;
 * with Failure-Report no (no response can come), as soon as its last chunk
 * is written — or
 * MSRP_ERR_MESSAGE_ABORTED (msrp_engine_abort_message or the provider
 * failed), MSRP_ERR_CANCELLED. REPORTs arrive separately (on_report). */
typedef void (*msrp_message_cb)(msrp_engine *e, const char *message_id,
                                int status, int code, const char *comment,
                                void *ud);

/** Queue a message; `*message_id` (may be NULL) gets its Message-ID, valid
 * until the callback has run. Errors: MSRP_ERR_WOULD_BLOCK (the queue, or
 * the memory of messages awaiting answers and REPORTs, is full: wait for
 * on_writable; nothing was queued), MSRP_ERR_INVALID_ARGUMENT (also for a
 * Message-ID a message in flight has), MSRP_ERR_CLOSED, MSRP_ERR_NOMEM. */
MSRP_API int msrp_engine_send_message_sized(msrp_engine *e,
                                            const msrp_message_params *p,
                                            msrp_message_cb cb, void *ud,
                                            const char **message_id,
                                            size_t params_size);
/** msrp_engine_send_message_sized() with this program's struct size. */
#define msrp_engine_send_message(...)                                          \
  msrp_engine_send_message_sized(__VA_ARGS__, sizeof(msrp_message_params))

/** Abort a message being sent: a chunk in progress ends with '#', the rest
 * is not sent, its callback runs with MSRP_ERR_MESSAGE_ABORTED.
 * MSRP_ERR_NOT_FOUND if it is not being sent. */
MSRP_API int msrp_engine_abort_message(msrp_engine *e, const char *message_id);

/** Refuse an incoming message: its chunks are answered 413 from now on
 * (the one arriving now too), and on_message_end runs with
 * MSRP_ERR_MESSAGE_REFUSED. MSRP_ERR_NOT_FOUND if it is not in progress. */
MSRP_API int msrp_engine_refuse_message(msrp_engine *e, const char *message_id);

/** An incoming large message (from its on_message_start on) whose first
 * `bytes` we have already, from an earlier transfer (RFC 5547 file-range:
 * a resumed file): they count as received, so the message completes
 * (on_message_end with 0, its REPORT sent) when the rest has come.
 * MSRP_ERR_NOT_FOUND if it is not in progress, MSRP_ERR_INVALID_ARGUMENT
 * for a message taken whole or `bytes` past its total. */
MSRP_API int msrp_engine_message_have(msrp_engine *e, const char *message_id,
                                      uint64_t bytes);

/* ---- keeping a relay reservation (RFC 4976 section 5) ---------------- */

typedef struct msrp_relay_refresh {
  const msrp_uri *relay; /**< the relay's URI (To-Path of the AUTH) */
  const msrp_uri *local; /**< ours (From-Path) */
  const char *username;
  const char *password;
  uint32_t expires; /**< what to ask for each time */
  uint32_t granted; /**< what the relay granted at the reservation */
} msrp_relay_refresh;

/** Keep a reservation alive for as long as the engine lives: when three
 * quarters of what the relay granted have passed (and at the latest 5 s
 * before it lapses), AUTH again on this connection, answer the relay's
 * Digest challenge, and take the new Expires. A 423 adjusts the interval
 * asked for. Each outcome goes to on_relay_refresh. The strings are
 * copied. `now` is the time of the reservation. */
MSRP_API int msrp_engine_keep_relay_sized(msrp_engine *e,
                                          const msrp_relay_refresh *r,
                                          uint64_t now, size_t refresh_size);
/** msrp_engine_keep_relay_sized() with this program's struct size. */
#define msrp_engine_keep_relay(...)                                            \
  msrp_engine_keep_relay_sized(__VA_ARGS__, sizeof(msrp_relay_refresh))

/** Stop accepting new requests to send (MSRP_ERR_CLOSED); what is queued
 * still goes out. msrp_engine_idle() tells when nothing is left to write
 * and no transaction waits. */
MSRP_API void msrp_engine_shutdown(msrp_engine *e);
MSRP_API int msrp_engine_idle(const msrp_engine *e);

#ifdef __cplusplus
}
#endif
#endif
