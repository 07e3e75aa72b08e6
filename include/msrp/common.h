/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — MSRP (RFC 4975) for C.
 *
 * common.h: the export macro and the error enum shared by every module.
 */
#ifndef MSRP_COMMON_H
#define MSRP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(MSRP_BUILDING) && defined(__GNUC__)
#define MSRP_API __attribute__((visibility("default")))
#else
#define MSRP_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup sized Config structs across versions
 * A function that takes a config, params or callbacks struct is a macro
 * over a `_sized` function that also takes the `sizeof` of each such
 * struct as the program's headers define it. A program built against
 * older headers passes the sizes it knew, and the fields added since are
 * zero for the library, which is every field's default; a program never
 * has to fill in a size itself. Bindings from other languages call the
 * `_sized` functions with the sizes of their own declarations.
 * docs/design.md, "Compatibility", has the rules. */

/** Library errors. Every function that can fail returns 0 or one of these
 * (always negative). The list is only ever appended to; the numbers are
 * stable. msrp_strerror() gives a sentence for each. */
typedef enum msrp_err {
  MSRP_OK = 0,
  MSRP_ERR_NOMEM = -1,             /**< an allocation failed */
  MSRP_ERR_INVALID_ARGUMENT = -2,  /**< the caller passed something invalid */
  MSRP_ERR_NOT_FOUND = -3,         /**< the thing asked for is not there */
  MSRP_ERR_RANDOM = -4,            /**< the random generator failed */
  MSRP_ERR_BODY_HAS_END_LINE = -5, /**< the body holds the chunk's end-line */

  /* URIs (RFC 4975 section 6 and 9) */
  MSRP_ERR_URI_SCHEME = -20,     /**< scheme is not msrp: or msrps: */
  MSRP_ERR_URI_SYNTAX = -21,     /**< no "//" authority, or stray characters */
  MSRP_ERR_URI_USERINFO = -22,   /**< bad character or escape in userinfo */
  MSRP_ERR_URI_HOST = -23,       /**< empty or malformed host */
  MSRP_ERR_URI_IPV6 = -24,       /**< malformed IPv6 literal */
  MSRP_ERR_URI_PORT = -25,       /**< port empty, not a number or > 65535 */
  MSRP_ERR_URI_SESSION_ID = -26, /**< bad character in session-id */
  MSRP_ERR_URI_TRANSPORT = -27,  /**< the mandatory ";transport" is missing */
  MSRP_ERR_URI_PARAM = -28,      /**< malformed URI parameter */

  /* Parser: malformed input (RFC 4975 section 9 ABNF). The parser returns
   * -40..-45, -51 and -52 and cannot go on; it records -46..-50 and
   * -53..-56 on a chunk whose framing is intact (msrp_chunk_error()). */
  MSRP_ERR_PARSE_START_LINE = -40, /**< not "MSRP SP tid SP ...", or a CTL */
  MSRP_ERR_PARSE_TRANSACTION_ID = -41, /**< not an ident (ours: 4..32 chars) */
  MSRP_ERR_PARSE_METHOD = -42,         /**< method is not 1*UPALPHA */
  MSRP_ERR_PARSE_STATUS_CODE = -43,    /**< status code is not 3 digits */
  MSRP_ERR_PARSE_HEADER = -44,         /**< not "name: value", or a CTL in it */
  MSRP_ERR_PARSE_LINE_ENDING = -45,    /**< bare LF, or CR not before LF */
  MSRP_ERR_PARSE_MISSING_TO_PATH = -46,   /**< no To-Path header */
  MSRP_ERR_PARSE_MISSING_FROM_PATH = -47, /**< no From-Path header */
  MSRP_ERR_PARSE_PATH = -48,              /**< a path holds a malformed URI */
  MSRP_ERR_PARSE_BYTE_RANGE = -49,        /**< Byte-Range is not s-e/t */
  MSRP_ERR_PARSE_STATUS_HEADER = -50,     /**< Status is not "ns code [text]" */
  MSRP_ERR_PARSE_END_LINE_TID = -51,      /**< end-line tid differs */
  MSRP_ERR_PARSE_END_LINE_FLAG = -52,     /**< end-line flag not $, + or # */
  MSRP_ERR_PARSE_REPORT_HEADER = -53,     /**< bad Success-/Failure-Report */
  MSRP_ERR_PARSE_NUMBER_HEADER = -54,     /**< bad Expires/Min-/Max-Expires */
  MSRP_ERR_PARSE_DUPLICATE_HEADER = -55,  /**< a single-valued header twice */
  MSRP_ERR_PARSE_MESSAGE_ID = -56,        /**< an empty Message-ID */

  /* Parser: configured limits exceeded */
  MSRP_ERR_LIMIT_HEADER_BYTES = -70,  /**< start line + headers too long */
  MSRP_ERR_LIMIT_HEADER_COUNT = -71,  /**< too many header lines */
  MSRP_ERR_LIMIT_PATH_LENGTH = -72,   /**< too many URIs in one path */
  MSRP_ERR_LIMIT_TID_LENGTH = -73,    /**< transaction id too long */
  MSRP_ERR_LIMIT_METHOD_LENGTH = -74, /**< method name too long */

  MSRP_ERR_PARSER_FAILED = -90, /**< the parser already failed; free it */

  /* Connections (io layer) */
  MSRP_ERR_CANCELLED = -100,         /**< its object was closed first */
  MSRP_ERR_CONNECTION_CLOSED = -101, /**< the peer closed, between chunks */
  MSRP_ERR_CLOSED_MID_CHUNK = -102,  /**< the peer closed inside a chunk */
  MSRP_ERR_IO = -103,                /**< a socket error (see the log) */
  MSRP_ERR_CONNECT = -104,           /**< could not connect to the peer */
  MSRP_ERR_RESOLVE = -105,           /**< the host name did not resolve */
  MSRP_ERR_TLS_HANDSHAKE = -106,     /**< the TLS handshake failed */
  MSRP_ERR_TLS_VERIFY = -107,        /**< the peer certificate is not trusted */
  MSRP_ERR_TLS_FINGERPRINT = -108, /**< the certificate's fingerprint differs */
  MSRP_ERR_TLS_CONFIG = -109,      /**< certificate, key or CA unusable */
  MSRP_ERR_BIND_TIMEOUT = -110,    /**< no binding within the bind timeout */
  MSRP_ERR_BIND_REFUSED = -111,    /**< the peer answered the binding SEND
                                      with an error */
  MSRP_ERR_BIND_PATH = -112,       /**< the binding paths do not match */
  MSRP_ERR_ADDRESS_IN_USE = -113,  /**< the local address is taken */
  MSRP_ERR_BUSY = -114,            /**< that operation is already running */
  MSRP_ERR_TIMEOUT = -115,         /**< connecting took too long */
  MSRP_ERR_CLOSED = -116,          /**< the object is closed or closing */
  MSRP_ERR_ADDRESS = -117,         /**< the local address is not usable */
  MSRP_ERR_NOT_SUPPORTED = -118,   /**< not available in this build/kind */
  MSRP_ERR_BIND_BACKLOG = -119,    /**< the peer sent more than we keep
                                      before answering the binding */
  MSRP_ERR_WEBSOCKET = -120,       /**< the WebSocket handshake or framing
                                      failed (RFC 6455, RFC 7977; the log
                                      says how) */

  /* Sessions */
  MSRP_ERR_WOULD_BLOCK = -130,     /**< the outgoing queue is full: wait */
  MSRP_ERR_MESSAGE_ABORTED = -131, /**< the message was aborted ('#') */
  MSRP_ERR_MESSAGE_REFUSED = -132, /**< the message was refused (413) */
  MSRP_ERR_TRANSACTION = -133,     /**< a request got a failure response */
  MSRP_ERR_NO_REPORT = -134,       /**< no REPORT came within the report
                                      timeout */
  MSRP_ERR_OUTPUT_FULL = -135,     /**< the peer does not read our answers:
                                      the hard output limit was passed */
  MSRP_ERR_MESSAGE_EXPIRED = -136, /**< an incomplete incoming message saw no
                                      chunk for the idle timeout */
  MSRP_ERR_MESSAGE_CORRUPT = -137, /**< a chunk disagreed with its Byte-Range
                                      or with bytes already received (400) */

  /* Relays */
  MSRP_ERR_RELAY_AUTH = -140, /**< the relay refused the AUTH (see the log) */

  /* Chat */
  MSRP_ERR_CHAT_PRIVATE = -150, /**< the remote takes no private messages */
  MSRP_ERR_CHAT_TYPE = -151,    /**< the remote accepts no such content */

  /* Content: SDP (RFC 4975 section 8, RFC 8866), media types, Message/CPIM
   * (RFC 3862), HTTP Digest (RFC 2617) */
  MSRP_ERR_SDP_SYNTAX = -160,    /**< a malformed SDP line or value */
  MSRP_ERR_SDP_DUPLICATE = -161, /**< an SDP attribute allowed once, twice */
  MSRP_ERR_SDP_PATH = -162,      /**< a=path holds a malformed URI */
  MSRP_ERR_MEDIA_TYPE = -163,    /**< not "*", "type/\*" or "type/subtype" */
  MSRP_ERR_CPIM_SYNTAX = -164,   /**< malformed Message/CPIM headers */
  MSRP_ERR_CPIM_LIMIT = -165,    /**< CPIM headers beyond the limits */
  MSRP_ERR_DIGEST_SYNTAX = -166, /**< a malformed Digest challenge or
                                    credentials */
  MSRP_ERR_DIGEST_STALE = -167,  /**< a Digest nonce past its lifetime */
  MSRP_ERR_XML = -168,           /**< a malformed or unexpected XML document */

  /* File transfer (RFC 5547) */
  MSRP_ERR_FILE_HASH = -180, /**< the file's SHA-1 is not its selector's */
  MSRP_ERR_FILE_IO = -181,   /**< reading or writing the file failed */
  MSRP_ERR_FILE_SIZE = -182, /**< the peer sent past the announced size */
  MSRP_ERR_FILE_INCOMPLETE = -183, /**< the transfer ended before the whole
                                      file came */
  MSRP_ERR_FILE_REFUSED = -184     /**< the peer refused the file */
} msrp_err;

/** Whether an error ends the use of the object that returned it: after a
 * fatal error the only legal call is its free. Fatal are the errors of a
 * connection or a session that cannot go on: framing the parser cannot
 * follow (MSRP_ERR_PARSE_START_LINE .. MSRP_ERR_PARSE_END_LINE_FLAG that
 * the parser returns, MSRP_ERR_LIMIT_*, MSRP_ERR_PARSER_FAILED), a
 * connection that closed or failed (MSRP_ERR_CONNECTION_CLOSED,
 * MSRP_ERR_CLOSED_MID_CHUNK, MSRP_ERR_IO, MSRP_ERR_TLS_*), a peer that does
 * not read (MSRP_ERR_OUTPUT_FULL), and MSRP_ERR_NOMEM. The others concern
 * one call, one message or one transaction. */
MSRP_API int msrp_is_fatal(int err);

/** The version of the library that runs, "0.1.0" (version.h has the
 * version of the headers a program was built with). */
MSRP_API const char *msrp_version(void);

/** A static English sentence for an error code (never NULL). */
MSRP_API const char *msrp_strerror(int err);

/** The symbolic name of an error code ("MSRP_ERR_NOMEM"), never NULL. */
MSRP_API const char *msrp_errname(int err);

/** MSRP status codes (RFC 4975 section 10, RFC 4976, RFC 7701) are a type of
 * their own: they travel on the wire, library errors do not. */
typedef enum msrp_status {
  MSRP_STATUS_OK = 200,
  MSRP_STATUS_BAD_REQUEST = 400,
  MSRP_STATUS_UNAUTHORIZED = 401,
  MSRP_STATUS_FORBIDDEN = 403,
  MSRP_STATUS_RECIPIENT_UNKNOWN = 404, /**< RFC 7701: no such participant */
  MSRP_STATUS_TIMEOUT = 408,
  MSRP_STATUS_STOP_SENDING = 413,
  MSRP_STATUS_UNSUPPORTED_MEDIA = 415,
  MSRP_STATUS_OUT_OF_BOUNDS = 423,
  MSRP_STATUS_NICKNAME_MALFORMED = 424,  /**< RFC 7701 */
  MSRP_STATUS_NICKNAME_IN_USE = 425,     /**< RFC 7701: reserved or in use */
  MSRP_STATUS_NO_PRIVATE_MESSAGES = 428, /**< RFC 7701 */
  MSRP_STATUS_NO_SESSION = 481,
  MSRP_STATUS_UNKNOWN_METHOD = 501,
  MSRP_STATUS_SESSION_IN_USE = 506
} msrp_status;

/** The comment RFC 4975/4976 suggest for a status code ("OK",
 * "Request Timeout", ...); "Unknown" for codes it does not name. */
MSRP_API const char *msrp_status_comment(int code);

#ifdef __cplusplus
}
#endif
#endif
