/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — instant messaging over MSRP (sipsimple's MSRPChat).
 *
 * One chat is one MSRP media stream of a SIP session:
 *
 *     msrp_chat_new(&chat, loop, center, &account, "sip:bob@example.com", 1);
 *     msrp_chat_initialize(chat);         -> MSRPChatDidInitialize (sdp)
 *       ... the SDP goes in the offer or answer; the remote's comes back ...
 *     msrp_chat_start(chat, remote_sdp);  -> MSRPChatDidStart
 *     msrp_chat_send_message(chat, "hi", 2, NULL, NULL, 0, &id);
 *       -> MSRPChatDidDeliverMessage / MSRPChatDidNotDeliverMessage
 *       <- MSRPChatGotMessage
 *     msrp_chat_end(chat);                -> MSRPChatWillEnd, MSRPChatDidEnd
 *
 * Everything it has to say is posted on the notification centre, with the
 * chat as the sender and a payload whose type the name gives (below).
 * Messages are wrapped in Message/CPIM when the remote's accept-types
 * require it, or when a recipient or a time must be carried and the remote
 * accepts CPIM; otherwise they go raw. They carry "Failure-Report: partial"
 * and "Success-Report: yes": a REPORT says delivered, a failure response
 * or REPORT says not.
 */
#ifndef MSRP_CHAT_H
#define MSRP_CHAT_H

#include <msrp/chunk.h>
#include <msrp/common.h>
#include <msrp/connect.h>
#include <msrp/chatroom.h>
#include <msrp/cpim.h>
#include <msrp/imdn.h>
#include <msrp/iscomposing.h>
#include <msrp/notification.h>
#include <msrp/sdp.h>

#include <time.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_chat msrp_chat;

/** Who we are, and how we reach the network. Copied by msrp_chat_new. */
typedef struct msrp_account {
  const char *display_name; /**< "Alice" (may be NULL) */
  const char *uri;          /**< our SIP URI, "sip:alice@example.com" */
  const char *local_host;   /**< the IP address (or host name) MSRP
                                 listens or binds on ("0.0.0.0" or "::":
                                 every address) */
  /** The host our a=path (and c=) names, when it is not local_host: the
   * public address behind a NAT that forwards the port, or a real address
   * when local_host is 0.0.0.0 or "::". NULL: local_host. */
  const char *advertised_host;
  int use_tls;                     /**< msrps */
  const msrp_tls_config *tls;      /**< certificate (to accept), CA */
  const msrp_relay_config *relays; /**< NULL: direct */
  size_t nrelays;
  /** DNS servers for relays found through SRV (a relay URI with a domain
   * and no port): msrp_connect_config.dns_servers. NULL: the system's. */
  const char *dns_servers;
  const msrp_logger *logger;
  /** Play the freedesktop sound-theme events "message-sent-instant" and
   * "message-new-instant" through libcanberra, when it is installed
   * (loaded at run time). Off unless set; msrp_chat_set_sound_hook()
   * replaces it. */
  int sounds;
  /** What we accept, for a=accept-types and a=accept-wrapped-types. NULL
   * (and 0) gives sipsimple's chat: message/cpim, every text type and
   * application/im-iscomposing+xml; wrapped, everything. */
  const char *const *accept_types;
  size_t naccept_types;
  const char *const *accept_wrapped_types;
  size_t naccept_wrapped_types;
  /** The response timeout, and how long a message may wait for its
   * delivery REPORT before it counts as not delivered (code 0, reason
   * "no REPORT about the message came within the report timeout");
   * 0: MSRP_RESPONSE_TIMEOUT_MS. */
  uint64_t response_timeout_ms;
  /** RFC 6135, for an offer we make: MSRP_SDP_SETUP_ACTIVE (or ABSENT, the
   * default) offers "active" and connects to the answerer;
   * MSRP_SDP_SETUP_PASSIVE offers "passive" and waits for the answerer to
   * connect (an offerer with a public address, the answerer behind a NAT).
   * An answer is set by the offer: msrp_chat_new_from_sdp(). */
  msrp_sdp_setup offer_setup;
  /** RFC 6714 (CEMA): say a=msrp-cema in our SDP (direct sessions only).
   * When the remote's SDP says it too, a middlebox (an SBC) may carry the
   * connection: the side that connects goes to the remote SDP's c=
   * address and m= port, which the middlebox may have rewritten, instead
   * of the a=path address, and both match paths by session id alone.
   * Without it on both sides nothing changes. 0: not offered. */
  int cema;
} msrp_account;

/** The notifications, and their payloads (valid during the delivery). */
#define MSRP_CHAT_DID_INITIALIZE "MSRPChatDidInitialize"
#define MSRP_CHAT_DID_START "MSRPChatDidStart"
#define MSRP_CHAT_WILL_END "MSRPChatWillEnd"
#define MSRP_CHAT_DID_END "MSRPChatDidEnd"
#define MSRP_CHAT_DID_FAIL "MSRPChatDidFail"
#define MSRP_CHAT_GOT_MESSAGE "MSRPChatGotMessage"
#define MSRP_CHAT_DID_DELIVER_MESSAGE "MSRPChatDidDeliverMessage"
#define MSRP_CHAT_DID_NOT_DELIVER_MESSAGE "MSRPChatDidNotDeliverMessage"
#define MSRP_CHAT_GOT_COMPOSING_INDICATION "MSRPChatGotComposingIndication"
#define MSRP_CHAT_GOT_DISPOSITION_NOTIFICATION                                 \
  "MSRPChatGotDispositionNotification"
#define MSRP_CHAT_DID_SET_NICKNAME "MSRPChatDidSetNickname"
#define MSRP_CHAT_DID_NOT_SET_NICKNAME "MSRPChatDidNotSetNickname"

typedef struct msrp_chat_did_initialize {
  const char *sdp; /**< our media description (m=, c=, a= lines) */
} msrp_chat_did_initialize;

typedef struct msrp_chat_did_fail {
  const char *context; /**< "initialize", "sdp_negotiation", "start",
                          "reading" */
  const char *reason;  /**< a sentence */
  int failure;         /**< the library error behind it */
} msrp_chat_did_fail;

typedef struct msrp_chat_got_message {
  const uint8_t *content; /**< what the remote user typed (unwrapped) */
  size_t len;
  const char *content_type;
  const msrp_cpim *cpim;     /**< its CPIM headers, or NULL if not wrapped */
  const msrp_chunk *message; /**< the MSRP side: headers of the last chunk */
  /** The notifications it asks for (RFC 5438: MSRP_IMDN_ flags), and its
   * imdn.Message-ID to answer them with (NULL when it asks for none).
   * Positive delivery is answered when the observers return, unless one of
   * them answered already (msrp_chat_send_notification() with a negative
   * status refuses it) or msrp_chat_set_auto_delivery() turned that off. */
  unsigned notify;
  const char *imdn_message_id;
} msrp_chat_got_message;

/** What became of a message we sent asking for notifications (RFC 5438).
 * Posted once per kind asked for, and only for those: a notification
 * nobody asked for, a second one of a kind, or a malformed document is
 * dropped (and logged). */
typedef struct msrp_chat_disposition {
  const char *message_id;    /**< the message's (msrp_chat_send_message_ex) */
  msrp_imdn_kind kind;       /**< delivery, display or processing */
  msrp_imdn_status status;   /**< delivered, failed, displayed, ... */
  const char *status_name;   /**< "delivered", "failed", "displayed", ... */
  const char *datetime;      /**< when the notification was made (its CPIM
                                DateTime); "" when it says not */
  const char *recipient_uri; /**< who it is from; "" when unsaid */
  const msrp_imdn *imdn;     /**< the whole document */
} msrp_chat_disposition;

/** The answer to msrp_chat_set_nickname(). */
typedef struct msrp_chat_nickname_result {
  const char *nickname; /**< as asked for (prepared, RFC 8266) */
  int code; /**< 200; 424 malformed, 425 in use, 403, 501 (the remote
               does not know NICKNAME), ...; 0 when no answer came */
  const char *reason;
} msrp_chat_nickname_result;

/** A room we host decides on a nickname (RFC 7701): `nickname` is checked
 * and prepared (RFC 8266; compare with msrp_nickname_equal()). Return the
 * code to answer: 200, 425 (in use or reserved), 403, ... */
typedef int (*msrp_chat_nickname_cb)(msrp_chat *chat, const char *nickname,
                                     void *ud);

/** The remote is typing, or stopped (RFC 3994): from its document, or
 * "idle" when its refresh lapsed or a message of its came. */
typedef struct msrp_chat_composing_indication {
  msrp_composing_state state;
  uint32_t refresh;         /**< seconds; 0 when the document gave none */
  const char *content_type; /**< what is being composed; "" when unsaid */
  int64_t last_active;      /**< seconds since the epoch; -1 when unsaid */
} msrp_chat_composing_indication;

typedef struct msrp_chat_delivery {
  const char *message_id;
  int code; /**< 200, or the failure code (408, 415, ...);
               0 for a local reason (no REPORT came,
               cancelled, ...) */
  const char *reason;
  const msrp_chunk *message; /**< the REPORT or response, or NULL */
} msrp_chat_delivery;

/** Called for each message sent (sent = 1) and received (sent = 0) instead
 * of the default sounds. */
typedef void (*msrp_chat_sound_cb)(msrp_chat *chat, int sent, void *ud);

/** A chat with the remote party `remote_uri` (a SIP URI: the default CPIM
 * To). `outgoing`: we make the offer (and, with no a=setup saying
 * otherwise, connect). Errors: MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM,
 * MSRP_ERR_TLS_CONFIG. */
MSRP_API int msrp_chat_new_sized(msrp_chat **out, uv_loop_t *loop,
                                 msrp_notification_center *center,
                                 const msrp_account *account,
                                 const char *remote_uri, int outgoing,
                                 size_t account_size, size_t relay_size,
                                 size_t tls_size);
/** The sizes of msrp_account and the structs it points to, as this
 * program's headers have them (@ref sized). */
#define MSRP_ACCOUNT_SIZES                                                     \
  sizeof(msrp_account), sizeof(msrp_relay_config), sizeof(msrp_tls_config)
/** msrp_chat_new_sized() with this program's struct sizes. */
#define msrp_chat_new(...) msrp_chat_new_sized(__VA_ARGS__, MSRP_ACCOUNT_SIZES)

/** The seed's new_from_sdp(): a chat that answers `offer_sdp` (its MSRP
 * section alone, or a whole SDP body), its role chosen by the offer's
 * a=setup (RFC 6135): an offer "passive" or "actpass" is answered "active"
 * and we connect, so that an answerer behind a NAT reaches out; an offer
 * "active" or without a=setup (RFC 4975) is answered "passive" and we
 * accept. Then msrp_chat_initialize() gives the answer's SDP and
 * msrp_chat_start() takes the same offer. Errors: those of
 * msrp_chat_new(), of msrp_sdp_media_parse() for the offer, and
 * MSRP_ERR_NOT_SUPPORTED (holdconn). */
MSRP_API int msrp_chat_new_from_sdp_sized(
    msrp_chat **out, uv_loop_t *loop, msrp_notification_center *center,
    const msrp_account *account, const char *remote_uri, const char *offer_sdp,
    size_t account_size, size_t relay_size, size_t tls_size);
/** msrp_chat_new_from_sdp_sized() with this program's struct sizes. */
#define msrp_chat_new_from_sdp(...)                                            \
  msrp_chat_new_from_sdp_sized(__VA_ARGS__, MSRP_ACCOUNT_SIZES)

/** Prepare the MSRP side (listen, or reserve at the relay) and post
 * MSRPChatDidInitialize with our SDP media, or MSRPChatDidFail (context
 * "initialize"). */
MSRP_API int msrp_chat_initialize(msrp_chat *chat);

/** With the remote's SDP (its MSRP media section alone, or a whole SDP
 * body, where the first MSRP section is used, whatever comes before it:
 * msrp_sdp_find_msrp_media()): connect or accept, bind, post
 * MSRPChatDidStart and send what was queued; or MSRPChatDidFail (context
 * "sdp_negotiation" for SDP we cannot use, "start" for the connection).
 * Connecting over TLS straight to the endpoint (no relay on either side),
 * its certificate must have the SHA-256 a=fingerprint of its SDP, unless
 * the account's TLS settings name a fingerprint themselves. */
MSRP_API int msrp_chat_start(msrp_chat *chat, const char *remote_sdp);

/** Post MSRPChatWillEnd; let what is queued go out and every message sent
 * get its outcome (its responses and REPORT: MSRPChatDidDeliverMessage or
 * MSRPChatDidNotDeliverMessage), for at most 2 s; close, and post
 * MSRPChatDidEnd (always, from the loop). What is still unknown when the
 * 2 s are over is not delivered (cancelled). */
MSRP_API int msrp_chat_end(msrp_chat *chat);

/** Send a message. `content_type` NULL means "text/plain"; `to_uri` NULL
 * means the remote party (another URI makes it a private message to that
 * participant, RFC 7701: only to a room whose SDP says
 * a=chatroom:private-messages); `dt` 0 means no DateTime. Sent before
 * MSRPChatDidStart, it waits and goes out in order on start.
 * `*message_id` (may be NULL) gets its Message-ID, valid until its
 * delivery notification returns. Every message accepted here gets one:
 * DidDeliverMessage, or DidNotDeliverMessage (also when the chat ends
 * first: code 0, the reason msrp_strerror(MSRP_ERR_CANCELLED)); none once
 * msrp_chat_free() has begun. Errors: MSRP_ERR_CHAT_PRIVATE (a `to_uri` other
 * than the remote party's, which the remote cannot take: it is not a room
 * that allows private messages, or it does not accept CPIM), MSRP_ERR_CHAT_TYPE
 * (the remote accepts this content type neither raw nor wrapped),
 * MSRP_ERR_CLOSED (ended), MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM. */
MSRP_API int msrp_chat_send_message(msrp_chat *chat, const void *content,
                                    size_t len, const char *content_type,
                                    const char *to_uri, time_t dt,
                                    const char **message_id);

/** msrp_chat_send_message(), asking for disposition notifications (RFC
 * 5438): `notify` is MSRP_IMDN_POSITIVE_DELIVERY, _NEGATIVE_DELIVERY,
 * _DISPLAY, _PROCESSING or'ed together (0: none). The message goes in
 * CPIM with "NS: imdn <urn:ietf:params:imdn>", imdn.Message-ID (its
 * Message-ID), DateTime (`dt`, or now) and imdn.Disposition-Notification;
 * what comes back is MSRPChatGotDispositionNotification, apart from
 * DidDeliverMessage (the MSRP REPORT: the remote's endpoint has it; a
 * delivery notification: its user has). Errors: those of
 * msrp_chat_send_message(), and MSRP_ERR_CHAT_TYPE when the remote does
 * not take CPIM. */
MSRP_API int msrp_chat_send_message_ex(msrp_chat *chat, const void *content,
                                       size_t len, const char *content_type,
                                       const char *to_uri, time_t dt,
                                       unsigned notify,
                                       const char **message_id);

/** Answer a received message's request for a notification: `message_id`
 * its imdn.Message-ID (msrp_chat_got_message.imdn_message_id), `kind` and
 * `status` what to say (delivery: delivered, or failed / forbidden /
 * error to refuse it; display: displayed, ...). Sent in CPIM to the
 * message's sender, with no REPORT asked for. The last IMDN_KEEP (1024)
 * requests are remembered. Errors: MSRP_ERR_NOT_FOUND (no such request,
 * that answer was not asked for, or the kind is answered already),
 * MSRP_ERR_INVALID_ARGUMENT (a status the kind does not take),
 * MSRP_ERR_CHAT_TYPE (the remote takes no CPIM), MSRP_ERR_BUSY (not
 * started), MSRP_ERR_CLOSED, MSRP_ERR_NOMEM. */
MSRP_API int msrp_chat_send_notification(msrp_chat *chat,
                                         const char *message_id,
                                         msrp_imdn_kind kind,
                                         msrp_imdn_status status);
/** The user has seen the message: msrp_chat_send_notification() with
 * display / displayed. */
MSRP_API int msrp_chat_send_displayed(msrp_chat *chat, const char *message_id);
/** Whether a positive delivery notification asked for is sent by the chat
 * once GotMessage has been posted (1, the default) or left to the
 * application (0). */
MSRP_API void msrp_chat_set_auto_delivery(msrp_chat *chat, int on);

/** Ask the room for a nickname (RFC 7701 NICKNAME with Use-Nickname);
 * MSRPChatDidSetNickname or MSRPChatDidNotSetNickname follows with the
 * answer (msrp_chat_nickname_result). Errors: MSRP_ERR_NOT_SUPPORTED (the
 * remote's SDP has no a=chatroom with "nickname": not a room that takes
 * them), MSRP_ERR_INVALID_ARGUMENT (not a nickname, msrp_nickname_prepare),
 * MSRP_ERR_BUSY (not started), MSRP_ERR_CLOSED, MSRP_ERR_NOMEM. */
MSRP_API int msrp_chat_set_nickname(msrp_chat *chat, const char *nickname);

/** Before msrp_chat_initialize(): this chat is our side of a room we host
 * (a focus). Our SDP says a=chatroom with `flags` (MSRP_CHATROOM_NICKNAME,
 * MSRP_CHATROOM_PRIVATE_MESSAGES); NICKNAME requests are checked and then
 * decided by `cb` (NULL: answered 501). Errors: MSRP_ERR_BUSY (already
 * initialized), MSRP_ERR_INVALID_ARGUMENT. */
MSRP_API int msrp_chat_host_room(msrp_chat *chat, unsigned flags,
                                 msrp_chat_nickname_cb cb, void *ud);

/** Send an is-composing document (RFC 3994): `state`, the `refresh` in
 * seconds (0: none; with msrp_composing_sender, its
 * msrp_composing_sender_refresh()), `last_active` (-1: none). Wrapped in
 * CPIM when the remote wants that, with Success-Report and Failure-Report
 * no, as deployed clients send it; it is not a message (no delivery
 * notification). Errors: as msrp_chat_send_message, and MSRP_ERR_BUSY
 * before the chat has started. */
MSRP_API int msrp_chat_send_composing(msrp_chat *chat,
                                      msrp_composing_state state,
                                      uint32_t refresh, int64_t last_active);

MSRP_API void msrp_chat_set_sound_hook(msrp_chat *chat, msrp_chat_sound_cb cb,
                                       void *ud);

/** Free a chat; end it first for the notifications. NULL is ignored. */
MSRP_API void msrp_chat_free(msrp_chat *chat);

#ifdef __cplusplus
}
#endif
#endif
