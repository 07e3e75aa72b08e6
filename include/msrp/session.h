/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — an MSRP session on a connection (the seed's MSRPSession and
 * GreenMSRPSession): the session engine (engine.h) driven by a bound
 * transport and the loop's clock.
 *
 *     msrp_session *s;
 *     msrp_session_new(&s, transport, &config, &callbacks, user_data);
 *     msrp_session_send_message(s, &(msrp_message_params){...}, done, ud, &id);
 *     ...
 *     msrp_session_shutdown(s, on_closed, ud);   // or msrp_session_free(s)
 *
 * The callbacks mean what the engine's mean (engine.h) and receive the
 * session; so do the completions of send_chunk and send_message.
 */
#ifndef MSRP_SESSION_H
#define MSRP_SESSION_H

#include <msrp/engine.h>
#include <msrp/transport.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_session msrp_session;

/** What a session tells its user: the engine's callbacks (engine.h says
 * when each runs), with the session first. Any may be NULL. */
typedef struct msrp_session_callbacks {
  void (*on_message)(msrp_session *s, const msrp_message_info *m,
                     const uint8_t *body, size_t len, void *user_data);
  void (*on_message_start)(msrp_session *s, const msrp_message_info *m,
                           void *user_data);
  void (*on_message_data)(msrp_session *s, const msrp_message_info *m,
                          uint64_t offset, const uint8_t *data, size_t len,
                          void *user_data);
  void (*on_message_end)(msrp_session *s, const msrp_message_info *m,
                         int status, void *user_data);
  void (*on_report)(msrp_session *s, const msrp_report_info *r,
                    void *user_data);
  void (*on_request)(msrp_session *s, const msrp_chunk *request, int code,
                     void *user_data);
  void (*on_writable)(msrp_session *s, void *user_data);
  void (*on_log)(msrp_session *s, const char *message, void *user_data);
  void (*on_relay_refresh)(msrp_session *s, int status, int code,
                           uint32_t granted, void *user_data);
  /** RFC 7701, for a session of a room we host: see the engine's
   * on_nickname (the code to answer a checked NICKNAME with). */
  int (*on_nickname)(msrp_session *s, const msrp_chunk *request,
                     const char *nickname, void *user_data);
} msrp_session_callbacks;

/** The completion of msrp_session_send_chunk (msrp_response_cb's meaning). */
typedef void (*msrp_session_response_cb)(msrp_session *s, int status,
                                         const msrp_chunk *response,
                                         void *user_data);
/** The completion of msrp_session_send_message (msrp_message_cb's
 * meaning). */
typedef void (*msrp_session_message_cb)(msrp_session *s, const char *message_id,
                                        int status, int code,
                                        const char *comment, void *user_data);

typedef struct msrp_session_config {
  uint64_t response_timeout_ms; /**< 0: MSRP_RESPONSE_TIMEOUT_MS */
  size_t chunk_size;            /**< 0: 65536 */
  size_t max_queue_bytes;       /**< 0: 4 MiB */
  size_t whole_max;             /**< 0: 65536 */
  const char *accept_types;     /**< NULL: "*" */
  /** GreenMSRPSession: keep whole incoming messages in a queue for
   * msrp_session_receive_message() instead of calling on_message. */
  int queue_incoming;
  size_t max_queued_messages; /**< 0: 64; when full, reading pauses */
  /** Reading ended: the peer closed (MSRP_ERR_CONNECTION_CLOSED), cut a
   * chunk (MSRP_ERR_CLOSED_MID_CHUNK), sent something unintelligible
   * (MSRP_ERR_PARSE_...), or the socket failed. May be NULL. */
  void (*on_read_end)(msrp_session *s, int status, void *user_data);
  /** The engine's bounds and timers (engine.h; 0: its defaults). */
  uint64_t report_timeout_ms;
  size_t max_unreported_bytes;
  size_t max_answer_bytes;
  uint64_t incoming_idle_ms;
  /** Limits of the connection's parser from now on (header bytes, header
   * count, path length, ...); a chunk beyond one ends reading with its own
   * MSRP_ERR_LIMIT_* error. NULL: the parser's defaults. */
  const msrp_parser_limits *limits;
  /** msrp_engine_config.report_every: success REPORTs as a message comes,
   * every so many bytes (0: one at its end). */
  uint64_t report_every;
  /** msrp_engine_config.max_unanswered_bytes. 0: 512 KiB when the session
   * goes through a relay, no limit on a direct connection; UINT64_MAX: no
   * limit at all. */
  uint64_t max_unanswered_bytes;
} msrp_session_config;

/** Take over a bound transport (it is freed with the session). Errors:
 * MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM (the transport is then still
 * the caller's). */
MSRP_API int msrp_session_new_sized(msrp_session **out, msrp_transport *t,
                                    const msrp_session_config *config,
                                    const msrp_session_callbacks *callbacks,
                                    void *user_data, size_t config_size,
                                    size_t callbacks_size, size_t limits_size);
/** msrp_session_new_sized() with this program's struct sizes (@ref sized).
 */
#define msrp_session_new(...)                                                  \
  msrp_session_new_sized(__VA_ARGS__, sizeof(msrp_session_config),             \
                         sizeof(msrp_session_callbacks),                       \
                         sizeof(msrp_parser_limits))

/** The session of an engine passed to one of its callbacks (only for
 * engines that sessions made). */
MSRP_API msrp_session *msrp_session_from_engine(const msrp_engine *e);
MSRP_API msrp_engine *msrp_session_engine(msrp_session *s);
MSRP_API msrp_transport *msrp_session_transport(msrp_session *s);

/** The seed's send_chunk(chunk, response_cb): see msrp_engine_send_chunk. */
MSRP_API int msrp_session_send_chunk(msrp_session *s, msrp_chunk *chunk,
                                     msrp_session_response_cb cb, void *ud);

/** The seed's deliver_chunk(): `cb` gets 0 and the response when it is a
 * success, MSRP_ERR_TRANSACTION with the failure response (code and
 * comment in it), or MSRP_ERR_CANCELLED. With Failure-Report no (no
 * response can come) it completes as soon as the chunk is written, with no
 * response. */
typedef void (*msrp_deliver_cb)(msrp_session *s, int status,
                                const msrp_chunk *response, void *ud);
MSRP_API int msrp_session_deliver_chunk(msrp_session *s, msrp_chunk *chunk,
                                        msrp_deliver_cb cb, void *ud);
/** Blocking form: *code gets the response code (0 when none came). */
MSRP_API int msrp_session_deliver_chunk_wait(msrp_session *s, msrp_chunk *chunk,
                                             int *code);

MSRP_API int msrp_session_send_message_sized(msrp_session *s,
                                             const msrp_message_params *p,
                                             msrp_session_message_cb cb,
                                             void *ud, const char **message_id,
                                             size_t params_size);
/** msrp_session_send_message_sized() with this program's struct size. */
#define msrp_session_send_message(...)                                         \
  msrp_session_send_message_sized(__VA_ARGS__, sizeof(msrp_message_params))
MSRP_API int msrp_session_abort_message(msrp_session *s, const char *id);
MSRP_API int msrp_session_refuse_message(msrp_session *s, const char *id);
/** msrp_engine_message_have(): the first `bytes` of an incoming message
 * are ours already (a resumed transfer). */
MSRP_API int msrp_session_message_have(msrp_session *s, const char *id,
                                       uint64_t bytes);

/** msrp_engine_provider_ready(): a message's provider that said
 * MSRP_ERR_WOULD_BLOCK has bytes now; the session writes them. */
MSRP_API void msrp_session_provider_ready(msrp_session *s);

/** Stop reading from the peer (the peer is held back by TCP), and go on. */
MSRP_API void msrp_session_pause(msrp_session *s);
MSRP_API void msrp_session_resume(msrp_session *s);

/** GreenMSRPSession's receive_chunk: the next whole incoming message, as
 * a chunk carrying the whole body (the caller frees it). Only with
 * queue_incoming. `cb` runs once: 0 and the chunk, or the reason reading
 * ended (MSRP_ERR_CONNECTION_CLOSED, ...), or MSRP_ERR_CANCELLED. */
typedef void (*msrp_receive_cb)(msrp_session *s, int status,
                                msrp_chunk *message, void *ud);
MSRP_API int msrp_session_receive_message(msrp_session *s, msrp_receive_cb cb,
                                          void *ud);
MSRP_API int msrp_session_receive_message_wait(msrp_session *s,
                                               msrp_chunk **out);

/** How reading ended, once it has: 0 while the connection is up. */
MSRP_API int msrp_session_read_status(const msrp_session *s);

/** The seed's shutdown(): send what is queued, wait for the outstanding
 * responses (within the response timeout), then close. `cb` runs once,
 * when the connection is closed; every pending completion has run by then.
 * The session must still be freed. */
typedef void (*msrp_session_closed_cb)(msrp_session *s, void *ud);
MSRP_API int msrp_session_shutdown(msrp_session *s, msrp_session_closed_cb cb,
                                   void *ud);
MSRP_API int msrp_session_shutdown_wait(msrp_session *s);

/** Close at once: pending callbacks run with MSRP_ERR_CANCELLED (and the
 * closed callback of a shutdown under way runs). May be called from inside
 * any of the session's callbacks: then nothing more is delivered, and the
 * free happens when that callback returns (docs/design.md). NULL is
 * ignored. */
MSRP_API void msrp_session_free(msrp_session *s);

#ifdef __cplusplus
}
#endif
#endif
