/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 The libmsrp authors */
/** @file
 * libmsrp — the MSRP chunk: one request or response (RFC 4975 section 7).
 *
 * A chunk is what the seed calls MSRPData: a start line (transaction id and
 * method, or transaction id, status code and comment), headers in order,
 * an optional body and the end-line's continuation flag.
 *
 * Headers keep their order and the spelling of their names, so a parsed
 * chunk serializes back to the bytes it came from. The headers RFC 4975 and
 * RFC 4976 define are checked when they are set or parsed and can be read
 * typed (paths, Byte-Range, Status, reports, expiry); every other header is
 * kept verbatim. Setting a bad value fails; parsing one keeps it verbatim,
 * with no typed view, and records the error on the chunk
 * (msrp_chunk_error()).
 *
 * Values never hold a control character (0x00-0x1F but HTAB, and 0x7F);
 * bytes of 0x80 and above (UTF-8) are allowed.
 */
#ifndef MSRP_CHUNK_H
#define MSRP_CHUNK_H

#include <msrp/common.h>
#include <msrp/uri.h>

#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msrp_chunk msrp_chunk;

typedef enum msrp_method {
  MSRP_METHOD_NONE = 0, /**< the chunk is a response */
  MSRP_METHOD_SEND,
  MSRP_METHOD_REPORT,
  MSRP_METHOD_AUTH,     /**< RFC 4976 */
  MSRP_METHOD_NICKNAME, /**< RFC 7701 */
  MSRP_METHOD_OTHER     /**< any other 1*UPALPHA method name */
} msrp_method;

typedef enum msrp_header_id {
  MSRP_HDR_OTHER = 0, /**< an extension header, kept verbatim */
  MSRP_HDR_TO_PATH,
  MSRP_HDR_FROM_PATH,
  MSRP_HDR_MESSAGE_ID,
  MSRP_HDR_BYTE_RANGE,
  MSRP_HDR_CONTENT_TYPE,
  MSRP_HDR_SUCCESS_REPORT,
  MSRP_HDR_FAILURE_REPORT,
  MSRP_HDR_STATUS,
  MSRP_HDR_USE_PATH,            /**< RFC 4976 */
  MSRP_HDR_EXPIRES,             /**< RFC 4976 */
  MSRP_HDR_MIN_EXPIRES,         /**< RFC 4976 */
  MSRP_HDR_MAX_EXPIRES,         /**< RFC 4976 */
  MSRP_HDR_WWW_AUTHENTICATE,    /**< RFC 4976 */
  MSRP_HDR_AUTHORIZATION,       /**< RFC 4976 */
  MSRP_HDR_AUTHENTICATION_INFO, /**< RFC 4976 */
  MSRP_HDR_USE_NICKNAME         /**< RFC 7701 */
} msrp_header_id;

/** The canonical name of a header id ("To-Path"); NULL for MSRP_HDR_OTHER. */
MSRP_API const char *msrp_header_name(msrp_header_id id);
/** The id of a header name, case-insensitively; MSRP_HDR_OTHER if unknown. */
MSRP_API msrp_header_id msrp_header_lookup(const char *name, size_t len);

/** Success-Report and Failure-Report values. */
typedef enum msrp_report_mode {
  MSRP_REPORT_ABSENT = 0, /**< no such header (or, received, a bad value):
                             the RFC default applies */
  MSRP_REPORT_YES,
  MSRP_REPORT_NO,
  MSRP_REPORT_PARTIAL /**< Failure-Report only */
} msrp_report_mode;

/** "*" in a Byte-Range end or total. */
#define MSRP_BYTE_RANGE_UNKNOWN UINT64_MAX

typedef struct msrp_byte_range {
  uint64_t start; /**< first byte, counting from 1 */
  uint64_t end;   /**< last byte, or MSRP_BYTE_RANGE_UNKNOWN for "*" */
  uint64_t total; /**< whole message, or MSRP_BYTE_RANGE_UNKNOWN for "*" */
} msrp_byte_range;

/** The Status header of a REPORT: "000 200 OK". `reason` points into the
 * chunk and is NULL when absent. */
typedef struct msrp_status_header {
  int ns;   /**< namespace, 0 for MSRP */
  int code; /**< status code */
  const char *reason;
} msrp_status_header;

/** Continuation flags of the end-line. */
#define MSRP_FLAG_END '$'
#define MSRP_FLAG_MORE '+'
#define MSRP_FLAG_ABORT '#'

/* ---- construction ------------------------------------------------------ */

/** A new request with no headers. `tid` NULL means a random transaction id
 * of 12 letters and digits; a given `tid` must be an RFC 4975 ident: a
 * letter or digit, then 3 to 31 ident-chars (letters, digits, ".", "-",
 * "+", "%", "="), 4 to 32 in all (MSRP_ERR_PARSE_TRANSACTION_ID otherwise;
 * the parser accepts other lengths from peers). `method` is 1*UPALPHA
 * (MSRP_ERR_PARSE_METHOD otherwise). The flag is '$'. Errors:
 * MSRP_ERR_NOMEM, MSRP_ERR_RANDOM, MSRP_ERR_PARSE_TRANSACTION_ID,
 * MSRP_ERR_PARSE_METHOD, MSRP_ERR_INVALID_ARGUMENT (`out` or `method`
 * NULL). */
MSRP_API int msrp_chunk_new_request(msrp_chunk **out, const char *tid,
                                    const char *method);

/** A new response with no headers. `tid` as for msrp_chunk_new_request().
 * `code` 100..999; `comment` may be NULL (no comment on the start line).
 * Errors: MSRP_ERR_NOMEM, MSRP_ERR_RANDOM, MSRP_ERR_PARSE_TRANSACTION_ID,
 * MSRP_ERR_INVALID_ARGUMENT (`out` NULL, code out of range, a control
 * character in the comment). */
MSRP_API int msrp_chunk_new_response(msrp_chunk **out, const char *tid,
                                     int code, const char *comment);

/** The defaults of the seed's make_chunk(). Zero-initialise and set what you
 * need (designated initialisers work well). */
typedef struct msrp_chunk_params {
  const char *transaction_id; /**< NULL: random, 12 characters, one that the
                                 body does not contain an end-line of */
  const char *method;         /**< NULL: "SEND" (ignored for responses) */
  int code;                   /**< non-zero: make a response with this code */
  const char *comment;        /**< response comment; NULL: none */
  const msrp_path *to_path;   /**< copied; NULL: no To-Path header */
  const msrp_path *from_path; /**< copied; NULL: no From-Path header */
  const void *data;           /**< body, copied; may be NULL with data_len 0;
                                 requests only */
  size_t data_len;
  const char *content_type; /**< required when data_len > 0; requests only */
  char contflag;            /**< 0: '$', or '+' for a partial SEND */
  uint64_t start;           /**< Byte-Range start; 0 means 1 */
  uint64_t end;             /**< 0: start - 1 + data_len; MSRP_BYTE_RANGE_
                               UNKNOWN writes "*" */
  uint64_t length;          /**< total; 0: start - 1 + data_len;
                               MSRP_BYTE_RANGE_UNKNOWN writes "*" */
  const char *message_id;   /**< 1 to 256 ident-chars; SEND: NULL means
                               random, 16 characters; other methods: NULL
                               means none; ignored for responses */
} msrp_chunk_params;

/** Make a chunk as the seed's make_chunk does, its headers in this order:
 * To-Path, From-Path, Message-ID, Byte-Range, Content-Type (each when it
 * is written). A SEND always has a Message-ID and a Byte-Range; a request
 * with another method has a Message-ID when `message_id` is given and a
 * Byte-Range when `start`, `end` or `length` is (a REPORT carries the
 * reported message's); a response has neither. Content-Type is written
 * when `content_type` is given. The flag is `contflag`, else '+' for a SEND
 * whose range ends before its known total, else '$'. Errors:
 * MSRP_ERR_NOMEM; MSRP_ERR_INVALID_ARGUMENT for: a body without content
 * type, or without data; a response with a body or a content type; a
 * range that msrp_chunk_set_byte_range() would refuse (end before
 * start - 1, end or start after a known total, start
 * MSRP_BYTE_RANGE_UNKNOWN); an explicit end (not "*") with data_len > 0
 * where end - start + 1 != data_len (with data_len 0 the body may be
 * streamed after msrp_chunk_serialize_head()); a Message-ID that is not 1 to
 * 256 ident-chars; a body that contains the end-line of the given
 * transaction id (see msrp_chunk_serialize()); MSRP_ERR_RANDOM if the
 * random generator fails or keeps giving ids the body contains; and the
 * errors of msrp_chunk_new_request()/msrp_chunk_new_response() and
 * msrp_chunk_set_header(). `*out` is untouched on failure. */
MSRP_API int msrp_chunk_make_sized(msrp_chunk **out, const msrp_chunk_params *p,
                                   size_t params_size);
/** msrp_chunk_make_sized() with this program's struct size (@ref sized). */
#define msrp_chunk_make(...)                                                   \
  msrp_chunk_make_sized(__VA_ARGS__, sizeof(msrp_chunk_params))

/** The transaction response to `request` (RFC 4975 section 7.2): the same
 * transaction id, as received (whatever its length); To-Path is the first
 * URI of the request's From-Path (the previous hop), From-Path the first
 * URI of its To-Path (this hop); a path the request lacks (or has with a
 * bad value) is left out. `comment` NULL uses msrp_status_comment(code).
 * Errors: MSRP_ERR_NOMEM; MSRP_ERR_INVALID_ARGUMENT for `out` or `request`
 * NULL, a request that is a response or a REPORT (REPORTs get no response,
 * RFC 4975 section 7.1.2), a code out of 100..999, a control character in
 * the comment. */
MSRP_API int msrp_chunk_make_response(msrp_chunk **out,
                                      const msrp_chunk *request, int code,
                                      const char *comment);

/** A deep copy, body included (a borrowed body becomes an owned copy):
 * headers in the same order, bad received values and msrp_chunk_error()
 * too. */
MSRP_API int msrp_chunk_dup(msrp_chunk **out, const msrp_chunk *chunk);

MSRP_API void msrp_chunk_free(msrp_chunk *chunk);

/* ---- the start line ---------------------------------------------------- */

MSRP_API int msrp_chunk_is_request(const msrp_chunk *chunk);
MSRP_API const char *msrp_chunk_transaction_id(const msrp_chunk *chunk);
/** The method as written ("SEND"), or NULL for a response. */
MSRP_API const char *msrp_chunk_method(const msrp_chunk *chunk);
MSRP_API msrp_method msrp_chunk_method_id(const msrp_chunk *chunk);
/** The status code of a response, 0 for a request. */
MSRP_API int msrp_chunk_code(const msrp_chunk *chunk);
/** The comment of a response, or NULL. */
MSRP_API const char *msrp_chunk_comment(const msrp_chunk *chunk);

/* ---- headers ----------------------------------------------------------- */

MSRP_API size_t msrp_chunk_header_count(const msrp_chunk *chunk);
/** The i-th header. Returns MSRP_ERR_NOT_FOUND past the end. The strings are
 * the chunk's, valid until the chunk changes or is freed. */
MSRP_API int msrp_chunk_header_at(const msrp_chunk *chunk, size_t i,
                                  msrp_header_id *id, const char **name,
                                  const char **value);
/** The value of the first header with this name (case-insensitive), or
 * NULL. */
MSRP_API const char *msrp_chunk_header(const msrp_chunk *chunk,
                                       const char *name);
MSRP_API const char *msrp_chunk_header_by_id(const msrp_chunk *chunk,
                                             msrp_header_id id);

/** Set a header: replace the value of the first header with this name
 * (case-insensitively; the name keeps its first spelling), or add one: at
 * the end, or just before Content-Type when the chunk has one, so that
 * Content-Type stays the last header. The name must be a token starting
 * with a letter (MSRP_ERR_PARSE_HEADER otherwise). A value with a control
 * character gives MSRP_ERR_INVALID_ARGUMENT, so does a Message-ID that is
 * not 1 to 256 ident-chars; the value of another header RFC 4975/4976
 * define is checked and the MSRP_ERR_PARSE_* error the parser would record
 * is returned (MSRP_ERR_PARSE_PATH, _BYTE_RANGE, _STATUS_HEADER,
 * _REPORT_HEADER, _NUMBER_HEADER). Also MSRP_ERR_NOMEM, and
 * MSRP_ERR_INVALID_ARGUMENT for a NULL argument. The chunk is unchanged on
 * failure; msrp_chunk_error() is not changed either way. */
MSRP_API int msrp_chunk_set_header(msrp_chunk *chunk, const char *name,
                                   const char *value);
/** Add a header even if one with this name exists (WWW-Authenticate may
 * repeat), placed and checked as by msrp_chunk_set_header(). Single-valued
 * known headers give MSRP_ERR_PARSE_DUPLICATE_HEADER. */
MSRP_API int msrp_chunk_add_header(msrp_chunk *chunk, const char *name,
                                   const char *value);
/** Remove every header with this name; MSRP_ERR_NOT_FOUND if none. */
MSRP_API int msrp_chunk_remove_header(msrp_chunk *chunk, const char *name);

/** Typed access. A typed view follows the first header of its kind, and is
 * absent when that header is, or was received with a bad value (see
 * msrp_chunk_error()): the text is still there through msrp_chunk_header().
 * The paths are the chunk's; NULL when absent. A received chunk's paths are
 * parsed when first asked for (here or by msrp_chunk_error()): that first
 * call fills the chunk's cache, so a chunk is read from one thread at a
 * time, like everything else in the library. */
MSRP_API const msrp_path *msrp_chunk_to_path(const msrp_chunk *chunk);
MSRP_API const msrp_path *msrp_chunk_from_path(const msrp_chunk *chunk);
MSRP_API const msrp_path *msrp_chunk_use_path(const msrp_chunk *chunk);
MSRP_API int msrp_chunk_set_to_path(msrp_chunk *chunk, const msrp_path *p);
MSRP_API int msrp_chunk_set_from_path(msrp_chunk *chunk, const msrp_path *p);

/** The value of the first Message-ID or Content-Type header, or NULL. */
MSRP_API const char *msrp_chunk_message_id(const msrp_chunk *chunk);
MSRP_API const char *msrp_chunk_content_type(const msrp_chunk *chunk);

/** 0 and *out filled, or MSRP_ERR_NOT_FOUND. */
MSRP_API int msrp_chunk_byte_range(const msrp_chunk *chunk,
                                   msrp_byte_range *out);
/** Writes "start-end/total" ("*" for MSRP_BYTE_RANGE_UNKNOWN), as
 * msrp_chunk_set_header() would. MSRP_ERR_PARSE_BYTE_RANGE unless start is
 * 1 or more (not "*"), end is start - 1 or more, and with a known total,
 * end is at most the total and start too (or total + 1 for the empty range
 * "total+1-total/total", as in "1-0/0"). */
MSRP_API int msrp_chunk_set_byte_range(msrp_chunk *chunk, uint64_t start,
                                       uint64_t end, uint64_t total);

MSRP_API msrp_report_mode msrp_chunk_success_report(const msrp_chunk *chunk);
MSRP_API msrp_report_mode msrp_chunk_failure_report(const msrp_chunk *chunk);

/** 1 if `request` gets a transaction response with `code`, 0 if not
 * (RFC 4975 section 7.2): never a REPORT, never with Failure-Report "no",
 * only a failure (not a 200) with "partial". */
MSRP_API int msrp_chunk_wants_response(const msrp_chunk *request, int code);

/** RFC 4975 section 7.3: 0 if `request` is addressed to the session whose
 * paths are `local` (ours) and `remote` (the peer's full path): the last
 * To-Path URI is our last URI, and the From-Path equals `remote`.
 * MSRP_STATUS_NO_SESSION (481) if not; MSRP_STATUS_BAD_REQUEST (400) for
 * a response or a request without both paths. */
MSRP_API int msrp_chunk_check_session(const msrp_chunk *request,
                                      const msrp_path *local,
                                      const msrp_path *remote);
/** msrp_chunk_check_session(), or with `session_id_only` (RFC 6714 CEMA,
 * where a middlebox may stand between the endpoints) comparing only the
 * session ids: of the last To-Path URI with our last URI's, and of each
 * From-Path URI with `remote`'s (the same number of them). */
MSRP_API int msrp_chunk_check_session_mode(const msrp_chunk *request,
                                           const msrp_path *local,
                                           const msrp_path *remote,
                                           int session_id_only);

/** 0 and *out filled, or MSRP_ERR_NOT_FOUND. */
MSRP_API int msrp_chunk_status(const msrp_chunk *chunk,
                               msrp_status_header *out);

/** Expires, Min-Expires or Max-Expires in seconds (any number of digits is
 * accepted; a value above UINT32_MAX reads as UINT32_MAX): 0, or
 * MSRP_ERR_NOT_FOUND, or MSRP_ERR_INVALID_ARGUMENT for another id. */
MSRP_API int msrp_chunk_expiry(const msrp_chunk *chunk, msrp_header_id id,
                               uint32_t *out);

/* ---- errors of a received chunk ---------------------------------------- */

/** 0, or the first chunk error the parser found in this chunk: an
 * MSRP_ERR_PARSE_* for a known header with a bad value (_PATH,
 * _BYTE_RANGE, _STATUS_HEADER, _REPORT_HEADER, _NUMBER_HEADER,
 * _MESSAGE_ID), a single-valued header twice (_DUPLICATE_HEADER), or
 * To-Path or From-Path missing (_MISSING_TO_PATH, _MISSING_FROM_PATH,
 * found when the headers end). The framing was intact: the chunk was
 * parsed to its end-line. A request with an error deserves a 400. Always 0
 * for a chunk built through this API; setters do not change it. */
MSRP_API int msrp_chunk_error(const msrp_chunk *chunk);

/* ---- body and flag ----------------------------------------------------- */

/** Copy `len` bytes as the body. */
MSRP_API int msrp_chunk_set_body(msrp_chunk *chunk, const void *data,
                                 size_t len);
/** Use `data` as the body without copying: the caller keeps it alive and
 * unchanged until the chunk is freed or given another body. */
MSRP_API void msrp_chunk_set_body_ref(msrp_chunk *chunk, const void *data,
                                      size_t len);
/** The body (NULL with *len 0 when there is none). */
MSRP_API const uint8_t *msrp_chunk_body(const msrp_chunk *chunk, size_t *len);

/** Whether the chunk carries content-stuff: a Content-Type or a body. Such a
 * chunk has an empty line after its headers and CRLF before its end-line. */
MSRP_API int msrp_chunk_has_content(const msrp_chunk *chunk);

MSRP_API char msrp_chunk_flag(const msrp_chunk *chunk);
/** '$', '+' or '#'; MSRP_ERR_INVALID_ARGUMENT otherwise. */
MSRP_API int msrp_chunk_set_flag(msrp_chunk *chunk, char flag);

/* ---- serialization ----------------------------------------------------- */

#define MSRP_CHUNK_IOV_MAX 3

/** The wire bytes of the whole chunk as up to three pieces: head (start
 * line, headers and, with content, the empty line), body, tail (CRLF before
 * the end-line when there is content, and the end-line). The body is not
 * copied: iov[1] points at the chunk's body. Head and tail are rendered into
 * the chunk and stay valid until it changes or is freed. Returns the number
 * of pieces written to `iov` (2 or 3) or a negative error: MSRP_ERR_NOMEM,
 * or MSRP_ERR_BODY_HAS_END_LINE when the body would end the chunk early
 * (RFC 4975 section 7.1): it contains CRLF "-------" transaction-id followed
 * by '$', '+' or '#', or begins with "-------" transaction-id and such a
 * flag (the empty line's CRLF comes before it). */
MSRP_API int msrp_chunk_serialize(msrp_chunk *chunk,
                                  struct iovec iov[MSRP_CHUNK_IOV_MAX]);

/** Only the head, for a body streamed by the caller (who must keep the
 * end-line out of it: see msrp_chunk_serialize()). Errors: MSRP_ERR_NOMEM. */
MSRP_API int msrp_chunk_serialize_head(msrp_chunk *chunk, struct iovec *head);

/** Only the tail, with a given flag (e.g. '+' to interrupt a chunk whose
 * head said more, or '#' to abort). */
MSRP_API int msrp_chunk_serialize_tail(msrp_chunk *chunk, char flag,
                                       struct iovec *tail);

/** The whole chunk as one new NUL-terminated string (for logs, tests and
 * small programs); the caller frees *out with free(). Errors as
 * msrp_chunk_serialize(). */
MSRP_API int msrp_chunk_to_bytes(msrp_chunk *chunk, char **out, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
