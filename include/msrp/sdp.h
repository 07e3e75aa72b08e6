/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — the MSRP media description of SDP (the seed's SDPMedia).
 *
 * RFC 4975 section 8 (m=message, a=path, a=accept-types,
 * a=accept-wrapped-types, a=max-size), RFC 6135 with RFC 4145 (a=setup,
 * a=connection) and RFC 8122 (a=fingerprint):
 *
 *     m=message 7654 TCP/TLS/MSRP *
 *     c=IN IP4 192.0.2.1
 *     a=path:msrps://192.0.2.1:7654/jshA7weztas;tcp
 *     a=accept-types:message/cpim text/plain
 *     a=accept-wrapped-types:*
 *     a=setup:actpass
 *     a=fingerprint:sha-256 AB:CD:...
 *
 * An msrp_sdp_media is an opaque object: built from our own path and types
 * with msrp_sdp_media_new() and the setters, then written out with
 * msrp_sdp_media_format(); or made from a peer's SDP by
 * msrp_sdp_media_parse() and read through the getters. Besides, this file
 * holds the offer/answer rules: who opens the connection
 * (msrp_sdp_setup_negotiate()), which types both sides accept
 * (msrp_sdp_common_types_compute()) and whether a message goes raw or
 * wrapped in Message/CPIM (msrp_sdp_media_send_mode()).
 *
 * No I/O: text in, text out. (In these comments a wildcard type is written
 * "text/\*": the backslash only keeps the C comment open.)
 */
#ifndef MSRP_SDP_H
#define MSRP_SDP_H

#include <msrp/common.h>
#include <msrp/mediatype.h>
#include <msrp/uri.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_sdp_media msrp_sdp_media;

/** a=setup (RFC 4145 section 4). */
typedef enum msrp_sdp_setup {
  MSRP_SDP_SETUP_ABSENT = 0, /**< no a=setup line */
  MSRP_SDP_SETUP_ACTIVE,     /**< will open the connection */
  MSRP_SDP_SETUP_PASSIVE,    /**< will accept the connection */
  MSRP_SDP_SETUP_ACTPASS,    /**< either; offers only */
  MSRP_SDP_SETUP_HOLDCONN    /**< no connection for now */
} msrp_sdp_setup;

/** "active", "passive", "actpass", "holdconn"; NULL for ABSENT or a value
 * out of range. */
MSRP_API const char *msrp_sdp_setup_name(msrp_sdp_setup setup);

/** a=connection (RFC 4145 section 5). */
typedef enum msrp_sdp_connection {
  MSRP_SDP_CONNECTION_ABSENT = 0, /**< no a=connection line */
  MSRP_SDP_CONNECTION_NEW,
  MSRP_SDP_CONNECTION_EXISTING
} msrp_sdp_connection;

/* ------------------------------------------------------------------ */
/** Building                                                            */

/** A media description for our side. `path` is the full local path (what
 * a connector's prepare gives: relays first, our own URI last; at least one
 * URI), copied. The m-line takes its port and the c-line its address from
 * the FIRST URI of the path, the one the peer connects to (RFC 4975
 * section 8.1): the port is msrp_uri_effective_port(), the proto
 * TCP/TLS/MSRP for msrps: and TCP/MSRP for msrp:, and the address type IP6
 * for an IPv6 host, IP4 for an IPv4 address or a host name. `accept_types`
 * (count >= 1, each "*", "type/\*" or "type/subtype" with RFC 4975 tokens)
 * are copied; RFC 4975 makes a=accept-types mandatory. Nothing else is set:
 * no wrapped types, no max-size, no a=setup, no a=connection, no
 * fingerprint.
 * Ownership: `*out` is the caller's, released by msrp_sdp_media_free().
 * Errors: MSRP_ERR_INVALID_ARGUMENT (a NULL, an empty path, no types, a
 * malformed type), MSRP_ERR_NOMEM. On failure `*out` is untouched. */
MSRP_API int msrp_sdp_media_new(msrp_sdp_media **out, const msrp_path *path,
                                const char *const *accept_types,
                                size_t accept_types_count);

/** Free the object and all it owns. NULL is ignored. */
MSRP_API void msrp_sdp_media_free(msrp_sdp_media *media);

/** Replace a=accept-types (count >= 1) or a=accept-wrapped-types (count 0
 * removes the line). Each type is checked as for msrp_sdp_media_new() and
 * copied. Errors: MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM; on failure the
 * object is unchanged. */
MSRP_API int msrp_sdp_media_set_accept_types(msrp_sdp_media *media,
                                             const char *const *types,
                                             size_t count);
MSRP_API int msrp_sdp_media_set_accept_wrapped_types(msrp_sdp_media *media,
                                                     const char *const *types,
                                                     size_t count);

/** Set or remove a=max-size (the largest message, in bytes, the endpoint
 * will take; RFC 4975 section 8.6). */
MSRP_API void msrp_sdp_media_set_max_size(msrp_sdp_media *media,
                                          uint64_t max_size);
MSRP_API void msrp_sdp_media_remove_max_size(msrp_sdp_media *media);

/** Set a=setup / a=connection; ABSENT removes the line. Errors:
 * MSRP_ERR_INVALID_ARGUMENT for a value out of range. */
MSRP_API int msrp_sdp_media_set_setup(msrp_sdp_media *media,
                                      msrp_sdp_setup setup);
MSRP_API int msrp_sdp_media_set_connection(msrp_sdp_media *media,
                                           msrp_sdp_connection connection);

/** Append an a=fingerprint line (RFC 8122 section 5): `hash` a token such
 * as "sha-256" (any case), `value` hex pairs joined by ":" ("AB:CD:..."),
 * both copied as given. For md2, md5, sha-1, sha-224, sha-256, sha-384 and
 * sha-512 the number of pairs must be that hash's length. Errors:
 * MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM. */
MSRP_API int msrp_sdp_media_add_fingerprint(msrp_sdp_media *media,
                                            const char *hash,
                                            const char *value);

/** Append another attribute, written as "a=" + `attribute` (for example
 * "sendrecv" or "file-selector:name:\"a.txt\" size:12"). The name (up to
 * the first ":") must be one or more token characters and must not be one
 * this object types (path, accept-types, accept-wrapped-types, max-size,
 * setup, connection, fingerprint); no control characters. Copied.
 * Errors: MSRP_ERR_INVALID_ARGUMENT, MSRP_ERR_NOMEM. */
MSRP_API int msrp_sdp_media_add_attribute(msrp_sdp_media *media,
                                          const char *attribute);

/** Write the media section, snprintf-style like msrp_uri_format(): at most
 * `size` bytes including the NUL; returns the length the whole text needs
 * (without the NUL) or a negative error. Lines end in CRLF and come in
 * this fixed order, each only when present:
 *
 *     m=message <port> TCP/MSRP *       (TCP/TLS/MSRP for TLS)
 *     c=IN IP4 <address>                (IP6 for IPv6)
 *     a=path:<uri> [<uri> ...]
 *     a=accept-types:<type> [<type> ...]
 *     a=accept-wrapped-types:<type> [<type> ...]
 *     a=max-size:<n>
 *     a=setup:<role>
 *     a=connection:<new|existing>
 *     a=fingerprint:<hash> <value>      (each, in order)
 *     a=<attribute>                     (each other one, in order)
 *
 * Errors: MSRP_ERR_INVALID_ARGUMENT (NULL media, or NULL buf with
 * size > 0). */
MSRP_API int msrp_sdp_media_format(const msrp_sdp_media *media, char *buf,
                                   size_t size);

/* ------------------------------------------------------------------ */
/** Parsing                                                             */

/** The part of the SDP a parse error is about. */
typedef enum msrp_sdp_field {
  MSRP_SDP_FIELD_NONE = 0,        /**< no line (or not the text's fault) */
  MSRP_SDP_FIELD_LINE,            /**< not "<letter>=<value>", or a CTL */
  MSRP_SDP_FIELD_MEDIA,           /**< m= */
  MSRP_SDP_FIELD_CONNECTION_DATA, /**< c= */
  MSRP_SDP_FIELD_PATH,            /**< a=path */
  MSRP_SDP_FIELD_ACCEPT_TYPES,    /**< a=accept-types */
  MSRP_SDP_FIELD_WRAPPED_TYPES,   /**< a=accept-wrapped-types */
  MSRP_SDP_FIELD_MAX_SIZE,        /**< a=max-size */
  MSRP_SDP_FIELD_SETUP,           /**< a=setup */
  MSRP_SDP_FIELD_CONNECTION,      /**< a=connection */
  MSRP_SDP_FIELD_FINGERPRINT,     /**< a=fingerprint */
  MSRP_SDP_FIELD_ATTRIBUTE        /**< another a= line */
} msrp_sdp_field;

/** Where a parse failed: the field and its line (counting from 1), or line
 * 0 when the failure is that something is missing. */
typedef struct msrp_sdp_where {
  msrp_sdp_field field;
  size_t line;
} msrp_sdp_where;

/** Parse the media section number `index` (counting from 0) of `len` bytes
 * of SDP text (no NUL needed). The text may be a media section alone
 * ("m=...") or a whole session description: lines before the first m= are
 * the session level, whose c=, a=setup, a=connection and a=fingerprint
 * apply when the media section has none of its own (RFC 8866, RFC 4145,
 * RFC 8122); other session lines are ignored, and so are the other media
 * sections (checked only for being "<letter>=<value>" lines).
 *
 * Lines end in CRLF or a bare LF; the last may have no end; blank lines and
 * trailing spaces are ignored, and so are lines other than m=, c= and a=
 * (b=, i=, k=, ...). Keywords (the media and proto of m=, the network and
 * address types of c=, a= names, the values of setup and connection) are
 * compared case-insensitively. Other a= lines of the section are
 * kept verbatim (msrp_sdp_media_attribute()). Lenient where interop needs
 * it: the format list is not required to be "*", the m-line port need not
 * match the path, and c= is optional (address NULL).
 *
 * Errors, with `where` (may be NULL) set to the field and line:
 *  - MSRP_ERR_INVALID_ARGUMENT: `out` or `text` NULL.
 *  - MSRP_ERR_NOMEM.
 *  - MSRP_ERR_NOT_FOUND: no media section `index` (MEDIA), no a=path
 *    (PATH) or no a=accept-types (ACCEPT_TYPES) in it.
 *  - MSRP_ERR_NOT_SUPPORTED: a well-formed m= line that is not "message"
 *    over TCP/MSRP or TCP/TLS/MSRP (MEDIA); a c= line whose network type is
 *    not IN or whose address type is not IP4 or IP6 (CONNECTION_DATA).
 *  - MSRP_ERR_SDP_PATH: a=path is empty or holds a malformed MSRP URI
 *    (PATH).
 *  - MSRP_ERR_SDP_DUPLICATE: a second c=, a=path,
 *    a=accept-types, a=accept-wrapped-types, a=max-size, a=setup or
 *    a=connection at the same level, session or media (that field).
 *  - MSRP_ERR_SDP_SYNTAX: any other malformed line: not
 *    "<letter>=<value>" or holding a control character (LINE); an m= line
 *    without media, port, proto and format, or with a port that is not a
 *    number up to 65535 (MEDIA); a c= line that is not three fields
 *    (CONNECTION_DATA); an accept-types or accept-wrapped-types entry that
 *    is not "*", "type/\*" or "type/subtype", or an empty list; a max-size
 *    that is not digits; a setup other than active, passive, actpass or
 *    holdconn; a connection other than new or existing; a fingerprint that
 *    is not "<hash> XX:XX:..." of the hash's length (their fields); an a=
 *    line with an empty name (ATTRIBUTE).
 * On failure `*out` is untouched. */
MSRP_API int msrp_sdp_media_parse(msrp_sdp_media **out, const char *text,
                                  size_t len, size_t index,
                                  msrp_sdp_where *where);

/** Find an MSRP media section in a whole SDP body, which may hold others
 * (m=audio first is common): `*index` gets the number (counting from 0, as
 * msrp_sdp_media_parse() counts) of the first section at or after `from`
 * whose m= line is "message" over TCP/MSRP or TCP/TLS/MSRP with a port
 * other than 0 (0 is a stream the answer turned down, RFC 3264). To visit
 * every MSRP section, call again with `from` = `*index` + 1. Errors:
 * MSRP_ERR_NOT_FOUND (none), MSRP_ERR_INVALID_ARGUMENT (`text` or `index`
 * NULL). */
MSRP_API int msrp_sdp_find_msrp_media(const char *text, size_t len, size_t from,
                                      size_t *index);

/* ------------------------------------------------------------------ */
/** Reading (a built or a parsed object)                                */

/** The path (never empty). Borrowed: valid while the object lives and its
 * path is not replaced. */
/** Desktop sharing as deployed clients speak it (RFB over MSRP) is
 * m=application, not m=message: 1 to write m=application; the parser
 * takes both (msrp_sdp_media_application() says which came). */
MSRP_API int msrp_sdp_media_set_application(msrp_sdp_media *media,
                                            int application);
MSRP_API int msrp_sdp_media_application(const msrp_sdp_media *media);

/** The RFB role of a desktop-sharing side: ACTIVE runs the VNC viewer,
 * PASSIVE the VNC server; independent of the MSRP connection's a=setup. */
typedef enum msrp_rfb_role {
  MSRP_RFB_ACTIVE = 1,
  MSRP_RFB_PASSIVE = 2
} msrp_rfb_role;

/** a=rfbsetup; without it, older clients' a=setup:passive (they carried
 * the RFB role there); with neither, ACTIVE. */
MSRP_API msrp_rfb_role msrp_sdp_media_rfb_role(const msrp_sdp_media *media);
/** Adds a=rfbsetup:active or :passive. MSRP_ERR_INVALID_ARGUMENT. */
MSRP_API int msrp_sdp_media_set_rfb_role(msrp_sdp_media *media,
                                         msrp_rfb_role role);

/** RFC 6714: add "a=msrp-cema" (once). Errors: MSRP_ERR_INVALID_ARGUMENT,
 * MSRP_ERR_NOMEM. */
MSRP_API int msrp_sdp_media_set_cema(msrp_sdp_media *media);
/** 1 when the media says a=msrp-cema, else 0. */
MSRP_API int msrp_sdp_media_cema(const msrp_sdp_media *media);

/** RFC 7701: add "a=chatroom" with the values of `flags`
 * (MSRP_CHATROOM_NICKNAME "nickname", MSRP_CHATROOM_PRIVATE_MESSAGES
 * "private-messages", chatroom.h). Errors: MSRP_ERR_INVALID_ARGUMENT,
 * MSRP_ERR_NOMEM. */
MSRP_API int msrp_sdp_media_set_chatroom(msrp_sdp_media *media, unsigned flags);
/** The MSRP_CHATROOM_ flags of every a=chatroom line (values we do not
 * know ignored), 0 for a bare "a=chatroom"; MSRP_ERR_NOT_FOUND when the
 * media has none (not a chat room). */
MSRP_API int msrp_sdp_media_chatroom(const msrp_sdp_media *media);

MSRP_API const msrp_path *msrp_sdp_media_path(const msrp_sdp_media *media);

/** The m-line: 1 for TCP/TLS/MSRP, 0 for TCP/MSRP; and its port (0 to
 * 65535; 0 means the stream is rejected, RFC 3264). */
MSRP_API int msrp_sdp_media_use_tls(const msrp_sdp_media *media);
MSRP_API int msrp_sdp_media_port(const msrp_sdp_media *media);

/** The c-line's address, or NULL when there is none; `*ipv6` (may be NULL)
 * is set to 1 for IP6, 0 for IP4. Borrowed. */
MSRP_API const char *msrp_sdp_media_address(const msrp_sdp_media *media,
                                            int *ipv6);

/** a=accept-types (never empty) and a=accept-wrapped-types (count 0 when
 * absent). Borrowed; do not change them. */
MSRP_API const msrp_media_types *
msrp_sdp_media_accept_types(const msrp_sdp_media *media);
MSRP_API const msrp_media_types *
msrp_sdp_media_accept_wrapped_types(const msrp_sdp_media *media);

/** a=max-size into `*out`. Returns 0, or MSRP_ERR_NOT_FOUND when absent
 * (`*out` untouched), MSRP_ERR_INVALID_ARGUMENT. */
MSRP_API int msrp_sdp_media_max_size(const msrp_sdp_media *media,
                                     uint64_t *out);

MSRP_API msrp_sdp_setup msrp_sdp_media_setup(const msrp_sdp_media *media);
MSRP_API msrp_sdp_connection
msrp_sdp_media_connection(const msrp_sdp_media *media);

/** The a=fingerprint lines: how many, and number `i`'s hash name and value
 * as written (borrowed). Returns 0, or MSRP_ERR_NOT_FOUND when `i` is out
 * of range, MSRP_ERR_INVALID_ARGUMENT. Compare values case-insensitively:
 * a parsed one may be in lower case. */
MSRP_API size_t msrp_sdp_media_fingerprint_count(const msrp_sdp_media *media);
MSRP_API int msrp_sdp_media_fingerprint(const msrp_sdp_media *media, size_t i,
                                        const char **hash, const char **value);

/** The other a= lines, verbatim without "a=", in order: how many, and
 * number `i` (NULL when out of range). Borrowed. */
MSRP_API size_t msrp_sdp_media_attribute_count(const msrp_sdp_media *media);
MSRP_API const char *msrp_sdp_media_attribute(const msrp_sdp_media *media,
                                              size_t i);

/** The value of the first other attribute named `name` (case-insensitive):
 * the text after its ":", or "" for a flag such as "sendrecv"; NULL when
 * there is none. Borrowed. */
MSRP_API const char *msrp_sdp_media_find_attribute(const msrp_sdp_media *media,
                                                   const char *name);

/* ------------------------------------------------------------------ */
/** Offer and answer                                                    */

typedef enum msrp_sdp_role {
  MSRP_SDP_OFFERER = 0,
  MSRP_SDP_ANSWERER = 1
} msrp_sdp_role;

/** What to do about the transport connection. */
typedef enum msrp_sdp_action {
  MSRP_SDP_CONNECT = 1, /**< we open it (a connector) */
  MSRP_SDP_ACCEPT = 2,  /**< the peer opens it (an acceptor) */
  MSRP_SDP_HOLD = 3     /**< holdconn: nobody opens one for now */
} msrp_sdp_action;

/** Who connects, by RFC 6135 and RFC 4145 with RFC 4975's default.
 *
 * `role` is our part in the exchange; `remote` the peer's a=setup (from
 * its offer when we answer, from its answer when we offer). `local` is,
 * for an offerer, the a=setup we offered; for an answerer, the role we
 * prefer when offered actpass (ACTIVE or PASSIVE; ABSENT means ACTIVE, and
 * HOLDCONN holds whatever was offered). On success `*action` says whether
 * we connect, accept or hold, and `*result` our resulting a=setup: for an
 * answerer the value to put in the answer.
 *
 * An absent a=setup takes RFC 4975's model, where the offerer opens the
 * connection: an offer without one counts as "active", an answer without
 * one as "passive" (also RFC 4145's defaults).
 *
 *     answerer: offer active -> ACCEPT, answer passive
 *               offer passive -> CONNECT, answer active
 *               offer actpass -> as `local` prefers (default CONNECT, active)
 *               offer holdconn -> HOLD, answer holdconn
 *               offer absent -> ACCEPT, answer passive
 *     offerer:  we offered holdconn, or the answer says holdconn -> HOLD
 *               answer active -> ACCEPT (we offered actpass or passive)
 *               answer passive or absent -> CONNECT (we offered actpass,
 *               active or nothing); an absent answer to a passive offer
 *               comes from an RFC 4975 peer waiting for us -> CONNECT
 *
 * Errors: MSRP_ERR_INVALID_ARGUMENT (NULL pointers, values out of range);
 * MSRP_ERR_NOT_SUPPORTED when the answer cannot work with the offer (both
 * active, both passive, or actpass in an answer). */
MSRP_API int msrp_sdp_setup_negotiate(msrp_sdp_role role, msrp_sdp_setup local,
                                      msrp_sdp_setup remote,
                                      msrp_sdp_action *action,
                                      msrp_sdp_setup *result);

/** 1 if the media's a=accept-types admits `type` (msrp_media_types_contain()),
 * else 0. */
MSRP_API int msrp_sdp_media_accepts(const msrp_sdp_media *media,
                                    const char *type);
/** The same against a=accept-wrapped-types. */
MSRP_API int msrp_sdp_media_accepts_wrapped(const msrp_sdp_media *media,
                                            const char *type);

/** The types both sides of a session accept. */
typedef struct msrp_sdp_common_types {
  msrp_media_types types;         /**< accept-types both admit */
  int remote_cpim;                /**< the remote admits message/cpim */
  int cpim;                       /**< both admit message/cpim (sipsimple's
                                     cpim_enabled) */
  msrp_media_types wrapped_types; /**< when cpim: the accept-wrapped-types both
                                   admit; empty otherwise */
} msrp_sdp_common_types;

#define MSRP_SDP_COMMON_TYPES_INIT                                             \
  { MSRP_MEDIA_TYPES_INIT, 0, 0, MSRP_MEDIA_TYPES_INIT }

/** Fill a cleared `*out` from our media and the remote's, with
 * msrp_media_types_intersect(). Errors: MSRP_ERR_INVALID_ARGUMENT,
 * MSRP_ERR_NOMEM; on failure `*out` stays cleared. */
MSRP_API int msrp_sdp_common_types_compute(msrp_sdp_common_types *out,
                                           const msrp_sdp_media *local,
                                           const msrp_sdp_media *remote);
MSRP_API void msrp_sdp_common_types_clear(msrp_sdp_common_types *common);

typedef enum msrp_sdp_send_mode {
  MSRP_SDP_SEND_RAW = 1, /**< as it is, Content-Type `type` */
  MSRP_SDP_SEND_CPIM = 2 /**< wrapped: Content-Type message/cpim */
} msrp_sdp_send_mode;

/** How a message of media type `content_type` (";parameters" ignored) can
 * go to the peer described by `remote`, as sipsimple's MSRPChat decides:
 * raw if the remote's accept-types admit the type; wrapped in Message/CPIM
 * if they admit message/cpim and its accept-wrapped-types admit the type
 * (a "*" among them admits all); otherwise not at all. When both work, RAW
 * is chosen unless `prefer_cpim` is non-zero (the seed's "prefer
 * Message/CPIM wrapper if it is supported"). A message/cpim message itself
 * is never wrapped again.
 * Errors: MSRP_ERR_INVALID_ARGUMENT (NULL, or `content_type` not
 * type/subtype with no wildcard); MSRP_ERR_NOT_SUPPORTED when the remote
 * takes the type neither way. */
MSRP_API int msrp_sdp_media_send_mode(const msrp_sdp_media *remote,
                                      const char *content_type, int prefer_cpim,
                                      msrp_sdp_send_mode *mode);

#ifdef __cplusplus
}
#endif
#endif
